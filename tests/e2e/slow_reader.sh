#!/usr/bin/env bash
# slow_reader.sh: a client that reads slowly and then stops costs dbgbridge
# bounded memory and costs other sessions nothing.
#
#   slowread --tcp--> a (route slow)  --ssl--> b (route slow) --tcp--> offer 1 GiB
#   slowread --tcp--> a (route plain) --tcp--> offer 1 GiB
#   stream, ping --tcp--> a (route echo) --ssl--> b (route echo) --tcp--> echo
#
# Two process servers (loadpeer offer) each offer 1 GiB to a client that
# reads 64 KiB/s for 3 s and then stops reading, one through a TLS bridge
# pair, one through a plain tcp route (which the relay may splice).
# Asserts:
#   1. once both readers have stopped, the offers stop making progress
#      within a bounded time (less than 1 MiB more in a second): the
#      backpressure reaches the process servers, who got rid of far less
#      than the 1 GiB (< 128 MiB each);
#   2. the resident memory (VmRSS) of a and of b, sampled while the readers
#      stay stopped and the servers keep offering, stays below 64 MiB (not
#      asserted under valgrind or ASan: lib.sh instrumented);
#   3. what the slow readers did read was byte-exact; when they go (a
#      reset), their sessions end at once, not at drain_timeout: each
#      process server gets EOF within 10 s and a logs "client error: ...";
#   4. the latency of a ping session (64-byte echo every 10 ms) through the
#      same bridges while the readers are stopped: p99 below
#      max(5 x the p99 measured before the slow readers, 50 ms);
#   5. a bystander stream (4 MB/s each way, every byte checked) through the
#      same bridges during all of it ends "ok", and the bridges' lines count
#      exactly its bytes;
#   6. both bridges still run and exit 0 on SIGTERM with well-formed logs.
. "$(dirname "$0")/lib.sh"

need_prog openssl ss timeout
need_bin "$DBGBRIDGE" "$E2E_BIN/loadpeer"
LOADPEER=$E2E_BIN/loadpeer

GIB=1073741824
RATE=65536		# what the slow readers read a second, at first
READ_MS=3000		# for how long
SEED=$((RANDOM * 32768 + RANDOM))
RSS_LIMIT_KB=65536

free_port ECHO
free_port OFFER1	# behind b, reached over TLS
free_port OFFER2	# behind a, plain tcp
free_port A_SLOW
free_port A_PLAIN
free_port A_ECHO
free_port B_SLOW
free_port B_ECHO
make_cert b slow-b

cat >"$TMP/a.ini" <<EOF
[gateway]
log_level = info
control = $TMP/a.ctl

[route slow]
serve = tcp:port=$A_SLOW
connect = ssl:proto=tls1,certuser=$TMP/b.crt,server=127.0.0.1,port=$B_SLOW
bind = 127.0.0.1
drain_timeout = 30s

[route plain]
serve = tcp:port=$A_PLAIN
connect = tcp:server=127.0.0.1,port=$OFFER2
bind = 127.0.0.1
drain_timeout = 30s

[route echo]
serve = tcp:port=$A_ECHO
connect = ssl:proto=tls1,certuser=$TMP/b.crt,server=127.0.0.1,port=$B_ECHO
bind = 127.0.0.1
EOF
cat >"$TMP/b.ini" <<EOF
[gateway]
log_level = info
control = $TMP/b.ctl

[route slow]
serve = ssl:proto=tls1,certuser=$TMP/b.pem,port=$B_SLOW
connect = tcp:server=127.0.0.1,port=$OFFER1
bind = 127.0.0.1

[route echo]
serve = ssl:proto=tls1,certuser=$TMP/b.pem,port=$B_ECHO
connect = tcp:server=127.0.0.1,port=$ECHO
bind = 127.0.0.1
EOF

spawn echo "$LOADPEER" echo "$ECHO" 300
spawn offer1 "$LOADPEER" offer "$OFFER1" "$GIB" "$SEED" 120
OFFER1_PID=$SPAWN_PID
spawn offer2 "$LOADPEER" offer "$OFFER2" "$GIB" $((SEED + 1)) 120
OFFER2_PID=$SPAWN_PID
for p in "$ECHO" "$OFFER1" "$OFFER2"; do wait_listen "$p"; done
start_bridge b "$TMP/b.ini"
start_bridge a "$TMP/a.ini"
for p in "$B_SLOW" "$B_ECHO" "$A_SLOW" "$A_PLAIN" "$A_ECHO"; do wait_listen "$p"; done
A_PID=${E2E_BRIDGE_PID[a]}
B_PID=${E2E_BRIDGE_PID[b]}

rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
note "resident memory at the start: a $(rss_kb "$A_PID") kB, b $(rss_kb "$B_PID") kB"

# The bystander stream, then the latency before the slow readers.
spawn by "$LOADPEER" stream -r 4000000 "$A_ECHO" "$SEED" 120
BY_PID=$SPAWN_PID
rc=0
timeout -k 2 60 "$LOADPEER" ping -n 200 -i 10 "$A_ECHO" 50 >"$TMP/ping-before.out" 2>&1 || rc=$?
[[ $rc == 0 ]] || fail "ping before the slow readers failed (status $rc): $(cat "$TMP/ping-before.out")"
before=$(<"$TMP/ping-before.out")
[[ $before =~ p99_us=([0-9]+) ]] || fail "ping before: $before"
P99_BEFORE=${BASH_REMATCH[1]}
note "latency before: $before"

