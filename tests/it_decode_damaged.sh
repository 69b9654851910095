#!/bin/sh
# it_decode_damaged.sh - `smtpscope decode` on damaged captures made from the
# recorded ones with tools/pcapmangle.py: files cut at odd offsets, frames cut
# by the snapshot length, reordered, duplicated, conflicting and dropped TCP
# segments (RFC 9293 reassembly), non-SMTP flows mixed in, garbage as payload
# and as a whole file. Every run is bounded in time, must not crash (exit 0 or
# 1, 2 only for a file that cannot be read at all, no sanitizer report), must
# say on stderr what went wrong, and must keep what could be decoded.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
CHECK=$TOP/tools/decode_check.py
MANGLE=$TOP/tools/pcapmangle.py
CAPS=$TOP/tests/captures
LIMIT=60

if [ ! -x "$PY" ]; then
	skip "damaged-capture checks need /usr/bin/python3"
	finish
	exit $?
fi
for c in plain pipelining; do
	if [ ! -f "$CAPS/$c.pcap" ]; then
		not_ok "tests/captures/$c.pcap missing"
		finish
		exit $?
	fi
done
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86
UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=86
export ASAN_OPTIONS UBSAN_OPTIONS
W=$TMPD

mangle() {
	"$PY" "$MANGLE" "$@" || not_ok "pcapmangle $1 failed ($*)"
}

# dec OUT FILE ARGS...: decode FILE as JSON into OUT (.json, .err), sets RC.
dec() {
	out=$1 file=$2
	shift 2
	timeout "$LIMIT" "$SMTPSCOPE" decode --json "$@" "$file" >"$out.json" 2>"$out.err"
	RC=$?
}

# survived DESC OUT [RCS]: the last run ended in time with an allowed status
# (default "0 1") and without a sanitizer report.
survived() {
	desc=$1 out=$2 allowed=${3:-0 1}
	if grep -qE 'Sanitizer|runtime error:' "$out.err"; then
		not_ok "$desc: sanitizer report"
		grep -m 3 -E 'ERROR|runtime error|SUMMARY' "$out.err" | sed 's/^/    /'
		return 1
	fi
	if [ $RC -eq 124 ]; then
		not_ok "$desc: still running after $LIMIT s"
		return 1
	fi
	for r in $allowed; do
		if [ "$RC" -eq "$r" ]; then
			ok "$desc: exit status $RC, in time, no sanitizer report"
			return 0
		fi
	done
	not_ok "$desc: exit status $RC (allowed: $allowed)"
	head -3 "$out.err" | sed 's/^/    /'
	return 1
}

# pyjson DESC OUT CODE [ARG]: a Python assertion over the sessions (list "S")
# of OUT.json; ARG is sys.argv[3].
pyjson() {
	if "$PY" -c '
import json, sys
S = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
exec(sys.argv[2])
' "$2.json" "$3" "${4:-}" 2>"$TMPD/pyerr"; then
		ok "$1"
	else
		not_ok "$1"
		tail -2 "$TMPD/pyerr" | sed 's/^/    /'
	fi
}

# plausible DESC OUT: no reply is matched to a command it cannot answer (after
# bytes of the server's stream are lost, or packets of the two directions are
# swapped, later replies must still go to the commands they answer).
plausible() {
	if "$PY" "$CHECK" plausible "$2.json" >"$TMPD/pl" 2>&1; then
		ok "$1: every reply fits the command it is matched to"
	else
		not_ok "$1: replies matched to the wrong commands: $(grep FAIL "$TMPD/pl" | head -1 | cut -c1-200)"
	fi
}

# ---- the reference sessions -------------------------------------------------------

set --
for c in plain pipelining auth-plain auth-login bdat quit-early; do
	[ -f "$CAPS/$c.pcap" ] && set -- "$@" "$CAPS/$c.pcap"
