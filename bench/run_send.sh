#!/bin/sh
# run_send.sh - `make bench`, live sessions: one large message sent by `smtpscope send` and by swaks to a loopback server (RFC 5321 DATA with dot-stuffing, RFC 3030 BDAT), side by side: throughput, peak memory, and whether smtpscope's memory stays flat as the message grows.
#
# The server is a private Postfix instance (tests/servers/postfix.sh: needs root
# and Debian's postfix) whose SIZE limit fits the message; it queues the message,
# answers 250 and delivers it to an mbox afterwards (not timed: the queue is let
# drain and the mailbox emptied between runs). Without root or Postfix (or with
# BENCH_SEND_SERVER=aiosmtpd) bench/sink_smtpd.py stands in: aiosmtpd receiving
# the whole message and throwing it away. The report names the server used.
# The message bodies are made by bench/genbody.py and kept in bench/data/
# (gitignored). Every figure is informational: a missed target prints MISS and
# the exit status only says whether the benchmark could run.
#
# Settings (environment):
#   BENCH_SEND_MB=100        size of the large body (10^6 bytes)
#   BENCH_SEND_SMALL_MB=25   a smaller body, to see whether memory grows with size
#   BENCH_SEND_RUNS=3        runs of each command (the best wall time counts)
#   BENCH_SEND_SERVER=auto   postfix, aiosmtpd, or auto (Postfix when it can run)
#   BENCH_SKIP_SEND=1        skip this benchmark
#   BENCH_SKIP_SWAKS=1       leave swaks out
#   BENCH_TIMEOUT=600        seconds any single run may take
#   BENCH_DATA=bench/data    where the bodies are kept
#   SMTPSCOPE                the binary (set by `make bench`; else built with make)
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1

BIG_MB=${BENCH_SEND_MB:-100}
SMALL_MB=${BENCH_SEND_SMALL_MB:-25}
RUNS=${BENCH_SEND_RUNS:-3}
SERVER=${BENCH_SEND_SERVER:-auto}
TIMEOUT=${BENCH_TIMEOUT:-600}
DATA=${BENCH_DATA:-bench/data}
PY=/usr/bin/python3
FROM=bench@example.test
TO=alice@example.test
DRAIN_WAIT=120   # seconds the Postfix queue may take to drain between runs

say() { printf '%s\n' "$*"; }
die() {
	say "bench-send: $*" >&2
	exit 1
}
num() { case $1 in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }

if [ "${BENCH_SKIP_SEND:-0}" = 1 ]; then
	say "bench-send: skipped (BENCH_SKIP_SEND=1)"
	exit 0
fi
for v in BIG_MB SMALL_MB RUNS TIMEOUT; do
	val=""
	eval "val=\$$v"
	num "$val" || die "$v must be a whole number (got '$val')"
done
if [ "$RUNS" -lt 1 ] || [ "$SMALL_MB" -lt 1 ] || [ "$BIG_MB" -le "$SMALL_MB" ]; then
	die "need BENCH_SEND_RUNS >= 1 and BENCH_SEND_MB > BENCH_SEND_SMALL_MB >= 1"
fi
[ -x "$PY" ] || die "$PY is missing"

W=$(mktemp -d "${TMPDIR:-/tmp}/smtpscope-bench-send.XXXXXX") || die "no temporary directory"
SRV_KIND=""
SRV_PID=""
# cleanup: stop the server this script started, remove the work directory.
cleanup() {
	case $SRV_KIND in
	postfix) sh tests/servers/postfix.sh stop "$W/pf" >/dev/null 2>&1 ;;
	aiosmtpd)
		if [ -n "$SRV_PID" ]; then
			kill -TERM "$SRV_PID" 2>/dev/null
			ci=0
			while kill -0 "$SRV_PID" 2>/dev/null && [ $ci -lt 50 ]; do
				sleep 0.1
				ci=$((ci + 1))
			done
			kill -KILL "$SRV_PID" 2>/dev/null
		fi
		;;
	esac
	SRV_KIND=""
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---- tools ---------------------------------------------------------------------

