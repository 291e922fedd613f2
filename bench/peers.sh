#!/usr/bin/env bash
# peers.sh: dbgbridge against its peers (direct, socat, HAProxy, stunnel) on
# the same workloads in one session, printed as one markdown table
# (information, never a pass/fail; issue 5).
#
#   one hop:     client --> RELAY --tcp--> server
#                RELAY: dbgbridge (tcp->tcp) | socat (fork,nodelay) |
#                       HAProxy (mode tcp)
#   TLS bridge:  client --> A --ssl--> B --tcp--> server
#                A, B: two dbgbridge processes | two stunnel processes
#   direct:      client --> server
#
# Workloads (give some of their names to run only those; default all):
#   rtt    64-byte request/response round trips on one connection (bench/rtt
#          ping): p50, p99, round trips per second; median of 5 runs per path
#   conn   new sessions per second: connect, one 64-byte round trip, close
#          (bench/rtt conn)
#   bulk   one-way bulk throughput, iperf3, one stream, 4 s
#   gdb    a chatty real gdb session: gdbserver --multi, bench/chatty under
#          `break step if i == 899` evaluated by gdb (900 breakpoint hits);
#          wall time, median of RUNS (7); the ratio to direct is the median
#          of each round's ratio (a round runs every path once, back to back,
#          so that a machine that speeds up or slows down between rounds
#          moves all of them alike)
#   idle   resident memory (PSS, every process of the relay) per idle
#          session with 1,000 and 10,000 sessions open (bench/idle), plain
#          and over the TLS bridge (A + B); each relay is fresh, measured
#          after one session and again with all of them open and idle
#   hs     TLS handshakes per second at the TLS-serving end B (bench/hs: two
#          client processes, full TLS 1.3 handshakes, one 64-byte round
#          trip each)
#
# Usage: bench/peers.sh [rtt] [conn] [bulk] [gdb] [idle] [hs]
#        (make bench [BENCH='rtt hs'] builds the tools and runs it)
# Environment: DBGBRIDGE (the daemon), BENCH_BIN (where bench/rtt, idle, hs
# and chatty are built), RUNS (gdb sessions per path, default 7),
# BENCH_KEEP=1 (keep the temporary directory: configurations and logs).
#
# Output: progress on stderr; on stdout the machine (CPU, kernel, versions)
# and one table, a row per figure, a column per path, and a last column
# comparing dbgbridge with the best peer on that row.  A peer that is not
# installed gets its column skipped, with the apt-get line that installs it;
# the script installs nothing.  All traffic stays on 127.0.0.1.  Ten
# thousand sessions need 2 x 10,000 descriptors in one relay: the script
# raises `ulimit -n`, and where the hard limit does not allow it, runs that
# row with as many sessions as fit and says so.  Takes about 5 minutes.
here=$(cd "$(dirname "$0")" && pwd)
: "${DBGBRIDGE:=$here/../dbgbridge}"
: "${BENCH_BIN:=$here}"
: "${SRCDIR:=$here/..}"
: "${RUNS:=7}"
export E2E_KEEP=${BENCH_KEEP:-}
export DBGBRIDGE SRCDIR
. "$here/../tests/e2e/lib.sh"

ALL_WORKLOADS="rtt conn bulk gdb idle hs"
WORKLOADS=${*:-$ALL_WORKLOADS}
for w in $WORKLOADS; do
	[[ " $ALL_WORKLOADS " == *" $w "* ]] ||
		{ echo "usage: $0 [$ALL_WORKLOADS]..." >&2; exit 2; }
done
want() { [[ " $WORKLOADS " == *" $1 "* ]]; }

say() { printf '# %s\n' "$*" >&2; }

need_bin "$DBGBRIDGE" "$BENCH_BIN/rtt" "$BENCH_BIN/idle" "$BENCH_BIN/hs" \
	"$BENCH_BIN/chatty"
need_prog ss awk openssl
RTT=$BENCH_BIN/rtt
IDLE=$BENCH_BIN/idle
HS=$BENCH_BIN/hs
CHATTY=$BENCH_BIN/chatty

# ---------------------------------------------------------------- peers

