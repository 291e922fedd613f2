#!/usr/bin/env bash
# runtime_squat.sh: issue 10 item 2.  Without XDG_RUNTIME_DIR a user's
# runtime directory is /tmp/dbgbridge-UID (dbgbridge.ini(5) control), which
# another local user can make first.  Here user dbgb_sq1 does, with a fake
# control socket and a fake pipe DbgX in it, both live; then as dbgb_sq2:
#   - the daemon refuses to start (exit 1), naming the directory and its
#     owner, instead of running without a control socket;
#   - `dbgbridge ctl reload` and `ctl wait` refuse to talk (exit 2, the
#     directory and its owner named) instead of printing the fake's answer;
#   - a route that connects to npipe:server=.,pipe=DbgX (the runtime
#     directory as pipe_dir) never sends the client's bytes to the fake:
#     the session ends "server unreachable", naming the directory's owner.
. "$(dirname "$0")/lib.sh"

need_prog socat ss timeout id stat setpriv useradd userdel
need_bin "$DBGBRIDGE"
[[ $(id -u) == 0 ]] || skip "making the two users needs root"

SQ=dbgb_sq1	# the squatter
VI=dbgb_sq2	# the victim
for u in "$SQ" "$VI"; do
	id "$u" >/dev/null 2>&1 || useradd --no-create-home --shell /usr/sbin/nologin "$u" ||
		hard_error "useradd $u failed"
done
VUID=$(id -u "$VI")
SQUAT=/tmp/dbgbridge-$VUID
_squat_cleanup() {
	rm -rf -- "$SQUAT"
	userdel "$SQ" 2>/dev/null || true
	userdel "$VI" 2>/dev/null || true
}
at_exit _squat_cleanup
rm -rf -- "$SQUAT"

# as USER CMD...: run CMD as USER with no XDG_RUNTIME_DIR or
# RUNTIME_DIRECTORY: the /tmp fallback applies.  (The daemons below are
# started with setpriv directly, so that their pids are the daemons'.)
as() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --init-groups \
		env -u XDG_RUNTIME_DIR -u RUNTIME_DIRECTORY HOME=/ "$@"
}

chmod 0711 "$TMP"
mkdir -m 0700 "$TMP/v" "$TMP/sq"
chown "$VI:" "$TMP/v"
chown "$SQ:" "$TMP/sq"

# The daemon runs as the test user, who may not reach the build (a tree in
# a private directory, as the sanitizer copy in .ci/run is): a copy of the
# program in a directory the user can enter.  A wrapper script (valgrind.sh)
# names paths of its own and is made reachable there.
if ! setpriv --reuid="$VI" --regid="$VI" --init-groups test -x "$DBGBRIDGE"; then
	head -c 4 "$DBGBRIDGE" | grep -q $'^\x7fELF' ||
		hard_error "user $VI cannot run $DBGBRIDGE, and it is no program to copy"
	mkdir -m 0755 "$TMP/bin"
	cp -- "$DBGBRIDGE" "$TMP/bin/dbgbridge"
	chmod 0755 "$TMP/bin/dbgbridge"
	DBGBRIDGE=$TMP/bin/dbgbridge
fi

# The squat: the directory first, then a live fake control socket and a
# fake pipe, each open to everyone.
as "$SQ" mkdir -m 0755 "$SQUAT"
printf '#!/bin/sh\nprintf "ok\\nreloaded\\n"\n' >"$TMP/sq/reply"
chmod 0755 "$TMP/sq/reply"
spawn fakectl as "$SQ" socat "UNIX-LISTEN:$SQUAT/control,fork,mode=0777" \
	EXEC:"$TMP/sq/reply"
spawn fakepipe as "$SQ" socat "UNIX-LISTEN:$SQUAT/DbgX,fork,mode=0777" \
	SYSTEM:"cat >>$TMP/sq/stolen"
_both() { [[ -S $SQUAT/control && -S $SQUAT/DbgX ]]; }
_poll 10 _both || hard_error "the squatter's sockets did not appear in $SQUAT"
SQUID=$(id -u "$SQ")
OWNER="$SQUAT: owned by $SQ (uid $SQUID), mode 0755: refused"
OWNER_RE="$SQUAT: owned by $SQ \\(uid $SQUID\\), mode 0755: refused"

