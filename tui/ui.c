/* ui.c - the terminal UI runtime (see ui.h): panes on the event loop, keys in,
 * one redraw per loop turn when something is dirty. No RFC. */
#include "tui/ui.h"
#include "tui/pane_help.h"
#include "tui/ui_text.h"
#include "probe/loop.h"
#include "decode/xmalloc.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* Empty wake-ups of stdin in a row after which the terminal is taken as gone. */
#define UI_EMPTY_READS_MAX 3

static int ui_key_help(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)k;
	ui_push(u, pane_help_new(p));
	return UI_REDRAW;
}

static int ui_key_back(struct pane *p, struct ui *u, const struct ui_key *k)
{
	if (!p->below && k->key == UI_KEY_ESC) {
		ui_status(u, CRT_STATUS, "Press q to quit.");
		return UI_REDRAW;
	}
	return UI_BACK;
}

static int ui_key_redraw(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)p;
	(void)k;
	u->full = true;
	return UI_REDRAW;
}

const struct keybind ui_global_keys[] = {
	{{'?', UI_KEY_F(1)}, "Help", "show the keys of this screen", ui_key_help, 0},
	{{'q', UI_KEY_ESC}, "Back", "go back to the previous screen (q on the first screen quits)",
	 ui_key_back, 0},
	{{UI_CTRL('l')}, NULL, "redraw the screen", ui_key_redraw, 0},
	{{UI_CTRL('c')}, NULL, "quit at once", NULL, 0},
	{{0}, NULL, NULL, NULL, 0},
};

void ui_log(struct ui *u, const char *fmt, ...)
{
	if (!u->log)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(u->log, "%lld.%03ld ", (long long)ts.tv_sec, ts.tv_nsec / 1000000);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(u->log, fmt, ap);
	va_end(ap);
	fputc('\n', u->log);
	fflush(u->log);
}

void ui_dirty(struct ui *u)
{
	u->dirty = true;
}

void ui_quit(struct ui *u, int code)
{
	if (!u->quit)
		ui_log(u, "quit %d", code);
	u->quit = true;
	u->exit_code = code;
	loop_stop(u->loop);
}

struct ui_rect ui_area(void)
{
	int rows, cols;
	crt_size(&rows, &cols);
	struct ui_rect r = {1, 0, rows - 3, cols};
	if (r.h < 0)
		r.h = 0;
	return r;
}

void ui_push(struct ui *u, struct pane *p)
{
	p->below = u->top;
	u->top = p;
	ui_log(u, "open %s", p->ops->name);
	u->dirty = true;
}

void ui_pop(struct ui *u)
{
	struct pane *p = u->top;
	if (!p)
		return;
	u->top = p->below;
	ui_log(u, "close %s", p->ops->name);
	pane_free(p);
	u->dirty = true;
	if (!u->top)
		ui_quit(u, 0);
}

static void ui_status_expire(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	struct ui *u = ud;
	u->status_timer = 0;
	u->status[0] = '\0';
	u->dirty = true;
}

void ui_status(struct ui *u, enum crt_color c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(u->status, sizeof u->status, fmt, ap);
	va_end(ap);
	u->status_color = c;
	u->dirty = true;
	loop_timer_cancel(u->loop, u->status_timer);
	u->status_timer = loop_timer_add(u->loop, UI_STATUS_MS, ui_status_expire, u);
	ui_log(u, "status: %s", u->status);
}

void ui_cursor(struct ui *u, int y, int x)
{
	u->cur_y = y;
	u->cur_x = x;
}

static bool ui_bar_shows(const struct pane *p, const struct keybind *b)
{
	return b->bar && (b->when == 0 || (b->when & p->mode));
}

/* One "key label" pair of the key bar; returns the next column. */
static int ui_bar_item(int y, int x, int cols, const struct keybind *b)
{
	char name[32];
	keymap_name(b->keys[0], name, sizeof name);
	int need = ui_text_width(name, strlen(name)) + 1 + ui_text_width(b->bar, strlen(b->bar)) + 2;
	if (x + need > cols)
		return -1;
	x += crt_puts(y, x, cols - x, CRT_BAR_KEY, name);
	x += crt_puts(y, x + 1, cols - x - 1, CRT_BAR, b->bar) + 1;
	return x + 2;
}

static void ui_draw_keybar(struct ui *u, int y, int cols)
{
	crt_fill(y, 0, cols, CRT_BAR);
	const struct pane *p = u->top;
	int x = 0;
	const struct keybind *tabs[2] = {p->ops->keys, ui_global_keys};
	for (int t = 0; t < 2; t++) {
		for (const struct keybind *b = tabs[t]; b && !keymap_end(b) && x >= 0; b++) {
			/* a global key the pane binds itself is the pane's */
			if (t == 1 && keymap_find(p->ops->keys, b->keys[0]))
				continue;
			if (ui_bar_shows(p, b))
				x = ui_bar_item(y, x, cols, b);
		}
	}
}

static void ui_draw_title(struct ui *u, int cols)
{
	crt_fill(0, 0, cols, CRT_TITLE);
	char t[128];
	snprintf(t, sizeof t, " smtpscope %s | %s", SMTPSCOPE_VERSION, u->top->ops->name);
	crt_puts(0, 0, cols, CRT_TITLE, t);
}

static void ui_draw(struct ui *u)
{
	int rows, cols;
	crt_size(&rows, &cols);
	crt_clear();
	u->cur_y = -1;
	if (!u->top)
		return;
	if (rows >= 1)
		ui_draw_title(u, cols);
	struct ui_rect r = ui_area();
	if (r.h > 0 && u->top->ops->draw)
		u->top->ops->draw(u->top, u, r);
	if (rows >= 3 && u->status[0])
		crt_puts(rows - 2, 1, cols - 1, u->status_color, u->status);
	if (rows >= 2)
		ui_draw_keybar(u, rows - 1, cols);
	crt_cursor(u->cur_y, u->cur_x);
	crt_flush(u->full);
	u->full = false;
}

