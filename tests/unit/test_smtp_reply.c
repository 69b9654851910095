/* test_smtp_reply.c - unit tests for SMTP replies (RFC 5321 4.2, RFC 3463 codes split out), malformed replies, EHLO keywords and PIPELINING matching (RFC 2920). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "decode/limits.h"
#include "decode/smtp.h"

struct rep {
	int code;
	uint64_t answer_seq;
	enum smtp_cmd_kind kind;
	unsigned flags;
	size_t nlines, dropped;
	int line_codes[4];
	char esc[4][16];
	char msg[4][64];
};

struct col {
	unsigned an[SMTP_AN_LAST];
	struct rep r[64];
	int nr;
	uint64_t cmd_seq[64];
	enum smtp_cmd_kind cmd_kind[64];
	int nc;
	int ends;
};

static void on_ev(void *u, const struct smtp_event *ev)
{
	struct col *c = u;
	if (ev->type == SMTP_EV_ANOMALY)
		c->an[ev->anomaly.kind]++;
	if (ev->type == SMTP_EV_END)
		c->ends++;
	if (ev->type == SMTP_EV_COMMAND && c->nc < 64) {
		c->cmd_seq[c->nc] = ev->cmd->seq;
		c->cmd_kind[c->nc++] = ev->cmd->kind;
	}
	if (ev->type != SMTP_EV_REPLY || c->nr >= 64)
		return;
	const struct smtp_reply *r = ev->reply;
	struct rep *x = &c->r[c->nr++];
	memset(x, 0, sizeof *x);
	x->code = r->code;
	x->answer_seq = r->answer_seq;
	x->kind = r->answer_kind;
	x->flags = r->flags;
	x->nlines = r->nlines;
	x->dropped = r->lines_dropped;
	for (size_t i = 0; i < r->nlines && i < 4; i++) {
		x->line_codes[i] = r->lines[i].code;
		if (r->lines[i].has_esc)
			esc_format(&r->lines[i].esc, x->esc[i], sizeof x->esc[i]);
		size_t n = r->lines[i].msg_len < 63 ? r->lines[i].msg_len : 63;
		memcpy(x->msg[i], r->lines[i].msg, n);
	}
}

static struct smtp_parser *mk(struct col *c)
{
	memset(c, 0, sizeof *c);
	return smtp_parser_new(on_ev, c, NULL);
}

static void feed(struct smtp_parser *p, enum smtp_dir d, const char *s)
{
	smtp_feed(p, d, (const uint8_t *)s, strlen(s), 1);
}

#define C(s) feed(p, SMTP_DIR_CLIENT, s)
#define S(s) feed(p, SMTP_DIR_SERVER, s)

static void test_single_and_multi(void **state)
{
	(void)state;
	struct col c;
	struct smtp_parser *p = mk(&c);
	S("220 mx.example.net ESMTP\r\n");
	C("EHLO a.example\r\n");
	S("250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-AUTH PLAIN LOGIN\r\n");
	assert_int_equal(c.nr, 1); /* multi-line reply not finished yet */
	S("250 CHUNKING\r\n");
	assert_int_equal(c.nr, 2);
	assert_true(c.r[0].flags & SMTP_REPLY_GREETING);
	assert_int_equal(c.r[0].answer_seq, 0);
	assert_int_equal(c.r[1].code, 250);
	assert_int_equal(c.r[1].nlines, 5);
	assert_int_equal(c.r[1].kind, SMTP_CMD_EHLO);
	assert_int_equal(c.r[1].answer_seq, c.cmd_seq[0]);
	unsigned ext = smtp_server_ext(p);
	assert_true(ext & SMTP_EXT_PIPELINING);
	assert_true(ext & SMTP_EXT_SIZE);
	assert_true(ext & SMTP_EXT_AUTH);
	assert_true(ext & SMTP_EXT_CHUNKING);
	assert_false(ext & SMTP_EXT_STARTTLS);
	C("MAIL FROM:<a@a.example>\r\n");
	S("250 2.1.0 Ok\r\n");
	assert_string_equal(c.r[2].esc[0], "2.1.0");
	assert_string_equal(c.r[2].msg[0], "Ok");
	C("RCPT TO:<b@b.example>\r\n");
	S("550-5.1.1 no such user\r\n550 5.1.1 see https://x.example/\r\n");
	assert_int_equal(c.r[3].code, 550);
	assert_string_equal(c.r[3].esc[1], "5.1.1");
	assert_string_equal(c.r[3].msg[1], "see https://x.example/");
	/* a code alone is a valid final line; a 3xx line carries no enhanced code */
	C("NOOP\r\n");
	S("250\r\n");
	assert_int_equal(c.r[4].code, 250);
	assert_int_equal(c.r[4].flags & SMTP_REPLY_MALFORMED, 0);
	C("DATA\r\n");
	S("354 3.0.0 go\r\n");
	assert_string_equal(c.r[5].esc[0], "");
	assert_int_equal(c.an[SMTP_AN_REPLY_BAD_CODE], 0);
	smtp_parser_free(p);
}

