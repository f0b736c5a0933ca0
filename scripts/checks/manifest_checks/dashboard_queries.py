"""The PromQL of a Grafana dashboard: every panel target, query variable and annotation, its
datasource a dashboard variable, and the expression with Grafana's variables replaced by values
PromQL accepts (so promtool can parse it and Prometheus can run it)."""

import re
from typing import Any, TypedDict

from .dashboard_layout import Dashboard, all_panels
from .report import Report


class Query(TypedDict):
    """One PromQL expression of a dashboard, as dashboard-exprs.json stores it."""

    file: str
    where: str  # "panel 3 'Title'", "variable pod", "annotation 'Deploys'"
    expr: str  # as written in the dashboard
    promql: str  # with Grafana's variables substituted


# $__rate_interval and friends become durations, any other variable a regex matching anything.
SUBSTITUTIONS = [
    (r"\$__rate_interval|\$\{__rate_interval\}", "1m"),
    (r"\$__interval|\$\{__interval\}", "1m"),
    (r"\$__range|\$\{__range\}", "1h"),
    (r"\$\{?\w+(:\w+)?\}?", ".*"),
]
# Grafana's query functions of a variable: only the PromQL inside is PromQL.
WRAPPERS = (r"\s*label_values\((.*),\s*\w+\)\s*", r"\s*query_result\((.*)\)\s*")


def substitute(expr: str) -> str:
    for pattern, replacement in SUBSTITUTIONS:
        expr = re.sub(pattern, replacement, expr)
    return expr


def unwrap(expr: str) -> str:
    for wrapper in WRAPPERS:
        m = re.fullmatch(wrapper, expr, re.S)
        if m:
            return m.group(1)
    return expr


def sources(d: Dashboard) -> list[tuple[str, Any, dict[str, Any]]]:
    """(where, datasource, target) of every query in the dashboard."""
    found = []
    for p in all_panels(d.get("panels", [])):
        for t in p.get("targets", []):
            where = f"panel {p['id']} {p.get('title')!r}"
            found.append((where, t.get("datasource") or p.get("datasource"), t))
    variables = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
    for v in variables.values():
        if v["type"] == "query":
            q = v["query"]
            if isinstance(q, dict) and "query" in q:
                q = q["query"]
            found.append((f"variable {v['name']}", v.get("datasource"), _target(q)))
    for a in d.get("annotations", {}).get("list", []):
        if "expr" in a:
            found.append((f"annotation {a['name']!r}", a.get("datasource"), {"expr": a["expr"]}))
    return found


def _target(query: Any) -> dict[str, Any]:
    return {"expr": query} if isinstance(query, str) else query


def queries(path: str, d: Dashboard, report: Report) -> list[Query]:
    """The dashboard's Prometheus queries; reports a datasource that is not a variable and an
    empty expression."""
    found: list[Query] = []
    for where, ds, target in sources(d):
        ds = ds or {}
        uid_ref = ds.get("uid", "")
        if not (uid_ref.startswith("${") or uid_ref == "-- Grafana --"):
            report.add(f"{path}: {where}: datasource must be a variable, got {uid_ref!r}")
        if ds.get("type") != "prometheus":
            continue
        expr = unwrap(target.get("expr", ""))
        if not expr.strip():
            report.add(f"{path}: {where}: empty expression")
            continue
        found.append({"file": path, "where": where, "expr": expr, "promql": substitute(expr)})
    return found
