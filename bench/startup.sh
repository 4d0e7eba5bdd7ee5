#!/usr/bin/env bash
# JVM start to ready (/q/health/ready answers 200), the service against a bare Quarkus REST app with
# health (same Quarkus, same JVM, same flags), alternating, N starts each; medians and their ratio.
# Usage: bench/startup.sh [starts=5]
#   JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java bench/startup.sh     # another JVM for both
#   AOT=1 JAVA=.../temurin-25.../java bench/startup.sh                   # JDK 25: each app with its own AOT cache from a training run (JEP 483/514)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
STARTS=${1:-5}
startup_settings
[ -f bench/startup-baseline/target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -f bench/startup-baseline/pom.xml package -DskipTests
SVC=target/quarkus-app/quarkus-run.jar
BASE=bench/startup-baseline/target/quarkus-app/quarkus-run.jar

# A training run writes the cache on exit: start, a little traffic (the service: a webhook and the API), stop.
train() { # jar aot-file
  rm -f "$2"
  "$JAVA" -XX:AOTCacheOutput="$2" $FLAGS -jar "$1" > /dev/null 2>&1 &
  local pid=$!
  await_ready "$PORT"
  curl -s -o /dev/null -H 'Authorization: Bearer w' -H 'Content-Type: application/json' "http://127.0.0.1:$PORT/api/v1/webhooks/alertmanager" \
    -d @src/test/resources/alertmanager/webhook-firing.json || true
  curl -s -o /dev/null -H 'Authorization: Bearer a' "http://127.0.0.1:$PORT/api/v1/remediations" || true
  kill $pid; wait $pid 2>/dev/null || true
}


SVC_AOT=""; BASE_AOT=""
if [ "${AOT:-0}" = 1 ]; then
  SVC_AOT=target/service.aot; BASE_AOT=target/baseline.aot
  train "$SVC" "$SVC_AOT"; train "$BASE" "$BASE_AOT"
fi
: > /tmp/startup-svc; : > /tmp/startup-base
for i in $(seq "$STARTS"); do
  time_to_ready "$BASE" "$BASE_AOT" >> /tmp/startup-base
  time_to_ready "$SVC" "$SVC_AOT" >> /tmp/startup-svc
done
svc=$(median < /tmp/startup-svc)
base=$(median < /tmp/startup-base)
jvm=$("$JAVA" -version 2>&1 | head -1)
awk -v s="$svc" -v b="$base" -v n="$STARTS" -v j="$jvm" -v a="${AOT:-0}" 'BEGIN {
  printf "RESULT startup jvm=\"%s\" aot=%s service=%d ms baseline (bare Quarkus REST + health)=%d ms ratio=%.2f (medians of %d starts each)\n", j, a, s, b, s/b, n }'
