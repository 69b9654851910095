/* bytes.h - small helpers for hot paths over untrusted bytes: tests on 8
 * bytes at once ("has a byte less than n", "has a byte equal to c", exact as
 * booleans), and decimal digits without printf. */
#ifndef SMTPSCOPE_BYTES_H
#define SMTPSCOPE_BYTES_H
#include <stdbool.h>
#include <stdint.h>

#define BYTES_ONES 0x0101010101010101ull
#define BYTES_HIGH 0x8080808080808080ull

/* One of the 8 bytes of w is below n (n <= 128). */
static inline bool bytes_word_has_below(uint64_t w, uint8_t n)
{
	return ((w - BYTES_ONES * n) & ~w & BYTES_HIGH) != 0;
}

/* One of the 8 bytes of w equals c. */
static inline bool bytes_word_has(uint64_t w, uint8_t c)
{
	uint64_t x = w ^ (BYTES_ONES * c);
	return ((x - BYTES_ONES) & ~x & BYTES_HIGH) != 0;
}

/* One of the 8 bytes of w is 0x80 or above. */
static inline bool bytes_word_has_high(uint64_t w)
{
	return (w & BYTES_HIGH) != 0;
}

/* The decimal digits of v, at least min of them (zeros before), written
 * backwards ending at end (room for max(20, min) bytes before it); returns
 * where they begin. */
static inline char *bytes_utoa_pad(uint64_t v, unsigned min, char *end)
{
	char *p = end;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v || (unsigned)(end - p) < min);
	return p;
}

/* bytes_utoa_pad without zeros before. */
static inline char *bytes_utoa(uint64_t v, char *end)
{
	return bytes_utoa_pad(v, 1, end);
}

#endif
