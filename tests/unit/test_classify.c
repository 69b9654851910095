/* test_classify.c - unit tests for the failure-reason classifier: typical
 * reply texts per reason, enhanced-status and code/stage fallbacks, the
 * bounce-level context, success replies and bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "decode/classify.h"
#include "decode/reason.h"

struct cls_case {
	int code;
	const char *status;
	enum smtp_stage stage;
	const char *text;
	enum reason want;
};

static enum reason run_case(const struct cls_case *c)
{
	return classify_reason(c->code, c->status, (const uint8_t *)c->text, strlen(c->text),
			       c->stage);
}

static void check_cases(const struct cls_case *cases, size_t n)
{
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		enum reason got = run_case(&cases[i]);
		if (got != cases[i].want) {
			fprintf(stderr, "case %zu \"%s\": want %s, got %s\n", i, cases[i].text,
				reason_name(cases[i].want), reason_name(got));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Two or more typical texts for each reason the phrase tables know. */
static void test_phrases_per_reason(void **state)
{
	(void)state;
	static const struct cls_case cases[] = {
		{550, "5.1.1", STAGE_RCPT, "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in local recipient table", REASON_USERUNKNOWN},
		{550, NULL, STAGE_RCPT, "550 No such user here", REASON_USERUNKNOWN},
		{550, "5.1.1", STAGE_UNKNOWN, "The email account that you tried to reach does not exist", REASON_USERUNKNOWN},
		{552, NULL, STAGE_RCPT, "552 Requested mail action aborted: mailbox full", REASON_MAILBOXFULL},
		{452, "4.2.2", STAGE_RCPT, "452 4.2.2 The email account that you tried to reach is over quota", REASON_MAILBOXFULL},
		{550, NULL, STAGE_UNKNOWN, "550 Host unknown (Name server: mx.example.org: host not found)", REASON_HOSTUNKNOWN},
		{550, NULL, STAGE_RCPT, "550 Recipient address rejected: unknown domain name", REASON_HOSTUNKNOWN},
		{551, NULL, STAGE_RCPT, "551 User not local; the address bob@example.org has been replaced by bob@example.net", REASON_HASMOVED},
		{550, "5.1.6", STAGE_RCPT, "550 5.1.6 Recipient mailbox moved", REASON_HASMOVED},
		{550, NULL, STAGE_RCPT, "550 This account has been temporarily suspended", REASON_SUSPEND},
		{550, NULL, STAGE_RCPT, "550 5.2.1 The email account that you tried to reach is disabled", REASON_SUSPEND},
		{0, "4.4.7", STAGE_UNKNOWN, "Delivery expired (message too old)", REASON_EXPIRED},
		{0, NULL, STAGE_UNKNOWN, "This message has been in the queue too long", REASON_EXPIRED},
		{0, NULL, STAGE_UNKNOWN, "Hop count exceeded - possible mail loop", REASON_NETWORKERROR},
		{0, NULL, STAGE_UNKNOWN, "Host name lookup failure", REASON_NETWORKERROR},
		{556, NULL, STAGE_RCPT, "556 5.1.10 Recipient address has null MX", REASON_NOTACCEPT},
		{550, NULL, STAGE_UNKNOWN, "host does not accept mail", REASON_NOTACCEPT},
		{550, NULL, STAGE_MESSAGE, "550 Message rejected due to user rules", REASON_FILTERED},
		{550, NULL, STAGE_DATA, "550 User refuses to receive this mail", REASON_FILTERED},
		{553, NULL, STAGE_MAIL, "553 Sender verify failed", REASON_REJECTED},
		{550, NULL, STAGE_MAIL, "550 Empty envelope senders not allowed", REASON_REJECTED},
		{554, NULL, STAGE_CONNECT, "554 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", REASON_BLOCKED},
		{550, NULL, STAGE_CONNECT, "550 Please use the SMTP server of your ISP", REASON_BLOCKED},
		{550, NULL, STAGE_RCPT, "550 5.7.1 Rejected: the sending MTA's poor reputation", REASON_BADREPUTATION},
		{421, NULL, STAGE_CONNECT, "421 IP/domain reputation problems", REASON_BADREPUTATION},
		{550, NULL, STAGE_RCPT, "550 5.7.25 The IP address sending this message does not have a PTR record setup", REASON_REQUIREPTR},
		{550, NULL, STAGE_CONNECT, "550 Reverse DNS required", REASON_REQUIREPTR},
		{554, "5.7.1", STAGE_MESSAGE, "554 5.7.1 Message rejected as spam", REASON_SPAMDETECTED},
		{550, "5.7.1", STAGE_MESSAGE, "550 5.7.1 Your message looks like spam (spam score 12.3)", REASON_SPAMDETECTED},
		{554, NULL, STAGE_MESSAGE, "554 Virus detected: Eicar-Test-Signature", REASON_VIRUSDETECTED},
		{550, NULL, STAGE_MESSAGE, "550 Your message was infected with a virus", REASON_VIRUSDETECTED},
		{550, "5.7.26", STAGE_MESSAGE, "550 5.7.26 Unauthenticated email is not accepted due to domain's DMARC policy", REASON_AUTHFAILURE},
		{550, NULL, STAGE_RCPT, "550 SPF check: fail for example.org", REASON_AUTHFAILURE},
		{530, "5.7.0", STAGE_MAIL, "530 5.7.0 Authentication required", REASON_SECURITYERROR},
		{535, "5.7.8", STAGE_AUTH, "535 5.7.8 Authentication credentials invalid", REASON_SECURITYERROR},
		{530, NULL, STAGE_MAIL, "530 Must issue a STARTTLS command first: STARTTLS is required to send mail", REASON_FAILEDSTARTTLS},
		{554, NULL, STAGE_RCPT, "554 TLS required but not supported", REASON_FAILEDSTARTTLS},
		{554, "5.7.1", STAGE_RCPT, "554 5.7.1 <bob@example.org>: Relay access denied", REASON_NORELAYING},
		{550, NULL, STAGE_RCPT, "550 Relaying denied", REASON_NORELAYING},
		{550, NULL, STAGE_MESSAGE, "550 Message not accepted for policy reasons", REASON_POLICYVIOLATION},
		{550, NULL, STAGE_MESSAGE, "550 Local policy violation", REASON_POLICYVIOLATION},
		{550, NULL, STAGE_MESSAGE, "550 5.7.1 This message is not RFC 5322 compliant", REASON_NOTCOMPLIANTRFC},
		{550, NULL, STAGE_MESSAGE, "550 Duplicate header: Subject", REASON_NOTCOMPLIANTRFC},
		{554, NULL, STAGE_MESSAGE, "554 Improper use of 8-bit data in message header", REASON_CONTENTERROR},
		{554, "5.6.0", STAGE_MESSAGE, "554 5.6.0 Message content not acceptable", REASON_CONTENTERROR},
		{552, NULL, STAGE_MESSAGE, "552 Message size exceeds fixed maximum message size", REASON_MESGTOOBIG},
		{552, "5.3.4", STAGE_MESSAGE, "552 5.3.4 Message file too big", REASON_MESGTOOBIG},
		{552, "5.2.3", STAGE_MESSAGE, "552 5.2.3 Message length exceeds administrative limit", REASON_EXCEEDLIMIT},
		{552, NULL, STAGE_MESSAGE, "552 Message header size exceeds limit", REASON_EXCEEDLIMIT},
		{450, NULL, STAGE_RCPT, "450 4.7.1 Client host rejected: Please try again slower", REASON_SPEEDING},
		{421, NULL, STAGE_RCPT, "421 receiving mail at a rate that prevents additional messages from being delivered", REASON_SPEEDING},
		{421, NULL, STAGE_CONNECT, "421 Too many connections from your host", REASON_TOOMANYCONN},
		{452, NULL, STAGE_RCPT, "452 Too many recipients", REASON_TOOMANYCONN},
		{451, NULL, STAGE_MESSAGE, "451 Local error in processing", REASON_SYSTEMERROR},
		{554, NULL, STAGE_MESSAGE, "554 Mail system configuration error", REASON_SYSTEMERROR},
		{452, NULL, STAGE_MESSAGE, "452 Mail system full", REASON_SYSTEMFULL},
		{452, "4.3.1", STAGE_MESSAGE, "452 4.3.1 Insufficient system storage", REASON_SYSTEMFULL},
		{554, NULL, STAGE_UNKNOWN, "Command died with status 1: \"/usr/bin/procmail\"", REASON_MAILERERROR},
		{554, NULL, STAGE_UNKNOWN, "554 5.3.0 unknown mailer error 75", REASON_MAILERERROR},
	};
	check_cases(cases, sizeof cases / sizeof cases[0]);
}

