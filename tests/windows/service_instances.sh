#!/usr/bin/env bash
# service_instances.sh: two named service instances side by side, their
# control pipes, log rotation, and `service run` from a console
# (doc/design.md "The Windows service", "Logs").
#
# Instances lab1 and lab2, each with its own configuration, route, log file
# and control pipe (\\.\pipe\dbgbridge-lab1-control, ...).  Asserts:
#   1. both RUNNING at once, each relaying a line through its own route;
#   2. `dbgbridge ctl -S lab1-control list --json` answers with lab1's route
#      only, lab2-control with lab2's (lab9-control: "no daemon at");
#   3. lab1's log (log_max_size = 600, log_keep = 2) has rotated: lab1.log.1
#      exists, no file of it exceeds 600 bytes (every line is shorter), no
#      lab1.log.3;
#   4. stopping lab1 leaves lab2 RUNNING and relaying;
#   5. `dbgbridge service run --name lab3 -f INI` from a console (no SCM
#      behind it) runs in the foreground: it serves and relays;
#   6. both removed.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/service.bash"

need_prog ss timeout socat
keep_session
free_port ECHO
free_port P1
free_port P2
free_port P3
echo_peer echo "$ECHO"

for i in 1 2; do
	port=P$i
	cat >"$TMP/lab$i.ini" <<INI
[gateway]
log = $(winpath "$TMP/lab$i.log")
log_max_size = 600
log_keep = 2
stop_timeout = 1s

[route r$i]
serve = tcp:port=${!port}
connect = tcp:server=127.0.0.1,port=$ECHO
INI
	svc_install install$i "lab$i" "$TMP/lab$i.ini" --demand
	grep -q "service lab$i installed" "$TMP/install$i" || fail "install lab$i: $(cat "$TMP/install$i")"
done

# 1. Both running, each relaying.
sc_do start lab1
sc_do start lab2
wait_state lab1 4 RUNNING 60
wait_state lab2 4 RUNNING 60
echo_through "$P1" one
exec 3>&-
echo_through "$P2" two
exec 3>&-

# 2. Each instance answers on its own control pipe,
# \\.\pipe\dbgbridge-labN-control, with its own routes only.
for i in 1 2; do
	run_exe ctl$i ctl -S "lab$i-control" list --json
	[[ $EXE_RC == 0 ]] || fail "ctl -S lab$i-control: status $EXE_RC: $(cat "$TMP/ctl$i")"
	grep -q "\"name\":\"r$i\"" "$TMP/ctl$i" ||
		fail "lab$i's routes do not include r$i: $(cat "$TMP/ctl$i")"
	other=$((3 - i))
	grep -q "\"name\":\"r$other\"" "$TMP/ctl$i" &&
		fail "lab$i's routes include lab$other's r$other: $(cat "$TMP/ctl$i")"
done
run_exe ctl9 ctl -S lab9-control list
grep -q 'no daemon at .*dbgbridge-lab9-control' "$TMP/ctl9" ||
	fail "ctl -S lab9-control (no such instance): $(cat "$TMP/ctl9")"

# 3. lab1's log rotated at 600 bytes, two old files at most.  A few more
# sessions make sure of it.
for n in 1 2 3 4 5 6; do
	echo_through "$P1" "more-$n"
	exec 3>&-
done
rotated() { [[ -e $TMP/lab1.log.1 ]]; }
_poll 10 rotated || fail "lab1.log was not rotated: $(ls -l "$TMP"/lab1.log*)"
[[ -e $TMP/lab1.log.3 ]] && fail "lab1.log.3 exists with log_keep = 2"
for f in "$TMP"/lab1.log*; do
	size=$(stat -c %s "$f")
	((size <= 600)) || fail "$f is $size bytes, over log_max_size 600"
done

# 4. Stopping lab1 leaves lab2 serving.
sc_do stop lab1
wait_state lab1 1 STOPPED 30
sc_query lab2
[[ $(sc_field lab2 STATE) == 4 ]] || fail "lab2 not RUNNING after lab1 stopped: $(cat "$TMP/sc.lab2.out")"
echo_through "$P2" still-two
exec 3>&-
sc_do stop lab2
wait_state lab2 1 STOPPED 30

# 5. service run from a console: the daemon in the foreground.
cat >"$TMP/lab3.ini" <<INI
[route r3]
serve = tcp:port=$P3
connect = tcp:server=127.0.0.1,port=$ECHO
INI
start_exe lab3 service run --name lab3 -f "$(winpath "$TMP/lab3.ini")"
wait_listen "$P3" 30
echo_through "$P3" three
exec 3>&-
exe_running lab3

# 6. Remove both.
svc_remove remove1 lab1
svc_remove remove2 lab2
note "lab1 and lab2 side by side: own routes, own control pipes, lab1.log rotated ($(ls "$TMP" | grep -c '^lab1.log') files); service run in a console serves"
