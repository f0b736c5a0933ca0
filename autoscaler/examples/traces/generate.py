#!/usr/bin/env python3
"""Generate the example traces (deterministic).

Usage: generate.py [OUT_DIR] | generate.py --week FILE

Columns: time (seconds), replicas (the 4 pods running while recorded), open_connections (total
over pods; empty = missing sample), requests_per_target (per pod per minute at 4 pods).
"""

import math
import random
import sys

PODS = 4


def row(t, conns, rpm_total, missing=False):
    if missing:
        return f"{t},{PODS},,\n"
    return f"{t},{PODS},{conns:.1f},{rpm_total / PODS:.1f}\n"


def write(path, rows):
    with open(path, "w") as f:
        f.write("time,replicas,open_connections,requests_per_target\n")
        f.writelines(rows)


def daily(t, base, amp):
    # Trough at 04:00, peak at 16:00.
    return base + amp * math.sin(2 * math.pi * (t / 86400.0) - math.pi / 2 - 2 * math.pi * 4 / 24)


def main():
    rnd = random.Random(42)
    if len(sys.argv) == 3 and sys.argv[1] == "--week":
        rows = []
        for i in range(7 * 24 * 240):  # a week of 15 s samples
            t = i * 15
            c = max(0.0, daily(t, 200, 150) * rnd.uniform(0.9, 1.1))
            rows.append(row(t, c, c * 100, missing=(rnd.random() < 0.002)))
        write(sys.argv[2], rows)
        return
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    # Steady day: flat load with small noise, one-minute samples.
    write(
        f"{out}/steady-day.csv",
        [
            row(i * 60, 160 * rnd.uniform(0.97, 1.03), 16000 * rnd.uniform(0.97, 1.03))
            for i in range(1440)
        ],
    )
    # Daily cycle: 50 connections at night to 350 in the afternoon.
    write(
        f"{out}/daily-cycle.csv",
        [
            row(
                i * 60,
                daily(i * 60, 200, 150) * rnd.uniform(0.97, 1.03),
                daily(i * 60, 200, 150) * 100,
            )
            for i in range(1440)
        ],
    )
    # 4x spike: 2 h of 15 s samples, load x4 from 40 to 60 minutes, ramping in over 2 minutes.
    rows = []
    for i in range(480):
        t = i * 15
        f = 1.0
        if 2400 <= t < 3600:
            f = 1.0 + 3.0 * min(1.0, (t - 2400) / 120.0)
        rows.append(row(t, 120 * f * rnd.uniform(0.97, 1.03), 12000 * f))
    write(f"{out}/spike-4x.csv", rows)
    # Metrics outage: busy hour, both metrics missing from 30 to 60 minutes.
    write(
        f"{out}/metrics-outage.csv",
        [
            row(i * 15, 300 * rnd.uniform(0.97, 1.03), 30000, missing=(1800 <= i * 15 < 3600))
            for i in range(480)
        ],
    )
    # Noisy flapping: load swinging +-30% around the threshold every 6 minutes, with +-10% noise:
    # long enough lows to outlast a 300 s scale-down window, short enough to come back.
    rows = []
    for i in range(480):
        t = i * 15
        f = 1.3 if (t // 360) % 2 == 0 else 0.7
        rows.append(row(t, 168 * f * rnd.uniform(0.9, 1.1), 16800 * f * rnd.uniform(0.9, 1.1)))
    write(f"{out}/noisy-flapping.csv", rows)


if __name__ == "__main__":
    main()