# have PROG PACKAGE: true when PROG is installed; otherwise say which
# apt-get line installs it (once) and false.
declare -A MISSING=()
have() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [[ -z ${MISSING[$2]:-} ]]; then
		MISSING[$2]=1
		say "$1 is not installed, so its figures are skipped; install it with:"
		say "  apt-get install -y $2"
	fi
	return 1
}
HAVE_SOCAT=0 HAVE_HAPROXY=0 HAVE_STUNNEL=0
have socat socat && HAVE_SOCAT=1
have haproxy haproxy && HAVE_HAPROXY=1
STUNNEL=
if command -v stunnel4 >/dev/null 2>&1; then STUNNEL=stunnel4; HAVE_STUNNEL=1
elif have stunnel stunnel4; then STUNNEL=stunnel; HAVE_STUNNEL=1
fi

# Descriptors: a relay holds two per session.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || :
NOFILE=$(ulimit -n)
BIG=10000
if ((NOFILE < 2 * BIG + 900)); then
	# stunnel serves at most 125/256 of its descriptors' worth of clients.
	BIG=$((NOFILE * 48 / 100 / 100 * 100))
	say "ulimit -n is $NOFILE here (hard limit $(ulimit -Hn)): the 10,000-session row runs with $BIG"
fi
SMALL=1000

mkdir "$TMP/store"
make_cert b bench-b "$TMP/store"
CRT=$TMP/store/b.crt PEM=$TMP/store/b.pem

# ---------------------------------------------------------------- processes

declare -A RELAY_PID=()		# path -> pid
declare -A RELAY_PORT=()	# path -> port clients connect to
declare -A RELAY_PIDS=()	# path -> every pid whose memory counts (A and B)

# stop_tree PID...: SIGTERM each pid and its descendants, wait, SIGKILL.
stop_tree() {
	local all=() p
	mapfile -t all < <(_descendants "$@")
	all+=("$@")
	kill -TERM "${all[@]}" 2>/dev/null || :
	if ! _poll 10 _all_gone "${all[@]}"; then
		kill -KILL "${all[@]}" 2>/dev/null || :
		_poll 2 _all_gone "${all[@]}" || :
	fi
	for p in "$@"; do
		wait "$p" 2>/dev/null || :
		untrack "$p"
	done
}

# start_dbgbridge NAME SERVE CONNECT: one route; the pid in SPAWN_PID.
start_dbgbridge() {
	printf '[gateway]\nlog_level = warn\n[route %s]\nserve = %s\nbind = 127.0.0.1\nconnect = %s\n' \
		"$1" "$2" "$3" >"$TMP/$1.ini"
	spawn "$1" "$DBGBRIDGE" -f "$TMP/$1.ini"
}

# start_stunnel NAME client|server ACCEPT CONNECT
start_stunnel() {
	{
		printf 'foreground = yes\npid =\ndebug = 4\n'
		printf 'socket = l:TCP_NODELAY=1\nsocket = r:TCP_NODELAY=1\n'
		printf '[%s]\naccept = 127.0.0.1:%s\nconnect = 127.0.0.1:%s\n' "$1" "$3" "$4"
		printf 'sslVersionMin = TLSv1.3\n'
		if [[ $2 == client ]]; then
			printf 'client = yes\nverifyPeer = yes\nCAfile = %s\n' "$CRT"
		else
			printf 'cert = %s\n' "$PEM"
		fi
	} >"$TMP/$1.conf"
	spawn "$1" "$STUNNEL" "$TMP/$1.conf"
}

