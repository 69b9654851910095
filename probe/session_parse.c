/* session_parse.c - the events of the stream parser (decode/smtp.h) of a
 * live session turned into transcript entries (commands sent, replies with
 * their layered explanation and latency, message content summarised, AUTH
 * exchanges decoded, anomalies as notes) and into the session result
 * (RFC 5321 4.2, 4.3.2; RFC 3463; RFC 4954; RFC 3030; RFC 2033 4.2). */
#include "probe/session_internal.h"
#include "decode/limits.h"
#include "decode/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void session_parser_new(struct session *s, bool no_greeting)
{
	struct smtp_parser_opts po = {.no_greeting = no_greeting};
	if (s->p)
		smtp_parser_free(s->p);
	s->p = smtp_parser_new(session_on_parser_event, s, &po);
}

/* ---- commands awaiting replies ---- */

bool session_await_push(struct session *s, enum smtp_cmd_kind kind, const char *rcpt)
{
	if (s->await_len >= SESSION_AWAIT_MAX)
		return false;
	if (!s->await)
		s->await = xcalloc(SESSION_AWAIT_MAX, sizeof *s->await);
	struct session_await *a = &s->await[(s->await_head + s->await_len) % SESSION_AWAIT_MAX];
	memset(a, 0, sizeof *a);
	a->kind = kind;
	a->rcpt = rcpt ? xstrdup(rcpt) : NULL;
	s->await_len++;
	return true;
}

static struct session_await *await_last(struct session *s)
{
	if (!s->await_len)
		return NULL;
	return &s->await[(s->await_head + s->await_len - 1) % SESSION_AWAIT_MAX];
}

static bool await_pop(struct session *s, struct session_await *out)
{
	if (!s->await_len)
		return false;
	*out = s->await[s->await_head];
	s->await_head = (s->await_head + 1) % SESSION_AWAIT_MAX;
	s->await_len--;
	return true;
}

void session_await_clear(struct session *s)
{
	struct session_await a;
	while (await_pop(s, &a))
		free(a.rcpt);
	free(s->await);
	s->await = NULL;
	s->await_head = 0;
}

/* ---- transactions: "every recipient was refused" ---- */

void session_txn_check_rcpts(struct session *s)
{
	if (s->txn_open && s->txn_rcpt_ok == 0 && s->txn_rcpt_bad > 0)
		session_fail(s, SESS_STAGE_RCPT, "every recipient was refused (%u)", s->txn_rcpt_bad);
	s->txn_open = false;
}

/* ---- client side ---- */

static void on_command(struct session *s, const struct smtp_event *ev)
{
	const struct smtp_command *c = ev->cmd;
	struct session_entry *e = session_entry_new(SESS_E_COMMAND, SESS_DIR_CLIENT);
	size_t secret_at = c->secret_at < s->force_secret_at ? c->secret_at : s->force_secret_at;
	if (secret_at < c->line_len && !s->o.show_secrets) {
		struct buf b;
		buf_init(&b, secret_at + 8);
		buf_append(&b, c->line, secret_at);
		buf_append_str(&b, "***");
		session_entry_add_line(e, b.data, b.len);
		buf_free(&b);
		e->masked = true;
	} else {
		session_entry_add_line(e, c->line, c->line_len);
	}
	e->cmd = c->kind;
	session_entry_take_notes(s, e, SESS_DIR_CLIENT);
	switch (c->kind) {
	case SMTP_CMD_MAIL:
		session_txn_check_rcpts(s);
		s->txn_rcpt_ok = s->txn_rcpt_bad = 0;
		s->lmtp_final_seen = false;
		break;
	case SMTP_CMD_DATA: case SMTP_CMD_BDAT: case SMTP_CMD_RSET: case SMTP_CMD_QUIT:
	case SMTP_CMD_HELO: case SMTP_CMD_EHLO: case SMTP_CMD_LHLO:
		if (c->kind != SMTP_CMD_BDAT || s->txn_open)
			session_txn_check_rcpts(s);
		break;
	default: break;
	}
	if (c->kind == SMTP_CMD_QUIT)
		s->quit_sent = true;
	session_entry_emit(s, e);
	if (!session_await_push(s, c->kind, c->kind == SMTP_CMD_RCPT ? c->path.addr : NULL))
		session_info(s, SESS_LVL_WARN, "pipeline", "more than %d commands await replies: "
			     "replies past that are not matched", SESSION_AWAIT_MAX);
	struct session_await *a = await_last(s);
	if (a && c->kind == SMTP_CMD_BDAT)
		a->bdat_last = c->bdat_last;
}

