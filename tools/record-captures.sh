#!/bin/sh
# record-captures.sh - record the small SMTP packet captures used by the capture decoder's tests (RFC 5321, 3207, 4954, 2920, 3030, 8314, 1870).
#
# usage: tools/record-captures.sh [OUTDIR]        (default: tests/captures)
#
# Starts the loopback test servers of tests/servers/ (two Postfix instances and
# the aiosmtpd AUTH server), runs real clients against them (swaks, and
# tests/servers/bdat_client.py for BDAT) while tcpdump records the port, and
# writes for each session NAME:
#   NAME.pcap (or .pcapng)  the capture
#   NAME.swaks.txt / NAME.client.txt   the client's own transcript
#   NAME.txt   what the capture holds: command, envelope, replies, headers, queue id
# Every expected reply is checked against the client's transcript; a mismatch
# stops the script. Needs root and the Debian packages postfix, swaks, openssl,
# python3-aiosmtpd, tcpdump and tshark (for editcap).
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
SRV=$TOP/tests/servers
OUT=${1:-$TOP/tests/captures}
PY=/usr/bin/python3
AUTH_USER=demo
AUTH_PASS=demo-pass

die() {
	echo "record-captures: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root (Postfix and tcpdump)"
for c in postfix swaks openssl tcpdump editcap; do
	command -v "$c" >/dev/null 2>&1 || die "$c is missing (Debian packages: postfix swaks openssl tcpdump tshark)"
done
"$PY" -c 'import aiosmtpd' 2>/dev/null || die "Debian package python3-aiosmtpd is missing"

W=$(mktemp -d "${TMPDIR:-/tmp}/smtpscope-rec.XXXXXX")
TPID=""
cleanup() {
	[ -n "$TPID" ] && kill -TERM "$TPID" 2>/dev/null
	sh "$SRV/postfix.sh" stop "$W/pf" >/dev/null 2>&1
	sh "$SRV/postfix.sh" stop "$W/pf-small" >/dev/null 2>&1
	sh "$SRV/aiosmtpd.sh" stop "$W/ai" >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Fixed ports keep the captures stable between recordings; fall back to free ones.
set -- 2525 2465 2526 2587
# shellcheck disable=SC2046
"$PY" "$SRV/netutil.py" port-free "$@" || set -- $("$PY" "$SRV/netutil.py" free-port 4)
PF_PORT=$1 PF_TLS=$2 PF_SMALL=$3 AI_PORT=$4

mkdir -p "$OUT"
sh "$SRV/postfix.sh" start "$W/pf" "$PF_PORT" --tls-port "$PF_TLS"
sh "$SRV/postfix.sh" start "$W/pf-small" "$PF_SMALL" --size 20000
sh "$SRV/aiosmtpd.sh" start "$W/ai" "$AI_PORT" "$AUTH_USER" "$AUTH_PASS" --require-auth

V_POSTFIX=$(postconf -c "$W/pf/conf" -h mail_version)
V_SWAKS=$(swaks --version 2>&1 | sed -n 's/^swaks version \([^ ]*\).*/\1/p' | head -n 1)
V_AIOSMTPD=$("$PY" -c 'import aiosmtpd; print(aiosmtpd.__version__)')
V_TCPDUMP=$(tcpdump --version 2>&1 | sed -n 's/^tcpdump version //p')

# --- capturing ---------------------------------------------------------------

CAP_IF=lo
CAP_OPTS=""
CAP_LINK=""
CAP_PKTS=""

# cap_begin FILE FILTER: start tcpdump and return once it is capturing.
cap_begin() {
	# shellcheck disable=SC2086
	tcpdump -i "$CAP_IF" $CAP_OPTS --immediate-mode -B 32768 -s 0 -U -Z root -n -w "$1" "$2" 2>"$W/tcpdump.err" &
	TPID=$!
	i=0
	until grep -q "listening on" "$W/tcpdump.err"; do
		kill -0 "$TPID" 2>/dev/null || die "tcpdump failed: $(cat "$W/tcpdump.err")"
		[ $i -lt 100 ] || die "tcpdump did not start capturing within 10 s"
		sleep 0.1
		i=$((i + 1))
	done
}

# cap_end FILE: let the last packets arrive, stop tcpdump cleanly, note what it
# saw; false when packets were dropped or the TCP session is not whole (both
# SYNs, and a FIN or RST from each side: TLS clients often end with RST). Without --immediate-mode the kernel hands packets over in
# blocks up to a second late, and a stop before then loses them.
cap_end() {
	sleep 1
	kill -TERM "$TPID"
	wait "$TPID" || true
	TPID=""
	CAP_LINK=$(sed -n 's/^tcpdump: listening on [^,]*, link-type \(.*\), snapshot length.*/\1/p' "$W/tcpdump.err")
	CAP_PKTS=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured$/\1/p' "$W/tcpdump.err")
	drops=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel$/\1/p' "$W/tcpdump.err")
	if [ "${drops:-0}" != 0 ]; then
		echo "record-captures: tcpdump reports $drops dropped packets" >&2
		return 1
	fi
	tcpdump -r "$1" -n 2>/dev/null >"$W/packets.txt"
	n=$(wc -l <"$W/packets.txt")
	syn=$(grep -c 'Flags \[S' "$W/packets.txt" || true)
	fin=$(grep -c 'Flags \[[^]]*[FR]' "$W/packets.txt" || true)
	if [ "$n" != "${CAP_PKTS:-0}" ] || [ "$syn" -lt 2 ] || [ "$fin" -lt 2 ]; then
		echo "record-captures: incomplete capture ($n of ${CAP_PKTS:-?} packets, $syn SYN, $fin FIN/RST)" >&2
		return 1
	fi
}

# show_cmd ARGS...: the command as a reader would type it, from the project top.
show_cmd() {
	for a in "$@"; do
		a=$(printf '%s' "$a" | sed "s|^$SRV/|tests/servers/|; s|^$PY\$|/usr/bin/python3|")
		case "$a" in
		*[!A-Za-z0-9_.,:@/=+-]*) printf " '%s'" "$a" ;;
		*) printf ' %s' "$a" ;;
		esac
	done | sed 's/^ //'
}

