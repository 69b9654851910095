/* screen_home.c - the start screen: the program's purpose, one key per screen
 * from screen_list, and the recent targets read from the state directory
 * (XDG Base Directory: $XDG_STATE_HOME). No RFC. */
#include "tui/screen_home.h"
#include "tui/screen_capture.h"
#include "tui/screen_list.h"
#include "tui/ui.h"
#include "tui/ui_text.h"
#include "tui/readall.h"
#include "decode/buf.h"
#include "decode/printable.h"
#include "decode/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Bytes shown of one recent target. */
#define HOME_RECENT_LINE_MAX 256
#define HOME_LABEL_COL 7
#define HOME_SUMMARY_COL 26

static const char home_sample[] =
	"New here? Press S to open the bundled sample capture: recorded SMTP sessions to explore, "
	"no mail server needed.";

static const char home_practice[] =
	"Try it at once: s, then Enter, opens a session to the built-in practice server; "
	"p shows that server and what it receives.";

static const char home_about[] =
	"A terminal SMTP debugger and mail-flow analyser: talk to mail servers, read "
	"captures, explain replies and bounces, and check a domain's mail DNS.";

struct home_state {
	size_t sel;                           /* index into screen_list */
	char *recent[HOME_RECENT_MAX];        /* printable */
	size_t nrecent;
	int item_y[TUI_SCREEN_LAST];          /* screen row of each item, -1 hidden */
	struct timespec recent_mtime;         /* of the file when it was read */
};

bool home_recent_path(char *out, size_t size)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	int n;
	if (xdg && xdg[0] == '/')
		n = snprintf(out, size, "%s/smtpscope/recent", xdg);
	else if (home && *home)
		n = snprintf(out, size, "%s/.local/state/smtpscope/recent", home);
	else
		return false;
	return n > 0 && (size_t)n < size;
}

static void home_add_recent(struct home_state *h, const uint8_t *p, size_t len)
{
	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	while (len > 0 && (p[0] == ' ' || p[0] == '\t')) {
		p++;
		len--;
	}
	if (len == 0 || h->nrecent == HOME_RECENT_MAX)
		return;
	struct buf b;
	buf_init(&b, HOME_RECENT_LINE_MAX);
	printable_append(&b, p, len); /* a cut-off entry is still worth showing */
	h->recent[h->nrecent++] = xmemdup0(b.data ? (const char *)b.data : "", b.len);
	buf_free(&b);
}

