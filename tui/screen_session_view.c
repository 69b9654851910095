/* screen_session_view.c - the Session screen's transcript: client lines,
 * server replies coloured by class (RFC 5321 4.2.1) with their explanation
 * beneath (RFC 3463 status, reason, cause, fix; EHLO keywords), foldable per
 * entry. Scrolling keeps an anchor (an entry and the rows of it above the
 * screen) so that drawing and moving cost the visible rows only, however
 * long the transcript. Network text is made printable before it is drawn. */
#include "tui/screen_session_int.h"
#include "tui/explain_view.h"
#include "tui/transcript.h"
#include "tui/ui_text.h"
#include "decode/printable.h"
#include "decode/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Cap on the text of one entry's layout (paragraphs are capped too). */
#define SS_LAYOUT_TEXT_MAX (64u * 1024u * 1024u)
/* Column of the explanation under a reply, after the time column. */
#define SS_EXPL_COL 6

void ss_view_init(struct ss_view *v)
{
	memset(v, 0, sizeof *v);
	v->follow = true;
	buf_init(&v->lay.text, SS_LAYOUT_TEXT_MAX);
}

void ss_view_free(struct ss_view *v)
{
	buf_free(&v->lay.text);
	free(v->lay.paras);
	free(v->lay.rows);
	free(v->flips);
	free(v->row_entry);
	memset(v, 0, sizeof *v);
}

void ss_view_reset(struct ss_view *v)
{
	v->follow = true;
	v->top = v->sel = 0;
	v->skip = 0;
	v->nflips = 0;
}

uint64_t ss_first(const struct session_screen *ss)
{
	return ss->s ? session_entries_dropped(ss->s) : 0;
}

uint64_t ss_end(const struct session_screen *ss)
{
	return ss->s ? session_entries_dropped(ss->s) + session_entry_count(ss->s) : 0;
}

const struct session_entry *ss_entry(const struct session_screen *ss, uint64_t i)
{
	uint64_t first = ss_first(ss);
	if (!ss->s || i < first || i >= ss_end(ss))
		return NULL;
	return session_entry_at(ss->s, (size_t)(i - first));
}

/* ---- folding ---- */

