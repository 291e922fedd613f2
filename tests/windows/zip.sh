#!/usr/bin/env bash
# zip.sh: the release zip (contrib/windows/package.sh; issue 14, "a release
# artefact"): build-windows/dbgbridge-VERSION-win64.zip, VERSION configure.ac's,
# holds exactly the expected entries, its text files have CRLF line endings,
# its dbgbridge.exe is the one built, byte for byte, its dbgbridge.ini passes
# `dbgbridge.exe -n -f` under wine, and a second run makes the same zip.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/lib.sh"
need_prog unzip cmp

top=$(cd "$(dirname "$0")/../.." && pwd)
version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$top/configure.ac")
[[ -n $version ]] || fail "no version in configure.ac"
zip=$(dirname "$DBGBRIDGE_EXE")/dbgbridge-$version-win64.zip

# run.sh has built dbgbridge.exe: package that one.
bash "$top/contrib/windows/package.sh" --no-build >"$TMP/package.out" 2>&1 ||
	fail "package.sh failed: $(tail -20 "$TMP/package.out")"
[[ -f $zip ]] || fail "no $zip: $(cat "$TMP/package.out")"
cp -- "$zip" "$TMP/first.zip"

unzip -l "$zip" >"$TMP/list" || fail "unzip -l $zip failed"
# unzip -l: a header of 3 lines, then LENGTH DATE TIME NAME, then a footer.
awk 'NR > 3 && $1 ~ /^[0-9]+$/ && NF >= 4 { print $4 }' "$TMP/list" |
	LC_ALL=C sort >"$TMP/entries"
want=(README-Windows.txt dbgbridge.exe dbgbridge.ini
	doc/dbgbridge.8.html doc/dbgbridge.ini.5.html)
for f in "$top"/examples/*.ini; do want+=("examples/$(basename "$f")"); done
printf '%s\n' "${want[@]}" | LC_ALL=C sort >"$TMP/want"
diff -u "$TMP/want" "$TMP/entries" >"$TMP/entries.diff" ||
	fail "entries differ from those expected: $(cat "$TMP/entries.diff")"
# Sorted in the archive itself, not only by this listing.
awk 'NR > 3 && $1 ~ /^[0-9]+$/ && NF >= 4 { print $4 }' "$TMP/list" >"$TMP/order"
cmp -s "$TMP/order" "$TMP/entries" || fail "entries not sorted: $(cat "$TMP/order")"

mkdir "$TMP/x"
unzip -q "$zip" -d "$TMP/x" || fail "unzip $zip failed"
cmp -- "$DBGBRIDGE_EXE" "$TMP/x/dbgbridge.exe" ||
	fail "dbgbridge.exe in the zip differs from $DBGBRIDGE_EXE"
n=0
while IFS= read -r f; do
	[[ $f == *.exe ]] && continue
	p=$TMP/x/$f
	[[ -s $p ]] || fail "$f is empty"
	bad=$(LC_ALL=C grep -c -v $'\r$' "$p" || true)
	[[ $bad == 0 ]] || fail "$f: $bad lines without CRLF"
	[[ $(tail -c 1 "$p" | od -An -c | tr -d ' ') == '\n' ]] ||
		fail "$f: does not end with a line ending"
	n=$((n + 1))
done <"$TMP/entries"
grep -q '<html' "$TMP/x/doc/dbgbridge.8.html" || fail "dbgbridge.8.html is no HTML"
grep -q 'dbgbridge service install' "$TMP/x/README-Windows.txt" ||
	fail "README-Windows.txt does not describe the service"

# The bundled configuration, as a Windows user would check it.
run_exe ini.out -n -f "$TMP/x/dbgbridge.ini"
[[ $EXE_RC == 0 ]] || fail "dbgbridge.exe -n -f dbgbridge.ini exited $EXE_RC: $(cat "$TMP/ini.out")"
! grep -q 'no meaning' "$TMP/ini.out" || fail "-n: $(cat "$TMP/ini.out")"

# The same tree makes the same zip.
bash "$top/contrib/windows/package.sh" --no-build >"$TMP/package2.out" 2>&1 ||
	fail "package.sh (again) failed: $(tail -20 "$TMP/package2.out")"
cmp -- "$TMP/first.zip" "$zip" || fail "a second run made a different zip"

note "$(basename "$zip"): $(stat -c %s "$zip") bytes, ${#want[@]} entries, $n text files with CRLF; dbgbridge.ini passes -n"
