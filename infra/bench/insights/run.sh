#!/usr/bin/env bash
# Times each insight kind through the HTTP API of a running Quarry (./mvnw quarkus:dev) against the data of
# generate.sql, best of 3 runs with refresh=force_blocking, then the hand-written SQL (handwritten.sql) on the same
# database. Usage:
#   infra/bench/insights/run.sh <project-id> <personal-api-key> [url=http://localhost:8080] [pg-port=54329]
set -euo pipefail
project=$1
key=$2
url=${3:-http://localhost:8080}
port=${4:-54329}
here=$(cd "$(dirname "$0")" && pwd)
range='"dateRange":{"date_from":"2025-12-02","date_to":"2025-12-31"}'
pv='{"kind":"EventsNode","event":"$pageview"}'
declare -A queries=(
  [trends]="{\"kind\":\"TrendsQuery\",\"interval\":\"day\",\"series\":[$pv],$range}"
  [trends_dau_by_browser]="{\"kind\":\"TrendsQuery\",\"series\":[{\"kind\":\"EventsNode\",\"event\":\"\$pageview\",\"math\":\"dau\"}],\"breakdownFilter\":{\"breakdown\":\"\$browser\"},$range}"
  [stickiness]="{\"kind\":\"StickinessQuery\",\"series\":[$pv],$range}"
  [lifecycle]="{\"kind\":\"LifecycleQuery\",\"series\":[$pv],$range}"
  [retention]="{\"kind\":\"RetentionQuery\",\"dateRange\":{\"date_to\":\"2025-12-31\"},\"retentionFilter\":{\"period\":\"Day\",\"totalIntervals\":8,\"targetEntity\":{\"id\":\"\$pageview\",\"type\":\"events\"},\"returningEntity\":{\"id\":\"\$pageview\",\"type\":\"events\"}}}"
)
for name in trends trends_dau_by_browser stickiness lifecycle retention; do
  best=
  for i in 1 2 3; do
    t=$(curl -s -o /tmp/quarry-bench-$name.json -w '%{time_total}' -H "Authorization: Bearer $key" \
        -H 'Content-Type: application/json' -d "{\"refresh\":\"force_blocking\",\"query\":${queries[$name]}}" \
        "$url/api/environments/$project/query/")
    if [[ -z "$best" ]] || (( $(echo "$t < $best" | bc) )); then best=$t; fi
  done
  echo "API $name: best ${best}s ($(head -c 120 /tmp/quarry-bench-$name.json)…)"
done
psql -h localhost -p "$port" -U postgres -d postgres -v team="$project" -f "$here/handwritten.sql" | grep -E '^(trends|stickiness|lifecycle|retention)|Time:'
