/* txn.c - build the SMTP session/transaction model from parser events: replies matched to steps, outcomes, header block, queue id (RFC 5321 3.3, 4.1.4; RFC 3030; RFC 4954). */
#include "txn.h"
#include "limits.h"
#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

enum txn_step_kind { SK_NONE, SK_MAIL, SK_RCPT, SK_DATA, SK_BDAT, SK_FINAL };

/* A command awaiting its reply, and what of the model the reply goes to. */
struct txn_inflight {
	struct txn_command *cmd;
	struct txn *t;
	enum txn_step_kind sk;
	size_t rcpt;
	bool bdat_last;
};

static char *dup_str(const char *s)
{
	return xstrdup(s ? s : "");
}

static void reply_clear(struct txn_reply *r)
{
	free(r->text);
	memset(r, 0, sizeof *r);
}

/* One allocation of the exact size: reply texts are copied for every command
 * of every session of a capture, so this sits on the hot path. */
static void reply_copy(struct txn_reply *dst, const struct smtp_reply *r, int64_t ts)
{
	reply_clear(dst);
	size_t total = 0;
	for (size_t i = 0; i < r->nlines; i++)
		total += r->lines[i].text_len + (i ? 1 : 0);
	if (total > SMTP_TXN_REPLY_TEXT_MAX)
		total = SMTP_TXN_REPLY_TEXT_MAX;
	char *t = xmalloc(total + 1);
	size_t n = 0;
	for (size_t i = 0; i < r->nlines && n < total; i++) {
		const struct smtp_reply_line *l = &r->lines[i];
		if (i)
			t[n++] = '\n';
		size_t take = l->text_len < total - n ? l->text_len : total - n;
		memcpy(t + n, l->text, take);
		n += take;
	}
	for (size_t i = 0; i < r->nlines && !dst->esc[0]; i++)
		if (r->lines[i].has_esc)
			esc_format(&r->lines[i].esc, dst->esc, sizeof dst->esc);
	t[n] = '\0';
	dst->code = r->code;
	dst->nlines = r->nlines;
	dst->text = t;
	dst->text_len = n;
	dst->ts = ts;
}

static enum txn_status status_of(int code)
{
	switch (code / 100) {
	case 2: case 3: return TXN_ST_OK;
	case 4: return TXN_ST_DEFERRED;
	default: return TXN_ST_REJECTED;
	}
}

static bool failed(enum txn_status s)
{
	return s == TXN_ST_DEFERRED || s == TXN_ST_REJECTED;
}

static struct txn_param *params_copy(const struct smtp_command *c, size_t *n)
{
	*n = c->nparams;
	if (!c->nparams)
		return NULL;
	struct txn_param *p = xcalloc(c->nparams, sizeof *p);
	for (size_t i = 0; i < c->nparams; i++) {
		p[i].key = xstrdup(c->params[i].key);
		p[i].value = c->params[i].value ? xstrdup(c->params[i].value) : NULL;
	}
	return p;
}

static void params_free(struct txn_param *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].key);
		free(p[i].value);
	}
	free(p);
}

void txn_free(struct txn *t)
{
	if (!t)
		return;
	free(t->mail_from);
	params_free(t->mail_params, t->mail_nparams);
	reply_clear(&t->mail.reply);
	for (size_t i = 0; i < t->nrcpts; i++) {
		free(t->rcpts[i].addr);
		free(t->rcpts[i].orcpt);
		params_free(t->rcpts[i].params, t->rcpts[i].nparams);
		reply_clear(&t->rcpts[i].step.reply);
	}
	free(t->rcpts);
	reply_clear(&t->data.reply);
	reply_clear(&t->final.reply);
	buf_free(&t->header);
	free(t);
}

void txn_command_free(struct txn_command *c)
{
	if (!c)
		return;
	free(c->line);
	reply_clear(&c->reply);
	free(c);
}

struct txn_session *txn_session_new(enum txn_keep keep, const struct txn_callbacks *cb)
{
	struct txn_session *s = xcalloc(1, sizeof *s);
	s->keep = keep;
	if (cb)
		s->cb = *cb;
	s->helo_kind = SMTP_CMD_LAST;
	return s;
}

