"""`load`: the loop under real load, and what it must show.

1. `notejam-loadtest baseline` (a stepped ramp) against the running replicas writes the baseline.
2. `notejam-autoscaler evaluate --watch` starts with the prod overlay's ScalingPolicy and that
   baseline; the actuator applies each decision.
3. The load gate (`notejam-loadtest gate`, CI's thresholds) at the normal level.
4. A stepped spike: a fixed request rate of `--spike-factor` times what the starting replicas can
   serve (the baseline's capacity), in an onset and a sustained part; Prometheus is stopped in the
   middle of it and started again.
5. The load falls back; an injected fault (`/faults`, 50 % errors) must fire our availability
   alert in Alertmanager, while the autoscaler waits out its scale-down window and steps down.
Then it writes the timeline and checks each expectation; any failed one fails the command.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import autoscaler, loadgen, observe, services, timeline
from .replicas import Deployment
from .state import State

ALERT = "NotejamAvailabilityBudgetBurnFast"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--report-dir", type=Path, default=Path("test-output/platform"))
    p.add_argument("--steps", default="2,4,8,16,32", help="baseline ramp, users per step")
    p.add_argument("--step-duration", default="20s")
    p.add_argument("--gate-duration", default="40s")
    p.add_argument(
        "--spike-factor",
        type=float,
        default=2.0,
        help="spike rate as a multiple of what the starting replicas can serve",
    )
    p.add_argument("--spike-onset", type=int, default=90, help="seconds")
    p.add_argument("--spike-sustained", type=int, default=150, help="seconds")
    p.add_argument("--outage-at", type=int, default=60, help="seconds into the sustained part")
    p.add_argument("--outage", type=int, default=60, help="seconds Prometheus is stopped")
    p.add_argument(
        "--after-timeout",
        type=int,
        default=540,
        help="seconds to wait after the spike for the scale-down steps",
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
    capacity_rps = baseline["capacity_rps_per_pod"] * start_replicas

    sampler = timeline.Sampler(deployment)
    sampler.start()
    loop = autoscaler.start(
        state, deployment, baseline_file, state.path / "logs", services.aws_env(state)
    )
    try:
        marks("gate")
        gate_exit = gen.gate(normal["users"], args.gate_duration, baseline_file)

        spike_rate = args.spike_factor * capacity_rps
        marks("spike")
        onset = gen.start_rate("spike-onset", spike_rate, args.spike_onset)
        onset.wait()
        marks("spike-sustained")
        sustained = gen.start_rate("spike-sustained", spike_rate, args.spike_sustained)
        time.sleep(args.outage_at)
        marks("prometheus-stopped")
        replicas_at_outage = deployment.counts()["desired"]
        services.stop_prometheus(state)
        time.sleep(args.outage)
        services.start_prometheus(state)
        state.save()
        marks("prometheus-started")
        sustained.wait()
        marks("spike-end")
        peak = max(d.decision["desired"] for d in loop.decisions)

        after = gen.start_rate(
            "after", max(1.0, normal["requests_per_second"] / 2), args.after_timeout
        )
        fault_fired = inject_fault_until_alert(state, marks)
        scaled_down = wait_scale_down(loop, peak, marks.times["spike-end"], args.after_timeout)
        after.stop()
        marks("end")
    finally:
        loop.stop()
        sampler.stop()
        deployment.join()

    window = policy_scale_down_window()
    rows = timeline.build(state, marks.times, sampler.samples, loop.decisions)
    timeline.write(report, rows, marks.times)
    results = gen.results()
    checks = [
        (
            "the load gate passed on the container images (exit 0)",
            gate_exit == 0,
            f"exit {gate_exit}",
        ),
        check_scaled_up(loop, marks.times, start_replicas),
        check_sustained(results.get("spike-sustained")),
        check_outage(loop, marks.times, replicas_at_outage),
        check_scale_down(loop, marks.times, scaled_down, window, peak),
        (
            f"{ALERT} fired in Alertmanager under a 50 % error fault",
            fault_fired is not None,
            f"after {fault_fired:.0f} s" if fault_fired is not None else "never fired",
        ),
        ("every decision line was readable", not loop.errors, "; ".join(loop.errors[:3]) or "all"),
    ]
    timeline.write_checks(report, checks, results, baseline)
    failed = [c for c in checks if not c[1]]
    for name, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")
    return 1 if failed else 0


def policy_scale_down_window() -> float:
    import yaml

    spec = yaml.safe_load(autoscaler.PROD_POLICY.read_text())["spec"]
    return float(spec["behavior"]["scaleDown"]["stabilizationWindowSeconds"])


def inject_fault_until_alert(state: State, marks: Marks) -> float | None:
    """Half the requests of every replica answer 503 until the alert fires (or 4 minutes pass)."""
    fault = json.dumps([{"route": "*", "error_rate": 0.5, "duration_s": 240}]).encode()
    for r in state.replicas:
        observe.put(f"http://127.0.0.1:{r.admin_port}/faults", fault)
    marks("fault")
    started = time.time()
    while time.time() - started < 240:
        if any(
            a["labels"].get("alertname") == ALERT
            for a in observe.firing_alerts(state.url("alertmanager"))
        ):
            marks("alert-fired")
            fired = time.time() - started
            for r in state.replicas:
                observe.delete(f"http://127.0.0.1:{r.admin_port}/faults")
            return fired
        time.sleep(5)
    return None


def wait_scale_down(loop: autoscaler.Loop, peak: int, since: float, timeout: float) -> bool:
    """Waits until the decisions went at least two steps below the spike's peak, or timeout."""
    deadline = since + timeout
    while time.time() < deadline:
        after = [d.decision["desired"] for d in loop.decisions if d.at > since]
        if after and min(after) <= peak - 2:
            return True
        time.sleep(5)
    return False