# start_relays BACKEND_PORT [PATH...]: start the relays of the given paths
# (default: every installed one) in front of 127.0.0.1:BACKEND_PORT; the
# paths that run are in PATHS.  Path "direct" is the backend itself.
PATHS=()
start_relays() {
	local be=$1 p pa pb
	shift
	local want_paths=(direct dbgbridge socat haproxy dbgbridge-tls stunnel-tls)
	(($# == 0)) || want_paths=("$@")
	PATHS=()
	for p in "${want_paths[@]}"; do
		case $p in
		direct)
			RELAY_PORT[direct]=$be RELAY_PIDS[direct]=
			;;
		dbgbridge)
			free_port pa
			start_dbgbridge hop "tcp:port=$pa" "tcp:server=127.0.0.1,port=$be"
			RELAY_PID[$p]=$SPAWN_PID RELAY_PORT[$p]=$pa RELAY_PIDS[$p]=$SPAWN_PID
			;;
		socat)
			((HAVE_SOCAT)) || continue
			free_port pa
			spawn socat socat "TCP-LISTEN:$pa,bind=127.0.0.1,reuseaddr,fork,nodelay,backlog=4096" \
				"TCP:127.0.0.1:$be,nodelay"
			RELAY_PID[$p]=$SPAWN_PID RELAY_PORT[$p]=$pa RELAY_PIDS[$p]=$SPAWN_PID
			;;
		haproxy)
			((HAVE_HAPROXY)) || continue
			free_port pa
			printf '%s\n' global "  maxconn $((BIG + 100))" defaults '  mode tcp' \
				"  maxconn $((BIG + 100))" '  timeout connect 10s' \
				'  timeout client 1h' '  timeout server 1h' \
				frontend\ fe "  bind 127.0.0.1:$pa" '  default_backend be' \
				backend\ be "  server s 127.0.0.1:$be" >"$TMP/haproxy.cfg"
			spawn haproxy haproxy -db -f "$TMP/haproxy.cfg"
			RELAY_PID[$p]=$SPAWN_PID RELAY_PORT[$p]=$pa RELAY_PIDS[$p]=$SPAWN_PID
			;;
		dbgbridge-tls)
			free_port pa
			free_port pb
			start_dbgbridge tlsb "ssl:proto=tls1.3,certuser=$PEM,port=$pb" \
				"tcp:server=127.0.0.1,port=$be"
			RELAY_PIDS[$p]=$SPAWN_PID RELAY_PORT[$p-b]=$pb
			start_dbgbridge tlsa "tcp:port=$pa" \
				"ssl:proto=tls1.3,certuser=$CRT,server=127.0.0.1,port=$pb"
			RELAY_PIDS[$p]="$SPAWN_PID ${RELAY_PIDS[$p]}"
			RELAY_PID[$p]=${RELAY_PIDS[$p]} RELAY_PORT[$p]=$pa
			;;
		stunnel-tls)
			((HAVE_STUNNEL)) || continue
			free_port pa
			free_port pb
			start_stunnel stunb server "$pb" "$be"
			RELAY_PIDS[$p]=$SPAWN_PID RELAY_PORT[$p-b]=$pb
			start_stunnel stuna client "$pa" "$pb"
			RELAY_PIDS[$p]="$SPAWN_PID ${RELAY_PIDS[$p]}"
			RELAY_PID[$p]=${RELAY_PIDS[$p]} RELAY_PORT[$p]=$pa
			;;
		esac
		PATHS+=("$p")
	done
	for p in "${PATHS[@]}"; do
		wait_listen "${RELAY_PORT[$p]}"
		[[ -z ${RELAY_PORT[$p-b]:-} ]] || wait_listen "${RELAY_PORT[$p-b]}"
	done
}

stop_relays() {
	local p
	for p in "${PATHS[@]}"; do
		[[ -n ${RELAY_PID[$p]:-} ]] || continue
		# shellcheck disable=SC2086
		# (stunnel 5.68 can die of SIGSEGV when stopped with sessions
		# open: bash's notice of it is no figure, hence 2>/dev/null)
		stop_tree ${RELAY_PID[$p]} 2>/dev/null
		RELAY_PID[$p]=
		unset "RELAY_PORT[$p-b]"
	done
	PATHS=()
}

# pss_kib PID...: resident memory (PSS, KiB) of the pids and every
# descendant (socat forks one process per session).
pss_kib() {
	local all=() p
	mapfile -t all < <(_descendants "$@")
	all+=("$@")
	for p in "${all[@]}"; do
		cat "/proc/$p/smaps_rollup" 2>/dev/null
	done | awk '$1 == "Pss:" { s += $2 } END { print s + 0 }'
}

# ---------------------------------------------------------------- results

declare -A R=()			# "ROW|PATH" -> figure as printed
declare -A V=()			# "ROW|PATH" -> number for the comparison
ROWS=()				# row keys in print order
declare -A ROW_LABEL=() ROW_BETTER=()	# better: hi | lo

