#!/usr/bin/env bash
# privdrop.sh: [gateway] user = NAME (design.md "Interfaces"): dbgbridge binds
# as root, then runs as NAME; sessions still work; an unknown user is an
# error -n reports; a user other than the caller needs root.
. "$(dirname "$0")/lib.sh"

need_prog socat ss timeout id
need_bin "$DBGBRIDGE"
[[ $(id -u) == 0 ]] || skip "dropping privileges needs root"
id nobody >/dev/null 2>&1 || skip "no user 'nobody' here"
NOBODY_UID=$(id -u nobody)

free_port UP_PORT
free_port R_PORT
chmod 0711 "$TMP"	# nobody must reach its runtime directory, as under /run
mkdir -m 0755 "$TMP/run"

cat >"$TMP/p.ini" <<EOF
[gateway]
user = nobody
control = $TMP/run/control
pipe_dir = $TMP/run
[route r]
serve = tcp:port=$R_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$UP_PORT
EOF
spawn up socat "TCP-LISTEN:$UP_PORT,bind=127.0.0.1,reuseaddr,fork" EXEC:cat
wait_listen "$UP_PORT"
start_bridge p "$TMP/p.ini"
wait_listen "$R_PORT"
wait_log "$TMP/p.log" "info running as user nobody \\(uid $NOBODY_UID, gid [0-9]+\\)" 10
PID=${E2E_BRIDGE_PID[p]}
uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$PID/status")
[[ $uids == "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID" ]] ||
	fail "after the drop: Uid real/effective/saved/fs = $uids, want $NOBODY_UID"
groups=$(awk '/^Groups:/ { $1 = ""; print }' "/proc/$PID/status")
[[ $groups != *" 0"* && $groups != "0"* ]] || fail "root's group kept: Groups:$groups"

exec 5<>"/dev/tcp/127.0.0.1/$R_PORT"
printf 'ping\n' >&5
read -r -t 10 reply <&5 || fail "no echo through the route after the drop"
[[ $reply == ping ]] || fail "echo said '$reply'"
exec 5<&-
wait_log "$TMP/p.log" ' info session 1 route=r .*reason="client closed"' 10
stop_bridge p
[[ ! -e $TMP/run/control ]] || fail "the control socket was left behind after the drop"
note "ok: runs as nobody (uid $NOBODY_UID), relays, exits 0, removes its socket"

# A TLS route whose key only root can read: it loads at start, as root, but
# every reload after the drop would fail.  -n and the start-up log say so,
# naming the file and the user; once the user can read it, they do not.
make_cert gw gw.test
mkdir -m 0755 "$TMP/run2"
free_port S_PORT
cat >"$TMP/t.ini" <<EOF
[gateway]
user = nobody
control = $TMP/run2/control
pipe_dir = $TMP/run2
[route s]
serve = ssl:proto=tls1,certuser=$TMP/gw.pem,port=$S_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$UP_PORT
EOF
want="route s.serve: certuser '$TMP/gw.pem': the file $TMP/gw.pem is not readable by user 'nobody' (Permission denied): it loaded now, as root, but after the drop to 'nobody' every reload fails (the configuration stays unchanged) until 'nobody' can read it"
RC=0
"$DBGBRIDGE" -n -f "$TMP/t.ini" >"$TMP/n.out" 2>"$TMP/err" || RC=$?
[[ $RC == 0 ]] || fail "-n with a root-only key: exit $RC: $(<"$TMP/err")"
grep -q -F -x "  warning  $want" "$TMP/n.out" ||
	fail "-n does not warn that nobody cannot read the key: $(<"$TMP/n.out")"
start_bridge t "$TMP/t.ini"
wait_listen "$S_PORT"
wait_log "$TMP/t.log" "info running as user nobody" 10
grep -q -F " warn $want" "$TMP/t.log" || fail "no warning at start: $(<"$TMP/t.log")"
# What it warned of: a reload after the drop fails, and changes nothing.
RC=0
"$DBGBRIDGE" ctl -S "$TMP/run2/control" reload >"$TMP/reload.out" 2>&1 || RC=$?
[[ $RC != 0 && $(<"$TMP/reload.out") == *"the configuration is unchanged"*"$TMP/gw.pem"*"Permission denied"* ]] ||
	fail "reload as nobody of a root-only key: exit $RC: $(<"$TMP/reload.out")"
stop_bridge t
chown nobody "$TMP/gw.pem"
RC=0
"$DBGBRIDGE" -n -f "$TMP/t.ini" >"$TMP/n.out" 2>"$TMP/err" || RC=$?
[[ $RC == 0 ]] && ! grep -q warning "$TMP/n.out" ||
	fail "-n still warns once nobody owns the key: exit $RC: $(<"$TMP/n.out") $(<"$TMP/err")"
note "ok: a key nobody cannot read is named at start and by -n"

sed -i 's/^user = nobody$/user = no-such-user-here/' "$TMP/p.ini"
RC=0
"$DBGBRIDGE" -n -f "$TMP/p.ini" >/dev/null 2>"$TMP/err" || RC=$?
[[ $RC == 1 && $(<"$TMP/err") == *"gateway.user: no such user 'no-such-user-here'"* ]] ||
	fail "-n with an unknown user: exit $RC: $(<"$TMP/err")"
note "ok: -n names an unknown user"
note "privdrop: all passed"
