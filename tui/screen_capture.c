/* screen_capture.c - the Capture screen: open a pcap/pcapng file, read it a
 * slice per loop turn while the table fills, move, sort and filter the rows,
 * open a row's timeline; and where the bundled sample capture is found. The
 * decoding itself (RFC 5321 sessions) is in decode/ and capture_model*.c. */
#include "tui/screen_capture_int.h"
#include "tui/pane_help.h"
#include "probe/loop.h"
#include "decode/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Longest pause between slices SMTPSCOPE_LOAD_DELAY_MS may ask for. */
#define CAPTURE_DELAY_MAX_MS 1000

/* ---- the bundled sample ---- */

static bool cs_try_file(char *out, size_t size, const char *dir, const char *rel)
{
	int n = snprintf(out, size, "%s/%s", dir, rel);
	struct stat st;
	return n > 0 && (size_t)n < size && stat(out, &st) == 0 && S_ISREG(st.st_mode);
}

bool capture_sample_path(char *out, size_t size)
{
	const char *env = getenv("SMTPSCOPE_DATADIR");
	if (env && *env && cs_try_file(out, size, env, CAPTURE_SAMPLE_NAME))
		return true;
#ifdef SMTPSCOPE_DATADIR
	if (cs_try_file(out, size, SMTPSCOPE_DATADIR, CAPTURE_SAMPLE_NAME))
		return true;
#endif
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = '\0';
	static const char *const rel[] = {"samples/" CAPTURE_SAMPLE_NAME, "../samples/" CAPTURE_SAMPLE_NAME,
					  "../share/smtpscope/" CAPTURE_SAMPLE_NAME};
	for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++)
		if (cs_try_file(out, size, exe[0] ? exe : "/", rel[i]))
			return true;
	return false;
}

/* ---- selection ---- */

void capture_sync_selection(struct capture_screen *cs)
{
	size_t n = cs->m ? cm_view_count(cs->m) : 0;
	if (n == 0) {
		cs->sel = cs->top = 0;
		cs->sel_index = SIZE_MAX;
		return;
	}
	if (cs->sel_index != SIZE_MAX) {
		const struct cm_row *r = cs->sel < n ? cm_view_row(cs->m, cs->sel) : NULL;
		if (!r || r->index != cs->sel_index) {
			size_t pos = cm_view_find(cs->m, cs->sel_index);
			if (pos != SIZE_MAX)
				cs->sel = pos;
		}
	}
	if (cs->sel >= n)
		cs->sel = n - 1;
	cs->sel_index = cm_view_row(cs->m, cs->sel)->index;
	size_t h = cs->rows_h > 0 ? (size_t)cs->rows_h : 1;
	if (cs->sel < cs->top)
		cs->top = cs->sel;
	if (cs->sel >= cs->top + h)
		cs->top = cs->sel - h + 1;
	ui_scroll_clamp(&cs->top, n, (int)h);
}

bool capture_move(struct capture_screen *cs, long delta)
{
	capture_sync_selection(cs);
	size_t n = cs->m ? cm_view_count(cs->m) : 0;
	if (n == 0)
		return false;
	size_t old = cs->sel;
	if (delta < 0)
		cs->sel = (size_t)-delta > cs->sel ? 0 : cs->sel - (size_t)-delta;
	else
		cs->sel = cs->sel + (size_t)delta >= n ? n - 1 : cs->sel + (size_t)delta;
	cs->sel_index = cm_view_row(cs->m, cs->sel)->index;
	capture_sync_selection(cs);
	return cs->sel != old;
}

/* ---- loading ---- */

static void cs_on_load(struct loop *l, uint64_t id, void *ud);

static void cs_load_done(struct capture_screen *cs)
{
	const struct cm_progress *p = cm_progress(cs->m);
	ui_log(cs->u, "capture: %llu packets, %zu rows, %llu ms, longest slice %llu ms",
	       (unsigned long long)p->packets, cm_nrows(cs->m), (unsigned long long)p->elapsed_ms,
	       (unsigned long long)cs->longest_ms);
	if (p->state == CM_DAMAGED)
		ui_status(cs->u, CRT_ERROR, "The capture is damaged: %s. What was read before is shown.", p->error);
	else
		ui_status(cs->u, CRT_STATUS, "Read %llu SMTP session%s (%zu row%s) in %.2f s.",
			  (unsigned long long)p->sessions, p->sessions == 1 ? "" : "s", cm_nrows(cs->m),
			  cm_nrows(cs->m) == 1 ? "" : "s", (double)p->elapsed_ms / 1000.0);
	cs->announced = true;
	ui_dirty(cs->u);
}

