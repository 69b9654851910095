#!/bin/sh
# it_conn.sh - probe/ against real servers on loopback: Knot DNS serving a test
# zone (MX, A, AAAA, CNAME, TXT, TLSA) and `openssl s_server` with a certificate
# made here by the openssl CLI; runs the unit binaries test_dns and
# test_conn_tls with both pointed at them (DNS lookups, DANE end to end).
# Every server is killed on exit; every wait is bounded.
. "$(dirname "$0")/lib.sh"

UNIT_DIR=${UNIT_DIR:-$TOP/build/tests}
PIDS=""
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 20 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null
	done
	rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# A free loopback TCP port (the same number is used for UDP by knotd); without
# python3, a pseudo-random high port (a clash shows as a failed start).
PORT_SEQ=0
free_port() {
	if [ -x /usr/bin/python3 ]; then
		/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
	else
		PORT_SEQ=$((PORT_SEQ + 1))
		echo $((20000 + ($$ * 7 + PORT_SEQ * 131) % 30000))
	fi
}

# wait_for SECONDS command...: retry every 0.1 s until it succeeds.
wait_for() {
	n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

have_knot() {
	command -v knotd >/dev/null 2>&1 && command -v knotc >/dev/null 2>&1
}

if ! have_knot && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "# installing knot (Knot DNS) for the DNS tests"
	export DEBIAN_FRONTEND=noninteractive
	if ! timeout 600 apt-get install -y --no-install-recommends knot >"$TMPD/apt.log" 2>&1; then
		timeout 300 apt-get update >>"$TMPD/apt.log" 2>&1
		timeout 600 apt-get install -y --no-install-recommends knot >>"$TMPD/apt.log" 2>&1 ||
			tail -5 "$TMPD/apt.log"
	fi
fi

if [ ! -x "$UNIT_DIR/test_dns" ] || [ ! -x "$UNIT_DIR/test_conn_tls" ]; then
	skip "test_dns/test_conn_tls not built in $UNIT_DIR"
	finish
	exit $?
fi
if ! command -v openssl >/dev/null 2>&1; then
	skip "openssl CLI missing (Debian package openssl)"
	finish
	exit $?
fi

# --- a CA and a server certificate, made with the openssl CLI ---
C=$TMPD/certs
mkdir -p "$C"
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$C/ca.key" -out "$C/ca.pem" -subj "/CN=smtpscope it CA" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$C/mx.key" -out "$C/mx.csr" -subj "/CN=mx.smtpscope.test" &&
	printf 'subjectAltName=DNS:mx.smtpscope.test,DNS:mx1.smtpscope.test\n' >"$C/ext.cnf" &&
	openssl x509 -req -in "$C/mx.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial \
		-days 2 -extfile "$C/ext.cnf" -out "$C/mx.pem"
} >"$TMPD/certs.log" 2>&1
check "test certificates made with the openssl CLI" test -s "$C/mx.pem"
# TLSA 3 1 1 (RFC 6698 2.1): SHA-256 of the DER SubjectPublicKeyInfo.
TLSA_HEX=$(openssl x509 -in "$C/mx.pem" -noout -pubkey | openssl pkey -pubin -outform DER |
	openssl dgst -sha256 -r | cut -d' ' -f1)
check_eq "TLSA 3 1 1 digest is 64 hex digits" 64 "${#TLSA_HEX}"

# --- openssl s_server ---
TLS_PORT=$(free_port)
openssl s_server -accept "127.0.0.1:$TLS_PORT" -cert "$C/mx.pem" -key "$C/mx.key" \
	-cert_chain "$C/ca.pem" -www -ign_eof </dev/null >"$TMPD/s_server.log" 2>&1 &
PIDS="$PIDS $!"
if wait_for 10 grep -q ACCEPT "$TMPD/s_server.log"; then
	ok "openssl s_server listening on 127.0.0.1:$TLS_PORT"
else
	not_ok "openssl s_server did not start"
	sed 's/^/    /' "$TMPD/s_server.log" | head -10
fi

export SMTPSCOPE_TEST_TLS="127.0.0.1:$TLS_PORT"
export SMTPSCOPE_TEST_TLS_CA="$C/ca.pem"
out=$(timeout 120 "$UNIT_DIR/test_conn_tls" 2>&1)
rc=$?
check_eq "test_conn_tls passes with the external server" 0 "$rc"
case "$out" in
*"SKIPPED ] test_external_s_server"*) not_ok "external s_server test was skipped" ;;
*"OK ] test_external_s_server"*) ok "verified TLS and a GET through openssl s_server" ;;
*) not_ok "external s_server test result not found"; printf '%s\n' "$out" | tail -15 | sed 's/^/    /' ;;
esac

# --- Knot DNS with the test zone ---
if ! have_knot; then
	skip "knotd not installed (Debian package knot; run as root to install it)"
	finish
	exit $?
fi
K=$TMPD/knot
mkdir -p "$K/db"
DNS_PORT=$(free_port)
cat >"$K/smtpscope.test.zone" <<EOF
\$ORIGIN smtpscope.test.
\$TTL 300
@	SOA	ns hostmaster 1 3600 900 604800 300
@	NS	ns
ns	A	127.0.0.1
@	MX	10 mx1
@	MX	20 mx2
@	MX	5 mx0
@	TXT	"v=spf1 ip4:127.0.0.1" " -all"
mx	A	127.0.0.1
mx1	A	127.0.0.1
mx1	AAAA	::1
mx2	A	127.0.0.2
alias	CNAME	mx1
_25._tcp.mx1	TLSA	3 1 1 $TLSA_HEX
_25._tcp.mx1	TLSA	2 0 1 0000000000000000000000000000000000000000000000000000000000000000
EOF
cat >"$K/knot.conf" <<EOF
server:
    rundir: "$K"
    listen: 127.0.0.1@$DNS_PORT
log:
  - target: stderr
    any: info
database:
    storage: "$K/db"
control:
    listen: "$K/knot.sock"
zone:
  - domain: smtpscope.test
    storage: "$K"
    file: "smtpscope.test.zone"
EOF
knotd -c "$K/knot.conf" >"$TMPD/knotd.log" 2>&1 &
PIDS="$PIDS $!"
zone_loaded() {
	knotc -c "$K/knot.conf" zone-status smtpscope.test 2>/dev/null | grep -q 'serial: 1'
}
if wait_for 15 zone_loaded; then
	ok "knotd serving smtpscope.test on 127.0.0.1:$DNS_PORT"
else
	not_ok "knotd did not load the test zone"
	sed 's/^/    /' "$TMPD/knotd.log" | tail -10
fi

export SMTPSCOPE_TEST_DNS="127.0.0.1:$DNS_PORT"
export SMTPSCOPE_TEST_TLSA_HEX="$TLSA_HEX"
out=$(timeout 120 "$UNIT_DIR/test_dns" 2>&1)
rc=$?
check_eq "test_dns passes against knotd" 0 "$rc"
for t in test_live_knot test_live_dane; do
	case "$out" in
	*"OK ] $t"*) ok "$t ran against the real servers" ;;
	*) not_ok "$t did not pass"; printf '%s\n' "$out" | grep -A3 "$t" | head -8 | sed 's/^/    /' ;;
	esac
done

finish