static void body_reset(struct session *s)
{
	buf_reset(&s->body_show);
	s->body_show_lines = 0;
	s->body_bytes = s->body_lines = s->body_hidden = 0;
	s->body_capped = false;
}

static void on_body(struct session *s, const uint8_t *p, size_t len)
{
	s->body_bytes += len;
	for (size_t i = 0; i < len; i++) {
		bool nl = p[i] == '\n';
		if (nl)
			s->body_lines++;
		if (s->body_capped) {
			if (nl)
				s->body_hidden++;
			continue;
		}
		buf_append_byte(&s->body_show, p[i]);
		if (nl && ++s->body_show_lines >= SESSION_BODY_SHOW_LINES)
			s->body_capped = true;
		if (s->body_show.len >= SESSION_BODY_SHOW_BYTES)
			s->body_capped = true;
	}
}

/* Emit the content lines gathered so far as one entry; a partial last line
 * waits for the rest unless force. */
static void body_flush(struct session *s, bool force)
{
	const uint8_t *p = s->body_show.data;
	size_t len = s->body_show.len, end = len;
	if (!force && !s->body_capped) {
		while (end > 0 && p[end - 1] != '\n')
			end--;
	}
	if (end == 0)
		return;
	struct session_entry *e = session_entry_new(SESS_E_BODY, SESS_DIR_CLIENT);
	e->topic = "body";
	size_t i = 0;
	while (i < end) {
		const uint8_t *nl = memchr(p + i, '\n', end - i);
		size_t n = nl ? (size_t)(nl - (p + i)) : end - i;
		size_t show = n > 0 && p[i + n - 1] == '\r' ? n - 1 : n;
		session_entry_add_line(e, p + i, show);
		i += n + (nl ? 1 : 0);
	}
	e->bytes = end;
	session_entry_emit(s, e);
	buf_consume(&s->body_show, end);
	if (s->body_capped)
		buf_reset(&s->body_show);
}

void session_body_flush(struct session *s)
{
	body_flush(s, false);
}

static void on_body_end(struct session *s, const struct smtp_event *ev)
{
	const struct smtp_body_end *be = ev->end;
	body_flush(s, true);
	char note[200];
	snprintf(note, sizeof note, "message content: %llu bytes in %llu lines",
		 (unsigned long long)s->body_bytes, (unsigned long long)s->body_lines);
	if (s->body_hidden) {
		size_t n = strlen(note);
		snprintf(note + n, sizeof note - n, " (%llu not shown)", (unsigned long long)s->body_hidden);
	}
	if (be->bdat) {
		if (be->last) {
			session_info(s, SESS_LVL_NOTE, "body", "%s, sent with BDAT", note);
			body_reset(s);
		}
		return;
	}
	struct session_entry *e = session_entry_new(SESS_E_COMMAND, SESS_DIR_CLIENT);
	session_entry_add_line(e, ".", 1);
	e->cmd = SMTP_CMD_MESSAGE;
	session_entry_add_note(e, note);
	session_entry_take_notes(s, e, SESS_DIR_CLIENT);
	session_entry_emit(s, e);
	body_reset(s);
	s->in_content = false;
	session_await_push(s, SMTP_CMD_MESSAGE, NULL);
	if (s->o.lmtp && s->txn_rcpt_ok > 1)
		s->lmtp_expect = s->txn_rcpt_ok - 1;
}

static void on_auth(struct session *s, const struct smtp_event *ev)
{
	const struct smtp_auth *a = ev->auth;
	struct buf b;
	buf_init(&b, 2048);
	bool client = ev->dir == SMTP_DIR_CLIENT;
	if (a->cancelled) {
		session_info(s, SESS_LVL_NOTE, "auth", "AUTH %s: the client cancelled the exchange", a->mech);
		buf_free(&b);
		return;
	}
	if (!a->decoded) {
		session_info(s, SESS_LVL_WARN, "auth", "AUTH %s: the %s's message is not valid base64", a->mech,
			     client ? "client" : "server");
		buf_free(&b);
		return;
	}
	buf_printf(&b, "AUTH %s %s decoded:", a->mech, client ? "response" : "challenge");
	for (size_t i = 0; i < a->nparts; i++) {
		const struct smtp_auth_part *pt = &a->parts[i];
		if (pt->secret && !s->o.show_secrets)
			buf_printf(&b, " %s=***", pt->name);
		else if (pt->len <= 200)
			buf_printf(&b, " %s='%.*s'", pt->name, (int)pt->len, (const char *)pt->value);
		else
			buf_printf(&b, " %s=(%zu bytes)", pt->name, pt->len);
	}
	if (client && a->secret && !s->tls_up)
		buf_append_str(&b, "\nbase64 hides nothing: without TLS anyone on the path can read this secret");
	session_info(s, client && a->secret && !s->tls_up ? SESS_LVL_WARN : SESS_LVL_NOTE, "auth", "%s", buf_str(&b));
	buf_free(&b);
}

