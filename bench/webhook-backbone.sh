#!/usr/bin/env bash
# The webhook's cost with Kafka as its backbone: the same 10 alerts POSTed by wrk to the service answering directly
# and to the service producing them to Kafka (202 after the broker's acknowledgement), in the same run, as alerts/s.
# Both run the Kafka consumers against the same broker (a KRaft broker in its own JVM); rounds alternate.
# Usage: bench/webhook-backbone.sh [seconds=10] [connections=32] [rounds=3]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
wrk_args "$@"
DIRECT_PORT=18481
BACKBONE_PORT=18482
work=$(mktemp -d)
cleanup() { kill "${direct_pid:-}" "${backbone_pid:-}" "${broker_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

bash scripts/install-test-deps.sh
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
java -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Djava.util.logging.config.file=bench/logging.properties \
  -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" io.autonova.remediator.bench.BrokerMain "$work/bootstrap" > "$work/broker.log" 2>&1 &
broker_pid=$!
until [ -s "$work/bootstrap" ]; do kill -0 $broker_pid || { cat "$work/broker.log"; exit 1; }; sleep 0.2; done
bootstrap=$(cat "$work/bootstrap")

start_service() { # PORT BACKBONE; in-memory store, the shipped rules, two consumers of one group
  REMEDIATOR_WEBHOOK_TOKEN=bench-webhook REMEDIATOR_ADMIN_TOKEN=bench-admin REMEDIATOR_STATE_STORE=memory REMEDIATOR_RULES_DIR=rules \
    REMEDIATOR_KAFKA_BOOTSTRAP_SERVERS=$bootstrap REMEDIATOR_KAFKA_WEBHOOK_BACKBONE=$2 REMEDIATOR_KAFKA_GROUP_ID=bench-$1 \
    QUARKUS_HTTP_PORT=$1 QUARKUS_LOG_CATEGORY__IO_AUTONOVA__LEVEL=WARN \
    "${JAVA:-java}" ${JAVA_OPTS:--XX:+UseSerialGC -Xmx256m} -jar target/quarkus-app/quarkus-run.jar > "$work/service-$1.log" 2>&1 &
  echo $!
}
direct_pid=$(start_service $DIRECT_PORT false)
backbone_pid=$(start_service $BACKBONE_PORT true)
for port in $DIRECT_PORT $BACKBONE_PORT; do
  await_ready "$port"
done
status() { curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer bench-webhook" --data @bench/alerts-v4-webhook.json "$1"; }
[ "$(status "http://127.0.0.1:$DIRECT_PORT/api/v1/webhooks/alertmanager")" = 200 ]
[ "$(status "http://127.0.0.1:$BACKBONE_PORT/api/v1/webhooks/alertmanager")" = 202 ]
accepted=$(curl -s -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer bench-webhook" --data @bench/alerts-v4-webhook.json \
  "http://127.0.0.1:$BACKBONE_PORT/api/v1/webhooks/alertmanager" | sed -E 's/.*"accepted":([0-9]+).*/\1/')
echo "each delivery: 10 alerts, $accepted of them matched by a rule and produced to Kafka"

run_wrk "http://127.0.0.1:$DIRECT_PORT/api/v1/webhooks/alertmanager" bench/alerts-v4-webhook.json bench-webhook > /dev/null
run_wrk "http://127.0.0.1:$BACKBONE_PORT/api/v1/webhooks/alertmanager" bench/alerts-v4-webhook.json bench-webhook > /dev/null
: > "$work/rounds"
for round in $(seq "$ROUNDS"); do
  d=$(run_wrk "http://127.0.0.1:$DIRECT_PORT/api/v1/webhooks/alertmanager" bench/alerts-v4-webhook.json bench-webhook)
  b=$(run_wrk "http://127.0.0.1:$BACKBONE_PORT/api/v1/webhooks/alertmanager" bench/alerts-v4-webhook.json bench-webhook)
  echo "$b $d" >> "$work/rounds"
  awk -v r="$round" -v b="$b" -v d="$d" 'BEGIN { printf "round %d: backbone %.0f alerts/s, direct %.0f alerts/s (%.2fx)\n", r, b*10, d*10, b/d }'
done
read -r b_rps d_rps < <(awk '{ print $1, $2, $1/$2 }' "$work/rounds" | sort -k3 -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")
decided=$(curl -s "http://127.0.0.1:$BACKBONE_PORT/q/metrics" | awk '/^remediator_kafka_records_total\{result="alert"\}/ {print $2}')
awk -v b="$b_rps" -v d="$d_rps" -v n="${decided:-0}" 'BEGIN {
  printf "RESULT webhook-backbone (median round) backbone=%.0f alerts/s direct=%.0f alerts/s ratio=%.2f alert_records_decided_by_consumers=%d\n", b*10, d*10, b/d, n }'
