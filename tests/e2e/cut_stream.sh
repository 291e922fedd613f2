#!/usr/bin/env bash
# cut_stream.sh: a cut stream never looks complete (dbgbridge(8) LOGGING:
# when one side fails, the other side gets the bytes the failed side sent and
# then a reset, never a clean end; the log counts the bytes that reached each
# peer and names the cause).
#
#   client --tcp--> a --tcp--> upstream                       (plain)
#   client --tcp--> a --ssl--> b --tcp--> upstream            (TLS bridge)
#
# Upstream reset while the client still sends ("up" cases): an echo that
# echoes the first N bytes of a connection and then resets it (SO_LINGER 0);
# the client streams as fast as it can (bulk: the session moves to splice mode
# past 256 KiB) or slowly (small: it never does).  Client reset while the
# server still sends ("mirror" cases): a server offers bytes, the client reads
# some and resets.  Asserts, for each:
#   1. the surviving peer sees a reset (ECONNRESET or EPIPE), not EOF;
#   2. the session line's reason is "server reset" / "client reset" (on both
#      bridges over TLS);
#   3. bytes_down is what the client received, to the byte (everything the
#      failed server sent was delivered before the reset); bytes_up is at
#      least what the server read and at most what the client sent;
#   4. the bulk sessions spliced and the small ones did not;
#   5. every cut session ended long before drain_timeout (30s).
. "$(dirname "$0")/lib.sh"

need_prog openssl ss timeout
need_bin "$DBGBRIDGE" "$E2E_BIN/loadpeer"
LOADPEER=$E2E_BIN/loadpeer

SEED=$((RANDOM * 32768 + RANDOM))
BIG_N=1000000		# the bulk echo resets after this many bytes
SMALL_N=100000		# the small one
OFFER=67108864		# bytes a mirror server offers (bulk)

free_port RST_BIG
free_port RST_SMALL
free_port OFF_BIG
free_port OFF_SMALL
free_port OFF_TLS
free_port BIG
free_port SMALL
free_port MBIG
free_port MSMALL
free_port TBIG
free_port TMIRROR
free_port B_TBIG
free_port B_TMIRROR
make_cert b cut-b

route() {	# route NAME SERVE CONNECT
	printf '[route %s]\nserve = %s\nconnect = %s\nbind = 127.0.0.1\n' "$1" "$2" "$3"
	printf 'drain_timeout = 30s\n\n'
}
{
	printf '[gateway]\nlog_level = debug\ncontrol = %s\n\n' "$TMP/a.ctl"
	route big "tcp:port=$BIG" "tcp:server=127.0.0.1,port=$RST_BIG"
	route small "tcp:port=$SMALL" "tcp:server=127.0.0.1,port=$RST_SMALL"
	route mbig "tcp:port=$MBIG" "tcp:server=127.0.0.1,port=$OFF_BIG"
	route msmall "tcp:port=$MSMALL" "tcp:server=127.0.0.1,port=$OFF_SMALL"
	route tbig "tcp:port=$TBIG" \
		"ssl:proto=tls1,certuser=$TMP/b.crt,server=127.0.0.1,port=$B_TBIG"
	route tmirror "tcp:port=$TMIRROR" \
		"ssl:proto=tls1,certuser=$TMP/b.crt,server=127.0.0.1,port=$B_TMIRROR"
} >"$TMP/a.ini"
{
	printf '[gateway]\nlog_level = info\ncontrol = %s\n\n' "$TMP/b.ctl"
	route tbig "ssl:proto=tls1,certuser=$TMP/b.pem,port=$B_TBIG" \
		"tcp:server=127.0.0.1,port=$RST_BIG"
	route tmirror "ssl:proto=tls1,certuser=$TMP/b.pem,port=$B_TMIRROR" \
		"tcp:server=127.0.0.1,port=$OFF_TLS"
} >"$TMP/b.ini"

spawn rst-big "$LOADPEER" echo -R "$BIG_N" "$RST_BIG" 120
spawn rst-small "$LOADPEER" echo -R "$SMALL_N" "$RST_SMALL" 120
start_bridge a "$TMP/a.ini"
start_bridge b "$TMP/b.ini"
for p in "$RST_BIG" "$RST_SMALL" "$BIG" "$SMALL" "$MBIG" "$MSMALL" "$TBIG" \
	"$TMIRROR" "$B_TBIG" "$B_TMIRROR"; do
	wait_listen "$p"
done

# line_of BRIDGE ROUTE: wait for the route's one session line; left in LINE,
# its id in ID.
line_of() {
	wait_log "$TMP/$1.log" " info session [0-9]+ route=$2 .*reason=" 15
	LINE=$(session_lines "$1" " route=$2 " | head -n 1)
	[[ $LINE =~ \ session\ ([0-9]+)\  ]] || fail "no session id: $LINE"
	ID=${BASH_REMATCH[1]}
}

# check_reason LINE WANT
check_reason() {
	local why ms
	field why "$1" reason
	[[ $why == "$2" ]] || fail "reason=\"$why\", want \"$2\": $1"
	field ms "$1" duration_ms
	((ms < 10000)) || fail "the cut session waited ${ms} ms (drain_timeout is 30s): $1"
}

