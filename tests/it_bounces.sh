#!/bin/sh
# it_bounces.sh - `smtpscope explain --json` on the shared bounce conformance set
# (RFC 3464 DSNs, RFC 5965 ARF, RFC 3834 auto-replies, MTA text formats): the
# agreement with the expected reasons, statuses and reply codes must stay above
# the bars below (tools/bounce_agreement.py computes it).
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
SET=bounces

# Bars, in percent: what the reader reaches today, less a small margin.
MIN_REASON=95
MIN_STATUS=97
MIN_REPLYCODE=97
MIN_PERMANENT=96
MIN_ADDRESS=98

if ! have_shared "conformance/$SET"; then
	skip "bounce conformance set (../shared not present)"
elif [ ! -x "$SMTPSCOPE" ]; then
	not_ok "smtpscope binary at $SMTPSCOPE"
else
	dir="$SHARED/conformance/$SET"
	out=$("$PY" "$TOP/tools/bounce_agreement.py" --min-reason "$MIN_REASON" \
		--min-status "$MIN_STATUS" --min-replycode "$MIN_REPLYCODE" \
		--min-permanent "$MIN_PERMANENT" --min-address "$MIN_ADDRESS" \
		"$SMTPSCOPE" "$dir")
	rc=$?
	printf '%s\n' "$out" | sed -n '/^Agreement/,$p' | sed 's/^/    /'
	for f in reason status replycode permanent address; do
		line=$(printf '%s\n' "$out" | grep "^  $f ")
		case "$line" in
		*BELOW*) not_ok "bounce $f agreement: $line" ;;
		"") not_ok "bounce $f agreement reported" ;;
		*) ok "bounce $f agreement $(printf '%s' "$line" | sed "s/^  $f *//")" ;;
		esac
	done
	check_eq "bounce_agreement.py exit status" 0 "$rc"
	if [ "$rc" -ne 0 ]; then
		printf '%s\n' "$out" | sed -n '/^Disagreements/,/^Agreement/p' | head -40 | sed 's/^/    /'
	fi

	# every email is read without error output and within its limits
	errs=0
	for f in "$dir"/*.eml; do
		"$SMTPSCOPE" explain --json "$f" >/dev/null 2>"$TMPD/err" || errs=$((errs + 1))
	done
	check "every conformance email gives a report ($errs without)" [ "$errs" -eq 0 ]
fi

# a cut-off bounce still reads (or fails cleanly), never crashes
if have_shared "conformance/$SET" && [ -x "$SMTPSCOPE" ]; then
	f="$SHARED/conformance/$SET/lhost-postfix-05.eml"
	head -c 1500 "$f" >"$TMPD/cut.eml"
	"$SMTPSCOPE" explain --json "$TMPD/cut.eml" >/dev/null 2>&1
	rc=$?
	check "a truncated bounce exits 0 or 1 (got $rc)" [ "$rc" -le 1 ]
fi
finish
