/* out.c - plain-text output helpers: sanitised strings and wrapped fields. */
#include "tui/out.h"
#include "decode/buf.h"
#include "decode/printable.h"

#include <stdbool.h>
#include <string.h>

#define OUT_LABEL_WIDTH 14

void out_safe(FILE *f, const uint8_t *p, size_t len)
{
	struct buf b;
	buf_init(&b, len * 4 + 16);
	printable_append(&b, p, len);
	fwrite(b.data ? b.data : (uint8_t *)"", 1, b.len, f);
	buf_free(&b);
}

bool out_safe_cols(FILE *f, const uint8_t *p, size_t len, size_t cols)
{
	struct buf b;
	size_t shown;
	buf_init(&b, cols * 4 + 16);
	bool whole = printable_append_cols(&b, p, len, cols, &shown);
	fwrite(b.data ? b.data : (uint8_t *)"", 1, b.len, f);
	buf_free(&b);
	return whole;
}

void out_safe_str(FILE *f, const char *s)
{
	if (s)
		out_safe(f, (const uint8_t *)s, strlen(s));
}

/* Print one wrapped line's worth of text starting at s; returns bytes used. */
static size_t out_wrap_line(FILE *f, const char *s, size_t len, size_t room)
{
	if (len <= room) {
		out_safe(f, (const uint8_t *)s, len);
		return len;
	}
	size_t cut = room;
	while (cut > 0 && s[cut] != ' ')
		cut--;
	if (cut == 0)
		cut = room; /* one long word: hard break */
	out_safe(f, (const uint8_t *)s, cut);
	while (cut < len && s[cut] == ' ')
		cut++;
	return cut;
}

void out_field(FILE *f, const char *label, const char *text, int width)
{
	if (!text || !*text)
		return;
	size_t room = width > OUT_LABEL_WIDTH + 20 ? (size_t)(width - OUT_LABEL_WIDTH - 2) : 40;
	fprintf(f, "  %-*s", OUT_LABEL_WIDTH, label);
	size_t len = strlen(text);
	size_t pos = 0;
	bool first = true;
	while (pos < len) {
		if (!first)
			fprintf(f, "\n  %-*s", OUT_LABEL_WIDTH, "");
		pos += out_wrap_line(f, text + pos, len - pos, room);
		first = false;
	}
	fputc('\n', f);
}