static void test_malformed(void **state)
{
	(void)state;
	struct col c;
	struct smtp_parser *p = mk(&c);
	S("220 hi\r\n");
	C("NOOP\r\n");
	S("250-one\r\n251 two\r\n");
	assert_int_equal(c.an[SMTP_AN_REPLY_CODE_MISMATCH], 1);
	assert_true(c.r[1].flags & SMTP_REPLY_MISMATCH);
	assert_int_equal(c.r[1].code, 251); /* the last line's code counts */
	C("NOOP\r\n");
	S("garbage line\r\n"); /* no code: answers nothing */
	assert_int_equal(c.an[SMTP_AN_REPLY_BAD_CODE], 1);
	assert_int_equal(c.r[2].code, 0);
	assert_int_equal(c.r[2].answer_seq, 0);
	S("250-ok\r\ncontinuation without code\r\n250 end\r\n"); /* inside a reply: a continuation */
	assert_int_equal(c.r[3].nlines, 3);
	assert_int_equal(c.r[3].line_codes[1], -1);
	assert_int_equal(c.r[3].kind, SMTP_CMD_NOOP);
	assert_true(c.r[3].flags & SMTP_REPLY_MALFORMED);
	C("NOOP\r\n");
	S("250_ok\r\n");
	assert_int_equal(c.an[SMTP_AN_REPLY_BAD_SEPARATOR], 1);
	C("NOOP\r\n");
	S("999 what\r\n");
	assert_int_equal(c.an[SMTP_AN_REPLY_BAD_CODE], 3); /* impossible code */
	C("NOOP\r\n");
	S("250 bare lf\n250 unasked\r\n");
	assert_int_equal(c.an[SMTP_AN_BARE_LF], 1);
	assert_int_equal(c.an[SMTP_AN_REPLY_UNSOLICITED], 1);
	smtp_feed(p, SMTP_DIR_SERVER, (const uint8_t *)"250 nul \0 here\r\n", 16, 1);
	assert_int_equal(c.an[SMTP_AN_NUL_BYTE], 1);
	S("421 4.4.2 timeout\r\n"); /* 421 may come unasked: not flagged */
	assert_int_equal(c.an[SMTP_AN_REPLY_UNSOLICITED], 2);
	S("250 bell \x07 and bare\r cr\r\n");
	assert_int_equal(c.an[SMTP_AN_BINARY], 1);
	assert_int_equal(c.an[SMTP_AN_BARE_CR], 1);
	smtp_parser_free(p);
}

/* As the capture decoder runs it (answer_without_code): a reply without a
 * valid code still answers its command. */
