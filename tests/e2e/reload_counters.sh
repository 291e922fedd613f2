#!/usr/bin/env bash
# reload_counters.sh: counters are per daemon and per route name and survive
# reloads (doc/dbgbridge.8 "STATISTICS"): `ctl stats` totals, `ctl list`
# totals and the Prometheus counters of /metrics never go down while the
# process lives, and a session open across a reload is counted.
#
#   client --tcp--> route a --tcp--> echo server
#   client --tcp--> route b --tcp--> echo server
#
# Asserts:
#   1. after 3 sessions through a (N bytes each way), 1 through b and one
#      held open through a (4 bytes each way): /metrics a accepted 4, open 1,
#      3 "client closed", bytes 3N+4 each way; b accepted 1; ctl stats
#      sessions_total 5, sessions_open 1;
#   2. `ctl reload` of the unchanged file (every route retired and made
#      anew): the same numbers in /metrics, ctl stats and ctl list (TOTAL 4
#      on each of a's rows, the retired one holding the open session);
#   3. a reload that changes a and removes b: a's and b's counts unchanged,
#      b's series still there; one more session through the new a: accepted
#      5;
#   4. the held session ends: a open 0, 5 "client closed", its bytes in the
#      totals (4N+4 each way), ctl stats sessions_total 6, bytes 5N+4;
#   5. across every snapshot, no counter of /metrics went down and no series
#      disappeared; SIGTERM: exit 0.
. "$(dirname "$0")/lib.sh"

need_prog python3 ss timeout
need_bin "$DBGBRIDGE" "$E2E_BIN/loadpeer"

free_port M_PORT
free_port S_PORT
free_port A_PORT
free_port B_PORT
SOCK=$TMP/rc.ctl
N=1000

# client.py PORT NBYTES [READY RELEASE]: one session; sends NBYTES, reads
# them back; with READY, says so and waits for the file RELEASE; then
# half-closes and reads to EOF.
cat >"$TMP/client.py" <<'PY'
import os, socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port), timeout=20)
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
if len(sys.argv) > 3:
    open(sys.argv[3], "w").close()
    deadline = time.time() + 60
    while not os.path.exists(sys.argv[4]):
        if time.time() > deadline:
            sys.exit("never released")
        time.sleep(0.05)
s.shutdown(socket.SHUT_WR)
while s.recv(65536):
    pass
PY

# snap.py PORT OUT: GET /metrics into OUT.
cat >"$TMP/snap.py" <<'PY'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
c.request("GET", "/metrics")
r = c.getresponse()
body = r.read()
if r.status != 200:
    sys.exit("status %d" % r.status)
open(sys.argv[2], "wb").write(body)
PY

