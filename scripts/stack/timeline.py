"""The loop's timeline: load, replicas, p95 and connections per pod every 15 s, with each phase
and the autoscaler's decision, as CSV and Markdown (kept as CI artefacts)."""

from __future__ import annotations

import csv
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import observe
from .replicas import Deployment
from .state import State

STEP = 15.0
QUERIES = {
    "load_rps": 'sum(rate(http_server_request_duration_seconds_count{job="notejam"}[1m]))',
    "p95_ms": "histogram_quantile(0.95, sum by (le) "
    '(rate(http_server_request_duration_seconds_bucket{job="notejam"}[1m]))) * 1000',
    "conns_per_pod": "notejam:http_open_connections:per_pod",
    "errors_ratio": "notejam:http_request_errors:ratio_rate5m",
}


@dataclass
class Sample:
    at: float
    counts: dict[str, int]


class Sampler:
    """The actuator's own counts every 5 s: known even while Prometheus is down."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(Sample(time.time(), self.deployment.counts()))
            self._stop.wait(5)


def _at(points: list, t: float, key):
    """The last point at or before t."""
    best = None
    for p in points:
        if key(p) <= t:
            best = p
        else:
            break
    return best


def build(
    state: State, marks: dict[str, float], samples: list[Sample], decisions: list
) -> list[dict]:
    start, end = marks["baseline"], marks.get("end", time.time())
    series = {
        name: observe.series(state.url("prometheus"), q, start, end, STEP)
        for name, q in QUERIES.items()
    }
    phases = sorted(marks.items(), key=lambda kv: kv[1])
    rows = []
    t = start
    while t <= end:
        phase = _at(phases, t, lambda kv: kv[1])
        sample = _at(samples, t, lambda s: s.at)
        decided = _at(decisions, t, lambda d: d.at)
        row = {
            "t_s": round(t - start),
            "phase": phase[0] if phase else "",
            "replicas": sample.counts["running"] - sample.counts["stopping"] if sample else "",
            "serving": sample.counts["ready"] if sample else "",
            "desired": decided.decision["desired"] if decided else "",
            "reason": decided.decision.get("reason", "") if decided else "",
        }
        for name in QUERIES:
            value = series[name].get(round(t, 3))
            if value is None:  # Prometheus aligns steps on `start`; tolerate float noise
                value = next((v for k, v in series[name].items() if abs(k - t) < 1), None)
            row[name] = "" if value is None else round(value, 3 if name == "errors_ratio" else 1)
        rows.append(row)
        t += STEP
    return rows


def write(report: Path, rows: list[dict], marks: dict[str, float]) -> None:
    with open(report / "timeline.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    header = (
        "| t (s) | phase | load (req/s) | replicas | serving | desired | reason | p95 (ms) "
        "| conns/pod | 5xx ratio (5m) |"
    )
    lines = [header, "|---" * 10 + "|"]
    for r in rows:
        lines.append(
            f"| {r['t_s']} | {r['phase']} | {r['load_rps']} | {r['replicas']} | {r['serving']} | "
            f"{r['desired']} | {r['reason']} | {r['p95_ms']} | {r['conns_per_pod']} "
            f"| {r['errors_ratio']} |"
        )
    start = marks["baseline"]
    legend = ", ".join(
        f"{k} at {v - start:.0f} s" for k, v in sorted(marks.items(), key=lambda kv: kv[1])
    )
    (report / "timeline.md").write_text(
        "Timeline of the platform loop (every 15 s; load, p95 and connections from Prometheus, "
        "so blank while it was stopped; replicas from the actuator).\n\n"
        f"Phases: {legend}.\n\n" + "\n".join(lines) + "\n"
    )
    print("\n".join(lines))


def write_checks(report: Path, verdicts: list, results: dict[str, dict], baseline: dict) -> None:
    lines = ["| check | result | detail |", "|---|---|---|"]
    lines += [f"| {v.name} | {'PASS' if v.ok else 'FAIL'} | {v.detail} |" for v in verdicts]
    lines += [
        "",
        "| load phase | requests | req/s | p95 (ms, corrected) | errors |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {name} | {r['requests']} | {r['rps']:.1f} | {r['p95_ms']:.0f} | {r['error_rate']:.2%} |"
        for name, r in results.items()
    ]
    lines += [
        "",
        f"Baseline: normal step {baseline['normal_step']}, knee step {baseline.get('knee_step')}, "
        f"{baseline['normal_connections_per_pod']:.1f} normal connections per pod, "
        f"{baseline['capacity_rps_per_pod']:.1f} req/s capacity per pod.",
    ]
    (report / "checks.md").write_text("\n".join(lines) + "\n")
