#!/usr/bin/env bash
# gdb_com.sh: the com transport (doc/design.md "com") with a real debugger and
# with a byte-exact bulk transfer, over socat pseudo-terminal pairs.
#
# 1. connect = com:
#
#      gdb --tcp--> bridge (route c) --com--> tty-bridge =socat= tty-server
#                                                 <-- gdbserver --multi
#
#    Asserts:
#    - gdb runs the target to `break step if i == 37` and sees the values
#      target.c documents (bt, print, finish);
#    - while that session is attached (gdb stopped at the breakpoint), a
#      second client is refused: its connection ends and its session line
#      says reason="serial port busy"; the first session then goes on and
#      finishes with the right values (nothing of the second client reached
#      gdbserver);
#    - gdb disconnects: session line with server=DEVICE server_transport=com,
#      bytes both ways, reason="client closed"; the next gdb session through
#      the same port works (the port was freed);
#    - the device disappears under an attached client (socat killed): the
#      session ends, the client sees its connection end, the bridge says the
#      device hung up; the next client's session says "server unreachable:
#      DEVICE: No such file or directory".
# 2. serve = com:
#
#      bulkpeer tty --> tty-client =socat= tty-serve <--com-- bridge (route s)
#                                                  --tcp--> bulkpeer listen
#
#    4 MiB each way at once arrive intact (bulkpeer checks every byte); the
#    session line counts exactly that.  The pty pair is then killed: the
#    bridge warns once that it cannot open the device and retries with
#    backoff; socat is started again under the same names, the bridge logs
#    that the device is open again, and a second transfer is intact too.
# 3. SIGTERM: exit 0; one session line per session.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gdb_lib.sh"

need_prog gdb gdbserver socat ss timeout
need_bin "$DBGBRIDGE" "$E2E_BIN/target" "$E2E_BIN/bulkpeer"
TARGET=$E2E_BIN/target
BULKPEER=$E2E_BIN/bulkpeer

BYTES=4194304			# 4 MiB each way
SEED=$((RANDOM * 32768 + RANDOM))

free_port C_PORT
free_port E_PORT

# ---------------------------------------------------------------- ptys

_both_exist() { [[ -e $1 && -e $2 ]]; }

# start_ptys NAME A B: a socat pseudo-terminal pair whose ends are the
# symlinks A and B; waits until both exist.  Pid in PTYS_PID.
start_ptys() {
	spawn "$1" socat PTY,raw,echo=0,link="$2" PTY,raw,echo=0,link="$3"
	PTYS_PID=$SPAWN_PID
	_poll 10 _both_exist "$2" "$3" ||
		hard_error "socat did not make $2 and $3 within 10 s"
}

# stop_pid PID: SIGTERM, wait (bounded), reap.
stop_pid() {
	local rc
	kill -TERM "$1" 2>/dev/null || true
	wait_exit "$1" 10 || { kill -KILL "$1" 2>/dev/null || true; wait_exit "$1" 5 || true; }
	reap "$1" rc
}

# ---------------------------------------------------------------- gdb
# gdb_session_script, gdb_cmd, run_gdb and check_session: gdb_lib.sh.

# ---------------------------------------------------------------- log lines

# com_line N ROUTE: the N-th session line of ROUTE.
com_line() {
	session_lines c "route=$2 " | sed -n "$1p"
}

# check_c_line LINE [SERVER]: a session line of route c (tcp client, com
# server).  SERVER: what server= says (default the device, named even when
# the connect failed).
check_c_line() {
	local server=${2:-$TMP/tty-bridge}
	local re="^$E2E_TS info session [0-9]+ route=c client=127\\.0\\.0\\.1:[0-9]+ client_transport=tcp server=$server server_transport=com bytes_up=[0-9]+ bytes_down=[0-9]+ duration_ms=[0-9]+ reason=\"[^\"]*\"\$"
	[[ $1 =~ $re ]] || fail "route c session line does not have the daemon's form: $1"
}

# check_s_line LINE: a session line of route s (com client, tcp server).
check_s_line() {
	local re="^$E2E_TS info session [0-9]+ route=s client=$TMP/tty-serve client_transport=com server=127\\.0\\.0\\.1:$E_PORT server_transport=tcp bytes_up=[0-9]+ bytes_down=[0-9]+ duration_ms=[0-9]+ reason=\"[^\"]*\"\$"
	[[ $1 =~ $re ]] || fail "route s session line does not have the daemon's form: $1"
}

