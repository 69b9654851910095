#!/bin/sh
# it_servers.sh - checks the loopback test servers in tests/servers/ with swaks as client (RFC 5321, 3207, 8314, 4954, 2920, 1870).
# Postfix needs root; without root and without the packages the whole script skips.
. "$(dirname "$0")/lib.sh"

SRV=$TOP/tests/servers
PY=/usr/bin/python3
PF1=$TMPD/pf1
PF2=$TMPD/pf2
AI=$TMPD/ai

teardown() {
	sh "$SRV/postfix.sh" stop "$PF1" >/dev/null 2>&1
	sh "$SRV/postfix.sh" stop "$PF2" >/dev/null 2>&1
	sh "$SRV/aiosmtpd.sh" stop "$AI" >/dev/null 2>&1
	rm -rf "$TMPD"
}
trap teardown EXIT

missing=""
command -v postfix >/dev/null 2>&1 || missing="$missing postfix"
command -v swaks >/dev/null 2>&1 || missing="$missing swaks"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
"$PY" -c 'import aiosmtpd' 2>/dev/null || missing="$missing python3-aiosmtpd"
ROOT=0
[ "$(id -u)" -eq 0 ] && ROOT=1

if [ -n "$missing" ]; then
	if [ $ROOT -eq 0 ]; then
		echo "skip - test servers need root and the Debian packages:$missing"
		finish
		exit 0
	fi
	not_ok "Debian packages missing:$missing (run scripts/install-deps.sh)"
	finish
	exit 1
fi

# sw ARGS...: swaks with a bounded run time, no local hostname leaking into EHLO.
sw() {
	timeout 60 swaks --timeout 20 --helo client.example.test "$@" 2>&1
}

# wait_in_file FILE TEXT: true once FILE contains TEXT (bounded, 10 s).
wait_in_file() {
	i=0
	while [ $i -lt 100 ]; do
		grep -qF "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# ehlo_has TRANSCRIPT KEYWORD: the EHLO reply in a swaks transcript lists KEYWORD.
ehlo_has() {
	printf '%s\n' "$1" | grep -qE "^<[-~]  250[- ]$2\$"
}

# no_greeting PORT: true when nothing answers on 127.0.0.1 PORT any more.
no_greeting() {
	! "$PY" "$SRV/netutil.py" wait-banner 127.0.0.1 "$1" 0.5 2>/dev/null
}

# shellcheck disable=SC2046
set -- $("$PY" "$SRV/netutil.py" free-port 4)
P1=$1 P1TLS=$2 P2=$3 PAI=$4

check_postfix_basics() {
	out=$(sw --server 127.0.0.1:"$P1" --quit-after EHLO)
	check_contains "postfix greets as mx.test" "<-  220 mx.test ESMTP" "$out"
	for kw in PIPELINING CHUNKING STARTTLS "SIZE 10240000" ENHANCEDSTATUSCODES; do
		check "postfix advertises $kw" ehlo_has "$out" "$kw"
	done
	out=$(sw --server 127.0.0.1:"$P2" --quit-after EHLO)
	check_contains "second instance has its own SIZE limit" "SIZE 20000" "$out"
	case "$out" in
	*STARTTLS*) not_ok "second instance started with --no-starttls still offers STARTTLS" ;;
	*) ok "second instance does not offer STARTTLS" ;;
	esac
}

check_postfix_delivery() {
	tag="plain-$$-$P1"
	out=$(sw --server 127.0.0.1:"$P1" -f sender@example.test -t alice@example.test \
		--header "Subject: $tag")
	check_contains "plain delivery is queued" "<-  250 2.0.0 Ok: queued as " "$out"
	check "plain message lands in mail/alice" wait_in_file "$PF1/mail/alice" "Subject: $tag"
	out=$(sw --server 127.0.0.1:"$P1" -f sender@example.test -t nobody@example.test \
		--quit-after RCPT)
	check_contains "nobody@example.test is refused with 550 5.1.1" "<** 550 5.1.1 " "$out"
	out=$(sw --server 127.0.0.1:"$P1" --pipeline -f sender@example.test \
		-t alice@example.test,nobody@example.test,bob@example.test --header "Subject: pipe-$tag")
	check_contains "pipelined session refuses one recipient" "<** 550 5.1.1 <nobody@example.test>" "$out"
	check_contains "pipelined session is queued" "Ok: queued as " "$out"
	check "pipelined message lands in mail/bob" wait_in_file "$PF1/mail/bob" "Subject: pipe-$tag"
	if "$PY" "$SRV/netutil.py" has-ipv6; then
		out=$(sw --server ::1 --port "$P1" -f sender@example.test -t bob@example.test \
			--header "Subject: v6-$tag")
		check "delivery over ::1 lands in mail/bob" wait_in_file "$PF1/mail/bob" "Subject: v6-$tag"
	else
		skip "no ::1 on this machine"
	fi
	body=$(head -c 30000 /dev/zero | tr '\0' 'x' | fold -w 70)
	out=$(sw --server 127.0.0.1:"$P2" -f sender@example.test -t alice@example.test \
		--body "$body" --suppress-data)
	check_contains "message over the size limit gets 552 5.3.4" "<** 552 5.3.4 " "$out"
}

