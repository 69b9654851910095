/* ui_text.c - display widths and word wrapping of UTF-8 text (see ui_text.h;
 * RFC 3629 for UTF-8, UAX #11 widths as the C library's wcwidth knows them). */
#include "tui/ui_text.h"
#include "decode/printable.h"

#include <stdbool.h>
#include <wchar.h>

size_t ui_utf8_next(const char *s, size_t len, uint32_t *cp)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = utf8_seq_len(p, len);
	if (n == 0) {
		/* C1 controls are valid UTF-8 that utf8_seq_len refuses: decode
		 * them anyway so they are counted as one character. */
		if (len >= 2 && p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
			*cp = p[1];
			return 2;
		}
		*cp = UI_CP_BAD;
		return 1;
	}
	if (n == 1) {
		*cp = p[0];
		return 1;
	}
	uint32_t v = p[0] & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
	for (size_t i = 1; i < n; i++)
		v = (v << 6) | (p[i] & 0x3F);
	*cp = v;
	return n;
}

size_t ui_utf8_prev(const char *s, size_t len)
{
	/* Step back over at most three continuation bytes, then check that the
	 * sequence found really ends at len. */
	size_t back = 1;
	while (back < 4 && back < len && ((uint8_t)s[len - back] & 0xC0) == 0x80)
		back++;
	if (back > 1) {
		uint32_t cp;
		if (ui_utf8_next(s + len - back, back, &cp) == back)
			return back;
	}
	return 1;
}

size_t ui_utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return 0;
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	if (cp > 0x10FFFF)
		return 0;
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

int ui_cp_printable(uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
		return 0;
	if (cp < 0x7F)
		return 1;
	return wcwidth((wchar_t)cp) >= 0;
}

int ui_cp_width(uint32_t cp)
{
	if (cp >= 0x20 && cp < 0x7F)
		return 1;
	if (!ui_cp_printable(cp))
		return 1; /* drawn as '?' */
	int w = wcwidth((wchar_t)cp);
	return w > 2 ? 2 : w;
}

int ui_text_width(const char *s, size_t len)
{
	int w = 0;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		i += ui_utf8_next(s + i, len - i, &cp);
		w += ui_cp_width(cp);
	}
	return w;
}

size_t ui_text_fit(const char *s, size_t len, int cols, int *used)
{
	int w = 0;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = ui_utf8_next(s + i, len - i, &cp);
		int cw = ui_cp_width(cp);
		if (w + cw > cols)
			break;
		w += cw;
		i += n;
	}
	if (used)
		*used = w;
	return i;
}

static size_t ui_wrap_emit(struct ui_span *out, size_t max, size_t nlines, const char *s,
			   size_t off, size_t end)
{
	while (end > off && s[end - 1] == ' ')
		end--;
	if (nlines < max) {
		out[nlines].off = off;
		out[nlines].len = end - off;
	}
	return nlines + 1;
}

/* Where to break the segment s[a..b) for width columns: b when it all fits,
 * else the break offset (> a). */
static size_t ui_wrap_break(const char *s, size_t a, size_t b, int width)
{
	size_t i = a, last_space = 0;
	bool have_space = false;
	int cols = 0;
	while (i < b) {
		uint32_t cp;
		size_t n = ui_utf8_next(s + i, b - i, &cp);
		int w = ui_cp_width(cp);
		if (cols + w > width)
			break;
		if (cp == ' ' && i > a) {
			last_space = i;
			have_space = true;
		}
		cols += w;
		i += n;
	}
	if (i == b)
		return b; /* everything fits */
	if (s[i] == ' ')
		return i; /* the first character that does not fit is a space */
	if (have_space)
		return last_space;
	if (i == a) {
		uint32_t cp;
		i += ui_utf8_next(s + a, b - a, &cp); /* wider than the line: take one */
	}
	return i;
}

static size_t ui_wrap_segment(const char *s, size_t a, size_t b, int width, struct ui_span *out,
			      size_t max, size_t nlines)
{
	if (a == b)
		return ui_wrap_emit(out, max, nlines, s, a, b);
	while (a < b) {
		size_t brk = ui_wrap_break(s, a, b, width);
		nlines = ui_wrap_emit(out, max, nlines, s, a, brk);
		a = brk;
		while (a < b && s[a] == ' ')
			a++;
	}
	return nlines;
}

size_t ui_wrap(const char *s, size_t len, int width, struct ui_span *out, size_t max)
{
	if (width < 1)
		width = 1;
	if (len == 0)
		return ui_wrap_emit(out, max, 0, s, 0, 0);
	size_t nlines = 0, a = 0;
	while (a < len) {
		size_t b = a;
		while (b < len && s[b] != '\n')
			b++;
		nlines = ui_wrap_segment(s, a, b, width, out, max, nlines);
		a = b + 1;
	}
	return nlines;
}
