/* test_complete.c - unit tests for the Session screen's completion, inline
 * help and next-step hints (tui/complete.c): verbs, MAIL/RCPT parameters
 * filtered by the server's extensions, AUTH mechanisms, ':' helpers, Tab
 * cycling, and the hints after each kind of reply. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/complete.h"

/* Tab once on s; returns the result and the new line in out. */
static enum complete_result tab(struct complete_tab *t, const char *s, const struct complete_ctx *cx,
				char *out, size_t size)
{
	return complete_tab_apply(t, s, strlen(s), cx, out, size);
}

static bool has_cand(const struct complete_list *l, const char *c)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->cand[i], c))
			return true;
	return false;
}

static void test_verbs(void **state)
{
	(void)state;
	struct complete_tab t = {0};
	char out[256];
	assert_int_equal(tab(&t, "MA", NULL, out, sizeof out), COMPLETE_UNIQUE);
	assert_string_equal(out, "MAIL FROM:<");
	assert_int_equal(tab(&t, "rc", NULL, out, sizeof out), COMPLETE_UNIQUE);
	assert_string_equal(out, "rcpt to:<");
	assert_int_equal(tab(&t, "st", NULL, out, sizeof out), COMPLETE_UNIQUE);
	assert_string_equal(out, "starttls");
	assert_int_equal(tab(&t, "EHL", NULL, out, sizeof out), COMPLETE_UNIQUE);
	assert_string_equal(out, "EHLO ");
	/* E: EHLO and EXPN share only the E */
	assert_int_equal(tab(&t, "E", NULL, out, sizeof out), COMPLETE_PREFIX);
	assert_string_equal(out, "E");
	assert_int_equal(t.list.n, 2);
	assert_true(has_cand(&t.list, "EHLO "));
	assert_true(has_cand(&t.list, "EXPN "));
	/* Tab again cycles through them, then around */
	assert_int_equal(tab(&t, "E", NULL, out, sizeof out), COMPLETE_CYCLE);
	char first[256];
	snprintf(first, sizeof first, "%s", out);
	assert_int_equal(tab(&t, first, NULL, out, sizeof out), COMPLETE_CYCLE);
	assert_string_not_equal(out, first);
	char second[256];
	snprintf(second, sizeof second, "%s", out);
	assert_int_equal(tab(&t, second, NULL, out, sizeof out), COMPLETE_CYCLE);
	assert_string_equal(out, first);
	assert_int_equal(tab(&t, "XYZ", NULL, out, sizeof out), COMPLETE_NONE);
	/* LMTP offers LHLO, not EHLO */
	struct complete_ctx lmtp = {.lmtp = true};
	assert_int_equal(tab(&t, "LH", &lmtp, out, sizeof out), COMPLETE_UNIQUE);
	assert_string_equal(out, "LHLO ");
	assert_int_equal(tab(&t, "LH", NULL, out, sizeof out), COMPLETE_NONE);
	complete_tab_free(&t);
}

static void test_mail_rcpt(void **state)
{
	(void)state;
	struct complete_tab t = {0};
	char out[256];
	assert_int_equal(tab(&t, "MAIL ", NULL, out, sizeof out), COMPLETE_UNIQUE);
	assert_string_equal(out, "MAIL FROM:<");
	assert_int_equal(tab(&t, "mail fr", NULL, out, sizeof out), COMPLETE_UNIQUE);
	assert_string_equal(out, "mail from:<");
	assert_int_equal(tab(&t, "RCPT T", NULL, out, sizeof out), COMPLETE_UNIQUE);
	assert_string_equal(out, "RCPT TO:<");
	/* parameters after the address, only those the server offers */
	struct complete_ctx cx = {.ext = SMTP_EXT_SIZE | SMTP_EXT_PIPELINING};
	assert_int_equal(tab(&t, "MAIL FROM:<a@b.test> S", &cx, out, sizeof out), COMPLETE_UNIQUE);
	assert_string_equal(out, "MAIL FROM:<a@b.test> SIZE=");
	struct complete_list l;
	complete_list("MAIL FROM:<a@b.test> ", 21, &cx, &l);
	assert_int_equal(l.n, 1);
	complete_list("MAIL FROM:<a@b.test> ", 21, NULL, &l);
	assert_true(l.n >= 8);
	assert_true(has_cand(&l, "BODY=8BITMIME"));
	assert_true(has_cand(&l, "SMTPUTF8"));
	struct complete_ctx dsn = {.ext = SMTP_EXT_DSN};
	assert_int_equal(tab(&t, "RCPT TO:<x@y.test> NOTIFY=N", &dsn, out, sizeof out), COMPLETE_UNIQUE);
	assert_string_equal(out, "RCPT TO:<x@y.test> NOTIFY=NEVER");
	assert_int_equal(tab(&t, "RCPT TO:<x@y.test> NOTIFY=N", &cx, out, sizeof out), COMPLETE_NONE);
	complete_tab_free(&t);
}

