#!/usr/bin/env bash
# clicon.sh: reverse links (clicon=) end to end (doc/transports.md §7 "Two
# Firewalls"; doc/design.md "clicon= on serve", "clicon= on connect").
#
# A. A lab that can only dial out, reached through a relay:
#
#      [relay namespace]                       [lab namespace]
#      gdb --tcp--> relay --ssl (lab dials)--< lab --tcp--> gdbserver --multi
#
#    lab:   serve   ssl:proto=tls1,certuser=lab,clicon=RELAY,port=P
#           connect tcp:server=127.0.0.1,port=GS
#    relay: serve   tcp:port=Q (bind 127.0.0.1)
#           connect ssl:proto=tls1,certuser=.../lab.crt,clicon=LAB,port=P
#
#    Two network namespaces joined by a veth pair (10.199.N.0/30, inside the
#    namespaces only); nothing in the lab namespace listens on its veth
#    address.  Where namespaces cannot be made (not root, no ip, no
#    permission, or E2E_NETNS=no) the same topology runs on loopback, and
#    says so.  Asserts:
#    - the relay is not up yet: the lab's dials fail and its redials back off
#      as gw_clicon_backoff says (each wait within [250,500], [500,1000],
#      [1000,2000] ms, ...); once the relay is up the lab reaches it and its
#      standby link waits in the relay;
#    - gdb runs the target to `break step if i == 37` and sees the values
#      target.c documents, through both bridges; one session line on each
#      bridge with the contract's fields, TLS 1.3 on the reverse hop (the lab
#      is the TLS server although it dialled, the relay pins its
#      certificate), the same byte counts on both, reason="client closed";
#    - after that session the lab has dialled again, and a second gdb session
#      works;
#    - the relay restarts: the lab sees its standby link end, backs off while
#      the relay is down, reaches the new relay, and a third session works;
#    - SIGTERM: both bridges exit 0.
# B. Plain tcp on loopback:
#    - a process server dialling from an address clicon= does not name
#      (clicon=127.0.0.2, the lab dials from 127.0.0.1) is refused with a
#      warning and closed at once, and the lab backs off;
#    - a client that finds no server link waits connect_timeout (2 s), then
#      its session ends with reason "connect timeout: no process server has
#      dialled in";
#    - a client that comes first waits, and its session starts when the
#      process server dials in: 1 MiB each way, byte-exact, through the pair.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gdb_lib.sh"

need_prog gdb gdbserver openssl ss timeout
need_bin "$DBGBRIDGE" "$E2E_BIN/target" "$E2E_BIN/bulkpeer"
TARGET=$E2E_BIN/target
BULKPEER=$E2E_BIN/bulkpeer

# ---------------------------------------------------------------- topology

NS_LAB=dbgb-lab-$$
NS_RELAY=dbgb-relay-$$
VETH_LAB=dbgbl$$
VETH_RELAY=dbgbr$$
NETNS=0

netns_cleanup() {
	local ns
	for ns in "$NS_LAB" "$NS_RELAY"; do
		[[ -e /run/netns/$ns ]] && timeout 5 ip netns del "$ns" 2>/dev/null
	done
	# A veth end still outside (setup stopped halfway) goes by hand; the
	# ones inside went with their namespace.
	ip link show "$VETH_LAB" >/dev/null 2>&1 &&
		timeout 5 ip link del "$VETH_LAB" 2>/dev/null
	return 0
}

# netns_setup: both namespaces and the veth between them, or false.
netns_setup() {
	local n=$(($$ % 250))
	[[ ${E2E_NETNS:-} != no ]] || { echo "E2E_NETNS=no" >"$TMP/netns.err"; return 1; }
	command -v ip >/dev/null 2>&1 || return 1
	((EUID == 0)) || return 1
	at_exit netns_cleanup
	{
		ip netns add "$NS_LAB" &&
		ip netns add "$NS_RELAY" &&
		ip link add "$VETH_LAB" type veth peer name "$VETH_RELAY" &&
		ip link set "$VETH_LAB" netns "$NS_LAB" &&
		ip link set "$VETH_RELAY" netns "$NS_RELAY" &&
		ip -n "$NS_LAB" addr add "10.199.$n.2/30" dev "$VETH_LAB" &&
		ip -n "$NS_RELAY" addr add "10.199.$n.1/30" dev "$VETH_RELAY" &&
		ip -n "$NS_LAB" link set lo up &&
		ip -n "$NS_RELAY" link set lo up &&
		ip -n "$NS_LAB" link set "$VETH_LAB" up &&
		ip -n "$NS_RELAY" link set "$VETH_RELAY" up
	} >"$TMP/netns.err" 2>&1 || { netns_cleanup; return 1; }
	LAB_IP=10.199.$n.2
	RELAY_IP=10.199.$n.1
	# The veth carries packets once both ends have their carrier.
	if ! _poll 5 _veth_up; then
		echo "the veth pair did not come up" >"$TMP/netns.err"
		netns_cleanup
		return 1
	fi
	return 0
}

