"""Every metric a dashboard selects is one of the platform's contract (metric_contract.txt) or a
recording rule of ours; every `notejam:` rule a dashboard names exists."""

import re
from pathlib import Path

from .dashboard_queries import Query
from .documents import load_yaml
from .report import Report

CONTRACT = Path(__file__).with_name("metric_contract.txt")


def load_contract(path: Path = CONTRACT) -> set[str]:
    """The metric names of the contract file: one a line, `#` comments."""
    with open(path) as f:
        return {line.strip() for line in f if line.strip() and not line.startswith("#")}


def recorded_rules(prometheus_rule: str) -> set[str]:
    """The names our PrometheusRule records."""
    groups = load_yaml(prometheus_rule)["spec"]["groups"]
    return {r["record"] for g in groups for r in g["rules"] if "record" in r}


def check_metric_names(
    queries: list[Query], contract: set[str], recorded: set[str], report: Report
) -> None:
    # Names found by a regex, not a PromQL parser (issue 17 moves this to promql-parser in Rust).
    for q in queries:
        where = f"{q['file']}: {q['where']}"
        # Every metric selected with {...} or [...]: in the contract or recorded by our rules.
        for name in re.findall(r"([A-Za-z_:][A-Za-z0-9_:]*)\s*[{\[]", q["promql"]):
            base = re.sub(r"_(bucket|count|sum)$", "", name)
            if name not in contract and base not in contract and name not in recorded:
                report.add(f"{where}: metric {name} is not in the contract")
        for name in re.findall(r"\b(notejam:[A-Za-z0-9_:]+)", q["promql"]):
            if name not in recorded:
                report.add(f"{where}: recording rule {name} does not exist")
