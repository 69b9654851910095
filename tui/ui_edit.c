/* ui_edit.c - the one-line editor with history used by input prompts
 * (see ui_edit.h). No RFC. */
#include "tui/ui_edit.h"
#include "tui/ui_text.h"
#include "decode/printable.h"
#include "decode/xmalloc.h"

#include <stdlib.h>
#include <string.h>

void ui_edit_init(struct ui_edit *e, size_t max)
{
	memset(e, 0, sizeof *e);
	e->max = max ? max : UI_EDIT_MAX;
	e->alloc = 64;
	e->text = xcalloc(1, e->alloc);
}

void ui_edit_free(struct ui_edit *e)
{
	for (size_t i = 0; i < e->nhist; i++)
		free(e->hist[i]);
	free(e->hist);
	free(e->draft);
	free(e->text);
	memset(e, 0, sizeof *e);
}

const char *ui_edit_text(const struct ui_edit *e)
{
	return e->text;
}

bool ui_edit_empty(const struct ui_edit *e)
{
	return e->len == 0;
}

bool ui_edit_insert(struct ui_edit *e, const char *s, size_t n)
{
	if (n == 0)
		return true;
	if (n > e->max - e->len)
		return false;
	if (e->len + n + 1 > e->alloc) {
		size_t a = e->alloc;
		while (a < e->len + n + 1)
			a *= 2;
		e->text = xreallocarray(e->text, a, 1);
		e->alloc = a;
	}
	memmove(e->text + e->cur + n, e->text + e->cur, e->len - e->cur);
	memcpy(e->text + e->cur, s, n);
	e->len += n;
	e->cur += n;
	e->text[e->len] = '\0';
	return true;
}

bool ui_edit_insert_cp(struct ui_edit *e, uint32_t cp)
{
	char u[4];
	size_t n = ui_utf8_encode(cp, u);
	return n > 0 && ui_edit_insert(e, u, n);
}

void ui_edit_set(struct ui_edit *e, const char *s, size_t n)
{
	if (n > e->max) {
		n = e->max;
		/* do not keep half a character */
		while (n > 0 && ((uint8_t)s[n] & 0xC0) == 0x80)
			n--;
	}
	e->len = e->cur = 0;
	e->text[0] = '\0';
	ui_edit_insert(e, s, n);
}

void ui_edit_clear(struct ui_edit *e)
{
	e->len = e->cur = 0;
	e->text[0] = '\0';
	e->hscroll = 0;
}

bool ui_edit_left(struct ui_edit *e)
{
	if (e->cur == 0)
		return false;
	e->cur -= ui_utf8_prev(e->text, e->cur);
	return true;
}

bool ui_edit_right(struct ui_edit *e)
{
	if (e->cur >= e->len)
		return false;
	uint32_t cp;
	e->cur += ui_utf8_next(e->text + e->cur, e->len - e->cur, &cp);
	return true;
}

bool ui_edit_home(struct ui_edit *e)
{
	bool moved = e->cur != 0;
	e->cur = 0;
	return moved;
}

bool ui_edit_end(struct ui_edit *e)
{
	bool moved = e->cur != e->len;
	e->cur = e->len;
	return moved;
}

static bool ui_edit_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool ui_edit_word_left(struct ui_edit *e)
{
	size_t c = e->cur;
	while (c > 0 && ui_edit_is_space(e->text[c - 1]))
		c--;
	while (c > 0 && !ui_edit_is_space(e->text[c - 1]))
		c--;
	bool moved = c != e->cur;
	e->cur = c;
	return moved;
}

bool ui_edit_word_right(struct ui_edit *e)
{
	size_t c = e->cur;
	while (c < e->len && ui_edit_is_space(e->text[c]))
		c++;
	while (c < e->len && !ui_edit_is_space(e->text[c]))
		c++;
	bool moved = c != e->cur;
	e->cur = c;
	return moved;
}

/* Delete the bytes [a, b). */
static bool ui_edit_cut(struct ui_edit *e, size_t a, size_t b)
{
	if (a >= b)
		return false;
	memmove(e->text + a, e->text + b, e->len - b);
	e->len -= b - a;
	e->text[e->len] = '\0';
	if (e->cur >= b)
		e->cur -= b - a;
	else if (e->cur > a)
		e->cur = a;
	return true;
}

bool ui_edit_backspace(struct ui_edit *e)
{
	if (e->cur == 0)
		return false;
	return ui_edit_cut(e, e->cur - ui_utf8_prev(e->text, e->cur), e->cur);
}

bool ui_edit_delete(struct ui_edit *e)
{
	if (e->cur >= e->len)
		return false;
	uint32_t cp;
	return ui_edit_cut(e, e->cur, e->cur + ui_utf8_next(e->text + e->cur, e->len - e->cur, &cp));
}