static void test_without_code_answers(void **state)
{
	(void)state;
	struct col c;
	memset(&c, 0, sizeof c);
	struct smtp_parser_opts o = {.answer_without_code = true};
	struct smtp_parser *p = smtp_parser_new(on_ev, &c, &o);
	S("junk before the greeting\r\n220 hi\r\n"); /* joins the greeting */
	assert_int_equal(c.nr, 1);
	assert_true(c.r[0].flags & SMTP_REPLY_GREETING);
	assert_int_equal(c.r[0].nlines, 2);
	/* a first line without a code is held: the next line with a code joins it */
	C("NOOP\r\n");
	S("garbage line\r\n");
	assert_int_equal(c.nr, 1);
	S("250 end\r\n");
	assert_int_equal(c.r[1].nlines, 2);
	assert_int_equal(c.r[1].code, 250);
	assert_int_equal(c.r[1].kind, SMTP_CMD_NOOP);
	/* ...or the client's next command shows it stands alone: it still answers */
	C("NOOP\r\n");
	S("garbage again\r\n");
	C("NOOP\r\n");
	assert_int_equal(c.nr, 3);
	assert_int_equal(c.r[2].code, 0);
	assert_int_equal(c.r[2].kind, SMTP_CMD_NOOP);
	assert_int_equal(c.r[2].answer_seq, c.cmd_seq[c.nc - 2]);
	assert_string_equal(c.r[2].esc[0], "");
	S("250 ok\r\n");
	assert_int_equal(c.r[3].answer_seq, c.cmd_seq[c.nc - 1]);
	/* a line without a code that opens with an enhanced code is a reply of its own */
	C("NOOP\r\n");
	S("4.7.0 [IPTS04] temporarily deferred\r\n");
	assert_int_equal(c.nr, 5);
	assert_int_equal(c.r[4].code, 0);
	assert_string_equal(c.r[4].esc[0], "4.7.0");
	assert_string_equal(c.r[4].msg[0], "[IPTS04] temporarily deferred");
	assert_int_equal(c.r[4].kind, SMTP_CMD_NOOP);
	/* held lines at the end of the stream: complete lines, not unterminated */
	S("trailing words\r\n");
	smtp_finish(p, 2);
	assert_int_equal(c.nr, 6);
	assert_int_equal(c.an[SMTP_AN_UNTERMINATED], 0);
	assert_int_equal(c.an[SMTP_AN_REPLY_BAD_CODE], 5);
	smtp_parser_free(p);
}

/* A capture gap in the server's stream (smtp_gap): a reply lost whole is
 * counted lost and the next reply goes to the next command; a reply cut in
 * its middle ends when the client sends what it had to wait for. */
static void test_server_gaps(void **state)
{
	(void)state;
	struct col c;
	struct smtp_parser *p = mk(&c);
	S("220 hi\r\n");
	C("EHLO x\r\n");
	S("250-hi\r\n250-PIPELINING\r\n250-SIZE 1");
	smtp_gap(p, SMTP_DIR_SERVER, 20); /* the rest of the EHLO reply */
	C("MAIL FROM:<a@b.c>\r\n");
	assert_int_equal(c.nr, 2);
	assert_int_equal(c.r[1].kind, SMTP_CMD_EHLO);
	assert_true(c.r[1].flags & SMTP_REPLY_TRUNCATED);
	assert_int_equal(c.r[1].nlines, 3);
	assert_true(smtp_server_ext(p) & SMTP_EXT_PIPELINING);
	S("250 2.1.0 Ok\r\n");
	assert_int_equal(c.r[2].kind, SMTP_CMD_MAIL);
	C("RCPT TO:<d@e.f>\r\nRCPT TO:<g@h.i>\r\n");
	smtp_gap(p, SMTP_DIR_SERVER, 14); /* the first RCPT's reply */
	S("250 2.1.5 Ok\r\n");
	assert_int_equal(c.r[3].answer_seq, c.cmd_seq[c.nc - 1]);
	assert_int_equal(c.an[SMTP_AN_REPLY_RESYNC], 1);
	/* two replies in one gap: the reply after it names its command (354) */
	C("RCPT TO:<j@k.l>\r\nNOOP\r\nDATA\r\n");
	smtp_gap(p, SMTP_DIR_SERVER, 28);
	S("354 go\r\n");
	assert_int_equal(c.r[4].kind, SMTP_CMD_DATA);
	assert_int_equal(smtp_pending_count(p), 0);
	/* the 354 itself lost: the content the client sends shows it came */
	C(".\r\n");
	S("250 ok\r\n");
	C("MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n");
	S("250 ok\r\n250 ok\r\n");
	smtp_gap(p, SMTP_DIR_SERVER, 8);
	C("Subject: x\r\n\r\n.\r\n");
	S("250 queued\r\n");
	assert_int_equal(c.r[c.nr - 1].kind, SMTP_CMD_MESSAGE);
	assert_int_equal(smtp_pending_count(p), 0);
	/* the greeting lost: the first reply answers the first command */
	smtp_parser_free(p);
	p = mk(&c);
	smtp_gap(p, SMTP_DIR_SERVER, 30);
	C("EHLO x\r\n");
	S("250 hi\r\n");
	assert_int_equal(c.r[0].kind, SMTP_CMD_EHLO);
	smtp_parser_free(p);
}

