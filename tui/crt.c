/* crt.c - every curses call of the program: terminal set-up and restore, the
 * colour table (NO_COLOR, https://no-color.org), wide-character drawing, keys
 * and mouse, and the signal pipe. No RFC. */
#include "tui/crt.h"
#include "tui/ui_text.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <term.h>
#include <unistd.h>

struct crt_style {
	short fg, bg;     /* -1: the terminal's default */
	attr_t color;     /* attributes with colours */
	attr_t mono;      /* attributes without */
};

static const struct crt_style crt_styles[CRT_COLOR_LAST] = {
	[CRT_NORMAL] = {-1, -1, A_NORMAL, A_NORMAL},
	[CRT_TITLE] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
	[CRT_BAR] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
	[CRT_BAR_KEY] = {COLOR_WHITE, COLOR_BLACK, A_BOLD, A_BOLD},
	[CRT_STATUS] = {COLOR_CYAN, -1, A_BOLD, A_BOLD},
	[CRT_ERROR] = {COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE},
	[CRT_HEADING] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD | A_UNDERLINE},
	[CRT_LABEL] = {COLOR_CYAN, -1, A_NORMAL, A_BOLD},
	[CRT_DIM] = {COLOR_BLUE, -1, A_BOLD, A_NORMAL},
	[CRT_KEY] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
	[CRT_SELECTED] = {COLOR_BLACK, COLOR_WHITE, A_NORMAL, A_REVERSE},
	[CRT_INPUT] = {-1, -1, A_BOLD, A_BOLD},
	[CRT_BAD] = {COLOR_RED, -1, A_BOLD, A_BOLD},
	[CRT_WARN] = {COLOR_YELLOW, -1, A_NORMAL, A_BOLD},
	[CRT_GOOD] = {COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
};

const char *const crt_color_names[CRT_COLOR_LAST] = {
	"normal", "title", "bar", "bar_key", "status", "error", "heading", "label",
	"dim", "key", "selected", "input", "bad", "warn", "good",
};

static SCREEN *crt_screen;
static bool crt_on, crt_colors, crt_is_utf8, crt_atexit_set;
static int crt_pipe[2] = {-1, -1};
static int crt_cur_y = -1, crt_cur_x;
static int crt_kctrl_left, crt_kctrl_right;

static const int crt_caught[] = {SIGWINCH, SIGINT, SIGTERM, SIGHUP};
#define CRT_NCAUGHT (sizeof crt_caught / sizeof crt_caught[0])
static struct sigaction crt_old[CRT_NCAUGHT];
static const int crt_fatal_sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define CRT_NFATAL (sizeof crt_fatal_sigs / sizeof crt_fatal_sigs[0])
static struct sigaction crt_old_fatal[CRT_NFATAL];

static void crt_on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;
	if (crt_pipe[1] >= 0 && write(crt_pipe[1], &c, 1) < 0) {
		/* pipe full: a wake-up is already pending */
	}
	errno = saved;
}

/* A crash: put the terminal back so the shell stays usable, then hand the
 * signal to whoever had it before (the default action, or a sanitizer's
 * report): a fault repeats when the handler returns, abort() raises again. */
static void crt_on_fatal(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	if (crt_on)
		endwin();
	for (size_t i = 0; i < CRT_NFATAL; i++)
		if (crt_fatal_sigs[i] == sig)
			sigaction(sig, &crt_old_fatal[i], NULL);
	if (!si || si->si_code <= 0)
		raise(sig); /* sent by kill(): nothing would repeat it */
}

