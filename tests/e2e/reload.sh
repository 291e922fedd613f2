#!/usr/bin/env bash
# reload.sh: a reload (ctl reload, SIGHUP) never drops an open session
# (issue "Reload"): a gdb session through the bridge reloads it from inside
# gdb and goes on with the right values; a bulk transfer across a SIGHUP
# arrives byte-exact; the listener of a route whose serve spec did not change
# is the same socket after the reload; a new route serves, a removed one does
# not; a file with an error changes nothing and says why.
. "$(dirname "$0")/lib.sh"

need_prog gdb gdbserver ss timeout socat
need_bin "$DBGBRIDGE" "$E2E_BIN/target" "$E2E_BIN/bulkpeer"
TARGET=$E2E_BIN/target

free_port GS_PORT
free_port G_PORT
free_port X_PORT
free_port N_PORT
free_port BS_PORT
free_port BK_PORT
SOCK=$TMP/control

# write_ini EXTRA: the bridge's file; EXTRA goes at its end.
write_ini() {
	cat >"$TMP/r.ini" <<EOF
[gateway]
control = $SOCK
log_level = debug
[route gdb]
serve = tcp:port=$G_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$GS_PORT
$1
[route bulk]
serve = tcp:port=$BK_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$BS_PORT
$2
EOF
}

# listener_ino PORT: the socket inode of what listens on PORT.
listener_ino() { ss -ltnHe "sport = :$1" | grep -o 'ino:[0-9]*'; }

write_ini "" "[route x]
serve = tcp:port=$X_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$GS_PORT"
spawn gdbserver gdbserver --multi "127.0.0.1:$GS_PORT"
GS_PID=$SPAWN_PID
wait_listen "$GS_PORT"
start_bridge r "$TMP/r.ini"
wait_listen "$G_PORT"
wait_listen "$X_PORT"
wait_log "$TMP/r.log" "info control socket $SOCK" 10
INO_BEFORE=$(listener_ino "$G_PORT")
[[ -n $INO_BEFORE ]] || fail "no inode for the listener on $G_PORT"

# 1. A gdb session reloads the bridge from inside itself, mid-session: the
# new file changes route gdb (idle_timeout), adds route n, removes route x.
write_ini "idle_timeout = 1h" "[route n]
serve = tcp:port=$N_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$GS_PORT"
cat >"$TMP/s.gdb" <<EOF
set pagination off
set confirm off
target extended-remote 127.0.0.1:$G_PORT
set remote exec-file $TARGET
break step if i == 37
run
shell "$DBGBRIDGE" ctl -S "$SOCK" reload > "$TMP/reload.out" 2>&1; echo "reload-exit-\$?" >> "$TMP/reload.out"
print i
print s->sum
finish
print g_total
kill
echo MARK-END\\n
disconnect
EOF
timeout -k 5 120 env -u DEBUGINFOD_URLS gdb -nx -batch -iex 'set debuginfod enabled off' \
	-x "$TMP/s.gdb" "$TARGET" </dev/null >"$TMP/gdb.out" 2>&1 || fail "gdb failed: $(tail -5 "$TMP/gdb.out")"
grep -q '^reload-exit-0$' "$TMP/reload.out" || fail "ctl reload inside the session: $(cat "$TMP/reload.out")"
# The reply says, per route, what changed.
want_reload="3 routes: 1 unchanged, 1 changed, 1 added; 1 removed; 2 listeners kept
route gdb: changed (idle_timeout)
route bulk: unchanged
route n: added
route x: removed
reload-exit-0"
[[ $(<"$TMP/reload.out") == "$want_reload" ]] ||
	fail "ctl reload said: $(cat "$TMP/reload.out")
want:
$want_reload"
wait_log "$TMP/r.log" 'info control: reload: route gdb: changed \(idle_timeout\)$' 5
for want in '$1 = 37' '$2 = 16206' '$3 = 703' MARK-END; do
	grep -F -x -q -- "$want" "$TMP/gdb.out" || fail "gdb after the reload: no '$want':
$(tail -20 "$TMP/gdb.out")"
done
wait_log "$TMP/r.log" ' info session 1 route=gdb .*reason="client closed"' 10
wait_log "$TMP/r.log" 'info route gdb: retired by the reload; 1 open session goes on' 5
INO_AFTER=$(listener_ino "$G_PORT")
[[ $INO_AFTER == "$INO_BEFORE" ]] || fail "the unchanged listener was reopened: $INO_BEFORE -> $INO_AFTER"
wait_unlisten "$X_PORT"
wait_listen "$N_PORT"
note "ok: gdb session across ctl reload; listener $INO_AFTER kept; x gone, n serving"

# The kept listener serves the new route: a second gdb session.
wait_listen "$GS_PORT"
grep -v '^shell' "$TMP/s.gdb" >"$TMP/s2.gdb"
timeout -k 5 120 env -u DEBUGINFOD_URLS gdb -nx -batch -iex 'set debuginfod enabled off' \
	-x "$TMP/s2.gdb" "$TARGET" </dev/null >"$TMP/gdb2.out" 2>&1 ||
	fail "second gdb session failed: $(tail -5 "$TMP/gdb2.out")"
