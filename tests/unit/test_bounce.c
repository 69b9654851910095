/* test_bounce.c - unit tests for the bounce reader: RFC 3464 DSNs, RFC 5965
 * feedback reports, RFC 3834 auto-replies and MTA text formats, written here
 * as small synthetic messages; plus truncated, garbage and oversized input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "decode/bounce.h"
#include "decode/buf.h"
#include "decode/limits.h"

static int parse(const char *msg, struct bounce *b)
{
	const char *err = NULL;
	int rc = bounce_parse((const uint8_t *)msg, strlen(msg), b, &err);
	if (rc != 0)
		assert_non_null(err);
	return rc;
}

static const char dsn_postfix[] =
	"From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
	"To: alice@example.net\n"
	"Subject: Undelivered Mail Returned to Sender\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status;\n"
	"\tboundary=\"B0UND.1/mx.example.net\"\n"
	"\n"
	"--B0UND.1/mx.example.net\n"
	"Content-Type: text/plain; charset=us-ascii\n"
	"\n"
	"This is the mail system at host mx.example.net.\n"
	"\n"
	"<bob@example.org>: host mx.example.org[192.0.2.7] said: 550 5.1.1\n"
	"    <bob@example.org>: Recipient address rejected: User unknown in local\n"
	"    recipient table (in reply to RCPT TO command)\n"
	"\n"
	"<carol@example.org>: host mx.example.org[192.0.2.7] said: 452 4.2.2\n"
	"    Mailbox full (in reply to RCPT TO command)\n"
	"\n"
	"--B0UND.1/mx.example.net\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.net\n"
	"X-Postfix-Sender: rfc822; alice@example.net\n"
	"\n"
	"Final-Recipient: rfc822; bob@example.org\n"
	"Original-Recipient: rfc822;bob@example.org\n"
	"Action: failed\n"
	"Status: 5.1.1\n"
	"Remote-MTA: dns; mx.example.org\n"
	"Diagnostic-Code: smtp; 550 5.1.1 <bob@example.org>: Recipient address\n"
	"    rejected: User unknown in local recipient table\n"
	"\n"
	"Final-Recipient: rfc822; carol@example.org\n"
	"Action: delayed\n"
	"Status: 4.2.2\n"
	"Diagnostic-Code: smtp; 452 4.2.2 Mailbox full\n"
	"\n"
	"--B0UND.1/mx.example.net\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"From: alice@example.net\nTo: bob@example.org\nSubject: hi\n\nhello\n"
	"--B0UND.1/mx.example.net--\n";

static void test_dsn(void **state)
{
	(void)state;
	struct bounce b;
	assert_int_equal(parse(dsn_postfix, &b), 0);
	assert_string_equal(b.format, "rfc3464");
	assert_string_equal(b.reporting_mta, "mx.example.net");
	assert_string_equal(b.subject, "Undelivered Mail Returned to Sender");
	assert_int_equal(b.nrcpt, 2);
	const struct bounce_rcpt *r = &b.rcpt[0];
	assert_string_equal(r->address, "bob@example.org");
	assert_string_equal(r->status, "5.1.1");
	assert_int_equal(r->reply_code, 550);
	assert_string_equal(r->action, "failed");
	assert_string_equal(r->remote_mta, "mx.example.org");
	assert_int_equal(r->stage, STAGE_RCPT); /* from the notification text */
	assert_int_equal(r->reason, REASON_USERUNKNOWN);
	assert_true(r->permanent);
	/* the folded Diagnostic-Code is unfolded */
	assert_non_null(strstr(r->diagnostic, "Recipient address rejected: User unknown"));
	r = &b.rcpt[1];
	assert_string_equal(r->address, "carol@example.org");
	assert_int_equal(r->reply_code, 452);
	assert_string_equal(r->action, "delayed");
	assert_int_equal(r->reason, REASON_MAILBOXFULL);
	assert_false(r->permanent);
	bounce_free(&b);
}

