#!/bin/sh
# it_cli.sh - the command-line front: --help, --version, and `explain` on codes,
# pasted replies and a bounce, as text and JSON.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

json_get() { # json_get 'expr on d' < json
	"$PY" -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

out=$("$SMTPSCOPE" --version)
ver=$(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")
check_eq "--version prints the Makefile version" "smtpscope $ver" "$out"
out=$("$SMTPSCOPE" --help)
check_contains "--help lists explain" "explain" "$out"
"$SMTPSCOPE" bogus >/dev/null 2>&1
check_eq "unknown command exits 2" 2 $?
grep -q '^\.SH' "$TOP/smtpscope.1" && ok "man page exists" || not_ok "man page exists"
for c in $("$SMTPSCOPE" --help | awk '/^Commands:/{f=1;next} f&&!NF{exit} f{print $1}'); do
	grep -q "^\.B.*$c\|^\.SS.*$c" "$TOP/smtpscope.1" && ok "man page documents $c" || not_ok "man page documents $c"
done

out=$("$SMTPSCOPE" explain 550)
check_contains "bare 550 is explained" "550" "$out"
check_contains "bare 550 answered by the basic layer" "Answered by:  basic" "$out"
out=$("$SMTPSCOPE" explain --json 5.1.1)
check_eq "5.1.1 -> userunknown" userunknown "$(printf '%s' "$out" | json_get 'd["reason"]')"
check_eq "5.1.1 answered by the enhanced layer" enhanced "$(printf '%s' "$out" | json_get 'd["layer"]')"
check_eq "5.1.1 is permanent" True "$(printf '%s' "$out" | json_get 'd["permanent"]')"
out=$("$SMTPSCOPE" explain --json 451 4.3.0 try again later)
check_eq "451 is temporary" False "$(printf '%s' "$out" | json_get 'd["permanent"]')"
check_eq "451 code kept" 451 "$(printf '%s' "$out" | json_get 'd["reply_code"]')"
for k in reply_code status reason permanent layer explanation; do
	printf '%s' "$out" | json_get "d['$k']" >/dev/null 2>&1 && ok "reply JSON has $k" || not_ok "reply JSON has $k"
done

gmail='421-4.7.27 Your email has been rate limited because SPF authentication didn'"'"'t
421-4.7.27 pass for this message. Gmail requires all bulk email senders to
421-4.7.27 authenticate with SPF. For more information, go to
421 4.7.27  https://support.google.com/mail/answer/81126 x1si123 - gsmtp'
out=$(printf '%s\n' "$gmail" | "$SMTPSCOPE" explain --json -)
check_eq "Gmail 4.7.27 answered by a provider rule" provider "$(printf '%s' "$out" | json_get 'd["layer"]')"
check_eq "Gmail 4.7.27 is an SPF (authfailure) problem" authfailure "$(printf '%s' "$out" | json_get 'd["reason"]')"
check_eq "multi-line paste keeps the code" 421 "$(printf '%s' "$out" | json_get 'd["reply_code"]')"
check_eq "multi-line paste keeps the status" 4.7.27 "$(printf '%s' "$out" | json_get 'd["status"]')"

esc=$(printf '550 5.7.1 \033]0;pwned\007\033[2Jblocked')
out=$("$SMTPSCOPE" explain "$esc")
case "$out" in *"$(printf '\033')"*) not_ok "escape sequences are not passed to the terminal" ;; *) ok "escape sequences are not passed to the terminal" ;; esac
check_contains "escape shown visibly" '\e]0;pwned' "$out"

"$SMTPSCOPE" explain "hello there" >/dev/null 2>&1
check_eq "input without a code exits 1" 1 $?
"$SMTPSCOPE" explain >/dev/null 2>&1
check_eq "no argument exits 2" 2 $?
head -c 5000 /dev/urandom > "$TMPD/garbage"
"$SMTPSCOPE" explain "$TMPD/garbage" >/dev/null 2>&1
rc=$?
[ $rc -le 1 ] && ok "garbage file: clean exit ($rc)" || not_ok "garbage file: clean exit ($rc)"

out=$("$SMTPSCOPE" explain --json "$TOP/tests/data/dsn-postfix.eml")
check_eq "DSN: one recipient" 1 "$(printf '%s' "$out" | json_get 'len(d["recipients"])')"
check_eq "DSN: address" nobody@example.org "$(printf '%s' "$out" | json_get 'd["recipients"][0]["address"]')"
check_eq "DSN: status" 5.1.1 "$(printf '%s' "$out" | json_get 'd["recipients"][0]["status"]')"
check_eq "DSN: reply code" 550 "$(printf '%s' "$out" | json_get 'd["recipients"][0]["reply_code"]')"
check_eq "DSN: reason" userunknown "$(printf '%s' "$out" | json_get 'd["recipients"][0]["reason"]')"
check_eq "DSN: remote MTA" mail.example.org "$(printf '%s' "$out" | json_get 'd["recipients"][0]["remote_mta"]')"
for k in address status reply_code reason permanent diagnostic remote_mta explanation; do
	printf '%s' "$out" | json_get "d['recipients'][0]['$k']" >/dev/null 2>&1 && ok "bounce JSON has $k" || not_ok "bounce JSON has $k"
done
out=$("$SMTPSCOPE" explain "$TOP/tests/data/dsn-postfix.eml")
check_contains "DSN text names the recipient" "nobody@example.org" "$out"
check_contains "DSN text gives the reason" "userunknown" "$out"
finish
