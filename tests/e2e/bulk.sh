#!/usr/bin/env bash
# bulk.sh: 256 MiB each way at the same time through the TLS bridge,
#
#   bulkpeer connect --tcp--> bridge a --ssl--> bridge b --tcp--> bulkpeer listen
#
# arrives complete, in order and byte for byte (bulkpeer checks every byte
# and the half-close at exactly 256 MiB), and both bridges' session lines
# count 268435456 bytes each way (doc/design.md "The byte stream": large
# transfers run near line rate and are never cut short at close).
# Prints the throughput (information only).
#
# Then, with a second session open and idle (socat echoing, the client
# silent), SIGTERM to a: a exits 0 at its stop deadline (stop_timeout = 3s)
# plus slack, the client sees its connection end, and the session's one line
# says reason="stopped: deadline".
. "$(dirname "$0")/lib.sh"

need_prog openssl ss timeout
need_bin "$DBGBRIDGE" "$E2E_BIN/bulkpeer"
BULKPEER=$E2E_BIN/bulkpeer

BYTES=268435456		# 256 MiB each way
SEED=$((RANDOM * 32768 + RANDOM))
LIMIT=300		# seconds bulkpeer allows for the whole transfer

free_port S_PORT
free_port A_PORT
free_port B_PORT
make_cert bulk-b dbgbridge-e2e-bulk

cat >"$TMP/a.ini" <<EOF
[gateway]
log_level = info
stop_timeout = 3s

[route a]
serve = tcp:port=$A_PORT
connect = ssl:proto=tls1,certuser=$TMP/bulk-b.crt,server=127.0.0.1,port=$B_PORT
bind = 127.0.0.1
connect_timeout = 10s
handshake_timeout = 10s
; a deadline from the first half-close: one direction may end well before
; the other, most of all under valgrind
drain_timeout = 5m
persist = yes
EOF

cat >"$TMP/b.ini" <<EOF
[gateway]
log_level = info

[route b]
serve = ssl:proto=tls1,certuser=$TMP/bulk-b.pem,port=$B_PORT
connect = tcp:server=127.0.0.1,port=$S_PORT
bind = 127.0.0.1
connect_timeout = 10s
handshake_timeout = 10s
; a deadline from the first half-close: one direction may end well before
; the other, most of all under valgrind
drain_timeout = 5m
persist = yes
EOF

spawn server "$BULKPEER" listen "$S_PORT" "$BYTES" "$SEED" "$LIMIT"
SERVER_PID=$SPAWN_PID
wait_listen "$S_PORT"

start_bridge b "$TMP/b.ini"
start_bridge a "$TMP/a.ini"
wait_listen "$B_PORT"
wait_listen "$A_PORT"
wait_log "$TMP/b.log" " info route b serving .* on 127\\.0\\.0\\.1:$B_PORT\$"
wait_log "$TMP/a.log" " info route a serving .* on 127\\.0\\.0\\.1:$A_PORT\$"

note "seed $SEED; $BYTES bytes each way"
t0=${EPOCHREALTIME/./}
spawn client "$BULKPEER" connect "$A_PORT" "$BYTES" "$SEED" "$LIMIT"
CLIENT_PID=$SPAWN_PID

# bulkpeer enforces LIMIT itself; the extra seconds only cover its exit.
wait_exit "$CLIENT_PID" $((LIMIT + 10)) || fail "bulkpeer connect still runs after $((LIMIT + 10)) s"
t1=${EPOCHREALTIME/./}
wait_exit "$SERVER_PID" 30 || fail "bulkpeer listen still runs 30 s after the other end finished"
reap "$CLIENT_PID" client_rc
reap "$SERVER_PID" server_rc
client_out=$(<"$TMP/client.out")
server_out=$(<"$TMP/server.out")
[[ $client_rc == 0 ]] || fail "bulkpeer connect (client side of a) failed with status $client_rc: $client_out"
[[ $server_rc == 0 ]] || fail "bulkpeer listen (server side of b) failed with status $server_rc: $server_out"
want="ok sent=$BYTES received=$BYTES"
[[ $client_out == "$want" ]] || fail "bulkpeer connect printed '$client_out', want '$want'"
[[ $server_out == "$want" ]] || fail "bulkpeer listen printed '$server_out', want '$want'"

elapsed_s secs "$t0" "$t1"
note "$(awk -v us=$((t1 - t0)) -v b="$BYTES" 'BEGIN {
	mib = b / 1048576; s = us / 1e6
	printf "throughput: %d MiB each way in %.2f s = %.1f MiB/s each way, %.1f MiB/s both ways (information only)", mib, s, mib / s, 2 * mib / s
}')"

wait_log "$TMP/a.log" ' info session .*reason=' 30
wait_log "$TMP/b.log" ' info session .*reason=' 30
for b in a b; do
	line=$(session_lines "$b" | head -n 1)
	if [[ $b == a ]]; then
		check_session_line "$line" a tcp ssl
	else
		check_session_line "$line" b ssl tcp
	fi
	field up "$line" bytes_up
	field down "$line" bytes_down
	field why "$line" reason
	[[ $up == "$BYTES" && $down == "$BYTES" ]] ||
		fail "$b: bytes_up=$up bytes_down=$down, want $BYTES each: $line"
	[[ $why == "client closed" || $why == "server closed" ]] ||
		fail "$b: a completed transfer ended with reason=\"$why\", want client or server closed: $line"
	note "$b: $line"
done

# 2. SIGTERM while a session is open.
if ! command -v socat >/dev/null 2>&1; then
	note "socat is not installed: the SIGTERM-with-an-open-session part is not run"
	stop_bridge a
	stop_bridge b
	note "bulk: all passed"
	exit 0
fi
spawn idle-server socat -T 120 "TCP-LISTEN:$S_PORT,bind=127.0.0.1,reuseaddr" PIPE
wait_listen "$S_PORT"
spawn idle-client bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
	echo connected
	cat <&3 >/dev/null
	echo closed' _ "$A_PORT"
IDLE_PID=$SPAWN_PID
wait_log "$TMP/idle-client.out" '^connected$' 10
# The session is relaying once b's link to the silent server is up.
_upstream_up() { [[ -n $(ss -tnH state established "( sport = :$S_PORT )") ]]; }
_poll 10 _upstream_up || fail "b did not connect to the process server for the second session"
t0=${EPOCHREALTIME/./}
stop_bridge a
t1=${EPOCHREALTIME/./}
elapsed_s secs "$t0" "$t1"
((t1 - t0 < 15000000)) || fail "a took ${secs}s to exit after SIGTERM with stop_timeout = 3s"
note "a exited 0 ${secs}s after SIGTERM with one idle session open (stop_timeout = 3s)"
wait_exit "$IDLE_PID" 10 || fail "the open session's client is still connected after a exited"
wait_log "$TMP/idle-client.out" '^closed$' 5
n=$(session_lines a | wc -l)
[[ $n == 2 ]] || fail "a logged $n session lines for 2 sessions"
line=$(session_lines a | sed -n 2p)
field why "$line" reason
[[ $why == "stopped: deadline" ]] ||
	fail "a: the session open at SIGTERM ended with reason=\"$why\", want \"stopped: deadline\": $line"
note "a: $line"
wait_log "$TMP/b.log" ' info session .*reason=' 15 2
note "b: $(session_lines b | sed -n 2p)"
stop_bridge b
note "bulk: all passed"
