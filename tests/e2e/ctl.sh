#!/usr/bin/env bash
# ctl.sh: every `dbgbridge ctl` command against a live daemon (doc/design.md
# "Semantics": DisconnectProcessServer, EndProcessServer,
# WaitForProcessServerEnd).  A session is held open by this shell itself
# through an echo process server.
. "$(dirname "$0")/lib.sh"

need_prog socat ss timeout
need_bin "$DBGBRIDGE"

free_port ECHO_PORT
free_port R1_PORT
free_port R2_PORT
SOCK=$TMP/run/control
mkdir -m 0700 "$TMP/run"

cat >"$TMP/d.ini" <<EOF
[gateway]
control = $SOCK
log_level = debug
[route r1]
serve = tcp:port=$R1_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$ECHO_PORT
[route r2]
serve = tcp:port=$R2_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$ECHO_PORT
EOF

spawn echo socat "TCP-LISTEN:$ECHO_PORT,bind=127.0.0.1,reuseaddr,fork" EXEC:cat
wait_listen "$ECHO_PORT"
start_bridge d "$TMP/d.ini"
wait_listen "$R1_PORT"
wait_listen "$R2_PORT"
wait_log "$TMP/d.log" "info control socket $SOCK" 10

# ctl ARGS...: run `dbgbridge ctl -S SOCK ARGS`; sets OUT, ERR, RC.
ctl() {
	RC=0
	timeout -k 2 20 "$DBGBRIDGE" ctl -S "$SOCK" "$@" >"$TMP/ctl.out" 2>"$TMP/ctl.err" || RC=$?
	OUT=$(<"$TMP/ctl.out")
	ERR=$(<"$TMP/ctl.err")
}

[[ $(stat -c %a "$SOCK") == 600 ]] || fail "control socket mode $(stat -c %a "$SOCK"), want 600"

# A session held open by this shell: bytes go round through the echo server.
exec 5<>"/dev/tcp/127.0.0.1/$R1_PORT"
printf 'ping\n' >&5
read -r -t 10 reply <&5 || fail "no echo through route r1"
[[ $reply == ping ]] || fail "echo said '$reply'"

# The session's arrival is logged, with the server it dials.
wait_log "$TMP/d.log" "^$E2E_TS info session 1 open route=r1 client=127\\.0\\.0\\.1:[0-9]+ client_transport=tcp: dialling 127\\.0\\.0\\.1:$ECHO_PORT\$" 10

ctl list
[[ $RC == 0 ]] || fail "list: exit $RC: $ERR"
grep -E -q "^r1 +serving +1 +1 +5 +5 +tcp:port=$R1_PORT \\(127\\.0\\.0\\.1:$R1_PORT\\)\$" <<<"$OUT" ||
	fail "list: no serving row for r1 with one session and 5 bytes each way:
$OUT"
grep -E -q "^r2 +serving +0 +0 " <<<"$OUT" || fail "list: no row for r2:
$OUT"
grep -E -q "^1 +r1 +relaying +127\\.0\\.0\\.1:[0-9]+ +127\\.0\\.0\\.1:$ECHO_PORT +tcp>tcp +5 +5 " <<<"$OUT" ||
	fail "list: no row for session 1:
$OUT"
note "ok: list"

ctl show 1
[[ $RC == 0 ]] || fail "show 1: exit $RC: $ERR"
for want in "id: 1" "route: r1" "state: relaying" "server: 127.0.0.1:$ECHO_PORT" \
	"client_transport: tcp" "bytes_up: 5" "bytes_down: 5"; do
	grep -F -x -q "$want" <<<"$OUT" || fail "show 1: no line '$want' in:
$OUT"
done
# One name per figure: the names list, show, stats and the log line share.
ctl list
head -n 1 <<<"$OUT" | grep -q " BYTES_UP  *BYTES_DOWN " || fail "list: no BYTES_UP/BYTES_DOWN columns: $OUT"
! grep -q "bytes_read\| UP \| DOWN " <<<"$OUT" || fail "list still says UP/DOWN: $OUT"
note "ok: show"

