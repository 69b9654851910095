#!/bin/sh
# postfix.sh - run a private Postfix instance on loopback for tests (RFC 5321, 3207 STARTTLS, 8314, 2920, 3030, 1870).
#
#   postfix.sh start DIR PORT [--tls-port PORT2] [--size BYTES] [--no-starttls]
#   postfix.sh stop DIR
#
# start builds a whole instance under DIR (conf/, queue/, data/, mail/, maillog),
# never touching /etc/postfix's own instance, and returns once PORT greets (bounded).
# Server:      mx.test, listening on 127.0.0.1:PORT and [::1]:PORT (when ::1 exists)
# Mailboxes:   alice@example.test -> DIR/mail/alice, bob@example.test -> DIR/mail/bob
#              (mbox files); any other @example.test user, e.g. nobody@example.test,
#              is refused at RCPT with 550 5.1.1.
# TLS:         STARTTLS offered (optional) with a certificate made at start;
#              --tls-port adds implicit TLS (smtpd_tls_wrappermode) on 127.0.0.1:PORT2.
# Limits:      SIZE / message_size_limit = BYTES (default 10240000).
# Nothing leaves the machine: no DNS, no relayhost, every other destination bounces
# locally through the error transport.
# Needs root and Debian's postfix and openssl packages. The mailbox files are
# written as nobody, so DIR must be reachable by that user: parent directories
# below ${TMPDIR:-/tmp} that lack the search bit get o+x; others are an error.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
NETUTIL="$HERE/netutil.py"
VUID=65534
START_WAIT=10

die() {
	echo "postfix.sh: $*" >&2
	exit 1
}

usage() {
	die "usage: postfix.sh start DIR PORT [--tls-port PORT2] [--size BYTES] [--no-starttls] | stop DIR"
}

abs_dir() {
	mkdir -p "$1"
	(cd "$1" && pwd -P)
}

