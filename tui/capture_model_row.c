/* capture_model_row.c - one row of the Capture table from a captured session
 * and transaction (RFC 5321 3.3 transactions and their replies, RFC 3463
 * enhanced codes, RFC 5322 headers): the outcome that decided it, printable
 * envelope text, and what the filter looks at. */
#include "tui/capture_model.h"
#include "decode/buf.h"
#include "decode/limits.h"
#include "decode/msghdr.h"
#include "decode/printable.h"
#include "decode/xmalloc.h"

#include <stdlib.h>
#include <string.h>

/* Bytes kept of a printable address in a row (escapes take up to 4 bytes per
 * input byte). */
#define CM_ADDR_SHOWN_MAX (SMTP_PATH_MAX * 4 + 16)

static char *cm_printable(const char *s)
{
	if (!s)
		return xstrdup("");
	struct buf b;
	buf_init(&b, CM_ADDR_SHOWN_MAX);
	size_t len = strlen(s);
	if (!printable_append(&b, (const uint8_t *)s, len)) {
		buf_reset(&b);
		printable_append(&b, (const uint8_t *)s, len > SMTP_PATH_MAX ? SMTP_PATH_MAX : len);
	}
	char *out = xmemdup0(b.data ? (const char *)b.data : "", b.len);
	buf_free(&b);
	return out;
}

static bool cm_step_failed(const struct txn_step *st)
{
	return st->status == TXN_ST_REJECTED || st->status == TXN_ST_DEFERRED;
}

/* The reply that decided a transaction's outcome. */
static int cm_txn_code(const struct txn *t)
{
	switch (t->outcome) {
	case TXN_OUT_REJECTED_MAIL:
		return t->mail.reply.code;
	case TXN_OUT_REJECTED_RCPT:
		for (size_t i = t->nrcpts; i > 0; i--)
			if (t->rcpts[i - 1].step.reply.code)
				return t->rcpts[i - 1].step.reply.code;
		return 0;
	case TXN_OUT_REJECTED_DATA:
		return t->data.reply.code;
	default:
		break;
	}
	if (t->final.reply.code)
		return t->final.reply.code;
	if (t->data.reply.code)
		return t->data.reply.code;
	for (size_t i = t->nrcpts; i > 0; i--)
		if (t->rcpts[i - 1].step.reply.code)
			return t->rcpts[i - 1].step.reply.code;
	return t->mail.reply.code;
}

struct cm_outcome {
	enum txn_outcome o;
	const char *rejected, *deferred, *text_rejected, *text_deferred;
};

static const struct cm_outcome cm_outcomes[] = {
	{TXN_OUT_REJECTED_MAIL, "rejected_mail", "deferred_mail", "rejected MAIL", "deferred MAIL"},
	{TXN_OUT_REJECTED_RCPT, "rejected_rcpt", "deferred_rcpt", "rejected RCPT", "deferred RCPT"},
	{TXN_OUT_REJECTED_DATA, "rejected_data", "deferred_data", "rejected DATA", "deferred DATA"},
	{TXN_OUT_REJECTED_MESSAGE, "rejected_message", "deferred_message", "rejected message",
	 "deferred message"},
};

static const struct {
	enum txn_outcome o;
	const char *name, *text;
} cm_aborts[] = {
	{TXN_OUT_ABORTED_RSET, "aborted_rset", "aborted (RSET)"},
	{TXN_OUT_ABORTED_EHLO, "aborted_ehlo", "aborted (EHLO)"},
	{TXN_OUT_ABORTED_QUIT, "aborted_quit", "aborted (QUIT)"},
	{TXN_OUT_ABORTED_TLS, "aborted_tls", "aborted (TLS)"},
	{TXN_OUT_ABORTED_DISCONNECT, "aborted_disconnect", "disconnected"},
};

static void cm_txn_outcome(struct cm_row *r, const struct txn *t)
{
	r->code = cm_txn_code(t);
	if (t->outcome == TXN_OUT_DELIVERED) {
		r->outcome = r->outcome_text = "delivered";
		r->cls = CM_CLASS_DELIVERED;
		return;
	}
	for (size_t i = 0; i < sizeof cm_outcomes / sizeof cm_outcomes[0]; i++) {
		if (cm_outcomes[i].o != t->outcome)
			continue;
		bool def = t->outcome_status == TXN_ST_DEFERRED;
		r->outcome = def ? cm_outcomes[i].deferred : cm_outcomes[i].rejected;
		r->outcome_text = def ? cm_outcomes[i].text_deferred : cm_outcomes[i].text_rejected;
		r->cls = def ? CM_CLASS_DEFERRED : CM_CLASS_REJECTED;
		return;
	}
	for (size_t i = 0; i < sizeof cm_aborts / sizeof cm_aborts[0]; i++) {
		if (cm_aborts[i].o == t->outcome) {
			r->outcome = cm_aborts[i].name;
			r->outcome_text = cm_aborts[i].text;
			r->cls = CM_CLASS_ABORTED;
			return;
		}
	}
	r->outcome = r->outcome_text = "incomplete";
	r->cls = CM_CLASS_ABORTED;
}

/* The last reply code of a session that carried no transaction. */
static int cm_session_last_code(const struct txn_session *m)
{
	for (size_t i = m->ncommands; i > 0; i--)
		if (m->commands[i - 1]->reply.code)
			return m->commands[i - 1]->reply.code;
	return m->greeting.code;
}

