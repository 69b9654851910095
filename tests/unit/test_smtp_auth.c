/* test_smtp_auth.c - unit tests for the AUTH exchange (RFC 4954; PLAIN RFC 4616, LOGIN, CRAM-MD5 RFC 2195, XOAUTH2, SCRAM RFC 5802), base64 padding, secret masking, and STARTTLS (RFC 3207) with injection flagging and the TLS byte sink. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "decode/buf.h"
#include "decode/smtp.h"

struct auth_rec {
	enum smtp_dir dir;
	char mech[32];
	unsigned step;
	bool initial, cancelled, decoded, secret;
	char user[64];
	size_t nparts;
	char part_names[4][16];
	bool part_secret[4];
};

struct col {
	struct auth_rec a[16];
	int na;
	unsigned an[SMTP_AN_LAST];
	struct buf text; /* rendered events, secrets masked */
	int tls;
	enum smtp_cmd_kind last_kind;
	uint64_t sink[2];
};

static void on_ev(void *u, const struct smtp_event *ev)
{
	struct col *c = u;
	smtp_event_format(ev, 0, &c->text);
	buf_append_byte(&c->text, '\n');
	if (ev->type == SMTP_EV_ANOMALY)
		c->an[ev->anomaly.kind]++;
	if (ev->type == SMTP_EV_TLS_START)
		c->tls++;
	if (ev->type == SMTP_EV_COMMAND)
		c->last_kind = ev->cmd->kind;
	if (ev->type != SMTP_EV_AUTH || c->na >= 16)
		return;
	const struct smtp_auth *a = ev->auth;
	struct auth_rec *r = &c->a[c->na++];
	memset(r, 0, sizeof *r);
	r->dir = ev->dir;
	strncpy(r->mech, a->mech, sizeof r->mech - 1);
	r->step = a->step;
	r->initial = a->initial;
	r->cancelled = a->cancelled;
	r->decoded = a->decoded;
	r->secret = a->secret;
	if (a->user)
		strncpy(r->user, a->user, sizeof r->user - 1);
	r->nparts = a->nparts;
	for (size_t i = 0; i < a->nparts; i++) {
		strncpy(r->part_names[i], a->parts[i].name, 15);
		r->part_secret[i] = a->parts[i].secret;
	}
}

static void sink(void *u, enum smtp_dir dir, const uint8_t *p, size_t len, int64_t ts)
{
	(void)p;
	(void)ts;
	struct col *c = u;
	c->sink[dir] += len;
}

static struct smtp_parser *mk(struct col *c)
{
	memset(c, 0, sizeof *c);
	buf_init(&c->text, 1 << 20);
	struct smtp_parser *p = smtp_parser_new(on_ev, c, NULL);
	smtp_feed(p, SMTP_DIR_SERVER, (const uint8_t *)"220 hi\r\n", 8, 1);
	return p;
}

static void done(struct smtp_parser *p, struct col *c)
{
	smtp_parser_free(p);
	buf_free(&c->text);
}

#define C(s) smtp_feed(p, SMTP_DIR_CLIENT, (const uint8_t *)(s), strlen(s), 1)
#define S(s) smtp_feed(p, SMTP_DIR_SERVER, (const uint8_t *)(s), strlen(s), 1)

static void test_b64(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 64);
	/* the padding is not part of the data (EVP_DecodeBlock counts it) */
	assert_true(smtp_b64_decode((const uint8_t *)"YQ==", 4, &b));
	assert_int_equal(b.len, 1);
	assert_true(smtp_b64_decode((const uint8_t *)"YWI=", 4, &b));
	assert_int_equal(b.len, 2);
	assert_true(smtp_b64_decode((const uint8_t *)"YWJj", 4, &b));
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "abc", 3);
	assert_true(smtp_b64_decode((const uint8_t *)"=", 1, &b)); /* RFC 4954: empty */
	assert_int_equal(b.len, 0);
	assert_false(smtp_b64_decode((const uint8_t *)"YWJ", 3, &b));
	assert_false(smtp_b64_decode((const uint8_t *)"Y!Jj", 4, &b));
	assert_false(smtp_b64_decode((const uint8_t *)"Y=Jj", 4, &b));
	/* longer than the output cap */
	const char *long64 = "YWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJj"
			     "YWJjYWJjYWJjYWJjYWJj";
	assert_int_equal(strlen(long64), 100);
	assert_false(smtp_b64_decode((const uint8_t *)long64, strlen(long64), &b));
	buf_free(&b);
}

