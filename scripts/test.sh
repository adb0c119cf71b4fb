#!/usr/bin/env bash
# `npm test`: every test, in lanes side by side. The end-to-end files mostly wait (n8n start-ups, schedules,
# one-minute polls), so they run in two lanes next to the unit and workflow tests; on a machine without the
# pinned n8n or Verdaccio, their installs run in the background while the unit and workflow tests run, and
# the end-to-end lanes start once n8n is installed. Each lane is one `jest --runInBand`, its lines prefixed
# with its name. The run fails if a lane or an install fails (an install's log is shown).
#
#   scripts/test.sh            everything (npm test)
#   scripts/test.sh e2e        the end-to-end lanes only (npm run test:e2e)
#   scripts/test.sh <jest args>  one `jest --runInBand <jest args>`, as before (e.g. a file or -t pattern)
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/system-packages.sh || exit 1

if (($#)) && [[ "$1" != e2e ]]; then exec npx jest --runInBand "$@"; fi
only_e2e=$([[ "${1:-}" == e2e ]] && echo 1 || echo 0)

# Lane 1: the files that mostly wait (the Amplitude Trigger's polls, the schedules, the 30 s Retry-After)
# and the CLI runs; lane 2: every other end-to-end file, so a new one is never left out. 9-10 minutes each
# on the project's 2-core machine, next to the unit and workflow tests (6 minutes there).
LANE1='test/e2e/(trigger-published|stop-retry-wait|production-schedule|real-n8n)\.test\.ts$'

logs="$(mktemp -d "${TMPDIR:-/tmp}/npm-test-XXXXXX")"
# Each background job in its own process group, so an interrupted run stops every jest and install it started
# (background jobs of a script otherwise ignore Ctrl+C).
set -m
pids=()
trap 'for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done; exit 130' INT TERM

# Runs `jest --runInBand <args>` in the background, each line prefixed with the lane's name; its exit status
# goes to $logs/<name>.status.
lane() {
	local name="$1"
	shift
	(npx jest --runInBand "$@" 2>&1 | sed -u "s/^/[$name] /"; echo "${PIPESTATUS[0]}" > "$logs/$name.status") &
	pids+=($!)
}

# A step in the background (an install is a no-op once in the cache folder); its log and status in $logs.
declare -A step_pid
step() {
	(bash "$2" > "$logs/$1.log" 2>&1; echo $? > "$logs/$1.status") &
	pids+=($!)
	step_pid[$1]=$!
}

failed=()
# Waits for a step; shows its log, and counts it as failed unless it succeeded.
finished() {
	wait "${step_pid[$1]}"
	sed "s/^/[$1] /" "$logs/$1.log"
	[[ "$(cat "$logs/$1.status" 2>/dev/null)" == 0 ]] && return 0
	echo "[$1] FAILED (log: $logs/$1.log)" >&2
	failed+=("$1")
	return 1
}

step n8n-install scripts/n8n/install.sh
step verdaccio-install scripts/n8n/install-verdaccio.sh
# One build for every end-to-end file (each one checks it again, in milliseconds, and finds it done).
step build scripts/n8n/build.sh
((only_e2e)) || lane fast --testPathIgnorePatterns '/test/e2e/'

n8n_ok=0 build_ok=0
finished n8n-install && n8n_ok=1
finished build && build_ok=1
if ((n8n_ok && build_ok)); then
	lane e2e-1 "$LANE1"
	lane e2e-2 /test/e2e/ --testPathIgnorePatterns "$LANE1"
fi
finished verdaccio-install || true

wait
for status in "$logs"/*.status; do
	name="$(basename "$status" .status)"
	[[ "$(cat "$status")" == 0 ]] || [[ " ${failed[*]} " == *" $name "* ]] || failed+=("$name")
done
if ((${#failed[@]})); then
	echo "== npm test: FAILED: ${failed[*]}" >&2
	exit 1
fi
rm -rf "$logs"
echo "== npm test: every lane passed"
