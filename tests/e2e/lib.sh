# lib.sh: sourced by every end-to-end test (tests/e2e/*.sh).
#
# Environment (set by `make check`, defaulted here for runs by hand):
#   DBGBRIDGE  absolute path of the daemon under test
#   E2E_BIN    the build's tests/e2e directory (compiled helpers: target, bulkpeer)
#   SRCDIR     the source tree
#   E2E_KEEP=1 keep the per-test directory $TMP (logs, certificates) after the run
#
# Exit status, as automake's test driver reads it: 0 pass, 77 skip (a program
# the test needs is missing), 99 hard error (the test itself could not run),
# anything else a failure.
#
# Rules every test keeps: all traffic goes to 127.0.0.1; every wait is bounded
# in count and in time; no fixed sleeps where a wait_* helper works; every
# process a test starts is tracked and killed on exit.

set -euo pipefail
export LC_ALL=C

: "${DBGBRIDGE:=/work/main/dbgbridge}"
: "${E2E_BIN:=/work/main/tests/e2e}"
: "${SRCDIR:=/work/main}"
export DBGBRIDGE E2E_BIN SRCDIR

E2E_NAME=$(basename "$0" .sh)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dbgbridge-e2e-$E2E_NAME.XXXXXX")
E2E_PIDS=()			# every background process this test started
declare -A E2E_BRIDGE_PID=()	# bridge name -> pid
E2E_PORTS=()			# ports handed out by free_port

# instrumented PID: true when process PID runs under valgrind or was built
# with AddressSanitizer, whose own bookkeeping (shadow memory, ASan's
# quarantine of freed blocks) makes its resident memory no measure of ours.
instrumented() {
	local comm
	comm=$(cat "/proc/$1/comm" 2>/dev/null) || return 1
	[[ $comm == memcheck* || $comm == valgrind* ]] && return 0
	grep -q -F libasan "/proc/$1/maps" 2>/dev/null && return 0
	grep -q -a -F __asan_init "/proc/$1/exe" 2>/dev/null
}

# ---------------------------------------------------------------- messages

note() { printf '# %s\n' "$*"; }

# Print the tail of every log this test wrote: bridge logs first, then the
# output of the helper programs.
_e2e_context() {
	local f
	for f in "$TMP"/*.log "$TMP"/*.out; do
		[[ -f $f ]] || continue
		printf -- '--- tail of %s\n' "${f##*/}"
		tail -n 40 -- "$f"
	done
}

# fail MSG: the daemon did not do what the contract says.
fail() {
	printf 'FAIL: %s: %s\n' "$E2E_NAME" "$*" >&2
	_e2e_context >&2
	exit 1
}

# skip MSG: a program the test needs is missing here.
skip() {
	printf 'SKIP: %s: %s\n' "$E2E_NAME" "$*" >&2
	exit 77
}

# hard_error MSG: the test itself could not run (setup broke, not the daemon).
hard_error() {
	printf 'ERROR: %s: %s\n' "$E2E_NAME" "$*" >&2
	_e2e_context >&2
	exit 99
}

# need_prog PROG...: skip unless every program is on PATH.
need_prog() {
	local p
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 || skip "'$p' is not installed"
	done
}

# need_bin PATH...: the daemon and the helpers are built by make; missing
# ones mean the test cannot run at all.
need_bin() {
	local p
	for p in "$@"; do
		[[ -x $p ]] || hard_error "'$p' is missing or not executable (build it first)"
	done
}

# ---------------------------------------------------------------- processes

# _alive PID: true while PID exists and is not a zombie.  (kill -0 succeeds on
# an exited child that nobody has reaped yet, so it cannot tell.)
_alive() {
	local stat
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]]
}

_all_gone() {
	local p
	for p in "$@"; do
		! _alive "$p" || return 1
	done
}

# _poll TIMEOUT_S CMD...: run CMD every 50 ms until it succeeds (0) or the
# time is up (1).  Bounded in time and in count.
_poll() {
	local timeout=$1 i n deadline
	shift
	n=$((timeout * 20 + 1))
	deadline=$(( ${EPOCHREALTIME/./} + timeout * 1000000 ))
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		(( ${EPOCHREALTIME/./} < deadline )) || break
		sleep 0.05
	done
	"$@"
}

track() { E2E_PIDS+=("$@"); }