static void test_exim(void **state)
{
	(void)state;
	static const char msg[] =
		"From: Mail Delivery System <Mailer-Daemon@relay.example.net>\n"
		"To: alice@example.net\n"
		"Subject: Mail delivery failed: returning message to sender\n"
		"X-Failed-Recipients: dave@example.com\n"
		"\n"
		"This message was created automatically by mail delivery software.\n"
		"\n"
		"A message that you sent could not be delivered to one or more of its\n"
		"recipients. This is a permanent error. The following address(es) failed:\n"
		"\n"
		"  dave@example.com\n"
		"    host mx.example.com [192.0.2.9]\n"
		"    SMTP error from remote mail server after MAIL FROM:<alice@example.net> SIZE=1234:\n"
		"    553 5.1.8 Sender address rejected: Domain not found\n"
		"\n"
		"------ This is a copy of the message, including all the headers. ------\n"
		"\n"
		"From: alice@example.net\nTo: dave@example.com\n\nhi\n";
	struct bounce b;
	assert_int_equal(parse(msg, &b), 0);
	assert_string_equal(b.format, "exim");
	assert_int_equal(b.nrcpt, 1);
	assert_string_equal(b.rcpt[0].address, "dave@example.com");
	assert_int_equal(b.rcpt[0].reply_code, 553);
	assert_string_equal(b.rcpt[0].status, "5.1.8");
	assert_int_equal(b.rcpt[0].stage, STAGE_MAIL);
	assert_int_equal(b.rcpt[0].reason, REASON_REJECTED);
	assert_false(b.rcpt[0].permanent);
	/* the copy of the original is not read as a recipient */
	assert_null(strstr(b.rcpt[0].diagnostic, "hi"));
	bounce_free(&b);
}

static void test_qmail(void **state)
{
	(void)state;
	static const char msg[] =
		"From: MAILER-DAEMON@mail.example.net\n"
		"To: alice@example.net\n"
		"Subject: failure notice\n"
		"\n"
		"Hi. This is the qmail-send program at mail.example.net.\n"
		"I'm afraid I wasn't able to deliver your message to the following addresses.\n"
		"This is a permanent error; I've given up. Sorry it didn't work out.\n"
		"\n"
		"<erin@example.org>:\n"
		"192.0.2.44 does not like recipient.\n"
		"Remote host said: 550 5.1.1 <erin@example.org>... No such user\n"
		"Giving up on 192.0.2.44.\n"
		"\n"
		"<frank@example.org>:\n"
		"Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n"
		"I'm not going to try again; this message has been in the queue too long.\n"
		"\n"
		"--- Below this line is a copy of the message.\n"
		"\n"
		"To: erin@example.org\n\nbody\n";
	struct bounce b;
	assert_int_equal(parse(msg, &b), 0);
	assert_string_equal(b.format, "qmail");
	assert_int_equal(b.nrcpt, 2);
	assert_string_equal(b.rcpt[0].address, "erin@example.org");
	assert_int_equal(b.rcpt[0].stage, STAGE_RCPT);
	assert_int_equal(b.rcpt[0].reason, REASON_USERUNKNOWN);
	assert_string_equal(b.rcpt[1].address, "frank@example.org");
	assert_string_equal(b.rcpt[1].status, "4.4.1");
	assert_int_equal(b.rcpt[1].reason, REASON_NETWORKERROR); /* qmail's own wording */
	bounce_free(&b);
}

static void test_sendmail_transcript(void **state)
{
	(void)state;
	static const char msg[] =
		"From: Mail Delivery Subsystem <MAILER-DAEMON@gw.example.net>\n"
		"To: alice@example.net\n"
		"Subject: Returned mail: see transcript for details\n"
		"\n"
		"   ----- The following addresses had permanent fatal errors -----\n"
		"<grace@example.org>\n"
		"\n"
		"   ----- Transcript of session follows -----\n"
		"... while talking to mx.example.org.:\n"
		">>> MAIL From:<alice@example.net> SIZE=999\n"
		"<<< 550 5.7.1 Mail from 192.0.2.8 refused: see http://rbl.example/\n"
		"554 5.0.0 Service unavailable\n"
		"\n"
		"   ----- Unsent message follows -----\n"
		"To: grace@example.org\n\nx\n";
	struct bounce b;
	assert_int_equal(parse(msg, &b), 0);
	assert_int_equal(b.nrcpt, 1);
	assert_string_equal(b.rcpt[0].address, "grace@example.org");
	assert_string_equal(b.rcpt[0].remote_mta, "mx.example.org.");
	assert_int_equal(b.rcpt[0].stage, STAGE_MAIL);
	assert_int_equal(b.rcpt[0].reply_code, 550);
	assert_string_equal(b.rcpt[0].status, "5.7.1");
	assert_int_equal(b.rcpt[0].reason, REASON_BLOCKED);
	bounce_free(&b);
}