grep -F -x -q '$3 = 703' "$TMP/gdb2.out" || fail "second gdb session: wrong values"
note "ok: a new session through the kept listener"

# 2. 64 MiB each way while SIGHUP reloads twice: every byte arrives.
BYTES=$((64 * 1024 * 1024))
spawn server "$E2E_BIN/bulkpeer" listen "$BS_PORT" "$BYTES" 7 120
SERVER_PID=$SPAWN_PID
wait_listen "$BS_PORT"
spawn client "$E2E_BIN/bulkpeer" connect "$BK_PORT" "$BYTES" 7 120
CLIENT_PID=$SPAWN_PID
wait_log "$TMP/r.log" ' session [0-9]+ connecting -> relaying' 10 3
kill -HUP "${E2E_BRIDGE_PID[r]}"
wait_log "$TMP/r.log" 'SIGHUP: reload: ' 10 1
kill -HUP "${E2E_BRIDGE_PID[r]}"
wait_log "$TMP/r.log" 'SIGHUP: reload: ' 10 2
wait_exit "$CLIENT_PID" 130 || fail "bulkpeer connect still runs"
wait_exit "$SERVER_PID" 30 || fail "bulkpeer listen still runs"
reap "$CLIENT_PID" rc
[[ $rc == 0 ]] || fail "bulk client across SIGHUP: status $rc: $(cat "$TMP/client.out")"
reap "$SERVER_PID" rc
[[ $rc == 0 ]] || fail "bulk server across SIGHUP: status $rc: $(cat "$TMP/server.out")"
wait_log "$TMP/r.log" " info session .* route=bulk .*bytes_up=$BYTES bytes_down=$BYTES .*reason=" 10
note "ok: $BYTES bytes each way across two SIGHUP reloads"

# 3. A file with an error: nothing changes, and the reply says why.
sed -i "s/port=$N_PORT/port=70000/" "$TMP/r.ini"
RC=0
"$DBGBRIDGE" ctl -S "$SOCK" reload >"$TMP/bad.out" 2>"$TMP/bad.err" || RC=$?
[[ $RC == 2 ]] || fail "reload of a bad file: exit $RC"
line=$(grep -n '^serve = tcp:port=70000' "$TMP/r.ini" | cut -d: -f1)
[[ $(<"$TMP/bad.err") == "dbgbridge: ctl: reload failed, the configuration is unchanged: $TMP/r.ini:$line: route n.serve: tcp: 'port' must be 1-65535, got '70000'" ]] ||
	fail "reload of a bad file said: $(<"$TMP/bad.err")"
wait_log "$TMP/r.log" "error control: reload: $TMP/r.ini:$line: route n.serve: tcp: 'port' must be 1-65535, got '70000'" 5
_listening "$N_PORT" || fail "route n stopped serving after a failed reload"
[[ $(listener_ino "$G_PORT") == "$INO_BEFORE" ]] || fail "a failed reload touched the listener"
note "ok: a bad file changes nothing"

# 4. Keys the key table marks needs_restart (config/keys.c): a changed value
#    fails the reload, one line per key in table order, the old value kept.
sed -i "s/port=70000/port=$N_PORT/" "$TMP/r.ini"
free_port M_PORT
sed -i "s|^log_level = debug\$|&\\
pipe_dir = $TMP\\
metrics = 127.0.0.1:$M_PORT|" "$TMP/r.ini"
RC=0
"$DBGBRIDGE" ctl -S "$SOCK" reload >"$TMP/fixed.out" 2>"$TMP/fixed.err" || RC=$?
[[ $RC == 2 ]] || fail "reload with restart-only keys changed: exit $RC: $(<"$TMP/fixed.err")"
# The reply has the first line (control.h "reload"), the log every line.
[[ $(<"$TMP/fixed.err") == "dbgbridge: ctl: reload failed, the configuration is unchanged: gateway.metrics: changing it needs a restart; the running daemon keeps the old value" ]] ||
	fail "reload with restart-only keys changed said: $(<"$TMP/fixed.err")"
wait_log "$TMP/r.log" "error control: reload: gateway.pipe_dir: changing it needs a restart; the running daemon keeps the old value" 5
grep -B1 'error control: reload: gateway.pipe_dir: changing' "$TMP/r.log" | head -1 |
	grep -q 'error control: reload: gateway.metrics: changing it needs a restart; the running daemon keeps the old value$' ||
	fail "the log does not list gateway.metrics just before gateway.pipe_dir"
_listening "$M_PORT" && fail "a failed reload served metrics on $M_PORT"
_listening "$N_PORT" || fail "route n stopped serving after a refused reload"
note "ok: keys that need a restart refuse the reload and say which"

stop_bridge r
note "reload: all passed"
