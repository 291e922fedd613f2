#!/usr/bin/env bash
# notify.sh: the sd_notify(3) datagrams a service manager hears
# (contrib/dbgbridge.service is Type=notify; gateway/notify.h).  A small
# listener stands in for systemd: a python3 AF_UNIX SOCK_DGRAM socket bound to
# a path (then to an abstract name) given as NOTIFY_SOCKET, writing each
# datagram on one line with its newlines shown as '|'.
#   - READY=1, STATUS=serving 2 routes, MAINPID=<the daemon's pid>, once every
#     route listens and the control socket is up; nothing before it;
#   - SIGHUP: RELOADING=1 with MONOTONIC_USEC (CLOCK_MONOTONIC, us), READY=1;
#   - `ctl reload` of a file with a third route: RELOADING=1, then READY=1
#     with STATUS=serving 3 routes;
#   - a reload of a broken file: RELOADING=1, then READY=1 saying the reload
#     failed, the daemon still serving;
#   - dbgbridge -n sends nothing;
#   - SIGTERM: STOPPING=1, exit 0; exactly those eight datagrams, in order;
#   - `ctl end` with a session open (abstract NOTIFY_SOCKET): READY=1, then
#     STOPPING=1 counting the session that drains, exit 0;
#   - with RUNTIME_DIRECTORY set (systemd's RuntimeDirectory=) and no
#     control key, the control socket is RUNTIME_DIRECTORY/control.
. "$(dirname "$0")/lib.sh"

need_prog python3 ss timeout
need_bin "$DBGBRIDGE"

free_port P1
free_port P2
free_port P3
free_port UP
SOCK=$TMP/control

