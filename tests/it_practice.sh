#!/bin/sh
# it_practice.sh - `smtpscope practice` against real clients on loopback: swaks
# (RFC 5321 delivery, RFC 3207 STARTTLS, RFC 4954 AUTH, RFC 2920 pipelining,
# RFC 1870 SIZE) and a small raw Python client for the teaching replies, BDAT
# (RFC 3030), bare LF, STARTTLS injection, garbage and dropped clients; JSON
# output; clean stop on SIGTERM; bind failures. Every wait is bounded.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
NETUTIL="$TOP/tests/servers/netutil.py"
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	rm -rf "$TMPD"
}
trap cleanup EXIT INT TERM

if [ ! -x "$SMTPSCOPE" ]; then
	skip "smtpscope binary not built ($SMTPSCOPE)"
	finish
	exit $?
fi
if [ ! -x "$PY" ]; then
	skip "practice server tests ($PY not present)"
	finish
	exit $?
fi

# stop_wait PID [SIG]: signal PID (when SIG given), wait up to 5 s, then
# SIGKILL; returns its exit status.
stop_wait() {
	[ -n "${2:-}" ] && kill "-$2" "$1" 2>/dev/null
	n=0
	while kill -0 "$1" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	kill -0 "$1" 2>/dev/null && kill -KILL "$1" 2>/dev/null
	wait "$1"
}

# wait_for FILE PATTERN SECS: poll until FILE contains PATTERN (fixed string).
wait_for() {
	n=0
	while [ "$n" -lt $(($3 * 10)) ]; do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

# The raw client: each argument is a step. "S:text" sends text (\r \n \xNN
# escapes), "R" reads one complete reply, "T" does the TLS handshake, "C"
# closes. Everything received is printed; a 5 s timeout bounds every read.
cat >"$TMPD/raw.py" <<'EOF'
import socket, ssl, sys, codecs
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=5)
buf = b""
def read_reply():
    global buf
    while True:
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            sys.stdout.write(line.decode("latin-1").rstrip("\r") + "\n")
            if len(line) >= 4 and line[3:4] == b" ":
                return True
        try:
            chunk = s.recv(65536)
        except (socket.timeout, OSError):
            chunk = b""
        if not chunk:
            sys.stdout.write("<EOF>\n")
            return False
        buf += chunk
for step in sys.argv[2:]:
    if step.startswith("S:"):
        data = codecs.escape_decode(step[2:].encode("latin-1"))[0]
        try:
            s.sendall(data)
        except OSError:
            sys.stdout.write("<SEND FAILED>\n")
    elif step == "R":
        read_reply()
    elif step == "T":
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s, server_hostname="localhost")
        sys.stdout.write("<TLS %s>\n" % s.version())
    elif step == "C":
        s.close()
        sys.stdout.write("<CLOSED>\n")
        break
sys.stdout.flush()
EOF
raw() { timeout 30 "$PY" "$TMPD/raw.py" "$@" 2>&1; }
swaks_run() { timeout 30 swaks --timeout 10 --server "127.0.0.1:$PORT" "$@" 2>&1; }

PORT=$("$PY" "$NETUTIL" free-port 1)
OUT="$TMPD/server.out"
"$SMTPSCOPE" practice --port "$PORT" --size 20000 >"$OUT" 2>"$TMPD/server.err" &
SPID=$!
PIDS="$SPID"
if ! "$PY" "$NETUTIL" wait-banner 127.0.0.1 "$PORT" 10; then
	not_ok "practice server greets on port $PORT"
	sed 's/^/    /' "$TMPD/server.err"
	finish
	exit $?
fi
ok "practice server greets on port $PORT"
BANNER=$(head -n 12 "$OUT")
check_contains "banner names the port" "127.0.0.1:$PORT" "$BANNER"
check_contains "banner shows the demo account" "demo / practice" "$BANNER"
check_contains "banner shows the certificate fingerprint" "SHA-256" "$BANNER"