static void test_arf(void **state)
{
	(void)state;
	static const char msg[] =
		"From: feedback@isp.example\n"
		"To: abuse@example.net\n"
		"Subject: Abuse report\n"
		"Content-Type: multipart/report; report-type=feedback-report; boundary=\"arf\"\n"
		"\n"
		"--arf\n"
		"Content-Type: text/plain\n\nA complaint.\n"
		"--arf\n"
		"Content-Type: message/feedback-report\n\n"
		"Feedback-Type: abuse\n"
		"User-Agent: Example-FBL/1.0\n"
		"Version: 1\n"
		"Original-Rcpt-To: <heidi@isp.example>\n"
		"Original-Rcpt-To: ivan@isp.example\n"
		"\n"
		"--arf\n"
		"Content-Type: message/rfc822\n\nFrom: alice@example.net\nTo: heidi@isp.example\n\nbuy\n"
		"--arf--\n";
	struct bounce b;
	assert_int_equal(parse(msg, &b), 0);
	assert_string_equal(b.format, "arf");
	assert_string_equal(b.feedback_type, "abuse");
	assert_int_equal(b.nrcpt, 2);
	assert_string_equal(b.rcpt[0].address, "heidi@isp.example");
	assert_string_equal(b.rcpt[1].address, "ivan@isp.example");
	assert_int_equal(b.rcpt[1].reason, REASON_FEEDBACK);
	assert_false(b.rcpt[1].permanent);
	bounce_free(&b);
}

static void test_autoreply(void **state)
{
	(void)state;
	static const char msg[] =
		"From: Judy <judy@example.org>\n"
		"To: alice@example.net\n"
		"Subject: =?UTF-8?Q?Out_of_Office:_re:_caf=C3=A9?=\n"
		"Auto-Submitted: auto-replied\n"
		"\n"
		"I am out of the office until Monday.\n";
	struct bounce b;
	assert_int_equal(parse(msg, &b), 0);
	assert_string_equal(b.format, "rfc3834");
	assert_string_equal(b.subject, "Out of Office: re: caf\xc3\xa9");
	assert_int_equal(b.nrcpt, 1);
	assert_string_equal(b.rcpt[0].address, "judy@example.org");
	assert_int_equal(b.rcpt[0].reason, REASON_VACATION);
	bounce_free(&b);
}

static void test_gmail_and_json(void **state)
{
	(void)state;
	static const char gmail[] =
		"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
		"To: alice@example.net\n"
		"Subject: Delivery Status Notification (Failure)\n"
		"Content-Type: text/plain; charset=UTF-8\n"
		"Content-Transfer-Encoding: base64\n"
		"\n"
		/* "Delivery to the following recipient failed permanently:\n\n     ken@example.org\n\n"
		   "Technical details of permanent failure:\n552 5.2.2 Mailbox over quota\n" */
		"RGVsaXZlcnkgdG8gdGhlIGZvbGxvd2luZyByZWNpcGllbnQgZmFpbGVkIHBlcm1hbmVudGx5Ogo\n"
		"KICAgICBrZW5AZXhhbXBsZS5vcmcKClRlY2huaWNhbCBkZXRhaWxzIG9mIHBlcm1hbmVudCBm\n"
		"YWlsdXJlOgo1NTIgNS4yLjIgTWFpbGJveCBvdmVyIHF1b3RhCg==\n";
	struct bounce b;
	assert_int_equal(parse(gmail, &b), 0);
	assert_int_equal(b.nrcpt, 1);
	assert_string_equal(b.rcpt[0].address, "ken@example.org");
	assert_int_equal(b.rcpt[0].reply_code, 552);
	assert_int_equal(b.rcpt[0].reason, REASON_MAILBOXFULL);
	bounce_free(&b);

	static const char ses[] =
		"From: no-reply@sns.amazonaws.com\n"
		"Subject: AWS Notification Message\n"
		"Content-Type: text/plain; charset=UTF-8\n\n"
		"{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\","
		"\"bouncedRecipients\":[{\"emailAddress\":\"lee@example.org\",\"action\":\"failed\","
		"\"status\":\"5.1.1\",\"diagnosticCode\":\"smtp; 550 5.1.1 user unknown\"}],"
		"\"reportingMTA\":\"dsn; a1.smtp-out.example.com\"}}\n";
	assert_int_equal(parse(ses, &b), 0);
	assert_string_equal(b.format, "amazonses");
	assert_string_equal(b.reporting_mta, "a1.smtp-out.example.com");
	assert_int_equal(b.nrcpt, 1);
	assert_string_equal(b.rcpt[0].address, "lee@example.org");
	assert_int_equal(b.rcpt[0].reason, REASON_USERUNKNOWN);
	bounce_free(&b);
}

