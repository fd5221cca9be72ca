#!/usr/bin/env bash
# Warm API overhead over the SQL itself, on the packaged app (not dev mode): a fresh PostgreSQL (Debian's 15 on
# loopback), `java -jar quarkus-app/quarkus-run.jar` (prod profile, migrations at start), one project with its rate
# limits lifted, then OverheadBench: HogQL `select 1` through POST query vs the statement straight on a connection,
# interleaved; with the app's and PostgreSQL's CPU time per request (load-robust where wall clock is not).
# Usage: infra/bench/overhead/run.sh [N=2000]
# Env: APP (default target/quarkus-app, built with ./mvnw package if missing);
#   QUARRY_BENCH_JAR=<another build's quarkus-app dir> measures it too, back to back with APP in one run (each build
#   on its own database of the same PostgreSQL, both started before the first round; labels "this" and "other");
#   QUARRY_BENCH_APPS="label=dir label=dir ..." names any number of builds instead;
#   QUARRY_BENCH_ROUNDS (default 1 for one build, 4 for several: rounds alternate A B, B A, ...);
#   PG_BIN (/usr/lib/postgresql/15/bin), PG_PORT (55471), HTTP_PORT (18471; further builds take the next ports).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
N="${1:-2000}"
APP="${APP:-$ROOT/target/quarkus-app}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_PORT="${PG_PORT:-55471}"
HTTP_PORT="${HTTP_PORT:-18471}"
WORK="$(mktemp -d /tmp/quarry-bench-overhead.XXXXXX)"
APP_PIDS=()

if [ -n "${QUARRY_BENCH_APPS:-}" ]; then
  read -r -a BUILDS <<<"$QUARRY_BENCH_APPS"
elif [ -n "${QUARRY_BENCH_JAR:-}" ]; then
  BUILDS=("this=$APP" "other=$QUARRY_BENCH_JAR")
else
  BUILDS=("this=$APP")
fi
ROUNDS="${QUARRY_BENCH_ROUNDS:-$([ "${#BUILDS[@]}" -gt 1 ] && echo 4 || echo 1)}"

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
  for pid in "${APP_PIDS[@]}"; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  as_pg "$PG_BIN/pg_ctl" -D "$WORK/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] && chown postgres "$WORK" && chmod 755 "$WORK"

if [ ! -f "$APP/quarkus-run.jar" ] && [ "${BUILDS[0]#*=}" = "$APP" ]; then
  (cd "$ROOT" && ./mvnw -B -q package -DskipTests -Dexec.skip=true)
fi

as_pg "$PG_BIN/initdb" -D "$WORK/data" -U quarry --auth=trust >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/pg.log" -w \
  -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c shared_buffers=256MB" start >/dev/null
POSTMASTER=$(head -1 "$WORK/data/postmaster.pid")

TARGETS=()
i=0
for build in "${BUILDS[@]}"; do
  label="${build%%=*}"
  dir="${build#*=}"
  db="overhead_$i"
  port=$((HTTP_PORT + i))
  as_pg psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U quarry -d postgres -c "CREATE DATABASE $db"
  QUARRY_DB_URL="postgresql://127.0.0.1:$PG_PORT/$db" QUARRY_DB_USER=quarry QUARRY_DB_PASSWORD=quarry \
    QUARRY_MIGRATE_AT_START=true QUARRY_HTTP_PORT="$port" QUARRY_OPERATOR_SECRET=bench-secret \
    java -Xmx512m -jar "$dir/quarkus-run.jar" >"$WORK/app-$i.log" 2>&1 &
  pid=$!
  APP_PIDS+=("$pid")
  BASE="http://127.0.0.1:$port"
  for _ in $(seq 1 240); do
    curl -s -o /dev/null "$BASE/api/projects/" && break
    kill -0 "$pid" 2>/dev/null || { cat "$WORK/app-$i.log"; exit 1; }
    sleep 0.5
  done
  created=$(curl -sf -H 'Content-Type: application/json' -H 'X-Quarry-Operator-Secret: bench-secret' \
    -d '{"name":"Overhead","timezone":"UTC","scopes":["*"]}' "$BASE/admin/projects")
  PROJECT=$(echo "$created" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  KEY=$(echo "$created" | python3 -c 'import json,sys; print(json.load(sys.stdin)["personal_api_key"]["value"])')
  as_pg psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U quarry -d "$db" -c \
    "INSERT INTO team_plans (team_id, plan_id, hogql_per_hour, query_per_minute, query_per_hour)
     SELECT $PROJECT, id, 100000000, 100000000, 100000000 FROM plans WHERE id = 'default'"
  echo "build $label: $dir ($(cd "$dir/.." 2>/dev/null && git rev-parse --short HEAD 2>/dev/null || echo '?')), pid $pid"
  TARGETS+=("$label|$BASE|$PROJECT|$KEY|$pid")
  i=$((i + 1))
done

java -Dclk.tck="$(getconf CLK_TCK)" -cp "${BUILDS[0]#*=}/lib/main/*" "$HERE/OverheadBench.java" "$N" "$ROUNDS" \
  "jdbc:postgresql://127.0.0.1:$PG_PORT/overhead_0" quarry "$POSTMASTER" "${TARGETS[@]}"
