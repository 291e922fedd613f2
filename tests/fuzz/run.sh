#!/bin/bash
# run.sh: run the libFuzzer harnesses; builds nothing.
#
#   CC=clang ./configure --enable-fuzzing && make
#   tests/fuzz/run.sh [SECONDS]          each harness SECONDS (default 60)
#
# Each harness runs over a copy of its seed corpus (tests/fuzz/corpus/NAME),
# with its dictionary (tests/fuzz/NAME.dict) and -timeout=5.  Inputs that
# crash, leak, time out or run out of memory are saved in tests/fuzz/crashes/
# (not committed) and printed with the fuzzer's report.  Exit status: 0 when
# no harness found anything, 1 when one did, 2 when a harness is not built.
#
# Environment:
#   FUZZ_BIN     where the built harnesses are (default: this directory)
#   FUZZ_ONLY    run only this harness (spec or config)
#   FUZZ_ARGS    more libFuzzer flags, e.g. FUZZ_ARGS='-fork=2' for a long run
#   FUZZ_KEEP=1  keep the grown corpora and logs (the directory is printed)
#
# Replay a saved input (prints the stack trace again):
#   tests/fuzz/fuzz_spec tests/fuzz/crashes/spec-crash-HASH
# Minimise it:
#   tests/fuzz/fuzz_spec -minimize_crash=1 -runs=100000 \
#       -exact_artifact_path=/tmp/min tests/fuzz/crashes/spec-crash-HASH
set -uo pipefail
export LC_ALL=C

secs=${1:-60}
[[ $secs =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [SECONDS]" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
bin=${FUZZ_BIN:-$here}
crashes=$here/crashes
names=(spec config)
[[ -z ${FUZZ_ONLY:-} ]] || names=("$FUZZ_ONLY")

for n in "${names[@]}"; do
	[[ -x $bin/fuzz_$n ]] || {
		echo "run.sh: $bin/fuzz_$n is not built: CC=clang ./configure --enable-fuzzing && make" >&2
		exit 2
	}
done

work=$(mktemp -d "${TMPDIR:-/tmp}/dbgbridge-fuzz.XXXXXX")
[[ ${FUZZ_KEEP:-} == 1 ]] || trap 'rm -rf -- "$work"' EXIT
mkdir -p "$crashes"

# UBSan findings abort (the harnesses are built without recovery); ASan's
# leak check is on under libFuzzer by default.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

found=0
for n in "${names[@]}"; do
	cp -r "$here/corpus/$n" "$work/$n"
	touch "$work/$n.start"
	seeds=$(find "$work/$n" -type f | wc -l)
	echo "== fuzz_$n: ${secs}s over $seeds seeds"
	start=$SECONDS
	# shellcheck disable=SC2086
	"$bin/fuzz_$n" -max_total_time="$secs" -timeout=5 \
		-dict="$here/$n.dict" -artifact_prefix="$crashes/$n-" \
		-print_final_stats=1 ${FUZZ_ARGS:-} "$work/$n" >"$work/$n.log" 2>&1
	rc=$?
	# What this run saved (an earlier run's files stay, and are not counted).
	mapfile -t new < <(find "$crashes" -maxdepth 1 -type f -name "$n-*" \
		-newer "$work/$n.start" | sort)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$n.log")
	cov=$(grep -E '^#[0-9]+' "$work/$n.log" | tail -n 1 | grep -oE 'cov: [0-9]+ ft: [0-9]+')
	echo "   exit $rc after $((SECONDS - start))s: ${runs:-?} runs, ${cov:-no coverage line}," \
		"corpus $seeds -> $(find "$work/$n" -type f | wc -l)"
	if ((rc != 0 || ${#new[@]})); then
		found=1
		echo "!! fuzz_$n found something; its report:"
		# The sanitizer's report and the input, without the progress lines.
		grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|INITED|RELOAD)' "$work/$n.log" |
			tail -n 120 | sed 's/^/   /'
		for f in "${new[@]}"; do
			echo "!! saved $f ($(stat -c %s "$f") bytes); replay: $bin/fuzz_$n $f"
			printf '   input (cat -v, first 400 bytes): '
			head -c 400 "$f" | cat -v
			echo
		done
	fi
done
[[ ${FUZZ_KEEP:-} != 1 ]] || echo "run.sh: corpora and logs kept in $work"
exit "$found"
