/* ui_doc.c - wrapped, scrollable documents of fields and paragraphs (see
 * ui_doc.h). No RFC. */
#include "tui/ui_doc.h"
#include "tui/ui_text.h"
#include "decode/buf.h"
#include "decode/printable.h"
#include "decode/xmalloc.h"

#include <stdlib.h>
#include <string.h>

/* Below this many columns for the text, labels go on a row of their own. */
#define UI_DOC_MIN_TEXT 24

void ui_doc_init(struct ui_doc *d, int label_width)
{
	memset(d, 0, sizeof *d);
	d->label_width = label_width;
}

void ui_doc_clear(struct ui_doc *d)
{
	for (size_t i = 0; i < d->nitems; i++) {
		free(d->items[i].label);
		free(d->items[i].text);
	}
	free(d->items);
	free(d->rows);
	d->items = NULL;
	d->rows = NULL;
	d->nitems = d->nrows = 0;
	d->width = 0;
}

void ui_doc_free(struct ui_doc *d)
{
	ui_doc_clear(d);
}

static char *ui_doc_printable(const uint8_t *p, size_t len)
{
	struct buf b;
	buf_init(&b, UI_DOC_ITEM_MAX);
	if (!printable_append(&b, p, len)) {
		/* too long: keep what fits on a character boundary and say so */
		buf_reset(&b);
		size_t keep = len > UI_DOC_ITEM_MAX / 4 - 16 ? UI_DOC_ITEM_MAX / 4 - 16 : len;
		while (keep > 0 && keep < len && (p[keep] & 0xC0) == 0x80)
			keep--;
		printable_append(&b, p, keep);
		buf_append_str(&b, " [...]");
	}
	char *s = xmemdup0(b.data ? (const char *)b.data : "", b.len);
	buf_free(&b);
	return s;
}

static void ui_doc_push(struct ui_doc *d, const char *label, const uint8_t *p, size_t len,
			enum crt_color c, int indent)
{
	d->items = xreallocarray(d->items, d->nitems + 1, sizeof *d->items);
	struct ui_doc_item *it = &d->items[d->nitems++];
	it->label = label ? xstrdup(label) : NULL;
	it->text = ui_doc_printable(p, len);
	it->label_color = CRT_LABEL;
	it->text_color = c;
	it->indent = indent;
	d->width = 0;
}

void ui_doc_field(struct ui_doc *d, const char *label, const uint8_t *p, size_t len,
		  enum crt_color c)
{
	if (p && len > 0)
		ui_doc_push(d, label ? label : "", p, len, c, 2);
}

void ui_doc_field_str(struct ui_doc *d, const char *label, const char *s, enum crt_color c)
{
	if (s)
		ui_doc_field(d, label, (const uint8_t *)s, strlen(s), c);
}

void ui_doc_text(struct ui_doc *d, int indent, const uint8_t *p, size_t len, enum crt_color c)
{
	ui_doc_push(d, NULL, p ? p : (const uint8_t *)"", p ? len : 0, c, indent);
}

void ui_doc_text_str(struct ui_doc *d, int indent, const char *s, enum crt_color c)
{
	ui_doc_text(d, indent, (const uint8_t *)(s ? s : ""), s ? strlen(s) : 0, c);
}

void ui_doc_blank(struct ui_doc *d)
{
	ui_doc_text(d, 0, NULL, 0, CRT_NORMAL);
}

static void ui_doc_add_row(struct ui_doc *d, size_t *alloc, struct ui_doc_row r)
{
	if (d->nrows == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 64;
		d->rows = xreallocarray(d->rows, *alloc, sizeof *d->rows);
	}
	d->rows[d->nrows++] = r;
}

static void ui_doc_layout_item(struct ui_doc *d, size_t i, int width, size_t *alloc)
{
	const struct ui_doc_item *it = &d->items[i];
	int col = it->indent;
	bool label_row = false;
	if (it->label) {
		if (width - it->indent - d->label_width - 1 >= UI_DOC_MIN_TEXT) {
			col = it->indent + d->label_width + 1;
		} else {
			/* narrow: the label on its own row, the text below it */
			ui_doc_add_row(d, alloc, (struct ui_doc_row){i, 0, 0, true, it->indent});
			col = it->indent + 2;
			label_row = true;
		}
	}
	if (col >= width)
		col = width > 1 ? width - 1 : 0;
	size_t tlen = strlen(it->text);
	size_t n = ui_wrap(it->text, tlen, width - col, NULL, 0);
	struct ui_span *sp = xreallocarray(NULL, n, sizeof *sp);
	ui_wrap(it->text, tlen, width - col, sp, n);
	for (size_t k = 0; k < n; k++) {
		bool first = k == 0 && it->label && !label_row;
		ui_doc_add_row(d, alloc, (struct ui_doc_row){i, sp[k].off, sp[k].len, first, col});
	}
	free(sp);
}

size_t ui_doc_layout(struct ui_doc *d, int width)
{
	if (width < 1)
		width = 1;
	if (d->width == width)
		return d->nrows;
	free(d->rows);
	d->rows = NULL;
	d->nrows = 0;
	size_t alloc = 0;
	for (size_t i = 0; i < d->nitems; i++)
		ui_doc_layout_item(d, i, width, &alloc);
	d->width = width;
	return d->nrows;
}

void ui_doc_draw(struct ui_doc *d, int y, int x, int h, int w, size_t top)
{
	size_t n = ui_doc_layout(d, w);
	for (int r = 0; r < h && top + (size_t)r < n; r++) {
		const struct ui_doc_row *row = &d->rows[top + (size_t)r];
		const struct ui_doc_item *it = &d->items[row->item];
		if (row->label) {
			/* a label sharing its row with text stops at the text */
			int lw = row->len ? row->text_col - it->indent - 1 : w - it->indent;
			crt_puts(y + r, x + it->indent, lw, it->label_color, it->label);
		}
		if (row->len)
			crt_put(y + r, x + row->text_col, w - row->text_col, it->text_color,
				it->text + row->off, row->len);
	}
}
