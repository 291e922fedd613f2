#!/usr/bin/env bash
# reload_big.sh: a 10 MB configuration file, most of it one value continued
# on indented lines, loads in linear time, and reloading it never stalls the
# loop for long (dbgbridge.ini(5) on continuation lines, dbgbridge.8
# "SIGHUP": the file is read in a thread): a ping session relayed by route p
# (64 bytes every 5 ms, each waiting for its echo) runs while SIGHUP and
# ctl reload reload the file five times; no round trip may take 100 ms or
# more.  Joining the continuation lines was quadratic: a 1 MB file took
# 0.5 s, a 10 MB one nearly a minute.
. "$(dirname "$0")/lib.sh"

need_prog ss python3
need_bin "$DBGBRIDGE" "$E2E_BIN/loadpeer"
LOADPEER=$E2E_BIN/loadpeer

free_port ECHO
free_port P
free_port BIG

# The file: route p, then route big whose allow list is continued on some
# 65,000 indented lines of ten networks each (10 MB in all).
write_ini() {
	python3 - "$TMP/b.ini" "$1" <<PY
import sys
path, nbytes = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write("""[gateway]
control = $TMP/b.ctl
[route p]
serve = tcp:port=$P
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$ECHO
[route big]
serve = tcp:port=$BIG
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$ECHO
allow = 127.0.0.0/8
""")
    size, i = 0, 0
    while size < nbytes:
        line = "  " + "".join(",10.%d.%d.0/24" % ((i + k) // 256 % 256,
            (i + k) % 256) for k in range(10)) + "\n"
        i += 10
        f.write(line)
        size += len(line)
PY
}

spawn echo "$LOADPEER" echo "$ECHO" 120
wait_listen "$ECHO"

# Start on a small file; under valgrind or ASan (lib.sh instrumented) the
# times are information only.
write_ini 0
start_bridge b "$TMP/b.ini"
wait_listen "$P"
wait_listen "$BIG"
B_PID=${E2E_BRIDGE_PID[b]}
SLOW=0
instrumented "$B_PID" && SLOW=1

# 1. The 10 MB file checks in linear time: well under a second (it took
# nearly a minute).
write_ini 10000000
size=$(stat -c %s "$TMP/b.ini")
((size >= 10000000)) || hard_error "the file is $size bytes, want 10 MB"
t0=${EPOCHREALTIME/./}
rc=0
timeout -k 2 $((SLOW ? 120 : 20)) "$DBGBRIDGE" -n -f "$TMP/b.ini" >"$TMP/check.out" 2>&1 || rc=$?
elapsed_s secs "$t0" "${EPOCHREALTIME/./}"
[[ $rc == 0 ]] || fail "dbgbridge -n on the 10 MB file: status $rc after ${secs}s"
grep -q "^route big" "$TMP/check.out" || fail "dbgbridge -n printed no route big"
note "dbgbridge -n on a $size-byte file: ${secs}s"
((SLOW || ${secs%.*} < 2)) || fail "dbgbridge -n took ${secs}s on a 10 MB file, want well under 2 s"

# 2. Reload the big file three times while a ping session runs through
# route p, then twice more at once (SIGHUP and ctl reload).
spawn ping "$LOADPEER" ping -i 5 "$P" $((SLOW ? 300 : 60))
PING_PID=$SPAWN_PID
_up() { [[ -n $(ss -tnH state established "( sport = :$ECHO )") ]]; }
_poll 10 _up || fail "the ping session did not reach the echo server"
for n in 1 2 3; do
	t0=${EPOCHREALTIME/./}
	kill -HUP "$B_PID"
	wait_log "$TMP/b.log" "SIGHUP: reload: 2 routes: .*; 2 listeners kept" $((SLOW ? 120 : 15)) "$n"
	elapsed_s secs "$t0" "${EPOCHREALTIME/./}"
	note "reload $n of the 10 MB file logged after ${secs}s"
done
# The first reload brought the big allow list; the next two changed nothing.
want="1 unchanged, 1 changed, 0 added; 0 removed
2 unchanged, 0 changed, 0 added; 0 removed
2 unchanged, 0 changed, 0 added; 0 removed"
got=$(sed -n 's/.*SIGHUP: reload: 2 routes: \(.*\); 2 listeners kept$/\1/p' "$TMP/b.log")
[[ $got == "$want" ]] || fail "the reloads reported: $got, want: $want"
grep -q "SIGHUP: reload: route big: changed (allow)$" "$TMP/b.log" ||
	fail "the first reload does not say route big's allow changed"
# A reload asked for while one runs: ctl reload right after a SIGHUP waits
# for a run of its own and says what it did.
kill -HUP "$B_PID"
rc=0
timeout -k 2 $((SLOW ? 240 : 30)) "$DBGBRIDGE" ctl -S "$TMP/b.ctl" reload >"$TMP/ctl.out" 2>&1 || rc=$?
[[ $rc == 0 && $(head -n 1 "$TMP/ctl.out") == "2 routes: 2 unchanged, 0 changed, 0 added; 0 removed; 2 listeners kept" ]] ||
	fail "ctl reload during a SIGHUP reload: status $rc: $(<"$TMP/ctl.out")"
wait_log "$TMP/b.log" "SIGHUP: reload: 2 routes: .*; 2 listeners kept" $((SLOW ? 120 : 15)) 4
bridge_running b
_alive "$PING_PID" || fail "the ping session ended during the reloads: $(cat "$TMP/ping.out")"
kill -USR1 "$PING_PID"
wait_exit "$PING_PID" 20 || fail "the ping session did not finish within 20 s of being told to"
reap "$PING_PID" rc
out=$(<"$TMP/ping.out")
[[ $rc == 0 && $out =~ ^ok\ pings=([0-9]+)\ p50_us=([0-9]+)\ p99_us=([0-9]+)\ max_us=([0-9]+)$ ]] ||
	fail "the ping session failed (status $rc): $out"
max_us=${BASH_REMATCH[4]}
note "ping through route p across five reloads: $out"
((SLOW || max_us < 100000)) || fail "a round trip took ${max_us} us during a reload of a 10 MB file, want under 100 ms"
((SLOW)) && note "instrumented: the times above are information only"

# 3. The reloaded allow list is in force: route big still admits 127.0.0.1.
rc=0
timeout -k 2 20 "$LOADPEER" ping -n 3 -i 1 "$BIG" 15 >"$TMP/big.out" 2>&1 || rc=$?
[[ $rc == 0 ]] || fail "route big refused 127.0.0.1 after the reload: $(cat "$TMP/big.out")"

stop_bridge b
note "reload_big: all passed"