free_port R_PORT
free_port U_PORT
cat >"$TMP/v/a.ini" <<EOF
[route t]
serve = tcp:port=$R_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$U_PORT
EOF
chown "$VI:" "$TMP/v/a.ini"

# 1. The daemon does not start in a runtime directory another user owns.
RC=0
timeout -k 2 15 setpriv --reuid="$VI" --regid="$VI" --init-groups \
	env -u XDG_RUNTIME_DIR -u RUNTIME_DIRECTORY HOME=/ \
	"$DBGBRIDGE" -f "$TMP/v/a.ini" </dev/null >"$TMP/a.out" 2>"$TMP/a.log" || RC=$?
[[ $RC != 124 && $RC != 137 ]] ||
	fail "the daemon ran on (15 s) with its runtime directory $SQUAT squatted by $SQ"
[[ $RC == 1 ]] || fail "the daemon exited $RC with $SQUAT squatted, want 1: $(<"$TMP/a.log")"
grep -F -q -- "$OWNER" "$TMP/a.log" ||
	fail "the daemon's error does not name $SQUAT and its owner $SQ: $(<"$TMP/a.log")"
note "ok: the daemon refuses a squatted $SQUAT (exit 1)"

# 2. ctl refuses to talk to the fake control socket.
for cmd in reload wait; do
	RC=0
	timeout -k 2 15 setpriv --reuid="$VI" --regid="$VI" --init-groups \
		env -u XDG_RUNTIME_DIR -u RUNTIME_DIRECTORY HOME=/ \
		"$DBGBRIDGE" ctl "$cmd" </dev/null >"$TMP/ctl.out" 2>"$TMP/ctl.err" || RC=$?
	[[ $RC == 2 && ! -s $TMP/ctl.out ]] ||
		fail "ctl $cmd with $SQUAT squatted: exit $RC, stdout '$(<"$TMP/ctl.out")', stderr '$(<"$TMP/ctl.err")'; want exit 2 and nothing from the fake"
	[[ $(<"$TMP/ctl.err") == "dbgbridge: ctl: $OWNER"* ]] ||
		fail "ctl $cmd: the error does not name $SQUAT and its owner: $(<"$TMP/ctl.err")"
done
note "ok: ctl reload and ctl wait refuse the fake control socket (exit 2)"

# 3. A route connecting to npipe DbgX in the runtime directory: refused,
# nothing reaches the fake pipe.
cat >"$TMP/v/b.ini" <<EOF
[gateway]
control = $TMP/v/control
[route t]
serve = tcp:port=$R_PORT
bind = 127.0.0.1
connect = npipe:server=.,pipe=DbgX
EOF
chown "$VI:" "$TMP/v/b.ini"
setpriv --reuid="$VI" --regid="$VI" --init-groups \
	env -u XDG_RUNTIME_DIR -u RUNTIME_DIRECTORY HOME=/ \
	"$DBGBRIDGE" -f "$TMP/v/b.ini" </dev/null >"$TMP/b.out" 2>"$TMP/b.log" &
BPID=$!
track "$BPID"
wait_listen "$R_PORT"
exec 5<>"/dev/tcp/127.0.0.1/$R_PORT"
printf 'secret\n' >&5
if read -r -t 10 reply <&5; then
	fail "the client read '$reply' through the fake pipe"
fi
exec 5<&-
wait_log "$TMP/b.log" " info session 1 route=t .*reason=\"server unreachable: $OWNER_RE" 10
[[ ! -s $TMP/sq/stolen ]] || fail "the squatter's pipe received the client's bytes: $(<"$TMP/sq/stolen")"
kill -TERM "$BPID"
wait_exit "$BPID" 30 || fail "the daemon did not exit within 30 s of SIGTERM"
reap "$BPID" rc
[[ $rc == 0 ]] || fail "the daemon exited $rc after SIGTERM"
note "ok: npipe connect refuses the squatted directory; nothing reached the fake pipe"
note "runtime_squat: all passed"
