#!/usr/bin/env bash
# API benchmarks (issue 3), release build on PostgreSQL, load from wrk on the same machine:
# 32 connections, a user with a bearer token and 50 notes.
# Prints a Markdown report; results are recorded in docs/performance.md.
#
#   scripts/bench-api.sh [DURATION_SECONDS]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
source scripts/lib/postgres.sh

duration=${1:-20}
apt_install wrk curl
trap 'kill ${app_pid:-} 2>/dev/null || true; stop_postgres; rm -f "${lua:-}"' EXIT
start_postgres
psql "$NOTEJAM_TEST_POSTGRES_URL" -qc "CREATE DATABASE notejam_bench" >/dev/null

log "release build"
cargo build --release --workspace --bins --quiet
bin="$CARGO_TARGET_DIR/release/notejam"
port=$(free_port); admin=$(free_port)
base="http://127.0.0.1:$port"
db_url="${NOTEJAM_TEST_POSTGRES_URL%/postgres}/notejam_bench"
export DATABASE_URL="$db_url" NOTEJAM_SECRET_KEY="bench-secret-key-bench-secret-key-0123" RUST_LOG=warn
"$bin" migrate
NOTEJAM_LISTEN=127.0.0.1:$port NOTEJAM_ADMIN_LISTEN=127.0.0.1:$admin NOTEJAM_DB_MAX_CONNECTIONS=16 "$bin" serve >/tmp/notejam-bench-api.log 2>&1 &
app_pid=$!
wait_http "$base/api/openapi.json" 30 || die "the app did not start"

# A user with a token, a pad and 50 notes.
json() { curl -fsS -H 'content-type: application/json' "$@"; }
json -o /dev/null -d '{"email":"bench@example.com","password":"password123"}' "$base/api/v1/users"
token=$(json -d '{"email":"bench@example.com","password":"password123"}' "$base/api/v1/tokens" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
auth="Authorization: Bearer $token"
json -o /dev/null -H "$auth" -d '{"name":"Bench"}' "$base/api/v1/pads"
for i in $(seq 1 50); do
  json -o /dev/null -H "$auth" -d "{\"name\":\"Note $i\",\"text\":\"Some text for note $i\",\"pad_id\":null}" "$base/api/v1/notes"
done
total=$(curl -fsS -H "$auth" "$base/api/v1/notes?limit=50" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["total"], len(d["items"]))')
[ "$total" = "50 50" ] || die "setup failed: $total"

lua=$(mktemp --suffix .lua)
cat >"$lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
wrk.body = '{"name":"Bench note","text":"Written under load","pad_id":null}'
LUA

peak_rss() { awk '/VmHWM/{print int($2/1024)}' "/proc/$app_pid/status"; }
run() { # NAME URL [extra wrk args]
  local name=$1 url=$2; shift 2
  local out; out=$(wrk -t2 -c32 -d"${duration}s" --latency -H "$auth" "$@" "$url")
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/{print $5}' <<<"$out")
  printf '| `%s` | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "${non2xx:-0}"
}

echo "### API, release build on PostgreSQL $(psql "$NOTEJAM_TEST_POSTGRES_URL" -tAc 'SHOW server_version'), wrk -t2 -c32 -d${duration}s, $(nproc) cores, load average before the run: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%d)"
echo
echo "| request | requests/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
run "GET /api/v1/notes?limit=50" "$base/api/v1/notes?limit=50"
run "POST /api/v1/notes" "$base/api/v1/notes" -s "$lua"
echo
echo "- notes in the database after the run: $(psql "$db_url" -tAc 'SELECT count(*) FROM notes')"
echo "- peak resident memory over the run: $(peak_rss) MiB"
