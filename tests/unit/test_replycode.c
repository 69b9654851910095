/* test_replycode.c - unit tests for the SMTP basic reply code table (RFC 5321
 * 4.2, RFC 3207, RFC 4954, RFC 7504). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "decode/replycode.h"

/* RFC 5321 4.2.3, plus 521/556 (RFC 7504), the AUTH codes (RFC 4954) and
 * 454 (RFC 3207). */
static const int required[] = {
	211, 214, 220, 221, 235, 250, 251, 252, 334, 354, 421, 432, 450, 451, 452, 454,
	455, 500, 501, 502, 503, 504, 521, 530, 534, 535, 538, 550, 551, 552, 553, 554,
	555, 556,
};

static void test_required_codes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
		const struct replycode_info *r = replycode_lookup(required[i]);
		if (!r)
			fail_msg("reply code %d missing", required[i]);
		assert_int_equal(r->code, required[i]);
	}
}

static void test_unknown_codes(void **state)
{
	(void)state;
	static const int unknown[] = {0, -1, 199, 299, 422, 599, 600, 1000, 571};
	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
		assert_null(replycode_lookup(unknown[i]));
}

static void test_table_complete(void **state)
{
	(void)state;
	size_t n = replycode_count();

	assert_true(n >= sizeof required / sizeof required[0]);
	for (size_t i = 0; i < n; i++) {
		const struct replycode_info *r = replycode_at(i);
		assert_non_null(r);
		if (!r->title[0] || !r->meaning[0] || !r->cause[0] || !r->fix[0] || !r->source[0])
			fail_msg("%d has an empty field", r->code);
		assert_true(r->code >= 200 && r->code <= 559);
		assert_ptr_equal(replycode_lookup(r->code), r);
		if (i > 0)
			assert_true(replycode_at(i - 1)->code < r->code);
		/* success and intermediate replies are not failures; the others are */
		if (r->code < 400)
			assert_int_equal(r->reason, REASON_NONE);
		else if (r->reason == REASON_NONE || r->reason == REASON_UNDEFINED ||
			 (unsigned)r->reason >= REASON_LAST)
			fail_msg("%d has no failure reason", r->code);
	}
	assert_null(replycode_at(n));
}

static void test_reasons_and_sources(void **state)
{
	(void)state;
	assert_int_equal(replycode_lookup(535)->reason, REASON_SECURITYERROR);
	assert_int_equal(replycode_lookup(538)->reason, REASON_FAILEDSTARTTLS);
	assert_int_equal(replycode_lookup(521)->reason, REASON_NOTACCEPT);
	assert_int_equal(replycode_lookup(556)->reason, REASON_NOTACCEPT);
	assert_int_equal(replycode_lookup(552)->reason, REASON_MAILBOXFULL);
	assert_int_equal(replycode_lookup(500)->reason, REASON_SYNTAXERROR);
	assert_non_null(strstr(replycode_lookup(521)->source, "RFC 7504"));
	assert_non_null(strstr(replycode_lookup(535)->source, "RFC 4954"));
	assert_non_null(strstr(replycode_lookup(550)->source, "RFC 5321"));
	/* 500 covers overlong lines */
	assert_non_null(strstr(replycode_lookup(500)->meaning, "too long"));
}

static void test_digit_meanings(void **state)
{
	(void)state;
	for (int d = 1; d <= 5; d++)
		assert_non_null(replycode_class_meaning(d));
	assert_null(replycode_class_meaning(0));
	assert_null(replycode_class_meaning(6));
	assert_non_null(strstr(replycode_class_meaning(4), "Transient"));
	assert_non_null(strstr(replycode_class_meaning(5), "Permanent"));
	for (int d = 0; d <= 5; d++)
		assert_non_null(replycode_category_meaning(d));
	assert_null(replycode_category_meaning(6));
	assert_null(replycode_category_meaning(-1));
	assert_non_null(strstr(replycode_category_meaning(0), "Syntax"));
	assert_non_null(strstr(replycode_category_meaning(5), "Mail system"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_required_codes),
		cmocka_unit_test(test_unknown_codes),
		cmocka_unit_test(test_table_complete),
		cmocka_unit_test(test_reasons_and_sources),
		cmocka_unit_test(test_digit_meanings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
