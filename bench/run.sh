#!/bin/sh
# run.sh - `make bench`: smtpscope's capture decoding against a bare libpcap read loop, tshark and (when installed) Suricata on one generated SMTP capture (RFC 5321 sessions replayed from tests/captures), with throughput, peak memory and the product's targets.
#
# The capture is made by bench/gencap.c (with gencap_in.c) from the recorded sessions in
# tests/captures/ and kept in bench/data/ (gitignored); it is made again only
# when missing or when the generator, its inputs or its settings changed.
# Every figure is informational: a missed target is printed as MISS, and the
# script's exit status says only whether the benchmark could run.
#
# Settings (environment):
#   BENCH_SIZE_MB=1000      size of the main capture (10^6 bytes); a quarter-size
#                           capture is made too, to see whether memory grows with size
#   BENCH_RUNS=3            runs of each fast command (the best wall time counts; on the
#                           main capture the bare loop and both decodes take turns)
#   BENCH_SLOW_RUNS=1       runs of tshark and Suricata
#   BENCH_PREFIX_MB=100     tshark and Suricata first read a capture of this size (the
#                           first conversations of the same stream)...
#   BENCH_SLOW_BUDGET=600   ...and the main capture only when that projects to fewer
#                           seconds than this (0: never)
#   BENCH_TIMEOUT=1800      seconds any single run may take
#   BENCH_SKIP_TSHARK=1, BENCH_SKIP_SURICATA=1   leave those out
#   BENCH_FLOWS=100 BENCH_SEED=1 BENCH_RTT=1:80  generator settings (gencap -c -S -r)
#   BENCH_DATA=bench/data   where captures are kept
#   SMTPSCOPE, BENCH_TOOLS  the binary and the directory of gencap/pcapread (set by
#                           `make bench`; when unset this script builds them with make)
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1

SIZE_MB=${BENCH_SIZE_MB:-1000}
RUNS=${BENCH_RUNS:-3}
SLOW_RUNS=${BENCH_SLOW_RUNS:-1}
PREFIX_MB=${BENCH_PREFIX_MB:-100}
SLOW_BUDGET=${BENCH_SLOW_BUDGET:-600}
TIMEOUT=${BENCH_TIMEOUT:-1800}
FLOWS=${BENCH_FLOWS:-100}
SEED=${BENCH_SEED:-1}
RTT=${BENCH_RTT:-1:80}
DATA=${BENCH_DATA:-bench/data}
PY=/usr/bin/python3
# targets from the product brief
T_TSHARK_X=10   # at least this many times tshark's throughput
T_FLOOR_X=2     # within this factor of the bare read loop
T_RSS_MB=64     # peak memory on the 1 GB capture

say() { printf '%s\n' "$*"; }
die() {
	say "bench: $*" >&2
	exit 1
}
num() { case $1 in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }
for v in SIZE_MB RUNS SLOW_RUNS PREFIX_MB SLOW_BUDGET TIMEOUT FLOWS SEED; do
	val=""
	eval "val=\$$v"
	num "$val" || die "BENCH_$v must be a whole number (got '$val')"
done
[ "$SIZE_MB" -ge 4 ] || die "BENCH_SIZE_MB must be at least 4"
if [ "$RUNS" -lt 1 ] || [ "$SLOW_RUNS" -lt 1 ]; then die "runs must be at least 1"; fi

W=$(mktemp -d "${TMPDIR:-/tmp}/smtpscope-bench.XXXXXX") || die "no temporary directory"
trap 'rm -rf "$W"' EXIT
trap 'exit 1' INT TERM

# ---- tools --------------------------------------------------------------------

if [ -z "${BENCH_TOOLS:-}" ] || [ -z "${SMTPSCOPE:-}" ]; then
	B=${BUILD:-build}
	make -s BUILD="$B" all "$B/bench/gencap" "$B/bench/pcapread" >&2 || die "build failed"
	BENCH_TOOLS=$TOP/$B/bench
	if [ "$B" = build ]; then SMTPSCOPE=$TOP/smtpscope; else SMTPSCOPE=$TOP/$B/smtpscope; fi
