/* test_practice.c - the practice server's protocol core without sockets
 * (RFC 5321 sequencing and syntax, RFC 1870 SIZE, RFC 2920 pipelining,
 * RFC 3030 BDAT, RFC 3207 STARTTLS reset, RFC 4954 AUTH, teaching replies):
 * command lines in, replies and events out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/buf.h"
#include "probe/practice.h"
#include "probe/practice_session.h"

struct fx {
	struct practice_shared sh;
	struct practice_session *s;
	struct buf out;
	int nmsg, nreplies;
	char qid[16];
	char subject[256];
	struct buf data;
	size_t nrcpts;
	bool bdat, eight_bit;
	uint64_t size;
	struct buf cmds;  /* command events, one per line */
	struct buf notes; /* note events, one per line */
};

static void fx_event(struct practice *p, const struct practice_event *ev, void *ud)
{
	struct fx *f = ud;
	assert_null(p);
	assert_int_equal(ev->client, 0);
	switch (ev->type) {
	case PRACTICE_EV_COMMAND:
		buf_append(&f->cmds, ev->text, ev->len);
		buf_append_str(&f->cmds, "\n");
		break;
	case PRACTICE_EV_REPLY: f->nreplies++; break;
	case PRACTICE_EV_NOTE:
		buf_append_str(&f->notes, ev->detail);
		buf_append_str(&f->notes, "\n");
		break;
	case PRACTICE_EV_MESSAGE:
		f->nmsg++;
		snprintf(f->qid, sizeof f->qid, "%s", ev->msg->queue_id);
		snprintf(f->subject, sizeof f->subject, "%s", ev->msg->subject ? ev->msg->subject : "");
		buf_reset(&f->data);
		buf_append(&f->data, ev->msg->data, ev->msg->data_len);
		f->nrcpts = ev->msg->nrcpts;
		f->bdat = ev->msg->bdat;
		f->size = ev->msg->size;
		f->eight_bit = ev->msg->eight_bit;
		break;
	default: break;
	}
}

static struct fx *fx_open(uint64_t size_max, bool require_tls, bool tls)
{
	struct fx *f = calloc(1, sizeof *f);
	struct practice_session_cfg cfg = {.hostname = "mx.practice.test", .size_max = size_max,
					   .require_tls_for_auth = require_tls, .shared = &f->sh};
	buf_init(&f->out, 1u << 22);
	buf_init(&f->data, 1u << 22);
	buf_init(&f->cmds, 1u << 22);
	buf_init(&f->notes, 1u << 16);
	f->s = practice_session_new(&cfg, tls, fx_event, f);
	practice_session_greeting(f->s, &f->out);
	return f;
}

static void fx_close(struct fx *f)
{
	practice_session_free(f->s);
	buf_free(&f->out);
	buf_free(&f->data);
	buf_free(&f->cmds);
	buf_free(&f->notes);
	free(f);
}

/* One command line; the replies it produced. */
static const char *say(struct fx *f, const char *line)
{
	buf_reset(&f->out);
	practice_session_input(f->s, line, &f->out);
	return buf_str(&f->out);
}

