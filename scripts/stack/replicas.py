"""The actuator: app containers to the replica count the autoscaler decides.

Stand-in, named as such: no Kubernetes API server can run here, so this plays the parts of the
cluster that turn `deployments/scale` into serving pods, with the timings our manifests set:
- the Deployment controller and kubelet: start a container per missing replica (podman, the
  pod's securityContext: non-root, read-only root filesystem, no capabilities; a CPU limit);
  on scale-down the newest go first, each leaves the target group, waits out its preStop pause,
  then gets SIGTERM and the termination grace period;
- the readiness probe (`/readyz` on the admin port) and the ALB target group, which sends
  traffic only after `healthy-threshold-count` health checks `healthcheck-interval-seconds` apart;
- kube-state-metrics: the Deployment's replica counts, pushed to the Pushgateway.
"""

from __future__ import annotations

import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import procs, services
from .state import Replica, State

MANIFESTS = Path(__file__).resolve().parents[2] / "k8s/base/app"


@dataclass(frozen=True)
class PodTimings:
    """What the manifests say about a pod's way in and out, read from them so they cannot drift."""

    readiness_period: float
    health_interval: float
    healthy_threshold: int
    prestop_seconds: float
    grace_seconds: float

    @classmethod
    def from_manifests(cls) -> PodTimings:
        deployment = yaml.safe_load((MANIFESTS / "deployment.yaml").read_text())
        pod = deployment["spec"]["template"]["spec"]
        app = next(c for c in pod["containers"] if c["name"] == "notejam")
        notes = yaml.safe_load((MANIFESTS / "ingress.yaml").read_text())["metadata"]["annotations"]
        return cls(
            readiness_period=float(app["readinessProbe"]["periodSeconds"]),
            health_interval=float(notes["alb.ingress.kubernetes.io/healthcheck-interval-seconds"]),
            healthy_threshold=int(notes["alb.ingress.kubernetes.io/healthy-threshold-count"]),
            prestop_seconds=float(app["lifecycle"]["preStop"]["sleep"]["seconds"]),
            grace_seconds=float(pod["terminationGracePeriodSeconds"]),
        )


