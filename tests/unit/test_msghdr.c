/* test_msghdr.c - main-header extraction with folding, encoded words, a cut block, empty values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "decode/msghdr.h"

static const char hdrs[] =
	"Received: from client.example.test (localhost [127.0.0.1])\r\n"
	"\tby mx.example.test (Postfix) with ESMTP id 4ABC123\r\n"
	"\tfor <bob@example.test>; Mon, 23 Nov 2026 10:00:00 +0000 (UTC)\r\n"
	"Received: from a by b; Mon, 23 Nov 2026 09:59:59 +0000\r\n"
	"Date: Mon, 23 Nov 2026 09:59:58 +0000\r\n"
	"From: =?UTF-8?B?SsO8cmdlbg==?= <jurgen@example.test>\r\n"
	"To: bob@example.test,\r\n carol@example.test\r\n"
	"Subject: =?ISO-8859-1?Q?caf=E9?= =?UTF-8?Q?_ok?= plain\r\n"
	"Message-ID: <1@example.test>\r\n"
	"\r\n"
	"Subject: not a header, the body\r\n";

static void test_extract(void **state)
{
	(void)state;
	struct msg_headers h;
	msghdr_extract((const uint8_t *)hdrs, sizeof hdrs - 1, &h);
	assert_string_equal(h.from, "J\xc3\xbcrgen <jurgen@example.test>");
	assert_string_equal(h.to, "bob@example.test, carol@example.test");
	assert_string_equal(h.subject, "caf\xc3\xa9 ok plain");
	assert_string_equal(h.message_id, "<1@example.test>");
	assert_string_equal(h.date, "Mon, 23 Nov 2026 09:59:58 +0000");
	assert_null(h.cc);
	assert_int_equal(h.nreceived, 2);
	assert_non_null(strstr(h.received[0], "with ESMTP id 4ABC123 for <bob@example.test>"));
	assert_int_equal(h.nfields, 7);
	msghdr_free(&h);
}

static void test_cut(void **state)
{
	(void)state;
	/* every prefix, including cuts inside a folded field, is safe */
	for (size_t n = 0; n <= sizeof hdrs - 1; n++) {
		struct msg_headers h;
		msghdr_extract((const uint8_t *)hdrs, n, &h);
		assert_true(h.nfields <= 7);
		msghdr_free(&h);
	}
}

/* Empty and blank values are empty strings (not whatever the memory held). */
static void test_empty_values(void **state)
{
	(void)state;
	static const char blank[] = "To:\r\nCc:   \r\n \t \r\nSubject: \r\nFrom: x\r\n\r\n";
	struct msg_headers h;
	msghdr_extract((const uint8_t *)blank, sizeof blank - 1, &h);
	assert_string_equal(h.to, "");
	assert_string_equal(h.cc, "");
	assert_string_equal(h.subject, "");
	assert_string_equal(h.from, "x");
	msghdr_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extract),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_empty_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
