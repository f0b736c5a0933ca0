"""Stand-in for RDS's CloudWatch metrics: the real PostgreSQL's CPU, as `AWS/RDS CPUUtilization`.

Every 15 s it reads the CPU time of the postmaster and its children from /proc and puts the
share of the machine's cores they used into the CloudWatch emulator, under the DB instance the
prod ScalingPolicy names. Runs under the test venv's Python (boto3 comes with moto).
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import datetime, timezone
from pathlib import Path

import boto3

from . import services
from .state import State

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """CPU seconds of the postmaster (with its reaped children's) and of its live children."""
    total = 0
    for i, pid in enumerate(pids):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue  # a backend that ended between listing and reading
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if i == 0:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime: backends that ended
    return total / TICKS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--instance", default="notejam-prod")
    parser.add_argument("--period", type=float, default=15.0)
    args = parser.parse_args()
    state = State.load(args.state)
    cloudwatch = boto3.client("cloudwatch", endpoint_url=state.url("moto"))
    cores = os.cpu_count() or 1
    before, then = cpu_seconds(services.postgres_pids(state)), time.monotonic()
    while True:
        time.sleep(args.period)
        now_cpu, now = cpu_seconds(services.postgres_pids(state)), time.monotonic()
        # A backend that ended after the postmaster reaped it moves into cutime: never negative.
        share = max(0.0, (now_cpu - before) / (now - then) / cores * 100)
        before, then = now_cpu, now
        cloudwatch.put_metric_data(
            Namespace="AWS/RDS",
            MetricData=[
                {
                    "MetricName": "CPUUtilization",
                    "Unit": "Percent",
                    "Value": round(share, 2),
                    "Timestamp": datetime.now(timezone.utc),
                    "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": args.instance}],
                }
            ],
        )


if __name__ == "__main__":
    main()
