/* test_timeline.c - unit tests for the session renderers (tui/timeline_*.c):
 * each transaction lists its own commands, also when transactions end out of
 * their number order (a refused nested MAIL ends before the open transaction)
 * and when a session holds many of them; the time stamps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/smtp.h"
#include "decode/smtp_transcript.h"
#include "decode/txn.h"
#include "tui/timeline.h"

/* A captured session around the model of a transcript. */
static struct capture_session *session_of(const char *text)
{
	struct smtp_transcript t;
	char err[96];
	assert_true(smtp_transcript_parse((const uint8_t *)text, strlen(text), &t, err, sizeof err));
	struct txn_session *m = txn_session_new(TXN_KEEP_ALL, NULL);
	struct smtp_parser_opts o = {.answer_without_code = true};
	struct smtp_parser *p = smtp_parser_new(txn_session_event_fn, m, &o);
	smtp_transcript_feed(&t, p, NULL, NULL);
	smtp_parser_free(p);
	smtp_transcript_free(&t);
	struct capture_session *s = calloc(1, sizeof *s);
	assert_non_null(s);
	s->id = 1;
	strcpy(s->client, "192.0.2.1:40000");
	strcpy(s->server, "192.0.2.2:25");
	s->server_port = 25;
	s->model = m;
	return s;
}

static void session_free(struct capture_session *s)
{
	txn_session_free(s->model);
	free(s);
}

typedef void (*render_fn)(FILE *f, const struct capture_session *s, const struct timeline_opts *o);

static char *render(render_fn fn, const struct capture_session *s)
{
	char *mem = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&mem, &size);
	assert_non_null(f);
	struct timeline_opts o = {0};
	fn(f, s, &o);
	fclose(f);
	return mem;
}

/* The "commands" array of the JSON transaction numbered index ("" if none). */
static char *txn_commands(const char *json, int index)
{
	char key[32];
	snprintf(key, sizeof key, "{\"index\":%d,", index);
	const char *t = strstr(json, key);
	if (!t)
		return strdup("");
	const char *c = strstr(t, "\"commands\":[");
	assert_non_null(c);
	const char *end = strstr(c, "}]}"); /* the last command object, the array, the transaction */
	const char *empty = strstr(c, "\"commands\":[]");
	if (empty == c)
		end = c + strlen("\"commands\":[]");
	assert_non_null(end);
	return strndup(c, (size_t)(end - c));
}

#define HEAD "S: 220 mx ESMTP\nC: EHLO c\nS: 250-mx\nS: 250 PIPELINING\n"

static void test_out_of_order_transactions(void **state)
{
	(void)state;
	/* transaction 2 (the refused nested MAIL) ends before transaction 1 */
	struct capture_session *s = session_of(
		HEAD "C: MAIL FROM:<a@b.example>\nS: 250 2.1.0 Ok\nC: RCPT TO:<c@d.example>\nS: 250 2.1.5 Ok\n"
		     "C: MAIL FROM:<z@b.example>\nS: 503 5.5.1 Error: nested MAIL command\n"
		     "C: RCPT TO:<e@f.example>\nS: 250 2.1.5 Ok\nC: DATA\nS: 354 go\nC: .\n"
		     "S: 250 2.0.0 Ok: queued as N1N1N1\nC: QUIT\nS: 221 bye\n");
	assert_int_equal(s->model->ntxns, 2);
	assert_int_equal(s->model->txns[0]->index, 2);
	char *json = render(timeline_json_session, s);
	char *one = txn_commands(json, 1), *two = txn_commands(json, 2);
	assert_non_null(strstr(one, "MAIL FROM:<a@b.example>"));
	assert_non_null(strstr(one, "RCPT TO:<e@f.example>"));
	assert_non_null(strstr(one, "\"command\":\".\""));
	assert_null(strstr(one, "z@b.example"));
	assert_non_null(strstr(two, "MAIL FROM:<z@b.example>"));
	assert_null(strstr(two, "RCPT"));
	/* the session's own commands come after the transactions */
	const char *own = strstr(json, "]},{\"index\":1,");
	assert_non_null(own);
	const char *tail = strstr(json, "],\"commands\":[");
	assert_non_null(tail);
	assert_non_null(strstr(tail, "\"command\":\"EHLO c\""));
	assert_non_null(strstr(tail, "\"command\":\"QUIT\""));
	free(one);
	free(two);
	free(json);
	/* the text timeline closes each transaction's commands with its outcome */
	char *text = render(timeline_text_session, s);
	const char *rcpt_e = strstr(text, "RCPT TO:<e@f.example>");
	const char *queued = strstr(text, "queued as N1N1N1");
	assert_non_null(rcpt_e);
	assert_non_null(queued);
	assert_true(rcpt_e < queued);
	free(text);
	session_free(s);
}

/* Many transactions in one session: each keeps exactly its own commands (the
 * RSETs that end them belong to the session). */
