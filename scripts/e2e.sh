#!/usr/bin/env bash
# The browser end-to-end test: starts the app on a throwaway SQLite database and drives it with
# Debian's Chromium through playwright-core. Screenshots land in test-output/screenshots/.
#   scripts/e2e.sh [--url URL]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh

apt_install chromium fonts-dejavu-core
command -v node >/dev/null || apt_install nodejs npm
(cd app/tests/e2e && npm ci --no-audit --no-fund --silent)

# --url URL: drive a site that already runs (the platform's load balancer in front of the app
# image: scripts/checks/platform.sh); otherwise start the app binary on a throwaway SQLite file.
url="" shots=test-output/screenshots
[ "${1:-}" = "--url" ] && url=${2:?--url needs a URL} && shots=test-output/screenshots-platform
work=$(mktemp -d /tmp/notejam-e2e.XXXXXX)
if [ -z "$url" ]; then
  cargo build --workspace --bins --quiet
  port=$(free_port); admin=$(free_port)
  NOTEJAM_LISTEN=127.0.0.1:$port NOTEJAM_ADMIN_LISTEN=127.0.0.1:$admin DATABASE_URL="sqlite://$work/e2e.db" \
    RUST_LOG=warn "$CARGO_TARGET_DIR/debug/notejam" serve >"$work/app.log" 2>&1 &
  app_pid=$!
  trap 'kill $app_pid 2>/dev/null; wait $app_pid 2>/dev/null; rm -rf "$work"' EXIT
  wait_http "http://127.0.0.1:$admin/readyz" 30 || { cat "$work/app.log" >&2; die "the app did not become ready"; }
  url="http://127.0.0.1:$port"
else
  trap 'rm -rf "$work"' EXIT
  echo "app under test: $url" >"$work/app.log"
fi

mkdir -p "$shots"
NOTEJAM_URL="$url" SCREENSHOT_DIR="$PWD/$shots" CHROMIUM="$(command -v chromium)" \
  node --test app/tests/e2e/ || { echo "--- app log ---" >&2; tail -50 "$work/app.log" >&2; exit 1; }
