#!/bin/sh
# it_decode_shared.sh - `smtpscope decode` on the public captures in
# ../shared/captures/ (suricata-verify and nDPI test data): every file decodes
# in bounded time without a crash or sanitizer report, with valid JSON and
# escape-free text; the sessions found in the suricata-verify captures are
# compared with the fields their upstream test.yaml says Suricata logs
# (smtp.helo, smtp.mail_from, smtp.rcpt_to, email.from/to/cc/subject/date/
# message_id/received; tools/decode_check.py), and a few captures with facts
# read with other tools (tests/decode_expect/shared.txt).
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
CHECK=$TOP/tools/decode_check.py
EXPECT=$TOP/tests/decode_expect/shared.txt
KNOWN=$TOP/tests/decode_expect/suricata-known.txt
CAPS=$SHARED/captures
SV=$CAPS/suricata-verify/tests
LIMIT=60     # seconds for one run, sanitizer builds included
MIN_PASS=25  # suricata-verify captures that must match their test.yaml

if ! have_shared captures; then
	skip "decode on public captures (../shared not present)"
	finish
	exit $?
fi
if [ ! -x "$PY" ]; then
	skip "decode checks need /usr/bin/python3"
	finish
	exit $?
fi
CAPS=$(cd "$CAPS" && pwd)
SV=$CAPS/suricata-verify/tests
# A sanitizer report must not be mistaken for exit status 1 (a damaged file).
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86
UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=86
export ASAN_OPTIONS UBSAN_OPTIONS

key() { printf '%s' "${1#"$CAPS"/}" | tr '/' '_'; }

# run_one FILE FORMAT-ARGS...: one bounded run; sets RC, output in $TMPD/run.*
run_one() {
	f=$1
	shift
	timeout "$LIMIT" "$SMTPSCOPE" decode -q "$@" "$f" >"$TMPD/run.out" 2>"$TMPD/run.err"
	RC=$?
}

# sane REL WHAT: the last run ended well (0 or 1), in time, without a report.
sane() {
	if grep -qE 'Sanitizer|runtime error:' "$TMPD/run.err"; then
		not_ok "$1 ($2): sanitizer report"
		grep -m 3 -E 'ERROR|runtime error|SUMMARY' "$TMPD/run.err" | sed 's/^/    /'
		return 1
	fi
	case $RC in
	0 | 1) return 0 ;;
	124) not_ok "$1 ($2): still running after $LIMIT s" ;;
	*) not_ok "$1 ($2): exit status $RC" && head -3 "$TMPD/run.err" | sed 's/^/    /' ;;
	esac
	return 1
}