static void exts_clear(struct txn_session *s)
{
	for (size_t i = 0; i < s->nexts; i++) {
		free(s->exts[i].keyword);
		free(s->exts[i].params);
	}
	free(s->exts);
	s->exts = NULL;
	s->nexts = 0;
}

void txn_session_free(struct txn_session *s)
{
	if (!s)
		return;
	reply_clear(&s->greeting);
	reply_clear(&s->helo_reply);
	reply_clear(&s->auth_reply);
	free(s->helo_name);
	free(s->auth_mech);
	free(s->auth_user);
	exts_clear(s);
	for (size_t i = 0; i < s->nanomalies; i++)
		free(s->anomalies[i].detail);
	free(s->anomalies);
	for (size_t i = 0; i < s->ntxns; i++)
		txn_free(s->txns[i]);
	free(s->txns);
	for (size_t i = 0; i < s->ncommands; i++)
		txn_command_free(s->commands[i]);
	free(s->commands);
	/* open work: transactions reachable from in-flight commands, then the current one */
	for (size_t i = 0; i < s->inq_len; i++) {
		struct txn_inflight *f = &s->inq[(s->inq_head + i) % s->inq_alloc];
		txn_command_free(f->cmd);
		if (f->t && f->t != s->cur && --f->t->outstanding == 0)
			txn_free(f->t);
	}
	free(s->inq);
	txn_free(s->cur);
	free(s);
}

void txn_session_set_truncated(struct txn_session *s, bool truncated)
{
	s->truncated = truncated;
}

/* ---- finishing commands and transactions ---- */

static void *grow(void *arr, size_t *alloc, size_t need, size_t size)
{
	if (need <= *alloc)
		return arr;
	*alloc = *alloc ? *alloc * 2 : 8;
	return xreallocarray(arr, *alloc, size);
}

static void command_done(struct txn_session *s, struct txn_command *c)
{
	if (s->cb.on_command)
		s->cb.on_command(s->cb.user, c);
	if (s->keep == TXN_KEEP_NONE) {
		if (!s->cb.on_command)
			txn_command_free(c);
		return;
	}
	if (s->ncommands >= SMTP_SESSION_COMMANDS_MAX) {
		s->commands_dropped++;
		txn_command_free(c);
		return;
	}
	s->commands = grow(s->commands, &s->commands_alloc, s->ncommands + 1, sizeof *s->commands);
	s->commands[s->ncommands++] = c;
}

static void outcome_compute(struct txn *t)
{
	size_t failed_rcpts = 0, rejected_rcpts = 0;
	for (size_t i = 0; i < t->nrcpts; i++) {
		failed_rcpts += failed(t->rcpts[i].step.status);
		rejected_rcpts += t->rcpts[i].step.status == TXN_ST_REJECTED;
	}
	t->outcome_status = TXN_ST_NONE;
	if (t->final.reply.code) {
		t->outcome_status = t->final.status;
		t->outcome = t->final.status == TXN_ST_OK ? TXN_OUT_DELIVERED : TXN_OUT_REJECTED_MESSAGE;
	} else if (failed(t->mail.status)) {
		t->outcome = TXN_OUT_REJECTED_MAIL;
		t->outcome_status = t->mail.status;
	} else if (t->nrcpts && failed_rcpts == t->nrcpts) {
		t->outcome = TXN_OUT_REJECTED_RCPT;
		t->outcome_status = rejected_rcpts ? TXN_ST_REJECTED : TXN_ST_DEFERRED;
	} else if (failed(t->data.status)) {
		t->outcome = TXN_OUT_REJECTED_DATA;
		t->outcome_status = t->data.status;
	} else {
		t->outcome = t->end_cause;
	}
}

static void txn_done(struct txn_session *s, struct txn *t)
{
	outcome_compute(t);
	if (s->cb.on_txn)
		s->cb.on_txn(s->cb.user, t);
	if (s->keep == TXN_KEEP_NONE) {
		if (!s->cb.on_txn)
			txn_free(t);
		return;
	}
	s->txns = grow(s->txns, &s->txns_alloc, s->ntxns + 1, sizeof *s->txns);
	s->txns[s->ntxns++] = t;
}

