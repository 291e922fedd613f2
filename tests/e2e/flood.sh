#!/usr/bin/env bash
# flood.sh: 2,000 clients opening and closing at once, twice, while a
# bystander session moves bytes through the same route.
#
#   loadpeer stream / ping / flood --tcp--> bridge b (route f) --tcp--> loadpeer echo
#
# Asserts:
#   1. round 1: 2,000 connections opened at once, each sending a 64-byte
#      message of its own, are all served: every one gets its own message
#      back (never another's: sessions never cross); then all close at once,
#      every second one with a reset;
#   2. round 2: 2,000 connections opened at once and closed at once as soon
#      as they are up, without a byte, every second one with a reset: all
#      connect;
#   3. every flood session ends (b's control socket counts only the
#      bystanders' two open) with one line each, whose reason is the
#      client's close or reset, never a failure on the server's side; round
#      1's lines count 64 bytes each way; round 2's none (of round 2, only
#      the connections the kernel handed to b before their close are
#      sessions);
#   4. the bystander (loadpeer stream, 4 MB/s each way, every byte checked)
#      ends "ok" with every byte back in order, and b's line for it counts
#      exactly those bytes each way; a ping session running through both
#      rounds gets every echo (its latency is printed, information only);
#   5. once the bystanders end, b has no session open and goes back to the
#      descriptors it held before the flood (nothing leaked); it still
#      serves a fresh session, and exits 0 on SIGTERM with a well-formed log.
. "$(dirname "$0")/lib.sh"

need_prog ss timeout
need_bin "$DBGBRIDGE" "$E2E_BIN/loadpeer"
LOADPEER=$E2E_BIN/loadpeer

N=2000
SEED=$((RANDOM * 32768 + RANDOM))
RATE=4000000

# Descriptors: the N clients here, the N of the echo server, and 2N in b
# (all three inherit this shell's limit).
want=$((2 * N + 256))
if (($(ulimit -n) < want)); then
	ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -H -n)" 2>/dev/null || true
fi
(($(ulimit -n) >= want)) || skip "the descriptor limit is $(ulimit -n) (hard $(ulimit -H -n)); $N clients need $want"
# An accept queue shorter than the burst overflows whatever b does: the
# kernel then falls back to SYN cookies and resets a client now and then.
somax=$(cat /proc/sys/net/core/somaxconn 2>/dev/null || echo 0)
((somax >= N)) || skip "net.core.somaxconn is $somax: no listener can queue $N clients at once"

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
connect_timeout = 30s
drain_timeout = 10s
persist = yes
EOF

