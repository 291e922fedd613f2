#!/usr/bin/env bash
# matrix.sh: 16 MiB each way, at the same time, through every pair of
# transports (client side x server side) of one route: tcp, ssl, npipe,
# spipe and com, 25 pairs, one after the other.
#
#   client peer --C--> bridge t (route m: serve C, connect S) --S--> server peer
#
# The peers are bulkpeer (every byte checked, see bulkpeer.c):
#   tcp    bulkpeer connect / listen on 127.0.0.1
#   npipe  bulkpeer unix-connect / unix-listen on $PIPES/NAME
#   ssl    bulkpeer --tcp--> helper bridge h --ssl--> t, and
#          t --ssl--> h --tcp--> bulkpeer: h terminates or originates the TLS
#   spipe  the same through h over pipes
#   com    a socat pty pair per side (PTY,raw,echo=0,link=A PTY,...,link=B):
#          t's spec names one end, bulkpeer tty uses the other (and holds
#          flock on it, so that no other test's bridge can open and flush
#          it: /dev/pts numbers are reused at once)
# t and h share one pipe_dir ($TMP/pipes, mode 0700); t pins h's certificate
# and h pins t's.
#
# A serial line has no EOF (doc/design.md "com"): with a com side both peers
# move exactly 16 MiB each way without waiting for EOF (bulkpeer -e); the
# socket peer then half-closes and must see the relay end its link.  A
# process server behind a serial line speaks only when spoken to
# (bulkpeer -w): the relay flushes the line when it opens it.
#
# Asserts for every pair: both peers byte-exact at 16777216 each way; t logs
# one session line of the daemon's form with the pair's transports, the
# peers (addresses, socket paths, devices), TLS 1.3 and h's subject where t
# originates TLS, bytes_up = bytes_down = 16777216 and reason "client
# closed" / "server closed"; com x com has no end of its own, so t's session
# ends at t's stop deadline after SIGTERM (stop_timeout = 2s) with reason
# "stopped: deadline" (its counts are still checked);
# t exits 0 on SIGTERM with a well-formed log.  Prints a table of pair ->
# MiB/s each way (information only; "!" marks a pair whose bytes arrived
# intact but whose other checks failed).  Every pair runs even when an earlier
# one failed; the test fails at the end with every failure.
#
# com pairs need transports/com.c: when a route with com does not start
# because the transport is not in this build, they are reported as pending.
. "$(dirname "$0")/lib.sh"

need_prog openssl ss timeout socat
need_bin "$DBGBRIDGE" "$E2E_BIN/bulkpeer"
BULKPEER=$E2E_BIN/bulkpeer

BYTES=16777216		# 16 MiB each way
SEED=$((RANDOM * 32768 + RANDOM))
LIMIT=60		# seconds a bulkpeer allows for one pair
GRACE=5			# seconds one end may run on after the other finished
TRANSPORTS=(tcp ssl npipe spipe com)

PIPES=$TMP/pipes
mkdir -m 0700 "$PIPES" "$TMP/tty"

free_port T_TCP		# t serves tcp
free_port T_SSL		# t serves ssl
free_port SRV		# the server peer listens (tcp, and behind h)
free_port H_CSSL	# h: tcp in, ssl out to t
free_port H_CSPIPE	# h: tcp in, spipe out to t
free_port H_SSSL	# h: ssl in from t, tcp out to the server peer

make_cert t matrix-t
make_cert h matrix-h

# ---------------------------------------------------------------- helper h

cat >"$TMP/h.ini" <<EOF
[gateway]
log_level = info
pipe_dir = $PIPES

[route cssl]
serve = tcp:port=$H_CSSL
bind = 127.0.0.1
connect = ssl:proto=tls1,certuser=$TMP/t.crt,server=127.0.0.1,port=$T_SSL

[route cspipe]
serve = tcp:port=$H_CSPIPE
bind = 127.0.0.1
connect = spipe:proto=tls1,certuser=$TMP/t.crt,server=.,pipe=TSec

[route sssl]
serve = ssl:proto=tls1,certuser=$TMP/h.pem,port=$H_SSSL
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$SRV

[route sspipe]
serve = spipe:proto=tls1,certuser=$TMP/h.pem,pipe=HSec
connect = tcp:server=127.0.0.1,port=$SRV
EOF

start_bridge h "$TMP/h.ini"
for r in cssl cspipe sssl sspipe; do
	wait_log "$TMP/h.log" "^$E2E_TS info route $r serving "
done

# ---------------------------------------------------------------- pairs

