#!/usr/bin/env bash
# stop_reload.sh: a reload still reading its file when SIGTERM comes is not
# applied (dbgbridge(8) SIGNALS: stop accepts nothing new).  Its routes would
# listen again after the stop had closed every listener, and the daemon
# would never exit.
#
# The file is a FIFO, so the reload's read waits until the test writes it:
#   1. start from the FIFO (one route, stop_timeout = 3s); a session held
#      open through it (a server that never answers);
#   2. SIGHUP: the reload thread waits on the FIFO; SIGTERM: the listener
#      closes; then the FIFO gets the file;
#   3. the route's port stays closed, the log says the reload was not
#      applied, and the daemon exits 0 once the stop deadline resets the
#      held session;
#   4. a reload whose read never ends (nothing writes the FIFO again) does
#      not hold up the exit: with no session open, SIGTERM ends the daemon
#      within 5 s.
. "$(dirname "$0")/lib.sh"

need_prog python3 ss timeout
need_bin "$DBGBRIDGE"

free_port S_PORT
free_port R_PORT
FIFO=$TMP/sr.ini
mkfifo "$FIFO"

cat >"$TMP/hold.py" <<'PY'
import socket, sys, time
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", int(sys.argv[1])))
ls.listen(4)
c, _ = ls.accept()
time.sleep(60)
PY
cat >"$TMP/client.py" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
time.sleep(60)
PY
cat >"$TMP/real.ini" <<EOF2
[gateway]
control = $TMP/sr.ctl
stop_timeout = 3s

[route r]
serve = tcp:port=$R_PORT
connect = tcp:server=127.0.0.1,port=$S_PORT
bind = 127.0.0.1
EOF2

spawn hold python3 "$TMP/hold.py" "$S_PORT"
wait_listen "$S_PORT"
start_bridge sr "$FIFO"
timeout 10 cp "$TMP/real.ini" "$FIFO" || fail "the daemon never read its file"
wait_listen "$R_PORT"
spawn client python3 "$TMP/client.py" "$R_PORT"
wait_log "$TMP/sr.log" " session 1 open route=r " 10

pid=${E2E_BRIDGE_PID[sr]}
# threads PID N: the process has N threads (the reload thread has started).
threads() { local t=("/proc/$1/task/"*); ((${#t[@]} == $2)); }
threads "$pid" 1 || fail "the daemon runs $(ls "/proc/$pid/task" | wc -l) threads before SIGHUP"
kill -HUP "$pid"
_poll 10 threads "$pid" 2 || fail "no reload thread after SIGHUP"
kill -TERM "$pid"
wait_log "$TMP/sr.log" "stopping: no new sessions" 10
wait_unlisten "$R_PORT"
timeout 10 cp "$TMP/real.ini" "$FIFO" || fail "the reload never read the file"
wait_log "$TMP/sr.log" "SIGHUP: reload" 10
_listening "$R_PORT" &&
	fail "after SIGTERM a reload made route r listen on $R_PORT again"
wait_exit "$pid" 10 || fail "the daemon did not exit after SIGTERM and the stop deadline"
reap "$pid" rc
untrack "$pid"
unset 'E2E_BRIDGE_PID[sr]'
((rc == 0)) || fail "exit status $rc: $(tail -n 5 "$TMP/sr.log")"
grep -E -q "SIGHUP: reload.*stopping" "$TMP/sr.log" ||
	fail "the log does not say the reload was dropped: $(grep reload "$TMP/sr.log")"

# 4. The reload thread never returns: the stop does not wait for it.
free_port R2_PORT
sed "s/port=$R_PORT/port=$R2_PORT/; s|$TMP/sr.ctl|$TMP/sr2.ctl|" \
	"$TMP/real.ini" >"$TMP/real2.ini"
start_bridge sr2 "$FIFO"
timeout 10 cp "$TMP/real2.ini" "$FIFO" || fail "the second daemon never read its file"
wait_listen "$R2_PORT"
pid=${E2E_BRIDGE_PID[sr2]}
kill -HUP "$pid"
_poll 10 threads "$pid" 2 || fail "no reload thread after SIGHUP"
kill -TERM "$pid"
wait_exit "$pid" 5 ||
	fail "SIGTERM with no session: still running 5 s later, waiting for a reload that reads a FIFO nobody writes"
reap "$pid" rc
unset 'E2E_BRIDGE_PID[sr2]'
((rc == 0)) || fail "second daemon: exit status $rc: $(tail -n 5 "$TMP/sr2.log")"
note "stop_reload: all passed"
