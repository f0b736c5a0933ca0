"""Runs every dashboard query that a single app on loopback can feed against a real Prometheus,
and fails on any that returns no data.

    live_queries EXPRS.json PROMETHEUS_URL LOAD_SECONDS
"""

import json
import urllib.parse
import urllib.request

from .dashboard_queries import Query
from .report import Report, run

# Series no single process on loopback can produce: cluster state, the autoscaler, AWS.
NOT_LOCAL = ("kube_", "notejam_autoscaler_", "aws_", 'job="notejam-autoscaler"')


def is_local(q: Query) -> bool:
    return not (
        any(k in q["promql"] for k in NOT_LOCAL) or "aws" in q["file"] or "autoscaler" in q["file"]
    )


def has_data(base: str, promql: str) -> bool:
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    with urllib.request.urlopen(url, timeout=10) as response:
        body = json.load(response)
    return body["status"] == "success" and bool(body["data"]["result"])


def main(args: list[str]) -> int:
    exprs_path, base, load_seconds = args
    with open(exprs_path) as f:
        exprs: list[Query] = json.load(f)
    local = [q for q in exprs if is_local(q)]
    report = Report()
    for q in local:
        if not has_data(base, q["promql"]):
            report.add(f"{q['file']}: {q['where']}: no data for {q['promql']}")
    return report.finish(
        f"{len(local) - len(report.problems)}/{len(local)} queries returned data after a "
        f"{load_seconds} s load; {len(exprs) - len(local)} need the cluster, autoscaler or AWS"
    )


if __name__ == "__main__":
    run(main)