FAILURES=()
declare -A RESULT=()	# "C S" -> MiB/s, "FAIL" or "pending"

# pair_fail MSG: this pair failed; say why, go on with the next.
pair_fail() {
	FAILURES+=("$PAIR: $*")
	printf '# FAIL %s: %s\n' "$PAIR" "$*"
	PAIR_OK=0
}

# serve_spec T: t's serve spec for transport T (bind for tcp and ssl).
serve_spec() {
	case $1 in
	tcp) echo "tcp:port=$T_TCP" ;;
	ssl) echo "ssl:proto=tls1,certuser=$TMP/t.pem,port=$T_SSL" ;;
	npipe) echo "npipe:pipe=TIn" ;;
	spipe) echo "spipe:proto=tls1,certuser=$TMP/t.pem,pipe=TSec" ;;
	com) echo "com:port=$C_TTY_B,baud=115200,channel=0" ;;
	esac
}

connect_spec() {
	case $1 in
	tcp) echo "tcp:server=127.0.0.1,port=$SRV" ;;
	ssl) echo "ssl:proto=tls1,certuser=$TMP/h.crt,server=127.0.0.1,port=$H_SSSL" ;;
	npipe) echo "npipe:server=.,pipe=SrvPipe" ;;
	spipe) echo "spipe:proto=tls1,certuser=$TMP/h.crt,server=.,pipe=HSec" ;;
	com) echo "com:port=$S_TTY_B,baud=115200,channel=0" ;;
	esac
}

# serve_where T: what t's "route m serving SPEC on WHERE" line names.
serve_where() {
	case $1 in
	tcp) echo "127.0.0.1:$T_TCP" ;;
	ssl) echo "127.0.0.1:$T_SSL" ;;
	npipe) echo "$PIPES/TIn" ;;
	spipe) echo "$PIPES/TSec" ;;
	com) echo "$C_TTY_B" ;;
	esac
}

# want_client_peer T / want_server_peer T: a regex for the session line's
# client= / server= (socket paths for pipes, the device for com).
want_client_peer() {
	case $1 in
	tcp | ssl) echo '127\.0\.0\.1:[0-9]+' ;;
	npipe) echo "$PIPES/TIn" ;;
	spipe) echo "$PIPES/TSec" ;;
	com) echo "$C_TTY_B" ;;
	esac
}

want_server_peer() {
	case $1 in
	tcp) echo "127\\.0\\.0\\.1:$SRV" ;;
	ssl) echo "127\\.0\\.0\\.1:$H_SSSL" ;;
	npipe) echo "$PIPES/SrvPipe" ;;
	spipe) echo "$PIPES/HSec" ;;
	com) echo "$S_TTY_B" ;;
	esac
}

# pty_pair VAR_A VAR_B NAME: a socat pty pair with links $TMP/tty/NAME-A and
# NAME-B; the socat pid is in PTY_PID.
pty_pair() {
	local a=$TMP/tty/$3-A b=$TMP/tty/$3-B
	spawn "socat-$3" socat PTY,raw,echo=0,link="$a" PTY,raw,echo=0,link="$b"
	PTY_PID=$SPAWN_PID
	_poll 10 test -e "$a" -a -e "$b" || hard_error "socat made no pty pair $a $b"
	printf -v "$1" %s "$a"
	printf -v "$2" %s "$b"
}

# stop_pid PID: SIGTERM a helper we started, wait, reap.
stop_pid() {
	local rc
	_alive "$1" && kill -TERM "$1" 2>/dev/null
	if ! wait_exit "$1" 10; then
		kill -KILL "$1" 2>/dev/null
		wait_exit "$1" 5 || true
	fi
	reap "$1" rc
}

# stop_t NAME: SIGTERM bridge NAME; a pair failure unless it exits 0 in 30 s
# with a well-formed log.
stop_t() {
	local name=$1 pid=${E2E_BRIDGE_PID[$1]} rc bad
	if ! _alive "$pid"; then
		reap "$pid" rc
		unset "E2E_BRIDGE_PID[$name]"
		pair_fail "bridge t exited by itself (status $rc)"
		return
	fi
	kill -TERM "$pid"
	if ! wait_exit "$pid" 30; then
		kill -KILL "$pid" 2>/dev/null || true
		reap "$pid" rc
		unset "E2E_BRIDGE_PID[$name]"
		pair_fail "bridge t did not exit within 30 s of SIGTERM"
		return
	fi
	reap "$pid" rc
	unset "E2E_BRIDGE_PID[$name]"
	[[ $rc == 0 ]] || pair_fail "bridge t exited with status $rc after SIGTERM (want 0)"
	bad=$(grep -E -v -n -- "^$E2E_TS (error|warn|info|debug) ." "$TMP/$name.log" | head -n 3 || true)
	[[ -z $bad ]] || pair_fail "$name.log has lines not of the form 'TIMESTAMP LEVEL message': $bad"
}