fi
GENCAP=$BENCH_TOOLS/gencap
PCAPREAD=$BENCH_TOOLS/pcapread
for t in "$SMTPSCOPE" "$GENCAP" "$PCAPREAD"; do
	[ -x "$t" ] || die "$t is missing"
done

ROOT=no
[ "$(id -u)" = 0 ] && ROOT=yes
# apt_install PACKAGE [DEBCONF]: install a Debian package when root; quiet, bounded.
apt_install() {
	[ $ROOT = yes ] && command -v apt-get >/dev/null 2>&1 || return 1
	[ -n "${2:-}" ] && printf '%s\n' "$2" | debconf-set-selections 2>/dev/null
	DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q "$1" >"$W/apt.log" 2>&1 && return 0
	timeout 300 apt-get update -q >>"$W/apt.log" 2>&1
	DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q "$1" >>"$W/apt.log" 2>&1
}

GNUTIME=/usr/bin/time
if ! "$GNUTIME" -f %M -o "$W/t" true 2>/dev/null; then
	apt_install time || true
	"$GNUTIME" -f %M -o "$W/t" true 2>/dev/null || GNUTIME=""
fi

TSHARK_NOTE=""
if [ "${BENCH_SKIP_TSHARK:-0}" = 1 ]; then
	TSHARK_NOTE="skipped (BENCH_SKIP_TSHARK=1)"
elif ! command -v tshark >/dev/null 2>&1; then
	say "bench: tshark is missing; installing it (Debian package tshark)..." >&2
	apt_install tshark 'wireshark-common wireshark-common/install-setuid boolean false' || true
	command -v tshark >/dev/null 2>&1 || TSHARK_NOTE="not installed and could not be installed (needs root and apt)"
fi
SURICATA_NOTE=""
if [ "${BENCH_SKIP_SURICATA:-0}" = 1 ]; then
	SURICATA_NOTE="skipped (BENCH_SKIP_SURICATA=1)"
elif ! command -v suricata >/dev/null 2>&1; then
	SURICATA_NOTE="not installed (optional)"
fi

# ---- the captures ---------------------------------------------------------------