/* Raw bytes; the replies they produced (everything must be consumed). */
static const char *feed(struct fx *f, const char *bytes)
{
	size_t used = 0, n = strlen(bytes);
	buf_reset(&f->out);
	enum practice_status st = practice_session_feed(f->s, (const uint8_t *)bytes, n, &used, &f->out);
	if (st == PRACTICE_GO)
		assert_int_equal(used, n);
	return buf_str(&f->out);
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool starts_show(const char *s, const char *prefix)
{
	if (starts(s, prefix))
		return true;
	printf("expected a start of '%s', got: '%s'\n", prefix, s);
	return false;
}

static bool has_show(const char *s, const char *needle)
{
	if (strstr(s, needle))
		return true;
	printf("expected '%s' in: '%s'\n", needle, s);
	return false;
}

#define assert_starts(s, p) assert_true(starts_show((s), (p)))
#define assert_has(s, p) assert_true(has_show((s), (p)))

static struct fx *fx_ready(void)
{
	struct fx *f = fx_open(0, true, false);
	assert_starts(say(f, "EHLO client.example"), "250-mx.practice.test Hello client.example");
	return f;
}

static void test_greeting_and_ehlo(void **state)
{
	(void)state;
	struct fx *f = fx_open(0, true, false);
	assert_string_equal(buf_str(&f->out),
			    "220 mx.practice.test ESMTP smtpscope practice server - type HELP\r\n");
	const char *r = say(f, "EHLO client.example");
	const char *want[] = {"250-PIPELINING\r\n", "250-SIZE 10485760\r\n", "250-8BITMIME\r\n",
			      "250-SMTPUTF8\r\n", "250-ENHANCEDSTATUSCODES\r\n", "250-CHUNKING\r\n",
			      "250-STARTTLS\r\n", "250-DSN\r\n"};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		assert_has(r, want[i]);
	assert_null(strstr(r, "AUTH"));
	assert_true(strlen(r) > 10 && !strcmp(r + strlen(r) - 10, "250 HELP\r\n"));
	/* RFC 3207 4.2: after TLS, EHLO again; STARTTLS gone, AUTH offered. */
	assert_starts(say(f, "STARTTLS"), "220 2.0.0");
	assert_int_equal(practice_session_status(f->s), PRACTICE_STARTTLS);
	practice_session_tls_started(f->s);
	assert_starts(say(f, "MAIL FROM:<a@example.com>"), "503 5.5.1 Bad sequence: say EHLO");
	r = say(f, "EHLO client.example");
	assert_has(r, "250-AUTH PLAIN LOGIN\r\n");
	assert_null(strstr(r, "STARTTLS"));
	assert_starts(say(f, "STARTTLS"), "503 5.5.1 TLS is already active");
	fx_close(f);
	/* Clear-text AUTH when allowed, with a warning on the first line. */
	f = fx_open(0, false, false);
	r = say(f, "EHLO client.example");
	assert_has(r, "250-AUTH PLAIN LOGIN\r\n");
	assert_has(r, "in clear");
	fx_close(f);
	/* HELO: no extensions, so none may be used. */
	f = fx_open(0, true, false);
	assert_starts(say(f, "HELO client.example"), "250 mx.practice.test Hello client.example");
	assert_starts(say(f, "MAIL FROM:<a@example.com> SIZE=10"), "555 5.5.4 MAIL parameters need EHLO");
	assert_starts(say(f, "STARTTLS"), "503 5.5.1 STARTTLS needs EHLO");
	fx_close(f);
}

static void test_sequence_errors(void **state)
{
	(void)state;
	struct fx *f = fx_open(0, true, false);
	assert_starts(say(f, "MAIL FROM:<a@example.com>"), "503 5.5.1 Bad sequence: say EHLO");
	assert_starts(say(f, "EHLO client.example"), "250-");
	assert_string_equal(say(f, "RCPT TO:<b@example.com>"),
			    "503 5.5.1 Bad sequence: send MAIL FROM:<address> before RCPT TO\r\n");
	assert_starts(say(f, "DATA"), "503 5.5.1 Bad sequence: send MAIL FROM:<address>");
	assert_starts(say(f, "MAIL FROM:<a@example.com>"), "250 2.1.0");
	assert_starts(say(f, "MAIL FROM:<a@example.com>"), "503 5.5.1 Bad sequence: a transaction");
	assert_starts(say(f, "DATA"), "503 5.5.1 Bad sequence: send RCPT TO:<address> before DATA");
	assert_starts(say(f, "RCPT TO:<unknown@example.com>"), "550 5.1.1");
	assert_starts(say(f, "DATA"), "554 5.5.1 No valid recipients");
	assert_starts(say(f, "RSET"), "250 2.0.0");
	assert_starts(say(f, "RCPT TO:<b@example.com>"), "503 5.5.1");
	/* EHLO ends a transaction (RFC 5321 4.1.4). */
	assert_starts(say(f, "MAIL FROM:<a@example.com>"), "250 ");
	assert_starts(say(f, "EHLO client.example"), "250-");
	assert_starts(say(f, "RCPT TO:<b@example.com>"), "503 5.5.1");
	fx_close(f);
}

static void test_syntax_errors(void **state)
{
	(void)state;
	struct fx *f = fx_ready();
	assert_string_equal(say(f, "MAIL FROM:a@example.com"),
			    "501 5.5.4 Syntax: MAIL FROM:<address> - the angle brackets are required\r\n");
	assert_starts(say(f, "MAIL FROM: <a@example.com>"), "501 5.5.4 Syntax: no space");
	assert_starts(say(f, "MAIL TO:<a@example.com>"), "501 5.5.4 Syntax: MAIL FROM:<address>");
	assert_starts(say(f, "MAIL FROM:<a@>"), "501 5.1.7 Bad sender address syntax");
	assert_string_equal(say(f, "MAIL FROM:<a@example.com> FOO=1"),
			    "555 5.5.4 Unknown MAIL parameter FOO\r\n");
	assert_starts(say(f, "MAIL FROM:<a@example.com> SIZE=abc"), "501 5.5.4 Syntax: SIZE=");
	assert_starts(say(f, "MAIL FROM:<a@example.com> BODY=BINARYMIME"), "555 5.5.4 BODY=BINARYMIME");
	assert_starts(say(f, "MAIL FROM:<a@example.com> BODY=9BIT"), "501 5.5.4");
	assert_starts(say(f, "MAIL FROM:<x@nowhere.invalid>"), "553 5.1.8");
	assert_starts(say(f, "MAIL FROM:<>"), "250 2.1.0");
	assert_starts(say(f, "RCPT TO:<>"), "501 5.1.3 The null path");
	assert_starts(say(f, "RCPT TO:<b@example.com> FOO"), "555 5.5.4 Unknown RCPT parameter FOO");
	assert_starts(say(f, "RCPT TO:<b@example.com> NOTIFY=NEVER,SUCCESS"), "501 5.5.4 Syntax: NOTIFY");
	assert_starts(say(f, "RCPT TO:<b@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@example.com"),
		      "250 2.1.5");
	assert_starts(say(f, "DATA now"), "501 5.5.4 Syntax: DATA takes no argument");
	assert_starts(say(f, "EHLO"), "501 5.5.4 Syntax: EHLO <your host name>");
	assert_starts(say(f, "EHLO bad!name"), "501 5.5.4 Syntax: EHLO takes one argument");
	assert_starts(say(f, "EHLO [127.0.0.1]"), "250-");
	fx_close(f); /* 20 errors would close the session: go on in a new one */
	f = fx_ready();
	assert_starts(say(f, "FROB"), "500 5.5.1 Unknown command 'FROB'");
	assert_starts(say(f, ""), "500 5.5.2 Empty command line");
	assert_starts(say(f, "VRFY"), "501 5.5.4");
	assert_starts(say(f, "VRFY someone"), "252 2.5.0");
	assert_starts(say(f, "EXPN list"), "502 5.5.1");
	assert_starts(say(f, "ETRN example.com"), "502 5.5.1");
	assert_starts(say(f, "NOOP anything"), "250 2.0.0");
	assert_starts(say(f, "RSET now"), "501 5.5.4");
	{
		static const uint8_t nul[] = "NO\0OP\r\n";
		size_t used = 0;
		buf_reset(&f->out);
		practice_session_feed(f->s, nul, sizeof nul - 1, &used, &f->out);
		assert_int_equal(used, sizeof nul - 1);
		assert_starts(buf_str(&f->out), "500 5.5.2 NUL octet");
	}
	fx_close(f);
}

static void test_size_limit(void **state)
{
	(void)state;
	struct fx *f = fx_open(100, true, false);
	assert_has(say(f, "EHLO c.example"), "250-SIZE 100\r\n");
	assert_string_equal(say(f, "MAIL FROM:<a@example.com> SIZE=101"),
			    "552 5.3.4 Message size exceeds the SIZE limit of 100 octets "
			    "(SIZE=101 was declared)\r\n");
	assert_starts(say(f, "MAIL FROM:<a@example.com> SIZE=100"), "250 ");
	assert_starts(say(f, "RCPT TO:<b@example.com>"), "250 ");
	assert_starts(say(f, "DATA"), "354 ");
	char body[300];
	memset(body, 'x', 150);
	memcpy(body + 150, "\r\n.\r\n", 6);
	assert_starts(feed(f, body), "552 5.3.4 Message size exceeds the SIZE limit of 100");
	assert_int_equal(f->nmsg, 0);
	/* BDAT: the chunk is read whole, then refused. */
	assert_starts(say(f, "MAIL FROM:<a@example.com>"), "250 ");
	assert_starts(say(f, "RCPT TO:<b@example.com>"), "250 ");
	memcpy(body, "BDAT 150 LAST\r\n", 15);
	memset(body + 15, 'y', 150);
	memcpy(body + 165, "NOOP\r\n", 7);
	const char *r = feed(f, body);
	assert_string_equal(r, "552 5.3.4 Message size exceeds the SIZE limit of 100 octets\r\n"
			       "250 2.0.0 Ok\r\n");
	assert_int_equal(f->nmsg, 0);
	fx_close(f);
}

static void test_teaching_addresses(void **state)
{
	(void)state;
	size_t n = 0;
	const struct practice_teach *t = practice_teaching_addresses(&n);
	assert_true(n >= 8);
	struct fx *f = fx_ready();
	size_t checked = 0;
	for (size_t i = 0; i < n; i++) {
		const char *at = strstr(t[i].address, "@<practice domain>");
		if (!at || strchr(t[i].address, ','))
			continue;
		char rcpt[128];
		snprintf(rcpt, sizeof rcpt, "RCPT TO:<%.*s@example.com>", (int)(at - t[i].address),
			 t[i].address);
		assert_starts(say(f, "RSET"), "250 ");
		assert_starts(say(f, "MAIL FROM:<teacher@example.org>"), "250 ");
		char code[10];
		snprintf(code, sizeof code, "%.9s", t[i].reply);
		if (code[3] != ' ' || !strchr("0123456789", code[4]) || code[4] == '\0')
			code[3] = '\0'; /* "250 at RCPT": only the basic code */
		assert_starts(say(f, rcpt), code);
		checked++;
	}
	assert_true(checked >= 7);
	/* The greylisted pair passes on the retry, also in a new session. */
	struct fx *g = fx_ready();
	g->sh = f->sh;
	practice_session_free(g->s);
	struct practice_session_cfg cfg = {.hostname = "mx.practice.test", .shared = &f->sh,
					   .require_tls_for_auth = true};
	g->s = practice_session_new(&cfg, false, fx_event, g);
	assert_starts(say(g, "EHLO c.example"), "250-");
	assert_starts(say(g, "MAIL FROM:<teacher@example.org>"), "250 ");
	assert_starts(say(g, "RCPT TO:<greylist@example.com>"), "250 2.1.5");
	assert_starts(say(g, "MAIL FROM:<other@example.org>"), "503 ");
	assert_starts(say(g, "RSET"), "250 ");
	assert_starts(say(g, "MAIL FROM:<other@example.org>"), "250 ");
	assert_starts(say(g, "RCPT TO:<greylist@example.com>"), "450 4.7.1");
	fx_close(g);
	/* Domains: relay, .invalid, postmaster, practice domains. */
	assert_starts(say(f, "RSET"), "250 ");
	assert_starts(say(f, "MAIL FROM:<teacher@example.org>"), "250 ");
	assert_starts(say(f, "RCPT TO:<someone@gmail.com>"), "554 5.7.1 Relay access denied");
	assert_starts(say(f, "RCPT TO:<someone@nowhere.invalid>"), "550 5.1.2");
	assert_starts(say(f, "RCPT TO:<Postmaster>"), "250 2.1.5");
	assert_starts(say(f, "RCPT TO:<@relay.example.com:anyone@example.com>"), "250 2.1.5");
	assert_has(buf_str(&f->notes), "source route ignored");
	assert_starts(say(f, "RCPT TO:<anyone@mx.practice.test>"), "250 2.1.5");
	assert_starts(say(f, "RCPT TO:<anyone@lab.test>"), "250 2.1.5");
	assert_starts(say(f, "RCPT TO:<UNKNOWN@Example.COM>"), "550 5.1.1");
	assert_true(practice_domain_is_local("sub.example.net", NULL));
	assert_false(practice_domain_is_local("example.co", NULL));
	/* spam@: accepted at RCPT, refused after DATA. */
	assert_starts(say(f, "RSET"), "250 ");
	assert_starts(say(f, "MAIL FROM:<teacher@example.org>"), "250 ");
	assert_starts(say(f, "RCPT TO:<spam@example.com>"), "250 2.1.5");
	assert_starts(say(f, "DATA"), "354 ");
	assert_starts(feed(f, "Subject: buy\r\n\r\nnow\r\n.\r\n"), "554 5.7.1");
	assert_int_equal(f->nmsg, 0);
	fx_close(f);
}

/* A whole DATA transaction; returns the replies of the content part. */
static const char *data_session(struct fx *f, const char *content)
{
	assert_starts(say(f, "MAIL FROM:<alice@example.org>"), "250 ");
	assert_starts(say(f, "RCPT TO:<bob@example.com>"), "250 ");
	assert_starts(say(f, "RCPT TO:<carol@example.com>"), "250 ");
	assert_starts(say(f, "DATA"), "354 ");
	return feed(f, content);
}

static const char msg1[] = "Subject: =?UTF-8?Q?caf=C3=A9?= test\r\nFrom: alice@example.org\r\n\r\n"
			   "..a line that started with a dot\r\n.\r\nnot the end\r\n.\r\n";

static void test_data_message(void **state)
{
	(void)state;
	struct fx *f = fx_ready();
	const char *r = data_session(f, msg1);
	assert_int_equal(f->nmsg, 1);
	assert_true(strlen(f->qid) == 9 && f->qid[0] == 'P' &&
		    strspn(f->qid + 1, "0123456789ABCDEF") == 8);
	char want[64];
	snprintf(want, sizeof want, "250 2.0.0 Ok: queued as %s\r\n", f->qid);
	assert_starts(r, want);
	/* What follows the end marker is read as commands again. */
	assert_has(r, "\r\n500 5.5.1 Unknown command 'not'");
	assert_string_equal(f->subject, "caf\xc3\xa9 test");
	assert_int_equal(f->nrcpts, 2);
	assert_false(f->bdat);
	const char *d = buf_str(&f->data);
	assert_non_null(strstr(d, "\r\n.a line that started with a dot\r\n"));
	assert_null(strstr(d, "not the end")); /* the first lone dot ended it */
	assert_int_equal(f->size, f->data.len);
	/* "not the end" came after the end marker: read as a command. */
	assert_starts(say(f, "NOOP"), "250 ");
	/* A second message gets a different queue id. */
	char first[16];
	snprintf(first, sizeof first, "%s", f->qid);
	data_session(f, "Subject: two\r\n\r\nx\r\n.\r\n");
	assert_int_equal(f->nmsg, 2);
	assert_string_not_equal(first, f->qid);
	fx_close(f);
}

/* Every chunking of the same bytes gives the same replies and message. */
static void test_chunking_independent(void **state)
{
	(void)state;
	static const char script[] =
		"EHLO c.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"
		"Subject: split\r\n\r\n..dot\r\nbody\r\n.\r\n"
		"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nBDAT 6\r\nab\r\ncdBDAT 0 LAST\r\n"
		"QUIT\r\n";
	struct fx *whole = fx_open(0, true, false);
	buf_reset(&whole->out);
	size_t used = 0, n = strlen(script);
	assert_int_equal(practice_session_feed(whole->s, (const uint8_t *)script, n, &used, &whole->out),
			 PRACTICE_CLOSE);
	assert_int_equal(used, n);
	assert_int_equal(whole->nmsg, 2);
	for (size_t step = 1; step <= 7; step += 3) {
		struct fx *f = fx_open(0, true, false);
		buf_reset(&f->out);
		size_t off = 0;
		while (off < n) {
			size_t k = n - off < step ? n - off : step, u = 0;
			practice_session_feed(f->s, (const uint8_t *)script + off, k, &u, &f->out);
			assert_int_equal(u, k);
			off += k;
		}
		/* queue ids differ per shared state; compare with them masked */
		assert_int_equal(f->nmsg, 2);
		assert_int_equal(f->out.len, whole->out.len);
		assert_string_equal(buf_str(&f->data), buf_str(&whole->data));
		fx_close(f);
	}
	assert_string_equal(buf_str(&whole->data), "ab\r\ncd");
	assert_true(whole->bdat);
	fx_close(whole);
}

static void test_bare_lf_and_long_lines(void **state)
{
	(void)state;
	struct fx *f = fx_ready();
	assert_starts(feed(f, "NOOP\n"), "500 5.5.2 Bare LF");
	char line[700];
	memset(line, 'A', 600);
	line[600] = '\0';
	assert_starts(say(f, line), "500 5.5.2 Line too long");
	char *huge = malloc(20000);
	memset(huge, 'B', 19997);
	memcpy(huge + 19997, "\r\n", 3);
	assert_starts(feed(f, huge), "500 5.5.2 Line too long");
	free(huge);
	assert_starts(say(f, "NOOP"), "250 ");
	/* A DATA line over 1000 octets: refused at the end. */
	memset(line, 'C', 600);
	memcpy(line + 600, "\0", 1);
	assert_starts(say(f, "MAIL FROM:<a@example.org>"), "250 ");
	assert_starts(say(f, "RCPT TO:<b@example.com>"), "250 ");
	assert_starts(say(f, "DATA"), "354 ");
	feed(f, line);
	feed(f, line);
	assert_starts(feed(f, "\r\n.\r\n"), "554 5.6.0 Line too long");
	/* A bare LF in the content closes the connection (SMTP smuggling). */
	assert_starts(say(f, "MAIL FROM:<a@example.org>"), "250 ");
	assert_starts(say(f, "RCPT TO:<b@example.com>"), "250 ");
	assert_starts(say(f, "DATA"), "354 ");
	buf_reset(&f->out);
	size_t used = 0;
	static const char smug[] = "Subject: x\r\n\r\nhi\n.\nMAIL FROM:<evil@example.org>\r\n";
	assert_int_equal(practice_session_feed(f->s, (const uint8_t *)smug, strlen(smug), &used, &f->out),
			 PRACTICE_CLOSE);
	assert_starts(buf_str(&f->out), "521 5.5.2 Bare LF in message content");
	assert_null(strstr(buf_str(&f->out), "250"));
	assert_int_equal(f->nmsg, 0);
	assert_string_equal(practice_session_close_reason(f->s), "bare LF in message content");
	fx_close(f);
}

static void test_bdat(void **state)
{
	(void)state;
	struct fx *f = fx_ready();
	assert_starts(say(f, "MAIL FROM:<a@example.org>"), "250 ");
	/* Refused chunks are still read whole: their bytes are not commands. */
	assert_string_equal(feed(f, "BDAT 6\r\nQUIT\r\n"),
			    "503 5.5.1 Bad sequence: send RCPT TO:<address> before BDAT\r\n");
	assert_int_equal(practice_session_status(f->s), PRACTICE_GO);
	assert_starts(say(f, "RCPT TO:<b@example.com>"), "250 ");
	const char *r = feed(f, "BDAT 5\r\nHelloBDAT 8 LAST\r\n World\r\n");
	assert_starts(r, "250 2.0.0 5 octets received");
	assert_has(r, "\r\n250 2.0.0 Ok: queued as P");
	assert_int_equal(f->nmsg, 1);
	assert_true(f->bdat);
	assert_string_equal(buf_str(&f->data), "Hello World\r\n");
	/* No mixing with DATA. */
	assert_starts(say(f, "MAIL FROM:<a@example.org>"), "250 ");
	assert_starts(say(f, "RCPT TO:<b@example.com>"), "250 ");
	assert_starts(feed(f, "BDAT 3\r\nabc"), "250 2.0.0 3 octets");
	assert_starts(say(f, "DATA"), "503 5.5.1 Bad sequence: DATA cannot follow BDAT");
	assert_starts(say(f, "BDAT x"), "501 5.5.4 Syntax: BDAT");
	assert_starts(feed(f, "BDAT 2 FIRST\r\nxy"), "501 5.5.4 Syntax: BDAT");
	assert_starts(say(f, "BDAT 0 LAST"), "250 2.0.0 Ok: queued as");
	assert_string_equal(buf_str(&f->data), "abc");
	fx_close(f);
	/* After HELO, CHUNKING is not in effect. */
	f = fx_open(0, true, false);
	assert_starts(say(f, "HELO c.example"), "250 ");
	assert_starts(say(f, "MAIL FROM:<a@example.org>"), "250 ");
	assert_starts(say(f, "RCPT TO:<b@example.com>"), "250 ");
	assert_starts(feed(f, "BDAT 4 LAST\r\nRSET"), "503 5.5.1 Bad sequence: BDAT needs EHLO");
	fx_close(f);
}

static const char *auth_ready(struct fx *f)
{
	assert_starts(say(f, "STARTTLS"), "220 ");
	practice_session_tls_started(f->s);
	return say(f, "EHLO c.example");
}

static void test_auth(void **state)
{
	(void)state;
	struct fx *f = fx_ready();
	assert_string_equal(say(f, "AUTH PLAIN AGRlbW8AcHJhY3RpY2U="),
			    "530 5.7.0 Must issue STARTTLS first: AUTH is offered only over TLS here, "
			    "so the password never crosses the network in clear\r\n");
	assert_has(auth_ready(f), "AUTH PLAIN LOGIN");
	/* \0demo\0wrong */
	assert_string_equal(say(f, "AUTH PLAIN AGRlbW8Ad3Jvbmc="),
			    "535 5.7.8 Authentication credentials invalid (the demo account is "
			    "demo / practice)\r\n");
	assert_starts(say(f, "AUTH CRAM-MD5"), "504 5.5.4 Unrecognized authentication mechanism");
	assert_starts(say(f, "AUTH PLAIN !!!!"), "501 5.5.2 Invalid base64");
	assert_string_equal(say(f, "AUTH PLAIN"), "334 \r\n");
	assert_starts(say(f, "*"), "501 5.7.0 Authentication cancelled");
	assert_starts(say(f, "MAIL FROM:<a@example.org>"), "250 ");
	assert_starts(say(f, "RCPT TO:<x@elsewhere.org>"), "554 5.7.1 Relay access denied");
	assert_starts(say(f, "AUTH PLAIN AGRlbW8AcHJhY3RpY2U="), "503 5.5.1 AUTH is not allowed during");
	assert_starts(say(f, "RSET"), "250 ");
	assert_string_equal(say(f, "AUTH LOGIN"), "334 VXNlcm5hbWU6\r\n");
	assert_string_equal(say(f, "ZGVtbw=="), "334 UGFzc3dvcmQ6\r\n");
	assert_starts(say(f, "cHJhY3RpY2U="), "235 2.7.0 Authentication successful");
	assert_has(buf_str(&f->notes), "AUTH failed for user 'demo'\n");
	assert_has(buf_str(&f->notes), "AUTH succeeded for user 'demo'\n");
	assert_starts(say(f, "AUTH PLAIN AGRlbW8AcHJhY3RpY2U="), "503 5.5.1 Already authenticated");
	assert_starts(say(f, "MAIL FROM:<a@example.org>"), "250 ");
	assert_starts(say(f, "RCPT TO:<x@elsewhere.org>"), "250 2.1.5");
	/* Secrets never reach the command events. */
	const char *cmds = buf_str(&f->cmds);
	assert_has(cmds, "AUTH PLAIN ***\n");
	assert_null(strstr(cmds, "AGRlbW8"));
	assert_null(strstr(cmds, "cHJhY3RpY2U="));
	assert_null(strstr(cmds, "ZGVtbw=="));
	fx_close(f);
	/* A fresh session: PLAIN with the initial response after the 334. */
	f = fx_ready();
	auth_ready(f);
	assert_string_equal(say(f, "AUTH PLAIN"), "334 \r\n");
	assert_starts(say(f, "AGRlbW8AcHJhY3RpY2U="), "235 2.7.0");
	fx_close(f);
}

static void test_pipelining_in_order(void **state)
{
	(void)state;
	struct fx *f = fx_ready();
	const char *r = feed(f, "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\n"
				"RCPT TO:<unknown@example.com>\r\nRCPT TO:<c@example.com>\r\nDATA\r\n");
	const char *order[] = {"250 2.1.0", "250 2.1.5", "550 5.1.1", "250 2.1.5", "354 "};
	const char *p = r;
	for (size_t i = 0; i < 5; i++) {
		assert_starts(p, order[i]);
		p = strstr(p, "\r\n");
		assert_non_null(p);
		p += 2;
	}
	assert_string_equal(p, "");
	assert_starts(feed(f, "x\r\n.\r\n"), "250 2.0.0 Ok: queued");
	assert_int_equal(f->nrcpts, 2);
	fx_close(f);
}

static void test_starttls_injection_stops(void **state)
{
	(void)state;
	struct fx *f = fx_ready();
	static const char in[] = "STARTTLS\r\nMAIL FROM:<evil@example.org>\r\n";
	size_t used = 0;
	buf_reset(&f->out);
	assert_int_equal(practice_session_feed(f->s, (const uint8_t *)in, strlen(in), &used, &f->out),
			 PRACTICE_STARTTLS);
	assert_int_equal(used, 10);
	assert_starts(buf_str(&f->out), "220 2.0.0 Ready to start TLS");
	assert_null(strstr(buf_str(&f->out), "250"));
	/* Nothing more is taken until the handshake is done. */
	assert_int_equal(practice_session_feed(f->s, (const uint8_t *)in + used, strlen(in) - used,
					       &used, &f->out), PRACTICE_STARTTLS);
	assert_int_equal(used, 0);
	practice_session_tls_started(f->s);
	assert_true(practice_session_in_tls(f->s));
	assert_starts(say(f, "MAIL FROM:<a@example.org>"), "503 5.5.1");
	fx_close(f);
}

static void test_error_limit_and_close(void **state)
{
	(void)state;
	struct fx *f = fx_ready();
	for (int i = 1; i < 20; i++) {
		assert_starts(say(f, "BOGUS"), "500 5.5.1");
		assert_int_equal(practice_session_status(f->s), PRACTICE_GO);
	}
	const char *r = say(f, "BOGUS");
	assert_starts(r, "500 5.5.1");
	assert_has(r, "\r\n421 4.7.0 mx.practice.test Too many errors (20)");
	assert_int_equal(practice_session_status(f->s), PRACTICE_CLOSE);
	assert_int_equal(practice_session_errors(f->s), 20);
	assert_string_equal(say(f, "NOOP"), ""); /* nothing after close */
	fx_close(f);
	f = fx_ready();
	assert_string_equal(say(f, "QUIT"), "221 2.0.0 Bye\r\n");
	assert_int_equal(practice_session_status(f->s), PRACTICE_CLOSE);
	fx_close(f);
	f = fx_ready();
	buf_reset(&f->out);
	practice_session_timeout(f->s, 300000, &f->out);
	assert_starts(buf_str(&f->out), "421 4.4.2 mx.practice.test Idle timeout: no command for 300 seconds");
	assert_int_equal(practice_session_status(f->s), PRACTICE_CLOSE);
	fx_close(f);
	f = fx_ready();
	buf_reset(&f->out);
	practice_session_shutdown(f->s, &f->out);
	assert_starts(buf_str(&f->out), "421 4.3.2");
	fx_close(f);
	/* A TLS ClientHello on the plain port. */
	f = fx_open(0, true, false);
	assert_starts(feed(f, "\x16\x03\x01\x02\x00\x01"), "500 5.5.2 This looks like a TLS handshake");
	assert_int_equal(practice_session_status(f->s), PRACTICE_CLOSE);
	fx_close(f);
}

static void test_help(void **state)
{
	(void)state;
	struct fx *f = fx_open(0, true, false);
	const char *r = say(f, "HELP");
	assert_starts(r, "214-2.0.0 ");
	assert_has(r, "MAIL FROM:<");
	assert_has(r, "RCPT TO:<");
	assert_true(strlen(r) > 23 && !strcmp(r + strlen(r) - 23, "214 2.0.0 End of HELP\r\n"));
	assert_has(say(f, "HELP rcpt"), "Practice domains");
	r = say(f, "HELP ADDRESSES");
	size_t n = 0;
	const struct practice_teach *t = practice_teaching_addresses(&n);
	for (size_t i = 0; i < n; i++)
		assert_has(r, t[i].address);
	assert_starts(say(f, "HELP frobnicate"), "504 5.5.4 No help on 'frobnicate'");
	fx_close(f);
}

static void test_eight_bit_and_utf8(void **state)
{
	(void)state;
	struct fx *f = fx_ready();
	assert_has(data_session(f, "Subject: x\r\n\r\ncaf\xc3\xa9\r\n.\r\n"), "(note: 8-bit");
	assert_true(f->eight_bit);
	assert_starts(say(f, "MAIL FROM:<a@example.org> BODY=8BITMIME"), "250 ");
	assert_starts(say(f, "RCPT TO:<b@example.com>"), "250 ");
	assert_starts(say(f, "DATA"), "354 ");
	assert_null(strstr(feed(f, "x: y\r\n\r\ncaf\xc3\xa9\r\n.\r\n"), "note"));
	assert_starts(say(f, "MAIL FROM:<j\xc3\xb6rg@example.org>"), "553 5.6.7");
	assert_starts(say(f, "MAIL FROM:<j\xc3\xb6rg@example.org> SMTPUTF8"), "250 ");
	assert_starts(say(f, "RCPT TO:<m\xc3\xbcller@example.com>"), "250 ");
	fx_close(f);
}

/* A client that pipelines without reading: feed stops at the high-water
 * mark and goes on once the output is taken away. */
static void test_output_backpressure(void **state)
{
	(void)state;
	struct fx *f = fx_open(0, true, false);
	size_t count = 2000, n = count * 6;
	char *in = malloc(n + 1);
	for (size_t i = 0; i < count; i++)
		memcpy(in + 6 * i, "HELP\r\n", 6);
	size_t off = 0, rounds = 0, replies_before = (size_t)f->nreplies;
	while (off < n) {
		size_t used = 0;
		buf_reset(&f->out);
		practice_session_feed(f->s, (const uint8_t *)in + off, n - off, &used, &f->out);
		assert_true(used > 0);
		assert_true(f->out.len < PRACTICE_OUT_HIGH + 8192);
		off += used;
		rounds++;
	}
	assert_true(rounds > 1);
	assert_int_equal((size_t)f->nreplies - replies_before, count);
	free(in);
	fx_close(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greeting_and_ehlo),
		cmocka_unit_test(test_sequence_errors),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_teaching_addresses),
		cmocka_unit_test(test_data_message),
		cmocka_unit_test(test_chunking_independent),
		cmocka_unit_test(test_bare_lf_and_long_lines),
		cmocka_unit_test(test_bdat),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_pipelining_in_order),
		cmocka_unit_test(test_starttls_injection_stops),
		cmocka_unit_test(test_error_limit_and_close),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_eight_bit_and_utf8),
		cmocka_unit_test(test_output_backpressure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
