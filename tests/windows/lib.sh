# tests/windows/lib.sh: sourced by the wine end-to-end tests
# (tests/windows/*.sh) after tests/e2e/lib.sh, whose helpers they share
# (free_port, spawn, wait_listen, wait_log, make_cert, fail, ...).
#
# Environment (set by tests/windows/run.sh):
#   DBGBRIDGE_EXE  build-windows/dbgbridge.exe
#   WINEPREFIX     a private wine prefix, made once by run.sh
#   DBGBRIDGE      the Linux build's dbgbridge (for the TLS bridge), if any
#   E2E_BIN        the Linux build's tests/e2e (target, bulkpeer)
#
# dbgbridge.exe runs under wine: Winsock sockets are Linux sockets there, so
# Linux programs (gdb, gdbserver, bulkpeer, openssl) reach its ports on
# 127.0.0.1 directly, and ss(8) sees its listeners.

: "${DBGBRIDGE_EXE:?DBGBRIDGE_EXE: run tests/windows/run.sh}"
: "${WINEPREFIX:?WINEPREFIX: run tests/windows/run.sh}"
export WINEPREFIX WINEDEBUG=-all

need_prog wine wineserver
need_bin "$DBGBRIDGE_EXE"

# Stop every process of this prefix at the end of the test (bounded: -k
# kills them; wineserver then exits).
_win_stop() { timeout 20 wineserver -k 2>/dev/null || true; }
at_exit _win_stop

# start_exe NAME ARGS...: dbgbridge.exe ARGS in the background under wine,
# stderr (the log) in $TMP/NAME.log; the wine process is tracked.
start_exe() {
	local name=$1
	shift
	wine "$DBGBRIDGE_EXE" "$@" </dev/null >"$TMP/$name.out" 2>"$TMP/$name.log" &
	E2E_BRIDGE_PID[$name]=$!
	track "$!"
}

# exe_running NAME: fail unless the wine process of bridge NAME still runs.
exe_running() {
	_alive "${E2E_BRIDGE_PID[$1]}" ||
		fail "dbgbridge.exe $1 is no longer running"
}

# run_exe OUT ARGS...: dbgbridge.exe ARGS in the foreground (at most 60 s),
# stdout and stderr in $TMP/OUT without the carriage returns of the Windows
# C runtime's text mode; exit status in EXE_RC.
run_exe() {
	local out=$1
	shift
	EXE_RC=0
	timeout -k 5 60 wine "$DBGBRIDGE_EXE" "$@" </dev/null >"$TMP/$out.raw" 2>&1 ||
		EXE_RC=$?
	tr -d '\r' <"$TMP/$out.raw" >"$TMP/$out"
}
