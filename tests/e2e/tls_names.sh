#!/usr/bin/env bash
# tls_names.sh: which certificate a connecting side accepts, by name and by
# date (dbgbridge.ini(5) "[tls] ca", "certuser=").
#   1. spipe to server=. with [tls] ca: "." is this machine, so the pipe
#      server's certificate is verified against this host's name (it was
#      verified against "." and always failed); -n prints the name.
#   2. A pinned certificate that has expired is still accepted (a pin is
#      matched by identity) but never silently: -n warns, naming it and the
#      date, and so does the log at start and at each handshake that meets it.
#
#   loadpeer ping --tcp--> bridge c (route c) --spipe server=.--> bridge s
#                          (route sp) --tcp--> loadpeer echo
#   loadpeer ping --tcp--> bridge p (route e) --ssl, pinned, expired--> bridge
#                          s (route old) --tcp--> loadpeer echo
. "$(dirname "$0")/lib.sh"

need_prog openssl hostname ss timeout
need_bin "$DBGBRIDGE" "$E2E_BIN/loadpeer"
LOADPEER=$E2E_BIN/loadpeer
HOST=$(hostname)
[[ -n $HOST ]] || skip "this machine has no host name"

free_port ECHO
free_port OLD
free_port C
free_port E
mkdir -m 0755 "$TMP/pipes"

ossl() {
	openssl "$@" >>"$TMP/openssl.err" 2>&1 ||
		hard_error "openssl $1 failed: $(tail -n 5 "$TMP/openssl.err")"
}

# A CA, and a certificate it signs for this host's name (and nothing else).
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-days 2 -subj "/CN=dbgbridge test CA" -keyout "$TMP/ca.key" -out "$TMP/ca.crt"
ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-subj "/CN=$HOST" -keyout "$TMP/host.key" -out "$TMP/host.csr"
printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$HOST" >"$TMP/host.ext"
ossl x509 -req -in "$TMP/host.csr" -CA "$TMP/ca.crt" -CAkey "$TMP/ca.key" \
	-CAcreateserial -days 2 -extfile "$TMP/host.ext" -out "$TMP/host.crt"
(umask 077 && cat "$TMP/host.crt" "$TMP/host.key" >"$TMP/host.pem")

# A self-signed certificate valid on 1 January 2020 only (openssl ca sets
# the dates; req -x509 cannot make one in the past).
mkdir "$TMP/ca"
touch "$TMP/ca/index.txt"
printf '%s\n' '[ca]' 'default_ca = d' '[d]' "database = $TMP/ca/index.txt" \
	"new_certs_dir = $TMP/ca" 'default_md = sha256' 'policy = p' \
	'copy_extensions = copy' 'rand_serial = yes' '[p]' \
	'commonName = supplied' >"$TMP/ca/ca.cnf"
ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-subj "/CN=old.test" -addext "subjectAltName=IP:127.0.0.1" \
	-keyout "$TMP/old.key" -out "$TMP/old.csr"
ossl ca -batch -notext -config "$TMP/ca/ca.cnf" -selfsign -keyfile "$TMP/old.key" \
	-in "$TMP/old.csr" -startdate 20200101000000Z -enddate 20200102000000Z \
	-out "$TMP/old.crt"
(umask 077 && cat "$TMP/old.crt" "$TMP/old.key" >"$TMP/old.pem")

cat >"$TMP/s.ini" <<INI
[gateway]
control = $TMP/s.ctl
pipe_dir = $TMP/pipes
[route sp]
serve = spipe:proto=tls1,certuser=$TMP/host.pem,pipe=Names
connect = tcp:server=127.0.0.1,port=$ECHO
[route old]
serve = ssl:proto=tls1,certuser=$TMP/old.pem,port=$OLD
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=$ECHO
INI
cat >"$TMP/c.ini" <<INI
[gateway]
control = $TMP/c.ctl
pipe_dir = $TMP/pipes
[tls]
ca = $TMP/ca.crt
[route c]
serve = tcp:port=$C
bind = 127.0.0.1
connect = spipe:proto=tls1,certuser=host,server=.,pipe=Names
INI
cat >"$TMP/p.ini" <<INI
[gateway]
control = $TMP/p.ctl
[route e]
serve = tcp:port=$E
bind = 127.0.0.1
connect = ssl:proto=tls1,certuser=$TMP/old.crt,server=127.0.0.1,port=$OLD
INI

# -n: the name checked, and the expired pin.
RC=0
"$DBGBRIDGE" -n -f "$TMP/c.ini" >"$TMP/c-n.out" 2>&1 || RC=$?
[[ $RC == 0 ]] || fail "-n c.ini: exit $RC: $(<"$TMP/c-n.out")"
grep -q -F -x "  verify   the server's certificate must name this host, '$HOST' (server=. with [tls] ca)" "$TMP/c-n.out" ||
	fail "-n does not say which name server=. is verified against: $(<"$TMP/c-n.out")"
RC=0
"$DBGBRIDGE" -n -f "$TMP/p.ini" >"$TMP/p-n.out" 2>&1 || RC=$?
[[ $RC == 0 ]] || fail "-n p.ini: exit $RC: $(<"$TMP/p-n.out")"
want="route e.connect: certuser '$TMP/old.crt': the pinned certificate /CN=old.test expired on 2020-01-02 00:00:00 UTC; a server that presents it is still accepted (a pin is matched by identity), with a warning each time: renew it"
grep -q -F -x "  warning  $want" "$TMP/p-n.out" ||
	fail "-n does not warn of the expired pinned certificate: $(<"$TMP/p-n.out")"
note "ok: -n names the host name checked and the expired pin"

spawn echo "$LOADPEER" echo "$ECHO" 60
wait_listen "$ECHO"
start_bridge s "$TMP/s.ini"
wait_listen "$OLD"
wait_log "$TMP/s.log" " info route sp serving " 10
start_bridge c "$TMP/c.ini"
start_bridge p "$TMP/p.ini"
wait_listen "$C"
wait_listen "$E"
grep -q -F " warn $want" "$TMP/p.log" || fail "p did not warn at start: $(<"$TMP/p.log")"

# 1. Through spipe to server=., the CA vouching for this host's name.
rc=0
timeout -k 2 20 "$LOADPEER" ping -n 3 -i 1 "$C" 15 >"$TMP/c-ping.out" 2>&1 || rc=$?
[[ $rc == 0 ]] || fail "no round trip through spipe server=. with [tls] ca (status $rc): $(<"$TMP/c-ping.out")"
wait_log "$TMP/c.log" ' info session 1 route=c .*reason="client closed"' 10
note "ok: spipe server=. verified against '$HOST'"

# 2. Through the expired pin: relayed, with a warning in the log.
rc=0
timeout -k 2 20 "$LOADPEER" ping -n 3 -i 1 "$E" 15 >"$TMP/e-ping.out" 2>&1 || rc=$?
[[ $rc == 0 ]] || fail "no round trip through the expired pin (status $rc): $(<"$TMP/e-ping.out")"
wait_log "$TMP/p.log" " warn TLS: server certificate /CN=old\.test matches the pinned certificate '$TMP/old\.crt' but expired on 2020-01-02 00:00:00 UTC; accepted \(a pin is matched by identity\): renew it" 10
note "ok: an expired pin is accepted with a warning"

stop_bridge c
stop_bridge p
stop_bridge s
note "tls_names: all passed"