_veth_up() {
	[[ $(ip -n "$NS_LAB" -o link show dev "$VETH_LAB") == *LOWER_UP* &&
		$(ip -n "$NS_RELAY" -o link show dev "$VETH_RELAY") == *LOWER_UP* ]]
}

# lab_firewall: the lab's firewall takes no connection from outside.  With
# neither nft nor iptables at hand, policy routing does it: the lab may not
# answer a peer's ephemeral port (the relay namespace's local port range), so
# a connection from outside never completes (its SYN-ACK, or RST, has no
# route), while the lab's own connections out (to port P, below that range)
# and everything on its loopback (the local table comes first) still work.
LAB_FIREWALL=0
lab_firewall() {
	local lo hi
	read -r lo hi <<<"$(ip netns exec "$NS_RELAY" cat /proc/sys/net/ipv4/ip_local_port_range)"
	ip -n "$NS_LAB" rule add pref 100 ipproto tcp dport "$lo-$hi" prohibit \
		>>"$TMP/netns.err" 2>&1 || return 1
	# Check it: a connection from the relay to a closed lab port must
	# time out, not be refused.
	if ip netns exec "$NS_RELAY" timeout 2 bash -c \
		"exec 3<>/dev/tcp/$LAB_IP/$1" 2>/dev/null; then
		fail "the lab firewall let a connection in"
	fi
	ip netns exec "$NS_RELAY" timeout 2 bash -c \
		"exec 3<>/dev/tcp/$LAB_IP/$1" >/dev/null 2>&1
	[[ $? == 124 ]]
}

if netns_setup; then
	NETNS=1
	IN_LAB=(ip netns exec "$NS_LAB")
	IN_RELAY=(ip netns exec "$NS_RELAY")
	note "lab in netns $NS_LAB ($LAB_IP), relay in netns $NS_RELAY ($RELAY_IP)"
	free_port PROBE_PORT
	if lab_firewall "$PROBE_PORT"; then
		LAB_FIREWALL=1
		note "lab firewall: no connection from outside gets through (ip rule: $(ip -n "$NS_LAB" rule show pref 100))"
	else
		note "no lab firewall here (ip rule ipproto/dport unsupported): the lab bridge simply listens on nothing"
	fi
else
	note "netns unavailable: running on loopback$( [[ -s $TMP/netns.err ]] && printf ' (%s)' "$(head -n 1 "$TMP/netns.err")")"
	IN_LAB=()
	IN_RELAY=()
	LAB_IP=127.0.0.1
	RELAY_IP=127.0.0.1
fi

# start_bridge_in NAME INI CMD...: start_bridge, run through CMD (a
# namespace's "ip netns exec NS", or nothing).
start_bridge_in() {
	local name=$1 ini=$2
	shift 2
	[[ -z ${E2E_BRIDGE_PID[$name]:-} ]] || hard_error "bridge $name started twice"
	"$@" "$DBGBRIDGE" -f "$ini" </dev/null >"$TMP/$name.out" 2>"$TMP/$name.log" &
	E2E_BRIDGE_PID[$name]=$!
	track "$!"
}

# wait_listen_in PORT CMD...: wait_listen inside a namespace.
_listening_in() { local p=$1; shift; [[ -n $("$@" ss -ltnH "sport = :$p") ]]; }
wait_listen_in() {
	local p=$1
	shift
	_poll 10 _listening_in "$p" "$@" ||
		fail "nothing listens on port $p after 10s${1:+ (in ${*: -1})}"
}

# ---------------------------------------------------------------- gdb
# gdb_session_script, run_gdb and check_session: gdb_lib.sh.

