#!/usr/bin/env bash
# Warm API overhead over the SQL itself, on the packaged app (not dev mode): a fresh PostgreSQL (Debian's 15 on
# loopback), `java -jar target/quarkus-app/quarkus-run.jar` (prod profile, migrations at start), one project with
# its rate limits lifted, then OverheadBench: HogQL `select 1` through POST query vs the statement straight on a
# connection, interleaved. Usage: infra/bench/overhead/run.sh [N=2000]
# Env: APP (default target/quarkus-app, built with ./mvnw package if missing), PG_BIN (/usr/lib/postgresql/15/bin),
# PG_PORT (55471), HTTP_PORT (18471).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
N="${1:-2000}"
APP="${APP:-$ROOT/target/quarkus-app}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_PORT="${PG_PORT:-55471}"
HTTP_PORT="${HTTP_PORT:-18471}"
WORK="$(mktemp -d /tmp/quarry-bench-overhead.XXXXXX)"
APP_PID=""

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
  [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null || true
  as_pg "$PG_BIN/pg_ctl" -D "$WORK/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] && chown postgres "$WORK" && chmod 755 "$WORK"

if [ ! -f "$APP/quarkus-run.jar" ]; then
  (cd "$ROOT" && ./mvnw -B -q package -DskipTests -Dexec.skip=true)
fi

as_pg "$PG_BIN/initdb" -D "$WORK/data" -U quarry --auth=trust >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/pg.log" -w \
  -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c shared_buffers=256MB" start >/dev/null

QUARRY_DB_URL="postgresql://127.0.0.1:$PG_PORT/postgres" QUARRY_DB_USER=quarry QUARRY_DB_PASSWORD=quarry \
  QUARRY_MIGRATE_AT_START=true QUARRY_HTTP_PORT="$HTTP_PORT" QUARRY_OPERATOR_SECRET=bench-secret \
  java -Xmx512m -jar "$APP/quarkus-run.jar" >"$WORK/app.log" 2>&1 &
APP_PID=$!
BASE="http://127.0.0.1:$HTTP_PORT"
for _ in $(seq 1 240); do
  curl -s -o /dev/null "$BASE/api/projects/" && break
  kill -0 "$APP_PID" 2>/dev/null || { cat "$WORK/app.log"; exit 1; }
  sleep 0.5
done

created=$(curl -sf -H 'Content-Type: application/json' -H 'X-Quarry-Operator-Secret: bench-secret' \
  -d '{"name":"Overhead","timezone":"UTC","scopes":["*"]}' "$BASE/admin/projects")
PROJECT=$(echo "$created" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
KEY=$(echo "$created" | python3 -c 'import json,sys; print(json.load(sys.stdin)["personal_api_key"]["value"])')
as_pg psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U quarry -d postgres -c \
  "INSERT INTO team_plans (team_id, plan_id, hogql_per_hour, query_per_minute, query_per_hour)
   SELECT $PROJECT, id, 100000000, 100000000, 100000000 FROM plans WHERE id = 'default'"

java -cp "$APP/lib/main/*" "$HERE/OverheadBench.java" "$BASE" "$PROJECT" "$KEY" \
  "jdbc:postgresql://127.0.0.1:$PG_PORT/postgres" quarry "$N"
