"""What the loop must show, each judged from what was recorded (decisions with their arrival
times, the load generator's per-second timeline, Alertmanager, the collector)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .autoscaler import Decided

ALERT = "NotejamAvailabilityBudgetBurnFast"
# The CI gate's latency threshold (loadgen.GATE_THRESHOLDS): what "broken" means for a user.
P95_LIMIT_MS = 300.0
SCALE_UP_WITHIN_S = 60.0
# After the scale-up has had time to land, the spike's seconds over the threshold stay rare.
RECOVERED_SHARE = 0.10
SCALE_DOWN_SLACK_S = 120.0


@dataclass(frozen=True)
class Verdict:
    name: str
    ok: bool
    detail: str


def gate(exit_code: int) -> Verdict:
    meaning = {0: "passed", 99: "a threshold failed", 1: "could not run"}.get(exit_code, "?")
    return Verdict(
        "the load gate (CI's thresholds) passes on the app image",
        exit_code == 0,
        f"exit {exit_code}: {meaning}",
    )


def scaled_up(decisions: list[Decided], t: dict[str, float], start: int) -> Verdict:
    name = f"scales up within {SCALE_UP_WITHIN_S:.0f} s of the spike's start"
    spike = [d for d in decisions if t["spike"] <= d.at <= t["spike-end"]]
    ups = [d for d in spike if d.decision["desired"] > start]
    if not ups:
        return Verdict(name, False, f"no decision above the starting {start} replicas")
    first = ups[0].at - t["spike"]
    peak = max(d.decision["desired"] for d in spike)
    return Verdict(
        name,
        first <= SCALE_UP_WITHIN_S,
        f"first scale-up {first:.0f} s in, {start} -> {peak} replicas at the peak",
    )


def recovered(seconds: list[dict]) -> Verdict:
    """Client-side p95 per second: the threshold is not broken for long."""
    name = (
        f"p95 < {P95_LIMIT_MS:.0f} ms again once scaled: at most {RECOVERED_SHARE:.0%} of "
        "the spike's second half over it, errors < 1 %"
    )
    if not seconds:
        return Verdict(name, False, "the spike's run recorded no timeline")
    over = [s["t"] for s in seconds if s["requests"] and s["p95_ms"] > P95_LIMIT_MS]
    half = [s for s in seconds if s["t"] >= seconds[-1]["t"] / 2 and s["requests"]]
    late = [s for s in half if s["p95_ms"] > P95_LIMIT_MS]
    requests = sum(s["requests"] for s in half)
    errors = sum(s["errors"] for s in half) / requests if requests else 1.0
    share = len(late) / len(half) if half else 1.0
    last = f", the last at {over[-1]} s" if over else ""
    return Verdict(
        name,
        share <= RECOVERED_SHARE and errors < 0.01,
        f"{len(over)} s over the threshold in all{last}; second half {share:.0%} of "
        f"seconds over, errors {errors:.2%}",
    )


def held_in_outage(decisions: list[Decided], t: dict[str, float], replicas: int) -> Verdict:
    name = "holds its replicas while Prometheus is stopped"
    # The first cycle may have read Prometheus just before it stopped.
    during = [
        d.decision
        for d in decisions
        if t["prometheus-stopped"] + 1 < d.at < t["prometheus-started"]
    ]
    if not during:
        return Verdict(name, False, "no decision during the outage")
    changed = [d for d in during if d["desired"] != replicas]
    holding = all(d.get("holding") for d in during)
    return Verdict(
        name,
        not changed and holding,
        f"{len(during)} decisions, all holding: {holding}; "
        f"{len(changed)} changed the count from {replicas}",
    )


def scaled_down(decisions: list[Decided], t: dict[str, float], peak: int, window: float) -> Verdict:
    """Never down while the spike lasts; down once its load has been gone for the window."""
    name = (
        f"scales down after the spike, within its {window:.0f} s window "
        f"+ {SCALE_DOWN_SLACK_S:.0f} s, never during it"
    )
    early = [
        d
        for d in decisions
        if t["spike"] < d.at < t["spike-end"] and d.decision["desired"] < d.decision["current"]
    ]
    downs = [d for d in decisions if d.at > t["spike-end"] and d.decision["desired"] < peak]
    if not downs:
        return Verdict(name, False, f"no scale-down from {peak} within the wait")
    first = downs[0].at - t["spike-end"]
    ok = not early and first <= window + SCALE_DOWN_SLACK_S
    return Verdict(
        name,
        ok,
        f"{len(early)} scale-downs during the spike; first step down "
        f"{first:.0f} s after the load fell, {peak} -> {downs[0].decision['desired']}",
    )


def alert_fired(alert: str, after: float | None) -> Verdict:
    return Verdict(
        f"{alert} fires in Alertmanager under a 50 % error fault",
        after is not None,
        f"after {after:.0f} s" if after is not None else "never fired within 5 minutes",
    )


def traces_arrived(collector_log: Path) -> Verdict:
    spans = (
        sum(
            1
            for line in collector_log.read_text(errors="replace").splitlines()
            if '"traceId"' in line
        )
        if collector_log.exists()
        else 0
    )
    return Verdict("the containers' traces reach the OTLP collector", spans > 0, f"{spans} spans")


def no_restarts(restarts: dict[str, int]) -> Verdict:
    died = {name: n for name, n in restarts.items() if n}
    detail = ", ".join(f"{name} x{n}" for name, n in sorted(died.items())) or "none"
    return Verdict(
        "no replica died under the load (out of memory, crash)",
        not died,
        f"restarted: {detail} ({len(restarts)} replicas ran)",
    )


def readable(errors: list[str]) -> Verdict:
    return Verdict("every decision line was readable", not errors, "; ".join(errors[:3]) or "all")