/* The transaction will take no new commands; it finishes once no reply is awaited. */
static void txn_end(struct txn_session *s, struct txn *t, enum txn_outcome cause, int64_t ts)
{
	if (!t)
		return;
	if (!t->ending) {
		t->ending = true;
		t->end_cause = cause;
		if (!t->ts_end)
			t->ts_end = ts;
	}
	if (s->cur == t)
		s->cur = NULL;
	if (t->outstanding == 0)
		txn_done(s, t);
}

static void inflight_push(struct txn_session *s, struct txn_command *c, struct txn *t, enum txn_step_kind sk,
			  size_t rcpt)
{
	if (s->inq_len == s->inq_alloc) {
		size_t n = s->inq_alloc ? s->inq_alloc * 2 : 8;
		struct txn_inflight *q = xcalloc(n, sizeof *q);
		for (size_t i = 0; i < s->inq_len; i++)
			q[i] = s->inq[(s->inq_head + i) % s->inq_alloc];
		free(s->inq);
		s->inq = q;
		s->inq_alloc = n;
		s->inq_head = 0;
	}
	struct txn_inflight *f = &s->inq[(s->inq_head + s->inq_len++) % s->inq_alloc];
	f->cmd = c;
	f->t = t;
	f->sk = sk;
	f->rcpt = rcpt;
	f->bdat_last = false;
	if (t) {
		t->outstanding++;
		c->txn_index = t->index;
	}
}

static void step_apply(struct txn_step *st, const struct txn_command *c, const struct smtp_reply *r, int64_t ts)
{
	st->status = c->status;
	if (r)
		reply_copy(&st->reply, r, ts);
}

static void queue_id_find(struct txn *t, const struct smtp_reply *r)
{
	struct queueid q;
	for (size_t i = 0; i < r->nlines && !t->queue_id[0]; i++)
		if (queueid_extract((const uint8_t *)r->lines[i].text, r->lines[i].text_len, &q)) {
			memcpy(t->queue_id, q.id, sizeof t->queue_id);
			t->queue_mta = q.mta;
		}
}

/* Update the transaction's steps from a reply to one of its commands. */
static void txn_answer(struct txn_session *s, struct txn_inflight *f, const struct smtp_reply *r, int64_t ts)
{
	struct txn *t = f->t;
	const struct txn_command *c = f->cmd;
	bool final = f->sk == SK_FINAL || (f->sk == SK_BDAT && f->bdat_last);
	switch (f->sk) {
	case SK_MAIL: step_apply(&t->mail, c, r, ts); break;
	case SK_RCPT:
		if (f->rcpt < t->nrcpts)
			step_apply(&t->rcpts[f->rcpt].step, c, r, ts);
		if (c->status == TXN_ST_OK)
			t->rcpts_ok++;
		break;
	case SK_DATA: step_apply(&t->data, c, r, ts); break;
	case SK_BDAT:
		if (t->data.seq == c->seq)
			step_apply(&t->data, c, r, ts);
		break;
	default: break;
	}
	if (final)
		step_apply(&t->final, c, r, ts);
	if (r) {
		t->ts_end = ts;
		if (final && r->code / 100 == 2)
			queue_id_find(t, r);
		bool data_failed = (f->sk == SK_DATA || f->sk == SK_BDAT) && failed(c->status);
		if ((final || data_failed) && !t->ending) {
			t->ending = true;
			t->end_cause = TXN_OUT_INCOMPLETE;
			if (s->cur == t)
				s->cur = NULL;
		}
	}
	t->outstanding--;
	if (t->ending && t->outstanding == 0)
		txn_done(s, t);
}

/* Apply a reply (r NULL: none will come) to an in-flight command, then finish it. */
static void inflight_answer(struct txn_session *s, struct txn_inflight *f, const struct smtp_reply *r, int64_t ts)
{
	struct txn_command *c = f->cmd;
	c->status = r ? status_of(r->code) : TXN_ST_NO_REPLY;
	if (r)
		reply_copy(&c->reply, r, ts);
	if (f->t)
		txn_answer(s, f, r, ts);
	command_done(s, c);
}

/* ---- events ---- */

