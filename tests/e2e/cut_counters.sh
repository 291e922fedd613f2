#!/usr/bin/env bash
# cut_counters.sh: a session reset with bytes still in the kernel's send queue
# never makes a Prometheus counter go down (doc/dbgbridge.8 "STATISTICS": the
# counters never go down while the process lives).  The session line counts
# only bytes that left the host (a reset throws away what the kernel had not
# sent); the live figure /metrics shows for an open session must be the same
# kind of figure, or the total drops when the session closes.
#
#   client (reads nothing) --tcp--> route --tcp--> server (sends 16 MiB)
#
# Asserts: while the client's window is closed, bytes_total down is steady
# and above 0; after `ctl disconnect` and the drain deadline (1s) reset the
# client, bytes_total down is not lower, equals the logged bytes_down, and
# the session's reason names the drain deadline.
. "$(dirname "$0")/lib.sh"

need_prog python3 ss timeout
need_bin "$DBGBRIDGE"

free_port M_PORT
free_port S_PORT
free_port R_PORT
SOCK=$TMP/cc.ctl

# server.py PORT: one connection; send 16 MiB (blocks on a closed window),
# never read; hold it until killed.
cat >"$TMP/server.py" <<'PY'
import socket, sys, time
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", int(sys.argv[1])))
ls.listen(1)
c, _ = ls.accept()
try:
    c.sendall(b"x" * (16 << 20))
except OSError:
    pass
time.sleep(60)
PY
# client.py PORT: connect, small receive buffer, read nothing.
cat >"$TMP/client.py" <<'PY'
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(sys.argv[1])))
time.sleep(60)
PY
# total.py PORT: bytes_total down of route r.
cat >"$TMP/total.py" <<'PY'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
c.request("GET", "/metrics")
r = c.getresponse()
for line in r.read().decode().splitlines():
    if line.startswith('dbgbridge_bytes_total{route="r",direction="down"} '):
        print(line.split(" ")[1])
        break
else:
    sys.exit("no dbgbridge_bytes_total down for route r")
PY
total() {
	timeout -k 2 20 python3 "$TMP/total.py" "$M_PORT" 2>"$TMP/total.err" ||
		fail "GET /metrics: $(cat "$TMP/total.err")"
}

cat >"$TMP/cc.ini" <<EOF2
[gateway]
control = $SOCK
metrics = 127.0.0.1:$M_PORT

[route r]
serve = tcp:port=$R_PORT
connect = tcp:server=127.0.0.1,port=$S_PORT
bind = 127.0.0.1
drain_timeout = 1s
EOF2

spawn server python3 "$TMP/server.py" "$S_PORT"
wait_listen "$S_PORT"
start_bridge cc "$TMP/cc.ini"
wait_listen "$R_PORT"
wait_listen "$M_PORT"
spawn client python3 "$TMP/client.py" "$R_PORT"
wait_log "$TMP/cc.log" " session 1 open route=r " 10

# Steady: the client's window closed, the send queue full.
prev=-1 cur=$(total) i=0
while [[ $cur != "$prev" ]] && ((i++ < 100)); do
	sleep 0.1
	prev=$cur cur=$(total)
done
[[ $cur == "$prev" ]] || fail "bytes_total down never settled: $prev, $cur"
((cur > 0)) || fail "bytes_total down is 0: nothing relayed"
before=$cur
note "bytes_total down while open: $before"

"$DBGBRIDGE" ctl -S "$SOCK" disconnect 1 >/dev/null ||
	fail "ctl disconnect 1 failed"
wait_log "$TMP/cc.log" " info session 1 route=r .*reason=" 10
LINE=$(session_lines cc " route=r " | head -n 1)
field down "$LINE" bytes_down
field why "$LINE" reason
[[ $why == *"drain timeout"* ]] || fail "reason=\"$why\", want the drain deadline: $LINE"
after=$(total)
note "session line: $LINE"
note "bytes_total down after the reset: $after"
((after >= before)) ||
	fail "bytes_total down went down, $before -> $after, when the session was reset"
((after == down)) ||
	fail "bytes_total down is $after, the session line says bytes_down=$down"
stop_bridge cc
note "cut_counters: all passed"
