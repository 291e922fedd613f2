#!/usr/bin/env bash
# service_bind.sh: a route that cannot bind fails the service's start
# (doc/design.md "The Windows service"; dbgbridge(8) "dbgbridge service").
#
# A Linux socat listens on port P; the service svc-bind has a route serving
# tcp:port=P and another, free, port Q.  Asserts:
#   1. `sc start` ends with the service STOPPED (1), never RUNNING, with
#      WIN32_EXIT_CODE 1066 (ERROR_SERVICE_SPECIFIC_ERROR) and
#      SERVICE_EXIT_CODE 1 (the daemon's exit status);
#   2. the log file gives the reason: an error line naming the port and
#      "address already in use"; nothing listens on Q afterwards;
#   3. `sc start` again after the port is freed: RUNNING (the failure was
#      the port's, not the service's), then stopped and removed.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/service.bash"

need_prog ss timeout socat
keep_session
NAME=svc-bind
free_port TAKEN
free_port FREE
free_port ECHO
echo_peer echo "$ECHO"
spawn squatter socat "TCP-LISTEN:$TAKEN,bind=127.0.0.1,reuseaddr,fork" EXEC:cat
SQUAT=$SPAWN_PID
wait_listen "$TAKEN"

LOG=$TMP/bind.log
cat >"$TMP/bind.ini" <<INI
[gateway]
log = $(winpath "$LOG")

[route free]
serve = tcp:port=$FREE
connect = tcp:server=127.0.0.1,port=$ECHO

[route taken]
serve = tcp:port=$TAKEN
connect = tcp:server=127.0.0.1,port=$ECHO
INI

svc_install install "$NAME" "$TMP/bind.ini" --demand

# 1. The start fails: STOPPED with the service-specific error.
sc_do start "$NAME"
seen_running=no
stopped_with_code() {
	sc_query "$NAME"
	[[ $(sc_field "$NAME" STATE) == 4 ]] && seen_running=yes
	[[ $(sc_field "$NAME" STATE) == 1 && -s $LOG ]]
}
_poll 60 stopped_with_code || fail "service $NAME did not stop after its failed start: $(cat "$TMP/sc.$NAME.out")"
[[ $seen_running == no ]] || fail "service $NAME was RUNNING although a route could not bind"
w32=$(sc_field "$NAME" WIN32_EXIT_CODE)
svc=$(sc_field "$NAME" SERVICE_EXIT_CODE)
[[ $w32 == 1066 && $svc == 1 ]] ||
	fail "exit codes: WIN32_EXIT_CODE $w32 SERVICE_EXIT_CODE $svc, want 1066 and 1: $(cat "$TMP/sc.$NAME.out")"

# 2. The reason is in the log; no half-started route is left listening.
grep -E ' error .*cannot listen on .*:'"$TAKEN"': .*(another program listens there|in use)' "$LOG" >/dev/null ||
	fail "the log does not say port $TAKEN is in use: $(cat "$LOG")"
_listening "$FREE" && fail "port $FREE still listens after the failed start"

# 3. With the port free the same service starts.
kill "$SQUAT"
wait_unlisten "$TAKEN" 10
sc_do start "$NAME"
wait_state "$NAME" 4 RUNNING 60
_listening "$TAKEN" || fail "RUNNING but port $TAKEN does not listen"
sc_do stop "$NAME"
wait_state "$NAME" 1 STOPPED 30
[[ $(sc_field "$NAME" WIN32_EXIT_CODE) == 0 ]] || fail "stopped with an error: $(cat "$TMP/sc.$NAME.out")"
svc_remove remove "$NAME"
note "a route that cannot bind: STOPPED with 1066/1 and '$(grep -m1 ' error ' "$LOG")'"
