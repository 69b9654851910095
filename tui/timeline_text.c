/* timeline_text.c - a captured SMTP session as readable text: the session's
 * facts, every command with its reply and latency, each transaction's envelope,
 * headers and outcome, and the problems found. All captured text is escaped. */
#include "tui/timeline.h"
#include "decode/ehlo.h"
#include "decode/msghdr.h"
#include "decode/bytes.h"
#include "decode/printable.h"
#include "tui/out.h"

#include <string.h>

#define TL_WIDTH 100

/* The start of a transcript line: seconds since the session began, who spoke. */
static void tl_when(FILE *f, int64_t usec, char who)
{
	char rel[48];
	timeline_fixed(rel, sizeof rel, usec, 6, 3, true, 9);
	fputs("  ", f);
	fputs(rel, f);
	fputs("s  ", f);
	fputc(who, f);
	fputs(": ", f);
}

static void tl_reply_first(FILE *f, const struct txn_reply *r, size_t max);

static void tl_explain_line(FILE *f, const struct txn_reply *r, enum smtp_stage st, const char *indent)
{
	struct explanation e;
	bool failed = r->code >= 400 || (!r->code && (r->esc[0] == '4' || r->esc[0] == '5'));
	if (!failed || !timeline_explain(r, st, &e))
		return;
	fprintf(f, "%s-> %s (%s): ", indent, reason_name(e.reason), e.permanent ? "permanent" : "temporary");
	out_safe_str(f, e.meaning);
	fputc('\n', f);
	if (e.fix) {
		fprintf(f, "%s   what to do: ", indent);
		out_safe_str(f, e.fix);
		fputc('\n', f);
	}
}

static void tl_command(FILE *f, const struct capture_session *s, const struct txn_command *c,
		       const struct timeline_opts *o)
{
	tl_when(f, c->ts - s->start, 'C');
	size_t shown = c->line_len;
	if (!o->show_secrets && c->secret_at < c->line_len)
		shown = c->secret_at;
	if (!out_safe_cols(f, (const uint8_t *)c->line, shown, 200))
		fputs("...", f);
	else if (shown < c->line_len)
		fputs(shown == c->secret_at ? "***" : "...", f);
	if (c->inferred)
		fputs("   (not in the capture: lost in a gap, known from the reply)", f);
	fputc('\n', f);
	fputs("              S: ", f);
	tl_reply_first(f, &c->reply, 160);
	if (c->reply.code || c->reply.text) {
		char ms[48];
		timeline_fixed(ms, sizeof ms, c->reply.ts - c->ts, 3, 1, false, 0);
		fputs("  [", f);
		fputs(ms, f);
		fputs(" ms]", f);
	}
	fputc('\n', f);
	tl_explain_line(f, &c->reply, timeline_stage(c->kind), "                 ");
}

static void tl_headers(FILE *f, const struct txn *t)
{
	if (!t->header.len)
		return;
	struct msg_headers h;
	msghdr_extract(t->header.data, t->header.len, &h);
	static const char *const names[] = {"      Date        ", "      From        ", "      To          ",
					    "      Cc          ", "      Subject     ", "      Message-ID  "};
	const char *vals[] = {h.date, h.from, h.to, h.cc, h.subject, h.message_id};
	for (size_t i = 0; i < 6; i++) {
		if (!vals[i])
			continue;
		fputs(names[i], f);
		out_safe_str(f, vals[i]);
		fputc('\n', f);
	}
	for (size_t i = 0; i < h.nreceived; i++) {
		fprintf(f, "      Received[%zu] ", i);
		out_safe_str(f, h.received[i]);
		fputc('\n', f);
	}
	msghdr_free(&h);
}

static void tl_txn(FILE *f, const struct txn *t)
{
	fprintf(f, "    Transaction %llu: %s", (unsigned long long)t->index, txn_outcome_name(t->outcome));
	if (t->queue_id[0]) {
		fputs(", queue id ", f);
		out_safe_str(f, t->queue_id);
	}
	fputs("\n      from        ", f);
	if (t->mail_from) {
		fputc('<', f);
		out_safe_str(f, t->mail_from);
		fputs(">\n", f);
	} else {
		fputs("(unknown: the MAIL FROM was not in the capture)\n", f);
	}
	for (size_t i = 0; i < t->nrcpts; i++) {
		fputs("      to          <", f);
		out_safe_str(f, t->rcpts[i].addr);
		fputs(">  ", f);
		tl_reply_first(f, &t->rcpts[i].step.reply, 80);
		fputc('\n', f);
	}
	if (t->data_kind != TXN_DATA_NONE)
		fprintf(f, "      message     %llu bytes%s\n", (unsigned long long)t->msg_bytes,
			t->msg_missing ? " (some missing from the capture)" : "");
	tl_headers(f, t);
}

