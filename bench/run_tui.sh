#!/bin/sh
# run_tui.sh - `make bench`, the terminal UI: time to the first frame, to the first rows of the 1 GB benchmark capture, key-to-screen latency while it loads, and scrolling a transcript of 100,000 lines, measured on the real binary in a pseudo-terminal (bench/tui_bench.py). No RFC.
#
# The program runs on a pseudo-terminal that bench/tui_pty.py opens (TERM=xterm-256color,
# C.UTF-8, 120x40 by default); a reader thread stamps every chunk of output as it
# arrives and bench/vt.py keeps the screen it draws, so a key is timed from the
# moment it is written to the chunk that completes the expected screen (finer
# than polling tmux). Long transcripts: one generated SMTP session of 50,000 NOOP
# commands (bench/genlong.py) opened in the Capture screen's timeline, and the
# Session screen (`smtpscope connect`, the built-in practice server) after the same
# number of NOOP lines is pasted into it (skipped while the build lacks that
# screen). The 1 GB capture is bench/run.sh's (made here the same way when
# missing). Every
# figure is informational: a missed target prints MISS, and the exit status only
# says whether the benchmark could run.
#
# Settings (environment):
#   BENCH_SKIP_TUI=1          skip this benchmark
#   BENCH_CAPTURE=FILE        the capture to open (default bench/data/smtp-${BENCH_SIZE_MB}MB.pcap)
#   BENCH_SIZE_MB=1000        its size when it has to be generated
#   BENCH_TUI_NOOPS=50000     NOOP commands in the long transcripts (0: no Session screen run)
#   BENCH_TUI_RUNS=5          runs of the start-up measurements
#   BENCH_TUI_KEYS=20         ? / q pairs sent while the capture loads (at most)
#   BENCH_TUI_SIZE=120x40     terminal size
#   BENCH_TUI_TIMEOUT=1200    seconds the whole UI benchmark may take
#   BENCH_FLOWS BENCH_SEED BENCH_RTT BENCH_DATA   as in bench/run.sh
#   SMTPSCOPE, BENCH_TOOLS    the binary and the directory of gencap (set by `make bench`)
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1

SIZE_MB=${BENCH_SIZE_MB:-1000}
DATA=${BENCH_DATA:-bench/data}
CAPTURE=${BENCH_CAPTURE:-$DATA/smtp-${SIZE_MB}MB.pcap}
NOOPS=${BENCH_TUI_NOOPS:-50000}
RUNS=${BENCH_TUI_RUNS:-5}
KEYS=${BENCH_TUI_KEYS:-20}
TSIZE=${BENCH_TUI_SIZE:-120x40}
TIMEOUT=${BENCH_TUI_TIMEOUT:-1200}
FLOWS=${BENCH_FLOWS:-100}
SEED=${BENCH_SEED:-1}
RTT=${BENCH_RTT:-1:80}
PY=/usr/bin/python3

say() { printf '%s\n' "$*"; }
die() {
	say "bench-tui: $*" >&2
	exit 1
}
num() { case $1 in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }

if [ "${BENCH_SKIP_TUI:-0}" = 1 ]; then
	say "bench-tui: skipped (BENCH_SKIP_TUI=1)"
	exit 0
fi
for v in SIZE_MB NOOPS RUNS KEYS TIMEOUT; do
	val=""
	eval "val=\$$v"
	num "$val" || die "$v must be a whole number (got '$val')"
done
[ -x "$PY" ] || die "$PY is missing"
"$PY" -c 'import curses, pty, termios' 2>/dev/null || die "$PY lacks its curses/termios modules"

W=$(mktemp -d "${TMPDIR:-/tmp}/smtpscope-bench-tui.XXXXXX") || die "no temporary directory"
trap 'rm -rf "$W"' EXIT
trap 'exit 1' INT TERM HUP

