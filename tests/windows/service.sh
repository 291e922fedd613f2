#!/usr/bin/env bash
# service.sh: dbgbridge.exe as a Windows service under wine's Service
# Control Manager (doc/design.md "The Windows service"; dbgbridge(8)
# "dbgbridge service").
#
#   Linux client --tcp--> dbgbridge.exe (service svc-basic) --tcp--> socat echo
#
# Asserts:
#   1. `service install --name svc-basic -f INI --demand` makes the service:
#      its command line (ImagePath) is this dbgbridge.exe with "service run
#      --name svc-basic -f INI", its description names INI, its start type is
#      demand (3), and the event source's key exists;
#   2. `sc start`: the service becomes RUNNING (4), and by then the route
#      already listens (RUNNING only once every route serves);
#   3. a relayed session: a line through the route comes back from the echo;
#   4. `sc stop` while that session is open: STOP_PENDING (3) with a wait
#      hint and a checkpoint that advances while sessions drain; the log
#      file says "stopping: no new sessions; 1 open session"; the session
#      line, once stop_timeout (8s) passes, says reason="stopped: deadline";
#      the service ends STOPPED (1) with WIN32_EXIT_CODE 0, after "stop: 0
#      sessions ended by themselves, 1 reset";
#   5. `service remove`: sc query no longer finds it, the event source's key
#      is gone; a second remove says there is no such service.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/service.bash"

need_prog ss timeout socat
keep_session
NAME=svc-basic
free_port ECHO
free_port A_PORT
echo_peer echo "$ECHO"

LOG=$TMP/svc.log
cat >"$TMP/svc.ini" <<INI
[gateway]
log = $(winpath "$LOG")
stop_timeout = 8s

[route echo]
serve = tcp:port=$A_PORT
connect = tcp:server=127.0.0.1,port=$ECHO
INI

# 1. install
svc_install install "$NAME" "$TMP/svc.ini" --demand
grep -q "service $NAME installed (demand start)" "$TMP/install" ||
	fail "install did not say so: $(cat "$TMP/install")"
timeout 30 wine reg query "HKLM\\SYSTEM\\CurrentControlSet\\Services\\$NAME" \
	</dev/null 2>&1 | tr -d '\r' >"$TMP/reg.out"
grep -E 'ImagePath' "$TMP/reg.out" | grep -qF "service run --name $NAME -f \"$(winpath "$TMP/svc.ini")\"" ||
	fail "ImagePath is not 'EXE service run --name $NAME -f INI': $(cat "$TMP/reg.out")"
grep -E 'Description' "$TMP/reg.out" | grep -qF "$(winpath "$TMP/svc.ini")" ||
	fail "the description does not name the configuration: $(cat "$TMP/reg.out")"
grep -Eq 'Start[[:space:]]+REG_DWORD[[:space:]]+0x3' "$TMP/reg.out" ||
	fail "--demand did not make a demand-start service: $(cat "$TMP/reg.out")"
timeout 30 wine reg query "HKLM\\SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\$NAME" \
	</dev/null >"$TMP/evreg.out" 2>&1 || fail "no event source key: $(tr -d '\r' <"$TMP/evreg.out")"

# 2. start: RUNNING, and by then the route listens.
sc_do start "$NAME"
[[ $SC_RC == 0 ]] || fail "sc start $NAME: status $SC_RC: $(cat "$TMP/sc.start.$NAME.out")"
wait_state "$NAME" 4 RUNNING 60
_listening "$A_PORT" || fail "RUNNING before the route listens on $A_PORT"
wait_log "$LOG" ' info control socket ' 10

# 3. a relayed session, left open.
echo_through "$A_PORT" "hello-through-the-service"

# 4. sc stop with the session open: STOP_PENDING, the drain, STOPPED.
sc_do stop "$NAME"
[[ $SC_RC == 0 ]] || fail "sc stop $NAME: status $SC_RC: $(cat "$TMP/sc.stop.$NAME.out")"
wait_state "$NAME" 3 STOP_PENDING 10
hint=$(sc_field "$NAME" WAIT_HINT)
cp1=$(sc_field "$NAME" CHECKPOINT)
[[ ${hint:-0} != 0 && ${hint:-0} != 0x0 ]] || fail "STOP_PENDING without a wait hint: $(cat "$TMP/sc.$NAME.out")"
wait_log "$LOG" 'stopping: no new sessions; 1 open session' 10
# While the session drains, the checkpoint moves on.
checkpoint_moved() {
	sc_query "$NAME"
	[[ $(sc_field "$NAME" STATE) == 3 && $(sc_field "$NAME" CHECKPOINT) != "$cp1" ]]
}
_poll 7 checkpoint_moved || fail "the checkpoint stayed $cp1 while draining: $(cat "$TMP/sc.$NAME.out")"
wait_state "$NAME" 1 STOPPED 30
exec 3>&-
line=$(grep -E ' info session .*reason=' "$LOG" | head -1)
[[ $line == *'reason="stopped: deadline"'* ]] ||
	fail "the session line does not show the drain's end: $line ($(cat "$LOG"))"
grep -q 'stop: 0 sessions ended by themselves, 1 reset' "$LOG" ||
	fail "no stop summary in the log: $(cat "$LOG")"
code=$(sc_field "$NAME" WIN32_EXIT_CODE)
[[ $code == 0 ]] || fail "stopped with WIN32_EXIT_CODE $code: $(cat "$TMP/sc.$NAME.out")"
_listening "$A_PORT" && fail "port $A_PORT still listens after STOPPED"

# 5. remove.
svc_remove remove "$NAME"
if timeout 30 wine reg query "HKLM\\SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\$NAME" \
	</dev/null >"$TMP/evreg2.out" 2>&1; then
	fail "the event source key is still there after remove"
fi
run_exe remove2 service remove --name "$NAME"
[[ $EXE_RC == 1 ]] && grep -q "no service $NAME" "$TMP/remove2" ||
	fail "a second remove: status $EXE_RC: $(cat "$TMP/remove2")"
note "service $NAME: installed, RUNNING after the route listened, relayed, drained on sc stop ($line), removed"
