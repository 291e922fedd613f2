#!/usr/bin/env bash
# gdb_tcp.sh: a real gdb session through dbgbridge.exe (under wine),
#
#   gdb (Linux) --tcp--> dbgbridge.exe tcp:port=A --tcp--> gdbserver (Linux)
#
# Asserts: the breakpoint is hit, the backtrace and the values target.c
# documents are the same as in a session straight to gdbserver (check_session
# of tests/e2e/gdb_lib.sh, on both runs); dbgbridge.exe logs one session line
# with reason="client closed" and bytes both ways.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/../e2e/gdb_lib.sh"
. "$(dirname "$0")/lib.sh"

need_prog gdb gdbserver ss timeout
need_bin "$E2E_BIN/target"
TARGET=$E2E_BIN/target

free_port GS_PORT
free_port A_PORT

# Direct first: what a session looks like without the bridge.
spawn gdbserver gdbserver --multi "127.0.0.1:$GS_PORT"
wait_listen "$GS_PORT"
gdb_session_script "$TMP/direct.gdb" "$GS_PORT"
run_gdb direct "$TMP/direct.gdb"
why=$(check_session direct) || fail "direct session: $why"

# Through dbgbridge.exe: -s/-c as a user types them.
start_exe a -s "tcp:port=$A_PORT" -c "tcp:server=127.0.0.1,port=$GS_PORT" -p
wait_listen "$A_PORT" 30
gdb_session_script "$TMP/bridged.gdb" "$A_PORT"
run_gdb bridged "$TMP/bridged.gdb"
why=$(check_session bridged) || fail "session through dbgbridge.exe: $why"

# The same breakpoint, backtrace and values as direct (addresses aside).
norm() { grep -E '^(Breakpoint 1|#[0-9]|\$[0-9]+ = |MARK-)' "$TMP/$1.out" |
	sed -E 's/0x[0-9a-f]+/ADDR/g'; }
diff <(norm direct) <(norm bridged) >"$TMP/diff.out" ||
	fail "the session through dbgbridge.exe differs from direct: $(cat "$TMP/diff.out")"

# One session line: gdb closed, bytes both ways.
wait_log "$TMP/a.log" ' info session .*reason=' 20 1
line=$(grep -E ' info session .*reason=' "$TMP/a.log" | tr -d '\r' | head -1)
[[ $line == *'reason="client closed"'* ]] ||
	fail "session line without reason=\"client closed\": $line"
up=$(sed -nE 's/.* bytes_up=([0-9]+).*/\1/p' <<<"$line")
down=$(sed -nE 's/.* bytes_down=([0-9]+).*/\1/p' <<<"$line")
[[ ${up:-0} -gt 0 && ${down:-0} -gt 0 ]] ||
	fail "session line without bytes both ways: $line"
exe_running a
note "gdb session through dbgbridge.exe: same as direct; $line"