if command -v swaks >/dev/null 2>&1; then
	r=$(swaks_run --to user@example.com --from alice@example.org --header "Subject: it-practice plain")
	check_contains "swaks: plain delivery queued" "250 2.0.0 Ok: queued as P" "$r"
	if wait_for "$OUT" "Subject: it-practice plain" 5; then ok "server shows the message back with its Subject"
	else not_ok "server shows the message back with its Subject"; fi

	r=$(swaks_run --to user@example.com -tls --tls-get-peer-cert)
	check_contains "swaks -tls: handshake" "TLS started with cipher" "$r"
	check_contains "swaks -tls: certificate offered" 'CN=localhost' "$r"
	check_contains "swaks -tls: certificate PEM" "BEGIN CERTIFICATE" "$r"
	check_contains "swaks -tls: queued" "250 2.0.0 Ok: queued as" "$r"

	r=$(swaks_run --to someone@elsewhere.org -tls --auth PLAIN --auth-user demo --auth-password practice)
	check_contains "swaks AUTH PLAIN over TLS succeeds" "235 2.7.0" "$r"
	check_contains "authenticated client may relay" "250 2.0.0 Ok: queued as" "$r"
	r=$(swaks_run --to user@example.com -tls --auth LOGIN --auth-user demo --auth-password practice)
	check_contains "swaks AUTH LOGIN over TLS succeeds" "235 2.7.0" "$r"
	r=$(swaks_run --to user@example.com -tls --auth LOGIN --auth-user demo --auth-password wrong)
	check_contains "wrong password gets 535 with the hint" "535 5.7.8 Authentication credentials invalid (the demo account is demo / practice)" "$r"
	if grep -q "cHJhY3RpY2U\|d3Jvbmc" "$OUT"; then not_ok "AUTH secrets masked in the server output"
	else ok "AUTH secrets masked in the server output"; fi

	r=$(swaks_run --to user@example.com --pipeline --header "Subject: it-practice pipelined")
	check_contains "swaks --pipeline: queued" "250 2.0.0 Ok: queued as" "$r"
	if wait_for "$OUT" "Subject: it-practice pipelined" 5; then ok "pipelined message shown by the server"
	else not_ok "pipelined message shown by the server"; fi

	r=$(swaks_run --to unknown@example.com)
	check_contains "unknown@ gets 550 5.1.1" "550 5.1.1" "$r"
	r=$(swaks_run --to user@example.com --body "$(head -c 30000 /dev/zero | tr '\0' 'a' | fold -w 70)")
	check_contains "a message over the SIZE limit gets 552" "552 5.3.4 Message size exceeds the SIZE limit of 20000" "$r"
	r=$(swaks_run --to relay@elsewhere.org)
	check_contains "relay without AUTH is denied" "554 5.7.1 Relay access denied" "$r"
else
	skip "swaks tests (swaks not installed)"
fi

r=$(raw "$PORT" R "S:EHLO raw.example\r\n" R "S:RCPT TO:<a@example.com>\r\n" R "S:QUIT\r\n" R)
check_contains "RCPT before MAIL: 503 5.5.1 with the hint" "503 5.5.1 Bad sequence: send MAIL FROM:<address> before RCPT TO" "$r"
r=$(raw "$PORT" R "S:EHLO raw.example\r\n" R "S:MAIL FROM:alice@example.org\r\n" R "S:QUIT\r\n" R)
check_contains "MAIL FROM without brackets: 501 5.5.4" "501 5.5.4 Syntax: MAIL FROM:<address> - the angle brackets are required" "$r"
r=$(raw "$PORT" R "S:EHLO raw.example\r\n" R "S:AUTH PLAIN AGRlbW8AcHJhY3RpY2U=\r\n" R "S:QUIT\r\n" R)
check_contains "AUTH before STARTTLS: 530 5.7.0" "530 5.7.0 Must issue STARTTLS first" "$r"

r=$(raw "$PORT" R "S:EHLO raw.example\r\n" R "S:MAIL FROM:<a@example.org>\r\n" R \
	"S:RCPT TO:<b@example.com>\r\n" R "S:BDAT 31\r\nSubject: it-practice bdat\r\n\r\nhi" R \
	"S:BDAT 0 LAST\r\n" R "S:QUIT\r\n" R)
check_contains "BDAT chunk acknowledged" "250 2.0.0 31 octets received" "$r"
check_contains "BDAT LAST queues the message" "250 2.0.0 Ok: queued as P" "$r"
if wait_for "$OUT" "BDAT; Subject: it-practice bdat" 5; then ok "BDAT message shown by the server"
else not_ok "BDAT message shown by the server"; fi
r=$(raw "$PORT" R "S:EHLO raw.example\r\n" R "S:MAIL FROM:<a@example.org>\r\n" R \
	"S:RCPT TO:<b@example.com>\r\n" R "S:BDAT 3\r\nabc" R "S:DATA\r\n" R "S:QUIT\r\n" R)
check_contains "DATA after BDAT refused" "503 5.5.1 Bad sequence: DATA cannot follow BDAT" "$r"

r=$(raw "$PORT" R "S:NOOP\n" R "S:QUIT\r\n" R)
check_contains "bare LF command refused with the explanation" "500 5.5.2 Bare LF: end every command line with CR LF" "$r"
r=$(raw "$PORT" R "S:EHLO raw.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n" \
	R R R R "S:Subject: x\r\n\r\nsmuggle\n.\nRSET\r\n" R R)
