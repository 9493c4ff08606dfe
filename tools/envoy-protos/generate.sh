#!/usr/bin/env bash
# Regenerates libs/proto/src/gen/external: TypeScript for Envoy's ext_proc service and gRPC's health
# service, with buf and ts-proto, from the descriptor set main.go writes out of the Go modules pinned
# in go.mod (go-control-plane carries Envoy's protos). The set is cached in .llmd/envoy-protos and
# written again only when go.mod, go.sum or main.go change. Needs Go.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="$ROOT/.llmd/envoy-protos"
SET="$CACHE/descriptors.binpb"
mkdir -p "$CACHE"
if ! command -v go >/dev/null; then
  echo "tools/envoy-protos/generate.sh: Go is required to read Envoy's protos out of go-control-plane" >&2
  exit 1
fi
stamp="$(cat "$HERE/go.mod" "$HERE/go.sum" "$HERE/main.go" | sha256sum | cut -c1-16)"
if [ ! -s "$SET" ] || [ "$(cat "$SET.stamp" 2>/dev/null)" != "$stamp" ]; then
  (cd "$HERE" && go run . > "$SET.tmp")
  mv "$SET.tmp" "$SET"
  echo "$stamp" > "$SET.stamp"
fi
cd "$ROOT"
rm -rf libs/proto/src/gen/external
npx buf generate "$SET" --template tools/envoy-protos/buf.gen.yaml \
  --path envoy/service/ext_proc/v3/external_processor.proto \
  --path grpc/health/v1/health.proto
echo "generated libs/proto/src/gen/external"
