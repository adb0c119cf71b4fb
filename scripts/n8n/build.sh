#!/usr/bin/env bash
# `npm run build` for the end-to-end tests, which run side by side (scripts/test.sh): one build at a time,
# under the lock that packPackage (scripts/n8n/runtime.ts) reads dist/ under, so no test packs a dist/
# that another is rewriting; and no build when neither the sources nor dist/ changed since the last one
# done here (each test used to rebuild: about 11 s of CPU each).
set -euo pipefail
cd "$(dirname "$0")/../.."

STATE_DIR=node_modules/.cache/n8n-nodes-amplitude-batch
mkdir -p "$STATE_DIR"
exec 9> "$STATE_DIR/dist.lock"
flock 9

# Contents, not times: what the build reads, and what it wrote.
digest() { find "$@" -type f -print0 2>/dev/null | sort -z | xargs -0 -r sha256sum | sha256sum | cut -d' ' -f1; }
sources() { digest nodes credentials package.json package-lock.json tsconfig.json tsconfig.build.json gulpfile.js; }

STAMP="$STATE_DIR/build-stamp"
if [[ -d dist && -f "$STAMP" && "$(cat "$STAMP")" == "$(sources) $(digest dist)" ]]; then exit 0; fi
# The sources as they were when the build began: an edit made during the build makes the next call rebuild.
before="$(sources)"
rm -f "$STAMP"
# Quiet when it works; tsc's errors (on stdout) are shown when it does not.
if ! output="$(npm run build --silent 2>&1)"; then
	echo "$output" >&2
	echo "[build] npm run build failed" >&2
	exit 1
fi
echo "$before $(digest dist)" > "$STAMP"
