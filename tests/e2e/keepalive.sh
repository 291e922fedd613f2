#!/usr/bin/env bash
# keepalive.sh: every TCP link of a session has keepalive on with dbgbridge's
# timings (transports/transport.h: 60 s idle, then every 10 s), on both the
# client's side (an accepted socket, which on Linux takes its options from
# the listener) and the process server's side (a socket dbgbridge connects).
# A quiet debug session is not cut: the session is still open, and echoes,
# after the test looked at it.
#
# Read with ss(8) -o: a socket with keepalive on shows a timer
# "timer:(keepalive,...)"; one without shows none (or "timer:(on,...)" while
# data is unacknowledged).
. "$(dirname "$0")/lib.sh"

need_prog socat ss timeout
need_bin "$DBGBRIDGE"

free_port UP
free_port P
spawn up socat "TCP-LISTEN:$UP,bind=127.0.0.1,reuseaddr,fork" EXEC:cat
wait_listen "$UP"

cat >"$TMP/k.ini" <<EOF
[gateway]
control = $TMP/k.control
[route k]
serve = tcp:port=$P
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$UP
EOF
start_bridge k "$TMP/k.ini"
wait_listen "$P"

# A session that stays open and quiet while we look.
exec 5<>"/dev/tcp/127.0.0.1/$P"
printf 'one\n' >&5
read -r -t 10 reply <&5 || fail "no echo through the bridge"
[[ $reply == one ]] || fail "the echo said '$reply'"

# keepalive_timer FILTER: the timer field ss shows for the one established
# socket matching FILTER, e.g. "timer:(keepalive,59sec,0)".
keepalive_timer() {
	ss -tnoH state established "$1" | grep -o 'timer:([^)]*)' || true
}

# dbgbridge's accepted socket: local port P.  Its connected socket: remote
# port UP from a local port that is not P (socat's own has local port UP).
client_side=$(keepalive_timer "( sport = :$P )")
server_side=$(keepalive_timer "( dport = :$UP )")
note "client side: ${client_side:-no timer}; server side: ${server_side:-no timer}"
[[ $client_side =~ ^timer:\(keepalive,([0-9]+)(\.[0-9]+)?(sec|min),0\)$ ]] ||
	fail "the client's link has no keepalive timer: '${client_side}'"
# The first probe is due at most 60 s from now.
secs=${BASH_REMATCH[1]}
[[ ${BASH_REMATCH[3]} == sec || $secs == 1 ]] ||
	fail "the client's link keepalive is due in ${secs}${BASH_REMATCH[3]}: want 60 s idle"
[[ $server_side =~ ^timer:\(keepalive,([0-9]+)(\.[0-9]+)?(sec|min),0\)$ ]] ||
	fail "the process server's link has no keepalive timer: '${server_side}'"
[[ ${BASH_REMATCH[3]} == sec || ${BASH_REMATCH[1]} == 1 ]] ||
	fail "the process server's link keepalive is due in ${BASH_REMATCH[1]}${BASH_REMATCH[3]}: want 60 s idle"

# The quiet session is still whole.
printf 'two\n' >&5
read -r -t 10 reply <&5 || fail "the quiet session no longer echoes"
[[ $reply == two ]] || fail "the echo said '$reply'"
exec 5<&-
stop_bridge k
note "keepalive on both links of a session"