static void test_caps(void **state)
{
	(void)state;
	struct col c;
	struct smtp_parser *p = mk(&c);
	S("220 hi\r\n");
	C("EHLO x\r\n");
	for (int i = 0; i < SMTP_REPLY_MAX_LINES + 20; i++)
		S("250-KEYWORD\r\n");
	S("250 END\r\n");
	assert_int_equal(c.r[1].nlines, SMTP_REPLY_MAX_LINES);
	assert_int_equal(c.r[1].dropped, 21);
	assert_true(c.r[1].flags & SMTP_REPLY_TRUNCATED);
	assert_int_equal(c.an[SMTP_AN_REPLY_TOO_LONG], 1);
	assert_int_equal(c.r[1].code, 250);
	/* an over-long line: flagged, kept up to the hard cap, the rest counted */
	C("NOOP\r\n");
	static char big[SMTP_LINE_HARD_MAX + 2000];
	memset(big, 'x', sizeof big);
	memcpy(big, "250 ", 4);
	smtp_feed(p, SMTP_DIR_SERVER, (const uint8_t *)big, sizeof big, 1);
	S("\r\n");
	assert_int_equal(c.an[SMTP_AN_LINE_TOO_LONG], 1);
	assert_int_equal(c.an[SMTP_AN_LINE_TRUNCATED], 1);
	assert_int_equal(c.r[2].kind, SMTP_CMD_NOOP);
	/* no line end ever: bounded, the partial line reported at the end */
	for (int i = 0; i < 200; i++)
		smtp_feed(p, SMTP_DIR_SERVER, (const uint8_t *)big, sizeof big, 1);
	smtp_finish(p, 2);
	assert_int_equal(c.an[SMTP_AN_UNTERMINATED], 1);
	assert_int_equal(c.an[SMTP_AN_LINE_TRUNCATED], 2);
	assert_int_equal(c.ends, 1);
	smtp_parser_free(p);
}

