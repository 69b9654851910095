/* buf.h - growable byte buffer with a fixed maximum size, for all untrusted input.
 * An append past the cap fails and leaves the buffer unchanged. The data is
 * always NUL-terminated (not counted in len) so text can be printed safely,
 * but parsers must use len, never the NUL. The owner frees with buf_free(). */
#ifndef SMTPSCOPE_BUF_H
#define SMTPSCOPE_BUF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf {
	uint8_t *data;
	size_t len;
	size_t alloc;
	size_t max;
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
/* Room for n more bytes (and the NUL) allocated now; false when len + n
 * would exceed max. */
bool buf_reserve(struct buf *b, size_t n);
/* buf_append when the buffer must grow (or cannot). */
bool buf_append_grow(struct buf *b, const void *p, size_t n);
/* Append n bytes; false (and nothing appended) when the result would exceed max.
 * Inline for the common case, room already allocated: parsers append every
 * line of every session of a capture. */
static inline bool buf_append(struct buf *b, const void *p, size_t n)
{
	if (b->alloc - b->len > n && b->len + n <= b->max) { /* alloc > len + n: room for the NUL */
		if (n)
			memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return true;
	}
	return buf_append_grow(b, p, n);
}
bool buf_append_str(struct buf *b, const char *s);
static inline bool buf_append_byte(struct buf *b, uint8_t c)
{
	return buf_append(b, &c, 1);
}
/* printf-style append; false when the result would exceed max. */
bool buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes (n <= len). */
void buf_consume(struct buf *b, size_t n);
/* The contents as a C string (never NULL). */
const char *buf_str(const struct buf *b);

#endif
