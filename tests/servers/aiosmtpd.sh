#!/bin/sh
# aiosmtpd.sh - start/stop the AUTH-capable aiosmtpd test server on loopback (RFC 5321, RFC 4954).
#
#   aiosmtpd.sh start DIR PORT USER PASSWORD [--require-auth] [--host 127.0.0.1|::1]
#   aiosmtpd.sh stop DIR
#
# start runs aiosmtpd_auth.py with /usr/bin/python3 in the background (log in
# DIR/log, pid in DIR/pid, messages in DIR/mail/NNNN.eml + NNNN.env) and returns
# once it printed "ready" and PORT greets, within 10 s. Needs Debian's
# python3-aiosmtpd; root is not needed.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
WAIT=10

die() {
	echo "aiosmtpd.sh: $*" >&2
	exit 1
}

usage() {
	die "usage: aiosmtpd.sh start DIR PORT USER PASSWORD [--require-auth] [--host H] | stop DIR"
}

alive() {
	[ -f "$1/pid" ] && kill -0 "$(cat "$1/pid")" 2>/dev/null
}

do_start() {
	[ $# -ge 4 ] || usage
	dir=$1 port=$2 user=$3 pass=$4
	shift 4
	host=127.0.0.1
	extra=""
	while [ $# -gt 0 ]; do
		case "$1" in
		--require-auth) extra="--require-auth"; shift ;;
		--host) [ $# -ge 2 ] || usage; host=$2; shift 2 ;;
		*) usage ;;
		esac
	done
	"$PY" -c 'import aiosmtpd' 2>/dev/null || die "Debian package python3-aiosmtpd is not installed"
	mkdir -p "$dir/mail"
	alive "$dir" && die "a server is already running in $dir"
	# shellcheck disable=SC2086
	"$PY" "$HERE/aiosmtpd_auth.py" --host "$host" --port "$port" --user "$user" \
		--password "$pass" --maildir "$dir/mail" $extra >"$dir/log" 2>&1 </dev/null &
	echo $! >"$dir/pid"
	i=0
	while ! grep -qx ready "$dir/log" 2>/dev/null; do
		if ! alive "$dir" || [ $i -ge $((WAIT * 10)) ]; then
			cat "$dir/log" >&2
			do_stop "$dir"
			die "aiosmtpd did not become ready on $host port $port"
		fi
		sleep 0.1
		i=$((i + 1))
	done
	"$PY" "$HERE/netutil.py" wait-banner "$host" "$port" "$WAIT" || {
		do_stop "$dir"
		die "aiosmtpd on $host port $port did not greet"
	}
}

do_stop() {
	[ $# -eq 1 ] || usage
	[ -f "$1/pid" ] || return 0
	pid=$(cat "$1/pid")
	kill -TERM "$pid" 2>/dev/null || true
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$1/pid"
}

cmd=${1:-}
[ -n "$cmd" ] || usage
shift
case "$cmd" in
start) do_start "$@" ;;
stop) do_stop "$@" ;;
*) usage ;;
esac
