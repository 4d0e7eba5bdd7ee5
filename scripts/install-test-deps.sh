#!/usr/bin/env bash
# Installs the Debian packages the tests use as real peers and tools: Alertmanager, Prometheus, Redis and git (for the
# real Argo CD and its repository), kubectl (kustomize),
# Chromium and Node for the console's browser test (and wrk for bench/). A tool already on the PATH is kept,
# however it was installed (e.g. Node from another source).
# Idempotent; needs root or passwordless sudo. Called by .ci/run and, when Alertmanager is missing, by the test set-up.
set -euo pipefail
# package:command it provides
wanted=(prometheus-alertmanager:prometheus-alertmanager prometheus:prometheus redis-server:redis-server git:git wrk:wrk kubectl:kubectl chromium:chromium nodejs:node npm:npm)
missing=()
for w in "${wanted[@]}"; do
  pkg=${w%%:*}; cmd=${w#*:}
  command -v "$cmd" >/dev/null 2>&1 || dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo -n"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