/* When no phrase decides, the enhanced status does; then code and stage. */
static void test_status_and_fallbacks(void **state)
{
	(void)state;
	static const struct cls_case cases[] = {
		{550, "5.1.1", STAGE_UNKNOWN, "Rejected", REASON_USERUNKNOWN},
		{550, "5.1.2", STAGE_UNKNOWN, "", REASON_HOSTUNKNOWN},
		{552, "5.2.2", STAGE_UNKNOWN, "", REASON_MAILBOXFULL},
		{554, "5.3.4", STAGE_UNKNOWN, "", REASON_MESGTOOBIG},
		{550, "5.7.26", STAGE_UNKNOWN, "", REASON_AUTHFAILURE},
		{550, "5.7.25", STAGE_UNKNOWN, "", REASON_REQUIREPTR},
		{550, "5.1.10", STAGE_UNKNOWN, "", REASON_NOTACCEPT},
		{421, "4.4.7", STAGE_UNKNOWN, "", REASON_EXPIRED},
		{550, "5.7.99", STAGE_UNKNOWN, "", REASON_SECURITYERROR}, /* X.7.X family */
		{554, "5.6.99", STAGE_UNKNOWN, "", REASON_CONTENTERROR},  /* X.6.X family */
		{550, NULL, STAGE_MAIL, "550 go ahead, make my day", REASON_REJECTED},
		{554, NULL, STAGE_CONNECT, "554 no thanks", REASON_BLOCKED},
		{550, NULL, STAGE_HELO, "550 no thanks", REASON_BLOCKED},
		{501, NULL, STAGE_UNKNOWN, "501 Syntax error in parameters", REASON_SYNTAXERROR},
		{503, NULL, STAGE_RCPT, "503 Bad sequence of commands", REASON_SYNTAXERROR},
		{550, NULL, STAGE_UNKNOWN, "550 nothing useful here", REASON_UNDEFINED},
		{0, NULL, STAGE_UNKNOWN, "", REASON_UNDEFINED},
	};
	check_cases(cases, sizeof cases / sizeof cases[0]);
}