static void test_plain(void **state)
{
	(void)state;
	struct col c;
	struct smtp_parser *p = mk(&c);
	C("AUTH PLAIN AGJvYgBodW50ZXIy\r\n"); /* "\0bob\0hunter2" */
	S("235 2.7.0 ok\r\n");
	assert_int_equal(c.na, 1);
	assert_true(c.a[0].initial);
	assert_string_equal(c.a[0].user, "bob");
	assert_true(c.a[0].secret);
	assert_string_equal(c.a[0].part_names[2], "password");
	assert_true(c.a[0].part_secret[2]);
	assert_false(c.a[0].part_secret[1]);
	/* neither the password nor its base64 appears in the rendering */
	assert_null(strstr(buf_str(&c.text), "hunter2"));
	assert_null(strstr(buf_str(&c.text), "AGJvYgBodW50ZXIy"));
	assert_non_null(strstr(buf_str(&c.text), "\"AUTH PLAIN ***\""));
	/* with SMTP_FMT_SECRETS the formatter shows them */
	done(p, &c);

	/* PLAIN without initial response: 334 with an empty challenge, then the response */
	p = mk(&c);
	C("AUTH PLAIN\r\n");
	S("334 \r\n");
	C("AGFsaWNlAHMzY3JldA==\r\n");
	S("535 5.7.8 bad\r\n");
	assert_int_equal(c.na, 2);
	assert_int_equal(c.a[0].dir, SMTP_DIR_SERVER);
	assert_int_equal(c.a[1].dir, SMTP_DIR_CLIENT);
	assert_string_equal(c.a[1].user, "alice");
	assert_int_equal(c.last_kind, SMTP_CMD_AUTH_RESPONSE);
	assert_null(strstr(buf_str(&c.text), "AGFsaWNlAHMzY3JldA"));
	C("NOOP\r\n"); /* after the final reply: commands again */
	assert_int_equal(c.last_kind, SMTP_CMD_NOOP);
	done(p, &c);
}

static void test_login_and_cancel(void **state)
{
	(void)state;
	struct col c;
	struct smtp_parser *p = mk(&c);
	C("AUTH LOGIN dXNlcg==\r\n"); /* initial response is the user name */
	S("334 UGFzc3dvcmQ6\r\n");
	C("c2VjcmV0\r\n");
	S("235 ok\r\n");
	assert_int_equal(c.na, 3);
	assert_string_equal(c.a[0].user, "user");
	assert_false(c.a[0].secret);
	assert_string_equal(c.a[2].part_names[0], "password");
	assert_true(c.a[2].secret);
	assert_null(strstr(buf_str(&c.text), "c2VjcmV0"));
	assert_null(strstr(buf_str(&c.text), "secret\""));
	done(p, &c);

	p = mk(&c);
	C("AUTH LOGIN\r\n");
	S("334 VXNlcm5hbWU6\r\n");
	C("*\r\n");
	S("501 5.7.0 cancelled\r\n");
	assert_true(c.a[1].cancelled);
	C("QUIT\r\n");
	assert_int_equal(c.last_kind, SMTP_CMD_QUIT);
	done(p, &c);

	/* rejected AUTH: the next line is a command, not a response */
	p = mk(&c);
	C("AUTH LOGIN\r\n");
	S("504 5.5.4 unrecognized mechanism\r\n");
	C("MAIL FROM:<a@b.c>\r\n");
	assert_int_equal(c.last_kind, SMTP_CMD_MAIL);
	done(p, &c);
}

static void test_cram_xoauth_scram(void **state)
{
	(void)state;
	struct col c;
	struct smtp_parser *p = mk(&c);
	C("AUTH CRAM-MD5\r\n");
	S("334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n");
	C("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n");
	S("235 ok\r\n");
	assert_string_equal(c.a[1].user, "tim");
	assert_string_equal(c.a[1].part_names[1], "digest");
	assert_true(c.a[1].part_secret[1]);
	assert_non_null(strstr(buf_str(&c.text), "challenge=\"<1896.697170952@postoffice.reston.mci.net>\""));
	done(p, &c);

	p = mk(&c);
	/* "user=bob@example.net\1auth=Bearer ya29.token\1\1" */
	C("AUTH XOAUTH2 dXNlcj1ib2JAZXhhbXBsZS5uZXQBYXV0aD1CZWFyZXIgeWEyOS50b2tlbgEB\r\n");
	S("334 eyJzdGF0dXMiOiI0MDAifQ==\r\n"); /* error JSON */
	C("\r\n");
	S("535 5.7.8 bad token\r\n");
	assert_string_equal(c.a[0].user, "bob@example.net");
	assert_true(c.a[0].secret);
	assert_null(strstr(buf_str(&c.text), "ya29"));
	assert_string_equal(c.a[1].part_names[0], "error");
	assert_int_equal(c.a[2].nparts, 0); /* the empty response */
	done(p, &c);

	p = mk(&c);
	/* SCRAM client-first "n,,n=user,r=rOprNGfwEbeRWgbNEkqO" */
	C("AUTH SCRAM-SHA-1 biwsbj11c2VyLHI9ck9wck5HZndFYmVSV2diTkVrcU8=\r\n");
	assert_string_equal(c.a[0].user, "user");
	assert_false(c.a[0].secret);
	done(p, &c);
}

static void test_bad_base64(void **state)
{
	(void)state;
	struct col c;
	struct smtp_parser *p = mk(&c);
	C("AUTH LOGIN\r\n");
	S("334 VXNlcm5hbWU6\r\n");
	C("my password in clear\r\n");
	assert_int_equal(c.an[SMTP_AN_AUTH_BAD_BASE64], 1);
	assert_true(c.a[1].secret); /* not base64: maybe a password typed by hand */
	assert_null(strstr(buf_str(&c.text), "in clear"));
	done(p, &c);
}