static struct txn_command *command_new(struct txn_session *s, const struct smtp_event *ev,
				       enum smtp_cmd_kind kind, uint64_t seq, const uint8_t *line, size_t len,
				       size_t secret_at)
{
	struct txn_command *c = xcalloc(1, sizeof *c);
	c->seq = seq;
	c->kind = kind;
	c->line = xmemdup0(line, len);
	c->line_len = len;
	c->secret_at = secret_at;
	c->ts = ev->ts;
	c->offset = ev->offset;
	c->status = TXN_ST_PENDING;
	s->command_count++;
	return c;
}

static struct txn *txn_new(struct txn_session *s, int64_t ts)
{
	struct txn *t = xcalloc(1, sizeof *t);
	t->index = ++s->txn_count;
	t->ts_start = ts;
	t->size = -1;
	t->outcome = TXN_OUT_INCOMPLETE;
	t->header_bol = true;
	buf_init(&t->header, SMTP_HEADER_BLOCK_MAX);
	return t;
}

static void step_start(struct txn_step *st, const struct smtp_event *ev, uint64_t seq)
{
	st->status = TXN_ST_PENDING;
	st->seq = seq;
	st->ts = ev->ts;
}

static void on_mail(struct txn_session *s, const struct smtp_event *ev)
{
	const struct smtp_command *c = ev->cmd;
	txn_end(s, s->cur, TXN_OUT_INCOMPLETE, ev->ts);
	struct txn *t = s->cur = txn_new(s, ev->ts);
	t->mail_from = dup_str(c->path.addr);
	t->mail_path_flags = c->path.flags;
	t->mail_params = params_copy(c, &t->mail_nparams);
	t->size = c->size;
	step_start(&t->mail, ev, c->seq);
}

static size_t on_rcpt(struct txn_session *s, const struct smtp_event *ev, enum txn_step_kind *sk)
{
	const struct smtp_command *c = ev->cmd;
	struct txn *t = s->cur;
	if (t->nrcpts >= SMTP_RCPT_MAX) {
		t->rcpts_dropped++;
		return 0;
	}
	t->rcpts = grow(t->rcpts, &t->rcpts_alloc, t->nrcpts + 1, sizeof *t->rcpts);
	struct txn_rcpt *r = &t->rcpts[t->nrcpts];
	memset(r, 0, sizeof *r);
	r->addr = dup_str(c->path.addr);
	r->path_flags = c->path.flags;
	r->notify = c->notify;
	r->orcpt = c->orcpt ? xstrdup(c->orcpt) : NULL;
	r->params = params_copy(c, &r->nparams);
	step_start(&r->step, ev, c->seq);
	*sk = SK_RCPT;
	return t->nrcpts++;
}

static void on_data_cmd(struct txn_session *s, const struct smtp_event *ev, enum txn_step_kind *sk)
{
	const struct smtp_command *c = ev->cmd;
	struct txn *t = s->cur;
	if (c->kind == SMTP_CMD_DATA) {
		t->data_kind = TXN_DATA_DATA;
		step_start(&t->data, ev, c->seq);
		*sk = SK_DATA;
		return;
	}
	if (t->data_kind != TXN_DATA_BDAT) {
		t->data_kind = TXN_DATA_BDAT;
		step_start(&t->data, ev, c->seq);
	}
	t->bdat_chunks++;
	if (c->bdat_last)
		step_start(&t->final, ev, c->seq);
	*sk = SK_BDAT;
}

static void replace_str(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? xstrdup(src) : NULL;
}

