#!/usr/bin/env bash
# gdb_npipe.sh: a real debugger session through two dbgbridge.exe joined by a
# real Windows named pipe, then by spipe (TLS over that pipe), under wine
# (doc/design.md "Windows handles"):
#
#   gdb --tcp--> a.exe (serve tcp, connect npipe:server=.,pipe=DbgIn-N)
#       ==\\.\pipe\DbgIn-N==> b.exe (serve npipe:pipe=DbgIn-N, connect tcp)
#       --tcp--> gdbserver --multi 127.0.0.1:GS
#
# and the same through as.exe and bs.exe with spipe:...,pipe=DbgSec-N%d (bs
# expands %d to its process id, as names the expanded pipe).  Asserts:
#   - gdb runs the target to `break step if i == 37` and sees the values
#     target.c documents (bt, print, finish), through each pipe, and again
#     through the first (a new pipe instance per session);
#   - each session ends with one session line on each bridge: tcp -> npipe on
#     a (server=\\.\pipe\DbgIn-N) and npipe -> tcp on b (client= the pipe),
#     the same byte counts on both; TLS 1.3 and bs's subject on as's side;
#   - a third dbgbridge.exe serving the same pipe name fails at once with a
#     message that another process serves it, and b keeps serving;
#   - a connect to a pipe nobody serves says reason="server refused".
. "$(dirname "$0")/handles.bash"
. "$SRCDIR/tests/e2e/gdb_lib.sh"

need_prog gdb gdbserver openssl timeout
need_bin "$E2E_BIN/target"
TARGET=$E2E_BIN/target

free_port GS_PORT
free_port A_PORT
free_port S_PORT
free_port R_PORT
PIPE=DbgIn-$$
SEC=DbgSec-$$
BS='\\.\pipe\'		# the prefix of a local pipe's path

make_cert bridge-b dbgbridge-wine-pipes-b
B_CN=dbgbridge-wine-pipes-b

# ini NAME: the [gateway] section of bridge NAME (its own control pipe).
ini() {
	printf '[gateway]\nlog_level = debug\ncontrol = %sdbgbridge-test-%s-%s\n\n' \
		"$BS" "$1" "$$"
}

{ ini b; cat <<EOF
[route b]
serve = npipe:pipe=$PIPE
connect = tcp:server=127.0.0.1,port=$GS_PORT
connect_timeout = 10s
drain_timeout = 30s
persist = yes
EOF
} >"$TMP/b.ini"

{ ini a; cat <<EOF
[route a]
serve = tcp:port=$A_PORT
bind = 127.0.0.1
connect = npipe:server=.,pipe=$PIPE
connect_timeout = 10s
drain_timeout = 30s
persist = yes

[route r]
serve = tcp:port=$R_PORT
bind = 127.0.0.1
connect = npipe:server=.,pipe=Nobody-$$
connect_timeout = 5s
persist = yes
EOF
} >"$TMP/a.ini"

spawn gdbserver gdbserver --multi "127.0.0.1:$GS_PORT"
wait_listen "$GS_PORT"
start_bridge b "$TMP/b.ini"
win_wait_serving b b
start_bridge a "$TMP/a.ini"
wait_listen "$A_PORT" 30

# ---------------------------------------------------------------- npipe
t0=${EPOCHREALTIME/./}
gdb_session_script "$TMP/s1.gdb" "$A_PORT"
run_gdb gdb-npipe "$TMP/s1.gdb"
why=$(check_session gdb-npipe) || fail "gdb through the pipe: $why"
elapsed_s secs "$t0" "${EPOCHREALTIME/./}"
note "gdb session through $BS$PIPE: ${secs}s"

wait_log "$TMP/a.log" " info session [0-9]+ route=a .* reason=" 30
wait_log "$TMP/b.log" " info session [0-9]+ route=b .* reason=" 30
la=$(session_lines a "route=a ")
lb=$(session_lines b "route=b ")
note "a: $la"
note "b: $lb"
[[ $la == *" client_transport=tcp server=$BS$PIPE server_transport=npipe "* ]] ||
	fail "a's session line does not name the pipe: $la"