static void test_many_transactions(void **state)
{
	(void)state;
	enum { N = 2000 };
	size_t cap = 64 + (size_t)N * 96;
	char *text = malloc(cap);
	assert_non_null(text);
	size_t n = (size_t)snprintf(text, cap, "%s", HEAD);
	for (int i = 1; i <= N; i++)
		n += (size_t)snprintf(text + n, cap - n,
				      "C: MAIL FROM:<s%d@example.test>\nS: 250 2.1.0 Ok\nC: RSET\nS: 250 2.0.0 Ok\n", i);
	snprintf(text + n, cap - n, "C: QUIT\nS: 221 bye\n");
	struct capture_session *s = session_of(text);
	free(text);
	assert_int_equal(s->model->ntxns, N);
	char *json = render(timeline_json_session, s);
	int checked[] = {1, 2, N / 2, N - 1, N};
	for (size_t k = 0; k < sizeof checked / sizeof *checked; k++) {
		char *cmds = txn_commands(json, checked[k]);
		char want[64];
		snprintf(want, sizeof want, "MAIL FROM:<s%d@example.test>", checked[k]);
		assert_non_null(strstr(cmds, want));
		assert_null(strstr(strstr(cmds, want) + 1, "MAIL FROM")); /* only its own MAIL */
		free(cmds);
	}
	const char *own = strstr(json, "]}],\"commands\":[");
	assert_non_null(own);
	assert_non_null(strstr(own, "\"command\":\"RSET\""));
	free(json);
	session_free(s);
}

/* Times as RFC 3339 UTC with microseconds, the day part remembered between calls. */
static void test_time(void **state)
{
	(void)state;
	char b[40];
	timeline_time(0, b, sizeof b);
	assert_string_equal(b, "1970-01-01T00:00:00.000000Z");
	timeline_time(1780000000123456LL, b, sizeof b);
	assert_string_equal(b, "2026-05-28T20:26:40.123456Z");
	timeline_time(1780000000000007LL, b, sizeof b); /* the same second again */
	assert_string_equal(b, "2026-05-28T20:26:40.000007Z");
	timeline_time(1780000001999999LL, b, sizeof b);
	assert_string_equal(b, "2026-05-28T20:26:41.999999Z");
	timeline_time(-1, b, sizeof b);
	assert_string_equal(b, "unknown");
	char small[5];
	timeline_time(1780000000123456LL, small, sizeof small);
	assert_string_equal(small, "2026");
	/* against gmtime and strftime: times in random order (the day changes
	 * between calls), around midnight, and up to year 9999 */
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 100000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int64_t usec = (int64_t)(x % 253402300800000000ull); /* before 10000-01-01 */
		if (i % 3 == 0)
			usec = (usec / 86400000000LL) * 86400000000LL - (int64_t)(x >> 60); /* just before midnight */
		if (usec < 0)
			usec = 0;
		time_t t = (time_t)(usec / 1000000);
		struct tm tm;
		assert_non_null(gmtime_r(&t, &tm));
		char want[64], day[40];
		strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want, sizeof want, "%s.%06lldZ", day, (long long)(usec % 1000000));
		timeline_time(usec, b, sizeof b);
		assert_string_equal(b, want);
	}
}

/* timeline_fixed against snprintf of the double: every value around zero,
 * both signs, the halfway cases, widths, and large values. */
static void check_fixed(int64_t num, unsigned scale, unsigned decimals, bool plus, unsigned width)
{
	static const double p10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
	char want[64], got[64];
	snprintf(want, sizeof want, plus ? "%+*.*f" : "%*.*f", (int)width, (int)decimals, (double)num / p10[scale]);
	timeline_fixed(got, sizeof got, num, scale, decimals, plus, width);
	if (strcmp(got, want) != 0)
		fail_msg("%lld /1e%u .%u: '%s' != '%s'", (long long)num, scale, decimals, got, want);
}

static void test_fixed(void **state)
{
	(void)state;
	for (int64_t v = -30000; v <= 30000; v++) {
		check_fixed(v, 6, 3, true, 9);
		check_fixed(v, 3, 1, false, 0);
		check_fixed(v, 3, 3, false, 0);
		check_fixed(v, 2, 0, true, 4);
	}
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int64_t v = (int64_t)(x >> (i % 60 + 4)) * (i % 2 ? -1 : 1);
		check_fixed(v, 6, 3, true, 9);
		check_fixed(v, 3, 1, false, 0);
		check_fixed(v - v % 1000 + 500, 6, 3, true, 9); /* halfway */
	}
	check_fixed(INT64_MIN, 6, 3, true, 9);
	check_fixed(INT64_MAX, 3, 1, false, 0);
	check_fixed((int64_t)1 << 50, 6, 3, true, 9);
	char small[8];
	timeline_fixed(small, sizeof small, 123456789, 6, 3, true, 9); /* a small buffer: cut, terminated */
	assert_int_equal(strlen(small), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_out_of_order_transactions),
		cmocka_unit_test(test_many_transactions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
