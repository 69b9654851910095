/* test_explain.c - unit tests for the layered explanation of SMTP replies
 * (provider text, then the RFC 3463 registry entry, then the RFC 5321 basic
 * code) and for the parsing of pasted replies and codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "decode/esc.h"
#include "decode/explain.h"
#include "decode/replycode.h"

struct parsed {
	bool ok;
	int code;
	char status[16];
	char text[512];
};

/* Parse s from an exact-size heap copy (no NUL), so ASan sees over-reads. */
static struct parsed parse(const char *s)
{
	struct parsed r;
	size_t n = strlen(s);
	uint8_t *p = malloc(n ? n : 1);

	assert_non_null(p);
	memcpy(p, s, n);
	memset(&r, 0x55, sizeof r);
	r.ok = explain_parse_input(p, n, &r.code, r.status, r.text, sizeof r.text);
	free(p);
	return r;
}

static void explain_str(const char *code_status_text, struct explanation *e)
{
	struct parsed r = parse(code_status_text);
	assert_true(r.ok);
	explain_reply(r.code, r.status, (const uint8_t *)r.text, strlen(r.text), STAGE_UNKNOWN, e);
}

static void test_layer_names(void **state)
{
	(void)state;
	assert_string_equal(explain_layer_name(LAYER_PROVIDER), "provider");
	assert_string_equal(explain_layer_name(LAYER_ENHANCED), "enhanced");
	assert_string_equal(explain_layer_name(LAYER_BASIC), "basic");
	assert_string_equal(explain_layer_name(LAYER_NONE), "none");
	assert_string_equal(explain_layer_name(LAYER_LAST), "none");
}

static void test_parse_bare(void **state)
{
	(void)state;
	struct parsed r = parse("550");
	assert_true(r.ok);
	assert_int_equal(r.code, 550);
	assert_string_equal(r.status, "");
	assert_string_equal(r.text, "");

	r = parse("5.7.26");
	assert_true(r.ok);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.status, "5.7.26");
	assert_string_equal(r.text, "");

	r = parse("  550 5.7.26 \n");
	assert_true(r.ok);
	assert_int_equal(r.code, 550);
	assert_string_equal(r.status, "5.7.26");
	assert_string_equal(r.text, "");

	r = parse("smtp; 550 5.1.1 <bob@example.com>: Recipient address rejected");
	assert_true(r.ok);
	assert_int_equal(r.code, 550);
	assert_string_equal(r.status, "5.1.1");
	assert_string_equal(r.text, "<bob@example.com>: Recipient address rejected");

	r = parse("Diagnostic-Code: SMTP;550-5.7.1 Blocked by policy\n"
		  "    550 5.7.1 see https://example.com/help");
	assert_true(r.ok);
	assert_int_equal(r.code, 550);
	assert_string_equal(r.status, "5.7.1");
	assert_string_equal(r.text, "Blocked by policy see https://example.com/help");

	r = parse("diagnostic-code: X-Postfix; 451 4.4.3 lookup failure");
	assert_true(r.ok);
	assert_int_equal(r.code, 451);
	assert_string_equal(r.status, "4.4.3");
	assert_string_equal(r.text, "lookup failure");
}

static void test_parse_multiline(void **state)
{
	(void)state;
	struct parsed r = parse(
		"550-5.7.26 This mail has been blocked because the sender is\r\n"
		"550-5.7.26 unauthenticated. Gmail requires all senders to authenticate\r\n"
		"550 5.7.26 with either SPF or DKIM.\r\n");
	assert_true(r.ok);
	assert_int_equal(r.code, 550);
	assert_string_equal(r.status, "5.7.26");
	assert_string_equal(r.text, "This mail has been blocked because the sender is "
				    "unauthenticated. Gmail requires all senders to authenticate "
				    "with either SPF or DKIM.");

	/* LF only, blank lines and blanks around lines, a line without text */
	r = parse("\n \t\n421-4.7.0 Try again later,\n421-4.7.0\n  421 4.7.0   closing connection  \n\n");
	assert_true(r.ok);
	assert_int_equal(r.code, 421);
	assert_string_equal(r.status, "4.7.0");
	assert_string_equal(r.text, "Try again later, closing connection");

	/* bare CR line ends; continuation lines without an enhanced code */
	r = parse("452-Too many\r452 recipients");
	assert_true(r.ok);
	assert_int_equal(r.code, 452);
	assert_string_equal(r.status, "");
	assert_string_equal(r.text, "Too many recipients");

	/* a following line with another code is kept as text */
	r = parse("250 OK\n550 nope");
	assert_true(r.ok);
	assert_int_equal(r.code, 250);
	assert_string_equal(r.text, "OK 550 nope");
}