static void test_pipelining(void **state)
{
	(void)state;
	struct col c;
	struct smtp_parser *p = mk(&c);
	S("220 hi\r\n");
	C("EHLO x\r\n");
	S("250-hi\r\n250 PIPELINING\r\n");
	C("MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nRCPT TO:<g@h.i>\r\nDATA\r\n");
	assert_int_equal(smtp_pending_count(p), 4);
	S("250 ok\r\n250 ok\r\n550 no\r\n354 go\r\n");
	assert_int_equal(smtp_pending_count(p), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(c.r[2 + i].answer_seq, c.cmd_seq[1 + i]);
	assert_int_equal(c.r[4].code, 550);
	assert_int_equal(c.r[4].kind, SMTP_CMD_RCPT);
	assert_int_equal(c.r[5].kind, SMTP_CMD_DATA);
	assert_int_equal(c.an[SMTP_AN_PIPELINING_NOT_ADVERTISED], 0);
	assert_int_equal(c.an[SMTP_AN_PIPELINE_ORDER], 0);
	C(".\r\n");
	S("250 queued\r\n");
	assert_int_equal(c.r[6].kind, SMTP_CMD_MESSAGE);
	/* commands after one that must end a group */
	C("NOOP\r\nRSET\r\n");
	assert_int_equal(c.an[SMTP_AN_PIPELINE_ORDER], 1);
	S("250 ok\r\n250 ok\r\n");
	/* a reply with nothing outstanding */
	S("250 extra\r\n");
	assert_int_equal(c.an[SMTP_AN_REPLY_UNSOLICITED], 1);
	/* a refused EHLO changes nothing: the extensions stay (RFC 5321 4.1.4) */
	C("EHLO\r\n");
	S("501 Syntax: EHLO hostname\r\n");
	assert_true(smtp_server_ext(p) & SMTP_EXT_PIPELINING);
	C("HELO x\r\n");
	S("250 hi\r\n");
	assert_int_equal(smtp_server_ext(p), 0);
	smtp_parser_free(p);

	/* without PIPELINING advertised: flagged once per group */
	p = mk(&c);
	S("220 hi\r\n");
	C("EHLO x\r\n");
	S("250 hi\r\n");
	C("MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nRCPT TO:<g@h.i>\r\n");
	assert_int_equal(c.an[SMTP_AN_PIPELINING_NOT_ADVERTISED], 1);
	S("250 ok\r\n250 ok\r\n250 ok\r\n");
	C("RSET\r\nMAIL FROM:<a@b.c>\r\n");
	assert_int_equal(c.an[SMTP_AN_PIPELINING_NOT_ADVERTISED], 2);
	smtp_parser_free(p);
}

static void test_greeting_and_early(void **state)
{
	(void)state;
	struct col c;
	struct smtp_parser *p = mk(&c);
	C("EHLO early\r\n");
	S("220 hi\r\n250 ok\r\n");
	assert_int_equal(c.an[SMTP_AN_EARLY_TALKER], 1);
	assert_true(c.r[0].flags & SMTP_REPLY_GREETING);
	assert_int_equal(c.r[1].kind, SMTP_CMD_EHLO);
	smtp_parser_free(p);
	/* mid-session capture: no greeting expected */
	memset(&c, 0, sizeof c);
	struct smtp_parser_opts o = {.no_greeting = true};
	p = smtp_parser_new(on_ev, &c, &o);
	C("RSET\r\n");
	S("250 ok\r\n");
	assert_int_equal(c.r[0].kind, SMTP_CMD_RSET);
	assert_int_equal(c.an[SMTP_AN_EARLY_TALKER], 0);
	smtp_parser_free(p);
}

static void test_resync_354(void **state)
{
	(void)state;
	struct col c;
	struct smtp_parser *p = mk(&c);
	S("220 hi\r\nx");
	C("EHLO x\r\n");
	S("250 PIPELINING\r\n"); /* the "x" made this a continuation of junk: still a reply */
	C("MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n");
	smtp_gap(p, SMTP_DIR_SERVER, 30); /* the MAIL and RCPT replies were lost */
	S("354 go\r\n");
	assert_int_equal(c.an[SMTP_AN_REPLY_RESYNC], 1);
	assert_int_equal(c.r[c.nr - 1].kind, SMTP_CMD_DATA);
	smtp_finish(p, 3);
	smtp_parser_free(p);
}

static void test_ehlo_keyword(void **state)
{
	(void)state;
	char kw[32];
	const uint8_t *pp;
	size_t pl;
	const char *l = "size 35882577";
	assert_true(smtp_ehlo_keyword((const uint8_t *)l, strlen(l), kw, sizeof kw, &pp, &pl));
	assert_string_equal(kw, "SIZE");
	assert_int_equal(pl, 8);
	assert_memory_equal(pp, "35882577", 8);
	l = "AUTH=LOGIN PLAIN";
	assert_true(smtp_ehlo_keyword((const uint8_t *)l, strlen(l), kw, sizeof kw, &pp, &pl));
	assert_string_equal(kw, "AUTH");
	assert_int_equal(pl, 11);
	assert_int_equal(smtp_ext_bit(kw), SMTP_EXT_AUTH);
	l = "  ";
	assert_false(smtp_ehlo_keyword((const uint8_t *)l, strlen(l), kw, sizeof kw, &pp, &pl));
	assert_int_equal(smtp_ext_bit("X-UNKNOWN"), 0);
	/* every tracked keyword has its own bit; near misses have none */
	static const struct {
		const char *kw;
		unsigned bit;
	} ext[] = {
		{"PIPELINING", SMTP_EXT_PIPELINING}, {"CHUNKING", SMTP_EXT_CHUNKING},
		{"STARTTLS", SMTP_EXT_STARTTLS},     {"AUTH", SMTP_EXT_AUTH},
		{"SIZE", SMTP_EXT_SIZE},             {"8BITMIME", SMTP_EXT_8BITMIME},
		{"SMTPUTF8", SMTP_EXT_SMTPUTF8},     {"DSN", SMTP_EXT_DSN},
		{"BINARYMIME", SMTP_EXT_BINARYMIME}, {"ENHANCEDSTATUSCODES", SMTP_EXT_ENHANCEDSTATUSCODES},
		{"REQUIRETLS", SMTP_EXT_REQUIRETLS}, {"SIZES", 0}, {"STARTTL", 0}, {"SMTPUTF", 0},
		{"AUT", 0}, {"DSNX", 0}, {"8BIT", 0}, {"", 0}, {"S", 0}, {"HELP", 0}, {"XPIPELINING", 0},
	};
	unsigned seen = 0;
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		assert_int_equal(smtp_ext_bit(ext[i].kw), ext[i].bit);
		assert_int_equal(seen & ext[i].bit, 0);
		seen |= ext[i].bit;
	}
	/* a whole line's bit without a copy: the same as keyword then bit */
	static const char *lines[] = {
		"PIPELINING", "pipelining", "  Size 1000", "\tSTARTTLS", "AUTH=LOGIN PLAIN", "auth plain login",
		"-PIPELINING", "", "   ", "8bitmime", "ENHANCEDSTATUSCODES", "DSN ", "SMTPUTF8x", "SIZE=", "X-SIZE",
		"STARTTLSSTARTTLSSTARTTLSSTARTTLSSTARTTLS", "REQUIRETLS", "BinaryMime", "chunking\r", "HELP",
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		const uint8_t *p8 = (const uint8_t *)lines[i];
		size_t n = strlen(lines[i]);
		unsigned want = smtp_ehlo_keyword(p8, n, kw, sizeof kw, &pp, &pl) ? smtp_ext_bit(kw) : 0;
		assert_int_equal(smtp_ehlo_line_ext(p8, n), want);
	}
	assert_int_equal(smtp_ehlo_line_ext((const uint8_t *)"pipelining", 10), SMTP_EXT_PIPELINING);
	assert_int_equal(smtp_ehlo_line_ext((const uint8_t *)"AUTH=LOGIN", 10), SMTP_EXT_AUTH);
	assert_int_equal(smtp_ehlo_line_ext((const uint8_t *)"SIZE 10", 3), 0); /* "SIZ": only len bytes */
	/* a long keyword is cut to the buffer */
	l = "VERYVERYVERYLONGKEYWORDTHATDOESNOTFIT";
	assert_true(smtp_ehlo_keyword((const uint8_t *)l, strlen(l), kw, 8, &pp, &pl));
	assert_string_equal(kw, "VERYVER");
}

