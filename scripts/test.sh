#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine: installs and starts what the tests need
# (PostgreSQL, Chromium, ...), then runs format, lint, the Rust tests on PostgreSQL and SQLite,
# the browser end-to-end test, and each part's checks under scripts/checks/.
#
#   scripts/test.sh            everything
#   scripts/test.sh --quick    Rust format, lint and tests only
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
source scripts/lib/postgres.sh

quick=0
[ "${1:-}" = "--quick" ] && quick=1

apt_install curl ca-certificates build-essential pkg-config python3-venv prometheus
# Python tools the Rust tests drive (the OTLP collector), in a venv outside the clone.
venv="$HOME/.cache/notejam-cloud/test-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check oteltap==1.0.0
export PATH="$PATH:$venv/bin"
command -v cargo >/dev/null || die "cargo is needed (https://rustup.rs)"
trap stop_postgres EXIT

log "cargo fmt --check"
cargo fmt --all --check

start_postgres

log "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

log "cargo test (page tests run on PostgreSQL and on SQLite; observability tests drive the binary)"
cargo test --workspace --all-targets

if [ $quick -eq 0 ]; then
  log "browser end-to-end test (Chromium)"
  scripts/e2e.sh
  for check in scripts/checks/*.sh; do
    [ -e "$check" ] || continue
    log "check: $check"
    # Each standalone crate (autoscaler/, loadtest/, backup/) keeps its own build directory;
    # the scripts find the app's under the default one.
    env -u CARGO_TARGET_DIR bash "$check"
  done
fi
log "all tests passed"
