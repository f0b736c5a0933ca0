# shellcheck shell=bash
# What scripts/bench.sh (pages), scripts/bench-api.sh (API) and scripts/bench-callgrind.sh share:
# a throwaway PostgreSQL, the release build (and in A/B mode the build of another revision), the
# apps started on it, the seeded data, one wrk row that reports where the CPU goes, and the A/B
# rounds that alternate two builds row by row.
# Sourced from the repository's root after `set -euo pipefail`; it sources common.sh and
# postgres.sh. Variables are shared with the sourcing script both ways (duration, bench_header,
# against in; bin, base, app_pid, ready_ms, ... out).
# shellcheck source=scripts/lib/common.sh
source scripts/lib/common.sh
# shellcheck source=scripts/lib/postgres.sh
source scripts/lib/postgres.sh

duration=${duration:-20}
bench_header=${bench_header:-}
# A/B mode: the revision to compare this tree with (empty: measure this tree alone).
against=${against:-}

# Everything a run leaves behind goes here (the binaries it measures, SQLite files, scripts).
bench_tmp=$(mktemp -d /tmp/notejam-bench.XXXXXX)
bench_pids=()

# bench_cleanup: stops every app this run started, PostgreSQL, and removes the run's files.
# The sourcing script calls it from its EXIT trap.
bench_cleanup() {
  local p
  for p in "${bench_pids[@]}" ${app_pid:-}; do kill "$p" 2>/dev/null || true; done
  for p in "${bench_pids[@]}" ${app_pid:-}; do wait "$p" 2>/dev/null || true; done
  stop_postgres
  if [ -n "${ref_tree:-}" ] && [ -d "$ref_tree" ]; then git worktree remove --force "$ref_tree" || true; fi
  rm -rf "$bench_tmp"
}

# bench_args "$@": reads `[--against REV] [DURATION]` into `against` and `duration` (empty when
# not given, for the mode's own default).
bench_args() {
  duration=""
  while [ $# -gt 0 ]; do
    case $1 in
      --against) [ $# -ge 2 ] || die "--against needs a git revision"; against=$2; shift 2 ;;
      --against=*) against=${1#--against=}; shift ;;
      -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
      -*) die "unknown option $1" ;;
      *) duration=$1; shift ;;
    esac
  done
}

# build_this: the release build of this tree, copied to $bench_tmp/notejam-B (so that a build
# started during the run does not change what is measured); sets `bin`.
# Also sets `this_rev`: the commit, and whether the app's files had uncommitted changes.
build_this() {
  this_rev="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- app Cargo.toml Cargo.lock || echo ' with uncommitted changes')"
  log "release build of this tree ($this_rev)"
  nice cargo build --release -p notejam --bin notejam --quiet
  bin="$bench_tmp/notejam-B"
  cp "$CARGO_TARGET_DIR/release/notejam" "$bin"
}

# build_ref REV: the release build of REV, from a detached worktree under /tmp, into its own target
# directory (BENCH_REF_TARGET_DIR, default $CARGO_TARGET_DIR-ref; seeded from this tree's build
# the first time, so only our crate compiles); sets `ref_bin` and `ref_rev`. Each binary is kept
# there under the hash of what it is built from (app/, Cargo.toml, Cargo.lock), so a second run
# against the same REV, or a later one that changed nothing of the app, builds nothing.
build_ref() {
  local rev=$1 target=${BENCH_REF_TARGET_DIR:-$CARGO_TARGET_DIR-ref} commit source kept
  commit=$(git rev-parse "$rev^{commit}") || die "not a git revision: $rev"
  ref_rev=${commit:0:7}
  ref_bin="$bench_tmp/notejam-A"
  source=$(git rev-parse "$commit:app" "$commit:Cargo.toml" "$commit:Cargo.lock" | sha1sum | cut -c1-16)
  kept="$target/notejam-$source"
  if [ -x "$kept" ]; then
    log "release build of $rev ($ref_rev): kept from an earlier run ($kept)"
    cp "$kept" "$ref_bin"
    return
  fi
  ref_tree="$bench_tmp/ref-$ref_rev"
  git worktree add --detach --quiet "$ref_tree" "$commit"
  if [ ! -d "$target/release" ] && [ -d "$CARGO_TARGET_DIR/release" ]; then
    log "seeding $target from $CARGO_TARGET_DIR (the dependencies' release builds)"
    mkdir -p "$target"
    cp -a --reflink=auto "$CARGO_TARGET_DIR/release" "$target/"
  fi
  log "release build of $rev ($ref_rev) into $target"
  (cd "$ref_tree" && CARGO_TARGET_DIR=$target nice cargo build --release -p notejam --bin notejam --quiet)
  cp "$target/release/notejam" "$kept"
  cp "$target/release/notejam" "$ref_bin"
  git worktree remove --force "$ref_tree"
  ref_tree=""
}

