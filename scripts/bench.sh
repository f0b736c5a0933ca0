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
source scripts/lib/bench.sh

duration=${1:-20}
trap 'kill ${app_pid:-} ${rotel_pid:-} 2>/dev/null || true; stop_postgres; rm -f "${jar:-}" "${lua:-}"' EXIT
bench_prepare
: >/tmp/notejam-bench.log
# shellcheck disable=SC2119 # no extra variables
start_app

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

bench_header="Cookie: $cookie"

bench_heading Pages
echo
bench_table_header
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
start_app OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$otlp_port" OTEL_TRACES_SAMPLER=always_on
echo
echo "### Tracing on: every request sampled and exported to a real OTLP collector"
echo
bench_table_header
run "GET / (traced)" "$base/"
sleep 6 # one more batch interval, so the last spans are exported
exported=$(curl -fs "http://127.0.0.1:$admin/metrics" | awk '$1=="notejam_otel_spans_exported_total"{print $2}')
dropped=$(curl -fs "http://127.0.0.1:$admin/metrics" | awk '$1=="notejam_otel_spans_dropped_total"{print $2}')
echo
echo "- spans exported: ${exported:-0}, dropped: ${dropped:-0}"
kill "$rotel_pid" 2>/dev/null || true

# Writes last (each POST adds a note, which would change the lists measured above).
start_app
echo
echo "### Writes"
echo
bench_table_header
run "POST /notes/create/ (302 to /)" "$base/notes/create/" -s "$lua"
