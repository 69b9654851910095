/* txn.c - build the SMTP session/transaction model from parser events: replies matched to steps, outcomes, header block, queue id (RFC 5321 3.3, 4.1.4; RFC 3030; RFC 4954). */
#include "txn.h"
#include "txn_internal.h"
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
	char *arg; /* HELO/EHLO/LHLO: the name given, taken when the server accepts it */
};

static enum txn_status status_of(int code)
{
	switch (code / 100) {
	case 2: case 3: return TXN_ST_OK;
	case 4: return TXN_ST_DEFERRED;
	default: return TXN_ST_REJECTED;
	}
}

/* A reply's status: by its code, or for a reply without a valid code by the
 * class of its enhanced status code (RFC 3463 2), else malformed. */
static enum txn_status reply_status(const struct smtp_reply *r)
{
	if (r->code)
		return status_of(r->code);
	for (size_t i = 0; i < r->nlines; i++)
		if (r->lines[i].has_esc)
			return status_of(r->lines[i].esc.cls * 100);
	return TXN_ST_MALFORMED;
}

static bool failed(enum txn_status s)
{
	return s == TXN_ST_DEFERRED || s == TXN_ST_REJECTED;
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

void txn_session_free(struct txn_session *s)
{
	if (!s)
		return;
	txn_reply_clear(&s->greeting);
	txn_reply_clear(&s->helo_reply);
	txn_reply_clear(&s->auth_reply);
	free(s->helo_name);
	free(s->auth_mech);
	free(s->auth_user);
	txn_exts_clear(s);
	for (size_t i = 0; i < s->nanomalies; i++)
		free(s->anomalies[i].detail);
	free(s->anomalies);
	for (size_t i = 0; i < s->ntxns; i++)
		txn_free(s->txns[i]);
	free(s->txns);
	for (size_t i = 0; i < s->ncommands; i++)
		txn_command_free(s->commands[i]);
	free(s->commands);
	free(s->spare_cmd);
	/* open work: transactions reachable from in-flight commands, then the current one */
	for (size_t i = 0; i < s->inq_len; i++) {
		struct txn_inflight *f = &s->inq[(s->inq_head + i) % s->inq_alloc];
		txn_command_free(f->cmd);
		free(f->arg);
		if (f->t && f->t != s->cur && --f->t->outstanding == 0)
			txn_free(f->t);
	}
	free(s->inq);
	txn_free(s->cur);
	txn_pool_free(s);
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

/* A command that is not kept: its memory serves the next one (commands
 * come and go one after another; a malloc and free each cost more). Such
 * commands get room for a line of at least TXN_SPARE_LINE - 1 bytes. */
#define TXN_SPARE_LINE 128

/* Bytes of line (its NUL included) a command not kept is allocated with. */
static size_t spare_line_room(size_t len)
{
	return len < TXN_SPARE_LINE ? TXN_SPARE_LINE : len + 1;
}

static void command_recycle(struct txn_session *s, struct txn_command *c)
{
	if (c->pooled || s->spare_cmd) {
		txn_command_free(c);
		return;
	}
	txn_reply_clear(&c->reply);
	s->spare_cmd = c;
	s->spare_line_cap = spare_line_room(c->line_len);
}

static void command_done(struct txn_session *s, struct txn_command *c)
{
	if (s->cb.on_command)
		s->cb.on_command(s->cb.user, c);
	if (s->keep != TXN_KEEP_ALL) {
		if (!s->cb.on_command)
			command_recycle(s, c);
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
	if (t->final.status == TXN_ST_OK || failed(t->final.status)) {
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

static void txn_number(struct txn_session *s, struct txn *t);

static void txn_done(struct txn_session *s, struct txn *t)
{
	txn_number(s, t);
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
	if (s->next == t)
		s->next = NULL;
	if (t->outstanding == 0)
		txn_done(s, t);
}

/* End the open transaction and a MAIL awaiting its reply (RSET, QUIT, TLS, end). */
static void txn_end_all(struct txn_session *s, enum txn_outcome cause, int64_t ts)
{
	txn_end(s, s->next, cause, ts);
	txn_end(s, s->cur, cause, ts);
}

/* Where the client's envelope and message go: a MAIL awaiting its reply while
 * another transaction is open takes what follows it (the client means it for
 * that one), else the open transaction. */
static struct txn *txn_target(const struct txn_session *s)
{
	return s->next ? s->next : s->cur;
}

/* The server holds a transaction open for t: its MAIL was not refused. */
static bool txn_open(const struct txn *t)
{
	return t && (t->mail.status == TXN_ST_OK || t->mail.status == TXN_ST_PENDING ||
		     t->mail.status == TXN_ST_NONE);
}

/* Sequence number of the first command of t. */
static uint64_t txn_first_seq(const struct txn *t)
{
	if (t->mail.seq)
		return t->mail.seq;
	if (t->nrcpts)
		return t->rcpts[0].step.seq;
	return t->data.seq ? t->data.seq : UINT64_MAX;
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
	f->arg = NULL;
	if (t) {
		t->outstanding++;
		c->txn_index = t->index;
	}
}

static void step_apply(struct txn_session *s, struct txn *t, struct txn_step *st, const struct txn_command *c,
		       const struct smtp_reply *r, int64_t ts)
{
	st->status = c->status;
	if (!r || (s->keep == TXN_KEEP_OUTCOMES && st != &t->final))
		return;
	if (c->reply.pooled) { /* the command's copy of r lives as long as the session: share it */
		txn_reply_clear(&st->reply);
		st->reply = c->reply;
		return;
	}
	txn_reply_copy_kept(s, &st->reply, r, ts);
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

/* The reply to a MAIL sent while another transaction was open came: accepted,
 * it replaces that one; refused (a nested MAIL gets 503), it is a transaction
 * of its own that ends here, and the open one goes on. */
static void mail_decided(struct txn_session *s, struct txn *t, int64_t ts)
{
	if (t != s->next)
		return;
	s->next = NULL;
	if (failed(t->mail.status) || t->mail.status == TXN_ST_MALFORMED) {
		t->ending = true;
		t->end_cause = TXN_OUT_INCOMPLETE;
		return;
	}
	txn_end(s, s->cur, TXN_OUT_INCOMPLETE, ts);
	s->cur = t;
}

/* A transaction opened without a MAIL whose first command the server refused
 * (503 "need MAIL command"): there was no transaction; keep the command only. */
static bool txn_discard_unopened(struct txn_session *s, struct txn *t, struct txn_command *c)
{
	if (t->index || t->outstanding != 1 || !failed(c->status) || c->seq != txn_first_seq(t))
		return false;
	if (s->cur == t)
		s->cur = NULL;
	if (s->next == t)
		s->next = NULL;
	c->txn_index = 0;
	txn_free(t);
	return true;
}

/* A transaction opened without MAIL gets its number once it is known to be
 * one: its first command was not refused, or message content went to it. */
static void txn_number(struct txn_session *s, struct txn *t)
{
	if (!t->index)
		t->index = ++s->txn_count;
}

/* Update the transaction's steps from a reply to one of its commands. */
static void txn_answer(struct txn_session *s, struct txn_inflight *f, const struct smtp_reply *r, int64_t ts)
{
	struct txn *t = f->t;
	const struct txn_command *c = f->cmd;
	if (r && txn_discard_unopened(s, t, f->cmd))
		return;
	txn_number(s, t);
	f->cmd->txn_index = t->index;
	bool final = f->sk == SK_FINAL || (f->sk == SK_BDAT && f->bdat_last);
	switch (f->sk) {
	case SK_MAIL:
		step_apply(s, t, &t->mail, c, r, ts);
		mail_decided(s, t, ts);
		break;
	case SK_RCPT:
		if (f->rcpt < t->nrcpts)
			step_apply(s, t, &t->rcpts[f->rcpt].step, c, r, ts);
		if (c->status == TXN_ST_OK)
			t->rcpts_ok++;
		break;
	case SK_DATA: step_apply(s, t, &t->data, c, r, ts); break;
	case SK_BDAT:
		if (t->data.seq == c->seq)
			step_apply(s, t, &t->data, c, r, ts);
		break;
	default: break;
	}
	if (final)
		step_apply(s, t, &t->final, c, r, ts);
	if (r) {
		t->ts_end = ts;
		if (final && c->status == TXN_ST_OK && s->keep != TXN_KEEP_OUTCOMES)
			queue_id_find(t, r);
		/* a refused DATA or BDAT leaves the server's transaction open (the
		 * client may retry, or sends RSET): the outcome is known, the end not */
		if (final && !t->ending) {
			t->ending = true;
			t->end_cause = TXN_OUT_INCOMPLETE;
			if (s->cur == t)
				s->cur = NULL;
			if (s->next == t)
				s->next = NULL;
		}
	}
	t->outstanding--;
	if (t->ending && t->outstanding == 0)
		txn_done(s, t);
}

/* A session-level reply (greeting, HELO/EHLO): copied whole, or with
 * TXN_KEEP_OUTCOMES its code, line count and time only (no text). */
static void session_reply_keep(const struct txn_session *s, struct txn_reply *dst, const struct smtp_reply *r,
			       int64_t ts)
{
	if (s->keep != TXN_KEEP_OUTCOMES) {
		txn_reply_copy(dst, r, ts);
		return;
	}
	txn_reply_clear(dst);
	dst->code = r->code;
	dst->nlines = r->nlines;
	dst->ts = ts;
}

/* The outcome of a HELO/EHLO/LHLO (r NULL: no reply seen). Only an accepted one
 * resets the session (RFC 5321 4.1.4) and names the client; a refused one
 * fills in the name only while none was accepted. */
static void helo_answered(struct txn_session *s, const struct txn_inflight *f, const struct smtp_reply *r,
			  int64_t ts)
{
	bool ok = f->cmd->status == TXN_ST_OK;
	if (ok) {
		uint64_t seq = f->cmd->seq;
		if (s->next && txn_first_seq(s->next) < seq)
			txn_end(s, s->next, TXN_OUT_ABORTED_EHLO, ts);
		if (s->cur && txn_first_seq(s->cur) < seq)
			txn_end(s, s->cur, TXN_OUT_ABORTED_EHLO, ts);
	} else if (s->helo_ok) {
		return;
	}
	s->helo_ok = s->helo_ok || ok;
	s->helo_kind = f->cmd->kind;
	txn_replace_str(&s->helo_name, f->arg ? f->arg : "");
	if (r)
		session_reply_keep(s, &s->helo_reply, r, ts);
	else
		txn_reply_clear(&s->helo_reply);
	if (ok && f->cmd->kind != SMTP_CMD_HELO && s->keep != TXN_KEEP_OUTCOMES)
		txn_exts_set(s, r);
	else
		txn_exts_clear(s);
}

static void auth_answered(struct txn_session *s, const struct txn_command *c, const struct smtp_reply *r,
			  int64_t ts)
{
	if (r->code == 334 || s->auth_result == TXN_AUTH_OK)
		return;
	txn_reply_copy(&s->auth_reply, r, ts);
	s->auth_result = c->status == TXN_ST_OK ? TXN_AUTH_OK : s->auth_cancelled ? TXN_AUTH_CANCELLED
										  : TXN_AUTH_FAILED;
}

/* Apply a reply (r NULL: none will come, and the command gets status none)
 * to an in-flight command, then finish it. */
static void inflight_answer(struct txn_session *s, struct txn_inflight *f, const struct smtp_reply *r, int64_t ts,
			    enum txn_status none)
{
	struct txn_command *c = f->cmd;
	c->status = r ? reply_status(r) : none;
	if (r && s->keep != TXN_KEEP_OUTCOMES) { /* outcomes only: the command and its reply are not kept */
		if (s->ncommands < SMTP_SESSION_COMMANDS_MAX) /* the command will be kept */
			txn_reply_copy_kept(s, &c->reply, r, ts);
		else
			txn_reply_copy(&c->reply, r, ts);
	}
	switch (c->kind) {
	case SMTP_CMD_HELO: case SMTP_CMD_EHLO: case SMTP_CMD_LHLO:
		helo_answered(s, f, r, ts);
		break;
	case SMTP_CMD_AUTH: case SMTP_CMD_AUTH_RESPONSE:
		if (r)
			auth_answered(s, c, r, ts);
		break;
	default:
		break;
	}
	free(f->arg);
	f->arg = NULL;
	if (f->t)
		txn_answer(s, f, r, ts);
	command_done(s, c);
}

/* ---- events ---- */

static struct txn_command *command_new(struct txn_session *s, const struct smtp_event *ev,
				       enum smtp_cmd_kind kind, uint64_t seq, const uint8_t *line, size_t len,
				       size_t secret_at)
{
	/* the line lives in the same allocation (txn_command_free knows), from
	 * the session's pool when the command will be kept */
	struct txn_command *c = NULL;
	if (s->ncommands + s->inq_len < SMTP_SESSION_COMMANDS_MAX)
		c = txn_pool_alloc(s, sizeof *c + len + 1);
	bool pooled = c != NULL;
	if (!c && s->spare_cmd && s->spare_line_cap >= len + 1) {
		c = s->spare_cmd;
		s->spare_cmd = NULL;
	}
	if (!c) /* a command not kept may serve again (command_recycle): room for most lines */
		c = xmalloc(sizeof *c + (s->keep != TXN_KEEP_ALL ? spare_line_room(len) : len + 1));
	memset(c, 0, sizeof *c);
	c->pooled = pooled;
	c->seq = seq;
	c->kind = kind;
	c->line = (char *)(c + 1);
	if (len)
		memcpy(c->line, line, len);
	c->line[len] = '\0';
	c->line_len = len;
	c->secret_at = secret_at;
	c->ts = ev->ts;
	c->offset = ev->offset;
	c->status = TXN_ST_PENDING;
	s->command_count++;
	return c;
}

/* numbered: a MAIL opened it; else the number comes later (txn_number). */
static struct txn *txn_new(struct txn_session *s, int64_t ts, bool numbered)
{
	struct txn *t = xcalloc(1, sizeof *t);
	t->index = numbered ? ++s->txn_count : 0;
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

/* A MAIL opens a transaction at once when none is open; while one is, it
 * waits for its reply (mail_decided). A MAIL already waiting is superseded. */
static void on_mail(struct txn_session *s, const struct smtp_event *ev)
{
	const struct smtp_command *c = ev->cmd;
	struct txn *t = txn_new(s, ev->ts, true);
	t->mail_from = txn_dup_str(c->path.addr);
	t->mail_path_flags = c->path.flags;
	t->mail_params = txn_params_copy(c, &t->mail_nparams);
	t->size = c->size;
	step_start(&t->mail, ev, c->seq);
	txn_end(s, s->next, TXN_OUT_INCOMPLETE, ev->ts);
	if (txn_open(s->cur)) {
		s->next = t;
		return;
	}
	txn_end(s, s->cur, TXN_OUT_INCOMPLETE, ev->ts);
	s->cur = t;
}

/* RCPT, DATA or BDAT with no transaction open: the MAIL was lost in a gap or
 * sent before the capture began, so open one with an unknown sender. */
static struct txn *txn_target_open(struct txn_session *s, int64_t ts)
{
	struct txn *t = txn_target(s);
	if (t)
		return t;
	t = s->cur = txn_new(s, ts, false);
	t->mail_missing = true;
	return t;
}

static size_t on_rcpt(struct txn_session *s, const struct smtp_event *ev, enum txn_step_kind *sk)
{
	const struct smtp_command *c = ev->cmd;
	struct txn *t = txn_target_open(s, ev->ts);
	if (t->nrcpts >= SMTP_RCPT_MAX) {
		t->rcpts_dropped++;
		return 0;
	}
	t->rcpts = grow(t->rcpts, &t->rcpts_alloc, t->nrcpts + 1, sizeof *t->rcpts);
	struct txn_rcpt *r = &t->rcpts[t->nrcpts];
	memset(r, 0, sizeof *r);
	r->addr = txn_dup_str(c->path.addr);
	r->path_flags = c->path.flags;
	r->notify = c->notify;
	r->orcpt = c->orcpt ? xstrdup(c->orcpt) : NULL;
	r->params = txn_params_copy(c, &r->nparams);
	step_start(&r->step, ev, c->seq);
	*sk = SK_RCPT;
	return t->nrcpts++;
}

static void on_data_cmd(struct txn_session *s, const struct smtp_event *ev, enum txn_step_kind *sk)
{
	const struct smtp_command *c = ev->cmd;
	struct txn *t = txn_target_open(s, ev->ts);
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

static void on_command(struct txn_session *s, const struct smtp_event *ev)
{
	const struct smtp_command *c = ev->cmd;
	struct txn_command *cmd = command_new(s, ev, c->kind, c->seq, c->line, c->line_len, c->secret_at);
	cmd->inferred = c->inferred;
	enum txn_step_kind sk = SK_NONE;
	size_t ri = 0;
	switch (c->kind) {
	case SMTP_CMD_MAIL:
		on_mail(s, ev);
		sk = SK_MAIL;
		break;
	case SMTP_CMD_RCPT:
		ri = on_rcpt(s, ev, &sk);
		break;
	case SMTP_CMD_DATA: case SMTP_CMD_BDAT:
		on_data_cmd(s, ev, &sk);
		break;
	case SMTP_CMD_RSET:
		txn_end_all(s, TXN_OUT_ABORTED_RSET, ev->ts);
		break;
	case SMTP_CMD_QUIT:
		txn_end_all(s, TXN_OUT_ABORTED_QUIT, ev->ts);
		break;
	case SMTP_CMD_AUTH:
		if (s->auth_result == TXN_AUTH_OK)
			break; /* a later attempt (refused with 503) does not undo the success */
		txn_replace_str(&s->auth_mech, c->auth_mech);
		txn_replace_str(&s->auth_user, NULL);
		s->auth_result = TXN_AUTH_PENDING;
		s->auth_cancelled = false;
		break;
	default:
		break;
	}
	/* a RCPT past SMTP_RCPT_MAX still belongs to its transaction (sk NONE) */
	struct txn *t = sk == SK_NONE && c->kind != SMTP_CMD_RCPT ? NULL : txn_target(s);
	inflight_push(s, cmd, t, sk, ri);
	struct txn_inflight *f = &s->inq[(s->inq_head + s->inq_len - 1) % s->inq_alloc];
	if (c->kind == SMTP_CMD_BDAT && t)
		f->bdat_last = c->bdat_last;
	if (c->kind == SMTP_CMD_HELO || c->kind == SMTP_CMD_EHLO || c->kind == SMTP_CMD_LHLO)
		f->arg = xstrdup(c->arg);
}

static void on_reply(struct txn_session *s, const struct smtp_event *ev)
{
	const struct smtp_reply *r = ev->reply;
	if (r->flags & SMTP_REPLY_GREETING) {
		session_reply_keep(s, &s->greeting, r, ev->ts);
		return;
	}
	while (r->answer_seq && s->inq_len) {
		struct txn_inflight f = s->inq[s->inq_head];
		if (f.cmd->seq > r->answer_seq)
			break;
		s->inq_head = (s->inq_head + 1) % s->inq_alloc;
		s->inq_len--;
		if (f.cmd->seq < r->answer_seq) { /* the parser skipped it: its reply was lost */
			inflight_answer(s, &f, NULL, ev->ts, TXN_ST_LOST);
			continue;
		}
		inflight_answer(s, &f, r, ev->ts, TXN_ST_NO_REPLY);
		break;
	}
}

static void on_body_end(struct txn_session *s, const struct smtp_event *ev)
{
	const struct smtp_body_end *e = ev->end;
	struct txn *t = txn_target(s);
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
	a->detail = txn_dup_str(detail);
}

static void on_end(struct txn_session *s, const struct smtp_event *ev)
{
	/* what is open ends with the connection; the replies still awaited never came */
	txn_end_all(s, s->truncated ? TXN_OUT_INCOMPLETE : TXN_OUT_ABORTED_DISCONNECT, ev->ts);
	while (s->inq_len) {
		struct txn_inflight f = s->inq[s->inq_head];
		s->inq_head = (s->inq_head + 1) % s->inq_alloc;
		s->inq_len--;
		inflight_answer(s, &f, NULL, ev->ts, TXN_ST_NO_REPLY);
	}
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
			txn_replace_str(&s->auth_user, ev->auth->user);
		break;
	case SMTP_EV_BODY: {
		struct txn *t = txn_target(s);
		if (t) {
			txn_number(s, t);
			t->msg_bytes += ev->body.len;
			if (s->keep != TXN_KEEP_OUTCOMES)
				txn_header_feed(t, ev->body.p, ev->body.len);
		}
		break;
	}
	case SMTP_EV_BODY_END: on_body_end(s, ev); break;
	case SMTP_EV_TLS_START:
		s->tls = true;
		s->tls_implicit = ev->tls.implicit;
		s->tls_ts = ev->ts;
		txn_end_all(s, TXN_OUT_ABORTED_TLS, ev->ts);
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
