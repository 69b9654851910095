/* printable.c - render untrusted bytes safely for a terminal (see printable.h). */
#include "printable.h"
#include "bytes.h"

#include <stdio.h>

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

bool printable_append(struct buf *out, const uint8_t *p, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t run = bytes_plain_run(p, len, i, 0x7f, 0x7f); /* printable ASCII */
		if (run > i) { /* copied at once; up to the cap when it is reached */
			size_t n = run - i, room = out->max - out->len;
			if (n > room) {
				buf_append(out, p + i, room);
				return false;
			}
			if (!buf_append(out, p + i, n))
				return false;
			i = run;
			continue;
		}
		uint8_t c = p[i];
		size_t n = utf8_seq_len(p + i, len - i);
		bool ok;
		if (n > 1) {
			ok = buf_append(out, p + i, n);
		} else if (n == 1 && printable_byte_ok(c)) {
			ok = buf_append_byte(out, c);
		} else {
			n = 1;
			char esc[8];
			if (c == '\t')
				snprintf(esc, sizeof esc, " ");
			else if (c == '\r')
				snprintf(esc, sizeof esc, "\\r");
			else if (c == '\n')
				snprintf(esc, sizeof esc, "\\n");
			else if (c == 0x1B)
				snprintf(esc, sizeof esc, "\\e");
			else
				snprintf(esc, sizeof esc, "\\x%02X", c);
			ok = buf_append_str(out, esc);
		}
		if (!ok)
			return false;
		i += n;
	}
	return true;
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
