#!/usr/bin/env bash
# Generates the prometheus-operator CRDs the charts' optional objects use (ServiceMonitor, PodMonitor,
# PrometheusRule; monitoring.coreos.com/v1) into .llmd/k8s/crds, for the tests that dry-run the charts
# against a real kube-apiserver. prometheus-operator's main module (which ships the YAML) is not served
# by the Go module proxy, so this does what its Makefile does: controller-gen over its API types, both
# pinned by go.mod beside this script. Skipped when the CRDs for this go.sum are already there.
# First run: about 45 s to build controller-gen on 2 cores (plus the module download); later runs: nothing.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
OUT="$ROOT/.llmd/k8s/crds"
BIN="$ROOT/.llmd/k8s/bin"
FILES=(monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_podmonitors.yaml monitoring.coreos.com_prometheusrules.yaml)
stamp="$(cat "$HERE/go.mod" "$HERE/go.sum" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)"
current=1
for f in "${FILES[@]}"; do [ -f "$OUT/$f" ] && [ "$(cat "$OUT/$f.stamp" 2>/dev/null)" = "$stamp" ] || current=0; done
if [ "$current" = 1 ]; then exit 0; fi
mkdir -p "$OUT" "$BIN"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# CGO off: controller-gen loads packages through `go list`, which otherwise probes for a C compiler.
export CGO_ENABLED=0
(cd "$HERE" && go build -trimpath -ldflags='-s -w' -o "$tmp/controller-gen" sigs.k8s.io/controller-tools/cmd/controller-gen)
(cd "$HERE" && "$tmp/controller-gen" crd:crdVersions=v1 \
  paths=github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1 output:crd:dir="$tmp/crds")
for f in "${FILES[@]}"; do
  if [ ! -f "$tmp/crds/$f" ]; then
    echo "tools/k8s/prometheus-operator: controller-gen wrote no $f" >&2
    exit 1
  fi
  cp "$tmp/crds/$f" "$OUT/$f.tmp"
  mv "$OUT/$f.tmp" "$OUT/$f"
  echo "$stamp" > "$OUT/$f.stamp"
done
echo "generated the ServiceMonitor, PodMonitor and PrometheusRule CRDs of prometheus-operator $(sed -n 's|^\tgithub.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring ||p' "$HERE/go.mod") into .llmd/k8s/crds"
