/* test_smtp_data.c - unit tests for message content: DATA dot-unstuffing and end markers split at every offset, bare-LF forms, BDAT chunks (RFC 3030) with binary content, rejected DATA, early content, gaps and garbage input (RFC 5321 4.1.1.4, 4.5.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "decode/buf.h"
#include "decode/limits.h"
#include "decode/smtp.h"

struct col {
	struct buf body;
	unsigned an[SMTP_AN_LAST];
	int ends, cmds, replies;
	struct smtp_body_end end[8];
	enum smtp_cmd_kind kinds[64];
	char verbs[64][16];
};

static void on_ev(void *u, const struct smtp_event *ev)
{
	struct col *c = u;
	switch (ev->type) {
	case SMTP_EV_BODY:
		buf_append(&c->body, ev->body.p, ev->body.len);
		break;
	case SMTP_EV_BODY_END:
		if (c->ends < 8)
			c->end[c->ends] = *ev->end;
		c->ends++;
		break;
	case SMTP_EV_ANOMALY:
		c->an[ev->anomaly.kind]++;
		break;
	case SMTP_EV_COMMAND:
		if (c->cmds < 64) {
			c->kinds[c->cmds] = ev->cmd->kind;
			strncpy(c->verbs[c->cmds], ev->cmd->verb, 15);
		}
		c->cmds++;
		break;
	case SMTP_EV_REPLY:
		c->replies++;
		break;
	default:
		break;
	}
}

static struct smtp_parser *mk(struct col *c)
{
	memset(c, 0, sizeof *c);
	buf_init(&c->body, 1u << 24);
	return smtp_parser_new(on_ev, c, NULL);
}

static void done(struct smtp_parser *p, struct col *c)
{
	smtp_parser_free(p);
	buf_free(&c->body);
}

static void feedn(struct smtp_parser *p, enum smtp_dir d, const void *s, size_t n)
{
	smtp_feed(p, d, s, n, 1);
}

#define C(s) feedn(p, SMTP_DIR_CLIENT, s, strlen(s))
#define S(s) feedn(p, SMTP_DIR_SERVER, s, strlen(s))

static void start_data(struct smtp_parser *p)
{
	S("220 hi\r\n");
	C("HELO x\r\n");
	S("250 hi\r\n");
	C("MAIL FROM:<a@b.c>\r\n");
	S("250 ok\r\n");
	C("RCPT TO:<d@e.f>\r\n");
	S("250 ok\r\n");
	C("DATA\r\n");
	S("354 go\r\n");
}

/* The same content cut at every offset gives the same unstuffed body. */
static void test_split_everywhere(void **state)
{
	(void)state;
	const char *msg = "Subject: t\r\n\r\n..dot\r\n.\r\n";
	const char *want = "Subject: t\r\n\r\n.dot\r\n";
	size_t n = strlen(msg);
	for (size_t cut = 0; cut <= n; cut++) {
		struct col c;
		struct smtp_parser *p = mk(&c);
		start_data(p);
		feedn(p, SMTP_DIR_CLIENT, msg, cut);
		feedn(p, SMTP_DIR_CLIENT, msg + cut, n - cut);
		C("QUIT\r\n");
		assert_int_equal(c.ends, 1);
		assert_int_equal(c.body.len, strlen(want));
		assert_memory_equal(c.body.data, want, strlen(want));
		assert_int_equal(c.end[0].bytes, strlen(want));
		assert_false(c.end[0].bare_lf_end);
		assert_int_equal(c.kinds[c.cmds - 1], SMTP_CMD_QUIT); /* commands again after the end */
		assert_int_equal(c.an[SMTP_AN_DATA_BARE_LF], 0);
		done(p, &c);
	}
}

static void test_dot_lines(void **state)
{
	(void)state;
	struct col c;
	struct smtp_parser *p = mk(&c);
	start_data(p);
	/* ".\r" then text: the dot is stuffing, the CR is content; "..\r\n" is a line "." */
	C(".\rx\r\n..\r\n.a\r\n");
	C(".\r\n");
	assert_int_equal(c.ends, 1);
	assert_int_equal(c.body.len, 10);
	assert_memory_equal(c.body.data, "\rx\r\n.\r\na\r\n", 10);
	done(p, &c);
	/* an empty message */
	p = mk(&c);
	start_data(p);
	C(".\r\n");
	assert_int_equal(c.ends, 1);
	assert_int_equal(c.end[0].bytes, 0);
	done(p, &c);
}

