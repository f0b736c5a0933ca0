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

apt_install curl ca-certificates build-essential pkg-config
command -v cargo >/dev/null || die "cargo is needed (https://rustup.rs)"
trap stop_postgres EXIT

log "cargo fmt --check"
cargo fmt --all --check

start_postgres

log "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

log "cargo test (every test runs on PostgreSQL and on SQLite)"
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
