#!/bin/sh
# it_provider.sh - every reply quoted by the smtp-field-manual must be answered by
# a provider rule of the right provider (decode/provider*.c); runs the provider
# unit test with PROVIDER_TSV pointing at the replies extracted from its JSON,
# then with PROVIDER_DIAG_TSV at the bounce conformance set's diagnostics.
. "$(dirname "$0")/lib.sh"

UNIT=${UNIT_DIR:-$TOP/build/tests}/test_provider
FM="$SHARED/knowledge/smtp-field-manual"

if ! have_shared knowledge/smtp-field-manual/codes; then
	skip "smtp-field-manual replies (../shared not present)"
elif [ ! -x "$UNIT" ]; then
	skip "smtp-field-manual replies (test_provider not built: $UNIT)"
else
	tsv="$TMPD/field-manual.tsv"
	if /usr/bin/python3 -c '
import glob, json, sys
for path in sorted(glob.glob(sys.argv[1] + "/codes/*.json")):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    for prov in doc["providers"]:
        for r in prov["responses"]:
            text = " ".join(r["response"].split())
            print("%s\t%s\t%s\t%s" % (doc["reply"], prov["id"], r["status"], text))
' "$FM" >"$tsv"; then
		ok "field manual replies extracted ($(wc -l <"$tsv") rows)"
	else
		not_ok "field manual replies extracted"
	fi
	out=$(PROVIDER_TSV="$tsv" "$UNIT" 2>&1)
	rc=$?
	summary=$(printf '%s\n' "$out" | grep 'field manual:' | head -n 1)
	if [ $rc -eq 0 ] && [ -n "$summary" ]; then
		ok "every field manual reply answered by the right provider (${summary#*: })"
	else
		not_ok "field manual replies answered by the right provider"
		printf '%s\n' "$out" | grep -E 'field manual|FAIL|ERROR' | head -40 | sed 's/^/    /'
	fi
fi

# The diagnostics of the bounce conformance set: where a provider rule answers,
# its reason must agree with sisimai's (known disagreements are listed in the test).
BOUNCES="$SHARED/conformance/bounces"
if ! have_shared conformance/bounces; then
	skip "bounce diagnostics (../shared not present)"
elif [ ! -x "$UNIT" ]; then
	skip "bounce diagnostics (test_provider not built: $UNIT)"
else
	dtsv="$TMPD/diagnostics.tsv"
	/usr/bin/python3 -c '
import json, re, sys
seen = set()
with open(sys.argv[1] + "/expected.jsonl", encoding="utf-8") as f:
    rows = [json.loads(line) for line in f if line.strip()]
for row in rows:
    with open(sys.argv[1] + "/" + row["file"], encoding="utf-8", errors="replace") as f:
        raw = f.read()
    for m in re.finditer(r"^Diagnostic-Code:[ \t]*(.*(?:\n[ \t].*)*)", raw, re.M | re.I):
        text = " ".join(m.group(1).split())
        if (row["file"], text) not in seen:
            seen.add((row["file"], text))
            print("%s\t%s\t%s" % (row["file"], row["reason"], text))
' "$BOUNCES" >"$dtsv"
	out=$(PROVIDER_DIAG_TSV="$dtsv" "$UNIT" 2>&1)
	rc=$?
	summary=$(printf '%s\n' "$out" | grep 'bounce diagnostics:' | head -n 1)
	if [ $rc -eq 0 ] && [ -n "$summary" ]; then
		ok "provider reasons agree with the conformance set (${summary#*: })"
	else
		not_ok "provider reasons agree with the conformance set"
		printf '%s\n' "$out" | grep -E 'bounce diagnostics|sisimai says|FAIL|ERROR' | head -40 | sed 's/^/    /'
	fi
fi
finish