# ---------------------------------------------------------------- set up

start_ptys socat-c "$TMP/tty-bridge" "$TMP/tty-server"
SOCAT_C=$PTYS_PID
spawn gdbserver gdbserver --multi "$TMP/tty-server"
GS_PID=$SPAWN_PID
_poll 10 grep -q 'Remote debugging using' "$TMP/gdbserver.out" ||
	hard_error "gdbserver did not start on $TMP/tty-server"

start_ptys socat-s "$TMP/tty-serve" "$TMP/tty-client"
SOCAT_S=$PTYS_PID

cat >"$TMP/c.ini" <<EOF
[gateway]
log_level = debug

[route c]
serve = tcp:port=$C_PORT
bind = 127.0.0.1
connect = com:port=$TMP/tty-bridge,baud=115200,channel=0
connect_timeout = 10s
drain_timeout = 10s
persist = yes

[route s]
serve = com:port=$TMP/tty-serve,baud=115200,channel=0
connect = tcp:server=127.0.0.1,port=$E_PORT
connect_timeout = 10s
drain_timeout = 10s
persist = yes
EOF

start_bridge c "$TMP/c.ini"
wait_listen "$C_PORT"
wait_log "$TMP/c.log" "^$E2E_TS info route c serving tcp:port=$C_PORT on 127\\.0\\.0\\.1:$C_PORT\$"
wait_log "$TMP/c.log" "^$E2E_TS info route s serving com:port=$TMP/tty-serve,baud=115200,channel=0 on $TMP/tty-serve\$"

# ---------------------------------------------------------------- 1. connect = com

# Session 1, held at the breakpoint while a second client tries.
gdb_session_script "$TMP/hold.gdb" "$C_PORT" hold
gdb_cmd "$TMP/hold.gdb" </dev/null >"$TMP/gdb-1.out" 2>&1 &
GDB1_PID=$!
track "$GDB1_PID"
_poll 90 test -e "$TMP/hold" || fail "gdb session 1 did not reach the breakpoint within 90 s (see gdb-1.out)"
grep -q '^MARK-HOLD$' "$TMP/gdb-1.out" || fail "gdb session 1 is not at the hold point (see gdb-1.out)"

# Session 2: refused while session 1 holds the port.  It sends a packet
# that must not reach gdbserver.
rc=0
client_wait_eof "$C_PORT" 10 '$?#3f' || rc=$?
[[ $rc == 0 ]] || fail "second client: connection not ended by the bridge (status $rc; 124 = timeout)"
wait_log "$TMP/c.log" ' info session .*route=c .*reason="serial port busy"' 10
line=$(session_lines c 'reason="serial port busy"')
check_c_line "$line"
note "busy: $line"
_alive "$GDB1_PID" || fail "gdb session 1 ended when the second client was refused (see gdb-1.out)"

touch "$TMP/go"
wait_exit "$GDB1_PID" 60 || fail "gdb session 1 did not finish within 60 s of going on"
reap "$GDB1_PID" GDB_RC
why=$(check_session gdb-1) || fail "gdb session 1 (held while refused a second client): $why (see gdb-1.out)"
wait_log "$TMP/c.log" ' info session .*route=c .*reason="client closed"' 10
line=$(session_lines c 'reason="client closed"' | sed -n 1p)
check_c_line "$line"
field up "$line" bytes_up
field down "$line" bytes_down
((up > 0 && down > 0)) || fail "session 1 moved bytes_up=$up bytes_down=$down: $line"
note "session 1: $line"
# The busy session came and went while session 1 relayed: session 1 ends after it.
n1=$(grep -n -E ' info session .*reason="serial port busy"' "$TMP/c.log" | head -n 1 | cut -d: -f1)
n2=$(grep -n -E ' info session .*route=c .*reason="client closed"' "$TMP/c.log" | head -n 1 | cut -d: -f1)
((n1 < n2)) || fail "the busy session's line does not come before session 1's"

