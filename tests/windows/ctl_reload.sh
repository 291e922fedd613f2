#!/usr/bin/env bash
# ctl_reload.sh: `dbgbridge.exe ctl reload`, the Windows trigger of a reload
# (no SIGHUP there; doc/design.md "Building for Windows"), over the control
# pipe \\.\pipe\dbgbridge-control.  A route added to the file serves after
# the reload: ctl prints ok and the change, the daemon logs it, the new
# port listens and relays.
#
# Needs the Windows control pipe (osdep/pipe-win32.c); until that lands the
# daemon runs without one and this test fails at `ctl reload`.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/lib.sh"

need_prog ss timeout
free_port A_PORT
free_port B_PORT
free_port S_PORT
cat >"$TMP/a.ini" <<EOF
[gateway]
log_level = info

[route a]
serve = tcp:port=$A_PORT
connect = tcp:server=127.0.0.1,port=$S_PORT
bind = 127.0.0.1
EOF
start_exe a -f "$TMP/a.ini"
wait_listen "$A_PORT" 30
_control_up() { grep -E -q ' (info|warn) control socket' "$TMP/a.log" 2>/dev/null; }
_poll 20 _control_up || true

cat >>"$TMP/a.ini" <<EOF

[route b]
serve = tcp:port=$B_PORT
connect = tcp:server=127.0.0.1,port=$S_PORT
bind = 127.0.0.1
EOF
run_exe reload.out ctl reload
[[ $EXE_RC == 0 ]] || fail "ctl reload exited $EXE_RC: $(cat "$TMP/reload.out")"
grep -q 'route' "$TMP/reload.out" || fail "ctl reload did not say what changed: $(cat "$TMP/reload.out")"
wait_listen "$B_PORT" 20
wait_log "$TMP/a.log" ' info route b serving ' 20

# The new route relays: a line to an echo server comes back.
spawn echo "$E2E_BIN/loadpeer" echo "$S_PORT" 60
wait_listen "$S_PORT"
got=$(timeout -k 2 20 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
	printf "hello\n" >&3; IFS= read -r l <&3; printf %s "$l"' _ "$B_PORT") || true
[[ $got == hello ]] || fail "route b did not relay after the reload (got '$got')"
exe_running a
note "ctl reload: $(tr '\n' ' ' <"$TMP/reload.out")"
