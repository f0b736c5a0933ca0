"""`notejam-loadtest` from its container image against the platform's load balancer."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from . import procs
from .state import State

# The CI gate's thresholds (.circleci/config.yml, job loadtest-gate), but for the relative p95:
# CI's 1.2 compares minutes of load on 1-CPU pods; here a 15 s step's p95 of 10-20 ms moved by
# 80 % between two identical runs a minute apart (9.96 ms in the baseline, 18.4 ms in the gate,
# same replicas and users), so the allowance is 2x, and the throughput must hold too.
GATE_THRESHOLDS = ["p95<300ms", "errors<1%", "p95<baseline*2", "rps>=baseline*0.8"]
# Users pause between journeys, as people do; without a pause two users already saturate the
# scaled-down replicas and the ramp has no steps below the knee.
THINK_TIME = "1s-2s"
# Load sent but not judged while each step's new users sign up (two argon2 hashes each).
WARMUP = "10s"


class Running:
    """A load run in the background."""

    def __init__(self, name: str, proc: subprocess.Popen) -> None:
        self.name, self.proc = name, proc

    def wait(self) -> int:
        return self.proc.wait()

    def stop(self) -> None:
        procs.stop_container(f"notejam-loop-{self.name}", self.proc)


class LoadGen:
    def __init__(self, state: State, out: Path) -> None:
        self.state = state
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        os.chmod(out, 0o777)  # the image runs as uid 65532
        self.phases: list[str] = []

    def _argv(self, name: str, command: str, *args: str, prometheus: bool = True) -> list[str]:
        # Server-side figures from Prometheus where a report wants them; the spike's runs go
        # without, since Prometheus is stopped in the middle of them on purpose.
        server = ["--prometheus-url", self.state.url("prometheus")] if prometheus else []
        run_args = [command, "--host", self.state.url("lb"), *server]
        run_args += ["--report-dir", f"/reports/{name}", "--quiet", *args]
        return procs.podman_run(
            f"localhost/notejam-loadtest:{self.state.image_tag}",
            run_args,
            name=f"notejam-loop-{name}",
            volumes=[f"{self.out.resolve()}:/reports"],
        )

    def _run(self, name: str, command: str, *args: str) -> subprocess.CompletedProcess[str]:
        self.phases.append(name)
        result = procs.run(self._argv(name, command, *args), check=False)
        (self.out / f"{name}.log").write_text(result.stdout + result.stderr)
        return result

    def baseline(self, steps: str, step_duration: str, replicas: int) -> Path:
        result = self._run(
            "baseline",
            "baseline",
            "--steps",
            steps,
            "--step-duration",
            step_duration,
            "--warmup",
            WARMUP,
            "--think-time",
            THINK_TIME,
            "--replicas",
            str(replicas),
            "--db-pool-size",
            "10",
            "--environment",
            "local",
            "--output",
            "/reports/baseline.json",
        )
        if result.returncode != 0:
            raise SystemExit(
                f"the baseline did not run (exit {result.returncode}):\n"
                f"{result.stdout}{result.stderr}"
            )
        return self.out / "baseline.json"

    def gate(self, users: int, run_time: str, baseline: Path) -> int:
        thresholds = [a for t in GATE_THRESHOLDS for a in ("--threshold", t)]
        result = self._run(
            "gate",
            "gate",
            "--users",
            str(users),
            "--run-time",
            run_time,
            # As each baseline step has: the users' sign-ups (argon2) are not the load judged.
            "--warmup",
            WARMUP,
            "--think-time",
            THINK_TIME,
            "--baseline",
            f"/reports/{baseline.name}",
            *thresholds,
            "--junit",
            "/reports/gate-junit.xml",
        )
        return result.returncode

    def start_rate(self, name: str, rate: float, seconds: int, users: int = 64) -> Running:
        """A fixed request rate (open model) for `seconds`, in the background."""
        self.phases.append(name)
        log = open(self.out / f"{name}.log", "w")  # noqa: SIM115 (the child keeps it)
        argv = self._argv(
            name,
            "run",
            "--rate",
            f"{rate:.1f}",
            "--users",
            str(users),
            "--run-time",
            f"{seconds}s",
            prometheus=False,
        )
        return Running(name, subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT))

    def timeline(self, name: str) -> list[dict]:
        """A run's per-second figures (t, requests, errors, p95_ms, ...), from its result."""
        file = self.out / name / "result.json"
        return json.loads(file.read_text())["timeline"] if file.exists() else []

    def results(self) -> dict[str, dict]:
        """Each phase's totals: requests, p95 (corrected, ms), error rate."""
        out = {}
        for name in self.phases:
            file = self.out / name / "result.json"
            if not file.exists():
                continue
            total = json.loads(file.read_text())["total"]
            out[name] = {
                "requests": total["requests"],
                "rps": total["requests_per_second"],
                "p95_ms": total["latency_ms"]["p95"],
                "error_rate": total["error_rate"],
            }
        return out
