#!/usr/bin/env bash
# Page benchmarks of the web app (issue: web app), release build on PostgreSQL, load from wrk on
# the same machine: 32 connections, a signed-in user with 50 notes.
# Prints a Markdown report; results are recorded in docs/performance.md.
#
#   scripts/bench.sh [DURATION_SECONDS]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
source scripts/lib/postgres.sh

duration=${1:-20}
apt_install wrk curl time
trap 'kill ${app_pid:-} 2>/dev/null || true; stop_postgres' EXIT
start_postgres
psql "$NOTEJAM_TEST_POSTGRES_URL" -qc "CREATE DATABASE notejam_bench" >/dev/null

log "release build"
cargo build --release --workspace --bins --quiet
bin="$CARGO_TARGET_DIR/release/notejam"
port=$(free_port); admin=$(free_port)
base="http://127.0.0.1:$port"
db_url="${NOTEJAM_TEST_POSTGRES_URL%/postgres}/notejam_bench"
export DATABASE_URL="$db_url" NOTEJAM_SECRET_KEY="bench-secret-key-bench-secret-key-0123" RUST_LOG=warn
NOTEJAM_MIGRATE=true "$bin" migrate

# Time from process start to the first successful request.
start_ns=$(date +%s%N)
NOTEJAM_LISTEN=127.0.0.1:$port NOTEJAM_ADMIN_LISTEN=127.0.0.1:$admin NOTEJAM_DB_MAX_CONNECTIONS=16 "$bin" serve >/tmp/notejam-bench.log 2>&1 &
app_pid=$!
until curl -fs -o /dev/null "$base/signin/"; do sleep 0.002; done
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))

# A signed-in user with 50 notes.
jar=$(mktemp)
csrf() { curl -fs -b "$jar" -c "$jar" "$base$1" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1; }
t=$(csrf /signup/); curl -fs -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf_token=$t" -d "email=bench@example.com&password=password123&repeat_password=password123" "$base/signup/"
t=$(csrf /signin/); curl -fs -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf_token=$t" -d "email=bench@example.com&password=password123" "$base/signin/"
t=$(csrf /pads/create/); curl -fs -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf_token=$t" -d "name=Bench" "$base/pads/create/"
for i in $(seq 1 50); do
  t=$(csrf /notes/create/)
  curl -fs -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf_token=$t" -d "name=Note $i&text=Some text for note $i&pad=0" "$base/notes/create/"
done
cookie=$(awk '$6=="notejam_session"{print $6"="$7}' "$jar")
token=$(csrf /notes/create/)
cookie=$(awk '$6=="notejam_session"{print $6"="$7}' "$jar")
note_id=$(curl -fs -b "$jar" "$base/" | sed -n 's/.*href="\/notes\/\([0-9]*\)\/".*/\1/p' | head -1)
[ -n "$note_id" ] || die "setup failed: no note"

lua=$(mktemp --suffix .lua)
cat >"$lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "$cookie"
wrk.body = "csrf_token=$token&name=Bench+note&text=Written+under+load&pad=0"
LUA

