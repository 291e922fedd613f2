#!/usr/bin/env bash
# metrics.sh: [gateway] metrics serves Prometheus text at /metrics and the
# open sessions as JSON at /sessions (doc/design.md "Interfaces"), counted by
# the runtime.
#
#   client --tcp--> route ok      --tcp--> echo server
#   client --tcp--> route refused --tcp--> (nothing listens)
#   client --ssl--> route tls     --tcp--> echo server
#
# Sessions: two complete ones through ok (N bytes each way), one held open
# through ok, two through refused ("server refused"), one plain-text client
# of tls ("handshake failed") and one real TLS client of tls.  Asserts, with
# the exposition parsed line by line (python3) and /sessions with json.loads:
#   1. every family has one HELP and one TYPE line before its samples, every
#      sample line parses, labels unescape;
#   2. dbgbridge_sessions_open, _accepted_total and _total{reason} per route
#      (ok: 1 open, 3 accepted, 2 "client closed"; refused: 2 "server
#      refused"; tls: 1 "handshake failed", 1 "client closed"); ended plus
#      open equals accepted; every other reason is 0;
#   3. dbgbridge_bytes_total counts the open session's bytes too;
#   4. dbgbridge_dial_failures_total: refused 2, others 0;
#   5. histograms: connect_seconds counts ok 3, tls 1, refused 0;
#      handshake_seconds only for tls, count 1; buckets cumulative, +Inf ==
#      _count, _sum >= 0;
#   6. /sessions lists exactly the open session: route, state relaying, both
#      peers (the client's real port), transports, null TLS, bytes 4 each
#      way, age_ms >= idle_ms >= 0; after the client leaves it is gone and
#      /metrics says 3 "client closed", 0 open;
#   7. HEAD is 200 without a body, POST 405 with "Allow: GET, HEAD", another
#      path 404, Content-Type text/plain; version=0.0.4 and application/json;
#      a malformed request line 400, a target that is no URI (/%zz) 400,
#      HTTP/2.0 505, a 9000-byte head 431, an
#      HTTP/1.0 request sent in pieces then half-closed 200 with the body;
#   8. a peer outside metrics_allow is closed at accept, before it sends
#      anything, and logged: 5 of them one line, then "(4 more ...)";
#   9. `dbgbridge -n` refuses a non-loopback metrics address without
#      metrics_allow, with the message naming the key, and accepts it with;
#  10. SIGTERM: exit 0, every log line well-formed.
. "$(dirname "$0")/lib.sh"

need_prog python3 openssl ss timeout
need_bin "$DBGBRIDGE"

free_port M_PORT
free_port M2_PORT
free_port S_PORT
free_port OK_PORT
free_port REF_PORT
free_port DEAD_PORT
free_port TLS_PORT
free_port X_PORT
make_cert gw metrics-e2e
N=65536

# ---------------------------------------------------------------- helpers

# An echo server on 127.0.0.1:PORT: every connection gets back what it
# sends, and is closed once its client has half-closed.
cat >"$TMP/echo.py" <<'PY'
import socket, sys, threading
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", int(sys.argv[1])))
ls.listen(16)
def serve(c):
    with c:
        while True:
            b = c.recv(65536)
            if not b:
                break
            c.sendall(b)
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY

# client.py MODE PORT NBYTES [READY RELEASE]: one session.  MODE plain or
# tls (no verification: the test's own certificate).  Sends NBYTES, reads
# them back, then (with READY) writes its local port to READY and waits for
# the file RELEASE before it half-closes; reads to EOF.  Exit 0 when every
# byte came back.
cat >"$TMP/client.py" <<'PY'
import os, socket, ssl, sys, time
mode, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port), timeout=20)
if mode == "tls":
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s = ctx.wrap_socket(s, server_hostname="localhost")
data = bytes((i * 7) & 0xff for i in range(n))
s.sendall(data)
got = b""
while len(got) < n:
    b = s.recv(65536)
    if not b:
        sys.exit("EOF after %d of %d bytes" % (len(got), n))
    got += b
