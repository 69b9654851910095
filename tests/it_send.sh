#!/bin/sh
# it_send.sh - `smtpscope send` against real servers on loopback: Postfix (plain, STARTTLS with its
# test certificate, implicit TLS, PIPELINING, CHUNKING, SIZE, a refused recipient) and aiosmtpd
# (AUTH PLAIN/LOGIN), compared with swaks on the same sessions (RFC 5321, 3207, 8314, 4954, 3030).
# Postfix needs root; without root or the packages the script skips. Servers are stopped on exit.
. "$(dirname "$0")/lib.sh"

SRV=$TOP/tests/servers
PY=/usr/bin/python3
PF=$TMPD/pf
AI=$TMPD/ai
SECRET='s3cret pass'

teardown() {
	sh "$SRV/postfix.sh" stop "$PF" >/dev/null 2>&1
	sh "$SRV/aiosmtpd.sh" stop "$AI" >/dev/null 2>&1
	[ -n "${BGPID:-}" ] && kill "$BGPID" 2>/dev/null
	rm -rf "$TMPD"
}
trap teardown EXIT
trap 'exit 1' INT TERM

missing=""
command -v postfix >/dev/null 2>&1 || missing="$missing postfix"
command -v swaks >/dev/null 2>&1 || missing="$missing swaks"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
"$PY" -c 'import aiosmtpd' 2>/dev/null || missing="$missing python3-aiosmtpd"
if [ "$(id -u)" -ne 0 ] || [ -n "$missing" ]; then
	skip "send tests need root and the Debian packages postfix swaks openssl python3-aiosmtpd (missing:${missing:- root})"
	finish
	exit 0
fi
if [ ! -x "$SMTPSCOPE" ]; then
	not_ok "smtpscope binary not built ($SMTPSCOPE)"
	finish
	exit 1
fi

set -- $("$PY" "$SRV/netutil.py" free-port 3)
P=$1 PTLS=$2 PAI=$3

