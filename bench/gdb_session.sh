#!/usr/bin/env bash
# gdb_session.sh: the wall time of a chatty real debug session, direct and
# through dbgbridge, printed as a table (information, never a pass/fail).
#
#   gdb --> gdbserver --multi                                    (direct)
#   gdb --> dbgbridge --tcp--> gdbserver                         (one hop)
#   gdb --> dbgbridge A --ssl--> dbgbridge B --tcp--> gdbserver  (TLS bridge)
#
# The session runs tests/e2e/target to `break step if i == 100`: gdb stops
# at all 101 calls of step() to evaluate the condition, each a burst of small
# request/response packets, which is where a relay's latency shows.
#
# Usage: bench/gdb_session.sh [RUNS]     (default 9; `make check` builds
# tests/e2e/target first).  Environment: DBGBRIDGE, E2E_BIN as for the tests.
here=$(cd "$(dirname "$0")" && pwd)
: "${DBGBRIDGE:=$here/../dbgbridge}"
: "${E2E_BIN:=$here/../tests/e2e}"
: "${SRCDIR:=$here/..}"
export DBGBRIDGE E2E_BIN SRCDIR
. "$here/../tests/e2e/lib.sh"

RUNS=${1:-9}
need_prog gdb gdbserver openssl ss timeout awk
need_bin "$DBGBRIDGE" "$E2E_BIN/target"
TARGET=$E2E_BIN/target

free_port GS_PORT
free_port HOP_PORT
free_port A_PORT
free_port B_PORT
mkdir "$TMP/store"
make_cert b bench-b "$TMP/store"

printf '[gateway]\nlog_level = warn\n[route hop]\nserve = tcp:port=%s\nbind = 127.0.0.1\nconnect = tcp:server=127.0.0.1,port=%s\n' \
	"$HOP_PORT" "$GS_PORT" >"$TMP/hop.ini"
printf '[gateway]\nlog_level = warn\n[route a]\nserve = tcp:port=%s\nbind = 127.0.0.1\nconnect = ssl:proto=tls1,certuser=%s,server=127.0.0.1,port=%s\n' \
	"$A_PORT" "$TMP/store/b.crt" "$B_PORT" >"$TMP/a.ini"
printf '[gateway]\nlog_level = warn\n[route b]\nserve = ssl:proto=tls1,certuser=%s,port=%s\nbind = 127.0.0.1\nconnect = tcp:server=127.0.0.1,port=%s\n' \
	"$TMP/store/b.pem" "$B_PORT" "$GS_PORT" >"$TMP/b.ini"

spawn gdbserver gdbserver --multi "127.0.0.1:$GS_PORT"
start_bridge hop "$TMP/hop.ini"
start_bridge a "$TMP/a.ini"
start_bridge b "$TMP/b.ini"
for p in "$GS_PORT" "$HOP_PORT" "$A_PORT" "$B_PORT"; do wait_listen "$p"; done

# one PORT: one session's wall time in microseconds on stdout.
one() {
	local t0 t1 out
	printf '%s\n' 'set pagination off' 'set confirm off' \
		"target extended-remote 127.0.0.1:$1" "set remote exec-file $TARGET" \
		'break step if i == 100' run 'print g_calls' kill disconnect >"$TMP/s.gdb"
	t0=${EPOCHREALTIME/./}
	out=$(timeout -k 5 120 env -u DEBUGINFOD_URLS gdb -nx -batch \
		-iex 'set debuginfod enabled off' -x "$TMP/s.gdb" "$TARGET" 2>&1 </dev/null)
	t1=${EPOCHREALTIME/./}
	grep -q '^\$1 = 100$' <<<"$out" || fail "session via port $1 did not reach i == 100: $out"
	wait_listen "$GS_PORT"
	echo $((t1 - t0))
}

printf '# %d sessions per path; ratio = median / direct median\n' "$RUNS"
printf '%-8s %9s %9s %9s %7s\n' path min_ms median_ms max_ms ratio
direct=
for mode in direct hop tls; do
	case $mode in
	direct) port=$GS_PORT ;;
	hop) port=$HOP_PORT ;;
	tls) port=$A_PORT ;;
	esac
	times=()
	for ((i = 0; i < RUNS; i++)); do times+=("$(one "$port")"); done
	printf '%s\n' "${times[@]}" | sort -n | awk -v mode="$mode" -v direct="$direct" '
		{ t[NR] = $1 }
		END {
			med = t[int((NR + 1) / 2)]
			printf "%-8s %9.1f %9.1f %9.1f %7.3f\n", mode, t[1] / 1000,
			    med / 1000, t[NR] / 1000, direct ? med / direct : 1
			print med > "/dev/stderr"
		}' 2>"$TMP/med"
	[[ -n $direct ]] || direct=$(<"$TMP/med")
done
stop_bridge hop
stop_bridge a
stop_bridge b
