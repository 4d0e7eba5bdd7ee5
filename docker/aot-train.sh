#!/usr/bin/env bash
# Writes the JDK 25 AOT cache (JEP 483/514/515) of the fast-jar at image build: a training run that starts the
# service on its in-memory store with a long start-up warm-up (synthetic storms through the decision path and the
# Kubernetes store's code against a throwaway API server on 127.0.0.1, so the cache holds their classes and profiles),
# reads the API, then stops it (the cache is written on exit).
# Usage: aot-train.sh APP_DIR AOT_FILE
set -euo pipefail
app=$1; out=$2; port=18599
REMEDIATOR_WARMUP_BUDGET=${WARMUP_BUDGET:-20s} REMEDIATOR_WARMUP_STORE=kubernetes REMEDIATOR_WEBHOOK_TOKEN=train-w REMEDIATOR_ADMIN_TOKEN=train-a REMEDIATOR_STATE_STORE=memory REMEDIATOR_RULES_DIR=${RULES_DIR:-/etc/autonova/rules} \
  QUARKUS_HTTP_PORT=$port java -XX:AOTCacheOutput="$out" -XX:+UseSerialGC -Xmx96m -jar "$app/quarkus-run.jar" > /tmp/aot-train.log 2>&1 &
pid=$!
get() { # path [auth] -> status line, with bash's /dev/tcp (no curl in the runtime image)
  local hdr=""
  [ -n "${2:-}" ] && hdr="Authorization: Bearer $2"$'\r\n'
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf 'GET %s HTTP/1.1\r\nHost: localhost\r\n%sConnection: close\r\n\r\n' "$1" "$hdr" >&3
  head -1 <&3; exec 3>&-
}
for _ in $(seq 1 300); do
  get /q/health/ready 2>/dev/null | grep -q ' 200' && break
  sleep 0.2
done
get /api/v1/remediations train-a > /dev/null
get /api/v1/rules train-a > /dev/null
get /q/metrics > /dev/null
kill "$pid"; wait "$pid" || true
test -s "$out" || { cat /tmp/aot-train.log; exit 1; }