# ss ARGS...: smtpscope send with a bounded run time; output in $out, status in $rc.
ss() {
	out=$(timeout 120 "$SMTPSCOPE" send --ehlo client.example.test --timeout 20 "$@" 2>&1 </dev/null)
	rc=$?
}
# sw ARGS...: swaks, the same way.
sw() {
	swout=$(timeout 120 swaks --timeout 20 --helo client.example.test "$@" 2>&1 </dev/null)
	swrc=$?
}
wait_in_file() {
	i=0
	while [ $i -lt 100 ]; do
		grep -qF "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# json_get EXPR: evaluate a Python expression over the JSON document in $out (as d).
json_get() {
	printf '%s' "$out" | "$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)" 2>&1
}

if ! sh "$SRV/postfix.sh" start "$PF" "$P" --tls-port "$PTLS" >"$TMPD/pf.log" 2>&1; then
	not_ok "postfix starts ($(tail -3 "$TMPD/pf.log"))"
	finish
	exit 1
fi
ok "postfix starts"
CERT=$PF/conf/cert.pem
MB=$PF/mail

check_plain() {
	tag="plain-$$-$P"
	ss --server 127.0.0.1:"$P" --from sender@example.test --to alice@example.test --subject "$tag"
	check_eq "plain delivery exits 0" 0 "$rc"
	check_contains "the final reply is shown" "S: 250 2.0.0 Ok: queued as " "$out"
	check_contains "the queue id is reported" "Result: message accepted (queue id " "$out"
	check_contains "the EHLO reply explains SIZE" "SIZE 10240000: messages up to 10240000 bytes" "$out"
	check_contains "MAIL and RCPT are pipelined when offered" "C: MAIL FROM:<sender@example.test>" "$out"
	check "the message lands in alice's mailbox" wait_in_file "$MB/alice" "Subject: $tag"
	check "Message-ID and Date are added" grep -q "^Message-ID: <.*@client.example.test>" "$MB/alice"
}

check_rejected() {
	ss --server 127.0.0.1:"$P" --from sender@example.test --to bob@example.test --to nobody@example.test --json
	check_eq "one refused recipient of two: still accepted, exit 0" 0 "$rc"
	check_eq "JSON lists the refused recipient" "nobody@example.test 550 5.1.1" \
		"$(json_get '" ".join(str(x) for x in (d["result"]["rejected_recipients"][0]["address"], d["result"]["rejected_recipients"][0]["code"], d["result"]["rejected_recipients"][0]["status"]))')"
	check_contains "JSON gives the refusal text" "Recipient address rejected" \
		"$(json_get 'd["result"]["rejected_recipients"][0]["text"]')"
	check_eq "JSON gives the refusal reason class" userunknown \
		"$(json_get 'd["result"]["rejected_recipients"][0]["reason"]')"
	check_eq "JSON result: accepted with a queue id" "True True" \
		"$(json_get 'd["result"]["accepted"], bool(d["result"]["queue_id"])')"
	check_eq "JSON events carry dir, time and lines" "ok" "$(json_get '"ok" if d["events"] and all(e["dir"] in ("C","S","info") and e["time"].endswith("Z") and isinstance(e["lines"], list) for e in d["events"]) else "bad"')"
	check_eq "JSON replies carry code, explanation and latency" "ok" "$(json_get '"ok" if all(isinstance(e["code"], int) and "explanation" in e and "latency_ms" in e for e in d["events"] if e["dir"]=="S" and e["code"]) else "bad"')"
	ss --server 127.0.0.1:"$P" --from sender@example.test --to nobody@example.test
	check_eq "every recipient refused exits 16 (rcpt)" 16 "$rc"
	check_contains "the stage is named" "failed at rcpt: every recipient was refused" "$out"
	check_contains "the refusal is explained" "reason userunknown" "$out"
	ss --server 127.0.0.1:"$P" --from sender@example.test --to alice@example.test --quit-after rcpt
	check_eq "--quit-after rcpt exits 0" 0 "$rc"
	case "$out" in *"C: DATA"*) not_ok "--quit-after rcpt sent DATA" ;; *) ok "--quit-after rcpt sends no DATA" ;; esac
	check_contains "--quit-after rcpt ends with QUIT" "C: QUIT" "$out"
	ss --server 127.0.0.1:"$P" --quit-after ehlo
	check_eq "--quit-after ehlo needs no --from and exits 0" 0 "$rc"
	ss --server 127.0.0.1:1 --from a@example.test --to alice@example.test --timeout 5
	check_eq "a refused connection exits 10 (connect)" 10 "$rc"
}

check_tls() {
	tag="tls-$$-$P"
	ss --server 127.0.0.1:"$P" --starttls --ca-file "$CERT" --sni mx.test --from s@example.test \
		--to bob@example.test --subject "$tag"
	check_eq "STARTTLS with the test CA exits 0" 0 "$rc"
	check_contains "the chain is shown" "0 subject: CN=mx.test" "$out"
	check_contains "protocol and cipher are shown" "TLS: TLSv1." "$out"
	check_contains "verification succeeded" "verification: ok for the name mx.test" "$out"
	check "the STARTTLS message arrives with ESMTPS" wait_in_file "$MB/bob" "with ESMTPS id"
	ss --server 127.0.0.1:"$P" --starttls --from s@example.test --to bob@example.test
	check_eq "an untrusted certificate stops at tls (13)" 13 "$rc"
	check_contains "the failure is explained" "self-signed certificate" "$out"
	ss --server 127.0.0.1:"$P" --starttls --no-verify --from s@example.test --to bob@example.test
	check_eq "--no-verify continues (0)" 0 "$rc"
	check_contains "--no-verify still shows the failure" "verification FAILED: self-signed" "$out"
	ss --server 127.0.0.1:"$PTLS" --tls --no-verify --from s@example.test --to alice@example.test \
		--subject "wrap-$tag"
	check_eq "implicit TLS exits 0" 0 "$rc"
	check "the implicit TLS message arrives" wait_in_file "$MB/alice" "Subject: wrap-$tag"
}