# listen ADDRESS OUT: record datagrams sent to ADDRESS ('@NAME': abstract).
listen() {
	spawn "listener-${2##*/}" python3 -c '
import socket, sys
addr, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
open(out + ".bound", "w").close()
with open(out, "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536).replace(b"\n", b"|") + b"\n")
' "$1" "$2"
	_poll 10 test -e "$2.bound" || hard_error "the notify listener did not start"
}

write_ini() {
	cat >"$TMP/n.ini" <<EOF
[gateway]
control = $SOCK
[route one]
serve = tcp:port=$P1
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$UP
[route two]
serve = tcp:port=$P2
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$UP
$1
EOF
}

# nth FILE N: datagram N (from 1) of FILE, '' when there is none yet.
nth() { sed -n "$2p" "$1" 2>/dev/null || true; }
count() { wc -l <"$1" 2>/dev/null || echo 0; }

# 1. A path; READY once everything serves.
NOTES=$TMP/notes
listen "$TMP/notify" "$NOTES"
write_ini ""
export NOTIFY_SOCKET=$TMP/notify
start_bridge n "$TMP/n.ini"
PID=${E2E_BRIDGE_PID[n]}
wait_log "$NOTES" '^READY=1' 10
# READY comes after the listeners and the control socket, never before.
_listening "$P1" && _listening "$P2" || fail "READY=1 before both routes listen"
[[ -S $SOCK ]] || fail "READY=1 before the control socket exists"
[[ $(nth "$NOTES" 1) == "READY=1|STATUS=serving 2 routes|MAINPID=$PID" ]] ||
	fail "datagram 1: '$(nth "$NOTES" 1)' (want READY=1|STATUS=serving 2 routes|MAINPID=$PID)"

# 2. SIGHUP: RELOADING=1 (with CLOCK_MONOTONIC in microseconds), READY=1.
kill -HUP "$PID"
wait_log "$NOTES" '^READY=1' 10 2
wait_log "$TMP/n.log" 'SIGHUP: reload: ' 10
[[ $(nth "$NOTES" 2) =~ ^RELOADING=1\|MONOTONIC_USEC=([0-9]+)$ ]] ||
	fail "datagram 2: '$(nth "$NOTES" 2)' (want RELOADING=1|MONOTONIC_USEC=N)"
MONO=${BASH_REMATCH[1]}
NOW_US=$(python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000)')
((MONO <= NOW_US && NOW_US - MONO < 60000000)) ||
	fail "MONOTONIC_USEC=$MONO is not CLOCK_MONOTONIC in microseconds (now $NOW_US)"
[[ $(nth "$NOTES" 3) == "READY=1|STATUS=serving 2 routes" ]] ||
	fail "datagram 3: '$(nth "$NOTES" 3)'"

# 3. ctl reload, with a third route.
write_ini "[route three]
serve = tcp:port=$P3
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$UP"
timeout 10 "$DBGBRIDGE" ctl -S "$SOCK" reload >"$TMP/reload.out" 2>&1 ||
	fail "ctl reload failed: $(cat "$TMP/reload.out")"
wait_log "$NOTES" '^READY=1' 10 3
wait_listen "$P3"
[[ $(nth "$NOTES" 4) =~ ^RELOADING=1\|MONOTONIC_USEC=[0-9]+$ ]] ||
	fail "datagram 4: '$(nth "$NOTES" 4)'"
[[ $(nth "$NOTES" 5) == "READY=1|STATUS=serving 3 routes" ]] ||
	fail "datagram 5: '$(nth "$NOTES" 5)'"

# 4. A broken file: the reload fails, the daemon is ready with the old one.
write_ini "[route three]
serve = tcp:port=$P3
bogus = 1"
kill -HUP "$PID"
wait_log "$NOTES" '^READY=1' 10 4
wait_log "$TMP/n.log" 'SIGHUP: reload: .*bogus' 10
[[ $(nth "$NOTES" 6) =~ ^RELOADING=1\|MONOTONIC_USEC=[0-9]+$ ]] ||
	fail "datagram 6: '$(nth "$NOTES" 6)'"
[[ $(nth "$NOTES" 7) == "READY=1|STATUS=serving 3 routes; reload failed, configuration unchanged" ]] ||
	fail "datagram 7: '$(nth "$NOTES" 7)'"
bridge_running n
_listening "$P3" || fail "route three stopped serving after a failed reload"

# 5. -n, on a bad file and on a good one, sends nothing.
"$DBGBRIDGE" -n -f "$TMP/n.ini" >/dev/null 2>&1 || true
write_ini ""
"$DBGBRIDGE" -n -f "$TMP/n.ini" >/dev/null 2>"$TMP/check.err" ||
	fail "-n failed: $(cat "$TMP/check.err")"

# 6. SIGTERM: STOPPING=1 and exit 0 (stop_bridge checks the status).
stop_bridge n
[[ $(nth "$NOTES" 8) == "STOPPING=1|STATUS=stopping: draining 0 sessions" ]] ||
	fail "datagram 8: '$(nth "$NOTES" 8)' (want STOPPING=1)"
N=$(count "$NOTES")
((N == 8)) || fail "$N datagrams, want 8:
$(cat "$NOTES")"

# 7. An abstract name; ctl end with a session open: STOPPING counts it.
NOTES2=$TMP/notes2
ABSTRACT="@dbgbridge-e2e-notify-$$-$RANDOM"
listen "$ABSTRACT" "$NOTES2"
export NOTIFY_SOCKET=$ABSTRACT
spawn upstream python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(4)
c, _ = s.accept()
while True:
    b = c.recv(4096)
    if not b:
        break
    c.sendall(b)
c.close()
' "$UP"
wait_listen "$UP"
# As under contrib/dbgbridge.service: RuntimeDirectory= made the directory.
mkdir -m 0750 "$TMP/rt"
sed '/^control = /d' "$TMP/n.ini" >"$TMP/m.ini"
RUNTIME_DIRECTORY=$TMP/rt start_bridge m "$TMP/m.ini"
PID=${E2E_BRIDGE_PID[m]}
wait_log "$NOTES2" '^READY=1' 10
[[ $(nth "$NOTES2" 1) == "READY=1|STATUS=serving 2 routes|MAINPID=$PID" ]] ||
	fail "abstract: datagram 1: '$(nth "$NOTES2" 1)'"
[[ -S $TMP/rt/control ]] || fail "no control socket in RUNTIME_DIRECTORY: $(ls -la "$TMP/rt")"
# A client that stays: its session drains after ctl end.
exec 7<>"/dev/tcp/127.0.0.1/$P1"
printf 'ping' >&7
REPLY=
read -r -t 10 -n 4 REPLY <&7 || true
[[ $REPLY == ping ]] || fail "no echo through route one (got '$REPLY')"
RUNTIME_DIRECTORY=$TMP/rt timeout 10 "$DBGBRIDGE" ctl end >"$TMP/end.out" 2>&1 ||
	fail "ctl end failed: $(cat "$TMP/end.out")"
wait_log "$NOTES2" '^STOPPING=1' 10
[[ $(nth "$NOTES2" 2) == "STOPPING=1|STATUS=stopping: draining 1 session" ]] ||
	fail "abstract: datagram 2: '$(nth "$NOTES2" 2)'"
exec 7>&-
wait_exit "$PID" 40 || fail "bridge m did not exit after ctl end"
reap "$PID" RC
unset "E2E_BRIDGE_PID[m]"
[[ $RC == 0 ]] || fail "bridge m exited $RC after ctl end (want 0)"
N=$(count "$NOTES2")
((N == 2)) || fail "abstract: $N datagrams, want 2:
$(cat "$NOTES2")"
check_log_format m
unset NOTIFY_SOCKET
note "READY, RELOADING/READY (SIGHUP, ctl reload, a failed reload), STOPPING (SIGTERM, ctl end)"
