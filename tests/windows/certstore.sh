#!/usr/bin/env bash
# certstore.sh: certuser= and machuser= in wine's Windows certificate stores
# (doc/design.md "Windows certificate stores"; tls/store-win32.c).
#
# An RSA key and a self-signed certificate made with Linux openssl go into a
# PFX, which tests/windows/certimport.exe (PFXImportCertStore, the key not
# exportable) puts into wine's CurrentUser\My and LocalMachine\My.  Then:
#
#   1. the key stayed in CryptoAPI: CryptExportKey of it fails;
#   2. dbgbridge.exe -n names the certificate found by subject (its subject,
#      its SHA-1 thumbprint in the client string, CurrentUser\My), by its
#      SHA-256 thumbprint with colons, and by machuser= in LocalMachine\My;
#   3. bulkpeer --tcp--> Linux dbgbridge --ssl, pinning the PEM of the
#      certificate--> dbgbridge.exe (certuser=SUBJECT) --tcp--> bulkpeer:
#      4 MiB each way byte for byte, TLS 1.2; again with certuser= the
#      thumbprint spaced in pairs as the debugger docs show it, with
#      machuser=SUBJECT, and with openssl s_client trusting only that
#      certificate; and dbgbridge.exe originating TLS with certuser=SUBJECT
#      pins the store's certificate (TLS 1.3: no key of ours is used) to a
#      Linux dbgbridge serving it from the PEM;
#   4. what cannot be used says so: a subject nothing matches (the store
#      searched is named, for certuser= and machuser=), a thumbprint nothing
#      matches, a certificate without a key, one whose key a CNG key storage
#      provider holds, proto=tls1.3 with a CryptoAPI key (RSA-PSS).
#
# What wine 8.0 lacks, said where it matters: PFXImportCertStore records
# dwKeySpec 3 (dbgbridge reads it as AT_KEYEXCHANGE) and keeps a key imported
# with CRYPT_MACHINE_KEYSET in the user's key set (the certificate's
# CERT_KEY_PROV_INFO says so, and dbgbridge follows it); there is no CNG key
# storage provider, so the CNG case is a certificate whose key property names
# one, as certutil leaves it on Windows.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/lib.sh"

need_prog openssl ss timeout x86_64-w64-mingw32-gcc-posix
need_bin "$DBGBRIDGE" "$E2E_BIN/bulkpeer"
BULKPEER=$E2E_BIN/bulkpeer
BYTES=4194304
LIMIT=120
SUBJECT=dbgbridge-store-e2e

# The import helper, built here (it needs only crypt32 and advapi32).
IMPORT=$TMP/certimport.exe
x86_64-w64-mingw32-gcc-posix -O1 -Wall -Wextra -Werror -o "$IMPORT" \
	"$SRCDIR/tests/windows/certimport.c" -lcrypt32 -ladvapi32 -static \
	>"$TMP/certimport-build.out" 2>&1 ||
	hard_error "certimport.exe does not build: $(<"$TMP/certimport-build.out")"
imp() {	# OUT ARGS...: certimport.exe ARGS, its output in $TMP/OUT
	local out=$1
	shift
	timeout -k 5 60 wine "$IMPORT" "$@" </dev/null 2>&1 | tr -d '\r' >"$TMP/$out" ||
		hard_error "certimport $*: $(<"$TMP/$out")"
}

# The certificate: RSA (CryptoAPI's keys are RSA), for server authentication.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$SUBJECT" \
	-addext "subjectAltName=IP:127.0.0.1" -addext "extendedKeyUsage=serverAuth" \
	-keyout "$TMP/store.key" -out "$TMP/store.crt" >"$TMP/openssl.err" 2>&1 ||
	hard_error "openssl req: $(<"$TMP/openssl.err")"
openssl pkcs12 -export -inkey "$TMP/store.key" -in "$TMP/store.crt" \
	-out "$TMP/store.pfx" -passout pass:e2e-secret >"$TMP/openssl.err" 2>&1 ||
	hard_error "openssl pkcs12: $(<"$TMP/openssl.err")"