peak_rss() { awk '/VmHWM/{print int($2/1024)}' "/proc/$app_pid/status"; }
# cpu_ticks PID...: user + system CPU of these processes so far, in clock ticks.
cpu_ticks() {
  local t=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$t"
}
# sys_ticks PID: the system (kernel) part of that.
sys_ticks() { awk '{print $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
# Our cluster's server processes: the postmaster and its children (backends, writers).
pg_pids() {
  local pm; pm=$(head -1 "$PG_DIR/data/postmaster.pid")
  echo "$pm" $(pgrep -P "$pm")
}
# Where the CPU goes during a row: the app, PostgreSQL (every server process) and wrk itself, in
# microseconds per request. On 2 shared cores their sum per request bounds the throughput.
run() { # NAME URL [extra wrk args]
  local name=$1 url=$2; shift 2
  local app0 pg0 sys0; app0=$(cpu_ticks "$app_pid"); pg0=$(cpu_ticks $(pg_pids)); sys0=$(sys_ticks "$app_pid")
  local out; out=$(/usr/bin/time -f 'wrk-cpu %U %S' wrk -t2 -c32 -d"${duration}s" --latency -H "Cookie: $cookie" "$@" "$url" 2>&1)
  # Backends started during the run count from zero: their whole CPU time is the run's.
  local app1 pg1 sys1; app1=$(cpu_ticks "$app_pid"); pg1=$(cpu_ticks $(pg_pids)); sys1=$(sys_ticks "$app_pid")
  local rps p50 p99 non2xx total cpu
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/{print $5}' <<<"$out")
  total=$(awk '/requests in/{print $1}' <<<"$out")
  cpu=$(awk -v a=$((app1 - app0)) -v s=$((sys1 - sys0)) -v p=$((pg1 - pg0)) -v hz="$hz" -v n="$total" \
    '/^wrk-cpu/{w = $2 + $3; printf "%.0f (%.0f %% in the kernel) / %.0f / %.0f", a / hz / n * 1e6, a ? 100 * s / a : 0, p / hz / n * 1e6, w / n * 1e6}' <<<"$out")
  printf '| `%s` | %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "${non2xx:-0}" "$cpu"
}
header() {
  echo "| request | requests/s | p50 | p99 | non-2xx/3xx | CPU µs per request: app / PostgreSQL / wrk |"
  echo "|---|---|---|---|---|---|"
}

echo "### Pages, release build on PostgreSQL $(psql "$NOTEJAM_TEST_POSTGRES_URL" -tAc 'SHOW server_version'), wrk -t2 -c32 -d${duration}s, $(nproc) cores, load average before the run: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%d)"
echo
header
run "GET /" "$base/"
run "GET /notes/$note_id/" "$base/notes/$note_id/"
echo
echo "- ready (process start to first successful request): ${ready_ms} ms"
echo "- peak resident memory over the run: $(peak_rss) MiB"

# The cost of tracing: the same GET / with every request traced and exported over OTLP/HTTP to a
# real collector (rotel, a Rust OTLP collector from PyPI, discarding what it receives).
venv="$HOME/.cache/notejam-cloud/bench-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check rotel
rotel=$(find "$venv" -name rotel-agent -type f | head -1)
otlp_port=$(free_port)
grpc_port=$(free_port)
while [ "$grpc_port" = "$otlp_port" ]; do grpc_port=$(free_port); done
"$rotel" start --otlp-http-endpoint "127.0.0.1:$otlp_port" --otlp-grpc-endpoint "127.0.0.1:$grpc_port" --exporter blackhole >/tmp/notejam-bench-rotel.log 2>&1 &
rotel_pid=$!
for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$otlp_port") 2>/dev/null && break; sleep 0.1; done
kill -0 "$rotel_pid" 2>/dev/null || { cat /tmp/notejam-bench-rotel.log >&2; die "the OTLP collector did not start"; }
kill "$app_pid"; wait "$app_pid" 2>/dev/null || true
OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$otlp_port" OTEL_TRACES_SAMPLER=always_on \
  NOTEJAM_LISTEN=127.0.0.1:$port NOTEJAM_ADMIN_LISTEN=127.0.0.1:$admin NOTEJAM_DB_MAX_CONNECTIONS=16 "$bin" serve >/tmp/notejam-bench.log 2>&1 &
app_pid=$!
until curl -fs -o /dev/null "$base/signin/"; do sleep 0.01; done
echo
echo "### Tracing on: every request sampled and exported to a real OTLP collector"
echo
header
run "GET / (traced)" "$base/"
sleep 6 # one more batch interval, so the last spans are exported
exported=$(curl -fs "http://127.0.0.1:$admin/metrics" | awk '$1=="notejam_otel_spans_exported_total"{print $2}')
dropped=$(curl -fs "http://127.0.0.1:$admin/metrics" | awk '$1=="notejam_otel_spans_dropped_total"{print $2}')
echo
echo "- spans exported: ${exported:-0}, dropped: ${dropped:-0}"
kill "$rotel_pid" 2>/dev/null || true

# Writes last (each POST adds a note, which would change the lists measured above).
kill "$app_pid"; wait "$app_pid" 2>/dev/null || true
NOTEJAM_LISTEN=127.0.0.1:$port NOTEJAM_ADMIN_LISTEN=127.0.0.1:$admin NOTEJAM_DB_MAX_CONNECTIONS=16 "$bin" serve >/tmp/notejam-bench.log 2>&1 &
app_pid=$!
until curl -fs -o /dev/null "$base/signin/"; do sleep 0.01; done
echo
echo "### Writes"
echo
header
run "POST /notes/create/ (302 to /)" "$base/notes/create/" -s "$lua"
rm -f "$jar" "$lua"