# spliced ID: true when a's session ID moved to splice mode.
spliced() { grep -E -q " debug session $1: splicing$" "$TMP/a.log"; }

# up NAME PORT RATE N BRIDGES...: the client streams (at RATE bytes a second,
# 0: at once) through PORT to an echo that resets after N bytes.
up() {
	local name=$1 port=$2 rate=$3 n=$4 rc=0 out sent got up down br
	shift 4
	timeout -k 2 30 "$LOADPEER" stream -x -r "$rate" "$port" "$SEED" 25 \
		>"$TMP/$name.out" 2>&1 || rc=$?
	out=$(<"$TMP/$name.out")
	[[ $rc == 0 && $out =~ ^ended\ (eof|reset)\ sent=([0-9]+)\ received=([0-9]+)$ ]] ||
		fail "$name: the client failed (status $rc): $out"
	[[ ${BASH_REMATCH[1]} == reset ]] ||
		fail "$name: the upstream reset, but the client saw a clean end of stream: $out"
	sent=${BASH_REMATCH[2]} got=${BASH_REMATCH[3]}
	((got <= n)) || fail "$name: the client got $got bytes back; the server echoed $n"
	for br in "$@"; do
		line_of "$br" "$name"
		check_reason "$LINE" "server reset"
		field up "$LINE" bytes_up
		field down "$LINE" bytes_down
		((down == got)) || fail "$name: $br logged bytes_down=$down; the client received $got: $LINE"
		((up >= n && up <= sent)) || fail "$name: $br logged bytes_up=$up; the server read $n and the client sent $sent: $LINE"
		note "$name: $br: $LINE"
	done
	note "$name: client: $out"
}

# mirror NAME PORT SRVPORT BYTES HOLD READ_RATE READ_MS BRIDGES...: a server
# offers BYTES (HOLD 1: and then holds the connection open); the client reads
# at READ_RATE for READ_MS, stops, then resets; the server must see the reset.
mirror() {
	local name=$1 port=$2 sport=$3 bytes=$4 hold=$5 rate=$6 ms=$7 rc out got offered up down br
	local h=()
	shift 7
	((hold)) && h=(-h)
	spawn "off-$name" "$LOADPEER" offer "${h[@]}" "$sport" "$bytes" "$SEED" 60
	local opid=$SPAWN_PID
	wait_listen "$sport"
	spawn "cli-$name" "$LOADPEER" slowread "$port" "$SEED" "$rate" "$ms" 60
	local cpid=$SPAWN_PID
	wait_log "$TMP/cli-$name.out" '^stopped received=' 20
	kill -TERM "$cpid"
	wait_exit "$cpid" 10 || fail "$name: the client did not exit"
	reap "$cpid" rc
	out=$(<"$TMP/cli-$name.out")
	[[ $rc == 0 && $out =~ ok\ received=([0-9]+)$ ]] || fail "$name: the client failed (status $rc): $out"
	got=${BASH_REMATCH[1]}
	wait_exit "$opid" 10 || fail "$name: the server was not told of the client's reset within 10 s"
	reap "$opid" rc
	out=$(<"$TMP/off-$name.out")
	[[ $rc == 0 && $out =~ offered=([0-9]+)$'\n'ended\ ([a-z]+)$ ]] || fail "$name: the server failed (status $rc): $out"
	offered=${BASH_REMATCH[1]}
	[[ ${BASH_REMATCH[2]} == reset ]] ||
		fail "$name: the client reset, but the server saw \"ended ${BASH_REMATCH[2]}\" (want reset)"
	for br in "$@"; do
		line_of "$br" "$name"
		check_reason "$LINE" "client reset"
		field up "$LINE" bytes_up
		field down "$LINE" bytes_down
		((up == 0)) || fail "$name: $br logged bytes_up=$up; the client sent nothing: $LINE"
		((down >= got && down <= offered)) || fail "$name: $br logged bytes_down=$down; the client read $got, the server offered $offered: $LINE"
		note "$name: $br: $LINE"
	done
	note "$name: client read $got, server offered $offered and saw the reset"
}

# 1. Upstream resets while the client sends: bulk (splice) and small.
up big "$BIG" 0 "$BIG_N" a
spliced "$ID" || fail "big: session $ID never spliced; the bulk case must cover splice mode"
up small "$SMALL" 200000 "$SMALL_N" a
! spliced "$ID" || fail "small: session $ID spliced; the small case must stay in bufferevent mode"

# 2. The client resets while the server sends: bulk (splice) and small.
mirror mbig "$MBIG" "$OFF_BIG" "$OFFER" 0 50000000 200 a
spliced "$ID" || fail "mbig: session $ID never spliced"
mirror msmall "$MSMALL" "$OFF_SMALL" "$SMALL_N" 1 10000000 300 a
! spliced "$ID" || fail "msmall: session $ID spliced"
field down "$LINE" bytes_down
((down == SMALL_N)) || fail "msmall: a logged bytes_down=$down; the client read all $SMALL_N bytes: $LINE"

# 3. The same over a TLS bridge: both bridges name the cause.
up tbig "$TBIG" 0 "$BIG_N" a b
mirror tmirror "$TMIRROR" "$OFF_TLS" "$OFFER" 0 50000000 200 a b

stop_bridge a
stop_bridge b
note "cut_stream: all passed"
