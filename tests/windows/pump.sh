#!/usr/bin/env bash
# pump.sh: the in-process tests of the pump and the named-pipe API
# (tests/windows/test_pump.c; doc/design.md "Windows handles"), built for
# Windows with cmocka and run under wine.
#
# Environment: TEST_PUMP_EXE, the built test (default
# SRCDIR/build-windows/tests/windows/test_pump.exe; when missing it is built
# here with x86_64-w64-mingw32-gcc-posix against the prefix
# contrib/windows/deps.sh prints), WINEPREFIX as handles.bash says.
set -euo pipefail
export LC_ALL=C

dir=$(cd "$(dirname "$0")" && pwd)
: "${SRCDIR:=$(cd "$dir/../.." && pwd)}"
: "${TEST_PUMP_EXE:=$SRCDIR/build-windows/tests/windows/test_pump.exe}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dbgbridge-pump.XXXXXX")
own_prefix=0
cleanup() {
	local rc=$?
	timeout 20 wineserver -k >/dev/null 2>&1 || true
	timeout 20 wineserver -w >/dev/null 2>&1 || true
	rm -rf -- "$tmp"
	exit "$rc"
}
trap cleanup EXIT

command -v wine >/dev/null 2>&1 || { echo "SKIP: pump: wine is not installed" >&2; exit 77; }
export WINEDEBUG=-all
if [[ -z ${WINEPREFIX:-} ]]; then
	export WINEPREFIX=$tmp/wineprefix
	own_prefix=1
	timeout 120 wineboot -i >"$tmp/wineboot.out" 2>&1 ||
		{ echo "ERROR: pump: wineboot failed" >&2; exit 99; }
fi

if [[ ! -f $TEST_PUMP_EXE ]]; then
	prefix=$("$SRCDIR/contrib/windows/deps.sh" | tail -n 1) ||
		{ echo "ERROR: pump: contrib/windows/deps.sh failed" >&2; exit 99; }
	TEST_PUMP_EXE=$tmp/test_pump.exe
	x86_64-w64-mingw32-gcc-posix -O1 -g -Wall -Wextra -Werror \
		-D_GNU_SOURCE -D_WIN32_WINNT=0x0600 -I"$SRCDIR" \
		-I"$prefix/include" -o "$TEST_PUMP_EXE" \
		"$SRCDIR/tests/windows/test_pump.c" \
		"$SRCDIR/osdep/pump-win32.c" "$SRCDIR/osdep/pipe-win32.c" \
		"$prefix/lib/libcmocka-static.a" "$prefix/lib/libevent_core.a" \
		-lws2_32 -ladvapi32 -liphlpapi -lbcrypt -static \
		>"$tmp/build.out" 2>&1 ||
		{ echo "ERROR: pump: build failed:" >&2; cat "$tmp/build.out" >&2; exit 99; }
fi

t0=${EPOCHREALTIME/./}
rc=0
timeout -k 5 120 wine "$TEST_PUMP_EXE" || rc=$?
t1=${EPOCHREALTIME/./}
printf '# test_pump under wine: %d.%02d s (status %d; own prefix: %d)\n' \
	$(((t1 - t0) / 1000000)) $(((t1 - t0) % 1000000 / 10000)) "$rc" "$own_prefix"
exit "$rc"