bool ui_edit_kill_start(struct ui_edit *e)
{
	return ui_edit_cut(e, 0, e->cur);
}

bool ui_edit_kill_end(struct ui_edit *e)
{
	return ui_edit_cut(e, e->cur, e->len);
}

bool ui_edit_kill_word(struct ui_edit *e)
{
	size_t end = e->cur;
	ui_edit_word_left(e);
	return ui_edit_cut(e, e->cur, end);
}

void ui_edit_history_add(struct ui_edit *e)
{
	free(e->draft);
	e->draft = NULL;
	if (e->len > 0 && !(e->nhist > 0 && !strcmp(e->hist[e->nhist - 1], e->text))) {
		if (e->nhist == UI_EDIT_HIST_MAX) {
			free(e->hist[0]);
			memmove(e->hist, e->hist + 1, (e->nhist - 1) * sizeof *e->hist);
			e->nhist--;
		}
		e->hist = xreallocarray(e->hist, e->nhist + 1, sizeof *e->hist);
		e->hist[e->nhist++] = xmemdup0(e->text, e->len);
	}
	e->hist_pos = e->nhist;
}

bool ui_edit_history_prev(struct ui_edit *e)
{
	if (e->hist_pos > e->nhist)
		e->hist_pos = e->nhist;
	if (e->hist_pos == 0)
		return false;
	if (e->hist_pos == e->nhist) {
		free(e->draft);
		e->draft = xmemdup0(e->text, e->len);
	}
	e->hist_pos--;
	ui_edit_set(e, e->hist[e->hist_pos], strlen(e->hist[e->hist_pos]));
	return true;
}

bool ui_edit_history_next(struct ui_edit *e)
{
	if (e->hist_pos >= e->nhist)
		return false;
	e->hist_pos++;
	if (e->hist_pos == e->nhist) {
		const char *d = e->draft ? e->draft : "";
		ui_edit_set(e, d, strlen(d));
		free(e->draft);
		e->draft = NULL;
	} else {
		ui_edit_set(e, e->hist[e->hist_pos], strlen(e->hist[e->hist_pos]));
	}
	return true;
}

/* The visible form of the character s[0..n) (code point cp): itself when the
 * terminal can show it, else its escape. Returns its width in columns. */
static int ui_edit_vis(const char *s, size_t n, uint32_t cp, struct buf *vis)
{
	buf_reset(vis);
	if (cp != UI_CP_BAD && cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp <= 0x9F)) {
		buf_append(vis, s, n);
		return ui_cp_width(cp);
	}
	if (cp == '\t')
		buf_append_str(vis, "\\t");
	else
		printable_append(vis, (const uint8_t *)s, n);
	return (int)vis->len; /* escapes are ASCII */
}

static void ui_edit_scroll(struct ui_edit *e, int width, int cursor, int total)
{
	if (total < width)
		e->hscroll = 0;
	if (cursor < e->hscroll)
		e->hscroll = cursor;
	if (cursor > e->hscroll + width - 1)
		e->hscroll = cursor - width + 1;
	if (e->hscroll < 0)
		e->hscroll = 0;
}

void ui_edit_view(struct ui_edit *e, int width, struct buf *out, int *cursor_col)
{
	if (width < 1)
		width = 1;
	struct buf vis;
	buf_init(&vis, 64);
	int cursor = 0, total = 0;
	for (size_t i = 0; i < e->len;) {
		uint32_t cp;
		size_t n = ui_utf8_next(e->text + i, e->len - i, &cp);
		if (i < e->cur)
			cursor += ui_edit_vis(e->text + i, n, cp, &vis);
		total += ui_edit_vis(e->text + i, n, cp, &vis);
		i += n;
	}
	ui_edit_scroll(e, width, cursor, total);
	buf_reset(out);
	int col = 0, lo = e->hscroll, hi = e->hscroll + width;
	for (size_t i = 0; i < e->len && col < hi;) {
		uint32_t cp;
		size_t n = ui_utf8_next(e->text + i, e->len - i, &cp);
		int w = ui_edit_vis(e->text + i, n, cp, &vis);
		bool escape = vis.len != n || memcmp(vis.data, e->text + i, n) != 0;
		if (col >= lo && col + w <= hi) {
			buf_append(out, vis.data, vis.len);
		} else if (escape) {
			/* an escape cut by an edge: show the part inside */
			for (int k = 0; k < w; k++)
				if (col + k >= lo && col + k < hi)
					buf_append_byte(out, vis.data[k]);
		} else if (col < hi && col + w > lo) {
			for (int k = 0; k < w; k++) /* a wide character cut by an edge */
				if (col + k >= lo && col + k < hi)
					buf_append_byte(out, ' ');
		}
		col += w;
		i += n;
	}
	buf_free(&vis);
	*cursor_col = cursor - e->hscroll;
}