row() { ROWS+=("$1"); ROW_LABEL[$1]=$2; ROW_BETTER[$1]=$3; }
put() { R[$1|$2]=$3; V[$1|$2]=${4:-$3}; }

med() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
kv() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p"; }

# ---------------------------------------------------------------- rtt

bench_rtt() {
	local port p i out
	say "rtt: 64-byte round trips, 30,000 per run, 5 runs per path"
	free_port port
	spawn echo "$RTT" echo "$port"
	local echo_pid=$SPAWN_PID
	wait_listen "$port"
	start_relays "$port"
	for p in "${PATHS[@]}"; do : >"$TMP/rtt-$p"; done
	for ((i = 0; i < 5; i++)); do
		for p in "${PATHS[@]}"; do
			out=$("$RTT" ping "${RELAY_PORT[$p]}" 30000) ||
				fail "rtt ping through $p failed"
			echo "$out" >>"$TMP/rtt-$p"
			say "  $p: $out"
		done
	done
	for p in "${PATHS[@]}"; do
		local p50 p99 rps
		p50=$(kv p50_us <"$TMP/rtt-$p" | med)
		p99=$(kv p99_us <"$TMP/rtt-$p" | med)
		rps=$(kv rps <"$TMP/rtt-$p" | med)
		case $p in
		*-tls) put rtt-tls-p50 "$p" "$p50"; put rtt-tls-p99 "$p" "$p99"
			put rtt-tls-rps "$p" "$rps" ;;
		*) put rtt-p50 "$p" "$p50"; put rtt-p99 "$p" "$p99"; put rtt-rps "$p" "$rps" ;;
		esac
	done
	stop_relays
	stop_tree "$echo_pid"
}

# ---------------------------------------------------------------- conn

bench_conn() {
	local port p out
	say "conn: new sessions per second, 3 s per path"
	free_port port
	spawn echo "$RTT" echo "$port"
	local echo_pid=$SPAWN_PID
	wait_listen "$port"
	start_relays "$port"
	for p in "${PATHS[@]}"; do
		out=$("$RTT" conn "${RELAY_PORT[$p]}" 3) || fail "rtt conn through $p failed"
		say "  $p: $out"
		case $p in
		*-tls) put conn-tls "$p" "$(kv sessions_per_s <<<"$out")" ;;
		*) put conn "$p" "$(kv sessions_per_s <<<"$out")" ;;
		esac
	done
	stop_relays
	stop_tree "$echo_pid"
}

# ---------------------------------------------------------------- bulk

bench_bulk() {
	local port p out mbit
	have iperf3 iperf3 || return 0
	say "bulk: iperf3, one stream, 4 s per path"
	free_port port
	spawn iperf3 iperf3 -s -B 127.0.0.1 -p "$port"
	local srv=$SPAWN_PID
	wait_listen "$port"
	start_relays "$port"
	for p in "${PATHS[@]}"; do
		out=$(timeout 30 iperf3 -c 127.0.0.1 -p "${RELAY_PORT[$p]}" -t 4 -f m 2>&1) ||
			fail "iperf3 through $p failed: $out"
		mbit=$(awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") print $i }' <<<"$out")
		[[ -n $mbit ]] || fail "no receiver line from iperf3 through $p: $out"
		local gbit
		gbit=$(awk -v m="$mbit" 'BEGIN { printf "%.1f", m / 1000 }')
		say "  $p: $gbit Gbit/s"
		case $p in
		*-tls) put bulk-tls "$p" "$gbit" ;;
		*) put bulk "$p" "$gbit" ;;
		esac
	done
	stop_relays
	stop_tree "$srv"
}

# ---------------------------------------------------------------- gdb

# gdb_one PORT: one session's wall time in microseconds on stdout.
gdb_one() {
	local t0 t1 out
	printf '%s\n' 'set pagination off' 'set confirm off' \
		'set breakpoint condition-evaluation host' \
		"target extended-remote 127.0.0.1:$1" "set remote exec-file $CHATTY" \
		'break step if i == 899' run 'print g_calls' kill disconnect >"$TMP/s.gdb"
	t0=${EPOCHREALTIME/./}
	out=$(timeout -k 5 120 env -u DEBUGINFOD_URLS gdb -nx -batch \
		-iex 'set debuginfod enabled off' -x "$TMP/s.gdb" "$CHATTY" 2>&1 </dev/null)
	t1=${EPOCHREALTIME/./}
	grep -q '^\$1 = 899$' <<<"$out" || fail "gdb session via port $1 did not stop at i == 899: $out"
	echo $((t1 - t0))
}