if [ -z "${SMTPSCOPE:-}" ] || [ -z "${BENCH_TOOLS:-}" ]; then
	B=${BUILD:-build}
	make -s BUILD="$B" all "$B/bench/gencap" >&2 || die "build failed"
	BENCH_TOOLS=$TOP/$B/bench
	if [ "$B" = build ]; then SMTPSCOPE=$TOP/smtpscope; else SMTPSCOPE=$TOP/$B/smtpscope; fi
fi
[ -x "$SMTPSCOPE" ] || die "$SMTPSCOPE is missing"
mkdir -p "$DATA" || die "cannot create $DATA"

# ---- the inputs ------------------------------------------------------------------

# The capture: made as bench/run.sh's gen() makes it (same settings, key and
# manifest), so that run.sh takes it as current.
CAP_NOTE=""
if [ ! -f "$CAPTURE" ]; then
	if [ -n "${BENCH_CAPTURE:-}" ]; then
		CAP_NOTE="$CAPTURE does not exist"
	elif [ ! -x "$BENCH_TOOLS/gencap" ]; then
		CAP_NOTE="$CAPTURE is missing and $BENCH_TOOLS/gencap is not built"
	else
		INPUTS=$(find tests/captures -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' \) | LC_ALL=C sort)
		free_mb=$(df -Pm "$DATA" | awk 'NR == 2 { print $4 }')
		if [ -z "$INPUTS" ]; then
			CAP_NOTE="no recorded captures in tests/captures to generate it from"
		elif num "${free_mb:-x}" && [ $((SIZE_MB + 512)) -gt "$free_mb" ]; then
			CAP_NOTE="$CAPTURE is missing and $DATA has only ${free_mb} MB free (try BENCH_SIZE_MB=200)"
		else
			say "bench-tui: generating $CAPTURE ($SIZE_MB MB)..." >&2
			# shellcheck disable=SC2086
			GENKEY=$({ cat bench/gencap.h bench/gencap.c bench/gencap_in.c $INPUTS; printf '%s\n' "$FLOWS $SEED $RTT"; } | sha256sum | cut -c1-32)
			# shellcheck disable=SC2086
			if timeout "$TIMEOUT" "$BENCH_TOOLS/gencap" -s "$SIZE_MB" -c "$FLOWS" -S "$SEED" -r "$RTT" -o "$CAPTURE" \
				$INPUTS >"$W/manifest" 2>"$W/gencap.err"; then
				mv "$W/manifest" "$CAPTURE.manifest" && printf '%s\n' "$GENKEY $SIZE_MB" >"$CAPTURE.key"
			else
				rm -f "$CAPTURE"
				CAP_NOTE="gencap failed: $(head -n 1 "$W/gencap.err")"
			fi
		fi
	fi
fi
[ -n "$CAP_NOTE" ] && say "bench-tui: skipping the capture measurements: $CAP_NOTE" >&2

LONG=$DATA/long-session-$NOOPS.pcap
LONGKEY="$(sha256sum bench/genlong.py | cut -c1-32) $NOOPS"
LONG_NOTE=""
if [ "$NOOPS" -eq 0 ]; then
	LONG_NOTE="skipped (BENCH_TUI_NOOPS=0)"
elif [ ! -f "$LONG" ] || [ "$(cat "$LONG.key" 2>/dev/null)" != "$LONGKEY" ]; then
	say "bench-tui: generating $LONG ($NOOPS NOOP commands)..." >&2
	rm -f "$LONG" "$LONG.key"
	if timeout 600 "$PY" bench/genlong.py "$NOOPS" "$LONG"; then
		printf '%s\n' "$LONGKEY" >"$LONG.key"
	else
		rm -f "$LONG"
		LONG_NOTE="bench/genlong.py failed"
	fi
fi
LINES_N=""
if [ -z "$LONG_NOTE" ]; then
	LINES_N=$(timeout 120 "$SMTPSCOPE" decode "$LONG" 2>/dev/null | wc -l | tr -d ' ')
	num "${LINES_N:-x}" && [ "$LINES_N" -gt 0 ] || { LINES_N="" && LONG_NOTE="\`smtpscope decode\` could not read $LONG"; }
fi

# ---- measuring -----------------------------------------------------------------

[ -f "$CAPTURE" ] && cat "$CAPTURE" >/dev/null # into the page cache
rel() { case $1 in "$TOP"/*) say "${1#"$TOP"/}" ;; *) say "$1" ;; esac; }
SCOPE_R=$(rel "$SMTPSCOPE")
{
	say ""
	say "== smtpscope terminal UI benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
	say "machine:   $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1), $(nproc 2>/dev/null) cores;" \
		"load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null) at the start"
	say "smtpscope: $("$SMTPSCOPE" --version 2>/dev/null | head -n 1) ($SMTPSCOPE)"
	say "terminal:  a pseudo-terminal of $TSIZE driven by bench/tui_bench.py (TERM=xterm-256color, C.UTF-8); each"
	say "           time runs from the exec or the key written to the output chunk that completes the screen"
	say "           expected (title and key bar drawn, the help shown, the table back, a scroll settled)"
	if [ -z "$CAP_NOTE" ]; then
		say "capture:   $(rel "$CAPTURE"), $(awk -v b="$(wc -c <"$CAPTURE")" 'BEGIN { printf "%.1f MB", b / 1e6 }')" \
			"$(awk '$1 == "flows" { print "(" $2 " SMTP sessions)" }' "$CAPTURE.manifest" 2>/dev/null)"
	else
		say "capture:   none ($CAP_NOTE)"
	fi
	if [ -n "$LINES_N" ]; then
		say "long:      $(rel "$LONG"): one session of $NOOPS NOOP commands, $LINES_N lines in \`smtpscope decode\`'s text"
	else
		say "long:      none: $LONG_NOTE"
	fi
	say ""
} | tee "$W/head"

set -- --smtpscope "$SMTPSCOPE" --size "$TSIZE" --runs "$RUNS" --keys "$KEYS" --noops "$NOOPS"
[ -z "$CAP_NOTE" ] && set -- "$@" --capture "$CAPTURE"
[ -n "$LINES_N" ] && set -- "$@" --long "$LONG" --lines "$LINES_N"
say "bench-tui: measuring (about a minute)..." >&2
timeout "$TIMEOUT" "$PY" -B bench/tui_bench.py "$@" --workdir "$W" >"$W/out" 2>"$W/progress"
st=$?
{
	sed -n 's/^\(first frame\|decode CAPTURE\|keys while\|scroll \)/samples: \1/p' "$W/progress"
	say ""
	if [ $st -eq 0 ]; then
		cat "$W/out"
	elif [ $st -eq 124 ]; then
		say "the UI benchmark did not finish within ${TIMEOUT} s (BENCH_TUI_TIMEOUT)"
	else
		say "the UI benchmark failed (exit status $st): $(tail -n 3 "$W/progress" | tr '\n' ' ')"
	fi
	say ""
	say "commands (run on the pseudo-terminal; ? / q, PgDn / PgUp / End / Home are the keys written):"
	say "  $SCOPE_R                          (first frame, $RUNS runs)"
	[ -z "$CAP_NOTE" ] && say "  $SCOPE_R decode $(rel "$CAPTURE")   (first rows, $RUNS runs; then one run with keys while it loads)"
	[ -n "$LINES_N" ] && say "  $SCOPE_R decode $(rel "$LONG")   (Enter opens the timeline; then the scrolling keys)"
	[ "$NOOPS" -gt 0 ] && say "  $SCOPE_R connect                  (the Session screen on the practice server: $NOOPS lines"
	[ "$NOOPS" -gt 0 ] && say "                                     'NOOP nnnnnn' pasted, then the scrolling keys; S-Tab before Home / End)"
	say "  $PY bench/tui_bench.py $(printf '%s ' "$@" | sed "s|$TOP/||g; s/ $//")"
} | tee "$W/body"
cat "$W/head" "$W/body" >"$DATA/last-tui.txt" 2>/dev/null
exit 0
