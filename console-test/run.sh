#!/usr/bin/env bash
# Starts the built service (in-memory store, dry-run) on a free port and runs the console's browser test.
# Needs: ./mvnw package (target/quarkus-app), Debian's chromium, node; installs playwright-core from npm.
# Usage: console-test/run.sh [screenshot.png]
set -euo pipefail
cd "$(dirname "$0")"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --silent
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
java -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" -Dremediator.state.store=memory \
  -Dremediator.webhook.token=console-webhook-token -Dremediator.admin.token=console-admin-token -Dremediator.rules.dir=../rules \
  -jar ../target/quarkus-app/quarkus-run.jar > "$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/q/health/ready" > /dev/null && break
  kill -0 $pid 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.5
done
BASE_URL="http://127.0.0.1:$port" ADMIN_TOKEN=console-admin-token WEBHOOK_TOKEN=console-webhook-token SCREENSHOT="${1:-}" node console.test.mjs