# Give other users the search bit on DIR's ancestors below the temp root, so the
# virtual delivery agent (running as nobody) can reach DIR/mail.
open_path() {
	dir=$1
	troot=$(cd "${TMPDIR:-/tmp}" && pwd -P)
	d=$dir
	while [ "$d" != "/" ]; do
		if ! setpriv --reuid=$VUID --regid=$VUID --clear-groups test -x "$d" 2>/dev/null; then
			case "$d" in
			"$troot"/*) chmod o+x "$d" ;;
			*) die "$d is not searchable by uid $VUID; put DIR under ${TMPDIR:-/tmp}" ;;
			esac
		fi
		d=$(dirname "$d")
	done
}

write_main_cf() {
	cat >"$CONF/main.cf" <<EOF
# Test instance made by tests/servers/postfix.sh; not the system's Postfix.
compatibility_level = 3.6
queue_directory = $DIR/queue
data_directory = $DIR/data
mail_owner = postfix
maillog_file = $DIR/maillog
maillog_file_prefixes = $DIR
myhostname = mx.test
mydomain = test
myorigin = \$myhostname
mydestination =
smtpd_banner = \$myhostname ESMTP Postfix
inet_interfaces = loopback-only
inet_protocols = $PROTOCOLS
mynetworks = 127.0.0.0/8 [::1]/128
relayhost =
relay_domains =
default_transport = error:outside delivery is disabled in this test instance
relay_transport = error:relaying is disabled in this test instance
local_transport = error:local delivery is disabled in this test instance
alias_maps =
alias_database =
biff = no
append_dot_mydomain = no
smtp_dns_support_level = disabled
smtp_host_lookup = native
lmtp_host_lookup = native
smtpd_peername_lookup = no
smtpd_error_sleep_time = 0
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
virtual_mailbox_domains = example.test
virtual_mailbox_base = $DIR/mail
virtual_mailbox_maps = texthash:$CONF/vmailbox
virtual_uid_maps = static:$VUID
virtual_gid_maps = static:$VUID
virtual_mailbox_limit = 0
message_size_limit = $SIZE
smtpd_tls_cert_file = $CONF/cert.pem
smtpd_tls_key_file = $CONF/key.pem
smtpd_tls_security_level = $TLSLEVEL
smtpd_tls_session_cache_database =
smtpd_tls_received_header = no
smtpd_tls_loglevel = 0
EOF
}

write_master_cf() {
	{
		echo "127.0.0.1:$PORT inet n - n - - smtpd"
		[ "$PROTOCOLS" = all ] && echo "[::1]:$PORT inet n - n - - smtpd"
		if [ -n "$TLSPORT" ]; then
			echo "127.0.0.1:$TLSPORT inet n - n - - smtpd"
			echo "  -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt"
		fi
		cat <<'EOF'
pickup    unix  n - n 60    1 pickup
cleanup   unix  n - n -     0 cleanup
qmgr      unix  n - n 300   1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -     - trivial-rewrite
bounce    unix  - - n -     0 bounce
defer     unix  - - n -     0 bounce
trace     unix  - - n -     0 bounce
verify    unix  - - n -     1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -     - proxymap
proxywrite unix - - n -     1 proxymap
smtp      unix  - - n -     - smtp
relay     unix  - - n -     - smtp
showq     unix  n - n -     - showq
error     unix  - - n -     - error
retry     unix  - - n -     - error
discard   unix  - - n -     - discard
local     unix  - n n -     - local
virtual   unix  - n n -     - virtual
lmtp      unix  - - n -     - lmtp
anvil     unix  - - n -     1 anvil
scache    unix  - - n -     1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
	} >"$CONF/master.cf"
}

make_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$CONF/key.pem" -out "$CONF/cert.pem" -days 30 \
		-subj "/CN=mx.test" -addext "subjectAltName=DNS:mx.test" >/dev/null 2>&1 ||
		die "openssl could not make the test certificate"
	chmod 600 "$CONF/key.pem"
}

# Pids of processes belonging to the instance whose config directory is $1:
# Postfix hands MAIL_CONFIG to the master and every daemon it spawns.
instance_pids() {
	want="MAIL_CONFIG=$1"
	for e in /proc/[0-9]*/environ; do
		p=${e#/proc/}
		p=${p%/environ}
		[ "$p" = "$$" ] && continue
		if grep -qszxF "$want" "$e" 2>/dev/null; then
			echo "$p"
		fi
	done
}

do_start() {
	[ $# -ge 2 ] || usage
	DIR=$(abs_dir "$1")
	PORT=$2
	shift 2
	TLSPORT=""
	SIZE=10240000
	TLSLEVEL=may
	while [ $# -gt 0 ]; do
		case "$1" in
		--tls-port) [ $# -ge 2 ] || usage; TLSPORT=$2; shift 2 ;;
		--size) [ $# -ge 2 ] || usage; SIZE=$2; shift 2 ;;
		--no-starttls) TLSLEVEL=none; shift ;;
		*) usage ;;
		esac
	done
	[ "$(id -u)" -eq 0 ] || die "needs root (Postfix's master runs as root)"
	command -v postfix >/dev/null 2>&1 || die "Debian package postfix is not installed"
	command -v openssl >/dev/null 2>&1 || die "Debian package openssl is not installed"
	CONF=$DIR/conf
	if [ -f "$DIR/queue/pid/master.pid" ] && [ -n "$(instance_pids "$CONF")" ]; then
		die "an instance is already running in $DIR"
	fi
	# Postfix's master binds with SO_REUSEPORT, so a second instance on a busy
	# port would quietly share it: refuse instead.
	# shellcheck disable=SC2086
	"$PY" "$NETUTIL" port-free "$PORT" $TLSPORT || die "port $PORT${TLSPORT:+ or $TLSPORT} is in use"
	PROTOCOLS=ipv4
	"$PY" "$NETUTIL" has-ipv6 && PROTOCOLS=all
	mkdir -p "$CONF" "$DIR/queue" "$DIR/data" "$DIR/mail"
	chmod 755 "$DIR" "$CONF" "$DIR/queue"
	chown postfix:postfix "$DIR/data"
	chown "$VUID:$VUID" "$DIR/mail"
	chmod 755 "$DIR/mail"
	open_path "$DIR"
	printf 'alice@example.test alice\nbob@example.test bob\n' >"$CONF/vmailbox"
	make_cert
	write_main_cf
	write_master_cf
	printf 'PORT=%s\nTLSPORT=%s\nSIZE=%s\n' "$PORT" "$TLSPORT" "$SIZE" >"$DIR/instance.env"
	if ! timeout 30 postfix -c "$CONF" start >"$DIR/start.log" 2>&1; then
		cat "$DIR/start.log" >&2
		do_stop "$DIR" >/dev/null 2>&1 || true
		die "postfix did not start in $DIR (see above and $DIR/maillog)"
	fi
	ok=1
	"$PY" "$NETUTIL" wait-banner 127.0.0.1 "$PORT" "$START_WAIT" || ok=0
	if [ $ok -eq 1 ] && [ -n "$TLSPORT" ]; then
		"$PY" "$NETUTIL" wait-banner 127.0.0.1 "$TLSPORT" "$START_WAIT" --tls || ok=0
	fi
	if [ $ok -eq 0 ]; then
		tail -n 20 "$DIR/maillog" >&2 2>/dev/null || true
		do_stop "$DIR" >/dev/null 2>&1 || true
		die "postfix in $DIR did not greet in time"
	fi
}

do_stop() {
	[ $# -eq 1 ] || usage
	[ -d "$1" ] || return 0
	DIR=$(cd "$1" && pwd -P)
	CONF=$DIR/conf
	[ -f "$CONF/main.cf" ] || return 0
	timeout 15 postfix -c "$CONF" stop >/dev/null 2>&1 || true
	i=0
	while [ -n "$(instance_pids "$CONF")" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	pids=$(instance_pids "$CONF")
	if [ -n "$pids" ]; then
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null || true
		sleep 0.2
	fi
	[ -z "$(instance_pids "$CONF")" ] || die "processes of $DIR survived stop"
}

cmd=${1:-}
[ -n "$cmd" ] || usage
shift
case "$cmd" in
start) do_start "$@" ;;
stop) do_stop "$@" ;;
pids) [ $# -eq 1 ] && instance_pids "$(cd "$1" && pwd -P)/conf" ;;
*) usage ;;
esac
