#!/bin/bash
# tests/windows/run.sh: the Windows build's tests under wine (doc/design.md
# "Building for Windows"; README "Windows").
#
#   tests/windows/run.sh [--no-build] [TEST.sh...]
#
# Builds dbgbridge.exe and the unit tests for Windows with
# contrib/windows/build.sh, makes a private wine prefix (WINEDEBUG=-all,
# wineboot -i: about 11 s, once per run), runs every unit test .exe under
# wine, then the end-to-end tests tests/windows/*.sh (or those named), where
# dbgbridge.exe relays and Linux programs are the ends.  The Linux build
# (./dbgbridge, tests/e2e/target, tests/e2e/bulkpeer) must exist in the tree:
# run `make check` (or make and make check TESTS=) first.  Prints one line
# per test and a summary; exits 0 only when every test passed (77: skipped,
# said with its reason).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
t0=$SECONDS

build=yes
if [[ ${1:-} == --no-build ]]; then
	build=no
	shift
fi

UNIT_EXE=(test_spec test_metrics test_outcome test_transport test_docs test_text
	test_config test_logfile)
if [[ $build == yes ]]; then
	targets=(dbgbridge.exe)
	for t in "${UNIT_EXE[@]}"; do targets+=("tests/unit/$t.exe"); done
	"$top/contrib/windows/build.sh" "${targets[@]}" || { echo "run.sh: build failed"; exit 1; }
fi
bw=$top/build-windows
export DBGBRIDGE_EXE=$bw/dbgbridge.exe
export DBGBRIDGE=${DBGBRIDGE:-$top/dbgbridge}
export E2E_BIN=${E2E_BIN:-$top/tests/e2e}
export SRCDIR=$top
export WINEDEBUG=-all
export WINEPREFIX
WINEPREFIX=$(mktemp -d "${TMPDIR:-/tmp}/dbgbridge-wine.XXXXXX")
trap 'timeout 20 wineserver -k 2>/dev/null; rm -rf -- "$WINEPREFIX"' EXIT
timeout 120 wineboot -i >/dev/null 2>&1 || { echo "run.sh: wineboot -i failed"; exit 1; }
timeout 20 wineserver -k 2>/dev/null
echo "run.sh: built, and wine prefix $WINEPREFIX ready, after $((SECONDS - t0)) s"

pass=0 failed=() skipped=()
result() {	# NAME RC LOG
	case $2 in
	0) pass=$((pass + 1)); echo "PASS: $1" ;;
	77) skipped+=("$1"); echo "SKIP: $1: $(grep -m1 -E '^(SKIP|# skip)' "$3" || true)" ;;
	*) failed+=("$1"); echo "FAIL: $1 (status $2)"; tail -n 40 "$3" | sed 's/^/    /' ;;
	esac
}

# The unit tests: cmocka programs; wine runs them as Windows would.
if [[ $# -eq 0 ]]; then
	for t in "${UNIT_EXE[@]}"; do
		log=$bw/tests/unit/$t.wine.log
		(cd "$bw" && timeout -k 5 300 wine "tests/unit/$t.exe") >"$log" 2>&1
		rc=$?
		timeout 20 wineserver -k 2>/dev/null
		result "unit/$t.exe" "$rc" "$log"
	done
fi

tests=("$@")
[[ ${#tests[@]} -gt 0 ]] || tests=("$here"/[a-z]*.sh)
for t in "${tests[@]}"; do
	name=$(basename "$t")
	[[ $name == lib.sh || $name == run.sh ]] && continue
	log=$bw/${name%.sh}.wine.log
	t1=$SECONDS
	timeout -k 10 900 bash "$here/$name" >"$log" 2>&1
	rc=$?
	timeout 20 wineserver -k 2>/dev/null
	result "$name ($((SECONDS - t1)) s)" "$rc" "$log"
done

echo "run.sh: $pass passed, ${#failed[@]} failed, ${#skipped[@]} skipped in $((SECONDS - t0)) s"
[[ ${#failed[@]} -eq 0 ]]
