# shellcheck shell=bash
# start_postgres: starts a throwaway PostgreSQL cluster on a free loopback port and exports
# NOTEJAM_TEST_POSTGRES_URL (superuser, trust auth on loopback only). stop_postgres removes it.
# Sourced, not run. Needs lib/common.sh.

_pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return; }; done
  command -v initdb >/dev/null && dirname "$(command -v initdb)"
}

start_postgres() {
  [ -n "$(_pg_bin)" ] || apt_install postgresql
  local bin; bin=$(_pg_bin) || die "PostgreSQL is not installed and could not be installed"
  PG_DIR=$(mktemp -d /tmp/notejam-pg.XXXXXX)
  PG_PORT=$(free_port)
  local run_as=()
  if [ "$(id -u)" -eq 0 ]; then
    # initdb refuses to run as root: run the cluster as the postgres user.
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$PG_DIR"
    run_as=(runuser -u postgres --)
  fi
  log "starting PostgreSQL ($("$bin/postgres" --version)) on 127.0.0.1:$PG_PORT"
  "${run_as[@]}" "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  "${run_as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 30 \
    -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null \
    || { cat "$PG_DIR/log" >&2; die "PostgreSQL did not start"; }
  export NOTEJAM_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  PG_CTL_STOP=("${run_as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -m immediate stop)
}

stop_postgres() {
  [ -n "${PG_DIR:-}" ] || return 0
  "${PG_CTL_STOP[@]}" >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=""
}
