#!/usr/bin/env bash
# Quarry (packaged application, through the API) beside DuckDB on the same generated rows, plus capture through
# /batch/ against a raw COPY. One command; prints per insight kind Quarry's median, DuckDB's median and the ratio.
# Usage: infra/bench/anchor/run.sh [events=1000000] [persons=15000] [runs=3] [capture-events=100000]
# Environment: QUARRY_BENCH_PG_PORT (55181), QUARRY_BENCH_APP_PORT (the packaged app's HTTP port; default a free one), QUARRY_BENCH_DIR (/tmp/anchor-bench), QUARRY_BENCH_ONLY (insight name
# parts, comma-separated), QUARRY_BENCH_URL (time a Quarry already serving plain HTTP there instead of starting the packaged app,
# target/quarkus-app/quarkus-run.jar), QUARRY_BENCH_PG_STATS (any value: print where PostgreSQL spent capture's time,
# from pg_stat_statements; capture also prints its CPU per 1,000 events, app and PostgreSQL, and that CPU by kind of app thread — JIT compiler, GC, event loop, workers — and of PostgreSQL process — backends, autovacuum, the rest), QUARRY_BENCH_PG_EXPLAIN_MS
# (plans of statements slower than this, by auto_explain, in log files under the run's logs), QUARRY_BENCH_APP_JAVA_OPTS (extra JVM options for the app, e.g. a JFR recording),
# QUARRY_BENCH_APP_JAR (another packaged app, e.g. a copy of a before build), QUARRY_BENCH_START_MINUTES (how long the
# app may take to start, default 3: a migration backfill), QUARRY_BENCH_HOLD (any value: wait after the insights and again after
# the capture, until the printed file exists, to inspect the loaded database), QUARRY_BENCH_REUSE (any value: keep the
# database an earlier run of the same size left in QUARRY_BENCH_DIR instead of generating the rows again),
# QUARRY_BENCH_WARMUPS (untimed calls of each question each side before the timed ones, default 1; a few hundred
# time the warm app, whose question-specific code the JIT compiles only after thousands of calls),
# QUARRY_BENCH_CAPTURE_BATCH (events per capture request, default 1000), QUARRY_BENCH_CAPTURE_WARMUP (events sent untimed to another project before capture is timed, so the JIT has compiled
# the capture path; default 0), QUARRY_BENCH_CAPTURE_WARMUP_PROJECTS (the warm-up split over that many fresh projects in turn, default 1: with several, new persons keep arriving until the timed windows, as in a server whose projects keep gaining users), QUARRY_BENCH_CAPTURE_RETURNING (any value: after the timed capture into a fresh project, time the
# same number of other events over the same distinct ids into that project again — most of their persons exist by then), QUARRY_BENCH_CAPTURE_SENDERS (concurrent capture senders, default 2;
# each keeps one HTTP/1.1 connection to the packaged app and writes the requests' bytes itself; QUARRY_BENCH_CAPTURE_CLIENT=jdk: java.net.http's client),
# QUARRY_BENCH_CAPTURE_UUIDS (v7, the default: event uuids as posthog-node and posthog-js make them, time-ordered; random: as
# the rounds before the seventeenth sent), QUARRY_BENCH_PG_CONFIG (further settings of the embedded PostgreSQL,
# name=value,name=value: e.g. shared_buffers=4GB,max_wal_size=16GB; by default shared_buffers 256MB, work_mem 64MB).
# At batches of 100 the JIT keeps compiling per-request code until ~20,000 requests (C2 compiles a method after ~5,000
# calls), so a steady-state capture figure wants QUARRY_BENCH_CAPTURE_WARMUP of 1,000,000-2,000,000, split over
# QUARRY_BENCH_CAPTURE_WARMUP_PROJECTS=5 so that the new-person path is compiled too (README, capture's thirtieth round);
# between runs, wait for the 1-minute load to fall below ~0.7 (a run started on the last one's tail measures ~10% low).
# DuckDB (org.duckdb:duckdb_jdbc) is fetched for the benchmark only; it is not a dependency of the application.
set -euo pipefail
cd "$(dirname "$0")/../../.."
duckdb_version=1.5.2.0
lib=target/bench-lib
ls target/quarkus-app/quarkus-run.jar >/dev/null 2>&1 || ./mvnw -B -q package -DskipTests
[[ -f $lib/duckdb_jdbc-$duckdb_version.jar ]] || ./mvnw -B -q dependency:copy \
  -Dartifact=org.duckdb:duckdb_jdbc:$duckdb_version -DoutputDirectory=$lib
cp_file=$(mktemp)
./mvnw -B -q -o dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null
java -Xmx1g -cp "$(cat "$cp_file"):$lib/duckdb_jdbc-$duckdb_version.jar" infra/bench/anchor/AnchorBench.java "$@"
rm -f "$cp_file"
