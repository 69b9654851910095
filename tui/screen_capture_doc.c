/* screen_capture_doc.c - one row of the Capture table as a document for the
 * timeline view: the session's facts (greeting, EHLO, extensions, TLS, AUTH
 * masked), the transaction's envelope with every recipient's reply, the main
 * headers (RFC 5322, RFC 2047 words decoded), the commands with replies and
 * latencies, explanations of failures (RFC 5321 4.2, RFC 3463) and the
 * problems found. The same content as tui/timeline_text.c. */
#include "tui/screen_capture_int.h"
#include "tui/timeline.h"
#include "decode/buf.h"
#include "decode/limits.h"
#include "decode/msghdr.h"

#include <stdio.h>
#include <string.h>

/* Bytes of one rendered line (reply text is cut at SMTP_TXN_REPLY_TEXT_MAX). */
#define CD_LINE_MAX (SMTP_TXN_REPLY_TEXT_MAX * 2 + 256)
/* Column of explanation paragraphs under a reply. */
#define CD_EXPLAIN_INDENT (2 + CAPTURE_DOC_LABEL_WIDTH + 1)

static enum crt_color cd_code_color(int code)
{
	return code >= 500 ? CRT_BAD : code >= 400 ? CRT_WARN : CRT_NORMAL;
}

enum crt_color capture_class_color(enum cm_class c)
{
	switch (c) {
	case CM_CLASS_DELIVERED: return CRT_GOOD;
	case CM_CLASS_REJECTED: return CRT_BAD;
	case CM_CLASS_DEFERRED: return CRT_WARN;
	case CM_CLASS_NONE: return CRT_DIM;
	default: return CRT_NORMAL;
	}
}

/* "550 5.1.1 text": full joins the lines with blanks, else the first line
 * and "(+N lines)". Raw bytes: the document makes them printable. */
static void cd_reply(struct buf *b, const struct txn_reply *r, bool full)
{
	if (!r->code) {
		buf_append_str(b, "(no reply)");
		return;
	}
	buf_printf(b, "%d ", r->code);
	const char *t = r->text ? r->text : "";
	size_t n = r->text_len;
	if (!full) {
		const char *nl = memchr(t, '\n', n);
		if (nl)
			n = (size_t)(nl - t);
	}
	size_t start = b->len;
	if (!buf_append(b, t, n))
		buf_append(b, t, b->max - b->len > 16 ? b->max - b->len - 16 : 0);
	for (size_t i = start; i < b->len; i++)
		if (b->data[i] == '\n')
			b->data[i] = ' ';
	if (!full && r->nlines > 1)
		buf_printf(b, " (+%zu lines)", r->nlines - 1);
}

static void cd_field_buf(struct ui_doc *d, const char *label, const struct buf *b, enum crt_color c)
{
	ui_doc_field(d, label, b->data, b->len, c);
}

/* The full explanation of a failure reply, under it. */
static void cd_explain(struct ui_doc *d, const struct txn_reply *r, enum smtp_stage stage)
{
	struct explanation e;
	if (r->code < 400 || !timeline_explain(r, stage, &e))
		return;
	char line[2048];
	snprintf(line, sizeof line, "-> %s (%s): %s", reason_name(e.reason),
		 e.permanent ? (e.retry_may_help ? "permanent; retry only after fixing the cause"
						 : "permanent; retrying will not help")
			     : "temporary; the sender should retry later",
		 e.meaning ? e.meaning : "");
	ui_doc_text_str(d, CD_EXPLAIN_INDENT, line, e.permanent ? CRT_BAD : CRT_WARN);
	if (e.cause) {
		snprintf(line, sizeof line, "Likely cause: %s", e.cause);
		ui_doc_text_str(d, CD_EXPLAIN_INDENT + 3, line, CRT_NORMAL);
	}
	if (e.fix) {
		snprintf(line, sizeof line, "What to do: %s", e.fix);
		ui_doc_text_str(d, CD_EXPLAIN_INDENT + 3, line, CRT_NORMAL);
	}
	if (e.source) {
		snprintf(line, sizeof line, "Source: %s (%s layer)", e.source, explain_layer_name(e.layer));
		ui_doc_text_str(d, CD_EXPLAIN_INDENT + 3, line, CRT_DIM);
	}
}

/* ---- the session ---- */

