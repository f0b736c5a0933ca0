"""Every `requires` of a CircleCI workflow job names a job (or its `name:` alias) of the same
workflow; every job is defined in the config or an orb; no job name is used twice.

    circleci_requires .circleci/config.yml
"""

from typing import Any

from .documents import load_yaml
from .report import Report, run


def check_workflow(
    wf_name: str, wf: dict[str, Any], defined: set[str], orbs: set[str], report: Report
) -> int:
    """Checks one workflow; returns how many `requires` entries it has."""
    names, entries = set(), []
    for entry in wf["jobs"]:
        job, params = (entry, {}) if isinstance(entry, str) else next(iter(entry.items()))
        params = params or {}
        name = params.get("name", job)
        if name in names:
            report.add(f"workflow {wf_name}: job name {name} used twice")
        names.add(name)
        entries.append((name, params))
        known = job in defined or job.split("/")[0] in orbs
        if params.get("type") != "approval" and not known:
            report.add(f"workflow {wf_name}: {job} is neither a job of this config nor of an orb")
    checked = 0
    for name, params in entries:
        for req in params.get("requires", []) or []:
            checked += 1
            if isinstance(req, dict):
                req = next(iter(req))
            if req not in names:
                report.add(
                    f"workflow {wf_name}: {name} requires {req}, "
                    "which is not a job of this workflow"
                )
    return checked


def main(args: list[str]) -> int:
    cfg = load_yaml(args[0])
    defined, orbs = set(cfg.get("jobs", {})), set(cfg.get("orbs", {}))
    report, checked = Report(), 0
    workflows = cfg.get("workflows", {})
    for wf_name, wf in workflows.items():
        if isinstance(wf, dict) and "jobs" in wf:
            checked += check_workflow(wf_name, wf, defined, orbs, report)
    return report.finish(f"{checked} requires across {len(workflows)} workflows")


if __name__ == "__main__":
    run(main)