if got != data:
    sys.exit("the echo differs")
if len(sys.argv) > 4:
    with open(sys.argv[4] + ".tmp", "w") as f:
        f.write(str(s.getsockname()[1]))
    os.rename(sys.argv[4] + ".tmp", sys.argv[4])
    deadline = time.time() + 60
    while not os.path.exists(sys.argv[5]):
        if time.time() > deadline:
            sys.exit("never released")
        time.sleep(0.05)
if mode == "tls":
    s = s.unwrap()
s.shutdown(socket.SHUT_WR)
while s.recv(65536):
    pass
PY

# fetch.py METHOD PORT PATH OUT: one request; OUT.status, OUT.headers (lower
# case names), OUT.body.
cat >"$TMP/fetch.py" <<'PY'
import http.client, sys
method, port, path, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
c.request(method, path)
r = c.getresponse()
body = r.read()
open(out + ".status", "w").write(str(r.status))
open(out + ".headers", "w").write("".join("%s: %s\n" % (k.lower(), v) for k, v in r.getheaders()))
open(out + ".body", "wb").write(body)
PY

# fetch METHOD PORT PATH: sets STATUS, HEADERS, BODY (files $TMP/resp.*).
fetch() {
	rm -f "$TMP"/resp.*
	timeout -k 2 20 python3 "$TMP/fetch.py" "$1" "$2" "$3" "$TMP/resp" \
		>"$TMP/resp.err" 2>&1 ||
		fail "$1 http://127.0.0.1:$2$3 failed: $(cat "$TMP/resp.err")"
	STATUS=$(<"$TMP/resp.status")
	HEADERS=$(<"$TMP/resp.headers")
	BODY=$(<"$TMP/resp.body")
}

# The exposition parser and the checks: check.py BODY EXPECT, EXPECT a
# Python literal {("name", (("label", "value"), ...)): value, ...}.
# Prints what is wrong and exits 1.
cat >"$TMP/check.py" <<'PY'
import ast, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
expect = ast.literal_eval(open(sys.argv[2]).read())
name_re = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
sample_re = re.compile(r"^(%s)(?:\{(.*)\})? (\S+)$" % name_re)

def labels(s):
    out, i = [], 0
    while i < len(s):
        m = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)=\"").match(s, i)
        if not m:
            sys.exit("bad labels: %r" % s)
        i, v = m.end(), ""
        while s[i] != '"':
            if s[i] == "\\":
                v += {"\\": "\\", '"': '"', "n": "\n"}[s[i + 1]]
                i += 2
            else:
                v += s[i]
                i += 1
        out.append((m.group(1), v))
        i += 1
        if i < len(s):
            if s[i] != ",":
                sys.exit("bad labels: %r" % s)
            i += 1
    return tuple(out)

if not text.endswith("\n"):
    sys.exit("the exposition does not end with a newline")
families, samples, current = {}, {}, None
for line in text.split("\n")[:-1]:
    if line.startswith("# HELP "):
        f = line.split(" ", 3)[2]
        if f in families:
            sys.exit("family %s given twice" % f)
        families[f] = None
        current = f
        continue
    if line.startswith("# TYPE "):
        _, _, f, t = line.split(" ")
        if f != current or families[f] is not None:
            sys.exit("TYPE %s not right after its HELP" % f)
        families[f] = t
        continue
    m = sample_re.match(line)
    if not m:
        sys.exit("not a sample line: %r" % line)
    name, lab, value = m.group(1), labels(m.group(2) or ""), float(m.group(3))
    base = re.sub(r"_(bucket|sum|count)$", "", name) \
        if families.get(current) == "histogram" else name
    if base != current:
        sys.exit("sample %s outside its family (in %s)" % (name, current))
    if (name, lab) in samples:
        sys.exit("sample given twice: %s %s" % (name, lab))
    samples[(name, lab)] = value

