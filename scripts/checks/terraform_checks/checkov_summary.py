"""Summarises checkov's JSON report in one line (stdout) and names every failed check (stderr).

checkov_summary CHECKOV.json
"""

import json
import sys
from typing import Any


def summarise(reports: list[dict[str, Any]]) -> str:
    passed = failed = skipped = 0
    for r in reports:
        passed += r["summary"]["passed"]
        failed += r["summary"]["failed"]
        skipped += r["summary"]["skipped"]
        for c in r["results"]["failed_checks"]:
            where = f"{c['file_path']}:{c['file_line_range'][0]}"
            print(f"FAILED {c['check_id']} {c['resource']} {where}", file=sys.stderr)
    return f"{passed} passed, {failed} failed, {skipped} skipped with inline reasons"


def main(args: list[str]) -> int:
    try:
        with open(args[0]) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        # checkov's own exit status fails the check; this only words the summary.
        print(f"unreadable checkov output: {e}")
        return 0
    print(summarise(data if isinstance(data, list) else [data]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
