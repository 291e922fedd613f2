#!/usr/bin/env bash
# logs.sh: log_format = json, and log = syslog with a facility.
#
#   client --tcp--> bridge a (json log), route pinned (pins evil) --ssl--> bridge b --tcp--> upstream
#   client --tcp--> bridge a (json log), route wrongpin (pins good) --ssl--> bridge b
#
# Bridge b serves a certificate whose CN holds a double quote, a control byte
# (0x01), a newline and a backslash: strings a peer controls.  Asserts:
#   1. every line bridge a writes on stderr is one JSON object (json.loads)
#      with ts (RFC 3339 UTC, milliseconds), level and msg;
#   2. the session line of route pinned: msg is the whole text line
#      ("session N route=pinned ... reason=\"...\"") with no control
#      character in it, its server_tls_peer="..." field still one quoted
#      field (the CN's quote escaped), and the same values as JSON members
#      (session, route, server_tls, server_tls_peer, bytes_up, ...);
#   3. the session line of route wrongpin: the reason names the certificate
#      it got, quote and control bytes escaped, and stays one field;
#   4. bridge b's text log keeps its form (TIMESTAMP LEVEL message);
#   5. -n: log = syslog with syslog_facility = local3 passes; local9,
#      log_format = yaml, and a facility without log = syslog are errors
#      naming the key, all reported together;
#   6. (root with unshare only) a daemon with log = syslog, local3, json,
#      in a mount namespace where a listener owns /dev/log: its datagrams
#      carry priority 158 (local3 * 8 + info) and a JSON object.
. "$(dirname "$0")/lib.sh"

need_prog openssl python3 ss timeout
need_bin "$DBGBRIDGE"

free_port A1
free_port A2
free_port B_PORT
free_port UP

# A certificate with a hostile CN: '"', 0x01, a newline, a backslash.
EVIL_CN="evil\"quote$(printf '\001')ctl
line\\\\back"
if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	-nodes -days 2 -utf8 -subj "/CN=$EVIL_CN" \
	-addext "subjectAltName=IP:127.0.0.1" \
	-keyout "$TMP/evil.key" -out "$TMP/evil.crt" >"$TMP/openssl.err" 2>&1; then
	hard_error "openssl could not make the certificate: $(cat "$TMP/openssl.err")"
fi
(umask 077 && cat "$TMP/evil.crt" "$TMP/evil.key" >"$TMP/evil.pem")
make_cert good logs-e2e-good

# The upstream answers each connection with one line and closes.
spawn upstream python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
while True:
    c, _ = s.accept()
    c.sendall(b"hello\n")
    c.close()
' "$UP"
wait_listen "$UP"

cat >"$TMP/b.ini" <<EOF
[gateway]
control = $TMP/b.control
log_level = debug
[route b]
serve = ssl:proto=tls1,certuser=$TMP/evil.pem,port=$B_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$UP
EOF
cat >"$TMP/a.ini" <<EOF
[gateway]
control = $TMP/a.control
log_level = debug
log_format = json
[route pinned]
serve = tcp:port=$A1
bind = 127.0.0.1
connect = ssl:proto=tls1,certuser=$TMP/evil.crt,server=127.0.0.1,port=$B_PORT
[route wrongpin]
serve = tcp:port=$A2
bind = 127.0.0.1
connect = ssl:proto=tls1,certuser=$TMP/good.crt,server=127.0.0.1,port=$B_PORT
EOF

start_bridge b "$TMP/b.ini"
wait_listen "$B_PORT"
start_bridge a "$TMP/a.ini"
wait_listen "$A1"
wait_listen "$A2"

client_wait_eof "$A1" 20 "hi" || fail "route pinned: no clean end (status $?)"
wait_log "$TMP/a.log" '"msg":"session [0-9]+ route=pinned ' 10
client_wait_eof "$A2" 20 "hi" || fail "route wrongpin: no clean end (status $?)"
wait_log "$TMP/a.log" '"msg":"session [0-9]+ route=wrongpin ' 10

# Stop a by hand: stop_bridge checks the text form.
PID=${E2E_BRIDGE_PID[a]}
kill -TERM "$PID"
wait_exit "$PID" 30 || fail "bridge a did not exit after SIGTERM"
reap "$PID" RC
unset "E2E_BRIDGE_PID[a]"
[[ $RC == 0 ]] || fail "bridge a exited $RC after SIGTERM (want 0)"
stop_bridge b

