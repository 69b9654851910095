/* txn_fmt.c - names and text rendering of the SMTP session/transaction model (RFC 5321), one line per item, control bytes escaped and secrets masked. */
#include "txn.h"
#include "printable.h"

#include <inttypes.h>
#include <string.h>

const char *txn_status_name(enum txn_status s)
{
	static const char *const n[TXN_ST_LAST] = {"none", "pending", "ok", "deferred", "rejected", "no_reply",
						     "lost", "malformed"};
	return (unsigned)s < TXN_ST_LAST ? n[s] : "?";
}

const char *txn_outcome_name(enum txn_outcome o)
{
	static const char *const n[TXN_OUT_LAST] = {
		"delivered",     "rejected_mail",  "rejected_rcpt",  "rejected_data",
		"rejected_message", "aborted_rset", "aborted_ehlo",  "aborted_quit",
		"aborted_tls",   "aborted_disconnect", "incomplete",
	};
	return (unsigned)o < TXN_OUT_LAST ? n[o] : "?";
}

const char *txn_auth_result_name(enum txn_auth_result r)
{
	static const char *const n[] = {"none", "pending", "ok", "failed", "cancelled"};
	return (unsigned)r <= TXN_AUTH_CANCELLED ? n[r] : "?";
}

static bool put_q(struct buf *o, const char *s)
{
	return buf_append_byte(o, '"') && printable_append(o, (const uint8_t *)s, s ? strlen(s) : 0) &&
	       buf_append_byte(o, '"');
}

/* A reply was seen (a malformed one has code 0 but keeps its text). */
static bool reply_seen(const struct txn_reply *r)
{
	return r->code || r->text;
}

static bool put_reply(struct buf *o, const struct txn_reply *r)
{
	if (!reply_seen(r))
		return true;
	bool ok = buf_printf(o, " %d", r->code);
	if (r->esc[0])
		ok = ok && buf_printf(o, " %s", r->esc);
	return ok && buf_append_str(o, " \"") && printable_append(o, (const uint8_t *)r->text, r->text_len) &&
	       buf_append_byte(o, '"');
}

static bool put_step(struct buf *o, const char *name, const struct txn_step *st)
{
	bool ok = buf_printf(o, "  %s #%" PRIu64 " %s", name, st->seq, txn_status_name(st->status));
	if (reply_seen(&st->reply))
		ok = ok && buf_printf(o, " latency=%" PRId64, st->reply.ts - st->ts);
	return ok && put_reply(o, &st->reply) && buf_append_byte(o, '\n');
}

static bool put_params(struct buf *o, const struct txn_param *p, size_t n)
{
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		ok = ok && buf_append_byte(o, ' ') &&
		     printable_append(o, (const uint8_t *)p[i].key, strlen(p[i].key));
		if (p[i].value)
			ok = ok && buf_append_byte(o, '=') &&
			     printable_append(o, (const uint8_t *)p[i].value, strlen(p[i].value));
	}
	return ok;
}

static bool put_addr(struct buf *o, const char *a)
{
	return buf_append_byte(o, '<') && printable_append(o, (const uint8_t *)a, strlen(a)) && buf_append_byte(o, '>');
}

bool txn_format(const struct txn *t, struct buf *o)
{
	static const char *const dk[] = {"none", "DATA", "BDAT"};
	bool ok = buf_printf(o, "txn %" PRIu64 " %s", t->index, txn_outcome_name(t->outcome));
	if (t->outcome_status != TXN_ST_NONE)
		ok = ok && buf_printf(o, " (%s)", txn_status_name(t->outcome_status));
	ok = ok && buf_printf(o, " start=%" PRId64 " end=%" PRId64 "\n  from ", t->ts_start, t->ts_end) &&
	     (t->mail_missing ? buf_append_str(o, "(not seen)") : put_addr(o, t->mail_from ? t->mail_from : "")) &&
	     put_params(o, t->mail_params, t->mail_nparams) &&
	     buf_append_byte(o, '\n') && put_step(o, "mail", &t->mail);
	for (size_t i = 0; i < t->nrcpts; i++) {
		ok = ok && buf_append_str(o, "  to ") && put_addr(o, t->rcpts[i].addr) &&
		     put_params(o, t->rcpts[i].params, t->rcpts[i].nparams) && buf_append_byte(o, '\n') &&
		     put_step(o, "rcpt", &t->rcpts[i].step);
	}
	if (t->rcpts_dropped)
		ok = ok && buf_printf(o, "  rcpts-dropped %zu\n", t->rcpts_dropped);
	if (t->data_kind != TXN_DATA_NONE) {
		ok = ok && put_step(o, dk[t->data_kind], &t->data);
		if (t->data_kind == TXN_DATA_BDAT)
			ok = ok && buf_printf(o, "  chunks %u\n", t->bdat_chunks);
	}
	ok = ok && buf_printf(o, "  message bytes=%" PRIu64, t->msg_bytes);
	if (t->msg_missing)
		ok = ok && buf_printf(o, " missing=%" PRIu64, t->msg_missing);
	ok = ok && buf_printf(o, " header=%zu%s%s\n", t->header.len, t->header_complete ? " complete" : "",
			      t->header_truncated ? " truncated" : "");
	if (t->header.len)
		ok = ok && buf_append_str(o, "  header \"") && printable_append(o, t->header.data, t->header.len) &&
		     buf_append_str(o, "\"\n");
	if (t->final.seq)
		ok = ok && put_step(o, "final", &t->final);
	if (t->queue_id[0])
		ok = ok && buf_printf(o, "  queue-id %s (%s)\n", t->queue_id, t->queue_mta);
	return ok;
}

