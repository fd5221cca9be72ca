#!/usr/bin/env bash
# Records the JVM functions' AppCDS archive with Lambda's own JVM and adds it to function.zip (README, "Start-up round
# four"). A CDS archive only serves the exact JVM build that wrote it, so the training run is the java21 runtime's own
# image (public.ecr.aws/lambda/java:21: its /var/lang/bin/java, its runtime jars, its bootstrap and base archive) run by
# docker or podman, through the function's exec wrapper (quarry-jvm-wrapper, AWS_LAMBDA_EXEC_WRAPPER in template.yaml)
# with QUARRY_CDS_RECORD=true. infra/aws/build.sh runs it for the JVM package; QUARRY_CDS=off there skips it.
# Usage: infra/aws/cds-archive.sh [path/to/function.zip]     (default target/function/function.zip)
# Environment: QUARRY_LAMBDA_IMAGE (default public.ecr.aws/lambda/java:21; pin a digest to match a pinned runtime version);
# QUARRY_CDS_TRAIN=db also trains with a database (README "Start-up round six"): a PostgreSQL container
# (QUARRY_CDS_PG_IMAGE, default public.ecr.aws/docker/library/postgres:16) on a network of its own, the training JVM
# migrating it at start, creating a project (infra/aws/cds/db/0-setup-project.json) and then sending one real request
# per function group (infra/aws/cds/db/[1-9]*.json, project, key and token filled in), so that the archive also holds
# the classes of a first request that reaches the database. Not run on the development machine (no container engine).
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
pg=
net=
cleanup() {
  if [ -n "$cid" ]; then "$engine" rm -f "$cid" >/dev/null 2>&1 || true; fi
  if [ -n "$pg" ]; then "$engine" rm -f "$pg" >/dev/null 2>&1 || true; fi
  if [ -n "$net" ]; then "$engine" network rm "$net" >/dev/null 2>&1 || true; fi
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
# Without a database (the default): connections refused, the bootstrap group's routes. With QUARRY_CDS_TRAIN=db: a
# PostgreSQL container the training JVM migrates at start, every group's routes (no function group set).
db=(-e QUARRY_DB_URL=postgresql://127.0.0.1:9/none -e QUARRY_DB_USER=none -e QUARRY_DB_PASSWORD=none
  -e QUARRY_MIGRATE_AT_START=false -e QUARRY_FUNCTION_GROUP=bootstrap)
operator_secret=
if [ "${QUARRY_CDS_TRAIN:-nodb}" = db ]; then
  net="quarry-cds-$$"
  "$engine" network create "$net" >/dev/null
  pg=$("$engine" run -d --network "$net" --name "$net-pg" -e POSTGRES_USER=quarry -e POSTGRES_PASSWORD=quarry \
    -e POSTGRES_DB=quarry "${QUARRY_CDS_PG_IMAGE:-public.ecr.aws/docker/library/postgres:16}")
  for _ in $(seq 1 120); do
    if "$engine" exec "$pg" pg_isready -h 127.0.0.1 -U quarry -d quarry >/dev/null 2>&1; then break; fi
    sleep 1
  done
  operator_secret="cds-training-$$-$RANDOM"
  db=(--network "$net" -e "QUARRY_DB_URL=postgresql://$net-pg:5432/quarry" -e QUARRY_DB_USER=quarry
    -e QUARRY_DB_PASSWORD=quarry -e QUARRY_MIGRATE_AT_START=true -e QUARRY_FUNCTION_GROUP=
    -e "QUARRY_OPERATOR_SECRET=$operator_secret")
fi
cid=$("$engine" run -d -p 127.0.0.1::8080 -v "$work/task:/var/task" "${db[@]}" \
  -e AWS_LAMBDA_EXEC_WRAPPER=/var/task/quarry-jvm-wrapper -e QUARRY_CDS_RECORD=true -e QUARRY_CDS_PID_FILE=/tmp/quarry-jvm.pid \
  -e "JAVA_TOOL_OPTIONS=-XX:+TieredCompilation -XX:TieredStopAtLevel=1" -e DISABLE_SIGNAL_HANDLERS=true \
  -e QUARRY_DB_POOL_SIZE=2 "$image" "$handler")
port=$("$engine" port "$cid" 8080/tcp | head -1 | sed 's/.*://')
# Sends one event file; prints the function's answer (an API Gateway response: statusCode, headers, body as a string).
invoke() {
  curl -sS --max-time 300 --retry 60 --retry-connrefused --retry-delay 1 \
    -X POST "http://127.0.0.1:$port/2015-03-31/functions/function/invocations" --data-binary @"$1"
}
status_of() { sed -n 's/.*"statusCode" *: *\([0-9]*\).*/\1/p'; }
for event in infra/aws/cds/training-*.json; do
  echo "cds-archive: $(basename "$event") answered $(invoke "$event" | status_of)"
done
if [ -n "$operator_secret" ]; then
  # The project the requests below use: its id, project token and personal API key, read from the answer's body (a
  # JSON string inside the response, so its quotes arrive escaped).
  sed "s/@OPERATOR_SECRET@/$operator_secret/" infra/aws/cds/db/0-setup-project.json > "$work/setup.json"
  created=$(invoke "$work/setup.json")
  project_id=$(printf '%s' "$created" | grep -o '\\"id\\": *[0-9]*' | head -1 | grep -o '[0-9]*$' || true)
  api_token=$(printf '%s' "$created" | grep -o '\\"api_token\\": *\\"[^\\"]*' | head -1 | sed 's/.*"//' || true)
  api_key=$(printf '%s' "$created" | grep -o '\\"value\\": *\\"phx_[^\\"]*' | head -1 | sed 's/.*"//' || true)
  if [ -z "$project_id" ] || [ -z "$api_token" ] || [ -z "$api_key" ]; then
    echo "cds-archive: the training project was not created: $created" >&2
    exit 1
  fi
  for event in infra/aws/cds/db/[1-9]*.json; do
    sed -e "s/@PROJECT_ID@/$project_id/g" -e "s/@API_TOKEN@/$api_token/g" -e "s/@API_KEY@/$api_key/g" "$event" > "$work/event.json"
    status=$(invoke "$work/event.json" | status_of)
    echo "cds-archive: $(basename "$event") answered ${status:-?}"
    if [ "$status" != 200 ]; then echo "cds-archive: a training request with the database failed" >&2; exit 1; fi
  done
fi

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
