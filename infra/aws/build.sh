#!/usr/bin/env bash
# Builds the Lambda packages template.yaml points at, from the function build (Maven profile `function`, which adds
# quarkus-amazon-lambda-http and writes to target/function/; the default build serves plain HTTP instead):
#   target/lambda/jvm/function.zip   the JVM build: the query worker and the migration step always run it
#   target/lambda/http/function.zip  what the HTTP functions run: the native build (Runtime=native) or the JVM one
# Usage: infra/aws/build.sh native|jvm   (native needs GraalVM/Mandrel, or a container runtime: see README; the JVM
# package's AppCDS archive needs docker or podman, or QUARRY_CDS=off)
set -euo pipefail
cd "$(dirname "$0")/../.."
mode="${1:-native}"
mkdir -p target/lambda/jvm target/lambda/http

./mvnw -B -Pfunction -Dquarry.function-build=true package -DskipTests
# The JVM functions' AppCDS archive, recorded by Lambda's own JVM in its runtime image (docker or podman), trained against
# the build's embedded PostgreSQL by infra/aws/cds/CdsTraining.java (README "Start-up round four" and "seven"). QUARRY_CDS=off builds without it: the functions then start ≈ 2 s (CPU) slower.
if [ "${QUARRY_CDS:-on}" != off ]; then
  infra/aws/cds-archive.sh target/function/function.zip
fi
cp target/function/function.zip target/lambda/jvm/function.zip

case "$mode" in
  jvm)
    cp target/function/function.zip target/lambda/http/function.zip ;;
  native)
    # With no local GraalVM, Quarkus builds the binary inside a Mandrel builder image (docker or podman).
    container_build=true
    if command -v native-image >/dev/null 2>&1; then container_build=false; fi
    ./mvnw -B -Pfunction -Dquarry.function-build=true package -DskipTests -Dnative -Dquarkus.native.container-build="$container_build"
    cp target/function/function.zip target/lambda/http/function.zip ;;
  *)
    echo "usage: $0 native|jvm" >&2; exit 2 ;;
esac
ls -l target/lambda/*/function.zip
echo "Now: sam deploy --guided --parameter-overrides Runtime=$mode"
