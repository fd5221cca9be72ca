#!/usr/bin/env bash
# Capture before/after in one command: alternates the anchor bench's capture part (SDK-shaped gzip /batch/ requests
# of 1,000 events, 2 senders, then a raw COPY of the same rows) between two packaged builds, each on a fresh
# embedded PostgreSQL with a small insight data set, so both builds see the same machine load in turn.
# Usage: infra/bench/anchor/capture-before-after.sh <before quarkus-run.jar> [capture-events=50000] [rounds=2]
# (after = QUARRY_BENCH_AFTER_JAR, else this checkout's target/quarkus-app/quarkus-run.jar). QUARRY_BENCH_PG_STATS=1 adds pg_stat_statements.
set -euo pipefail
cd "$(dirname "$0")/../../.."
before=$1
events=${2:-50000}
rounds=${3:-2}
after=${QUARRY_BENCH_AFTER_JAR:-$PWD/target/quarkus-app/quarkus-run.jar}
for ((r = 1; r <= rounds; r++)); do
  for build in before after; do
    jar=$before
    [[ $build == after ]] && jar=$after
    echo "== round $r, $build ($jar), load $(cut -d' ' -f1-3 /proc/loadavg)"
    QUARRY_BENCH_ONLY=nothing QUARRY_BENCH_APP_JAR=$jar infra/bench/anchor/run.sh 2000 100 1 "$events" 2>&1 \
      | grep -v '^Dec \|LogManager\|^ERROR: The LogManager'
  done
done