# bench_prepare: installs wrk, starts PostgreSQL with a `notejam_bench` database, builds this tree
# (and REV in A/B mode), migrates, and sets bin, port, admin, base and db_url.
bench_prepare() {
  apt_install wrk curl time
  start_postgres
  psql "$NOTEJAM_TEST_POSTGRES_URL" -qc "CREATE DATABASE notejam_bench" >/dev/null
  build_this
  [ -z "$against" ] || build_ref "$against"
  port=$(free_port); admin=$(free_port)
  # shellcheck disable=SC2034 # an output: the sourcing script reads it
  base="http://127.0.0.1:$port"
  db_url="${NOTEJAM_TEST_POSTGRES_URL%/postgres}/notejam_bench"
  sqlite_url="sqlite://$bench_tmp/notejam-bench.db"
  export DATABASE_URL="$db_url" NOTEJAM_SECRET_KEY="bench-secret-key-bench-secret-key-0123" RUST_LOG=warn
  # The older build migrates first: the newer one's migrations are a superset of its.
  if [ -n "$against" ]; then
    "$ref_bin" migrate
    DATABASE_URL=$sqlite_url "$ref_bin" migrate
  fi
  "$bin" migrate
  DATABASE_URL=$sqlite_url "$bin" migrate
}

# bench_single_start [ENV=VALUE...]: this tree alone, DURATION seconds a row (default 20):
# bench_prepare, then start_app with these extra variables.
bench_single_start() {
  duration=${duration:-20}
  bench_prepare
  start_app "$@"
}

# launch_app PID_VAR BIN PORT ADMIN_PORT [ENV=VALUE...]: starts BIN serving on these ports (with
# these extra variables; migrations are the script's, not the server's), waits until it answers,
# and stores its pid in the variable PID_VAR. Prints the milliseconds from start to first answer.
# A `WRAP="valgrind ..."` variable runs it under that command (and waits up to 5 minutes).
launch_app() {
  local var=$1 app_bin=$2 app_port=$3 app_admin=$4; shift 4
  local start_ns pid i tries=15000
  start_ns=$(date +%s%N)
  # shellcheck disable=SC2086 # WRAP is a command line: split on purpose
  env "$@" NOTEJAM_LISTEN="127.0.0.1:$app_port" NOTEJAM_ADMIN_LISTEN="127.0.0.1:$app_admin" \
    NOTEJAM_DB_MAX_CONNECTIONS=16 NOTEJAM_MIGRATE=false ${WRAP:-} "$app_bin" serve >>"$bench_tmp/apps.log" 2>&1 &
  pid=$!
  [ -z "${WRAP:-}" ] || tries=150000
  for i in $(seq "$tries"); do
    curl -fs -o /dev/null "http://127.0.0.1:$app_port/signin/" && break
    kill -0 "$pid" 2>/dev/null || { tail -20 "$bench_tmp/apps.log" >&2; die "the app exited"; }
    [ "$i" = "$tries" ] && die "the app did not answer in time"
    sleep 0.002
  done
  printf -v "$var" '%s' "$pid"
  echo $(( ($(date +%s%N) - start_ns) / 1000000 ))
}

# start_app [ENV=VALUE...]: (re)starts this tree's app on $port with these extra variables, and
# sets app_pid and ready_ms (process start to the first successful request).
start_app() {
  if [ -n "${app_pid:-}" ]; then kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; fi
  # launch_app runs in this shell (not a subshell) so that the app's pid stays ours to wait for.
  launch_app app_pid "$bin" "$port" "$admin" "$@" >"$bench_tmp/ready"
  # shellcheck disable=SC2034 # an output: the sourcing script reads it
  ready_ms=$(cat "$bench_tmp/ready")
}

