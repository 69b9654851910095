#!/bin/sh
# lint.sh - refuse functions that are unsafe on untrusted data, and layer violations.
set -u
cd "$(dirname "$0")/.."
rc=0
banned='\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|sscanf|gets)[[:space:]]*\('
if grep -nE "$banned" decode/*.c probe/*.c tui/*.c 2>/dev/null | grep -v 'snprintf'; then
	echo "lint: banned function used (see STYLE: use snprintf, buf_*, strtol with checks)"
	rc=1
fi
if grep -nE '#include "(probe|tui)/' decode/*.c decode/*.h 2>/dev/null; then
	echo "lint: decode/ must not include probe/ or tui/"
	rc=1
fi
if grep -nE '#include "tui/' probe/*.c probe/*.h 2>/dev/null; then
	echo "lint: probe/ must not include tui/"
	rc=1
fi
[ $rc -eq 0 ] && echo "lint: ok"
exit $rc
