#!/usr/bin/env bash
# Generates libs/proto/src/gen/external (git-ignored) from descriptors.binpb with buf and ts-proto:
# Envoy's ext_proc service and gRPC's health service, with what they import. tools/build.mjs runs it
# when the set or the template changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
rm -rf libs/proto/src/gen/external
npx buf generate tools/envoy-protos/descriptors.binpb --template tools/envoy-protos/buf.gen.yaml \
  --path envoy/service/ext_proc/v3/external_processor.proto \
  --path grpc/health/v1/health.proto
