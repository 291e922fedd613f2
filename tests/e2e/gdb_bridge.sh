#!/usr/bin/env bash
# gdb_bridge.sh: a real debugger session through two bridges and TLS.
#
#   gdb --tcp--> bridge a --ssl--> bridge b --tcp--> gdbserver --multi
#
# Bridge b serves the certificate "bridge-b" from its [tls] user_store (a
# name); bridge a pins it by path to the certificate alone.  Asserts:
#   - gdb runs the target to `break step if i == 37` and sees the values
#     target.c documents (bt, print, finish), twice in a row through the
#     bridges; gdbserver survives `disconnect` (doc/design.md "Semantics":
#     DisconnectProcessServer);
#   - each session ends with one session line on each bridge: the contract's
#     fields, TLS 1.3 and the server's subject on a, bytes > 0 and the same
#     counts on both bridges, reason="client closed";
#   - `monitor exit` reaches gdbserver (EndProcessServer): gdbserver exits, both
#     bridges keep running (persist = yes), the next client's session ends,
#     b logs reason="server refused" and a logs its side's reason;
#   - SIGTERM: both bridges exit 0.
# Prints the wall time of one session direct and through the bridges
# (information only).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gdb_lib.sh"

need_prog gdb gdbserver openssl ss timeout
need_bin "$DBGBRIDGE" "$E2E_BIN/target"
TARGET=$E2E_BIN/target

free_port GS_PORT
free_port A_PORT
free_port B_PORT

mkdir "$TMP/store"
make_cert bridge-b dbgbridge-e2e-b "$TMP/store"
B_CN=dbgbridge-e2e-b

cat >"$TMP/a.ini" <<EOF
[gateway]
log_level = debug

[route a]
serve = tcp:port=$A_PORT
connect = ssl:proto=tls1,certuser=$TMP/store/bridge-b.crt,server=127.0.0.1,port=$B_PORT
bind = 127.0.0.1
connect_timeout = 10s
handshake_timeout = 10s
drain_timeout = 30s
persist = yes
EOF

cat >"$TMP/b.ini" <<EOF
[gateway]
log_level = debug

[tls]
user_store = $TMP/store

[route b]
serve = ssl:proto=tls1,certuser=bridge-b,port=$B_PORT
connect = tcp:server=127.0.0.1,port=$GS_PORT
bind = 127.0.0.1
connect_timeout = 10s
handshake_timeout = 10s
drain_timeout = 30s
persist = yes
EOF

# ---------------------------------------------------------------- gdb
# gdb_session_script, run_gdb and check_session: gdb_lib.sh.

# ---------------------------------------------------------------- sessions

# check_session_lines N: the N-th session line of both bridges is one of a
# debugging session that gdb ended (reason="client closed"), with the same
# byte counts on both bridges.
check_session_lines() {
	local n=$1 la lb v up_a down_a up_b down_b
	wait_log "$TMP/a.log" ' info session .*reason=' 10 "$n"
	wait_log "$TMP/b.log" ' info session .*reason=' 10 "$n"
	la=$(session_lines a | sed -n "${n}p")
	lb=$(session_lines b | sed -n "${n}p")
	check_session_line "$la" a tcp ssl
	check_session_line "$lb" b ssl tcp
	field v "$la" reason
	[[ $v == "client closed" ]] || fail "a: session $n ended with reason=\"$v\", want \"client closed\": $la"
	field v "$lb" reason
	[[ $v == "client closed" ]] || fail "b: session $n ended with reason=\"$v\", want \"client closed\": $lb"
	field v "$la" server_tls
	[[ $v == TLSv1.3 ]] || fail "a: session $n: server_tls=$v, want TLSv1.3 (both ends are OpenSSL 3): $la"
	field v "$la" server_tls_peer
	[[ $v == "CN=$B_CN" ]] || fail "a: session $n: server_tls_peer=\"$v\", want \"CN=$B_CN\": $la"
	field v "$la" server
	[[ $v == "127.0.0.1:$B_PORT" ]] || fail "a: session $n: server=$v, want 127.0.0.1:$B_PORT"
	field v "$lb" server
	[[ $v == "127.0.0.1:$GS_PORT" ]] || fail "b: session $n: server=$v, want 127.0.0.1:$GS_PORT"
	field v "$la" client
	[[ $v == 127.0.0.1:* ]] || fail "a: session $n: client=$v, want 127.0.0.1:PORT"
	field up_a "$la" bytes_up
	field down_a "$la" bytes_down
	field up_b "$lb" bytes_up
	field down_b "$lb" bytes_down
	((up_a > 0 && down_a > 0)) || fail "a: session $n moved bytes_up=$up_a bytes_down=$down_a: $la"
	((up_b > 0 && down_b > 0)) || fail "b: session $n moved bytes_up=$up_b bytes_down=$down_b: $lb"
	# One byte stream, relayed unchanged: both hops count the same bytes.
	[[ $up_a == "$up_b" && $down_a == "$down_b" ]] ||
		fail "session $n: a counted up=$up_a down=$down_a but b up=$up_b down=$down_b"
	note "session $n: a: $la"
	note "session $n: b: $lb"
}

# ---------------------------------------------------------------- run

spawn gdbserver gdbserver --multi "127.0.0.1:$GS_PORT"
GS_PID=$SPAWN_PID
wait_listen "$GS_PORT"