static void cs_on_load(struct loop *l, uint64_t id, void *ud)
{
	(void)id;
	struct capture_screen *cs = ud;
	cs->timer = 0;
	size_t before = cm_nrows(cs->m);
	uint64_t t0 = loop_clock_ms();
	enum cm_state st = cm_step(cs->m, CAPTURE_LOAD_BUDGET_MS, (size_t)cs->step_packets);
	uint64_t t1 = loop_clock_ms();
	if (t1 - t0 > cs->longest_ms)
		cs->longest_ms = t1 - t0;
	if (st != CM_LOADING) {
		cs_load_done(cs);
		return;
	}
	if ((before == 0 && cm_nrows(cs->m) > 0) || t1 - cs->last_draw_ms >= CAPTURE_LOAD_REDRAW_MS) {
		cs->last_draw_ms = t1;
		ui_dirty(cs->u);
	}
	cs->timer = loop_timer_add(l, cs->delay_ms, cs_on_load, cs);
}

/* Show model m (opened) in the table and start reading it. */
static void cs_attach(struct capture_screen *cs, struct capture_model *m)
{
	loop_timer_cancel(cs->u->loop, cs->timer);
	cm_free(cs->m);
	cs->m = m;
	cs->sel = cs->top = 0;
	cs->sel_index = SIZE_MAX;
	cs->longest_ms = 0;
	cs->announced = false;
	cs->filter_bad = false;
	ui_edit_clear(&cs->filter);
	cs->pane->mode = CS_MODE_TABLE;
	cs->last_draw_ms = loop_clock_ms();
	cs->timer = loop_timer_add(cs->u->loop, 0, cs_on_load, cs);
	ui_log(cs->u, "capture: open %s", cm_path(m));
	ui_dirty(cs->u);
}

/* "~/x" -> "$HOME/x"; other paths as they are. */
static char *cs_expand(const char *p, size_t len)
{
	const char *home = getenv("HOME");
	if (len >= 2 && p[0] == '~' && p[1] == '/' && home && *home) {
		size_t hl = strlen(home);
		char *out = xmalloc(hl + len);
		memcpy(out, home, hl);
		memcpy(out + hl, p + 1, len - 1);
		out[hl + len - 1] = '\0';
		return out;
	}
	return xmemdup0(p, len);
}

static bool cs_open_path(struct capture_screen *cs, const char *text, size_t len)
{
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	while (len > 0 && (*text == ' ' || *text == '\t')) {
		text++;
		len--;
	}
	if (len == 0) {
		ui_status(cs->u, CRT_WARN, "Type the path of a capture file first.");
		return false;
	}
	char *path = cs_expand(text, len);
	char err[512];
	struct capture_model *m = cm_new();
	bool ok = cm_open(m, path, NULL, err, sizeof err);
	if (ok)
		cs_attach(cs, m);
	else {
		ui_status(cs->u, CRT_ERROR, "Cannot open %s: %s", path, err);
		cm_free(m);
	}
	free(path);
	return ok;
}

/* ---- the filter line ---- */

static void cs_filter_apply(struct capture_screen *cs)
{
	bool was_bad = cs->filter_bad;
	cs->filter_bad = !cm_set_filter(cs->m, ui_edit_text(&cs->filter), cs->filter.len, &cs->ferr);
	if (cs->filter_bad)
		ui_status(cs->u, CRT_ERROR, "Filter: %s", cs->ferr.msg);
	else if (was_bad)
		ui_status(cs->u, CRT_STATUS, "%s", "");
}

static void cs_filter_clear(struct capture_screen *cs)
{
	ui_edit_clear(&cs->filter);
	cs_filter_apply(cs);
	cs->pane->mode = CS_MODE_TABLE;
}

static bool cs_is_edit_key(int key)
{
	switch (key) {
	case UI_KEY_LEFT: case UI_KEY_RIGHT: case UI_KEY_CTRL_LEFT: case UI_KEY_CTRL_RIGHT:
	case UI_KEY_HOME: case UI_KEY_END: case UI_KEY_BACKSPACE: case UI_KEY_DELETE:
	case UI_CTRL('a'): case UI_CTRL('e'): case UI_CTRL('d'): case UI_CTRL('u'):
	case UI_CTRL('k'): case UI_CTRL('w'):
		return true;
	default:
		return false;
	}
}

