#!/usr/bin/env bash
# tls_refused.sh: what is not the right TLS is refused, with a clear line in
# the log, and the bridge keeps serving.
#
#   client --tcp--> bridge a, route wrongpin (pins x) --ssl--> bridge b (serves y)
#   client --tcp--> bridge a, route good     (pins y) --ssl--> bridge b --tcp--> bulkpeer
#
# Asserts (doc/design.md "certuser= / machuser=", "proto="; session reasons):
#   1. pinned certificate x, served y: the client's session ends; a logs
#      reason="handshake failed: ..." naming the mismatch; b logs a handshake
#      failure too (the pin is checked in the handshake, so b hears an alert);
#   2. a client offering only TLS 1.1 is refused; b logs a handshake failure
#      about the protocol version;
#   3. a plain-text client sending garbage to b's ssl port is refused;
#   4. a client that sends nothing is dropped after handshake_timeout;
#   5. b never connects upstream for any of these (the bulkpeer behind b takes
#      one connection only), and a good session through route good still
#      moves 1 MiB each way afterwards, byte for byte.
. "$(dirname "$0")/lib.sh"

need_prog openssl ss timeout
need_bin "$DBGBRIDGE" "$E2E_BIN/bulkpeer"
BULKPEER=$E2E_BIN/bulkpeer

free_port S_PORT
free_port B_PORT
free_port W_PORT
free_port G_PORT
make_cert x tls-e2e-x
make_cert y tls-e2e-y

cat >"$TMP/a.ini" <<EOF
[gateway]
log_level = debug

[route wrongpin]
serve = tcp:port=$W_PORT
connect = ssl:proto=tls1,certuser=$TMP/x.crt,server=127.0.0.1,port=$B_PORT
bind = 127.0.0.1
connect_timeout = 10s
handshake_timeout = 10s
persist = yes

[route good]
serve = tcp:port=$G_PORT
connect = ssl:proto=tls1,certuser=$TMP/y.crt,server=127.0.0.1,port=$B_PORT
bind = 127.0.0.1
connect_timeout = 10s
handshake_timeout = 10s
persist = yes
EOF

cat >"$TMP/b.ini" <<EOF
[gateway]
log_level = debug

[route b]
serve = ssl:proto=tls1,certuser=$TMP/y.pem,port=$B_PORT
connect = tcp:server=127.0.0.1,port=$S_PORT
bind = 127.0.0.1
connect_timeout = 10s
handshake_timeout = 2s
persist = yes
EOF

SMALL=1048576
spawn upstream "$BULKPEER" listen "$S_PORT" "$SMALL" 7 120
UPSTREAM_PID=$SPAWN_PID
wait_listen "$S_PORT"

start_bridge b "$TMP/b.ini"
start_bridge a "$TMP/a.ini"
wait_listen "$B_PORT"
wait_listen "$W_PORT"
wait_listen "$G_PORT"
wait_log "$TMP/b.log" " info route b serving .* on 127\\.0\\.0\\.1:$B_PORT\$"
wait_log "$TMP/a.log" " info route wrongpin serving .* on 127\\.0\\.0\\.1:$W_PORT\$"
wait_log "$TMP/a.log" " info route good serving .* on 127\\.0\\.0\\.1:$G_PORT\$"

B_ENDED=' info session .*reason='

# b_reason N REGEX WHAT: the N-th session line of b ended in a handshake
# failure whose reason matches REGEX (case-insensitive).
b_reason() {
	local line why
	wait_log "$TMP/b.log" "$B_ENDED" 15 "$1"
	line=$(session_lines b | sed -n "$1p")
	field why "$line" reason
	shopt -s nocasematch
	[[ $why =~ $2 ]] || { shopt -u nocasematch; fail "b: $3: reason=\"$why\", want /$2/: $line"; }
	shopt -u nocasematch
	note "$3: b: $line"
}

# 1. Pin mismatch.
rc=0
client_wait_eof "$W_PORT" 20 || rc=$?
[[ $rc == 0 ]] || fail "a client of route wrongpin: session not ended (status $rc; 124 = still open after 20 s)"
wait_log "$TMP/a.log" ' info session .* route=wrongpin .*reason=' 15
line=$(session_lines a ' route=wrongpin ' | head -n 1)
field why "$line" reason
[[ $why == "handshake failed: "?* ]] ||
	fail "a: pin mismatch: reason=\"$why\", want \"handshake failed: ...\": $line"
