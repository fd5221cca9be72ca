#!/usr/bin/env bash
# Loads 1M plugin log entries (plus 1M of noise) into a throwaway PostgreSQL and times the listing's two
# statements (count and page) under each filter. Usage: infra/bench/plugin-logs/run.sh  (see README.md)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PORT="${PORT:-55433}"
WORK="$(mktemp -d /tmp/quarry-bench-plugin-logs.XXXXXX)"
OUT="${OUT:-$HERE/results}"
RUNS="${RUNS:-3}"

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown postgres "$WORK"

cleanup() { as_pg "$PG_BIN/pg_ctl" -D "$WORK/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

as_pg "$PG_BIN/initdb" -D "$WORK/data" -U quarry --auth=trust >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/log" -w \
  -o "-p $PORT -k $WORK -c listen_addresses='' -c shared_buffers=512MB -c fsync=off -c synchronous_commit=off -c max_wal_size=4GB" start >/dev/null

psql_() { as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$WORK" -p "$PORT" -U quarry -d postgres "$@"; }

echo "schema and data…"
for migration in "$ROOT"/src/main/resources/db/migration/V*.sql; do psql_ -f "$migration"; done
start=$(date +%s.%N)
psql_ -f "$HERE/load.sql"
echo "loaded 2,000,000 entries in $(echo "$(date +%s.%N) - $start" | bc | cut -c1-5) s"

mkdir -p "$OUT/plans"
summary="$OUT/summary.md"
{
  echo "| filter | matching | count ms | page ms | page plan |"
  echo "|---|---:|---:|---:|---|"
} > "$summary"

# measure NAME EXTRA_WHERE PARAM_TYPES PARAM_VALUES [OFFSET]
# The WHERE text and parameter order are those PluginLogs.where builds ($1 team, $2 config, then filters).
measure() {
  local name="$1" extra="$2" types="$3" values="$4" offset="${5:-0}"
  local where="team_id = \$1 AND plugin_config_id = \$2$extra"
  local n; n=$(($(echo "$types" | tr ',' '\n' | wc -l)))
  local sql="PREPARE c($types) AS SELECT count(*) FROM plugin_log_entries WHERE $where;
PREPARE p($types, int, int) AS SELECT id, team_id, plugin_id, plugin_config_id, timestamp, source, type, message, instance_id
  FROM plugin_log_entries WHERE $where ORDER BY timestamp DESC, id DESC LIMIT \$$((n + 1)) OFFSET \$$((n + 2));"
  local best_c=999999 best_p=999999 rows plan_c plan_p
  for _ in $(seq "$RUNS"); do
    plan_c=$(psql_ -At -c "$sql" -c "EXPLAIN (ANALYZE, BUFFERS) EXECUTE c($values)")
    plan_p=$(psql_ -At -c "$sql" -c "EXPLAIN (ANALYZE, BUFFERS) EXECUTE p($values, 100, $offset)")
    local tc tp
    tc=$(echo "$plan_c" | sed -n 's/^Execution Time: \([0-9.]*\) ms/\1/p')
    tp=$(echo "$plan_p" | sed -n 's/^Execution Time: \([0-9.]*\) ms/\1/p')
    best_c=$(echo "if ($tc < $best_c) $tc else $best_c" | bc)
    best_p=$(echo "if ($tp < $best_p) $tp else $best_p" | bc)
  done
  rows=$(psql_ -At -c "$sql" -c "EXECUTE c($values)")
  { echo "-- $name: count"; echo "$plan_c"; echo; echo "-- $name: page (limit 100 offset $offset)"; echo "$plan_p"; } \
    > "$OUT/plans/$name.txt"
  local scan; scan=$(echo "$plan_p" | grep -o -m1 -E '(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)[^(]*' | sed 's/ *$//')
  printf '| %s | %s | %.1f | %.1f | %s |\n' "$name" "$rows" "$best_c" "$best_p" "$scan" >> "$summary"
  printf '%-28s %8s rows  count %8.1f ms  page %8.1f ms  %s\n' "$name" "$rows" "$best_c" "$best_p" "$scan"
}

echo "measuring (best of $RUNS, server-side execution time)…"
measure none "" "bigint, bigint" "1, 1"
measure after_last_day " AND timestamp > \$3" "bigint, bigint, timestamptz" "1, 1, '2024-01-30T00:00:00Z'"
measure before_first_day " AND timestamp < \$3" "bigint, bigint, timestamptz" "1, 1, '2024-01-02T00:00:00Z'"
measure window_1h " AND timestamp > \$3 AND timestamp < \$4" "bigint, bigint, timestamptz, timestamptz" \
  "1, 1, '2024-01-15T00:00:00Z', '2024-01-15T01:00:00Z'"
measure search_common " AND message ILIKE \$3" "bigint, bigint, text" "1, 1, '%user-42%'"
measure search_rare " AND message ILIKE \$3" "bigint, bigint, text" "1, 1, '%timeout%'"
measure type_error " AND type = ANY(\$3::text[])" "bigint, bigint, text[]" "1, 1, '{ERROR}'"
measure type_error_warn " AND type = ANY(\$3::text[])" "bigint, bigint, text[]" "1, 1, '{ERROR,WARN}'"
measure all_filters " AND timestamp > \$3 AND timestamp < \$4 AND message ILIKE \$5 AND type = ANY(\$6::text[])" \
  "bigint, bigint, timestamptz, timestamptz, text, text[]" \
  "1, 1, '2024-01-10T00:00:00Z', '2024-01-20T00:00:00Z', '%timeout%', '{ERROR,WARN}'"
measure none_offset_100k "" "bigint, bigint" "1, 1" 100000
measure other_team_id "" "bigint, bigint" "2, 1"

echo "summary: $summary; plans: $OUT/plans/"
