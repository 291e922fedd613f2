#!/usr/bin/env bash
# gdb_pipes.sh: a real debugger session through two bridges over pipes.
#
#   gdb --(pipe target: socat)--> npipe DbgIn: bridge a
#       --spipe DbgSec (TLS over the Unix socket)--> bridge b
#       --tcp--> gdbserver --multi 127.0.0.1:GS
#
# Both bridges share one pipe_dir ($TMP/pipes, mode 0700): b serves DbgSec
# there and a connects to it (doc/design.md "npipe off Windows": pipe_dir/NAME;
# spipe is TLS over the same socket).  Asserts:
#   - a socket left at a's pipe path by a process that ended (stale) is
#     removed (a says so) and a serves a fresh socket there;
#   - both pipe sockets exist with mode 0600 (pipe_mode's default);
#   - gdb runs the target to `break step if i == 37` and sees the values
#     target.c documents (bt, print, finish), twice; gdbserver survives
#     `disconnect`;
#   - each session ends with one session line on each bridge: npipe -> spipe
#     on a and spipe -> tcp on b, peers named by their socket paths, TLS 1.3
#     and b's subject on a, TLS 1.3 on b's client side, bytes > 0 and the
#     same counts on both bridges, reason="client closed";
#   - a second dbgbridge serving the same live pipe fails at once: exit 1 and
#     a message naming the pipe; the socket stays and a keeps serving it; its
#     check whether the pipe is live opens no session through a to b (a
#     connection there would reach the process server);
#   - SIGTERM: both bridges exit 0 and remove their sockets.
# What does not match the contract is collected and reported together at
# the end (with the log lines), so one defect does not hide the others.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gdb_lib.sh"

need_prog gdb gdbserver openssl ss timeout socat stat
need_bin "$DBGBRIDGE" "$E2E_BIN/target"
TARGET=$E2E_BIN/target

free_port GS_PORT

PIPES=$TMP/pipes
mkdir -m 0700 "$PIPES"
IN=$PIPES/DbgIn
SEC=$PIPES/DbgSec

mkdir "$TMP/store"
make_cert bridge-b dbgbridge-e2e-pipes-b "$TMP/store"
B_CN=dbgbridge-e2e-pipes-b

cat >"$TMP/a.ini" <<EOF
[gateway]
log_level = debug
pipe_dir = $PIPES

[route a]
serve = npipe:pipe=DbgIn
connect = spipe:proto=tls1,certuser=$TMP/store/bridge-b.crt,server=.,pipe=DbgSec
connect_timeout = 10s
handshake_timeout = 10s
drain_timeout = 30s
persist = yes
EOF

cat >"$TMP/b.ini" <<EOF
[gateway]
log_level = debug
pipe_dir = $PIPES

[tls]
user_store = $TMP/store

[route b]
serve = spipe:proto=tls1,certuser=bridge-b,pipe=DbgSec
connect = tcp:server=127.0.0.1,port=$GS_PORT
connect_timeout = 10s
handshake_timeout = 10s
drain_timeout = 30s
persist = yes
EOF

DEFECTS=()
# defect MSG: the daemon broke the contract here; go on, fail at the end.
defect() {
	DEFECTS+=("$*")
	printf '# DEFECT: %s\n' "$*"
}

# ---------------------------------------------------------------- gdb
# gdb_session_script, run_gdb and check_session: gdb_lib.sh.

# ---------------------------------------------------------------- log lines

# check_pipe_line LINE ROUTE CT ST: LINE is a complete session line in the
# daemon's field order; spipe links add SIDE_tls=TLSv1.x right after their
# transport, and SIDE_tls_peer="SUBJECT" when that peer showed a certificate.
check_pipe_line() {
	local line=$1 route=$2 ct=$3 st=$4 ctls='' stls=''
	[[ $ct == spipe || $ct == ssl ]] && ctls=' client_tls=TLSv1\.[23]( client_tls_peer="[^"]*")?'
	[[ $st == spipe || $st == ssl ]] && stls=' server_tls=TLSv1\.[23]( server_tls_peer="[^"]*")?'
	local re="^$E2E_TS info session [0-9]+ route=$route client=[^ ]+ client_transport=$ct$ctls server=[^ ]+ server_transport=$st$stls bytes_up=[0-9]+ bytes_down=[0-9]+ duration_ms=[0-9]+ reason=\"[^\"]*\"\$"
	[[ $line =~ $re ]] ||
		fail "session line does not have the daemon's form (route=$route $ct->$st): $line"
}

# want_field LINE KEY VALUE WHAT: a defect unless KEY's value is VALUE.
want_field() {
	local v
	field v "$1" "$2"
	[[ $v == "$3" ]] || defect "$4: $2=\"$v\", want \"$3\": $1"
}