shopt -s nocasematch
[[ $why =~ certificate && $why =~ (mismatch|match|pinned) ]] || {
	shopt -u nocasematch
	fail "a: pin mismatch: reason=\"$why\" does not name the certificate mismatch: $line"
}
shopt -u nocasematch
note "pin mismatch: a: $line"
b_reason 1 '^handshake failed: .' "pin mismatch"
bridge_running a
bridge_running b

# 2. A client offering only TLS 1.1.  (OpenSSL 3 offers TLS < 1.2 only at
# security level 0.)
rc=0
timeout -k 2 20 openssl s_client -connect "127.0.0.1:$B_PORT" -servername localhost \
	-tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null >"$TMP/s_client.txt" 2>&1 || rc=$?
grep -E -q 'written [1-9][0-9]* bytes' "$TMP/s_client.txt" ||
	hard_error "openssl s_client sent no TLS 1.1 ClientHello here: $(cat "$TMP/s_client.txt")"
if [[ $rc == 0 ]] || ! grep -q 'Cipher is (NONE)' "$TMP/s_client.txt"; then
	fail "a TLS 1.1 client completed a handshake with b (s_client status $rc): $(grep -E 'Protocol|Cipher' "$TMP/s_client.txt")"
fi
b_reason 2 '^handshake failed: .*(protocol|version)' "TLS 1.1 client"

# 3. Plain text where TLS is expected.
rc=0
client_wait_eof "$B_PORT" 20 $'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' || rc=$?
[[ $rc == 0 ]] || fail "a plain-text client of b's ssl port: not disconnected (status $rc)"
b_reason 3 '^handshake failed: .' "plain-text client"

# 4. Silence: handshake_timeout = 2s.
t0=${EPOCHREALTIME/./}
rc=0
client_wait_eof "$B_PORT" 15 || rc=$?
elapsed_s secs "$t0" "${EPOCHREALTIME/./}"
[[ $rc == 0 ]] || fail "a silent client of b's ssl port: still connected after 15 s (handshake_timeout = 2s)"
note "silent client dropped after ${secs}s (handshake_timeout = 2s)"
b_reason 4 '^handshake' "silent client"

bridge_running a
bridge_running b
_alive "$UPSTREAM_PID" ||
	fail "b connected to its process server for a session whose handshake failed: $(cat "$TMP/upstream.out")"

# 5. The good route still works.
rc=0
timeout -k 2 60 "$BULKPEER" connect "$G_PORT" "$SMALL" 7 50 >"$TMP/client.out" 2>&1 || rc=$?
[[ $rc == 0 ]] || fail "a good session after the refusals failed (status $rc): $(cat "$TMP/client.out")"
wait_exit "$UPSTREAM_PID" 15 || fail "the bulkpeer behind b still runs after the good session"
reap "$UPSTREAM_PID" rc
[[ $rc == 0 ]] || fail "the bulkpeer behind b failed (status $rc): $(cat "$TMP/upstream.out")"
wait_log "$TMP/a.log" ' info session .* route=good .*reason=' 15
line=$(session_lines a ' route=good ' | head -n 1)
check_session_line "$line" good tcp ssl
field v "$line" bytes_up
[[ $v == "$SMALL" ]] || fail "a: good session bytes_up=$v, want $SMALL: $line"
field v "$line" bytes_down
[[ $v == "$SMALL" ]] || fail "a: good session bytes_down=$v, want $SMALL: $line"
field v "$line" server_tls_peer
[[ $v == "CN=tls-e2e-y" ]] || fail "a: good session server_tls_peer=\"$v\", want \"CN=tls-e2e-y\": $line"
note "good: a: $line"
wait_log "$TMP/b.log" "$B_ENDED" 15 5
line=$(session_lines b | sed -n 5p)
check_session_line "$line" b ssl tcp
note "good: b: $line"

stop_bridge a
stop_bridge b
note "tls_refused: all passed"