static void on_anomaly(struct session *s, const struct smtp_event *ev)
{
	char t[400];
	snprintf(t, sizeof t, "%s", smtp_anomaly_text(ev->anomaly.kind));
	size_t n = strlen(t);
	if (ev->anomaly.count)
		snprintf(t + n, sizeof t - n, " (%llu)", (unsigned long long)ev->anomaly.count);
	n = strlen(t);
	if (ev->anomaly.detail && ev->anomaly.detail[0])
		snprintf(t + n, sizeof t - n, " [%.60s]", ev->anomaly.detail);
	session_note_pending(s, ev->dir == SMTP_DIR_SERVER ? SESS_DIR_SERVER : SESS_DIR_CLIENT, t);
}

/* ---- server side ---- */

static void reply_lines(struct session_entry *e, const struct smtp_reply *r, struct buf *text)
{
	struct buf l;
	buf_init(&l, SMTP_LINE_HARD_MAX + 16);
	for (size_t i = 0; i < r->nlines; i++) {
		const struct smtp_reply_line *rl = &r->lines[i];
		buf_reset(&l);
		if (rl->code >= 0) {
			buf_printf(&l, "%03d", rl->code);
			if (rl->sep)
				buf_append_byte(&l, (uint8_t)rl->sep);
		}
		buf_append(&l, rl->text, rl->text_len);
		session_entry_add_line(e, l.data, l.len);
		if (rl->has_esc && !e->status[0])
			esc_format(&rl->esc, e->status, sizeof e->status);
		if (text->len)
			buf_append_byte(text, ' ');
		size_t room = text->max - text->len;
		buf_append(text, rl->msg, rl->msg_len < room ? rl->msg_len : room);
	}
	buf_free(&l);
}

static enum session_level reply_level(int code)
{
	switch (code / 100) {
	case 2: case 3: return SESS_LVL_OK;
	case 4: return SESS_LVL_WARN;
	default: return SESS_LVL_ERROR;
	}
}

/* "550 5.1.1 text" for failure messages. */
static const char *brief(const struct session_entry *e, const char *text, char *b, size_t n)
{
	snprintf(b, n, "%d%s%s %.400s", e->code, e->status[0] ? " " : "", e->status, text);
	return b;
}

static void record_final(struct session *s, const struct session_entry *e, const struct smtp_reply *r,
			 const char *text)
{
	char b[600];
	session_result_final(&s->res, e->code, e->status, text);
	if (e->code / 100 == 2) {
		session_result_reach(&s->res, SESS_STAGE_MESSAGE);
		for (size_t i = 0; i < r->nlines; i++) {
			struct queueid q;
			if (queueid_extract((const uint8_t *)r->lines[i].text, r->lines[i].text_len, &q)) {
				snprintf(s->res.queue_id, sizeof s->res.queue_id, "%s", q.id);
				break;
			}
		}
	} else {
		session_fail(s, SESS_STAGE_MESSAGE, "the message was refused: %s", brief(e, text, b, sizeof b));
	}
	s->lmtp_final_seen = true;
}