want_types = {
    "dbgbridge_sessions_open": "gauge",
    "dbgbridge_sessions_accepted_total": "counter",
    "dbgbridge_sessions_total": "counter",
    "dbgbridge_bytes_total": "counter",
    "dbgbridge_connect_seconds": "histogram",
    "dbgbridge_handshake_seconds": "histogram",
    "dbgbridge_dial_failures_total": "counter",
}
if families != want_types:
    sys.exit("families: %s, want %s" % (families, want_types))

for (name, lab), v in expect.items():
    got = samples.get((name, lab))
    if got != v:
        sys.exit("%s%s = %s, want %s" % (name, dict(lab), got, v))

routes = sorted({dict(l)["route"] for (_, l) in samples})
if routes != ["ok", "refused", "tls"]:
    sys.exit("routes: %s" % routes)
for r in routes:
    acc = samples[("dbgbridge_sessions_accepted_total", (("route", r),))]
    op = samples[("dbgbridge_sessions_open", (("route", r),))]
    ended = sum(v for (n, l), v in samples.items()
                if n == "dbgbridge_sessions_total" and dict(l)["route"] == r)
    if ended + op != acc:
        sys.exit("route %s: %d ended + %d open != %d accepted" % (r, ended, op, acc))
    for h in ("dbgbridge_connect_seconds", "dbgbridge_handshake_seconds"):
        b = [(dict(l)["le"], v) for (n, l), v in samples.items()
             if n == h + "_bucket" and dict(l)["route"] == r]
        if not b:
            continue
        b.sort(key=lambda x: float(x[0]))
        if b[-1][0] != "+Inf":
            sys.exit("%s{%s}: last bucket %s" % (h, r, b[-1][0]))
        if any(b[i][1] > b[i + 1][1] for i in range(len(b) - 1)):
            sys.exit("%s{%s}: buckets not cumulative: %s" % (h, r, b))
        count = samples[(h + "_count", (("route", r),))]
        if b[-1][1] != count:
            sys.exit("%s{%s}: +Inf %d != count %d" % (h, r, b[-1][1], count))
        if samples[(h + "_sum", (("route", r),))] < 0:
            sys.exit("%s{%s}: negative sum" % (h, r))
print("%d families, %d samples" % (len(families), len(samples)))
PY

# expect_metrics EXPECT: GET /metrics and check it against EXPECT.
expect_metrics() {
	fetch GET "$M_PORT" /metrics
	[[ $STATUS == 200 ]] || fail "GET /metrics: status $STATUS: $BODY"
	printf '%s\n' "$1" >"$TMP/expect.py"
	cp "$TMP/resp.body" "$TMP/metrics.txt"
	python3 "$TMP/check.py" "$TMP/metrics.txt" "$TMP/expect.py" >"$TMP/check.out" 2>&1 ||
		fail "/metrics: $(cat "$TMP/check.out")
$(cat "$TMP/metrics.txt")"
	note "/metrics: $(cat "$TMP/check.out")"
}

# ---------------------------------------------------------------- 9. -n

cat >"$TMP/open.ini" <<EOF
[gateway]
metrics = 0.0.0.0:$X_PORT

[route r]
serve = tcp:port=$X_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$DEAD_PORT
EOF
rc=0
timeout -k 2 10 "$DBGBRIDGE" -n -f "$TMP/open.ini" >"$TMP/n.out" 2>"$TMP/n.err" || rc=$?
[[ $rc == 1 ]] || fail "-n with metrics = 0.0.0.0:$X_PORT: exit $rc (want 1): $(cat "$TMP/n.err")"
want="gateway.metrics: 0.0.0.0:$X_PORT is not a loopback address; set gateway.metrics_allow to say who may read it"
grep -F -q -- "$want" "$TMP/n.err" ||
	fail "-n with metrics = 0.0.0.0:$X_PORT did not say '$want': $(cat "$TMP/n.err")"