static void tl_session_facts(FILE *f, const struct capture_session *s)
{
	const struct txn_session *m = s->model;
	char when[40];
	timeline_time(s->start, when, sizeof when);
	fprintf(f, "Session %llu  %s -> %s  %s  %.3f s%s\n", (unsigned long long)s->id, s->client, s->server,
		when, (double)(s->end - s->start) / 1e6, s->midstream ? "  (capture starts mid-session)" : "");
	if (m->greeting.code) {
		fputs("  greeting    ", f);
		tl_reply_first(f, &m->greeting, 160);
		fputc('\n', f);
	}
	if (m->helo_name) {
		fprintf(f, "  %-11s ", smtp_cmd_name(m->helo_kind));
		out_safe_str(f, m->helo_name);
		fputc('\n', f);
	}
	if (m->nexts) {
		fputs("  extensions ", f);
		for (size_t i = 0; i < m->nexts; i++) {
			fputc(' ', f);
			out_safe_str(f, m->exts[i].keyword);
			if (m->exts[i].params && m->exts[i].params[0]) {
				fputc('=', f);
				out_safe_str(f, m->exts[i].params);
			}
		}
		fputc('\n', f);
	}
}

static void tl_session_tls_auth(FILE *f, const struct capture_session *s)
{
	const struct txn_session *m = s->model;
	if (m->tls || s->tls) {
		char v[32] = "", c[80] = "";
		const struct tls_seen *t = s->tls ? &s->tls->seen : NULL;
		if (t && t->server_hello) {
			tls_version_name(t->version, v, sizeof v);
			tls_cipher_name(t->cipher, c, sizeof c);
		}
		fprintf(f, "  TLS         %s%s%s%s%s", s->implicit_tls ? "implicit (port 465)" : "after STARTTLS",
			v[0] ? ", " : "", v, c[0] ? ", " : "", c);
		if (t && t->sni[0]) {
			fputs(", SNI ", f);
			out_safe_str(f, t->sni);
		}
		if (t && t->cert_subject[0]) {
			fputs(", certificate ", f);
			out_safe_str(f, t->cert_subject);
		}
		fputs("; the rest is encrypted\n", f);
	}
	if (m->auth_mech) {
		fputs("  AUTH        ", f);
		out_safe_str(f, m->auth_mech);
		if (m->auth_user) {
			fputs(" as ", f);
			out_safe_str(f, m->auth_user);
		}
		fprintf(f, ": %s\n", txn_auth_result_name(m->auth_result));
	}
}

struct tl_problems {
	FILE *f;
	size_t n;
};

static void tl_problem(void *user, const char *text)
{
	struct tl_problems *p = user;
	fputs("    - ", p->f);
	out_safe_str(p->f, text);
	fputc('\n', p->f);
	p->n++;
}

void timeline_text_session(FILE *f, const struct capture_session *s, const struct timeline_opts *o)
{
	const struct txn_session *m = s->model;
	tl_session_facts(f, s);
	tl_session_tls_auth(f, s);
	if (m->greeting.code) {
		tl_when(f, m->greeting.ts - s->start, 'S');
		tl_reply_first(f, &m->greeting, 160);
		fputc('\n', f);
	}
	for (size_t i = 0; i < m->ncommands; i++) {
		const struct txn_command *c = m->commands[i];
		tl_command(f, s, c, o);
		bool last_of_txn = c->txn_index &&
				   (i + 1 == m->ncommands || m->commands[i + 1]->txn_index != c->txn_index);
		const struct txn *t = last_of_txn ? timeline_txn(s, c->txn_index) : NULL;
		if (t)
			tl_txn(f, t);
	}
	if (m->commands_dropped)
		fprintf(f, "  (%llu further commands not kept)\n", (unsigned long long)m->commands_dropped);
	fputs("  Problems:\n", f);
	struct tl_problems probs = {f, 0};
	timeline_problems(s, tl_problem, &probs);
	if (!probs.n)
		fputs("    none\n", f);
	fputc('\n', f);
}

void timeline_summary_header(FILE *f)
{
	fprintf(f, "%-27s %-22s %-22s %-7s %-30s %-5s %9s %-18s %s\n", "time", "client", "server", "txn",
		"from", "rcpts", "bytes", "outcome", "final reply");
}

/* ---- the summary: one line per transaction, built in memory (printf per
 * field was most of --summary's output cost on large captures) ---- */

static void sum_spaces(struct buf *b, size_t n)
{
	static const char sp[] = "                                ";
	while (n) {
		size_t k = n < sizeof sp - 1 ? n : sizeof sp - 1;
		buf_append(b, sp, k);
		n -= k;
	}
}

