/* test_base.c - unit tests for the byte buffer, phrase matching, printable
 * rendering and the reason table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "decode/buf.h"
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_textmatch),
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_reason_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