done
mangle concat --sort "$W/multi.pcap" "$@"
dec "$W/multi" "$W/multi.pcap"
survived "several recorded sessions in one file" "$W/multi" 0
nsess=$(wc -l <"$W/multi.json" | tr -d ' ')
check "all $# sessions found in the merged file ($nsess)" [ "$nsess" -eq $# ]
dec "$W/plain" "$CAPS/plain.pcap"
dec "$W/pipe" "$CAPS/pipelining.pcap"

# ---- truncated files ---------------------------------------------------------------

# Cut in the middle of the third session: inside a record header, inside a
# record's data, and at a record boundary.
cport=$(sed -n 3p "$W/multi.json" | "$PY" -c 'import json,sys; print(json.loads(sys.stdin.read())["client"]["port"])')
idx=$("$PY" "$MANGLE" records "$W/multi.pcap" |
	awk -v p="$cport" '$6 ~ "(^|>)" p "(>|$)" { a[n++] = $1 } END { print a[int(n / 2)] }')
for delta in 7 21 0; do
	case $delta in
	7) where="inside record $idx's header" want=1 ;;
	21) where="inside record $idx's data" want=1 ;;
	0) where="at the start of record $idx" want=0 ;;
	esac
	mangle cut-record "$W/multi.pcap" "$W/cut.pcap" "$idx" "$delta"
	dec "$W/cut" "$W/cut.pcap"
	survived "file cut $where" "$W/cut" "$want"
	if [ "$want" -eq 1 ]; then
		check_contains "file cut $where: stderr says the file is cut short" "truncated" "$(cat "$W/cut.err")"
		check_contains "file cut $where: and that the results so far are shown" "results up to that point" \
			"$(cat "$W/cut.err")"
	fi
	pyjson "file cut $where: the two sessions before the cut are exactly as in the whole file" "$W/cut" '
full = [json.loads(l) for l in open(sys.argv[1].replace("cut.json", "multi.json"))]
assert len(S) == 3, "%d sessions" % len(S)
assert S[:2] == full[:2], "differ"
for s in S[:2]:
    assert s["close"] == "fin" and not s["truncated"]
    assert all(t["final_reply"] for t in s["transactions"])
'
	pyjson "file cut $where: the cut session is kept, marked truncated" "$W/cut" '
s = S[2]
assert s["truncated"] is True and s["close"] == "end of capture", (s["truncated"], s["close"])
assert "the capture ends while the session is still open" in s["problems"]
assert s["greeting"] and s["greeting"]["code"] == 220
'
done

# A file cut inside its own header, an empty file, a header alone.
head -c 10 "$CAPS/plain.pcap" >"$W/h10.pcap"
dec "$W/h10" "$W/h10.pcap"
survived "file cut inside the pcap file header" "$W/h10" 2
check_contains "file cut inside the pcap file header: reason given" "truncated" "$(cat "$W/h10.err")"
: >"$W/empty.pcap"
dec "$W/empty" "$W/empty.pcap"
survived "empty file" "$W/empty" 2
check "empty file: a message on stderr" [ -s "$W/empty.err" ]
head -c 24 "$CAPS/plain.pcap" >"$W/hdr.pcap"
dec "$W/hdr" "$W/hdr.pcap"
survived "pcap header without packets" "$W/hdr" 0
check_eq "pcap header without packets: no sessions" 0 "$(wc -c <"$W/hdr.json" | tr -d ' ')"

# A record header claiming 2 GB.
mangle caplen "$CAPS/plain.pcap" "$W/caplen.pcap" 8 2147483647
dec "$W/caplen" "$W/caplen.pcap"
survived "record claiming a 2 GB frame" "$W/caplen" 1
check_contains "record claiming a 2 GB frame: reason given" "capture length" "$(cat "$W/caplen.err")"
pyjson "record claiming a 2 GB frame: the session begun before it is kept" "$W/caplen" '
assert len(S) == 1 and S[0]["truncated"], S
'

# ---- frames cut by the snapshot length ---------------------------------------------

for snap in 200 120; do
	mangle snap "$CAPS/plain.pcap" "$W/snap.pcap" $snap
	dec "$W/snap" "$W/snap.pcap"
	survived "snapshot length $snap" "$W/snap" 0
	pyjson "snapshot length $snap: the session is found and the cut bytes are gaps" "$W/snap" '
assert len(S) == 1
s = S[0]
assert s["gaps"]["count"] >= 1 and s["gaps"]["bytes"] > 0, s["gaps"]
assert any(p.startswith("capture gap:") for p in s["problems"]), s["problems"]
assert s["greeting"]["code"] == 220 and s["helo"] == "client.example.test"
'
	plausible "snapshot length $snap" "$W/snap"