check_contains "bare LF in DATA: 521 and close" "521 5.5.2 Bare LF in message content" "$r"
check_contains "bare LF in DATA: connection closed" "<EOF>" "$r"

r=$(raw "$PORT" R "S:EHLO raw.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<unknown@example.com>\r\nRCPT TO:<b@example.com>\r\nRSET\r\nNOOP\r\n" \
	R R R R R R "S:QUIT\r\n" R)
order=$(printf '%s\n' "$r" | grep -E '^[0-9]{3} ' | cut -c1-9 | tr '\n' ' ')
check_eq "pipelined commands answered in order" "220 local 250 HELP 250 2.1.0 550 5.1.1 250 2.1.5 250 2.0.0 250 2.0.0 221 2.0.0 " "$order"

r=$(raw "$PORT" R "S:EHLO raw.example\r\n" R "S:STARTTLS\r\nRSET\r\n" R T "S:EHLO raw.example\r\n" R "S:QUIT\r\n" R)
check_contains "STARTTLS: 220 then TLS" "220 2.0.0 Ready to start TLS" "$r"
check_contains "STARTTLS: handshake done" "<TLS TLSv1" "$r"
after=$(printf '%s\n' "$r" | sed -n '/<TLS/,$p' | sed -n 2p)
check_eq "injected RSET got no reply: first reply over TLS is EHLO's" "250-localhost Hello raw.example" "$after"
if wait_for "$OUT" "discarded 6 bytes sent after STARTTLS" 5; then ok "STARTTLS injection reported by the server"
else not_ok "STARTTLS injection reported by the server"; fi

r=$(raw "$PORT" R 'S:\x00\x01\x1b[31mjunk\xff\xfe\r\n\x16\x03\x01garbage\r\n' R R "S:NOOP\r\n" R "S:QUIT\r\n" R)
check_contains "garbage: NUL refused" "500 5.5.2 NUL octet" "$r"
check_contains "garbage: server still answers" "250 2.0.0 Ok" "$r"
if grep -q "$(printf '\033')" "$OUT"; then not_ok "escape bytes never reach the server output raw"
else ok "escape bytes never reach the server output raw"; fi

raw "$PORT" R "S:EHLO raw.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n" \
	R R R R "S:Subject: cut\r\n\r\nhalf a mess" C >/dev/null
if wait_for "$OUT" "closed the connection in the middle of the message content" 5; then
	ok "client gone mid-DATA reported"
else not_ok "client gone mid-DATA reported"; fi
r=$(raw "$PORT" R "S:QUIT\r\n" R)
check_contains "server alive after all that" "221 2.0.0 Bye" "$r"

# A second instance on the same port cannot bind: exit status 1.
"$SMTPSCOPE" practice --port "$PORT" >"$TMPD/dup.out" 2>"$TMPD/dup.err" &
DPID=$!
PIDS="$PIDS $DPID"
stop_wait "$DPID"
check_eq "port in use: exit status 1" "1" "$?"
check_contains "port in use: says why" "Address already in use" "$(cat "$TMPD/dup.err")"
timeout 10 "$SMTPSCOPE" practice --listen 0.0.0.0 --port 0 >/dev/null 2>"$TMPD/any.err"
check_eq "non-loopback listen refused: exit status 1" "1" "$?"
check_contains "non-loopback listen refused: says why" "not a loopback address" "$(cat "$TMPD/any.err")"

stop_wait "$SPID" TERM
check_eq "SIGTERM: clean stop, exit status 0" "0" "$?"
check_contains "SIGTERM: summary printed" "stopped: " "$(tail -n 1 "$OUT")"

# JSON lines, on a port picked by the server.
JOUT="$TMPD/json.out"
"$SMTPSCOPE" practice --port 0 --json >"$JOUT" 2>"$TMPD/json.err" &
JPID=$!
PIDS="$PIDS $JPID"
if wait_for "$JOUT" '"event":"listening"' 10; then
	JPORT=$("$PY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["port"])' "$JOUT")
	raw "$JPORT" R "S:EHLO j.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n" \
		R R R R "S:Subject: json works\r\n\r\nx\r\n.\r\nQUIT\r\n" R R >/dev/null
	wait_for "$JOUT" '"event":"gone"' 5
	stop_wait "$JPID" TERM
	check_eq "--json: clean stop" "0" "$?"
	r=$("$PY" - "$JOUT" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
msg = [e for e in ev if e["event"] == "message"]
print("lines-ok", len(ev))
print("subject", msg[0]["subject"] if msg else None)
print("last", ev[-1]["event"])
EOF
)
	check_contains "--json: every line parses" "lines-ok" "$r"
	check_contains "--json: message event with Subject" "subject json works" "$r"
	check_contains "--json: stopped event last" "last stopped" "$r"
else
	not_ok "--json: listening event"
fi

finish
