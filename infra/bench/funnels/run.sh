#!/usr/bin/env bash
# Times a 3-step funnel ($pageview → signed up → purchase, 30 days, 14-day window) and its events correlation
# through the HTTP API of a running Quarry (./mvnw quarkus:dev), best of 3 with refresh=force_blocking, then the
# hand-written SQL of handwritten.sql on the same database. Data: infra/bench/data/generate.sql.
#   psql … -v team=2 -v events=3000000 -v persons=60000 -v days=30 -f infra/bench/data/generate.sql
#   infra/bench/funnels/run.sh <project-id> <personal-api-key> [url=http://localhost:8080] [pg-port=54329]
set -euo pipefail
project=$1
key=$2
url=${3:-http://localhost:8080}
port=${4:-54329}
here=$(cd "$(dirname "$0")" && pwd)
funnel='{"kind":"FunnelsQuery","dateRange":{"date_from":"-30d"},"series":[{"kind":"EventsNode","event":"$pageview"},{"kind":"EventsNode","event":"signed up"},{"kind":"EventsNode","event":"purchase"}]}'
declare -A queries=(
  [funnel_3_step]="$funnel"
  [funnel_3_step_strict]="${funnel%\}},\"funnelsFilter\":{\"funnelOrderType\":\"strict\"}}"
  [funnel_by_browser]="${funnel%\}},\"breakdownFilter\":{\"breakdown\":\"\$browser\"}}"
  [correlation_events]="{\"kind\":\"FunnelCorrelationQuery\",\"funnelCorrelationType\":\"events\",\"source\":{\"kind\":\"FunnelsActorsQuery\",\"source\":$funnel}}"
)
for name in funnel_3_step funnel_3_step_strict funnel_by_browser correlation_events; do
  best=
  for i in 1 2 3; do
    t=$(curl -s -o /tmp/quarry-bench-$name.json -w '%{time_total}' -H "Authorization: Bearer $key" \
        -H 'Content-Type: application/json' -d "{\"refresh\":\"force_blocking\",\"query\":${queries[$name]}}" \
        "$url/api/environments/$project/query/")
    if [[ -z "$best" ]] || (( $(echo "$t < $best" | bc) )); then best=$t; fi
  done
  echo "API $name: best ${best}s ($(head -c 160 /tmp/quarry-bench-$name.json)…)"
done
PGPASSWORD=${PGPASSWORD:-postgres} psql -h localhost -p "$port" -U postgres -d postgres -v team="$project" \
  -f "$here/handwritten.sql" | grep -E '^(funnel|correlation)|Time:'