static void test_delivered_and_is_message(void **state)
{
	(void)state;
	static const char msg[] =
		"From: MAILER-DAEMON@mx.example.net\n"
		"Subject: Successful Mail Delivery Report\n"
		"Content-Type: multipart/report; report-type=delivery-status; boundary=x\n\n"
		"--x\nContent-Type: message/delivery-status\n\n"
		"Reporting-MTA: dns; mx.example.net\n\n"
		"Final-Recipient: rfc822; mia@example.org\nAction: delivered\nStatus: 2.0.0\n"
		"Diagnostic-Code: smtp; 250 2.0.0 Ok: queued\n\n"
		"--x--\n";
	struct bounce b;
	assert_int_equal(parse(msg, &b), 0);
	assert_int_equal(b.rcpt[0].reason, REASON_DELIVERED);
	assert_int_equal(b.rcpt[0].reply_code, 250);
	bounce_free(&b);
	assert_true(bounce_is_message((const uint8_t *)msg, strlen(msg)));
	assert_false(bounce_is_message((const uint8_t *)"550 5.1.1 User unknown", 22));
	assert_false(bounce_is_message((const uint8_t *)"5.7.26", 6));
	assert_false(bounce_is_message((const uint8_t *)"", 0));
}

static void test_bad_input(void **state)
{
	(void)state;
	struct bounce b;
	const char *err = NULL;
	assert_int_equal(bounce_parse((const uint8_t *)"", 0, &b, &err), -1);
	assert_non_null(err);
	err = NULL;
	assert_int_equal(bounce_parse((const uint8_t *)"\x00\xff\xfe garbage", 12, &b, &err), -1);
	assert_non_null(err);
	/* an ordinary message is no bounce */
	static const char plain[] = "From: a@example.org\nTo: b@example.org\nSubject: lunch\n\n"
				    "see you at noon, c@example.org\n";
	err = NULL;
	assert_int_equal(bounce_parse((const uint8_t *)plain, strlen(plain), &b, &err), -1);
	assert_non_null(err);
	/* every prefix of a real-shaped DSN parses or fails cleanly, in an exact-size
	 * heap copy so that a read past the end would be caught by the sanitizers */
	size_t n = strlen(dsn_postfix);
	for (size_t cut = 0; cut <= n; cut += 7) {
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, dsn_postfix, cut);
		if (bounce_parse(copy, cut, &b, &err) == 0) {
			assert_true(b.nrcpt >= 1);
			bounce_free(&b);
		}
		free(copy);
	}
}

static void test_many_recipients(void **state)
{
	(void)state;
	struct buf m;
	buf_init(&m, 1 << 20);
	buf_append_str(&m, "From: MAILER-DAEMON@mx.example.net\nSubject: failure\n"
			   "Content-Type: multipart/report; report-type=delivery-status; boundary=q\n\n"
			   "--q\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n");
	for (int i = 0; i < BOUNCE_RCPT_MAX + 5; i++)
		buf_printf(&m, "Final-Recipient: rfc822; u%d@example.org\nAction: failed\n"
			       "Status: 5.1.1\n\n", i);
	buf_append_str(&m, "--q--\n");
	struct bounce b;
	const char *err;
	assert_int_equal(bounce_parse(m.data, m.len, &b, &err), 0);
	assert_int_equal(b.nrcpt, BOUNCE_RCPT_MAX);
	assert_true(b.truncated);
	assert_string_equal(b.rcpt[BOUNCE_RCPT_MAX - 1].address, "u999@example.org");
	bounce_free(&b);
	buf_free(&m);
}

