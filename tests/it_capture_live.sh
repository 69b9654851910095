#!/bin/sh
# it_capture_live.sh - `smtpscope capture` on the loopback interface while swaks
# delivers to a real Postfix: the session is seen live, with the envelope,
# the rejected recipient and the subject; Ctrl-C (SIGINT) stops it cleanly.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
NET="$PY $TOP/tests/servers/netutil.py"

if [ "$(id -u)" -ne 0 ] || ! command -v swaks >/dev/null 2>&1 || ! command -v postconf >/dev/null 2>&1; then
	skip "live capture needs root, swaks and postfix"
	finish
	exit $?
fi
PORT=$($NET free-port 1)
PF="$TMPD/pf"
trap 'sh "$TOP/tests/servers/postfix.sh" stop "$PF" >/dev/null 2>&1; rm -rf "$TMPD"' EXIT
if ! sh "$TOP/tests/servers/postfix.sh" start "$PF" "$PORT" >"$TMPD/pf.log" 2>&1; then
	not_ok "postfix starts"
	cat "$TMPD/pf.log"
	finish
	exit 1
fi

"$SMTPSCOPE" capture -i lo -f "tcp port $PORT" --json --duration 20 >"$TMPD/out.json" 2>"$TMPD/err.txt" &
CAP=$!
i=0
while [ $i -lt 50 ] && ! grep -q listening "$TMPD/err.txt" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
check "capture reports it is listening" grep -q "listening on lo" "$TMPD/err.txt"
sleep 0.3
swaks --server "127.0.0.1:$PORT" --from sender@example.test --to alice@example.test,nobody@example.test \
	--h-Subject "live capture test" >"$TMPD/swaks.txt" 2>&1
sleep 1
kill -INT $CAP
i=0
while [ $i -lt 50 ] && kill -0 $CAP 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
if kill -0 $CAP 2>/dev/null; then
	not_ok "SIGINT stops the capture"
	kill -9 $CAP
else
	wait $CAP
	check_eq "SIGINT stops the capture with status 0" 0 $?
fi
get() { "$PY" -c 'import json,sys
ds=[json.loads(l) for l in open(sys.argv[1])]
d=ds[0] if ds else {}
print(eval(sys.argv[2]))' "$TMPD/out.json" "$1" 2>/dev/null; }
check_eq "one SMTP session seen" 1 "$(wc -l <"$TMPD/out.json" | tr -d ' ')"
check_eq "envelope sender" sender@example.test "$(get 'd["transactions"][0]["mail_from"]')"
check_eq "accepted recipient" 250 "$(get 'd["transactions"][0]["rcpt"][0]["reply"]["code"]')"
check_eq "rejected recipient's code" 550 "$(get 'd["transactions"][0]["rcpt"][1]["reply"]["code"]')"
check_eq "rejected recipient's reason" userunknown "$(get 'd["transactions"][0]["rcpt"][1]["reply"]["reason"]')"
check_eq "subject" "live capture test" "$(get 'd["transactions"][0]["headers"]["subject"]')"
check_eq "delivered" delivered "$(get 'd["transactions"][0]["outcome"]')"
qid=$(sed -n 's/.*queued as \([0-9A-F]*\).*/\1/p' "$TMPD/swaks.txt" | head -1)
check_eq "queue id as swaks saw it" "$qid" "$(get 'd["transactions"][0]["queue_id"]')"
"$SMTPSCOPE" capture -i no-such-iface0 --duration 1 >/dev/null 2>"$TMPD/err2.txt"
check_eq "an unknown interface exits 2" 2 $?
check "and says why" grep -q "no-such-iface0" "$TMPD/err2.txt"
finish