# gdb_lines VAR NAME: bridge NAME's session lines of gdb sessions (the ones
# that moved bytes both ways), in order, into the array VAR.
gdb_lines() {
	mapfile -t "$1" < <(session_lines "$2" ' bytes_up=[1-9][0-9]* bytes_down=[1-9]')
}

# check_session_lines N: the N-th gdb session's line on both bridges.
check_session_lines() {
	local n=$1 la lb up_a down_a up_b down_b
	local -a A B
	_gdb_n() { local -a x; gdb_lines x "$1"; ((${#x[@]} >= $2)); }
	_poll 10 _gdb_n a "$n" || fail "a logged no session line with bytes both ways for gdb session $n"
	_poll 10 _gdb_n b "$n" || fail "b logged no session line with bytes both ways for gdb session $n"
	gdb_lines A a
	gdb_lines B b
	la=${A[n - 1]}
	lb=${B[n - 1]}
	check_pipe_line "$la" a npipe spipe
	check_pipe_line "$lb" b spipe tcp
	want_field "$la" reason "client closed" "a: session $n"
	want_field "$lb" reason "client closed" "b: session $n"
	want_field "$la" client "$IN" "a: session $n: the client's peer is the socket path"
	want_field "$la" server "$SEC" "a: session $n: the server's peer is the socket path"
	want_field "$la" server_tls TLSv1.3 "a: session $n (both ends are OpenSSL 3)"
	want_field "$la" server_tls_peer "CN=$B_CN" "a: session $n: the pinned server's subject"
	want_field "$lb" client "$SEC" "b: session $n: the client's peer is the socket path"
	want_field "$lb" client_tls TLSv1.3 "b: session $n (both ends are OpenSSL 3)"
	want_field "$lb" server "127.0.0.1:$GS_PORT" "b: session $n"
	[[ $lb != *client_tls_peer=* ]] ||
		defect "b: session $n: a showed no client certificate, yet: $lb"
	field up_a "$la" bytes_up
	field down_a "$la" bytes_down
	field up_b "$lb" bytes_up
	field down_b "$lb" bytes_down
	# One byte stream, relayed unchanged: both hops count the same bytes.
	[[ $up_a == "$up_b" && $down_a == "$down_b" ]] ||
		defect "session $n: a counted up=$up_a down=$down_a but b up=$up_b down=$down_b"
	note "session $n: a: $la"
	note "session $n: b: $lb"
}

# sock_mode PATH: "socket MODE" of PATH, or what it is instead.
sock_mode() {
	if [[ -S $1 ]]; then
		printf 'socket %s' "$(stat -c %a -- "$1")"
	elif [[ -e $1 || -L $1 ]]; then
		printf 'not a socket (%s)' "$(stat -c %F -- "$1")"
	else
		printf 'missing'
	fi
}

# ---------------------------------------------------------------- run

spawn gdbserver gdbserver --multi "127.0.0.1:$GS_PORT"
GS_PID=$SPAWN_PID
wait_listen "$GS_PORT"

# 1. Direct, as the reference: when this fails the environment cannot
# debug (the daemon is not involved yet).
gdb_session_script "$TMP/session-direct.gdb" "target extended-remote 127.0.0.1:$GS_PORT"
run_gdb gdb-direct "$TMP/session-direct.gdb"
if ! why=$(check_session gdb-direct); then
	if grep -q -i -E 'ptrace|operation not permitted' "$TMP/gdb-direct.out" "$TMP/gdbserver.out"; then
		skip "gdbserver cannot debug here (ptrace not permitted): $why"
	fi
	hard_error "gdb -> gdbserver without the bridges failed: $why"
fi
_alive "$GS_PID" || hard_error "gdbserver exited after a direct session"

# 2. A stale socket where a will serve: bound by a process that then died
# without removing it.
# (In a subshell of its own, so that the shell's "Killed" stays quiet.)
(
	socat -u "UNIX-LISTEN:$IN,unlink-close=0" /dev/null &
	sp=$!
	for ((i = 0; i < 200; i++)); do
		[[ -S $IN ]] && break
		sleep 0.05
	done
	kill -KILL "$sp"
	wait "$sp" 2>/dev/null || true
) >"$TMP/stale.out" 2>&1 || true
[[ -S $IN ]] || hard_error "no stale socket at $IN: $(cat "$TMP/stale.out")"
if timeout 5 socat -u /dev/null "UNIX-CONNECT:$IN" 2>"$TMP/stale-probe.err"; then
	hard_error "the stale socket at $IN still accepts connections"
fi
grep -q 'Connection refused' "$TMP/stale-probe.err" ||
	hard_error "probing the stale socket: $(cat "$TMP/stale-probe.err")"

start_bridge b "$TMP/b.ini"
wait_log "$TMP/b.log" "^$E2E_TS info route b serving spipe:proto=tls1,certuser=bridge-b,pipe=DbgSec on $SEC\$"
start_bridge a "$TMP/a.ini"
wait_log "$TMP/a.log" "^$E2E_TS info route a serving npipe:pipe=DbgIn on $IN\$"
wait_log "$TMP/a.log" "^$E2E_TS info $IN: removed a stale socket"
note "stale: $(log_lines "$TMP/a.log" 'removed a stale socket')"

# 3. The sockets: mode 0600 (pipe_mode's default), owned by us.
for s in "$IN" "$SEC"; do
	m=$(sock_mode "$s")
	[[ $m == "socket 600" ]] || defect "$s: $m, want a socket with mode 600 (pipe_mode's default)"
done
IN_INODE=$(stat -c %i -- "$IN")

# 4. Through the bridges: gdb's pipe target runs socat to the npipe.
gdb_session_script "$TMP/session-pipes.gdb" "target extended-remote | socat - UNIX-CONNECT:$IN"
run_gdb gdb-pipes-1 "$TMP/session-pipes.gdb"
why=$(check_session gdb-pipes-1) ||
	fail "gdb session 1 through the pipes: $why (see gdb-pipes-1.out)"
check_session_lines 1
_alive "$GS_PID" || fail "gdbserver exited after gdb disconnected (session 1)"
bridge_running a
bridge_running b

# 5. A second dbgbridge on the same live pipe: refused at once, exit 1,
# naming the pipe; the first one's socket stays and is still served.  Its
# check whether the pipe is live must not reach the process server: a
# connection to a is a session, and a connects upstream for it (with a tcp
# upstream, gdbserver --multi exits when a connection closes before its
# first packet).
a_lines=$(session_lines a | wc -l)
b_lines=$(session_lines b | wc -l)
rc=0
timeout -k 2 15 "$DBGBRIDGE" -f "$TMP/a.ini" </dev/null >"$TMP/second.out" 2>"$TMP/second.log" || rc=$?
[[ $rc != 124 && $rc != 137 ]] || fail "a second dbgbridge on the live pipe $IN still ran after 15 s"
[[ $rc == 1 ]] || defect "a second dbgbridge on the live pipe $IN exited with status $rc, want 1: $(cat "$TMP/second.log")"
grep -F -q -- "$IN" "$TMP/second.log" ||
	defect "the second dbgbridge's message does not name the pipe $IN: $(cat "$TMP/second.log")"
grep -F -q -- "another live process serves this pipe" "$TMP/second.log" ||
	defect "the second dbgbridge does not say a live process serves the pipe: $(cat "$TMP/second.log")"
note "second dbgbridge (exit $rc): $(tr '\n' ' ' <"$TMP/second.log")"
[[ -S $IN && $(stat -c %i -- "$IN") == "$IN_INODE" ]] ||
	fail "the second dbgbridge removed or replaced a's live socket $IN ($(sock_mode "$IN"))"
bridge_running a
_b_more() { (($(session_lines b | wc -l) > b_lines)); }
if _poll 2 _b_more; then
	defect "starting a second dbgbridge on the live pipe opened a session on a that reached its upstream (b): a: $(session_lines a | sed -n "$((a_lines + 1)),\$p" | tr '\n' ' ') b: $(session_lines b | sed -n "$((b_lines + 1)),\$p" | tr '\n' ' ')"
fi
_alive "$GS_PID" || fail "gdbserver exited when a second dbgbridge was started on the live pipe"

# 6. A second gdb session: the route, b and gdbserver are ready for more.
run_gdb gdb-pipes-2 "$TMP/session-pipes.gdb"
why=$(check_session gdb-pipes-2) ||
	fail "gdb session 2 through the pipes: $why (see gdb-pipes-2.out)"
check_session_lines 2
_alive "$GS_PID" || fail "gdbserver exited after gdb disconnected (session 2)"
elapsed_s s_direct 0 "$GDB_US"
note "gdb session through npipe -> spipe -> tcp: ${s_direct}s (information only)"

# 7. SIGTERM: exit 0, sockets gone.
stop_bridge a
stop_bridge b
for s in "$IN" "$SEC"; do
	m=$(sock_mode "$s")
	[[ $m == missing ]] || defect "$s after SIGTERM: $m, want it removed"
done
for b in a b; do
	gdb_lines L "$b"
	((${#L[@]} == 2)) || defect "$b logged ${#L[@]} session lines with bytes both ways for 2 gdb sessions"
	n=$(session_lines "$b" | wc -l)
	((n == 2)) || note "$b logged $n session lines in all (2 gdb sessions)"
done

if ((${#DEFECTS[@]})); then
	fail "$(printf '%s\n' "${#DEFECTS[@]} defect(s):" "${DEFECTS[@]}")"
fi
note "gdb_pipes: all passed"
