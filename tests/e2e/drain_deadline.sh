#!/usr/bin/env bash
# drain_deadline.sh: drain_timeout is a deadline counted from the first end
# of either direction, not an idle timer (dbgbridge.ini(5) drain_timeout),
# and the stop deadline bounds a draining session too (stop_timeout).
#
#   client --tcp--> a --tcp--> server trickling 1 KiB every 100 ms
#
# The client half-closes once the first byte has arrived and reads on.
#   1. route short, drain_timeout = 1s: the session ends about 1 s after the
#      half-close although bytes keep coming; its line says reason="client
#      closed, then drain timeout" and duration_ms about 1000; both peers see
#      a reset (the server was still sending: the stream was cut), and the
#      client read exactly the bytes_down a logged;
#   2. route long, drain_timeout = 30s, stop_timeout = 1s: SIGTERM while the
#      session drains; it is reset about 1 s later and a exits 0 (reason
#      "client closed, then stopped: deadline").
. "$(dirname "$0")/lib.sh"

need_prog ss timeout
need_bin "$DBGBRIDGE" "$E2E_BIN/loadpeer"
LOADPEER=$E2E_BIN/loadpeer

SEED=$((RANDOM * 32768 + RANDOM))
RATE=10240		# 1 KiB every 100 ms
TOTAL=204800		# 20 s of it
free_port TRICKLE1
free_port TRICKLE2
free_port SHORT
free_port LONG

{
	printf '[gateway]\nlog_level = info\ncontrol = %s\nstop_timeout = 1s\n\n' "$TMP/a.ctl"
	printf '[route short]\nserve = tcp:port=%s\nbind = 127.0.0.1\n' "$SHORT"
	printf 'connect = tcp:server=127.0.0.1,port=%s\ndrain_timeout = 1s\n\n' "$TRICKLE1"
	printf '[route long]\nserve = tcp:port=%s\nbind = 127.0.0.1\n' "$LONG"
	printf 'connect = tcp:server=127.0.0.1,port=%s\ndrain_timeout = 30s\n\n' "$TRICKLE2"
} >"$TMP/a.ini"

spawn trickle1 "$LOADPEER" offer -r "$RATE" "$TRICKLE1" "$TOTAL" "$SEED" 60
T1_PID=$SPAWN_PID
spawn trickle2 "$LOADPEER" offer -r "$RATE" "$TRICKLE2" "$TOTAL" "$SEED" 60
T2_PID=$SPAWN_PID
for p in "$TRICKLE1" "$TRICKLE2"; do wait_listen "$p"; done
start_bridge a "$TMP/a.ini"
for p in "$SHORT" "$LONG"; do wait_listen "$p"; done
A_PID=${E2E_BRIDGE_PID[a]}

# 1. The deadline, not progress, ends the drain.
rc=0
timeout -k 2 20 "$LOADPEER" slowread -c "$SHORT" "$SEED" 100000000 5000 15 \
	>"$TMP/short.out" 2>&1 || rc=$?
out=$(<"$TMP/short.out")
[[ $rc == 0 && $out =~ ^ended\ (eof|reset)\ received=([0-9]+)\ after_ms=([0-9]+)$ ]] ||
	fail "short: the half-closed session did not end within 5 s (drain_timeout = 1s, status $rc): $out"
how=${BASH_REMATCH[1]} got=${BASH_REMATCH[2]} ms=${BASH_REMATCH[3]}
((ms >= 900 && ms < 1800)) || fail "short: ended ${ms} ms after the half-close; want about 1000 (drain_timeout = 1s)"
[[ $how == reset ]] || fail "short: the server was still sending, yet the client saw a clean end: $out"
((got > 3 * 1024)) || fail "short: only $got bytes arrived; the trickle did not keep going"
wait_log "$TMP/a.log" ' info session [0-9]+ route=short ' 5
line=$(session_lines a ' route=short ')
field why "$line" reason
[[ $why == "client closed, then drain timeout" ]] || fail "short: reason=\"$why\": $line"
field dur "$line" duration_ms
((dur >= 950 && dur < 1900)) || fail "short: duration_ms=$dur; want about 1000: $line"
field down "$line" bytes_down
((down == got)) || fail "short: a logged bytes_down=$down, the client read $got: $line"
wait_exit "$T1_PID" 5 || fail "short: the server was not told of the cut"
reap "$T1_PID" rc
t1out=$(<"$TMP/trickle1.out")
[[ $t1out == *$'\nended reset' ]] || fail "short: the server saw no reset: $t1out"
note "short: client: $out"
note "short: $line"

# 2. The stop deadline bounds a drain that drain_timeout would let run on.
spawn long "$LOADPEER" slowread -c "$LONG" "$SEED" 100000000 15000 30
LONG_PID=$SPAWN_PID
_long_draining() {
	local n
	n=$(timeout 5 "$DBGBRIDGE" ctl -S "$TMP/a.ctl" list 2>/dev/null | grep -c ' draining ' || true)
	((n == 1))
}
_poll 10 _long_draining || fail "long: the session did not start draining"
t0=${EPOCHREALTIME/./}
kill -TERM "$A_PID"
wait_exit "$A_PID" 10 || fail "long: a did not exit within 10 s of SIGTERM (stop_timeout = 1s)"
t1=${EPOCHREALTIME/./}
reap "$A_PID" rc
unset "E2E_BRIDGE_PID[a]"
elapsed_s secs "$t0" "$t1"
[[ $rc == 0 ]] || fail "long: a exited with status $rc"
((t1 - t0 >= 900000 && t1 - t0 < 4000000)) || fail "long: a exited ${secs}s after SIGTERM; want about stop_timeout = 1s"
line=$(session_lines a ' route=long ')
field why "$line" reason
[[ $why == "client closed, then stopped: deadline" ]] || fail "long: reason=\"$why\": $line"
wait_exit "$LONG_PID" 5 || fail "long: the client did not see its session end"
reap "$LONG_PID" rc
out=$(<"$TMP/long.out")
[[ $rc == 0 && $out =~ ^ended\ reset\  ]] || fail "long: the client did not see a reset (status $rc): $out"
grep -q ' info stop: 0 sessions ended by themselves, 1 reset$' "$TMP/a.log" ||
	fail "long: no 'stop: 0 sessions ended by themselves, 1 reset' line"
check_log_format a
note "long: a exited 0 ${secs}s after SIGTERM; $line"
note "drain_deadline: all passed"
