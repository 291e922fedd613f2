# handles.bash: sourced by the Windows tests of pipes and serial ports
# (tests/windows/gdb_npipe.sh, gdb_com.sh, bulk_handles.sh): the
# e2e helpers of tests/e2e/lib.sh, with the daemon under test being
# dbgbridge.exe run by wine (doc/design.md "Windows handles").
#
# Environment:
#   DBGBRIDGE_EXE  the Windows build (default SRCDIR/build-windows/dbgbridge.exe)
#   WINEPREFIX     a wine prefix to use (default: a fresh one in $TMP, about
#                  11 s to make); every wine process of this prefix is ended
#                  when the test ends (wineserver -k)
#   E2E_BIN        the Linux build's tests/e2e (target, bulkpeer)
#   SRCDIR         the source tree
# Wine's sockets are the host's, so Linux gdb, gdbserver, socat and bulkpeer
# reach dbgbridge.exe on 127.0.0.1 directly.

_hl_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${SRCDIR:=$(cd "$_hl_dir/../.." && pwd)}"
: "${E2E_BIN:=$SRCDIR/tests/e2e}"
: "${DBGBRIDGE_EXE:=$SRCDIR/build-windows/dbgbridge.exe}"
export SRCDIR E2E_BIN DBGBRIDGE_EXE

# lib.sh's bridges run "$DBGBRIDGE -f INI": a wrapper that runs the .exe.
_hl_wrap=$(mktemp -d "${TMPDIR:-/tmp}/dbgbridge-wine.XXXXXX")
printf '#!/bin/sh\nexec wine "%s" "$@"\n' "$DBGBRIDGE_EXE" >"$_hl_wrap/dbgbridge"
chmod 755 "$_hl_wrap/dbgbridge"
DBGBRIDGE=$_hl_wrap/dbgbridge
export DBGBRIDGE

. "$SRCDIR/tests/e2e/lib.sh"

need_prog wine wineserver
[[ -f $DBGBRIDGE_EXE ]] || hard_error "'$DBGBRIDGE_EXE' is missing (contrib/windows/build.sh builds it)"

export WINEDEBUG=-all
if [[ -z ${WINEPREFIX:-} ]]; then
	WINEPREFIX=$TMP/wineprefix
	export WINEPREFIX
	HL_OWN_PREFIX=1
	timeout 120 wineboot -i >"$TMP/wineboot.out" 2>&1 ||
		hard_error "wineboot could not make a prefix in $WINEPREFIX"
fi
export WINEPREFIX

# Every wine process of the prefix, at the end (lib.sh's cleanup has ended
# the tracked ones; wineserver -k takes the rest and wineserver itself).
_hl_wine_down() {
	timeout 20 wineserver -k >/dev/null 2>&1 || true
	timeout 20 wineserver -w >/dev/null 2>&1 || true
	rm -rf -- "$_hl_wrap"
}
at_exit _hl_wine_down

# win_stop_bridge NAME: end bridge NAME (SIGTERM, then SIGKILL after 10 s).
# Its exit status under wine is not asserted here: how dbgbridge.exe stops
# is the service and console tests' business.
win_stop_bridge() {
	local name=$1 pid=${E2E_BRIDGE_PID[$1]} rc
	kill -TERM "$pid" 2>/dev/null || true
	if ! wait_exit "$pid" 10; then
		kill -KILL "$pid" 2>/dev/null || true
		wait_exit "$pid" 5 || true
	fi
	reap "$pid" rc
	unset "E2E_BRIDGE_PID[$name]"
}

# win_wait_serving NAME ROUTE [TIMEOUT_S]: bridge NAME's log says ROUTE serves.
win_wait_serving() {
	wait_log "$TMP/$1.log" " info route $2 serving " "${3:-30}"
}

# start_ptys NAME A B: a socat pseudo-terminal pair whose ends are the
# symlinks A and B (as tests/e2e/gdb_com.sh); waits until both exist.  Pid
# in PTYS_PID.
_hl_both_exist() { [[ -e $1 && -e $2 ]]; }
start_ptys() {
	spawn "$1" socat PTY,raw,echo=0,link="$2" PTY,raw,echo=0,link="$3"
	PTYS_PID=$SPAWN_PID
	_poll 10 _hl_both_exist "$2" "$3" ||
		hard_error "socat did not make $2 and $3 within 10 s"
}

# map_com N PATH: wine's COMN is PATH (a pty end): $WINEPREFIX/dosdevices/comN
# is a symbolic link to it, which wine opens as a serial port.  Removed at
# the end, so a shared prefix does not keep it.
_hl_coms=()
map_com() {
	mkdir -p "$WINEPREFIX/dosdevices"
	ln -sfn "$2" "$WINEPREFIX/dosdevices/com$1"
	_hl_coms+=("$WINEPREFIX/dosdevices/com$1")
}
_hl_unmap_coms() {
	local c
	for c in "${_hl_coms[@]}"; do
		rm -f -- "$c"
	done
}
at_exit _hl_unmap_coms