static void home_load_recent(struct home_state *h)
{
	char path[4096];
	struct stat st;
	if (!home_recent_path(path, sizeof path) || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return;
	h->recent_mtime = st.st_mtim;
	struct buf in;
	buf_init(&in, HOME_RECENT_FILE_MAX);
	bool truncated = false;
	if (readall_path(path, &in, &truncated) == 0) {
		size_t a = 0;
		while (a < in.len && h->nrecent < HOME_RECENT_MAX) {
			const uint8_t *nl = memchr(in.data + a, '\n', in.len - a);
			size_t b = nl ? (size_t)(nl - in.data) : in.len;
			home_add_recent(h, in.data + a, b - a);
			a = b + 1;
		}
	}
	buf_free(&in);
}

/* The Session screen adds targets to the file: read it again when it changed. */
static void home_reload_recent(struct home_state *h)
{
	char path[4096];
	struct stat st;
	if (!home_recent_path(path, sizeof path) || stat(path, &st) != 0 ||
	    (st.st_mtim.tv_sec == h->recent_mtime.tv_sec && st.st_mtim.tv_nsec == h->recent_mtime.tv_nsec))
		return;
	for (size_t i = 0; i < h->nrecent; i++)
		free(h->recent[i]);
	h->nrecent = 0;
	home_load_recent(h);
}

static int home_draw_items(struct home_state *h, struct ui_rect r, int row)
{
	int bottom = r.y + r.h;
	for (size_t i = 0; i < TUI_SCREEN_LAST; i++) {
		const struct screen_def *s = &screen_list[i];
		h->item_y[i] = -1;
		if (!s->key || row >= bottom)
			continue;
		bool sel = i == h->sel;
		enum crt_color base = sel ? CRT_SELECTED : CRT_NORMAL;
		if (sel)
			crt_fill(row, r.x, r.w, CRT_SELECTED);
		char key[8];
		keymap_name(s->key, key, sizeof key);
		crt_puts(row, r.x + 3, r.w - 3, sel ? CRT_SELECTED : CRT_KEY, key);
		crt_puts(row, r.x + HOME_LABEL_COL, r.w - HOME_LABEL_COL, base, s->label);
		if (r.w > HOME_SUMMARY_COL + 8) {
			char sum[160];
			snprintf(sum, sizeof sum, "%s%s", s->summary, s->open ? "" : " (later)");
			crt_puts(row, r.x + HOME_SUMMARY_COL, r.w - HOME_SUMMARY_COL,
				 sel ? CRT_SELECTED : s->open ? CRT_NORMAL : CRT_DIM, sum);
		}
		h->item_y[i] = row++;
	}
	return row;
}

static void home_draw(struct pane *p, struct ui *u, struct ui_rect r)
{
	(void)u;
	struct home_state *h = p->st;
	int row = r.y + 1, bottom = r.y + r.h;
	home_reload_recent(h);
	char title[64];
	snprintf(title, sizeof title, "smtpscope %s", SMTPSCOPE_VERSION);
	crt_puts(row++, r.x + 2, r.w - 2, CRT_HEADING, title);
	struct ui_span sp[8];
	size_t n = ui_wrap(home_about, sizeof home_about - 1, r.w - 4, sp, 8);
	for (size_t i = 0; i < n && i < 8 && row < bottom; i++)
		crt_put(row++, r.x + 2, r.w - 2, CRT_NORMAL, home_about + sp[i].off, sp[i].len);
	row++;
	row = home_draw_items(h, r, row) + 1;
	n = ui_wrap(home_practice, sizeof home_practice - 1, r.w - 4, sp, 8);
	for (size_t i = 0; i < n && i < 8 && row < bottom; i++)
		crt_put(row++, r.x + 2, r.w - 2, CRT_KEY, home_practice + sp[i].off, sp[i].len);
	n = ui_wrap(home_sample, sizeof home_sample - 1, r.w - 4, sp, 8);
	for (size_t i = 0; i < n && i < 8 && row < bottom; i++)
		crt_put(row++, r.x + 2, r.w - 2, CRT_KEY, home_sample + sp[i].off, sp[i].len);
	row++;
	if (row < bottom)
		crt_puts(row++, r.x + 2, r.w - 2, CRT_HEADING, "Recent targets");
	if (h->nrecent == 0 && row < bottom)
		crt_puts(row++, r.x + 4, r.w - 4, CRT_DIM,
			 "(none yet: servers and domains you check will be listed here)");
	for (size_t i = 0; i < h->nrecent && row < bottom; i++)
		crt_puts(row++, r.x + 4, r.w - 4, CRT_NORMAL, h->recent[i]);
}

static int home_open(struct ui *u, size_t i)
{
	screen_open(u, (enum tui_screen)i, NULL);
	return UI_REDRAW;
}

static int home_key_open(struct pane *p, struct ui *u, const struct ui_key *k)
{
	struct home_state *h = p->st;
	for (size_t i = 0; i < TUI_SCREEN_LAST; i++) {
		if (screen_list[i].key && screen_list[i].key == k->key) {
			h->sel = i;
			return home_open(u, i);
		}
	}
	return UI_UNHANDLED;
}

/* S: the Capture screen on the bundled sample. */
static int home_key_sample(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)p;
	(void)k;
	char path[4096];
	if (!capture_sample_path(path, sizeof path)) {
		ui_status(u, CRT_ERROR, "The sample capture (" CAPTURE_SAMPLE_NAME ") was not found; set "
					"SMTPSCOPE_DATADIR to the directory that holds it.");
		return UI_REDRAW;
	}
	screen_open(u, TUI_SCREEN_CAPTURE, path);
	return UI_REDRAW;
}

