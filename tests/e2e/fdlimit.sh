#!/usr/bin/env bash
# fdlimit.sh: dbgbridge under `ulimit -n 64` meets 200 connection attempts
# at once: it survives, refuses what it must with a reason in its log, keeps
# its open sessions whole, and serves again once descriptors free up.
#
#   loadpeer stream / flood --tcp--> bridge b (ulimit -n 64, route f) --tcp--> loadpeer echo
#
# Asserts:
#   1. b runs with a limit of 64 descriptors;
#   2. 200 clients at once, each sending a 64-byte message, waiting for its
#      echo and holding its connection for 4 s: some are served (their own
#      message back), not all can be (refused, or left waiting in the accept
#      queue), and b's log says why: "Too many open files"; of 5 more
#      clients while the 200 hold, none waits: they are refused at once (at
#      least one; a descriptor or two may have come free meanwhile);
#   3. every session b took ends with one line once the clients have gone
#      (b's control socket counts only the bystander's open), and those it
#      could not serve name the cause ("descriptor limit: Too many open
#      files", or "server unreachable: ..." when the limit met the server's
#      socket);
#   4. then 10 clients at once (well within what 64 descriptors hold) are
#      all served: b serves again;
#   5. a bystander stream (1 MB/s each way, every byte checked) opened
#      before the 200 ends "ok" with every byte back in order, and b's line
#      for it counts exactly those bytes each way;
#   6. b still runs, goes back to the descriptors it held before (nothing
#      leaked), and exits 0 on SIGTERM with a well-formed log.
. "$(dirname "$0")/lib.sh"

need_prog ss timeout
need_bin "$DBGBRIDGE" "$E2E_BIN/loadpeer"
LOADPEER=$E2E_BIN/loadpeer

SEED=$((RANDOM * 32768 + RANDOM))
N=200
REAL=$DBGBRIDGE

free_port ECHO
free_port F
cat >"$TMP/b.ini" <<EOF
[gateway]
log_level = info
control = $TMP/b.ctl

[route f]
serve = tcp:port=$F
connect = tcp:server=127.0.0.1,port=$ECHO
bind = 127.0.0.1
connect_timeout = 10s
drain_timeout = 10s
persist = yes
EOF
cat >"$TMP/limited" <<EOF
#!$BASH
ulimit -n 64 || exit 99
exec "$REAL" "\$@"
EOF
chmod +x "$TMP/limited"

spawn echo "$LOADPEER" echo "$ECHO" 300
wait_listen "$ECHO"
DBGBRIDGE=$TMP/limited
start_bridge b "$TMP/b.ini"
DBGBRIDGE=$REAL
wait_listen "$F"
wait_log "$TMP/b.log" " info route f serving " 10
B_PID=${E2E_BRIDGE_PID[b]}