done
mangle snap "$CAPS/plain.pcap" "$W/snap.pcap" 60
dec "$W/snap" "$W/snap.pcap"
survived "snapshot length 60 (every TCP header cut)" "$W/snap" 0
check_eq "snapshot length 60: no sessions invented" 0 "$(wc -c <"$W/snap.json" | tr -d ' ')"

# ---- reordered, duplicated and conflicting segments ------------------------------

for seed in 1 2 3; do
	mangle shuffle "$CAPS/pipelining.pcap" "$W/shuf.pcap" --window 3 --seed $seed
	dec "$W/shuf" "$W/shuf.pcap"
	survived "segments of both directions reordered (seed $seed)" "$W/shuf" 0
	pyjson "segments of both directions reordered (seed $seed): one session, its envelope read" "$W/shuf" '
assert len(S) == 1 and S[0]["transactions"], S
t = S[0]["transactions"][0]
assert t["mail_from"] == "sender@example.test", t["mail_from"]
'
	plausible "segments of both directions reordered (seed $seed)" "$W/shuf"
done

# Far more out-of-order segments than reassembly holds (REASM_OOO_SEGS_MAX):
# the excess becomes gaps, and the transaction still ends with its reply.
big=$CAPS/size-reject.pcap
[ -f "$big" ] || big=$CAPS/plain.pcap
dec "$W/bigref" "$big"
mangle resegment "$big" "$W/tiny.pcap" 16
mangle shuffle "$W/tiny.pcap" "$W/rev.pcap" --runs --seed 7
dec "$W/rev" "$W/rev.pcap"
survived "thousands of 16-byte segments reordered" "$W/rev" 0
pyjson "thousands of 16-byte segments reordered: envelope and final reply kept" "$W/rev" '
ref = json.loads(open(sys.argv[1].replace("rev.json", "bigref.json")).readline())
s, r = S[0], ref
assert len(S) == 1
t, u = s["transactions"][0], r["transactions"][0]
assert t["mail_from"] == u["mail_from"] and [x["address"] for x in t["rcpt"]] == [x["address"] for x in u["rcpt"]]
assert t["final_reply"] == u["final_reply"], (t["final_reply"], u["final_reply"])
assert t["data"]["bytes"] + t["data"]["missing_bytes"] == u["data"]["bytes"]
if s["gaps"]["count"]:
    assert t["data"]["missing_bytes"] > 0 and any("missing" in p for p in s["problems"])
'

mangle dup "$CAPS/pipelining.pcap" "$W/dup.pcap" --every 2
dec "$W/dup" "$W/dup.pcap"
survived "every other packet duplicated" "$W/dup" 0
check "every other packet duplicated: the same sessions" "$PY" "$CHECK" jsondiff "$W/pipe.json" "$W/dup.json"

mangle resegment "$CAPS/plain.pcap" "$W/seg40.pcap" 40
mangle conflict "$W/seg40.pcap" "$W/conf.pcap" --match Hello
dec "$W/conf" "$W/conf.pcap"
survived "a retransmission carrying other bytes" "$W/conf" 0
pyjson "a retransmission carrying other bytes: counted as a conflict, the first copy kept" "$W/conf" '
ref = json.loads(open(sys.argv[1].replace("conf.json", "plain.json")).readline())
assert S[0]["conflicts"] >= 1, S[0]["conflicts"]
S[0]["conflicts"] = ref["conflicts"]
assert S[0] == ref
'

# ---- dropped segments: gaps, and parsing resumes ---------------------------------

dropped=""
for word in belongs Hello Regards travels; do
	if "$PY" "$MANGLE" drop "$W/seg40.pcap" "$W/drop.pcap" --match "$word" 2>/dev/null; then
		dropped=$word
		break
	fi
