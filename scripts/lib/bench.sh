# shellcheck shell=bash
# Variables are shared with the sourcing script both ways (duration, bench_header in; bin, base,
# app_pid, ready_ms out).
# What scripts/bench.sh (pages) and scripts/bench-api.sh (API) share: a throwaway PostgreSQL, the
# release build, the app started on it, and one wrk row that reports where the CPU goes.
# Source after common.sh and postgres.sh. Callers set `bench_header` (an HTTP header wrk sends
# with every request: the session cookie or the bearer token) before calling `run`.
duration=${duration:-20}
bench_header=${bench_header:-}

# bench_prepare: installs wrk, starts PostgreSQL with a `notejam_bench` database, builds the
# release binaries, migrates, and sets bin, port, admin, base and db_url.
bench_prepare() {
  apt_install wrk curl time
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
}

# start_app [ENV=VALUE...]: (re)starts the app with these extra variables, waits until it answers,
# and sets app_pid and ready_ms (process start to the first successful request).
start_app() {
  if [ -n "${app_pid:-}" ]; then kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; fi
  local start_ns; start_ns=$(date +%s%N)
  env "$@" NOTEJAM_LISTEN="127.0.0.1:$port" NOTEJAM_ADMIN_LISTEN="127.0.0.1:$admin" NOTEJAM_DB_MAX_CONNECTIONS=16 \
    "$bin" serve >>/tmp/notejam-bench.log 2>&1 &
  app_pid=$!
  local i
  for i in $(seq 15000); do
    curl -fs -o /dev/null "$base/signin/" && break
    kill -0 "$app_pid" 2>/dev/null || die "the app exited; see /tmp/notejam-bench.log"
    [ "$i" = 15000 ] && die "the app did not answer within 30 s"
    sleep 0.002
  done
  # shellcheck disable=SC2034 # an output: the sourcing script reads it
  ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
}

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

# run NAME URL [extra wrk args]: one table row. Where the CPU goes during the row: the app,
# PostgreSQL (every server process) and wrk itself, in microseconds per request. On 2 shared
# cores their sum per request bounds the throughput.
run() {
  local name=$1 url=$2; shift 2
  local hz; hz=$(getconf CLK_TCK)
  local pg app0 pg0 sys0; mapfile -t pg < <(pg_pids)
  app0=$(cpu_ticks "$app_pid"); pg0=$(cpu_ticks "${pg[@]}"); sys0=$(sys_ticks "$app_pid")
  local out; out=$(/usr/bin/time -f 'wrk-cpu %U %S' wrk -t2 -c32 -d"${duration}s" --latency -H "$bench_header" "$@" "$url" 2>&1)
  # Backends started during the run count from zero: their whole CPU time is the run's.
  local app1 pg1 sys1; mapfile -t pg < <(pg_pids)
  app1=$(cpu_ticks "$app_pid"); pg1=$(cpu_ticks "${pg[@]}"); sys1=$(sys_ticks "$app_pid")
  local rps p50 p99 non2xx total cpu
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/{print $5}' <<<"$out")
  total=$(awk '/requests in/{print $1}' <<<"$out")
  cpu=$(awk -v a=$((app1 - app0)) -v s=$((sys1 - sys0)) -v p=$((pg1 - pg0)) -v hz="$hz" -v n="$total" \
    '/^wrk-cpu/{w = $2 + $3; printf "%.0f (%.0f %% in the kernel) / %.0f / %.0f", a / hz / n * 1e6, a ? 100 * s / a : 0, p / hz / n * 1e6, w / n * 1e6}' <<<"$out")
  # shellcheck disable=SC2016 # the backticks are Markdown code marks, not a command
  printf '| `%s` | %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "${non2xx:-0}" "$cpu"
}

# The heading of a report: what was measured, on what, and how busy the machine was.
bench_heading() { # TITLE
  echo "### $1, release build on PostgreSQL $(psql "$NOTEJAM_TEST_POSTGRES_URL" -tAc 'SHOW server_version'), wrk -t2 -c32 -d${duration}s, $(nproc) cores, load average before the run: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%d)"
}