static bool crt_signals_init(void)
{
	if (pipe(crt_pipe) != 0)
		return false;
	for (int i = 0; i < 2; i++) {
		fcntl(crt_pipe[i], F_SETFL, fcntl(crt_pipe[i], F_GETFL) | O_NONBLOCK);
		fcntl(crt_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = crt_on_signal;
	for (size_t i = 0; i < CRT_NCAUGHT; i++)
		sigaction(crt_caught[i], &sa, &crt_old[i]);
	sa.sa_flags = SA_RESETHAND | SA_NODEFER | SA_SIGINFO;
	sa.sa_sigaction = crt_on_fatal;
	for (size_t i = 0; i < CRT_NFATAL; i++)
		sigaction(crt_fatal_sigs[i], &sa, &crt_old_fatal[i]);
	return true;
}

static void crt_signals_done(void)
{
	if (crt_pipe[0] < 0)
		return;
	for (size_t i = 0; i < CRT_NCAUGHT; i++)
		sigaction(crt_caught[i], &crt_old[i], NULL);
	for (size_t i = 0; i < CRT_NFATAL; i++)
		sigaction(crt_fatal_sigs[i], &crt_old_fatal[i], NULL);
	close(crt_pipe[0]);
	close(crt_pipe[1]);
	crt_pipe[0] = crt_pipe[1] = -1;
}

static void crt_colors_init(void)
{
	const char *nc = getenv("NO_COLOR");
	crt_colors = false;
	if ((nc && *nc) || !has_colors() || start_color() != OK)
		return;
	short dfg = -1, dbg = -1;
	if (use_default_colors() != OK) {
		dfg = COLOR_WHITE;
		dbg = COLOR_BLACK;
	}
	if (COLOR_PAIRS <= CRT_COLOR_LAST || COLORS < 8)
		return;
	for (int i = 0; i < CRT_COLOR_LAST; i++) {
		short fg = crt_styles[i].fg < 0 ? dfg : crt_styles[i].fg;
		short bg = crt_styles[i].bg < 0 ? dbg : crt_styles[i].bg;
		init_pair((short)(i + 1), fg, bg);
	}
	crt_colors = true;
}

/* Codes of Ctrl-Left/Right, which terminfo lists as extended capabilities. */
static int crt_extended_key(const char *cap)
{
	char *s = tigetstr(cap);
	if (!s || s == (char *)-1)
		return 0;
	int k = key_defined(s);
	return k > 0 ? k : 0;
}

static void crt_atexit(void)
{
	crt_done();
}

bool crt_init(const char **err)
{
	if (crt_on)
		return true;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		*err = "standard input and output must be a terminal";
		return false;
	}
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C"); /* numbers keep a decimal point in every locale */
	const char *cs = nl_langinfo(CODESET);
	crt_is_utf8 = cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
	if (!getenv("ESCDELAY"))
		set_escdelay(25); /* Esc alone must feel instant */
	/* Our handlers go in first so that curses keeps its hands off these
	 * signals: a resize reaches us through the pipe like any other event. */
	if (!crt_signals_init()) {
		*err = "cannot create the signal pipe";
		return false;
	}
	crt_screen = newterm(NULL, stdout, stdin);
	if (!crt_screen) {
		crt_signals_done();
		*err = "cannot initialise the terminal (check TERM)";
		return false;
	}
	set_term(crt_screen);
	crt_on = true;
	if (!crt_atexit_set) {
		atexit(crt_atexit);
		crt_atexit_set = true;
	}
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	crt_colors_init();
	mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	crt_kctrl_left = crt_extended_key("kLFT5");
	crt_kctrl_right = crt_extended_key("kRIT5");
	return true;
}

void crt_done(void)
{
	if (crt_on) {
		mousemask(0, NULL);
		curs_set(1);
		endwin();
		delscreen(crt_screen);
		crt_screen = NULL;
		crt_on = false;
	}
	crt_signals_done();
}

bool crt_active(void)
{
	return crt_on;
}

bool crt_has_color(void)
{
	return crt_colors;
}

bool crt_utf8(void)
{
	return crt_is_utf8;
}

void crt_size(int *rows, int *cols)
{
	*rows = crt_on ? LINES : 24;
	*cols = crt_on ? COLS : 80;
}

void crt_clear(void)
{
	werase(stdscr);
	crt_cur_y = -1;
}

static void crt_attr(enum crt_color c)
{
	if (c < 0 || c >= CRT_COLOR_LAST)
		c = CRT_NORMAL;
	if (crt_colors)
		wattr_set(stdscr, crt_styles[c].color, (short)(c + 1), NULL);
	else
		wattr_set(stdscr, crt_styles[c].mono, 0, NULL);
}

int crt_put(int y, int x, int maxw, enum crt_color c, const char *s, size_t len)
{
	if (!crt_on || y < 0 || y >= LINES || x < 0 || x >= COLS || maxw <= 0)
		return 0;
	if (maxw > COLS - x)
		maxw = COLS - x;
	crt_attr(c);
	wmove(stdscr, y, x);
	wchar_t wb[256];
	int n = 0, used = 0;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t step = ui_utf8_next(s + i, len - i, &cp);
		int w = ui_cp_width(cp);
		if (!ui_cp_printable(cp))
			cp = '?';
		if (used + w > maxw)
			break;
		if (w == 0 && n == 0 && used == 0) {
			i += step; /* a combining mark with nothing to combine with */
			continue;
		}
		wb[n++] = (wchar_t)cp;
		used += w;
		i += step;
		if (n == (int)(sizeof wb / sizeof wb[0])) {
			waddnwstr(stdscr, wb, n);
			n = 0;
		}
	}
	if (n > 0)
		waddnwstr(stdscr, wb, n);
	crt_attr(CRT_NORMAL);
	return used;
}

int crt_puts(int y, int x, int maxw, enum crt_color c, const char *s)
{
	return s ? crt_put(y, x, maxw, c, s, strlen(s)) : 0;
}