static bool flip_find(const struct ss_view *v, uint64_t id, size_t *pos)
{
	size_t lo = 0, hi = v->nflips;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->flips[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return lo < v->nflips && v->flips[lo] == id;
}

static bool ss_folded(const struct ss_view *v, const struct session_entry *e)
{
	size_t pos;
	return v->all_folded != flip_find(v, e->id, &pos);
}

static void flip_toggle(struct ss_view *v, uint64_t id)
{
	size_t pos;
	if (flip_find(v, id, &pos)) {
		memmove(v->flips + pos, v->flips + pos + 1, (v->nflips - pos - 1) * sizeof *v->flips);
		v->nflips--;
		return;
	}
	if (v->nflips == SS_FLIPS_MAX) { /* forget the oldest choice */
		memmove(v->flips, v->flips + 1, (v->nflips - 1) * sizeof *v->flips);
		v->nflips--;
		if (pos > 0)
			pos--;
	}
	if (v->nflips == v->aflips) {
		v->aflips = v->aflips ? v->aflips * 2 : 64;
		v->flips = xreallocarray(v->flips, v->aflips, sizeof *v->flips);
	}
	memmove(v->flips + pos + 1, v->flips + pos, (v->nflips - pos) * sizeof *v->flips);
	v->flips[pos] = id;
	v->nflips++;
}

static bool ss_foldable(const struct session_entry *e)
{
	if (e->kind == SESS_E_REPLY)
		return e->has_explanation || e->nexts > 0;
	return e->kind == SESS_E_INFO && e->nlines > 1;
}

/* ---- layout of one entry ---- */

static void lay_para(struct ss_layout *L, const struct ss_para *t, const void *p, size_t len)
{
	if (L->npara == L->apara) {
		L->apara = L->apara ? L->apara * 2 : 16;
		L->paras = xreallocarray(L->paras, L->apara, sizeof *L->paras);
	}
	struct ss_para *q = &L->paras[L->npara++];
	*q = *t;
	q->off = L->text.len;
	struct buf tmp;
	buf_init(&tmp, SS_PARA_MAX);
	bool whole = printable_append(&tmp, p, len);
	if (!buf_append(&L->text, tmp.data ? tmp.data : (const uint8_t *)"", tmp.len) ||
	    (!whole && !buf_append_str(&L->text, " [...]")))
		whole = true; /* the layout is full: what fits is shown */
	q->len = L->text.len - q->off;
	buf_free(&tmp);
}

static void lay_str(struct ss_layout *L, const struct ss_para *t, const char *s)
{
	if (s && *s)
		lay_para(L, t, s, strlen(s));
}

static enum crt_color reply_color(int code)
{
	switch (code / 100) {
	case 2:
	case 3: return CRT_GOOD;
	case 4: return CRT_WARN;
	case 5: return CRT_BAD;
	default: return code == 0 ? CRT_NORMAL : CRT_BAD;
	}
}

static enum crt_color info_color(enum session_level l)
{
	switch (l) {
	case SESS_LVL_OK: return CRT_GOOD;
	case SESS_LVL_WARN: return CRT_WARN;
	case SESS_LVL_ERROR: return CRT_BAD;
	default: return CRT_DIM;
	}
}

/* "reply to RCPT, 0.4 ms" / "greeting, 1.2 ms" */
static void reply_head(const struct session_entry *e, char *out, size_t size)
{
	const char *what = e->stage == SESS_STAGE_GREETING ? "greeting"
			   : e->answers != SMTP_CMD_LAST   ? smtp_cmd_name(e->answers)
			   : e->code == 0		   ? "not a reply"
							   : "unsolicited";
	int n = snprintf(out, size, "%s%s", e->answers != SMTP_CMD_LAST ? "reply to " : "", what);
	if (e->latency_us >= 0 && n > 0 && (size_t)n < size)
		snprintf(out + n, size - (size_t)n, ", %.1f ms", (double)e->latency_us / 1000.0);
}

static void lay_field(struct ss_layout *L, int base, const char *label, const char *text, enum crt_color c)
{
	struct ss_para t = {.label = label, .col = base + SS_EXPL_COL,
			    .text_col = base + SS_EXPL_COL + SS_LABEL_W, .color = c};
	lay_str(L, &t, text);
}

static void lay_explanation(struct ss_layout *L, const struct session_entry *e, int base)
{
	const struct explanation *x = &e->ex;
	struct ss_para t = {.col = base + SS_EXPL_COL, .text_col = base + SS_EXPL_COL, .color = CRT_DIM};
	char head[128], line[1024];
	reply_head(e, head, sizeof head);
	if (e->code < 200 || e->code > 599) {
		snprintf(line, sizeof line, "%s: %d is an impossible reply code (RFC 5321 4.2 allows 2xx to 5xx): "
			 "a broken or hostile server", head, e->code);
		t.color = CRT_BAD;
		lay_str(L, &t, line);
		return;
	}
	char codes[40];
	explain_view_codes(e->code, e->status, codes, sizeof codes);
	if (e->code < 400) {
		const char *m = x->code_meaning ? x->code_meaning : x->meaning;
		int n = snprintf(line, sizeof line, "%s - %s: %s", head, codes, m ? m : "");
		if (x->status_title && e->status[0] && n > 0 && (size_t)n < sizeof line)
			snprintf(line + n, sizeof line - (size_t)n, " [%s: %s]", e->status, x->status_title);
		lay_str(L, &t, line);
		return;
	}
	snprintf(line, sizeof line, "%s (%s) - %s, %s", reason_name(x->reason), explain_view_permanence(x), head,
		 codes);
	t.color = reply_color(e->code);
	lay_str(L, &t, line);
	lay_field(L, base, "Meaning:", x->meaning, CRT_NORMAL);
	lay_field(L, base, "Likely cause:", x->cause, CRT_NORMAL);
	lay_field(L, base, "What to do:", x->fix, CRT_NORMAL);
	char layer[160];
	explain_view_layer(x, layer, sizeof layer);
	lay_field(L, base, "Answered by:", layer, CRT_DIM);
	lay_field(L, base, "Source:", x->source, CRT_DIM);
}

static void lay_exts(struct ss_layout *L, const struct session_entry *e, int base)
{
	struct ss_para t = {.col = base + SS_EXPL_COL, .text_col = base + SS_EXPL_COL + 2, .color = CRT_NORMAL};
	for (size_t i = 0; i < e->nexts; i++) {
		const struct session_ext *xe = &e->exts[i];
		const char *what = xe->detail ? xe->detail : xe->meaning ? xe->meaning : xe->title;
		struct buf b;
		buf_init(&b, 4096);
		buf_printf(&b, "%s%s%s: %s", xe->keyword, xe->params[0] ? " " : "", xe->params,
			   what ? what : "(not a registered keyword)");
		t.prefix = "+ ";
		t.prefix_color = CRT_DIM;
		lay_para(L, &t, b.data, b.len);
		buf_free(&b);
	}
}

static void lay_notes(struct ss_layout *L, const struct session_entry *e, int base)
{
	struct ss_para t = {.prefix = "! ", .prefix_color = CRT_WARN, .col = base + SS_EXPL_COL,
			    .text_col = base + SS_EXPL_COL + 2, .color = CRT_WARN};
	for (size_t i = 0; i < e->nnotes; i++)
		lay_para(L, &t, e->notes[i].p, e->notes[i].len);
	if (e->notes_dropped) {
		char m[64];
		snprintf(m, sizeof m, "(%zu more notes)", e->notes_dropped);
		lay_str(L, &t, m);
	}
}

static void lay_lines(struct ss_layout *L, const struct session_entry *e, int base, bool folded)
{
	struct ss_para t = {.col = base + 1, .text_col = base + SS_TEXT_COL};
	switch (e->kind) {
	case SESS_E_COMMAND: t.prefix = "C: "; t.color = CRT_LABEL; break;
	case SESS_E_BODY: t.prefix = "C| "; t.color = CRT_DIM; break;
	case SESS_E_REPLY: t.prefix = "S: "; t.color = reply_color(e->code); break;
	default: t.prefix = "* "; t.color = info_color(e->level); break;
	}
	t.prefix_color = t.color;
	size_t n = e->nlines;
	if (e->kind == SESS_E_INFO && folded && n > 1)
		n = 1;
	for (size_t i = 0; i < n; i++) {
		lay_para(L, &t, e->lines[i].p, e->lines[i].len);
		if (e->kind == SESS_E_INFO)
			t.prefix = NULL; /* the further lines of a note hang under its text */
	}
	if (e->nlines == 0)
		lay_para(L, &t, "", 0);
	if (e->kind == SESS_E_INFO && folded && e->nlines > 1) {
		char m[64];
		snprintf(m, sizeof m, "(%zu more lines: Enter unfolds)", e->nlines - 1);
		t.prefix = NULL;
		t.color = CRT_DIM;
		lay_str(L, &t, m);
	}
	if (e->lines_dropped) {
		char m[64];
		snprintf(m, sizeof m, "(%zu more lines not kept)", e->lines_dropped);
		t.prefix = NULL;
		t.color = CRT_DIM;
		lay_str(L, &t, m);
	}
}

/* Wrap every paragraph at width w into rows. */
static void lay_wrap(struct ss_layout *L, int w)
{
	struct ui_span one[64];
	const char *text = L->text.data ? (const char *)L->text.data : "";
	for (size_t p = 0; p < L->npara; p++) {
		struct ss_para *q = &L->paras[p];
		int avail = w - q->text_col;
		if (avail < 8) { /* a narrow window: text as far left as it takes */
			q->text_col = w > 8 ? w - 8 : 0;
			avail = w - q->text_col;
		}
		size_t n = ui_wrap(text + q->off, q->len, avail, NULL, 0);
		struct ui_span *sp = n <= 64 ? one : xcalloc(n, sizeof *sp);
		ui_wrap(text + q->off, q->len, avail, sp, n);
		if (L->nrow + n > L->arow) {
			while (L->nrow + n > L->arow)
				L->arow = L->arow ? L->arow * 2 : 64;
			L->rows = xreallocarray(L->rows, L->arow, sizeof *L->rows);
		}
		for (size_t i = 0; i < n; i++)
			L->rows[L->nrow++] = (struct ss_row){p, q->off + sp[i].off, sp[i].len, i == 0};
		if (sp != one)
			free(sp);
	}
}

/* Lay entry e out for w columns in v->lay; returns its rows (at least 1). */
static size_t ss_layout(struct ss_view *v, const struct session_entry *e, int w)
{
	struct ss_layout *L = &v->lay;
	buf_reset(&L->text);
	L->npara = L->nrow = 0;
	L->foldable = ss_foldable(e);
	L->folded = L->foldable && ss_folded(v, e);
	int base = v->times ? SS_TIME_COLS : 0;
	lay_lines(L, e, base, L->folded);
	if (e->kind == SESS_E_REPLY) {
		if (e->incomplete) {
			struct ss_para t = {.col = base + SS_EXPL_COL, .text_col = base + SS_EXPL_COL, .color = CRT_WARN};
			lay_str(L, &t, "(the connection ended inside this reply)");
		}
		if (!L->folded && e->has_explanation)
			lay_explanation(L, e, base);
		if (!L->folded)
			lay_exts(L, e, base);
	}
	lay_notes(L, e, base);
	lay_wrap(L, w);
	return L->nrow ? L->nrow : 1;
}

static size_t ss_rows(struct session_screen *ss, uint64_t i)
{
	const struct session_entry *e = ss_entry(ss, i);
	return e ? ss_layout(&ss->v, e, ss->v.w > 0 ? ss->v.w : 80) : 1;
}

/* ---- the anchor ---- */

/* The anchor that puts the end of entry last at the bottom of h rows. */
static void anchor_bottom(struct session_screen *ss, uint64_t last, uint64_t *top, size_t *skip)
{
	size_t h = ss->v.h > 0 ? (size_t)ss->v.h : 1, acc = 0;
	uint64_t first = ss_first(ss), i = last + 1;
	while (i > first && acc < h) {
		i--;
		acc += ss_rows(ss, i);
	}
	*top = i;
	*skip = acc > h ? acc - h : 0;
}

/* Rows from the anchor to the end of the transcript, counting up to cap. */
static size_t rows_from(struct session_screen *ss, uint64_t top, size_t skip, size_t cap)
{
	size_t acc = 0;
	uint64_t end = ss_end(ss);
	for (uint64_t i = top; i < end && acc <= cap; i++) {
		size_t r = ss_rows(ss, i);
		acc += i == top ? (r > skip ? r - skip : 0) : r;
	}
	return acc;
}

/* Turn "following" into a concrete anchor. */
static void anchor_fix(struct session_screen *ss)
{
	struct ss_view *v = &ss->v;
	uint64_t first = ss_first(ss), end = ss_end(ss);
	if (end == first) {
		v->top = first;
		v->skip = 0;
		return;
	}
	if (v->follow || v->top >= end) {
		anchor_bottom(ss, end - 1, &v->top, &v->skip);
		return;
	}
	if (v->top < first) {
		v->top = first;
		v->skip = 0;
	}
	size_t r = ss_rows(ss, v->top);
	if (v->skip >= r)
		v->skip = r - 1;
}

/* ---- drawing ---- */

static void draw_row(struct session_screen *ss, const struct session_entry *e, size_t ri, bool sel, int y,
		     int x, int w)
{
	struct ss_view *v = &ss->v;
	const struct ss_layout *L = &v->lay;
	const struct ss_row *row = &L->rows[ri];
	const struct ss_para *q = &L->paras[row->para];
	int base = v->times ? SS_TIME_COLS : 0;
	if (ri == 0 && v->times) {
		char ts[32];
		transcript_time(e->time_us, false, ts, sizeof ts);
		crt_puts(y, x, w, CRT_DIM, ts);
	}
	if (sel)
		crt_fill(y, x + base, SS_TEXT_COL - 1, CRT_SELECTED);
	if (ri == 0 && L->foldable)
		crt_puts(y, x + base, 1, sel ? CRT_SELECTED : CRT_KEY, L->folded ? "+" : "-");
	if (row->first && q->prefix)
		crt_puts(y, x + q->col, w - q->col, sel && ri == 0 ? CRT_SELECTED : q->prefix_color, q->prefix);
	if (row->first && q->label)
		crt_puts(y, x + q->col, w - q->col, CRT_LABEL, q->label);
	crt_put(y, x + q->text_col, w - q->text_col, q->color, (const char *)L->text.data + row->off, row->len);
}

static void row_map_grow(struct ss_view *v, int h)
{
	if (h > v->arow_entry) {
		v->arow_entry = h;
		v->row_entry = xreallocarray(v->row_entry, (size_t)h, sizeof *v->row_entry);
	}
	for (int i = 0; i < h; i++)
		v->row_entry[i] = UINT64_MAX;
}

void ss_view_draw(struct session_screen *ss, int y, int x, int h, int w)
{
	struct ss_view *v = &ss->v;
	if (w != v->w)
		v->w = w; /* rows change with the width: the anchor entry stays */
	v->y = y;
	v->x = x;
	v->h = h;
	if (h <= 0)
		return;
	row_map_grow(v, h);
	uint64_t end = ss_end(ss);
	if (end == ss_first(ss)) {
		crt_puts(y, x + 1, w - 1, CRT_DIM, ss->s ? "(nothing yet)" : "");
		return;
	}
	anchor_fix(ss);
	if (!v->follow && rows_from(ss, v->top, v->skip, (size_t)h) < (size_t)h)
		anchor_bottom(ss, end - 1, &v->top, &v->skip); /* no empty rows under the end */
	bool view = ss->pane && ss->pane->mode == SS_MODE_VIEW;
	int row = 0;
	for (uint64_t i = v->top; i < end && row < h; i++) {
		const struct session_entry *e = ss_entry(ss, i);
		size_t n = ss_layout(v, e, w);
		for (size_t r = i == v->top ? v->skip : 0; r < n && row < h; r++, row++) {
			if (r < v->lay.nrow)
				draw_row(ss, e, r, view && i == v->sel, y + row, x, w);
			v->row_entry[row] = i;
		}
	}
}

/* ---- moving ---- */

int ss_view_scroll(struct session_screen *ss, long rows)
{
	struct ss_view *v = &ss->v;
	if (ss_end(ss) == ss_first(ss) || rows == 0)
		return UI_HANDLED;
	bool was = v->follow;
	anchor_fix(ss);
	v->follow = false;
	uint64_t top0 = v->top, first = ss_first(ss), end = ss_end(ss);
	size_t skip0 = v->skip;
	if (rows < 0) {
		size_t n = (size_t)-rows;
		while (n > 0) {
			if (v->skip > 0) {
				size_t d = v->skip < n ? v->skip : n;
				v->skip -= d;
				n -= d;
			} else if (v->top > first) {
				v->top--;
				v->skip = ss_rows(ss, v->top);
			} else {
				break;
			}
		}
	} else {
		size_t n = (size_t)rows;
		while (n > 0 && v->top < end) {
			size_t r = ss_rows(ss, v->top), rem = r - v->skip;
			if (n < rem) {
				v->skip += n;
				n = 0;
			} else {
				n -= rem;
				v->top++;
				v->skip = 0;
			}
		}
		if (v->top >= end || rows_from(ss, v->top, v->skip, (size_t)v->h) <= (size_t)v->h)
			v->follow = true; /* at the end: follow new entries again */
	}
	if (v->top == top0 && v->skip == skip0 && !v->follow)
		v->follow = was;
	return (v->top != top0 || v->skip != skip0 || v->follow != was) ? UI_REDRAW : UI_HANDLED;
}

int ss_view_home(struct session_screen *ss)
{
	struct ss_view *v = &ss->v;
	v->top = ss_first(ss);
	v->skip = 0;
	v->follow = rows_from(ss, v->top, 0, (size_t)v->h) <= (size_t)v->h;
	v->sel = v->top;
	return UI_REDRAW;
}

int ss_view_end(struct session_screen *ss)
{
	struct ss_view *v = &ss->v;
	v->follow = true;
	if (ss_end(ss) > ss_first(ss))
		v->sel = ss_end(ss) - 1;
	return UI_REDRAW;
}

/* Bring entry i into view, moving as little as possible. */
static void ss_reveal(struct session_screen *ss, uint64_t i)
{
	struct ss_view *v = &ss->v;
	size_t h = v->h > 0 ? (size_t)v->h : 1;
	anchor_fix(ss);
	if (i < v->top || (i == v->top && v->skip > 0)) {
		v->top = i;
		v->skip = 0;
		v->follow = false;
		return;
	}
	size_t acc = 0;
	for (uint64_t k = v->top; k <= i && acc <= h; k++) {
		size_t r = ss_rows(ss, k);
		acc += k == v->top ? r - v->skip : r;
	}
	if (acc <= h)
		return;
	if (ss_rows(ss, i) >= h) {
		v->top = i;
		v->skip = 0;
		v->follow = false;
	} else {
		anchor_bottom(ss, i, &v->top, &v->skip);
		v->follow = i + 1 >= ss_end(ss);
	}
}

int ss_view_select(struct session_screen *ss, long delta)
{
	struct ss_view *v = &ss->v;
	uint64_t first = ss_first(ss), end = ss_end(ss);
	if (end == first)
		return UI_HANDLED;
	uint64_t old = v->sel;
	if (v->sel < first)
		v->sel = first;
	if (v->sel >= end)
		v->sel = end - 1;
	if (delta < 0)
		v->sel = (uint64_t)-delta > v->sel - first ? first : v->sel - (uint64_t)-delta;
	else
		v->sel = (uint64_t)delta >= end - v->sel ? end - 1 : v->sel + (uint64_t)delta;
	ss_reveal(ss, v->sel);
	return v->sel != old ? UI_REDRAW : UI_HANDLED;
}

bool ss_view_select_row(struct session_screen *ss, int y, int x, bool *on_mark)
{
	struct ss_view *v = &ss->v;
	int r = y - v->y;
	*on_mark = false;
	if (r < 0 || r >= v->h || r >= v->arow_entry || v->row_entry[r] == UINT64_MAX)
		return false;
	v->sel = v->row_entry[r];
	int base = v->times ? SS_TIME_COLS : 0;
	*on_mark = x >= v->x + base && x < v->x + base + SS_TEXT_COL - 1;
	return true;
}

void ss_view_select_visible(struct session_screen *ss)
{
	struct ss_view *v = &ss->v;
	uint64_t first = ss_first(ss), end = ss_end(ss);
	if (end == first)
		return;
	uint64_t pick = UINT64_MAX, any = UINT64_MAX;
	for (int r = 0; r < v->h && r < v->arow_entry; r++) {
		uint64_t i = v->row_entry[r];
		const struct session_entry *e = i == UINT64_MAX ? NULL : ss_entry(ss, i);
		if (!e)
			continue;
		any = i;
		if (e->kind == SESS_E_REPLY)
			pick = i;
	}
	v->sel = pick != UINT64_MAX ? pick : any != UINT64_MAX ? any : end - 1;
}

bool ss_view_fold_toggle(struct session_screen *ss, uint64_t i)
{
	const struct session_entry *e = ss_entry(ss, i);
	if (!e || !ss_foldable(e))
		return false;
	flip_toggle(&ss->v, e->id);
	if (ss->v.top == i)
		ss->v.skip = 0;
	return true;
}

void ss_view_fold_all(struct session_screen *ss, bool folded)
{
	ss->v.all_folded = folded;
	ss->v.nflips = 0;
	ss->v.skip = 0;
}

void ss_view_position(const struct session_screen *ss, char *out, size_t size)
{
	const struct ss_view *v = &ss->v;
	uint64_t first = ss_first(ss), end = ss_end(ss);
	if (end == first)
		snprintf(out, size, "empty");
	else if (v->follow)
		snprintf(out, size, "%llu entries, following", (unsigned long long)(end - first));
	else
		snprintf(out, size, "entry %llu of %llu", (unsigned long long)(v->top - first + 1),
			 (unsigned long long)(end - first));
}