note "-n: $(grep -F -- "$want" "$TMP/n.err")"
printf 'metrics_allow = 192.0.2.0/24\n' >"$TMP/allow.ini"
sed "/^metrics = /r $TMP/allow.ini" "$TMP/open.ini" >"$TMP/open-allow.ini"
rc=0
timeout -k 2 10 "$DBGBRIDGE" -n -f "$TMP/open-allow.ini" >"$TMP/n.out" 2>"$TMP/n.err" || rc=$?
[[ $rc == 0 ]] || fail "-n with metrics = 0.0.0.0 and metrics_allow: exit $rc: $(cat "$TMP/n.err")"

# ---------------------------------------------------------------- the bridge

spawn echo python3 "$TMP/echo.py" "$S_PORT"
wait_listen "$S_PORT"

cat >"$TMP/m.ini" <<EOF
[gateway]
log_level = debug
control = $TMP/m.ctl
metrics = 127.0.0.1:$M_PORT

[route ok]
serve = tcp:port=$OK_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$S_PORT

[route refused]
serve = tcp:port=$REF_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$DEAD_PORT
persist = yes

[route tls]
serve = ssl:proto=tls1,certuser=$TMP/gw.pem,port=$TLS_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$S_PORT
handshake_timeout = 5s
EOF
start_bridge m "$TMP/m.ini"
wait_listen "$M_PORT"
wait_listen "$OK_PORT"
wait_listen "$REF_PORT"
wait_listen "$TLS_PORT"
wait_log "$TMP/m.log" " info metrics serving /metrics and /sessions on 127\\.0\\.0\\.1:$M_PORT\$"
! grep -q 'gateway.metrics: metrics is not in this build' "$TMP/m.log" ||
	fail "the bridge still says metrics are not in this build"

# Before any session: every count 0, the families all there.
expect_metrics "{
 ('dbgbridge_sessions_open', (('route', 'ok'),)): 0,
 ('dbgbridge_sessions_accepted_total', (('route', 'tls'),)): 0,
 ('dbgbridge_connect_seconds_count', (('route', 'ok'),)): 0,
 ('dbgbridge_handshake_seconds_bucket', (('route', 'tls'), ('le', '+Inf'))): 0,
}"

# ---------------------------------------------------------------- sessions

for i in 1 2; do
	timeout -k 2 30 python3 "$TMP/client.py" plain "$OK_PORT" "$N" \
		>"$TMP/client.out" 2>&1 || fail "session $i through ok: $(cat "$TMP/client.out")"
done
for i in 1 2; do
	rc=0
	client_wait_eof "$REF_PORT" 20 || rc=$?
	[[ $rc == 0 ]] || fail "a client of route refused: not disconnected (status $rc)"
done
rc=0
client_wait_eof "$TLS_PORT" 20 $'GET / HTTP/1.0\r\n\r\n' || rc=$?
[[ $rc == 0 ]] || fail "a plain-text client of route tls: not disconnected (status $rc)"
timeout -k 2 30 python3 "$TMP/client.py" tls "$TLS_PORT" "$N" \
	>"$TMP/client.out" 2>&1 || fail "a TLS session through tls: $(cat "$TMP/client.out")"
wait_log "$TMP/m.log" ' info session .*reason=' 15 6

spawn holder python3 "$TMP/client.py" plain "$OK_PORT" 4 "$TMP/ready" "$TMP/release"
HOLDER_PID=$SPAWN_PID
_poll 15 test -e "$TMP/ready" || fail "the held session never relayed: $(cat "$TMP/holder.out")"
HOLD_PORT=$(<"$TMP/ready")

# ---------------------------------------------------------------- /metrics