# check_line LINE C S REASONS: t's session line for pair C x S.
check_line() {
	local line=$1 c=$2 s=$3 reasons=$4 ctls='' stls='' cp sp re v
	[[ $c == ssl || $c == spipe ]] && ctls=' client_tls=TLSv1\.3'
	[[ $s == ssl || $s == spipe ]] && stls=' server_tls=TLSv1\.3 server_tls_peer="CN=matrix-h"'
	re="^$E2E_TS info session [0-9]+ route=m client=[^ ]+ client_transport=$c$ctls server=[^ ]+ server_transport=$s$stls bytes_up=[0-9]+ bytes_down=[0-9]+ duration_ms=[0-9]+ reason=\"[^\"]*\"\$"
	[[ $line =~ $re ]] || { pair_fail "t's session line is not of the daemon's form for $c -> $s (TLS 1.3, h's subject where t originates TLS): $line"; return; }
	cp=$(want_client_peer "$c")
	sp=$(want_server_peer "$s")
	field v "$line" client
	[[ $v =~ ^$cp$ ]] || pair_fail "client=$v, want /$cp/: $line"
	field v "$line" server
	[[ $v =~ ^$sp$ ]] || pair_fail "server=$v, want /$sp/ (pipe peers are socket paths): $line"
	field v "$line" bytes_up
	[[ $v == "$BYTES" ]] || pair_fail "bytes_up=$v, want $BYTES: $line"
	field v "$line" bytes_down
	[[ $v == "$BYTES" ]] || pair_fail "bytes_down=$v, want $BYTES: $line"
	field v "$line" reason
	[[ " $reasons " == *" \"$v\" "* ]] || pair_fail "reason=\"$v\", want one of $reasons: $line"
}