static void record_reply(struct session *s, const struct session_entry *e, const struct session_await *aw,
			 const struct smtp_reply *r, const char *text)
{
	int code = e->code;
	bool ok = code / 100 == 2;
	char b[600];
	const char *cmd = smtp_cmd_name(e->answers);
	switch (e->answers) {
	case SMTP_CMD_HELO: case SMTP_CMD_EHLO: case SMTP_CMD_LHLO:
		if (ok)
			session_result_reach(&s->res, SESS_STAGE_EHLO);
		else if (!aw->no_fail)
			session_fail(s, SESS_STAGE_EHLO, "%s was refused: %s", cmd, brief(e, text, b, sizeof b));
		break;
	case SMTP_CMD_STARTTLS:
		if (code != 220)
			session_fail(s, SESS_STAGE_TLS, "STARTTLS was refused: %s", brief(e, text, b, sizeof b));
		break;
	case SMTP_CMD_AUTH: case SMTP_CMD_AUTH_RESPONSE:
		if (code == 235)
			session_result_reach(&s->res, SESS_STAGE_AUTH);
		else if (code != 334)
			session_fail(s, SESS_STAGE_AUTH, "authentication failed: %s", brief(e, text, b, sizeof b));
		break;
	case SMTP_CMD_MAIL:
		if (ok) {
			session_result_reach(&s->res, SESS_STAGE_MAIL);
			s->txn_open = true;
		} else {
			session_fail(s, SESS_STAGE_MAIL, "MAIL FROM was refused: %s", brief(e, text, b, sizeof b));
		}
		break;
	case SMTP_CMD_RCPT:
		if (ok) {
			s->txn_rcpt_ok++;
			s->res.rcpts_accepted++;
			session_result_reach(&s->res, SESS_STAGE_RCPT);
		} else {
			s->txn_rcpt_bad++;
			session_result_rejected(&s->res, aw->rcpt, code, e->status, text, e->ex.reason);
		}
		break;
	case SMTP_CMD_DATA:
		if (code == 354)
			session_result_reach(&s->res, SESS_STAGE_DATA);
		else
			session_fail(s, SESS_STAGE_DATA, "DATA was refused: %s", brief(e, text, b, sizeof b));
		break;
	case SMTP_CMD_BDAT:
		if (aw->bdat_last)
			record_final(s, e, r, text);
		else if (ok)
			session_result_reach(&s->res, SESS_STAGE_DATA);
		else
			session_fail(s, SESS_STAGE_DATA, "BDAT was refused: %s", brief(e, text, b, sizeof b));
		break;
	case SMTP_CMD_MESSAGE: record_final(s, e, r, text); break;
	case SMTP_CMD_QUIT:
		if (code == 221)
			session_result_reach(&s->res, SESS_STAGE_QUIT);
		else
			session_fail(s, SESS_STAGE_QUIT, "QUIT got %s", brief(e, text, b, sizeof b));
		break;
	default: break;
	}
}

static void record_greeting(struct session *s, const struct session_entry *e, const char *text)
{
	char b[600];
	s->greeted = true;
	if (e->code == 220)
		session_result_reach(&s->res, SESS_STAGE_GREETING);
	else
		session_fail(s, SESS_STAGE_GREETING, "the server refused the session in its greeting: %s",
			     brief(e, text, b, sizeof b));
}

static void reply_annotate(struct session *s, struct session_entry *e, const struct smtp_reply *r,
			   const struct smtp_event *ev, const char *text)
{
	bool greeting = r->flags & SMTP_REPLY_GREETING;
	if (greeting)
		e->stage = SESS_STAGE_GREETING;
	if (r->answer_kind != SMTP_CMD_LAST)
		e->latency_us = ev->ts - r->answer_ts;
	else if (greeting && s->connected_ms)
		e->latency_us = ev->ts - (int64_t)s->connected_ms * 1000;
	if (e->code > 0) {
		explain_reply(e->code, e->status, (const uint8_t *)text, strlen(text), session_stage_smtp(e->stage),
			      &e->ex);
		e->has_explanation = true;
	}
	e->level = e->code > 0 ? reply_level(e->code) : SESS_LVL_ERROR;
	if ((e->answers == SMTP_CMD_EHLO || e->answers == SMTP_CMD_LHLO) && e->code / 100 == 2)
		session_entry_exts(e, r, s->tls_up);
	session_entry_take_notes(s, e, SESS_DIR_SERVER);
	if (e->incomplete)
		session_entry_add_note(e, "the connection ended before this reply was complete");
	if ((r->flags & SMTP_REPLY_UNSOLICITED) && r->code == 421)
		session_entry_add_note(e, "the server is closing the connection (RFC 5321 3.8 lets it send 421 at any time)");
	if (e->code == 0)
		session_entry_add_note(e, "not a reply: a reply line starts with a 3-digit code (RFC 5321 4.2)");
}

static void reply_effects(struct session *s, const struct session_entry *e)
{
	if (e->answers == SMTP_CMD_STARTTLS && e->code == 220 && !s->closing)
		session_start_tls(s);
	else if (e->answers == SMTP_CMD_DATA && e->code == 354)
		s->in_content = true;
}