static void cd_session_tls(struct ui_doc *d, const struct capture_session *s, struct buf *b)
{
	if (!s->model->tls && !s->tls) {
		ui_doc_field_str(d, "TLS:", "none: everything below was sent in clear", CRT_NORMAL);
		return;
	}
	buf_reset(b);
	buf_append_str(b, s->implicit_tls ? "implicit (port 465)" : "after STARTTLS");
	const struct tls_seen *t = s->tls ? &s->tls->seen : NULL;
	if (t && t->server_hello) {
		char v[32], c[80];
		buf_printf(b, ", %s, %s", tls_version_name(t->version, v, sizeof v),
			   tls_cipher_name(t->cipher, c, sizeof c));
	}
	if (t && t->sni[0])
		buf_printf(b, ", SNI %s", t->sni);
	if (t && t->cert_subject[0])
		buf_printf(b, ", certificate %s", t->cert_subject);
	buf_append_str(b, "; what follows the handshake is encrypted");
	cd_field_buf(d, "TLS:", b, CRT_NORMAL);
}

static void cd_session_auth(struct ui_doc *d, const struct txn_session *m, struct buf *b)
{
	if (!m->auth_mech)
		return;
	buf_reset(b);
	buf_append_str(b, m->auth_mech);
	if (m->auth_user)
		buf_printf(b, " as %s", m->auth_user);
	buf_printf(b, ": %s (secrets masked)", txn_auth_result_name(m->auth_result));
	cd_field_buf(d, "AUTH:", b, m->auth_result == TXN_AUTH_FAILED ? CRT_BAD : CRT_NORMAL);
}

static void cd_session_facts(struct ui_doc *d, const struct capture_session *s, struct buf *b)
{
	const struct txn_session *m = s->model;
	char when[40];
	ui_doc_field_str(d, "Client:", s->client, CRT_NORMAL);
	buf_reset(b);
	buf_printf(b, "%s (%s)", s->server,
		   s->how == CAPTURE_BY_PORT ? "an SMTP port" : "found by its 220 greeting");
	cd_field_buf(d, "Server:", b, CRT_NORMAL);
	timeline_time(s->start, when, sizeof when);
	buf_reset(b);
	buf_printf(b, "%s, lasted %.3f s, closed: %s", when, (double)(s->end - s->start) / 1e6,
		   flow_close_reason_name(s->close_reason));
	cd_field_buf(d, "Time:", b, CRT_NORMAL);
	if (m->greeting.code) {
		buf_reset(b);
		cd_reply(b, &m->greeting, false);
		cd_field_buf(d, "Greeting:", b, cd_code_color(m->greeting.code));
	}
	if (m->helo_name) {
		char label[16];
		snprintf(label, sizeof label, "%s:", smtp_cmd_name(m->helo_kind));
		ui_doc_field_str(d, label, m->helo_name, CRT_NORMAL);
	}
	if (m->nexts) {
		buf_reset(b);
		for (size_t i = 0; i < m->nexts; i++)
			buf_printf(b, "%s%s%s%s", i ? ", " : "", m->exts[i].keyword,
				   m->exts[i].params && m->exts[i].params[0] ? " " : "",
				   m->exts[i].params ? m->exts[i].params : "");
		cd_field_buf(d, "Extensions:", b, CRT_NORMAL);
	}
	cd_session_tls(d, s, b);
	cd_session_auth(d, m, b);
	buf_reset(b);
	if (s->midstream)
		buf_append_str(b, "starts after the greeting; ");
	if (s->gaps)
		buf_printf(b, "%llu bytes missing in %llu gap(s); ", (unsigned long long)s->gap_bytes,
			   (unsigned long long)s->gaps);
	if (s->truncated)
		buf_append_str(b, "ends while the session is still open; ");
	if (b->len >= 2) {
		b->len -= 2;
		cd_field_buf(d, "Capture:", b, CRT_WARN);
	}
}

/* ---- the transaction ---- */

static void cd_rcpt(struct ui_doc *d, const struct txn_rcpt *r, struct buf *b)
{
	buf_reset(b);
	buf_printf(b, "<%s>  ", r->addr ? r->addr : "");
	cd_reply(b, &r->step.reply, true);
	cd_field_buf(d, "To:", b, cd_code_color(r->step.reply.code));
	if (r->step.reply.code >= 400) {
		struct explanation e;
		if (timeline_explain(&r->step.reply, STAGE_RCPT, &e)) {
			char line[256];
			snprintf(line, sizeof line, "-> %s (%s)", reason_name(e.reason),
				 e.permanent ? "permanent" : "temporary");
			ui_doc_text_str(d, CD_EXPLAIN_INDENT, line, e.permanent ? CRT_BAD : CRT_WARN);
		}
	}
}