static void test_parse_embedded(void **state)
{
	(void)state;
	struct parsed r = parse("host mx.example.com[192.0.2.1] said: 550 5.1.1 user unknown "
				"(in reply to RCPT TO command)");
	assert_true(r.ok);
	assert_int_equal(r.code, 550);
	assert_string_equal(r.status, "5.1.1");
	assert_string_equal(r.text, "user unknown (in reply to RCPT TO command)");

	r = parse("Status: 5.2.2");
	assert_true(r.ok);
	assert_string_equal(r.status, "5.2.2");

	/* numbers that are not reply codes */
	assert_false(parse("Error 404 not found").ok);
	assert_false(parse("port 587 and 25").ok);
	assert_false(parse("sent 250 messages").ok);
}

static void test_parse_none(void **state)
{
	(void)state;
	struct parsed r = parse("hello world");
	assert_false(r.ok);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.status, "");
	assert_string_equal(r.text, "");
	assert_false(parse("").ok);
	assert_false(parse("\r\n\r\n").ok);
	assert_false(parse("650 5.9").ok);
	assert_false(parse("5.1").ok);
	assert_false(parse("6.1.1").ok);
	assert_false(explain_parse_input(NULL, 0, NULL, NULL, NULL, 0));
}

static void test_parse_bounds(void **state)
{
	(void)state;
	const char *in = "550 5.1.1 abcdefghijklmnop";
	int code;
	char status[16];
	char small[8];

	memset(small, 'x', sizeof small);
	assert_true(explain_parse_input((const uint8_t *)in, strlen(in), &code, status, small,
					sizeof small));
	assert_string_equal(small, "abcdefg");
	/* size 0 writes nothing */
	small[0] = 'x';
	assert_true(explain_parse_input((const uint8_t *)in, strlen(in), &code, status, small, 0));
	assert_int_equal(small[0], 'x');
	/* len cuts the input */
	assert_true(explain_parse_input((const uint8_t *)in, 3, &code, status, small, sizeof small));
	assert_int_equal(code, 550);
	assert_string_equal(status, "");
	/* NULs become spaces; other control bytes are kept for display code to
	 * escape (they must be visible, never dropped silently) */
	const uint8_t ctl[] = "550 5.1.1 a\0b\x1b[31m";
	assert_true(explain_parse_input(ctl, sizeof ctl - 1, &code, status, small, sizeof small));
	assert_string_equal(small, "a b\x1b[31");
}

static void test_explain_bare_code(void **state)
{
	(void)state;
	struct explanation e;

	explain_str("550", &e);
	assert_int_equal(e.layer, LAYER_BASIC);
	assert_int_equal(e.reply_code, 550);
	assert_string_equal(e.status, "");
	assert_true(e.permanent);
	assert_true(e.reason != REASON_NONE && e.reason != REASON_UNDEFINED);
	assert_ptr_equal(e.meaning, replycode_lookup(550)->meaning);
	assert_ptr_equal(e.code_meaning, replycode_lookup(550)->title);
	assert_null(e.status_title);
	assert_non_null(strstr(e.source, "RFC 5321"));

	explain_str("421", &e);
	assert_int_equal(e.layer, LAYER_BASIC);
	assert_false(e.permanent);
	assert_true(e.retry_may_help);

	explain_str("250", &e);
	assert_int_equal(e.reason, REASON_NONE);
	assert_false(e.permanent);
	assert_false(e.retry_may_help);

	/* a code we have no entry for still gets its class meaning */
	explain_reply(523, NULL, NULL, 0, STAGE_UNKNOWN, &e);
	assert_int_equal(e.layer, LAYER_NONE);
	assert_true(e.permanent);
	assert_ptr_equal(e.code_meaning, replycode_class_meaning(5));
}