find "$CAPS" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort >"$TMPD/list"
n=0
nsessions=0
while IFS= read -r f; do
	n=$((n + 1))
	rel=${f#"$CAPS"/}
	k=$(key "$f")
	start=$(date +%s)
	run_one "$f" --json
	sane "$rel" "--json" || continue
	cp "$TMPD/run.out" "$TMPD/$k.json"
	cp "$TMPD/run.err" "$TMPD/$k.err"
	rc_json=$RC
	if ! "$PY" -c '
import json, sys
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    d = json.loads(line)
    assert isinstance(d, dict) and "session" in d and "transactions" in d, "line %d" % n
' "$TMPD/$k.json" 2>"$TMPD/jerr"; then
		not_ok "$rel: JSON output is one valid session object per line"
		tail -1 "$TMPD/jerr" | sed 's/^/    /'
		continue
	fi
	s=$(wc -l <"$TMPD/$k.json" | tr -d ' ')
	nsessions=$((nsessions + s))
	run_one "$f"
	sane "$rel" "text" || continue
	if grep -q "$(printf '\033')" "$TMPD/run.out"; then
		not_ok "$rel: text output holds a raw ESC byte"
		continue
	fi
	run_one "$f" --summary --extract "$TMPD/eml"
	sane "$rel" "--summary --extract" || continue
	secs=$(($(date +%s) - start))
	if [ $rc_json -eq 1 ]; then
		# exit 1 must come with the reason on stderr
		if grep -q "results up to that point" "$TMPD/$k.err"; then
			ok "$rel: $s session(s), damaged file reported, ${secs}s"
		else
			not_ok "$rel: exit 1 without a message saying why"
		fi
	else
		ok "$rel: $s session(s), ${secs}s"
	fi
done <"$TMPD/list"
check "public captures found ($n)" [ "$n" -ge 50 ]
check "SMTP sessions found in them ($nsessions)" [ "$nsessions" -ge 50 ]

# A command longer than the text timeline shows (suricata-verify's
# smtp-long-command: an EHLO of 4,000+ bytes) is cut at 200 characters and
# says so with "...".
LC=$SV/smtp-long-command/input.pcap
if [ -f "$LC" ]; then
	line=$("$SMTPSCOPE" decode -q "$LC" 2>/dev/null | grep -m1 'C: EHLO OBLAH')
	check "a 4,000-byte EHLO is shown as 200 characters and \"...\"" "$PY" -c '
import sys
cmd = sys.argv[1].split("C: ", 1)[1]
assert cmd.endswith("...") and len(cmd) == 203, (len(cmd), cmd[-10:])
' "$line"
fi

# --- suricata-verify: the fields test.yaml says Suricata logs ------------------

asserted=0
passed=0
for y in $(cd "$SV" && find . -name test.yaml | sort); do
	d=${y%/test.yaml}
	d=${d#./}
	pc=$(sed -n 's/^pcap:[[:space:]]*//p' "$SV/$d/test.yaml" | head -n 1)
	if [ -n "$pc" ]; then
		f=$SV/$d/$pc
	else
		f=$(find "$SV/$d" -maxdepth 1 -name '*.pcap' | sort | head -n 1)
	fi
	k=$(key "$(cd "$(dirname "$f")" 2>/dev/null && pwd)/$(basename "$f")")
	if [ ! -f "$TMPD/$k.json" ]; then
		echo "# $d: no decoded capture ($pc)"
		continue
	fi
	"$PY" "$CHECK" suricata "$SV/$d" "$TMPD/$k.json" --known "$KNOWN" --name "$d" >"$TMPD/sv" 2>&1
	while IFS= read -r line; do
		case $line in
		"PASS "*) ok "$d: ${line#PASS }" ;;
		"FAIL "*) not_ok "$d: ${line#FAIL }" ;;
		"KNOWN "*) skip "$d: known, ${line#KNOWN }" ;;
		"NOTE "*) echo "# $d: ${line#NOTE }" ;;
		"RESULT "*)
			set -- $line
			case $2 in
			pass) asserted=$((asserted + 1)) passed=$((passed + 1)) ;;
			fail | known) asserted=$((asserted + 1)) ;;
			esac
			;;
		*) not_ok "$d: checker said: $line" ;;
		esac
	done <"$TMPD/sv"
done
echo "# suricata-verify: $asserted captures asserted against test.yaml, $passed match in full"
check "at least $MIN_PASS suricata-verify captures match their test.yaml ($passed of $asserted)" \
	[ "$passed" -ge "$MIN_PASS" ]

# --- facts read with other tools -------------------------------------------------

for c in $(grep -v '^#' "$EXPECT" | awk 'NF { print $1 }' | sort -u); do
	k=$(key "$CAPS/$c")
	if [ ! -f "$TMPD/$k.json" ]; then
		not_ok "$c: listed in decode_expect/shared.txt but not decoded"
		continue
	fi
	"$PY" "$CHECK" expect "$EXPECT" "$c" "$TMPD/$k.json" >"$TMPD/ex" 2>&1
	while IFS= read -r line; do
		case $line in
		"PASS "*) ok "${line#PASS }" ;;
		"FAIL "*) not_ok "${line#FAIL }" ;;
		"RESULT "*) ;;
		*) not_ok "$c: checker said: $line" ;;
		esac
	done <"$TMPD/ex"
done

finish
