#!/usr/bin/env bash
# Cold-start benchmark of the packaged JVM application driven through a local Lambda runtime API.
# Usage: infra/bench/startup/run.sh [runs] [JVM flags...]
#   e.g. infra/bench/startup/run.sh 5 -XX:+TieredCompilation -XX:TieredStopAtLevel=1   (Lambda's java21 default)
set -euo pipefail
cd "$(dirname "$0")/../../.."
# The function build (-Pfunction, target/function/): what function.zip holds. QUARRY_BENCH_FUNCTION_DIR measures another
# build's function directory instead (e.g. a copy of main's target/function, to compare two builds side by side).
if [ -z "${QUARRY_BENCH_FUNCTION_DIR:-}" ]; then
  ls target/function/*-runner.jar >/dev/null 2>&1 || ./mvnw -B -q -Pfunction package -DskipTests
fi
cp_file=$(mktemp)
./mvnw -B -q -o -Pfunction dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null
java -Xmx256m -cp "$(cat "$cp_file")" infra/bench/startup/StartupBench.java "$@"
rm -f "$cp_file"
