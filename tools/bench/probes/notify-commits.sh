#!/usr/bin/env bash
# How pg_notify inside a writing transaction limits commits: 10 pgbench clients insert one row
# each, plainly, with pg_notify in the same statement, and with pg_notify as a statement of its
# own after the commit (docs/benchmarks.md, "Wake-ups after the commit"). Needs pgbench and the
# machine's Postgres (PGHOST/PGUSER as for psql; default 127.0.0.1, postgres).
set -euo pipefail
export PGHOST="${PGHOST:-127.0.0.1}" PGUSER="${PGUSER:-postgres}"
DB="bench_notify_$$"
WORK="$(mktemp -d)"
trap 'dropdb --if-exists "$DB"; rm -rf "$WORK"' EXIT
createdb "$DB"
psql -q "$DB" -c 'CREATE TABLE t (id bigserial PRIMARY KEY, v text)'
echo "INSERT INTO t (v) VALUES ('x');" >"$WORK/plain.sql"
echo "INSERT INTO t (v) VALUES ('x') RETURNING pg_notify('work', '');" >"$WORK/notify-inside.sql"
printf "INSERT INTO t (v) VALUES ('x');\nSELECT pg_notify('work', '');\n" >"$WORK/notify-after.sql"
for round in 1 2; do
  for script in plain notify-inside notify-after; do
    tps="$(pgbench -n -c 10 -j 2 -T "${SECONDS_PER_RUN:-8}" -f "$WORK/$script.sql" "$DB" 2>/dev/null |
      sed -n 's/^tps = \([0-9.]*\).*/\1/p')"
    printf 'round %s  %-14s %8.0f commits/s\n' "$round" "$script" "$tps"
  done
done
