#!/usr/bin/env bash
# The platform loop test: the images built from this commit's binaries run as one system under
# real load (scripts/platform.sh): the browser end-to-end test and the load gate pass against the
# app image; under a stepped spike the autoscaler (the prod overlay's ScalingPolicy, through
# `notejam-autoscaler evaluate --watch`) scales up, holds while Prometheus is stopped, scales back
# down after its window; a 50 % error fault fires our availability alert in Alertmanager.
# Artefacts: test-output/platform/ (timeline.md/.csv, checks.md, load reports, logs) and
# test-output/images/sizes.md.
# Stand-ins (no Kubernetes API server here): the actuator for the Deployment controller, kubelet
# and ALB target group; nginx for the ALB; the Debian-package base image for distroless/cc.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/common.sh

export NOTEJAM_PLATFORM_DIR="${NOTEJAM_PLATFORM_DIR:-/tmp/notejam-platform-check}"
report=test-output/platform
rm -rf "$report"
mkdir -p "$report"

log "images from the debug binaries (built once by scripts/test.sh)"
cargo build --workspace --bins --quiet
scripts/images.sh --profile debug --tag ci

finish() {
  local rc=$?
  cp -r "$NOTEJAM_PLATFORM_DIR/logs" "$report/logs" 2>/dev/null || true
  scripts/platform.sh down >/dev/null 2>&1 || true
  exit $rc
}
trap finish EXIT
scripts/platform.sh down >/dev/null 2>&1 || true

log "platform up: PostgreSQL, 3 app containers, nginx, Prometheus, Alertmanager, collector, moto"
scripts/platform.sh up --replicas 3

log "browser end-to-end test against the app image, through the load balancer"
scripts/e2e.sh --url "$(scripts/platform.sh status | awk '/load balancer/ {print $NF}')"

log "the loop under load"
scripts/platform.sh load --report-dir "$report"
