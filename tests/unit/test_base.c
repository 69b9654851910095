/* test_base.c - unit tests for the byte buffer, phrase matching, printable
 * rendering and the reason table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "decode/buf.h"
#include "decode/bytes.h"
#include "decode/printable.h"
#include "decode/reason.h"
#include "decode/textmatch.h"

static void test_buf_cap(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 8);
	assert_true(buf_append_str(&b, "12345"));
	assert_false(buf_append_str(&b, "6789")); /* 9 > 8: refused whole */
	assert_int_equal(b.len, 5);
	assert_true(buf_append_str(&b, "678"));
	assert_string_equal(buf_str(&b), "12345678");
	assert_false(buf_append_byte(&b, 'x'));
	buf_consume(&b, 3);
	assert_string_equal(buf_str(&b), "45678");
	assert_true(buf_printf(&b, "%d", 12));
	assert_false(buf_printf(&b, "%d", 1234));
	buf_free(&b);
}

static void test_textmatch(void **state)
{
	(void)state;
	const uint8_t *t = (const uint8_t *)"550 5.1.1 The email account that you tried\r\n  to reach does NOT exist";
	size_t n = strlen((const char *)t);
	assert_true(text_match(t, n, "account that you tried to reach"));
	assert_true(text_match(t, n, "email account*does not exist"));
	assert_false(text_match(t, n, "does not exist*email account"));
	assert_false(text_match(t, 10, "account"));
	assert_true(text_match(t, n, ""));
	const char *const pats[] = {"nope", "reach does", NULL};
	assert_true(text_match_any(t, n, pats));
}

static void test_printable(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 1024);
	const uint8_t in[] = "ok\x1b[31mred\r\n\xc3\xa9\xff\xc2\x9b";
	assert_true(printable_append(&b, in, sizeof in - 1));
	assert_string_equal(buf_str(&b), "ok\\e[31mred\\r\\n\xc3\xa9\\xFF\\xC2\\x9B");
	assert_false(printable_is_clean(in, sizeof in - 1));
	assert_true(printable_is_clean((const uint8_t *)"caf\xc3\xa9", 5));
	buf_free(&b);
}

/* The rendering rules byte by byte (printable.h): the reference. */
static void ref_printable(const uint8_t *p, size_t len, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		uint8_t c = p[i];
		size_t n = utf8_seq_len(p + i, len - i);
		if (n > 1) {
			memcpy(out + o, p + i, n);
			o += n, i += n;
			continue;
		}
		i++;
		if (n == 1 && c >= 0x20 && c != 0x7f)
			out[o++] = (char)c;
		else if (c == '\t')
			out[o++] = ' ';
		else if (c == '\r' || c == '\n' || c == 0x1b)
			o += (size_t)sprintf(out + o, "\\%c", c == '\r' ? 'r' : c == '\n' ? 'n' : 'e');
		else
			o += (size_t)sprintf(out + o, "\\x%02X", c);
	}
	out[o] = '\0';
}

/* Plain runs are copied 8 bytes at a time: one special byte (control, DEL,
 * UTF-8 lead, invalid byte) at every offset of strings of 1-40 bytes. */
static void test_printable_runs(void **state)
{
	(void)state;
	static const uint8_t specials[] = {0x00, 0x09, 0x0a, 0x0d, 0x1b, 0x1f, 0x7f, 0x80, 0xc3, 0xe2, 0xff, '~', ' '};
	uint8_t in[48];
	char want[48 * 4 + 1];
	for (size_t k = 0; k < sizeof specials; k++)
		for (size_t len = 1; len <= 40; len++)
			for (size_t at = 0; at < len; at++) {
				for (size_t i = 0; i < len; i++)
					in[i] = (uint8_t)('!' + (i * 7) % 94);
				in[at] = specials[k];
				if (specials[k] == 0xc3 && at + 1 < len)
					in[at + 1] = 0xa9; /* a whole two-byte sequence */
				ref_printable(in, len, want);
				struct buf b;
				buf_init(&b, 1024);
				assert_true(printable_append(&b, in, len));
				assert_string_equal(buf_str(&b), want);
				buf_free(&b);
			}
}

/* At the cap, a plain run fills the buffer to the cap exactly and the call
 * says the output was cut; what fits is the start of the full rendering. */
