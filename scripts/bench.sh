#!/usr/bin/env bash
# Page benchmarks of the web app (issue: web app), release build on PostgreSQL, load from wrk on
# the same machine: 32 connections, a signed-in user with 50 notes.
# Prints a Markdown report; results are recorded in docs/performance.md.
#
#   scripts/bench.sh [DURATION_SECONDS]                  this tree alone (default 20 s a row)
#   scripts/bench.sh --against REV [DURATION_SECONDS]    A/B: REV (A) against this tree (B)
#
# A/B mode builds REV in its own worktree and target directory, starts both builds on the same
# PostgreSQL database and on the same SQLite file (one user with 50 notes), and alternates them
# row by row for ROUNDS rounds (default 5; default 10 s a row): each row's requests/s of A and B,
# the ratio B/A with its range over the rounds, p99, and the CPU per request of app and
# PostgreSQL; then the resident memory of each build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/bench.sh
bench_args "$@"
trap 'kill ${rotel_pid:-} 2>/dev/null || true; bench_cleanup' EXIT

if [ -n "$against" ]; then
  ab_begin
  ab_row "GET /" pg cookie /
  ab_row "GET /notes/<id>/" pg cookie "/notes/${ab_note[pg]}/"
  ab_row "GET / (SQLite)" sqlite cookie /
  ab_row "GET /notes/<id>/ (SQLite)" sqlite cookie "/notes/${ab_note[sqlite]}/"
  ab_row "GET /api/v1/notes?limit=50" pg token "/api/v1/notes?limit=50"
  ab_report "Pages A/B"
  exit 0
fi

# shellcheck disable=SC2119 # no extra variables
bench_single_start

# A signed-in user with 50 notes.
jar="$bench_tmp/jar"
note_id=$(seed_user "$base" "$jar")
[ -n "$note_id" ] || die "setup failed: no note"
token=$(csrf "$base" "$jar" /notes/create/)
cookie=$(session_cookie "$jar")

lua="$bench_tmp/post.lua"
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
"$rotel" start --otlp-http-endpoint "127.0.0.1:$otlp_port" --otlp-grpc-endpoint "127.0.0.1:$grpc_port" --exporter blackhole >"$bench_tmp/rotel.log" 2>&1 &
rotel_pid=$!
for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$otlp_port") 2>/dev/null && break; sleep 0.1; done
kill -0 "$rotel_pid" 2>/dev/null || { cat "$bench_tmp/rotel.log" >&2; die "the OTLP collector did not start"; }
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