check_postfix_tls() {
	tag="tls-$$-$P1"
	out=$(sw --server 127.0.0.1:"$P1" -tls -f sender@example.test -t bob@example.test \
		--header "Subject: $tag")
	check_contains "STARTTLS is accepted" "<-  220 2.0.0 Ready to start TLS" "$out"
	check_contains "STARTTLS session is queued" "<~  250 2.0.0 Ok: queued as " "$out"
	check "STARTTLS message is received with ESMTPS" wait_in_file "$PF1/mail/bob" "with ESMTPS id"
	out=$(sw --server 127.0.0.1:"$P1TLS" --tlsc -f sender@example.test -t alice@example.test \
		--header "Subject: wrap-$tag")
	check_contains "implicit TLS port completes a handshake" "=== TLS started with cipher" "$out"
	check_contains "implicit TLS greeting comes inside TLS" "<~  220 mx.test" "$out"
	check "implicit TLS message lands in mail/alice" wait_in_file "$PF1/mail/alice" "Subject: wrap-$tag"
}

check_aiosmtpd() {
	if ! sh "$SRV/aiosmtpd.sh" start "$AI" "$PAI" demo 's3cret pass' --require-auth; then
		not_ok "aiosmtpd starts"
		return
	fi
	ok "aiosmtpd starts"
	out=$(sw --server 127.0.0.1:"$PAI" -f sender@example.test -t alice@example.test)
	check_contains "aiosmtpd requires AUTH before MAIL" "<** 530 " "$out"
	out=$(sw --server 127.0.0.1:"$PAI" -a PLAIN -au demo -ap 's3cret pass' \
		-f sender@example.test -t alice@example.test --header "Subject: auth-plain")
	check_contains "AUTH PLAIN succeeds" "<-  235 " "$out"
	check_contains "AUTH PLAIN session is saved" "Ok: saved as " "$out"
	out=$(sw --server 127.0.0.1:"$PAI" -a LOGIN -au demo -ap 's3cret pass' \
		-f sender@example.test -t bob@example.test --header "Subject: auth-login")
	check_contains "AUTH LOGIN succeeds" "<-  235 " "$out"
	out=$(sw --server 127.0.0.1:"$PAI" -a PLAIN -au demo -ap wrong \
		-f sender@example.test -t bob@example.test)
	check_contains "AUTH PLAIN with a wrong password gets 535" "<** 535 " "$out"
	out=$(sw --server 127.0.0.1:"$PAI" -a LOGIN -au demo -ap wrong \
		-f sender@example.test -t bob@example.test)
	check_contains "AUTH LOGIN with a wrong password gets 535" "<** 535 " "$out"
	check "saved message records the AUTH" grep -qx "auth: yes" "$AI/mail/0001.env"
	check "saved messages carry their subjects" grep -q "Subject: auth-login" "$AI/mail/0002.eml"
}

check_teardown() {
	sh "$SRV/postfix.sh" stop "$PF1"
	sh "$SRV/postfix.sh" stop "$PF2"
	check_eq "no process of the first instance is left" "" "$(sh "$SRV/postfix.sh" pids "$PF1")"
	check_eq "no process of the second instance is left" "" "$(sh "$SRV/postfix.sh" pids "$PF2")"
	check "postfix ports are closed after stop" no_greeting "$P1"
	check "second instance port is closed after stop" no_greeting "$P2"
	if [ -f "$AI/pid" ]; then
		aipid=$(cat "$AI/pid")
		sh "$SRV/aiosmtpd.sh" stop "$AI"
		check "aiosmtpd process is gone after stop" sh -c "! kill -0 $aipid 2>/dev/null"
		check "aiosmtpd port is closed after stop" no_greeting "$PAI"
	fi
}

if [ $ROOT -eq 1 ]; then
	started=1
	check "postfix instance starts" sh "$SRV/postfix.sh" start "$PF1" "$P1" --tls-port "$P1TLS" || started=0
	check "second postfix instance starts beside it" \
		sh "$SRV/postfix.sh" start "$PF2" "$P2" --size 20000 --no-starttls || started=0
	if [ $started -eq 1 ]; then
		check_postfix_basics
		check_postfix_delivery
		check_postfix_tls
	fi
else
	skip "postfix checks need root"
fi
check_aiosmtpd
[ $ROOT -eq 1 ] && check_teardown
[ $ROOT -eq 1 ] || { sh "$SRV/aiosmtpd.sh" stop "$AI"; check "aiosmtpd port is closed after stop" no_greeting "$PAI"; }
finish
