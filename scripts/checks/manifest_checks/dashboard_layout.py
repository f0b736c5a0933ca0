"""The shape of a Grafana dashboard: a stable unique uid, no instance id, a datasource variable,
panels on the 24-column grid without overlaps, unique panel ids."""

import re
from collections.abc import Iterator
from typing import Any

from .report import Report

Dashboard = dict[str, Any]
Panel = dict[str, Any]


def all_panels(panels: list[Panel]) -> Iterator[Panel]:
    """Every panel, those inside rows included."""
    for p in panels:
        yield p
        yield from all_panels(p.get("panels", []))


def claim_cells(
    cells: dict[tuple[int, int], Any], g: dict[str, int], owner: Any
) -> tuple[int, int] | None:
    """Claims a panel's cells column by column up to the first one already taken, and returns
    that one (None when the panel overlaps nothing)."""
    for x in range(g["x"], g["x"] + g["w"]):
        for y in range(g["y"], g["y"] + g["h"]):
            if (x, y) in cells:
                return (x, y)
            cells[(x, y)] = owner
    return None


def check_grid(path: str, panels: list[Panel], report: Report) -> None:
    """Top-level panels fit the 24 columns and no two share a cell."""
    cells: dict[tuple[int, int], Any] = {}
    for p in panels:
        g = p.get("gridPos", {})
        if not all(k in g for k in ("x", "y", "w", "h")) or g["x"] + g["w"] > 24:
            report.add(
                f"{path}: panel {p.get('id')} {p.get('title')!r}: "
                f"gridPos {g} is outside the 24-column grid"
            )
            continue
        taken = claim_cells(cells, g, p.get("id"))
        if taken is not None:
            report.add(f"{path}: panel {p.get('id')} overlaps panel {cells[taken]}")


def check_layout(path: str, d: Dashboard, uids: dict[str, str], report: Report) -> None:
    """Checks one dashboard; `uids` maps the uids seen so far to their files."""
    uid = d.get("uid")
    if not uid or not re.fullmatch(r"[a-z0-9-]{1,40}", uid):
        report.add(f"{path}: uid {uid!r} must be a stable slug")
    if uid in uids:
        report.add(f"{path}: uid {uid} also used by {uids[uid]}")
    uids[uid] = path
    if d.get("id") is not None:
        report.add(f"{path}: remove the instance-specific numeric id")
    variables = d.get("templating", {}).get("list", [])
    if not any(v["type"] == "datasource" for v in variables):
        report.add(f"{path}: no datasource variable")
    check_grid(path, d.get("panels", []), report)
    ids = set()
    for p in all_panels(d.get("panels", [])):
        if p["id"] in ids:
            report.add(f"{path}: panel id {p['id']} repeated")
        ids.add(p["id"])
