#!/bin/sh
# it_decode.sh - `smtpscope decode` on the captures recorded in tests/captures/
# (RFC 5321, 2920, 3030, 3207, 4954; RFC 2047 headers). For each capture the
# expected greeting, EHLO, commands and replies, envelope, message bytes and
# headers, TLS, AUTH and queue id come from the client's own transcript and
# NAME.txt (tools/decode_check.py derives them); the JSON, text, --summary and
# --extract outputs are checked against them, AUTH secrets must stay masked,
# and the same packets read from stdin, through a BPF filter, or re-encoded
# (other link types, nanosecond time stamps, split / reordered / duplicated
# segments; tools/pcapmangle.py) must give the same result.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
CHECK=$TOP/tools/decode_check.py
MANGLE=$TOP/tools/pcapmangle.py
CAPS=$TOP/tests/captures
LIMIT=60 # seconds allowed for any one run

if [ ! -x "$PY" ]; then
	skip "decode checks need /usr/bin/python3"
	finish
	exit $?
fi
if [ ! -x "$SMTPSCOPE" ]; then
	not_ok "smtpscope binary missing: $SMTPSCOPE"
	finish
	exit $?
fi

# dec ARGS...: smtpscope decode with a time limit.
dec() {
	timeout "$LIMIT" "$SMTPSCOPE" decode "$@"
}

# absorb PREFIX FILE: count the PASS/FAIL lines a checker wrote.
absorb() {
	while IFS= read -r line; do
		case $line in
		"PASS "*) ok "$1: ${line#PASS }" ;;
		"FAIL "*) not_ok "$1: ${line#FAIL }" ;;
		"NOTE "*) echo "# $1: ${line#NOTE }" ;;
		"RESULT "*) ;;
		*) not_ok "$1: checker said: $line" ;;
		esac
	done <"$2"
}

# info_for FILE: NAME.txt and the transcript that describe a capture file
# (plain.pcapng is a variant of plain.pcap and shares its files).
info_for() {
	base=${1%.*}
	INFO=$base.txt
	TRANSCRIPT=""
	for t in "$base.swaks.txt" "$base.client.txt"; do
		[ -f "$t" ] && TRANSCRIPT=$t && break
	done
}

# same_json DESC REF FILE [IGNORE]: decoding FILE gives exactly REF's JSON,
# apart from the comma-separated keys IGNORE (TLS byte counts included: they
# must not depend on the segmentation).
same_json() {
	desc=$1 ref=$2 file=$3 ign=${4:-}
	dec --json -q "$file" >"$TMPD/variant.json" 2>"$TMPD/variant.err"
	rc=$?
	if [ $rc -eq 0 ] && "$PY" "$CHECK" jsondiff ${ign:+--ignore "$ign"} "$ref" "$TMPD/variant.json" >/dev/null; then
		ok "$desc: same sessions as the original${ign:+ (apart from $ign)}"
	else
		not_ok "$desc: differs from the original (exit $rc)"
		"$PY" "$CHECK" jsondiff ${ign:+--ignore "$ign"} "$ref" "$TMPD/variant.json" | sed 's/^/    /'
		head -3 "$TMPD/variant.err" | sed 's/^/    /'
	fi
}

server_port() {
	"$PY" -c 'import json,sys; print(json.loads(sys.stdin.readline())["server"]["port"])' <"$1" 2>/dev/null
}

