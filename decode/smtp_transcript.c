/* smtp_transcript.c - read the "C: / S: " SMTP transcript format and feed it to the parser in any chunking (RFC 5321 dialogue as text). */
#include "smtp_transcript.h"
#include "xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode C escapes of p[0..n) onto out; false on a bad escape or overflow. */
static bool unescape(const uint8_t *p, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c == '\\') {
			if (++i >= n)
				return false;
			switch (p[i]) {
			case 'r': c = '\r'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case '0': c = 0; break;
			case '\\': c = '\\'; break;
			case 'x': {
				int h = i + 2 < n ? hexval(p[i + 1]) : -1, l = i + 2 < n ? hexval(p[i + 2]) : -1;
				if (h < 0 || l < 0)
					return false;
				c = (uint8_t)(h * 16 + l);
				i += 2;
				break;
			}
			default:
				return false;
			}
		}
		if (!buf_append_byte(out, c))
			return false;
	}
	return true;
}

static bool parse_num(const uint8_t *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t i = 0;
	while (i < n && p[i] == ' ')
		i++;
	if (i == n)
		return false;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9' || x > UINT64_MAX / 10 - 10)
			return false;
		x = x * 10 + (uint64_t)(p[i] - '0');
	}
	*v = x;
	return true;
}

static struct smtp_transcript_item *item_add(struct smtp_transcript *t)
{
	if (t->nitems == t->alloc) {
		t->alloc = t->alloc ? t->alloc * 2 : 32;
		t->items = xreallocarray(t->items, t->alloc, sizeof *t->items);
	}
	struct smtp_transcript_item *it = &t->items[t->nitems++];
	memset(it, 0, sizeof *it);
	return it;
}

/* One line of the transcript; false on a syntax error. */
static bool parse_line(struct smtp_transcript *t, const uint8_t *l, size_t n, int64_t *ts, bool *ts_set)
{
	uint64_t v;
	if (n == 0 || l[0] == '#')
		return true;
	if (n == 12 && memcmp(l, "!no-greeting", 12) == 0)
		return t->no_greeting = true;
	if (n == 10 && memcmp(l, "!truncated", 10) == 0)
		return t->truncated = true;
	if (l[0] == '@') {
		bool rel = n > 1 && l[1] == '+';
		if (!parse_num(l + 1 + rel, n - 1 - rel, &v) || v > INT64_MAX / 2)
			return false;
		*ts = rel ? *ts + (int64_t)v : (int64_t)v;
		*ts_set = true;
		return true;
	}
	if (n < 2 || (l[0] != 'C' && l[0] != 'S' && l[0] != 'G') || (l[1] != ':' && l[1] != '='))
		return false;
	if (!*ts_set)
		*ts += 1000;
	*ts_set = false;
	size_t s = (n > 2 && l[2] == ' ') ? 3 : 2;
	struct smtp_transcript_item *it = item_add(t);
	it->ts = *ts;
	if (l[0] == 'G') {
		if (n < s + 2 || (l[s] != 'C' && l[s] != 'S') || !parse_num(l + s + 1, n - s - 1, &v))
			return false;
		it->gap = true;
		it->dir = l[s] == 'C' ? SMTP_DIR_CLIENT : SMTP_DIR_SERVER;
		it->gap_len = v;
		return true;
	}
	it->dir = l[0] == 'C' ? SMTP_DIR_CLIENT : SMTP_DIR_SERVER;
	it->off = t->bytes.len;
	if (!unescape(l + s, n - s, &t->bytes) || (l[1] == ':' && !buf_append(&t->bytes, "\r\n", 2)))
		return false;
	it->len = t->bytes.len - it->off;
	return true;
}

bool smtp_transcript_parse(const uint8_t *p, size_t len, struct smtp_transcript *t, char *err, size_t errsize)
{
	memset(t, 0, sizeof *t);
	buf_init(&t->bytes, SMTP_TRANSCRIPT_MAX);
	int64_t ts = 0;
	bool ts_set = false;
	size_t lineno = 0;
	for (size_t i = 0; i < len;) {
		const uint8_t *nl = memchr(p + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - p) : len;
		lineno++;
		size_t n = e - i;
		if (n && p[i + n - 1] == '\r')
			n--;
		if (!parse_line(t, p + i, n, &ts, &ts_set)) {
			if (err && errsize)
				snprintf(err, errsize, "transcript line %zu: syntax error", lineno);
			smtp_transcript_free(t);
			buf_init(&t->bytes, SMTP_TRANSCRIPT_MAX);
			return false;
		}
		i = e + 1;
	}
	return true;
}

void smtp_transcript_free(struct smtp_transcript *t)
{
	free(t->items);
	buf_free(&t->bytes);
	t->items = NULL;
	t->nitems = t->alloc = 0;
}

void smtp_transcript_feed(const struct smtp_transcript *t, struct smtp_parser *p, size_t (*chunk)(void *u),
			  void *u)
{
	int64_t last = 0;
	for (size_t i = 0; i < t->nitems; i++) {
		const struct smtp_transcript_item *it = &t->items[i];
		last = it->ts;
		if (it->gap) {
			smtp_gap(p, it->dir, it->gap_len);
			continue;
		}
		const uint8_t *d = t->bytes.data + it->off;
		size_t k = 0;
		while (k < it->len) {
			size_t n = chunk ? chunk(u) : it->len;
			if (n == 0)
				n = 1;
			if (n > it->len - k)
				n = it->len - k;
			smtp_feed(p, it->dir, d + k, n, it->ts);
			k += n;
		}
	}
	smtp_finish(p, last + 1000);
}
