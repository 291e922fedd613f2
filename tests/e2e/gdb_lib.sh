# gdb_lib.sh: the gdb session the debugger tests share (gdb_bridge.sh,
# gdb_pipes.sh, gdb_com.sh, clicon.sh).  Sourced after lib.sh; the test sets
# TARGET (the build's tests/e2e/target) first.
#
# One session, run the same way everywhere: the target runs to
# `break step if i == 37`, gdb prints a backtrace and the values target.c's
# header documents, finishes the call, prints two more, kills the target and
# disconnects.  check_session is what every test asserts of it.

# gdb_session_script FILE WHERE [HOLD]: write the session to FILE.  WHERE is
# a port (gdb connects to 127.0.0.1:PORT, waiting at most 5 s) or a whole
# `target ...` line (a pipe: "target extended-remote | socat - ...").  With
# HOLD, gdb stops at the breakpoint, touches $TMP/hold and waits (at most
# 60 s) for $TMP/go before it goes on.
gdb_session_script() {
	local target=$2 tcp='' hold=''
	if [[ $target =~ ^[0-9]+$ ]]; then
		tcp="set tcp connect-timeout 5
"
		target="target extended-remote 127.0.0.1:$2"
	fi
	if [[ -n ${3:-} ]]; then
		hold="echo MARK-HOLD\\n
shell touch '$TMP/hold'; n=0; while [ ! -e '$TMP/go' ] && [ \$n -lt 600 ]; do sleep 0.1; n=\$((n + 1)); done
"
	fi
	cat >"$1" <<EOF
set pagination off
set confirm off
set width 0
set height 0
${tcp}set remotetimeout 20
$target
set remote exec-file $TARGET
break step if i == 37
run
bt
print i
print s->count
print s->sum
print g_total
print g_calls
${hold}finish
print g_total
print st.sum
kill
echo MARK-END\\n
disconnect
EOF
}

# gdb_cmd SCRIPT [CMD...]: gdb in batch mode on $TARGET, running SCRIPT,
# through CMD when one is given (ip netns exec NS), killed after 120 s.  No
# symbol downloads: without URLs debuginfod stays quiet (-iex, so an old gdb
# that lacks the setting does not abort the script).
gdb_cmd() {
	local script=$1
	shift
	"$@" timeout -k 5 120 env -u DEBUGINFOD_URLS gdb -nx -batch \
		-iex 'set debuginfod enabled off' -x "$script" "$TARGET"
}

# run_gdb NAME SCRIPT [CMD...]: gdb_cmd in the foreground; output in
# $TMP/NAME.out, exit status in GDB_RC, wall time in microseconds in GDB_US.
run_gdb() {
	local name=$1 script=$2 t0=${EPOCHREALTIME/./}
	shift 2
	GDB_RC=0
	gdb_cmd "$script" "$@" </dev/null >"$TMP/$name.out" 2>&1 || GDB_RC=$?
	GDB_US=$((${EPOCHREALTIME/./} - t0))
}

# check_session NAME: the output of a gdb_session_script run (GDB_RC its exit
# status) has the breakpoint, the backtrace and the values target.c
# documents; prints the first thing that is wrong and returns 1.
check_session() {
	local out="$TMP/$1.out" re v n
	if [[ $GDB_RC != 0 ]]; then
		echo "gdb exited with status $GDB_RC"
		return 1
	fi
	for re in \
		'^Breakpoint 1(\.1)?, step \(i=37, s=0x[0-9a-f]+\) at .*target\.c:[0-9]+$' \
		'^#0 +step \(i=37, s=0x[0-9a-f]+\) at .*target\.c:[0-9]+$' \
		'^#1 +(0x[0-9a-f]+ in )?main \(\) at .*target\.c:[0-9]+$' \
		'^MARK-END$'; do
		grep -E -q -- "$re" "$out" || { echo "no line matching /$re/"; return 1; }
	done
	# $1 i, $2 s->count, $3 s->sum, $4 g_total, $5 g_calls before step(37);
	# $6 g_total, $7 st.sum after it returned (target.c's header).
	n=1
	for v in 37 37 16206 666 37 703 17575; do
		grep -F -x -q -- "\$$n = $v" "$out" || {
			echo "no '\$$n = $v' (got: $(grep -E "^\\\$$n = " "$out" || echo nothing))"
			return 1
		}
		n=$((n + 1))
	done
}