static void test_bare_lf_forms(void **state)
{
	(void)state;
	static const char *const forms[] = {"a\n.\n", "a\r\n.\n", "a\n.\r\n"};
	for (int i = 0; i < 3; i++) {
		struct col c;
		struct smtp_parser *p = mk(&c);
		start_data(p);
		C(forms[i]);
		assert_int_equal(c.ends, 1);
		assert_true(c.end[0].bare_lf_end);
		assert_int_equal(c.an[SMTP_AN_DATA_BARE_LF_END], 1);
		done(p, &c);
	}
	/* a bare LF inside content is flagged once; "\r.\r\n" is not an end */
	struct col c;
	struct smtp_parser *p = mk(&c);
	start_data(p);
	C("x\ny\nz\r.\r\nmore\r\n.\r\n");
	assert_int_equal(c.an[SMTP_AN_DATA_BARE_LF], 1);
	assert_int_equal(c.ends, 1);
	assert_int_equal(c.end[0].bytes, 15); /* "x\n" "y\n" "z\r.\r\n" "more\r\n" */
	assert_false(c.end[0].bare_lf_end);
	done(p, &c);
}

static void test_long_data_line(void **state)
{
	(void)state;
	struct col c;
	struct smtp_parser *p = mk(&c);
	start_data(p);
	static char big[200000];
	memset(big, 'q', sizeof big);
	feedn(p, SMTP_DIR_CLIENT, big, sizeof big);
	C("\r\n.\r\n");
	assert_int_equal(c.an[SMTP_AN_DATA_LONG_LINE], 1);
	assert_int_equal(c.end[0].bytes, sizeof big + 2);
	done(p, &c);
}

static void test_data_rejected_and_early(void **state)
{
	(void)state;
	struct col c;
	struct smtp_parser *p = mk(&c);
	S("220 hi\r\n");
	C("HELO x\r\n");
	S("250 hi\r\n");
	C("MAIL FROM:<a@b.c>\r\n");
	S("250 ok\r\n");
	C("DATA\r\nRSET\r\n");
	S("554 no valid recipients\r\n");
	/* the RSET sent before the reply is a command again, but flagged */
	assert_int_equal(c.kinds[c.cmds - 1], SMTP_CMD_RSET);
	assert_int_equal(c.an[SMTP_AN_PIPELINE_ORDER], 1);
	assert_int_equal(c.ends, 0);
	S("250 reset\r\n");
	C("MAIL FROM:<a@b.c>\r\n");
	S("250 ok\r\n");
	C("RCPT TO:<d@e.f>\r\n");
	S("250 ok\r\n");
	C("DATA\r\nSubject: early\r\n\r\n.\r\nQUIT\r\n");
	assert_int_equal(c.ends, 0); /* held until the reply */
	S("354 go\r\n");
	assert_int_equal(c.an[SMTP_AN_DATA_EARLY], 1);
	assert_int_equal(c.ends, 1);
	assert_int_equal(c.end[0].bytes, 18);
	assert_int_equal(c.kinds[c.cmds - 1], SMTP_CMD_QUIT);
	done(p, &c);
}

static void test_bdat(void **state)
{
	(void)state;
	struct col c;
	struct smtp_parser *p = mk(&c);
	S("220 hi\r\n");
	C("EHLO x\r\n");
	S("250-hi\r\n250-CHUNKING\r\n250 PIPELINING\r\n");
	C("MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\n");
	static const uint8_t bin[] = "BDAT 10\r\n\x00\r\n.\r\n\xff\n\r\nBDAT 3 LAST\r\nEND";
	for (size_t i = 0; i < sizeof bin - 1; i++) /* byte by byte */
		feedn(p, SMTP_DIR_CLIENT, bin + i, 1);
	assert_int_equal(c.ends, 2);
	assert_int_equal(c.end[0].bytes, 10);
	assert_true(c.end[0].bdat);
	assert_false(c.end[0].last);
	assert_true(c.end[1].last);
	assert_int_equal(c.body.len, 13);
	assert_memory_equal(c.body.data, "\x00\r\n.\r\n\xff\n\r\nEND", 13);
	C("QUIT\r\n"); /* commands again after the last chunk */
	assert_int_equal(c.kinds[c.cmds - 1], SMTP_CMD_QUIT);
	assert_int_equal(c.kinds[c.cmds - 2], SMTP_CMD_BDAT);
	S("250 ok\r\n250 ok\r\n250 10 octets\r\n250 queued\r\n221 bye\r\n");
	assert_int_equal(smtp_pending_count(p), 0);
	done(p, &c);

	/* BDAT 0 LAST ends at once; a bad size frames nothing */
	p = mk(&c);
	S("220 hi\r\n");
	C("BDAT 0 LAST\r\nBDAT zz\r\nNOOP\r\n");
	assert_int_equal(c.ends, 1);
	assert_int_equal(c.end[0].bytes, 0);
	assert_int_equal(c.an[SMTP_AN_BAD_ARGUMENT], 1);
	assert_int_equal(c.kinds[c.cmds - 1], SMTP_CMD_NOOP);
	done(p, &c);
}

