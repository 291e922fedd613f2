#!/usr/bin/env bash
# reload_tls_report.sh: a reload's report (dbgbridge(8) "SIGHUP") names a
# change of a [tls] key as a change of each route whose TLS context reads it
# (ca: a route that connects over TLS; user_store, machine_store: any TLS
# side), and of no other route.
#
#   route s: ssl:...  -> tcp   (serves TLS)
#   route c: tcp      -> ssl:... (connects over TLS: [tls] ca verifies it)
#   route p: tcp      -> tcp
#
# Asserts: a reload with [tls] ca added says "route c: changed (tls.ca)",
# "route s: unchanged", "route p: unchanged"; then one with user_store set
# says s and c "changed (tls.user_store)", p unchanged.
. "$(dirname "$0")/lib.sh"

need_prog openssl ss
need_bin "$DBGBRIDGE"

free_port S_PORT
free_port C_PORT
free_port P_PORT
free_port UP_PORT
SOCK=$TMP/rt.ctl
make_cert gw localhost

# write_ini TLS_SECTION
write_ini() {
	cat >"$TMP/rt.ini" <<EOF2
[gateway]
control = $SOCK
$1
[route s]
serve = ssl:proto=tls1,certuser=$TMP/gw.pem,port=$S_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$UP_PORT
[route c]
serve = tcp:port=$C_PORT
bind = 127.0.0.1
connect = ssl:proto=tls1,certuser=$TMP/gw.crt,server=127.0.0.1,port=$S_PORT
[route p]
serve = tcp:port=$P_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$UP_PORT
EOF2
}
write_ini ""
start_bridge rt "$TMP/rt.ini"
for p in "$S_PORT" "$C_PORT" "$P_PORT"; do wait_listen "$p"; done
wait_log "$TMP/rt.log" "info control socket $SOCK" 10

write_ini "[tls]
ca = $TMP/gw.crt"
"$DBGBRIDGE" ctl -S "$SOCK" reload >"$TMP/reload.out" 2>&1 ||
	fail "ctl reload: $(cat "$TMP/reload.out")"
want="3 routes: 2 unchanged, 1 changed, 0 added; 0 removed; 3 listeners kept
route s: unchanged
route c: changed (tls.ca)
route p: unchanged"
[[ $(<"$TMP/reload.out") == "$want" ]] ||
	fail "ctl reload said:
$(cat "$TMP/reload.out")
want:
$want"

mkdir -m 700 "$TMP/store"
write_ini "[tls]
ca = $TMP/gw.crt
user_store = $TMP/store"
"$DBGBRIDGE" ctl -S "$SOCK" reload >"$TMP/reload.out" 2>&1 ||
	fail "ctl reload: $(cat "$TMP/reload.out")"
want="3 routes: 1 unchanged, 2 changed, 0 added; 0 removed; 3 listeners kept
route s: changed (tls.user_store)
route c: changed (tls.user_store)
route p: unchanged"
[[ $(<"$TMP/reload.out") == "$want" ]] ||
	fail "ctl reload said:
$(cat "$TMP/reload.out")
want:
$want"
stop_bridge rt
note "reload_tls_report: all passed"
