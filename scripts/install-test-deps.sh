#!/usr/bin/env bash
# Installs the Debian packages the tests use as real peers and tools: Alertmanager, Prometheus, kubectl (kustomize),
# Chromium and Node for the console's browser test (and wrk for bench/).
# Idempotent; needs root or passwordless sudo. Called by .ci/run and, when Alertmanager is missing, by the test set-up.
set -euo pipefail
packages=(prometheus-alertmanager prometheus wrk kubectl chromium nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo -n"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