static bool cs_is_text(int key)
{
	return key >= 0x20 && key != 0x7F && key < UI_KEY_BASE;
}

static int cs_key_filter_mode(struct capture_screen *cs, const struct ui_key *k)
{
	int key = k->key;
	if (key == UI_KEY_ESC) {
		cs_filter_clear(cs);
		return UI_REDRAW;
	}
	if (key == UI_KEY_ENTER) {
		if (cs->filter_bad) {
			ui_status(cs->u, CRT_ERROR, "The filter does not parse: %s", cs->ferr.msg);
			return UI_REDRAW;
		}
		ui_edit_history_add(&cs->filter);
		cs->pane->mode = CS_MODE_TABLE;
		return UI_REDRAW;
	}
	bool changed;
	if (key == UI_KEY_UP || key == UI_KEY_DOWN)
		changed = key == UI_KEY_UP ? ui_edit_history_prev(&cs->filter) : ui_edit_history_next(&cs->filter);
	else if (cs_is_edit_key(key))
		changed = ui_edit_apply_key(&cs->filter, key);
	else if (cs_is_text(key))
		changed = ui_edit_insert_cp(&cs->filter, (uint32_t)key);
	else
		return UI_UNHANDLED;
	if (changed)
		cs_filter_apply(cs);
	return UI_REDRAW;
}

static int cs_key_prompt_mode(struct capture_screen *cs, const struct ui_key *k)
{
	int key = k->key;
	if (key == UI_KEY_ESC && cs->m) {
		cs->pane->mode = CS_MODE_TABLE;
		return UI_REDRAW;
	}
	if (key == UI_KEY_ENTER) {
		ui_edit_history_add(&cs->path);
		cs_open_path(cs, ui_edit_text(&cs->path), cs->path.len);
		return UI_REDRAW;
	}
	if (cs_is_edit_key(key)) {
		ui_edit_apply_key(&cs->path, key);
		return UI_REDRAW;
	}
	if ((key == 'q' || key == '?') && ui_edit_empty(&cs->path) && !k->burst)
		return UI_UNHANDLED;
	if (cs_is_text(key)) {
		ui_edit_insert_cp(&cs->path, (uint32_t)key);
		return UI_REDRAW;
	}
	return UI_UNHANDLED;
}

/* ---- the table ---- */

static int cs_open_timeline(struct capture_screen *cs)
{
	capture_sync_selection(cs);
	if (!cs->m || cs->sel_index == SIZE_MAX) {
		ui_status(cs->u, CRT_STATUS, "No row to open yet.");
		return UI_REDRAW;
	}
	ui_push(cs->u, capture_timeline_new(cs));
	return UI_REDRAW;
}

static int cs_sort_by(struct capture_screen *cs, enum cm_col col, bool desc)
{
	cm_set_sort(cs->m, col, desc);
	capture_sync_selection(cs);
	return UI_REDRAW;
}

static int cs_mouse(struct capture_screen *cs, const struct ui_key *k)
{
	if (k->key == UI_KEY_WHEEL_UP || k->key == UI_KEY_WHEEL_DOWN)
		return capture_move(cs, k->key == UI_KEY_WHEEL_UP ? -3 : 3) ? UI_REDRAW : UI_HANDLED;
	if (k->y == cs->header_y) {
		enum cm_col c = capture_col_at(cs, k->x);
		if (c == CM_COL_LAST)
			return UI_HANDLED;
		return cs_sort_by(cs, c, c == cm_sort_col(cs->m) ? !cm_sort_desc(cs->m) : false);
	}
	if (k->y >= cs->rows_y && k->y < cs->rows_y + cs->rows_h) {
		size_t v = cs->top + (size_t)(k->y - cs->rows_y);
		if (v >= cm_view_count(cs->m))
			return UI_HANDLED;
		if (v == cs->sel)
			return cs_open_timeline(cs);
		return capture_move(cs, (long)v - (long)cs->sel) ? UI_REDRAW : UI_HANDLED;
	}
	if (k->y > cs->rows_y + cs->rows_h - 1 && cm_filter_text(cs->m)[0]) {
		cs->pane->mode = CS_MODE_FILTER;
		return UI_REDRAW;
	}
	return UI_HANDLED;
}

