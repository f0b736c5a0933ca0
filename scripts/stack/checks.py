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


def recovered(rows: list[dict], seconds: list[dict]) -> Verdict:
    """The p95 the app measures (1-minute windows, every 15 s) is back under the gate's threshold
    for the spike's last third, once the new replicas serve. The load generator's own per-second
    p95 is reported beside it: it also counts the requests its busy users could not send on time
    (coordinated omission), so a backlog from the onset keeps it high after the app recovered."""
    name = f"p95 under {P95_LIMIT_MS:.0f} ms again for the spike's last third, errors < 1 %"
    spike_phases = {"spike", "prometheus-stopped", "prometheus-started"}
    spike = [r for r in rows if r["phase"] in spike_phases]
    measured = [r for r in spike if r["p95_ms"] != ""]
    if not measured:
        return Verdict(name, False, "no server-side p95 during the spike")
    last = [
        r
        for r in measured
        if r["t_s"] >= spike[0]["t_s"] + 2 * (spike[-1]["t_s"] - spike[0]["t_s"]) / 3
    ]
    over_late = [r for r in last if r["p95_ms"] > P95_LIMIT_MS]
    broken = sum(1 for r in measured if r["p95_ms"] > P95_LIMIT_MS) * 15
    requests = sum(s["requests"] for s in seconds)
    errors = sum(s["errors"] for s in seconds) / requests if requests else 1.0
    client_over = sum(1 for s in seconds if s["requests"] and s["p95_ms"] > P95_LIMIT_MS)
    return Verdict(
        name,
        bool(last) and not over_late and errors < 0.01,
        f"app p95 over the threshold for about {broken} s of the spike, "
        f"{len(over_late)} of the last third's {len(last)} samples; client errors "
        f"{errors:.2%}; client p95 over it in {client_over} of {len(seconds)} s",
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
