#!/usr/bin/env bash
# privdrop.sh: [gateway] user = NAME (doc/design.md "Interfaces"): dbgbridge
# binds as root, then runs as NAME; sessions still work; an unknown user is an
# error -n reports; a user other than the caller needs root.
# Issue 10 item 3: no directory is given to NAME: pipe_dir set to the
# configuration's own directory keeps its owner and mode, and NAME cannot
# write the configuration.  A directory NAME cannot write keeps its sockets
# after exit (said in warnings) and the next start removes them as stale;
# in one the operator gave to NAME they are removed at exit.
. "$(dirname "$0")/lib.sh"

need_prog socat ss timeout id stat runuser
need_bin "$DBGBRIDGE"
[[ $(id -u) == 0 ]] || skip "dropping privileges needs root"
id nobody >/dev/null 2>&1 || skip "no user 'nobody' here"
NOBODY_UID=$(id -u nobody)

free_port UP_PORT
free_port R_PORT
chmod 0711 "$TMP"	# nobody must reach its runtime directory, as under /run
RUN=$TMP/run
ETC=$TMP/etc
mkdir -m 0755 "$RUN" "$ETC"

cat >"$ETC/p.ini" <<EOF
[gateway]
user = nobody
control = $RUN/control
pipe_dir = $ETC
[route r]
serve = tcp:port=$R_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$UP_PORT
EOF
spawn up socat "TCP-LISTEN:$UP_PORT,bind=127.0.0.1,reuseaddr,fork" EXEC:cat
wait_listen "$UP_PORT"
start_bridge p "$ETC/p.ini"
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

# Item 3: pipe_dir (the configuration's directory) and the control
# directory are still root's; nobody cannot write the configuration.
for d in "$ETC" "$RUN"; do
	[[ $(stat -c '%u:%g %a' "$d") == "0:0 755" ]] ||
		fail "$d is $(stat -c '%U:%G %a' "$d") after the drop to nobody, want root:root 755 (never given away)"
done
if runuser -u nobody -- sh -c 'printf "\n" >>"$1"' sh "$ETC/p.ini" 2>/dev/null; then
	fail "nobody can write the configuration $ETC/p.ini once the daemon runs"
fi
wait_log "$TMP/p.log" "warn gateway.user: nobody cannot write $RUN \\(control: " 10
stop_bridge p
[[ -S $RUN/control ]] || fail "the control socket in $RUN (root's) vanished at exit"
wait_log "$TMP/p.log" "warn $RUN/control: cannot remove the socket: Permission denied; the next start removes it as stale" 5
note "ok: runs as nobody (uid $NOBODY_UID), relays, exits 0; $ETC and $RUN keep root:root 755"

# The operator gives the control directory to nobody: the stale socket goes
# at the start, the new one at exit, and nothing is warned about.
chown nobody -- "$RUN"
start_bridge q "$ETC/p.ini"
wait_listen "$R_PORT"
wait_log "$TMP/q.log" "info $RUN/control: removed a stale socket" 10
wait_log "$TMP/q.log" "info running as user nobody" 10
stop_bridge q
[[ ! -e $RUN/control ]] || fail "the control socket was left behind in $RUN, which nobody owns"
! grep -q " warn " "$TMP/q.log" || fail "warnings with a directory nobody owns: $(grep " warn " "$TMP/q.log")"
note "ok: with $RUN given to nobody, its socket is removed at exit"

# A runtime directory the daemon makes itself (here $RUNTIME_DIRECTORY, as
# systemd would name it, missing) is made for nobody: no warnings, its
# socket removed at exit, and root's ctl talks to it there.
cat >"$ETC/r.ini" <<EOF
[gateway]
user = nobody
[route r]
serve = npipe:pipe=DbgR
connect = tcp:server=127.0.0.1,port=$UP_PORT
EOF
RUNTIME_DIRECTORY=$TMP/rt start_bridge r "$ETC/r.ini"
wait_log "$TMP/r.log" "info running as user nobody" 10
[[ $(stat -c '%U %a' "$TMP/rt") == "nobody 755" ]] ||
	fail "the runtime directory $TMP/rt the daemon made is $(stat -c '%U %a' "$TMP/rt"), want nobody 755"
RC=0
RUNTIME_DIRECTORY=$TMP/rt timeout -k 2 20 "$DBGBRIDGE" ctl list >"$TMP/ctl.out" 2>"$TMP/ctl.err" || RC=$?
[[ $RC == 0 ]] || fail "root's ctl list in $TMP/rt (nobody's, in root's $TMP): exit $RC: $(<"$TMP/ctl.err")"
grep -q "^r .*npipe:pipe=DbgR ($TMP/rt/DbgR)" "$TMP/ctl.out" || fail "ctl list: $(<"$TMP/ctl.out")"
stop_bridge r
for s in control DbgR; do
	[[ ! -e $TMP/rt/$s ]] || fail "$TMP/rt/$s was left behind in the directory made for nobody"
done
! grep -q " warn " "$TMP/r.log" || fail "warnings with the runtime directory made for nobody: $(grep " warn " "$TMP/r.log")"
note "ok: a runtime directory the daemon makes is nobody's; sockets removed at exit; root's ctl talks there"

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

sed -i 's/^user = nobody$/user = no-such-user-here/' "$ETC/p.ini"
RC=0
"$DBGBRIDGE" -n -f "$ETC/p.ini" >/dev/null 2>"$TMP/err" || RC=$?
ULINE=$(grep -n '^user = no-such-user-here$' "$ETC/p.ini" | cut -d: -f1)
[[ $RC == 1 && $(<"$TMP/err") == *"$ETC/p.ini:$ULINE: gateway.user: no such user 'no-such-user-here'"* ]] ||
	fail "-n with an unknown user: exit $RC: $(<"$TMP/err")"
note "ok: -n names an unknown user"
note "privdrop: all passed"