/* s left-aligned in width columns, as printf's "%-*s" (never cut). */
static void sum_col(struct buf *b, const char *s, size_t width)
{
	size_t n = strlen(s);
	buf_append(b, s, n);
	if (n < width)
		sum_spaces(b, width - n);
}

/* v in decimal, right-aligned in width columns (0: no padding). */
static void sum_u64w(struct buf *b, unsigned long long v, size_t width)
{
	char tmp[24];
	char *end = tmp + sizeof tmp, *p = bytes_utoa(v, end);
	size_t n = (size_t)(end - p);
	if (n < width)
		sum_spaces(b, width - n);
	buf_append(b, p, n);
}

static void sum_u64(struct buf *b, unsigned long long v)
{
	sum_u64w(b, v, 0);
}

/* The first line of a reply: its code and at most max characters of its
 * text (cut between characters, marked "..."), and how many lines follow.
 * Into b: the text timeline and the summary share it. */
static void reply_first(struct buf *b, const struct txn_reply *r, size_t max)
{
	if (!r->code && !r->text) {
		buf_append_str(b, "(no reply)");
		return;
	}
	if (r->code) {
		if (r->code < 0)
			buf_append_byte(b, '-');
		sum_u64(b, (unsigned long long)(r->code < 0 ? -(long long)r->code : r->code));
		buf_append_byte(b, ' ');
	} else {
		buf_append_str(b, "(no code) ");
	}
	const char *t = r->text ? r->text : "";
	const char *nl = memchr(t, '\n', r->text_len);
	size_t n = nl ? (size_t)(nl - t) : r->text_len;
	size_t shown;
	if (!printable_append_cols(b, (const uint8_t *)t, n, max, &shown))
		buf_append_str(b, "...");
	if (r->nlines > 1) {
		buf_append_str(b, " (+");
		sum_u64(b, r->nlines - 1);
		buf_append_str(b, " lines)");
	}
}

static void tl_reply_first(FILE *f, const struct txn_reply *r, size_t max)
{
	struct buf b;
	buf_init(&b, max * 4 + 96); /* an escape is up to four characters */
	reply_first(&b, r, max);
	fwrite(b.data ? b.data : (uint8_t *)"", 1, b.len, f);
	buf_free(&b);
}

/* "a<sep>b" left-aligned in width columns (the txn and rcpts columns). */
static void sum_pair_col(struct buf *b, unsigned long long x, char sep, unsigned long long y, size_t width)
{
	size_t at = b->len;
	sum_u64(b, x);
	buf_append_byte(b, (uint8_t)sep);
	sum_u64(b, y);
	if (b->len - at < width)
		sum_spaces(b, width - (b->len - at));
}

/* Escaped text in width columns (a column per character shown), cut with
 * "..." when longer; never in the middle of a character or an escape. */
static void sum_safe_col(struct buf *b, const char *s, size_t width)
{
	size_t start = b->len, len = strlen(s), shown;
	if (!printable_append_cols(b, (const uint8_t *)s, len, width, &shown) && width > 3) {
		b->len = start;
		printable_append_cols(b, (const uint8_t *)s, len, width - 3, &shown);
		buf_append(b, "...", 3);
		shown += 3;
	}
	if (shown < width)
		sum_spaces(b, width - shown);
}

static void sum_line(struct buf *b, const struct capture_session *s, const struct txn *t)
{
	char when[40];
	timeline_time(t->ts_start, when, sizeof when);
	sum_col(b, when, 27);
	buf_append_byte(b, ' ');
	sum_col(b, s->client, 22);
	buf_append_byte(b, ' ');
	sum_col(b, s->server, 22);
	buf_append_byte(b, ' ');
	sum_pair_col(b, s->id, '.', t->index, 7);
	buf_append_byte(b, ' ');
	sum_safe_col(b, t->mail_from ? t->mail_from : "(MAIL not seen)", 30);
	buf_append_byte(b, ' ');
	sum_pair_col(b, t->rcpts_ok, '/', t->nrcpts, 5);
	buf_append_byte(b, ' ');
	sum_u64w(b, t->msg_bytes, 9);
	buf_append_byte(b, ' ');
	sum_col(b, txn_outcome_name(t->outcome), 18);
	buf_append_byte(b, ' ');
	reply_first(b, &t->final.reply, 60);
	buf_append_byte(b, '\n');
}

void timeline_summary_session(FILE *f, const struct capture_session *s)
{
	const struct txn_session *m = s->model;
	if (!m->ntxns)
		return;
	struct buf b;
	buf_init(&b, (size_t)1 << 30);
	buf_reserve(&b, m->ntxns * 256); /* a line is about 200 bytes: one allocation */
	for (size_t i = 0; i < m->ntxns; i++)
		sum_line(&b, s, m->txns[i]);
	fwrite(b.data, 1, b.len, f);
	buf_free(&b);
}