# check_session_lines N: the N-th session line of both bridges.
check_session_lines() {
	local n=$1 ll lr v up_l down_l up_r down_r
	wait_log "$TMP/lab.log" ' info session .*reason=' 10 "$n"
	wait_log "$TMP/relay.log" ' info session .*reason=' 10 "$n"
	ll=$(session_lines lab | sed -n "${n}p")
	lr=$(session_lines relay | sed -n "${n}p")
	check_session_line "$lr" relay tcp ssl
	check_session_line "$ll" lab ssl tcp
	for v in "$ll" "$lr"; do
		field why "$v" reason
		[[ $why == "client closed" ]] ||
			fail "session $n ended with reason=\"$why\", want \"client closed\": $v"
	done
	# The reverse hop: the lab dialled the relay, yet it is the TLS
	# server and the relay (the TLS client) saw its certificate.
	field v "$lr" server_tls
	[[ $v == TLSv1.3 ]] || fail "relay: session $n: server_tls=$v, want TLSv1.3: $lr"
	field v "$lr" server_tls_peer
	[[ $v == "CN=$LAB_CN" ]] || fail "relay: session $n: server_tls_peer=\"$v\", want \"CN=$LAB_CN\": $lr"
	field v "$ll" client_tls
	[[ $v == TLSv1.3 ]] || fail "lab: session $n: client_tls=$v, want TLSv1.3: $ll"
	field v "$lr" server
	[[ $v == "$LAB_IP":* ]] || fail "relay: session $n: server=$v, want $LAB_IP:PORT (the lab's link)"
	field v "$ll" client
	[[ $v == "$RELAY_IP:$P_PORT" ]] || fail "lab: session $n: client=$v, want $RELAY_IP:$P_PORT (where it dialled)"
	field v "$ll" server
	[[ $v == "127.0.0.1:$GS_PORT" ]] || fail "lab: session $n: server=$v, want 127.0.0.1:$GS_PORT"
	field up_l "$ll" bytes_up
	field down_l "$ll" bytes_down
	field up_r "$lr" bytes_up
	field down_r "$lr" bytes_down
	((up_l > 0 && down_l > 0)) || fail "lab: session $n moved bytes_up=$up_l bytes_down=$down_l: $ll"
	[[ $up_l == "$up_r" && $down_l == "$down_r" ]] ||
		fail "session $n: lab counted up=$up_l down=$down_l but relay up=$up_r down=$down_r"
	note "session $n: relay: $lr"
	note "session $n: lab: $ll"
}

# check_backoff LOG FIRST: the redial waits logged in LOG from its FIRST-th
# redial line on belong to failures 1, 2, 3 of a streak: each within
# gw_clicon_backoff's range for its number ([250,500], [500,1000],
# [1000,2000] ms).
check_backoff() {
	local log=$1 first=$2 i=0 ms lo hi line
	while IFS= read -r line; do
		[[ $line =~ redial\ in\ ([0-9]+)\ ms ]] || continue
		ms=${BASH_REMATCH[1]}
		lo=$((250 << i))
		hi=$((500 << i))
		((ms >= lo && ms <= hi)) ||
			fail "${log##*/}: redial $((i + 1)) waits $ms ms, want $lo-$hi ms: $line"
		note "redial $((i + 1)): $ms ms (range $lo-$hi)"
		i=$((i + 1))
		((i < 3)) || break
	done < <(grep -E 'redial in [0-9]+ ms' "$log" | tail -n "+$first")
	((i == 3)) || fail "${log##*/}: $i redial lines from the ${first}th, want 3"
}

# ================================================================ A

free_port GS_PORT
free_port P_PORT
free_port Q_PORT

mkdir "$TMP/store"
make_cert lab dbgbridge-e2e-lab "$TMP/store"
LAB_CN=dbgbridge-e2e-lab

cat >"$TMP/lab.ini" <<EOF
[gateway]
log_level = debug
control = $TMP/lab.ctl

[tls]
user_store = $TMP/store

[route lab]
serve = ssl:proto=tls1,certuser=lab,clicon=$RELAY_IP,port=$P_PORT
connect = tcp:server=127.0.0.1,port=$GS_PORT
standby = 1
EOF

cat >"$TMP/relay.ini" <<EOF
[gateway]
log_level = debug
control = $TMP/relay.ctl

[route relay]
serve = tcp:port=$Q_PORT
bind = 127.0.0.1
connect = ssl:proto=tls1,certuser=$TMP/store/lab.crt,clicon=$LAB_IP,port=$P_PORT
connect_timeout = 10s
EOF