# seed_user BASE JAR: signs up bench@example.com through the pages, signs in (the session goes to
# the cookie jar JAR), and writes a pad and 50 notes (without a pad); prints the first note's id.
seed_user() {
  local b=$1 jar=$2 i t
  t=$(csrf "$b" "$jar" /signup/)
  curl -fs -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf_token=$t" -d "email=bench@example.com&password=password123&repeat_password=password123" "$b/signup/"
  sign_in "$b" "$jar"
  t=$(csrf "$b" "$jar" /pads/create/)
  curl -fs -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf_token=$t" -d "name=Bench" "$b/pads/create/"
  for i in $(seq 1 50); do
    t=$(csrf "$b" "$jar" /notes/create/)
    curl -fs -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf_token=$t" -d "name=Note $i&text=Some text for note $i&pad=0" "$b/notes/create/"
  done
  curl -fs -b "$jar" "$b/" | sed -n 's/.*href="\/notes\/\([0-9]*\)\/".*/\1/p' | head -1
}

# csrf BASE JAR PATH: the CSRF token of the form at PATH (the session in JAR).
csrf() { curl -fs -b "$2" -c "$2" "$1$3" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1; }

# sign_in BASE JAR: signs bench@example.com in; the session cookie goes to JAR.
sign_in() {
  local t; t=$(csrf "$1" "$2" /signin/)
  curl -fs -o /dev/null -b "$2" -c "$2" --data-urlencode "csrf_token=$t" -d "email=bench@example.com&password=password123" "$1/signin/"
}

# session_cookie JAR: the `Cookie:` value of the session in JAR.
session_cookie() { awk '$6=="notejam_session"{print $6"="$7}' "$1"; }

# api_token BASE: a fresh bearer token of bench@example.com.
api_token() {
  curl -fsS -H 'content-type: application/json' -d '{"email":"bench@example.com","password":"password123"}' "$1/api/v1/tokens" |
    sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}

peak_rss() { awk '/VmHWM/{print int($2/1024)}' "/proc/${1:-$app_pid}/status"; }
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
# Our cluster's server processes, one a line: the postmaster and its children (backends, writers).
pg_pids() {
  local pm; pm=$(head -1 "$PG_DIR/data/postmaster.pid")
  echo "$pm"
  pgrep -P "$pm" || true
}

bench_table_header() {
  echo "| request | requests/s | p50 | p99 | non-2xx/3xx | CPU µs per request: app / PostgreSQL / wrk |"
  echo "|---|---|---|---|---|---|"
}

# measure PID SECONDS HEADER URL [extra wrk args]: one wrk run of SECONDS against URL (sending
# HEADER) served by the app PID; prints one tab-separated line: requests/s, p50 ms, p99 ms,
# non-2xx/3xx responses, and CPU µs per request of the app, of PostgreSQL (every server process)
# and of wrk, and the kernel's share of the app's CPU in %. On 2 shared cores the sum of the CPU
# per request bounds the throughput.
measure() {
  local pid=$1 secs=$2 header=$3 url=$4; shift 4
  local hz; hz=$(getconf CLK_TCK)
  local pg app0 pg0 sys0; mapfile -t pg < <(pg_pids)
  app0=$(cpu_ticks "$pid"); pg0=$(cpu_ticks "${pg[@]}"); sys0=$(sys_ticks "$pid")
  local out; out=$(/usr/bin/time -f 'wrk-cpu %U %S' nice wrk -t2 -c32 -d"${secs}s" --latency -H "$header" "$@" "$url" 2>&1)
  # Backends started during the run count from zero: their whole CPU time is the run's.
  local app1 pg1 sys1; mapfile -t pg < <(pg_pids)
  app1=$(cpu_ticks "$pid"); pg1=$(cpu_ticks "${pg[@]}"); sys1=$(sys_ticks "$pid")
  awk -v a=$((app1 - app0)) -v s=$((sys1 - sys0)) -v p=$((pg1 - pg0)) -v hz="$hz" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { bad = $5 }
    /requests in/ { n = $1 }
    /^wrk-cpu/ { w = $2 + $3 }
    END {
      if (!n) { print "wrk measured nothing" > "/dev/stderr"; exit 1 }
      printf "%s\t%.2f\t%.2f\t%d\t%.0f\t%.0f\t%.0f\t%.0f\n", rps, p50, p99, bad, a / hz / n * 1e6, p / hz / n * 1e6, w / n * 1e6, a ? 100 * s / a : 0
    }' <<<"$out"
}

