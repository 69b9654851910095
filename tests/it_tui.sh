#!/bin/sh
# it_tui.sh - the terminal UI driven through tmux: Home, help, the Explain
# screen (codes, pasted replies, bounce files, escape sequences), resizing,
# the mouse wheel, NO_COLOR, UTF-8 and a clean exit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui.sh"

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
# Relative @paths are read from here; a UTF-8 locale when the system has one.
cd "$TOP" || exit 1
UTF8=
for l in C.UTF-8 C.utf8 en_US.UTF-8; do
	if [ "$(LC_ALL=$l locale charmap 2>/dev/null)" = UTF-8 ]; then
		UTF8=$l
		break
	fi
done
[ -n "$UTF8" ] && export LC_ALL="$UTF8"
unset NO_COLOR
S=tuitest
trap 'tui_stop "$S"; rm -rf "$TMPD"' EXIT

# Wait (bounded) until screen row N differs from TEXT.
wait_row_change() { # wait_row_change N TEXT
	i=0
	while [ "$i" -lt 40 ]; do
		[ "$(tui_screen "$S" | sed -n "$1p")" != "$2" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# ---- Home ----
start 90x28 "$SMTPSCOPE"
expect "Home shows the title and version" "smtpscope $(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")"
expect "Home lists Explain with its key" "Explain a code"
expect "Home lists Mail DNS" "Mail DNS"
expect "key bar shows the screen keys" "e Explain"
expect "key bar shows quit" "q Quit"
expect "recent targets area is there" "Recent targets"
tui_keys "$S" d
expect "an unbuilt screen says so on the status line" "coming in a later version"
tui_keys "$S" '?'
expect "? shows the key map of Home" "Keys on the Home screen"
expect "help lists the bindings with their keys" "Open a capture"
expect "help lists the global keys" "Everywhere"
tui_keys "$S" q
expect "q closes the help" "Recent targets"

# ---- Explain ----
tui_keys "$S" e
expect "e opens Explain" "Explain>"
title0=$(pane_fmt '#{pane_title}')
tui_type "$S" "550 5.1.1"
expect "typed text shows on the input line" "Explain> 550 5.1.1"
tui_keys "$S" Enter
expect "550 5.1.1 is explained as userunknown" "userunknown"
expect "the answering layer is shown" "Answered by:   enhanced"
tui_keys "$S" '?'
expect "? on Explain lists its keys" "Keys on the Explain screen"
expect "Explain help lists line editing" "delete from the start of the line"
tui_keys "$S" q
expect "help closes back to Explain" "Explain>"

gmail='421-4.7.27 This mail has been rate limited because of an SPF failure.
421-4.7.27 Please fix your SPF record. To learn more visit
421 4.7.27  https://support.google.com/mail/?p=SPFError x1si123 - gsmtp'
tui_type "$S" "$gmail"
expect "a pasted multi-line reply stays on the input line" 'visit\n421 4.7.27'
tui_keys "$S" Enter
expect "the pasted Gmail reply is explained" "Reply:         This mail has been rate limited"
expect "the Gmail reply is answered by the provider layer" "Answered by:   provider"

tui_type "$S" "@tests/data/dsn-postfix.eml"
tui_keys "$S" Enter
expect "@file reads a bounce" "Bounce message"
expect "the bounce's recipient is shown" "nobody@example.org"
r=$(tui_screen "$S" | sed -n 3p)
mouse 65 10 10
check "the mouse wheel scrolls the result" wait_row_change 3 "$r"
r=$(tui_screen "$S" | sed -n 3p)
mouse 64 10 10
check "the mouse wheel scrolls back" wait_row_change 3 "$r"
tui_keys "$S" Up
tui_keys "$S" Up
tui_keys "$S" Up
tui_keys "$S" Up
tui_keys "$S" Tab
tui_keys "$S" Up
expect "Up recalls earlier inputs" "Explain> @tests/data/dsn-postfix.eml"
tui_keys "$S" Up
expect "Up again goes further back" "x1si123 - gsmtp"
tui_keys "$S" C-u
expect "Ctrl-U empties the line" "550 5.1.1, a pasted reply, or @FILE"
expect_not "nothing of the recalled reply is left" "x1si123"

# Typed escape sequences: shown escaped; title and screen untouched.
tui_type "$S" "$(printf '550 5.7.1 \033]0;pwned\007\033[2Jblocked')"
tui_keys "$S" Enter
expect "a reply with escape sequences is explained" "Raw input:"
expect "escape sequences in a reply are shown escaped" '\e]0;pwned\x07\e[2J'
check_eq "a typed reply cannot set the pane title" "$title0" "$(pane_fmt '#{pane_title}')"
expect "the screen was not cleared by the reply" "smtpscope"

sed "s/^Diagnostic-Code: smtp; 550 5.1.1 /&$(printf '\033')]0;pwned2$(printf '\007')$(printf '\033')[2J /" \
	"$TOP/tests/data/dsn-postfix.eml" >"$TMPD/evil.eml"
tui_type "$S" "@$TMPD/evil.eml"
tui_keys "$S" Enter
expect "escapes in a bounce's diagnostic are shown escaped" '\e]0;pwned2\x07\e[2J'
check_eq "a bounce cannot set the pane title" "$title0" "$(pane_fmt '#{pane_title}')"

# Resize: text is wrapped again to the new width.
long="550 5.1.1 alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike november oscar papa"
tui_type "$S" "$long"
tui_keys "$S" Enter
expect "a long reply is explained" "papa"
tui_resize "$S" 60 20
sleep 0.3
expect "after resizing to 60x20 the screen is drawn" "Explain>"
expect "after resizing the last word is still visible" "papa"
if tui_screen "$S" | grep -q 'alpha.*papa'; then
	not_ok "the reply is wrapped again at 60 columns"
else
	ok "the reply is wrapped again at 60 columns"
fi
tui_resize "$S" 30 8
sleep 0.2
tui_resize "$S" 120 30
expect "after growing back the screen is drawn" "Explain>"
tui_wait "$S" "alpha bravo" 2 >/dev/null
if tui_screen "$S" | grep -q 'alpha.*papa'; then
	ok "the reply is wrapped again at 120 columns"
else
	not_ok "the reply is wrapped again at 120 columns"
	tui_screen "$S" | sed 's/^/    | /'
fi
if [ -s "$EXITF" ]; then not_ok "the program survived the resizes"; else ok "the program survived the resizes"; fi

# Back and quit.
tui_keys "$S" Escape
expect "Esc goes back to Home" "Recent targets"
tui_keys "$S" Down
tui_keys "$S" Enter
expect "Down and Enter open the next screen on Home" "Practice server: running"; tui_keys "$S" q
r=$(row_of "Explain a code")
if [ -n "$r" ]; then
	mouse 0 10 $((r - 1))
	expect "a click on Home's Explain item opens it" "Explain>"
	tui_keys "$S" q
	expect "q on an empty input line goes back" "Recent targets"
else
	not_ok "Explain item found on Home"
fi
tui_keys "$S" q
check_eq "q on Home quits with status 0" 0 "$(wait_exit)"
stop

# ---- smtpscope explain on a terminal opens the Explain screen ----
start 80x24 "$SMTPSCOPE" explain
expect "'smtpscope explain' opens the Explain screen" "Explain>"
tui_type "$S" "451 4.3.0 try again"
tui_keys "$S" Enter
expect "explains there too" "Answered by:"
tui_keys "$S" q
check_eq "q there quits with status 0" 0 "$(wait_exit)"
stop

# ---- colours: on by default, off with NO_COLOR ----
start 80x24 "$SMTPSCOPE"
expect "Home is up (colour run)" "Recent targets"
if tui_tmux capture-pane -e -p -t "$S" | grep -q "$(printf '\033')\[[0-9;]*[34][0-7]m"; then
	ok "colours are used by default"
else
	not_ok "colours are used by default"
fi
stop
start 80x24 env NO_COLOR=1 "$SMTPSCOPE"
expect "NO_COLOR=1: Home is up" "Recent targets"
tui_keys "$S" e
expect "NO_COLOR=1: Explain works" "Explain>"
tui_type "$S" "554 5.7.1"
tui_keys "$S" Enter
expect "NO_COLOR=1: a reply is explained" "Answered by:"
if tui_tmux capture-pane -e -p -t "$S" | grep -q "$(printf '\033')\[[0-9;]*[34][0-7]m"; then
	not_ok "NO_COLOR=1: no colour is sent"
else
	ok "NO_COLOR=1: no colour is sent"
fi
tui_keys "$S" q
tui_keys "$S" q
check_eq "NO_COLOR=1: exits with 0" 0 "$(wait_exit)"
stop

# ---- recent targets: read from the state directory, shown escaped ----
mkdir -p "$TMPD/home/.local/state/smtpscope"
printf 'mx1.example.net:25\r\n\n  smtp.example.org:587  \nbad\033]0;owned\007host\n' \
	>"$TMPD/home/.local/state/smtpscope/recent"
start 80x24 env HOME="$TMPD/home" XDG_STATE_HOME= "$SMTPSCOPE"
expect "recent targets are listed" "mx1.example.net:25"
expect "recent targets are trimmed" "    smtp.example.org:587"
expect "a recent target with an escape is shown escaped" 'bad\e]0;owned\x07host'
tui_keys "$S" q
check_eq "quits with 0 after showing recent targets" 0 "$(wait_exit)"
stop

# ---- UTF-8 ----
if [ -n "$UTF8" ]; then
	start 80x24 "$SMTPSCOPE" explain
	expect "UTF-8 run is up" "Explain>"
	tui_type "$S" "550 5.1.1 Empfänger"
	expect "UTF-8 is shown on the input line" "Explain> 550 5.1.1 Empfänger"
	tui_keys "$S" Left Left Left Left Left Right BSpace
	tui_type "$S" "a"
	expect "editing moves by characters, not bytes" "Explain> 550 5.1.1 Empfanger"
	tui_keys "$S" Enter
	expect "the edited reply is explained" "Reply:         Empfanger"
	tui_keys "$S" q
	stop
else
	skip "UTF-8 display (no UTF-8 locale on this system)"
fi

# ---- plain output when not on a terminal ----
out=$("$SMTPSCOPE" </dev/null 2>&1)
check_contains "no terminal: smtpscope prints the usage" "usage:" "$out"
out=$("$SMTPSCOPE" explain </dev/null 2>&1)
check_contains "no terminal: smtpscope explain prints its usage" "usage:" "$out"

finish
