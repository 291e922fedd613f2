#!/bin/bash
# tests/pkg/deb.sh: build the Debian package from debian/, check it with
# lintian, install it with apt-get, check what it installed, and purge it
# (README.md "Debian package").  Run by .ci/run after the Linux suite, as
# root (or with sudo); never by make check.  It installs the build
# dependencies, builds in a copy of the tree (the checkout stays clean), and
# purges an installed dbgbridge package first, so it may be run again.
# Each step prints how long it took.
set -euo pipefail
shopt -s extglob
cd "$(dirname "$0")/../.."
t=$SECONDS
took() { echo "deb: $1 took $((SECONDS - t)) s"; t=$SECONDS; }
fail() { echo "deb: FAIL: $*" >&2; exit 1; }

sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
apt_get() { $sudo env DEBIAN_FRONTEND=noninteractive apt-get -y "$@"; }

# The package's own processes: any whose program is the installed binary
# (other dbgbridge processes, a test's build of it, are not the package's),
# also after the package's removal deleted it.
pkg_pids() {
	local p
	for p in /proc/[0-9]*; do
		[[ $($sudo readlink "$p/exe" 2>/dev/null) == \
			/usr/bin/dbgbridge?(" (deleted)") ]] &&
			echo "${p#/proc/}"
	done
	return 0
}

if dpkg-query -W -f='${Status}' dbgbridge 2>/dev/null | grep -qv 'not-installed'; then
	$sudo dpkg --purge dbgbridge
	took "purging the dbgbridge package already there"
fi