def check_scaled_up(
    loop: autoscaler.Loop, t: dict[str, float], start: int
) -> tuple[str, bool, str]:
    ups = [
        d
        for d in loop.decisions
        if t["spike"] <= d.at <= t["spike-end"] and d.decision["desired"] > start
    ]
    if not ups:
        return ("scaled up under the spike", False, "no decision above the starting replicas")
    first = ups[0].at - t["spike"]
    peak = max(d.decision["desired"] for d in ups)
    return (
        "scaled up under the spike, within 60 s of its start",
        first <= 60,
        f"first scale-up {first:.0f} s after the spike began, {start} -> {peak} replicas",
    )


def check_sustained(result: dict | None) -> tuple[str, bool, str]:
    name = (
        "the gate's thresholds hold again once scaled (sustained spike: p95 < 300 ms, errors < 1 %)"
    )
    if result is None:
        return (name, False, "no result")
    p95, errors = result["p95_ms"], result["error_rate"]
    return (name, p95 < 300 and errors < 0.01, f"p95 {p95:.0f} ms, errors {errors:.2%}")


def check_outage(
    loop: autoscaler.Loop, t: dict[str, float], replicas: int
) -> tuple[str, bool, str]:
    during = [
        d.decision
        for d in loop.decisions
        if t["prometheus-stopped"] + 1 < d.at < t["prometheus-started"]
    ]
    if not during:
        return ("held while Prometheus was stopped", False, "no decision during the outage")
    changed = [d for d in during if d["desired"] != replicas]
    holding = all(d.get("holding") for d in during)
    return (
        "held its replicas while Prometheus was stopped",
        not changed and holding,
        f"{len(during)} decisions, all holding={holding}, "
        f"{len(changed)} changed the count from {replicas}",
    )


def check_scale_down(
    loop: autoscaler.Loop, t: dict[str, float], scaled: bool, window: float, peak: int
) -> tuple[str, bool, str]:
    downs = [d for d in loop.decisions if d.at > t["spike-end"] and d.decision["desired"] < peak]
    if not downs:
        return ("scaled back down after the spike", False, "no scale-down decision")
    first = downs[0].at - t["spike-end"]
    low = min(d.decision["desired"] for d in downs)
    # Not before the window (less one decision interval of slack), and not long after it.
    ok = scaled and window - 15 <= first <= window + 120
    return (
        f"scaled back down after the spike once its {window:.0f} s window passed (within 2 min)",
        ok,
        f"first step down {first:.0f} s after the load fell, {peak} -> {low} replicas",
    )
