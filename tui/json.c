/* json.c - streaming JSON writer (RFC 8259), see json.h. */
#include "json.h"
#include "decode/bytes.h"
#include "decode/printable.h"

#include <stdio.h>
#include <stdint.h>
#include <string.h>

static void json_setup(struct json *j, FILE *out, bool pretty, bool buffered)
{
	j->out = out;
	j->depth = 0;
	memset(j->first, 0, sizeof j->first);
	j->first[0] = true;
	j->after_key = false;
	j->pretty = pretty;
	j->buffered = buffered;
	j->len = 0;
}

void json_init(struct json *j, FILE *out, bool pretty)
{
	json_setup(j, out, pretty, false);
}

void json_init_buffered(struct json *j, FILE *out, bool pretty)
{
	json_setup(j, out, pretty, true);
}

void json_flush(struct json *j)
{
	if (j->len)
		fwrite(j->buf, 1, j->len, j->out);
	j->len = 0;
}

/* The end of every public call: an unbuffered writer hands its bytes over. */
static void json_done(struct json *j)
{
	if (!j->buffered)
		json_flush(j);
}

/* json_put when the bytes do not fit in what is left of the buffer. */
static void json_put_slow(struct json *j, const void *p, size_t n)
{
	json_flush(j);
	if (n >= sizeof j->buf) {
		fwrite(p, 1, n, j->out);
		return;
	}
	memcpy(j->buf, p, n);
	j->len = n;
}

static inline void json_put(struct json *j, const void *p, size_t n)
{
	if (n > sizeof j->buf - j->len) {
		json_put_slow(j, p, n);
		return;
	}
	memcpy(j->buf + j->len, p, n);
	j->len += n;
}

static inline void json_putc(struct json *j, char c)
{
	if (j->len == sizeof j->buf)
		json_flush(j);
	j->buf[j->len++] = c;
}

static void json_puts(struct json *j, const char *s)
{
	json_put(j, s, strlen(s));
}

static void json_indent(struct json *j)
{
	if (!j->pretty)
		return;
	json_putc(j, '\n');
	for (int i = 0; i < j->depth; i++)
		json_put(j, "  ", 2);
}

/* Called before every value or key: writes the separating comma. */
static inline void json_sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		json_putc(j, ',');
	j->first[j->depth] = false;
	if (j->depth > 0)
		json_indent(j);
}

static void json_open(struct json *j, char c)
{
	json_sep(j);
	json_putc(j, c);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
	json_done(j);
}

static void json_close(struct json *j, char c)
{
	bool empty = j->first[j->depth];
	if (j->depth > 0)
		j->depth--;
	if (!empty)
		json_indent(j);
	json_putc(j, c);
	json_done(j);
}

void json_obj_begin(struct json *j) { json_open(j, '{'); }
void json_obj_end(struct json *j) { json_close(j, '}'); }
void json_arr_begin(struct json *j) { json_open(j, '['); }
void json_arr_end(struct json *j) { json_close(j, ']'); }

/* Bytes that can be written as they are inside a JSON string: printable
 * ASCII except '"' and '\\' (bytes.h). */
static inline bool json_plain(uint8_t c)
{
	return bytes_plain(c, '"', '\\');
}

static void json_write_special(struct json *j, const uint8_t *p, size_t len, size_t *i)
{
	uint8_t c = p[*i];
	size_t n = c < 0x80 ? 1 : utf8_seq_len(p + *i, len - *i);
	if (n > 1) {
		json_put(j, p + *i, n);
		*i += n;
		return;
	}
	(*i)++;
	if (n == 0) {
		json_put(j, "\\ufffd", 6); /* invalid UTF-8 or a C1 control */
		return;
	}
	char e[6] = {'\\', (char)c};
	size_t elen = 2;
	if (c == '\n')
		e[1] = 'n';
	else if (c == '\r')
		e[1] = 'r';
	else if (c == '\t')
		e[1] = 't';
	else if (c != '"' && c != '\\') {
		memcpy(e, "\\u00", 4);
		bytes_xtoa_pad(c, 2, e + 6);
		elen = 6;
	}
	json_put(j, e, elen);
}

/* Bytes from i on that can be copied as they are. */
static size_t json_plain_run(const uint8_t *p, size_t len, size_t i)
{
	return bytes_plain_run(p, len, i, '"', '\\');
}

/* Copy p[0..len) to d while every byte is plain; false at the first that is
 * not (what was stored before it is left to be overwritten). */
