#!/usr/bin/env bash
# The system programs the end-to-end tests need, installed with apt-get when missing (as root on
# Debian/Ubuntu, as in CI); otherwise says what to install. Run by `npm test`, `npm run test:e2e`
# and .ci/run. `npm run test:fast` needs none of them.
#   chromium       the editor check in a real browser (or set CHROMIUM_PATH)
#   redis-server   the queue-mode test (started by the test on a free port; the service is not used)
#   postgresql     the queue-mode test (initdb/postgres from /usr/lib/postgresql, likewise)
#   openssl        the community-install test (a throwaway CA for its loopback registry proxy)
set -euo pipefail

missing=()
if [ -z "${CHROMIUM_PATH:-}" ]; then command -v chromium >/dev/null 2>&1 || missing+=(chromium); fi
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
((${#missing[@]})) || exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "[system packages] installing ${missing[*]} (apt-get)" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq "${missing[@]}" >/dev/null
	exit 0
fi
echo "[system packages] the end-to-end tests need: ${missing[*]}" >&2
echo "  install them (Debian/Ubuntu: sudo apt-get install -y ${missing[*]}) and run again," >&2
echo "  or run only the unit and workflow tests: npm run test:fast" >&2
exit 1
