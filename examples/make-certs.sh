#!/bin/sh
# make-certs.sh: make the certificates a configuration names, so that
# `dbgbridge -n -f FILE` passes straight away.
#
#   examples/make-certs.sh FILE.ini
#
# For a first look and for tests: each certificate is self-signed, ECDSA
# P-256, valid for 30 days.  For real use, make or import your own (README,
# "TLS").  A file that exists already is never touched.
#
#   - certuser=NAME / machuser=NAME on a serve line: NAME.pem in the store
#     ([tls] user_store / machine_store of FILE, else the defaults) holding the
#     certificate and its private key, mode 0600;
#   - the same on a connect line only (the side that pins): the certificate
#     alone, mode 0644.  Replace it with a copy of the serving side's
#     certificate (its NAME.pem without the key), or the pin will not match;
#   - certuser= / machuser= with a '/': that path, as above;
#   - ca = / client_ca = PATH: a CA certificate at PATH.
#
# Prints each file it makes with the SHA-1 thumbprint a smart client names
# (dbgbridge -n prints the same).  Needs openssl(1).  Exit 0, or 1 with a
# message.
set -eu

usage() {
	echo "usage: $0 FILE.ini" >&2
	exit 2
}
[ $# -eq 1 ] || usage
ini=$1
[ -r "$ini" ] || { echo "make-certs: cannot read $ini" >&2; exit 1; }
command -v openssl >/dev/null 2>&1 ||
	{ echo "make-certs: needs openssl (apt-get install openssl)" >&2; exit 1; }
umask 077

# value KEY: the last uncommented `KEY = value` of FILE, or nothing.
value() {
	sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\\([^;]*[^;[:space:]]\\).*/\\1/p" "$ini" |
		tail -n 1
}

machine_store=$(value machine_store)
user_store=$(value user_store)
[ -n "$machine_store" ] || machine_store=/etc/dbgbridge/certs
[ -n "$user_store" ] || user_store=${XDG_CONFIG_HOME:-$HOME/.config}/dbgbridge/certs

# self_signed CN OUT_CERT OUT_KEY [ca]: a new key and certificate.
self_signed() {
	if [ "${4:-}" = ca ]; then
		ext="basicConstraints=critical,CA:TRUE"
	else
		ext="extendedKeyUsage=serverAuth,clientAuth"
	fi
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -days 30 -subj "/CN=$1" -addext "$ext" \
		-addext "subjectAltName=DNS:$1,DNS:localhost,IP:127.0.0.1" \
		-keyout "$3" -out "$2" 2>/dev/null ||
		{ echo "make-certs: openssl could not make a certificate for $1" >&2; exit 1; }
}

thumb() {
	openssl x509 -in "$1" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' |
		tr 'A-F' 'a-f'
}

# make_file PATH CN with_key|cert_only|ca
make_file() {
	if [ -e "$1" ]; then
		echo "kept     $1 (it exists)"
		return
	fi
	mkdir -p "$(dirname "$1")"
	tmp=$(mktemp -d)
	self_signed "$2" "$tmp/crt" "$tmp/key" "$([ "$3" = ca ] && echo ca)"
	case $3 in
	with_key)
		cat "$tmp/crt" "$tmp/key" >"$1"
		chmod 600 "$1"
		what="certificate and key, mode 0600" ;;
	cert_only)
		cat "$tmp/crt" >"$1"
		chmod 644 "$1"
		what="certificate only: replace it with the serving side's" ;;
	ca)
		cat "$tmp/crt" >"$1"
		chmod 644 "$1"
		what="CA certificate" ;;
	esac
	rm -rf "$tmp"
	echo "made     $1 ($what; SHA-1 $(thumb "$1"))"
}

# certs SIDE: "KEY NAME" for every certuser= / machuser= on SIDE's lines.
certs() {
	grep -E "^[[:space:]]*$1[[:space:]]*=" "$ini" |
		grep -o -E '(certuser|machuser)=[^,}]+' | sed 's/=/ /' | sort -u
}

# path KEY NAME: where the store keeps NAME.
path() {
	case $2 in
	*/*) echo "$2" ;;
	*) if [ "$1" = machuser ]; then echo "$machine_store/$2.pem"
	   else echo "$user_store/$2.pem"; fi ;;
	esac
}

served=$(certs serve)
echo "$served" | while read -r key name; do
	[ -n "$name" ] || continue
	make_file "$(path "$key" "$name")" "$(basename "$name" .pem)" with_key
done
certs connect | while read -r key name; do
	[ -n "$name" ] || continue
	make_file "$(path "$key" "$name")" "$(basename "$name" .pem)" cert_only
done
for key in ca client_ca; do
	p=$(value "$key")
	[ -z "$p" ] || make_file "$p" "dbgbridge example CA" ca
done
