#!/bin/sh
# it_fuzz_replay.sh - every fuzz target (fuzz/fuzz_*.c), built with
# fuzz/replay.c instead of libFuzzer, runs each input of its corpus in
# fuzz/corpus/NAME/ (seeds, and inputs that once found a fault) without a
# crash or a failed check; under `make asan` they run with ASan and UBSan.
# The public captures of ../shared/captures/ go through fuzz_capture and the
# bounce messages of ../shared/conformance/bounces/ through fuzz_explain.
. "$(dirname "$0")/lib.sh"
FUZZ_DIR=${FUZZ_DIR:-$TOP/build/fuzz}

# replay NAME DIR...: the target takes every file in DIR... and says how many.
replay() {
	name=$1
	shift
	bin=$FUZZ_DIR/fuzz_$name
	if [ ! -x "$bin" ]; then
		not_ok "fuzz_$name: not built ($bin)"
		return
	fi
	want=$(find "$@" -maxdepth 1 -type f ! -name '.*' | wc -l)
	out=$("$bin" "$@" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		not_ok "fuzz_$name on $*: exit $rc"
		printf '%s\n' "$out" | tail -20 | sed 's/^/    /'
		return
	fi
	check_eq "fuzz_$name runs all $want inputs of $*" "replayed $want inputs" "$(printf '%s\n' "$out" | tail -n 1)"
}

n=0
for src in "$TOP"/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	name=${name#fuzz_}
	n=$((n + 1))
	if [ -d "$TOP/fuzz/corpus/$name" ]; then
		replay "$name" "$TOP/fuzz/corpus/$name"
	else
		not_ok "fuzz_$name: no corpus in fuzz/corpus/$name"
	fi
done
check "fuzz targets found" [ "$n" -ge 4 ]

# The public captures, as fuzz_capture inputs with the Capture screen's model
# checked too (bit 3 of byte 0): what real traffic makes of every output must
# pass the same checks (terminal-safe lines, one JSON object per session...).
# Captures in a link type or format the input format has no place for are
# left out (tools/pcapmangle.py fuzzseed says which).
if have_shared captures; then
	C=$TMPD/captures
	mkdir -p "$C"
	n=0
	made=0
	for f in $(find "$SHARED/captures" -name '*.pcap*' | sort); do
		n=$((n + 1))
		/usr/bin/python3 "$TOP/tools/pcapmangle.py" fuzzseed --model --max-frames 100000 "$f" "$C/$n" \
			2>/dev/null && made=$((made + 1))
	done
	check "public captures made fuzz_capture inputs ($made of $n)" [ "$made" -ge 90 ]
	replay capture "$C"
else
	skip "../shared/captures not present: the public captures are not replayed"
fi

if have_shared conformance/bounces; then
	replay explain "$SHARED/conformance/bounces"
else
	skip "../shared/conformance/bounces not present: the bounce conformance set is not replayed"
fi
finish
