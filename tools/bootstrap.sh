#!/usr/bin/env bash
# Installs what llmd needs on a fresh clone: npm packages (when package-lock.json changed) and the
# build (when a source file changed). The Kafka jars are fetched by the CLI on first use.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "llmd: installing npm packages (npm ci) ..."
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ ! -f dist/.built ] || [ -n "$(find apps libs tools -name '*.ts' -newer dist/.built -print -quit)" ] || [ tools/build.mjs -nt dist/.built ]; then
  node tools/build.mjs
  touch dist/.built
fi