if [ -z "${SMTPSCOPE:-}" ]; then
	B=${BUILD:-build}
	make -s BUILD="$B" all >&2 || die "build failed"
	if [ "$B" = build ]; then SMTPSCOPE=$TOP/smtpscope; else SMTPSCOPE=$TOP/$B/smtpscope; fi
fi
[ -x "$SMTPSCOPE" ] || die "$SMTPSCOPE is missing"

ROOT=no
[ "$(id -u)" = 0 ] && ROOT=yes
# apt_install PACKAGE: install a Debian package when root; quiet, bounded.
apt_install() {
	[ $ROOT = yes ] && command -v apt-get >/dev/null 2>&1 || return 1
	DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q "$1" >"$W/apt.log" 2>&1 && return 0
	timeout 300 apt-get update -q >>"$W/apt.log" 2>&1
	DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q "$1" >>"$W/apt.log" 2>&1
}

GNUTIME=/usr/bin/time
if ! "$GNUTIME" -f %M -o "$W/t" true 2>/dev/null; then
	apt_install time || true
	"$GNUTIME" -f %M -o "$W/t" true 2>/dev/null || GNUTIME=""
fi
SWAKS_NOTE=""
if [ "${BENCH_SKIP_SWAKS:-0}" = 1 ]; then
	SWAKS_NOTE="skipped (BENCH_SKIP_SWAKS=1)"
elif ! command -v swaks >/dev/null 2>&1; then
	apt_install swaks || true
	command -v swaks >/dev/null 2>&1 || SWAKS_NOTE="not installed and could not be installed (needs root and apt)"
fi

# ---- the message bodies ------------------------------------------------------------

mkdir -p "$DATA" || die "cannot create $DATA"
GENKEY=$(sha256sum bench/genbody.py | cut -c1-32)
# body MB: make $DATA/send-MBMB.txt unless it is current; prints its path.
body() {
	f=$DATA/send-$1MB.txt
	if [ -f "$f" ] && [ "$(cat "$f.key" 2>/dev/null)" = "$GENKEY $1" ]; then
		say "$f"
		return 0
	fi
	say "bench-send: generating $f ($1 MB)..." >&2
	rm -f "$f" "$f.key"
	timeout "$TIMEOUT" "$PY" bench/genbody.py "$(($1 * 1000000))" "$f" || die "genbody.py failed"
	printf '%s\n' "$GENKEY $1" >"$f.key"
	say "$f"
}
free_mb=$(df -Pm "$DATA" | awk 'NR == 2 { print $4 }')
if num "${free_mb:-x}" && [ $((BIG_MB * 4 + SMALL_MB + 512)) -gt "$free_mb" ]; then
	die "needs about $((BIG_MB * 4 + SMALL_MB)) MB of disk (bodies and the server's queue), ${free_mb} MB free"
fi
BIG=$(body "$BIG_MB") || exit 1
SMALL=$(body "$SMALL_MB") || exit 1
cat "$BIG" "$SMALL" >/dev/null # into the page cache

# ---- the server --------------------------------------------------------------------

PORT=$("$PY" tests/servers/netutil.py free-port 1) || die "no free port"
LIMIT=$((BIG_MB * 2000000 + 10000000)) # room for CRLF line ends, dot-stuffing, headers
if [ "$SERVER" = auto ]; then
	SERVER=aiosmtpd
	[ $ROOT = yes ] && command -v postfix >/dev/null 2>&1 && SERVER=postfix
