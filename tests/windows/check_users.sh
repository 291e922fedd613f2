#!/usr/bin/env bash
# check_users.sh: `dbgbridge.exe -n` on settings that have no meaning on
# Windows (doc/design.md "Building for Windows"): [gateway] user, and a
# route's pipe_group and pipe_mode, each refused with a line that says so
# (exit 1), never ignored; the same file without them passes (exit 0).
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/lib.sh"

free_port A_PORT
cat >"$TMP/users.ini" <<EOF
[gateway]
user = dbgbridge

[route a]
serve = tcp:port=$A_PORT
connect = tcp:server=127.0.0.1,port=1
pipe_group = debuggers
pipe_mode = 0660
EOF
run_exe users.out -n -f "$TMP/users.ini"
[[ $EXE_RC == 1 ]] || fail "-n with user= exited $EXE_RC, want 1: $(cat "$TMP/users.out")"
for re in 'gateway\.user: has no meaning on Windows' \
	'route a: pipe_group has no meaning on Windows' \
	'route a: pipe_mode has no meaning on Windows'; do
	grep -E -q -- "$re" "$TMP/users.out" ||
		fail "-n did not say /$re/: $(cat "$TMP/users.out")"
done

sed -e '/^user = /d' -e '/^pipe_group = /d' -e '/^pipe_mode = /d' \
	"$TMP/users.ini" >"$TMP/plain.ini"
run_exe plain.out -n -f "$TMP/plain.ini"
[[ $EXE_RC == 0 ]] || fail "-n without them exited $EXE_RC, want 0: $(cat "$TMP/plain.out")"
note "$(grep -c 'no meaning on Windows' "$TMP/users.out") settings refused by -n; the rest passes"
