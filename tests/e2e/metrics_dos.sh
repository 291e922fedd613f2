#!/usr/bin/env bash
# metrics_dos.sh: slow or many metrics clients cannot hold the daemon's
# descriptors (doc/dbgbridge.8 "STATISTICS"): [gateway]
# metrics_max_connections caps the connections, metrics_timeout bounds each
# one from accept whatever its peer sends, and metrics never takes the
# descriptors kept for sessions.
#
#   slow clients --http--> bridge a (metrics_max_connections 4, metrics_timeout 2s)
#   120 clients  --http--> bridge b (ulimit -n 64, cap 200)
#   client --tcp--> bridge b route e --tcp--> echo server
#
# Asserts:
#   1. 4 clients dribbling a request head, a byte every 0.3 s, hold a's 4
#      places; 4 more are closed at once (within 0.5 s, nothing sent back)
#      and logged: one line at once, then "(3 more in the last 5 s)";
#   2. the 4 dribblers are closed by the deadline, 1.8-3.5 s after connect,
#      although they never fell silent; then a GET /metrics gets 200;
#   3. b, under `ulimit -n 64` with a cap of 200: 120 dribbling metrics
#      clients get at most what leaves 16 descriptors free (the others are
#      closed at once and logged as "kept for sessions"); meanwhile a session
#      through route e is accepted and echoes its bytes; once the clients
#      have gone b holds the descriptors it held before;
#   4. a's limit lowered below its lowest free descriptor (prlimit(1)) while
#      a relay client and a metrics client wait: each listener's "accept:
#      Too many open files" is logged once at once and once more with a
#      count "(N more in the last 5 s)", not with every 250 ms pause; the
#      limit back, the relay client is served;
#   5. SIGTERM: both exit 0 with well-formed logs.
. "$(dirname "$0")/lib.sh"

need_prog python3 ss timeout prlimit
need_bin "$DBGBRIDGE" "$E2E_BIN/loadpeer"

free_port MA_PORT
free_port MB_PORT
free_port S_PORT
free_port E_PORT
REAL=$DBGBRIDGE

# slow.py PORT: part 1 and 2; prints one line per finding, exits 1 on a
# broken expectation.
cat >"$TMP/slow.py" <<'PY'
import select, socket, sys, time
port = int(sys.argv[1])
HEAD = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200

def closed_now(s):
    try:
        return s.recv(100) == b""
    except (ConnectionResetError, BlockingIOError):
        return True

dribblers = []
for i in range(4):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.send(HEAD[:1])
    dribblers.append([s, time.monotonic(), 1, None])
# The listen queue is first in, first out: these 4 come after.
for i in range(4):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    t0 = time.monotonic()
    s.settimeout(0.5)
    try:
        d = s.recv(100)
    except ConnectionResetError:
        d = b""
    except socket.timeout:
        sys.exit("connection %d over the cap still open after 0.5 s" % (i + 5))
    if d:
        sys.exit("connection %d over the cap got %r" % (i + 5, d))
    print("over the cap: closed after %.3f s" % (time.monotonic() - t0))
    s.close()
end = time.monotonic() + 6
while time.monotonic() < end and any(d[3] is None for d in dribblers):
    for d in dribblers:
        if d[3] is not None:
            continue
        s = d[0]
        r, _, _ = select.select([s], [], [], 0)
        if r and closed_now(s):
            d[3] = time.monotonic() - d[1]
            continue
        try:
            s.send(HEAD[d[2]:d[2] + 1])
            d[2] += 1
        except (BrokenPipeError, ConnectionResetError):
            d[3] = time.monotonic() - d[1]
    time.sleep(0.3)
for i, d in enumerate(dribblers):
    if d[3] is None:
        sys.exit("dribbler %d still open after %.1f s (%d bytes sent)" %
                 (i, time.monotonic() - d[1], d[2]))
    print("dribbler %d: closed after %.2f s, %d bytes sent" % (i, d[3], d[2]))
    if not 1.8 <= d[3] <= 3.5:
        sys.exit("dribbler %d closed after %.2f s, want 1.8-3.5 s" % (i, d[3]))
PY

# hammer.py PORT N READY HOLD_S: N metrics clients at once, each dribbling
# a request head; after 0.5 s writes "held=H refused=R" to READY (refused:
# closed by the bridge), then goes on dribbling for HOLD_S seconds.
cat >"$TMP/hammer.py" <<'PY'
import os, select, socket, sys, time
port, n, ready, hold = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setblocking(False)
    try:
        s.send(b"G")
    except OSError:
        pass
    socks.append(s)
