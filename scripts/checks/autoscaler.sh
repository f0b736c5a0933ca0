#!/usr/bin/env bash
# Checks the notejam-autoscaler crate (autoscaler/), with the real services its tests need:
#   formatting   cargo fmt --check
#   lints        cargo clippy --all-targets -- -D warnings
#   crypto       `ring` is not compiled (aws-lc-rs is the one provider)
#   tests        cargo test: the pure decision (proptest), HPA documentation examples, the
#                Prometheus source against a real Prometheus and the CloudWatch source against
#                moto (both started by the tests themselves on loopback), the controller's
#                Kubernetes calls against kube's tower-test mock API server, the committed CRD
#                and the baseline JSON Schema with its sample, and `simulate` on every example trace
# On a fresh Debian machine it installs what the tests need (Debian `prometheus`; PyPI
# `moto[server]` into a venv), idempotently. A test that cannot find its service fails loudly.
# Exit status: 0 when every check passed.
#
# Environment: CARGO_TARGET_DIR (default ~/.cache/notejam-cloud/target-autoscaler),
#              NOTEJAM_CHECKS_VENV (venv for PyPI tools, default ~/.cache/notejam-checks/venv-autoscaler).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo/autoscaler"

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/notejam-cloud/target-autoscaler}
VENV=${NOTEJAM_CHECKS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/notejam-checks/venv-autoscaler}
MOTO=moto[server]==5.2.1  # pinned: the release the CloudWatch tests were written against

say() { printf '==> %s\n' "$*"; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! command -v prometheus >/dev/null 2>&1; then
  say "installing prometheus (Debian)"
  apt_install prometheus
fi
# Debian's package starts a system Prometheus on :9090; the tests run their own on free ports.

if ! command -v moto_server >/dev/null 2>&1; then
  if [ ! -x "$VENV/bin/moto_server" ]; then
    say "installing $MOTO into $VENV"
    if ! python3 -m venv "$VENV" 2>/dev/null; then
      apt_install python3-venv
      python3 -m venv "$VENV"
    fi
    "$VENV/bin/pip" install -q --disable-pip-version-check "$MOTO"
  fi
  export PATH="$VENV/bin:$PATH"
fi

say "cargo fmt --check"
cargo fmt --check

say "cargo clippy --all-targets -- -D warnings"
nice -n 10 cargo clippy --quiet --all-targets -- -D warnings

say "no ring in the build"
if cargo tree -e normal,build -i ring 2>/dev/null | grep -q '^ring'; then
  echo "ring is compiled: a dependency's default features pulled it in (see /work/shared/dependencies.md)" >&2
  exit 1
fi

say "cargo test"
nice -n 10 cargo test
say "autoscaler checks passed"