bool txn_command_format(const struct txn_command *c, struct buf *o)
{
	bool ok = buf_printf(o, "cmd #%" PRIu64 " %s \"", c->seq, smtp_cmd_name(c->kind)) &&
		  printable_append(o, (const uint8_t *)c->line, c->secret_at < c->line_len ? c->secret_at : c->line_len) &&
		  buf_append_str(o, c->secret_at < c->line_len ? "***\"" : "\"");
	if (c->txn_index)
		ok = ok && buf_printf(o, " txn=%" PRIu64, c->txn_index);
	ok = ok && buf_printf(o, " %s", txn_status_name(c->status));
	if (reply_seen(&c->reply))
		ok = ok && buf_printf(o, " latency=%" PRId64, c->reply.ts - c->ts);
	return ok && put_reply(o, &c->reply);
}

static bool session_head(const struct txn_session *s, struct buf *o)
{
	bool ok = buf_append_str(o, "session greeting") && put_reply(o, &s->greeting) && buf_append_byte(o, '\n');
	if (s->helo_kind != SMTP_CMD_LAST)
		ok = ok && buf_printf(o, "helo %s ", smtp_cmd_name(s->helo_kind)) && put_q(o, s->helo_name) &&
		     put_reply(o, &s->helo_reply) && buf_append_byte(o, '\n');
	for (size_t i = 0; i < s->nexts; i++) {
		ok = ok && buf_printf(o, "ext %s", s->exts[i].keyword);
		if (s->exts[i].params[0])
			ok = ok && buf_append_byte(o, ' ') && put_q(o, s->exts[i].params);
		ok = ok && buf_append_byte(o, '\n');
	}
	if (s->tls)
		ok = ok && buf_printf(o, "tls t=%" PRId64 "%s\n", s->tls_ts, s->tls_implicit ? " implicit" : "");
	if (s->auth_result != TXN_AUTH_NONE) {
		ok = ok && buf_printf(o, "auth %s %s", s->auth_mech ? s->auth_mech : "",
				      txn_auth_result_name(s->auth_result));
		if (s->auth_user)
			ok = ok && buf_append_str(o, " user=") && put_q(o, s->auth_user);
		ok = ok && put_reply(o, &s->auth_reply) && buf_append_byte(o, '\n');
	}
	return ok;
}

bool txn_session_format(const struct txn_session *s, struct buf *o)
{
	bool ok = session_head(s, o);
	for (size_t i = 0; i < s->nanomalies; i++) {
		const struct txn_anomaly *a = &s->anomalies[i];
		ok = ok && buf_printf(o, "anomaly t=%" PRId64 " %c@%" PRIu64 " %s", a->ts,
				      a->dir == SMTP_DIR_CLIENT ? 'C' : 'S', a->offset, smtp_anomaly_name(a->kind));
		if (a->count)
			ok = ok && buf_printf(o, " count=%" PRIu64, a->count);
		if (a->detail[0])
			ok = ok && buf_append_byte(o, ' ') && put_q(o, a->detail);
		ok = ok && buf_append_byte(o, '\n');
	}
	if (s->anomalies_dropped)
		ok = ok && buf_printf(o, "anomalies-dropped %" PRIu64 "\n", s->anomalies_dropped);
	for (size_t i = 0; i < s->ntxns; i++)
		ok = ok && txn_format(s->txns[i], o);
	for (size_t i = 0; i < s->ncommands; i++)
		ok = ok && txn_command_format(s->commands[i], o) && buf_append_byte(o, '\n');
	if (s->commands_dropped)
		ok = ok && buf_printf(o, "commands-dropped %" PRIu64 "\n", s->commands_dropped);
	return ok && buf_printf(o, "totals txns=%" PRIu64 " commands=%" PRIu64 "\n", s->txn_count, s->command_count);
}