static void cd_headers(struct ui_doc *d, const struct txn *t)
{
	if (!t->header.len)
		return;
	struct msg_headers h;
	msghdr_extract(t->header.data, t->header.len, &h);
	ui_doc_blank(d);
	ui_doc_text_str(d, 1, t->header_complete ? "Headers (encoded words decoded)"
						 : "Headers (encoded words decoded; the header block was cut)",
			CRT_HEADING);
	const char *names[] = {"Date:", "From:", "To:", "Cc:", "Subject:", "Message-ID:"};
	const char *vals[] = {h.date, h.from, h.to, h.cc, h.subject, h.message_id};
	for (size_t i = 0; i < 6; i++)
		ui_doc_field_str(d, names[i], vals[i], i == 4 ? CRT_INPUT : CRT_NORMAL);
	for (size_t i = 0; i < h.nreceived; i++)
		ui_doc_field_str(d, "Received:", h.received[i], CRT_DIM);
	msghdr_free(&h);
}

static void cd_txn(struct ui_doc *d, const struct cm_row *row, struct buf *b)
{
	const struct txn *t = row->t;
	buf_reset(b);
	buf_printf(b, "Transaction %llu of %llu: %s", (unsigned long long)t->index,
		   (unsigned long long)row->s->model->txn_count, row->outcome_text);
	if (t->queue_id[0])
		buf_printf(b, ", queue id %s", t->queue_id);
	ui_doc_text(d, 1, b->data, b->len, capture_class_color(row->cls));
	buf_reset(b);
	buf_printf(b, "<%s>  ", t->mail_from ? t->mail_from : "");
	cd_reply(b, &t->mail.reply, true);
	cd_field_buf(d, "From:", b, cd_code_color(t->mail.reply.code));
	for (size_t i = 0; i < t->nrcpts; i++)
		cd_rcpt(d, &t->rcpts[i], b);
	if (t->rcpts_dropped) {
		buf_reset(b);
		buf_printf(b, "(%zu more recipients not kept)", t->rcpts_dropped);
		cd_field_buf(d, "To:", b, CRT_DIM);
	}
	if (t->data_kind != TXN_DATA_NONE) {
		buf_reset(b);
		buf_printf(b, "%s, %llu bytes", t->data_kind == TXN_DATA_BDAT ? "BDAT" : "DATA",
			   (unsigned long long)t->msg_bytes);
		if (t->bdat_chunks > 1)
			buf_printf(b, " in %u chunks", t->bdat_chunks);
		if (t->msg_missing)
			buf_printf(b, " (%llu missing from the capture)", (unsigned long long)t->msg_missing);
		cd_field_buf(d, "Message:", b, t->msg_missing ? CRT_WARN : CRT_NORMAL);
	}
	if (t->final.reply.code) {
		buf_reset(b);
		cd_reply(b, &t->final.reply, true);
		cd_field_buf(d, "Final reply:", b, t->final.reply.code < 400 ? CRT_GOOD : cd_code_color(t->final.reply.code));
	}
	if (t->queue_id[0]) {
		buf_reset(b);
		buf_printf(b, "%s%s%s%s", t->queue_id, t->queue_mta ? " (" : "", t->queue_mta ? t->queue_mta : "",
			   t->queue_mta ? ")" : "");
		cd_field_buf(d, "Queue id:", b, CRT_NORMAL);
	}
	cd_headers(d, t);
}

/* ---- the commands ---- */

static void cd_label_time(char *out, size_t size, int64_t ts, int64_t start, const char *who)
{
	snprintf(out, size, "%+.3fs %s", (double)(ts - start) / 1e6, who);
}

static void cd_command(struct ui_doc *d, const struct capture_session *s, const struct txn_command *c,
		       bool show_secrets, struct buf *b)
{
	char label[48];
	cd_label_time(label, sizeof label, c->ts, s->start, "C:");
	int lw = (int)strlen(label);
	size_t shown = c->line_len;
	if (!show_secrets && c->secret_at < c->line_len)
		shown = c->secret_at;
	buf_reset(b);
	buf_append(b, c->line, shown);
	if (shown < c->line_len)
		buf_append_str(b, "*** (masked)");
	cd_field_buf(d, label, b, CRT_INPUT);
	buf_reset(b);
	cd_reply(b, &c->reply, c->reply.code >= 400);
	if (c->reply.code)
		buf_printf(b, "  [%.1f ms]", (double)(c->reply.ts - c->ts) / 1000.0);
	snprintf(label, sizeof label, "%*s", lw, "S:");
	cd_field_buf(d, label, b, cd_code_color(c->reply.code));
	cd_explain(d, &c->reply, timeline_stage(c->kind));
}

