# tui.sh - drive the real smtpscope binary inside tmux for TUI tests. Source it
# after lib.sh. Every wait is bounded.
#   tui_start NAME COLSxROWS CMD...   start CMD in a detached tmux session
#   tui_keys NAME KEYS...             tmux send-keys (use 'Enter', 'Escape', 'C-c')
#   tui_type NAME TEXT                type literal text
#   tui_screen NAME                   print the visible pane
#   tui_wait NAME TEXT [SECONDS]      wait until TEXT is on screen (default 5 s)
#   tui_resize NAME COLS ROWS
#   tui_stop NAME
TUI_SOCKET="smtpscope-test-$$"
tui_tmux() { tmux -L "$TUI_SOCKET" "$@"; }
tui_start() {
	name=$1 size=$2
	shift 2
	cols=${size%x*} rows=${size#*x}
	tui_tmux new-session -d -s "$name" -x "$cols" -y "$rows" -- "$@"
}
tui_keys() { name=$1; shift; tui_tmux send-keys -t "$name" "$@"; }
tui_type() { tui_tmux send-keys -t "$1" -l "$2"; }
tui_screen() { tui_tmux capture-pane -p -t "$1"; }
tui_wait() {
	name=$1 text=$2 secs=${3:-5}
	i=0
	while [ "$i" -lt $((secs * 20)) ]; do
		tui_screen "$name" 2>/dev/null | grep -qF -- "$text" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}
tui_resize() { tui_tmux resize-window -t "$1" -x "$2" -y "$3"; }
tui_stop() { tui_tmux kill-session -t "$1" 2>/dev/null; tui_tmux kill-server 2>/dev/null || true; }

# ---- Shared by the TUI test scripts. They work on the tmux session named
# by $S (set by the script) and need lib.sh's ok/not_ok and $TMPD.

# expect DESC TEXT [SECONDS]: pass when TEXT appears on the screen in time.
expect() {
	if tui_wait "$S" "$2" "${3:-5}"; then
		ok "$1"
	else
		not_ok "$1 (waited for: $2)"
		tui_screen "$S" 2>/dev/null | sed 's/^/    | /'
	fi
}
# expect_not DESC TEXT: pass when TEXT is not on the screen now.
expect_not() {
	if tui_screen "$S" | grep -qF -- "$2"; then
		not_ok "$1 (found: $2)"
		tui_screen "$S" | sed 's/^/    | /'
	else
		ok "$1"
	fi
}
pane_fmt() { tui_tmux display-message -p -t "$S" "$1" 2>/dev/null; }
# Each run goes through a small shell that records the program's exit status
# in $EXITF (tmux itself may not have it yet when the pane is already dead).
EXITF="$TMPD/exit"
start() { # start SIZE CMD...
	size=$1
	shift
	rm -f "$EXITF"
	tui_start "$S" "$size" sh -c 'f=$1; shift; "$@"; echo $? >"$f"' sh "$EXITF" "$@"
}
# Stop the session and wait (bounded) until the tmux server is really gone, so
# that the next start does not talk to a server on its way out.
stop() {
	tui_stop "$S"
	i=0
	while [ "$i" -lt 40 ] && tui_tmux ls >/dev/null 2>&1; do
		sleep 0.05
		i=$((i + 1))
	done
}
# Wait (bounded) for the program to exit; prints its exit status.
wait_exit() {
	i=0
	while [ "$i" -lt 100 ]; do
		if [ -s "$EXITF" ]; then
			cat "$EXITF"
			return 0
		fi
		sleep 0.05
		i=$((i + 1))
	done
	echo running
}
# The X10 mouse report tmux and xterm send: ESC [ M button col row, each +32,
# positions counted from 1.
mouse() { # mouse BUTTON X Y (0-based)
	tui_type "$S" "$(printf '\033[M')$(printf "\\$(printf %o $(($1 + 32)))\\$(printf %o $(($2 + 33)))\\$(printf %o $(($3 + 33)))")"
}
row_text() { tui_screen "$S" | sed -n "$1p"; }
row_of() { tui_screen "$S" | grep -nF -- "$1" | head -n 1 | cut -d: -f1; }
