#!/usr/bin/env bash
# bulk_handles.sh: 64 MiB each way at once, byte-exact, through every
# Windows handle transport pair of dbgbridge.exe under wine (doc/design.md
# "Windows handles"; tests/e2e/bulkpeer checks every byte):
#
#   1. npipe: bulkpeer connect --tcp--> a.exe --\\.\pipe\NAME--> b.exe
#             --tcp--> bulkpeer listen
#   2. com, connect side: bulkpeer connect --tcp--> c.exe --COM6-->
#             pty =socat= pty <-- bulkpeer tty (server side)
#   3. com, serve side:   bulkpeer tty (client side) --> pty =socat= pty
#             = COM7 <--com-- c.exe --tcp--> bulkpeer listen
#
# bulkpeer runs exact (-e): a pipe cannot half-close (the pump closes it when
# one side ends, doc/design.md "Windows handles") and a serial line has no
# end of stream, so each end sends and receives exactly BYTES and then
# half-closes its socket and expects an end of stream with no byte more: the
# half-close travels through the pipe as the pipe's close.  Each session line
# counts exactly BYTES each way.  HANDLES_BULK_BYTES sets the size (default
# 64 MiB), HANDLES_BULK_PARTS which of the three run (default "npipe
# com-connect com-serve"); the throughput is printed (information only).
. "$(dirname "$0")/handles.bash"

need_prog socat timeout
need_bin "$E2E_BIN/bulkpeer"
BULKPEER=$E2E_BIN/bulkpeer

BYTES=${HANDLES_BULK_BYTES:-67108864}
PARTS=" ${HANDLES_BULK_PARTS:-npipe com-connect com-serve} "
SEED=$((RANDOM * 32768 + RANDOM))
LIMIT=600

free_port A_PORT
free_port S_PORT
free_port C_PORT
free_port E_PORT
PIPE=Bulk-$$

start_ptys socat-6 "$TMP/tty-6" "$TMP/tty-6-peer"
map_com 6 "$TMP/tty-6"
start_ptys socat-7 "$TMP/tty-7" "$TMP/tty-7-peer"
map_com 7 "$TMP/tty-7"

cat >"$TMP/b.ini" <<EOF
[gateway]
log_level = info
control = \\\\.\\pipe\\dbgbridge-test-bulk-b-$$

[route b]
serve = npipe:pipe=$PIPE
connect = tcp:server=127.0.0.1,port=$S_PORT
connect_timeout = 10s
drain_timeout = 5m
persist = yes
EOF
cat >"$TMP/a.ini" <<EOF
[gateway]
log_level = info
control = \\\\.\\pipe\\dbgbridge-test-bulk-a-$$

[route a]
serve = tcp:port=$A_PORT
bind = 127.0.0.1
connect = npipe:server=.,pipe=$PIPE
connect_timeout = 10s
drain_timeout = 5m
persist = yes
EOF
cat >"$TMP/c.ini" <<EOF
[gateway]
log_level = info
control = \\\\.\\pipe\\dbgbridge-test-bulk-c-$$

[route cc]
serve = tcp:port=$C_PORT
bind = 127.0.0.1
connect = com:port=com6,baud=115200,channel=0
connect_timeout = 10s
drain_timeout = 5m
persist = yes

[route cs]
serve = com:port=com7,baud=115200,channel=0
connect = tcp:server=127.0.0.1,port=$E_PORT
connect_timeout = 10s
drain_timeout = 5m
persist = yes
EOF
start_bridge b "$TMP/b.ini"
win_wait_serving b b
start_bridge a "$TMP/a.ini"
start_bridge c "$TMP/c.ini"
wait_listen "$A_PORT" 30
wait_listen "$C_PORT" 30
win_wait_serving c cs

