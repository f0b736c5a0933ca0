"""Names the dashboard panels behind the rule numbers of a failed `promtool check rules` on the
rule file dashboards.py wrote.

    promql_errors EXPRS.json PROMTOOL_OUTPUT
"""

import json
import re

from .report import run


def main(args: list[str]) -> int:
    exprs_path, promtool_output = args
    with open(exprs_path) as f:
        exprs = json.load(f)
    with open(promtool_output) as f:
        failed = {int(n) for n in re.findall(r"dashboard:expr_(\d+):check", f.read())}
    for i in sorted(failed):
        e = exprs[i]
        print(f"  dashboard:expr_{i}:check is {e['file']}: {e['where']}: {e['expr']}")
    return 0


if __name__ == "__main__":
    run(main)