class Deployment:
    """The app's replicas: containers, target-group membership and the counts Prometheus sees."""

    def __init__(self, state: State, timings: PodTimings | None = None) -> None:
        self.state = state
        self.timings = timings or PodTimings.from_manifests()
        self.lock = threading.Lock()
        self.desired = len(state.replicas)
        # Replicas handed over by `up` already serve behind the load balancer.
        self.starting: set[int] = set()
        self.in_lb: set[int] = {r.slot for r in state.replicas}
        self.stopping: set[int] = set()
        self.threads: list[threading.Thread] = []
        # What went wrong in a replica's thread: raised by the next wait, never swallowed.
        self.failures: list[BaseException] = []
        # Restarts of replicas already removed (the kubelet restarts a container that dies).
        self.removed_restarts: dict[str, int] = {}

    # --- what the scale subresource does ---------------------------------------------------

    def scale(self, desired: int) -> None:
        """Starts or stops containers until `desired` replicas exist (not waiting for them)."""
        with self.lock:
            self.desired = desired
            live = [r for r in self.state.replicas if r.slot not in self.stopping]
            for _ in range(desired - len(live)):
                self._spawn(self._add_replica())
            if desired < len(live):
                # The ReplicaSet deletes unready pods first, then the newest.
                victims = sorted(live, key=lambda r: (r.slot not in self.starting, -r.slot))
                for replica in victims[: len(live) - desired]:
                    self.stopping.add(replica.slot)
                    self.in_lb.discard(replica.slot)
                    self._spawn_stop(replica)
                self._write_lb()
            self._push_counts()

    def wait_settled(self, seconds: float) -> None:
        """Waits until every replica asked for serves and every removed one is gone."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.raise_failures()
            with self.lock:
                if not self.starting and not self.stopping and len(self.in_lb) == self.desired:
                    return
            time.sleep(0.5)
        raise SystemExit(f"replicas did not settle at {self.desired} within {seconds:.0f} s")

    def counts(self) -> dict[str, int]:
        with self.lock:
            return {
                "desired": self.desired,
                "running": len(self.state.replicas),
                "ready": len(self.in_lb),
                "starting": len(self.starting),
                "stopping": len(self.stopping),
            }

    def restarts(self) -> dict[str, int]:
        """How often each replica of this run was restarted after dying (OOM kills included)."""
        with self.lock:
            live = [r.name for r in self.state.replicas]
        return {**self.removed_restarts, **{name: restart_count(name) for name in live}}

    def join(self) -> None:
        for t in self.threads:
            t.join()

    # --- a replica's way in ----------------------------------------------------------------

    def _add_replica(self) -> Replica:
        used = {r.slot for r in self.state.replicas}
        slot = next(i for i in range(len(used) + 1) if i not in used)
        replica = Replica(slot=slot, port=procs.free_port(), admin_port=procs.free_port())
        self.state.replicas.append(replica)
        self.starting.add(slot)
        self.state.save()
        return replica

    def _spawn(self, replica: Replica) -> None:
        self._thread(self._bring_up, replica)

    def _thread(self, target, replica: Replica) -> None:
        def guarded() -> None:
            try:
                target(replica)
            except BaseException as e:
                with self.lock:
                    self.failures.append(e)

        t = threading.Thread(target=guarded, daemon=True)
        self.threads.append(t)
        t.start()

    def raise_failures(self) -> None:
        """Re-raises, in the caller's thread, the first failure of a replica's thread."""
        with self.lock:
            if self.failures:
                raise SystemExit(f"a replica failed: {self.failures[0]}")

    def _bring_up(self, replica: Replica) -> None:
        run_container(self.state, replica)
        with self.lock:
            self._write_targets()
        admin = f"http://127.0.0.1:{replica.admin_port}"
        # Readiness probe, then the ALB's consecutive health checks on the traffic port.
        deadline = time.monotonic() + 120
        while procs.http_status(f"{admin}/readyz") != 200:
            gone = (
                procs.run(
                    ["podman", "inspect", "--format", "{{.State.Running}}", replica.name],
                    check=False,
                ).stdout.strip()
                != "true"
            )
            if gone or time.monotonic() > deadline:
                logs = procs.run(["podman", "logs", "--tail", "30", replica.name], check=False)
                raise SystemExit(f"{replica.name} never became ready:\n{logs.stdout}{logs.stderr}")
            time.sleep(self.timings.readiness_period)
        passed = 0
        while passed < self.timings.healthy_threshold:
            ok = procs.http_status(f"http://127.0.0.1:{replica.port}/signin/") == 200
            passed = passed + 1 if ok else 0
            if passed < self.timings.healthy_threshold:
                time.sleep(self.timings.health_interval)
        with self.lock:
            self.starting.discard(replica.slot)
            if replica.slot not in self.stopping:
                self.in_lb.add(replica.slot)
                self._write_lb()
            self._push_counts()

    # --- and out ---------------------------------------------------------------------------

    def _spawn_stop(self, replica: Replica) -> None:
        self._thread(self._take_down, replica)

    def _take_down(self, replica: Replica) -> None:
        time.sleep(self.timings.prestop_seconds)
        grace = max(1, int(self.timings.grace_seconds - self.timings.prestop_seconds))
        procs.run(["podman", "stop", "--time", str(grace), replica.name], check=False)
        self.removed_restarts[replica.name] = restart_count(replica.name)
        procs.run(["podman", "rm", "--force", replica.name], check=False)
        with self.lock:
            self.state.replicas = [r for r in self.state.replicas if r.slot != replica.slot]
            self.stopping.discard(replica.slot)
            self.starting.discard(replica.slot)
            self.state.save()
            self._write_targets()
            self._push_counts()

    # --- what the rest of the platform sees ------------------------------------------------

    def _write_lb(self) -> None:
        ports = [r.port for r in self.state.replicas if r.slot in self.in_lb]
        services.write_upstream(self.state, ports)
        services.reload_nginx(self.state)

    def _write_targets(self) -> None:
        services.write_targets(self.state, [(r.name, r.admin_port) for r in self.state.replicas])

    def _push_counts(self) -> None:
        existing = len(self.state.replicas) - len(self.stopping)
        ready = len(self.in_lb)
        labels = f'namespace="{services.NAMESPACE}",deployment="notejam"'
        body = "".join(
            f"{name}{{{labels}}} {value}\n"
            for name, value in [
                ("kube_deployment_spec_replicas", self.desired),
                ("kube_deployment_status_replicas", existing),
                ("kube_deployment_status_replicas_available", ready),
                ("kube_deployment_status_replicas_unavailable", max(0, self.desired - ready)),
            ]
        )
        req = urllib.request.Request(
            f"{self.state.url('pushgateway')}/metrics/job/kube-state-metrics",
            data=body.encode(),
            method="PUT",
        )
        with urllib.request.urlopen(req, timeout=5):
            pass


def container_env(state: State, replica: Replica) -> dict[str, str]:
    """The pod's environment, as k8s/base/app/deployment.yaml and the prod overlay set it."""
    return {
        "NOTEJAM_LISTEN": f"127.0.0.1:{replica.port}",
        "NOTEJAM_ADMIN_LISTEN": f"127.0.0.1:{replica.admin_port}",
        "DATABASE_URL": state.database_url,
        "NOTEJAM_SECRET_KEY": state.secret_key,
        "NOTEJAM_MIGRATE": "false",
        "NOTEJAM_DB_MAX_CONNECTIONS": "10",
        "NOTEJAM_FAULT_INJECTION": "true",
        "OTEL_EXPORTER_OTLP_ENDPOINT": state.url("collector"),
        "OTEL_SERVICE_NAME": "notejam",
        "RUST_LOG": "warn",
    }


def restart_count(name: str) -> int:
    out = procs.run(["podman", "inspect", "--format", "{{.RestartCount}}", name], check=False)
    return int(out.stdout.strip() or 0)


def run_container(state: State, replica: Replica) -> None:
    # restartPolicy Always, as the kubelet: a container that dies comes back (and counts).
    options = ["--detach", "--restart=always", f"--cpus={state.cpus_per_replica}", "--memory=512m"]
    image = f"localhost/notejam:{state.image_tag}"
    env = container_env(state, replica)
    procs.run(procs.podman_run(image, ["serve"], name=replica.name, env=env, options=options))