static void on_command(struct txn_session *s, const struct smtp_event *ev)
{
	const struct smtp_command *c = ev->cmd;
	struct txn_command *cmd = command_new(s, ev, c->kind, c->seq, c->line, c->line_len, c->secret_at);
	enum txn_step_kind sk = SK_NONE;
	size_t ri = 0;
	switch (c->kind) {
	case SMTP_CMD_HELO: case SMTP_CMD_EHLO: case SMTP_CMD_LHLO:
		txn_end(s, s->cur, TXN_OUT_ABORTED_EHLO, ev->ts);
		s->helo_kind = c->kind;
		replace_str(&s->helo_name, c->arg);
		break;
	case SMTP_CMD_MAIL:
		on_mail(s, ev);
		sk = SK_MAIL;
		break;
	case SMTP_CMD_RCPT:
		if (s->cur)
			ri = on_rcpt(s, ev, &sk);
		break;
	case SMTP_CMD_DATA: case SMTP_CMD_BDAT:
		if (s->cur)
			on_data_cmd(s, ev, &sk);
		break;
	case SMTP_CMD_RSET:
		txn_end(s, s->cur, TXN_OUT_ABORTED_RSET, ev->ts);
		break;
	case SMTP_CMD_QUIT:
		txn_end(s, s->cur, TXN_OUT_ABORTED_QUIT, ev->ts);
		break;
	case SMTP_CMD_AUTH:
		if (s->auth_result == TXN_AUTH_OK)
			break; /* a later attempt (refused with 503) does not undo the success */
		replace_str(&s->auth_mech, c->auth_mech);
		replace_str(&s->auth_user, NULL);
		s->auth_result = TXN_AUTH_PENDING;
		s->auth_cancelled = false;
		break;
	default:
		break;
	}
	struct txn *t = sk == SK_NONE && c->kind != SMTP_CMD_RCPT ? NULL : s->cur;
	inflight_push(s, cmd, t, sk, ri);
	if (c->kind == SMTP_CMD_BDAT && t)
		s->inq[(s->inq_head + s->inq_len - 1) % s->inq_alloc].bdat_last = c->bdat_last;
}

static void exts_set(struct txn_session *s, const struct smtp_reply *r)
{
	exts_clear(s);
	if (r->nlines < 2)
		return;
	s->exts = xcalloc(r->nlines - 1, sizeof *s->exts);
	for (size_t i = 1; i < r->nlines; i++) {
		char kw[64];
		const uint8_t *pp;
		size_t pl;
		if (!smtp_ehlo_keyword((const uint8_t *)r->lines[i].text, r->lines[i].text_len, kw, sizeof kw, &pp, &pl))
			continue;
		s->exts[s->nexts].keyword = xstrdup(kw);
		s->exts[s->nexts].params = xmemdup0(pp, pl);
		s->nexts++;
	}
}

static void session_reply(struct txn_session *s, enum smtp_cmd_kind kind, const struct smtp_reply *r, int64_t ts)
{
	switch (kind) {
	case SMTP_CMD_EHLO: case SMTP_CMD_LHLO: case SMTP_CMD_HELO:
		reply_copy(&s->helo_reply, r, ts);
		if (kind != SMTP_CMD_HELO && r->code / 100 == 2)
			exts_set(s, r);
		else
			exts_clear(s);
		break;
	case SMTP_CMD_AUTH: case SMTP_CMD_AUTH_RESPONSE:
		if (r->code == 334 || s->auth_result == TXN_AUTH_OK)
			break;
		reply_copy(&s->auth_reply, r, ts);
		s->auth_result = r->code / 100 == 2 ? TXN_AUTH_OK : s->auth_cancelled ? TXN_AUTH_CANCELLED
										      : TXN_AUTH_FAILED;
		break;
	default:
		break;
	}
}

static void on_reply(struct txn_session *s, const struct smtp_event *ev)
{
	const struct smtp_reply *r = ev->reply;
	if (r->flags & SMTP_REPLY_GREETING) {
		reply_copy(&s->greeting, r, ev->ts);
		return;
	}
	while (r->answer_seq && s->inq_len) {
		struct txn_inflight f = s->inq[s->inq_head];
		if (f.cmd->seq > r->answer_seq)
			break;
		s->inq_head = (s->inq_head + 1) % s->inq_alloc;
		s->inq_len--;
		if (f.cmd->seq < r->answer_seq) { /* skipped by the parser's resync */
			inflight_answer(s, &f, NULL, ev->ts);
			continue;
		}
		session_reply(s, f.cmd->kind, r, ev->ts);
		inflight_answer(s, &f, r, ev->ts);
		break;
	}
}

