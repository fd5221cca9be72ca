#!/usr/bin/env bash
# Times typical HogQL queries through the HTTP API (POST query, refresh=force_blocking, so no cache) beside the
# hand-written PostgreSQL for the same answer, on one project's data.
# Usage: infra/bench/hogql/run.sh <project id> <personal api key> [url=http://localhost:8080] [pg port=54329] [runs=3]
# Generate data first, e.g.: psql -h localhost -p 54329 -U postgres -v team=2 -v events=1000000 -v persons=50000 \
#   -v days=90 -f infra/bench/data/generate.sql
set -euo pipefail
team=$1; key=$2; url=${3:-http://localhost:8080}; port=${4:-54329}; runs=${5:-3}
psql=(psql -h localhost -p "$port" -U postgres -d postgres -qAt)

names=(); hogql=(); sql=()
add() { names+=("$1"); hogql+=("$2"); sql+=("$3"); }
add "events by name, last 7 days" \
    "select event, count() from events where timestamp > now() - interval 7 day group by event order by count() desc" \
    "select event, count(*) from events where team_id = $team and timestamp > now() - interval '7 days' group by event order by 2 desc"
add "unique persons by browser, 30 days" \
    "select properties.\$browser as browser, uniq(person_id) from events where timestamp > now() - interval 30 day group by browser order by 2 desc" \
    "select e.properties->>'\$browser', count(distinct coalesce(o.override_person_id, e.person_id)) from events e left join person_overrides o on o.team_id = e.team_id and o.old_person_id = e.person_id where e.team_id = $team and e.timestamp > now() - interval '30 days' group by 1 order by 2 desc"
add "daily pageviews, 90 days" \
    "select toStartOfDay(timestamp) as day, count() from events where event = '\$pageview' group by day order by day" \
    "select date_trunc('day', timestamp), count(*) from events where team_id = $team and event = '\$pageview' group by 1 order by 1"
add "purchases by person plan" \
    "select person.properties.plan as plan, count() from events where event = 'purchase' group by plan order by plan" \
    "select p.properties->>'plan', count(*) from events e left join person_overrides o on o.team_id = e.team_id and o.old_person_id = e.person_id join persons p on p.team_id = e.team_id and p.uuid = coalesce(o.override_person_id, e.person_id) where e.team_id = $team and e.event = 'purchase' group by 1 order by 1"
add "top 10 distinct ids" \
    "select distinct_id, count() as c from events group by distinct_id order by c desc limit 10" \
    "select distinct_id, count(*) as c from events where team_id = $team group by distinct_id order by c desc limit 10"

printf '| query | HTTP API (best of %d) | hand-written SQL (best of %d) |\n|---|---|---|\n' "$runs" "$runs"
for i in "${!names[@]}"; do
  body=$(python3 -c 'import json,sys; print(json.dumps({"refresh": "force_blocking", "query": {"kind": "HogQLQuery", "query": sys.argv[1]}}))' "${hogql[$i]}")
  best_api=999999; best_sql=999999
  for _ in $(seq "$runs"); do
    t=$(curl -s -o /tmp/hogql-bench.json -w '%{time_total}' -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
        -d "$body" "$url/api/projects/$team/query/")
    grep -q '"results"' /tmp/hogql-bench.json || { echo "query failed: $(head -c 300 /tmp/hogql-bench.json)" >&2; exit 1; }
    ms=$(python3 -c "print(int(float('$t') * 1000))")
    (( ms < best_api )) && best_api=$ms
    s=$(date +%s%N); "${psql[@]}" -c "${sql[$i]}" > /dev/null; e=$(date +%s%N)
    ms=$(( (e - s) / 1000000 ))
    (( ms < best_sql )) && best_sql=$ms
  done
  printf '| %s | %d ms | %d ms |\n' "${names[$i]}" "$best_api" "$best_sql"
done
