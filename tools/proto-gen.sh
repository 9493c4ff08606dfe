#!/usr/bin/env bash
# Regenerates libs/proto/src/gen from proto/ (buf + ts-proto); lints first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
npx buf lint
rm -rf libs/proto/src/gen
npx buf generate
echo "generated libs/proto/src/gen"
bash tools/envoy-protos/generate.sh