static void header_feed(struct txn *t, const uint8_t *p, size_t len)
{
	size_t i = 0;
	while (i < len && !t->header_complete && !t->header_truncated) {
		if (t->header_bol) {
			if (p[i] == '\n') {
				t->header_complete = true;
				break;
			}
			if (t->header_cr) {
				t->header_cr = false;
				if (!buf_append_byte(&t->header, '\r')) {
					t->header_truncated = true;
					break;
				}
			} else if (p[i] == '\r') {
				t->header_cr = true;
				i++;
				continue;
			}
			t->header_bol = false;
		}
		const uint8_t *lf = memchr(p + i, '\n', len - i);
		size_t end = lf ? (size_t)(lf - p) + 1 : len;
		size_t room = t->header.max - t->header.len;
		if (end - i > room) {
			buf_append(&t->header, p + i, room);
			t->header_truncated = true;
			break;
		}
		buf_append(&t->header, p + i, end - i);
		t->header_bol = lf != NULL;
		i = end;
	}
}

static void on_body_end(struct txn_session *s, const struct smtp_event *ev)
{
	const struct smtp_body_end *e = ev->end;
	struct txn *t = s->cur;
	if (t)
		t->msg_missing += e->missing;
	if (e->bdat)
		return;
	struct txn_command *cmd = command_new(s, ev, SMTP_CMD_MESSAGE, e->seq, (const uint8_t *)".", 1, 1);
	if (t)
		step_start(&t->final, ev, e->seq);
	inflight_push(s, cmd, t, t ? SK_FINAL : SK_NONE, 0);
}

static void anomaly_add(struct txn_session *s, const struct smtp_event *ev, enum smtp_anomaly kind,
			uint64_t count, const char *detail)
{
	if (s->nanomalies >= SMTP_SESSION_ANOMALY_MAX) {
		s->anomalies_dropped++;
		return;
	}
	s->anomalies = grow(s->anomalies, &s->anomalies_alloc, s->nanomalies + 1, sizeof *s->anomalies);
	struct txn_anomaly *a = &s->anomalies[s->nanomalies++];
	a->kind = kind;
	a->dir = ev->dir;
	a->ts = ev->ts;
	a->offset = ev->offset;
	a->count = count;
	a->detail = dup_str(detail);
}

static void on_end(struct txn_session *s, const struct smtp_event *ev)
{
	while (s->inq_len) {
		struct txn_inflight f = s->inq[s->inq_head];
		s->inq_head = (s->inq_head + 1) % s->inq_alloc;
		s->inq_len--;
		inflight_answer(s, &f, NULL, ev->ts);
	}
	txn_end(s, s->cur, s->truncated ? TXN_OUT_INCOMPLETE : TXN_OUT_ABORTED_DISCONNECT, ev->ts);
	s->ended = true;
}

void txn_session_event(struct txn_session *s, const struct smtp_event *ev)
{
	if (s->ended)
		return;
	if (!s->seen_event)
		s->ts_first = ev->ts;
	s->seen_event = true;
	s->ts_last = ev->ts;
	switch (ev->type) {
	case SMTP_EV_COMMAND: on_command(s, ev); break;
	case SMTP_EV_REPLY: on_reply(s, ev); break;
	case SMTP_EV_AUTH:
		if (ev->dir == SMTP_DIR_CLIENT && ev->auth->cancelled)
			s->auth_cancelled = true;
		if (ev->dir == SMTP_DIR_CLIENT && ev->auth->user && s->auth_result != TXN_AUTH_OK)
			replace_str(&s->auth_user, ev->auth->user);
		break;
	case SMTP_EV_BODY:
		if (s->cur) {
			s->cur->msg_bytes += ev->body.len;
			header_feed(s->cur, ev->body.p, ev->body.len);
		}
		break;
	case SMTP_EV_BODY_END: on_body_end(s, ev); break;
	case SMTP_EV_TLS_START:
		s->tls = true;
		s->tls_implicit = ev->tls.implicit;
		s->tls_ts = ev->ts;
		txn_end(s, s->cur, TXN_OUT_ABORTED_TLS, ev->ts);
		break;
	case SMTP_EV_ANOMALY: anomaly_add(s, ev, ev->anomaly.kind, ev->anomaly.count, ev->anomaly.detail); break;
	case SMTP_EV_GAP: anomaly_add(s, ev, SMTP_AN_GAP, ev->gap.nbytes, ""); break;
	case SMTP_EV_END: on_end(s, ev); break;
	default: break;
	}
}

void txn_session_event_fn(void *user, const struct smtp_event *ev)
{
	txn_session_event(user, ev);
}
