/* ui_doc.h - a scrollable document of headings, labelled fields and plain
 * paragraphs, word-wrapped to the window width again whenever it changes.
 * Every string is made printable when added: untrusted text is never drawn raw. */
#ifndef SMTPSCOPE_UI_DOC_H
#define SMTPSCOPE_UI_DOC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tui/crt.h"

/* Bytes kept of one item's text once made printable (escapes take up to four
 * bytes per input byte, so a 16 KiB reply fits). */
#define UI_DOC_ITEM_MAX 65536

struct ui_doc_item {
	char *label;              /* NULL for headings and paragraphs */
	char *text;               /* printable UTF-8 */
	enum crt_color label_color, text_color;
	int indent;               /* columns before the item */
};

/* One screen row: a piece of an item's text, or its label alone (off = len
 * = 0 and label set) on narrow windows. */
struct ui_doc_row {
	size_t item;
	size_t off, len;
	bool label;               /* this row starts with the item's label */
	int text_col;             /* column where the text starts */
};

struct ui_doc {
	struct ui_doc_item *items;
	size_t nitems;
	int label_width;          /* columns reserved for labels */
	struct ui_doc_row *rows;  /* layout for `width`, rebuilt when it changes */
	size_t nrows;
	int width;                /* 0: layout out of date */
};

void ui_doc_init(struct ui_doc *d, int label_width);
void ui_doc_free(struct ui_doc *d);
void ui_doc_clear(struct ui_doc *d);

/* "  Label:  text", text wrapped under itself; nothing when text is empty. */
void ui_doc_field(struct ui_doc *d, const char *label, const uint8_t *p, size_t len,
		  enum crt_color c);
void ui_doc_field_str(struct ui_doc *d, const char *label, const char *s, enum crt_color c);
/* A paragraph (may be empty: a blank row) at the given indent. */
void ui_doc_text(struct ui_doc *d, int indent, const uint8_t *p, size_t len, enum crt_color c);
void ui_doc_text_str(struct ui_doc *d, int indent, const char *s, enum crt_color c);
void ui_doc_blank(struct ui_doc *d);

/* Lay the document out for width columns (cached); returns the row count. */
size_t ui_doc_layout(struct ui_doc *d, int width);
/* Draw rows [top, top + h) at (y, x) in a window w wide. */
void ui_doc_draw(struct ui_doc *d, int y, int x, int h, int w, size_t top);

#endif
