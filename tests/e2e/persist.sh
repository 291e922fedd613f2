#!/usr/bin/env bash
# persist.sh: dbengprx's -p (doc/design.md "Semantics"): without persist, a
# route ends by itself once its process server has ended (its link closed and a
# fresh connect is refused); with it, the route goes on.
. "$(dirname "$0")/lib.sh"

need_prog socat ss timeout
need_bin "$DBGBRIDGE"

free_port UP_PORT
free_port P_PORT
free_port Q_PORT

# one_session PORT: a session whose bytes go round through the server.
one_session() {
	local reply
	exec 5<>"/dev/tcp/127.0.0.1/$1"
	printf 'ping\n' >&5
	read -r -t 10 reply <&5 || fail "no echo through port $1"
	[[ $reply == ping ]] || fail "echo through port $1 said '$reply'"
	exec 5<&-
}

# knock PORT: a client that speaks and waits until its session is ended.
knock() {
	local extra
	exec 5<>"/dev/tcp/127.0.0.1/$1"
	printf 'x' >&5
	if read -r -t 10 extra <&5; then
		fail "a client of port $1 read '$extra' from a server that is gone"
	fi
	exec 5<&-
}

# A process server that serves one connection, then ends (no fork).
spawn up socat "TCP-LISTEN:$UP_PORT,bind=127.0.0.1,reuseaddr" EXEC:cat
wait_listen "$UP_PORT"

cat >"$TMP/p.ini" <<EOF
[gateway]
control = $TMP/p.control
[route once]
serve = tcp:port=$P_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$UP_PORT
persist = no
[route stays]
serve = tcp:port=$Q_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$UP_PORT
EOF
start_bridge p "$TMP/p.ini"
wait_listen "$P_PORT"
wait_listen "$Q_PORT"

one_session "$P_PORT"
wait_log "$TMP/p.log" ' info session 1 route=once .*reason="client closed"' 10
wait_unlisten "$UP_PORT"
# The next client finds the process server gone: route once ends, stays stays.
knock "$P_PORT"
wait_log "$TMP/p.log" ' info session 2 route=once .*reason="server refused"' 10
wait_log "$TMP/p.log" 'info route once ending: process server ended' 10
wait_unlisten "$P_PORT"
_listening "$Q_PORT" || fail "route stays (persist = yes) stopped serving"
knock "$Q_PORT"
wait_log "$TMP/p.log" ' info session 3 route=stays .*reason="server refused"' 10
_listening "$Q_PORT" || fail "route stays ended after a refused connect"
bridge_running p
note "ok: persist = no ends its route, persist = yes goes on"
stop_bridge p

# The repeater's command line: without -p the daemon exits 0 with its route.
spawn up2 socat "TCP-LISTEN:$UP_PORT,bind=127.0.0.1,reuseaddr" EXEC:cat
wait_listen "$UP_PORT"
"$DBGBRIDGE" -s "tcp:port=$P_PORT" -c "tcp:server=127.0.0.1,port=$UP_PORT" \
	</dev/null >"$TMP/cli.out" 2>"$TMP/cli.log" &
CLI_PID=$!
track "$CLI_PID"
wait_listen "$P_PORT"
one_session "$P_PORT"
wait_unlisten "$UP_PORT"
knock "$P_PORT"
wait_exit "$CLI_PID" 10 || fail "dbgbridge -s -c without -p still runs after its server ended"
reap "$CLI_PID" rc
[[ $rc == 0 ]] || fail "dbgbridge -s -c without -p exited $rc, want 0"
grep -q 'info route cli ending: process server ended' "$TMP/cli.log" ||
	fail "no 'process server ended' line: $(cat "$TMP/cli.log")"
note "ok: -s/-c without -p exits 0 once its process server has ended"
note "persist: all passed"
