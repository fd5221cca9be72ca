#!/usr/bin/env bash
# Records the JVM functions' AppCDS archive with Lambda's own JVM and adds it to function.zip (README, "Start-up round
# four"). A CDS archive only serves the exact JVM build that wrote it, so the training run is the java21 runtime's own
# image (public.ecr.aws/lambda/java:21: its /var/lang/bin/java, its runtime jars, its bootstrap and base archive) run by
# docker or podman, through the function's exec wrapper (quarry-jvm-wrapper, AWS_LAMBDA_EXEC_WRAPPER in template.yaml)
# with QUARRY_CDS_RECORD=true. infra/aws/build.sh runs it for the JVM package; QUARRY_CDS=off there skips it.
# Usage: infra/aws/cds-archive.sh [path/to/function.zip]     (default target/function/function.zip)
# Environment: QUARRY_LAMBDA_IMAGE (default public.ecr.aws/lambda/java:21; pin a digest to match a pinned runtime version).
#
# What it does: adds the runner jar to function.zip as quarry-runner.jar (the wrapper puts it on the class path), unpacks
# function.zip in UTC as Lambda does (the JVM checks each archived jar's size and modification time), starts the image's
# runtime interface emulator with the function, sends the training events (infra/aws/cds/training-*.json: a request
# without a key, one with an unknown key, and GET /api/schema/, the one route that answers 200 without a database; no
# database is reachable, so the second answers 503 after the connection is refused), stops the JVM with SIGTERM (an orderly exit, when -XX:ArchiveClassesAtExit writes the archive) and adds
# quarry.jsa to function.zip. On Lambda the wrapper hands it to the JVM; a JVM that cannot use it (a runtime update
# changed the JVM build) skips it with one warning line in the log ("Unable to use shared archive") and starts as
# without it: re-run the build to record a new one.
set -euo pipefail
cd "$(dirname "$0")/../.."
zip_file=$(realpath "${1:-target/function/function.zip}")
image="${QUARRY_LAMBDA_IMAGE:-public.ecr.aws/lambda/java:21}"
handler=io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest

engine=$(command -v docker || command -v podman || true)
if [ -z "$engine" ] || ! "$engine" info >/dev/null 2>&1; then
  echo "cds-archive: needs a running docker or podman to record the archive with Lambda's JVM ($image)." >&2
  echo "cds-archive: build without it: QUARRY_CDS=off infra/aws/build.sh jvm (functions then start without the archive)." >&2
  exit 1
fi
unzip -l "$zip_file" quarry-jvm-wrapper >/dev/null || { echo "cds-archive: $zip_file has no quarry-jvm-wrapper" >&2; exit 1; }

work=$(mktemp -d)
cid=
cleanup() {
  if [ -n "$cid" ]; then "$engine" rm -f "$cid" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# 1. The runner jar beside the classes, then unpack exactly what Lambda will unpack.
runner=$(ls "$(dirname "$zip_file")"/*-runner.jar | head -1)
mkdir "$work/add" "$work/task"
cp -p "$runner" "$work/add/quarry-runner.jar"
zip -q -d "$zip_file" quarry.jsa quarry-runner.jar >/dev/null 2>&1 || true
(cd "$work/add" && TZ=UTC zip -q "$zip_file" quarry-runner.jar)
(cd "$work/task" && TZ=UTC unzip -q "$zip_file")

# 2. The training run: the image's own entry point (runtime interface emulator -> runtime bootstrap -> the wrapper).
cid=$("$engine" run -d -p 127.0.0.1::8080 -v "$work/task:/var/task" \
  -e AWS_LAMBDA_EXEC_WRAPPER=/var/task/quarry-jvm-wrapper -e QUARRY_CDS_RECORD=true -e QUARRY_CDS_PID_FILE=/tmp/quarry-jvm.pid \
  -e "JAVA_TOOL_OPTIONS=-XX:+TieredCompilation -XX:TieredStopAtLevel=1" -e DISABLE_SIGNAL_HANDLERS=true \
  -e QUARRY_DB_URL=postgresql://127.0.0.1:9/none -e QUARRY_DB_USER=none -e QUARRY_DB_PASSWORD=none \
  -e QUARRY_DB_POOL_SIZE=2 -e QUARRY_MIGRATE_AT_START=false -e QUARRY_FUNCTION_GROUP=bootstrap \
  "$image" "$handler")
port=$("$engine" port "$cid" 8080/tcp | head -1 | sed 's/.*://')
for event in infra/aws/cds/training-*.json; do
  status=$(curl -sS --max-time 180 --retry 60 --retry-connrefused --retry-delay 1 \
    -X POST "http://127.0.0.1:$port/2015-03-31/functions/function/invocations" --data-binary @"$event" \
    | sed -n 's/.*"statusCode" *: *\([0-9]*\).*/\1/p')
  echo "cds-archive: $(basename "$event") answered ${status:-?}"
done

# 3. Stop the JVM in an orderly way; it writes the archive as it exits.
"$engine" exec "$cid" /bin/sh -c 'kill -TERM "$(cat /tmp/quarry-jvm.pid)"'
for _ in $(seq 1 180); do
  if ! "$engine" exec "$cid" /bin/sh -c 'kill -0 "$(cat /tmp/quarry-jvm.pid)"' 2>/dev/null; then break; fi
  sleep 1
done
if [ ! -s "$work/task/quarry.jsa" ]; then
  "$engine" logs "$cid" 2>&1 | tail -40 >&2
  echo "cds-archive: the training run wrote no archive" >&2
  exit 1
fi
"$engine" logs "$cid" 2>&1 | grep -i "quarry-jvm-wrapper\|cds" | head -5 || true

# 4. Into function.zip.
(cd "$work/task" && zip -q "$zip_file" quarry.jsa)
echo "cds-archive: added quarry.jsa ($(du -h "$work/task/quarry.jsa" | cut -f1)) and quarry-runner.jar to $zip_file;" \
  "JVM: $("$engine" run --rm --entrypoint /var/lang/bin/java "$image" -version 2>&1 | tail -1)"
