# tests/windows/service.bash: helpers of the service tests under wine
# (tests/windows/service*.sh; doc/design.md "The Windows service"), sourced
# after tests/e2e/lib.sh and tests/windows/lib.sh.  run.sh takes only *.sh
# for a test, so this file is not one.
#
# The SCM of wine's prefix (services.exe) runs the service: `wine sc start`
# makes it start build-windows/dbgbridge.exe with the command line that
# `dbgbridge service install` wrote; `wine sc query` prints its state.  The
# wineserver -k that lib.sh runs at the end stops services.exe and every
# service with it.

need_prog wine

# keep_session: a user program of the prefix running until the test ends
# (dbgbridge.exe relaying a free port nowhere).  Wine differs from Windows
# here: once no program but the system's (services.exe and what it
# started) runs in a prefix, wineserver ends the "session" and services.exe
# stops and then ends every service it runs, so between two `wine sc`
# commands a service may be killed (seen as STOPPED with WIN32_EXIT_CODE
# 1077 in the middle of a drain).  On Windows a service runs whatever users
# do.  The keeper is ended with everything else by lib.sh's wineserver -k.
keep_session() {
	local kport
	free_port kport
	start_exe keeper -s "tcp:port=$kport" -c "tcp:server=127.0.0.1,port=9" -p
	wait_listen "$kport" 30
}

# winpath PATH: the Linux path as wine's Z: drive sees it (Z:\tmp\...).
winpath() { local p=${1//\//\\}; printf 'Z:%s' "$p"; }

# sc_query NAME: `wine sc query NAME`, carriage returns dropped, in
# $TMP/sc.NAME.out; its status in SC_RC.
sc_query() {
	SC_RC=0
	timeout -k 5 30 wine sc query "$1" </dev/null >"$TMP/sc.$1.raw" 2>&1 || SC_RC=$?
	tr -d '\r' <"$TMP/sc.$1.raw" >"$TMP/sc.$1.out"
}

# sc_field NAME FIELD: the value of FIELD (STATE, WIN32_EXIT_CODE,
# SERVICE_EXIT_CODE, CHECKPOINT, WAIT_HINT) in the last sc_query of NAME:
# its first word (the number: STATE's is 1 stopped, 2 start pending, 3 stop
# pending, 4 running).
sc_field() {
	sed -nE "s/^[[:space:]]*$2[[:space:]]*:[[:space:]]*([^[:space:]]+).*/\1/p" \
		"$TMP/sc.$1.out" | head -1
}

# sc_state_is NAME STATE: true when sc query says NAME is in STATE (a
# number, as sc_field prints it).
sc_state_is() {
	sc_query "$1"
	[[ $(sc_field "$1" STATE) == "$2" ]]
}

# wait_state NAME STATE WORD [TIMEOUT_S]: poll until NAME is in STATE.
wait_state() {
	_poll "${4:-30}" sc_state_is "$1" "$2" ||
		fail "service $1 not $3 after ${4:-30} s: $(cat "$TMP/sc.$1.out")"
}

# sc_do VERB NAME: `wine sc VERB NAME` (start, stop), output in
# $TMP/sc.VERB.NAME.out, status in SC_RC.
sc_do() {
	SC_RC=0
	timeout -k 5 60 wine sc "$1" "$2" </dev/null >"$TMP/sc.$1.$2.raw" 2>&1 || SC_RC=$?
	tr -d '\r' <"$TMP/sc.$1.$2.raw" >"$TMP/sc.$1.$2.out"
}

# svc_install OUT NAME INI [ARGS...]: dbgbridge.exe service install --name
# NAME -f INI(as a Windows path) ARGS; fails the test unless it succeeded.
svc_install() {
	local out=$1 name=$2 ini=$3
	shift 3
	run_exe "$out" service install --name "$name" -f "$(winpath "$ini")" "$@"
	[[ $EXE_RC == 0 ]] || fail "service install $name: status $EXE_RC: $(cat "$TMP/$out")"
}

# svc_remove OUT NAME: dbgbridge.exe service remove --name NAME, which must
# succeed; sc query then no longer knows NAME.
svc_remove() {
	run_exe "$1" service remove --name "$2"
	[[ $EXE_RC == 0 ]] || fail "service remove $2: status $EXE_RC: $(cat "$TMP/$1")"
	sc_query "$2"
	[[ $SC_RC != 0 ]] || fail "sc query $2 still finds it after remove: $(cat "$TMP/sc.$2.out")"
}

# echo_peer NAME PORT: a Linux echo server (socat, one connection at a time)
# on 127.0.0.1:PORT.
echo_peer() {
	spawn "$1" socat "TCP-LISTEN:$2,bind=127.0.0.1,reuseaddr,fork" EXEC:cat
	wait_listen "$2"
}

# echo_through PORT WORD: one line through 127.0.0.1:PORT comes back; the
# connection is left open on descriptor 3 (close it with exec 3>&-).
echo_through() {
	local got=
	exec 3<>"/dev/tcp/127.0.0.1/$1" || fail "cannot connect to port $1"
	printf '%s\n' "$2" >&3
	read -r -t 20 got <&3 || true
	[[ $got == "$2" ]] || fail "through port $1: sent '$2', got '$got'"
}
