#!/bin/sh
# run.sh - run every unit test binary and every integration script; fail if any fails.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
UNIT_DIR=${UNIT_DIR:-$TOP/build/tests}
export SMTPSCOPE=${SMTPSCOPE:-$TOP/smtpscope}
failed=""
total=0
for t in "$UNIT_DIR"/test_*; do
	[ -x "$t" ] || continue
	total=$((total + 1))
	echo "== unit: $(basename "$t")"
	if ! "$t"; then failed="$failed $(basename "$t")"; fi
done
for t in "$TOP"/tests/it_*.sh; do
	[ -f "$t" ] || continue
	total=$((total + 1))
	echo "== integration: $(basename "$t")"
	out=$(sh "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	last=$(printf '%s\n' "$out" | tail -n 1)
	case "$last" in
	*" passed, "*" failed") ;;
	*) echo "$(basename "$t"): missing the closing 'N passed, N failed' line"; rc=1 ;;
	esac
	[ $rc -eq 0 ] || failed="$failed $(basename "$t")"
done
echo
if [ -n "$failed" ]; then
	echo "FAILED ($total suites):$failed"
	exit 1
fi
echo "all $total test suites passed"