expect_metrics "{
 ('dbgbridge_sessions_open', (('route', 'ok'),)): 1,
 ('dbgbridge_sessions_open', (('route', 'refused'),)): 0,
 ('dbgbridge_sessions_open', (('route', 'tls'),)): 0,
 ('dbgbridge_sessions_accepted_total', (('route', 'ok'),)): 3,
 ('dbgbridge_sessions_accepted_total', (('route', 'refused'),)): 2,
 ('dbgbridge_sessions_accepted_total', (('route', 'tls'),)): 2,
 ('dbgbridge_sessions_total', (('route', 'ok'), ('reason', 'client closed'))): 2,
 ('dbgbridge_sessions_total', (('route', 'ok'), ('reason', 'other'))): 0,
 ('dbgbridge_sessions_total', (('route', 'refused'), ('reason', 'server refused'))): 2,
 ('dbgbridge_sessions_total', (('route', 'tls'), ('reason', 'handshake failed'))): 1,
 ('dbgbridge_sessions_total', (('route', 'tls'), ('reason', 'client closed'))): 1,
 ('dbgbridge_bytes_total', (('route', 'ok'), ('direction', 'up'))): $((2 * N + 4)),
 ('dbgbridge_bytes_total', (('route', 'ok'), ('direction', 'down'))): $((2 * N + 4)),
 ('dbgbridge_bytes_total', (('route', 'refused'), ('direction', 'up'))): 0,
 ('dbgbridge_bytes_total', (('route', 'tls'), ('direction', 'up'))): $N,
 ('dbgbridge_bytes_total', (('route', 'tls'), ('direction', 'down'))): $N,
 ('dbgbridge_dial_failures_total', (('route', 'ok'),)): 0,
 ('dbgbridge_dial_failures_total', (('route', 'refused'),)): 2,
 ('dbgbridge_dial_failures_total', (('route', 'tls'),)): 0,
 ('dbgbridge_connect_seconds_count', (('route', 'ok'),)): 3,
 ('dbgbridge_connect_seconds_bucket', (('route', 'ok'), ('le', '+Inf'))): 3,
 ('dbgbridge_connect_seconds_count', (('route', 'refused'),)): 0,
 ('dbgbridge_connect_seconds_count', (('route', 'tls'),)): 1,
 ('dbgbridge_handshake_seconds_count', (('route', 'tls'),)): 1,
 ('dbgbridge_handshake_seconds_bucket', (('route', 'tls'), ('le', '+Inf'))): 1,
}"
grep -q -- 'dbgbridge_handshake_seconds_count{route="ok"}' "$TMP/metrics.txt" &&
	fail "/metrics has a handshake histogram for route ok (a tcp serve)"
[[ $HEADERS == *"content-type: text/plain; version=0.0.4; charset=utf-8"* ]] ||
	fail "/metrics Content-Type: $HEADERS"
cp "$TMP/metrics.txt" "$TMP/metrics-sample.txt"

# ---------------------------------------------------------------- /sessions

fetch GET "$M_PORT" /sessions
[[ $STATUS == 200 ]] || fail "GET /sessions: status $STATUS"
[[ $HEADERS == *"content-type: application/json"* ]] || fail "/sessions Content-Type: $HEADERS"
cp "$TMP/resp.body" "$TMP/sessions.json"
python3 - "$TMP/sessions.json" "$HOLD_PORT" "$S_PORT" >"$TMP/check.out" 2>&1 <<'PY' ||
import json, sys
doc = json.loads(open(sys.argv[1], encoding="utf-8").read())
hold, sport = sys.argv[2], sys.argv[3]
if not isinstance(doc, list) or len(doc) != 1:
    sys.exit("want exactly the held session, got %r" % doc)
s = doc[0]
want = {"route": "ok", "state": "relaying",
        "client": "127.0.0.1:" + hold, "client_transport": "tcp",
        "client_tls": None, "client_tls_peer": None,
        "server": "127.0.0.1:" + sport, "server_transport": "tcp",
        "server_tls": None, "server_tls_peer": None,
        "bytes_up": 4, "bytes_down": 4}
for k, v in want.items():
    if s.get(k) != v:
        sys.exit("%s = %r, want %r: %r" % (k, s.get(k), v, s))
