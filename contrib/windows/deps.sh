#!/bin/bash
# contrib/windows/deps.sh: build the libraries dbgbridge.exe links (OpenSSL 3,
# libevent 2.1 with libevent_openssl, inih, cmocka) for x86_64-w64-mingw32,
# static, from Debian's own source packages, into a cached prefix
# (doc/design.md "Platforms", "Building for Windows").
#
#   contrib/windows/deps.sh        print the prefix, building it if needed
#
# The prefix is $DBGBRIDGE_WIN_CACHE/<key> (default cache:
# ${XDG_CACHE_HOME:-$HOME/.cache}/dbgbridge-windows), where <key> names the
# four source versions: a second run with the same versions builds nothing,
# and a Debian update of any of them builds a new prefix.  The sources come
# through apt with a private sources list and state folder (deb-src twins of
# the machine's Debian entries), so the machine's apt configuration is not
# touched; only the upstream tarballs are used, checked against the hashes
# apt gives.  Needs the mingw-w64 toolchain and cmake (contrib/windows/build.sh
# installs them).  Output: the prefix's path on stdout, progress on stderr.
set -euo pipefail

host=x86_64-w64-mingw32
cc=${CC_WIN:-$host-gcc-posix}
cache=${DBGBRIDGE_WIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dbgbridge-windows}
jobs=$(nproc 2>/dev/null || echo 2)
here=$(cd "$(dirname "$0")" && pwd)
say() { echo "deps: $*" >&2; }

command -v "$cc" >/dev/null || { say "$cc not found: install gcc-mingw-w64-x86-64-posix"; exit 1; }
mkdir -p "$cache"

# --- a private apt view with deb-src entries -------------------------------
apt_dir=$cache/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
src_list=$apt_dir/sources.list
: >"$src_list.new"
# One-line entries of /etc/apt/sources.list ("deb URI SUITE COMPONENTS").
if [[ -r /etc/apt/sources.list ]]; then
	sed -n 's/^[[:space:]]*deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\(http[^[:space:]]*debian[^[:space:]]*\)/deb-src \1\2/p' \
		/etc/apt/sources.list >>"$src_list.new"
fi
# deb822 entries of /etc/apt/sources.list.d/*.sources that point at Debian.
for f in /etc/apt/sources.list.d/*.sources; do
	[[ -r $f ]] || continue
	awk '
	function flush() {
		if (uris ~ /debian/ && types ~ /(^|[[:space:]])deb($|[[:space:]])/)
			for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++)
				printf "deb-src %s%s %s %s\n", opts, u[i], s[j], comps
		types = uris = comps = opts = ""; nu = ns = 0
	}
	/^[[:space:]]*$/ { flush(); next }
	/^#/ { next }
	/^Types:/ { types = $0; sub(/^Types:[[:space:]]*/, "", types) }
	/^URIs:/ { uris = $0; sub(/^URIs:[[:space:]]*/, "", uris); nu = split(uris, u) }
	/^Suites:/ { x = $0; sub(/^Suites:[[:space:]]*/, "", x); ns = split(x, s) }
	/^Components:/ { comps = $0; sub(/^Components:[[:space:]]*/, "", comps) }
	/^Signed-By:/ { x = $0; sub(/^Signed-By:[[:space:]]*/, "", x); opts = "[signed-by=" x "] " }
	END { flush() }' "$f" >>"$src_list.new"
done
[[ -s $src_list.new ]] || { say "no Debian entry in /etc/apt/sources.list*: cannot find the source packages"; exit 1; }
if cmp -s "$src_list.new" "$src_list"; then rm "$src_list.new"; else mv "$src_list.new" "$src_list"; fi
apt_opts=(-o "Dir::Etc::SourceList=$src_list" -o "Dir::Etc::SourceParts=-"
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache::Archives=$apt_dir/archives"
	-o "Debug::NoLocking=1" -o "APT::Sandbox::User=$(id -un)")

# Refresh the source index at most once a day.
stamp=$apt_dir/updated
if [[ ! -e $stamp || -n $(find "$stamp" -mmin +1440) || $src_list -nt $stamp ]]; then
	say "apt-get update (private source index in $apt_dir)"
	apt-get "${apt_opts[@]}" -qq update >&2
	touch "$stamp"
fi

# src_version PKG: the candidate version of source package PKG.
src_version() {
	apt-cache "${apt_opts[@]}" showsrc "$1" 2>/dev/null |
		awk '/^Version:/ { print $2 }' | sort -V | tail -1
}

