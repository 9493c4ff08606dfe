#!/usr/bin/env bash
# Writes descriptors.binpb (committed): the descriptors of Envoy's ext_proc service and gRPC's health
# service, with every file they import, read by main.go out of the Go modules pinned in go.mod
# (go-control-plane carries Envoy's protos). Then generates the TypeScript from it (types.sh). Needs
# Go; `npm test` runs it and fails if the committed set differs.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if ! command -v go >/dev/null; then
  echo "tools/envoy-protos/generate.sh: Go is required to read Envoy's protos out of go-control-plane" >&2
  exit 1
fi
(cd "$HERE" && go run . > descriptors.binpb.tmp)
mv "$HERE/descriptors.binpb.tmp" "$HERE/descriptors.binpb"
bash "$HERE/types.sh"
echo "generated tools/envoy-protos/descriptors.binpb and libs/proto/src/gen/external"