static void test_starttls(void **state)
{
	(void)state;
	struct col c;
	struct smtp_parser *p = mk(&c);
	smtp_set_tls_sink(p, sink, &c);
	C("EHLO x\r\n");
	S("250-hi\r\n250 STARTTLS\r\n");
	assert_true(smtp_server_ext(p) & SMTP_EXT_STARTTLS);
	C("STARTTLS\r\n");
	S("220 go ahead\r\n");
	assert_int_equal(c.tls, 1);
	assert_true(smtp_in_tls(p));
	smtp_feed(p, SMTP_DIR_CLIENT, (const uint8_t *)"\x16\x03\x01\x00\x05hello", 10, 1);
	smtp_feed(p, SMTP_DIR_SERVER, (const uint8_t *)"\x16\x03\x03\x00\x02hi", 7, 1);
	assert_int_equal(smtp_tls_bytes(p, SMTP_DIR_CLIENT), 10);
	assert_int_equal(smtp_tls_bytes(p, SMTP_DIR_SERVER), 7);
	assert_int_equal(c.sink[SMTP_DIR_CLIENT], 10);
	assert_int_equal(c.sink[SMTP_DIR_SERVER], 7);
	assert_int_equal(c.an[SMTP_AN_STARTTLS_INJECTION_CLIENT] + c.an[SMTP_AN_STARTTLS_INJECTION_SERVER], 0);
	C("MAIL FROM:<a@b.c>\r\n"); /* inside TLS now: not parsed */
	assert_int_equal(c.last_kind, SMTP_CMD_STARTTLS);
	done(p, &c);

	/* injection both ways */
	p = mk(&c);
	C("STARTTLS\r\nRSET\r\n");
	S("220 go\r\n250 fake\r\n");
	assert_int_equal(c.an[SMTP_AN_STARTTLS_INJECTION_CLIENT], 1);
	assert_int_equal(c.last_kind, SMTP_CMD_STARTTLS); /* RSET was discarded, not parsed */
	C("\x16\x03\x01");
	assert_int_equal(c.an[SMTP_AN_STARTTLS_INJECTION_SERVER], 1);
	assert_int_equal(smtp_tls_bytes(p, SMTP_DIR_SERVER), 0);
	done(p, &c);

	/* refused STARTTLS: what was sent meanwhile is commands again */
	p = mk(&c);
	C("STARTTLS\r\nNOOP\r\n");
	S("454 4.7.0 TLS not available\r\n");
	assert_int_equal(c.tls, 0);
	assert_int_equal(c.last_kind, SMTP_CMD_NOOP);
	assert_int_equal(c.an[SMTP_AN_PIPELINE_ORDER], 1);
	done(p, &c);

	/* implicit TLS, by detection and by request */
	memset(&c, 0, sizeof c);
	buf_init(&c.text, 1 << 16);
	p = smtp_parser_new(on_ev, &c, NULL);
	C("\x16\x03\x01\x02\x00");
	assert_int_equal(c.tls, 1);
	assert_int_equal(c.an[SMTP_AN_TLS_WITHOUT_STARTTLS], 1);
	done(p, &c);
	memset(&c, 0, sizeof c);
	buf_init(&c.text, 1 << 16);
	p = smtp_parser_new(on_ev, &c, NULL);
	smtp_start_tls(p, 5);
	S("\x16\x03\x03");
	assert_int_equal(c.tls, 1);
	assert_int_equal(smtp_tls_bytes(p, SMTP_DIR_SERVER), 3);
	assert_int_equal(c.an[SMTP_AN_TLS_WITHOUT_STARTTLS], 0);
	done(p, &c);
}

static void test_format_secrets(void **state)
{
	(void)state;
	struct smtp_auth a;
	memset(&a, 0, sizeof a);
	a.mech = "PLAIN";
	a.decoded = true;
	a.secret = true;
	a.nparts = 1;
	a.parts[0].name = "password";
	a.parts[0].value = (const uint8_t *)"pw";
	a.parts[0].len = 2;
	a.parts[0].secret = true;
	struct smtp_event ev = {.type = SMTP_EV_AUTH, .dir = SMTP_DIR_CLIENT};
	ev.auth = &a;
	struct buf b;
	buf_init(&b, 1024);
	smtp_event_format(&ev, 0, &b);
	assert_non_null(strstr(buf_str(&b), "password=***"));
	buf_reset(&b);
	smtp_event_format(&ev, SMTP_FMT_SECRETS, &b);
	assert_non_null(strstr(buf_str(&b), "password=\"pw\""));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64),          cmocka_unit_test(test_plain),
		cmocka_unit_test(test_login_and_cancel), cmocka_unit_test(test_cram_xoauth_scram),
		cmocka_unit_test(test_bad_base64),   cmocka_unit_test(test_starttls),
		cmocka_unit_test(test_format_secrets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
