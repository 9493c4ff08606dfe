//go:build tools

// Package tools pins the kube-apiserver that the operator and discovery tests run
// against. Built by tools/k8s/build.sh, never imported.
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