static bool json_copy_plain_bytes(char *d, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!json_plain(p[i]))
			return false;
		d[i] = (char)p[i];
	}
	return true;
}

#ifdef __SSE2__
/* json_copy_plain_bytes for len >= 16, 16 bytes at a time; d has room for
 * len rounded up to 16. The last block is the final 16 bytes again. */
static bool json_copy_plain_blocks(char *d, const uint8_t *p, size_t len)
{
	size_t i = 0;
	for (; len - i >= 16; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		if (bytes_vec_not_plain(v, '"', '\\'))
			return false;
		_mm_storeu_si128((__m128i *)(void *)(d + i), v);
	}
	if (i < len) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + len - 16));
		if (bytes_vec_not_plain(v, '"', '\\'))
			return false;
		_mm_storeu_si128((__m128i *)(void *)(d + len - 16), v);
	}
	return true;
}
#else
static bool json_copy_plain_blocks(char *d, const uint8_t *p, size_t len)
{
	return json_copy_plain_bytes(d, p, len);
}
#endif

/* json_write_escaped of a string with nothing to escape, while the buffer has
 * room for it: stored into the buffer as it is checked, without a second
 * pass or a memcpy call. False, with nothing written, when a byte needs
 * escaping or the buffer is too full. */
static bool json_write_plain_fast(struct json *j, const uint8_t *p, size_t len)
{
	if (len + 2 + 16 > sizeof j->buf - j->len)
		return false;
	char *d = j->buf + j->len + 1;
	if (!(len < 16 ? json_copy_plain_bytes(d, p, len) : json_copy_plain_blocks(d, p, len)))
		return false;
	j->buf[j->len] = '"';
	d[len] = '"';
	j->len += len + 2;
	return true;
}

/* Runs of plain bytes are copied at once. */
static void json_write_escaped(struct json *j, const uint8_t *p, size_t len)
{
	if (json_write_plain_fast(j, p, len))
		return;
	json_putc(j, '"');
	size_t i = 0;
	while (i < len) {
		size_t run = json_plain_run(p, len, i);
		if (run > i) {
			json_put(j, p + i, run - i);
			i = run;
			continue;
		}
		json_write_special(j, p, len, &i);
	}
	json_putc(j, '"');
}

/* After a key: the space of the pretty form, and the value comes next. */
static void json_key_end(struct json *j)
{
	if (j->pretty)
		json_putc(j, ' ');
	j->after_key = true;
	json_done(j);
}

void json_key(struct json *j, const char *key)
{
	json_sep(j);
	json_write_escaped(j, (const uint8_t *)key, strlen(key));
	json_putc(j, ':');
	json_key_end(j);
}

void json_key_quoted(struct json *j, const char *quoted, size_t n)
{
	json_sep(j);
	json_put(j, quoted, n);
	json_key_end(j);
}

void json_strn(struct json *j, const uint8_t *p, size_t len)
{
	json_sep(j);
	json_write_escaped(j, p, len);
	json_done(j);
}

void json_str(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	json_strn(j, (const uint8_t *)s, strlen(s));
}

static void json_put_int(struct json *j, long long v)
{
	char tmp[24];
	char *end = tmp + sizeof tmp;
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	char *p = bytes_utoa(u, end);
	if (v < 0)
		*--p = '-';
	json_put(j, p, (size_t)(end - p));
}

void json_int(struct json *j, long long v)
{
	json_sep(j);
	json_put_int(j, v);
	json_done(j);
}

void json_double(struct json *j, double v)
{
	json_sep(j);
	if (v != v || v > 1e300 || v < -1e300) {
		json_put(j, "null", 4);
	} else {
		char tmp[340];
		int n = snprintf(tmp, sizeof tmp, "%.3f", v);
		if (n > 0)
			json_put(j, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
	}
	json_done(j);
}

void json_milli(struct json *j, int64_t v)
{
	json_sep(j);
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	char tmp[32];
	char *end = tmp + sizeof tmp;
	char *p = bytes_utoa_pad(u % 1000, 3, end);
	*--p = '.';
	p = bytes_utoa(u / 1000, p);
	if (v < 0)
		*--p = '-';
	json_put(j, p, (size_t)(end - p));
	json_done(j);
}

void json_bool(struct json *j, bool v)
{
	json_sep(j);
	json_puts(j, v ? "true" : "false");
	json_done(j);
}

void json_null(struct json *j)
{
	json_sep(j);
	json_put(j, "null", 4);
	json_done(j);
}

void json_end_line(struct json *j)
{
	json_putc(j, '\n');
	json_flush(j);
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
}