spawn gdbserver "${IN_LAB[@]}" gdbserver --multi "127.0.0.1:$GS_PORT"
GS_PID=$SPAWN_PID
wait_listen_in "$GS_PORT" "${IN_LAB[@]}"

# The reference: gdb straight to gdbserver, in the lab.
gdb_session_script "$TMP/direct.gdb" "$GS_PORT"
run_gdb gdb-direct "$TMP/direct.gdb" "${IN_LAB[@]}"
if ! why=$(check_session gdb-direct); then
	if grep -q -i -E 'ptrace|operation not permitted' "$TMP/gdb-direct.out" "$TMP/gdbserver.out"; then
		skip "gdbserver cannot debug here (ptrace not permitted): $why"
	fi
	hard_error "gdb -> gdbserver without the bridges failed: $why"
fi
_alive "$GS_PID" || hard_error "gdbserver exited after a direct session"

# 1. The lab comes first: nobody to dial yet.  Its redials back off.
start_bridge_in lab "$TMP/lab.ini" "${IN_LAB[@]}"
wait_log "$TMP/lab.log" "^$E2E_TS info route lab serving ssl:proto=tls1,certuser=lab,port=$P_PORT,clicon=$RELAY_IP, dialling $RELAY_IP:$P_PORT \\(standby 1\\)\$"
wait_log "$TMP/lab.log" "^$E2E_TS warn route lab: cannot reach $RELAY_IP:$P_PORT: Connection refused; redial in [0-9]+ ms \\(backing off up to 30 s\\)\$"
wait_log "$TMP/lab.log" "^$E2E_TS info route lab: cannot reach $RELAY_IP:$P_PORT: Connection refused; redial in [0-9]+ ms \\(3 failures in a row\\)\$" 10
check_backoff "$TMP/lab.log" 1
# The lab bridge only dials: it listens on no TCP port.
! "${IN_LAB[@]}" ss -ltnpH | grep -q "pid=${E2E_BRIDGE_PID[lab]}," ||
	fail "the lab bridge listens: $("${IN_LAB[@]}" ss -ltnpH | grep "pid=${E2E_BRIDGE_PID[lab]},")"
if ((LAB_FIREWALL)); then
	# gdbserver listens on every address, but nothing gets in from outside.
	rc=0
	"${IN_RELAY[@]}" timeout 2 bash -c "exec 3<>/dev/tcp/$LAB_IP/$PROBE_PORT" \
		>/dev/null 2>&1 || rc=$?
	[[ $rc == 124 ]] || fail "a connection from the relay to the lab did not time out (status $rc)"
fi

# 2. The relay comes up; the lab reaches it and waits there for a client.
start_bridge_in relay "$TMP/relay.ini" "${IN_RELAY[@]}"
wait_listen_in "$Q_PORT" "${IN_RELAY[@]}"
wait_log "$TMP/relay.log" "^$E2E_TS info route relay waiting for process servers from $LAB_IP on \\[::\\]:$P_PORT\$"
wait_log "$TMP/lab.log" "^$E2E_TS info route lab: reached $RELAY_IP:$P_PORT again after [0-9]+ failures\$" 15
wait_log "$TMP/lab.log" "^$E2E_TS info route lab: standby link $LAB_IP:[0-9]+ -> $RELAY_IP:$P_PORT up \\(1 of 1 waiting for the client\\)\$"
wait_log "$TMP/relay.log" "^$E2E_TS info route relay: process server $LAB_IP:[0-9]+ dialled in; waiting for a client \\(1 waiting\\)\$"
note "lab: $(log_lines "$TMP/lab.log" 'reached')"

# 3. Two gdb sessions; the lab dials a fresh link for each.
gdb_session_script "$TMP/bridge.gdb" "$Q_PORT"
for n in 1 2; do
	run_gdb "gdb-bridge-$n" "$TMP/bridge.gdb" "${IN_RELAY[@]}"
	why=$(check_session "gdb-bridge-$n") ||
		fail "gdb session $n through the reverse link: $why (see gdb-bridge-$n.out)"
	check_session_lines "$n"
	_alive "$GS_PID" || fail "gdbserver exited after gdb disconnected (session $n)"
	# The link it used was replaced when the session began.
	wait_log "$TMP/lab.log" ' info route lab: standby link .* up ' 10 $((n + 1))
	wait_log "$TMP/relay.log" ' info route relay: process server .* dialled in' 10 $((n + 1))
	bridge_running lab
	bridge_running relay
