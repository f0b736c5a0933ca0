"""`load`: the loop under real load, and what it must show.

1. `notejam-loadtest baseline` (a stepped ramp) against the running replicas writes the baseline.
2. The load gate (`notejam-loadtest gate`, CI's thresholds) at the baseline's normal level, on
   those replicas, as CI gates a deploy.
3. `notejam-autoscaler evaluate --watch` starts with the prod overlay's ScalingPolicy and that
   baseline; the actuator applies each decision.
4. A spike: a fixed request rate of `--spike-factor` times what the starting replicas can serve
   (the baseline's capacity); Prometheus is stopped in the middle of it and started again.
5. The load falls back to normal; a fault (`/faults`, 50 % errors) is injected until our
   availability alert fires in Alertmanager, while the autoscaler waits out its scale-down window.
Then it writes the timeline and judges each expectation (`checks.py`); one failed fails `load`.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import autoscaler, checks, loadgen, observe, services, timeline
from .replicas import Deployment
from .state import State


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--report-dir", type=Path, default=Path("test-output/platform"))
    p.add_argument("--steps", default="4,8,16,32,48", help="baseline ramp, users per step")
    # 30 s: a step is measured after its 10 s warm-up, and a 20 s window holds at least one of
    # Prometheus's 15 s scrapes (20 s steps left 10 s windows that a scrape could miss).
    p.add_argument("--step-duration", default="30s")
    p.add_argument("--gate-duration", default="30s")
    p.add_argument(
        "--spike-factor",
        type=float,
        default=1.3,
        help="spike rate as a multiple of what the starting replicas can serve (more would not "
        "fit on a 2-core machine beside the load generator once scaled)",
    )
    p.add_argument("--spike", type=int, default=200, help="seconds of spike")
    p.add_argument("--outage-at", type=int, default=90, help="seconds into the spike")
    p.add_argument("--outage", type=int, default=45, help="seconds Prometheus is stopped")
    p.add_argument(
        "--after-timeout",
        type=int,
        default=480,
        help="seconds to wait after the spike for the first scale-down",
    )


@dataclass
class Marks:
    """Wall-clock times of the scenario's phases, for the timeline and the checks."""

    times: dict[str, float] = field(default_factory=dict)

    def __call__(self, name: str) -> None:
        self.times[name] = time.time()
        print(f"[{time.strftime('%H:%M:%S')}] {name}", flush=True)


def run(state: State, args: argparse.Namespace) -> int:
    report: Path = args.report_dir
    report.mkdir(parents=True, exist_ok=True)
    marks = Marks()
    deployment = Deployment(state)
    start_replicas = len(state.replicas)
    gen = loadgen.LoadGen(state, report / "loadtest")

    marks("baseline")
    baseline_file = gen.baseline(args.steps, args.step_duration, start_replicas)
    baseline = json.loads(baseline_file.read_text())
    normal = baseline["steps"][baseline["normal_step"]]
    marks("gate")
    gate_exit = gen.gate(normal["users"], args.gate_duration, baseline_file)

    sampler = timeline.Sampler(deployment)
    sampler.start()
    loop = autoscaler.start(
        state, deployment, baseline_file, state.path / "logs", services.aws_env(state)
    )
    try:
        marks("spike")
        rate = args.spike_factor * baseline["capacity_rps_per_pod"] * start_replicas
        spike = gen.start_rate("spike", rate, args.spike, users=96)
        time.sleep(args.outage_at)
        marks("prometheus-stopped")
        replicas_at_outage = deployment.counts()["desired"]
        services.stop_prometheus(state)
        time.sleep(args.outage)
        services.start_prometheus(state)
        state.save()
        marks("prometheus-started")
        spike.wait()
        marks("spike-end")
        peak = max(d.decision["desired"] for d in loop.decisions)

        after = gen.start_rate(
            "after", normal["requests_per_second"], args.after_timeout, users=normal["users"]
        )
        # Its users have signed up and in before the fault: a failed sign-up would end a user.
        time.sleep(30)
        fired = inject_fault_until_alert(state, marks)
        wait_scale_down(loop, peak, marks.times["spike-end"], args.after_timeout)
        after.stop()
        marks("end")
    finally:
        restarts = deployment.restarts()
        loop.stop()
        sampler.stop()
        deployment.join()

    rows = timeline.build(state, marks.times, sampler.samples, loop.decisions)
    timeline.write(report, rows, marks.times)
    results = gen.results()
    verdicts = [
        checks.gate(gate_exit),
        checks.scaled_up(loop.decisions, marks.times, start_replicas),
        checks.recovered(rows, gen.timeline("spike")),
        checks.held_in_outage(loop.decisions, marks.times, replicas_at_outage),
        checks.scaled_down(loop.decisions, marks.times, peak, policy_scale_down_window()),
        checks.alert_fired(checks.ALERT, fired),
        checks.traces_arrived(state.path / "logs/collector.log"),
        checks.no_restarts(restarts),
        checks.readable(loop.errors),
    ]
    timeline.write_checks(report, verdicts, results, baseline)
    for v in verdicts:
        print(f"{'PASS' if v.ok else 'FAIL'}  {v.name}: {v.detail}")
    return 0 if all(v.ok for v in verdicts) else 1


def policy_scale_down_window() -> float:
    spec = yaml.safe_load(autoscaler.PROD_POLICY.read_text())["spec"]
    return float(spec["behavior"]["scaleDown"]["stabilizationWindowSeconds"])


def inject_fault_until_alert(state: State, marks: Marks) -> float | None:
    """Half the requests of every replica answer 503 until the alert fires (at most 5 minutes).

    The burn-rate alert compares the last hour's error ratio too, so it needs the errors to
    reach 1.44 % of everything since the loop began: a minute or more of faults at normal load.
    """
    fault = json.dumps([{"route": "*", "error_rate": 0.5, "duration_s": 300}]).encode()
    for r in state.replicas:
        observe.put(f"http://127.0.0.1:{r.admin_port}/faults", fault)
    marks("fault")
    started = time.time()
    try:
        while time.time() - started < 300:
            alerts = observe.firing_alerts(state.url("alertmanager"))
            if any(a["labels"].get("alertname") == checks.ALERT for a in alerts):
                marks("alert-fired")
                return time.time() - started
            time.sleep(5)
        return None
    finally:
        for r in list(state.replicas):
            observe.clear_faults(f"http://127.0.0.1:{r.admin_port}/faults")


def wait_scale_down(loop: autoscaler.Loop, peak: int, since: float, timeout: float) -> None:
    """Waits for the first decision below the spike's peak after the load fell, or timeout."""
    deadline = since + timeout
    while time.time() < deadline:
        if any(d.at > since and d.decision["desired"] < peak for d in loop.decisions):
            return
        time.sleep(5)
