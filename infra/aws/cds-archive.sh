#!/usr/bin/env bash
# Records the JVM functions' AppCDS archive with Lambda's own JVM and adds it to function.zip (README, "Start-up round
# four" and "seven"). A CDS archive only serves the exact JVM build that wrote it, so the training run is the java21
# runtime's own image (public.ecr.aws/lambda/java:21: its /var/lang/bin/java, its runtime jars, its bootstrap and base
# archive) run by docker or podman, through the function's exec wrapper (quarry-jvm-wrapper, AWS_LAMBDA_EXEC_WRAPPER in
# template.yaml) with QUARRY_CDS_RECORD=true. infra/aws/build.sh runs it for the JVM package; QUARRY_CDS=off there skips it.
# Usage: infra/aws/cds-archive.sh [path/to/function.zip]     (default target/function/function.zip)
# Environment: QUARRY_LAMBDA_IMAGE (default public.ecr.aws/lambda/java:21; pin a digest to match a pinned runtime version);
# QUARRY_CDS_TRAIN=db (the default) | nodb.
#
# The training itself is infra/aws/cds/CdsTraining.java (the same program the start-up bench records with): it plays
# the Lambda runtime API on 127.0.0.1 and, by default, trains WITH a database: the build's embedded PostgreSQL (zonky,
# as the tests and the local run use; no PostgreSQL container), in a throwaway data directory, migrated by one setup run
# of the function that also creates a project (infra/aws/cds/db/0-setup-project.json), then the recorded run answers the
# training events without a database (infra/aws/cds/training-*.json) and one real request per HTTP function group
# (infra/aws/cds/db/[1-9]*.json), each of which must answer 200, so the archive also holds the classes of a first request
# that reaches the database. If the embedded PostgreSQL cannot start (its binaries are Linux ones), it says so and
# trains without a database (QUARRY_CDS_TRAIN=nodb: the training events only, connections refused).
# The image's entry point runs the runtime bootstrap directly when AWS_LAMBDA_RUNTIME_API is set (no emulator); the
# container shares the host's network (--network host: the runtime API and PostgreSQL are on the host's loopback) and
# is stopped with SIGTERM to its JVM (docker exec ... kill, the process id from the wrapper), an orderly exit, which is
# when -XX:ArchiveClassesAtExit writes quarry.jsa into the mounted task root.
#
# What it does: adds the runner jar to function.zip as quarry-runner.jar (the wrapper puts it on the class path), unpacks
# function.zip in UTC as Lambda does (the JVM checks each archived jar's size and modification time), runs the training,
# and adds quarry.jsa to function.zip. On Lambda the wrapper hands it to the JVM; a JVM that cannot use it (a runtime
# update changed the JVM build) skips it with one warning line in the log ("Unable to use shared archive") and starts
# as without it: re-run the build to record a new one.
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
label="quarry-cds-training=$$"
cleanup() {
  "$engine" ps -aq --filter "label=$label" | xargs -r "$engine" rm -f >/dev/null 2>&1 || true
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

# 2. The training (infra/aws/cds/CdsTraining.java), run on the host with the function build's class path (it holds the
# embedded PostgreSQL); each run of the function is the image's own entry point in a container of its own.
cp_file="$work/classpath"
./mvnw -B -q -o -Pfunction -Dquarry.function-build=true dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null
forward=()
for name in AWS_LAMBDA_RUNTIME_API QUARRY_DB_URL QUARRY_DB_USER QUARRY_DB_PASSWORD QUARRY_DB_POOL_SIZE \
    QUARRY_MIGRATE_AT_START QUARRY_FUNCTION_GROUP QUARRY_OPERATOR_SECRET QUARRY_CDS QUARRY_CDS_RECORD DISABLE_SIGNAL_HANDLERS; do
  forward+=(-e "$name")
done
export QUARRY_CDS_STOP="$engine ps -q --filter label=$label | head -1 | xargs -r -I{} $engine exec {} /bin/sh -c 'kill -TERM \"\$(cat /tmp/quarry-jvm.pid)\"'"
java -Xmx256m -cp "$(cat "$cp_file")" infra/aws/cds/CdsTraining.java "$work/task" \
  "$engine" run --rm --label "$label" --network host -v "$work/task:/var/task" "${forward[@]}" \
  -e AWS_LAMBDA_EXEC_WRAPPER=/var/task/quarry-jvm-wrapper -e QUARRY_CDS_PID_FILE=/tmp/quarry-jvm.pid \
  -e "JAVA_TOOL_OPTIONS=-XX:+TieredCompilation -XX:TieredStopAtLevel=1" "$image" "$handler"

# 3. Into function.zip.
(cd "$work/task" && zip -q "$zip_file" quarry.jsa)
echo "cds-archive: added quarry.jsa ($(du -h "$work/task/quarry.jsa" | cut -f1)) and quarry-runner.jar to $zip_file;" \
  "JVM: $("$engine" run --rm --entrypoint /var/lang/bin/java "$image" -version 2>&1 | tail -1)"