if set(s) != set(want) | {"id", "age_ms", "idle_ms"}:
    sys.exit("keys: %s" % sorted(s))
if not (isinstance(s["id"], int) and s["id"] >= 1):
    sys.exit("id: %r" % s["id"])
if not (isinstance(s["age_ms"], int) and isinstance(s["idle_ms"], int)
        and 0 <= s["idle_ms"] <= s["age_ms"] < 60000):
    sys.exit("age_ms %r, idle_ms %r" % (s["age_ms"], s["idle_ms"]))
print("session %d: %s" % (s["id"], json.dumps(s)))
PY
	fail "/sessions: $(cat "$TMP/check.out")
$(cat "$TMP/sessions.json")"
note "/sessions: $(cat "$TMP/check.out")"
cp "$TMP/sessions.json" "$TMP/sessions-sample.json"

# ---------------------------------------------------------------- HTTP

# HEAD: raw, so that a body sent anyway would show (http.client drops it).
fetch GET "$M_PORT" /metrics
GET_LEN=${#BODY}
python3 - "$M_PORT" "$((GET_LEN + 1))" >"$TMP/head.out" 2>&1 <<'PY' ||
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"HEAD /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
d = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    d += b
head, _, body = d.partition(b"\r\n\r\n")
lines = head.decode().split("\r\n")
if lines[0] != "HTTP/1.1 200 OK":
    sys.exit("status line %r" % lines[0])
if body:
    sys.exit("a HEAD reply with %d body bytes" % len(body))
want = "content-length: " + sys.argv[2]
if want not in (l.lower() for l in lines):
    sys.exit("no %r in %r" % (want, lines))
PY
	fail "HEAD /metrics: $(cat "$TMP/head.out")"
fetch POST "$M_PORT" /metrics
[[ $STATUS == 405 ]] || fail "POST /metrics: status $STATUS (want 405)"
[[ $HEADERS == *"allow: GET, HEAD"* ]] || fail "POST /metrics: no 'Allow: GET, HEAD': $HEADERS"
fetch DELETE "$M_PORT" /sessions
[[ $STATUS == 405 ]] || fail "DELETE /sessions: status $STATUS (want 405)"
fetch GET "$M_PORT" /nothing
[[ $STATUS == 404 ]] || fail "GET /nothing: status $STATUS (want 404)"
fetch GET "$M_PORT" /
[[ $STATUS == 404 ]] || fail "GET /: status $STATUS (want 404)"
fetch GET "$M_PORT" '/metrics?x=1'
[[ $STATUS == 200 ]] || fail "GET /metrics?x=1: status $STATUS (want 200)"
# Raw requests: a malformed line, an HTTP/2 line, an oversized head, and an
# HTTP/1.0 request in pieces whose client half-closes before the answer is
# written: each gets its status and then end of file, never a hang.
cat >"$TMP/raw.py" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
def ask(pieces, want, body_has=None):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    for p in pieces:
        s.sendall(p)
        time.sleep(0.05)
    s.shutdown(socket.SHUT_WR)
    d = b""
    while True:
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            break
        if not b:
            break
        d += b
    line = d.split(b"\r\n", 1)[0].decode(errors="replace")
    if not line.startswith("HTTP/1.1 %d " % want):
        sys.exit("%r: status line %r, want %d" % (pieces[0][:40], line, want))
    if b"\r\nConnection: close\r\n" not in d:
        sys.exit("%r: no Connection: close" % pieces[0][:40])
    if body_has is not None and body_has not in d:
        sys.exit("%r: no %r in the answer" % (pieces[0][:40], body_has))
    print("%s -> %s" % (pieces[0][:20], line))
ask([b"BAD\r\n\r\n"], 400)
ask([b"GET /metrics HTTP/2.0\r\n\r\n"], 505)
ask([b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 9000 + b"\r\n\r\n"], 431)
# Targets libevent's URI parser refuses: 400, and the daemon lives on.
ask([b"GET /%zz HTTP/1.1\r\n\r\n"], 400)
ask([b"GET http://[::1/metrics HTTP/1.1\r\n\r\n"], 400)
ask([b"\r\nGET /met", b"rics HTTP/1.0\r\nHo", b"st: x\r\n", b"\r\n"], 200,
    b"dbgbridge_sessions_open{")
PY
timeout -k 2 30 python3 "$TMP/raw.py" "$M_PORT" >"$TMP/raw.out" 2>&1 ||
	fail "raw HTTP requests: $(cat "$TMP/raw.out")"
note "HTTP: HEAD 200 without body, POST/DELETE 405, other paths 404, bad line 400, HTTP/2 505, 9000-byte head 431, a request in pieces 200"

# The held session ends: gone from /sessions, counted as ended.
touch "$TMP/release"
wait_exit "$HOLDER_PID" 15 || fail "the held client did not finish"
reap "$HOLDER_PID" rc
[[ $rc == 0 ]] || fail "the held client failed (status $rc): $(cat "$TMP/holder.out")"
wait_log "$TMP/m.log" ' info session .* route=ok .*reason=' 15 3
fetch GET "$M_PORT" /sessions
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d == [] else "still listed: %r" % d)' "$BODY" ||
	fail "/sessions after the last session ended: $BODY"