def alive(s):
    r, _, _ = select.select([s], [], [], 0)
    if not r:
        return True
    try:
        return s.recv(100) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
time.sleep(0.5)
live = [s for s in socks if alive(s)]
with open(ready + ".tmp", "w") as f:
    f.write("held=%d refused=%d\n" % (len(live), n - len(live)))
os.rename(ready + ".tmp", ready)
end = time.monotonic() + hold
while time.monotonic() < end:
    for s in live:
        try:
            s.send(b"E")
        except OSError:
            pass
    time.sleep(0.5)
PY

cat >"$TMP/session.py" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
data = b"through route e while metrics is hammered\n" * 100
s.sendall(data)
got = b""
while len(got) < len(data):
    b = s.recv(65536)
    if not b:
        sys.exit("EOF after %d of %d bytes" % (len(got), len(data)))
    got += b
if got != data:
    sys.exit("the echo differs")
s.shutdown(socket.SHUT_WR)
s.recv(1)
print("echoed %d bytes" % len(data))
PY

cat >"$TMP/a.ini" <<EOF
[gateway]
log_level = info
control = $TMP/a.ctl
metrics = 127.0.0.1:$MA_PORT
metrics_max_connections = 4
metrics_timeout = 2s

[route e]
serve = tcp:port=$E_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$S_PORT
EOF

spawn echo "$E2E_BIN/loadpeer" echo "$S_PORT" 120
wait_listen "$S_PORT"
start_bridge a "$TMP/a.ini"
wait_listen "$MA_PORT"

# 1. and 2.
timeout -k 2 20 python3 "$TMP/slow.py" "$MA_PORT" >"$TMP/slow.out" 2>&1 ||
	fail "slow metrics clients: $(cat "$TMP/slow.out")"
note "$(tr '\n' ';' <"$TMP/slow.out")"
n=$(_log_count "$TMP/a.log" ' warn metrics: refused 127\.0\.0\.1:[0-9]+: 4 connections open \(gateway\.metrics_max_connections\)$')
[[ $n == 1 ]] || fail "4 connections over the cap made $n lines at once (want 1, then a count)"
wait_log "$TMP/a.log" ' warn metrics: refused 127\.0\.0\.1:[0-9]+: 4 connections open \(gateway\.metrics_max_connections\) \(3 more in the last 5 s\)$' 8
cat >"$TMP/get.py" <<'PY'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
c.request("GET", "/metrics")
r = c.getresponse()
b = r.read()
sys.exit(0 if r.status == 200 and b"dbgbridge_sessions_open" in b else "status %d" % r.status)
PY
timeout -k 2 10 python3 "$TMP/get.py" "$MA_PORT" >"$TMP/get.out" 2>&1 ||
	fail "GET /metrics once the slow clients have gone: $(cat "$TMP/get.out")"
note "over the cap: closed at once, logged once and counted; the deadline closed every dribbler; then GET 200"

# 4. prlimit(1) lowers a's limit below its lowest free descriptor: every
# accept(2) fails with EMFILE and both listeners pause and retry every
# 250 ms while a relay client and a metrics client wait in their queues.
A_PID=${E2E_BRIDGE_PID[a]}
LIMIT0=$(awk '/^Max open files/ { print $4 ":" $5 }' "/proc/$A_PID/limits")
low=$(ls "/proc/$A_PID/fd" | sort -n | awk 'BEGIN { f = 0 } $1 == f { f++ } END { print f }')
prlimit --pid "$A_PID" --nofile="$low:${LIMIT0#*:}" || hard_error "prlimit --pid $A_PID --nofile=$low failed"
cat >"$TMP/queued.py" <<'PY'
import os, socket, sys, time
m = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=5)
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
data = b"queued while out of descriptors\n"
s.sendall(data)
got = b""
s.settimeout(20)
while len(got) < len(data):
    b = s.recv(65536)
    if not b:
        sys.exit("EOF after %d bytes" % len(got))
    got += b