static void test_names(void **state)
{
	(void)state;
	for (int a = 0; a < SMTP_AN_LAST; a++) {
		assert_true(strlen(smtp_anomaly_name((enum smtp_anomaly)a)) > 2);
		assert_true(strlen(smtp_anomaly_text((enum smtp_anomaly)a)) > 10);
	}
	assert_string_equal(smtp_anomaly_name(SMTP_AN_LAST), "unknown");
	for (int k = 0; k < SMTP_CMD_LAST; k++)
		assert_non_null(smtp_cmd_name((enum smtp_cmd_kind)k));
	for (int e = 0; e < SMTP_EV_LAST; e++)
		assert_string_not_equal(smtp_event_name((enum smtp_event_type)e), "?");
}

/* Control bytes are found at every place of lines of every length (the
 * parser checks 16 bytes at a time, the last block overlapping): one NUL,
 * bare CR, DEL or other control in a reply line is counted once, and a
 * clean line (TAB included) counts nothing. */
static void test_line_controls_everywhere(void **state)
{
	(void)state;
	static const struct {
		uint8_t byte;
		enum smtp_anomaly an;
	} t[] = {{0x00, SMTP_AN_NUL_BYTE}, {'\r', SMTP_AN_BARE_CR}, {0x01, SMTP_AN_BINARY},
		 {0x1b, SMTP_AN_BINARY},   {0x1f, SMTP_AN_BINARY},   {0x7f, SMTP_AN_BINARY}};
	for (size_t k = 0; k <= sizeof t / sizeof t[0]; k++)
		for (size_t len = 4; len <= 70; len++)
			for (size_t at = 4; at < len; at++) {
				struct col c;
				struct smtp_parser *p = mk(&c);
				S("220 hi\r\n");
				C("NOOP\r\n");
				uint8_t line[80];
				memcpy(line, "250 ", 4);
				for (size_t i = 4; i < len; i++)
					line[i] = (uint8_t)('A' + i % 26);
				/* a TAB (not a control to flag, and not a reason to look at
				 * every byte) in clean lines, else the byte under test */
				line[at] = k < sizeof t / sizeof t[0] ? t[k].byte : '\t';
				memcpy(line + len, "\r\n", 2);
				smtp_feed(p, SMTP_DIR_SERVER, line, len + 2, 2);
				for (int a = 0; a < SMTP_AN_LAST; a++) {
					bool want = k < sizeof t / sizeof t[0] && a == (int)t[k].an;
					if (a == SMTP_AN_NUL_BYTE || a == SMTP_AN_BARE_CR || a == SMTP_AN_BINARY)
						assert_int_equal(c.an[a], want ? 1 : 0);
				}
				smtp_parser_free(p);
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_controls_everywhere),
		cmocka_unit_test(test_single_and_multi), cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_without_code_answers), cmocka_unit_test(test_server_gaps),
		cmocka_unit_test(test_caps),             cmocka_unit_test(test_pipelining),
		cmocka_unit_test(test_greeting_and_early), cmocka_unit_test(test_resync_354),
		cmocka_unit_test(test_ehlo_keyword),     cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