check_message_options() {
	tag="att-$$-$P"
	head -c 3000 /dev/urandom >"$TMPD/blob.bin"
	printf 'line one\n.dot line\n' >"$TMPD/body.txt"
	ss --server 127.0.0.1:"$P" --from s@example.test --to alice@example.test --subject "$tag" \
		--header "X-Smtpscope-Test: $tag" --body @"$TMPD/body.txt" --attach "$TMPD/blob.bin"
	check_eq "a message with an attachment exits 0" 0 "$rc"
	wait_in_file "$MB/alice" "X-Smtpscope-Test: $tag"
	got=$("$PY" - "$MB/alice" "$tag" "$TMPD/blob.bin" <<'EOF'
import mailbox, sys
want = open(sys.argv[3], "rb").read()
for m in mailbox.mbox(sys.argv[1]):
    if m.get("X-Smtpscope-Test") != sys.argv[2]:
        continue
    parts = [p for p in m.walk() if p.get_filename()]
    body = [p for p in m.walk() if p.get_content_type() == "text/plain"]
    ok = parts and parts[0].get_payload(decode=True) == want
    dots = body and ".dot line" in body[0].get_payload(decode=True).decode()
    print("ok" if ok and dots else "bad")
    break
else:
    print("missing")
EOF
)
	check_eq "the attachment decodes to the same bytes and dots survive" ok "$got"
	ss --server 127.0.0.1:"$P" --from s@example.test --to bob@example.test --bdat --subject "bdat-$tag"
	check_eq "--bdat exits 0" 0 "$rc"
	check_contains "BDAT is used when CHUNKING is offered" "C: BDAT " "$out"
	check "the BDAT message arrives" wait_in_file "$MB/bob" "Subject: bdat-$tag"
	"$PY" -c 'import sys
with open(sys.argv[1], "w") as f:
    line = "x" * 76 + "\n"
    for _ in range(150000):
        f.write(line)' "$TMPD/big.txt"
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%M' -o "$TMPD/rss" timeout 120 "$SMTPSCOPE" send --server 127.0.0.1:"$P" \
			--from s@example.test --to alice@example.test --body @"$TMPD/big.txt" >"$TMPD/big.out" 2>&1
		rc=$?
		rss=$(tail -1 "$TMPD/rss")
		check_eq "an 11 MB body over the SIZE limit ends at the message stage (18)" 18 "$rc"
		check "the body is streamed: peak memory stays under 40 MB (got ${rss} KB)" test "$rss" -lt 40960
		check "the size refusal is shown" grep -q "552 5.3.4" "$TMPD/big.out"
	else
		skip "/usr/bin/time missing: memory of a large body not measured"
	fi
	ss --server 127.0.0.1:"$P" --from s@example.test --to alice@example.test --body @"$TMPD/none.txt"
	check_eq "a missing body file is a local error (3) before connecting" 3 "$rc"
	ss --server 127.0.0.1:"$P" --from s@example.test
	check_eq "missing --to is a usage error (2)" 2 "$rc"
}

check_script() {
	tag="script-$$-$P"
	cat >"$TMPD/script" <<EOF
MAIL FROM:<s@example.test>
RCPT TO:<alice@example.test>
:data
Subject: $tag

.a line with a dot
.
EOF
	ss --server 127.0.0.1:"$P" --script "$TMPD/script"
	check_eq "--script runs raw lines and helpers (0)" 0 "$rc"
	check "the scripted message arrives with its dot" wait_in_file "$MB/alice" ".a line with a dot"
	out=$(printf 'MAIL FROM:<s@example.test>\nRCPT TO:<nobody@example.test>\nQUIT\n' |
		timeout 60 "$SMTPSCOPE" send --server 127.0.0.1:"$P" --timeout 20 --script - 2>&1)
	rc=$?
	check_eq "--script - reads stdin; all refused gives 16" 16 "$rc"
}