# pair NAME PORT CLIENT-ARGS -- SERVER-ARGS: run both bulkpeers (the server
# end first; PORT: wait until it listens there, or - ), assert both ok.
pair() {
	local name=$1 port=$2 cargs=() sargs=() crc src t0 secs
	shift 2
	while [[ $1 != -- ]]; do cargs+=("$1"); shift; done
	shift
	sargs=("$@")
	t0=${EPOCHREALTIME/./}
	spawn "$name-server" "$BULKPEER" "${sargs[@]}"
	local spid=$SPAWN_PID
	[[ $port == - ]] || wait_listen "$port"
	spawn "$name-client" "$BULKPEER" "${cargs[@]}"
	local cpid=$SPAWN_PID
	wait_exit "$cpid" $((LIMIT + 10)) || fail "$name: the client end still runs"
	wait_exit "$spid" 30 || fail "$name: the server end still runs 30 s after the client's"
	reap "$cpid" crc
	reap "$spid" src
	[[ $crc == 0 ]] || fail "$name: client end: $(cat "$TMP/$name-client.out")"
	[[ $src == 0 ]] || fail "$name: server end: $(cat "$TMP/$name-server.out")"
	elapsed_s secs "$t0" "${EPOCHREALTIME/./}"
	note "$name: $BYTES bytes each way in ${secs}s"
}

# bytes_line LOG ROUTE: the route's session line counts BYTES each way.
bytes_line() {
	local line up down
	wait_log "$TMP/$1.log" " info session [0-9]+ route=$2 " 30
	line=$(session_lines "$1" "route=$2 " | tail -n 1)
	field up "$line" bytes_up
	field down "$line" bytes_down
	[[ $up == "$BYTES" && $down == "$BYTES" ]] ||
		fail "$1/$2 counted bytes_up=$up bytes_down=$down, want $BYTES: $line"
}

note "seed $SEED; $BYTES bytes each way"

# 1. npipe
if [[ $PARTS == *" npipe "* ]]; then
	pair npipe "$S_PORT" -e connect "$A_PORT" "$BYTES" "$SEED" "$LIMIT" -- \
		-e listen "$S_PORT" "$BYTES" "$SEED" "$LIMIT"
	bytes_line a a
	bytes_line b b
fi

# 2. com, connect side: the tty end speaks only when spoken to (-w), as a
# process server does; the bridge flushes what the line held before.
if [[ $PARTS == *" com-connect "* ]]; then
	pair com-connect - -e connect "$C_PORT" "$BYTES" "$SEED" "$LIMIT" -- \
		-w -s server tty "$TMP/tty-6-peer" "$BYTES" "$SEED" "$LIMIT"
	bytes_line c cc
fi

# 3. com, serve side.
if [[ $PARTS == *" com-serve "* ]]; then
	spawn com-serve-server "$BULKPEER" -e listen "$E_PORT" "$BYTES" "$SEED" "$LIMIT"
	SPID=$SPAWN_PID
	wait_listen "$E_PORT"
	t0=${EPOCHREALTIME/./}
	spawn com-serve-client "$BULKPEER" -s client tty "$TMP/tty-7-peer" "$BYTES" "$SEED" "$LIMIT"
	CPID=$SPAWN_PID
	wait_exit "$CPID" $((LIMIT + 10)) || fail "com-serve: the tty end still runs"
	wait_exit "$SPID" 30 || fail "com-serve: the tcp end still runs 30 s after the tty end"
	reap "$CPID" crc
	reap "$SPID" src
	[[ $crc == 0 ]] || fail "com-serve: tty end: $(cat "$TMP/com-serve-client.out")"
	[[ $src == 0 ]] || fail "com-serve: tcp end: $(cat "$TMP/com-serve-server.out")"
	elapsed_s secs "$t0" "${EPOCHREALTIME/./}"
	note "com-serve: $BYTES bytes each way in ${secs}s"
	bytes_line c cs
fi

win_stop_bridge a
win_stop_bridge b
win_stop_bridge c
note "ok"
