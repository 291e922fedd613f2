#!/usr/bin/env bash
# gdb_com.sh: the com transport of dbgbridge.exe on a real Windows serial
# port, under wine (doc/design.md "com", "Windows handles").  Wine's COM5 is
# one end of a socat pseudo-terminal pair ($WINEPREFIX/dosdevices/com5 ->
# the pty), gdbserver serves the other end:
#
#   gdb --tcp--> dbgbridge.exe (route c: tcp -> com:port=com5,baud=115200)
#       ==\\.\COM5 = tty-bridge =socat= tty-server <-- gdbserver --multi
#
# Asserts:
#   - gdb runs the target to `break step if i == 37` and sees the values
#     target.c documents (bt, print, finish);
#   - while that session holds the port (gdb stopped at the breakpoint), a
#     second client is refused: its connection ends and its session line
#     says reason="serial port busy"; the first session then finishes with the
#     right values;
#   - the session line names server=com5 server_transport=com with bytes both
#     ways; a second gdb session through the same port works (it was freed).
. "$(dirname "$0")/handles.bash"
. "$SRCDIR/tests/e2e/gdb_lib.sh"

need_prog gdb gdbserver socat timeout
need_bin "$E2E_BIN/target"
TARGET=$E2E_BIN/target

free_port C_PORT

start_ptys socat-c "$TMP/tty-bridge" "$TMP/tty-server"
map_com 5 "$TMP/tty-bridge"
spawn gdbserver gdbserver --multi "$TMP/tty-server"
GS_PID=$SPAWN_PID
_poll 10 grep -q 'Remote debugging using' "$TMP/gdbserver.out" ||
	hard_error "gdbserver did not start on $TMP/tty-server"

cat >"$TMP/c.ini" <<EOF
[gateway]
log_level = debug
control = \\\\.\\pipe\\dbgbridge-test-com-$$

[route c]
serve = tcp:port=$C_PORT
bind = 127.0.0.1
connect = com:port=com5,baud=115200,channel=0
connect_timeout = 10s
drain_timeout = 10s
persist = yes
EOF
start_bridge c "$TMP/c.ini"
wait_listen "$C_PORT" 30

# Session 1, held at the breakpoint while a second client tries.
t0=${EPOCHREALTIME/./}
gdb_session_script "$TMP/hold.gdb" "$C_PORT" hold
gdb_cmd "$TMP/hold.gdb" </dev/null >"$TMP/gdb-1.out" 2>&1 &
GDB1_PID=$!
track "$GDB1_PID"
_poll 90 test -e "$TMP/hold" ||
	fail "gdb session 1 did not reach the breakpoint within 90 s (see gdb-1.out)"

rc=0
client_wait_eof "$C_PORT" 10 '$?#3f' || rc=$?
[[ $rc == 0 ]] || fail "second client: connection not ended by the bridge (status $rc; 124 = timeout)"
wait_log "$TMP/c.log" ' info session .*route=c .*reason="serial port busy"' 10
note "busy: $(session_lines c 'reason="serial port busy"')"
_alive "$GDB1_PID" || fail "gdb session 1 ended when the second client was refused"

touch "$TMP/go"
wait_exit "$GDB1_PID" 60 || fail "gdb session 1 did not finish within 60 s of going on"
reap "$GDB1_PID" GDB_RC
why=$(check_session gdb-1) || fail "gdb session 1 (held while a second client was refused): $why"
elapsed_s secs "$t0" "${EPOCHREALTIME/./}"
note "gdb session over \\\\.\\COM5 (with the hold): ${secs}s"
wait_log "$TMP/c.log" ' info session .*route=c .*reason="client closed"' 10
line=$(session_lines c 'reason="client closed"' | sed -n 1p)
[[ $line == *" server=com5 server_transport=com "* ]] ||
	fail "session 1's line does not name the port: $line"
field up "$line" bytes_up
field down "$line" bytes_down
((up > 0 && down > 0)) || fail "session 1 moved bytes_up=$up bytes_down=$down: $line"
note "session 1: $line"

# Session 2: the port is free again.
t0=${EPOCHREALTIME/./}
gdb_session_script "$TMP/plain.gdb" "$C_PORT"
run_gdb gdb-2 "$TMP/plain.gdb"
why=$(check_session gdb-2) || fail "gdb session 2 (after the first ended): $why"
elapsed_s secs "$t0" "${EPOCHREALTIME/./}"
note "gdb session over \\\\.\\COM5: ${secs}s"
_alive "$GS_PID" || fail "gdbserver exited"
bridge_running c
win_stop_bridge c
note "ok"
