#!/usr/bin/env bash
# The whole platform on this machine, from the built images: PostgreSQL, app containers behind a
# load balancer, Prometheus with dashboards/rules/, Alertmanager, an OTLP collector, the CloudWatch
# emulator; then load, with the autoscaler deciding and an actuator applying its decisions.
#
#   scripts/platform.sh up [--replicas 3] [--cpus 0.25]   start it (images: scripts/images.sh)
#   scripts/platform.sh load [--report-dir DIR] ...       baseline, gate, spike, outage, fault: the
#                                                          loop test; exit 1 if an expectation fails
#   scripts/platform.sh status | scale N | down
#
# Stand-ins, named as such (no Kubernetes API server can run here): the actuator plays the
# Deployment controller, kubelet and ALB target group; nginx plays the ALB; a Pushgateway
# carries kube-state-metrics' replica counts; moto plays CloudWatch, fed the real PostgreSQL's
# CPU as the RDS metric. See scripts/stack/ and docs/operations.md ("The platform on one machine").
# State lives in $NOTEJAM_PLATFORM_DIR (default /tmp/notejam-platform).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
source scripts/lib/containers.sh

apt_install nginx prometheus prometheus-alertmanager prometheus-pushgateway postgresql python3-venv
containers_setup
# moto (CloudWatch emulator, with boto3), oteltap (OTLP collector) and PyYAML: the test venv.
venv="$NOTEJAM_CACHE/test-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check oteltap==1.0.0 'moto[server]==5.2.1' pyyaml

cmd=${1:-}
[ -n "$cmd" ] || die "usage: scripts/platform.sh up|load|status|scale N|down (see the top of $0)"
shift
extra=()
[ "$cmd" = up ] && extra=(--venv "$venv")
PYTHONPATH="$PWD/scripts" exec "$venv/bin/python" -m stack "$cmd" "${extra[@]}" "$@"