INPUTS=$(find tests/captures -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' \) | LC_ALL=C sort)
[ -n "$INPUTS" ] || die "no recorded captures in tests/captures"
QUARTER_MB=$((SIZE_MB / 4))
[ "$PREFIX_MB" -lt "$SIZE_MB" ] || PREFIX_MB=$SIZE_MB
mkdir -p "$DATA" || die "cannot create $DATA"

# The generator's source, its inputs and settings decide whether a file is current.
# shellcheck disable=SC2086
GENKEY=$({ cat bench/gencap.h bench/gencap.c bench/gencap_in.c $INPUTS; printf '%s\n' "$FLOWS $SEED $RTT"; } | sha256sum | cut -c1-32)

need_mb=0
for mb in "$SIZE_MB" "$QUARTER_MB" "$PREFIX_MB"; do
	f=$DATA/smtp-${mb}MB.pcap
	[ -f "$f" ] && [ "$(cat "$f.key" 2>/dev/null)" = "$GENKEY $mb" ] || need_mb=$((need_mb + mb))
done
free_mb=$(df -Pm "$DATA" | awk 'NR == 2 { print $4 }')
if num "${free_mb:-x}" && [ "$need_mb" -gt 0 ] && [ $((need_mb + 512)) -gt "$free_mb" ]; then
	die "$DATA needs about ${need_mb} MB more, only ${free_mb} MB free (try BENCH_SIZE_MB=200)"
fi

# gen MB: make bench/data/smtp-MBMB.pcap unless it is current; prints its path.
gen() {
	f=$DATA/smtp-$1MB.pcap
	if [ -f "$f" ] && [ -f "$f.manifest" ] && [ "$(cat "$f.key" 2>/dev/null)" = "$GENKEY $1" ]; then
		say "$f"
		return 0
	fi
	say "bench: generating $f ($1 MB)..." >&2
	rm -f "$f" "$f.key" "$f.manifest"
	# shellcheck disable=SC2086
	"$GENCAP" -s "$1" -c "$FLOWS" -S "$SEED" -r "$RTT" -o "$f" $INPUTS >"$W/manifest" 2>"$W/gencap.err" ||
		die "gencap failed: $(cat "$W/gencap.err")"
	[ -s "$W/gencap.err" ] && sed 's/^/bench: /' "$W/gencap.err" >&2
	mv "$W/manifest" "$f.manifest" && printf '%s\n' "$GENKEY $1" >"$f.key"
	say "$f"
}
MAIN=$(gen "$SIZE_MB") || exit 1
QUARTER=$(gen "$QUARTER_MB") || exit 1
PREFIX=$(gen "$PREFIX_MB") || exit 1

mf() { awk -v k="$1" '$1 == k { print $2 }' "$2.manifest"; }
fsize() { wc -c <"$1" | tr -d ' '; }
MAIN_BYTES=$(fsize "$MAIN")

# Bring the files into the page cache so every tool reads from memory.
cat "$MAIN" "$QUARTER" "$PREFIX" >/dev/null

# ---- measuring ----------------------------------------------------------------------

# measure RUNS OUTFILE CMD...: run CMD RUNS times, stdout to OUTFILE, stderr to
# $W/err. Sets M_SECS (best wall time, "" when every run failed), M_CPU (user +
# system seconds of that run, all threads, "" when unknown), M_RSS (highest
# peak RSS in kB, "" when unknown) and M_NOTE (why a run failed).
measure() {
	runs=$1 out=$2
	shift 2
	M_SECS="" M_CPU="" M_RSS="" M_NOTE=""
	i=0
	while [ $i -lt "$runs" ]; do
		i=$((i + 1))
		rm -f "$W/rss"
		t0=$(date +%s%N)
		if [ -n "$GNUTIME" ]; then
			"$GNUTIME" -f '%M %U %S' -o "$W/rss" timeout "$TIMEOUT" "$@" >"$out" 2>"$W/err"
		else
			timeout "$TIMEOUT" "$@" >"$out" 2>"$W/err"
		fi
		st=$?
		t1=$(date +%s%N)
		if [ $st -eq 124 ]; then
			M_NOTE="timed out after ${TIMEOUT} s"
			return 1
		elif [ $st -ne 0 ]; then
			M_NOTE="exit status $st: $(tail -n 2 "$W/err" | tr '\n' ' ')"
			return 1
		fi
		secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
		cpu=$(tail -n 1 "$W/rss" 2>/dev/null | awk 'NF == 3 { printf "%.2f", $2 + $3 }')
		if [ -z "$M_SECS" ] || awk -v a="$secs" -v b="$M_SECS" 'BEGIN { exit !(a < b) }'; then
			M_SECS=$secs
			M_CPU=$cpu
			cp "$W/err" "$W/err.best"
		fi
		rss=$(tail -n 1 "$W/rss" 2>/dev/null | cut -d' ' -f1)
		if num "${rss:-x}" && { [ -z "$M_RSS" ] || [ "$rss" -gt "$M_RSS" ]; }; then
			M_RSS=$rss
		fi
	done
	return 0
}

# Results: one line per row in $W/rows: label|file label|bytes|runs|secs|rss kB|transactions|note|cpu s
# (the cpu seconds are M_CPU of the latest measure)
row() { printf '%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "${M_CPU:-}" >>"$W/rows"; }
: >"$W/rows"
: >"$W/cmds"
cmdline() { printf '  %s\n' "$*" >>"$W/cmds"; }

# stat_of WHAT FILE: a count ("transactions", "SMTP sessions", "gaps") from
# smtpscope decode's statistics line in FILE.
stat_of() { sed -n "s/.* \([0-9][0-9]*\) $1.*/\1/p" "$2" | head -n 1; }

file_of() {
	case $1 in
	main) say "$MAIN" ;;
	quarter) say "$QUARTER" ;;
	prefix) say "$PREFIX" ;;
	esac
}

label_of() {
	case $1 in
	"$MAIN") say "${SIZE_MB}MB" ;;
	"$QUARTER") say "${QUARTER_MB}MB (1/4)" ;;
	"$PREFIX") say "${PREFIX_MB}MB prefix" ;;
	esac
}

