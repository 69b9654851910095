/* test_filter.c - unit tests for the Capture screen's filter language
 * (tui/filter.c): parsing, the errors it reports, and matching of every field
 * against hand-made rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "tui/filter.h"

/* A delivered transaction with one refused recipient, over TLS with AUTH. */
static const char *const rcpts1[] = {"alice@example.test", "nobody@example.test"};
static const char reply_text_nul[] = "User unknown\0hidden tail";
static const struct filter_reply replies1[] = {
	{250, "2.1.0", "Ok", 2},
	{250, "2.1.5", "Ok", 2},
	{550, "5.1.1", reply_text_nul, sizeof reply_text_nul - 1},
	{354, NULL, "End data", 8},
	{250, "2.0.0", "Ok: queued as A94E6A72415", 25},
};
static const struct filter_item item1 = {
	.from = "Bob@Example.test",
	.rcpts = rcpts1,
	.nrcpts = 2,
	.subject = "Quarterly report for March",
	.hdr_from = "Robert <bob@example.test>",
	.hdr_to = "alice@example.test",
	.replies = replies1,
	.nreplies = 5,
	.outcome = "delivered",
	.outcome_class = "delivered",
	.tls = true,
	.auth_mech = "PLAIN",
	.auth_user = "demo",
	.auth_result = "ok",
	.client = "10.0.0.9:40000",
	.server = "192.0.2.25:25",
	.helo = "client.example.test",
	.queue_id = "A94E6A72415",
	.size = 4700,
};

/* A transaction whose only recipient was deferred; no TLS, no AUTH. */
static const char *const rcpts2[] = {"carol@example.org"};
static const struct filter_reply replies2[] = {
	{250, "2.1.0", "Ok", 2},
	{451, "4.7.1", "Greylisted, try again later", 27},
};
static const struct filter_item item2 = {
	.from = "",
	.rcpts = rcpts2,
	.nrcpts = 1,
	.replies = replies2,
	.nreplies = 2,
	.outcome = "deferred_rcpt",
	.outcome_class = "deferred",
	.client = "[2001:db8::1]:5000",
	.server = "[2001:db8::25]:25",
	.size = -1,
};

/* A session without a transaction whose AUTH failed. */
static const struct filter_reply replies3[] = {
	{220, NULL, "mx ESMTP", 8},
	{535, "5.7.8", "Authentication credentials invalid", 34},
};
static const struct filter_item item3 = {
	.replies = replies3,
	.nreplies = 2,
	.outcome = "rejected_auth",
	.outcome_class = "rejected",
	.auth_mech = "LOGIN",
	.auth_user = "mallory",
	.auth_result = "failed",
	.client = "10.0.0.7:40001",
	.server = "192.0.2.25:587",
	.size = -1,
};

static const struct filter_item *const items[] = {&item1, &item2, &item3};

/* Which of the three items text matches, as a string "1.3" ("" none); fails
 * the test when it does not parse. */
static void matches(const char *text, char *out)
{
	struct filter f;
	struct filter_error err;
	if (!filter_parse(text, strlen(text), &f, &err))
		fail_msg("'%s' does not parse: %s", text, err.msg);
	size_t n = 0;
	for (size_t i = 0; i < 3; i++)
		if (filter_match(&f, items[i]))
			out[n++] = (char)('1' + i);
	out[n] = '\0';
	filter_free(&f);
}

#define EXPECT(text, want)                                          \
	do {                                                        \
		char got_[8];                                       \
		matches((text), got_);                              \
		if (strcmp(got_, (want)) != 0)                      \
			fail_msg("'%s' matched '%s', wanted '%s'", (text), got_, (want)); \
	} while (0)

/* The error of a filter that must not parse. */
static struct filter_error bad(const char *text)
{
	struct filter f;
	struct filter_error err;
	assert_false(filter_parse(text, strlen(text), &f, &err));
	assert_null(f.terms);
	assert_int_equal(f.nterms, 0);
	assert_true(err.msg[0] != '\0');
	assert_true(err.pos + err.len <= strlen(text));
	return err;
}