done
check "a segment of the message content dropped (the one holding '$dropped')" [ -n "$dropped" ]
dec "$W/drop" "$W/drop.pcap"
survived "message segment dropped" "$W/drop" 0
pyjson "message segment dropped: gap reported, final reply and queue id kept" "$W/drop" '
ref = json.loads(open(sys.argv[1].replace("drop.json", "plain.json")).readline())
s = S[0]
t, u = s["transactions"][0], ref["transactions"][0]
assert s["gaps"]["count"] == 1 and s["gaps"]["bytes"] == 40, s["gaps"]
assert t["data"]["missing_bytes"] == 40 and t["data"]["bytes"] == u["data"]["bytes"] - 40
assert t["final_reply"] == u["final_reply"] and t["queue_id"] == u["queue_id"] and t["outcome"] == "delivered"
assert t["headers"] == u["headers"]
assert "transaction 1: 40 message bytes missing from the capture" in s["problems"], s["problems"]
assert [c["command"] for c in s["commands"]] == [c["command"] for c in ref["commands"]]
'

mangle drop "$CAPS/plain.pcap" "$W/dropcmd.pcap" --match "RCPT TO:<bob"
dec "$W/dropcmd" "$W/dropcmd.pcap"
survived "a client command lost (RCPT TO bob)" "$W/dropcmd" 0
pyjson "a client command lost: gap reported, the rest of the session decoded" "$W/dropcmd" '
s = S[0]
t = s["transactions"][0]
assert s["gaps"]["count"] >= 1
assert [r["address"] for r in t["rcpt"]] == ["alice@example.test"], t["rcpt"]
assert t["rcpt"][0]["reply"]["code"] == 250
assert t["final_reply"]["code"] == 250 and t["queue_id"], t["final_reply"]
assert s["commands"][-1]["command"] == "QUIT" and s["commands"][-1]["reply"]["code"] == 221
'
plausible "a client command lost" "$W/dropcmd"

mangle drop "$CAPS/plain.pcap" "$W/droprep.pcap" --match "2.1.5 Ok"
dec "$W/droprep" "$W/droprep.pcap"
survived "a server reply lost (to RCPT TO alice)" "$W/droprep" 0
pyjson "a server reply lost: gap reported, final reply kept" "$W/droprep" '
s = S[0]
assert s["gaps"]["count"] >= 1
assert s["transactions"][0]["final_reply"]["code"] == 250
'
pyjson "a server reply lost: alice's reply shown as lost, bob's kept" "$W/droprep" '
t = S[0]["transactions"][0]
r = {x["address"]: x for x in t["rcpt"]}
assert r["alice@example.test"]["status"] == "lost" and r["alice@example.test"]["reply"] is None, r
assert r["bob@example.test"]["status"] == "ok" and r["bob@example.test"]["reply"]["status"] == "2.1.5", r
'
plausible "a server reply lost" "$W/droprep"

# The pipelined MAIL..DATA group lost in one segment: the 354 that follows shows
# DATA was sent, so the message is still read as a message (not as commands),
# and the replies to the lost MAIL and RCPTs are reported with their texts.
mangle drop "$CAPS/pipelining.pcap" "$W/dropgroup.pcap" --match "RCPT TO:<alice"
dec "$W/dropgroup" "$W/dropgroup.pcap"
survived "a pipelined command group lost (MAIL to DATA)" "$W/dropgroup" 0
pyjson "a pipelined command group lost: the message, its final reply and queue id kept" "$W/dropgroup" '
ref = json.loads(open(sys.argv[1].replace("dropgroup.json", "pipe.json")).readline())
rt, s = ref["transactions"][0], S[0]
assert s["gaps"]["count"] >= 1
assert len(s["transactions"]) == 1, s["transactions"]
t = s["transactions"][0]
assert t["mail_from"] is None and t["rcpt"] == [], t
assert t["outcome"] == rt["outcome"] == "delivered", t["outcome"]
assert t["queue_id"] == rt["queue_id"] and t["final_reply"] == rt["final_reply"], t["final_reply"]
assert t["headers"]["subject"] == rt["headers"]["subject"] and t["data"]["bytes"] == rt["data"]["bytes"], t
data = [c for c in t["commands"] if c["verb"] == "DATA"]
assert len(data) == 1 and data[0]["inferred"] and data[0]["reply"]["code"] == 354, data
assert not any(c["inferred"] for c in ref["commands"] + rt["commands"])
assert [c["verb"] for c in s["commands"]] == ["EHLO", "QUIT"], [c["command"] for c in s["commands"]]
'
pyjson "a pipelined command group lost: the refused recipient still reported" "$W/dropgroup" '
ref = json.loads(open(sys.argv[1].replace("dropgroup.json", "pipe.json")).readline())
refused = [r for r in ref["transactions"][0]["rcpt"] if r["reply"]["code"] >= 500]
assert len(refused) == 1, refused
lost = [p for p in S[0]["problems"] if p.startswith("reply_lost_command")]
assert len(lost) == 5, lost
assert any(refused[0]["reply"]["text"][:60] in p and "550" in p for p in lost), lost
assert not any(p.startswith("reply_unsolicited") or p.startswith("empty_line") for p in S[0]["problems"])
'
plausible "a pipelined command group lost" "$W/dropgroup"