# session NAME KIND PORT CMD...: capture one client run (in the work directory,
# so message files are named relatively) into NAME.pcap and NAME.KIND.txt.
session() {
	name=$1 kind=$2 port=$3
	shift 3
	CAP_PORT=$port
	CMD=$(show_cmd "$@")
	TRANSCRIPT="$name.$kind.txt"
	try=1
	while :; do
		cap_begin "$W/$name.pcap" "tcp port $port"
		(cd "$W" && "$@") >"$W/$TRANSCRIPT" 2>&1 </dev/null || true
		cap_end "$W/$name.pcap" && break
		[ $try -lt 3 ] || die "$name: no complete capture after $try tries"
		try=$((try + 1))
		echo "record-captures: $name: recording again (try $try)" >&2
	done
}

# --- reading the client's transcript -----------------------------------------

# exchange FILE: pair each client line with the server's reply, in order.
# Markers (swaks): " -> " / " ~> " sent (plain / TLS), "<-  " "<** " "<~  " "<~* "
# received, "=== " "*** " notes; " .. " is BDAT payload from bdat_client.py.
exchange() {
	awk '
	BEGIN { qh = 0; qt = 0 }
	function pop(   c) { if (qh < qt) { c = q[qh]; delete q[qh]; qh++; return c } return "" }
	{ m = substr($0, 1, 4); t = substr($0, 5) }
	m == " -> " || m == " ~> " {
		if (indata) { ndata++; next }
		q[qt++] = t; next
	}
	m == " .. " { next }
	m == "=== " || m == "*** " {
		if (t !~ /^(Trying|Connected|Connection closed)/) print "#: " t
		next
	}
	substr(m, 1, 1) == "<" {
		if (!inreply) {
			if (indata) { cmd = "<end of data>"; print "C: <message data>"; indata = 0 }
			else { cmd = pop(); if (cmd == "") cmd = (greeted ? "<unsolicited>" : "<greeting>") }
			greeted = 1
			if (cmd != "<end of data>") print "C: " cmd
		}
		print "S: " t
		inreply = (length(t) >= 4 && substr(t, 4, 1) == "-")
		if (!inreply && cmd == "DATA" && substr(t, 1, 3) == "354") { indata = 1; ndata = 0 }
		next
	}' "$1"
}