static void test_filter_empty(void **state)
{
	(void)state;
	EXPECT("", "123");
	EXPECT("   \t ", "123");
	struct filter f;
	struct filter_error err;
	assert_true(filter_parse("", 0, &f, &err));
	assert_true(filter_is_empty(&f));
	filter_free(&f);
}

static void test_filter_code(void **state)
{
	(void)state;
	EXPECT("code:5xx", "13");
	EXPECT("code:5XX", "13");
	EXPECT("code:550", "1");
	EXPECT("code:55x", "1");
	EXPECT("code:53?", "3");
	EXPECT("code:5", "13");
	EXPECT("code:4xx", "2");
	EXPECT("code:451", "2");
	EXPECT("code:2xx", "123");
	EXPECT("code:354", "1");
	EXPECT("-code:5xx", "2");
	EXPECT("!code:5xx", "2");
	struct filter_error e = bad("code:6xx");
	assert_non_null(strstr(e.msg, "code:"));
	assert_int_equal(e.pos, 0);
	assert_int_equal(e.len, 8);
	bad("code:5555");
	bad("code:abc");
	e = bad("rcpt:a code:");
	assert_non_null(strstr(e.msg, "needs a value"));
	assert_int_equal(e.pos, 7);
}

static void test_filter_status(void **state)
{
	(void)state;
	EXPECT("status:5.7.*", "3");
	EXPECT("status:5.7.8", "3");
	EXPECT("status:5.1.1", "1");
	EXPECT("status:5", "13");
	EXPECT("status:4.x.x", "2");
	EXPECT("status:*.1.*", "12");  /* 2.1.0 in both */
	EXPECT("status:x.7.x", "23");
	EXPECT("status:2.0.0", "1");
	bad("status:6.1.1");
	bad("status:5..1");
	bad("status:5.1.1.1");
	bad("status:5.1.");
	bad("status:5.1234.1");
	bad("status:five");
}

static void test_filter_addresses(void **state)
{
	(void)state;
	EXPECT("rcpt:alice@", "1");
	EXPECT("rcpt:ALICE@EXAMPLE", "1");
	EXPECT("to:carol", "2");
	EXPECT("rcpt:nobody@ rcpt:alice@", "1");
	EXPECT("-rcpt:alice@", "23");
	EXPECT("rcpt:zed@", "");
	EXPECT("from:bob@", "1");            /* envelope, whatever its case */
	EXPECT("from:robert", "1");          /* header From */
	EXPECT("sender:example.org", "");
	EXPECT("client:10.0.0.", "13");
	EXPECT("server::587", "3");
	EXPECT("client:2001:db8::1", "2");   /* the value may hold colons */
	EXPECT("helo:client.example", "1");
	EXPECT("queue:a94e6", "1");
}

static void test_filter_subject_and_text(void **state)
{
	(void)state;
	EXPECT("subject:report", "1");
	EXPECT("subj:\"for march\"", "1");
	EXPECT("subject:\"for april\"", "");
	EXPECT("quarterly", "1");
	EXPECT("\"report for\"", "1");
	EXPECT("greylisted", "2");          /* reply text */
	EXPECT("hidden", "1");              /* reply text past a NUL byte */
	EXPECT("mallory", "3");             /* AUTH user */
	EXPECT("2001:db8", "2");            /* a colon after digits: free text */
	EXPECT("5.1.1:", "");
	EXPECT("example", "12");
	EXPECT("example -tls:yes", "2");
	EXPECT("alice@ report", "1");       /* AND */
	EXPECT("alice@ greylisted", "");
	struct filter_error e = bad("hello \"unclosed");
	assert_non_null(strstr(e.msg, "quote"));
	assert_int_equal(e.pos, 6);
	e = bad("subject:\"open");
	assert_non_null(strstr(e.msg, "quote"));
}

