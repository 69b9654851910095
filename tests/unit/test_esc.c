/* test_esc.c - unit tests for RFC 3463 enhanced status codes: parsing,
 * formatting, and the IANA registry table (RFC 3463, RFC 5248). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "decode/esc.h"

/* Parse s from an exact-size heap copy, so ASan sees any read past len. */
static bool parse_exact(const char *s, struct esc_code *c, size_t *used)
{
	size_t n = strlen(s);
	uint8_t *p = malloc(n ? n : 1);
	assert_non_null(p);
	memcpy(p, s, n);
	bool ok = esc_parse(p, n, c, used);
	free(p);
	return ok;
}

static void test_parse_valid(void **state)
{
	(void)state;
	struct esc_code c;
	size_t used = 0;

	assert_true(parse_exact("5.1.1", &c, &used));
	assert_int_equal(c.cls, 5);
	assert_int_equal(c.subject, 1);
	assert_int_equal(c.detail, 1);
	assert_int_equal(used, 5);

	assert_true(parse_exact("4.7.650 try later", &c, &used));
	assert_int_equal(c.cls, 4);
	assert_int_equal(c.subject, 7);
	assert_int_equal(c.detail, 650);
	assert_int_equal(used, 7);

	assert_true(parse_exact("2.0.0", &c, &used));
	assert_int_equal(c.cls, 2);
	assert_int_equal(c.detail, 0);

	assert_true(parse_exact("5.999.999)", &c, &used));
	assert_int_equal(c.subject, 999);
	assert_int_equal(used, 9);

	/* len cuts the input: only the first five bytes count. */
	const uint8_t longer[] = {'5', '.', '7', '.', '2', '6'};
	assert_true(esc_parse(longer, 5, &c, &used));
	assert_int_equal(c.detail, 2);
	assert_true(esc_parse(longer, 6, &c, &used));
	assert_int_equal(c.detail, 26);
	/* out and used may be NULL */
	assert_true(esc_parse(longer, 6, NULL, NULL));
}

static void test_parse_malformed(void **state)
{
	(void)state;
	struct esc_code c = {9, 9, 9};
	size_t used = 77;
	static const char *const bad[] = {
		"", "5", "5.", "5.1", "5.1.", "5..1", "5.1..1", "6.1.1", "3.1.1", "1.0.0",
		"0.0.0", "55.1.1", "5.1.1000", "5.1000.1", "5.01.1", "5.1.01", "5.001.1",
		"5.1.1.", "5.1.1.1", "x5.1.1", " 5.1.1", "5,1,1", "5.a.1", "5.1.b",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse_exact(bad[i], &c, &used))
			fail_msg("accepted malformed code '%s'", bad[i]);
	}
	/* a failed parse leaves the outputs alone */
	assert_int_equal(c.cls, 9);
	assert_int_equal(used, 77);
	assert_false(esc_parse(NULL, 5, &c, &used));
	/* "0" alone is a valid sub-code, a leading zero is not */
	assert_true(parse_exact("5.0.0", &c, &used));
	assert_false(parse_exact("5.0.00", &c, &used));
}

static void test_format(void **state)
{
	(void)state;
	char buf[16];
	struct esc_code c = {5, 7, 26};

	esc_format(&c, buf, sizeof buf);
	assert_string_equal(buf, "5.7.26");
	c = (struct esc_code){4, 999, 999};
	esc_format(&c, buf, sizeof buf);
	assert_string_equal(buf, "4.999.999");
	esc_format(&c, buf, 4);
	assert_string_equal(buf, "4.9");
	/* round trip */
	struct esc_code back;
	size_t used;
	esc_format(&(struct esc_code){2, 1, 5}, buf, sizeof buf);
	assert_true(esc_parse((const uint8_t *)buf, strlen(buf), &back, &used));
	assert_int_equal(back.cls, 2);
	assert_int_equal(back.subject, 1);
	assert_int_equal(back.detail, 5);
}

