#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine: installs and starts what the tests need
# (PostgreSQL, Prometheus, the moto AWS emulator, an OTLP collector, Chromium, ...), then runs
# format, lint, every crate's tests (app on PostgreSQL and SQLite, loadtest against the app,
# autoscaler against Prometheus and moto, the backup Lambda against moto), the browser
# end-to-end test, and the checks under scripts/checks/ (API conformance, manifests, the platform
# loop with the images under load, terraform).
#
#   scripts/test.sh            everything
#   scripts/test.sh --quick    Rust format, lint and tests only
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
source scripts/lib/postgres.sh

quick=0
[ "${1:-}" = "--quick" ] && quick=1

# Debian's prometheus: the autoscaler and loadtest tests run their own on free loopback ports.
apt_install curl ca-certificates build-essential pkg-config python3-venv prometheus
# Python tools the Rust tests drive, in a venv outside the clone: the OTLP collector (app
# telemetry tests) and the moto AWS emulator (CloudWatch source, backup Lambda). moto is pinned:
# the CloudWatch tests were written against 5.2.1's awsQuery protocol.
venv="$HOME/.cache/notejam-cloud/test-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check oteltap==1.0.0 'moto[server]==5.2.1'
export PATH="$PATH:$venv/bin"
export MOTO_SERVER="$venv/bin/moto_server"
# Lint first, in --quick too: shellcheck on every shell script, ruff on every Python file.
source scripts/lib/lint.sh
lint_scripts
command -v cargo >/dev/null || die "cargo is needed (https://rustup.rs)"
trap stop_postgres EXIT

log "cargo fmt --check"
cargo fmt --all --check

# A server the caller provides (CI's service container) or a throwaway cluster of our own.
if [ -n "${NOTEJAM_TEST_POSTGRES_URL:-}" ]; then
  log "using the PostgreSQL server at NOTEJAM_TEST_POSTGRES_URL"
else
  start_postgres
fi

log "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

log "one crypto provider: aws-lc-rs, no ring"
if cargo tree --workspace -e normal,build -i ring 2>/dev/null | grep -q '^ring'; then
  cargo tree --workspace -e normal,build -i ring >&2
  die "ring is compiled: a dependency's default features pulled it in (see ../shared/dependencies.md)"
fi

log "cargo test --workspace (app on PostgreSQL and SQLite; loadtest against the app binary;"
log "autoscaler against Prometheus, moto and kube's mock API server; backup Lambda against moto)"
# The loadtest tests drive the app binary; build it first (cargo test reuses the build).
cargo build --workspace --bins --quiet
export NOTEJAM_BIN="$CARGO_TARGET_DIR/debug/notejam"
cargo test --workspace --all-targets

if [ $quick -eq 0 ]; then
  log "browser end-to-end test (Chromium)"
  scripts/e2e.sh
  for check in scripts/checks/*.sh; do
    [ -e "$check" ] || continue
    log "check: $check"
    bash "$check"
  done
fi
log "all tests passed"