static void test_filter_outcome(void **state)
{
	(void)state;
	EXPECT("outcome:delivered", "1");
	EXPECT("outcome:rejected", "3");
	EXPECT("outcome:rej", "3");
	EXPECT("outcome:deferred", "2");
	EXPECT("outcome:deferred_rcpt", "2");
	EXPECT("outcome:rejected_rcpt", "");
	EXPECT("outcome:REJECTED_AUTH", "3");
	EXPECT("-outcome:delivered", "23");
	EXPECT("outcome:aborted", "");
	EXPECT("outcome:no_mail", "");
	struct filter_error e = bad("outcome:bounced");
	assert_non_null(strstr(e.msg, "outcome:"));
}

static void test_filter_tls_auth_size(void **state)
{
	(void)state;
	EXPECT("tls:yes", "1");
	EXPECT("tls:no", "23");
	EXPECT("tls:On", "1");
	bad("tls:maybe");
	EXPECT("auth:demo", "1");
	EXPECT("auth:MALL", "3");
	EXPECT("auth:plain", "1");
	EXPECT("auth:failed", "3");
	EXPECT("auth:ok", "1");
	EXPECT("auth:yes", "13");
	EXPECT("auth:no", "2");
	EXPECT("size:>4k", "1");
	EXPECT("size:>5k", "");
	EXPECT("size:4700", "1");
	EXPECT("size:=4700", "1");
	EXPECT("size:<=4700", "1");
	EXPECT("size:<4700", "");
	EXPECT("size:>=1", "1");
	EXPECT("-size:>0", "23");           /* rows without a message have no size */
	bad("size:>>1");
	bad("size:10q");
	bad("size:k");
	bad("size:99999999999999999999");
	bad("size:99999999999999g");
}

static void test_filter_errors(void **state)
{
	(void)state;
	struct filter_error e = bad("code:5xx cod:5");
	assert_non_null(strstr(e.msg, "unknown field 'cod:'"));
	assert_int_equal(e.pos, 9);
	assert_int_equal(e.len, 4);
	e = bad("http://example.test");
	assert_non_null(strstr(e.msg, "unknown field 'http:'"));
	EXPECT("\"http://example.test\"", "");
	/* too many terms, too long */
	char many[FILTER_TERMS_MAX * 3 + 8];
	size_t n = 0;
	for (int i = 0; i <= FILTER_TERMS_MAX; i++) {
		many[n++] = 'a';
		many[n++] = ' ';
	}
	many[n] = '\0';
	e = bad(many);
	assert_non_null(strstr(e.msg, "too many"));
	char *longf = malloc(FILTER_TEXT_MAX + 2);
	memset(longf, 'a', FILTER_TEXT_MAX + 1);
	longf[FILTER_TEXT_MAX + 1] = '\0';
	struct filter f;
	assert_false(filter_parse(longf, FILTER_TEXT_MAX + 1, &f, &e));
	assert_true(filter_parse(longf, FILTER_TEXT_MAX, &f, &e));
	filter_free(&f);
	free(longf);
	/* a lone '-' is a word, not a negation */
	EXPECT("-", "");
	assert_string_equal(filter_field_name(FILTER_CODE), "code");
	assert_string_equal(filter_field_name(FILTER_FIELD_LAST), "?");
}

static void test_filter_contains(void **state)
{
	(void)state;
	assert_true(filter_contains("Hello World", 11, "world", 5));
	assert_true(filter_contains("abc", 3, "", 0));
	assert_false(filter_contains("abc", 3, "abcd", 4));
	assert_false(filter_contains(NULL, 0, "a", 1));
	assert_false(filter_contains("Hello World", 5, "world", 5)); /* length respected */
	assert_true(filter_contains("aaab", 4, "aab", 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_empty),
		cmocka_unit_test(test_filter_code),
		cmocka_unit_test(test_filter_status),
		cmocka_unit_test(test_filter_addresses),
		cmocka_unit_test(test_filter_subject_and_text),
		cmocka_unit_test(test_filter_outcome),
		cmocka_unit_test(test_filter_tls_auth_size),
		cmocka_unit_test(test_filter_errors),
		cmocka_unit_test(test_filter_contains),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