# 1.
limit=$(awk '/^Max open files/ { print $4 }' "/proc/$B_PID/limits")
[[ $limit == 64 ]] || hard_error "b runs with a limit of '$limit' descriptors, want 64"
fds() { local f=(/proc/"$1"/fd/*); echo "${#f[@]}"; }
open_sessions() {
	"$DBGBRIDGE" ctl -S "$TMP/b.ctl" stats 2>/dev/null |
		awk -F': ' '$1 == "sessions_open" { print $2 }'
}
FDS0=$(fds "$B_PID")
note "b holds $FDS0 of its 64 descriptors when idle"

spawn by "$LOADPEER" stream -r 1000000 "$F" "$SEED" 200
BY_PID=$SPAWN_PID
# The bystander's up count in b, from the control socket's session list.
by_up() {
	"$DBGBRIDGE" ctl -S "$TMP/b.ctl" list 2>/dev/null |
		awk '$2 == "f" && $3 == "relaying" { print $7; exit }'
}
_moving() { local n; n=$(by_up); ((${n:-0} >= 500000)); }
_poll 10 _moving || fail "the bystander's session did not get going (up: $(by_up))"

# 2. 200 at once, each held open for 4 s.
spawn flood "$LOADPEER" flood -h -w 4000 "$F" "$N" 50
FLOOD_PID=$SPAWN_PID
wait_log "$TMP/b.log" 'Too many open files' 10
note "b says: $(grep -m 1 'Too many open files' "$TMP/b.log")"
# While they hold what b could give, 5 more are refused, each with a line.
rc=0
timeout -k 2 30 "$LOADPEER" flood -w 2000 "$F" 5 20 >"$TMP/more.out" 2>&1 || rc=$?
read -r line <"$TMP/more.out" || true
_alive "$FLOOD_PID" || fail "the 200 did not hold their connections for 4 s: $(cat "$TMP/flood.out")"
[[ $rc == 0 && $line =~ ^served=([0-9])\ refused=([0-9])\ pending=0\ connected=5$ ]] &&
	((BASH_REMATCH[1] + BASH_REMATCH[2] == 5 && BASH_REMATCH[2] >= 1)) ||
	fail "5 more clients while b is out of descriptors: want them refused at once (a descriptor or two may have come free): status $rc: $line"
note "5 more clients while the 200 hold: $line"
wait_exit "$FLOOD_PID" 20 || fail "loadpeer flood still runs 20 s after its 4 s hold"
reap "$FLOOD_PID" rc
[[ $rc == 0 ]] || fail "loadpeer flood failed (status $rc): $(cat "$TMP/flood.out")"
read -r line <"$TMP/flood.out"
[[ $line =~ ^served=([0-9]+)\ refused=([0-9]+)\ pending=([0-9]+)\ connected=([0-9]+)$ ]] ||
	fail "loadpeer flood: $line"
served=${BASH_REMATCH[1]} refused=${BASH_REMATCH[2]} pending=${BASH_REMATCH[3]}
note "$N clients at once under ulimit -n 64: $line"
((served >= 1)) || fail "b served none of $N clients: $line"
((served < N)) || fail "b served all $N clients with 64 descriptors: the limit did not bite: $line"
((served + refused + pending == N)) || fail "loadpeer flood lost count: $line"
bridge_running b

# 3. Every session b took has ended, each with its line.
_one_open() { [[ $(open_sessions) == 1 ]]; }
_poll 30 _one_open || fail "b still has $(open_sessions) sessions open 30 s after the $N clients went (want the bystander's 1)"
lines=$(session_lines b ' route=f ' | wc -l)
((lines >= served + 5)) || fail "b logged $lines session lines, fewer than the $served sessions it served and the 5 more"
bad=$(session_lines b ' route=f ' | grep -E -v 'reason="(client closed|client reset|client error: [^"]+|(descriptor limit|server unreachable): Too many open files)"$' | head -n 3 || true)
[[ -z $bad ]] || fail "sessions ended for an unexpected reason: $bad"
note "reasons: $(session_lines b ' route=f ' | sed -E 's/.*reason="([^"]*)".*/\1/' | sort | uniq -c | tr -s ' \n' ' ')"

# 4. Serving again.
rc=0
timeout -k 2 60 "$LOADPEER" flood -w 20000 "$F" 10 50 >"$TMP/again.out" 2>&1 || rc=$?
read -r line <"$TMP/again.out" || true
[[ $rc == 0 && $line == "served=10 refused=0 pending=0 connected=10" ]] ||
	fail "10 clients once the descriptors were free: status $rc: $line"
note "then 10 clients at once: $line"

# 5. The bystander.
bystander_end by "$BY_PID" 1000000 f "$TMP/b.log"

# 6.
_none_open() { [[ $(open_sessions) == 0 ]]; }
_poll 20 _none_open || fail "b has $(open_sessions) sessions open at the end"
_fds_back() { (($(fds "$B_PID") <= FDS0)); }
_poll 20 _fds_back || fail "b holds $(fds "$B_PID") descriptors at the end, $FDS0 before: $(ls -l /proc/"$B_PID"/fd)"
stop_bridge b
note "fdlimit: all passed"
