#!/bin/sh
# it_connect.sh - `smtpscope connect` in line mode: misbehaving peers from tests/servers/hostile.py
# (silence, endless lines, garbage, terminal escapes, drops mid-reply and mid-TLS, bad codes, a slow
# server), an LMTP server on a unix socket (RFC 2033), and when root with Postfix: a typed session,
# STARTTLS with the chain shown (RFC 3207), IPv6, MX choice and DANE (RFC 7672) through a loopback DNS
# server. Every wait is bounded; every server is stopped on exit.
. "$(dirname "$0")/lib.sh"

SRV=$TOP/tests/servers
PY=/usr/bin/python3
PF=$TMPD/pf
PIDS=""
ESC=$(printf '\033')

cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	sh "$SRV/postfix.sh" stop "$PF" >/dev/null 2>&1
	rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ ! -x "$PY" ]; then
	skip "/usr/bin/python3 missing: no test servers"
	finish
	exit 0
fi
if [ ! -x "$SMTPSCOPE" ]; then
	not_ok "smtpscope binary not built ($SMTPSCOPE)"
	finish
	exit 1
fi

# hostile MODE [ARGS...]: start a server, set $HP to its port (or socket path via --unix).
hostile() {
	mode=$1
	shift
	HP=$("$PY" "$SRV/netutil.py" free-port 1)
	log=$TMPD/hostile-$mode-$HP.log
	case " $* " in
	*" --unix "*) "$PY" "$SRV/hostile.py" --mode "$mode" --max-time 60 "$@" >"$log" 2>&1 & ;;
	*) "$PY" "$SRV/hostile.py" --mode "$mode" --port "$HP" --max-time 60 "$@" >"$log" 2>&1 & ;;
	esac
	PIDS="$PIDS $!"
	i=0
	while ! grep -qx ready "$log" 2>/dev/null; do
		[ $i -ge 100 ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# sc INPUT ARGS...: run connect with INPUT on stdin; $out, $rc and $secs (whole seconds) set.
sc() {
	input=$1
	shift
	t0=$(date +%s)
	out=$(printf '%b' "$input" | timeout 60 "$SMTPSCOPE" connect "$@" 2>&1)
	rc=$?
	secs=$(($(date +%s) - t0))
}
no_raw_esc() {
	case "$out" in *"$ESC"*) return 1 ;; *) return 0 ;; esac
}

check_hostile() {
	hostile silent
	sc 'EHLO a.test\n' --timeout 2 127.0.0.1:"$HP"
	check_eq "silent server: exit 11 (greeting)" 11 "$rc"
	check_contains "silent server: the timeout is named" "no greeting from the server within 2 s" "$out"
	check "silent server: ends within the timeout (${secs}s)" test "$secs" -le 5

	hostile endless-line
	sc '' --timeout 10 127.0.0.1:"$HP"
	check_eq "endless line: exit 11" 11 "$rc"
	check_contains "endless line: hung up at the cap" "bytes without completing a reply" "$out"
	check "endless line: ends quickly (${secs}s)" test "$secs" -le 5

	hostile garbage
	sc '' --timeout 8 127.0.0.1:"$HP"
	check_eq "binary garbage: exit 11" 11 "$rc"
	check_contains "binary garbage: shown escaped" '\x' "$out"
	check_contains "binary garbage: lines without a code are counted" "without a reply code were not shown" "$out"
	check "binary garbage: no raw ESC byte on stdout" no_raw_esc
	check "binary garbage: ends within the timeout (${secs}s)" test "$secs" -le 10

	hostile escapes
	sc 'EHLO client.test\nMAIL FROM:<a@example.test>\n' --timeout 5 127.0.0.1:"$HP"
	check_eq "escapes: MAIL refused gives 15 (mail)" 15 "$rc"
	check_contains "escapes: the greeting shows the sequence escaped" '\e[31mred\e[0m' "$out"
	check_contains "escapes: an OSC title sequence is escaped" '\e]2;window title\x07' "$out"
	check "escapes: no raw ESC byte on stdout" no_raw_esc
	sc 'EHLO client.test\nQUIT\n' --json --timeout 5 127.0.0.1:"$HP"
	check "escapes: --json stays valid JSON" sh -c "printf '%s' \"\$1\" | $PY -c 'import json,sys; json.load(sys.stdin)'" _ "$out"
	check "escapes: no raw ESC byte in JSON" no_raw_esc

	hostile drop-mid-reply
	sc 'EHLO client.test\n' --timeout 5 127.0.0.1:"$HP"
	check_eq "drop mid-reply: exit 12 (ehlo)" 12 "$rc"
	check_contains "drop mid-reply: said plainly" "the connection ended before this reply was complete" "$out"

	hostile drop-mid-tls
	sc '' --starttls --timeout 5 127.0.0.1:"$HP"
	check_eq "drop mid-TLS: exit 13 (tls)" 13 "$rc"
	check_contains "drop mid-TLS: the handshake failure is named" "TLS handshake failed" "$out"

	hostile bad-codes
	sc 'EHLO client.test\n' --timeout 5 127.0.0.1:"$HP"
	check_eq "bad codes: exit 12 (ehlo)" 12 "$rc"
	check_contains "bad codes: a line without a code is not a reply" "not a reply" "$out"
	check_contains "bad codes: 999 is called impossible" "an impossible reply code" "$out"

	hostile slow
	sc '' --timeout 2 127.0.0.1:"$HP"
	check_eq "slow server with a 2 s limit: exit 11" 11 "$rc"
	check "slow server: ends within the timeout (${secs}s)" test "$secs" -le 5
	sc 'QUIT\n' --timeout 15 127.0.0.1:"$HP"
	check_eq "slow server with a 15 s limit: completes (0)" 0 "$rc"
	check_contains "slow server: the wait is shown while it lasts" "still waiting for greeting" "$out"
}

