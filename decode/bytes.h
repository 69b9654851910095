/* bytes.h - small helpers for hot paths over untrusted bytes: tests on 8
 * bytes at once ("has a byte less than n", "has a byte equal to c", exact as
 * booleans), runs of printable ASCII found 16 (SSE2) or 8 bytes at a time,
 * and decimal and hex digits without printf. */
#ifndef SMTPSCOPE_BYTES_H
#define SMTPSCOPE_BYTES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

/* Plain bytes: printable ASCII (0x20-0x7e) other than a and b (pass 0x7f
 * for either to exclude nothing more). Text runs of them are copied as
 * they are by the JSON writer (a '"', b '\\') and the terminal renderer. */
static inline bool bytes_plain(uint8_t c, uint8_t a, uint8_t b)
{
	return c >= 0x20 && c < 0x7f && c != a && c != b;
}

/* All 8 bytes of w are plain. */
static inline bool bytes_word_plain(uint64_t w, uint8_t a, uint8_t b)
{
	return !bytes_word_has_below(w, 0x20) && !bytes_word_has_high(w) && !bytes_word_has(w, 0x7f) &&
	       !bytes_word_has(w, a) && !bytes_word_has(w, b);
}

#ifdef __SSE2__
/* Bit k set when byte k of v is not plain (compared as signed bytes, 0x80
 * and above are below 0x20). */
static inline unsigned bytes_vec_not_plain(__m128i v, uint8_t a, uint8_t b)
{
	__m128i ok = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x1f)), _mm_cmplt_epi8(v, _mm_set1_epi8(0x7f)));
	__m128i no = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)a)), _mm_cmpeq_epi8(v, _mm_set1_epi8((char)b)));
	return (unsigned)_mm_movemask_epi8(_mm_andnot_si128(no, ok)) ^ 0xffffu;
}
#endif

/* Where the run of plain bytes from p[i] ends (at most len). With SSE2 and
 * 16 bytes or more, 16 at a time, the last block being the final 16 bytes
 * of p (never read past len); else 8 at a time, then one by one. */
static inline size_t bytes_plain_run(const uint8_t *p, size_t len, size_t i, uint8_t a, uint8_t b)
{
#ifdef __SSE2__
	if (len >= 16) {
		for (; len - i >= 16; i += 16) {
			unsigned m = bytes_vec_not_plain(_mm_loadu_si128((const __m128i *)(const void *)(p + i)), a, b);
			if (m)
				return i + (size_t)__builtin_ctz(m);
		}
		if (i == len)
			return len;
		size_t s = len - 16; /* i - s is 1..15: the bytes before i are not looked at again */
		unsigned m = bytes_vec_not_plain(_mm_loadu_si128((const __m128i *)(const void *)(p + s)), a, b) &
			     (0xffffu << (i - s));
		return m ? s + (size_t)__builtin_ctz(m) : len;
	}
#endif
	while (len - i >= 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if (!bytes_word_plain(w, a, b))
			break;
		i += 8;
	}
	while (i < len && bytes_plain(p[i], a, b))
		i++;
	return i;
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

/* v in lower-case hex, at least min digits (zeros before), written backwards
 * ending at end (room for max(16, min) bytes before it); returns where they
 * begin. */
static inline char *bytes_xtoa_pad(uint64_t v, unsigned min, char *end)
{
	char *p = end;
	do {
		*--p = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v || (unsigned)(end - p) < min);
	return p;
}

/* bytes_utoa_pad without zeros before. */
static inline char *bytes_utoa(uint64_t v, char *end)
{
	return bytes_utoa_pad(v, 1, end);
}

#endif
