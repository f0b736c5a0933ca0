"""Reading the platform as an SRE would: Prometheus's HTTP API and Alertmanager's."""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.parse
import urllib.request


def _get(url: str, timeout: float = 10.0) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return json.load(resp)


def instant(prometheus: str, query: str) -> float | None:
    """One number from an instant query (a scalar or a one-series vector); None when empty."""
    body = _get(f"{prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": query}))
    data = body["data"]
    if data["resultType"] == "scalar":
        value = float(data["result"][1])
    elif not data["result"]:
        return None
    else:
        value = float(data["result"][0]["value"][1])
    return None if math.isnan(value) else value


def series(
    prometheus: str, query: str, start: float, end: float, step: float
) -> dict[float, float]:
    """A one-series range query as {unix time: value}; times with no sample are absent."""
    params = {"query": query, "start": start, "end": end, "step": step}
    body = _get(f"{prometheus}/api/v1/query_range?" + urllib.parse.urlencode(params), timeout=30)
    result = body["data"]["result"]
    if not result:
        return {}
    return {float(t): float(v) for t, v in result[0]["values"] if not math.isnan(float(v))}


def firing_alerts(alertmanager: str) -> list[dict]:
    """The alerts Alertmanager holds as active now."""
    try:
        return _get(f"{alertmanager}/api/v2/alerts?active=true&silenced=false&inhibited=false")
    except (urllib.error.URLError, OSError):
        return []


def rule_alerts(prometheus: str) -> list[dict]:
    """Prometheus's own view of its alerting rules' alerts (pending and firing)."""
    return _get(f"{prometheus}/api/v1/alerts")["data"]["alerts"]


def put(url: str, body: bytes) -> None:
    req = urllib.request.Request(
        url, data=body, method="PUT", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=5):
        pass


def clear_faults(url: str) -> None:
    """DELETE /faults; a replica removed meanwhile has none to clear."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="DELETE"), timeout=5):
            pass
    except (urllib.error.URLError, OSError):
        pass