check_lmtp() {
	sock=$TMPD/lmtp.sock
	hostile lmtp --unix "$sock"
	sc 'LHLO client.test\nMAIL FROM:<a@example.test>\nRCPT TO:<alice@example.test>\nRCPT TO:<full@example.test>\nDATA\nSubject: x\n\nbody\n.\nQUIT\n' \
		--lmtp --timeout 5 "$sock"
	check_eq "LMTP over a unix socket: one recipient deferred gives 18" 18 "$rc"
	check_contains "LMTP: connected through the socket" "(unix socket)" "$out"
	check_contains "LMTP: a reply per recipient" "LMTP: the delivery result for one more recipient" "$out"
	check_contains "LMTP: the deferral is explained" "452 4.2.2" "$out"
}

check_postfix() {
	set -- $("$PY" "$SRV/netutil.py" free-port 2)
	P=$1 DNSP=$2
	if ! sh "$SRV/postfix.sh" start "$PF" "$P" >"$TMPD/pf.log" 2>&1; then
		not_ok "postfix starts ($(tail -3 "$TMPD/pf.log"))"
		return
	fi
	ok "postfix starts"
	tag="connect-$$-$P"
	sc "EHLO client.example.test\nMAIL FROM:<s@example.test>\nRCPT TO:<nobody@example.test>\nRCPT TO:<alice@example.test>\nDATA\nSubject: $tag\n\nhello\n.\nQUIT\n" \
		--timeout 20 --transcript "$TMPD/t.txt" --transcript-json "$TMPD/t.json" 127.0.0.1:"$P"
	check_eq "typed session: exit 0 (one recipient accepted)" 0 "$rc"
	check_contains "typed lines are sent as typed" "C: RCPT TO:<nobody@example.test>" "$out"
	check_contains "the refusal is explained" "What to do:" "$out"
	check_contains "STARTTLS offer explained" "STARTTLS: encryption is available" "$out"
	check_contains "PIPELINING explained" "PIPELINING: groups of commands may be sent at once" "$out"
	check_contains "CHUNKING explained" "CHUNKING: the message may be sent with BDAT" "$out"
	check_contains "latency shown" "reply to RCPT, " "$out"
	i=0
	while ! grep -qF "Subject: $tag" "$PF/mail/alice" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check "typed session: the message is delivered" grep -qF "Subject: $tag" "$PF/mail/alice"
	check "--transcript saved the text" grep -q "C: MAIL FROM:<s@example.test>" "$TMPD/t.txt"
	check "--transcript-json is valid JSON with a result" "$PY" -c \
		'import json,sys; d=json.load(open(sys.argv[1])); assert d["result"]["accepted"] and d["events"]' "$TMPD/t.json"

	sc 'QUIT\n' --starttls --ca-file "$PF/conf/cert.pem" --sni mx.test --timeout 20 127.0.0.1:"$P"
	check_eq "--starttls: exit 0" 0 "$rc"
	check_contains "--starttls: the chain is shown" "0 subject: CN=mx.test" "$out"
	check_contains "--starttls: validity shown" "days left" "$out"
	check_contains "--starttls: verified" "verification: ok" "$out"
	check_eq "--starttls: EHLO is sent again after the handshake" 2 "$(printf '%s\n' "$out" | grep -c 'C: EHLO ')"

	if "$PY" "$SRV/netutil.py" has-ipv6; then
		sc 'QUIT\n' --timeout 10 "[::1]:$P"
		check_eq "[::1]:port connects over IPv6" 0 "$rc"
		check_contains "IPv6 is named" "(IPv6)" "$out"
	else
		skip "no ::1 on this machine"
	fi
	check_dns "$P" "$DNSP"
}