# final_replies: from an exchange, "COMMAND<TAB>FINAL REPLY LINE" per command.
final_replies() {
	awk '
	/^C: / { cmd = substr($0, 4); if (cmd ~ /^<message data/) cmd = "<end of data>"; next }
	/^S: / { t = substr($0, 4); if (length(t) < 4 || substr(t, 4, 1) != "-") print cmd "\t" t }'
}

# expect EXCHANGE "COMMAND => REPLY-PREFIX" ...: die unless each command got that reply.
expect() {
	ex=$1
	shift
	for e in "$@"; do
		c=${e%% => *} r=${e#* => }
		got=$(printf '%s\n' "$ex" | final_replies | awk -F '\t' -v c="$c" '$1 == c { print $2; exit }')
		case "$got" in
		"$r"*) printf '  %-34s -> %s\n' "$c" "$got" ;;
		*)
			sed 's/^/    /' "$W/$TRANSCRIPT" >&2
			die "$NAME: expected '$c' to get '$r', got '$got' (client transcript above)"
			;;
		esac
	done
}

# scrub FILE: fail if a machine path or this machine's name leaked in.
scrub() {
	# any absolute path under a top-level directory that holds user or scratch data
	if grep -qF "$W" "$1" || grep -qE '(^|[^A-Za-z0-9_.])/(tmp|root|home|srv|mnt|w[o]rk)/' "$1"; then
		die "$1 contains a machine path"
	fi
	h=$(hostname 2>/dev/null || true)
	if [ -n "$h" ] && grep -qiE "(@|[[:space:]]|\\.)$h([[:space:].>]|\$)" "$1"; then
		die "$1 mentions this machine's name ($h)"
	fi
}

# close_summary: how the last captured connection ended, e.g. "FIN from client,
# FIN from server" (TLS clients often answer the server's FIN with RST).
close_summary() {
	awk -v p=".$CAP_PORT >" '/Flags \[[^]]*[FR]/ {
		who = index($0, p) ? "server" : "client"
		what = ($0 ~ /Flags \[[^]]*R/) ? "RST" : "FIN"
		out = out (out == "" ? "" : ", ") what " from " who
	} END { print out }' "$W/packets.txt"
}

