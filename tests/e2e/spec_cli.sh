#!/usr/bin/env bash
# spec_cli.sh: `dbgbridge spec [--server|--client] SPEC` prints the canonical
# form and exits 0, or says what is wrong on stderr and exits 2
# (doc/design.md "Interfaces" and "Choices where the debugger docs are silent";
# key order from doc/transports.md §2.2 and §2.3).
. "$(dirname "$0")/lib.sh"

need_bin "$DBGBRIDGE"

# run_spec ARGS...: run `dbgbridge spec ARGS`; sets OUT, ERR and RC.
run_spec() {
	RC=0
	timeout -k 2 10 "$DBGBRIDGE" spec "$@" >"$TMP/spec.stdout" 2>"$TMP/spec.stderr" || RC=$?
	OUT=$(<"$TMP/spec.stdout")
	ERR=$(<"$TMP/spec.stderr")
}

# valid WANT ARGS...: exit 0, stdout exactly WANT, nothing on stderr.
valid() {
	local want=$1
	shift
	run_spec "$@"
	[[ $RC == 0 ]] || fail "spec $*: exit status $RC (want 0); stderr: $ERR"
	[[ $OUT == "$want" ]] || fail "spec $*: printed '$OUT', want '$want'"
	[[ -z $ERR ]] || fail "spec $*: exit 0 but wrote to stderr: $ERR"
	note "ok: spec $* -> $OUT"
}

# invalid ARGS... -- SUBSTRING...: exit 2, nothing on stdout, stderr holds
# every SUBSTRING.
invalid() {
	local args=() s
	while [[ $1 != -- ]]; do
		args+=("$1")
		shift
	done
	shift
	run_spec "${args[@]}"
	[[ $RC == 2 ]] || fail "spec ${args[*]}: exit status $RC (want 2); stdout: $OUT; stderr: $ERR"
	[[ -z $OUT ]] || fail "spec ${args[*]}: an invalid spec printed on stdout: $OUT"
	for s in "$@"; do
		[[ $ERR == *"$s"* ]] || fail "spec ${args[*]}: stderr lacks \"$s\"; it says: $ERR"
	done
	note "ok: spec ${args[*]} -> exit 2: $ERR"
}

# Valid specs: transport and keys are case-insensitive, flags are bare
# lower-case words, keys come out in the documented order.
valid 'tcp:port=5005,hidden' --server 'TCP:Port=5005,Hidden'
valid 'client side: tcp:server=lab7,port=5005' 'tcp:server=lab7,port=5005'
valid 'server side: ssl:proto=tls1,certuser=bridge,port=6000' 'SSL:Port=6000,CertUser=bridge,Proto=tls1'
valid 'tcp:server=lab7,port=5005' --client 'tcp:port=5005,server=lab7'
# A password is never printed; the value keeps its case on the way in.
valid 'tcp:server=lab7,port=5005,password=*' --client 'tcp:Password=Secret12,port=5005,server=lab7'
run_spec --client 'tcp:Password=Secret12,port=5005,server=lab7'
[[ "$OUT$ERR" != *Secret12* ]] || fail "spec printed the password: $OUT $ERR"

# Invalid specs: exit 2 and a message that names the key.
invalid --server 'tcp:port=70000' -- "tcp: 'port' must be 1-65535, got '70000'"
invalid --server 'tcp:prot=5005' -- "unknown key 'prot'"
invalid --server 'ssl:proto=ssl3,certuser=bridge,port=6000' -- 'ssl3' 'insecure' 'tls1'
invalid --client 'tcp:port=5005' -- "'server'"
invalid --server 'tcp:port=5005,port=5006' -- "'port'"
# A client-side spec is not a server-side one.
invalid --server 'tcp:server=lab7,port=5005' -- "'server'"

# One rule for pipe names, the daemon's: what it would refuse, spec refuses.
LONG=$(printf 'p%.0s' {1..107})
invalid --server 'npipe:pipe=../../tmp/x' -- "npipe: 'pipe' may not contain '/'" "'../../tmp/x'"
invalid --client 'npipe:server=.,pipe=../../tmp/x' -- "npipe: 'pipe' may not contain '/'"
invalid --server 'npipe:pipe=..' -- "npipe: 'pipe' may not be '.' or '..'"
invalid --server 'npipe:pipe=x%s' -- "a '%' must start %d, %x or %%" "'x%s'"
invalid 'npipe:pipe=%' -- "a '%' must start %d, %x or %%"
invalid --server "npipe:pipe=$LONG" -- "'pipe' is 107 bytes; at most 106 fit in a socket path"
invalid --client "spipe:proto=tls1,certuser=c,server=.,pipe=$LONG" -- "'pipe' is 107 bytes"
valid 'npipe:pipe=Dbg%d_%x' --server 'npipe:pipe=Dbg%d_%x'
# A kdsrv net: key is a secret, printed as key=* like a password.
valid 'kdsrv:server=@{tcp:server=lab7,port=5005},trans=@{net:port=50000,key=*}' \
	--client 'kdsrv:server=@{tcp:server=lab7,port=5005},trans=@{net:port=50000,key=1.2.3.4}'
run_spec --client 'kdsrv:server=@{tcp:server=lab7,port=5005},trans=@{net:port=50000,key=Sekr3t.K3y.A.B}'
[[ "$OUT$ERR" != *Sekr3t* ]] || fail "spec printed the kdsrv key: $OUT $ERR"

note "spec_cli: all passed"
