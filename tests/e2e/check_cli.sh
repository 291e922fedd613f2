#!/usr/bin/env bash
# check_cli.sh: `dbgbridge -n` checks a configuration without listening and
# prints every route in canonical form with the string a smart client pastes
# (doc/design.md "Interfaces"); exit 0, or 1 with every error.  Also the bundled
# default configuration and `-s/-c` from the command line.
. "$(dirname "$0")/lib.sh"

need_bin "$DBGBRIDGE"

# run_check ARGS...: run `dbgbridge ARGS`; sets OUT, ERR and RC.
run_check() {
	RC=0
	timeout -k 2 10 "$DBGBRIDGE" "$@" >"$TMP/out" 2>"$TMP/err" || RC=$?
	OUT=$(<"$TMP/out")
	ERR=$(<"$TMP/err")
}

# The bundled configuration checks clean, as shipped.
run_check -n -f "$SRCDIR/config/dbgbridge.ini"
[[ $RC == 0 ]] || fail "the bundled configuration does not check: $ERR"
want='route local
  serve    tcp:port=5005 on 127.0.0.1
  connect  tcp:server=127.0.0.1,port=5006
  client   -premote tcp:server=127.0.0.1,port=5005'
[[ $OUT == "$want" ]] || fail "-n on the bundled configuration printed:
$OUT
want:
$want"
note "ok: bundled configuration"

# A kernel smart client reaches a kdsrv upstream with -k kdsrv:...
cat >"$TMP/kd.ini" <<'INI'
[route kd]
serve = TCP:Port=5005,Hidden
bind = 127.0.0.1
connect = kdsrv:trans=@{com:port=com1,baud=57600},server=@{tcp:port=1027,server=lab7}
INI
run_check -n -f "$TMP/kd.ini"
[[ $RC == 0 ]] || fail "-n kd.ini: exit $RC: $ERR"
want='route kd
  serve    tcp:port=5005,hidden on 127.0.0.1
  connect  kdsrv:server=@{tcp:server=lab7,port=1027},trans=@{com:port=com1,baud=57600}
  client   -k kdsrv:server=@{tcp:server=127.0.0.1,port=5005},trans=@{com:port=com1,baud=57600}'
[[ $OUT == "$want" ]] || fail "-n kd.ini printed:
$OUT
want:
$want"
note "ok: kdsrv upstream"

# Every error at once, each naming its section and key, exit 1.
cat >"$TMP/bad.ini" <<'INI'
[gateway]
log_level = loud
[route one]
serve = tcp:port=70000
connect = tcp:server=127.0.0.1,port=5006
[route two]
serve = tcp:port=5007
connect = tcp:port=5008
drain_timeout = 10
INI
run_check -n -f "$TMP/bad.ini"
[[ $RC == 1 ]] || fail "-n bad.ini: exit $RC, want 1; stderr: $ERR"
[[ -z $OUT ]] || fail "-n bad.ini printed on stdout: $OUT"
for want in "$TMP/bad.ini:2: gateway.log_level: must be one of error, warn, info, debug, got 'loud'" \
	"$TMP/bad.ini:4: route one.serve: tcp: 'port' must be 1-65535, got '70000'" \
	"$TMP/bad.ini:8: route two.connect:" "$TMP/bad.ini:9: route two.drain_timeout:"; do
	[[ $ERR == *"$want"* ]] || fail "-n bad.ini: no '$want' in:
$ERR"
done
[[ $(grep -c . <<<"$ERR") == 4 ]] || fail "-n bad.ini: want 4 error lines, got:
$ERR"
note "ok: all four errors reported together"

# Every error in one pass, each at FILE:LINE: a bad key and a certificate
# that does not load; and -n still prints every route it can, the string to
# paste included, with the route's error under it.
cat >"$TMP/mixed.ini" <<INI
[gateway]
log_level = loud
[route s]
serve = ssl:proto=tls1,certuser=$TMP/nowhere.pem,port=6000
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=5006
INI
run_check -n -f "$TMP/mixed.ini"
[[ $RC == 1 ]] || fail "-n mixed.ini: exit $RC, want 1"
[[ $ERR == *"dbgbridge: $TMP/mixed.ini:2: gateway.log_level: must be one of"* &&
	$ERR == *"dbgbridge: $TMP/mixed.ini:4: route s.serve: certuser '$TMP/nowhere.pem': No such file or directory"* ]] ||
	fail "-n mixed.ini: not every error at once, with FILE:LINE: $ERR"
