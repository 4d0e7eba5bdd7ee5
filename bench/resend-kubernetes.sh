#!/usr/bin/env bash
# Re-sends with the Kubernetes store: the same 10 alerts (10 Deployments) re-sent by wrk to one of two replicas
# running over the fabric8 CRUD mock API server, against a real Alertmanager's /api/v2/alerts in the same run,
# once with limits that refuse 9 of the 10 (each re-send is decided again, in memory) and once with limits
# that refuse none (each re-send is a duplicate). Rounds alternate; the median ratio is reported.
# Usage: bench/resend-kubernetes.sh [seconds=10] [connections=32] [rounds=3]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
wrk_args "$@"
AM_PORT=19494
work=$(mktemp -d)
cleanup() { touch target/cluster-bench/stop 2>/dev/null || true; kill "${am_pid:-}" 2>/dev/null || true; sleep 1; kill "${srv_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
bash scripts/install-test-deps.sh
CP="target/test-classes:target/classes:$(cat target/bench.classpath)"

start_alertmanager "$work" "$AM_PORT"
python3 - "$work/am-alerts.json" <<'PY'
import json, sys
body = json.load(open("bench/alerts-v4-cluster.json"))
json.dump([{"labels": a["labels"], "annotations": a["annotations"], "startsAt": a["startsAt"], "generatorURL": a["generatorURL"]} for a in body["alerts"]], open(sys.argv[1], "w"))
PY

for rules in refusing open; do
  mkdir -p target/cluster-bench; rm -f target/cluster-bench/stop
  java -Xmx1g -Drules=bench/cluster-rules-$rules -Djava.util.logging.config.file=bench/logging.properties -cp "$CP" \
    io.autonova.remediator.bench.ClusterBench serve 10 > "$work/serve-$rules.log" 2>&1 &
  srv_pid=$!
  until grep -q SERVING "$work/serve-$rules.log"; do sleep 0.2; kill -0 $srv_pid || { cat "$work/serve-$rules.log"; exit 1; }; done
  svc=http://127.0.0.1:18601/api/v1/webhooks/alertmanager
  curl -sf -H 'Authorization: Bearer bench-webhook' -H 'Content-Type: application/json' --data @bench/alerts-v4-cluster.json "$svc" \
    | python3 -c 'import json,sys; r=json.load(sys.stdin)["results"]; print("first delivery:", ", ".join(sorted(set(x["reason"] for x in r))))'
  sleep 3
  run_wrk "$svc" bench/alerts-v4-cluster.json bench-webhook > /dev/null
  run_wrk "http://127.0.0.1:$AM_PORT/api/v2/alerts" "$work/am-alerts.json" > /dev/null
  : > "$work/rounds"
  for round in $(seq "$ROUNDS"); do
    s=$(run_wrk "$svc" bench/alerts-v4-cluster.json bench-webhook)
    a=$(run_wrk "http://127.0.0.1:$AM_PORT/api/v2/alerts" "$work/am-alerts.json")
    echo "$s $a" >> "$work/rounds"
    awk -v r="$round" -v s="$s" -v a="$a" -v m="$rules" 'BEGIN { printf "%s round %d: service %.0f alerts/s, alertmanager %.0f alerts/s (%.2fx)\n", m, r, s*10, a*10, s/a }'
  done
  touch target/cluster-bench/stop; wait $srv_pid || true
  grep "API calls during the run" "$work/serve-$rules.log" || true
  read -r s a < <(awk '{ print $1, $2, $1/$2 }' "$work/rounds" | sort -k3 -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")
  awk -v s="$s" -v a="$a" -v m="$rules" 'BEGIN { printf "RESULT resend limits=%s (kubernetes store, 2 replicas) service=%.0f alerts/s alertmanager=%.0f alerts/s ratio=%.2f\n", m, s*10, a*10, s/a }'
done