done

# 4. The relay restarts.  The lab's waiting link ends; it backs off while
# the relay is down and comes back when it is up.
redials=$(_log_count "$TMP/lab.log" 'redial in [0-9]+ ms')
third=$(_log_count "$TMP/lab.log" ' info route lab: cannot reach .*\(3 failures in a row\)$')
stop_bridge relay
mv "$TMP/relay.log" "$TMP/relay-1.log"
wait_log "$TMP/lab.log" " warn route lab: $RELAY_IP:$P_PORT closed a standby link after [0-9]+ s; redial in [0-9]+ ms \\(backing off up to 30 s\\)\$" 10
wait_log "$TMP/lab.log" ' info route lab: cannot reach .*: Connection refused; redial in [0-9]+ ms \(3 failures in a row\)$' 10 $((third + 1))
check_backoff "$TMP/lab.log" $((redials + 1))
start_bridge_in relay "$TMP/relay.ini" "${IN_RELAY[@]}"
wait_listen_in "$Q_PORT" "${IN_RELAY[@]}"
wait_log "$TMP/relay.log" ' info route relay: process server .* dialled in' 15
run_gdb gdb-bridge-3 "$TMP/bridge.gdb" "${IN_RELAY[@]}"
why=$(check_session gdb-bridge-3) ||
	fail "gdb session 3, after the relay restarted: $why (see gdb-bridge-3.out)"
wait_log "$TMP/lab.log" ' info session .*reason=' 10 3
wait_log "$TMP/relay.log" ' info session .*reason=' 10 1
line=$(session_lines relay | sed -n 1p)
check_session_line "$line" relay tcp ssl
note "session 3: relay: $line"

stop_bridge lab
stop_bridge relay
n=$(session_lines lab | wc -l)
[[ $n == 3 ]] || fail "lab logged $n session lines for 3 sessions"
note "A passed ($( ((NETNS)) && echo "network namespaces" || echo loopback))"

# ================================================================ B

free_port P2_PORT
free_port Q2_PORT
free_port P3_PORT
free_port Q3_PORT
free_port BULK_PORT
free_port UNUSED_PORT

cat >"$TMP/b-relay.ini" <<EOF
[gateway]
log_level = debug
control = $TMP/b-relay.ctl

[route wrong]
serve = tcp:port=$Q2_PORT
bind = 127.0.0.1
connect = tcp:clicon=127.0.0.2,port=$P2_PORT
connect_timeout = 2s

[route wait]
serve = tcp:port=$Q3_PORT
bind = 127.0.0.1
connect = tcp:clicon=127.0.0.1,port=$P3_PORT
connect_timeout = 20s
EOF

cat >"$TMP/b-wrong.ini" <<EOF
[gateway]
log_level = debug
control = $TMP/b-wrong.ctl

[route wrong]
serve = tcp:clicon=127.0.0.1,port=$P2_PORT
connect = tcp:server=127.0.0.1,port=$UNUSED_PORT
EOF

cat >"$TMP/b-wait.ini" <<EOF
[gateway]
log_level = debug
control = $TMP/b-wait.ctl

[route wait]
serve = tcp:clicon=127.0.0.1,port=$P3_PORT
connect = tcp:server=127.0.0.1,port=$BULK_PORT
EOF

start_bridge b-relay "$TMP/b-relay.ini"
wait_listen "$Q2_PORT"
wait_listen "$Q3_PORT"
wait_listen "$P2_PORT"
wait_listen "$P3_PORT"

# 5. A process server from the wrong address: refused at once, every time.
start_bridge b-wrong "$TMP/b-wrong.ini"
wait_log "$TMP/b-relay.log" "^$E2E_TS warn route wrong: refused a process server link from 127\\.0\\.0\\.1:[0-9]+: not an address clicon= resolves to\$" 10 2
wait_log "$TMP/b-wrong.log" " warn route wrong: 127\\.0\\.0\\.1:$P2_PORT closed a standby link after 0 s; redial in [0-9]+ ms \\(backing off up to 30 s\\)\$" 10
wait_log "$TMP/b-wrong.log" " info route wrong: 127\\.0\\.0\\.1:$P2_PORT closed a standby link after 0 s; redial in [0-9]+ ms \\(2 failures in a row\\)\$" 10
! grep -q 'route wrong: process server .* dialled in' "$TMP/b-relay.log" ||
	fail "b-relay kept a process server link from the wrong address"
