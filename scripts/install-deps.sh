#!/bin/sh
# install-deps.sh - install the Debian packages smtpscope needs to build and test.
# Installs only what is missing; needs root (or sudo) when something is missing.
set -eu
# build: compiler, pkg-config and the four libraries, mimalloc (a faster malloc
# for capture decoding; optional, used when installed); tests: cmocka (unit tests),
# jansson (the fuzz targets read back the JSON they make),
# tmux (drives the UI), openssl (test certificates), knot (authoritative DNS for
# the DNS tests), postfix and python3-aiosmtpd (real mail servers on loopback),
# swaks (a real SMTP client as a peer).
PKGS="build-essential pkg-config libncurses-dev libssl-dev libc-ares-dev libpcap-dev
libmimalloc-dev libcmocka-dev libjansson-dev tmux openssl knot postfix python3-aiosmtpd swaks libnet-ssleay-perl
libio-socket-inet6-perl"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
echo "smtpscope: installing missing packages:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "smtpscope: these Debian packages are missing:$missing" >&2
		echo "smtpscope: run 'make test' as root, or install them with apt-get first." >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
# Postfix must not configure or start a system-wide instance: the tests run
# their own instances in private directories.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y --no-install-recommends $missing; then
	$SUDO apt-get update
	$SUDO apt-get install -y --no-install-recommends $missing
fi