# describe NAME SUMMARY SERVER DATAFILE EXPECT...: write NAME.txt and copy the
# capture and transcript to OUT. DATAFILE ("-" for none) gives the headers.
describe() {
	NAME=$1 summary=$2 server=$3 datafile=$4
	shift 4
	ex=$(exchange "$W/$TRANSCRIPT")
	scrub "$W/$TRANSCRIPT"
	cp "$W/$NAME.pcap" "$OUT/$NAME.pcap"
	cp "$W/$TRANSCRIPT" "$OUT/$TRANSCRIPT"
	qid=$(printf '%s\n' "$ex" | sed -n 's/^S: 250 .*queued as \([0-9A-Za-z]*\).*/\1/p' | head -n 1)
	{
		echo "$NAME.pcap - $summary"
		echo
		echo "capture:    $NAME.pcap, pcap, link type $CAP_LINK, $CAP_PKTS packets, $(wc -c <"$OUT/$NAME.pcap") bytes"
		echo "recorded:   tcpdump $V_TCPDUMP: tcpdump -i $CAP_IF ${CAP_OPTS:+$CAP_OPTS }--immediate-mode -B 32768 -s 0 -U -w $NAME.pcap 'tcp port $CAP_PORT'"
		echo "server:     $server"
		echo "client:     $CMD"
		case "$TRANSCRIPT" in
		*.swaks.txt) echo "transcript: $TRANSCRIPT (the client's own view of the session, swaks $V_SWAKS)" ;;
		*) echo "transcript: $TRANSCRIPT (the client's own view of the session)" ;;
		esac
		echo "tcp close:  $(close_summary)"
		[ -n "$qid" ] && echo "queue id:   $qid"
		echo
		echo "expected replies (checked against the transcript):"
		expect "$ex" "$@"
		if [ "$datafile" != "-" ]; then
			echo
			lines=$(wc -l <"$W/$datafile")
			bytes=$(($(wc -c <"$W/$datafile") + lines))
			dots=$(grep -c '^\.' "$W/$datafile" || true)
			echo "message:    $lines lines, $bytes bytes with CR LF line ends, $dots lines starting with a dot"
			echo "            (dot-stuffed in DATA, sent as they are in BDAT)"
			echo
			echo "message headers as sent ($(wc -c <"$W/$datafile") bytes in the file, LF line ends; sent with CR LF):"
			sed -n '/^$/q; s/^/  /p' "$W/$datafile"
		fi
		[ -n "${NOTES:-}" ] && { echo; printf '%s\n' "$NOTES"; }
		echo
		echo "exchange (C: client line, S: server reply, #: client note):"
		printf '%s\n' "$ex"
	} >"$OUT/$NAME.txt"
	scrub "$OUT/$NAME.txt"
	NOTES=""
	printf '%-18s %-28s %4s packets %8s bytes  %s\n' "$NAME.pcap" "$CAP_LINK" "$CAP_PKTS" \
		"$(wc -c <"$OUT/$NAME.pcap")" "$summary" >>"$W/index"
	echo "recorded $NAME.pcap ($CAP_LINK, $CAP_PKTS packets)"
}

# --- message files -------------------------------------------------------------

SUBJ_B64='=?UTF-8?B?R3LDvMOfZSBhdXMgZGVtIHNtdHBzY29wZS1UZXN0?='
# make_message FILE ID SUBJECT TO [CC]: a small fixed message with fixed headers.
make_message() {
	{
		echo "Date: Mon, 02 Mar 2026 09:30:00 +0000"
		echo "From: Sender Example <sender@example.test>"
		echo "To: $4"
		[ -n "${5:-}" ] && echo "Cc: $5"
		echo "Subject: $3"
		echo "Message-ID: <$2@client.example.test>"
		echo "MIME-Version: 1.0"
		echo "Content-Type: text/plain; charset=us-ascii"
		echo
		echo "Hello,"
		echo
		echo "this message belongs to the smtpscope capture set ($2)."
		echo ".This line starts with a dot, so it travels dot-stuffed in DATA."
		echo
		echo "Regards"
	} >"$W/$1"
}

make_message plain.eml plain.0001 "$SUBJ_B64" "Alice Example <alice@example.test>" "Bob Example <bob@example.test>"
make_message pipelining.eml pipelining.0002 "Pipelined delivery to three recipients" \
	"alice@example.test, nobody@example.test, bob@example.test"
make_message starttls.eml starttls.0003 "Sent after STARTTLS" "Alice Example <alice@example.test>"
make_message auth.eml auth.0004 "Sent after AUTH" "Alice Example <alice@example.test>"
make_message implicit-tls.eml implicit-tls.0010 "Sent over implicit TLS" "Alice Example <alice@example.test>"
make_message quit-early.eml quit-early.0008 "Never sent" "Alice Example <alice@example.test>"
make_message bdat.eml bdat.0006 "Sent with BDAT" "Alice Example <alice@example.test>"

# big_message FILE ID SUBJECT BYTES: fixed headers and numbered body lines up
# to about BYTES; every 500th line starts with a dot.
big_message() {
	make_message "$1" "$2" "$3" "Alice Example <alice@example.test>"
	awk -v n="$4" 'BEGIN {
		for (i = 1; total < n; i++) {
			l = sprintf("%07d the quick brown fox jumps over the lazy dog 0123456789 abcdefghij", i)
			if (i % 500 == 0) l = "." l
			print l; total += length(l) + 2
		} }' >>"$W/$1"
}
big_message large-body.eml large-body.0007 "Two megabytes of body" 2000000
big_message size-reject.eml size-reject.0009 "Over the size limit" 30000

