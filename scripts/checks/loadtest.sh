#!/usr/bin/env bash
# Checks the notejam-loadtest crate (loadtest/), against the real app:
#   formatting   cargo fmt --check
#   lints        cargo clippy --all-targets -- -D warnings
#   tests        cargo test: unit tests (thresholds, knee rule, histogram merge, correction) and
#                integration tests that start the app on a fresh PostgreSQL database each and
#                drive run, gate (pass, 99, malformed), baseline (checked against
#                loadtest/baseline.schema.json), merge of shards, and the error exits
# On a fresh Debian machine it installs what the tests need (PostgreSQL via scripts/lib, Debian's
# prometheus),
# starts a throwaway PostgreSQL cluster, builds the app, and removes the cluster at the end.
# Exit status: 0 when every check passed.
#
# Environment: LOADTEST_TARGET_DIR for this crate (default ~/.cache/notejam-cloud/target-loadtest);
#              APP_TARGET_DIR for the app (default ~/.cache/notejam-cloud/target);
#              NOTEJAM_BIN to use an app binary built elsewhere.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
# shellcheck source=../lib/common.sh
source scripts/lib/common.sh
# shellcheck source=../lib/postgres.sh
source scripts/lib/postgres.sh

APP_TARGET_DIR=${APP_TARGET_DIR:-$HOME/.cache/notejam-cloud/target}
LOADTEST_TARGET_DIR=${LOADTEST_TARGET_DIR:-$HOME/.cache/notejam-cloud/target-loadtest}

cleanup() { stop_postgres; }
trap cleanup EXIT

# Debian's prometheus: the --prometheus-url test runs its own on a free loopback port.
apt_install curl prometheus
start_postgres
export NOTEJAM_TEST_POSTGRES_URL

if [ -z "${NOTEJAM_BIN:-}" ]; then
  log "building the app (debug) in $APP_TARGET_DIR"
  CARGO_TARGET_DIR=$APP_TARGET_DIR nice -n 10 cargo build --quiet --workspace --bins
  export NOTEJAM_BIN=$APP_TARGET_DIR/debug/notejam
fi
[ -x "$NOTEJAM_BIN" ] || die "the app binary $NOTEJAM_BIN is missing"

cd "$repo/loadtest"
export CARGO_TARGET_DIR=$LOADTEST_TARGET_DIR

log "cargo fmt --check"
cargo fmt --check

log "cargo clippy --all-targets -- -D warnings"
nice -n 10 cargo clippy --quiet --all-targets -- -D warnings

log "cargo test"
nice -n 10 cargo test
log "loadtest checks passed"