# Only the MAIL of the pipelined group lost (the group cut into small
# segments): its 2.1.0 reply must not shift onto the first RCPT.
mangle resegment "$CAPS/pipelining.pcap" "$W/pipeseg.pcap" 30
mangle drop "$W/pipeseg.pcap" "$W/dropmail.pcap" --match "MAIL FROM"
dec "$W/dropmail" "$W/dropmail.pcap"
survived "a pipelined MAIL lost" "$W/dropmail" 0
pyjson "a pipelined MAIL lost: every recipient keeps its own reply, the message is read" "$W/dropmail" '
ref = json.loads(open(sys.argv[1].replace("dropmail.json", "pipe.json")).readline())
rt, t = ref["transactions"][0], S[0]["transactions"][0]
assert t["mail_from"] is None, t["mail_from"]
got = [(r["address"], r["reply"]["code"], r["reply"]["text"]) for r in t["rcpt"]]
want = [(r["address"], r["reply"]["code"], r["reply"]["text"]) for r in rt["rcpt"]]
assert got == want, got
assert t["outcome"] == "delivered" and t["queue_id"] == rt["queue_id"], t["outcome"]
assert t["headers"]["subject"] == rt["headers"]["subject"], t["headers"]
lost = [p for p in S[0]["problems"] if p.startswith("reply_lost_command")]
assert len(lost) == 1 and "MAIL: 250 2.1.0" in lost[0], lost
'
plausible "a pipelined MAIL lost" "$W/dropmail"

# ---- other traffic mixed in ----------------------------------------------------------

mangle add-flow "$CAPS/plain.pcap" "$W/http.pcap" --port 80 \
	--client 'GET / HTTP/1.1\r\nHost: www.example.test\r\n\r\n' \
	--server 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'
dec "$W/http" "$W/http.pcap"
survived "an HTTP flow beside the SMTP session" "$W/http" 0
check "an HTTP flow beside the SMTP session: only the SMTP session, unchanged" \
	"$PY" "$CHECK" jsondiff "$W/plain.json" "$W/http.json"
check_contains "an HTTP flow beside the SMTP session: both flows counted" "2 TCP flows, 1 SMTP sessions" \
	"$(cat "$W/http.err")"

# Other protocols open with 220 too: an FTP server on port 21 is not SMTP (the
# client says USER, or AUTH TLS, or only QUIT), an SMTP server on port 10025 is
# (the client says EHLO).
for c in USER "AUTH TLS" QUIT; do
	case $c in
	USER) cmds='USER anonymous\r\nPASS x\r\n' ;;
	*) cmds="$c\\r\\n" ;;
	esac
	mangle add-flow "$CAPS/plain.pcap" "$W/ftp.pcap" --port 21 --first server \
		--server '220 ProFTPD 1.3.5 Server (Debian) [10.9.0.2]\r\n' --client "$cmds"
	dec "$W/ftp" "$W/ftp.pcap"
	survived "an FTP flow beside the SMTP session (client: $c)" "$W/ftp" 0
	check "an FTP flow (client: $c): not taken for SMTP, the SMTP session unchanged" \
		"$PY" "$CHECK" jsondiff "$W/plain.json" "$W/ftp.json"
	check_contains "an FTP flow (client: $c): both flows counted, one session" "2 TCP flows, 1 SMTP sessions" \
		"$(cat "$W/ftp.err")"
done
mangle add-flow "$CAPS/plain.pcap" "$W/smtp10025.pcap" --port 10025 --first server \
	--server '220 mx.example.test ESMTP\r\n' --client 'EHLO client.example.test\r\n'
