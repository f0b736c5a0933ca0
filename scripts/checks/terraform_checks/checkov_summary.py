"""Summarises checkov's JSON report in one line (stdout); names every failed check and says how
many resources each watched check looked at (stderr).

    checkov_summary CHECKOV.json [--skips SKIPS.txt] [--plan PLAN.json...]

With --plan (the report is checkov's terraform_plan scan of those `terraform show -json` plans):
every planned resource of a type a watched check covers must have been checked by it, or this
exits 1 naming what was not. That is what the plan scan is for: the static scan sees the one
`aws_iam_role_policy.this` of modules/iam-role, whose policy is a variable; the plan has every
instance with its real document.

With --skips: the skips of single instances, which a `#checkov:skip` comment cannot say (it sits
on the one resource block that all instances share). A line is `CHECK_ID ADDRESS REASON`; a
failure it names counts as skipped, and this exits 1 if any other check failed, if a reason is
shorter than 10 characters, or if a line names no failure (a skip outlives nothing it excused).
Without --skips the exit status is checkov's own business.
"""

import json
import sys
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

POLICY_TYPES = (
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
)
# The checks whose coverage the report counts: what a policy document grants, what a role trusts,
# and that alarms have actions. Check id => the resource types it looks at.
WATCHED = {
    "CKV_AWS_286": POLICY_TYPES,  # no privilege escalation
    "CKV_AWS_287": POLICY_TYPES,  # no credentials exposure
    "CKV_AWS_288": POLICY_TYPES,  # no data exfiltration
    "CKV_AWS_289": POLICY_TYPES,  # no permissions management without constraints
    "CKV_AWS_290": POLICY_TYPES,  # no write access without constraints
    "CKV_AWS_355": POLICY_TYPES,  # no "*" as the resource of restrictable actions
    "CKV_AWS_60": ("aws_iam_role",),  # the trust does not let every AWS principal in
    "CKV_AWS_61": ("aws_iam_role",),  # the trust does not let every principal of the account in
    "CKV_AWS_319": ("aws_cloudwatch_metric_alarm",),  # the alarm has actions
}
OUTCOMES = ("passed", "failed", "skipped")


def checked(reports: list[dict[str, Any]]) -> dict[str, dict[str, set[str]]]:
    """check id => outcome => the resources (addresses) with that outcome."""
    seen: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in reports:
        for outcome in OUTCOMES:
            for c in r["results"].get(f"{outcome}_checks", []):
                seen[c["check_id"]][outcome].add(c["resource"])
    return seen


def summarise(reports: list[dict[str, Any]], skips: dict[tuple[str, str], str]) -> str:
    parts = []
    for r in reports:
        s = r["summary"]
        parts.append(
            f"{r['check_type']}: {s['passed']} passed, {s['failed']} failed, {s['skipped']} skipped"
        )
        for c in r["results"]["failed_checks"]:
            where = f"{c['file_path']}:{c['file_line_range'][0]}"
            word = "SKIPPED (list)" if (c["check_id"], c["resource"]) in skips else "FAILED"
            print(f"{word} {c['check_id']} {c['resource']} {where}", file=sys.stderr)
    return "; ".join(parts) + " (skips: inline, with reasons)"


def watched_counts(seen: dict[str, dict[str, set[str]]]) -> str:
    """How many resources each watched check looked at, e.g. `CKV_AWS_286 7`."""
    return ", ".join(f"{cid} {sum(len(seen[cid][o]) for o in OUTCOMES)}" for cid in WATCHED)


def planned(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every managed resource of a plan's planned_values module, its child modules' included."""
    for res in module.get("resources", []):
        if res.get("mode") == "managed":
            yield res
    for child in module.get("child_modules", []):
        yield from planned(child)


def unchecked(seen: dict[str, dict[str, set[str]]], plans: list[dict[str, Any]]) -> list[str]:
    """`CHECK ADDRESS` of each planned resource of a watched check's types it did not check."""
    missing = []
    for plan in plans:
        for res in planned(plan["planned_values"]["root_module"]):
            for cid, types in WATCHED.items():
                if res["type"] in types and not any(
                    res["address"] in seen[cid][o] for o in OUTCOMES
                ):
                    missing.append(f"{cid} {res['address']}")
    return missing


def read_skips(path: str) -> tuple[dict[tuple[str, str], str], list[str]]:
    """(check id, address) => reason, and the lines that are not `CHECK_ID ADDRESS REASON`."""
    skips, bad = {}, []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            fields = line.split(None, 2)
            if len(fields) < 3 or len(fields[2].strip()) < 10:
                bad.append(
                    f"{path}:{n}: want CHECK_ID ADDRESS REASON (a reason of 10 characters or more)"
                )
                continue
            skips[(fields[0], fields[1])] = fields[2].strip()
    return skips, bad


def apply_skips(
    reports: list[dict[str, Any]], skips: dict[tuple[str, str], str]
) -> tuple[int, int, list[str]]:
    """(failures excused by the list, failures left, lines of the list that excused nothing)."""
    excused = left = 0
    used = set()
    for r in reports:
        for c in r["results"]["failed_checks"]:
            key = (c["check_id"], c["resource"])
            if key in skips:
                excused += 1
                used.add(key)
            else:
                left += 1
    stale = [f"{cid} {addr}" for cid, addr in skips if (cid, addr) not in used]
    return excused, left, stale


def load(path: str) -> Any:
    with open(path) as f:
        return json.load(f)


def main(args: list[str]) -> int:
    report_path, *rest = args
    skips_path = None
    if rest[:1] == ["--skips"]:
        skips_path, rest = rest[1], rest[2:]
    plan_paths = rest[1:] if rest[:1] == ["--plan"] else []
    skips, bad = read_skips(skips_path) if skips_path else ({}, [])
    try:
        data = load(report_path)
    except (OSError, ValueError) as e:
        # checkov's own exit status fails the check; this only words the summary.
        print(f"unreadable checkov output: {e}")
        return 0
    reports = data if isinstance(data, list) else [data]
    seen = checked(reports)
    line = summarise(reports, skips)
    print(f"resources per check: {watched_counts(seen)}", file=sys.stderr)
    rc = 0
    if skips_path:
        excused, left, stale = apply_skips(reports, skips)
        for b in bad:
            print(b, file=sys.stderr)
        for s in stale:
            print(f"STALE SKIP {s}: no such failure", file=sys.stderr)
        listed = skips_path.rsplit("/", 1)[-1]
        line += f"; failed: {excused} listed with reasons in {listed}, {left} not"
        if bad or stale:
            line += f", {len(bad)} malformed and {len(stale)} stale skip lines"
        if left or bad or stale:
            rc = 1
    if plan_paths:
        plans = [load(p) for p in plan_paths]
        n = sum(1 for p in plans for _ in planned(p["planned_values"]["root_module"]))
        missing = unchecked(seen, plans)
        for m in missing:
            print(f"NOT CHECKED {m}", file=sys.stderr)
        line += f"; {n} planned resources"
        if missing:
            line += f", {len(missing)} (check, resource) pairs not checked"
            rc = 1
        else:
            line += ", every IAM policy, role and alarm checked"
    print(line)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
