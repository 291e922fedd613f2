#!/usr/bin/env bash
# cut_splice_rest.sh: in splice mode too, every byte a failed side sent before
# it failed reaches the other side before its reset (dbgbridge(8) LOGGING: "a
# cut stream never looks complete"), also what still waits in the failed
# link's socket when its pipe is full.
#
#   client --tcp--> route --tcp--> server
#
# The server sends as much as it can while the client reads nothing, so the
# session splices, its server-to-client pipe fills and the server's link
# stops being read with bytes left in its socket; the client sends what it
# can, which the server never reads, so a write to the server waits.  The server then resets (SO_LINGER 0), so the relay's
# write to it fails while its socket still holds what it sent.  Asserts:
#   1. the session spliced;
#   2. the client, reading only now, gets exactly every byte that left the
#      server (what it sent less what its kernel still held), then a reset;
#   3. the session line says reason="server reset" and bytes_down is what the
#      client received.
. "$(dirname "$0")/lib.sh"

need_prog python3 ss timeout
need_bin "$DBGBRIDGE"

free_port S_PORT
free_port R_PORT

# server.py PORT OUT GO: one connection; send until the send stalls for
# 0.5 s, wait for the file GO (the client has sent), then write to OUT the
# bytes that left this host (sent less SIOCOUTQ) and reset.
cat >"$TMP/server.py" <<'PY'
import fcntl, os, socket, struct, sys, termios, time
port, out, go = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
ls.bind(("127.0.0.1", port))
ls.listen(1)
c, _ = ls.accept()
c.setblocking(False)
chunk, sent, last = b"s" * 65536, 0, time.time()
deadline = time.time() + 20
while time.time() - last < 0.5 and time.time() < deadline:
    try:
        sent += c.send(chunk)
        last = time.time()
    except BlockingIOError:
        time.sleep(0.01)
while not os.path.exists(go) and time.time() < deadline:
    time.sleep(0.02)
queued = struct.unpack("i", fcntl.ioctl(c.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
with open(out + ".tmp", "w") as f:
    f.write("%d %d\n" % (sent - queued, sent))
c.close()
os.rename(out + ".tmp", out)
time.sleep(30)
PY
# client.py PORT GO SERVED: send until the send stalls for 0.5 s, say so in GO,
# wait for SERVED (the server has reset), then read to the end.
cat >"$TMP/client.py" <<'PY'
import errno, os, socket, sys, time
port, go, served = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), timeout=20)
s.setblocking(False)
data, sent, last, deadline = b"c" * 65536, 0, time.time(), time.time() + 20
while time.time() - last < 0.5 and time.time() < deadline:
    try:
        sent += s.send(data)
        last = time.time()
    except BlockingIOError:
        time.sleep(0.01)
open(go, "w").close()
while not os.path.exists(served) and time.time() < deadline:
    time.sleep(0.02)
s.setblocking(True)
s.settimeout(20)
got, end = 0, "eof"
try:
    while True:
        b = s.recv(1 << 20)
        if not b:
            break
        got += len(b)
except ConnectionResetError:
    end = "reset"
except socket.timeout:
    end = "timeout"
print("ended %s received=%d" % (end, got))
PY

cat >"$TMP/cs.ini" <<EOF2
[gateway]
log_level = debug
control = $TMP/cs.ctl

[route r]
serve = tcp:port=$R_PORT
connect = tcp:server=127.0.0.1,port=$S_PORT
bind = 127.0.0.1
drain_timeout = 10s
EOF2

spawn server python3 "$TMP/server.py" "$S_PORT" "$TMP/served" "$TMP/go"
wait_listen "$S_PORT"
start_bridge cs "$TMP/cs.ini"
wait_listen "$R_PORT"
timeout -k 2 40 python3 "$TMP/client.py" "$R_PORT" "$TMP/go" "$TMP/served" \
	>"$TMP/client.out" 2>&1 || fail "the client failed: $(cat "$TMP/client.out")"
out=$(<"$TMP/client.out")
[[ -s $TMP/served ]] || fail "the server never reset"
read -r left sent <"$TMP/served"
note "server: sent $sent, $left left the host; client: $out"
grep -E -q " debug session 1: splicing$" "$TMP/cs.log" ||
	fail "the session never spliced; this test covers splice mode"
[[ $out =~ ^ended\ ([a-z]+)\ received=([0-9]+)$ ]] || fail "client: $out"
end=${BASH_REMATCH[1]} got=${BASH_REMATCH[2]}
[[ $end == reset ]] || fail "the server reset, but the client saw \"$end\""
((got == left)) ||
	fail "the client received $got bytes; $left left the server before its reset ($((left - got)) lost)"
wait_log "$TMP/cs.log" " info session 1 route=r .*reason=" 15
LINE=$(session_lines cs " route=r " | head -n 1)
field why "$LINE" reason
field down "$LINE" bytes_down
[[ $why == "server reset" ]] || fail "reason=\"$why\", want \"server reset\": $LINE"
((down == got)) || fail "bytes_down=$down; the client received $got: $LINE"
stop_bridge cs
note "cut_splice_rest: all passed"
