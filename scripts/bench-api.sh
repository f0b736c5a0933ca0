#!/usr/bin/env bash
# API benchmarks (issue 3), release build on PostgreSQL, load from wrk on the same machine:
# 32 connections, a user with a bearer token and 50 notes.
# Prints a Markdown report; results are recorded in docs/performance.md.
#
#   scripts/bench-api.sh [DURATION_SECONDS]                  this tree alone (default 20 s a row)
#   scripts/bench-api.sh --against REV [DURATION_SECONDS]    A/B: REV (A) against this tree (B)
#
# A/B mode: as scripts/bench.sh --against (ROUNDS=N rounds, default 5; default 10 s a row), with
# the API's rows, and its writes in rounds of their own after the reads.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/bench.sh
bench_args "$@"
trap bench_cleanup EXIT

post_lua="$bench_tmp/post.lua"
cat >"$post_lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"name":"Bench note","text":"Written under load","pad_id":null}'
LUA

if [ -n "$against" ]; then
  ab_begin
  ab_row "GET /api/v1/notes?limit=50" pg token "/api/v1/notes?limit=50"
  ab_row "GET /api/v1/notes/<id>" pg token "/api/v1/notes/${ab_note[pg]}"
  ab_row "GET /api/v1/notes?limit=50 (SQLite)" sqlite token "/api/v1/notes?limit=50"
  ab_row "GET / (page, the same 50 notes)" pg cookie /
  ab_report "API A/B"
  # Writes last (each POST adds a note, which would change the lists measured above).
  ab_row "POST /api/v1/notes (201)" pg token /api/v1/notes "-s $post_lua"
  echo
  echo "#### Writes"
  echo
  ab_rounds "${ROUNDS:-5}"
  exit 0
fi

# shellcheck disable=SC2119 # no extra variables
bench_single_start

# A user with a token, a pad and 50 notes.
json() { curl -fsS -H 'content-type: application/json' "$@"; }
json -o /dev/null -d '{"email":"bench@example.com","password":"password123"}' "$base/api/v1/users"
token=$(json -d '{"email":"bench@example.com","password":"password123"}' "$base/api/v1/tokens" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
bench_header="Authorization: Bearer $token"
json -o /dev/null -H "$bench_header" -d '{"name":"Bench"}' "$base/api/v1/pads"
for i in $(seq 1 50); do
  json -o /dev/null -H "$bench_header" -d "{\"name\":\"Note $i\",\"text\":\"Some text for note $i\",\"pad_id\":null}" "$base/api/v1/notes"
done
total=$(curl -fsS -H "$bench_header" "$base/api/v1/notes?limit=50" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["total"], len(d["items"]))')
[ "$total" = "50 50" ] || die "setup failed: $total"
note_id=$(curl -fsS -H "$bench_header" "$base/api/v1/notes?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')

bench_heading API
echo
bench_table_header
run "GET /api/v1/notes?limit=50" "$base/api/v1/notes?limit=50"
run "GET /api/v1/notes/$note_id" "$base/api/v1/notes/$note_id"
# Writes last (each POST adds a note, which would change the list measured above).
run "POST /api/v1/notes (201)" "$base/api/v1/notes" -s "$post_lua"
echo
echo "- notes in the database after the run: $(psql "$db_url" -tAc 'SELECT count(*) FROM notes')"
echo "- peak resident memory over the run: $(peak_rss) MiB"
