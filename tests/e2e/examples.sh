#!/usr/bin/env bash
# examples.sh: every examples/*.ini checks clean with `dbgbridge -n` (exit 0,
# nothing on stderr) right after examples/make-certs.sh made the certificates
# it names, and prints the smart-client strings its comments and the README
# promise; `dbgbridge spec --client` accepts every one of them.
#
# The examples name their certificates as they would be installed, under
# /etc/dbgbridge/.  Each is checked on a copy with /etc/dbgbridge/ replaced by
# a directory of its own, where make-certs.sh makes them.  A serial device is
# never opened by -n, so a com: port= device path needs no device.
#
# THIS-HOST in an expected string stands for this host's name, which -n
# prints for a route that listens on every address; THUMBPRINT for the SHA-1
# thumbprint of the certificate the example serves with.
. "$(dirname "$0")/lib.sh"

need_bin "$DBGBRIDGE"
need_prog openssl sed grep

EXAMPLES=$SRCDIR/examples
README=$SRCDIR/README.md
THIS_HOST=${HOSTNAME:-}
[[ -n $THIS_HOST ]] || THIS_HOST=$(hostname 2>/dev/null || true)
[[ -n $THIS_HOST ]] || THIS_HOST=localhost

# The `client` lines -n prints for each example, one per route, in order.
declare -A WANT=(
	[tls-bridge-lab.ini]='-premote ssl:proto=tls1,machuser=THUMBPRINT,server=THIS-HOST,port=6000'
	[tls-bridge-desk.ini]='-premote tcp:server=127.0.0.1,port=5005'
	[firewall-clicon-lab.ini]='-premote ssl:proto=tls1,machuser=THUMBPRINT,clicon=THIS-HOST,port=6001'
	[firewall-clicon-relay.ini]='-premote tcp:server=127.0.0.1,port=5005'
	[kdsrv-serial.ini]='-k kdsrv:server=@{tcp:server=THIS-HOST,port=5010},trans=@{com:port=com1,baud=115200}'
	[npipe-ssl-clientcert.ini]='-premote ssl:proto=tls1,machuser=THUMBPRINT,server=THIS-HOST,port=6002'
	[repeater-chain-dmz.ini]='-premote tcp:server=THIS-HOST,port=9001
-premote tcp:server=THIS-HOST,port=9002'
	[repeater-chain-lab.ini]='-premote tcp:server=THIS-HOST,port=9011
-premote tcp:server=THIS-HOST,port=9012'
)

# The strings the README's "Which example do I want" table gives to paste,
# as written there (with THIS-HOST).
README_WANT=(
	'-premote tcp:server=127.0.0.1,port=5005'
	'-premote ssl:proto=tls1,machuser=THUMBPRINT,server=THIS-HOST,port=6000'
	'-k kdsrv:server=@{tcp:server=THIS-HOST,port=5010},trans=@{com:port=com1,baud=115200}'
	'-premote ssl:proto=tls1,machuser=THUMBPRINT,server=THIS-HOST,port=6002'
	'-premote tcp:server=THIS-HOST,port=9001'
)

[[ -d $EXAMPLES ]] || fail "no examples directory at $EXAMPLES"

# Every example here is expected, and every expected one is here.
shopt -s nullglob
found=()
for f in "$EXAMPLES"/*.ini; do
	name=${f##*/}
	found+=("$name")
	[[ -n ${WANT[$name]+set} ]] ||
		fail "examples/$name has no expected output in examples.sh: add it to WANT"
done
for name in "${!WANT[@]}"; do
	[[ -f $EXAMPLES/$name ]] || fail "examples/$name is missing (not installed or not distributed?)"
done
note "${#found[@]} examples"

for name in "${found[@]}"; do
	dir=$TMP/${name%.ini}
	mkdir -p "$dir"
	sed "s|/etc/dbgbridge/|$dir/etc/|g" "$EXAMPLES/$name" >"$dir/$name"
	rc=0
	"$EXAMPLES/make-certs.sh" "$dir/$name" >"$dir/certs.out" 2>&1 || rc=$?
	[[ $rc == 0 ]] || fail "make-certs.sh examples/$name: exit $rc: $(<"$dir/certs.out")"
	# The thumbprint of the certificate the example serves with, if any.
	thumb=
	served=$(grep -E '^[[:space:]]*serve[[:space:]]*=' "$dir/$name" |
		grep -o -E '(certuser|machuser)=[^,}]+' | head -n 1 | sed 's/.*=//' || true)
	if [[ -n $served ]]; then
		thumb=$(openssl x509 -in "$dir/etc/certs/$served.pem" -noout -fingerprint -sha1 |
			sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
		grep -q -F "SHA-1 $thumb" "$dir/certs.out" ||
			fail "make-certs.sh examples/$name does not print the thumbprint $thumb: $(<"$dir/certs.out")"
	fi

	rc=0
	timeout -k 2 10 "$DBGBRIDGE" -n -f "$dir/$name" >"$dir/out" 2>"$dir/err" ||
		rc=$?
	[[ $rc == 0 ]] || fail "dbgbridge -n examples/$name: exit $rc:
$(<"$dir/err")"
	[[ ! -s $dir/err ]] || fail "dbgbridge -n examples/$name wrote to stderr:
$(<"$dir/err")"
	got=$(sed -n 's/^  client   //p' "$dir/out")
	want=${WANT[$name]//THIS-HOST/$THIS_HOST}
	want=${want//THUMBPRINT/$thumb}
	[[ $got == "$want" ]] || fail "dbgbridge -n examples/$name: client strings
$got
want:
$want
full output:
$(<"$dir/out")"
	# What the file's own comments promise to paste is what -n prints.
	# Every string -n prints is one the debugger's grammar accepts.
	while IFS= read -r line; do
		[[ $line == none:* ]] && continue
		line=${line#-premote }
		line=${line#-k }
		line=${line#\"}
		line=${line%\"}
		"$DBGBRIDGE" spec --client "$line" >/dev/null 2>"$dir/spec.err" ||
			fail "examples/$name: spec --client refuses what -n prints, '$line': $(<"$dir/spec.err")"
	done <<<"$got"
	while IFS= read -r line; do
		line=${line//THIS-HOST/$THIS_HOST}
		line=${line//THUMBPRINT/$thumb}
		grep -q -F -x -- "$line" <<<"$want" ||
			fail "examples/$name: its comment promises '$line', -n prints:
$got"
	done < <(grep -o -E '^;[[:space:]]+-(premote|k) [^ ]+' "$EXAMPLES/$name" |
		sed -E 's/^;[[:space:]]+//')
	note "ok: $name"
done

# The README gives the same strings.
[[ -f $README ]] || fail "no README.md at $README"
for s in "${README_WANT[@]}"; do
	grep -q -F -- "$s" "$README" || fail "README.md does not give '$s'"
	matched=false
	for name in "${!WANT[@]}"; do
		grep -q -F -x -- "$s" <<<"${WANT[$name]}" && matched=true
	done
	$matched || fail "README_WANT '$s' is no example's client string"
done
for name in "${found[@]}"; do
	grep -q -F -- "examples/$name" "$README" ||
		fail "README.md does not mention examples/$name"
done
note "ok: README"
note "examples: all passed"