fi
SRV_NOTE=""
start_postfix() {
	sh tests/servers/postfix.sh start "$W/pf" "$PORT" --size "$LIMIT" --no-starttls >"$W/pf.log" 2>&1 || return 1
	SRV_KIND=postfix
	SRV_DESC="Postfix $(postconf -d -h mail_version 2>/dev/null) on 127.0.0.1:$PORT (a private instance from tests/servers/postfix.sh, message_size_limit $LIMIT; it queues the message, answers, then delivers it to an mbox: the queue drains between runs, untimed)"
}
start_aiosmtpd() {
	"$PY" -c 'import aiosmtpd' 2>/dev/null || return 1
	"$PY" bench/sink_smtpd.py "$PORT" "$W/sink.log" --seconds 3600 >"$W/sink.out" 2>&1 </dev/null &
	SRV_PID=$!
	SRV_KIND=aiosmtpd
	si=0
	while ! grep -qx ready "$W/sink.out" 2>/dev/null; do
		kill -0 "$SRV_PID" 2>/dev/null && [ $si -lt 100 ] || return 1
		sleep 0.1
		si=$((si + 1))
	done
	"$PY" tests/servers/netutil.py wait-banner 127.0.0.1 "$PORT" 10 || return 1
	SRV_DESC="aiosmtpd $("$PY" -c 'import aiosmtpd; print(aiosmtpd.__version__)') on 127.0.0.1:$PORT (bench/sink_smtpd.py: receives the whole message and discards it)"
}
case $SERVER in
postfix)
	if ! start_postfix; then
		SRV_NOTE="Postfix could not start ($(tail -n 1 "$W/pf.log")); aiosmtpd used instead"
		start_aiosmtpd || die "neither Postfix nor aiosmtpd could be started"
	fi
	;;
aiosmtpd)
	[ $ROOT = yes ] || SRV_NOTE="not root: Postfix cannot run, aiosmtpd used"
	start_aiosmtpd || die "aiosmtpd could not be started (Debian package python3-aiosmtpd)"
	;;
*) die "BENCH_SEND_SERVER must be auto, postfix or aiosmtpd" ;;
esac

# drain: after a run, wait (bounded) until Postfix has delivered the message,
# then empty the mailbox so the disk does not fill up.
drain() {
	[ "$SRV_KIND" = postfix ] || return 0
	di=0
	while [ $di -lt $((DRAIN_WAIT * 10)) ]; do
		[ -z "$(find "$W/pf/queue/maildrop" "$W/pf/queue/incoming" "$W/pf/queue/active" \
			"$W/pf/queue/deferred" -type f 2>/dev/null | head -n 1)" ] && break
		sleep 0.1
		di=$((di + 1))
	done
	for f in "$W"/pf/mail/*; do
		case $f in *.lock) ;; *) [ -f "$f" ] && : >"$f" ;; esac
	done
	return 0
}

# got OUTFILE: the size of the message the server received in the last run
# (Postfix's qmgr "size=" for the queue id the client printed; the sink's log).
got() {
	if [ "$SRV_KIND" = postfix ]; then
		qid=$(grep -o 'queued as [0-9A-Za-z]*' "$1" | tail -n 1 | cut -d' ' -f3)
		[ -n "$qid" ] && sed -n "s/.* $qid: from=<[^>]*>, size=\([0-9]*\),.*/\1/p" "$W/pf/maillog" | tail -n 1
	else
		sed -n 's/^accepted //p' "$W/sink.log" 2>/dev/null | tail -n 1
	fi
}

# ---- measuring ---------------------------------------------------------------------

# measure RUNS CMD...: run CMD RUNS times (stdout in $W/out, stderr in $W/err);
# sets M_SECS (best wall time), M_RSS (highest peak RSS, kB), M_GOT (bytes the
# server received, last run) and M_NOTE (why a run failed).
measure() {
	runs=$1
	shift
	M_SECS="" M_RSS="" M_GOT="" M_NOTE=""
	mi=0
	while [ $mi -lt "$runs" ]; do
		mi=$((mi + 1))
		rm -f "$W/rss"
		t0=$(date +%s%N)
		if [ -n "$GNUTIME" ]; then
			"$GNUTIME" -f %M -o "$W/rss" timeout "$TIMEOUT" "$@" >"$W/out" 2>"$W/err" </dev/null
		else
			timeout "$TIMEOUT" "$@" >"$W/out" 2>"$W/err" </dev/null
		fi
		st=$?
		t1=$(date +%s%N)
		M_GOT=$(got "$W/out")
		drain
		if [ $st -eq 124 ]; then
			M_NOTE="timed out after ${TIMEOUT} s"
			return 1
		elif [ $st -ne 0 ]; then
			M_NOTE="exit status $st: $(tail -n 2 "$W/err" "$W/out" 2>/dev/null | grep . | tail -n 2 | tr '\n' ' ')"
			return 1
		fi
		secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
		if [ -z "$M_SECS" ] || awk -v a="$secs" -v b="$M_SECS" 'BEGIN { exit !(a < b) }'; then
			M_SECS=$secs
		fi
		rss=$(tail -n 1 "$W/rss" 2>/dev/null)
		if num "${rss:-x}" && { [ -z "$M_RSS" ] || [ "$rss" -gt "$M_RSS" ]; }; then
			M_RSS=$rss
		fi
	done
	return 0
}