# fetch_orig PKG VERSION: the upstream tarball of PKG at VERSION, checked
# against the hash in the source index; prints its path.  Where the mirror
# lacks it (libinih_55.orig.tar.gz was seen missing), the copy kept in
# contrib/windows/src/ is used, and only when it has the index's hash: it is
# then the same file, byte for byte.
fetch_orig() {
	local pkg=$1 ver=$2 line uri name hash kept
	line=$(apt-get "${apt_opts[@]}" -qq --print-uris source "$pkg=$ver" 2>/dev/null |
		awk '$1 ~ /\.orig\.tar\.[a-z0-9]+'"'"'$/ && !n++')
	[[ -n $line ]] || { say "$pkg $ver: no upstream tarball in the source index"; return 1; }
	uri=$(echo "$line" | awk '{ gsub(/'\''/, "", $1); print $1 }')
	name=$(echo "$line" | awk '{ print $2 }')
	hash=$(echo "$line" | awk '{ print $4 }')
	mkdir -p "$cache/src"
	if [[ ! -s $cache/src/$name ]]; then
		say "downloading $name"
		if /usr/lib/apt/apt-helper download-file "$uri" "$cache/src/$name.part" "$hash" >>"$cache/src/download.log" 2>&1; then
			mv "$cache/src/$name.part" "$cache/src/$name"
		else
			rm -f "$cache/src/$name.part"
			kept=$here/src/$name
			if [[ -s $kept && ${hash%%:*} == SHA256 &&
			    $(sha256sum <"$kept" | cut -d' ' -f1) == "${hash#SHA256:}" ]]; then
				say "$uri: not on the mirror; using $kept (same $hash)"
				cp "$kept" "$cache/src/$name"
			else
				say "$uri: download failed (see $cache/src/download.log), and no copy with $hash in $here/src"
				return 1
			fi
		fi
	fi
	echo "$cache/src/$name"
}

v_ssl=$(src_version openssl)
v_event=$(src_version libevent)
v_inih=$(src_version libinih)
v_cmocka=$(src_version cmocka)
for v in "$v_ssl" "$v_event" "$v_inih" "$v_cmocka"; do
	[[ -n $v ]] || { say "a source package was not found in $src_list (openssl '$v_ssl', libevent '$v_event', libinih '$v_inih', cmocka '$v_cmocka')"; exit 1; }
done
key="$host-openssl_$v_ssl-libevent_$v_event-inih_$v_inih-cmocka_$v_cmocka"
key=${key//[^A-Za-z0-9._+-]/_}
prefix=$cache/$key
if [[ -e $prefix/.complete ]]; then
	say "cached: $prefix"
	echo "$prefix"
	exit 0
fi

say "building $key"
rm -rf "$prefix" "$prefix.build"
build=$prefix.build
mkdir -p "$build" "$prefix"
log=$build/log
: >"$log"
trap 'rm -rf -- "$build"' EXIT
t0=$SECONDS

# unpack PKG VERSION: its upstream tarball into $build; sets $d to the top
# directory.  Build output goes to $build/log, shown when a step fails.
unpack() {
	local tarball top
	tarball=$(fetch_orig "$1" "$2")
	top=$(tar -tf "$tarball" | awk -F/ 'NR == 1 { print $1 }')
	tar -xf "$tarball" -C "$build"
	d=$build/$top
	say "$1 $2"
}
log=/dev/null
failed() { say "failed; the last lines of $log:"; tail -40 "$log" >&2; exit 1; }

# OpenSSL 3.0: libraries and headers only (no-shared: one static .exe).
unpack openssl "$v_ssl"
(cd "$d" && ./Configure mingw64 --cross-compile-prefix="$host-" CC=gcc-posix \
	no-shared no-tests --prefix="$prefix" --libdir=lib >>"$log" 2>&1 &&
	make -j"$jobs" build_libs >>"$log" 2>&1 && make install_dev >>"$log" 2>&1) || failed

# libevent 2.1: core and libevent_openssl, static.
unpack libevent "$v_event"
(cd "$d" && ./configure --host="$host" CC="$cc" --prefix="$prefix" \
	--disable-shared --enable-static --disable-samples \
	--disable-libevent-regress --disable-debug-mode \
	CPPFLAGS="-I$prefix/include" LDFLAGS="-L$prefix/lib" \
	PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig" >>"$log" 2>&1 &&
	make -j"$jobs" >>"$log" 2>&1 && make install >>"$log" 2>&1) || failed

# inih: one file; the same compile-time defaults as Debian's build (meson's
# defaults), and a pkg-config file as libinih-dev has.
unpack libinih "$v_inih"
(cd "$d" && "$cc" -O2 -c ini.c -o ini.o && "$host-ar" rcs libinih.a ini.o &&
	install -m 644 ini.h "$prefix/include/" &&
	install -m 644 libinih.a "$prefix/lib/") || failed
cat >"$prefix/lib/pkgconfig/inih.pc" <<EOF
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: inih
Description: simple .INI file parser
Version: ${v_inih%%-*}
Libs: -L\${libdir} -linih
Cflags: -I\${includedir}
EOF

# cmocka (for the unit tests built for Windows), static.
unpack cmocka "$v_cmocka"
cat >"$build/toolchain.cmake" <<EOF
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_C_COMPILER $cc)
set(CMAKE_RC_COMPILER $host-windres)
set(CMAKE_FIND_ROOT_PATH $prefix)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
EOF
(mkdir -p "$d/build" && cd "$d/build" &&
	cmake .. -DCMAKE_TOOLCHAIN_FILE="$build/toolchain.cmake" \
		-DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib \
		-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
		-DWITH_STATIC_LIB=ON -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF >>"$log" 2>&1 &&
	make -j"$jobs" >>"$log" 2>&1 && make install >>"$log" 2>&1) || failed
# cmocka's static library is libcmocka-static.a in 1.1.x; the pkg-config
# file names -lcmocka.
if [[ -e $prefix/lib/libcmocka-static.a && ! -e $prefix/lib/libcmocka.a ]]; then
	cp "$prefix/lib/libcmocka-static.a" "$prefix/lib/libcmocka.a"
fi

touch "$prefix/.complete"
say "built $key in $((SECONDS - t0)) s"
echo "$prefix"