# pty_holders OWN_PIDS LINK...: processes other than OWN_PIDS (and the
# matrix's own socat, bridges and peers) that have the link's device open.
pty_holders() {
	local own=" $1 " f l d p cmd
	local -A dev=()
	shift
	for l in "$@"; do
		[[ -n $l ]] || continue
		d=$(readlink -f -- "$l" 2>/dev/null) || continue
		dev[$d]=$l
	done
	((${#dev[@]})) || return 0
	for f in /proc/[0-9]*/fd/*; do
		d=$(readlink -- "$f" 2>/dev/null) || continue
		[[ -n ${dev[$d]:-} ]] || continue
		p=${f#/proc/}
		p=${p%%/*}
		[[ $own == *" $p "* ]] && continue
		cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || cmd='?'
		[[ $cmd == *"$TMP/"* ]] && continue
		printf '%s (%s) holds %s; ' "$p" "$cmd" "$d"
	done
}

# run_pair C S
run_pair() {
	local c=$1 s=$2 name="t-$1-$2" e="" t0 t1 rc out cpid spid line us p pid n v
	local -a ccmd scmd
	local c_socat='' s_socat='' reasons='"client closed" "server closed"'
	local data_ok=1 holders tty_out tty_want got
	PAIR="$c x $s"
	PAIR_OK=1
	C_TTY_A='' C_TTY_B='' S_TTY_A='' S_TTY_B=''
	[[ $c == com || $s == com ]] && e=-e

	# The ends' plumbing.
	if [[ $c == com ]]; then
		pty_pair C_TTY_A C_TTY_B "$c-$s-client"
		c_socat=$PTY_PID
	fi
	if [[ $s == com ]]; then
		pty_pair S_TTY_A S_TTY_B "$c-$s-server"
		s_socat=$PTY_PID
	fi
	case $c in
	tcp) ccmd=("$BULKPEER" $e connect "$T_TCP") ;;
	ssl) ccmd=("$BULKPEER" $e connect "$H_CSSL") ;;
	npipe) ccmd=("$BULKPEER" $e unix-connect "$PIPES/TIn") ;;
	spipe) ccmd=("$BULKPEER" $e connect "$H_CSPIPE") ;;
	com) ccmd=("$BULKPEER" -s client tty "$C_TTY_A") ;;
	esac
	case $s in
	tcp | ssl | spipe) scmd=("$BULKPEER" $e listen "$SRV") ;;
	npipe) scmd=("$BULKPEER" $e unix-listen "$PIPES/SrvPipe") ;;
	com) scmd=("$BULKPEER" -w -s server tty "$S_TTY_A") ;;
	esac

	# The server peer first, then t, then the client peer.
	spawn "$name-server" "${scmd[@]}" "$BYTES" "$SEED" "$LIMIT"
	spid=$SPAWN_PID
	case $s in
	tcp | ssl | spipe) wait_listen "$SRV" ;;
	npipe) _poll 10 test -S "$PIPES/SrvPipe" || fail "$PAIR: bulkpeer made no socket at $PIPES/SrvPipe" ;;
	esac
	cat >"$TMP/$name.ini" <<EOF
[gateway]
log_level = info
pipe_dir = $PIPES
stop_timeout = 2s

[route m]
serve = $(serve_spec "$c")
connect = $(connect_spec "$s")
connect_timeout = 10s
handshake_timeout = 10s
drain_timeout = 5s
persist = yes
EOF
	[[ $c == tcp || $c == ssl ]] && echo "bind = 127.0.0.1" >>"$TMP/$name.ini"
	start_bridge "$name" "$TMP/$name.ini"
	if ! _poll 10 _log_has "$TMP/$name.log" "^$E2E_TS info route m serving .* on $(serve_where "$c")\$" 1; then
		pair_fail "t did not start serving $(serve_where "$c"): $(tail -n 3 "$TMP/$name.log" | tr '\n' ' ')"
		_alive "$spid" && kill -TERM "$spid"
		stop_pid "$spid"
		[[ -z ${E2E_BRIDGE_PID[$name]:-} ]] || stop_t "$name"
		[[ -z $c_socat ]] || stop_pid "$c_socat"
		[[ -z $s_socat ]] || stop_pid "$s_socat"
		RESULT[$c $s]=FAIL
		return
	fi

	t0=${EPOCHREALTIME/./}
	spawn "$name-client" "${ccmd[@]}" "$BYTES" "$SEED" "$LIMIT"
	cpid=$SPAWN_PID
	# bulkpeer enforces LIMIT itself (the extra seconds cover its exit).
	# Once one end is done the other has GRACE seconds: what it still
	# waits for was in flight already.
	_one_done() { ! _alive "$cpid" || ! _alive "$spid"; }
	_both_done() { ! _alive "$cpid" && ! _alive "$spid"; }
	_poll $((LIMIT + 10)) _one_done || pair_fail "neither peer finished within $((LIMIT + 10)) s"
	if ! _poll "$GRACE" _both_done; then
		_alive "$cpid" && p=client || p=server
		pair_fail "the $p peer still ran ${GRACE} s after the other one finished; stopped"
	fi
	t1=${EPOCHREALTIME/./}
	for p in client server; do
		[[ $p == client ]] && pid=$cpid || pid=$spid
		# SIGTERM: bulkpeer says how far it got.
		_alive "$pid" && kill -TERM "$pid"
		wait_exit "$pid" 5 || { kill -KILL "$pid"; wait_exit "$pid" 5 || true; }
		reap "$pid" rc
		out=$(<"$TMP/$name-$p.out")
		if [[ $rc != 0 || $out != "ok sent=$BYTES received=$BYTES" ]]; then
			pair_fail "the $p peer failed (status $rc): $(tr '\n' ' ' <"$TMP/$name-$p.out")"
			data_ok=0
		fi
	done
	if ((!data_ok)) && [[ $c == com || $s == com ]]; then
		holders=$(pty_holders "$$ $cpid $spid $c_socat $s_socat ${E2E_BRIDGE_PID[$name]:-}" \
			"${C_TTY_A:-}" "${C_TTY_B:-}" "${S_TTY_A:-}" "${S_TTY_B:-}")
		[[ -z $holders ]] || pair_fail "other programs have this pair's ptys open: $holders"
	fi

	if [[ $c == com && $s == com ]]; then
		# Neither side can end: the stop deadline ends it.
		reasons='"stopped: deadline"'
		stop_t "$name"
	fi
	if _poll 15 _log_has "$TMP/$name.log" ' info session .*reason=' 1; then
		line=$(session_lines "$name" | head -n 1)
		check_line "$line" "$c" "$s" "$reasons"
		note "$PAIR: $line"
		# A tty end short of bytes that t counted as relayed toward it:
		# they were lost after t wrote them to the device.
		for p in client server; do
			if [[ $p == client && $c == com ]]; then
				tty_want=bytes_down
			elif [[ $p == server && $s == com ]]; then
				tty_want=bytes_up
			else
				continue
			fi
			tty_out=$(<"$TMP/$name-$p.out")
			[[ $tty_out =~ received\ ([0-9]+)\ of\ $BYTES ]] || continue
			got=${BASH_REMATCH[1]}
			field v "$line" "$tty_want"
			[[ $v == "$BYTES" ]] || continue
			pair_fail "t relayed all $BYTES bytes toward the com device ($tty_want=$v) but the tty end at the far end of the line got $got: $((BYTES - got)) bytes lost after t wrote them"
		done
	else
		pair_fail "t logged no session line within 15 s"
	fi
	[[ -z ${E2E_BRIDGE_PID[$name]:-} ]] || stop_t "$name"
	n=$(session_lines "$name" | wc -l)
	[[ $n == 1 ]] || pair_fail "t logged $n session lines for one session: $(session_lines "$name" | tr '\n' ' ')"
	[[ -z $c_socat ]] || stop_pid "$c_socat"
	[[ -z $s_socat ]] || stop_pid "$s_socat"
	if ((data_ok)); then
		us=$((t1 - t0))
		RESULT[$c $s]=$(awk -v us="$us" -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1048576 / (us / 1e6) }')
		((PAIR_OK)) || RESULT[$c $s]+='!'
	else
		RESULT[$c $s]=FAIL
	fi
}

# ---------------------------------------------------------------- com here?

# Does a route with com start?  "not in this build" makes the com pairs
# pending; any other failure is theirs.
COM=ready
if ! "$DBGBRIDGE" spec --server com:port=/dev/null,baud=115200,channel=0 >"$TMP/com-spec.out" 2>&1; then
	COM="spec refused: $(cat "$TMP/com-spec.out")"
else
	pty_pair P_A P_B probe
	cat >"$TMP/probe.ini" <<EOF
[route probe]
serve = com:port=$P_B,baud=115200,channel=0
connect = tcp:server=127.0.0.1,port=$SRV
EOF
	start_bridge probe "$TMP/probe.ini"
	_probe_done() { _log_has "$TMP/probe.log" ' info route probe serving | error ' 1 || ! _alive "${E2E_BRIDGE_PID[probe]}"; }
	_poll 10 _probe_done || true
	if _log_has "$TMP/probe.log" ' info route probe serving ' 1; then
		stop_bridge probe
	else
		_alive "${E2E_BRIDGE_PID[probe]}" && kill -TERM "${E2E_BRIDGE_PID[probe]}"
		wait_exit "${E2E_BRIDGE_PID[probe]}" 10 || true
		reap "${E2E_BRIDGE_PID[probe]}" _rc
		if grep -q 'not available in this build' "$TMP/probe.log"; then
			COM=pending
		else
			COM="a com route does not start: $(tr '\n' ' ' <"$TMP/probe.log")"
		fi
	fi
	stop_pid "$PTY_PID"
fi
note "com: $COM"

# ---------------------------------------------------------------- run

T_START=${EPOCHREALTIME/./}
for c in "${TRANSPORTS[@]}"; do
	for s in "${TRANSPORTS[@]}"; do
		if [[ ($c == com || $s == com) && $COM != ready ]]; then
			if [[ $COM == pending ]]; then
				RESULT[$c $s]=pending
			else
				RESULT[$c $s]=FAIL
				FAILURES+=("$c x $s: $COM")
			fi
			continue
		fi
		run_pair "$c" "$s"
		bridge_running h
	done
done
elapsed_s total_s "$T_START" "${EPOCHREALTIME/./}"

# The table: rows client side, columns server side, MiB/s each way.
printf '# %-14s' "client\\server"
for s in "${TRANSPORTS[@]}"; do printf '%9s' "$s"; done
printf '\n'
for c in "${TRANSPORTS[@]}"; do
	printf '# %-14s' "$c"
	for s in "${TRANSPORTS[@]}"; do printf '%9s' "${RESULT[$c $s]}"; done
	printf '\n'
done
note "MiB/s each way, 16 MiB each way at the same time (information only); all pairs in ${total_s}s"
npending=0
for k in "${!RESULT[@]}"; do
	[[ ${RESULT[$k]} == pending ]] && npending=$((npending + 1))
done
((npending == 0)) || note "PENDING: $npending com pair(s) not run: transports/com.c is not in this build"

stop_bridge h
if ((${#FAILURES[@]})); then
	fail "$(printf '%s\n' "${#FAILURES[@]} failure(s):" "${FAILURES[@]}")"
fi
note "matrix: $((25 - npending)) pairs passed"
