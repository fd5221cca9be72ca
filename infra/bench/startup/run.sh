#!/usr/bin/env bash
# Cold-start benchmark of the packaged JVM function as Lambda's Java runtime starts it, through a local Lambda runtime
# API: first "as packaged", then with the function's AppCDS archive (recorded by one training run through the function's
# exec wrapper, as infra/aws/cds-archive.sh does for AWS), in one command. Prints a table of both sets.
# Usage: infra/bench/startup/run.sh [runs per set] [JVM flags...]
#   e.g. infra/bench/startup/run.sh 5 -XX:TieredStopAtLevel=1   (what template.yaml's JAVA_TOOL_OPTIONS sets)
# Environment: QUARRY_BENCH_FUNCTION_DIR (another build's target/function, holding function.zip, to compare builds),
# QUARRY_BENCH_SETS=plain|archive (one set only), QUARRY_BENCH_TRAIN=nodb (train without a database; the default trains as
# the package step does, infra/aws/cds/CdsTraining.java: embedded PostgreSQL, one real request per function group), QUARRY_BENCH_MEASURE_FLAGS (JVM flags for the measured
# runs only, e.g. a JFR recording), QUARRY_BENCH_RUNNER_JAR=false (the archive without the runner jar on the class
# path: classes from Lambda's own class loader), QUARRY_BENCH_TIMEOUT_S (how long one run may take to answer, default 300),
# QUARRY_BENCH_VARIANTS="name:flags|name:flags" (more sets with the same archive and these JVM flags added, measured
# alternately with the shipped form, run 1 of each, then run 2, ...; a name holds no colon).
set -euo pipefail
cd "$(dirname "$0")/../../.."
# The function build (-Pfunction, target/function/function.zip: what Lambda runs).
if [ -z "${QUARRY_BENCH_FUNCTION_DIR:-}" ]; then
  ls target/function/function.zip >/dev/null 2>&1 || ./mvnw -B -q -Pfunction -Dquarry.function-build=true package -DskipTests
fi
cp_file=$(mktemp)
./mvnw -B -q -o -Pfunction -Dquarry.function-build=true dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null
java -Xmx256m -cp "$(cat "$cp_file")" infra/bench/startup/StartupBench.java "$@"
rm -f "$cp_file"