# 1-3: the JSON lines.
python3 - "$TMP/a.log" >"$TMP/check.out" 2>&1 <<'PY' || fail "bridge a's JSON log: $(cat "$TMP/check.out")"
import json, re, sys

TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
# One quoted field of the text form: escapes as gw_log_escape writes them.
QUOTED = r'"((?:[^"\\]|\\.)*)"'
sessions = {}
n = 0
with open(sys.argv[1], "rb") as f:
    for i, raw in enumerate(f, 1):
        line = raw.decode("utf-8")          # valid UTF-8 or this fails
        assert line.endswith("\n"), f"line {i} has no newline"
        o = json.loads(line)
        assert isinstance(o, dict), f"line {i} is not an object"
        assert list(o)[:3] == ["ts", "level", "msg"], f"line {i}: {list(o)}"
        assert TS.match(o["ts"]), f"line {i}: ts {o['ts']!r}"
        assert o["level"] in ("error", "warn", "info", "debug"), o["level"]
        assert isinstance(o["msg"], str) and o["msg"], f"line {i}: msg"
        assert not re.search(r"[\x00-\x1f\x7f]", o["msg"]), \
            f"line {i}: a control character in msg: {o['msg']!r}"
        m = re.match(r"session (\d+) route=(\S+) ", o["msg"])
        if m:
            sessions[m.group(2)] = o
        n += 1
assert n >= 5, f"only {n} lines"

def unescape(s):
    return re.sub(r'\\x([0-9a-f]{2})|\\(.)',
                  lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2), s)

# 2. The pinned session: the subject is one field, escaped, and a member.
p = sessions.get("pinned")
assert p is not None, "no session line for route pinned"
msg = p["msg"]
m = re.search(r" server_tls=TLSv1\.[23] server_tls_peer=" + QUOTED + r" bytes_up=", msg)
assert m, f"server_tls_peer is not one quoted field: {msg!r}"
peer = unescape(m.group(1))
# OpenSSL writes the subject as RFC 2253 (a quote as \", control bytes as \XX).
assert peer == r'CN=evil\"quote\01ctl\0Aline\\back', f"subject {peer!r}"
assert re.search(r' reason=' + QUOTED + r'$', msg), f"reason: {msg!r}"
assert p["session"] == int(re.match(r"session (\d+)", msg).group(1))
assert p["route"] == "pinned"
assert p["client_transport"] == "tcp" and p["client_tls"] is None
assert p["server_transport"] == "ssl" and p["server_tls"] in ("TLSv1.2", "TLSv1.3")
assert p["server_tls_peer"] == m.group(1), (p["server_tls_peer"], m.group(1))
assert p["bytes_up"] == 2 and p["bytes_down"] == 6, (p["bytes_up"], p["bytes_down"])
# The upstream may close before it reads the client's "hi": its kernel then
# resets, and the bridges pass the reset on ("server reset").
assert isinstance(p["duration_ms"], int) and p["reason"] in (
    "server closed", "client closed", "server reset"), p["reason"]

# 3. The refused session: the reason names what it got, escaped.
w = sessions.get("wrongpin")
assert w is not None, "no session line for route wrongpin"
m = re.search(r' reason=' + QUOTED + r'$', w["msg"])
assert m, f"reason is not one quoted field at the end: {w['msg']!r}"
reason = unescape(m.group(1))
assert reason.startswith("handshake failed") or "certificate" in reason, reason
assert 'evil"quote' in reason, f"the reason does not name the subject: {reason!r}"
assert w["reason"] == m.group(1), (w["reason"], m.group(1))
print(f"{n} lines, sessions {sorted(sessions)}")
PY
note "$(cat "$TMP/check.out")"

