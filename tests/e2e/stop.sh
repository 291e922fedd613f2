#!/usr/bin/env bash
# stop.sh: SIGTERM stops by a deadline and cuts nothing silently
# (dbgbridge(8) SIGNALS, dbgbridge.ini(5) stop_timeout).
#
# One bridge a, stop_timeout = 2s, drain_timeout = 30s, three sessions
# relaying when SIGTERM comes:
#   ok    loadpeer stream -> echo, 4 MB/s each way (bulk: splice mode); told
#         to finish (SIGUSR1) 0.5 s after the SIGTERM, it ends by itself;
#   down  loadpeer offer (64 MiB) -> slowread, which stopped reading: the
#         download cannot finish;
#   up    loadpeer stream (as fast as it goes) -> hold, which never reads:
#         the upload cannot finish.
# Asserts:
#   1. after SIGTERM nothing new is accepted, and the open sessions go on:
#      ok is still running 0.5 s later;
#   2. ok completes byte-exact with a clean end ("ok sent=N received=N"),
#      and its line says reason="client closed" with N bytes each way;
#   3. down and up are reset at the deadline: every peer of theirs sees a
#      reset, not an end of stream, and their lines say
#      reason="stopped: deadline";
#   4. a exits 0 about stop_timeout after the SIGTERM (not drain_timeout),
#      after logging "stop: 1 sessions ended by themselves, 2 reset";
#   5. a second SIGTERM resets at once: bridge c (stop_timeout = 30s) with a
#      stalled download exits within 3 s of the second signal, the session
#      says reason="stopped: signal" and its client sees a reset.
. "$(dirname "$0")/lib.sh"

need_prog ss timeout
need_bin "$DBGBRIDGE" "$E2E_BIN/loadpeer"
LOADPEER=$E2E_BIN/loadpeer

SEED=$((RANDOM * 32768 + RANDOM))
free_port ECHO
free_port OFFER
free_port HOLD
free_port OK
free_port DOWN
free_port UP
free_port OFFER2
free_port C_DOWN

route() {	# route NAME PORT UPSTREAM
	printf '[route %s]\nserve = tcp:port=%s\nconnect = tcp:server=127.0.0.1,port=%s\n' "$1" "$2" "$3"
	printf 'bind = 127.0.0.1\ndrain_timeout = 30s\n\n'
}
{
	printf '[gateway]\nlog_level = info\ncontrol = %s\nstop_timeout = 2s\n\n' "$TMP/a.ctl"
	route ok "$OK" "$ECHO"
	route down "$DOWN" "$OFFER"
	route up "$UP" "$HOLD"
} >"$TMP/a.ini"

spawn echo "$LOADPEER" echo "$ECHO" 60
spawn offer "$LOADPEER" offer "$OFFER" 67108864 "$SEED" 60
OFFER_PID=$SPAWN_PID
spawn hold "$LOADPEER" hold "$HOLD" 60
HOLD_PID=$SPAWN_PID
for p in "$ECHO" "$OFFER" "$HOLD"; do wait_listen "$p"; done
start_bridge a "$TMP/a.ini"
for p in "$OK" "$DOWN" "$UP"; do wait_listen "$p"; done
A_PID=${E2E_BRIDGE_PID[a]}

spawn ok "$LOADPEER" stream -r 4000000 "$OK" "$SEED" 60
OK_PID=$SPAWN_PID
spawn down "$LOADPEER" slowread "$DOWN" "$SEED" 50000000 200 60
DOWN_PID=$SPAWN_PID
spawn up "$LOADPEER" stream -x "$UP" "$SEED" 60
UP_PID=$SPAWN_PID
wait_log "$TMP/down.out" '^stopped received=' 10
wait_log "$TMP/hold.out" '^accepted$' 10
# ok has moved more than 256 KiB (splice mode) and up has filled the buffers.
sleep 0.5
_alive "$OK_PID" || fail "ok ended before the SIGTERM: $(cat "$TMP/ok.out")"
_alive "$UP_PID" || fail "up ended before the SIGTERM: $(cat "$TMP/up.out")"

t0=${EPOCHREALTIME/./}
kill -TERM "$A_PID"
wait_log "$TMP/a.log" ' info Terminated: stopping: ' 5
wait_unlisten "$OK" 5
# 1. The open sessions go on.
sleep 0.5
_alive "$OK_PID" || fail "ok was cut by the SIGTERM: $(cat "$TMP/ok.out")"
# 2. ok finishes by itself, byte-exact.
kill -USR1 "$OK_PID"
wait_exit "$OK_PID" 10 || fail "ok did not finish within 10 s of being told to"
reap "$OK_PID" rc
out=$(<"$TMP/ok.out")
[[ $rc == 0 && $out =~ ^ok\ sent=([0-9]+)\ received=([0-9]+)$ ]] ||
	fail "ok: a session that could finish was cut by the stop (status $rc): $out"
n=${BASH_REMATCH[1]}
((n > 262144)) || fail "ok moved only $n bytes; it must be a bulk session"
wait_log "$TMP/a.log" " info session [0-9]+ route=ok .*bytes_up=$n bytes_down=$n .*reason=\"client closed\"" 5
note "ok: $out"

