/* test_smtp_cmd.c - unit tests for SMTP command parsing: every verb, RFC 5321 paths (null, routes, quoted local parts, missing brackets) and ESMTP parameters (RFC 1870, 3461, 4954, 6152, 6531). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "decode/limits.h"
#include "decode/smtp.h"

static char arena[8192];
static struct smtp_param params[SMTP_PARAMS_MAX];

static struct smtp_command parse(const char *line, uint64_t *anom)
{
	struct smtp_command c;
	*anom = 0;
	smtp_command_parse((const uint8_t *)line, strlen(line), &c, params, arena, sizeof arena, anom);
	return c;
}

#define AN(x) (1ull << SMTP_AN_##x)

static void test_verbs(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		enum smtp_cmd_kind kind;
	} t[] = {
		{"HELO a.example", SMTP_CMD_HELO}, {"ehlo a.example", SMTP_CMD_EHLO}, {"LHLO a", SMTP_CMD_LHLO},
		{"DATA", SMTP_CMD_DATA},           {"BDAT 1", SMTP_CMD_BDAT},        {"RSET", SMTP_CMD_RSET},
		{"NOOP", SMTP_CMD_NOOP},           {"QUIT", SMTP_CMD_QUIT},          {"VRFY bob", SMTP_CMD_VRFY},
		{"EXPN list", SMTP_CMD_EXPN},      {"HELP", SMTP_CMD_HELP},          {"StartTLS", SMTP_CMD_STARTTLS},
		{"AUTH PLAIN", SMTP_CMD_AUTH},     {"ETRN x.example", SMTP_CMD_ETRN},
		{"XCLIENT ADDR=1.2.3.4", SMTP_CMD_XCLIENT}, {"TURN", SMTP_CMD_UNKNOWN},
		{"MAIL FROM:<a@b.c>", SMTP_CMD_MAIL}, {"RCPT TO:<a@b.c>", SMTP_CMD_RCPT},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint64_t an;
		struct smtp_command c = parse(t[i].line, &an);
		assert_int_equal(c.kind, t[i].kind);
		assert_int_equal(an, 0);
	}
	uint64_t an;
	struct smtp_command c = parse("XYZZY  plugh  ", &an);
	assert_string_equal(c.verb, "XYZZY");
	assert_string_equal(c.arg, "plugh");
	assert_string_equal(smtp_cmd_name(c.kind), "UNKNOWN");
	c = parse("EHLO", &an);
	assert_true(an & AN(BAD_ARGUMENT));
	c = parse("QUIT now", &an);
	assert_true(an & AN(BAD_ARGUMENT));
	c = parse("", &an);
	assert_true(an & AN(EMPTY_LINE));
	c = parse("EHLO  mail.example.org ", &an);
	assert_string_equal(c.arg, "mail.example.org");
}

/* Verbs are matched by length and every byte, case-insensitively: bytes
 * around a verb (NUL padding, one letter more or less, a letter off by
 * case folding) never make another verb. */
static void test_verb_near_misses(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		size_t len;
		enum smtp_cmd_kind kind;
	} t[] = {
		{"HELO\0\0\0 a", 9, SMTP_CMD_UNKNOWN},   {"HELO\0\0\0\0", 8, SMTP_CMD_UNKNOWN},
		{"XCLIENT\0", 8, SMTP_CMD_UNKNOWN},       {"XCLIEN", 6, SMTP_CMD_UNKNOWN},
		{"STARTTL", 7, SMTP_CMD_UNKNOWN},          {"STARTTLSX", 9, SMTP_CMD_UNKNOWN},
		{"HEL", 3, SMTP_CMD_UNKNOWN},              {"HELOO x", 7, SMTP_CMD_UNKNOWN},
		{"H\xc5LO x", 6, SMTP_CMD_UNKNOWN},        {"hElO x", 6, SMTP_CMD_HELO},
		{"starttls", 8, SMTP_CMD_STARTTLS},        {"xClient NAME=a", 14, SMTP_CMD_XCLIENT},
		{"QUIT\tnow", 8, SMTP_CMD_QUIT},           {"MAIL\0", 5, SMTP_CMD_UNKNOWN},
		{"DAT@", 4, SMTP_CMD_UNKNOWN},             {"DATa", 4, SMTP_CMD_DATA},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint64_t an = 0;
		struct smtp_command c;
		smtp_command_parse((const uint8_t *)t[i].line, t[i].len, &c, params, arena, sizeof arena, &an);
		assert_int_equal(c.kind, t[i].kind);
	}
}

