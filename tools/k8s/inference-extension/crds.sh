#!/usr/bin/env bash
# Copies the InferencePool CRD (inference.networking.k8s.io/v1) of the Gateway API Inference Extension
# pinned in go.mod beside this script into .llmd/k8s/crds, for the tests that validate the operator's
# InferencePools against the real CRD. Skipped when the copy for this go.sum is already there.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
OUT="$ROOT/.llmd/k8s/crds"
FILE=inference.networking.k8s.io_inferencepools.yaml
stamp="$(sha256sum "$HERE/go.sum" | cut -c1-16)"
if [ -f "$OUT/$FILE" ] && [ "$(cat "$OUT/$FILE.stamp" 2>/dev/null)" = "$stamp" ]; then exit 0; fi
mkdir -p "$OUT"
mod="sigs.k8s.io/gateway-api-inference-extension"
dir="$(cd "$HERE" && go mod download -json "$mod" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [ -z "$dir" ] || [ ! -f "$dir/config/crd/bases/$FILE" ]; then
  echo "tools/k8s/inference-extension: $mod has no config/crd/bases/$FILE" >&2
  exit 1
fi
cp "$dir/config/crd/bases/$FILE" "$OUT/$FILE.tmp"
chmod u+w "$OUT/$FILE.tmp"
mv "$OUT/$FILE.tmp" "$OUT/$FILE"
echo "$stamp" > "$OUT/$FILE.stamp"
echo "copied the InferencePool CRD of $mod $(sed -n 's/^require .* //p' "$HERE/go.mod") into .llmd/k8s/crds"
