#!/usr/bin/env bash
# bulk_tcp.sh: 64 MiB each way at the same time through dbgbridge.exe,
#
#   bulkpeer connect --tcp--> dbgbridge.exe --tcp--> bulkpeer listen
#
# arrives complete, in order and byte for byte, each end half-closing after
# its last byte and reading the other's end of stream at exactly 64 MiB
# (tests/e2e/bulkpeer.c checks every byte); the session line counts 67108864
# bytes each way.  Prints the throughput (information only).
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/lib.sh"

need_prog ss timeout
need_bin "$E2E_BIN/bulkpeer"
BULKPEER=$E2E_BIN/bulkpeer
BYTES=67108864		# 64 MiB each way
SEED=$((RANDOM * 32768 + RANDOM))
LIMIT=300

free_port S_PORT
free_port A_PORT
cat >"$TMP/a.ini" <<EOF
[gateway]
log_level = info

[route a]
serve = tcp:port=$A_PORT
connect = tcp:server=127.0.0.1,port=$S_PORT
bind = 127.0.0.1
connect_timeout = 10s
drain_timeout = 5m
EOF

spawn server "$BULKPEER" listen "$S_PORT" "$BYTES" "$SEED" "$LIMIT"
SERVER_PID=$SPAWN_PID
wait_listen "$S_PORT"
start_exe a -f "$TMP/a.ini"
wait_listen "$A_PORT" 30

note "seed $SEED; $BYTES bytes each way"
t0=${EPOCHREALTIME/./}
spawn client "$BULKPEER" connect "$A_PORT" "$BYTES" "$SEED" "$LIMIT"
CLIENT_PID=$SPAWN_PID
wait_exit "$CLIENT_PID" $((LIMIT + 10)) || fail "bulkpeer connect still runs after $((LIMIT + 10)) s"
t1=${EPOCHREALTIME/./}
wait_exit "$SERVER_PID" 30 || fail "bulkpeer listen still runs 30 s after the other end finished"
reap "$CLIENT_PID" client_rc
reap "$SERVER_PID" server_rc
want="ok sent=$BYTES received=$BYTES"
[[ $client_rc == 0 && $(<"$TMP/client.out") == "$want" ]] ||
	fail "bulkpeer connect: status $client_rc, '$(<"$TMP/client.out")', want '$want'"
[[ $server_rc == 0 && $(<"$TMP/server.out") == "$want" ]] ||
	fail "bulkpeer listen: status $server_rc, '$(<"$TMP/server.out")', want '$want'"
note "$(awk -v us=$((t1 - t0)) -v b="$BYTES" 'BEGIN {
	printf "throughput: %d MiB each way in %.2f s (information only)", b / 1048576, us / 1e6 }')"

wait_log "$TMP/a.log" ' info session .*reason=' 30
line=$(grep -E ' info session .*reason=' "$TMP/a.log" | tr -d '\r' | head -1)
field up "$line" bytes_up
field down "$line" bytes_down
field why "$line" reason
[[ $up == "$BYTES" && $down == "$BYTES" ]] ||
	fail "bytes_up=$up bytes_down=$down, want $BYTES each: $line"
[[ $why == "client closed" || $why == "server closed" ]] ||
	fail "a completed transfer ended with reason=\"$why\": $line"
exe_running a
note "$line"