static void test_printable_cap(void **state)
{
	(void)state;
	const uint8_t *in = (const uint8_t *)"abcdefghijklmnopqrstuvwxyz0123456789\x01tail";
	size_t len = strlen((const char *)in);
	char want[256];
	ref_printable(in, len, want);
	for (size_t cap = 0; cap <= strlen(want); cap++) {
		struct buf b;
		buf_init(&b, cap);
		bool whole = printable_append(&b, in, len);
		assert_int_equal(whole, cap == strlen(want));
		assert_true(b.len <= cap);
		assert_memory_equal(b.data, want, b.len);
		if (cap <= 36) /* inside the plain run: filled to the cap */
			assert_int_equal(b.len, cap);
		buf_free(&b);
	}
}

/* Characters (columns) in a rendering: UTF-8 lead and ASCII bytes. */
static size_t ref_cols(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((uint8_t)s[i] & 0xC0) != 0x80;
	return c;
}

/* printable_append_cols gives the rendering of the longest start of the
 * input that fits, never part of a character or an escape: for every width,
 * the output is the rendering of some prefix of the input that is also the
 * start of the whole rendering, the longest such within the width. */
static void test_printable_cols(void **state)
{
	(void)state;
	static const char *const ins[] = {
		"abc\x1b[31m\xc3\xa9\xc3\xa9\xc3\xa9\x01tail",
		"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e mail@\xf0\x9f\x93\xa7.test",
		"\xff\xc3(\t\r\n\x7f\xe2\x82",
		"",
	};
	for (size_t k = 0; k < sizeof ins / sizeof ins[0]; k++) {
		const uint8_t *in = (const uint8_t *)ins[k];
		size_t len = strlen(ins[k]);
		char full[256], part[256];
		ref_printable(in, len, full);
		size_t full_cols = ref_cols(full, strlen(full));
		for (size_t cols = 0; cols <= full_cols + 2; cols++) {
			/* the expected cut: the longest fitting prefix rendering that
			 * starts the whole rendering */
			size_t want_len = 0;
			for (size_t n = 0; n <= len; n++) {
				ref_printable(in, n, part);
				size_t pl = strlen(part);
				if (!strncmp(part, full, pl) && ref_cols(part, pl) <= cols)
					want_len = pl;
			}
			struct buf b;
			buf_init(&b, 1024);
			size_t shown = 99;
			bool whole = printable_append_cols(&b, in, len, cols, &shown);
			assert_int_equal(whole, cols >= full_cols);
			assert_int_equal(b.len, want_len);
			assert_memory_equal(b.data ? b.data : (uint8_t *)"", full, want_len);
			assert_int_equal(shown, ref_cols(full, want_len));
			buf_free(&b);
		}
	}
}

static void test_reason_names(void **state)
{
	(void)state;
	for (int r = 0; r < REASON_LAST; r++) {
		const char *n = reason_name((enum reason)r);
		assert_int_equal(reason_from_name(n, strlen(n)), r);
		assert_non_null(reason_meaning((enum reason)r));
	}
	assert_int_equal(reason_from_name("bogus", 5), REASON_LAST);
}

/* Decimal and hex digits without printf, against printf: every digit count,
 * zero padding below and above the digits' own length. */
static void test_bytes_digits(void **state)
{
	(void)state;
	uint64_t v = 0;
	for (int k = 0; k < 2000; k++) {
		unsigned min = (unsigned)(k % 20);
		char want[48], end[48];
		char *p = bytes_xtoa_pad(v, min, end + sizeof end);
		snprintf(want, sizeof want, "%0*llx", (int)(min ? min : 1), (unsigned long long)v);
		assert_int_equal((size_t)(end + sizeof end - p), strlen(want));
		assert_memory_equal(p, want, strlen(want));
		p = bytes_utoa_pad(v, min, end + sizeof end);
		snprintf(want, sizeof want, "%0*llu", (int)(min ? min : 1), (unsigned long long)v);
		assert_int_equal((size_t)(end + sizeof end - p), strlen(want));
		assert_memory_equal(p, want, strlen(want));
		v = v * 7 + (uint64_t)k; /* every digit count, up to 2^64 - 1 after wrapping */
	}
	char end[20];
	char *p = bytes_xtoa_pad(UINT64_MAX, 1, end + 16);
	assert_memory_equal(p, "ffffffffffffffff", 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_bytes_digits),
		cmocka_unit_test(test_textmatch),
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_printable_runs),
		cmocka_unit_test(test_printable_cap),
		cmocka_unit_test(test_printable_cols),
		cmocka_unit_test(test_reason_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