bench_gdb() {
	local port p i t
	have gdb gdb || return 0
	have gdbserver gdbserver || return 0
	say "gdb: 900 conditional breakpoint hits, $RUNS sessions per path"
	free_port port
	spawn gdbserver gdbserver --multi "127.0.0.1:$port"
	local gs=$SPAWN_PID
	wait_listen "$port"
	start_relays "$port"
	gdb_one "$port" >/dev/null	# warm the page cache and gdbserver
	for p in "${PATHS[@]}"; do : >"$TMP/gdb-$p"; done
	for ((i = 0; i < RUNS; i++)); do
		for p in "${PATHS[@]}"; do
			t=$(gdb_one "${RELAY_PORT[$p]}")
			echo "$t" >>"$TMP/gdb-$p"
			wait_listen "$port"
		done
	done
	for p in "${PATHS[@]}"; do
		t=$(med <"$TMP/gdb-$p")
		local ms ratio
		ms=$(awk -v t="$t" 'BEGIN { printf "%.0f", t / 1000 }')
		ratio=$(paste "$TMP/gdb-$p" "$TMP/gdb-direct" |
			awk '{ printf "%.4f\n", $1 / $2 }' | med)
		ratio=$(awk -v r="$ratio" 'BEGIN { printf "%.3f", r }')
		say "  $p: median $ms ms, ratio $ratio ($(sort -n "$TMP/gdb-$p" | tr '\n' ' '))"
		case $p in
		*-tls) put gdb-tls "$p" "$ms ms (×$ratio)" "$ratio" ;;
		*) put gdb "$p" "$ms ms (×$ratio)" "$ratio" ;;
		esac
	done
	stop_relays
	stop_tree "$gs"
}

# ---------------------------------------------------------------- idle

