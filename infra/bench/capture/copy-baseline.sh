#!/usr/bin/env bash
# The ceiling for capture on this machine: a raw COPY of the rows CaptureBench sent (events.csv) into a table
# shaped like events (same primary key and indexes), on the same PostgreSQL. No person processing, one statement.
# Usage: infra/bench/capture/copy-baseline.sh [port=54329]
set -euo pipefail
port=${1:-54329}
psql=(psql -h localhost -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q)
"${psql[@]}" <<'SQL'
DROP TABLE IF EXISTS bench_copy_events;
CREATE TABLE bench_copy_events (LIKE events INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING INDEXES);
ALTER TABLE bench_copy_events ALTER COLUMN team_id SET DEFAULT 1, ALTER COLUMN person_id SET DEFAULT gen_random_uuid();
SQL
start=$(date +%s%N)
"${psql[@]}" -c "\\copy bench_copy_events (uuid, event, distinct_id, properties, timestamp) FROM 'events.csv' WITH (FORMAT csv)"
end=$(date +%s%N)
rows=$("${psql[@]}" -tA -c "SELECT count(*) FROM bench_copy_events")
ms=$(( (end - start) / 1000000 ))
echo "COPY of $rows rows: ${ms} ms, $(( rows * 1000 / (ms > 0 ? ms : 1) )) rows/s"
"${psql[@]}" -c "DROP TABLE bench_copy_events"