# smtpscope_row MODE FILE RUNS NAME: record a decode --MODE of FILE as measured
# (M_*, $W/err.best; M_SECS empty: it failed, M_NOTE says why); sets
# SECS_MODE_NAME, RSS_MODE_NAME and TXN_NAME (the transactions smtpscope counted).
smtpscope_row() {
	if [ -z "$M_SECS" ]; then
		row "smtpscope decode --$1" "$(label_of "$2")" "$(fsize "$2")" "$3" "" "" "" "$M_NOTE"
		return
	fi
	TXN=$(stat_of transactions "$W/err.best")
	# the best run's CPU time by thread (read-ahead, decoding, writing)
	sed -n 's/^smtpscope decode: cpu s: //p' "$W/err.best" | head -n 1 >"$W/threads-$1-$4"
	cp "$W/err.best" "$W/stats-$1-$(basename "$2")"
	row "smtpscope decode --$1" "$(label_of "$2")" "$(fsize "$2")" "$3" "$M_SECS" "$M_RSS" "$TXN" ""
	eval "SECS_$1_$4=\$M_SECS RSS_$1_$4=\$M_RSS TXN_$4=\$TXN"
}

# run_smtpscope MODE FILE RUNS NAME: time decode --MODE on FILE, RUNS times in a row.
run_smtpscope() {
	cmdline "$SMTPSCOPE decode --$1 --thread-times $2 > /dev/null"
	measure "$3" /dev/null "$SMTPSCOPE" decode --"$1" --thread-times "$2" || M_SECS="" # any run failed
	smtpscope_row "$@"
}

# The ratios to the bare loop compare runs made minutes apart on a machine
# whose speed drifts: the loop and both decodes of the main capture are run
# in turns (loop, --json, --summary; RUNS rounds), each keeping its best.
# best_take KEY: after a single-run measure, keep it under KEY when it is the
# fastest so far (its stderr as $W/err.best.KEY); the peak RSS is the highest.
best_take() {
	eval "bs=\${BEST_SECS_$1:-} br=\${BEST_RSS_$1:-}"
	if [ -z "$M_SECS" ]; then
		eval "BEST_NOTE_$1=\$M_NOTE"
	elif [ -z "$bs" ] || awk -v a="$M_SECS" -v b="$bs" 'BEGIN { exit !(a < b) }'; then
		eval "BEST_SECS_$1=\$M_SECS BEST_CPU_$1=\$M_CPU"
		cp "$W/err.best" "$W/err.best.$1"
	fi
	if num "${M_RSS:-x}" && { [ -z "$br" ] || [ "$M_RSS" -gt "$br" ]; }; then
		eval "BEST_RSS_$1=\$M_RSS"
	fi
}

# best_use KEY: M_SECS, M_CPU, M_RSS, M_NOTE and $W/err.best from what KEY kept; false when no run succeeded.
best_use() {
	eval "M_SECS=\${BEST_SECS_$1:-} M_CPU=\${BEST_CPU_$1:-} M_RSS=\${BEST_RSS_$1:-} M_NOTE=\${BEST_NOTE_$1:-}"
	[ -n "$M_SECS" ] || return 1
	cp "$W/err.best.$1" "$W/err.best"
}

# measure_main_in_turns: the bare loop, --json and --summary on the main capture.
measure_main_in_turns() {
	cmdline "$PCAPREAD $MAIN"
	cmdline "$SMTPSCOPE decode --json --thread-times $MAIN > /dev/null"
	cmdline "$SMTPSCOPE decode --summary --thread-times $MAIN > /dev/null"
	round=0
	while [ $round -lt "$RUNS" ]; do
		round=$((round + 1))
		measure 1 "$W/pcapread.out" "$PCAPREAD" "$MAIN"
		best_take floor
		for m in json summary; do
			measure 1 /dev/null "$SMTPSCOPE" decode --"$m" --thread-times "$MAIN"
			best_take "$m"
		done
	done
	if best_use floor; then
		SECS_floor=$M_SECS
		row "pcapread (bare libpcap loop)" "$(label_of "$MAIN")" "$MAIN_BYTES" "$RUNS" "$M_SECS" "$M_RSS" "" ""
	else
		SECS_floor=""
		row "pcapread (bare libpcap loop)" "$(label_of "$MAIN")" "$MAIN_BYTES" "$RUNS" "" "" "" "$M_NOTE"
	fi
	for m in json summary; do
		best_use "$m"
		smtpscope_row "$m" "$MAIN" "$RUNS" main
	done
}

