"""Checks the Grafana dashboards (dashboard_layout.py, dashboard_queries.py) and writes every
PromQL expression out twice: as recording rules, for `promtool check rules` to parse with the
real Prometheus parser, and as JSON, for promql_errors.py and live_queries.py. (The metric
contract is checked on syntax trees, in Rust: dashboards/tests/promql.rs.)

    dashboards RULES_OUT.yaml EXPRS_OUT.json
(run from the repository's root: it reads dashboards/grafana/*.json and dashboards/rules/)
"""

import glob
import json

from .dashboard_layout import check_layout
from .dashboard_queries import Query, queries
from .documents import dump_yaml
from .report import Report, run

DASHBOARDS = "dashboards/grafana/*.json"


def rule_name(index: int) -> str:
    """The recording rule that carries expression `index` (promql_errors.py reads it back)."""
    return f"dashboard:expr_{index}:check"


def main(args: list[str]) -> int:
    out_rules, out_exprs = args
    report = Report()
    uids: dict[str, str] = {}
    found: list[Query] = []
    files = sorted(glob.glob(DASHBOARDS))
    for path in files:
        with open(path) as f:
            dashboard = json.load(f)
        check_layout(path, dashboard, uids, report)
        found += queries(path, dashboard, report)
    rules = [{"record": rule_name(i), "expr": q["promql"]} for i, q in enumerate(found)]
    dump_yaml({"groups": [{"name": "dashboard-expressions", "rules": rules}]}, out_rules)
    with open(out_exprs, "w") as f:
        json.dump(found, f, indent=1)
    return report.finish(f"{len(files)} dashboards, {len(found)} PromQL expressions")


if __name__ == "__main__":
    run(main)
