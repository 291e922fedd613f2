#!/bin/bash
# valgrind.sh: the end-to-end tests with every dbgbridge they start (the
# daemon, -n, spec, ctl) under valgrind's memcheck.  Builds nothing: run it in
# a tree built without --enable-sanitizers (ASan and valgrind do not mix):
#
#   ./configure && make && tests/valgrind.sh [MAKE-OPTION...]   (e.g. -j2)
#
# Exit status: 0 when every test passes and memcheck reports no error and no
# definite or indirect leak; 1 otherwise (its reports are printed); 2 when it
# cannot run.  Memcheck's notice that it does not model the TIOCEXCL and
# TIOCNXCL ioctls (transports/com-termios.c) is not an error.  --vgdb=no: a
# daemon that drops privileges (user =) could not remove valgrind's gdb pipes.
set -uo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
top=$PWD

command -v valgrind >/dev/null 2>&1 ||
	{ echo "valgrind.sh: install the Debian package valgrind" >&2; exit 2; }
[[ -x $top/dbgbridge && -f Makefile ]] ||
	{ echo "valgrind.sh: build first: ./configure && make" >&2; exit 2; }
if nm "$top/dbgbridge" 2>/dev/null | grep -q __asan_init; then
	echo "valgrind.sh: $top/dbgbridge is a sanitizer build; valgrind needs a plain one" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/dbgbridge-valgrind.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
mkdir "$work/logs"
# Tests that run the daemon as a user of their own (runtime_squat.sh) need
# the wrapper, and a place for memcheck's log: a test-only directory.
chmod 755 "$work"
chmod 1777 "$work/logs"
cat >"$work/dbgbridge" <<EOF
#!/bin/sh
exec valgrind -q --vgdb=no --error-exitcode=97 --leak-check=full \\
	--show-leak-kinds=definite,indirect \\
	--errors-for-leak-kinds=definite,indirect --num-callers=30 \\
	--log-file='$work/logs/vg.%p.log' '$top/dbgbridge' "\$@"
EOF
chmod +x "$work/dbgbridge"

# TESTS and the environment are make's own, with the wrapper as the daemon.
# shellcheck disable=SC2016
make "$@" check TESTS='$(E2E_TESTS)' \
	AM_TESTS_ENVIRONMENT="DBGBRIDGE='$work/dbgbridge'; E2E_BIN='$top/tests/e2e'; SRCDIR='$top'; export DBGBRIDGE E2E_BIN SRCDIR;"
rc=$?

# Everything memcheck said, but its notice about the serial-port ioctls.
found=0
for f in "$work"/logs/vg.*.log; do
	[[ -f $f ]] || continue
	if grep -v -E '^==[0-9]+== (Warning: noted but unhandled ioctl 0x(540[cd]|894b) with no size/direction hints\.|   This could cause spurious value errors to appear\.|   See README_MISSING_SYSCALL_OR_IOCTL for guidance on writing a proper wrapper\.)$' \
		"$f" | grep -q .; then
		echo "==== memcheck: ${f##*/}"
		cat "$f"
		found=1
	fi
done
n=$(find "$work/logs" -name 'vg.*.log' | wc -l)
echo "valgrind.sh: $n dbgbridge processes under memcheck; make check exit $rc;" \
	"$( ((found)) && echo 'memcheck reported errors' || echo 'no memcheck errors')"
((rc == 0 && !found))
