//go:build tools

// Package tools pins the helm CLI that the chart tests run (lint, template, install and uninstall
// against a real kube-apiserver). Built by tools/k8s/build.sh, never imported.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