check_dns() {
	P=$1 DNSP=$2
	spki=$(openssl x509 -in "$PF/conf/cert.pem" -noout -pubkey 2>/dev/null |
		openssl pkey -pubin -outform DER 2>/dev/null | openssl dgst -sha256 -r | cut -d' ' -f1)
	"$PY" "$SRV/hostile.py" --mode dns --port "$DNSP" --max-time 60 \
		--record example.test MX "10 mx1.example.test" --record example.test MX "20 mx2.example.test" \
		--record mx1.example.test A 127.0.0.2 --record mx2.example.test A 127.0.0.1 \
		--record "_$P._tcp.mx2.example.test" TLSA "3 1 1 $spki" \
		--record two.example.test A 127.0.0.3 --record two.example.test A 127.0.0.1 \
		--record nullmx.example.test MX "0 ." \
		--record bad.example.test A 127.0.0.1 --record "_$P._tcp.bad.example.test" TLSA "3 1 1 00$spki" \
		>"$TMPD/dns.log" 2>&1 &
	PIDS="$PIDS $!"
	i=0
	while ! grep -qx ready "$TMPD/dns.log" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	D=127.0.0.1:$DNSP
	sc 'QUIT\n' --dns-server "$D" --port "$P" --timeout 10 @example.test
	check_eq "@domain: exit 0" 0 "$rc"
	check_contains "@domain: the MX list is shown" "10 mx1.example.test -> 127.0.0.2" "$out"
	check_contains "@domain: the unreachable MX is skipped" "trying the next MX host" "$out"
	check_contains "@domain: the choice is shown" "connected to mx2.example.test at 127.0.0.1:$P" "$out"
	sc 'QUIT\n' --dns-server "$D" --timeout 10 "two.example.test:$P"
	check_eq "a name with two addresses: exit 0" 0 "$rc"
	check_contains "every address is tried in turn" "of 2)" "$out"
	check_contains "the answering address is named" "at 127.0.0.1:$P (IPv4)" "$out"
	sc '' --dns-server "$D" --timeout 10 @nullmx.example.test
	check_eq "null MX: exit 10 (connect)" 10 "$rc"
	check_contains "null MX is explained" "null MX (RFC 7505)" "$out"
	sc 'QUIT\n' --dns-server "$D" --port "$P" --starttls --dane --timeout 10 @example.test
	check_eq "--dane with a matching TLSA record: exit 0" 0 "$rc"
	check_contains "--dane: the match is shown" "DANE: TLSA 3 1 1 matched" "$out"
	sc 'QUIT\n' --dns-server "$D" --starttls --dane --timeout 10 "bad.example.test:$P"
	check_eq "--dane with a wrong TLSA record: exit 13 (tls)" 13 "$rc"
	check_contains "--dane: the mismatch is shown" "DANE: no TLSA record matched" "$out"
}

check_hostile
check_lmtp
if [ "$(id -u)" -eq 0 ] && command -v postfix >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1; then
	check_postfix
else
	skip "postfix checks need root and the Debian packages postfix and openssl"
fi
finish