# idle_one PATH N: KiB per idle session (PSS delta / N) for a fresh relay.
idle_one() {
	local p=$1 n=$2 port=$3 before after pids per
	start_relays "$port" "$p"
	[[ ${#PATHS[@]} == 1 ]] || return 0
	pids=${RELAY_PIDS[$p]}
	"$IDLE" "${RELAY_PORT[$p]}" 1 </dev/null >/dev/null || fail "one session through $p failed"
	sleep 0.5
	# shellcheck disable=SC2086
	before=$(pss_kib $pids)
	local parts=() q
	for q in $pids; do parts+=("$(pss_kib "$q")"); done
	# The holder's stdin is a fifo held open until the figures are read.
	mkfifo "$TMP/hold.fifo"
	"$IDLE" "${RELAY_PORT[$p]}" "$n" 180 <"$TMP/hold.fifo" >"$TMP/idle.out" 2>"$TMP/idle.err" &
	local holder=$!
	track "$holder"
	exec {hold}>"$TMP/hold.fifo"
	if ! _poll 180 grep -q '^ready' "$TMP/idle.out"; then
		exec {hold}>&-
		fail "$n idle sessions through $p did not come up: $(cat "$TMP/idle.err")"
	fi
	sleep 1
	# shellcheck disable=SC2086
	after=$(pss_kib $pids)
	local a_parts=() detail=
	for q in $pids; do
		a_parts+=("$(pss_kib "$q")")
	done
	per=$(awk -v a="$after" -v b="$before" -v n="$n" 'BEGIN { printf "%.2f", (a - b) / n }')
	if [[ $p == *-tls ]]; then
		# A then B
		detail=$(awk -v a1="${a_parts[0]}" -v b1="${parts[0]}" -v a2="${a_parts[1]}" \
			-v b2="${parts[1]}" -v n="$n" \
			'BEGIN { printf "A %.1f + B %.1f", (a1 - b1) / n, (a2 - b2) / n }')
	fi
	exec {hold}>&-
	wait "$holder" 2>/dev/null || :
	untrack "$holder"
	rm -f "$TMP/hold.fifo"
	stop_relays
	say "  $p, $n sessions: $before KiB -> $after KiB: $per KiB per session ${detail:+($detail)}"
	if [[ -n $detail ]]; then
		IDLE_FIG="$per ($detail)"
	else
		IDLE_FIG=$per
	fi
	IDLE_VAL=$per
}

bench_idle() {
	local port p n key
	say "idle: resident memory per idle session, $SMALL and $BIG sessions"
	free_port port
	spawn echo "$RTT" echo "$port"
	local echo_pid=$SPAWN_PID
	wait_listen "$port"
	for n in "$SMALL" "$BIG"; do
		for p in dbgbridge socat haproxy dbgbridge-tls stunnel-tls; do
			IDLE_FIG='' IDLE_VAL=''
			idle_one "$p" "$n" "$port"
			[[ -n $IDLE_FIG ]] || continue
			key=idle-$n
			[[ $p == *-tls ]] && key=idle-tls-$n
			put "$key" "$p" "$IDLE_FIG" "$IDLE_VAL"
		done
	done
	stop_tree "$echo_pid"
}

# ---------------------------------------------------------------- hs

bench_hs() {
	local port p out
	say "hs: TLS 1.3 handshakes per second at B, 2 client processes, 5 s per path"
	free_port port
	spawn echo "$RTT" echo "$port"
	local echo_pid=$SPAWN_PID
	wait_listen "$port"
	start_relays "$port" dbgbridge-tls stunnel-tls
	for p in "${PATHS[@]}"; do
		out=$("$HS" "${RELAY_PORT[$p-b]}" 5 2) || fail "hs against $p failed"
		say "  $p: $out"
		put hs "$p" "$(kv handshakes_per_s <<<"$out")"
	done
	stop_relays
	stop_tree "$echo_pid"
}

# ---------------------------------------------------------------- run

row rtt-p50 "64 B round trip, one hop: p50 (µs)" lo
row rtt-p99 "64 B round trip, one hop: p99 (µs)" lo
row rtt-rps "64 B round trips per second, one hop" hi
row rtt-tls-p50 "64 B round trip, TLS bridge: p50 (µs)" lo
row rtt-tls-p99 "64 B round trip, TLS bridge: p99 (µs)" lo
row rtt-tls-rps "64 B round trips per second, TLS bridge" hi
row conn "new sessions per second, one hop" hi
row conn-tls "new sessions per second, TLS bridge" hi
row bulk "bulk throughput, one hop (Gbit/s)" hi
row bulk-tls "bulk throughput, TLS bridge (Gbit/s)" hi
row gdb "gdb, 900 breakpoint hits, one hop: median (× direct)" lo
row gdb-tls "gdb, 900 breakpoint hits, TLS bridge: median (× direct)" lo
row "idle-$SMALL" "KiB per idle session, $(printf "%'d" "$SMALL") sessions, one hop" lo
row "idle-$BIG" "KiB per idle session, $(printf "%'d" "$BIG") sessions, one hop" lo
row "idle-tls-$SMALL" "KiB per idle session, $(printf "%'d" "$SMALL") sessions, TLS bridge (A + B)" lo
row "idle-tls-$BIG" "KiB per idle session, $(printf "%'d" "$BIG") sessions, TLS bridge (A + B)" lo
row hs "TLS 1.3 handshakes per second (B)" hi

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
awk -v l="${LOAD_BEFORE%% *}" -v n="$(nproc)" 'BEGIN { exit !(l > n / 4) }' &&
	say "load average $LOAD_BEFORE on $(nproc) CPUs: other work runs here, and the figures will be noisy"
T_START=${EPOCHREALTIME/./}
for w in $ALL_WORKLOADS; do
	want "$w" && "bench_$w"
done
T_END=${EPOCHREALTIME/./}

# ---------------------------------------------------------------- table

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
ver() { "$@" 2>&1 | head -n 1 | tr -s ' ' | cut -c1-60; }
echo
echo "Machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r) ($(uname -m))"
echo "dbgbridge: $("$DBGBRIDGE" --version 2>&1 | head -n 1)"
((HAVE_SOCAT)) && echo "socat: $(socat -V 2>/dev/null | awk '/socat version/ { print $3; exit }')"
((HAVE_HAPROXY)) && echo "HAProxy: $(haproxy -v 2>/dev/null | awk 'NR == 1 { print $3 }') (mode tcp, default threads: nbthread = $(nproc))"
((HAVE_STUNNEL)) && echo "stunnel: $("$STUNNEL" -version 2>&1 | awk '/^stunnel/ { print $2; exit }') ($("$STUNNEL" -version 2>&1 | awk '/Compiled with/ { print $3, $4; exit }')$("$STUNNEL" -version 2>&1 | awk '/Running  with/ { print ", running with " $3, $4; exit }'))"
command -v iperf3 >/dev/null && echo "iperf3: $(iperf3 --version 2>/dev/null | awk 'NR == 1 { print $2 }')"
command -v gdb >/dev/null && echo "gdb: $(gdb --version | awk 'NR == 1 { print $NF }')"
echo "TLS: TLS 1.3, ECDSA P-256 certificate, every peer; the connecting end verifies it (dbgbridge pins it, stunnel verifyPeer with it as CAfile)"
printf 'Run: %s, workloads: %s, %d s; load average before: %s, after: %s\n' \
	"$(date -u +%Y-%m-%dT%H:%MZ)" "$WORKLOADS" $(((T_END - T_START) / 1000000)) \
	"$LOAD_BEFORE" "$(cut -d' ' -f1-3 /proc/loadavg)"
echo
COLS=(direct dbgbridge socat haproxy stunnel-tls)
echo "| figure | direct | dbgbridge | socat | HAProxy | stunnel | dbgbridge vs best peer |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
for r in "${ROWS[@]}"; do
	line="| ${ROW_LABEL[$r]} |"
	any=0
	for c in "${COLS[@]}"; do
		k=$c
		[[ $r == *tls* && $c == dbgbridge ]] && k=dbgbridge-tls
		[[ $r == hs && $c == dbgbridge ]] && k=dbgbridge-tls
		v=${R[$r|$k]:-}
		[[ -n $v ]] && any=1
		line+=" ${v:-—} |"
	done
	((any)) || continue
	# dbgbridge against the best peer (direct is no peer).
	k=dbgbridge
	[[ $r == *tls* || $r == hs ]] && k=dbgbridge-tls
	cmp=—
	if [[ -n ${V[$r|$k]:-} ]]; then
		best='' bestc=''
		for c in socat haproxy stunnel-tls; do
			[[ -n ${V[$r|$c]:-} ]] || continue
			if [[ -z $best ]] || awk -v a="${V[$r|$c]}" -v b="$best" -v d="${ROW_BETTER[$r]}" \
				'BEGIN { exit !(d == "hi" ? a > b : a < b) }'; then
				best=${V[$r|$c]} bestc=$c
			fi
		done
		if [[ -n $best ]]; then
			bestc=${bestc%-tls}
			[[ $bestc == haproxy ]] && bestc=HAProxy
			cmp=$(awk -v a="${V[$r|$k]}" -v b="$best" -v d="${ROW_BETTER[$r]}" -v c="$bestc" 'BEGIN {
				if (b == 0 || a == 0) { print "—"; exit }
				x = d == "hi" ? a / b : b / a
				if (x >= 0.995 && x < 1.005) printf "level with %s\n", c
				else if (x >= 1) printf "leads %s by %.0f%%\n", c, (x - 1) * 100
				else printf "**trails %s by %.0f%%**\n", c, (1 - x) * 100 }')
		fi
	fi
	echo "$line $cmp |"
done
echo
echo "One hop: client -> relay -> server; TLS bridge: client -> A (tcp->ssl) -> B (ssl->tcp) -> server, two processes of the same relay; the dbgbridge column holds dbgbridge's figure for either, the stunnel column the stunnel pair's.  Latency and rate figures are medians of 5 runs (round trips) or one run (the rest); the gdb row is the median of $RUNS sessions, its ratio the median of the per-round ratios to direct.  Memory is PSS over every process of the relay (socat forks one per session), after the sessions minus before them, per session."
((BIG == 10000)) || echo "The $BIG-session rows stand for 10,000: ulimit -n is $NOFILE here and a relay needs two descriptors per session."
for m in "${!MISSING[@]}"; do
	echo "Not installed, skipped: $m (apt-get install -y $m)."
done