# at_exit CMD: run CMD (one word: a function) during cleanup, once every
# tracked process is gone, for what outlives them (a network namespace, say).
# CMD must bound its own time.
E2E_AT_EXIT=()
at_exit() { E2E_AT_EXIT+=("$1"); }

untrack() {
	local p keep=()
	for p in "${E2E_PIDS[@]}"; do
		[[ $p == "$1" ]] || keep+=("$p")
	done
	E2E_PIDS=("${keep[@]}")
}

# spawn NAME CMD...: run CMD in the background with stdout and stderr in
# $TMP/NAME.out; the pid is tracked and left in SPAWN_PID.
spawn() {
	local name=$1
	shift
	"$@" </dev/null >"$TMP/$name.out" 2>&1 &
	SPAWN_PID=$!
	track "$SPAWN_PID"
}

# wait_exit PID [TIMEOUT_S]: true once PID has exited (not reaped).
wait_exit() {
	_poll "${2:-10}" _all_gone "$1"
}

# reap PID VAR: wait for the child PID (which must have exited or be about
# to), untrack it and store its exit status in VAR.
reap() {
	local _rc=0
	wait "$1" || _rc=$?
	untrack "$1"
	printf -v "$2" %s "$_rc"
}

# _descendants PID...: every descendant of the given pids, one per line.
_descendants() {
	ps -e -o pid=,ppid= | awk -v roots="$*" '
		BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) want[r[i]] = 1 }
		{ parent[$1] = $2 }
		END {
			do {
				more = 0
				for (p in parent)
					if (!(p in want) && (parent[p] in want)) {
						want[p] = 1; more = 1; print p
					}
			} while (more)
		}'
}