n=0
for f in "$CAPS"/*.pcap "$CAPS"/*.pcapng; do
	[ -f "$f" ] || continue
	name=$(basename "$f")
	info_for "$f"
	if [ ! -f "$INFO" ] || [ -z "$TRANSCRIPT" ]; then
		skip "$name: no NAME.txt and client transcript beside it"
		continue
	fi
	n=$((n + 1))
	W=$TMPD/$name
	mkdir -p "$W"
	portmap=""
	# Implicit TLS on a port SMTP does not use: nothing in clear says SMTP, so
	# capture.h's rules (an SMTP port, or a 220 greeting) find no session. The
	# copy with the server port changed to 465 is what gets checked.
	port=$(sed -n 's/^=== Trying .*:\([0-9]*\)\.\.\.$/\1/p' "$TRANSCRIPT" | head -n 1)
	if grep -q '^<~  220' "$TRANSCRIPT" && ! grep -q '^<-  220' "$TRANSCRIPT" &&
		[ -n "$port" ] && [ "$port" != 465 ]; then
		dec --json -q "$f" >"$W/as-is.json" 2>/dev/null
		check_eq "$name: implicit TLS on port $port is not taken for SMTP (no 220 in clear)" 0 \
			"$(wc -c <"$W/as-is.json" | tr -d ' ')"
		"$PY" "$MANGLE" ports "$f" "$W/465.pcap" "$port" 465 || not_ok "$name: pcapmangle ports failed"
		portmap="$port:465"
		f=$W/465.pcap
		name="$name (port $port -> 465)"
	fi
	dec --json "$f" >"$W/json" 2>"$W/err"
	check_eq "$name: decode --json exits 0" 0 $?
	dec --json --show-secrets -q "$f" >"$W/secrets" 2>/dev/null
	dec -q "$f" >"$W/text" 2>/dev/null
	check_eq "$name: text output exits 0" 0 $?
	dec --summary -q --extract "$W/eml" "$f" >"$W/summary" 2>/dev/null
	check_eq "$name: --summary --extract exits 0" 0 $?
	"$PY" "$CHECK" transcript --name "$INFO" --transcript "$TRANSCRIPT" --json "$W/json" \
		--secrets-json "$W/secrets" --text "$W/text" --summary "$W/summary" --stderr "$W/err" \
		--eml-dir "$W/eml" ${portmap:+--port-map "$portmap"} >"$W/check" 2>&1
	absorb "$name" "$W/check"

	# the same file on standard input
	dec --json -q - <"$f" >"$W/stdin.json" 2>/dev/null
	check "$name: read from stdin ('-') gives the same sessions" cmp -s "$W/json" "$W/stdin.json"

	# BPF filters: one that keeps the session, one that excludes everything
	port=$(server_port "$W/json")
	if [ -n "$port" ]; then
		dec --json -q -f "tcp port $port" "$f" >"$W/kept.json" 2>/dev/null
		check "$name: -f 'tcp port $port' keeps the session" cmp -s "$W/json" "$W/kept.json"
	fi
	dec --json -q -f "tcp port 9" "$f" >"$W/none.json" 2>"$W/none.err"
	rc=$?
	check_eq "$name: -f 'tcp port 9' exits 0" 0 $rc
	check_eq "$name: -f 'tcp port 9' gives no sessions" 0 "$(wc -c <"$W/none.json" | tr -d ' ')"

	case $f in *.pcapng) continue ;; esac
	# The same packets re-encoded: other link types, nanosecond time stamps,
	# TCP payloads split into small segments, those segments reordered within
	# each direction, every packet twice.
	for v in "relink sll" "relink sll2" "relink null" "relink raw" "nsec" "resegment 7" "dup --every 1"; do
		# shellcheck disable=SC2086
		if "$PY" "$MANGLE" ${v%% *} "$f" "$W/v.pcap" $(printf '%s' "$v" | sed 's/^[^ ]*//'); then
			same_json "$name: $v" "$W/json" "$W/v.pcap"
		else
			not_ok "$name: pcapmangle $v failed"
		fi
	done
	# Reordered segments: a reply completes with the time stamp of the packet
	# that completed it, which reordering makes earlier, so times may differ.
	"$PY" "$MANGLE" resegment "$f" "$W/seg.pcap" 16 &&
		for seed in 1 2 3; do
			"$PY" "$MANGLE" shuffle "$W/seg.pcap" "$W/v.pcap" --runs --window 32 --seed $seed &&
				same_json "$name: 16-byte segments reordered in blocks of 32 (seed $seed)" "$W/json" \
					"$W/v.pcap" latency_ms,time,end
		done
done
check "captures with a transcript found ($n)" [ "$n" -ge 7 ]

# Terminal escapes inside captured text (greeting, header, envelope) are never
# written raw: text, --summary and JSON stay free of ESC bytes.
plain=$CAPS/plain.pcap
if [ -f "$plain" ]; then
	E=$TMPD/esc
	mkdir -p "$E"
	"$PY" "$MANGLE" sub "$plain" "$E/1.pcap" 'Sender Example' '\x1b[31mEvil!\x1b[0m' &&
		"$PY" "$MANGLE" sub "$E/1.pcap" "$E/2.pcap" 'ESMTP' '\x1b]0;X' &&
		"$PY" "$MANGLE" sub "$E/2.pcap" "$E/3.pcap" 'sender@' '\x1b[2Jxy@'
	check "escape-laden capture built" [ -f "$E/3.pcap" ]
	dec -q "$E/3.pcap" >"$E/text" 2>&1
	dec -q --summary "$E/3.pcap" >"$E/summary" 2>&1
	dec -q --json "$E/3.pcap" >"$E/json" 2>&1
	for o in text summary json; do
		if grep -q "$(printf '\033')" "$E/$o"; then
			not_ok "$o output holds a raw ESC byte"
		else
			ok "$o output holds no raw ESC byte"
		fi
	done
	check_contains "text output shows the escape made visible" '\e[31mEvil!\e[0m' "$(cat "$E/text")"
	check_contains "text output shows the greeting's escape made visible" '\e]0;X' "$(cat "$E/text")"
	check_contains "--summary shows the sender's escape made visible" '\e[2Jxy@example.test' "$(cat "$E/summary")"
	check "JSON output is valid and keeps the ESC as \\u001b" "$PY" -c '