note "refused: $(log_lines "$TMP/b-relay.log" 'refused a process server' | head -n 1)"

# 6. ... so a client there waits connect_timeout for nothing.
t0=${EPOCHREALTIME/./}
rc=0
client_wait_eof "$Q2_PORT" 15 hello || rc=$?
t1=${EPOCHREALTIME/./}
((rc == 0)) || fail "client of route wrong: no end of its session (status $rc)"
elapsed_s waited "$t0" "$t1"
# The wait is not silent: the log says the client waits for a dial-in.
grep -qE "^$E2E_TS info route wrong: no process server from 127\\.0\\.0\\.2 has dialled in; a client waits for one\$" "$TMP/b-relay.log" ||
	fail "route wrong: no log line says the client waits for a dial-in"
(((t1 - t0) >= 1900000 && (t1 - t0) < 8000000)) ||
	fail "client of route wrong: its session ended after ${waited}s, want about connect_timeout (2 s)"
wait_log "$TMP/b-relay.log" ' info session .*route=wrong .*reason=' 10
line=$(session_lines b-relay 'route=wrong')
field why "$line" reason
[[ $why == "connect timeout: no process server has dialled in" ]] ||
	fail "route wrong: reason=\"$why\", want \"connect timeout: no process server has dialled in\": $line"
field v "$line" server
[[ $v == 127.0.0.2 ]] || fail "route wrong: server=$v, want 127.0.0.2 (the host awaited): $line"
note "waited ${waited}s: $line"

# 7. A client that comes first waits for the process server to dial in.
spawn bulk-server "$BULKPEER" -w listen "$BULK_PORT" 1048576 7 60
BS_PID=$SPAWN_PID
wait_listen "$BULK_PORT"
spawn bulk-client "$BULKPEER" connect "$Q3_PORT" 1048576 7 60
BC_PID=$SPAWN_PID
wait_log "$TMP/b-relay.log" ' debug session [0-9]+ accepted -> connecting$' 10 2
sleep 1		# the client waits a while before anyone dials in
_alive "$BC_PID" || fail "the waiting client ended before a process server dialled in: $(cat "$TMP/bulk-client.out")"
# The log and `ctl show` say what the session waits for.
wait_log "$TMP/b-relay.log" "^$E2E_TS info session [0-9]+ open route=wait client=127\\.0\\.0\\.1:[0-9]+ client_transport=tcp: waiting for a process server to dial in from 127\\.0\\.0\\.1\$" 10
sid=$(grep -E ' info session [0-9]+ open route=wait ' "$TMP/b-relay.log" | tail -n 1 | sed -E 's/.* session ([0-9]+) open .*/\1/')
show=$("$DBGBRIDGE" ctl -S "$TMP/b-relay.ctl" show "$sid" 2>&1) || fail "ctl show $sid: $show"
grep -q -x "connecting: waiting for a process server to dial in from 127.0.0.1" <<<"$show" ||
	fail "ctl show $sid does not say it waits for a dial-in: $show"
start_bridge b-wait "$TMP/b-wait.ini"
wait_exit "$BC_PID" 30 || fail "the waiting client did not finish within 30 s of the dial-in"
reap "$BC_PID" rc
[[ $rc == 0 ]] || fail "bulk client through the clicon pair: status $rc: $(cat "$TMP/bulk-client.out")"
wait_exit "$BS_PID" 10 || fail "bulk server did not finish"
reap "$BS_PID" rc
[[ $rc == 0 ]] || fail "bulk server behind the clicon pair: status $rc: $(cat "$TMP/bulk-server.out")"
wait_log "$TMP/b-relay.log" ' info session .*route=wait .*reason=' 10
line=$(session_lines b-relay 'route=wait')
check_session_line "$line" wait tcp tcp
field v "$line" bytes_up
[[ $v == 1048576 ]] || fail "route wait: bytes_up=$v, want 1048576: $line"
field v "$line" bytes_down
[[ $v == 1048576 ]] || fail "route wait: bytes_down=$v, want 1048576: $line"
field v "$line" duration_ms
((v >= 1000)) || fail "route wait: duration_ms=$v: the client did not wait for the dial-in: $line"
note "waited then relayed: $line"

stop_bridge b-wait
stop_bridge b-wrong
stop_bridge b-relay
note "clicon: all passed"
