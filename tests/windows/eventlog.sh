#!/usr/bin/env bash
# eventlog.sh: [gateway] log = eventlog, the Windows Event Log
# (doc/design.md "Logs"; dbgbridge.ini(5) "log").
#
# dbgbridge.exe with log = eventlog in the console, relaying one session to
# a Linux echo.  Wine differs from Windows here: its ReportEvent keeps no
# log to read back (Event Viewer, wevtutil), it writes each string to its
# debug channel "eventlog" instead (errors as err:, warnings as warn:, the
# rest as trace:).  So the test reads that channel (WINEDEBUG=+eventlog)
# and asserts:
#   1. the start's lines ("route r serving", "control socket") and the
#      session line (reason="client closed") arrive as events, and the error
#      of a second instance whose port is taken arrives as an error event;
#   2. nothing of the log goes to standard error as a dbgbridge text line
#      (no "TIMESTAMP LEVEL" line);
#   3. the second instance exits 1.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/service.bash"

need_prog ss timeout socat
free_port ECHO
free_port A
echo_peer echo "$ECHO"

cat >"$TMP/ev.ini" <<INI
[gateway]
log = eventlog

[route r]
serve = tcp:port=$A
connect = tcp:server=127.0.0.1,port=$ECHO
INI

WINEDEBUG=-all,+eventlog start_exe a -f "$(winpath "$TMP/ev.ini")"
wait_listen "$A" 30
echo_through "$A" evented
exec 3>&-

# 1. The lines as events.
wait_log "$TMP/a.log" 'eventlog.*route r serving' 20
wait_log "$TMP/a.log" 'eventlog.*control socket' 10
wait_log "$TMP/a.log" 'eventlog.*session 1 route=r .*reason=\\"client closed\\"|eventlog.*session 1 route=r .*reason=.*client closed' 20

# A second instance on the same port: its failure is an error event.
cat >"$TMP/ev2.ini" <<INI
[gateway]
log = eventlog
control = second

[route r]
serve = tcp:port=$A
connect = tcp:server=127.0.0.1,port=$ECHO
INI
EXE_RC=0
WINEDEBUG=-all,+eventlog timeout -k 5 60 wine "$DBGBRIDGE_EXE" -f "$(winpath "$TMP/ev2.ini")" \
	</dev/null >"$TMP/b.out" 2>"$TMP/b.log" || EXE_RC=$?
# 3. It exits 1.
[[ $EXE_RC == 1 ]] || fail "the second instance exited $EXE_RC, want 1: $(tr -d '\r' <"$TMP/b.log")"
grep -E 'err:eventlog.*cannot listen on .*:'"$A" "$TMP/b.log" >/dev/null ||
	fail "no error event for the taken port: $(tr -d '\r' <"$TMP/b.log" | tail -5)"

# 2. No text log line on stderr.
if grep -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z (info|warn|error) ' "$TMP/a.log" "$TMP/b.log"; then
	fail "log = eventlog still wrote text lines to stderr"
fi
exe_running a
note "log = eventlog: $(grep -c 'eventlog' "$TMP/a.log") events from a, the bind error as err:eventlog from b"
