#!/usr/bin/env bash
# log_file.sh: [gateway] log = FILE, rotated by size (dbgbridge.ini(5)
# "log", "log_max_size", "log_keep"; doc/design.md "Logs"), and what is
# Windows' only (dbgbridge(8) "dbgbridge service").
#
#   client --tcp--> bridge a (log = FILE, json, 700 bytes, keep 2) --tcp--> echo
#
# Asserts:
#   1. nothing goes to stderr: every line is in FILE, one JSON object each;
#   2. after 12 sessions FILE has been rotated: FILE.1 and FILE.2 exist,
#      FILE.3 does not, no file exceeds 700 bytes, and the session lines
#      left (FILE.2, FILE.1, FILE in that order) are consecutive ids ending
#      with the last session;
#   3. a reload that changes log_max_size keeps the file: its lines go on in
#      FILE (no new rotation below the new limit of 1 MiB);
#   4. -n: log = eventlog is an error naming the value; log_keep without a
#      log file is an error; a relative path is an error;
#   5. `dbgbridge service install` exits 2 and says it is Windows only.
. "$(dirname "$0")/lib.sh"

need_prog python3 ss timeout socat
need_bin "$DBGBRIDGE"

free_port ECHO
free_port A
spawn echo socat "TCP-LISTEN:$ECHO,bind=127.0.0.1,reuseaddr,fork" EXEC:cat
wait_listen "$ECHO"

LOG=$TMP/a.file.log
write_ini() {	# MAX
	cat >"$TMP/a.ini" <<INI
[gateway]
log = $LOG
log_format = json
log_max_size = $1
log_keep = 2
control = $TMP/control

[route echo]
serve = tcp:port=$A
connect = tcp:server=127.0.0.1,port=$ECHO
INI
}
write_ini 700
start_bridge a "$TMP/a.ini"
wait_listen "$A"

one_session() {	# WORD
	local got=
	exec 3<>"/dev/tcp/127.0.0.1/$A"
	printf '%s\n' "$1" >&3
	read -r -t 10 got <&3 || true
	exec 3>&-
	[[ $got == "$1" ]] || fail "sent '$1' through a, got '$got'"
}
for n in $(seq 1 12); do
	one_session "w$n"
	wait_log "$LOG" "\"session\":$n,.*\"reason\"|session $n route=.*reason=" 10
done

# 1. stderr is empty; every file line is JSON.
[[ ! -s $TMP/a.log ]] || fail "bridge a wrote to stderr with log = FILE: $(cat "$TMP/a.log")"
cat "$LOG.2" "$LOG.1" "$LOG" | python3 -c '
import json, sys
for i, line in enumerate(sys.stdin, 1):
    o = json.loads(line)
    assert {"ts", "level", "msg"} <= o.keys(), line
' || fail "a line of the log files is not a JSON object"

# 2. rotation: two old files, none too big, the sessions consecutive.
[[ -e $LOG.1 && -e $LOG.2 ]] || fail "no rotation: $(ls -l "$TMP")"
[[ -e $LOG.3 ]] && fail "$LOG.3 exists with log_keep = 2"
for f in "$LOG" "$LOG.1" "$LOG.2"; do
	size=$(stat -c %s "$f")
	((size <= 700)) || fail "$f is $size bytes, over log_max_size 700"
done
ids=$(cat "$LOG.2" "$LOG.1" "$LOG" | sed -nE 's/.*"session":([0-9]+),.*"reason".*/\1/p' | tr '\n' ' ')
python3 -c '
import sys
ids = [int(x) for x in sys.argv[1].split()]
assert ids and ids[-1] == 12 and ids == list(range(ids[0], 13)), ids
' "$ids" || fail "session lines across the files are not consecutive up to 12: $ids"

# 3. A reload keeps the file and takes the new limit.
write_ini 1048576
before=$(stat -c %s "$LOG")
kill -HUP "${E2E_BRIDGE_PID[a]}"
wait_log "$LOG" 'reload' 10
for n in 13 14 15 16; do
	one_session "w$n"
	wait_log "$LOG" "\"session\":$n,.*\"reason\"" 10
done
after=$(stat -c %s "$LOG")
((after > before)) || fail "the log file did not grow after the reload ($before -> $after bytes)"
grep -q '"session":13,' "$LOG.1" && fail "rotated after the reload raised the limit"
stop_bridge_file() {
	kill -TERM "${E2E_BRIDGE_PID[a]}"
	wait_exit "${E2E_BRIDGE_PID[a]}" 30 || fail "bridge a did not exit"
}
stop_bridge_file
grep -q '"msg":"exiting"' "$LOG" || fail "no exiting line in the log file"

# 4. -n: what the configuration refuses.
check_n() {	# NAME INI-GATEWAY-LINES EXPECT
	printf '[gateway]\n%b\n[route r]\nserve = tcp:port=%s\nconnect = tcp:server=127.0.0.1,port=%s\n' \
		"$2" "$A" "$ECHO" >"$TMP/$1.ini"
	"$DBGBRIDGE" -n -f "$TMP/$1.ini" >"$TMP/$1.out" 2>&1 && fail "-n accepted $1: $(cat "$TMP/$1.out")"
	grep -qF -- "$3" "$TMP/$1.out" || fail "-n $1: want '$3', got: $(cat "$TMP/$1.out")"
}
check_n eventlog 'log = eventlog' 'gateway.log: eventlog: the Windows Event Log; this platform has none'
check_n keep 'log_keep = 3' 'gateway.log_keep: only applies with gateway.log = FILE'
check_n relative 'log = logs/a.log' "gateway.log: must be stderr, syslog or eventlog, or the absolute path of a file, got 'logs/a.log'"

# 5. No Windows services here.
rc=0
"$DBGBRIDGE" service install >"$TMP/svc.out" 2>&1 || rc=$?
[[ $rc == 2 ]] && grep -q 'Windows services only' "$TMP/svc.out" ||
	fail "dbgbridge service install on Linux: status $rc: $(cat "$TMP/svc.out")"
note "log = FILE: rotated at 700 bytes into .1 and .2, sessions $ids; reload kept it; eventlog refused here"