# run NAME URL [extra wrk args]: one table row of this tree's app ($app_pid) for $duration seconds.
run() {
  local name=$1 url=$2; shift 2
  local rps p50 p99 bad app pg w sys
  IFS=$'\t' read -r rps p50 p99 bad app pg w sys < <(measure "$app_pid" "$duration" "$bench_header" "$url" "$@")
  # shellcheck disable=SC2016 # the backticks are Markdown code marks, not a command
  printf '| `%s` | %s | %sms | %sms | %s | %s (%s %% in the kernel) / %s / %s |\n' "$name" "$rps" "$p50" "$p99" "$bad" "$app" "$sys" "$pg" "$w"
}

# The heading of a report: what was measured, on what, and how busy the machine was.
bench_heading() { # TITLE
  local what="release build"
  [ -z "$against" ] || what="A = $against ($ref_rev), B = this tree ($this_rev), release builds"
  echo "### $1, $what on PostgreSQL $(psql "$NOTEJAM_TEST_POSTGRES_URL" -tAc 'SHOW server_version'), wrk -t2 -c32 -d${duration}s, $(nproc) cores, load average before the run: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%d)"
}

# ---- A/B mode: two builds on the same data, alternated row by row ----

# The apps of an A/B run, by key `BUILD-DB` (A-pg, B-pg, A-sqlite, B-sqlite): pid and base URL;
# and the session cookie of each (every build signs in through its own app).
declare -A ab_pid ab_base ab_cookie
# Per database (pg, sqlite): a bearer token and the id of a note, valid for both builds.
declare -A ab_token ab_note
# Per app: the largest resident memory (VmRSS, MiB) seen at the end of a row's load.
declare -A ab_rss

# ab_start: starts both builds (only B, this tree, without --against) on PostgreSQL and on one
# SQLite file, and signs in through each app. The user with 50 notes is seeded first through a
# B process of its own, stopped before the measured apps start: sign-up and sign-in hash
# passwords (argon2, 19 MiB each), which the allocator may keep, so each measured app has the
# same history (one sign-in) and their memory compares.
ab_start() {
  local build db binary url key p a jar seeder
  for db in pg sqlite; do
    url=$db_url; [ "$db" = sqlite ] && url=$sqlite_url
    p=$(free_port); a=$(free_port)
    launch_app seeder "$bin" "$p" "$a" DATABASE_URL="$url" >/dev/null
    bench_pids+=("$seeder")
    ab_note[$db]=$(seed_user "http://127.0.0.1:$p" "$bench_tmp/jar-seed-$db")
    [ -n "${ab_note[$db]}" ] || die "setup failed on $db: no note"
    ab_token[$db]=$(api_token "http://127.0.0.1:$p")
    [ -n "${ab_token[$db]}" ] || die "setup failed on $db: no API token"
    kill "$seeder"; wait "$seeder" 2>/dev/null || true
    for build in B ${against:+A}; do
      key=$build-$db
      binary=$bin; [ "$build" = A ] && binary=$ref_bin
      p=$(free_port); a=$(free_port)
      launch_app "ab_pid[$key]" "$binary" "$p" "$a" DATABASE_URL="$url" >/dev/null
      bench_pids+=("${ab_pid[$key]}")
      ab_base[$key]="http://127.0.0.1:$p"
      jar="$bench_tmp/jar-$key"
      sign_in "${ab_base[$key]}" "$jar"
      ab_cookie[$key]=$(session_cookie "$jar")
      [ -n "${ab_cookie[$key]}" ] || die "setup failed: no session from $key"
    done
  done
}

