#!/bin/sh
# it_tui_session.sh - the Session and Practice screens driven through tmux: a
# whole session typed against the built-in practice server (EHLO, STARTTLS,
# AUTH with the secret masked, MAIL, a refused RCPT explained, :data, the queue
# id, QUIT), completion, inline help and hints, history, folding, a long
# transcript scrolled back while the screen stays responsive, resizing, saving,
# a hostile server's escape sequences kept visible, the Practice screen's log
# (a session from swaks and from the Session screen), `connect` and `practice`
# on a terminal, and a real Postfix on loopback when running as root.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui.sh"

SRV=$TOP/tests/servers
PY=/usr/bin/python3
PF=$TMPD/pf
PIDS=""
S=sesstest

cleanup() {
	tui_stop "$S"
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	[ -d "$PF" ] && sh "$SRV/postfix.sh" stop "$PF" >/dev/null 2>&1
	rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! command -v tmux >/dev/null 2>&1; then
	skip "tmux is not installed"
	finish
	exit $?
fi
if [ ! -x "$SMTPSCOPE" ]; then
	not_ok "binary $SMTPSCOPE exists"
	finish
	exit $?
fi
cd "$TOP" || exit 1
for l in C.UTF-8 C.utf8 en_US.UTF-8; do
	if [ "$(LC_ALL=$l locale charmap 2>/dev/null)" = UTF-8 ]; then
		export LC_ALL="$l"
		break
	fi
done
unset NO_COLOR
# recent targets and saved files stay in the test's own directories
export XDG_STATE_HOME="$TMPD/state"
mkdir -p "$TMPD/cwd"

line() { tui_type "$S" "$1"; tui_keys "$S" Enter; } # type a line and Enter
input_row() { tui_screen "$S" | grep -E '^(smtp|data|closed|Target)> |^password for' | tail -n 1; }
# ms_until TEXT [SECONDS]: milliseconds until TEXT shows (empty on a timeout)
ms_until() {
	t0=$(date +%s%N)
	tui_wait "$S" "$1" "${2:-5}" || return 1
	echo $((($(date +%s%N) - t0) / 1000000))
}
free_port() { "$PY" "$SRV/netutil.py" free-port 1; }
# Entries in the transcript, from the position shown above the input line.
entries() { tui_screen "$S" | sed -n 's/.*[^0-9]\([0-9][0-9]*\) entries, following.*/\1/p; s/.*entry [0-9]* of \([0-9][0-9]*\).*/\1/p' | tail -n 1; }
first_entry() { tui_screen "$S" | sed -n 's/.*entry \([0-9][0-9]*\) of .*/\1/p' | tail -n 1; }
wait_entries() { # wait_entries N SECONDS: until the transcript has N entries
	i=0
	while [ "$i" -lt $(($2 * 10)) ]; do
		[ "$(entries)" = "$1" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# The practice server's port as the screen shows it.
practice_port() { tui_screen "$S" | sed -n 's/.*Listening: *127\.0\.0\.1:\([0-9]*\).*/\1/p' | head -n 1; }

# ---- a whole session with the practice server, opened from Home ----
session_basic() {
	start 110x34 env SMTPSCOPE_LOG="$TMPD/ui.log" "$SMTPSCOPE"
	expect "Home names the practice server as the quick start" "opens a session to the built-in practice server"
	tui_keys "$S" s
	expect "s on Home asks for the destination" "Target> "
	expect "the prompt says empty means the practice server" "Enter for the practice server"
	tui_keys "$S" Enter
	expect "empty target: connected to the practice server" "220 localhost ESMTP smtpscope practice server"
	expect "the status bar says it is the practice server" "(practice server)"
	expect "the demo account is in the status bar" "Demo account: demo / practice"
	expect "after the greeting the hint suggests EHLO" "try EHLO your.name"
	line "EHLO client.test"
	expect "EHLO is answered" "250-localhost Hello client.test"
	expect "the EHLO reply's extensions are explained" "PIPELINING: groups of commands may be sent at once"
	expect "the status bar lists the extensions" "Extensions: PIPELINING  SIZE 10.0 MiB"
	expect "the hint suggests STARTTLS when offered" "try :starttls"
	line ":starttls"
	expect "STARTTLS: the status bar shows TLS" "TLSv1.3"
	expect "the practice certificate is verified" ", verified"
	expect "EHLO again after the handshake offers AUTH" "AUTH PLAIN LOGIN"
	tui_type "$S" ":auth plain demo practice"
	expect "the secret is masked while typed" "smtp> :auth plain demo ********"
	tui_keys "$S" Enter
	expect "AUTH succeeds" "235 2.7.0"
	expect "the AUTH line is masked in the transcript" "C: AUTH PLAIN ***"
	expect_not "the encoded secret is not shown" "AGRlbW8AcHJhY3RpY2U"
	expect_not "the typed secret is not shown" ":auth plain demo practice"
	line "MAIL FROM:<sender@example.test>"
	expect "MAIL is accepted" "250 2.1.0 Sender <sender@example.test> ok"
	line "RCPT TO:<unknown@localhost>"
	expect "an unknown recipient is refused with 550 5.1.1" "550 5.1.1 <unknown@localhost>"
	expect "the refusal is explained as userunknown" "userunknown (permanent"
	expect "its explanation says what to do" "What to do:"
	line "RCPT TO:<alice@localhost>"
	expect "a known recipient is accepted" "250 2.1.5 Recipient <alice@localhost> ok"
	line ":data"
	expect ":data opens the message editor" "data> "
	expect "the server's 354 is shown" "354 End data"
	line "Subject: tui session test"
	tui_keys "$S" Enter
	line "Hello from the Session screen."
	expect "the editor shows the lines typed" "| Hello from the Session screen."
	line "."
	expect "the message is queued" "queued as P"
	qid=$(tui_screen "$S" | sed -n 's/.*queued as \(P[0-9A-F]*\).*/\1/p' | tail -n 1)
	expect "the hint repeats the queue id" "queue id $qid"
	line "QUIT"
	expect "QUIT is answered 221" "221 2.0.0"
	expect "the session shows as closed" "closed> "
	tui_keys "$S" Up
	expect "Up recalls the last line" "closed> QUIT"
	tui_keys "$S" Up Up Up Up Up
	expect "history keeps :auth without the secret" "closed> :auth plain demo"
	expect_not "history never holds the secret" "demo practice"
	tui_keys "$S" C-u
	line ":save $TMPD/cwd/t1"
	expect ":save reports the files" "Saved"
	check ":save wrote the text transcript" grep -q "C: RCPT TO:<unknown@localhost>" "$TMPD/cwd/t1"
	check "EHLO was sent exactly as typed" grep -q "C: EHLO client.test$" "$TMPD/cwd/t1"
	check "the text transcript explains the refusal" grep -q "userunknown" "$TMPD/cwd/t1"
	check "the saved transcript keeps the secret masked" sh -c "! grep -q 'AGRlbW8AcHJhY3RpY2U' '$TMPD/cwd/t1'"
	check ":save wrote valid JSON with the queue id" "$PY" -c \
		'import json,sys; d=json.load(open(sys.argv[1])); assert d["result"]["queue_id"] == sys.argv[2], d["result"]' \
		"$TMPD/cwd/t1.json" "$qid"
	tui_keys "$S" Escape
	expect "Esc on a closed session goes back to Home" "Recent targets"
	tui_keys "$S" p
	expect "p shows the practice server that is running" "Practice server: running"
	expect "the Practice screen shows the demo account" "demo / practice"
	expect "the Practice screen shows the certificate fingerprint" "SHA-256:"
	expect "the log shows the accepted message's Subject" "accepted, Subject: tui session test"
	expect "the log shows the commands" "C: RCPT TO:<unknown@localhost>"
	expect "the log masks the secret" "C: AUTH PLAIN ***"
	expect_not "the log never shows the encoded secret" "AGRlbW8AcHJhY3RpY2U"
	pport=$(practice_port)
	if command -v swaks >/dev/null 2>&1 && [ -n "$pport" ]; then
		timeout 20 swaks --server "127.0.0.1:$pport" --from a@example.test --to bob@localhost \
			--header "Subject: swaks into the practice screen" >"$TMPD/swaks.log" 2>&1
		expect "a message from swaks shows with its Subject" "accepted, Subject: swaks into the practice screen"
	else
		skip "swaks is not installed (or no port): the swaks part of the Practice log"
	fi
	tui_keys "$S" s
	expect "s on the Practice screen opens a session to it" "220 localhost ESMTP"
	tui_keys "$S" Escape
	expect "Esc on an open session asks for a second one" "Esc again closes it"
	tui_keys "$S" Escape
	expect "the second Esc goes back to the Practice screen" "Practice server: running"
	expect "the log shows that session leaving" "gone:"
	tui_keys "$S" q q
	check_eq "q quits with status 0" 0 "$(wait_exit)"
	stop
}

# ---- completion, inline help, hints, secret prompt, folding ----
session_keys() {
	start 110x34 "$SMTPSCOPE" connect
	expect "'connect' alone on a terminal opens a session to the practice server" "(practice server)"
	expect "greeting" "220 localhost"
	tui_type "$S" "MA"
	tui_keys "$S" Tab
	expect "Tab completes MA to MAIL FROM:<" "smtp> MAIL FROM:<"
	expect "inline help for MAIL" "MAIL FROM:<address> [SIZE=n] [BODY=8BITMIME] - starts a transaction; send after EHLO"
	tui_keys "$S" C-u
	tui_type "$S" "E"
	tui_keys "$S" Tab
	expect "Tab on E lists EHLO and EXPN" "EHLO  EXPN"
	tui_keys "$S" Tab
	expect "Tab again puts in the first candidate" "smtp> EHLO"
	tui_keys "$S" C-u
	tui_type "$S" ":st"
	tui_keys "$S" Tab
	expect "Tab completes helpers" "smtp> :starttls"
	expect "inline help for the helper" ":starttls - STARTTLS, the TLS handshake"
	tui_keys "$S" C-u
	tui_type "$S" "rcpt"
	expect "inline help while typing a verb in lower case" "RCPT TO:<address>"
	tui_keys "$S" C-u
	line "EHLO keys.test"
	expect "EHLO reply" "250 HELP"
	line ":starttls"
	expect "TLS is up" "TLSv1"
	tui_type "$S" "AUTH P"
	tui_keys "$S" Tab
	expect "AUTH mechanisms complete from the server's list" "smtp> AUTH PLAIN"
	tui_keys "$S" C-u
	line ":auth login demo"
	expect "without a secret the helper asks for it" "password for demo:"
	tui_type "$S" "practice"
	expect "the secret prompt shows stars only" "password for demo: ********"
	tui_keys "$S" Enter
	expect "AUTH LOGIN with the prompted secret succeeds" "235 2.7.0"
	expect "the LOGIN steps are masked" "C: ***"
	expect_not "the prompted secret is never shown encoded" "cHJhY3RpY2U"
	expect_not "the prompt is gone" "password for demo"
	line "MAIL FROM:<s@example.test>"
	line "RCPT TO:<unknown@localhost>"
	expect "a refused recipient" "550 5.1.1 <unknown@localhost>"
	expect "with its explanation" "Likely cause:"
	tui_keys "$S" BTab
	expect "Shift-Tab moves into the transcript" "Enter Fold"
	tui_keys "$S" Enter
	expect "Enter folds the selected reply" "+S: 550 5.1.1 <unknown@localhost>"
	expect_not "the folded explanation is hidden" "Likely cause:"
	tui_keys "$S" Enter
	expect "Enter unfolds it again" "Likely cause:"
	tui_keys "$S" f
	expect "f folds every explanation" "Every explanation folded"
	expect_not "no explanation is left" "reply to MAIL"
	tui_keys "$S" f
	expect "f again unfolds them" "reply to MAIL"
	tui_keys "$S" t
	expect "t shows the time of each entry" "$(date +%H:)"
	tui_keys "$S" t
	tui_keys "$S" i
	expect "i goes back to the input line" "Enter Send"
	tui_type "$S" "q"
	expect "q is typed while the session is open (lower-case quit)" "smtp> q"
	tui_keys "$S" C-u
	tui_keys "$S" F2
	expect "F2 saves the transcript" "Saved"
	f=$(ls smtpscope-session-*.txt 2>/dev/null | head -n 1)
	if [ -n "$f" ] && grep -q "C: RCPT TO:<unknown@localhost>" "$f" && [ -s "${f%.txt}.json" ]; then
		ok "the saved files hold the transcript"
	else
		not_ok "the saved files hold the transcript ($f)"
	fi
	rm -f smtpscope-session-*.txt smtpscope-session-*.json
	tui_keys "$S" Escape Escape
	check_eq "Esc twice leaves the first screen with status 0" 0 "$(wait_exit)"
	stop
}

# ---- a long transcript, scrolling back, responsiveness, resize ----
session_long() {
	start 100x30 "$SMTPSCOPE" connect
	expect "long run: greeting" "220 localhost"
	line "EHLO long.test"
	expect "long run: EHLO (PIPELINING offered)" "250 HELP"
	noops=":pipeline $(i=0; while [ $i -lt 99 ]; do printf 'NOOP; '; i=$((i + 1)); done)NOOP"
	i=0
	while [ $i -lt 10 ]; do
		line "$noops"
		i=$((i + 1))
	done
	# 5 entries before (connecting, connected, greeting, EHLO and its reply);
	# each :pipeline adds its helper note and a command and a reply per NOOP
	want=$((5 + 10 * (1 + 2 * 100)))
	if wait_entries "$want" 30; then
		ok "1000 pipelined NOOPs are all answered ($want entries)"
	else
		not_ok "1000 pipelined NOOPs are all answered (want $want entries, have $(entries))"
		tui_screen "$S" | tail -n 4 | sed 's/^/    | /'
	fi
	tui_keys "$S" PageUp PageUp PageUp
	expect "PgUp scrolls back and stops following" "of $want"
	tui_keys "$S" BTab Home
	expect "Home in the transcript goes to the first entry" "entry 1 of $want"
	expect "the first entries are there" "connecting to 127.0.0.1"
	ms=$( (tui_keys "$S" End; ms_until "entries, following" 5) )
	if [ -n "$ms" ] && [ "$ms" -lt 1500 ]; then ok "End jumps back to the end at once (${ms} ms)"; else not_ok "End jumps back to the end at once (${ms:-timeout} ms)"; fi
	tui_keys "$S" Home
	i=0
	while [ $i -lt 30 ]; do
		tui_keys "$S" PageDown
		i=$((i + 1))
	done
	# 30 pages of 22 rows at about 2 rows per entry (a NOOP: command, reply and
	# its two-row explanation): well past entry 200
	i=0
	while [ "${fe:=0}" -le 200 ] && [ $i -lt 50 ]; do
		sleep 0.1
		fe=$(first_entry)
		i=$((i + 1))
	done
	if [ "${fe:-0}" -gt 200 ]; then ok "30 pages down are drawn (at entry $fe)"; else not_ok "30 pages down are drawn (at entry ${fe:-?})"; fi
	tui_keys "$S" i
	# more load: the input line keeps answering while replies pour in
	line "$noops"
	line "$noops"
	tui_type "$S" "NOOP typed under load"
	ms=$(ms_until "smtp> NOOP typed under load" 5)
	if [ -n "$ms" ] && [ "$ms" -lt 2000 ]; then ok "typing shows at once under load (${ms} ms)"; else not_ok "typing shows at once under load (${ms:-timeout} ms)"; fi
	tui_keys "$S" C-u
	if wait_entries $((want + 2 * 201)) 30; then ok "the load is done"; else not_ok "the load is done ($(entries))"; fi
	# up to the model's cap of 100000 entries: moving stays as quick
	i=0
	while [ $i -lt 490 ]; do
		line "$noops"
		i=$((i + 1))
	done
	if wait_entries 100000 120; then ok "a 100000-entry transcript"; else not_ok "a 100000-entry transcript ($(entries))"; fi
	tui_keys "$S" BTab
	for k in Home End PageUp; do
		before=$(tui_screen "$S" | sed -n 5p)
		t0=$(date +%s%N)
		tui_keys "$S" "$k"
		i=0
		while [ "$(tui_screen "$S" | sed -n 5p)" = "$before" ] && [ $i -lt 100 ]; do
			sleep 0.02
			i=$((i + 1))
		done
		ms=$((($(date +%s%N) - t0) / 1000000))
		if [ $i -lt 100 ] && [ $ms -lt 1000 ]; then ok "100000 entries: $k redraws in ${ms} ms"; else not_ok "100000 entries: $k redraws in ${ms} ms"; fi
	done
	tui_keys "$S" i
	tui_resize "$S" 60 20
	sleep 0.3
	expect "after resizing to 60x20 the input line is drawn" "smtp> "
	expect "after resizing the status bar is drawn" "[ready]"
	tui_resize "$S" 30 8
	sleep 0.2
	tui_resize "$S" 120 40
	expect "after growing back the transcript is drawn" "250 2.0.0 Ok"
	if [ -s "$EXITF" ]; then not_ok "the program survived the resizes"; else ok "the program survived the resizes"; fi
	stop
}

# ---- a hostile server's escape sequences stay visible ----
session_hostile() {
	hp=$(free_port)
	"$PY" "$SRV/hostile.py" --mode escapes --port "$hp" --max-time 60 >"$TMPD/hostile.log" 2>&1 &
	PIDS="$PIDS $!"
	i=0
	while ! grep -qx ready "$TMPD/hostile.log" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	start 110x34 "$SMTPSCOPE" connect "127.0.0.1:$hp"
	expect "hostile: connected" "220 hostile.test"
	title0=$(pane_fmt '#{pane_title}')
	line "EHLO x.test"
	line "MAIL FROM:<a@b.test>"
	expect "hostile: the escapes in the greeting are shown escaped" '\e[31mred\e[0m \e]2;window title\x07'
	expect "hostile: the title escape in the EHLO reply is shown escaped" '\e]0;pwned title\x07'
	expect "hostile: the screen-clearing escape is shown escaped" '\e[2J\e[H cleared?'
	expect "hostile: a C1 CSI is shown escaped" '\x9B31m'
	check_eq "hostile: the pane title is unchanged" "$title0" "$(pane_fmt '#{pane_title}')"
	expect "hostile: the screen was not cleared" "smtpscope"
	expect "hostile: the refusal is still explained" "Meaning:"
	tui_keys "$S" Escape Escape
	stop
	start 100x30 "$SMTPSCOPE"
	expect "Home lists the hostile server as a recent target" "127.0.0.1:$hp"
	tui_keys "$S" s
	tui_keys "$S" Up
	expect "the destination prompt recalls recent targets" "Target> 127.0.0.1:$hp"
	tui_keys "$S" q
	stop
}

# ---- a silent server: the wait is shown live, with its limit ----
session_silent() {
	hp=$(free_port)
	"$PY" "$SRV/hostile.py" --mode silent --port "$hp" --max-time 60 >"$TMPD/silent.log" 2>&1 &
	PIDS="$PIDS $!"
	i=0
	while ! grep -qx ready "$TMPD/silent.log" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	start 110x30 "$SMTPSCOPE" connect --timeout 4 "127.0.0.1:$hp"
	expect "silent: the status bar shows what is awaited" "waiting for greeting from the server:"
	expect "silent: with its limit" "s of 4 s"
	a=$(tui_screen "$S" | sed -n 's/.*from the server: \([0-9.]*\) s of 4 s.*/\1/p' | head -n 1)
	sleep 1.2
	b=$(tui_screen "$S" | sed -n 's/.*from the server: \([0-9.]*\) s of 4 s.*/\1/p' | head -n 1)
	if [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ]; then ok "silent: the time waited counts up live ($a s, then $b s)"; else not_ok "silent: the time waited counts up live ('$a', then '$b')"; fi
	expect "silent: the timeout is reported and explained" "no greeting from the server within 4 s" 8
	expect "silent: the session closes" "[closed]"
	tui_keys "$S" q
	check_eq "silent: q on the closed session quits with 0" 0 "$(wait_exit)"
	stop
}

# ---- smtpscope practice on a terminal ----
practice_cli() {
	pp=$(free_port)
	start 100x30 "$SMTPSCOPE" practice --port "$pp"
	expect "'practice' on a terminal opens the Practice screen" "Listening:      127.0.0.1:$pp"
	if command -v swaks >/dev/null 2>&1; then
		timeout 20 swaks --server "127.0.0.1:$pp" --from a@example.test --to carol@localhost \
			--header "Subject: to the practice command" >"$TMPD/swaks2.log" 2>&1
		expect "swaks's message shows on the screen" "accepted, Subject: to the practice command"
		expect "the activity counts it" "1 message accepted"
	else
		skip "swaks is not installed: practice command log"
	fi
	tui_keys "$S" q
	check_eq "q on the Practice screen quits with 0" 0 "$(wait_exit)"
	stop
	out=$("$SMTPSCOPE" practice --port "$pp" --bogus </dev/null 2>&1)
	check_contains "not on a terminal, practice still prints its usage errors" "unknown option" "$out"
}

# ---- a real Postfix on loopback ----
session_postfix() {
	if [ "$(id -u)" != 0 ] || [ ! -x /usr/sbin/postfix ]; then
		skip "Postfix session (needs root and Debian's postfix)"
		return
	fi
	P=$(free_port)
	if ! sh "$SRV/postfix.sh" start "$PF" "$P" >"$TMPD/pf.log" 2>&1; then
		not_ok "postfix starts ($(tail -n 3 "$TMPD/pf.log"))"
		return
	fi
	ok "postfix starts"
	tag="tui-$$-$P"
	start 110x34 "$SMTPSCOPE" connect --timeout 20 --no-verify "127.0.0.1:$P"
	expect "postfix: greeting" "220 mx.test ESMTP"
	line "EHLO client.example.test"
	expect "postfix: its CHUNKING is explained" "CHUNKING: the message may be sent with BDAT"
	line "MAIL FROM:<s@example.test>"
	line "RCPT TO:<nobody@example.test>"
	expect "postfix: the unknown user is refused" "550 5.1.1 <nobody@example.test>"
	expect "postfix: explained as userunknown" "userunknown"
	line "RCPT TO:<alice@example.test>"
	expect "postfix: alice accepted" "250 2.1.5 Ok"
	line ":data"
	line "Subject: $tag"
	tui_keys "$S" Enter
	line "hello postfix"
	tui_keys "$S" C-d
	expect "postfix: queued with Postfix's queue id" "250 2.0.0 Ok: queued as"
	line ":starttls"
	expect "postfix: STARTTLS brings TLS up" "TLSv1"
	expect "postfix: its self-signed certificate is reported as not verified" "NOT verified"
	line "QUIT"
	expect "postfix: 221" "221 2.0.0 Bye"
	i=0
	while ! grep -qF "Subject: $tag" "$PF/mail/alice" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check "postfix: the message typed on the screen was delivered" grep -qF "Subject: $tag" "$PF/mail/alice"
	tui_keys "$S" q
	check_eq "postfix: q on the closed session quits with 0" 0 "$(wait_exit)"
	stop
}

# ---- NO_COLOR ----
session_nocolor() {
	start 100x30 env NO_COLOR=1 "$SMTPSCOPE" connect
	expect "NO_COLOR: the session runs" "220 localhost"
	line "RCPT TO:<x@localhost>"
	expect "NO_COLOR: the refusal shows" "503 5.5.1"
	if tui_tmux capture-pane -e -p -t "$S" | grep -q "$(printf '\033')\[[0-9;]*[34][0-7]m"; then
		not_ok "NO_COLOR: no colour is sent"
	else
		ok "NO_COLOR: no colour is sent"
	fi
	tui_keys "$S" Escape Escape
	stop
}

cd "$TMPD/cwd" || exit 1
session_basic
session_keys
session_long
session_hostile
session_silent
practice_cli
session_postfix
session_nocolor
out=$("$SMTPSCOPE" connect </dev/null 2>&1)
check_contains "not on a terminal, connect without a destination prints its usage" "usage:" "$out"
finish