s.shutdown(socket.SHUT_WR)
s.recv(1)
print("echoed %d bytes once accepted" % len(got))
PY
spawn queued python3 "$TMP/queued.py" "$E_PORT" "$MA_PORT"
QUEUED_PID=$SPAWN_PID
wait_log "$TMP/a.log" " warn 127\\.0\\.0\\.1:$E_PORT: accept: Too many open files\$" 5
wait_log "$TMP/a.log" ' warn metrics: accept: Too many open files; pausing 250 ms$' 5
wait_log "$TMP/a.log" " warn 127\\.0\\.0\\.1:$E_PORT: accept: Too many open files \\([0-9]+ more in the last 5 s\\)\$" 8
wait_log "$TMP/a.log" ' warn metrics: accept: Too many open files; pausing 250 ms \([0-9]+ more in the last 5 s\)$' 8
n=$(_log_count "$TMP/a.log" ": accept: Too many open files")
((n == 4)) || fail "$n accept warnings in 5 s, want 4 (each listener: one at once, then a count): $(grep -F ': accept: Too many open files' "$TMP/a.log")"
note "out of descriptors for 5 s: $(grep -F ': accept: Too many open files' "$TMP/a.log" | cut -d' ' -f3- | tr '\n' ';')"
prlimit --pid "$A_PID" --nofile="$LIMIT0" || hard_error "prlimit --pid $A_PID --nofile=$LIMIT0 failed"
wait_exit "$QUEUED_PID" 15 || fail "the queued client was not served once descriptors were back"
reap "$QUEUED_PID" rc
[[ $rc == 0 ]] || fail "the queued client (status $rc): $(cat "$TMP/queued.out")"
note "limit back: the queued client $(cat "$TMP/queued.out")"
stop_bridge a

# 3.
cat >"$TMP/b.ini" <<EOF
[gateway]
log_level = info
control = $TMP/b.ctl
metrics = 127.0.0.1:$MB_PORT
metrics_max_connections = 200
metrics_timeout = 8s

[route e]
serve = tcp:port=$E_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$S_PORT
EOF
cat >"$TMP/limited" <<EOF
#!$BASH
ulimit -n 64 || exit 99
exec "$REAL" "\$@"
EOF
chmod +x "$TMP/limited"
DBGBRIDGE=$TMP/limited
start_bridge b "$TMP/b.ini"
DBGBRIDGE=$REAL
wait_listen "$MB_PORT"
wait_listen "$E_PORT"
B_PID=${E2E_BRIDGE_PID[b]}
limit=$(awk '/^Max open files/ { print $4 }' "/proc/$B_PID/limits")
[[ $limit == 64 ]] || hard_error "b runs with a limit of '$limit' descriptors, want 64"
# fds PID: descriptors below 64 (one the test's shell left open above the
# limit, inherited, does not count).
fds() { ls "/proc/$1/fd" | awk '$1 < 64 { n++ } END { print n + 0 }'; }
FDS0=$(fds "$B_PID")

spawn hammer python3 "$TMP/hammer.py" "$MB_PORT" 120 "$TMP/ready" 4
HAMMER_PID=$SPAWN_PID
_ready() { [[ -e $TMP/ready ]]; }
_poll 15 _ready || fail "the 120 metrics clients did not get going: $(cat "$TMP/hammer.out")"
read -r line <"$TMP/ready"
[[ $line =~ ^held=([0-9]+)\ refused=([0-9]+)$ ]] || fail "hammer.py: $line"
held=${BASH_REMATCH[1]}
FDS1=$(fds "$B_PID")
((held >= 1)) || fail "b took none of 120 metrics clients: $line"
((FDS1 <= 64 - 16)) || fail "b holds $FDS1 of 64 descriptors with $held metrics clients: fewer than 16 left for sessions: $(ls /proc/$B_PID/fd | sort -n | tr "\n" " ")"
# The limit the daemon sees is 64, less what valgrind keeps for itself when
# it runs under memcheck.
wait_log "$TMP/b.log" ' warn metrics: refused 127\.0\.0\.1:[0-9]+: descriptor [0-9]+ of [0-9]+; the last 16 are kept for sessions$' 15
timeout -k 2 10 python3 "$TMP/session.py" "$E_PORT" >"$TMP/session.out" 2>&1 ||
	fail "a session through route e while $held metrics clients hold on: $(cat "$TMP/session.out")"
_alive "$HAMMER_PID" || fail "the metrics clients left before the session was tried: $(cat "$TMP/hammer.out")"
wait_log "$TMP/b.log" ' info session [0-9]+ route=e .*bytes_up=4200 bytes_down=4200 .*reason="client closed"' 10
note "ulimit -n 64, 120 metrics clients: $line, b at $FDS1 descriptors; a session through e: $(cat "$TMP/session.out")"
wait_exit "$HAMMER_PID" 20 || fail "hammer.py still runs"
reap "$HAMMER_PID" rc
[[ $rc == 0 ]] || fail "hammer.py failed (status $rc): $(cat "$TMP/hammer.out")"
_fds_back() { (($(fds "$B_PID") <= FDS0)); }
_poll 15 _fds_back || fail "b holds $(fds "$B_PID") descriptors once the metrics clients have gone, $FDS0 before"
stop_bridge b
note "metrics_dos: all passed"