dec "$W/smtp10025" "$W/smtp10025.pcap"
survived "SMTP on port 10025 beside the recorded session" "$W/smtp10025" 0
pyjson "SMTP on port 10025: found by its greeting, confirmed by EHLO" "$W/smtp10025" '
assert len(S) == 2, len(S)
o = [s for s in S if s["server"]["port"] == 10025]
assert len(o) == 1 and o[0]["detected_by"] == "greeting" and o[0]["helo"] == "client.example.test", o
assert sorted(s["session"] for s in S) == [1, 2]
'

mangle add-flow "$CAPS/plain.pcap" "$W/junk25.pcap" --port 25 --first server \
	--server '\x00\x01\x02\xff garbage\r\n\x1b[2J\x1b]0;t\x07' --client '\x80\x81 more\x00junk\r\n'
dec "$W/junk25" "$W/junk25.pcap"
survived "binary junk on port 25" "$W/junk25" 0
pyjson "binary junk on port 25: reported as a session with problems, the real one unchanged" "$W/junk25" '
ref = json.loads(open(sys.argv[1].replace("junk25.json", "plain.json")).readline())
junk = [s for s in S if s["server"]["port"] == 25]
assert len(S) == 2 and len(junk) == 1
assert junk[0]["problems"], junk[0]
real = [s for s in S if s["server"]["port"] != 25][0]
real["session"] = ref["session"]
assert real == ref
'
timeout "$LIMIT" "$SMTPSCOPE" decode -q "$W/junk25.pcap" >"$W/junk25.txt" 2>&1
if grep -q "$(printf '\033')" "$W/junk25.txt"; then
	not_ok "binary junk on port 25: text output holds a raw ESC byte"
else
	ok "binary junk on port 25: text output holds no raw ESC byte"
fi

# ---- garbage as payload and as a whole file --------------------------------------

# A command, a reply, and 40 bytes in the middle of the message content.
for m in "MAIL FROM" "250-mx.test" "Hello"; do
	mangle garble "$W/seg40.pcap" "$W/garble.pcap" --match "$m" --seed 3
	dec "$W/garble" "$W/garble.pcap"
	survived "the segment holding '$m' replaced by random bytes" "$W/garble" 0
	# random bytes in a command or reply line are anomalies; in the message
	# content they are just content
	pyjson "the segment holding '$m' replaced by random bytes: parsing resumes" "$W/garble" '
s = S[0]
assert len(S) == 1
assert s["problems"] or sys.argv[3] == "Hello", "no problem listed"
q = s["commands"][-1]
assert q["command"] == "QUIT" and q["reply"]["code"] == 221, q
if sys.argv[3] in ("Hello", "MAIL FROM"):
    # the message is kept, with an unknown sender when its MAIL was garbled
    ts = s["transactions"]
    assert len(ts) == 1, ts
    t = ts[0]
    assert t["final_reply"]["code"] == 250 and t["data"]["missing_bytes"] == 0 and t["queue_id"], t
    assert t["outcome"] == "delivered" and t["headers"]["message_id"] == "<plain.0001@client.example.test>"
    assert (t["mail_from"] is None) == (sys.argv[3] == "MAIL FROM"), t["mail_from"]
' "$m"
	timeout "$LIMIT" "$SMTPSCOPE" decode -q "$W/garble.pcap" >"$W/garble.txt" 2>&1
	if grep -q "$(printf '\033')" "$W/garble.txt"; then
		not_ok "the segment holding '$m' replaced by random bytes: raw ESC in text output"
	else
		ok "the segment holding '$m' replaced by random bytes: text output holds no raw ESC"
	fi
done

mangle garbage-file "$W/noise.bin" 4096 --seed 5
dec "$W/noise" "$W/noise.bin"
survived "a file of random bytes" "$W/noise" 2
check_contains "a file of random bytes: reason given" "format" "$(cat "$W/noise.err")"
for seed in 1 2 3; do
	mangle garbage-file "$W/noise.pcap" 30000 --seed $seed --header
	dec "$W/noise" "$W/noise.pcap"
	survived "a pcap header followed by random records (seed $seed)" "$W/noise" "0 1"
	if [ $RC -eq 1 ]; then
		check_contains "random records (seed $seed): reason given" "results up to that point" "$(cat "$W/noise.err")"
	fi
done

finish