spawn echo "$LOADPEER" echo "$ECHO" 300
wait_listen "$ECHO"
start_bridge b "$TMP/b.ini"
wait_listen "$F"
wait_log "$TMP/b.log" " info route f serving " 10
# The control socket comes after the routes (and later still under
# valgrind): count the descriptors once it is there.
wait_log "$TMP/b.log" " info control socket $TMP/b.ctl" 10
B_PID=${E2E_BRIDGE_PID[b]}
fds() { local f=(/proc/"$1"/fd/*); echo "${#f[@]}"; }
open_sessions() {
	"$DBGBRIDGE" ctl -S "$TMP/b.ctl" stats | awk -F': ' '$1 == "sessions_open" { print $2 }'
}
FDS0=$(fds "$B_PID")

spawn by "$LOADPEER" stream -r "$RATE" "$F" "$SEED" 200
BY_PID=$SPAWN_PID
spawn ping "$LOADPEER" ping -i 20 "$F" 200
PING_PID=$SPAWN_PID
_up() { (($(ss -tnH state established "( sport = :$ECHO )" | wc -l) >= 2)); }
_poll 10 _up || fail "the bystander sessions did not reach the echo server"

# 1. Opened, served, closed at once.
t0=${EPOCHREALTIME/./}
rc=0
timeout -k 2 120 "$LOADPEER" flood -r -w 60000 "$F" "$N" 110 >"$TMP/flood1.out" 2>&1 || rc=$?
elapsed_s secs "$t0" "${EPOCHREALTIME/./}"
[[ $rc == 0 ]] || fail "round 1: loadpeer flood failed (status $rc): $(cat "$TMP/flood1.out")"
read -r line <"$TMP/flood1.out"
[[ $line == "served=$N refused=0 pending=0 connected=$N" ]] ||
	fail "round 1: $N clients at once, want every one served: $line"
note "round 1: $N clients at once, all served, closed in ${secs}s: $(tail -n 1 "$TMP/flood1.out")"
bridge_running b

# 2. Opened and closed at once, silent.
t0=${EPOCHREALTIME/./}
rc=0
timeout -k 2 120 "$LOADPEER" flood -s -r -w 60000 "$F" "$N" 110 >"$TMP/flood2.out" 2>&1 || rc=$?
elapsed_s secs "$t0" "${EPOCHREALTIME/./}"
[[ $rc == 0 ]] || fail "round 2: loadpeer flood -s failed (status $rc): $(cat "$TMP/flood2.out")"
read -r line <"$TMP/flood2.out"
[[ $line == "served=$N refused=0 pending=0 connected=$N" ]] ||
	fail "round 2: $N silent clients at once, want every one connected: $line"
note "round 2: $N silent clients opened and closed at once in ${secs}s"
bridge_running b

# 3. Every flood session has ended (only the bystanders' two are open),
# with one line each.  Round 1's sessions moved 64 bytes
# each way; of round 2's, those the kernel completed before the client's
# close reached b (connections still in SYN-RECV when their clients closed
# never become sessions).
_two_open() { [[ $(open_sessions) == 2 ]]; }
_poll 60 _two_open || fail "b has $(open_sessions) sessions open 60 s after the floods, want the bystanders' 2"
n1=$(session_lines b ' route=f .* bytes_up=64 bytes_down=64 ' | wc -l)
n2=$(session_lines b ' route=f .* bytes_up=0 bytes_down=0 ' | wc -l)
n=$(session_lines b ' route=f ' | wc -l)
((n1 == N)) || fail "b logged $n1 sessions of 64 bytes each way for the $N of round 1"
((n2 <= N && n == n1 + n2)) ||
	fail "b logged $n session lines: $n1 of 64 bytes each way, $n2 of none, others: $(session_lines b ' route=f ' | grep -E -v ' bytes_up=(64|0) bytes_down=(64|0) ' | head -n 3)"
bad=$(session_lines b ' route=f ' | grep -E -v 'reason="(client closed|client reset|client error: [^"]+)"$' | head -n 3 || true)
[[ -z $bad ]] || fail "flood sessions ended for an unexpected reason: $bad"
note "b logged $n1 sessions for round 1 and $n2 for round 2; reasons: $(session_lines b ' route=f ' | sed -E 's/.*reason="([^":]*).*/\1/' | sort | uniq -c | tr -s ' \n' ' ')"

# 4. The bystanders.
_alive "$PING_PID" || fail "the ping bystander ended during the flood: $(cat "$TMP/ping.out")"
bystander_end by "$BY_PID" 79999 f "$TMP/b.log"
kill -USR1 "$PING_PID"
wait_exit "$PING_PID" 30 || fail "the ping bystander did not finish within 30 s of being told to"
reap "$PING_PID" rc
[[ $rc == 0 ]] || fail "the ping bystander failed (status $rc): $(cat "$TMP/ping.out")"
note "bystander ping (information only): $(cat "$TMP/ping.out")"

# 5. Nothing leaked; still serving.
_none_open() { [[ $(open_sessions) == 0 ]]; }
_poll 20 _none_open || fail "b has $(open_sessions) sessions open after the bystanders ended"
_fds_back() { (($(fds "$B_PID") <= FDS0)); }
_poll 20 _fds_back || fail "b holds $(fds "$B_PID") descriptors after the flood, $FDS0 before: $(ls -l /proc/"$B_PID"/fd)"
rc=0
timeout -k 2 30 "$LOADPEER" ping -n 20 -i 1 "$F" 25 >"$TMP/fresh.out" 2>&1 || rc=$?
[[ $rc == 0 ]] || fail "a fresh session after the flood failed (status $rc): $(cat "$TMP/fresh.out")"
note "b: $(grep VmHWM /proc/"$B_PID"/status | tr -s ' \t' ' ') at most; $FDS0 descriptors as before"
stop_bridge b
note "flood: all passed"
