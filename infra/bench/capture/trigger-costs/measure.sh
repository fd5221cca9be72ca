#!/usr/bin/env bash
# What capture's triggers cost: runs bench_run (stage.sql) per configuration, each with the named triggers of events
# disabled, and appends the backend's CPU ticks (1/100 s, from /proc: run it on the database's machine) per configuration
# to $WORK/cpu.txt; wall times are in bench_timing. Indexes: drop and recreate around a configuration by hand.
# Environment: PGPORT (55964), WORK (/tmp/trigger-costs).
# usage: measure.sh <start batch> <batches per config per round> <rounds> configs...
# config = name:trigger1,trigger2 (triggers disabled during that config); "all:" disables nothing
set -euo pipefail
P="psql -h 127.0.0.1 -p ${PGPORT:-55964} -U postgres -q -X -v ON_ERROR_STOP=1 -d quarry"
b=$1; n=$2; rounds=$3; shift 3
mkdir -p "${WORK:-/tmp/trigger-costs}"
out=${WORK:-/tmp/trigger-costs}/cpu.txt
for ((r = 0; r < rounds; r++)); do
  for cfg in "$@"; do
    name=${cfg%%:*}; trig=${cfg#*:}
    dis=""; en=""
    IFS=, read -ra ts <<< "$trig"
    for t in "${ts[@]}"; do [[ -n $t ]] && dis+="ALTER TABLE events DISABLE TRIGGER $t;" && en+="ALTER TABLE events ENABLE TRIGGER $t;"; done
    [[ -n $dis ]] && $P -c "$dis"
    $P <<SQL
\\t on
\\o ${WORK:-/tmp/trigger-costs}/pid
SELECT pg_backend_pid();
\\o
\\! awk '{print \$14+\$15}' /proc/\$(tr -d ' \\n' < ${WORK:-/tmp/trigger-costs}/pid)/stat > ${WORK:-/tmp/trigger-costs}/c0
CALL bench_run('$name', $b, $n);
\! echo "$name \$(( \$(awk '{print \$14+\$15}' /proc/\$(tr -d ' \\n' < ${WORK:-/tmp/trigger-costs}/pid)/stat) - \$(cat ${WORK:-/tmp/trigger-costs}/c0) ))" >> $out
SQL
    [[ -n $en ]] && $P -c "$en"
    b=$((b + n))
  done
done
echo next=$b