static void test_auth_and_helpers(void **state)
{
	(void)state;
	struct complete_tab t = {0};
	char out[256];
	struct complete_ctx cx = {.ext = SMTP_EXT_AUTH, .auth_mechs = "PLAIN LOGIN SCRAM-SHA-256"};
	assert_int_equal(tab(&t, "AUTH S", &cx, out, sizeof out), COMPLETE_UNIQUE);
	assert_string_equal(out, "AUTH SCRAM-SHA-256");
	assert_int_equal(tab(&t, "auth p", &cx, out, sizeof out), COMPLETE_UNIQUE);
	assert_string_equal(out, "auth plain");
	/* without an AUTH keyword the usual four */
	assert_int_equal(tab(&t, "AUTH CR", NULL, out, sizeof out), COMPLETE_UNIQUE);
	assert_string_equal(out, "AUTH CRAM-MD5");
	/* the initial response is not completed */
	assert_int_equal(tab(&t, "AUTH PLAIN P", &cx, out, sizeof out), COMPLETE_NONE);
	assert_int_equal(tab(&t, ":a", NULL, out, sizeof out), COMPLETE_UNIQUE);
	assert_string_equal(out, ":auth ");
	assert_int_equal(tab(&t, ":auth l", NULL, out, sizeof out), COMPLETE_UNIQUE);
	assert_string_equal(out, ":auth login");
	assert_int_equal(tab(&t, ":st", NULL, out, sizeof out), COMPLETE_UNIQUE);
	assert_string_equal(out, ":starttls");
	assert_int_equal(tab(&t, ":send --f", NULL, out, sizeof out), COMPLETE_UNIQUE);
	assert_string_equal(out, ":send --from ");
	assert_int_equal(tab(&t, ":send --from a --stop-after r", NULL, out, sizeof out), COMPLETE_UNIQUE);
	assert_string_equal(out, ":send --from a --stop-after rcpt");
	assert_int_equal(tab(&t, ":bdat --c", NULL, out, sizeof out), COMPLETE_UNIQUE);
	assert_string_equal(out, ":bdat --chunk ");
	/* :pipeline: every segment starts with a verb, helpers are not offered */
	assert_int_equal(tab(&t, ":pipeline NOOP; RS", NULL, out, sizeof out), COMPLETE_UNIQUE);
	assert_string_equal(out, ":pipeline NOOP; RSET");
	assert_int_equal(tab(&t, ":pipeline MAIL FROM:<a@b>; RC", NULL, out, sizeof out), COMPLETE_UNIQUE);
	assert_string_equal(out, ":pipeline MAIL FROM:<a@b>; RCPT TO:<");
	assert_int_equal(tab(&t, ":pipeline :a", NULL, out, sizeof out), COMPLETE_NONE);
	/* the empty line: every verb and helper */
	struct complete_list l;
	complete_list("", 0, NULL, &l);
	assert_true(has_cand(&l, "QUIT"));
	assert_true(has_cand(&l, ":data"));
	complete_tab_free(&t);
}

static void test_tab_limits(void **state)
{
	(void)state;
	struct complete_tab t = {0};
	char small[6];
	/* the result does not fit: nothing changes */
	assert_int_equal(tab(&t, "MA", NULL, small, sizeof small), COMPLETE_NONE);
	char out[64];
	/* a line past the cap is left alone */
	size_t n = COMPLETE_LINE_MAX + 10;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'N', n);
	big[n] = '\0';
	assert_int_equal(complete_tab_apply(&t, big, n, NULL, out, sizeof out), COMPLETE_NONE);
	free(big);
	/* a line that does not end the completed word (not a prefix) is not touched */
	assert_int_equal(tab(&t, "HELLO", NULL, out, sizeof out), COMPLETE_NONE);
	complete_tab_free(&t);
}