static int cs_key_table_mode(struct capture_screen *cs, const struct ui_key *k)
{
	int key = k->key;
	if (key == UI_KEY_CLICK || key == UI_KEY_WHEEL_UP || key == UI_KEY_WHEEL_DOWN)
		return cs_mouse(cs, k);
	if (key == UI_KEY_ESC && cm_filter_text(cs->m)[0]) {
		cs_filter_clear(cs);
		ui_status(cs->u, CRT_STATUS, "Filter cleared.");
		return UI_REDRAW;
	}
	long page = cs->rows_h > 2 ? cs->rows_h - 1 : 1;
	long n = (long)cm_view_count(cs->m);
	long delta;
	switch (key) {
	case UI_KEY_UP: case 'k': delta = -1; break;
	case UI_KEY_DOWN: case 'j': delta = 1; break;
	case UI_KEY_PGUP: case 'b': delta = -page; break;
	case UI_KEY_PGDN: case ' ': delta = page; break;
	case UI_KEY_HOME: case 'g': delta = -n; break;
	case UI_KEY_END: case 'G': delta = n; break;
	default: return UI_UNHANDLED;
	}
	return capture_move(cs, delta) ? UI_REDRAW : UI_HANDLED;
}

static int cs_key(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)u;
	struct capture_screen *cs = p->st;
	if (k->key == UI_KEY_RESIZE)
		return UI_UNHANDLED;
	if (p->mode == CS_MODE_PROMPT || !cs->m)
		return cs_key_prompt_mode(cs, k);
	if (p->mode == CS_MODE_FILTER)
		return cs_key_filter_mode(cs, k);
	return cs_key_table_mode(cs, k);
}

static int cs_key_enter(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)u;
	(void)k;
	return cs_open_timeline(p->st);
}

static int cs_key_slash(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)u;
	(void)k;
	struct capture_screen *cs = p->st;
	p->mode = CS_MODE_FILTER;
	ui_edit_end(&cs->filter);
	return UI_REDRAW;
}

static int cs_key_sort(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)u;
	struct capture_screen *cs = p->st;
	int c = (int)cm_sort_col(cs->m), step = k->key == '<' ? -1 : 1;
	for (int i = 0; i < CM_COL_LAST; i++) {
		c = (c + step + CM_COL_LAST) % CM_COL_LAST;
		if (cs->col_w[c] > 0)
			break; /* skip the columns the window is too narrow to show */
	}
	return cs_sort_by(cs, (enum cm_col)c, false);
}

static int cs_key_reverse(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)u;
	(void)k;
	struct capture_screen *cs = p->st;
	return cs_sort_by(cs, cm_sort_col(cs->m), !cm_sort_desc(cs->m));
}

static int cs_key_help(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)k;
	ui_push(u, pane_help_new(p));
	return UI_REDRAW;
}

static int cs_key_back(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)p;
	(void)u;
	(void)k;
	return UI_BACK;
}

static int cs_key_file(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)u;
	(void)k;
	p->mode = CS_MODE_PROMPT;
	return UI_REDRAW;
}

#define TABLE CS_MODE_TABLE
#define FILT CS_MODE_FILTER
#define PROMPT CS_MODE_PROMPT
static const struct keybind cs_keys[] = {
	{{UI_KEY_ENTER}, "Open", "table: open the timeline of the selected row; file prompt: open the file; "
				 "filter line: keep the filter", cs_key_enter, TABLE | PROMPT},
	{{UI_KEY_ENTER}, "Keep", NULL, NULL, FILT},
	{{'/'}, "Filter", "type a filter: it applies as you type and says whether it parses (Enter keeps "
			  "it, Esc clears it, Up / Down bring back earlier filters)", cs_key_slash, TABLE},
	{{'s', '>'}, "Sort", "sort by the next column (the header marks the sort)", cs_key_sort, TABLE},
	{{'<'}, NULL, "sort by the previous column", cs_key_sort, 0},
	{{'S', 'r'}, "Reverse", "reverse the sort order", cs_key_reverse, TABLE},
	{{'o'}, "File", "open another capture file", cs_key_file, TABLE},
	{{UI_KEY_ESC}, "Clear", NULL, NULL, FILT},
	{{UI_KEY_ESC}, "Back", NULL, NULL, PROMPT},
	{{'?', UI_KEY_F(1)}, "Help", "show the keys of this screen (on the filter line ? is typed)", cs_key_help,
	 TABLE | PROMPT},
	{{'q'}, "Back", "go back to the previous screen (typed on the filter line and into a path)",
	 cs_key_back, TABLE},
	{{UI_CTRL('u')}, "Clear", NULL, NULL, PROMPT},
	{{UI_KEY_UP, UI_KEY_DOWN}, NULL, "move the selection (also j / k and the wheel)", NULL, 0},
	{{UI_KEY_PGUP, UI_KEY_PGDN}, NULL, "a page up / down (also b / Space)", NULL, 0},
	{{UI_KEY_HOME, UI_KEY_END}, NULL, "the first / last row (also g / G)", NULL, 0},
	{{UI_KEY_ESC}, NULL, "clear the filter; with no filter, go back", NULL, 0},
	{{UI_KEY_CLICK}, NULL, "a click selects a row, a second click opens it; a click on a column's "
			       "title sorts by it (again: reverses)", NULL, 0},
	{{'/'}, NULL, "filter language: words are searched in addresses, subject, header From/To, reply "
		      "texts, endpoints, HELO name and queue id; fields: code:550 code:5xx status:5.7.* "
		      "rcpt:alice@ from:bob@ subject:word outcome:rejected (delivered, deferred, aborted, "
		      "encrypted, no_mail) tls:yes auth:USER (or auth:failed, auth:no) size:>10k client: "
		      "server: helo: queue:; terms separated by blanks must all match; -term excludes; "
		      "\"quote\" text with blanks or colons", NULL, 0},
	{{0}, NULL, NULL, NULL, 0},
};
#undef TABLE
#undef FILT
#undef PROMPT