PF_DESC="Postfix $V_POSTFIX (tests/servers/postfix.sh) as mx.test"
AI_DESC="aiosmtpd $V_AIOSMTPD (tests/servers/aiosmtpd_auth.py) as submit.test, AUTH required, account $AUTH_USER / $AUTH_PASS"
SW="swaks --helo client.example.test --timeout 20 -f sender@example.test"

# --- the sessions --------------------------------------------------------------

# shellcheck disable=SC2086
session plain swaks "$PF_PORT" $SW -t alice@example.test,bob@example.test \
	--server "127.0.0.1:$PF_PORT" --data @plain.eml
editcap -F pcapng "$W/plain.pcap" "$OUT/plain.pcapng"
NOTES="variant:    plain.pcapng holds the same packets converted with editcap -F pcapng.
subject:    the encoded-word decodes to: Grüße aus dem smtpscope-Test"
describe plain "one plain message to two recipients (To and Cc), encoded-word Subject" \
	"$PF_DESC at 127.0.0.1 port $PF_PORT" plain.eml \
	"<greeting> => 220 mx.test" "MAIL FROM:<sender@example.test> => 250 2.1.0" \
	"RCPT TO:<alice@example.test> => 250 2.1.5" "RCPT TO:<bob@example.test> => 250 2.1.5" \
	"DATA => 354" "<end of data> => 250 2.0.0 Ok: queued as" "QUIT => 221"

# shellcheck disable=SC2086
session pipelining swaks "$PF_PORT" $SW --pipeline \
	-t alice@example.test,nobody@example.test,bob@example.test \
	--server "127.0.0.1:$PF_PORT" --data @pipelining.eml
NOTES="note:       MAIL, the three RCPTs and DATA go out in one batch (RFC 2920); the replies come back in order."
describe pipelining "PIPELINING: three recipients in one batch, the middle one refused" \
	"$PF_DESC at 127.0.0.1 port $PF_PORT" pipelining.eml \
	"MAIL FROM:<sender@example.test> => 250 2.1.0" "RCPT TO:<alice@example.test> => 250 2.1.5" \
	"RCPT TO:<nobody@example.test> => 550 5.1.1 <nobody@example.test>: Recipient address rejected" \
	"RCPT TO:<bob@example.test> => 250 2.1.5" "DATA => 354" "<end of data> => 250 2.0.0 Ok: queued as"

# shellcheck disable=SC2086
session starttls swaks "$PF_PORT" $SW -tls -t alice@example.test \
	--server "127.0.0.1:$PF_PORT" --data @starttls.eml
NOTES="note:       everything after the 220 reply to STARTTLS is TLS; the envelope below is only visible in the transcript."
describe starttls "STARTTLS, then one message inside TLS" \
	"$PF_DESC at 127.0.0.1 port $PF_PORT" starttls.eml \
	"EHLO client.example.test => 250 CHUNKING" "STARTTLS => 220 2.0.0 Ready to start TLS" \
	"MAIL FROM:<sender@example.test> => 250 2.1.0" "RCPT TO:<alice@example.test> => 250 2.1.5" \
	"<end of data> => 250 2.0.0 Ok: queued as"

# shellcheck disable=SC2086
session auth-plain swaks "$AI_PORT" $SW -t alice@example.test -a PLAIN \
	-au "$AUTH_USER" -ap "$AUTH_PASS" --server "127.0.0.1:$AI_PORT" --data @auth.eml
NOTES="note:       the PLAIN response is base64 of NUL demo NUL demo-pass (RFC 4616)."
describe auth-plain "AUTH PLAIN with the initial response on the command line, then one message" \
	"$AI_DESC, at 127.0.0.1 port $AI_PORT" auth.eml \
	"<greeting> => 220 submit.test" "AUTH PLAIN AGRlbW8AZGVtby1wYXNz => 235 2.7.0" \
	"MAIL FROM:<sender@example.test> => 250" "RCPT TO:<alice@example.test> => 250" \
	"<end of data> => 250 2.0.0 Ok: saved as"