/* A text report whose recipient list grows while a transcript names one of
 * the first recipients (the draft array moves as it grows). */
static void test_text_many_with_transcript(void **state)
{
	(void)state;
	struct buf m;
	buf_init(&m, 1 << 16);
	buf_append_str(&m, "From: MAILER-DAEMON@gw.example.net\nTo: alice@example.net\n"
			   "Subject: Returned mail: User unknown\n\n"
			   "   ----- Transcript of session follows -----\n"
			   ">>> RCPT To:<u0@example.org>\n");
	for (int i = 1; i < 40; i++)
		buf_printf(&m, "<u%d@example.org>... User unknown\n", i);
	buf_append_str(&m, "<<< 550 5.1.1 <u0@example.org>... User unknown\n");
	struct bounce b;
	const char *err;
	assert_int_equal(bounce_parse(m.data, m.len, &b, &err), 0);
	assert_int_equal(b.nrcpt, 40);
	assert_string_equal(b.rcpt[0].address, "u0@example.org");
	assert_int_equal(b.rcpt[0].reply_code, 550);
	assert_int_equal(b.rcpt[0].stage, STAGE_RCPT);
	assert_int_equal(b.rcpt[0].reason, REASON_USERUNKNOWN);
	assert_string_equal(b.rcpt[39].address, "u39@example.org");
	bounce_free(&b);
	buf_free(&m);
}

/* An HTML-only notification and a report that repeats its DSN as
 * message/global-delivery-status (RFC 6533): one recipient, not two. */
static void test_html_and_global_dsn(void **state)
{
	(void)state;
	static const char html[] =
		"From: postmaster@outlook.example\nTo: alice@example.net\n"
		"Subject: Undeliverable: hello\nContent-Type: text/html; charset=utf-8\n\n"
		"<html><body><p>Your message to <b>nina@contoso.example</b> couldn&#39;t be "
		"delivered.</p><p>Remote Server returned &lt;550 5.1.1 User unknown&gt;</p>"
		"</body></html>\n";
	struct bounce b;
	assert_int_equal(parse(html, &b), 0);
	assert_int_equal(b.nrcpt, 1);
	assert_string_equal(b.rcpt[0].address, "nina@contoso.example");
	assert_int_equal(b.rcpt[0].reply_code, 550);
	assert_string_equal(b.rcpt[0].status, "5.1.1");
	assert_null(strstr(b.rcpt[0].diagnostic, "<p>")); /* tags are gone, */
	assert_non_null(strstr(b.rcpt[0].diagnostic, "<550 5.1.1")); /* entities decoded */
	bounce_free(&b);

	static const char twice[] =
		"From: MAILER-DAEMON@mx.example.net\nSubject: failure\n"
		"Content-Type: multipart/report; report-type=delivery-status; boundary=g\n\n"
		"--g\nContent-Type: message/delivery-status\n\n"
		"Final-Recipient: rfc822; oscar@example.org\nAction: failed\nStatus: 5.2.2\n\n"
		"--g\nContent-Type: message/global-delivery-status\n\n"
		"Final-Recipient: rfc822; Oscar@example.org\nAction: failed\nStatus: 5.2.2\n"
		"Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\n\n"
		"--g--\n";
	assert_int_equal(parse(twice, &b), 0);
	assert_int_equal(b.nrcpt, 1);
	assert_int_equal(b.rcpt[0].reply_code, 552);
	assert_int_equal(b.rcpt[0].reason, REASON_MAILBOXFULL);
	bounce_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dsn),
		cmocka_unit_test(test_exim),
		cmocka_unit_test(test_qmail),
		cmocka_unit_test(test_sendmail_transcript),
		cmocka_unit_test(test_arf),
		cmocka_unit_test(test_autoreply),
		cmocka_unit_test(test_gmail_and_json),
		cmocka_unit_test(test_delivered_and_is_message),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_many_recipients),
		cmocka_unit_test(test_text_many_with_transcript),
		cmocka_unit_test(test_html_and_global_dsn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