LOAD_START=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)
say "bench: measuring (best of $RUNS runs for the fast commands, $SLOW_RUNS for tshark/Suricata)..." >&2
measure_main_in_turns
run_smtpscope json "$QUARTER" "$RUNS" quarter
if [ "$PREFIX" != "$MAIN" ]; then
	[ "$PREFIX" = "$QUARTER" ] || run_smtpscope json "$PREFIX" "$RUNS" prefix
	run_smtpscope summary "$PREFIX" "$RUNS" prefix
fi
if [ "$PREFIX" = "$QUARTER" ]; then
	# shellcheck disable=SC2034 # read through eval
	SECS_json_prefix=${SECS_json_quarter:-}
	TXN_prefix=${TXN_quarter:-}
fi

# Transactions counted from smtpscope's JSON once (sessions and transactions).
JSON_COUNT=""
if [ -x "$PY" ]; then
	JSON_COUNT=$("$SMTPSCOPE" decode -q --json "$MAIN" | "$PY" -c '
import json, sys
s = t = 0
for line in sys.stdin.buffer:
    d = json.loads(line)
    s += 1
    t += len(d["transactions"])
print(s, t)')
fi
PREFIX_TXN=${TXN_prefix:-${TXN_main:-}}

# Slow tools: first on the prefix capture, then on the main one when that
# projects within BENCH_SLOW_BUDGET seconds.
TSHARK_FIELDS="-e frame.time_epoch -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e smtp.req.command -e smtp.req.parameter -e smtp.response.code -e smtp.rsp.parameter"
slow_label() {
	case $1 in
	tshark) say "tshark -Y smtp -T fields" ;;
	suricata) say "suricata -r (eve.json smtp)" ;;
	esac
}
# slow_run NAME FILE TXN: time one tool on FILE; sets S_SECS and S_SEEN (what it reported).
slow_run() {
	S_SECS="" S_SEEN=""
	case $1 in
	tshark)
		# shellcheck disable=SC2086
		cmdline tshark -n -r "$2" -Y smtp -T fields $TSHARK_FIELDS "> OUTFILE"
		# shellcheck disable=SC2086
		measure "$SLOW_RUNS" "$W/tshark.out" tshark -n -r "$2" -Y smtp -T fields $TSHARK_FIELDS &&
			S_SEEN="$(grep -c . "$W/tshark.out") SMTP packets"
		;;
	suricata)
		rm -rf "$W/suri" && mkdir -p "$W/suri"
		cmdline suricata -c SURICATA.YAML -r "$2" -l LOGDIR -k none --disable-detection
		measure "$SLOW_RUNS" "$W/suri.out" suricata -c "$W/suricata.yaml" -r "$2" -l "$W/suri" -k none \
			--disable-detection &&
			S_SEEN="$(grep -c '"event_type":"smtp"' "$W/suri/eve.json" 2>/dev/null) smtp events"
		;;
	esac
	if [ -z "$M_NOTE" ]; then
		S_SECS=$M_SECS
		row "$(slow_label "$1")" "$(label_of "$2")" "$(fsize "$2")" "$SLOW_RUNS" "$M_SECS" "$M_RSS" "$3" "$S_SEEN"
	else
		row "$(slow_label "$1")" "$(label_of "$2")" "$(fsize "$2")" "$SLOW_RUNS" "" "" "" "$M_NOTE"
	fi
}
slow_both() {
	slow_run "$1" "$PREFIX" "$PREFIX_TXN"
	eval "SECS_$1_prefix=\$S_SECS"
	if [ "$PREFIX" = "$MAIN" ]; then
		eval "SECS_$1_main=\$S_SECS"
		return
	fi
	[ -n "$S_SECS" ] || return
	scale=$(awk -v a="$MAIN_BYTES" -v b="$(fsize "$PREFIX")" 'BEGIN { printf "%.3f", a / b }')
	proj=$(awk -v s="$S_SECS" -v k="$scale" 'BEGIN { printf "%d", s * k + 1 }')
	# memory: assume it grows with the input (tshark's does); keep clear of the machine's
	proj_mb=$(awk -v r="${M_RSS:-0}" -v k="$scale" 'BEGIN { printf "%d", r * k / 1024 }')
	avail_mb=$(awk '/^MemAvailable:/ { printf "%d", $2 / 1024 }' /proc/meminfo 2>/dev/null)
	if num "${avail_mb:-x}" && [ $((proj_mb * 4)) -gt $((avail_mb * 3)) ]; then
		row "$(slow_label "$1")" "$(label_of "$MAIN")" "$MAIN_BYTES" 0 "" "" "" \
			"not run: might need ${proj_mb} MB of memory, ${avail_mb} MB available"
	elif [ "$SLOW_BUDGET" -gt 0 ] && [ "$proj" -le "$SLOW_BUDGET" ]; then
		say "bench: $1 on the ${SIZE_MB}MB capture (about $proj s)..." >&2
		slow_run "$1" "$MAIN" "${TXN_main:-}"
		eval "SECS_$1_main=\$S_SECS"
	else
		row "$(slow_label "$1")" "$(label_of "$MAIN")" "$MAIN_BYTES" 0 "" "" "" \
			"not run: would take about ${proj} s (BENCH_SLOW_BUDGET=${SLOW_BUDGET})"
	fi
}