static void cm_session_outcome(struct cm_row *r, const struct capture_session *s)
{
	const struct txn_session *m = s->model;
	const struct txn_reply *refused = NULL;
	if (m->greeting.code >= 400)
		refused = &m->greeting;
	else if (m->helo_reply.code >= 400)
		refused = &m->helo_reply;
	r->code = cm_session_last_code(m);
	if (refused) {
		bool def = refused->code < 500;
		r->outcome = def ? "deferred_connect" : "rejected_connect";
		r->outcome_text = "connect refused";
		r->cls = def ? CM_CLASS_DEFERRED : CM_CLASS_REJECTED;
		r->code = refused->code;
	} else if (m->auth_result == TXN_AUTH_FAILED) {
		bool def = m->auth_reply.code >= 400 && m->auth_reply.code < 500;
		r->outcome = def ? "deferred_auth" : "rejected_auth";
		r->outcome_text = "AUTH failed";
		r->cls = def ? CM_CLASS_DEFERRED : CM_CLASS_REJECTED;
		r->code = m->auth_reply.code ? m->auth_reply.code : r->code;
	} else if (m->tls || s->implicit_tls || s->tls) {
		r->outcome = "encrypted";
		r->outcome_text = "encrypted (TLS)";
		r->cls = CM_CLASS_NONE;
	} else {
		r->outcome = "no_mail";
		r->outcome_text = "no mail";
		r->cls = CM_CLASS_NONE;
	}
}

static void cm_add_reply(struct cm_row *r, size_t *alloc, const struct txn_reply *rep)
{
	if (!rep->code)
		return;
	if (r->item.nreplies == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 8;
		r->replies = xreallocarray(r->replies, *alloc, sizeof *r->replies);
	}
	r->replies[r->item.nreplies++] = (struct filter_reply){rep->code, rep->esc, rep->text, rep->text_len};
}

static void cm_txn_replies(struct cm_row *r, const struct txn *t)
{
	size_t alloc = 0;
	cm_add_reply(r, &alloc, &t->mail.reply);
	for (size_t i = 0; i < t->nrcpts; i++)
		cm_add_reply(r, &alloc, &t->rcpts[i].step.reply);
	cm_add_reply(r, &alloc, &t->data.reply);
	cm_add_reply(r, &alloc, &t->final.reply);
}

static void cm_session_replies(struct cm_row *r, const struct txn_session *m)
{
	size_t alloc = 0;
	cm_add_reply(r, &alloc, &m->greeting);
	for (size_t i = 0; i < m->ncommands; i++)
		cm_add_reply(r, &alloc, &m->commands[i]->reply);
}

static void cm_txn_envelope(struct cm_row *r, const struct txn *t)
{
	r->from = t->mail_from ? (t->mail_path_flags & SMTP_PATH_NULL ? xstrdup("<>") : cm_printable(t->mail_from))
			       : xstrdup("");
	r->rcpt = cm_printable(t->nrcpts ? t->rcpts[0].addr : NULL);
	r->rcpts = t->nrcpts + t->rcpts_dropped;
	r->rcpts_ok = t->rcpts_ok;
	for (size_t i = 0; i < t->nrcpts; i++)
		if (cm_step_failed(&t->rcpts[i].step))
			r->refused = true;
	r->size = t->data_kind != TXN_DATA_NONE ? (int64_t)t->msg_bytes : -1;
	if (t->nrcpts) {
		r->rcpt_list = xreallocarray(NULL, t->nrcpts, sizeof *r->rcpt_list);
		for (size_t i = 0; i < t->nrcpts; i++)
			r->rcpt_list[i] = t->rcpts[i].addr;
	}
	if (t->header.len) {
		struct msg_headers h;
		msghdr_extract(t->header.data, t->header.len, &h);
		r->subject = h.subject;
		r->hdr_from = h.from;
		r->hdr_to = h.to;
		h.subject = h.from = h.to = NULL;
		msghdr_free(&h);
	}
}

static void cm_row_item(struct cm_row *r, const struct capture_session *s, const struct txn *t)
{
	const struct txn_session *m = s->model;
	struct filter_item *it = &r->item;
	it->from = t ? t->mail_from : NULL;
	it->rcpts = r->rcpt_list;
	it->nrcpts = t ? t->nrcpts : 0;
	it->subject = r->subject;
	it->hdr_from = r->hdr_from;
	it->hdr_to = r->hdr_to;
	it->replies = r->replies;
	it->outcome = r->outcome;
	static const char *const classes[] = {"delivered", "rejected", "deferred", "aborted", "none"};
	it->outcome_class = classes[r->cls];
	it->tls = m->tls || s->implicit_tls || s->tls;
	if (m->auth_mech) {
		it->auth_mech = m->auth_mech;
		it->auth_user = m->auth_user;
		it->auth_result = txn_auth_result_name(m->auth_result);
	}
	it->client = s->client;
	it->server = s->server;
	it->helo = m->helo_name;
	it->queue_id = t && t->queue_id[0] ? t->queue_id : NULL;
	it->size = r->size;
}

void cm_row_build(struct cm_row *r, struct capture_session *s, const struct txn *t)
{
	memset(r, 0, sizeof *r);
	r->s = s;
	r->t = t;
	r->size = -1;
	if (t) {
		r->time = t->ts_start ? t->ts_start : s->start;
		cm_txn_envelope(r, t);
		cm_txn_outcome(r, t);
		cm_txn_replies(r, t);
	} else {
		r->time = s->start;
		r->from = xstrdup("");
		r->rcpt = xstrdup("");
		cm_session_outcome(r, s);
		cm_session_replies(r, s->model);
	}
	cm_row_item(r, s, t);
}

void cm_row_free(struct cm_row *r)
{
	free(r->from);
	free(r->rcpt);
	free(r->subject);
	free(r->hdr_from);
	free(r->hdr_to);
	free(r->rcpt_list);
	free(r->replies);
	memset(r, 0, sizeof *r);
}