check_auth() {
	if ! sh "$SRV/aiosmtpd.sh" start "$AI" "$PAI" demo "$SECRET" --require-auth >"$TMPD/ai.log" 2>&1; then
		not_ok "aiosmtpd starts ($(tail -3 "$TMPD/ai.log"))"
		return
	fi
	printf '%s\n' "$SECRET" >"$TMPD/secret"
	out=$(SMTPSCOPE_SECRET="$SECRET" timeout 60 "$SMTPSCOPE" send --server 127.0.0.1:"$PAI" --timeout 20 \
		--auth plain --user demo --from s@example.test --to alice@example.test --json 2>&1 </dev/null)
	rc=$?
	check_eq "AUTH PLAIN with the secret from the environment exits 0" 0 "$rc"
	check_eq "the AUTH line is masked in JSON" "AUTH PLAIN *** True" \
		"$(json_get '[(e["lines"][0], e["masked"]) for e in d["events"] if e.get("command")=="AUTH"][0][0], [(e["lines"][0], e["masked"]) for e in d["events"] if e.get("command")=="AUTH"][0][1]')"
	b64=$(printf '\000demo\000%s' "$SECRET" | base64 -w0)
	case "$out" in *"$SECRET"* | *"$b64"*) not_ok "the secret appears in the JSON transcript" ;; *) ok "the secret is absent from the JSON transcript" ;; esac
	ss --server 127.0.0.1:"$PAI" --auth login --user demo --secret-file "$TMPD/secret" --from s@example.test \
		--to bob@example.test --transcript "$TMPD/auth.txt"
	check_eq "AUTH LOGIN with --secret-file exits 0" 0 "$rc"
	check "the saved transcript masks the password line" grep -q "C: \*\*\*" "$TMPD/auth.txt"
	case "$(cat "$TMPD/auth.txt")$out" in *"$SECRET"*) not_ok "the secret appears in the text transcript" ;; *) ok "the secret is absent from the text transcripts" ;; esac
	check "the saved message records the AUTH" grep -qx "auth: yes" "$AI/mail/0001.env"
	printf 'wrong\n' >"$TMPD/wrong"
	ss --server 127.0.0.1:"$PAI" --auth plain --user demo --secret-file "$TMPD/wrong" --from s@example.test \
		--to bob@example.test
	check_eq "a wrong password exits 14 (auth)" 14 "$rc"
	check_contains "the refusal is explained" "535 5.7.8" "$out"
	check_ps_secret
}

# The secret never appears on a command line: look at ps while a send runs.
check_ps_secret() {
	mkfifo "$TMPD/fifo"
	timeout 60 "$SMTPSCOPE" send --server 127.0.0.1:"$PAI" --timeout 20 --auth plain --user demo \
		--secret-file "$TMPD/secret" --script "$TMPD/fifo" >"$TMPD/ps.out" 2>&1 &
	BGPID=$!
	sleep 0.5
	# (aiosmtpd itself got the password on its command line: look at our processes only)
	args=$(ps -ww -eo args | grep -F "$SMTPSCOPE" | grep -v grep)
	case "$args" in *send*--secret-file*) ok "the send process is visible in ps" ;; *) not_ok "the send process is not in ps" ;; esac
	case "$args" in *"$SECRET"*) not_ok "the secret is visible in ps" ;; *) ok "the secret is absent from ps output" ;; esac
	pid=$(pgrep -P "$BGPID" 2>/dev/null | head -1)
	if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ]; then
		if tr '\000' ' ' <"/proc/$pid/cmdline" | grep -qF "$SECRET"; then
			not_ok "the secret is in /proc/PID/cmdline"
		else
			ok "the secret is absent from /proc/PID/cmdline"
		fi
	fi
	printf 'NOOP\n' >"$TMPD/fifo"
	wait "$BGPID"
	rc=$?
	BGPID=""
	check_eq "the fifo-scripted AUTH session exits 0" 0 "$rc"
}

