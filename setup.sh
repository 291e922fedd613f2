#!/bin/sh
# setup.sh: set dbgbridge up on a fresh Debian machine and start it.
#
#   ./setup.sh             install the Debian packages, build, and run
#                          dbgbridge on the bundled config/dbgbridge.ini
#   ./setup.sh --no-start  the same without starting it (CI)
#
# Needs root or sudo for apt-get.
set -eu
cd "$(dirname "$0")"

start=yes
case "${1:-}" in
--no-start) start=no ;;
"") ;;
*) echo "usage: ./setup.sh [--no-start]" >&2; exit 2 ;;
esac

sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
# Build: compiler, autotools, libraries.  Tests: cmocka and the real programs
# the end-to-end tests drive (gdb, gdbserver, socat, openssl, ss from iproute2).
packages="build-essential autoconf automake libtool pkg-config \
libssl-dev libevent-dev libinih-dev libcmocka-dev \
gdb gdbserver socat openssl iproute2 procps"
$sudo apt-get update
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y \
	--no-install-recommends $packages

autoreconf -fi
./configure --enable-werror
make -j"$(nproc)"

[ "$start" = yes ] || exit 0
echo "dbgbridge: starting on config/dbgbridge.ini (Ctrl-C to stop)"
exec ./dbgbridge -f config/dbgbridge.ini
