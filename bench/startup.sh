#!/usr/bin/env bash
# JVM start to ready (/q/health/ready answers 200), the service against a bare Quarkus REST app with
# health (same Quarkus, same JVM, same flags), alternating, N starts each; medians and their ratio.
# Usage: bench/startup.sh [starts=5]
set -euo pipefail
cd "$(dirname "$0")/.."
STARTS=${1:-5}
PORT=18590
FLAGS="-XX:+UseSerialGC -Xmx96m"
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
[ -f bench/startup-baseline/target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -f bench/startup-baseline/pom.xml package -DskipTests

time_to_ready() { # jar -> ms
  local t0 pid
  t0=$(date +%s%N)
  REMEDIATOR_WEBHOOK_TOKEN=w REMEDIATOR_ADMIN_TOKEN=a REMEDIATOR_STATE_STORE=memory QUARKUS_HTTP_PORT=$PORT \
    java $FLAGS -jar "$1" > /dev/null 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$PORT/q/health/ready"; do sleep 0.01; done
  echo $(( ($(date +%s%N) - t0) / 1000000 ))
  kill $pid; wait $pid 2>/dev/null || true
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

: > /tmp/startup-svc; : > /tmp/startup-base
for i in $(seq "$STARTS"); do
  time_to_ready bench/startup-baseline/target/quarkus-app/quarkus-run.jar >> /tmp/startup-base
  time_to_ready target/quarkus-app/quarkus-run.jar >> /tmp/startup-svc
done
svc=$(median < /tmp/startup-svc)
base=$(median < /tmp/startup-base)
awk -v s="$svc" -v b="$base" -v n="$STARTS" 'BEGIN {
  printf "RESULT startup service=%d ms baseline (bare Quarkus REST + health)=%d ms ratio=%.2f (medians of %d starts each)\n", s, b, s/b, n }'