# shellcheck disable=SC2086
session auth-login swaks "$AI_PORT" $SW -t alice@example.test -a LOGIN \
	-au "$AUTH_USER" -ap "$AUTH_PASS" --server "127.0.0.1:$AI_PORT" --data @auth.eml
NOTES="note:       aiosmtpd $V_AIOSMTPD prompts with 334 VXNlciBOYW1lAA== and 334 UGFzc3dvcmQA, which decode
            to 'User Name' and 'Password' each followed by a NUL byte, not the customary
            'Username:' and 'Password:'."
describe auth-login "AUTH LOGIN (user name and password in two 334 rounds), then one message" \
	"$AI_DESC, at 127.0.0.1 port $AI_PORT" auth.eml \
	"AUTH LOGIN => 334 VXNlciBOYW1lAA==" "ZGVtbw== => 334 UGFzc3dvcmQA" "ZGVtby1wYXNz => 235 2.7.0" \
	"<end of data> => 250 2.0.0 Ok: saved as"

# shellcheck disable=SC2086
session auth-fail swaks "$AI_PORT" $SW -t alice@example.test -a LOGIN \
	-au "$AUTH_USER" -ap wrong-pass --server "127.0.0.1:$AI_PORT" --data @auth.eml
describe auth-fail "AUTH LOGIN with a wrong password: 535, then the client quits" \
	"$AI_DESC, at 127.0.0.1 port $AI_PORT" - \
	"AUTH LOGIN => 334 VXNlciBOYW1lAA==" "ZGVtbw== => 334 UGFzc3dvcmQA" "d3JvbmctcGFzcw== => 535 5.7.8" "QUIT => 221"

# Cut the first chunk inside the Subject line, so a chunk boundary splits a line.
bdat_cut=$(awk '/^Subject:/ { print n + 12; exit } { n += length($0) + 2 }' "$W/bdat.eml")
session bdat client "$PF_PORT" "$PY" "$SRV/bdat_client.py" --server "127.0.0.1:$PF_PORT" \
	--from sender@example.test --to alice@example.test --data bdat.eml --split "$bdat_cut"
total=$(awk '{ n += length($0) + 2 } END { print n }' "$W/bdat.eml")
NOTES="note:       two chunks, BDAT $bdat_cut then BDAT $((total - bdat_cut)) LAST; the first ends inside the
            Subject line. BDAT content is not dot-stuffed: the line starting with a dot goes as is.
            In the transcript, ' .. ' lines are chunk payload and a trailing backslash marks a cut line."
describe bdat "CHUNKING: one message in two BDAT chunks (client: tests/servers/bdat_client.py)" \
	"$PF_DESC at 127.0.0.1 port $PF_PORT" bdat.eml \
	"EHLO client.example.test => 250 CHUNKING" "MAIL FROM:<sender@example.test> => 250 2.1.0" \
	"RCPT TO:<alice@example.test> => 250 2.1.5" "BDAT $bdat_cut => 250 2.0.0 Ok: $bdat_cut bytes" \
	"BDAT $((total - bdat_cut)) LAST => 250 2.0.0 Ok: $total bytes queued as"

# shellcheck disable=SC2086
session large-body swaks "$PF_PORT" $SW -t alice@example.test --suppress-data \
	--server "127.0.0.1:$PF_PORT" --data @large-body.eml
NOTES="note:       swaks --suppress-data prints a line count instead of the body; every 500th body line
            starts with a dot and is sent dot-stuffed."
describe large-body "one message with a body of about 2 MB" \
	"$PF_DESC at 127.0.0.1 port $PF_PORT" large-body.eml \
	"DATA => 354" "<end of data> => 250 2.0.0 Ok: queued as"

# shellcheck disable=SC2086
session quit-early swaks "$PF_PORT" $SW -t alice@example.test --quit-after RCPT \
	--server "127.0.0.1:$PF_PORT" --data @quit-early.eml
describe quit-early "the client quits after RCPT, no message is sent" \
	"$PF_DESC at 127.0.0.1 port $PF_PORT" - \
	"RCPT TO:<alice@example.test> => 250 2.1.5" "QUIT => 221 2.0.0 Bye"

