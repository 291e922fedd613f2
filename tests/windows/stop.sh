#!/usr/bin/env bash
# stop.sh: Ctrl-C stops dbgbridge.exe the way SIGINT stops the Linux
# daemon (dbgbridge(8) "SIGNALS"; doc/design.md "Building for Windows"):
# with a session open and idle, the log says "Interrupt: stopping", the
# session is reset at stop_timeout (reason="stopped: deadline"), the client
# sees its connection end, and the program exits 0.
#
# The Ctrl-C is a Linux SIGINT to the wine process: wine hands it to a
# console program as CTRL_C_EVENT, which the C runtime raises as SIGINT (the
# Win32 docs, "CTRL+C and CTRL+BREAK Signals").  Ctrl-Break and closing the
# console (SIGTERM in osdep-win32.c) cannot be sent from here.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/lib.sh"

need_prog ss timeout
free_port A_PORT
free_port S_PORT
cat >"$TMP/a.ini" <<EOF
[gateway]
log_level = info
stop_timeout = 2s

[route a]
serve = tcp:port=$A_PORT
connect = tcp:server=127.0.0.1,port=$S_PORT
bind = 127.0.0.1
EOF
spawn echo "$E2E_BIN/loadpeer" echo "$S_PORT" 60
wait_listen "$S_PORT"
start_exe a -f "$TMP/a.ini"
wait_listen "$A_PORT" 30

spawn idle-client bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
	echo connected
	cat <&3 >/dev/null
	echo closed' _ "$A_PORT"
IDLE_PID=$SPAWN_PID
wait_log "$TMP/idle-client.out" '^connected$' 10
_upstream_up() { [[ -n $(ss -tnH state established "( dport = :$S_PORT )") ]]; }
_poll 10 _upstream_up || fail "dbgbridge.exe did not connect to the server"

pid=${E2E_BRIDGE_PID[a]}
kill -INT "$pid"
wait_exit "$pid" 20 || fail "dbgbridge.exe still runs 20 s after Ctrl-C (stop_timeout = 2s)"
reap "$pid" rc
[[ $rc == 0 ]] || fail "dbgbridge.exe exited with status $rc after Ctrl-C (want 0)"
wait_exit "$IDLE_PID" 10 || fail "the client's connection did not end"
grep -q ' info Interrupt: stopping' "$TMP/a.log" || fail "no 'Interrupt: stopping' in the log"
line=$(grep -E ' info session .*reason=' "$TMP/a.log" | tr -d '\r' | head -1)
[[ $line == *'reason="stopped: deadline"'* ]] ||
	fail "the open session did not end at the stop deadline: $line"
note "Ctrl-C: $line"
