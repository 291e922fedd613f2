#!/usr/bin/env bash
# faults.sh: faults upstream and hostile clients end only their own session,
# with a log line that names the cause, while other sessions through the
# same daemon go on byte for byte.
#
# One bridge b, every route on 127.0.0.1:
#   by       tcp -> tcp echo                  (bystander)
#   tlsby    tcp -> ssl b/tls                 (bystander, through b's own
#   tls      ssl -> tcp echo                   ssl route: TLS both ways)
#   refused  tcp -> a port nothing listens on
#   hole     tcp -> a listener whose accept queue is full (SYNs dropped),
#            connect_timeout = 1s
#   reset    tcp -> an echo that resets each connection after 200000 bytes
#   hsclose  tcp -> ssl to a tcp server that hangs up on the ClientHello
#   creset   tcp -> tcp echo                  (the client resets)
#
# Two bystanders (loadpeer stream, 4 MB/s each way, every byte checked) run
# through by and tlsby during all of it.  Asserts, each with the session's
# reason in b's log:
#   1. upstream refused: the client's connection ends; "server refused";
#   2. upstream unreachable: the client's connection ends after
#      connect_timeout; "connect timeout", duration_ms >= 1000;
#   3. upstream reset mid-transfer: the client gets an exact prefix of its
#      echo and then a reset (never a clean end of stream), and b's line
#      counts exactly the bytes it got; "server reset";
#   4. upstream closed mid-TLS-handshake: "handshake failed: ...";
#   5. client reset mid-transfer: "client reset";
#   6. plain text and random bytes to the ssl port: "handshake failed: ...";
#   7. a silent client and one that sends half a ClientHello to the ssl
#      port: dropped after handshake_timeout (3s: long enough for a real
#      handshake between two daemons under valgrind, which took 1.3 s),
#      "handshake timeout";
#   8. the bystanders end "ok" with every byte back in order, and b's lines
#      for them count exactly those bytes each way, reason "client closed";
#   9. no session waited for drain_timeout (5s) to end: each ends once both
#      its peers are done (the faulted peer's partner is told at once);
#  10. b still runs, holds no more descriptors than before the faults, a
#      fresh session through by and through tlsby is served, and b exits 0
#      on SIGTERM with a well-formed log.
. "$(dirname "$0")/lib.sh"

need_prog openssl ss timeout
need_bin "$DBGBRIDGE" "$E2E_BIN/loadpeer"
LOADPEER=$E2E_BIN/loadpeer

SEED=$((RANDOM * 32768 + RANDOM))
RATE=4000000		# bytes a second each bystander sends (and gets back)

free_port ECHO		# echo behind by, tls, creset
free_port DEAD		# nothing listens here
free_port HOLE		# loadpeer blackhole
free_port RST		# echo -R
free_port FIN		# echo -F 1
free_port BY
free_port TLSBY
free_port TLS
free_port REFUSED
free_port HOLE_R
free_port RESET
free_port HSCLOSE
free_port CRESET
make_cert b faults-b

route() {	# route NAME SERVE CONNECT [EXTRA...]
	local name=$1 serve=$2 connect=$3
	shift 3
	printf '[route %s]\nserve = %s\nconnect = %s\nbind = 127.0.0.1\n' \
		"$name" "$serve" "$connect"
	printf 'persist = yes\nconnect_timeout = 5s\nhandshake_timeout = 3s\n'
	printf 'drain_timeout = 5s\n'
	printf '%s\n' "$@"
	echo
}
{
	printf '[gateway]\nlog_level = info\ncontrol = %s\n\n' "$TMP/b.ctl"
	route by "tcp:port=$BY" "tcp:server=127.0.0.1,port=$ECHO"
	route tlsby "tcp:port=$TLSBY" \
		"ssl:proto=tls1,certuser=$TMP/b.crt,server=127.0.0.1,port=$TLS"
	route tls "ssl:proto=tls1,certuser=$TMP/b.pem,port=$TLS" \
		"tcp:server=127.0.0.1,port=$ECHO"
	route refused "tcp:port=$REFUSED" "tcp:server=127.0.0.1,port=$DEAD"
	route hole "tcp:port=$HOLE_R" "tcp:server=127.0.0.1,port=$HOLE"
	route reset "tcp:port=$RESET" "tcp:server=127.0.0.1,port=$RST"
	route hsclose "tcp:port=$HSCLOSE" \
		"ssl:proto=tls1,certuser=$TMP/b.crt,server=127.0.0.1,port=$FIN"
	route creset "tcp:port=$CRESET" "tcp:server=127.0.0.1,port=$ECHO"
} >"$TMP/b.ini"
# route hole waits 1s for its server, not 5s.
sed -i "/^serve = tcp:port=$HOLE_R\$/,/^\$/ s/^connect_timeout = .*/connect_timeout = 1s/" "$TMP/b.ini"
grep -q '^connect_timeout = 1s$' "$TMP/b.ini" || hard_error "could not set route hole's connect_timeout"