static void cs_draw(struct pane *p, struct ui *u, struct ui_rect r)
{
	(void)u;
	struct capture_screen *cs = p->st;
	if (p->mode == CS_MODE_PROMPT || !cs->m)
		capture_draw_prompt(cs, r);
	else
		capture_draw_table(cs, r);
	cs->last_draw_ms = loop_clock_ms();
}

static void cs_resize(struct pane *p, struct ui *u, struct ui_rect r)
{
	(void)u;
	struct capture_screen *cs = p->st;
	cs->rows_h = r.h - 3 > 0 ? r.h - 3 : 0;
	capture_sync_selection(cs);
}

static void cs_free(struct pane *p)
{
	struct capture_screen *cs = p->st;
	loop_timer_cancel(cs->u->loop, cs->timer);
	cm_free(cs->m);
	ui_edit_free(&cs->path);
	ui_edit_free(&cs->filter);
	buf_free(&cs->view);
	free(cs);
}

static const struct pane_ops cs_ops = {
	.name = "Capture",
	.draw = cs_draw,
	.key = cs_key,
	.resize = cs_resize,
	.free = cs_free,
	.keys = cs_keys,
};

/* A number from the environment within [1, max], else def. These two knobs
 * slow the reading down for tests and demonstrations of progressive loading. */
static uint64_t cs_env_num(const char *name, uint64_t def, uint64_t max)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return def;
	char *end;
	unsigned long long n = strtoull(v, &end, 10);
	if (*end || n == 0)
		return def;
	return n > max ? max : n;
}

static struct capture_screen *cs_new(struct ui *u)
{
	struct capture_screen *cs = xcalloc(1, sizeof *cs);
	cs->u = u;
	cs->sel_index = SIZE_MAX;
	ui_edit_init(&cs->path, 4096);
	ui_edit_init(&cs->filter, FILTER_TEXT_MAX);
	buf_init(&cs->view, UI_EDIT_MAX * 4 + 64);
	cs->delay_ms = cs_env_num("SMTPSCOPE_LOAD_DELAY_MS", 0, CAPTURE_DELAY_MAX_MS);
	cs->step_packets = cs_env_num("SMTPSCOPE_LOAD_PACKETS", CAPTURE_LOAD_PACKETS, CAPTURE_LOAD_PACKETS);
	cs->pane = pane_new(&cs_ops, cs);
	cs->pane->mode = CS_MODE_PROMPT;
	return cs;
}

struct pane *screen_capture_new(struct ui *u, const char *arg)
{
	struct capture_screen *cs = cs_new(u);
	if (arg && *arg) {
		ui_edit_set(&cs->path, arg, strlen(arg));
		cs_open_path(cs, arg, strlen(arg));
	} else {
		char sample[4096];
		if (capture_sample_path(sample, sizeof sample))
			ui_edit_set(&cs->path, sample, strlen(sample));
	}
	return cs->pane;
}

struct pane *screen_capture_with_model(struct ui *u, struct capture_model *m, bool show_secrets)
{
	struct capture_screen *cs = cs_new(u);
	cs->show_secrets = show_secrets;
	const char *path = cm_path(m);
	ui_edit_set(&cs->path, path, strlen(path));
	cs_attach(cs, m);
	return cs->pane;
}
