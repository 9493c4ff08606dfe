#!/usr/bin/env bash
# Builds a real etcd, kube-apiserver, kube-controller-manager and kube-scheduler, and the helm and
# kubectl CLIs, from the Go module proxy into .llmd/k8s/bin, for the tests that run against a real
# Kubernetes API (pod discovery, the operator, the Helm charts under deploy/helm) and for
# `tools/llmd cluster`. Versions are pinned by the go.mod files beside this
# script; a build is skipped when the binaries for those go.sum files are already there.
# First build: about 4 minutes on 2 cores for the Kubernetes binaries (kube-scheduler, built after
# kube-controller-manager from the packages they share, adds about 10 s), plus about 80 s for helm and
# about a minute for kubectl (plus the module download); later runs: nothing.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN="$ROOT/.llmd/k8s/bin"
mkdir -p "$BIN"
if ! command -v go >/dev/null; then
  echo "tools/k8s/build.sh: Go is required to build etcd, kube-apiserver and helm" >&2
  exit 1
fi
build() { # name module-dir package [extra -ldflags]
  local name="$1" dir="$2" pkg="$3" ldflags="${4:-}" stamp
  stamp="$(if [ -n "$ldflags" ]; then cat "$HERE/$dir/go.mod" "$HERE/$dir/go.sum" - <<<"$ldflags"; else cat "$HERE/$dir/go.mod" "$HERE/$dir/go.sum"; fi | sha256sum | cut -c1-16)"
  if [ -x "$BIN/$name" ] && [ "$(cat "$BIN/$name.stamp" 2>/dev/null)" = "$stamp" ]; then return; fi
  echo "building $name ($pkg) ..."
  local start=$SECONDS
  (cd "$HERE/$dir" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w $ldflags" -o "$BIN/$name.tmp" "$pkg")
  mv "$BIN/$name.tmp" "$BIN/$name"
  echo "$stamp" > "$BIN/$name.stamp"
  echo "built $name in $((SECONDS - start)) s"
}
build etcd etcd go.etcd.io/etcd/server/v3
build kube-apiserver apiserver k8s.io/kubernetes/cmd/kube-apiserver
build kube-controller-manager apiserver k8s.io/kubernetes/cmd/kube-controller-manager
build kube-scheduler apiserver k8s.io/kubernetes/cmd/kube-scheduler
# As helm's own Makefile does: its version, and the Kubernetes version that `helm template` and
# `helm lint` assume offline (.Capabilities.KubeVersion, else 1.20) set to the kube-apiserver pinned above.
x=helm.sh/helm/v3
helm_version="$(sed -n 's|^require helm.sh/helm/v3 ||p' "$HERE/helm/go.mod")"
kube_minor="$(sed -n 's|^require k8s.io/kubernetes v1\.\([0-9]*\)\..*|\1|p' "$HERE/apiserver/go.mod")"
build helm helm $x/cmd/helm "-X $x/internal/version.version=$helm_version \
-X $x/pkg/chartutil.k8sVersionMajor=1 -X $x/pkg/chartutil.k8sVersionMinor=$kube_minor \
-X $x/pkg/lint/rules.k8sVersionMajor=1 -X $x/pkg/lint/rules.k8sVersionMinor=$kube_minor"
# kubectl, for the tests that run the README's commands: k8s.io/kubectl at the apiserver's version,
# which it reports (kubectl warns when client and server are more than one minor apart).
kubectl_version="$(sed -n 's|^\s*k8s.io/kubectl \(v[0-9.]*\)$|\1|p' "$HERE/kubectl/go.mod" | head -1)"
build kubectl kubectl . "-X k8s.io/component-base/version.gitVersion=${kubectl_version/v0./v1.} \
-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$kube_minor"
bash "$HERE/inference-extension/crds.sh"
bash "$HERE/prometheus-operator/crds.sh"
