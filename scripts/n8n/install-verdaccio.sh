#!/usr/bin/env bash
# Installs a pinned Verdaccio (a private npm registry) into a cache folder outside the clone, once, for the
# community-package install test (test/e2e/community-install.test.ts). Prints the install folder.
# Reused by later runs: delete the folder to start over.
#
# VERDACCIO_VERSION   default 6.8.0, with its node-fetch pinned to 2.7.0 (an override): the combination
#                     known to install on this project's machines (about 30 s).
set -euo pipefail

VERDACCIO_VERSION="${VERDACCIO_VERSION:-6.8.0}"
CACHE_ROOT="${N8N_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-amplitude-batch}"
PREFIX="$CACHE_ROOT/verdaccio-$VERDACCIO_VERSION"
MARKER="$PREFIX/.installed"

if [[ -f "$MARKER" ]]; then
	echo "$PREFIX"
	exit 0
fi

mkdir -p "$PREFIX"
# One installer at a time: a second run waits for the first and reuses its result.
exec 9> "$PREFIX.lock"
flock 9
if [[ -f "$MARKER" ]]; then
	echo "$PREFIX"
	exit 0
fi
cd "$PREFIX"
echo '{"name":"verdaccio-runtime","private":true,"overrides":{"node-fetch":"2.7.0"}}' > package.json
echo "[verdaccio install] installing verdaccio@$VERDACCIO_VERSION into $PREFIX (about 30 s, once)" >&2
npm install --no-audit --no-fund --loglevel=error "verdaccio@$VERDACCIO_VERSION" >&2
touch "$MARKER"
echo "$PREFIX"