void crt_fill(int y, int x, int w, enum crt_color c)
{
	if (!crt_on || y < 0 || y >= LINES || x < 0 || x >= COLS)
		return;
	if (w > COLS - x)
		w = COLS - x;
	crt_attr(c);
	wmove(stdscr, y, x);
	for (int i = 0; i < w; i++)
		waddch(stdscr, ' ');
	crt_attr(CRT_NORMAL);
}

void crt_cursor(int y, int x)
{
	crt_cur_y = y;
	crt_cur_x = x;
}

void crt_flush(bool full)
{
	if (!crt_on)
		return;
	if (crt_cur_y >= 0 && crt_cur_y < LINES && crt_cur_x >= 0 && crt_cur_x < COLS) {
		wmove(stdscr, crt_cur_y, crt_cur_x);
		curs_set(1);
	} else {
		curs_set(0);
	}
	if (full)
		clearok(curscr, TRUE);
	wnoutrefresh(stdscr);
	doupdate();
}

void crt_beep(void)
{
	if (crt_on)
		beep();
}

static const struct {
	int curses;
	int ui;
} crt_keys[] = {
	{KEY_UP, UI_KEY_UP},       {KEY_DOWN, UI_KEY_DOWN},     {KEY_LEFT, UI_KEY_LEFT},
	{KEY_RIGHT, UI_KEY_RIGHT}, {KEY_HOME, UI_KEY_HOME},     {KEY_END, UI_KEY_END},
	{KEY_PPAGE, UI_KEY_PGUP},  {KEY_NPAGE, UI_KEY_PGDN},    {KEY_IC, UI_KEY_INSERT},
	{KEY_DC, UI_KEY_DELETE},   {KEY_BACKSPACE, UI_KEY_BACKSPACE},
	{KEY_ENTER, UI_KEY_ENTER}, {KEY_BTAB, UI_KEY_BTAB},     {KEY_RESIZE, UI_KEY_RESIZE},
	{KEY_A1, UI_KEY_HOME},     {KEY_C1, UI_KEY_END},        {KEY_A3, UI_KEY_PGUP},
	{KEY_C3, UI_KEY_PGDN},     {KEY_FIND, UI_KEY_HOME},     {KEY_SELECT, UI_KEY_END},
};

/* A mouse report: 0 when it is not one we use. */
static int crt_mouse(struct ui_key *k)
{
	MEVENT ev;
	if (getmouse(&ev) != OK)
		return 0;
	k->y = ev.y;
	k->x = ev.x;
	if (ev.bstate & BUTTON4_PRESSED)
		return UI_KEY_WHEEL_UP;
	if (ev.bstate & BUTTON5_PRESSED)
		return UI_KEY_WHEEL_DOWN;
	if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))
		return UI_KEY_CLICK;
	return 0;
}

static int crt_function_key(int code, struct ui_key *k)
{
	if (code == KEY_MOUSE)
		return crt_mouse(k);
	if (code >= KEY_F(1) && code <= KEY_F(12))
		return UI_KEY_F(code - KEY_F0);
	if (crt_kctrl_left && code == crt_kctrl_left)
		return UI_KEY_CTRL_LEFT;
	if (crt_kctrl_right && code == crt_kctrl_right)
		return UI_KEY_CTRL_RIGHT;
	for (size_t i = 0; i < sizeof crt_keys / sizeof crt_keys[0]; i++)
		if (crt_keys[i].curses == code)
			return crt_keys[i].ui;
	return 0;
}

bool crt_read_key(struct ui_key *k)
{
	if (!crt_on)
		return false;
	for (;;) {
		wint_t wc;
		int r = wget_wch(stdscr, &wc);
		if (r == ERR)
			return false;
		memset(k, 0, sizeof *k);
		if (r == KEY_CODE_YES) {
			k->key = crt_function_key((int)wc, k);
			if (k->key)
				return true;
			continue; /* a key or mouse event we do not use */
		}
		if (wc == '\r' || wc == '\n')
			k->key = UI_KEY_ENTER;
		else if (wc == 0x7F || wc == 0x08)
			k->key = UI_KEY_BACKSPACE;
		else
			k->key = (int)wc;
		return true;
	}
}

int crt_signal_fd(void)
{
	return crt_pipe[0];
}

static void crt_apply_resize(void)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resize_term(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
}

int crt_take_signals(bool *resized)
{
	int term = 0;
	*resized = false;
	unsigned char b[64];
	ssize_t n;
	while (crt_pipe[0] >= 0 && (n = read(crt_pipe[0], b, sizeof b)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (b[i] == SIGWINCH)
				*resized = true;
			else if (!term)
				term = b[i];
		}
	}
	if (*resized && crt_on)
		crt_apply_resize();
	return term;
}

_Noreturn void crt_fatal(const char *msg)
{
	crt_done();
	fprintf(stderr, "smtpscope: %s\n", msg);
	exit(2);
}
