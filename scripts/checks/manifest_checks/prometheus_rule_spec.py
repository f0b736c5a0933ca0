"""Writes the `spec` of a PrometheusRule (the prometheus-operator object) as a plain Prometheus
rule file, the form promtool and Prometheus read.

    prometheus_rule_spec PROMETHEUS_RULE.yaml RULE_FILE_OUT.yaml
"""

from .documents import dump_yaml, load_yaml
from .report import run


def main(args: list[str]) -> int:
    src, out = args
    dump_yaml(load_yaml(src)["spec"], out)
    return 0


if __name__ == "__main__":
    run(main)
