//go:build tools

// Pins Helm, built by scripts/helm for the chart's checks (lint, template, install on the real control plane).
// Nothing here is our code.
package tools

import _ "helm.sh/helm/v4/cmd/helm"