/* Commands of other transactions of the session, summed up in one line. */
static void cd_other_txn(struct ui_doc *d, uint64_t first, uint64_t last, size_t ncmds, struct buf *b)
{
	buf_reset(b);
	if (first == last)
		buf_printf(b, "(transaction %llu: ", (unsigned long long)first);
	else
		buf_printf(b, "(transactions %llu to %llu: ", (unsigned long long)first, (unsigned long long)last);
	buf_printf(b, "%zu command%s, on %s own row%s)", ncmds, ncmds == 1 ? "" : "s",
		   first == last ? "its" : "their", first == last ? "" : "s");
	ui_doc_text(d, CD_EXPLAIN_INDENT, b->data, b->len, CRT_DIM);
}

static void cd_commands(struct ui_doc *d, const struct cm_row *row, bool show_secrets, struct buf *b)
{
	const struct capture_session *s = row->s;
	const struct txn_session *m = s->model;
	ui_doc_blank(d);
	ui_doc_text_str(d, 1, "Timeline (time from the start of the session, reply latency in brackets)",
			CRT_HEADING);
	if (m->greeting.code) {
		char label[48];
		cd_label_time(label, sizeof label, m->greeting.ts, s->start, "S:");
		buf_reset(b);
		cd_reply(b, &m->greeting, m->greeting.code >= 400);
		cd_field_buf(d, label, b, cd_code_color(m->greeting.code));
		cd_explain(d, &m->greeting, STAGE_CONNECT);
	}
	uint64_t focus = row->t ? row->t->index : 0;
	for (size_t i = 0; i < m->ncommands;) {
		const struct txn_command *c = m->commands[i];
		if (!c->txn_index || c->txn_index == focus || !row->t) {
			cd_command(d, s, c, show_secrets, b);
			i++;
			continue;
		}
		size_t j = i;
		uint64_t last = c->txn_index;
		while (j < m->ncommands && m->commands[j]->txn_index && m->commands[j]->txn_index != focus)
			last = m->commands[j++]->txn_index;
		cd_other_txn(d, c->txn_index, last, j - i, b);
		i = j;
	}
	if (m->commands_dropped) {
		buf_reset(b);
		buf_printf(b, "(%llu further commands not kept)", (unsigned long long)m->commands_dropped);
		ui_doc_text(d, 2, b->data, b->len, CRT_DIM);
	}
}

struct cd_problems {
	struct ui_doc *d;
	size_t n;
};

static void cd_problem(void *user, const char *text)
{
	struct cd_problems *p = user;
	struct buf b;
	buf_init(&b, CD_LINE_MAX);
	buf_printf(&b, "- %s", text);
	ui_doc_text(p->d, 2, b.data, b.len, CRT_WARN);
	buf_free(&b);
	p->n++;
}

void capture_doc_build(struct ui_doc *d, const struct cm_row *row, size_t pos, size_t count, bool show_secrets)
{
	struct buf b;
	buf_init(&b, CD_LINE_MAX);
	ui_doc_clear(d);
	buf_printf(&b, "Session %llu", (unsigned long long)row->s->id);
	if (!row->t)
		buf_printf(&b, ": %s", row->outcome_text);
	if (count)
		buf_printf(&b, "   (row %zu of %zu; n / p: next / previous)", pos + 1, count);
	ui_doc_text(d, 1, b.data, b.len, row->t ? CRT_HEADING : capture_class_color(row->cls));
	cd_session_facts(d, row->s, &b);
	if (row->t) {
		ui_doc_blank(d);
		cd_txn(d, row, &b);
	}
	cd_commands(d, row, show_secrets, &b);
	ui_doc_blank(d);
	ui_doc_text_str(d, 1, "Problems", CRT_HEADING);
	struct cd_problems probs = {d, 0};
	timeline_problems(row->s, cd_problem, &probs);
	if (!probs.n)
		ui_doc_text_str(d, 2, "none found", CRT_GOOD);
	buf_free(&b);
}