static void test_gaps(void **state)
{
	(void)state;
	struct col c;
	struct smtp_parser *p = mk(&c);
	start_data(p);
	C("Subject: x\r\n\r\nbody");
	smtp_gap(p, SMTP_DIR_CLIENT, 5000);
	C("tail\r\n.\r\nQUIT\r\n");
	assert_int_equal(c.ends, 1);
	assert_int_equal(c.end[0].missing, 5000);
	assert_int_equal(c.end[0].bytes, 18 + 5000 + 6);
	assert_int_equal(c.kinds[c.cmds - 1], SMTP_CMD_QUIT);
	done(p, &c);

	/* a gap inside a BDAT chunk counts toward it; past its end, lines resume */
	p = mk(&c);
	S("220 hi\r\n");
	C("BDAT 100 LAST\r\nabc");
	smtp_gap(p, SMTP_DIR_CLIENT, 200);
	C("xyz\r\nNOOP\r\n");
	assert_int_equal(c.ends, 1);
	assert_int_equal(c.end[0].missing, 97);
	assert_int_equal(c.kinds[c.cmds - 1], SMTP_CMD_NOOP);
	assert_int_equal(c.cmds, 2); /* "xyz" was the tail of a lost line */
	done(p, &c);
}

static void test_garbage(void **state)
{
	(void)state;
	/* random bytes in both directions, fixed seeds: no crash, bounded, always ends */
	for (unsigned seed = 1; seed <= 20; seed++) {
		struct col c;
		struct smtp_parser *p = mk(&c);
		uint64_t x = seed * 0x9E3779B97F4A7C15ull;
		uint8_t chunk[700];
		for (int round = 0; round < 200; round++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			size_t n = (size_t)(x >> 40) % sizeof chunk + 1;
			for (size_t i = 0; i < n; i++) {
				x = x * 6364136223846793005ull + 1442695040888963407ull;
				uint8_t b = (uint8_t)(x >> 56);
				/* bias toward protocol bytes so states are reached */
				static const char alpha[] = "\r\n.0123 5-DATA\r\nBDAT 9\r\n354 \r\n";
				chunk[i] = (b & 1) ? (uint8_t)alpha[b % (sizeof alpha - 1)] : b;
			}
			if (round == 0 && chunk[0] == 0x16)
				chunk[0] = 'x';
			feedn(p, (x >> 20) & 1 ? SMTP_DIR_SERVER : SMTP_DIR_CLIENT, chunk, n);
			if (round % 50 == 49)
				smtp_gap(p, SMTP_DIR_CLIENT, (x >> 30) % 100);
		}
		smtp_finish(p, 9);
		assert_true(c.cmds + c.replies > 0);
		done(p, &c);
	}
}

static void test_binary_command(void **state)
{
	(void)state;
	struct col c;
	struct smtp_parser *p = mk(&c);
	S("220 hi\r\n");
	feedn(p, SMTP_DIR_CLIENT, "\x01\x02garbage\x00\x7f\r\n", 13);
	assert_int_equal(c.an[SMTP_AN_BINARY], 1);
	assert_int_equal(c.an[SMTP_AN_NUL_BYTE], 1);
	assert_int_equal(c.kinds[0], SMTP_CMD_UNKNOWN);
	/* an over-long command: truncated at the hard cap, still a command */
	static char big[SMTP_LINE_HARD_MAX * 3];
	memset(big, 'a', sizeof big);
	memcpy(big, "VRFY ", 5);
	feedn(p, SMTP_DIR_CLIENT, big, sizeof big);
	C("\r\n");
	assert_int_equal(c.an[SMTP_AN_LINE_TRUNCATED], 1);
	assert_int_equal(c.kinds[1], SMTP_CMD_VRFY);
	done(p, &c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_everywhere), cmocka_unit_test(test_dot_lines),
		cmocka_unit_test(test_bare_lf_forms),    cmocka_unit_test(test_long_data_line),
		cmocka_unit_test(test_data_rejected_and_early), cmocka_unit_test(test_bdat),
		cmocka_unit_test(test_gaps),             cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_binary_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