: >"$W/rows"
: >"$W/cmds"
# row LABEL SIZE_LABEL BYTES RUNS SECS RSS GOT NOTE
row() { printf '%s|%s|%s|%s|%s|%s|%s|%s\n' "$@" >>"$W/rows"; }
rel() { case $1 in "$TOP"/*) say "${1#"$TOP"/}" ;; *) say "$1" ;; esac; }

# run NAME LABEL FILE MB CMD...: measure one client on one body; sets SECS_NAME_MB, RSS_NAME_MB.
run() {
	name=$1 lbl=$2 file=$3 mb=$4
	shift 4
	say "bench-send: $lbl, ${mb} MB, $RUNS run(s)..." >&2
	printf '  %s > /dev/null\n' "$(printf '%s ' "$@" | sed "s|$TOP/||g; s/ $//")" >>"$W/cmds"
	if measure "$RUNS" "$@"; then
		row "$lbl" "${mb}MB" "$(wc -c <"$file" | tr -d ' ')" "$RUNS" "$M_SECS" "$M_RSS" "$M_GOT" ""
		eval "SECS_${name}_$mb=\$M_SECS RSS_${name}_$mb=\$M_RSS"
	else
		row "$lbl" "${mb}MB" "$(wc -c <"$file" | tr -d ' ')" "$RUNS" "" "" "" "$M_NOTE"
	fi
}

S="127.0.0.1:$PORT"
BIGR=$(rel "$BIG")
SMALLR=$(rel "$SMALL")
LOAD_START=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)
run scope "smtpscope send --body @FILE" "$BIG" "$BIG_MB" \
	"$SMTPSCOPE" send --server "$S" --from "$FROM" --to "$TO" --body "@$BIGR"
run bdat "smtpscope send --bdat" "$BIG" "$BIG_MB" \
	"$SMTPSCOPE" send --server "$S" --from "$FROM" --to "$TO" --body "@$BIGR" --bdat
run scope "smtpscope send --body @FILE" "$SMALL" "$SMALL_MB" \
	"$SMTPSCOPE" send --server "$S" --from "$FROM" --to "$TO" --body "@$SMALLR"
if [ -z "$SWAKS_NOTE" ]; then
	SWAKS_VERSION=$(swaks --version 2>/dev/null | head -n 1)
	run swaks "swaks -n --body @FILE" "$BIG" "$BIG_MB" \
		swaks -n --server "$S" --from "$FROM" --to "$TO" --body "@$BIGR"
	run swaks "swaks -n --body @FILE" "$SMALL" "$SMALL_MB" \
		swaks -n --server "$S" --from "$FROM" --to "$TO" --body "@$SMALLR"
fi

# ---- the report --------------------------------------------------------------------------

verdict() {
	if awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN {
		ok = op == "<" ? a + 0 < b + 0 : op == "<=" ? a + 0 <= b + 0 : a + 0 >= b + 0
		exit !ok }'; then say PASS; else say MISS; fi
}
target() { printf '  %-46s %18s   %-26s %s\n' "$1" "$2" "$3" "$4"; }
kb2mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

report() {
	say ""
	say "== smtpscope send benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
	say "machine:   $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1), $(nproc 2>/dev/null) cores"
	say "smtpscope: $("$SMTPSCOPE" --version 2>/dev/null | head -n 1) ($SMTPSCOPE)"
	say "swaks:     ${SWAKS_NOTE:-${SWAKS_VERSION:-}}"
	say "server:    $SRV_DESC"
	[ -n "$SRV_NOTE" ] && say "           ($SRV_NOTE)"
	say "message:   $BIGR and $SMALLR: text lines under 80 characters with LF ends (the clients send"
	say "           CRLF), one line in 97 starting with a dot (dot-stuffed); From/To/Subject/Date added by each client"
	say "Times: wall clock of the whole client process (connect to QUIT), best of the runs; MB = 10^6 bytes of"
	say "body file; peak RSS from GNU time (%M); 'server got': the message size the server recorded, last run."
	say "Load average ${LOAD_START:-?} at the start, $(cut -d' ' -f1 /proc/loadavg 2>/dev/null) at the end."
	say ""
	printf '%-30s %-7s %4s %9s %9s %11s %12s  %s\n' client body runs "best s" "MB/s" "peak RSS" "server got" ""
	while IFS='|' read -r lbl mb bytes runs secs rss gotb note; do
		if [ -n "$secs" ]; then
			rate=$(awk -v b="$bytes" -v s="$secs" 'BEGIN { if (s > 0) printf "%.1f", b / 1e6 / s; else print "-" }')
			r=-
			[ -n "$rss" ] && r="$(kb2mb "$rss") MB"
			printf '%-30s %-7s %4s %9s %9s %11s %12s  %s\n' "$lbl" "$mb" "$runs" "$secs" "$rate" "$r" "${gotb:--}" "$note"
		else
			printf '%-30s %-7s %4s %9s %9s %11s %12s  %s\n' "$lbl" "$mb" "$runs" - - - - "$note"
		fi
	done <"$W/rows"
	say ""
	say "targets (informational; the benchmark never fails the build):"
	eval "a=\${SECS_scope_$BIG_MB:-} b=\${SECS_swaks_$BIG_MB:-} c=\${SECS_scope_$SMALL_MB:-} d=\${SECS_swaks_$SMALL_MB:-}"
	if [ -n "$a" ] && [ -n "$b" ]; then
		x=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", b / a }')
		target "throughput vs swaks, ${BIG_MB}MB" "${x}x" "(side by side)" ""
	else
		target "throughput vs swaks, ${BIG_MB}MB" "-" "(side by side)" "${SWAKS_NOTE:-a run failed}"
	fi
	if [ -n "$c" ] && [ -n "$d" ]; then
		x=$(awk -v a="$c" -v b="$d" 'BEGIN { printf "%.1f", b / a }')
		target "throughput vs swaks, ${SMALL_MB}MB" "${x}x" "(side by side)" ""
	fi
	eval "R=\${RSS_scope_$BIG_MB:-} Q=\${RSS_scope_$SMALL_MB:-}"
	if [ -n "$R" ] && [ -n "$Q" ]; then
		target "smtpscope memory, ${SMALL_MB}MB -> ${BIG_MB}MB message" "$(kb2mb "$Q") -> $(kb2mb "$R") MB" \
			"flat (<= x1.25 + 2 MB)" "$(verdict "$R" "<=" "$((Q * 5 / 4 + 2048))")"
	else
		target "smtpscope memory, ${SMALL_MB}MB -> ${BIG_MB}MB message" "-" "flat" "no figure (a run failed or no GNU time)"
	fi
	eval "R=\${RSS_swaks_$BIG_MB:-} Q=\${RSS_swaks_$SMALL_MB:-}"
	[ -n "$R" ] && [ -n "$Q" ] && target "(swaks memory, ${SMALL_MB}MB -> ${BIG_MB}MB message)" "$(kb2mb "$Q") -> $(kb2mb "$R") MB" "" ""
	say ""
	say "commands (FILE is the body; the server is the one above):"
	cat "$W/cmds"
}

report | tee "$W/report"
cp "$W/report" "$DATA/last-send.txt" 2>/dev/null
exit 0
