#!/usr/bin/env bash
# Metering overhead per call, measured with pgbench on the statements the server runs (not through HTTP):
# the meter row + hourly rollup (one statement per call), the admission statements (quota + rate limits,
# query and persons calls only), and SELECT 1 as the round-trip floor. Usage: infra/bench/metering/run.sh
# The server runs with synchronous_commit=on (the default); the meter statement sets its own transaction's
# setting as Meter does (quarry.metering.synchronous-commit): both off (Quarry's default) and on are measured.
# Env: PG_BIN (default /usr/lib/postgresql/15/bin), PORT (55434), SECONDS_EACH (10).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PORT="${PORT:-55434}"
SECONDS_EACH="${SECONDS_EACH:-10}"
WORK="$(mktemp -d /tmp/quarry-bench-metering.XXXXXX)"

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown postgres "$WORK" && chmod 755 "$WORK"

cleanup() { as_pg "$PG_BIN/pg_ctl" -D "$WORK/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

as_pg "$PG_BIN/initdb" -D "$WORK/data" -U quarry --auth=trust >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/log" -w \
  -o "-p $PORT -k $WORK -c listen_addresses='' -c shared_buffers=256MB" start >/dev/null

psql_() { as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$WORK" -p "$PORT" -U quarry -d postgres "$@"; }
for migration in "$ROOT"/src/main/resources/db/migration/V*.sql; do psql_ -f "$migration" >/dev/null; done
psql_ -f "$HERE/load.sql"

cp "$HERE"/*.sql "$WORK"/ && [ "$(id -u)" = 0 ] && chown postgres "$WORK"/*.sql
bench() { # NAME SCRIPT CLIENTS [SYNC]
  local out
  out=$(as_pg "$PG_BIN/pgbench" -n -M prepared -h "$WORK" -p "$PORT" -U quarry -c "$3" -j "$3" -T "$SECONDS_EACH" \
    -D sync="${4:-off}" -f "$WORK/$2" postgres 2>&1)
  printf '| %s | %s | %s | %s |\n' "$1" "$3" \
    "$(echo "$out" | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p')" \
    "$(echo "$out" | sed -n 's/^tps = \([0-9.]*\) .*/\1/p' | cut -d. -f1)"
}

echo "$SECONDS_EACH s each, prepared statements, unix socket"
echo "| statement | clients | latency ms | tps |"
echo "|---|---:|---:|---:|"
bench "SELECT 1 (round-trip floor)" select1.sql 1
bench "meter row + rollup, 100 projects (commit: off, default)" record.sql 1
bench "meter row + rollup, 100 projects (commit: off)" record.sql 4
bench "meter row + rollup, one hot rollup row (commit: off)" record-hot.sql 4
bench "meter row + rollup, 100 projects (commit: on, durable)" record.sql 1 on
bench "meter row + rollup, one hot rollup row (commit: on)" record-hot.sql 4 on
bench "admission (plan + quota sum + rate windows)" admit.sql 1
psql_ -At -c "SELECT 'api_calls rows after the run: ' || count(*) FROM api_calls"
