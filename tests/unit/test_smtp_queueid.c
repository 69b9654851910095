/* test_smtp_queueid.c - unit tests for queue id extraction from end-of-data replies, one form per MTA (Postfix, Exim, Sendmail, OpenSMTPD, Gmail, Microsoft 365/Exchange, qmail, Haraka, Amazon SES) and replies that carry none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "decode/queueid.h"

static void expect(const char *reply, const char *id, const char *mta)
{
	struct queueid q;
	bool ok = queueid_extract((const uint8_t *)reply, strlen(reply), &q);
	if (!id) {
		assert_false(ok);
		assert_string_equal(q.id, "");
		return;
	}
	assert_true(ok);
	assert_string_equal(q.id, id);
	assert_string_equal(q.mta, mta);
}

static void test_forms(void **state)
{
	(void)state;
	expect("250 2.0.0 Ok: queued as 4ABC123DEF", "4ABC123DEF", "postfix");
	expect("2.0.0 Ok: queued as 4Tq9Xk1RbVz3", "4Tq9Xk1RbVz3", "postfix"); /* text after the code */
	expect("250 OK id=1qXYZ-0004aB-Cd", "1qXYZ-0004aB-Cd", "exim");
	expect("250 OK id=1rAbCd-000Xyz-9Q", "1rAbCd-000Xyz-9Q", "exim");
	expect("250 2.0.0 x8GKQ5Zs012345 Message accepted for delivery", "x8GKQ5Zs012345", "sendmail");
	expect("250 2.0.0 5c2a1b3e Message accepted for delivery", "5c2a1b3e", "opensmtpd");
	expect("250 2.0.0 OK  1700000000 x12-20020a05.123 - gsmtp", "x12-20020a05.123", "gmail");
	expect("250 2.6.0 <CAF=abc123@mail.example.com> [InternalId=4123, Hostname=DB9PR01MB1234.eurprd01.prod] "
	       "Queued mail for delivery",
	       "CAF=abc123@mail.example.com", "microsoft");
	expect("250 2.6.0 [InternalId=4123987] Queued mail for delivery", "4123987", "exchange");
	expect("250 ok 1700000000 qp 5678", "5678", "qmail");
	expect("250 Message Queued (5D2A4B2B-3D4E-4F5A-9A8B-1C2D3E4F5A6B.1.1)",
	       "5D2A4B2B-3D4E-4F5A-9A8B-1C2D3E4F5A6B.1.1", "haraka");
	expect("250 Ok 0100018b2c3d4e5f-1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-000000",
	       "0100018b2c3d4e5f-1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-000000", "amazon-ses");
}

static void test_none(void **state)
{
	(void)state;
	expect("250 OK", NULL, NULL);                           /* aiosmtpd */
	expect("250 Message accepted for delivery", NULL, NULL); /* aiosmtpd handler, no id */
	expect("250 2.0.0 Message accepted for delivery", NULL, NULL);
	expect("250 Ok: queued as ", NULL, NULL);
	expect("250 Ok 123", NULL, NULL);
	expect("", NULL, NULL);
	/* an id longer than QUEUEID_MAX is refused rather than cut */
	char big[400] = "250 Ok: queued as ";
	memset(big + strlen(big), 'A', 300);
	expect(big, NULL, NULL);
}

static void test_table(void **state)
{
	(void)state;
	/* every rule's own example extracts with that rule */
	assert_true(queueid_rule_count() >= 9);
	for (size_t i = 0; i < queueid_rule_count(); i++) {
		struct queueid q;
		const char *ex = queueid_rule_example(i);
		assert_true(queueid_extract((const uint8_t *)ex, strlen(ex), &q));
		assert_string_equal(q.mta, queueid_rule_mta(i));
	}
	assert_null(queueid_rule_mta(queueid_rule_count()));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