# 4. a exits 0 at the deadline.
wait_exit "$A_PID" 10 || fail "a did not exit within 10 s of SIGTERM (stop_timeout = 2s)"
t1=${EPOCHREALTIME/./}
reap "$A_PID" rc
unset "E2E_BRIDGE_PID[a]"
elapsed_s secs "$t0" "$t1"
[[ $rc == 0 ]] || fail "a exited with status $rc after SIGTERM"
((t1 - t0 >= 1900000 && t1 - t0 < 6000000)) ||
	fail "a exited ${secs}s after SIGTERM; want about stop_timeout = 2s"
check_log_format a
wait_log "$TMP/a.log" ' info stop: 1 sessions ended by themselves, 2 reset$' 1
note "a exited 0 ${secs}s after SIGTERM: $(grep ' info stop: .* ended by themselves' "$TMP/a.log")"

# 3. down and up were reset, and every peer of theirs saw it.
for r in down up; do
	line=$(session_lines a " route=$r ")
	field why "$line" reason
	[[ $why == "stopped: deadline" ]] || fail "$r: reason=\"$why\", want \"stopped: deadline\": $line"
	note "$r: $line"
done
kill -USR1 "$DOWN_PID"
wait_exit "$DOWN_PID" 10 || fail "down's client did not finish reading"
reap "$DOWN_PID" rc
out=$(<"$TMP/down.out")
[[ $rc == 0 && $out =~ ended\ (eof|reset)\ received=([0-9]+)$ ]] || fail "down's client failed (status $rc): $out"
[[ ${BASH_REMATCH[1]} == reset ]] || fail "down's client saw a clean end of the cut download: $out"
got=${BASH_REMATCH[2]}
field down "$(session_lines a ' route=down ')" bytes_down
((got == down)) || fail "down: the client read $got bytes, a logged bytes_down=$down"
wait_exit "$OFFER_PID" 10 || fail "down's server was not told"
reap "$OFFER_PID" rc
out=$(<"$TMP/offer.out")
[[ $out == *$'\nended reset' ]] || fail "down's server saw no reset: $out"
note "down: client: $(tail -n 1 "$TMP/down.out"); server: ${out//$'\n'/ }"

wait_exit "$UP_PID" 10 || fail "up's client did not see its session end"
reap "$UP_PID" rc
out=$(<"$TMP/up.out")
[[ $rc == 0 && $out =~ ^ended\ (eof|reset)\  ]] || fail "up's client failed (status $rc): $out"
[[ ${BASH_REMATCH[1]} == reset ]] || fail "up's client saw a clean end of its cut upload: $out"
kill -USR1 "$HOLD_PID"
wait_exit "$HOLD_PID" 10 || fail "up's server did not finish reading"
reap "$HOLD_PID" rc
hout=$(<"$TMP/hold.out")
[[ $hout =~ ended\ (eof|reset)\ received=([0-9]+)$ ]] || fail "up's server failed: $hout"
[[ ${BASH_REMATCH[1]} == reset ]] || fail "up's server saw a clean end of the cut upload: $hout"
got=${BASH_REMATCH[2]}
field up "$(session_lines a ' route=up ')" bytes_up
((got == up)) || fail "up: the server read $got bytes, a logged bytes_up=$up"
note "up: client: $out; server: ${hout//$'\n'/ }"

# 5. A second SIGTERM: stop now.
printf '[gateway]\nlog_level = info\ncontrol = %s\nstop_timeout = 30s\n\n' "$TMP/c.ctl" >"$TMP/c.ini"
route down "$C_DOWN" "$OFFER2" >>"$TMP/c.ini"
spawn offer2 "$LOADPEER" offer "$OFFER2" 67108864 "$SEED" 60
wait_listen "$OFFER2"
start_bridge c "$TMP/c.ini"
wait_listen "$C_DOWN"
C_PID=${E2E_BRIDGE_PID[c]}
spawn down2 "$LOADPEER" slowread "$C_DOWN" "$SEED" 50000000 200 60
DOWN2_PID=$SPAWN_PID
wait_log "$TMP/down2.out" '^stopped received=' 10
kill -TERM "$C_PID"
wait_log "$TMP/c.log" ' info Terminated: stopping: ' 5
wait_unlisten "$C_DOWN" 5
_alive "$C_PID" || fail "c exited at the first SIGTERM with a session open (stop_timeout = 30s)"
t0=${EPOCHREALTIME/./}
kill -TERM "$C_PID"
wait_exit "$C_PID" 3 || fail "c did not exit within 3 s of a second SIGTERM"
t1=${EPOCHREALTIME/./}
reap "$C_PID" rc
unset "E2E_BRIDGE_PID[c]"
elapsed_s secs "$t0" "$t1"
[[ $rc == 0 ]] || fail "c exited with status $rc after the second SIGTERM"
line=$(session_lines c ' route=down ')
field why "$line" reason
[[ $why == "stopped: signal" ]] || fail "c: reason=\"$why\", want \"stopped: signal\": $line"
grep -q ' info stop: 0 sessions ended by themselves, 1 reset$' "$TMP/c.log" ||
	fail "c: no 'stop: 0 sessions ended by themselves, 1 reset' line"
kill -USR1 "$DOWN2_PID"
wait_exit "$DOWN2_PID" 10 || fail "c's client did not finish reading"
reap "$DOWN2_PID" rc
out=$(<"$TMP/down2.out")
[[ $rc == 0 && $out == *$'\nended reset received='* ]] || fail "c's client saw no reset (status $rc): $out"
note "c exited 0 ${secs}s after a second SIGTERM: $line"
note "stop: all passed"