# Session 3: the port is free again, and gdbserver still serves.
gdb_session_script "$TMP/plain.gdb" "$C_PORT"
run_gdb gdb-3 "$TMP/plain.gdb"
why=$(check_session gdb-3) || fail "gdb session 3 (after the first ended): $why (see gdb-3.out)"
wait_log "$TMP/c.log" ' info session .*route=c .*reason="client closed"' 10 2
line=$(session_lines c 'reason="client closed"' | sed -n 2p)
check_c_line "$line"
note "session 3: $line"
_alive "$GS_PID" || fail "gdbserver exited"
bridge_running c

# The device disappears under an attached client.
stop_pid "$GS_PID"
exec 7<>"/dev/tcp/127.0.0.1/$C_PORT" || fail "cannot connect to route c"
wait_log "$TMP/c.log" ' debug session [0-9]+ connecting -> relaying' 10 3
stop_pid "$SOCAT_C"
rc=0
timeout 10 cat <&7 >/dev/null 2>&1 || rc=$?
exec 7<&-
[[ $rc == 0 ]] || fail "client attached when the device went away: connection not ended (status $rc)"
wait_log "$TMP/c.log" ' info session .*route=c .*reason="server device hung up"' 10
wait_log "$TMP/c.log" " warn com: /dev/pts/[0-9]+( \\(deleted\\))?: the device hung up" 10
note "device gone: $(session_lines c 'reason="server device hung up"')"
rc=0
client_wait_eof "$C_PORT" 10 || rc=$?
[[ $rc == 0 ]] || fail "client after the device went away: connection not ended (status $rc)"
wait_log "$TMP/c.log" " info session .*route=c .*reason=\"server unreachable: $TMP/tty-bridge: No such file or directory\"" 10
bridge_running c

# ---------------------------------------------------------------- 2. serve = com

# transfer N: one bulk transfer through route s; asserts both ends and the
# N-th session line of route s.
transfer() {
	local n=$1 crc src line up down
	spawn "bulk-server-$n" "$BULKPEER" -e listen "$E_PORT" "$BYTES" "$SEED" 60
	local spid=$SPAWN_PID
	wait_listen "$E_PORT"
	spawn "bulk-client-$n" "$BULKPEER" -s client tty "$TMP/tty-client" "$BYTES" "$SEED" 60
	local cpid=$SPAWN_PID
	wait_exit "$cpid" 70 || fail "transfer $n: bulkpeer tty still runs after 70 s"
	wait_exit "$spid" 20 || fail "transfer $n: bulkpeer listen still runs 20 s after the tty end finished"
	reap "$cpid" crc
	reap "$spid" src
	[[ $crc == 0 ]] || fail "transfer $n: tty end: $(cat "$TMP/bulk-client-$n.out")"
	[[ $src == 0 ]] || fail "transfer $n: tcp end: $(cat "$TMP/bulk-server-$n.out")"
	wait_log "$TMP/c.log" ' info session [0-9]+ route=s ' 20 "$n"
	line=$(session_lines c 'route=s ' | sed -n "${n}p")
	check_s_line "$line"
	field up "$line" bytes_up
	field down "$line" bytes_down
	[[ $up == "$BYTES" && $down == "$BYTES" ]] ||
		fail "transfer $n: session counted bytes_up=$up bytes_down=$down, want $BYTES each: $line"
	note "transfer $n: $line"
}

note "seed $SEED; $BYTES bytes each way"
transfer 1

# The device goes away (socat ends: its names vanish), and comes back.
stop_pid "$SOCAT_S"
wait_log "$TMP/c.log" " warn com: cannot open $TMP/tty-serve; retrying from 250 ms up to every 8 s: $TMP/tty-serve: No such file or directory" 15
start_ptys socat-s2 "$TMP/tty-serve" "$TMP/tty-client"
SOCAT_S=$PTYS_PID
wait_log "$TMP/c.log" " info com: $TMP/tty-serve: open again" 20
n=$(log_lines "$TMP/c.log" " warn com: cannot open $TMP/tty-serve" | wc -l)
[[ $n == 1 ]] || fail "$n 'cannot open' warnings for one streak of failures, want 1"
transfer 2
bridge_running c

# ---------------------------------------------------------------- 3. end

stop_bridge c
n=$(session_lines c | wc -l)
[[ $n == 7 ]] || fail "c logged $n session lines for 7 sessions"
bad=$(log_lines "$TMP/c.log" ' error ' | head -n 3)
[[ -z $bad ]] || fail "error lines in the log: $bad"
note "gdb_com: all passed"
