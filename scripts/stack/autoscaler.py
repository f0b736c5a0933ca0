"""`notejam-autoscaler evaluate --watch` in its container, its decisions applied by the actuator.

The autoscaler decides with the prod overlay's real ScalingPolicy, from the platform's
Prometheus and the CloudWatch emulator, with the baseline the load test just wrote; each JSON
line it prints is one cycle's decision, and the actuator scales the containers to it.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from . import procs
from .replicas import Deployment
from .state import State

REPO = Path(__file__).resolve().parents[2]
CONTAINER = "notejam-loop-autoscaler"
PROD_POLICY = REPO / "k8s/overlays/prod/scaling-policy.yaml"


@dataclass
class Decided:
    """One cycle as the autoscaler printed it, with the wall-clock time it arrived."""

    at: float
    record: dict

    @property
    def decision(self) -> dict:
        # evaluate prints the object one step of `simulate --output json` holds; ours is `ours`.
        return self.record.get("ours", self.record)


@dataclass
class Loop:
    """The running autoscaler process and what it decided so far."""

    proc: subprocess.Popen
    deployment: Deployment
    decisions: list[Decided] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None
    # Every decision line as it came, with its arrival time: the loop's record, kept as an artefact.
    log: TextIO | None = None

    def follow(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                self.errors.append(f"unreadable decision line: {e}: {line[:200]}")
                continue
            decided = Decided(at=time.time(), record=record)
            self.decisions.append(decided)
            if self.log is not None:
                self.log.write(json.dumps({"received_at": decided.at, **record}) + "\n")
                self.log.flush()
            desired = int(decided.decision["desired"])
            if desired != self.deployment.desired:
                self.deployment.scale(desired)

    def stop(self) -> None:
        procs.stop_container(CONTAINER, self.proc)
        if self.reader is not None:
            self.reader.join(timeout=5)
        if self.log is not None:
            self.log.close()


def start(
    state: State, deployment: Deployment, baseline: Path, logs: Path, aws: dict[str, str]
) -> Loop:
    env = {k: v for k, v in aws.items() if k != "AWS_ENDPOINT_URL_CLOUDWATCH"}
    volumes = [
        f"{PROD_POLICY}:/config/scaling-policy.yaml:ro",
        f"{baseline.resolve()}:/config/baseline.json:ro",
    ]
    args = [
        "evaluate",
        "--policy",
        "/config/scaling-policy.yaml",
        "--baseline",
        "/config/baseline.json",
        "--prometheus-url",
        state.url("prometheus"),
        "--cloudwatch-endpoint-url",
        state.url("moto"),
        # The count it starts from; then each cycle takes its own decision as applied, which the
        # actuator makes true. (A count read back through Prometheus lags a scrape behind the
        # actuator, and a decision made on a stale count would undo the last scale-up.)
        "--replicas",
        str(len(deployment.state.replicas)),
        "--watch",
        "--output",
        "json",
    ]
    image = f"localhost/notejam-autoscaler:{state.image_tag}"
    argv = procs.podman_run(image, args, name=CONTAINER, env=env, volumes=volumes)
    stderr = open(logs / "autoscaler.log", "ab")  # noqa: SIM115 (the child keeps it)
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL, text=True
    )
    decisions = open(logs / "decisions.jsonl", "w")  # noqa: SIM115 (closed with the loop)
    loop = Loop(proc=proc, deployment=deployment, log=decisions)
    loop.reader = threading.Thread(target=loop.follow, daemon=True)
    loop.reader.start()
    return loop