static void test_explain_enhanced(void **state)
{
	(void)state;
	struct explanation e;

	explain_str("5.7.26", &e);
	assert_int_equal(e.layer, LAYER_ENHANCED);
	assert_int_equal(e.reply_code, 0);
	assert_string_equal(e.status, "5.7.26");
	assert_true(e.permanent);
	assert_int_equal(e.reason, REASON_AUTHFAILURE);
	assert_true(e.retry_may_help); /* fixable by the sender: SPF/DKIM */
	assert_string_equal(e.status_title, "Multiple authentication checks failed");
	assert_ptr_equal(e.fix, esc_lookup(7, 26)->fix);
	assert_null(e.code_meaning);

	explain_str("550 5.1.1", &e);
	assert_int_equal(e.layer, LAYER_ENHANCED);
	assert_int_equal(e.reason, REASON_USERUNKNOWN);
	assert_true(e.permanent);
	assert_false(e.retry_may_help);
	assert_ptr_equal(e.code_meaning, replycode_lookup(550)->title);
	assert_false(e.class_mismatch);

	explain_str("552 5.3.4", &e);
	assert_int_equal(e.reason, REASON_MESGTOOBIG);
	assert_true(e.retry_may_help);

	/* X.0.0 adds nothing: the basic code answers, the title is still given */
	explain_str("554 5.0.0", &e);
	assert_int_equal(e.layer, LAYER_BASIC);
	assert_non_null(e.status_title);

	/* status from the text when none is given */
	const char *t = "550 5.1.1 user unknown";
	explain_reply(0, "", (const uint8_t *)t, strlen(t), STAGE_RCPT, &e);
	assert_int_equal(e.reply_code, 550);
	assert_string_equal(e.status, "5.1.1");
	assert_int_equal(e.layer, LAYER_ENHANCED);
	t = "  4.2.2 mailbox full";
	explain_reply(452, NULL, (const uint8_t *)t, strlen(t), STAGE_RCPT, &e);
	assert_string_equal(e.status, "4.2.2");
	assert_false(e.permanent);

	/* an unregistered enhanced code falls back to the basic code */
	explain_str("550 5.7.650 nope", &e);
	assert_int_equal(e.layer == LAYER_BASIC || e.layer == LAYER_PROVIDER, true);
	assert_null(e.status_title);
	explain_str("5.9.1", &e);
	assert_int_equal(e.layer, LAYER_NONE);
	assert_ptr_equal(e.meaning, esc_class_meaning(5));
}

static void test_explain_class_mismatch(void **state)
{
	(void)state;
	struct explanation e;

	/* RFC 3463 2: the classes should agree; the basic code wins */
	explain_str("450 5.1.1 try again", &e);
	assert_true(e.class_mismatch);
	assert_false(e.permanent);
	assert_true(e.retry_may_help);
	explain_str("550 4.7.1 no", &e);
	assert_true(e.class_mismatch);
	assert_true(e.permanent);
}

/* Gmail reuses 4.7.27 (registry: sender null MX) for SPF failures: the provider
 * layer must answer. Depends on provider.c having a rule for it. */
static void test_explain_provider(void **state)
{
	(void)state;
	struct explanation e;

	explain_str("421-4.7.27 Your email has been rate limited because SPF authentication didn't pass\r\n"
		    "421-4.7.27 for this message. Gmail requires all bulk email senders to authenticate\r\n"
		    "421 4.7.27 with SPF. https://support.google.com/a/answer/81126 - gsmtp\r\n",
		    &e);
	assert_int_equal(e.layer, LAYER_PROVIDER);
	assert_non_null(e.provider);
	assert_int_equal(e.reason, REASON_AUTHFAILURE);
	assert_false(e.permanent);
	assert_true(e.retry_may_help);
	assert_string_equal(e.status, "4.7.27");
	assert_ptr_not_equal(e.meaning, esc_lookup(7, 27)->meaning);
	assert_non_null(e.meaning);
	assert_non_null(e.source);
	assert_ptr_equal(e.code_meaning, replycode_lookup(421)->title);
	assert_null(e.status_title); /* not "Sender address has null MX" */

	/* the same code without Gmail's text is the registry's null MX */
	explain_str("550 5.7.27 sender domain has null MX", &e);
	assert_int_equal(e.layer, LAYER_ENHANCED);
	assert_string_equal(e.status_title, "Sender address has null MX");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layer_names),
		cmocka_unit_test(test_parse_bare),
		cmocka_unit_test(test_parse_multiline),
		cmocka_unit_test(test_parse_embedded),
		cmocka_unit_test(test_parse_none),
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_explain_bare_code),
		cmocka_unit_test(test_explain_enhanced),
		cmocka_unit_test(test_explain_class_mismatch),
		cmocka_unit_test(test_explain_provider),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
