#!/bin/bash
# contrib/windows/build.sh: build dbgbridge.exe, one static Windows program,
# on a Debian machine (doc/design.md "Building for Windows"; README
# "Windows").
#
#   contrib/windows/build.sh [--no-install] [make targets...]
#
# Installs the mingw-w64 toolchain, wine and the autotools from Debian (with
# sudo when not root; --no-install skips this), builds the libraries with
# contrib/windows/deps.sh (cached: a second run reuses them), copies the
# source tree (git ls-files) into build-windows/ and configures it there with
# --host=x86_64-w64-mingw32, then runs make (default target: dbgbridge.exe;
# tests/windows/run.sh also asks for the unit tests).  Prints the program's
# path and size.  Checks that it needs no DLL beyond the system's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
host=x86_64-w64-mingw32
out=$top/build-windows
say() { echo "build.sh: $*" >&2; }
. "$here/lib.sh"

install=yes
if [[ ${1:-} == --no-install ]]; then
	install=no
	shift
fi
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(dbgbridge.exe)

if [[ $install == yes ]]; then
	deb_install_missing gcc-mingw-w64-x86-64-posix \
		binutils-mingw-w64-x86-64 wine wine64 cmake pkg-config autoconf \
		automake libtool make git
fi

prefix=$("$here/deps.sh")
[[ -e $prefix/.complete ]] || { say "deps.sh did not finish: $prefix"; exit 1; }

# The source tree without build products (as .ci/run's copy_tree), into
# build-windows/: the tree itself may be configured for Linux in place.
cd "$top"
mkdir -p "$out"
while IFS= read -r -d '' f; do
	[[ -e $f || -L $f ]] && printf '%s\0' "$f"
done < <(git ls-files -z --cached --others --exclude-standard) |
	tar --null -T - -cf - | tar -xf - -C "$out"

cd "$out"
# Configure again only when configure.ac or Makefile.am changed.
if [[ ! -e Makefile || ! -e .configured || configure.ac -nt .configured ||
	Makefile.am -nt .configured || $prefix -nt .configured ]]; then
	autoreconf -fi >/dev/null
	./configure --host=$host CC=$host-gcc-posix \
		PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig" \
		PKG_CONFIG='pkg-config --static' LDFLAGS=-static \
		--enable-werror >configure.out 2>&1 ||
		{ tail -30 configure.out; say "configure failed (build-windows/configure.out)"; exit 1; }
	touch .configured
fi
make -j2 "${targets[@]}"

exe=$out/dbgbridge.exe
# One static program: only Windows' own DLLs (KERNEL32, WS2_32, ...).
dlls=$($host-objdump -p "$exe" | sed -n 's/^[[:space:]]*DLL Name: //p' | sort -u)
for d in $dlls; do
	case ${d,,} in
	kernel32.dll|ws2_32.dll|advapi32.dll|user32.dll|crypt32.dll|bcrypt.dll|\
	iphlpapi.dll|msvcrt.dll|gdi32.dll|shell32.dll|ole32.dll|rpcrt4.dll|\
	secur32.dll|ntdll.dll) ;;
	*) say "dbgbridge.exe needs $d, which Windows does not have"; exit 1 ;;
	esac
done
echo "$exe $(stat -c %s "$exe") bytes (DLLs: $(echo $dlls | tr ' ' ','))"
