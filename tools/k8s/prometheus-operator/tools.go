//go:build tools

// Package tools pins controller-gen and prometheus-operator's API types, from which crds.sh generates
// the ServiceMonitor, PodMonitor and PrometheusRule CRDs the chart tests validate against. Never imported.
package tools

import (
	_ "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	_ "sigs.k8s.io/controller-tools/cmd/controller-gen"
)