static void ui_before_poll(struct loop *l, void *ud)
{
	(void)l;
	struct ui *u = ud;
	if (u->dirty && !u->quit) {
		u->dirty = false;
		ui_draw(u);
	}
}

static void ui_resize(struct ui *u)
{
	struct ui_rect r = ui_area();
	for (struct pane *p = u->top; p; p = p->below)
		if (p->ops->resize)
			p->ops->resize(p, u, r);
	ui_log(u, "resize %dx%d", r.w, r.h + 3);
	u->full = true;
	u->dirty = true;
}

static void ui_apply(struct ui *u, struct pane *p, int r)
{
	if (r & UI_REDRAW)
		u->dirty = true;
	if ((r & UI_BACK) && u->top == p)
		ui_pop(u);
	if (r & UI_QUIT)
		ui_quit(u, 0);
}

void ui_key(struct ui *u, const struct ui_key *k)
{
	if (k->key == UI_KEY_RESIZE) {
		ui_resize(u);
		return;
	}
	struct pane *p = u->top;
	if (!p || u->quit)
		return;
	int r = UI_UNHANDLED;
	const struct keybind *b;
	if (p->ops->key)
		r = p->ops->key(p, u, k);
	if (r == UI_UNHANDLED && (b = keymap_find(p->ops->keys, k->key)) != NULL)
		r = b->fn(p, u, k);
	if (r == UI_UNHANDLED && (b = keymap_find(ui_global_keys, k->key)) != NULL)
		r = b->fn(p, u, k);
	ui_apply(u, p, r);
}

/* Keys are read with one key of lookahead so that each knows whether more
 * input was already waiting behind it (a paste rather than typing). */
static void ui_on_stdin(struct loop *l, int fd, int events, void *ud)
{
	(void)l;
	struct ui *u = ud;
	struct ui_key cur, next;
	bool have = crt_read_key(&cur);
	if (!have) {
		int avail = 0;
		if ((events & LOOP_ERROR) ||
		    (ioctl(fd, FIONREAD, &avail) == 0 && avail == 0 &&
		     ++u->empty_reads >= UI_EMPTY_READS_MAX))
			ui_quit(u, 1); /* the terminal is gone */
		return;
	}
	u->empty_reads = 0;
	while (have && !u->quit) {
		bool more = crt_read_key(&next);
		cur.burst = more;
		ui_key(u, &cur);
		cur = next;
		have = more;
	}
}

static void ui_on_signal(struct loop *l, int fd, int events, void *ud)
{
	(void)l;
	(void)fd;
	(void)events;
	struct ui *u = ud;
	bool resized;
	int sig = crt_take_signals(&resized);
	if (resized)
		ui_resize(u);
	if (sig) {
		ui_log(u, "signal %d", sig);
		ui_quit(u, 128 + sig);
	}
}

struct ui *ui_new(struct loop *l)
{
	struct ui *u = xcalloc(1, sizeof *u);
	u->loop = l;
	u->cur_y = -1;
	u->dirty = true;
	const char *lp = getenv("SMTPSCOPE_LOG");
	if (lp && *lp)
		u->log = fopen(lp, "a");
	ui_log(u, "start");
	loop_fd_add(l, STDIN_FILENO, LOOP_READ, ui_on_stdin, u);
	if (crt_signal_fd() >= 0)
		loop_fd_add(l, crt_signal_fd(), LOOP_READ, ui_on_signal, u);
	u->hook = loop_hook_add(l, ui_before_poll, u);
	return u;
}

void ui_free(struct ui *u)
{
	if (!u)
		return;
	while (u->top) {
		struct pane *p = u->top;
		u->top = p->below;
		pane_free(p);
	}
	loop_timer_cancel(u->loop, u->status_timer);
	loop_fd_del(u->loop, STDIN_FILENO);
	if (crt_signal_fd() >= 0)
		loop_fd_del(u->loop, crt_signal_fd());
	loop_hook_del(u->loop, u->hook);
	if (u->log)
		fclose(u->log);
	free(u);
}

void ui_scroll_clamp(size_t *top, size_t total, int height)
{
	size_t h = height > 0 ? (size_t)height : 1;
	size_t max = total > h ? total - h : 0;
	if (*top > max)
		*top = max;
}

int ui_scroll_key(size_t *top, size_t total, int height, int key)
{
	size_t h = height > 1 ? (size_t)height : 1;
	size_t page = h > 2 ? h - 1 : 1;
	size_t old = *top, t = *top;
	size_t max = total > h ? total - h : 0;
	switch (key) {
	case UI_KEY_UP: case 'k': t = t > 0 ? t - 1 : 0; break;
	case UI_KEY_DOWN: case 'j': t++; break;
	case UI_KEY_WHEEL_UP: t = t > 3 ? t - 3 : 0; break;
	case UI_KEY_WHEEL_DOWN: t += 3; break;
	case UI_KEY_PGUP: case 'b': t = t > page ? t - page : 0; break;
	case UI_KEY_PGDN: case ' ': t += page; break;
	case UI_KEY_HOME: case 'g': t = 0; break;
	case UI_KEY_END: case 'G': t = max; break;
	default: return UI_UNHANDLED;
	}
	if (t > max)
		t = max;
	*top = t;
	return t != old ? UI_REDRAW : UI_HANDLED;
}