# 5. -n: the syslog keys.
check() {
	cat >"$TMP/s.ini" <<EOF
[gateway]
$1
[route r]
serve = tcp:port=$A1
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$UP
EOF
	RC=0
	"$DBGBRIDGE" -n -f "$TMP/s.ini" >"$TMP/n.out" 2>"$TMP/n.err" || RC=$?
}
check "log = syslog
syslog_facility = local3
log_format = json"
((RC == 0)) || fail "-n refused log = syslog, syslog_facility = local3: $(cat "$TMP/n.err")"
check "log = syslog
syslog_facility = LOCAL7"
((RC == 0)) || fail "-n refused syslog_facility = LOCAL7: $(cat "$TMP/n.err")"
check "log = syslog
syslog_facility = local9
log_format = yaml"
((RC == 1)) || fail "-n with syslog_facility = local9: exit $RC (want 1)"
grep -q -- "gateway.syslog_facility: must be one of daemon, user, local0, local1, local2, local3, local4, local5, local6, local7, got 'local9'" "$TMP/n.err" ||
	fail "no error naming syslog_facility: $(cat "$TMP/n.err")"
grep -q -- "gateway.log_format: must be text or json, got 'yaml'" "$TMP/n.err" ||
	fail "no error naming log_format: $(cat "$TMP/n.err")"
check "syslog_facility = local3"
((RC == 1)) || fail "-n with a facility and log = stderr: exit $RC (want 1)"
grep -q -- "gateway.syslog_facility: only applies with gateway.log = syslog" "$TMP/n.err" ||
	fail "no error for a facility without syslog: $(cat "$TMP/n.err")"

# 6. Real syslog datagrams, where a private /dev can be had.
syslog_check() {
	local out=$TMP/syslog.out
	cat >"$TMP/sl.ini" <<EOF
[gateway]
control = $TMP/sl.control
log = syslog
syslog_facility = local3
log_format = json
[route r]
serve = tcp:port=$A1
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$UP
EOF
	# In a private mount namespace: a fresh /dev holding null, zero and
	# urandom from the real one, and a listener at /dev/log.
	timeout -k 2 30 unshare -m --propagation private bash -c '
		set -e
		tmp=$1 daemon=$2 out=$3
		mkdir "$tmp/dev"
		mount -t tmpfs tmpfs "$tmp/dev"
		for d in null zero urandom random; do
			touch "$tmp/dev/$d"
			mount --bind "/dev/$d" "$tmp/dev/$d"
		done
		mount --bind "$tmp/dev" /dev
		python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(\"/dev/log\")
s.settimeout(20)
with open(sys.argv[1], \"ab\", buffering=0) as f:
    while True:
        d = s.recv(65536)
        f.write(d.replace(b\"\\n\", b\" \") + b\"\\n\")
        if b\"control socket\" in d:
            break
" "$out" &
		lp=$!
		for i in $(seq 100); do [ -S /dev/log ] && break; sleep 0.05; done
		"$daemon" -f "$tmp/sl.ini" </dev/null >/dev/null 2>&1 &
		dp=$!
		wait "$lp" || true
		kill -TERM "$dp"
		wait "$dp"
	' _ "$TMP" "$DBGBRIDGE" "$out" >"$TMP/unshare.out" 2>&1
}
if ((EUID == 0)) && command -v unshare >/dev/null 2>&1; then
	if syslog_check; then
		grep -q . "$TMP/syslog.out" || fail "no syslog datagram: $(cat "$TMP/unshare.out")"
		python3 - "$TMP/syslog.out" >"$TMP/sl.check" 2>&1 <<'PY' || fail "syslog: $(cat "$TMP/sl.check")"
import json, re, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert lines, "no datagram"
for l in lines:
    # RFC 3164 as glibc's syslog(3) writes it: <PRI>TIMESTAMP TAG[PID]: MSG
    m = re.match(r"<(\d+)>.*?dbgbridge\[\d+\]: (\{.*\})$", l)
    assert m, f"not a dbgbridge syslog line: {l!r}"
    pri = int(m.group(1))
    assert pri >> 3 == 19, f"facility {pri >> 3} (want local3, 19): {l!r}"
    o = json.loads(m.group(2))
    assert list(o)[:3] == ["ts", "level", "msg"], o
    assert {"info": 6, "warn": 4, "error": 3, "debug": 7}[o["level"]] == pri & 7, l
assert any(json.loads(re.search(r"(\{.*\})$", l).group(1))["msg"].startswith("route r serving") for l in lines), lines
print(f"{len(lines)} syslog datagrams, local3")
PY
		note "$(cat "$TMP/sl.check")"
	else
		note "no private /dev here (unshare: $(head -c 200 "$TMP/unshare.out")); syslog delivery not checked"
	fi
else
	note "not root or no unshare: syslog delivery not checked"
fi
