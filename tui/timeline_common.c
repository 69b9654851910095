/* timeline_common.c - helpers shared by the timeline renderers: times, stages,
 * explanations of replies, and the problems a session shows. */
#include "tui/timeline.h"
#include "decode/bytes.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void timeline_fixed(char *buf, size_t size, int64_t num, unsigned scale, unsigned decimals, bool plus,
		    unsigned width)
{
	static const uint64_t p10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};
	uint64_t mag = num < 0 ? 0 - (uint64_t)num : (uint64_t)num;
	uint64_t div = scale <= 9 && decimals <= scale ? p10[scale - decimals] : 0;
	if (!div || mag >= (1ull << 50) || (div > 1 && mag % div == div / 2) || width > 40 || size < 48) {
		double d = (double)num / (scale <= 9 ? (double)p10[scale] : 1e9);
		snprintf(buf, size, plus ? "%+*.*f" : "%*.*f", (int)width, (int)decimals, d);
		return;
	}
	uint64_t q = mag / div + (mag % div > div / 2); /* to the nearest; ties were left to snprintf */
	char tmp[48], *end = tmp + sizeof tmp, *p = end;
	if (decimals) {
		p = bytes_utoa_pad(q % p10[decimals], decimals, p);
		*--p = '.';
	}
	p = bytes_utoa(q / p10[decimals], p);
	if (num < 0 || plus)
		*--p = num < 0 ? '-' : '+';
	size_t n = (size_t)(end - p), pad = width > n ? width - n : 0;
	memset(buf, ' ', pad);
	memcpy(buf + pad, p, n);
	buf[pad + n] = '\0';
}

/* Two digits of v (0-99) at p: hours, minutes and seconds of every time stamp. */
static void put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/* The date ("2026-11-23T"), cached per thread with its length: consecutive
 * timestamps of a capture fall on the same day, and gmtime+strftime per
 * timestamp was a visible cost on large captures. The time of day is written
 * from the seconds (UTC days are 86,400 of them for time_t, as for gmtime). */
void timeline_time(int64_t usec, char *buf, size_t size)
{
	static _Thread_local int64_t cached_dayno = -1;
	static _Thread_local char cached_day[32];
	static _Thread_local size_t cached_len;
	if (usec < 0) {
		snprintf(buf, size, "unknown");
		return;
	}
	int64_t secs = usec / 1000000, dayno = secs / 86400;
	if (dayno != cached_dayno) {
		struct tm tm;
		time_t t = (time_t)secs;
		if (!gmtime_r(&t, &tm)) {
			snprintf(buf, size, "unknown");
			return;
		}
		cached_len = strftime(cached_day, sizeof cached_day, "%Y-%m-%dT", &tm);
		cached_dayno = dayno;
	}
	char whole[sizeof cached_day + 16];
	memcpy(whole, cached_day, cached_len);
	char *tail = whole + cached_len; /* "hh:mm:ss.uuuuuuZ" */
	unsigned sod = (unsigned)(secs % 86400);
	put2(tail, sod / 3600);
	tail[2] = ':';
	put2(tail + 3, sod / 60 % 60);
	tail[5] = ':';
	put2(tail + 6, sod % 60);
	tail[8] = '.';
	bytes_utoa_pad((uint64_t)(usec % 1000000), 6, tail + 15);
	tail[15] = 'Z';
	size_t n = cached_len + 16;
	if (!size)
		return;
	if (n >= size)
		n = size - 1;
	memcpy(buf, whole, n);
	buf[n] = '\0';
}

enum smtp_stage timeline_stage(enum smtp_cmd_kind k)
{
	switch (k) {
	case SMTP_CMD_HELO:
	case SMTP_CMD_EHLO:
	case SMTP_CMD_LHLO:
		return STAGE_HELO;
	case SMTP_CMD_STARTTLS:
		return STAGE_STARTTLS;
	case SMTP_CMD_AUTH:
	case SMTP_CMD_AUTH_RESPONSE:
		return STAGE_AUTH;
	case SMTP_CMD_MAIL:
		return STAGE_MAIL;
	case SMTP_CMD_RCPT:
		return STAGE_RCPT;
	case SMTP_CMD_DATA:
	case SMTP_CMD_BDAT:
		return STAGE_DATA;
	case SMTP_CMD_MESSAGE:
		return STAGE_MESSAGE;
	default:
		return STAGE_UNKNOWN;
	}
}

/* Explanations of recent replies, per thread: a capture repeats the same
 * few reply texts thousands of times, and explaining one (provider rules,
 * reason phrases) costs far more than comparing it. An explanation holds
 * only pointers to static tables, so a copy is as good as a new one. */
#define EXPLAIN_MEMO_SLOTS 256
#define EXPLAIN_MEMO_TEXT 200 /* longer texts are explained every time */

struct explain_memo {
	bool used;
	int code;
	enum smtp_stage stage;
	char esc[16];
	size_t len;
	char text[EXPLAIN_MEMO_TEXT];
	struct explanation e;
};

static _Thread_local struct explain_memo explain_memo[EXPLAIN_MEMO_SLOTS];

static size_t explain_memo_slot(int code, const char *esc, const char *t, size_t len, enum smtp_stage st)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)code ^ ((uint64_t)st << 20);
	for (const char *p = esc; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)t[i]) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29)) % EXPLAIN_MEMO_SLOTS;
}