# The slow readers.
spawn slow1 "$LOADPEER" slowread "$A_SLOW" "$SEED" "$RATE" "$READ_MS" 120
SLOW1_PID=$SPAWN_PID
spawn slow2 "$LOADPEER" slowread "$A_PLAIN" $((SEED + 1)) "$RATE" "$READ_MS" 120
SLOW2_PID=$SPAWN_PID
wait_log "$TMP/slow1.out" '^stopped received=' $((READ_MS / 1000 + 15))
wait_log "$TMP/slow2.out" '^stopped received=' 15
note "slow readers: $(cat "$TMP/slow1.out") (through TLS), $(cat "$TMP/slow2.out") (plain)"

# offered PID NAME: ask an offer how far it got; the answer is its last line.
offered() {
	local n0 n
	n0=$(grep -c '^offered=' "$TMP/$2.out" || true)
	kill -USR1 "$1"
	wait_log "$TMP/$2.out" '^offered=' 10 $((n0 + 1))
	n=$(grep '^offered=' "$TMP/$2.out" | tail -n 1)
	echo "${n#offered=}"
}

# 1. The servers stall: less than 1 MiB more in a second (bounded wait).
declare -A LAST=()
stalled=0
for ((i = 0; i < 20; i++)); do
	stalled=1
	for o in offer1 offer2; do
		pid=OFFER1_PID
		[[ $o == offer2 ]] && pid=OFFER2_PID
		n=$(offered "${!pid}" "$o")
		if [[ -z ${LAST[$o]:-} ]] || ((n - ${LAST[$o]} >= 1048576)); then
			stalled=0
		fi
		LAST[$o]=$n
	done
	((stalled)) && ((i > 0)) && break
	sleep 1
done
((stalled && i > 0)) || fail "the process servers still make progress 20 s after the readers stopped: offered ${LAST[offer1]} and ${LAST[offer2]} bytes"
for o in offer1 offer2; do
	((LAST[$o] < 134217728)) || fail "$o got rid of ${LAST[$o]} of 1 GiB to a reader that took $((RATE * READ_MS / 1000)) or so: the backpressure did not reach it"
done
note "the process servers stalled after offering ${LAST[offer1]} (TLS) and ${LAST[offer2]} (plain) bytes of $GIB"

# 2 and 4. Memory and latency while the readers stay stopped and the
# servers keep offering.
spawn ping-during "$LOADPEER" ping -n 200 -i 10 "$A_ECHO" 50
PING_PID=$SPAWN_PID
max_a=0 max_b=0
while _alive "$PING_PID"; do
	r=$(rss_kb "$A_PID")
	((r > max_a)) && max_a=$r
	r=$(rss_kb "$B_PID")
	((r > max_b)) && max_b=$r
	sleep 0.1
done
reap "$PING_PID" rc
[[ $rc == 0 ]] || fail "ping while the readers were stopped failed (status $rc): $(cat "$TMP/ping-during.out")"
during=$(<"$TMP/ping-during.out")
[[ $during =~ p99_us=([0-9]+) ]] || fail "ping during: $during"
P99_DURING=${BASH_REMATCH[1]}
note "latency while the readers are stopped: $during"
note "resident memory while the readers are stopped: a at most $max_a kB, b at most $max_b kB"
if instrumented "$A_PID" || instrumented "$B_PID"; then
	note "the bridges run under valgrind or ASan: resident memory is information only here"
else
	((max_a < RSS_LIMIT_KB)) || fail "a's resident memory reached $max_a kB (limit $RSS_LIMIT_KB kB) with a reader stopped"
	((max_b < RSS_LIMIT_KB)) || fail "b's resident memory reached $max_b kB (limit $RSS_LIMIT_KB kB) with a reader stopped"
fi
bound=$((5 * P99_BEFORE))
((bound < 50000)) && bound=50000
((P99_DURING < bound)) || fail "ping p99 ${P99_DURING} us while the readers are stopped, ${P99_BEFORE} us before (bound $bound us)"

# 3. The readers: byte-exact so far.  Then the servers.
for s in SLOW1_PID SLOW2_PID; do
	_alive "${!s}" || fail "a slow reader ended early: $(cat "$TMP/slow1.out" "$TMP/slow2.out")"
	kill -TERM "${!s}"
done
for s in SLOW1_PID SLOW2_PID; do
	wait_exit "${!s}" 10 || fail "a slow reader did not exit on SIGTERM"
	reap "${!s}" rc
	[[ $rc == 0 ]] || fail "a slow reader failed (status $rc): $(cat "$TMP/slow1.out" "$TMP/slow2.out")"
done
# The readers' resets end their sessions at once (drain_timeout is 30s):
# each process server is told (EOF) and ends, and a logs both lines.
for o in OFFER1_PID OFFER2_PID; do
	wait_exit "${!o}" 10 || fail "a process server was not told its reader had gone within 10 s: $(session_lines a)"
	reap "${!o}" rc
done
for r in slow plain; do
	wait_log "$TMP/a.log" " route=$r .*reason=\"client reset\"" 10
	note "$r: $(session_lines a " route=$r ")"
done

# 5. The bystander.
bystander_end by "$BY_PID" 1000000 echo "$TMP/a.log" "$TMP/b.log"

# 6.
stop_bridge a
stop_bridge b
note "slow_reader: all passed"