static void test_lookup_known(void **state)
{
	(void)state;
	const struct esc_info *e = esc_lookup(1, 1);

	assert_non_null(e);
	assert_string_equal(e->title, "Bad destination mailbox address");
	assert_int_equal(e->reason, REASON_USERUNKNOWN);
	assert_non_null(strstr(e->source, "RFC 3463"));

	static const struct {
		int subject, detail;
		enum reason reason;
	} want[] = {
		{1, 1, REASON_USERUNKNOWN}, {1, 2, REASON_HOSTUNKNOWN}, {1, 6, REASON_HASMOVED},
		{1, 10, REASON_NOTACCEPT}, {2, 1, REASON_SUSPEND}, {2, 2, REASON_MAILBOXFULL},
		{2, 3, REASON_EXCEEDLIMIT}, {3, 4, REASON_MESGTOOBIG}, {4, 4, REASON_HOSTUNKNOWN},
		{4, 6, REASON_NETWORKERROR}, {4, 7, REASON_EXPIRED}, {5, 1, REASON_SYNTAXERROR},
		{7, 1, REASON_BLOCKED}, {7, 8, REASON_SECURITYERROR}, {7, 10, REASON_FAILEDSTARTTLS},
		{7, 11, REASON_FAILEDSTARTTLS}, {7, 23, REASON_AUTHFAILURE},
		{7, 25, REASON_REQUIREPTR}, {7, 26, REASON_AUTHFAILURE},
		{7, 30, REASON_FAILEDSTARTTLS},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		e = esc_lookup(want[i].subject, want[i].detail);
		assert_non_null(e);
		if (e->reason != want[i].reason)
			fail_msg("X.%d.%d: reason %s", want[i].subject, want[i].detail,
				 reason_name(e->reason));
	}
	/* X.7.26 tells the admin which DNS records to check */
	e = esc_lookup(7, 26);
	assert_non_null(strstr(e->fix, "_domainkey"));
	assert_non_null(strstr(e->fix, "_dmarc"));
	assert_non_null(strstr(e->source, "RFC 7372"));
	/* the registry's null MX meaning of X.7.27, which Gmail reuses for SPF */
	e = esc_lookup(7, 27);
	assert_string_equal(e->title, "Sender address has null MX");
}

static void test_lookup_unknown(void **state)
{
	(void)state;
	assert_null(esc_lookup(7, 650));
	assert_null(esc_lookup(1, 351));
	assert_null(esc_lookup(8, 0));
	assert_null(esc_lookup(-1, 0));
	assert_null(esc_lookup(0, 1));
}

/* Every detail code the registry enumerates (X.0.0, X.1.0-10, X.2.0-4,
 * X.3.0-6, X.4.0-7, X.5.0-6, X.6.0-10, X.7.0-30) has an entry. */
static void test_registry_coverage(void **state)
{
	(void)state;
	static const int last_detail[8] = {0, 10, 4, 6, 7, 6, 10, 30};
	size_t expect = 0;

	for (int s = 0; s < 8; s++) {
		for (int d = 0; d <= last_detail[s]; d++) {
			if (!esc_lookup(s, d))
				fail_msg("X.%d.%d missing", s, d);
			expect++;
		}
		assert_null(esc_lookup(s, last_detail[s] + 1));
	}
	assert_int_equal(esc_count(), expect);
}

static void test_table_complete(void **state)
{
	(void)state;
	size_t n = esc_count();

	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		const struct esc_info *e = esc_at(i);
		assert_non_null(e);
		if (!e->title[0] || !e->meaning[0] || !e->cause[0] || !e->fix[0] || !e->source[0])
			fail_msg("X.%d.%d has an empty field", e->subject, e->detail);
		assert_non_null(e->basic);
		assert_true((unsigned)e->reason < REASON_LAST);
		assert_ptr_equal(esc_lookup(e->subject, e->detail), e);
		if (i > 0) {
			const struct esc_info *p = esc_at(i - 1);
			assert_true(p->subject < e->subject ||
				    (p->subject == e->subject && p->detail < e->detail));
		}
	}
	assert_null(esc_at(n));
}

static void test_class_subject(void **state)
{
	(void)state;
	assert_non_null(esc_class_meaning(2));
	assert_non_null(esc_class_meaning(4));
	assert_non_null(esc_class_meaning(5));
	assert_non_null(strstr(esc_class_meaning(5), "Permanent"));
	assert_null(esc_class_meaning(3));
	assert_null(esc_class_meaning(0));
	assert_null(esc_class_meaning(-1));
	assert_null(esc_class_meaning(6));
	for (int s = 0; s <= 7; s++)
		assert_non_null(esc_subject_meaning(s));
	assert_non_null(strstr(esc_subject_meaning(7), "Security"));
	assert_null(esc_subject_meaning(8));
	assert_null(esc_subject_meaning(-1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_lookup_known),
		cmocka_unit_test(test_lookup_unknown),
		cmocka_unit_test(test_registry_coverage),
		cmocka_unit_test(test_table_complete),
		cmocka_unit_test(test_class_subject),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
