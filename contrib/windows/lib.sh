# contrib/windows/lib.sh: what contrib/windows/build.sh and package.sh share;
# bash, sourced by both, not run.
# shellcheck shell=bash

# deb_install_missing PACKAGE...: install with apt-get those of the Debian
# packages that are not installed yet (dpkg-query), without their
# recommends, through sudo when not root; nothing when all are.  Names them
# with the caller's say().  A failed apt-get fails the caller (set -e).
deb_install_missing() {
	local sudo="" p
	local missing=()

	[[ $(id -u) -eq 0 ]] || sudo=sudo
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[[ ${#missing[@]} -gt 0 ]] || return 0
	say "installing ${missing[*]}"
	$sudo apt-get update
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y \
		--no-install-recommends "${missing[@]}"
}
