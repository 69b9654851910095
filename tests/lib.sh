# lib.sh - shared helpers for integration test scripts. Source it; end with finish.
# Each script prints one line per check and closes with "N passed, N failed".
PASS=0
FAIL=0
SKIP=0
TOP=$(cd "$(dirname "$0")/.." && pwd)
SMTPSCOPE=${SMTPSCOPE:-$TOP/smtpscope}
# The shared test material beside the project (absent in a user's clone).
SHARED=${SMTPSCOPE_SHARED:-$TOP/../shared}
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/smtpscope-test.XXXXXX")
trap 'rm -rf "$TMPD"' EXIT

ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
skip() { SKIP=$((SKIP + 1)); echo "skip - $*"; }
# check "description" command args... : passes when the command succeeds.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
# check_contains "description" "needle" "haystack"
check_contains() {
	case "$3" in
	*"$2"*) ok "$1" ;;
	*) not_ok "$1 (expected to contain: $2)"; printf '%s\n' "$3" | head -20 | sed 's/^/    /' ;;
	esac
}
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (expected '$2', got '$3')"; fi
}
have_shared() { [ -d "$SHARED/$1" ]; }
finish() {
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
}