[[ $lb == *" client=$BS$PIPE client_transport=npipe server=127.0.0.1:$GS_PORT server_transport=tcp "* ]] ||
	fail "b's session line does not name the pipe: $lb"
field a_up "$la" bytes_up
field a_down "$la" bytes_down
field b_up "$lb" bytes_up
field b_down "$lb" bytes_down
((a_up > 0 && a_down > 0)) || fail "a counted no bytes: $la"
[[ $a_up == "$b_up" && $a_down == "$b_down" ]] ||
	fail "a and b disagree on the bytes: $la / $lb"

# ---------------------------------------------------------------- served twice
{ ini c; cat <<EOF
[route c]
serve = npipe:pipe=$PIPE
connect = tcp:server=127.0.0.1,port=$GS_PORT
EOF
} >"$TMP/c.ini"
rc=0
timeout 60 "$DBGBRIDGE" -f "$TMP/c.ini" </dev/null >"$TMP/c.out" 2>"$TMP/c.log" || rc=$?
[[ $rc != 0 && $rc != 124 ]] ||
	fail "a second dbgbridge.exe serving $PIPE did not fail at once (status $rc)"
grep -q -F "$BS$PIPE: another process serves this pipe" "$TMP/c.log" ||
	fail "the second dbgbridge.exe does not say the pipe is served: $(cat "$TMP/c.log")"
note "served twice: $(grep -F 'another process' "$TMP/c.log")"
bridge_running b

# A second session through the same pipe: a fresh instance.
gdb_session_script "$TMP/s3.gdb" "$A_PORT"
run_gdb gdb-npipe2 "$TMP/s3.gdb"
why=$(check_session gdb-npipe2) || fail "second gdb through the pipe: $why"

# ---------------------------------------------------------------- refused
client_wait_eof "$R_PORT" 20 x || true
wait_log "$TMP/a.log" " info session [0-9]+ route=r .* reason=\"server refused\"" 20

# ---------------------------------------------------------------- spipe
{ ini bs; cat <<EOF
[route bs]
serve = spipe:proto=tls1,certuser=$TMP/bridge-b.pem,pipe=$SEC%d
connect = tcp:server=127.0.0.1,port=$GS_PORT
connect_timeout = 10s
handshake_timeout = 10s
drain_timeout = 30s
persist = yes
EOF
} >"$TMP/bs.ini"
start_bridge bs "$TMP/bs.ini"
win_wait_serving bs bs
# The spec keeps %d; where it is served has it expanded (wine's process id).
SEC_PID=$(grep -E -o "$SEC[0-9]+" "$TMP/bs.log" | head -n 1)
[[ -n $SEC_PID ]] || fail "bs does not say which pipe it serves: $(cat "$TMP/bs.log")"
{ ini as; cat <<EOF
[route s]
serve = tcp:port=$S_PORT
bind = 127.0.0.1
connect = spipe:proto=tls1,certuser=$TMP/bridge-b.crt,server=.,pipe=$SEC_PID
connect_timeout = 10s
handshake_timeout = 10s
drain_timeout = 30s
persist = yes
EOF
} >"$TMP/as.ini"
start_bridge as "$TMP/as.ini"
wait_listen "$S_PORT" 30

t0=${EPOCHREALTIME/./}
gdb_session_script "$TMP/s2.gdb" "$S_PORT"
run_gdb gdb-spipe "$TMP/s2.gdb"
why=$(check_session gdb-spipe) || fail "gdb through spipe: $why"
elapsed_s secs "$t0" "${EPOCHREALTIME/./}"
note "gdb session through spipe $BS$SEC_PID: ${secs}s"
wait_log "$TMP/as.log" " info session [0-9]+ route=s .* reason=" 30
wait_log "$TMP/bs.log" " info session [0-9]+ route=bs .* reason=" 30
ls=$(session_lines as "route=s ")
note "as: $ls"
[[ $ls == *"server_transport=spipe server_tls=TLSv1.3 server_tls_peer=\"CN=$B_CN\""* ]] ||
	fail "as's spipe line lacks TLS 1.3 and bs's subject: $ls"

win_stop_bridge as
win_stop_bridge bs
win_stop_bridge a
win_stop_bridge b
note "ok"