suricata_config() {
	cat >"$W/suricata.yaml" <<-EOF
		%YAML 1.1
		---
		default-log-dir: $W/suri
		outputs:
		  - eve-log:
		      enabled: yes
		      filetype: regular
		      filename: eve.json
		      types:
		        - smtp
		app-layer:
		  protocols:
		    smtp:
		      enabled: yes
		    tls:
		      enabled: yes
		      detection-ports:
		        dp: 443, 465
		stream:
		  memcap: 1gb
		  reassembly:
		    memcap: 2gb
		    depth: 0
	EOF
}

if [ -z "$TSHARK_NOTE" ]; then
	say "bench: tshark on the ${PREFIX_MB}MB capture..." >&2
	TSHARK_VERSION=$(tshark --version 2>/dev/null | head -n 1)
	slow_both tshark
fi
if [ -z "$SURICATA_NOTE" ]; then
	say "bench: suricata on the ${PREFIX_MB}MB capture..." >&2
	suricata_config
	SURICATA_VERSION=$(suricata -V 2>/dev/null | head -n 1)
	slow_both suricata
fi

# ---- the report -------------------------------------------------------------------------

mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
mbs_of() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.1f", b / 1e6 / s; else print "-" }'; }
# verdict A OP B: PASS when the numbers compare so (OP is <, <= or >=), else MISS.
verdict() {
	if awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN {
		ok = op == "<" ? a + 0 < b + 0 : op == "<=" ? a + 0 <= b + 0 : a + 0 >= b + 0
		exit !ok }'; then say PASS; else say MISS; fi
}

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
mem=$(awk '/^MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)
report() {
	say ""
	say "== smtpscope capture benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
	say "machine:   ${cpu:-unknown CPU}, $(nproc 2>/dev/null || echo '?') cores, ${mem:-? GB} memory"
	say "smtpscope: $("$SMTPSCOPE" --version 2>/dev/null | head -n 1) ($SMTPSCOPE)"
	say "tshark:    ${TSHARK_NOTE:-${TSHARK_VERSION:-}}"
	say "suricata:  ${SURICATA_NOTE:-${SURICATA_VERSION:-}}"
	say "capture:   $MAIN: $(mb "$MAIN_BYTES") MB, $(mf packets "$MAIN") packets, $(mf flows "$MAIN") SMTP sessions," \
		"$(mf span_s "$MAIN") s of capture time"
	say "           generated by bench/gencap.c (seed $SEED, $(mf concurrency "$MAIN") sessions in flight, RTT $RTT ms)" \
		"from the recorded sessions in tests/captures:"
	awk '$1 == "template" { printf "             %-22s %4s packets %8s bytes  port %-10s %-5s x %s\n", $2, $4, $6, $8, $10, $12 }
	     $1 == "duplicate" { printf "             %-22s left out: the same conversation as %s\n", $2, $4 }' "$MAIN.manifest"
	say "transactions in it: ${TXN_main:-?} (smtpscope's statistics)${JSON_COUNT:+; JSON: ${JSON_COUNT% *} sessions, ${JSON_COUNT#* } transactions}"
	say "The smaller captures hold the first conversations of the same stream."
	say "Times: wall clock, best of the runs (on ${SIZE_MB}MB the loop, --json and --summary in turns), page cache warm;"
	say "cpu s: user + system time of that run, all threads"
	say "(smtpscope decodes a file in three threads: libpcap reading ahead, decoding, writing); MB = 10^6 bytes;"
	say "peak RSS from GNU time${GNUTIME:+ (%M)}. The bare loop reads through the same 1 MB stdio buffer smtpscope gives libpcap."
	say "Load average ${LOAD_START:-?} at the start, $(cut -d' ' -f1 /proc/loadavg 2>/dev/null) at the end" \
		"(the benchmark adds about 1; more means other work shared the CPUs and slowed the runs)."
	say ""
	printf '%-30s %-16s %4s %9s %7s %9s %11s %10s  %s\n' tool capture runs "best s" "cpu s" "MB/s" "txn/s" "peak RSS" ""
	while IFS='|' read -r lbl flbl bytes runs secs rss txn note cpus; do
		if [ -n "$secs" ]; then
			rate=$(mbs_of "$bytes" "$secs")
			tps=$(awk -v t="$txn" -v s="$secs" 'BEGIN { if (t != "" && s > 0) printf "%.0f", t / s; else print "-" }')
			rssmb=$(awk -v k="$rss" 'BEGIN { if (k != "") printf "%.1f MB", k / 1024; else print "-" }')
			printf '%-30s %-16s %4s %9s %7s %9s %11s %10s  %s\n' "$lbl" "$flbl" "$runs" "$secs" "${cpus:--}" "$rate" \
				"$tps" "$rssmb" "$note"
		else
			printf '%-30s %-16s %4s %9s %7s %9s %11s %10s  %s\n' "$lbl" "$flbl" "$runs" - - - - - "$note"
		fi
	done <"$W/rows"
	report_threads
	report_targets
	say ""
	say "commands:"
	cat "$W/cmds"
}

# target WHAT VALUE GOAL VERDICT: one line of the targets block.
target() { printf '  %-46s %16s   %-26s %s\n' "$1" "$2" "$3" "$4"; }

# speed_vs TOOL NAME: smtpscope (--json and --summary) against a slow tool, on
# the main capture when the tool read it, else on the prefix capture.
speed_vs() {
	for f in main prefix; do
		eval "t=\${SECS_$1_$f:-}"
		[ -n "$t" ] || continue
		[ $f = prefix ] && [ "$PREFIX" = "$MAIN" ] && continue
		for m in json summary; do
			eval "s=\${SECS_${m}_$f:-}"
			[ -n "$s" ] || continue
			x=$(ratio "$t" "$s")
			if [ "$1" = tshark ]; then
				target "speed vs $2, --$m, $(label_of "$(file_of $f)")" "${x}x" \
					">= ${T_TSHARK_X}x" "$(verdict "$x" ">=" "$T_TSHARK_X")"
			else
				target "speed vs $2, --$m, $(label_of "$(file_of $f)")" "${x}x" "(aim: far past 1x)" ""
			fi
		done
		return
	done
}

# floor_of FILE: the least wall time the thread times in FILE ("read-ahead
# 0.51, decoding 0.67, writing 0.07") allow on this machine: the busiest
# thread, or all the CPU time spread over every core, whichever is more.
floor_of() {
	awk -v n="$(nproc 2>/dev/null || echo 1)" '{
		gsub(",", "")
		for (i = 1; i <= NF; i++)
			if ($i ~ /^[0-9.]+$/) { s += $i; if ($i > m) m = $i }
	} END { b = s / n > m ? s / n : m; if (s > 0) printf "%.3f", b }' "$1"
}