_e2e_cleanup() {
	local rc=$? p live=() all=()
	set +e
	trap - EXIT INT TERM
	for p in "${E2E_PIDS[@]}"; do
		_alive "$p" && live+=("$p")
	done
	if ((${#live[@]})); then
		# Take the whole tree first: gdbserver's inferiors are in their
		# own process group and are re-parented once gdbserver dies.
		mapfile -t all < <(_descendants "${live[@]}")
		all+=("${live[@]}")
		kill -TERM "${all[@]}" 2>/dev/null
		if ! _poll 5 _all_gone "${all[@]}"; then
			kill -KILL "${all[@]}" 2>/dev/null
			_poll 2 _all_gone "${all[@]}"
		fi
	fi
	for p in "${E2E_AT_EXIT[@]}"; do
		"$p"
	done
	for p in "${E2E_PORTS[@]}"; do
		rmdir "$E2E_PORT_LOCKS/$p" 2>/dev/null
	done
	if [[ ${E2E_KEEP:-} == 1 ]]; then
		printf '# kept %s\n' "$TMP" >&2
	else
		rm -rf -- "$TMP"
	fi
	exit "$rc"
}
trap _e2e_cleanup EXIT
# A command that fails outside a test's checks ends the test (set -e): say
# which one and where, with the logs, rather than exit 1 in silence.
_e2e_err() {
	# Only where errexit ends the shell (not in $(...), which runs without it).
	[[ $- == *e* ]] || return 0
	printf 'FAIL: %s: line %s: "%s" exited %s\n' "$E2E_NAME" "$2" "$3" "$1" >&2
	_e2e_context >&2
}
set -o errtrace
trap '_e2e_err "$?" "$LINENO" "$BASH_COMMAND"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- ports

# free_port VAR: store in VAR a TCP port on 127.0.0.1 that nothing uses,
# below the ephemeral range so outgoing connections do not take it meanwhile.
# Tests that run at once (make -j) reserve ports with an atomic mkdir, so two
# of them never pick the same port between the check and the bind; the
# reservations go with the test's cleanup.
E2E_PORT_LOCKS=${TMPDIR:-/tmp}/dbgbridge-e2e-ports
free_port() {
	local _try _p
	mkdir -p "$E2E_PORT_LOCKS"
	for ((_try = 0; _try < 200; _try++)); do
		_p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
		[[ " ${E2E_PORTS[*]} " == *" $_p "* ]] && continue
		[[ -z $(ss -tanH "sport = :$_p") ]] || continue
		mkdir "$E2E_PORT_LOCKS/$_p" 2>/dev/null || continue
		E2E_PORTS+=("$_p")
		printf -v "$1" %s "$_p"
		return 0
	done
	hard_error "no free port found in 200 tries"
}

_listening() { [[ -n $(ss -ltnH "sport = :$1") ]]; }
_not_listening() { ! _listening "$1"; }

# wait_listen PORT [TIMEOUT_S]: wait until something listens on PORT.  Looks
# with ss only: never probe-connects, since a probe would be a session (and
# gdbserver --multi exits when a connection closes before its first packet).
wait_listen() {
	_poll "${2:-10}" _listening "$1" ||
		fail "nothing listens on port $1 after ${2:-10}s"
}

# wait_unlisten PORT [TIMEOUT_S]: wait until nothing listens on PORT.
wait_unlisten() {
	_poll "${2:-10}" _not_listening "$1" ||
		fail "port $1 still listening after ${2:-10}s"
}

# ---------------------------------------------------------------- logs

_log_count() { grep -E -c -- "$2" "$1" 2>/dev/null || true; }
_log_has() {
	local c
	c=$(_log_count "$1" "$2")
	((${c:-0} >= $3))
}

# wait_log FILE REGEX [TIMEOUT_S] [COUNT]: wait until at least COUNT (1)
# lines of FILE match the extended REGEX.
wait_log() {
	_poll "${3:-10}" _log_has "$1" "$2" "${4:-1}" ||
		fail "${1##*/}: no ${4:-1} line(s) matching /$2/ after ${3:-10}s"
}

# bystander_end NAME PID MIN ROUTE LOG...: end a bystander, a
# `loadpeer stream` spawned as NAME (pid PID) through ROUTE, and assert it was
# unharmed: still running until told to finish (SIGUSR1), then "ok" with
# every byte back in order, more than MIN bytes each way, and in each bridge
# LOG a session line of ROUTE counting exactly those bytes and ending
# reason="client closed".  Sets BYSTANDER_BYTES.
bystander_end() {
	local name=$1 pid=$2 min=$3 route=$4 rc out log
	shift 4
	_alive "$pid" || fail "bystander $name ended before it was told to: $(cat "$TMP/$name.out")"
	kill -USR1 "$pid"
	wait_exit "$pid" 30 || fail "bystander $name did not finish within 30 s of being told to"
	reap "$pid" rc
	out=$(<"$TMP/$name.out")
	[[ $rc == 0 && $out =~ ^ok\ sent=([0-9]+)\ received=([0-9]+)$ ]] ||
		fail "bystander $name: status $rc: $out"
	BYSTANDER_BYTES=${BASH_REMATCH[1]}
	((BYSTANDER_BYTES > min)) ||
		fail "bystander $name moved only $BYSTANDER_BYTES bytes (want more than $min)"
	for log in "$@"; do
		wait_log "$log" " route=$route .*bytes_up=$BYSTANDER_BYTES bytes_down=$BYSTANDER_BYTES .*reason=\"client closed\"" 15
	done
	note "bystander $name: $out"
}

# log_lines FILE REGEX: the matching lines (none is not an error).
log_lines() { grep -E -- "$2" "$1" || true; }

# session_lines NAME [REGEX]: bridge NAME's session lines matching REGEX.
session_lines() {
	grep -E -- ' info session [0-9]+ route=' "$TMP/$1.log" | grep -E -- "${2:-.}" || true
}

# field VAR LINE KEY: store in VAR the value of KEY=value or KEY="value" in a
# log line; fail when the key is absent.
field() {
	local _re="(^| )$3=(\"([^\"]*)\"|([^ ]*))"
	[[ $2 =~ $_re ]] || fail "no '$3=' in log line: $2"
	if [[ ${BASH_REMATCH[2]} == \"* ]]; then
		printf -v "$1" %s "${BASH_REMATCH[3]}"
	else
		printf -v "$1" %s "${BASH_REMATCH[4]}"
	fi
}

E2E_TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

# check_session_line LINE ROUTE CLIENT_TRANSPORT SERVER_TRANSPORT: LINE is a
# complete session line of a session that reached its server, in the daemon's
# field order.  Each ssl link adds SIDE_tls=TLSv1.x right after its transport,
# and SIDE_tls_peer="SUBJECT" when that peer showed a certificate.
check_session_line() {
	local line=$1 route=$2 ct=$3 st=$4 hp='[][0-9a-fA-F.:]+:[0-9]+' ctls='' stls=''
	[[ $ct == ssl ]] && ctls=' client_tls=TLSv1\.[23]( client_tls_peer="[^"]*")?'
	[[ $st == ssl ]] && stls=' server_tls=TLSv1\.[23]( server_tls_peer="[^"]*")?'
	local re="^$E2E_TS info session [^ ]+ route=$route client=$hp client_transport=$ct$ctls server=$hp server_transport=$st$stls bytes_up=[0-9]+ bytes_down=[0-9]+ duration_ms=[0-9]+ reason=\"[^\"]*\"\$"
	[[ $line =~ $re ]] ||
		fail "session line does not have the daemon's form (route=$route $ct->$st): $line"
}

# check_log_format NAME: every line of bridge NAME's log is one
# "TIMESTAMP LEVEL message" line.
check_log_format() {
	local bad
	bad=$(grep -E -v -n -- "^$E2E_TS (error|warn|info|debug) ." "$TMP/$1.log" | head -n 5 || true)
	[[ -z $bad ]] || fail "$1.log has lines not of the form 'TIMESTAMP LEVEL message':
$bad"
}

# ---------------------------------------------------------------- bridges

# start_bridge NAME INI: run "$DBGBRIDGE -f INI" in the background, stderr
# (the log) in $TMP/NAME.log.  Wait for its listeners with wait_listen.
start_bridge() {
	local name=$1 ini=$2
	[[ -z ${E2E_BRIDGE_PID[$name]:-} ]] || hard_error "bridge $name started twice"
	"$DBGBRIDGE" -f "$ini" </dev/null >"$TMP/$name.out" 2>"$TMP/$name.log" &
	E2E_BRIDGE_PID[$name]=$!
	track "$!"
}

# bridge_running NAME: fail unless bridge NAME still runs.
bridge_running() {
	local pid=${E2E_BRIDGE_PID[$1]} rc
	if ! _alive "$pid"; then
		reap "$pid" rc
		fail "bridge $1 is no longer running (exit status $rc)"
	fi
}

# stop_bridge NAME: SIGTERM, wait up to 30 s, assert exit status 0 and the
# log format.
stop_bridge() {
	local name=$1 pid=${E2E_BRIDGE_PID[$1]} rc
	bridge_running "$name"
	kill -TERM "$pid"
	if ! wait_exit "$pid" 30; then
		kill -KILL "$pid" 2>/dev/null || true
		reap "$pid" rc
		fail "bridge $name did not exit within 30 s of SIGTERM"
	fi
	reap "$pid" rc
	unset "E2E_BRIDGE_PID[$name]"
	[[ $rc == 0 ]] || fail "bridge $name exited with status $rc after SIGTERM (want 0)"
	check_log_format "$name"
}

# ---------------------------------------------------------------- TLS

# make_cert NAME CN [DIR]: a self-signed EC P-256 certificate for CN with
# subjectAltName IP:127.0.0.1,DNS:localhost.  DIR/NAME.pem (mode 0600) holds
# the certificate and its key, DIR/NAME.crt the certificate alone.
make_cert() {
	local name=$1 cn=$2 dir=${3:-$TMP}
	if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -days 2 -subj "/CN=$cn" \
		-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		-addext "extendedKeyUsage=serverAuth,clientAuth" \
		-keyout "$dir/$name.key" -out "$dir/$name.crt" \
		>"$TMP/openssl-$name.err" 2>&1; then
		hard_error "openssl could not make certificate $name: $(cat "$TMP/openssl-$name.err")"
	fi
	(umask 077 && cat "$dir/$name.crt" "$dir/$name.key" >"$dir/$name.pem")
	chmod 600 "$dir/$name.pem"
	rm -f "$dir/$name.key"
}

# ---------------------------------------------------------------- clients

# client_wait_eof PORT [TIMEOUT_S] [DATA]: connect to 127.0.0.1:PORT, send
# DATA (if any) and wait until the other end closes.  Returns 0 on EOF or
# reset, 1 when the connection could not be made, 124 on timeout.
client_wait_eof() {
	local rc=0
	timeout -k 2 "${2:-20}" bash -c '
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		[[ -z $2 ]] || printf %s "$2" >&3 || true
		cat <&3 >/dev/null 2>&1 || true' _ "$1" "${3:-}" || rc=$?
	return "$rc"
}

elapsed_s() {
	# elapsed_s VAR START_US END_US: seconds with two decimals.
	local us=$(($3 - $2))
	printf -v "$1" '%d.%02d' $((us / 1000000)) $((us % 1000000 / 10000))
}