(umask 077 && cat "$TMP/store.crt" "$TMP/store.key" >"$TMP/store.pem")
rm -f "$TMP/store.key"
thumb=$(openssl x509 -in "$TMP/store.crt" -noout -fingerprint -sha1 |
	sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
spaced=$(sed 's/../& /g; s/ $//' <<<"$thumb")
# Two more without a usable key: none at all, and one CNG holds.
for n in nokey cngkey; do
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=dbgbridge-store-$n" \
		-keyout /dev/null -outform DER -out "$TMP/$n.der" >"$TMP/openssl.err" 2>&1 ||
		hard_error "openssl req $n: $(<"$TMP/openssl.err")"
done

imp import-user.out pfx "$TMP/store.pfx" e2e-secret user
imp import-machine.out pfx "$TMP/store.pfx" e2e-secret machine
imp import-nokey.out cer "$TMP/nokey.der" user
imp import-cng.out cng "$TMP/cngkey.der" user
grep -q "^imported $thumb " "$TMP/import-user.out" ||
	fail "certimport did not report thumbprint $thumb: $(<"$TMP/import-user.out")"
note "CurrentUser\\My: $(<"$TMP/import-user.out")"
note "LocalMachine\\My: $(<"$TMP/import-machine.out")"
grep -q 'flags=0x0$' "$TMP/import-machine.out" &&
	note "wine 8.0 kept the machine import's key in the user's key set (CERT_KEY_PROV_INFO dwFlags 0); dbgbridge follows the property"

# 1. The key is not exportable: what dbgbridge uses stays in CryptoAPI.
imp export.out export "$thumb" user
[[ $(<"$TMP/export.out") == 'not exportable'* ]] ||
	fail "the imported key is exportable, so it proves nothing: $(<"$TMP/export.out")"
note "1. the key: $(<"$TMP/export.out")"

for v in S1 S2 S3 S4 E1 E2 E3 E4 L1 L2 L3 L4 X; do free_port "${v}_PORT"; done

# check_n NAME SPEC: dbgbridge.exe -n on a route serving SPEC.
check_n() {
	cat >"$TMP/$1.ini" <<EOF
[gateway]
log_level = info

[route $1]
serve = $2
connect = tcp:server=127.0.0.1,port=$X_PORT
bind = 127.0.0.1
EOF
	run_exe "$1.n" -n -f "$TMP/$1.ini"
}

# 2. -n names what it found and where.
check_n bysubject "ssl:proto=tls1,certuser=$SUBJECT,port=$E1_PORT"
[[ $EXE_RC == 0 ]] || fail "-n certuser=$SUBJECT: status $EXE_RC: $(<"$TMP/bysubject.n")"
grep -q -F "certuser=$thumb," "$TMP/bysubject.n" ||
	fail "-n does not give the thumbprint $thumb in the client string: $(<"$TMP/bysubject.n")"
grep -q -F "the certificate of CurrentUser\\My (CN=$SUBJECT)" "$TMP/bysubject.n" ||
	fail "-n does not name CurrentUser\\My and CN=$SUBJECT: $(<"$TMP/bysubject.n")"
note "2. $(grep -F '#' "$TMP/bysubject.n")"
sha256=$(openssl x509 -in "$TMP/store.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
check_n bysha256 "ssl:proto=tls1,certuser=$sha256,port=$E1_PORT"
[[ $EXE_RC == 0 ]] || fail "-n certuser=SHA-256 $sha256: status $EXE_RC: $(<"$TMP/bysha256.n")"
grep -q -F "the certificate of CurrentUser\My (CN=$SUBJECT)" "$TMP/bysha256.n" ||
	fail "-n certuser=SHA-256 does not find CN=$SUBJECT: $(<"$TMP/bysha256.n")"
check_n bymachine "ssl:proto=tls1,machuser=$SUBJECT,port=$E1_PORT"
[[ $EXE_RC == 0 ]] || fail "-n machuser=$SUBJECT: status $EXE_RC: $(<"$TMP/bymachine.n")"
grep -q -F "the certificate of LocalMachine\\My (CN=$SUBJECT)" "$TMP/bymachine.n" ||
	fail "-n machuser= does not name LocalMachine\\My: $(<"$TMP/bymachine.n")"

# 4. What cannot be used says why, and which store was searched.
want_error() {	# NAME SPEC TEXT
	check_n "$1" "$2"
	[[ $EXE_RC != 0 ]] || fail "-n $2 succeeded: $(<"$TMP/$1.n")"
	grep -q -F -- "$3" "$TMP/$1.n" ||
		fail "-n $2 does not say '$3': $(<"$TMP/$1.n")"
	note "4. $1: $(grep -m1 ' error ' "$TMP/$1.n" | sed 's/^ *error *//')"
}
want_error nomatch "ssl:proto=tls1,certuser=no-such-subject,port=$E1_PORT" \
	"certuser 'no-such-subject': no certificate whose subject contains 'no-such-subject' in the current user's store (CurrentUser\\My)"
want_error nomatch-machine "ssl:proto=tls1,machuser=no-such-subject,port=$E1_PORT" \
	"LocalMachine\\My"
want_error nothumb "ssl:proto=tls1,certuser=00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff 00 11 22 33,port=$E1_PORT" \
	"no certificate with that SHA-1 thumbprint in the current user's store (CurrentUser\\My)"
want_error nokey "ssl:proto=tls1,certuser=dbgbridge-store-nokey,port=$E1_PORT" \
	"has no private key there"
want_error cngkey "ssl:proto=tls1,certuser=dbgbridge-store-cngkey,port=$E1_PORT" \
	"held by CNG (key storage provider 'Microsoft Software Key Storage Provider'), which OpenSSL's CAPI engine cannot use"
want_error tls13 "ssl:proto=tls1.3,certuser=$SUBJECT,port=$E1_PORT" \
	"proto=tls1.3 needs RSA-PSS signatures"

# 3. Terminating TLS with the store's certificate, for a Linux client that
# pins it.  exe routes: e1 by subject, e2 by spaced thumbprint, e3 machuser=.
cat >"$TMP/exe.ini" <<EOF
[gateway]
log_level = info

[route e1]
serve = ssl:proto=tls1,certuser=$SUBJECT,port=$E1_PORT
connect = tcp:server=127.0.0.1,port=$S1_PORT
bind = 127.0.0.1
handshake_timeout = 20s
drain_timeout = 60s
persist = yes

[route e2]
serve = ssl:proto=tls1,certuser=$spaced,port=$E2_PORT
connect = tcp:server=127.0.0.1,port=$S2_PORT
bind = 127.0.0.1
handshake_timeout = 20s
drain_timeout = 60s
persist = yes

[route e3]
serve = ssl:proto=tls1,machuser=$SUBJECT,port=$E3_PORT
connect = tcp:server=127.0.0.1,port=$S3_PORT
bind = 127.0.0.1
handshake_timeout = 20s
drain_timeout = 60s
persist = yes

[route e4]
serve = tcp:port=$E4_PORT
connect = ssl:proto=tls1,certuser=$SUBJECT,server=127.0.0.1,port=$L4_PORT
bind = 127.0.0.1
handshake_timeout = 20s
drain_timeout = 60s
persist = yes
EOF
# Linux: originates TLS to each, pinning the certificate's PEM; l4 serves
# with the PEM that e4 pins by subject in the store.
{
	printf '[gateway]\nlog_level = info\ncontrol = %s\n' "$TMP/linux.ctl"
	for i in 1 2 3; do
		eval "lp=\$L${i}_PORT ep=\$E${i}_PORT"
		cat <<EOF

[route l$i]
serve = tcp:port=$lp
connect = ssl:proto=tls1,certuser=$TMP/store.crt,server=127.0.0.1,port=$ep
bind = 127.0.0.1
handshake_timeout = 20s
drain_timeout = 60s
persist = yes
EOF
	done
	cat <<EOF

[route l4]
serve = ssl:proto=tls1,certuser=$TMP/store.pem,port=$L4_PORT
connect = tcp:server=127.0.0.1,port=$S4_PORT
bind = 127.0.0.1
handshake_timeout = 20s
drain_timeout = 60s
persist = yes
EOF
} >"$TMP/linux.ini"

start_exe exe -f "$TMP/exe.ini"
start_bridge linux "$TMP/linux.ini"
for p in "$L1_PORT" "$L2_PORT" "$L3_PORT" "$L4_PORT"; do wait_listen "$p"; done
for p in "$E1_PORT" "$E2_PORT" "$E3_PORT" "$E4_PORT"; do wait_listen "$p" 30; done

# bulk NAME SERVER_PORT CLIENT_PORT: BYTES each way, byte for byte.
bulk() {
	local name=$1 seed=$((RANDOM * 32768 + RANDOM)) spid cpid src crc
	spawn "$name-server" "$BULKPEER" listen "$2" "$BYTES" "$seed" "$LIMIT"
	spid=$SPAWN_PID
	wait_listen "$2"
	spawn "$name-client" "$BULKPEER" connect "$3" "$BYTES" "$seed" "$LIMIT"
	cpid=$SPAWN_PID
	wait_exit "$cpid" $((LIMIT + 10)) || fail "$name: bulkpeer connect still runs"
	wait_exit "$spid" 30 || fail "$name: bulkpeer listen still runs"
	reap "$cpid" crc
	reap "$spid" src
	local want="ok sent=$BYTES received=$BYTES"
	[[ $crc == 0 && $(<"$TMP/$name-client.out") == "$want" ]] ||
		fail "$name: client end: status $crc, '$(<"$TMP/$name-client.out")'"
	[[ $src == 0 && $(<"$TMP/$name-server.out") == "$want" ]] ||
		fail "$name: server end: status $src, '$(<"$TMP/$name-server.out")'"
}
# relayed N WHAT: route lN's and eN's session lines: TLS 1.2, the pin named.
relayed() {
	local line
	wait_log "$TMP/linux.log" " info session .* route=l$1 .*reason=" 20
	line=$(grep -E " info session .* route=l$1 .*reason=" "$TMP/linux.log" | head -1)
	[[ $line == *'TLSv1.2'* && $line == *"$SUBJECT"* ]] ||
		fail "$2: Linux's session line lacks TLS 1.2 or the pinned subject: $line"
	wait_log "$TMP/exe.log" " info session .* route=e$1 .*reason=" 20
	line=$(grep -E " info session .* route=e$1 .*reason=" "$TMP/exe.log" | tr -d '\r' | head -1)
	[[ $line == *'client_tls=TLSv1.2'* ]] ||
		fail "$2: dbgbridge.exe's session line lacks client_tls=TLSv1.2: $line"
	note "3. $2: $line"
}
bulk bysubject "$S1_PORT" "$L1_PORT"
relayed 1 "certuser=$SUBJECT"
bulk bythumb "$S2_PORT" "$L2_PORT"
relayed 2 "certuser=$spaced"
bulk bymachine "$S3_PORT" "$L3_PORT"
relayed 3 "machuser=$SUBJECT"
# The other way: dbgbridge.exe pins the store's certificate (no key needed)
# and Linux serves it from the PEM.
bulk pinned "$S4_PORT" "$E4_PORT"
wait_log "$TMP/exe.log" " info session .* route=e4 .*reason=" 20
line=$(grep -E " info session .* route=e4 .*reason=" "$TMP/exe.log" | tr -d '\r' | head -1)
[[ $line == *'server_tls=TLSv1.3'* && $line == *"$SUBJECT"* ]] ||
	fail "dbgbridge.exe's session pinning the store's certificate lacks TLS 1.3 or the subject: $line"
note "3. exe pins certuser=$SUBJECT: $line"

# openssl s_client trusting only this certificate: the handshake verifies,
# at TLS 1.2 (the session then ends: nothing listens behind route e1 now).
timeout -k 2 30 openssl s_client -connect "127.0.0.1:$E1_PORT" \
	-CAfile "$TMP/store.crt" -verify_return_error -verify_ip 127.0.0.1 \
	-brief </dev/null >"$TMP/sclient.out" 2>&1 || true
grep -q 'Verification: OK' "$TMP/sclient.out" ||
	fail "openssl s_client did not verify the store's certificate: $(<"$TMP/sclient.out")"
grep -q 'Protocol version: TLSv1.2' "$TMP/sclient.out" ||
	fail "openssl s_client did not get TLS 1.2: $(<"$TMP/sclient.out")"
note "3. openssl s_client: $(grep -E 'Protocol version|Peer certificate|Verification' "$TMP/sclient.out" | tr '\n' ' ')"

exe_running exe
stop_bridge linux