static int home_key_enter(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)k;
	struct home_state *h = p->st;
	return home_open(u, h->sel);
}

static int home_key_move(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)u;
	struct home_state *h = p->st;
	int dir = (k->key == UI_KEY_UP || k->key == 'k') ? -1 : 1;
	size_t i = h->sel;
	for (;;) {
		if ((dir < 0 && i == 0) || (dir > 0 && i + 1 >= TUI_SCREEN_LAST))
			return UI_HANDLED;
		i = (size_t)((long)i + dir);
		if (screen_list[i].key) {
			h->sel = i;
			return UI_REDRAW;
		}
	}
}

static int home_key_quit(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)p;
	(void)k;
	ui_quit(u, 0);
	return UI_HANDLED;
}

/* Mouse: a click on an item opens it. */
static int home_key(struct pane *p, struct ui *u, const struct ui_key *k)
{
	struct home_state *h = p->st;
	if (k->key != UI_KEY_CLICK)
		return UI_UNHANDLED;
	for (size_t i = 0; i < TUI_SCREEN_LAST; i++) {
		if (h->item_y[i] >= 0 && h->item_y[i] == k->y) {
			h->sel = i;
			return home_open(u, i);
		}
	}
	return UI_HANDLED;
}

static void home_free(struct pane *p)
{
	struct home_state *h = p->st;
	for (size_t i = 0; i < h->nrecent; i++)
		free(h->recent[i]);
	free(h);
}

/* One binding per screen in screen_list, then the list keys. Filled once
 * from the screen table so that Home, its key bar and its help follow it. */
static struct keybind home_keys[TUI_SCREEN_LAST + 6];
static char home_help[TUI_SCREEN_LAST][128];

static void home_keys_init(void)
{
	if (!keymap_end(&home_keys[0]))
		return;
	size_t n = 0;
	for (size_t i = 0; i < TUI_SCREEN_LAST; i++) {
		const struct screen_def *s = &screen_list[i];
		if (!s->key)
			continue;
		snprintf(home_help[i], sizeof home_help[i], "%s: %s%s", s->label, s->summary,
			 s->open ? "" : " (coming later)");
		home_keys[n++] = (struct keybind){{s->key}, s->bar, home_help[i], home_key_open, 0};
	}
	home_keys[n++] = (struct keybind){{'S'}, "Sample", "open the bundled sample capture on the Capture screen",
					  home_key_sample, 0};
	home_keys[n++] = (struct keybind){{UI_KEY_UP, 'k'}, NULL, "select the screen above",
					  home_key_move, 0};
	home_keys[n++] = (struct keybind){{UI_KEY_DOWN, 'j'}, NULL, "select the screen below",
					  home_key_move, 0};
	home_keys[n++] = (struct keybind){{UI_KEY_ENTER}, NULL, "open the selected screen",
					  home_key_enter, 0};
	home_keys[n++] = (struct keybind){{'q'}, "Quit", "quit smtpscope", home_key_quit, 0};
	home_keys[n] = (struct keybind){{0}, NULL, NULL, NULL, 0};
}

static const struct pane_ops home_ops = {
	.name = "Home",
	.draw = home_draw,
	.key = home_key,
	.free = home_free,
	.keys = home_keys,
};

struct pane *screen_home_new(struct ui *u, const char *arg)
{
	(void)u;
	(void)arg;
	home_keys_init();
	struct home_state *h = xcalloc(1, sizeof *h);
	h->sel = TUI_SCREEN_EXPLAIN;
	for (size_t i = 0; i < TUI_SCREEN_LAST; i++)
		h->item_y[i] = -1;
	home_load_recent(h);
	return pane_new(&home_ops, h);
}
