#!/usr/bin/env bash
# What the start-up warm-up adds to start-to-ready: the packaged service (in-memory store, the image's heap and GC, the
# warm-up of a replica on the Kubernetes store) started with remediator.warmup.budget=0s and with the default,
# alternating, N starts each; medians and their difference.
# Usage: bench/warmup-ready.sh [starts=5]
#   JAVA=<jdk 25>/bin/java AOT_CACHE=<file> bench/warmup-ready.sh     # as the image runs it (docker/aot-train.sh writes the cache)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
STARTS=${1:-5}
startup_settings
export REMEDIATOR_WARMUP_STORE=kubernetes # what a replica on the Kubernetes store warms (this one runs on the in-memory store)
[ -n "${AOT_CACHE:-}" ] && FLAGS="-XX:AOTCache=$AOT_CACHE $FLAGS"
: > /tmp/warmup-off; : > /tmp/warmup-on
for i in $(seq "$STARTS"); do
  REMEDIATOR_WARMUP_BUDGET=0s time_to_ready target/quarkus-app/quarkus-run.jar >> /tmp/warmup-off
  time_to_ready target/quarkus-app/quarkus-run.jar >> /tmp/warmup-on
done
off=$(median < /tmp/warmup-off); on=$(median < /tmp/warmup-on)
echo "RESULT warmup-ready jvm=\"$("$JAVA" -version 2>&1 | head -1)\" aot=$([ -n "${AOT_CACHE:-}" ] && echo 1 || echo 0) without=${off} ms with=${on} ms added=$((on - off)) ms (medians of $STARTS starts each: $(tr '\n' ' ' < /tmp/warmup-off)| $(tr '\n' ' ' < /tmp/warmup-on))"