# --json: one document each, the fields of the session log line.
need_prog python3
ctl list --json
[[ $RC == 0 ]] || fail "list --json: exit $RC: $ERR"
cat >"$TMP/list.py" <<'PY'
import json, sys
doc = json.loads(sys.stdin.read())
routes = {r["name"]: r for r in doc["routes"]}
assert routes["r1"]["state"] == "serving" and routes["r1"]["sessions_open"] == 1, routes
assert routes["r1"]["bytes_up"] == 5 and routes["r1"]["bytes_down"] == 5, routes
assert routes["r2"]["sessions_open"] == 0, routes
(s,) = doc["sessions"]
assert s["id"] == 1 and s["route"] == "r1" and s["state"] == "relaying", s
assert s["server"] == "127.0.0.1:" + sys.argv[1] and s["client_transport"] == "tcp", s
assert s["server_tls"] is None and s["bytes_up"] == 5 and s["bytes_down"] == 5, s
PY
python3 "$TMP/list.py" "$ECHO_PORT" <<<"$OUT" || fail "list --json: $OUT"
ctl show 1 --json
python3 -c 'import json,sys; s=json.loads(sys.stdin.read()); assert s["id"]==1 and s["route"]=="r1", s' <<<"$OUT" ||
	fail "show 1 --json: $OUT"
ctl stats --json
python3 -c 'import json,sys; s=json.loads(sys.stdin.read()); assert s["routes"]==2 and s["sessions_open"]==1 and s["bytes_up"]==5, s' <<<"$OUT" ||
	fail "stats --json: $OUT"
ctl end r2 --json
[[ $RC == 2 && $ERR == "dbgbridge: ctl: --json goes with list, show and stats" ]] ||
	fail "end --json: exit $RC, stderr '$ERR'"
note "ok: --json"

ctl show 99
[[ $RC == 2 && $ERR == "dbgbridge: ctl: no such session '99'" && -z $OUT ]] ||
	fail "show 99: exit $RC, stderr '$ERR', stdout '$OUT'"
ctl end nosuch
[[ $RC == 2 && $ERR == "dbgbridge: ctl: no such route 'nosuch'" ]] ||
	fail "end nosuch: exit $RC, stderr '$ERR'"
ctl frobnicate
[[ $RC == 2 && $ERR == *"unknown command 'frobnicate'"* ]] ||
	fail "frobnicate: exit $RC, stderr '$ERR'"
RC=0
"$DBGBRIDGE" ctl -S "$TMP/run/nothing" list >/dev/null 2>"$TMP/ctl.err" || RC=$?
[[ $RC == 2 && $(<"$TMP/ctl.err") == "dbgbridge: ctl: no daemon at $TMP/run/nothing: No such file or directory" ]] ||
	fail "no daemon: exit $RC, stderr '$(<"$TMP/ctl.err")'"
note "ok: errors"

ctl stats
[[ $RC == 0 ]] || fail "stats: exit $RC: $ERR"
for want in "routes: 2" "sessions_open: 1" "sessions_total: 1" "bytes_up: 5" "bytes_down: 5"; do
	grep -F -x -q "$want" <<<"$OUT" || fail "stats: no line '$want' in:
$OUT"
done
note "ok: stats"

# wait on a route that is serving: S_FALSE after the timeout.
t0=${EPOCHREALTIME/./}
ctl wait r2 --timeout 300
t1=${EPOCHREALTIME/./}
[[ $RC == 1 && $OUT == timeout ]] || fail "wait r2 --timeout 300: exit $RC, stdout '$OUT', stderr '$ERR'"
(((t1 - t0) >= 290000)) || fail "wait r2 --timeout 300 returned after $(((t1 - t0) / 1000)) ms"
note "ok: wait timeout after $(((t1 - t0) / 1000)) ms"