# The CPU time of each thread in the best run on the main capture, and what it
# means for the wall time on this machine (see floor_of).
report_threads() {
	[ -s "$W/threads-json-main" ] || [ -s "$W/threads-summary-main" ] || return 0
	say ""
	say "CPU time by thread, best run on ${SIZE_MB}MB (s), and the least wall time that work allows"
	say "on $(nproc 2>/dev/null || echo '?') cores (the busiest thread, or all of it spread over every core):"
	for m in json summary; do
		[ -s "$W/threads-$m-main" ] || continue
		b=$(floor_of "$W/threads-$m-main")
		x=""
		[ -n "$b" ] && [ -n "$SECS_floor" ] && x=" = $(ratio "$b" "$SECS_floor")x the bare loop"
		say "  --$m: $(cat "$W/threads-$m-main"); no less than ${b:-?} s$x"
	done
	return 0
}

report_targets() {
	say ""
	say "targets (informational; the benchmark never fails the build):"
	if [ -n "$TSHARK_NOTE" ]; then say "  speed vs tshark: no figure, tshark $TSHARK_NOTE"; else speed_vs tshark tshark; fi
	[ -z "$SURICATA_NOTE" ] && speed_vs suricata Suricata
	if [ -n "$SECS_floor" ]; then
		for m in json summary; do
			eval "s=\${SECS_${m}_main:-}"
			[ -n "$s" ] || continue
			x=$(ratio "$s" "$SECS_floor")
			target "time vs the bare read loop, --$m, ${SIZE_MB}MB" "${x}x" "<= ${T_FLOOR_X}x" \
				"$(verdict "$x" "<=" "$T_FLOOR_X")"
		done
	fi
	R=${RSS_json_main:-}
	Q=${RSS_json_quarter:-}
	if [ -n "$R" ]; then
		r=$(awk -v k="$R" 'BEGIN { printf "%.1f", k / 1024 }')
		target "peak memory, --json, ${SIZE_MB}MB" "${r} MB" "< ${T_RSS_MB} MB" "$(verdict "$r" "<" "$T_RSS_MB")"
	fi
	if [ -n "$R" ] && [ -n "$Q" ]; then
		q=$(awk -v k="$Q" 'BEGIN { printf "%.1f", k / 1024 }')
		target "peak memory growth, ${QUARTER_MB}MB -> ${SIZE_MB}MB" "$q -> $r MB" "flat (<= x1.25 + 2 MB)" \
			"$(verdict "$R" "<=" "$((Q * 5 / 4 + 2048))")"
	fi
	check_counts
}

