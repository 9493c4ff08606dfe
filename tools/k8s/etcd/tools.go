//go:build tools

// Package tools pins the etcd server that the operator and discovery tests run
// beneath a real kube-apiserver. Built by tools/k8s/build.sh, never imported.
package tools

import _ "go.etcd.io/etcd/server/v3"