static void test_help(void **state)
{
	(void)state;
	char out[512];
	assert_true(complete_help("MAIL", 4, out, sizeof out));
	assert_string_equal(out, "MAIL FROM:<address> [SIZE=n] [BODY=8BITMIME] - starts a transaction; send after EHLO");
	assert_true(complete_help("mail from:<a@b>", 15, out, sizeof out));
	assert_non_null(strstr(out, "starts a transaction"));
	assert_true(complete_help("MAIL FROM:<a@b> SIZE=1", 22, out, sizeof out));
	assert_non_null(strstr(out, "RFC 1870"));
	assert_true(complete_help("  RCPT", 6, out, sizeof out));
	assert_non_null(strstr(out, "RCPT TO:<address>"));
	assert_true(complete_help("STA", 3, out, sizeof out));
	assert_non_null(strstr(out, "STARTTLS - switch to TLS"));
	assert_true(complete_help("E", 1, out, sizeof out));
	assert_non_null(strstr(out, "EHLO EXPN"));
	assert_true(complete_help(":auth", 5, out, sizeof out));
	assert_non_null(strstr(out, "masked"));
	assert_true(complete_help(":zz", 3, out, sizeof out));
	assert_non_null(strstr(out, "not a helper"));
	assert_true(complete_help("FOO bar", 7, out, sizeof out));
	assert_non_null(strstr(out, "not a command SMTP defines"));
	assert_true(complete_help("::x", 3, out, sizeof out));
	assert_non_null(strstr(out, "':text'"));
	assert_false(complete_help("", 0, out, sizeof out));
	assert_string_equal(out, "");
	assert_false(complete_help("   ", 3, out, sizeof out));
	/* a tiny buffer is cut, never overrun */
	char tiny[8];
	memset(tiny, 'x', sizeof tiny);
	assert_true(complete_help("MAIL", 4, tiny, sizeof tiny));
	assert_int_equal(strlen(tiny), sizeof tiny - 1);
}

static void test_hints(void **state)
{
	(void)state;
	char out[256];
	struct complete_state st = {.connected = true, .greeted = true, .answered = SMTP_CMD_LAST, .code = 220};
	assert_true(complete_hint(&st, out, sizeof out));
	assert_non_null(strstr(out, "try EHLO your.name"));
	st.answered = SMTP_CMD_EHLO;
	st.code = 250;
	st.ext = SMTP_EXT_STARTTLS | SMTP_EXT_AUTH;
	assert_true(complete_hint(&st, out, sizeof out));
	assert_non_null(strstr(out, ":starttls"));
	st.tls = true;
	assert_true(complete_hint(&st, out, sizeof out));
	assert_non_null(strstr(out, ":auth plain"));
	st.authed = true;
	assert_true(complete_hint(&st, out, sizeof out));
	assert_non_null(strstr(out, "MAIL FROM:<"));
	st.answered = SMTP_CMD_EHLO;
	st.code = 502;
	assert_true(complete_hint(&st, out, sizeof out));
	assert_non_null(strstr(out, "HELO"));
	st.answered = SMTP_CMD_RCPT;
	st.code = 550;
	st.rcpts_ok = 0;
	assert_true(complete_hint(&st, out, sizeof out));
	assert_non_null(strstr(out, "another RCPT"));
	st.rcpts_ok = 1;
	assert_true(complete_hint(&st, out, sizeof out));
	assert_non_null(strstr(out, "accepted ones stay"));
	st.code = 503; /* the code says more than the command here */
	assert_true(complete_hint(&st, out, sizeof out));
	assert_non_null(strstr(out, "out of order"));
	st.code = 501;
	assert_true(complete_hint(&st, out, sizeof out));
	assert_non_null(strstr(out, "syntax error"));
	st.answered = SMTP_CMD_DATA;
	st.code = 354;
	assert_true(complete_hint(&st, out, sizeof out));
	assert_non_null(strstr(out, "only '.'"));
	st.answered = SMTP_CMD_MESSAGE;
	st.code = 250;
	st.queue_id = "P1234ABCD";
	assert_true(complete_hint(&st, out, sizeof out));
	assert_non_null(strstr(out, "queue id P1234ABCD"));
	st.code = 451;
	assert_true(complete_hint(&st, out, sizeof out));
	assert_non_null(strstr(out, "deferred"));
	st.closed = true;
	assert_true(complete_hint(&st, out, sizeof out));
	assert_non_null(strstr(out, "closed"));
	struct complete_state fresh = {.answered = SMTP_CMD_LAST};
	assert_false(complete_hint(&fresh, out, sizeof out));
	assert_string_equal(out, "");
	st.closed = false;
	st.answered = SMTP_CMD_NOOP;
	st.code = 250;
	assert_false(complete_hint(&st, out, sizeof out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verbs),
		cmocka_unit_test(test_mail_rcpt),
		cmocka_unit_test(test_auth_and_helpers),
		cmocka_unit_test(test_tab_limits),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_hints),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