# The final reply code that decided a swaks session: the last server reply before QUIT.
swaks_final() {
	printf '%s\n' "$swout" | awk '/^ *[-~]> QUIT/ {print last; exit} /^<[-~*]+ +[0-9][0-9][0-9][ -]/ {match($0, /[0-9][0-9][0-9]/); last=substr($0, RSTART, 3)}'
}
ours_final() {
	printf '%s' "$out" | "$PY" -c 'import json,sys
d = json.load(sys.stdin)
last = ""
for e in d["events"]:
    if e["dir"] == "C" and e.get("command") == "QUIT":
        break
    if e["dir"] == "S" and e["code"]:
        last = str(e["code"])
print(last)'
}
same_outcome() {
	desc=$1
	shift
	sw "$@"
	ss --json "$@"
	a=$([ "$swrc" -eq 0 ] && echo success || echo failure)
	b=$([ "$rc" -eq 0 ] && echo success || echo failure)
	check_eq "$desc: the same outcome as swaks" "$a" "$b"
	check_eq "$desc: the same final reply code as swaks" "$(swaks_final)" "$(ours_final)"
}

check_swaks() {
	same_outcome "plain delivery" --server 127.0.0.1:"$P" --from s@example.test --to alice@example.test
	same_outcome "refused recipient" --server 127.0.0.1:"$P" --from s@example.test --to nobody@example.test
	same_outcome "quit after RCPT" --server 127.0.0.1:"$P" --from s@example.test --to bob@example.test \
		--quit-after rcpt
	sw --server 127.0.0.1:"$P" -tls --tls-verify --tls-ca-path "$CERT" --tls-sni mx.test \
		--from s@example.test --to bob@example.test 2>/dev/null
	if [ "$swrc" -ne 0 ]; then
		sw --server 127.0.0.1:"$P" -tls --from s@example.test --to bob@example.test
	fi
	ss --json --server 127.0.0.1:"$P" --starttls --no-verify --from s@example.test --to bob@example.test
	check_eq "STARTTLS: the same outcome as swaks" "$([ "$swrc" -eq 0 ] && echo success || echo failure)" \
		"$([ "$rc" -eq 0 ] && echo success || echo failure)"
	check_eq "STARTTLS: the same final reply code as swaks" "$(swaks_final)" "$(ours_final)"
	if [ -f "$AI/pid" ]; then
		sw --server 127.0.0.1:"$PAI" -a PLAIN -au demo -ap "$SECRET" --from s@example.test --to alice@example.test
		out=$(SMTPSCOPE_SECRET="$SECRET" timeout 60 "$SMTPSCOPE" send --server 127.0.0.1:"$PAI" --json \
			--ehlo client.example.test --auth plain --user demo --from s@example.test --to alice@example.test 2>&1)
		rc=$?
		check_eq "AUTH: the same outcome as swaks" "$([ "$swrc" -eq 0 ] && echo success || echo failure)" \
			"$([ "$rc" -eq 0 ] && echo success || echo failure)"
		check_eq "AUTH: the same final reply code as swaks" "$(swaks_final)" "$(ours_final)"
		sw --server 127.0.0.1:"$PAI" -a PLAIN -au demo -ap wrong --from s@example.test --to alice@example.test
		out=$(SMTPSCOPE_SECRET=wrong timeout 60 "$SMTPSCOPE" send --server 127.0.0.1:"$PAI" --json \
			--ehlo client.example.test --auth plain --user demo --from s@example.test --to alice@example.test 2>&1)
		rc=$?
		check_eq "AUTH refused: the same outcome as swaks" "$([ "$swrc" -eq 0 ] && echo success || echo failure)" \
			"$([ "$rc" -eq 0 ] && echo success || echo failure)"
		check_eq "AUTH refused: the same final reply code as swaks" "$(swaks_final)" "$(ours_final)"
	fi
}

check_plain
check_rejected
check_tls
check_message_options
check_script
check_auth
check_swaks
finish