static void timeline_explain_memo(const struct txn_reply *r, const char *t, enum smtp_stage stage,
				  struct explanation *e)
{
	if (r->text_len > EXPLAIN_MEMO_TEXT) {
		explain_reply(r->code, r->esc, (const uint8_t *)t, r->text_len, stage, e);
		return;
	}
	struct explain_memo *m = &explain_memo[explain_memo_slot(r->code, r->esc, t, r->text_len, stage)];
	if (m->used && m->code == r->code && m->stage == stage && m->len == r->text_len &&
	    !strcmp(m->esc, r->esc) && !memcmp(m->text, t, r->text_len)) {
		*e = m->e;
		return;
	}
	explain_reply(r->code, r->esc, (const uint8_t *)t, r->text_len, stage, e);
	m->used = true;
	m->code = r->code;
	m->stage = stage;
	snprintf(m->esc, sizeof m->esc, "%s", r->esc);
	m->len = r->text_len;
	memcpy(m->text, t, r->text_len);
	m->e = *e;
}

bool timeline_explain(const struct txn_reply *r, enum smtp_stage stage, struct explanation *e)
{
	if (!r->code && !r->text) /* a reply without a valid code still has its text */
		return false;
	timeline_explain_memo(r, r->text ? r->text : "", stage, e);
	return true;
}

const struct txn *timeline_txn(const struct capture_session *s, uint64_t index)
{
	/* transactions are kept in the order they ended, nearly always their
	 * number order: look there first (a session of many transactions would
	 * otherwise be scanned once per command) */
	if (index >= 1 && index <= s->model->ntxns && s->model->txns[index - 1]->index == index)
		return s->model->txns[index - 1];
	for (size_t i = 0; i < s->model->ntxns; i++)
		if (s->model->txns[i]->index == index)
			return s->model->txns[i];
	return NULL;
}

static void timeline_step_problem(const char *what, const char *arg, const struct txn_step *st,
				  enum smtp_stage stage, timeline_problem_fn fn, void *user)
{
	char line[512];
	struct explanation e = {.reason = REASON_UNDEFINED};
	if (st->status == TXN_ST_REJECTED || st->status == TXN_ST_DEFERRED) {
		timeline_explain(&st->reply, stage, &e);
		char code[8] = "no code";
		if (st->reply.code)
			snprintf(code, sizeof code, "%d", st->reply.code);
		snprintf(line, sizeof line, "%s%s%s %s: %s%s%s (%s)", what, arg ? " " : "", arg ? arg : "",
			 st->status == TXN_ST_REJECTED ? "rejected" : "deferred", code, st->reply.esc[0] ? " " : "",
			 st->reply.esc, reason_name(e.reason));
		fn(user, line);
	} else if (st->status == TXN_ST_NO_REPLY) {
		snprintf(line, sizeof line, "%s%s%s: the server never answered", what, arg ? " " : "",
			 arg ? arg : "");
		fn(user, line);
	}
}

static void timeline_txn_problems(const struct txn *t, timeline_problem_fn fn, void *user)
{
	char line[256];
	timeline_step_problem("MAIL FROM", t->mail_from ? t->mail_from : "(not seen)", &t->mail, STAGE_MAIL, fn,
			      user);
	for (size_t i = 0; i < t->nrcpts; i++)
		timeline_step_problem("RCPT TO", t->rcpts[i].addr, &t->rcpts[i].step, STAGE_RCPT, fn, user);
	timeline_step_problem(t->data_kind == TXN_DATA_BDAT ? "BDAT" : "DATA", NULL, &t->data, STAGE_DATA, fn,
			      user);
	timeline_step_problem("message", NULL, &t->final, STAGE_MESSAGE, fn, user);
	bool in_data = t->data.status == TXN_ST_OK && t->final.status == TXN_ST_NONE;
	if (t->outcome == TXN_OUT_ABORTED_DISCONNECT && in_data) {
		snprintf(line, sizeof line, "transaction %llu: connection dropped during the message (%llu bytes sent)",
			 (unsigned long long)t->index, (unsigned long long)t->msg_bytes);
		fn(user, line);
	}
	if (t->msg_missing) {
		snprintf(line, sizeof line, "transaction %llu: %llu message bytes missing from the capture",
			 (unsigned long long)t->index, (unsigned long long)t->msg_missing);
		fn(user, line);
	}
}

void timeline_problems(const struct capture_session *s, timeline_problem_fn fn, void *user)
{
	char line[512];
	const struct txn_session *m = s->model;
	for (size_t i = 0; i < m->ntxns; i++)
		timeline_txn_problems(m->txns[i], fn, user);
	if (m->auth_result == TXN_AUTH_FAILED) {
		snprintf(line, sizeof line, "AUTH %s failed: %d", m->auth_mech ? m->auth_mech : "",
			 m->auth_reply.code);
		fn(user, line);
	}
	if (s->gaps) {
		snprintf(line, sizeof line, "capture gap: %llu bytes missing in %llu place(s)",
			 (unsigned long long)s->gap_bytes, (unsigned long long)s->gaps);
		fn(user, line);
	}
	for (size_t i = 0; i < m->nanomalies; i++) {
		const struct txn_anomaly *a = &m->anomalies[i];
		if (a->kind == SMTP_AN_GAP)
			continue;
		if (a->kind == SMTP_AN_REPLY_LOST_COMMAND && a->detail && a->detail[0])
			snprintf(line, sizeof line, "%s: %s: %s", smtp_anomaly_name(a->kind),
				 smtp_anomaly_text(a->kind), a->detail);
		else
			snprintf(line, sizeof line, "%s: %s", smtp_anomaly_name(a->kind), smtp_anomaly_text(a->kind));
		fn(user, line);
	}
	if (s->truncated)
		fn(user, "the capture ends while the session is still open");
}