# ctl as people type it: options anywhere, --opt=value, durations with
# units, and -f FILE finding the socket the file configures.
RC=0
OUT=$(timeout -k 2 20 "$DBGBRIDGE" ctl list -S "$SOCK" 2>&1) || RC=$?
[[ $RC == 0 && $OUT == *"r1 "*serving* ]] || fail "ctl list -S SOCK: exit $RC: $OUT"
RC=0
OUT=$(timeout -k 2 20 "$DBGBRIDGE" ctl stats --socket="$SOCK" --json 2>&1) || RC=$?
[[ $RC == 0 && $OUT == "{"*'"sessions_open":1'* ]] || fail "ctl stats --socket=SOCK --json: exit $RC: $OUT"
for t in "--timeout=200" "--timeout 200ms" "--timeout=1s"; do
	t0=${EPOCHREALTIME/./}
	ctl wait $t r2
	t1=${EPOCHREALTIME/./}
	want=${t//[!0-9]/}; [[ $t == *s && $t != *ms ]] && want=$((want * 1000))
	[[ $RC == 1 && $OUT == timeout ]] || fail "wait $t r2: exit $RC, stdout '$OUT', stderr '$ERR'"
	(((t1 - t0) >= want * 1000 - 10000)) || fail "wait $t r2 returned after $(((t1 - t0) / 1000)) ms, want $want"
done
ctl wait r2 --timeout 10x
[[ $RC == 2 && $ERR == *"--timeout takes milliseconds or a duration such as 10s, got '10x'"* ]] ||
	fail "wait --timeout 10x: exit $RC: $ERR"
RC=0
OUT=$(timeout -k 2 20 "$DBGBRIDGE" ctl list -f "$TMP/d.ini" 2>&1) || RC=$?
[[ $RC == 0 && $OUT == *"r1 "*serving* ]] || fail "ctl list -f FILE: exit $RC: $OUT"
note "ok: options anywhere, durations with units, -f FILE"

# disconnect: the session ends (the client sees EOF), the route goes on.
ctl disconnect 1
[[ $RC == 0 && $OUT == "session 1 disconnecting" ]] || fail "disconnect 1: exit $RC, '$OUT' '$ERR'"
if read -r -t 10 extra <&5; then
	fail "the disconnected client read '$extra' instead of EOF"
fi
exec 5<&-
wait_log "$TMP/d.log" ' info session 1 .*reason="disconnected by operator"' 10
exec 5<>"/dev/tcp/127.0.0.1/$R1_PORT"
printf 'again\n' >&5
read -r -t 10 reply <&5 || fail "route r1 did not go on after the disconnect"
[[ $reply == again ]] || fail "echo said '$reply'"
note "ok: disconnect (the route goes on)"

# end one route: it stops serving; wait for it returns "ended" at once.
ctl end r2
[[ $RC == 0 && $OUT == "route r2 ending" ]] || fail "end r2: exit $RC, '$OUT' '$ERR'"
wait_unlisten "$R2_PORT"
ctl wait r2
[[ $RC == 0 && $OUT == ended ]] || fail "wait r2 after its end: exit $RC, '$OUT' '$ERR'"
bridge_running d
note "ok: end r2"

# wait for everything while another client ends it all: both hear back.
RC_WAIT=0
timeout -k 2 20 "$DBGBRIDGE" ctl -S "$SOCK" wait --timeout 15000 >"$TMP/wait.out" 2>&1 &
WAIT_PID=$!
track "$WAIT_PID"
# The waiting client is connected once the daemon's side of it shows up.
_ctl_connected() { [[ -n $(ss -xH state connected "src = $SOCK" 2>/dev/null) ]]; }
_poll 10 _ctl_connected || fail "ctl wait never connected to the daemon"
ctl end
[[ $RC == 0 && $OUT == *"route r1 ending"* ]] || fail "end: exit $RC, '$OUT' '$ERR'"
wait "$WAIT_PID" || RC_WAIT=$?
[[ $RC_WAIT == 0 && $(<"$TMP/wait.out") == ended ]] ||
	fail "wait (all): exit $RC_WAIT, output '$(<"$TMP/wait.out")'"
if read -r -t 10 extra <&5; then
	fail "the client of the ended route read '$extra' instead of EOF"
fi
exec 5<&-
wait_exit "${E2E_BRIDGE_PID[d]}" 15 || fail "the daemon still runs after ctl end"
reap "${E2E_BRIDGE_PID[d]}" rc
[[ $rc == 0 ]] || fail "the daemon exited $rc after ctl end, want 0"
[[ ! -e $SOCK ]] || fail "the control socket is left behind"
wait_log "$TMP/d.log" ' info session 2 .*reason="route ended by operator"' 5
note "ok: end, wait, exit 0"
note "ctl: all passed"