import json, sys
d = json.loads(open(sys.argv[1]).readline())
assert d["transactions"][0]["headers"]["from"].startswith("\x1b[31mEvil!")
assert d["transactions"][0]["mail_from"] == "\x1b[2Jxy@example.test"
' "$E/json"
fi

# A sender too long for its --summary column, of control bytes (shown as
# \xNN) and two-byte UTF-8 characters: the cut falls between characters, the
# line stays valid UTF-8 and the next column starts where its heading does.
if [ -f "$plain" ]; then
	U=$TMPD/utf8
	mkdir -p "$U"
	"$PY" "$MANGLE" sub "$plain" "$U/1.pcap" 'sender@example.test' \
		'\x01\x01\x01\x01\x01\x01\xc3\xa9\xc3\xa9\xc3\xa9@x.test'
	dec -q --summary "$U/1.pcap" >"$U/summary" 2>&1
	check "--summary cuts a long UTF-8 sender between characters, columns aligned" "$PY" -c '
import sys
lines = open(sys.argv[1], "rb").read().decode("utf-8").splitlines()
head, row = lines[0], lines[1]
assert head.index("rcpts") == row.index("2/2"), (head, row)
assert "\\x01\\x01\\x01\\x01\\x01\\x01\u00e9\u00e9\u00e9... " in row, row
' "$U/summary"
fi

# A capture read from a pipe whose writer keeps it open (tcpdump -U -w - |
# smtpscope decode -): a session that ended is shown at once, not when the
# input ends. The writer holds the pipe HOLD seconds; the session must be out
# well before (polled for at most WAIT seconds).
HOLD=10
WAIT=6
# seen_while_open MODE CAPTURE NEEDLE [FIFO]: true when NEEDLE appears in the
# output of decode MODE while the pipe (stdin, or the named FIFO) is open.
seen_while_open() {
	out=$TMPD/open.out
	: >"$out"
	if [ -n "${4:-}" ]; then
		rm -f "$4" && mkfifo "$4" || return 1
		dec ${1:+"$1"} -q "$4" >"$out" 2>&1 &
		# the FIFO is opened inside timeout: no reader cannot hang the test
		timeout $((HOLD + 5)) sh -c 'exec >"$1"; cat "$2"; sleep "$3"' sh "$4" "$2" "$HOLD" &
	else
		(cat "$2"; sleep "$HOLD") | dec ${1:+"$1"} -q - >"$out" 2>&1 &
	fi
	found=1
	i=0
	while [ "$i" -lt $((WAIT * 10)) ]; do
		if grep -qF "$3" "$out"; then
			found=0
			break
		fi
		sleep 0.1
		i=$((i + 1))
	done
	wait
	grep -qF "$3" "$out" || found=1 # and still there once the input ended
	return $found
}
check "a pipe held open: --summary shows the ended session before the input ends" \
	seen_while_open --summary "$plain" "queued as 5D4EFA72857"
check "a pipe held open: --json shows the ended session before the input ends" \
	seen_while_open --json "$plain" '"queue_id":"5D4EFA72857"'
check "a FIFO held open (pcapng): the text timeline shows the ended session before the input ends" \
	seen_while_open "" "$CAPS/plain.pcapng" "5D4EFA72857" "$TMPD/fifo"

# --thread-times: one line on stderr with each thread's CPU time; the output
# itself does not change.
big="$CAPS/large-body.pcap"
dec --json "$big" >"$TMPD/plain.json" 2>/dev/null
dec -q --thread-times --json "$big" >"$TMPD/tt.json" 2>"$TMPD/tt.err"
check "--thread-times: the JSON is the same as without it" cmp -s "$TMPD/plain.json" "$TMPD/tt.json"
check "--thread-times -q: only the CPU line, read-ahead, decoding and writing in seconds" \
	grep -Eqx 'smtpscope decode: cpu s: read-ahead [0-9]+\.[0-9]{3}, decoding [0-9]+\.[0-9]{3}, writing [0-9]+\.[0-9]{3}' \
	"$TMPD/tt.err"
check_eq "--thread-times -q: nothing else on stderr" 1 "$(wc -l <"$TMPD/tt.err" | tr -d ' ')"

# Usage and open errors exit 2 with a message.
dec --json "$TMPD/does-not-exist.pcap" >/dev/null 2>"$TMPD/err"
check_eq "missing file: exit status 2" 2 $?
check_contains "missing file: the reason is given" "does-not-exist.pcap" "$(cat "$TMPD/err")"
dec >/dev/null 2>"$TMPD/err"
check_eq "no file named: exit status 2" 2 $?
dec --json -f 'this is not bpf' "$plain" >/dev/null 2>"$TMPD/err"
check_eq "a BPF filter that does not compile: exit status 2" 2 $?

finish