spawn echo "$LOADPEER" echo "$ECHO" 300
spawn echo-rst "$LOADPEER" echo -R 200000 "$RST" 300
spawn echo-fin "$LOADPEER" echo -F 1 "$FIN" 300
spawn blackhole "$LOADPEER" blackhole "$HOLE" 300
wait_log "$TMP/blackhole.out" '^ready filled=' 10
for p in "$ECHO" "$RST" "$FIN"; do wait_listen "$p"; done
_not_listening "$DEAD" || hard_error "port $DEAD is in use"

start_bridge b "$TMP/b.ini"
for p in "$BY" "$TLSBY" "$TLS" "$REFUSED" "$HOLE_R" "$RESET" "$HSCLOSE" "$CRESET"; do
	wait_listen "$p"
done
B_PID=${E2E_BRIDGE_PID[b]}
wait_log "$TMP/b.log" " info route creset serving " 10

# Descriptors b holds while idle: the same once the faults are over.
fds() { local f=(/proc/"$1"/fd/*); echo "${#f[@]}"; }
FDS0=$(fds "$B_PID")

# The bystanders.
spawn by "$LOADPEER" stream -r "$RATE" "$BY" "$SEED" 120
BY_PID=$SPAWN_PID
spawn tlsby "$LOADPEER" stream -r "$RATE" "$TLSBY" $((SEED + 1)) 120
TLSBY_PID=$SPAWN_PID
_relaying() { [[ $(session_count_open) -ge 2 ]]; }
session_count_open() { ss -tnH state established "( sport = :$ECHO )" | wc -l; }
_poll 10 _relaying || fail "the bystanders' sessions did not reach the echo server"

# reason_of ROUTE REGEX WHAT: wait for route ROUTE's first session line and
# check its reason against the extended REGEX; the line is left in LINE.
reason_of() {
	local why
	wait_log "$TMP/b.log" " info session [^ ]+ route=$1 .*reason=" 15
	LINE=$(session_lines b " route=$1 " | head -n 1)
	field why "$LINE" reason
	[[ $why =~ $2 ]] || fail "$3: reason=\"$why\", want /$2/: $LINE"
	note "$3: $LINE"
}

# send_file_wait_end PORT FILE TIMEOUT_S: connect, send FILE, wait for the
# end.  0 on EOF or reset, 1 no connection, 124 still open at the timeout.
send_file_wait_end() {
	local rc=0
	timeout -k 2 "$3" bash -c '
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		cat -- "$2" >&3 2>/dev/null || true
		cat <&3 >/dev/null 2>&1 || true' _ "$1" "$2" || rc=$?
	return "$rc"
}

# 1. Upstream refused.
rc=0
client_wait_eof "$REFUSED" 10 || rc=$?
[[ $rc == 0 ]] || fail "refused upstream: the client's connection did not end (status $rc)"
reason_of refused '^server refused$' "upstream refused"

# 2. Upstream unreachable: no answer to the SYN.
t0=${EPOCHREALTIME/./}
rc=0
client_wait_eof "$HOLE_R" 15 || rc=$?
elapsed_s secs "$t0" "${EPOCHREALTIME/./}"
[[ $rc == 0 ]] || fail "unreachable upstream: the client's connection did not end within 15 s (status $rc)"
reason_of hole '^connect timeout$' "upstream unreachable (ended after ${secs}s)"
field ms "$LINE" duration_ms
((ms >= 950)) || fail "unreachable upstream: ended after ${ms} ms, before connect_timeout = 1s: $LINE"

# 3. Upstream reset mid-transfer.
rc=0
timeout -k 2 30 "$LOADPEER" stream -x "$RESET" $((SEED + 2)) 25 >"$TMP/reset.out" 2>&1 || rc=$?
out=$(<"$TMP/reset.out")
[[ $rc == 0 && $out =~ ^ended\ (eof|reset)\ sent=([0-9]+)\ received=([0-9]+)$ ]] ||
	fail "upstream reset: the client did not see its session end after an exact prefix (status $rc): $out"
[[ ${BASH_REMATCH[1]} == reset ]] ||
	fail "upstream reset: the client saw a clean end of stream, not a reset: $out"
got=${BASH_REMATCH[3]}
((got <= 200000)) || fail "upstream reset: the client got $got bytes back; the server echoed only 200000"
note "upstream reset: client: $out"
reason_of reset '^server reset$' "upstream reset mid-transfer"
field down "$LINE" bytes_down
((down == got)) || fail "upstream reset: b logged bytes_down=$down, the client received $got: $LINE"

# 4. Upstream hangs up in the middle of the TLS handshake.
rc=0
client_wait_eof "$HSCLOSE" 10 "hello" || rc=$?
[[ $rc == 0 ]] || fail "upstream closed mid-handshake: the client's connection did not end (status $rc)"
reason_of hsclose '^handshake failed: .' "upstream closed mid-TLS-handshake"

# 5. The client resets mid-transfer.
rc=0
timeout -k 2 30 "$LOADPEER" stream -K 1000000 "$CRESET" $((SEED + 3)) 25 >"$TMP/creset.out" 2>&1 || rc=$?
out=$(<"$TMP/creset.out")
[[ $rc == 0 && $out == "reset sent=1000000 "* ]] || fail "client reset: loadpeer failed (status $rc): $out"
reason_of creset '^client reset$' "client reset mid-transfer"

# 6. Garbage to the ssl port: plain text, then random bytes.
printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' >"$TMP/plain.bin"
head -c 8192 /dev/urandom >"$TMP/random.bin"
for f in plain random; do
	rc=0
	send_file_wait_end "$TLS" "$TMP/$f.bin" 10 || rc=$?
	[[ $rc == 0 ]] || fail "$f bytes to the ssl port: not disconnected (status $rc)"
done
wait_log "$TMP/b.log" ' route=tls .*reason="handshake failed: ' 15 2
# The plain-text client is told apart from a broken TLS one.
session_lines b ' route=tls .*reason="handshake failed: the client spoke plain text \(not TLS\) to an ssl port \(' | grep -q . ||
	fail "plain text to the ssl port: no session says the client spoke plain text: $(session_lines b ' route=tls ')"
note "garbage to the ssl port: $(session_lines b ' route=tls .*reason="handshake failed: ' | head -n 2)"

# 7. Stalls in the handshake: silence, then half a ClientHello (a record
# header announcing 512 bytes, a ClientHello header, 32 bytes of random).
printf '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' >"$TMP/half.bin"
head -c 32 /dev/urandom >>"$TMP/half.bin"
: >"$TMP/empty.bin"
for f in empty half; do
	t0=${EPOCHREALTIME/./}
	rc=0
	send_file_wait_end "$TLS" "$TMP/$f.bin" 10 || rc=$?
	elapsed_s secs "$t0" "${EPOCHREALTIME/./}"
	[[ $rc == 0 ]] || fail "a client stalled in the handshake ($f): still connected after 10 s (handshake_timeout = 3s)"
	note "stalled client ($f) dropped after ${secs}s (handshake_timeout = 3s)"
done
wait_log "$TMP/b.log" ' route=tls .*reason="handshake timeout"' 15 2

# 8. The bystanders: unharmed, every byte back in order.
bridge_running b
bystander_end by "$BY_PID" 1000000 by "$TMP/b.log"
bystander_end tlsby "$TLSBY_PID" 1000000 tlsby "$TMP/b.log"
wait_log "$TMP/b.log" " route=tls .*bytes_up=[0-9]+ bytes_down=[0-9]+ .*reason=\"client closed\"" 15

# 9 and 10. No drain timeouts; b still serves, and let go of every
# descriptor the faults took.
for p in "$BY" "$TLSBY"; do
	rc=0
	timeout -k 2 30 "$LOADPEER" ping -n 20 -i 1 "$p" 25 >"$TMP/fresh.out" 2>&1 || rc=$?
	[[ $rc == 0 ]] || fail "a fresh session after the faults (port $p) failed (status $rc): $(cat "$TMP/fresh.out")"
done
_fds_back() { (($(fds "$B_PID") <= FDS0)); }
_poll 10 _fds_back || fail "b holds $(fds "$B_PID") descriptors after the faults, $FDS0 before: $(ls -l /proc/"$B_PID"/fd)"
late=$(session_lines b 'drain timeout' | head -n 3)
[[ -z $late ]] || fail "a faulted session waited for drain_timeout instead of ending when its peer did: $late"
n=$(session_lines b | wc -l)
note "b logged $n session lines; holds $FDS0 descriptors as before"
stop_bridge b
note "faults: all passed"