# The decoder must see every generated session, no gap, and the transactions the
# templates hold (each template decoded alone, times its replays).
check_counts() {
	flows=$(mf flows "$MAIN")
	sessions=$(stat_of "SMTP sessions" "$W/stats-json-$(basename "$MAIN")" 2>/dev/null)
	gaps=$(stat_of gaps "$W/stats-json-$(basename "$MAIN")" 2>/dev/null)
	expect=0
	while read -r kind name rest; do
		[ "$kind" = template ] || continue
		replays=${rest##* }
		case $name in *'#'*) expect="" && break ;; esac
		t=$("$SMTPSCOPE" decode --summary "tests/captures/$name" 2>&1 >/dev/null | sed -n 's/.* \([0-9][0-9]*\) transactions.*/\1/p')
		num "${t:-x}" || { expect="" && break; }
		expect=$((expect + t * replays))
	done <"$MAIN.manifest"
	ok=MISMATCH
	[ "${sessions:-}" = "$flows" ] && [ "${gaps:-}" = 0 ] && [ "${TXN_main:-}" = "$expect" ] && ok=OK
	[ -n "$JSON_COUNT" ] && [ "$JSON_COUNT" != "$flows $expect" ] && ok=MISMATCH
	target "decoding check, ${SIZE_MB}MB" "$ok" "every session, no gap" ""
	say "    (${sessions:-?} of $flows sessions, ${gaps:-?} gaps, ${TXN_main:-?} transactions; the templates hold ${expect:-?})"
}

report | tee "$W/report"
cp "$W/report" "$DATA/last-run.txt" 2>/dev/null

# Then the live-session benchmark (send against swaks) and the terminal UI
# benchmark, each with its own report (BENCH_SKIP_SEND=1, BENCH_SKIP_TUI=1).
SMTPSCOPE="$SMTPSCOPE" BENCH_DATA="$DATA" sh bench/run_send.sh
SMTPSCOPE="$SMTPSCOPE" BENCH_TOOLS="$BENCH_TOOLS" BENCH_DATA="$DATA" BENCH_CAPTURE="$MAIN" sh bench/run_tui.sh
exit 0