# ab_begin: A/B mode, DURATION seconds a row (default 10): bench_prepare, then ab_start.
ab_begin() {
  duration=${duration:-10}
  bench_prepare
  ab_start
}

# The rows of an A/B run, in order: name, database (pg or sqlite), authentication (cookie or
# token), path, extra wrk arguments (words split on spaces, may be empty).
ab_names=(); ab_dbs=(); ab_auths=(); ab_paths=(); ab_extras=()
# ab_row NAME DB AUTH PATH [WRK_ARGS]: adds a row.
ab_row() {
  ab_names+=("$1"); ab_dbs+=("$2"); ab_auths+=("$3"); ab_paths+=("$4"); ab_extras+=("${5:-}")
}

# ab_measure ROW BUILD ROUND SECONDS: one wrk run of a row against one build; appends a sample
# (unless ROUND is "warm-up") to $bench_tmp/samples.tsv.
ab_measure() {
  local i=$1 build=$2 round=$3 secs=$4
  local key=$build-${ab_dbs[$i]} header extra=()
  if [ "${ab_auths[$i]}" = cookie ]; then header="Cookie: ${ab_cookie[$key]}"; else header="Authorization: Bearer ${ab_token[${ab_dbs[$i]}]}"; fi
  read -ra extra <<<"${ab_extras[$i]}"
  local line rss; line=$(measure "${ab_pid[$key]}" "$secs" "$header" "${ab_base[$key]}${ab_paths[$i]}" "${extra[@]}")
  rss=$(rss_now "${ab_pid[$key]}")
  [ "$rss" -le "${ab_rss[$key]:-0}" ] || ab_rss[$key]=$rss
  [ "$round" = warm-up ] && return
  printf '%s\t%s\t%s\t%s\t%s\n' "$i" "${ab_names[$i]}" "$round" "$build" "$line" >>"$bench_tmp/samples.tsv"
}

# ab_rounds ROUNDS: a short warm-up of every row on both builds, then ROUNDS rounds of every row
# on A then B (B then A in even rounds), $duration seconds each; then the report, and the rows are
# cleared (so a script can run a second set, e.g. writes after reads).
ab_rounds() {
  local rounds=$1 r i first second
  : >"$bench_tmp/samples.tsv"
  log "warm-up: 2 s of each row on each build"
  for i in "${!ab_names[@]}"; do ab_measure "$i" A warm-up 2; ab_measure "$i" B warm-up 2; done
  for r in $(seq "$rounds"); do
    first=A second=B
    [ $((r % 2)) = 0 ] && { first=B second=A; }
    log "round $r of $rounds: each row on $first, then on $second, ${duration} s each"
    for i in "${!ab_names[@]}"; do
      ab_measure "$i" "$first" "$r" "$duration"
      ab_measure "$i" "$second" "$r" "$duration"
    done
  done
  python3 scripts/lib/ab_report.py "$bench_tmp/samples.tsv"
  echo
  echo "- peak resident memory (VmHWM) since start: A $(peak_rss "${ab_pid[A-pg]}") MiB, B $(peak_rss "${ab_pid[B-pg]}") MiB on PostgreSQL; A $(peak_rss "${ab_pid[A-sqlite]}") MiB, B $(peak_rss "${ab_pid[B-sqlite]}") MiB on SQLite"
  echo "- resident memory under load (the largest VmRSS at the end of a row): A ${ab_rss[A-pg]:-?} MiB, B ${ab_rss[B-pg]:-?} MiB on PostgreSQL; A ${ab_rss[A-sqlite]:-?} MiB, B ${ab_rss[B-sqlite]:-?} MiB on SQLite"
  echo "- peak resident memory (VmHWM) includes the sign-in each app served (argon2 holds 19 MiB while it hashes)"
  ab_names=(); ab_dbs=(); ab_auths=(); ab_paths=(); ab_extras=()
}

# ab_report TITLE: the heading, then ROUNDS rounds (default 5) of the rows added so far.
ab_report() {
  bench_heading "$1"
  echo
  ab_rounds "${ROUNDS:-5}"
}

rss_now() { awk '/VmRSS/{print int($2/1024)}' "/proc/$1/status"; }