/* The stage changes what the same words mean. */
static void test_stage_matters(void **state)
{
	(void)state;
	const char *t = "550 User unknown";
	size_t n = strlen(t);
	const uint8_t *u = (const uint8_t *)t;
	assert_int_equal(classify_reason(550, NULL, u, n, STAGE_RCPT), REASON_USERUNKNOWN);
	/* after DATA a "user unknown" is a recipient-side filter */
	assert_int_equal(classify_reason(550, NULL, u, n, STAGE_MESSAGE), REASON_FILTERED);
	/* relaying cannot be refused before the client said who it is */
	const char *r = "550 relay not permitted";
	assert_int_equal(classify_reason(550, NULL, (const uint8_t *)r, strlen(r), STAGE_RCPT),
			 REASON_NORELAYING);
	assert_int_not_equal(classify_reason(550, NULL, (const uint8_t *)r, strlen(r), STAGE_CONNECT),
			     REASON_NORELAYING);
	/* sender-refusal words decide at MAIL FROM; at RCPT TO the status does */
	const char *s = "550 5.1.1 Sender rejected";
	assert_int_equal(classify_reason(550, "5.1.1", (const uint8_t *)s, strlen(s), STAGE_MAIL),
			 REASON_REJECTED);
	assert_int_equal(classify_reason(550, "5.1.1", (const uint8_t *)s, strlen(s), STAGE_RCPT),
			 REASON_USERUNKNOWN);
}

static void test_success_is_none(void **state)
{
	(void)state;
	const char *t = "250 2.1.5 Ok, user unknown is a fine name";
	size_t n = strlen(t);
	assert_int_equal(classify_reason(250, "2.1.5", (const uint8_t *)t, n, STAGE_RCPT), REASON_NONE);
	assert_int_equal(classify_reason(354, NULL, (const uint8_t *)t, n, STAGE_DATA), REASON_NONE);
	assert_int_equal(classify_reason(0, "2.0.0", (const uint8_t *)t, n, STAGE_UNKNOWN), REASON_NONE);
	assert_int_not_equal(classify_reason(550, "2.0.0", (const uint8_t *)t, n, STAGE_RCPT),
			     REASON_NONE);
}

