#!/usr/bin/env bash
# Instructions per request, counted by callgrind: exact figures that do not drift with the load of
# the machine, for comparing builds. Each build serves under `valgrind --tool=callgrind` with
# instrumentation off; per row, after a warm-up, instrumentation is on for exactly REQUESTS
# requests (one keep-alive connection, curl), and the instructions of the whole process (every
# thread: the request, its spans and metrics, background tasks) are divided by REQUESTS.
# The data: one user with 50 notes on PostgreSQL and on SQLite, as scripts/bench.sh.
#
#   scripts/bench-callgrind.sh [REQUESTS]                  this tree alone (default 300)
#   scripts/bench-callgrind.sh --against REV [REQUESTS]    REV (A) and this tree (B)
#
# CALLGRIND_KEEP=DIR keeps the profiles there (for callgrind_annotate).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/bench.sh
bench_args "$@"
requests=${duration:-300} # the positional argument is the number of requests here
warm_up=50
trap bench_cleanup EXIT
apt_install valgrind
bench_prepare
ab_start

ab_row "GET /" pg cookie /
ab_row "GET /notes/<id>/" pg cookie "/notes/${ab_note[pg]}/"
ab_row "GET / (SQLite)" sqlite cookie /
ab_row "GET /api/v1/notes?limit=50" pg token "/api/v1/notes?limit=50"

# curl_config FILE HEADER URL COUNT: a curl config that sends COUNT GETs of URL with HEADER over
# one connection, discarding the bodies and writing each status code on a line.
curl_config() {
  local i
  {
    echo "header = \"$2\""
    printf '%s\n' 'write-out = "%{http_code}\n"'
    for i in $(seq "$4"); do printf 'url = "%s"\noutput = "/dev/null"\n' "$3"; done
  } >"$1"
}

# callgrind_row KEY ROW: the instructions per request of one row on the valgrind app KEY.
callgrind_row() {
  local key=$1 i=$2 pid=${cg_pid[$1]} header
  if [ "${ab_auths[$i]}" = cookie ]; then header="Cookie: ${ab_cookie[$key]}"; else header="Authorization: Bearer ${ab_token[${ab_dbs[$i]}]}"; fi
  curl_config "$bench_tmp/warm.curl" "$header" "${cg_base[$key]}${ab_paths[$i]}" "$warm_up"
  curl_config "$bench_tmp/measure.curl" "$header" "${cg_base[$key]}${ab_paths[$i]}" "$requests"
  curl -s -K "$bench_tmp/warm.curl" >/dev/null
  callgrind_control -i on "$pid" >/dev/null
  local ok; ok=$(curl -s -K "$bench_tmp/measure.curl" | grep -c '^200$' || true)
  callgrind_control -i off "$pid" >/dev/null
  [ "$ok" = "$requests" ] || die "${ab_names[$i]} on $key: $ok of $requests answered 200"
  callgrind_control -d "$pid" >/dev/null
  local dump; dump=$(find "$bench_tmp" -name "cg-$key.$pid.*" | sort -V | tail -1)
  [ -z "${CALLGRIND_KEEP:-}" ] || { mkdir -p "$CALLGRIND_KEEP"; cp "$dump" "$CALLGRIND_KEEP/$key-row$i.callgrind"; }
  awk -v n="$requests" '$1 == "totals:" || $1 == "summary:" {t = $2} END {printf "%.0f\n", t / n}' "$dump"
}

declare -A cg_pid cg_base cg_result
for build in B ${against:+A}; do
  for db in pg sqlite; do
    key=$build-$db
    binary=$bin; [ "$build" = A ] && binary=$ref_bin
    url=$db_url; [ "$db" = sqlite ] && url=$sqlite_url
    p=$(free_port); a=$(free_port)
    log "$key under callgrind"
    WRAP="valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=$bench_tmp/cg-$key.%p" \
      launch_app "cg_pid[$key]" "$binary" "$p" "$a" DATABASE_URL="$url" >/dev/null
    bench_pids+=("${cg_pid[$key]}")
    cg_base[$key]="http://127.0.0.1:$p"
    for i in "${!ab_names[@]}"; do
      [ "${ab_dbs[$i]}" = "$db" ] || continue
      cg_result[$build-$i]=$(callgrind_row "$key" "$i")
    done
    kill "${cg_pid[$key]}"; wait "${cg_pid[$key]}" 2>/dev/null || true
  done
done

what="this tree ($this_rev)"
[ -z "$against" ] || what="A = $against ($ref_rev), B = $what"
echo "### Instructions per request (callgrind), $what, $requests requests after $warm_up, $(date -u +%Y-%m-%d)"
echo
# thousands N: N with thousands separators.
thousands() { sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta' <<<"$1"; }
if [ -n "$against" ]; then
  echo "| request | A | B | B/A |"
  echo "|---|---:|---:|---:|"
  for i in "${!ab_names[@]}"; do
    a=${cg_result[A-$i]} b=${cg_result[B-$i]}
    # shellcheck disable=SC2016 # the backticks are Markdown code marks, not a command
    printf '| `%s` | %s | %s | %sx |\n' "${ab_names[$i]}" "$(thousands "$a")" "$(thousands "$b")" "$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", b / a}')"
  done
else
  echo "| request | instructions per request |"
  echo "|---|---:|"
  for i in "${!ab_names[@]}"; do
    # shellcheck disable=SC2016 # the backticks are Markdown code marks, not a command
    printf '| `%s` | %s |\n' "${ab_names[$i]}" "$(thousands "${cg_result[B-$i]}")"
  done
fi