# shellcheck disable=SC2086
session size-reject swaks "$PF_SMALL" $SW -t alice@example.test --suppress-data \
	--server "127.0.0.1:$PF_SMALL" --data @size-reject.eml
NOTES="note:       the server advertises SIZE 20000; swaks sends MAIL without a SIZE parameter, so the
            refusal comes after the whole message was sent."
describe size-reject "a 30 kB message refused after DATA with 552 5.3.4 (message_size_limit 20000)" \
	"$PF_DESC, message_size_limit 20000, at 127.0.0.1 port $PF_SMALL" size-reject.eml \
	"EHLO client.example.test => 250 CHUNKING" "DATA => 354" \
	"<end of data> => 552 5.3.4 "

# shellcheck disable=SC2086
session implicit-tls swaks "$PF_TLS" $SW --tlsc -t alice@example.test \
	--server "127.0.0.1:$PF_TLS" --data @implicit-tls.eml
NOTES="note:       TLS from the first byte (smtpd_tls_wrappermode, RFC 8314); no plaintext SMTP on the wire."
describe implicit-tls "implicit TLS (the server's wrapper-mode port), one message" \
	"$PF_DESC, wrapper mode, at 127.0.0.1 port $PF_TLS" implicit-tls.eml \
	"<greeting> => 220 mx.test" "<end of data> => 250 2.0.0 Ok: queued as"

# --- link-layer and format variants of the plain session --------------------------

for v in sll sll2 nsec ipv6; do
	server=127.0.0.1
	case $v in
	sll) CAP_IF=any CAP_OPTS="-y LINUX_SLL" what="recorded on the any device, Linux cooked v1 headers" ;;
	sll2) CAP_IF=any CAP_OPTS="-y LINUX_SLL2" what="recorded on the any device, Linux cooked v2 headers" ;;
	nsec) CAP_IF=lo CAP_OPTS="--time-stamp-precision=nano" what="pcap with nanosecond time stamps (magic a1b23c4d)" ;;
	ipv6)
		"$PY" "$SRV/netutil.py" has-ipv6 || { echo "no ::1 here: skipping plain-ipv6"; continue; }
		CAP_IF=lo CAP_OPTS="" server=::1 what="over IPv6 loopback (::1)"
		;;
	esac
	id="plain-$v.0001"
	make_message "plain-$v.eml" "$id" "$SUBJ_B64" "Alice Example <alice@example.test>" "Bob Example <bob@example.test>"
	# shellcheck disable=SC2086
	session "plain-$v" swaks "$PF_PORT" $SW -t alice@example.test,bob@example.test \
		--server "$server" --port "$PF_PORT" --data @"plain-$v.eml"
	describe "plain-$v" "the plain session again, $what" \
		"$PF_DESC at $server port $PF_PORT" "plain-$v.eml" \
		"RCPT TO:<alice@example.test> => 250 2.1.5" "RCPT TO:<bob@example.test> => 250 2.1.5" \
		"<end of data> => 250 2.0.0 Ok: queued as"
done

printf '%-18s %-28s %4s packets %8s bytes  %s\n' plain.pcapng "EN10MB (Ethernet)" \
	"$(tcpdump -r "$OUT/plain.pcapng" -n 2>/dev/null | wc -l)" "$(wc -c <"$OUT/plain.pcapng")" \
	"plain.pcap converted to pcapng by editcap" >>"$W/index"
{
	echo "SMTP captures for the capture decoder's tests, recorded by tools/record-captures.sh"
	echo "from real software on loopback (Postfix $V_POSTFIX, aiosmtpd $V_AIOSMTPD, swaks $V_SWAKS,"
	echo "tcpdump $V_TCPDUMP). Beside each NAME.pcap: NAME.txt (what it holds, checked replies)"
	echo "and the client's transcript NAME.swaks.txt or NAME.client.txt."
	echo
	cat "$W/index"
} >"$OUT/INDEX.txt"
echo "captures written to $OUT"
