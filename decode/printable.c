/* printable.c - render untrusted bytes safely for a terminal (see printable.h). */
#include "printable.h"
#include "bytes.h"

#include <stdio.h>
#include <string.h>

size_t utf8_seq_len(const uint8_t *p, size_t len)
{
	if (len == 0)
		return 0;
	uint8_t c = p[0];
	if (c < 0x80)
		return 1;
	size_t n;
	uint32_t cp;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return 0;
	if (cp >= 0x80 && cp <= 0x9F) /* C1 controls */
		return 0;
	return n;
}

static bool printable_byte_ok(uint8_t c)
{
	return c >= 0x20 && c != 0x7F;
}

/* One piece of the rendering: a run of printable ASCII, one UTF-8 character,
 * or the escape for one byte. */
struct printable_unit {
	const uint8_t *out; /* the rendering: into the input, or esc */
	size_t out_len;
	size_t in_len;  /* input bytes it stands for */
	size_t cols;    /* characters shown */
	bool run;       /* a run of ASCII: may be cut anywhere */
	char esc[8];
};

static void printable_next(const uint8_t *p, size_t len, size_t i, struct printable_unit *u)
{
	size_t run = bytes_plain_run(p, len, i, 0x7f, 0x7f); /* printable ASCII */
	u->out = p + i;
	u->run = run > i;
	if (u->run) {
		u->in_len = u->out_len = u->cols = run - i;
		return;
	}
	uint8_t c = p[i];
	size_t n = utf8_seq_len(p + i, len - i);
	u->cols = 1;
	if (n > 1 || (n == 1 && printable_byte_ok(c))) {
		u->in_len = u->out_len = n;
		return;
	}
	if (c == '\t')
		snprintf(u->esc, sizeof u->esc, " ");
	else if (c == '\r')
		snprintf(u->esc, sizeof u->esc, "\\r");
	else if (c == '\n')
		snprintf(u->esc, sizeof u->esc, "\\n");
	else if (c == 0x1B)
		snprintf(u->esc, sizeof u->esc, "\\e");
	else
		snprintf(u->esc, sizeof u->esc, "\\x%02X", c);
	u->out = (const uint8_t *)u->esc;
	u->in_len = 1;
	u->out_len = u->cols = strlen(u->esc);
}

bool printable_append(struct buf *out, const uint8_t *p, size_t len)
{
	struct printable_unit u;
	for (size_t i = 0; i < len; i += u.in_len) {
		printable_next(p, len, i, &u);
		size_t room = out->max - out->len;
		if (u.run && u.out_len > room) { /* up to the cap when it is reached */
			buf_append(out, u.out, room);
			return false;
		}
		if (!buf_append(out, u.out, u.out_len))
			return false;
	}
	return true;
}

bool printable_append_cols(struct buf *out, const uint8_t *p, size_t len, size_t cols, size_t *shown)
{
	struct printable_unit u;
	bool whole = true;
	*shown = 0;
	for (size_t i = 0; i < len && whole; i += u.in_len) {
		printable_next(p, len, i, &u);
		size_t n = u.out_len;
		if (u.cols > cols - *shown) {
			whole = false;
			if (!u.run)
				break;
			n = cols - *shown; /* ASCII: as much as fits */
		}
		if (!buf_append(out, u.out, n))
			return false;
		*shown += u.run ? n : u.cols;
	}
	return whole;
}

bool printable_is_clean(const uint8_t *p, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t n = utf8_seq_len(p + i, len - i);
		if (n == 0 || (n == 1 && !printable_byte_ok(p[i])))
			return false;
		i += n;
	}
	return true;
}