expect_metrics "{
 ('dbgbridge_sessions_open', (('route', 'ok'),)): 0,
 ('dbgbridge_sessions_accepted_total', (('route', 'ok'),)): 3,
 ('dbgbridge_sessions_total', (('route', 'ok'), ('reason', 'client closed'))): 3,
 ('dbgbridge_bytes_total', (('route', 'ok'), ('direction', 'up'))): $((2 * N + 4)),
 ('dbgbridge_connect_seconds_count', (('route', 'ok'),)): 3,
}"

# ---------------------------------------------------------------- 8. allow

cat >"$TMP/deny.ini" <<EOF
[gateway]
control = $TMP/deny.ctl
metrics = 127.0.0.1:$M2_PORT
metrics_allow = 192.0.2.0/24, 2001:db8::/32

[route r]
serve = tcp:port=$X_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$DEAD_PORT
EOF
start_bridge deny "$TMP/deny.ini"
wait_listen "$M2_PORT"
# Closed at accept: before the peer has sent anything, with nothing sent
# back, within a second (not after a request, nor at a timeout); 5 of them
# make one line at once and the rest a count (rate-limited).
cat >"$TMP/refused.py" <<'PY'
import socket, sys, time
for i in range(5):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
    t0 = time.monotonic()
    s.settimeout(1.0)
    try:
        d = s.recv(100)
    except ConnectionResetError:
        d = b""
    except socket.timeout:
        sys.exit("connection %d still open 1 s after accept, nothing sent" % i)
    if d:
        sys.exit("connection %d got %r" % (i, d))
    print("closed after %.3f s" % (time.monotonic() - t0))
PY
timeout -k 2 20 python3 "$TMP/refused.py" "$M2_PORT" >"$TMP/refused.out" 2>&1 ||
	fail "a peer outside metrics_allow: $(cat "$TMP/refused.out")"
wait_log "$TMP/deny.log" ' info metrics: refused 127\.0\.0\.1 \(not in gateway\.metrics_allow\)$'
n=$(_log_count "$TMP/deny.log" 'metrics: refused 127\.0\.0\.1 \(not in gateway\.metrics_allow\)$')
[[ $n == 1 ]] || fail "5 refused connections at once made $n lines at once (want 1, then a count)"
wait_log "$TMP/deny.log" ' info metrics: refused 127\.0\.0\.1 \(not in gateway\.metrics_allow\) \(4 more in the last 5 s\)$' 8
note "outside metrics_allow: closed at accept ($(tr '\n' ' ' <"$TMP/refused.out")), one line and a count"

stop_bridge deny
stop_bridge m
note "metrics: all passed"