# mono.py SNAP...: every counter (a sample of a counter or histogram
# family) of each snapshot is there, at least as high, in the next one.
cat >"$TMP/mono.py" <<'PY'
import sys
def load(p):
    types, out = {}, {}
    for line in open(p, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("# TYPE "):
            _, _, f, t = line.split(" ")
            types[f] = t
        elif line and not line.startswith("#"):
            key, v = line.rsplit(" ", 1)
            name = key.split("{")[0]
            fam = name
            for suf in ("_bucket", "_sum", "_count"):
                if name.endswith(suf) and name[:-len(suf)] in types:
                    fam = name[:-len(suf)]
            if types.get(fam) in ("counter", "histogram"):
                out[key] = float(v)
    return out
snaps = [load(p) for p in sys.argv[1:]]
for i in range(1, len(snaps)):
    for k, v in snaps[i - 1].items():
        if k not in snaps[i]:
            sys.exit("snapshot %d: %s disappeared" % (i, k))
        if snaps[i][k] < v:
            sys.exit("snapshot %d: %s went down: %s -> %s" % (i, k, v, snaps[i][k]))
print("%d snapshots, %d counters, none went down" % (len(snaps), len(snaps[-1])))
PY

SNAPS=()
# snap: GET /metrics into $TMP/snapN.txt, kept for the monotony check.
snap() {
	local f=$TMP/snap${#SNAPS[@]}.txt
	timeout -k 2 20 python3 "$TMP/snap.py" "$M_PORT" "$f" >"$TMP/snap.err" 2>&1 ||
		fail "GET /metrics: $(cat "$TMP/snap.err")"
	SNAPS+=("$f")
	SNAP=$f
}
# want SAMPLE VALUE: the last snapshot has the line "SAMPLE VALUE".
want() {
	grep -F -x -q -- "$1 $2" "$SNAP" ||
		fail "${3:-}/metrics: want '$1 $2', have '$(grep -F -- "$1 " "$SNAP" || echo none)'"
}
# stat KEY: a value of `ctl stats`.
stat() {
	"$DBGBRIDGE" ctl -S "$SOCK" stats | awk -F': ' -v k="$1" '$1 == k { print $2 }'
}
want_stat() {
	local v
	v=$(stat "$1")
	[[ $v == "$2" ]] || fail "${3:-}ctl stats: $1 is '$v', want $2"
}
# list_rows ROUTE: "STATE SESSIONS TOTAL UP DOWN" of each of ROUTE's rows of
# `ctl list`, one per line.
list_rows() {
	"$DBGBRIDGE" ctl -S "$SOCK" list |
		awk -v r="$1" 'NF == 0 { exit } $1 == r { print $2, $3, $4, $5, $6 }'
}
session() {
	timeout -k 2 30 python3 "$TMP/client.py" "$1" "$N" >"$TMP/client.out" 2>&1 ||
		fail "a session through port $1: $(cat "$TMP/client.out")"
}

# write_ini ROUTE_A_EXTRA WITH_B
write_ini() {
	cat >"$TMP/rc.ini" <<EOF
[gateway]
log_level = debug
control = $SOCK
metrics = 127.0.0.1:$M_PORT

[route a]
serve = tcp:port=$A_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$S_PORT
$1
EOF
	[[ $2 == yes ]] || return 0
	cat >>"$TMP/rc.ini" <<EOF

[route b]
serve = tcp:port=$B_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$S_PORT
EOF
}

spawn echo "$E2E_BIN/loadpeer" echo "$S_PORT" 120
wait_listen "$S_PORT"
write_ini "" yes
start_bridge rc "$TMP/rc.ini"
wait_listen "$M_PORT"
wait_listen "$A_PORT"
wait_listen "$B_PORT"
wait_log "$TMP/rc.log" "info control socket $SOCK" 10

# 1.
for i in 1 2 3; do session "$A_PORT"; done
session "$B_PORT"
spawn holder python3 "$TMP/client.py" "$A_PORT" 4 "$TMP/ready" "$TMP/release"
HOLDER_PID=$SPAWN_PID
_ready() { [[ -e $TMP/ready ]]; }
_poll 20 _ready || fail "the held session did not get its echo"
wait_log "$TMP/rc.log" ' info session .* route=b .*reason="client closed"' 10 1
wait_log "$TMP/rc.log" ' info session .* route=a .*reason="client closed"' 10 3

# check_held WHEN: the counts while the held session is open.
check_held() {
	snap
	want 'dbgbridge_sessions_accepted_total{route="a"}' 4 "$1: "
	want 'dbgbridge_sessions_open{route="a"}' 1 "$1: "
	want 'dbgbridge_sessions_total{route="a",reason="client closed"}' 3 "$1: "
	want 'dbgbridge_bytes_total{route="a",direction="up"}' $((3 * N + 4)) "$1: "
	want 'dbgbridge_bytes_total{route="a",direction="down"}' $((3 * N + 4)) "$1: "
	want 'dbgbridge_connect_seconds_count{route="a"}' 4 "$1: "
	want 'dbgbridge_sessions_accepted_total{route="b"}' 1 "$1: "
	want 'dbgbridge_bytes_total{route="b",direction="up"}' "$N" "$1: "
	want_stat sessions_total 5 "$1: "
	want_stat sessions_open 1 "$1: "
	want_stat bytes_up $((4 * N + 4)) "$1: "
}
check_held "before any reload"
note "before the reload: a accepted 4 (1 open), b 1; ctl stats sessions_total 5"

# 2. The unchanged file.
"$DBGBRIDGE" ctl -S "$SOCK" reload >"$TMP/reload.out" 2>&1 ||
	fail "ctl reload: $(cat "$TMP/reload.out")"
wait_log "$TMP/rc.log" 'info route a: retired by the reload; 1 open session goes on' 5
check_held "after reloading the unchanged file"
rows=$(list_rows a)
[[ $rows == *"retired 1 4 $((3 * N + 4)) $((3 * N + 4))"* && $rows == *"serving 0 4 $((3 * N + 4)) $((3 * N + 4))"* ]] ||
	fail "ctl list after the reload: route a's rows are
$rows
want a retired row with the open session and a serving one, both with TOTAL 4 and $((3 * N + 4)) bytes each way"
note "an unchanged reload: the same counts in /metrics, ctl stats and ctl list"

# 3. a changed, b removed.
write_ini "idle_timeout = 1h" no
"$DBGBRIDGE" ctl -S "$SOCK" reload >"$TMP/reload.out" 2>&1 ||
	fail "the second ctl reload: $(cat "$TMP/reload.out")"
wait_unlisten "$B_PORT"
check_held "after a reload that removed b"
session "$A_PORT"
wait_log "$TMP/rc.log" ' info session .* route=a .*reason="client closed"' 10 4
snap
want 'dbgbridge_sessions_accepted_total{route="a"}' 5
want 'dbgbridge_sessions_open{route="a"}' 1
want 'dbgbridge_sessions_accepted_total{route="b"}' 1
note "a reload that removed b: b's series stay; a counts on (accepted 5)"

# 4. The held session ends.
touch "$TMP/release"
wait_exit "$HOLDER_PID" 15 || fail "the held client did not finish"
reap "$HOLDER_PID" rc
[[ $rc == 0 ]] || fail "the held client failed (status $rc): $(cat "$TMP/holder.out")"
wait_log "$TMP/rc.log" ' info session .* route=a .*bytes_up=4 bytes_down=4 .*reason="client closed"' 10
snap
want 'dbgbridge_sessions_open{route="a"}' 0
want 'dbgbridge_sessions_accepted_total{route="a"}' 5
want 'dbgbridge_sessions_total{route="a",reason="client closed"}' 5
want 'dbgbridge_bytes_total{route="a",direction="up"}' $((4 * N + 4))
want 'dbgbridge_bytes_total{route="a",direction="down"}' $((4 * N + 4))
want_stat sessions_total 6
want_stat sessions_open 0
want_stat bytes_up $((5 * N + 4))
want_stat bytes_down $((5 * N + 4))
note "the session held across both reloads: counted, its bytes in the totals"

# 5.
python3 "$TMP/mono.py" "${SNAPS[@]}" >"$TMP/mono.out" 2>&1 ||
	fail "$(cat "$TMP/mono.out")"
note "$(cat "$TMP/mono.out")"
stop_bridge rc
note "reload_counters: all passed"