want="route s
  serve    ssl:proto=tls1,certuser=$TMP/nowhere.pem,port=6000 on 127.0.0.1
  connect  tcp:server=127.0.0.1,port=5006
  client   -premote ssl:proto=tls1,certuser=$TMP/nowhere.pem,server=127.0.0.1,port=6000
  error    $TMP/mixed.ini:4: route s.serve: certuser '$TMP/nowhere.pem': No such file or directory"
[[ $OUT == "$want" ]] || fail "-n mixed.ini printed:
$OUT
want:
$want"
note "ok: errors in one pass, at FILE:LINE, routes printed all the same"

# A certificate that does not load is found by -n, before anything listens.
cat >"$TMP/cert.ini" <<INI
[route s]
serve = ssl:proto=tls1,certuser=$TMP/missing.pem,port=6000
connect = tcp:server=127.0.0.1,port=5006
INI
run_check -n -f "$TMP/cert.ini"
[[ $RC == 1 ]] || fail "-n cert.ini: exit $RC, want 1"
[[ $ERR == *"route s.serve: certuser '$TMP/missing.pem': No such file or directory"* ]] ||
	fail "-n cert.ini: unexpected error: $ERR"
note "ok: missing certificate"

# The string to paste is one WinDbg accepts: a TLS route's certificate by
# its SHA-1 thumbprint (not a Linux path), proto=tls1 whatever the route's
# minimum, and a comment saying which certificate to import; a pipe served
# here gets no string but the reason; `spec --client` takes every string.
make_cert paste "dbgbridge-paste" "$TMP"
thumb=$(openssl x509 -in "$TMP/paste.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
cat >"$TMP/paste.ini" <<INI
[route s]
serve = ssl:proto=tls1.3,certuser=$TMP/paste.pem,port=6000
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=5006
[route p]
serve = npipe:pipe=DbgLocal
connect = tcp:server=127.0.0.1,port=5006
INI
run_check -n -f "$TMP/paste.ini"
[[ $RC == 0 ]] || fail "-n paste.ini: exit $RC: $ERR"
want="route s
  serve    ssl:proto=tls1.3,certuser=$TMP/paste.pem,port=6000 on 127.0.0.1
  connect  tcp:server=127.0.0.1,port=5006
  client   -premote ssl:proto=tls1,certuser=$thumb,server=127.0.0.1,port=6000
  #        import the certificate of $TMP/paste.pem (CN=dbgbridge-paste) into the smart client's Current User\\Personal store (certuser=), e.g. certutil -user -addstore My FILE.cer
route p
  serve    npipe:pipe=DbgLocal
  connect  tcp:server=127.0.0.1,port=5006
  client   none: a pipe served here is a Unix-domain socket in pipe_dir that only programs on this machine reach; no Windows smart client can use it: serve tcp or ssl for one"
[[ $OUT == "$want" ]] || fail "-n paste.ini printed:
$OUT
want:
$want"
while IFS= read -r line; do
	line=${line#  client   -premote }
	"$DBGBRIDGE" spec --client "$line" >/dev/null 2>"$TMP/spec.err" ||
		fail "spec --client refuses what -n prints, '$line': $(<"$TMP/spec.err")"
done < <(grep '^  client   -premote ' <<<"$OUT")
note "ok: strings to paste"

# The repeater's command line: -s and -c, a password refused by name.
run_check -n -s tcp:port=5005 -c npipe:server=.,pipe=Back
[[ $RC == 0 && $OUT == *"connect  npipe:server=.,pipe=Back"* ]] ||
	fail "-n -s -c: exit $RC: $OUT $ERR"
run_check -n -s tcp:port=5005 -c npipe:server=lab7,pipe=Back
[[ $RC == 1 && $ERR == *"route cli.connect: npipe: server 'lab7' is another host"* ]] ||
	fail "-n with a remote npipe server: exit $RC: $ERR"
run_check -n -s tcp:port=5005,password=Secret1 -c tcp:server=h,port=1
[[ $RC == 1 && $ERR == *"route cli.serve:"*password* ]] ||
	fail "-n with a password: exit $RC: $ERR"
[[ $ERR != *Secret1* ]] || fail "the password was printed: $ERR"
note "ok: -s/-c"

# A pipe name the daemon would refuse is refused by -n: the grammar's rule,
# and the socket path with this pipe_dir.
LONG=$(printf 'p%.0s' {1..100})
for bad in '../../tmp/x' '..' 'x%s' '%' "$LONG$LONG"; do
	run_check -n -s "npipe:pipe=$bad" -c tcp:server=127.0.0.1,port=1
	[[ $RC == 1 && $ERR == *"route cli.serve: npipe: 'pipe'"* ]] ||
		fail "-n with pipe=$bad: exit $RC (want 1): $OUT $ERR"
done
run_check -n -s tcp:port=5005 -c "npipe:server=.,pipe=../x"
[[ $RC == 1 && $ERR == *"route cli.connect: npipe: 'pipe' may not contain '/'"* ]] ||
	fail "-n with a connect pipe=../x: exit $RC (want 1): $OUT $ERR"
cat >"$TMP/pipe.ini" <<INI
[gateway]
pipe_dir = $TMP/a-pipe-directory-with-a-rather-long-name
[route p]
serve = npipe:pipe=$LONG
connect = tcp:server=127.0.0.1,port=5006
INI
run_check -n -f "$TMP/pipe.ini"
[[ $RC == 1 && $ERR == *"route p.serve: socket path too long: $TMP/a-pipe-directory-with-a-rather-long-name/$LONG is "*" bytes, at most 107 fit"* ]] ||
	fail "-n with a socket path too long for pipe_dir: exit $RC (want 1): $OUT $ERR"
note "ok: pipe names"

# A kdsrv net: key is never printed: key=* in the connect and client lines.
run_check -n -s tcp:port=5005 -c 'kdsrv:server=@{tcp:server=lab7,port=1027},trans=@{net:port=50000,key=Sekr3t.K3y.A.B}'
[[ $RC == 0 && $OUT == *"connect  kdsrv:server=@{tcp:server=lab7,port=1027},trans=@{net:port=50000,key=*}"* &&
	$OUT == *"trans=@{net:port=50000,key=*}"* && "$OUT$ERR" != *Sekr3t* ]] ||
	fail "-n printed the kdsrv key or failed: exit $RC: $OUT $ERR"
note "ok: kdsrv key masked"

# A port another program holds: the error names the address and says so.
free_port BUSY_PORT
spawn busy socat "TCP-LISTEN:$BUSY_PORT,bind=127.0.0.1,reuseaddr" -
wait_listen "$BUSY_PORT"
cat >"$TMP/busy.ini" <<INI
[route busy]
serve = tcp:port=$BUSY_PORT
bind = 127.0.0.1
connect = tcp:server=127.0.0.1,port=5006
INI
run_check -f "$TMP/busy.ini"
[[ $RC == 1 && $ERR == *"route busy.serve: cannot listen on 127.0.0.1:$BUSY_PORT: Address already in use (another program listens there)"* ]] ||
	fail "a busy port: exit $RC: $ERR"
note "ok: busy port ($ERR)"

# No -f and nothing at the default path: say how to name a file.
default=$("$DBGBRIDGE" --help | sed -n 's/.*-f FILE *the INI file (default \(.*\))$/\1/p')
[[ -n $default ]] || fail "--help names no default configuration"
if [[ ! -e $default ]]; then
	run_check
	[[ $RC == 1 && $ERR == *"name one with -f FILE (the source tree has config/dbgbridge.ini)"* ]] ||
		fail "no default configuration: exit $RC: $ERR"
	note "ok: no default configuration ($default)"
fi

# --version: the program's version and those of the OpenSSL and libevent it
# runs with (OpenSSL_version(3), event_get_version()).
run_check --version
[[ $RC == 0 && $OUT =~ ^dbgbridge\ [0-9]+\.[0-9]+\.[0-9]+\ \(OpenSSL\ [0-9]+\.[0-9]+\.[0-9]+[^,]*,\ libevent\ 2\.[0-9]+\.[0-9]+[^\)]*\)$ ]] ||
	fail "--version: exit $RC: '$OUT'"
note "ok: --version ($OUT)"
note "check_cli: all passed"
