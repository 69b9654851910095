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
