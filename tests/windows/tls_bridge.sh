#!/usr/bin/env bash
# tls_bridge.sh: a TLS bridge between the Linux dbgbridge and dbgbridge.exe
# (under wine), both directions, each side originating or terminating TLS:
#
#   1. bulkpeer --tcp--> Linux a --ssl--> exe b --tcp--> bulkpeer
#   2. bulkpeer --tcp--> exe c --ssl--> Linux d --tcp--> bulkpeer
#   3. client --tcp--> exe c, route wrongpin (pins x) --ssl--> Linux d (serves y)
#   4. client --tcp--> Linux a, route wrongpin (pins x) --ssl--> exe b (serves y)
#
# Asserts: 1 and 2 carry 4 MiB each way byte for byte with half-close
# (tests/e2e/bulkpeer.c), and the originating side's session line names TLS
# 1.3 and the certificate it pinned; 3 and 4 end the client's session with
# reason="handshake failed: ..." naming the certificate mismatch on the
# pinning side, dbgbridge.exe's and Linux's alike.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/lib.sh"

need_prog openssl ss timeout
need_bin "$DBGBRIDGE" "$E2E_BIN/bulkpeer"
BULKPEER=$E2E_BIN/bulkpeer
BYTES=4194304
LIMIT=120

make_cert y dbgbridge-e2e-y
make_cert x dbgbridge-e2e-x
for v in S1 A B S2 C D WA WC; do free_port "${v}_PORT"; done

# Linux a: originates TLS to exe b, pinning y (and x on wrongpin).
cat >"$TMP/a.ini" <<EOF
[gateway]
log_level = info
control = $TMP/a.ctl

[route a]
serve = tcp:port=$A_PORT
connect = ssl:proto=tls1,certuser=$TMP/y.crt,server=127.0.0.1,port=$B_PORT
bind = 127.0.0.1
handshake_timeout = 20s
drain_timeout = 60s
persist = yes

[route wrongpin]
serve = tcp:port=$WA_PORT
connect = ssl:proto=tls1,certuser=$TMP/x.crt,server=127.0.0.1,port=$B_PORT
bind = 127.0.0.1
handshake_timeout = 20s
EOF
# exe b: terminates TLS with y.
cat >"$TMP/b.ini" <<EOF
[gateway]
log_level = info

[route b]
serve = ssl:proto=tls1,certuser=$TMP/y.pem,port=$B_PORT
connect = tcp:server=127.0.0.1,port=$S1_PORT
bind = 127.0.0.1
handshake_timeout = 20s
drain_timeout = 60s
persist = yes
EOF
# exe c: originates TLS to Linux d, pinning y (and x on wrongpin).
cat >"$TMP/c.ini" <<EOF
[gateway]
log_level = info

[route c]
serve = tcp:port=$C_PORT
connect = ssl:proto=tls1,certuser=$TMP/y.crt,server=127.0.0.1,port=$D_PORT
bind = 127.0.0.1
handshake_timeout = 20s
drain_timeout = 60s
persist = yes

[route wrongpin]
serve = tcp:port=$WC_PORT
connect = ssl:proto=tls1,certuser=$TMP/x.crt,server=127.0.0.1,port=$D_PORT
bind = 127.0.0.1
handshake_timeout = 20s
EOF
# Linux d: terminates TLS with y.
cat >"$TMP/d.ini" <<EOF
[gateway]
log_level = info
control = $TMP/d.ctl

[route d]
serve = ssl:proto=tls1,certuser=$TMP/y.pem,port=$D_PORT
connect = tcp:server=127.0.0.1,port=$S2_PORT
bind = 127.0.0.1
handshake_timeout = 20s
drain_timeout = 60s
persist = yes
EOF

start_bridge a "$TMP/a.ini"
start_exe b -f "$TMP/b.ini"
start_exe c -f "$TMP/c.ini"
start_bridge d "$TMP/d.ini"
for p in "$A_PORT" "$WA_PORT" "$D_PORT"; do wait_listen "$p"; done
for p in "$B_PORT" "$C_PORT" "$WC_PORT"; do wait_listen "$p" 30; done

# bulk NAME SERVER_PORT CLIENT_PORT: BYTES each way, byte for byte.
bulk() {
	local name=$1 seed=$((RANDOM * 32768 + RANDOM)) spid cpid src crc
	spawn "$name-server" "$BULKPEER" listen "$2" "$BYTES" "$seed" "$LIMIT"
	spid=$SPAWN_PID
	wait_listen "$2"
	spawn "$name-client" "$BULKPEER" connect "$3" "$BYTES" "$seed" "$LIMIT"
	cpid=$SPAWN_PID
	wait_exit "$cpid" $((LIMIT + 10)) || fail "$name: bulkpeer connect still runs"
	wait_exit "$spid" 30 || fail "$name: bulkpeer listen still runs"
	reap "$cpid" crc
	reap "$spid" src
	local want="ok sent=$BYTES received=$BYTES"
	[[ $crc == 0 && $(<"$TMP/$name-client.out") == "$want" ]] ||
		fail "$name: client end: status $crc, '$(<"$TMP/$name-client.out")'"
	[[ $src == 0 && $(<"$TMP/$name-server.out") == "$want" ]] ||
		fail "$name: server end: status $src, '$(<"$TMP/$name-server.out")'"
}

# 1. Linux originates, Windows terminates.
bulk linux-to-exe "$S1_PORT" "$A_PORT"
wait_log "$TMP/a.log" ' info session .* route=a .*reason=' 20
line=$(grep -E ' info session .* route=a .*reason=' "$TMP/a.log" | head -1)
[[ $line == *'TLSv1.3'* && $line == *dbgbridge-e2e-y* ]] ||
	fail "Linux a's session line lacks TLS 1.3 or the pinned subject: $line"
note "1. Linux -> exe: $line"

# 2. Windows originates, Linux terminates.
bulk exe-to-linux "$S2_PORT" "$C_PORT"
wait_log "$TMP/c.log" ' info session .* route=c .*reason=' 20
line=$(grep -E ' info session .* route=c .*reason=' "$TMP/c.log" | tr -d '\r' | head -1)
[[ $line == *'TLSv1.3'* && $line == *dbgbridge-e2e-y* ]] ||
	fail "exe c's session line lacks TLS 1.3 or the pinned subject: $line"
note "2. exe -> Linux: $line"

# 3, 4. A pinned certificate that is not the one served: refused.
wrongpin() {	# NAME PORT LOG
	local rc=0 line why
	client_wait_eof "$2" 30 hello || rc=$?
	[[ $rc == 0 ]] || fail "$1: the client's session did not end (status $rc)"
	wait_log "$3" ' info session .* route=wrongpin .*reason=' 20
	line=$(grep -E ' info session .* route=wrongpin .*reason=' "$3" | tr -d '\r' | head -1)
	field why "$line" reason
	[[ $why == 'handshake failed: '* ]] ||
		fail "$1: reason=\"$why\", want \"handshake failed: ...\": $line"
	shopt -s nocasematch
	[[ $why =~ certificate && $why =~ (mismatch|match|pinned) ]] || {
		shopt -u nocasematch
		fail "$1: reason=\"$why\" does not name the certificate mismatch"
	}
	shopt -u nocasematch
	note "$1: $line"
}
wrongpin "3. exe pins the wrong certificate" "$WC_PORT" "$TMP/c.log"
wrongpin "4. Linux pins the wrong certificate" "$WA_PORT" "$TMP/a.log"

exe_running b
exe_running c
stop_bridge a
stop_bridge d
