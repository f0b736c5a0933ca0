"""Every alert of the rule file has a promtool unit test in which it fires and one in which it
stays quiet.

    alert_coverage RULES.promtool.yaml TESTS.test.yaml...
"""

from .documents import load_yaml
from .report import Report, run


def main(args: list[str]) -> int:
    rules = load_yaml(args[0])
    tests = [t for path in args[1:] for t in load_yaml(path)["tests"]]
    alerts = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
    cases = [a for t in tests for a in t.get("alert_rule_test", [])]
    fired = {a["alertname"] for a in cases if a.get("exp_alerts")}
    quiet = {a["alertname"] for a in cases if not a.get("exp_alerts")}
    report = Report()
    for a in sorted(alerts - fired):
        report.add(f"alert {a} has no test in which it fires")
    for a in sorted(alerts - quiet):
        report.add(f"alert {a} has no test in which it stays quiet")
    records = sum(1 for g in rules["groups"] for r in g["rules"] if "record" in r)
    return report.finish(
        f"{len(alerts)} alerts, {len(alerts & fired)} fire in a test, "
        f"{len(alerts & quiet)} stay quiet in one; {records} recording rules"
    )


if __name__ == "__main__":
    run(main)
