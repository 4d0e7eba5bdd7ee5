#!/usr/bin/env bash
# Webhook ingest: the same 10 alerts POSTed by wrk to the service (one Alertmanager v4 webhook body) and to a
# real Alertmanager's /api/v2/alerts, in the same run, as alerts/s. Also: the service's resident memory
# under that load and its JVM start to ready time.
# Rounds alternate between the two so that drift on a shared machine hits both; the median ratio is reported.
# Usage: bench/webhook-vs-alertmanager.sh [seconds=10] [connections=32] [rounds=3]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
wrk_args "$@"
SVC_PORT=18480
AM_PORT=19493
work=$(mktemp -d)
cleanup() { kill "${svc_pid:-}" "${am_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

bash scripts/install-test-deps.sh
# The fast-jar with an AppCDS archive (class data shared across starts), as a deployment would ship it.
[ -f target/quarkus-app/app-cds.jsa ] || ./mvnw -B -q package -DskipTests -Dquarkus.package.jar.appcds.enabled=true
JAVA_FLAGS=${JAVA_OPTS:--XX:SharedArchiveFile=target/quarkus-app/app-cds.jsa -XX:+UseSerialGC -Xmx96m}

start_service() { # in-memory store (dry-run), the shipped rules
  REMEDIATOR_WEBHOOK_TOKEN=bench-webhook REMEDIATOR_ADMIN_TOKEN=bench-admin REMEDIATOR_STATE_STORE=memory REMEDIATOR_RULES_DIR=rules \
    QUARKUS_HTTP_PORT=$SVC_PORT QUARKUS_LOG_CATEGORY__IO_AUTONOVA__LEVEL=WARN \
    "${JAVA:-java}" $JAVA_FLAGS -jar target/quarkus-app/quarkus-run.jar > "$work/service.log" 2>&1 &
  svc_pid=$!
  await_ready "$SVC_PORT"
}

# JVM start to ready: median of three starts.
starts=()
for i in 1 2 3; do
  t0=$(date +%s%N); start_service; starts+=($(( ($(date +%s%N) - t0) / 1000000 )))
  kill $svc_pid; wait $svc_pid 2>/dev/null || true
done
ready_ms=$(printf '%s\n' "${starts[@]}" | sort -n | sed -n 2p)
start_service
quarkus_started=$(grep -o 'started in [0-9.]*s' "$work/service.log" | head -1)

start_alertmanager "$work" "$AM_PORT"

status() { curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' ${3:+-H "Authorization: Bearer $3"} --data @"$2" "$1"; }
[ "$(status "http://127.0.0.1:$SVC_PORT/api/v1/webhooks/alertmanager" bench/alerts-v4-webhook.json bench-webhook)" = 200 ]
[ "$(status "http://127.0.0.1:$AM_PORT/api/v2/alerts" bench/alerts-v2-api.json)" = 200 ]

# Warm both up, then measure; sample the service's RSS while it is under load.
run_wrk "http://127.0.0.1:$SVC_PORT/api/v1/webhooks/alertmanager" bench/alerts-v4-webhook.json bench-webhook > /dev/null
run_wrk "http://127.0.0.1:$AM_PORT/api/v2/alerts" bench/alerts-v2-api.json > /dev/null
( max=0; while kill -0 $svc_pid 2>/dev/null; do r=$(ps -o rss= -p $svc_pid | tr -d ' '); [ "${r:-0}" -gt "$max" ] && max=$r && echo "$max" > "$work/rss"; sleep 0.2; done ) &
sampler=$!
: > "$work/rounds"
for round in $(seq "$ROUNDS"); do
  s_rps=$(run_wrk "http://127.0.0.1:$SVC_PORT/api/v1/webhooks/alertmanager" bench/alerts-v4-webhook.json bench-webhook)
  a_rps=$(run_wrk "http://127.0.0.1:$AM_PORT/api/v2/alerts" bench/alerts-v2-api.json)
  echo "$s_rps $a_rps" >> "$work/rounds"
  awk -v r="$round" -v s="$s_rps" -v a="$a_rps" 'BEGIN { printf "round %d: service %.0f alerts/s, alertmanager %.0f alerts/s (%.2fx)\n", r, s*10, a*10, s/a }'
done
kill $sampler 2>/dev/null || true
rss_mib=$(( $(cat "$work/rss") / 1024 ))
read -r svc_rps am_rps < <(awk '{ print $1, $2, $1/$2 }' "$work/rounds" | sort -k3 -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")

awk -v s="$svc_rps" -v a="$am_rps" -v rss="$rss_mib" -v ready="$ready_ms" -v q="$quarkus_started" 'BEGIN {
  printf "RESULT webhook (median round) service=%.0f alerts/s alertmanager=%.0f alerts/s ratio=%.2f rss_under_load=%d MiB start_to_ready=%d ms median of 3 (last start, quarkus: %s)\n",
    s*10, a*10, s/a, rss, ready, q }'