static void test_mail_params(void **state)
{
	(void)state;
	uint64_t an;
	struct smtp_command c = parse("MAIL FROM:<a@example.org> SIZE=35882577 BODY=8BITMIME SMTPUTF8 RET=FULL "
				      "ENVID=QQ314159 AUTH=<> X-FOO=bar MT-PRIORITY=3",
				      &an);
	assert_int_equal(an, 0);
	assert_string_equal(c.path.addr, "a@example.org");
	assert_string_equal(c.path.domain, "example.org");
	assert_int_equal(c.size, 35882577);
	assert_int_equal(c.body, SMTP_BODY_8BITMIME);
	assert_true(c.smtputf8);
	assert_int_equal(c.ret, SMTP_RET_FULL);
	assert_string_equal(c.envid, "QQ314159");
	assert_string_equal(c.auth, "<>");
	assert_int_equal(c.nparams, 8);
	assert_string_equal(c.params[6].key, "X-FOO");
	assert_string_equal(c.params[6].value, "bar");
	assert_null(c.params[2].value); /* SMTPUTF8 has no value */

	c = parse("MAIL FROM:<a@example.org> SIZE=12x", &an);
	assert_true(an & AN(PARAM_SYNTAX));
	assert_int_equal(c.size, -1);
	c = parse("MAIL FROM:<a@example.org> BODY=9BIT", &an);
	assert_true(an & AN(PARAM_SYNTAX));
	assert_int_equal(c.body, SMTP_BODY_OTHER);
	c = parse("mail from:<a@example.org> body=binarymime ret=hdrs", &an);
	assert_int_equal(an, 0);
	assert_int_equal(c.body, SMTP_BODY_BINARYMIME);
	assert_int_equal(c.ret, SMTP_RET_HDRS);
	/* more parameters than kept: flagged, the first ones kept */
	c = parse("MAIL FROM:<a@b.c> A=1 B=2 C=3 D=4 E=5 F=6 G=7 H=8 I=9 J=10 K=11 L=12 M=13 N=14 O=15 P=16 Q=17",
		  &an);
	assert_int_equal(c.nparams, SMTP_PARAMS_MAX);
	assert_true(an & AN(PARAM_SYNTAX));
	c = parse("MAIL FROM:<a@b.c> =x", &an);
	assert_true(an & AN(PARAM_SYNTAX));
	/* a keyword twice (in any case): flagged, the first one counts, and the
	 * parameters stay unique (they are one JSON object) */
	c = parse("MAIL FROM:<a@b.c> SIZE=10 BODY=7BIT size=20 X-A X-A=1", &an);
	assert_true(an & AN(PARAM_SYNTAX));
	assert_int_equal(c.nparams, 3);
	assert_int_equal(c.size, 10);
	assert_string_equal(c.params[0].key, "SIZE");
	assert_string_equal(c.params[2].key, "X-A");
	assert_null(c.params[2].value);
	/* kept names end at a NUL: two that differ only after one are the same */
	static const char nul2[] = "MAIL FROM:<a@b.c> X-A\0b=1 X-A\0c=2";
	struct smtp_command cn;
	struct smtp_param pn[SMTP_PARAMS_MAX];
	char arena_n[2048];
	an = 0;
	smtp_command_parse((const uint8_t *)nul2, sizeof nul2 - 1, &cn, pn, arena_n, sizeof arena_n, &an);
	assert_int_equal(cn.nparams, 1);
	assert_string_equal(cn.params[0].key, "X-A");
	c = parse("MAIL FROM:<a@b.c> X-AB=1 X-A=2", &an); /* a prefix is another keyword */
	assert_int_equal(an, 0);
	assert_int_equal(c.nparams, 2);
}

static void test_rcpt_params(void **state)
{
	(void)state;
	uint64_t an;
	struct smtp_command c = parse("RCPT TO:<b@example.net> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;b@example.net", &an);
	assert_int_equal(an, 0);
	assert_int_equal(c.notify, SMTP_NOTIFY_SUCCESS | SMTP_NOTIFY_DELAY);
	assert_string_equal(c.orcpt, "rfc822;b@example.net");
	c = parse("RCPT TO:<b@example.net> NOTIFY=NEVER", &an);
	assert_int_equal(c.notify, SMTP_NOTIFY_NEVER);
	assert_int_equal(an, 0);
	c = parse("RCPT TO:<b@example.net> NOTIFY=NEVER,FAILURE", &an);
	assert_true(c.notify & SMTP_NOTIFY_BAD);
	assert_true(an & AN(PARAM_SYNTAX));
	c = parse("RCPT TO:<b@example.net> NOTIFY=SOMETIMES ORCPT=nosemicolon", &an);
	assert_true(c.notify & SMTP_NOTIFY_BAD);
	assert_true(an & AN(PARAM_SYNTAX));
	c = parse("RCPT TO:<>", &an);
	assert_true(c.path.flags & SMTP_PATH_NULL);
	assert_true(an & AN(PATH_SYNTAX)); /* <> is only a reverse-path */
}