static void test_bounce_context(void **state)
{
	(void)state;
	struct classify_context delayed = {"smtp", "delayed"};
	struct classify_context unix_pipe = {"x-unix", "failed"};
	struct classify_context plain = {NULL, NULL};
	const char *t = "Deferred: Connection refused by mx.example.org.";
	assert_int_equal(classify_reason_ctx(0, "4.0.0", (const uint8_t *)t, strlen(t), STAGE_UNKNOWN,
					     &delayed),
			 REASON_BLOCKED);
	const char *q = "host did not answer";
	assert_int_equal(classify_reason_ctx(0, "4.0.0", (const uint8_t *)q, strlen(q), STAGE_UNKNOWN,
					     &delayed),
			 REASON_EXPIRED);
	const char *u = "75";
	assert_int_equal(classify_reason_ctx(0, "5.0.0", (const uint8_t *)u, 2, STAGE_UNKNOWN,
					     &unix_pipe),
			 REASON_MAILERERROR);
	const char *v = "I am out of the office until Monday";
	assert_int_equal(classify_reason_ctx(0, NULL, (const uint8_t *)v, strlen(v), STAGE_UNKNOWN,
					     &plain),
			 REASON_VACATION);
	const char *o = "something odd happened";
	assert_int_equal(classify_reason_ctx(0, NULL, (const uint8_t *)o, strlen(o), STAGE_UNKNOWN,
					     &plain),
			 REASON_ONHOLD);
	assert_int_equal(classify_reason(0, NULL, (const uint8_t *)o, strlen(o), STAGE_UNKNOWN),
			 REASON_UNDEFINED);
}

static void test_bounds_and_names(void **state)
{
	(void)state;
	/* text is read only up to len: the phrase lies past it */
	const char *t = "550 blah no such user";
	assert_int_equal(classify_reason(0, NULL, (const uint8_t *)t, 8, STAGE_RCPT),
			 REASON_UNDEFINED);
	assert_int_equal(classify_reason(0, NULL, NULL, 0, STAGE_RCPT), REASON_UNDEFINED);
	/* malformed statuses are ignored, not misread */
	assert_int_equal(classify_reason(0, "5.1", (const uint8_t *)"", 0, STAGE_UNKNOWN),
			 REASON_UNDEFINED);
	assert_int_equal(classify_reason(0, "9.1.1", (const uint8_t *)"", 0, STAGE_UNKNOWN),
			 REASON_UNDEFINED);
	assert_int_equal(classify_reason(0, "5.1.1234", (const uint8_t *)"", 0, STAGE_UNKNOWN),
			 REASON_UNDEFINED);
	/* a long text of no interest, with the phrase beyond the scanned cap */
	static char big[20000];
	memset(big, 'x', sizeof big - 1);
	memcpy(big + 18000, " user unknown", 13);
	assert_int_equal(classify_reason(550, NULL, (const uint8_t *)big, strlen(big), STAGE_RCPT),
			 REASON_UNDEFINED);
	memcpy(big + 100, " user unknown", 13);
	assert_int_equal(classify_reason(550, NULL, (const uint8_t *)big, strlen(big), STAGE_RCPT),
			 REASON_USERUNKNOWN);
	assert_string_equal(smtp_stage_name(STAGE_RCPT), "rcpt");
	assert_string_equal(smtp_stage_name(STAGE_MESSAGE), "message");
	assert_string_equal(smtp_stage_name((enum smtp_stage)99), "unknown");
	for (int s = 0; s < STAGE_LAST; s++)
		assert_non_null(smtp_stage_name((enum smtp_stage)s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phrases_per_reason),
		cmocka_unit_test(test_status_and_fallbacks),
		cmocka_unit_test(test_stage_matters),
		cmocka_unit_test(test_success_is_none),
		cmocka_unit_test(test_bounce_context),
		cmocka_unit_test(test_bounds_and_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