# copy_tree DIR: the source tree without build products, into DIR (as
# .ci/run does).
copy_tree() {
	local f
	mkdir -p "$1"
	while IFS= read -r -d '' f; do
		if [[ -e $f || -L $f ]]; then
			printf '%s\0' "$f"
		fi
	done < <(git ls-files -z --cached --others --exclude-standard) |
		tar --null -T - -cf - | tar -xf - -C "$1"
}
work=$(mktemp -d "${TMPDIR:-/tmp}/dbgbridge-deb.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
# apt-get reads the .deb as the user _apt.
chmod 0755 "$work"
copy_tree "$work/dbgbridge"
# The source package first, from the clean copy, for lintian.
(cd "$work/dbgbridge" && dpkg-source -b .) >/dev/null

# The tools, then debian/control's Build-Depends.
ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1 || apt_get update
apt_get install --no-install-recommends build-essential lintian
apt_get build-dep --no-install-recommends "$work/dbgbridge"
took "installing the build dependencies"

(cd "$work/dbgbridge" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 ||
	{ tail -n 60 "$work/build.log"; fail "dpkg-buildpackage -us -uc -b"; }
grep -E '^(# )?(PASS|FAIL|ERROR|SKIP|XFAIL|XPASS|# TOTAL)' "$work/build.log" | tail -n 8 || :
deb=$(ls "$work"/dbgbridge_*.deb)
changes=$(ls "$work"/dbgbridge_*.changes)
took "dpkg-buildpackage -us -uc -b (with the unit tests)"

# lintian on the binary package and on the source (debian/ itself: control,
# copyright, rules): an error fails, warnings are printed.
lintian --display-info --fail-on error "$changes" "$work"/dbgbridge_*.dsc ||
	fail "lintian found an error"
took "lintian"

apt_get install "$work/$(basename "$deb")"
took "apt-get install ./$(basename "$deb")"

# The user and group of the unit (User=, Group=), a system account.
id dbgbridge || fail "no user dbgbridge"
getent group dbgbridge >/dev/null || fail "no group dbgbridge"
uid=$(id -u dbgbridge)
((uid < 1000)) || fail "dbgbridge is not a system user (uid $uid)"
# The configuration, a conffile, is the bundled one.
conffiles=$(dpkg-query --showformat='${Conffiles}' -W dbgbridge)
echo "conffiles:$conffiles"
grep -q '^ */etc/dbgbridge/dbgbridge.ini ' <<<"$conffiles" ||
	fail "/etc/dbgbridge/dbgbridge.ini is not a conffile"
cmp config/dbgbridge.ini /etc/dbgbridge/dbgbridge.ini ||
	fail "/etc/dbgbridge/dbgbridge.ini is not config/dbgbridge.ini"
# The unit, with the installed paths; the manual pages; the examples.
unit=/lib/systemd/system/dbgbridge.service
for f in /usr/bin/dbgbridge "$unit" /usr/lib/sysusers.d/dbgbridge.conf \
	/usr/share/man/man8/dbgbridge.8.gz /usr/share/man/man5/dbgbridge.ini.5.gz \
	/usr/share/doc/dbgbridge/examples/dbgbridge.ini \
	/usr/share/doc/dbgbridge/examples/tls-bridge-lab.ini \
	/usr/share/doc/dbgbridge/examples/make-certs.sh; do
	[[ -f $f ]] || fail "$f is missing"
done
grep -qx 'ExecStart=/usr/bin/dbgbridge -f /etc/dbgbridge/dbgbridge.ini' "$unit" ||
	fail "$unit: ExecStart is not the installed paths"
# Nothing enabled, nothing started: no symlink to the unit under
# /etc/systemd/system (what systemctl enable makes; systemctl itself may
# have no systemd to ask in a container), no process of the package.
links=$(find /etc/systemd/system -name 'dbgbridge*' 2>/dev/null) || :
[[ -z $links ]] || fail "the unit is enabled: $links"
[[ -z $(pkg_pids) ]] || fail "dbgbridge runs: pid $(pkg_pids)"
took "checking the installed package"

# The installed configuration checks, with the program's default path
# (-n without -f) as root, and as the service's user, who must read it.
dbgbridge -n >"$work/n.out" || { cat "$work/n.out"; fail "dbgbridge -n as root"; }
head -n 5 "$work/n.out"
if command -v runuser >/dev/null; then
	$sudo runuser -u dbgbridge -- dbgbridge -n -f /etc/dbgbridge/dbgbridge.ini \
		>/dev/null || fail "dbgbridge -n as the user dbgbridge"
fi
took "dbgbridge -n on /etc/dbgbridge/dbgbridge.ini"

# The daemon as the unit runs it, without systemd (a container may have
# none): the user dbgbridge, the installed configuration, a runtime
# directory of the user's with mode 0750 (RuntimeDirectory=,
# RuntimeDirectoryMode=).  It serves when dbgbridge ctl list answers; then
# SIGTERM stops it with status 0.  (No systemd here: setpriv is in
# util-linux, which every Debian system has.)
# setpriv execs the program (runuser would stay its parent, and take the
# signal).
as_user() {
	$sudo setpriv --reuid=dbgbridge --regid=dbgbridge --init-groups \
		env RUNTIME_DIRECTORY="$work/run" "$@"
}
if command -v setpriv >/dev/null; then
	$sudo install -d -o dbgbridge -g dbgbridge -m 0750 "$work/run"
	# Not through as_user: $! would be a subshell's, not the daemon's.
	$sudo setpriv --reuid=dbgbridge --regid=dbgbridge --init-groups \
		env RUNTIME_DIRECTORY="$work/run" \
		dbgbridge -f /etc/dbgbridge/dbgbridge.ini 2>"$work/daemon.log" &
	daemon=$!
	trap 'kill "$daemon" 2>/dev/null; rm -rf -- "$work"' EXIT
	for ((i = 0; i < 100; i++)); do
		as_user dbgbridge ctl list >"$work/list.out" 2>/dev/null && break
		kill -0 "$daemon" 2>/dev/null ||
			{ cat "$work/daemon.log"; fail "the daemon exited"; }
		sleep 0.1
	done
	((i < 100)) || { cat "$work/daemon.log"; fail "no answer to dbgbridge ctl list in 10 s"; }
	kill -TERM "$daemon"
	rc=0
	wait "$daemon" || rc=$?
	trap 'rm -rf -- "$work"' EXIT
	cat "$work/daemon.log"
	((rc == 0)) || fail "the daemon exited with status $rc after SIGTERM"
	took "running the daemon as the user dbgbridge"
fi

files=$(dpkg -L dbgbridge | sort -r)
$sudo dpkg --purge dbgbridge
# Nothing left: the package's record, its configuration, and its files (a
# directory may stay when another package shares it).  The user stays:
# Debian removes no system user on purge, since files it owns may remain
# (README.md "Debian package").
status=$(dpkg-query -W -f='${Status}' dbgbridge 2>/dev/null) || :
[[ -z $status || $status == *not-installed ]] ||
	fail "dpkg still knows dbgbridge: $status"
if dpkg -L dbgbridge >/dev/null 2>&1; then
	fail "dpkg -L still lists files"
fi
[[ ! -e /etc/dbgbridge ]] || fail "/etc/dbgbridge is left"
left=""
while IFS= read -r f; do
	if [[ -e $f && ! -d $f ]]; then
		left+=" $f"
	fi
done <<<"$files"
[[ -z $left ]] || fail "left after purge:$left"
[[ -z $(pkg_pids) ]] || fail "dbgbridge runs after purge: pid $(pkg_pids)"
# dh_installsystemd's record of the unit (deb-systemd-helper) is gone too.
state=$(find /var/lib/systemd/deb-systemd-helper-enabled \
	/var/lib/systemd/deb-systemd-helper-masked /etc/systemd/system \
	-name 'dbgbridge*' 2>/dev/null) || :
[[ -z $state ]] || fail "left after purge: $state"
took "dpkg --purge dbgbridge"
echo "deb: ok"