static void test_paths(void **state)
{
	(void)state;
	uint64_t an;
	struct smtp_command c = parse("MAIL FROM:<>", &an);
	assert_int_equal(an, 0);
	assert_true(c.path.flags & SMTP_PATH_NULL);
	assert_string_equal(c.path.addr, "");

	c = parse("MAIL FROM:<@a.example,@b.example:joe@c.example>", &an);
	assert_int_equal(an, 0);
	assert_string_equal(c.path.addr, "joe@c.example");
	assert_string_equal(c.path.route, "@a.example,@b.example");
	assert_true(c.path.flags & SMTP_PATH_ROUTE);

	c = parse("RCPT TO:<\"odd > @ person\"@example.net>", &an);
	assert_int_equal(an, 0);
	assert_string_equal(c.path.addr, "\"odd > @ person\"@example.net");
	assert_string_equal(c.path.domain, "example.net");
	assert_true(c.path.flags & SMTP_PATH_QUOTED);

	c = parse("RCPT TO:<\"a\\\"b\"@example.net>", &an); /* escaped quote inside */
	assert_string_equal(c.path.addr, "\"a\\\"b\"@example.net");

	c = parse("MAIL FROM:bob@example.org SIZE=10", &an);
	assert_true(an & AN(PATH_NO_BRACKETS));
	assert_string_equal(c.path.addr, "bob@example.org");
	assert_int_equal(c.size, 10);

	c = parse("MAIL FROM: <bob@example.org>", &an);
	assert_true(c.path.flags & SMTP_PATH_SPACE);
	assert_true(an & AN(PATH_SYNTAX));
	assert_string_equal(c.path.addr, "bob@example.org");

	c = parse("MAIL FROM:<bob@example.org", &an); /* missing '>' */
	assert_true(c.path.flags & SMTP_PATH_BAD);
	assert_true(an & AN(PATH_SYNTAX));
	c = parse("RCPT TO:<bob>", &an); /* no domain, not Postmaster */
	assert_true(c.path.flags & SMTP_PATH_BAD);
	c = parse("RCPT TO:<postmaster>", &an);
	assert_false(c.path.flags & SMTP_PATH_BAD);
	c = parse("RCPT TO:<@example.net>", &an);
	assert_true(c.path.flags & SMTP_PATH_BAD);
	c = parse("MAIL TO:<bob@example.org>", &an); /* wrong keyword */
	assert_true(an & AN(PATH_SYNTAX));
	c = parse("RCPT TO:<j\xc3\xbcrgen@example.net>", &an);
	assert_true(c.path.flags & SMTP_PATH_UTF8);
	c = parse("RCPT TO:<a@b.c>junk", &an);
	assert_true(an & AN(PATH_SYNTAX));

	/* over SMTP_PATH_MAX: cut and flagged */
	char line[SMTP_PATH_MAX + 64] = "MAIL FROM:<";
	size_t n = strlen(line);
	memset(line + n, 'x', SMTP_PATH_MAX + 10);
	memcpy(line + n + SMTP_PATH_MAX + 10, "@e.x>", 6);
	c = parse(line, &an);
	assert_true(c.path.flags & SMTP_PATH_TRUNCATED);
	assert_int_equal(strlen(c.path.addr), SMTP_PATH_MAX);

	/* direct use: *used stops after '>' */
	struct smtp_path p;
	size_t used = 0;
	char ar[64];
	smtp_path_parse((const uint8_t *)"<a@b.c> SIZE=1", 14, &p, &used, ar, sizeof ar);
	assert_int_equal(used, 7);
	assert_string_equal(p.addr, "a@b.c");
}

static void test_bdat_auth_xclient(void **state)
{
	(void)state;
	uint64_t an;
	struct smtp_command c = parse("BDAT 86 LAST", &an);
	assert_int_equal(an, 0);
	assert_int_equal(c.bdat_size, 86);
	assert_true(c.bdat_last);
	c = parse("bdat 0 last", &an);
	assert_int_equal(c.bdat_size, 0);
	assert_true(c.bdat_last);
	c = parse("BDAT 12", &an);
	assert_false(c.bdat_last);
	c = parse("BDAT x", &an);
	assert_true(an & AN(BAD_ARGUMENT));
	c = parse("BDAT 10 FIRST", &an);
	assert_true(an & AN(BAD_ARGUMENT));
	c = parse("BDAT 99999999999999999999", &an);
	assert_true(an & AN(BAD_ARGUMENT));

	c = parse("AUTH plain dGVzdAB0ZXN0AHRlc3Q=", &an);
	assert_string_equal(c.auth_mech, "PLAIN");
	assert_true(c.auth_initial);
	c = parse("AUTH LOGIN", &an);
	assert_false(c.auth_initial);
	c = parse("AUTH", &an);
	assert_true(an & AN(BAD_ARGUMENT));

	c = parse("XCLIENT NAME=spike.porcupine.org ADDR=168.100.189.2 LOGIN=[UNAVAILABLE]", &an);
	assert_int_equal(c.nparams, 3);
	assert_string_equal(c.params[1].key, "ADDR");
	assert_string_equal(c.params[1].value, "168.100.189.2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verbs),       cmocka_unit_test(test_verb_near_misses),       cmocka_unit_test(test_mail_params),
		cmocka_unit_test(test_rcpt_params), cmocka_unit_test(test_paths),
		cmocka_unit_test(test_bdat_auth_xclient),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
