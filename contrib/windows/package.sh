#!/bin/bash
# contrib/windows/package.sh: the release zip for Windows (issue 14, "a
# release artefact"; README "Windows").
#
#   contrib/windows/package.sh [--no-build] [--no-install]
#
# Builds build-windows/dbgbridge.exe with contrib/windows/build.sh (unless
# --no-build: then it must exist), and makes
# build-windows/dbgbridge-VERSION-win64.zip, VERSION being configure.ac's
# AC_INIT version, holding at its top level:
#
#   dbgbridge.exe            as built, byte for byte
#   dbgbridge.ini            contrib/windows/dbgbridge.ini: the commented
#                            default for %ProgramData%\dbgbridge (no Unix-only
#                            keys, so dbgbridge -n passes on it)
#   examples/*.ini           the examples; not make-certs.sh, a POSIX shell
#                            script that makes PEM files with openssl(1),
#                            where Windows imports certificates into its
#                            stores with certutil (README-Windows.txt)
#   doc/dbgbridge.8.html, doc/dbgbridge.ini.5.html
#                            the manual pages, by mandoc -Thtml
#   README-Windows.txt       contrib/windows/README-Windows.txt
#
# Every file but the .exe gets CRLF line endings (Notepad's, and what a
# Windows user expects of a .txt or .ini).  The zip is reproducible from the
# same tree: entries sorted, no extra attributes (zip -X), no directory
# entries (-D), every time stamp the last commit's (or SOURCE_DATE_EPOCH).
# Installs mandoc and zip from Debian when missing (with sudo when not root;
# --no-install skips this).  Prints the zip's path and size.  Exit 0, or
# non-zero with a message.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$top/build-windows
say() { echo "package.sh: $*" >&2; }
. "$here/lib.sh"

build=yes install=yes
while [[ $# -gt 0 ]]; do
	case $1 in
	--no-build) build=no ;;
	--no-install) install=no ;;
	*) echo "usage: $0 [--no-build] [--no-install]" >&2; exit 2 ;;
	esac
	shift
done

if [[ $install == yes ]]; then
	deb_install_missing mandoc zip
fi

if [[ $build == yes ]]; then
	if [[ $install == yes ]]; then
		"$here/build.sh" dbgbridge.exe >&2
	else
		"$here/build.sh" --no-install dbgbridge.exe >&2
	fi
fi
exe=$out/dbgbridge.exe
[[ -f $exe ]] || { say "no $exe: run contrib/windows/build.sh"; exit 1; }

# AC_INIT([dbgbridge], [VERSION], ...)
version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$top/configure.ac")
[[ -n $version ]] || { say "no version in configure.ac's AC_INIT"; exit 1; }
zipname=dbgbridge-$version-win64.zip
zip=$out/$zipname

stage=$out/package
rm -rf -- "$stage"
mkdir -p "$stage/examples" "$stage/doc"

# LF (or CRLF already) to CRLF.
crlf() {	# SRC DST
	sed -e 's/\r$//' -e 's/$/\r/' "$1" >"$2"
}

cp -- "$exe" "$stage/dbgbridge.exe"
crlf "$here/dbgbridge.ini" "$stage/dbgbridge.ini"
crlf "$here/README-Windows.txt" "$stage/README-Windows.txt"
for f in "$top"/examples/*.ini; do
	crlf "$f" "$stage/examples/$(basename "$f")"
done
for m in dbgbridge.8 dbgbridge.ini.5; do
	mandoc -Thtml -Ios=dbgbridge-$version "$top/doc/$m" >"$stage/doc/$m.html.lf" ||
		{ say "mandoc failed on doc/$m"; exit 1; }
	crlf "$stage/doc/$m.html.lf" "$stage/doc/$m.html"
	rm -f -- "$stage/doc/$m.html.lf"
done

# One time stamp for every entry, so the same tree makes the same zip.
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct 2>/dev/null || echo 0)}
[[ $epoch -ge 315532800 ]] || epoch=315532800	# zip's DOS time starts in 1980
find "$stage" -exec touch -h -d "@$epoch" {} +
chmod -R u=rwX,go=rX "$stage"

rm -f -- "$zip"
(cd "$stage" && find . -type f -printf '%P\n' | LC_ALL=C sort |
	TZ=UTC zip -X -D -q "$zip" -@) || { say "zip failed"; exit 1; }
echo "$zip $(stat -c %s "$zip") bytes"