# 1. Direct, as the reference: when this fails, the environment cannot
# debug (the daemon is not involved yet).
gdb_session_script "$TMP/session-direct.gdb" "$GS_PORT"
run_gdb gdb-direct "$TMP/session-direct.gdb"
if ! why=$(check_session gdb-direct); then
	if grep -q -i -E 'ptrace|operation not permitted' "$TMP/gdb-direct.out" "$TMP/gdbserver.out"; then
		skip "gdbserver cannot debug here (ptrace not permitted): $why"
	fi
	hard_error "gdb -> gdbserver without the bridges failed: $why"
fi
DIRECT_US=$GDB_US
_alive "$GS_PID" || hard_error "gdbserver exited after a direct session"
wait_listen "$GS_PORT"

start_bridge b "$TMP/b.ini"
start_bridge a "$TMP/a.ini"
wait_listen "$B_PORT"
wait_listen "$A_PORT"
wait_log "$TMP/b.log" "^$E2E_TS info route b serving ssl:proto=tls1,certuser=bridge-b,port=$B_PORT on 127\\.0\\.0\\.1:$B_PORT\$"
wait_log "$TMP/a.log" "^$E2E_TS info route a serving tcp:port=$A_PORT on 127\\.0\\.0\\.1:$A_PORT\$"

# 2. Through the bridges, twice: the second session shows that the first
# one's close left gdbserver and both routes ready for more.
gdb_session_script "$TMP/session-bridge.gdb" "$A_PORT"
for n in 1 2; do
	run_gdb "gdb-bridge-$n" "$TMP/session-bridge.gdb"
	why=$(check_session "gdb-bridge-$n") ||
		fail "gdb session $n through the bridges: $why (see gdb-bridge-$n.out)"
	[[ $n == 1 ]] && BRIDGE_US=$GDB_US
	check_session_lines "$n"
	_alive "$GS_PID" || fail "gdbserver exited after gdb disconnected (session $n)"
	bridge_running a
	bridge_running b
	wait_listen "$GS_PORT"
done

elapsed_s direct_s 0 "$DIRECT_US"
elapsed_s bridge_s 0 "$BRIDGE_US"
note "wall direct=${direct_s}s bridge=${bridge_s}s (one identical gdb session; information only)"

# 3. monitor exit: gdbserver ends itself (the in-band EndProcessServer).
cat >"$TMP/exit.gdb" <<EOF
set pagination off
set confirm off
set tcp connect-timeout 5
set remotetimeout 20
target extended-remote 127.0.0.1:$A_PORT
monitor exit
echo MARK-EXIT\\n
disconnect
EOF
run_gdb gdb-exit "$TMP/exit.gdb"
grep -q '^MARK-EXIT$' "$TMP/gdb-exit.out" ||
	fail "gdb could not send 'monitor exit' through the bridges (status $GDB_RC, see gdb-exit.out)"
wait_exit "$GS_PID" 15 || fail "gdbserver still runs 15 s after 'monitor exit' went through the bridges"
reap "$GS_PID" gs_rc
note "gdbserver exited with status $gs_rc after monitor exit"
wait_log "$TMP/a.log" ' info session .*reason=' 10 3
wait_log "$TMP/b.log" ' info session .*reason=' 10 3
for b in a b; do
	line=$(session_lines "$b" | sed -n 3p)
	field why "$line" reason
	[[ $why == "client closed" || $why == "server closed" ]] ||
		fail "$b: the 'monitor exit' session ended with reason=\"$why\", want client or server closed: $line"
done
bridge_running a
bridge_running b
wait_listen "$A_PORT"
wait_listen "$B_PORT"

# 4. The process server is gone: the next client reaches the bridges, its
# session ends, b's connect is refused.
cat >"$TMP/refused.gdb" <<EOF
set pagination off
set confirm off
set tcp connect-timeout 5
set remotetimeout 10
target extended-remote 127.0.0.1:$A_PORT
echo MARK-CONNECTED\\n
EOF
run_gdb gdb-refused "$TMP/refused.gdb"
! grep -q '^MARK-CONNECTED$' "$TMP/gdb-refused.out" ||
	fail "gdb connected to a process server that has exited (see gdb-refused.out)"
# The bridge ended the session (gdb's remotetimeout of 10 s would end it too,
# with another message).
grep -E -q 'Remote connection closed|Target disconnected|Connection reset' "$TMP/gdb-refused.out" ||
	fail "gdb did not see its connection end (see gdb-refused.out)"
((GDB_US < 20000000)) || fail "gdb took $((GDB_US / 1000000)) s to see its session end"
note "gdb said: $(grep -v '^$' "$TMP/gdb-refused.out" | tail -n 1)"
wait_log "$TMP/b.log" ' info session .*reason="server refused"' 15
wait_log "$TMP/a.log" ' info session .*reason=' 15 4
line=$(session_lines b | sed -n 4p)
field why "$line" reason
[[ $why == "server refused" ]] || fail "b: 4th session: reason=\"$why\", want \"server refused\": $line"
note "refused: b: $line"
line=$(session_lines a | sed -n 4p)
field why "$line" reason
[[ $why == "server closed" || $why == "server refused" ]] ||
	fail "a: the session b refused ended with reason=\"$why\", want \"server closed\" (b closed its link) or \"server refused\": $line"
note "refused: a: $line"
bridge_running a
bridge_running b

# 5. Exactly one line per session, then SIGTERM.
stop_bridge a
stop_bridge b
for b in a b; do
	n=$(session_lines "$b" | wc -l)
	[[ $n == 4 ]] || fail "$b logged $n session lines for 4 sessions"
done
note "gdb_bridge: all passed"
