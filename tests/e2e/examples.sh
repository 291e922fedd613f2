#!/usr/bin/env bash
# examples.sh: every examples/*.ini checks clean with `dbgbridge -n` (exit 0,
# nothing on stderr) and prints the smart-client strings its comments and the
# README promise.
#
# The examples name their certificates as they would be installed, under
# /etc/dbgbridge/.  Each is checked on a copy with /etc/dbgbridge/ replaced by
# a directory of throwaway certificates made here: for every machuser= or
# certuser= NAME on a serve line, certs/NAME.pem holds a certificate and its
# key (mode 0600); on a connect line, the certificate alone (what the
# connecting side pins); every other /etc/dbgbridge/*.pem a file names (a CA)
# is a certificate.  A serial device is never opened by -n, so a com: port=
# device path needs no device.
#
# THIS-HOST in an expected string stands for this host's name, which -n
# prints for a route that listens on every address.
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
	[tls-bridge-lab.ini]='-premote ssl:proto=tls1,machuser=lab-gateway,server=THIS-HOST,port=6000'
	[tls-bridge-desk.ini]='-premote tcp:server=127.0.0.1,port=5005'
	[firewall-clicon-lab.ini]='-premote ssl:proto=tls1,machuser=lab-gateway,clicon=THIS-HOST,port=6001'
	[firewall-clicon-relay.ini]='-premote tcp:server=127.0.0.1,port=5005'
	[kdsrv-serial.ini]='-k kdsrv:server=@{tcp:server=THIS-HOST,port=5010},trans=@{com:port=com1,baud=115200}'
	[npipe-ssl-clientcert.ini]='-premote ssl:proto=tls1.3,machuser=dbg-gateway,server=THIS-HOST,port=6002'
	[repeater-chain-dmz.ini]='-premote tcp:server=THIS-HOST,port=9001
-premote tcp:server=THIS-HOST,port=9002'
	[repeater-chain-lab.ini]='-premote tcp:server=THIS-HOST,port=9011
-premote tcp:server=THIS-HOST,port=9012'
)

# The strings the README's "Which example do I want" table gives to paste,
# as written there (with THIS-HOST).
README_WANT=(
	'-premote tcp:server=127.0.0.1,port=5005'
	'-premote ssl:proto=tls1,machuser=lab-gateway,server=THIS-HOST,port=6000'
	'-k kdsrv:server=@{tcp:server=THIS-HOST,port=5010},trans=@{com:port=com1,baud=115200}'
	'-premote ssl:proto=tls1.3,machuser=dbg-gateway,server=THIS-HOST,port=6002'
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

# make_store INI DIR: the certificates INI names, under DIR (its
# /etc/dbgbridge/).
make_store() {
	local ini=$1 dir=$2 line name path
	mkdir -p "$dir/certs"
	# Comments never count: only key lines.
	while IFS= read -r line; do
		[[ $line =~ ^[[:space:]]*(serve|connect)[[:space:]]*= ]] || continue
		while [[ $line =~ (certuser|machuser)=([^,}]+) ]]; do
			name=${BASH_REMATCH[2]}
			line=${line/"${BASH_REMATCH[0]}"/}
			[[ $name != */* ]] || continue
			[[ -f $dir/certs/$name.pem ]] && continue
			make_cert "$name" "$name" "$dir/certs"
		done
	done < <(grep -E '^[[:space:]]*(serve|connect)[[:space:]]*=' "$ini")
	# On the connecting side the store holds the certificate alone.
	while IFS= read -r line; do
		while [[ $line =~ (certuser|machuser)=([^,}/]+)[,}] ]]; do
			name=${BASH_REMATCH[2]}
			line=${line/"${BASH_REMATCH[0]}"/}
			if ! grep -E '^[[:space:]]*serve[[:space:]]*=' "$ini" |
				grep -q -E "(certuser|machuser)=$name[,}]"; then
				cp "$dir/certs/$name.crt" "$dir/certs/$name.pem"
				chmod 644 "$dir/certs/$name.pem"
			fi
		done
	done < <(grep -E '^[[:space:]]*connect[[:space:]]*=' "$ini")
	# Any other file under /etc/dbgbridge/ a key names: a CA certificate.
	while IFS= read -r path; do
		path=${path#/etc/dbgbridge/}
		[[ -e $dir/$path ]] && continue
		mkdir -p "$(dirname "$dir/$path")"
		make_cert ca-tmp "dbgbridge examples CA" "$TMP"
		cp "$TMP/ca-tmp.crt" "$dir/$path"
	done < <(grep -E '^[[:space:]]*[a-z_]+[[:space:]]*=' "$ini" |
		grep -o -E '/etc/dbgbridge/[^ ,}]+\.(pem|crt)' | sort -u)
}

for name in "${found[@]}"; do
	dir=$TMP/${name%.ini}
	mkdir -p "$dir"
	make_store "$EXAMPLES/$name" "$dir/etc"
	sed "s|/etc/dbgbridge/|$dir/etc/|g" "$EXAMPLES/$name" >"$dir/$name"

	rc=0
	timeout -k 2 10 "$DBGBRIDGE" -n -f "$dir/$name" >"$dir/out" 2>"$dir/err" ||
		rc=$?
	[[ $rc == 0 ]] || fail "dbgbridge -n examples/$name: exit $rc:
$(<"$dir/err")"
	[[ ! -s $dir/err ]] || fail "dbgbridge -n examples/$name wrote to stderr:
$(<"$dir/err")"
	got=$(sed -n 's/^  client   //p' "$dir/out")
	want=${WANT[$name]//THIS-HOST/$THIS_HOST}
	[[ $got == "$want" ]] || fail "dbgbridge -n examples/$name: client strings
$got
want:
$want
full output:
$(<"$dir/out")"
	# What the file's own comments promise to paste is what -n prints.
	while IFS= read -r line; do
		line=${line//THIS-HOST/$THIS_HOST}
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