/* What a reply means for the result, and what it sets off (TLS, content). */
static void reply_record(struct session *s, const struct session_entry *e, const struct session_await *aw,
			 const struct smtp_reply *r, bool answered, const char *text)
{
	bool greeting = r->flags & SMTP_REPLY_GREETING;
	if (answered || greeting)
		s->srv_bytes = 0;
	if (s->flushing && (answered || greeting)) {
		session_fail(s, greeting ? SESS_STAGE_GREETING : e->stage,
			     "the connection ended in the middle of the reply to %s",
			     greeting ? "the connection (greeting)" : smtp_cmd_name(e->answers));
	} else if (greeting) {
		record_greeting(s, e, text);
	} else if (answered) {
		record_reply(s, e, aw, r, text);
		reply_effects(s, e);
	}
}

/* A flood of lines without a reply code: show the first few, count the rest. */
static bool reply_show(struct session *s, const struct session_entry *e)
{
	if (e->code > 0) {
		if (s->bad_lines > SESSION_BAD_LINES_SHOWN)
			session_info(s, SESS_LVL_WARN, "anomaly", "%llu more lines without a reply code were not shown",
				     (unsigned long long)(s->bad_lines - SESSION_BAD_LINES_SHOWN));
		s->bad_lines = 0;
		return true;
	}
	return ++s->bad_lines <= SESSION_BAD_LINES_SHOWN;
}

static void on_reply(struct session *s, const struct smtp_event *ev)
{
	const struct smtp_reply *r = ev->reply;
	struct session_entry *e = session_entry_new(SESS_E_REPLY, SESS_DIR_SERVER);
	struct buf text;
	buf_init(&text, 4096);
	reply_lines(e, r, &text);
	e->lines_dropped = r->lines_dropped;
	e->code = r->code;
	e->reply_flags = r->flags;
	e->incomplete = s->flushing;
	struct session_await aw = {.kind = SMTP_CMD_LAST};
	bool answered = r->answer_kind != SMTP_CMD_LAST && await_pop(s, &aw);
	bool lmtp_extra = false;
	if (answered) {
		e->answers = r->answer_kind;
	} else if (!(r->flags & SMTP_REPLY_GREETING) && s->lmtp_expect && r->code) {
		lmtp_extra = true;
		s->lmtp_expect--;
		e->answers = aw.kind = SMTP_CMD_MESSAGE;
		session_notes_discard(s, SESS_DIR_SERVER); /* "unsolicited": for LMTP it is expected */
		session_entry_add_note(e, "LMTP: the delivery result for one more recipient (RFC 2033 4.2)");
	}
	e->stage = session_stage_of_cmd(e->answers);
	if (aw.bdat_last)
		e->stage = SESS_STAGE_MESSAGE;
	reply_annotate(s, e, r, ev, buf_str(&text));
	bool shown = reply_show(s, e);
	if (shown)
		session_entry_emit(s, e);
	reply_record(s, e, &aw, r, answered || lmtp_extra, buf_str(&text));
	free(aw.rcpt);
	buf_free(&text);
	if (s->job && !s->closing && (answered || lmtp_extra) && s->job->ops->reply)
		s->job->ops->reply(s, s->job, e->answers, r);
	if (e->answers == SMTP_CMD_QUIT && !s->closing)
		session_finish(s, SESS_STAGE_NONE, "closed after QUIT");
	if (!shown)
		session_entry_free(e);
	session_wait_update(s, answered || lmtp_extra);
}

void session_on_parser_event(void *user, const struct smtp_event *ev)
{
	struct session *s = user;
	txn_session_event(s->txn, ev);
	switch (ev->type) {
	case SMTP_EV_COMMAND: on_command(s, ev); break;
	case SMTP_EV_REPLY: on_reply(s, ev); break;
	case SMTP_EV_AUTH: on_auth(s, ev); break;
	case SMTP_EV_BODY:
		if (ev->dir == SMTP_DIR_CLIENT)
			on_body(s, ev->body.p, ev->body.len);
		break;
	case SMTP_EV_BODY_END:
		if (ev->dir == SMTP_DIR_CLIENT)
			on_body_end(s, ev);
		break;
	case SMTP_EV_ANOMALY: on_anomaly(s, ev); break;
	default: break;
	}
}
