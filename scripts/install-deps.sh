#!/bin/sh
# install-deps.sh - install the Debian packages smtpscope needs to build and test.
# Installs only what is missing; needs root (or sudo) when something is missing.
set -eu
PKGS="build-essential pkg-config libncurses-dev libssl-dev libc-ares-dev libpcap-dev
libcmocka-dev tmux openssl knot"
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
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y --no-install-recommends $missing; then
	$SUDO apt-get update
	$SUDO apt-get install -y --no-install-recommends $missing
fi
