//go:build tools

// Package tools pins the kube-apiserver and kube-controller-manager that the operator and discovery
// tests run against (the controller-manager turns Deployments into ReplicaSets and Pods). Built by
// tools/k8s/build.sh, never imported.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
