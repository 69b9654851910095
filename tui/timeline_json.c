/* timeline_json.c - one JSON object per captured SMTP session (schema in
 * docs/json.md): endpoints, greeting, HELO, extensions, TLS, AUTH, gaps,
 * transactions with envelope, replies, headers and outcome, and commands with
 * latencies. */
#include "tui/timeline.h"
#include "decode/msghdr.h"
#include "tui/json.h"
#include "decode/xmalloc.h"

#include <stdlib.h>
#include <string.h>

static void tj_endpoint(struct json *j, const char *ep)
{
	/* "a.b.c.d:port" or "[v6]:port" */
	const char *colon = strrchr(ep, ':');
	size_t alen = colon ? (size_t)(colon - ep) : strlen(ep);
	const char *a = ep;
	if (alen >= 2 && a[0] == '[' && a[alen - 1] == ']') {
		a++;
		alen -= 2;
	}
	json_obj_begin(j);
	JSON_KEY(j, "address");
	json_strn(j, (const uint8_t *)a, alen);
	JSON_KV_INT(j, "port", colon ? strtol(colon + 1, NULL, 10) : 0);
	json_obj_end(j);
}

static void tj_time(struct json *j, int64_t usec)
{
	char buf[40];
	timeline_time(usec, buf, sizeof buf);
	json_str(j, buf);
}

/* A reply object, or null when there was none. */
static void tj_reply(struct json *j, const struct txn_reply *r, enum smtp_stage st)
{
	if (!r->code && !r->text) {
		json_null(j);
		return;
	}
	json_obj_begin(j);
	JSON_KEY(j, "code"); /* null for a reply line without a valid code */
	if (r->code)
		json_int(j, r->code);
	else
		json_null(j);
	JSON_KV_STR(j, "status", r->esc[0] ? r->esc : NULL);
	JSON_KEY(j, "text");
	json_strn(j, (const uint8_t *)(r->text ? r->text : ""), r->text_len);
	struct explanation e;
	bool failed = r->code >= 400 || (!r->code && (r->esc[0] == '4' || r->esc[0] == '5'));
	if (failed && timeline_explain(r, st, &e)) {
		JSON_KV_STR(j, "reason", reason_name(e.reason));
		JSON_KV_BOOL(j, "permanent", e.permanent);
		JSON_KV_STR(j, "explanation", e.meaning);
	} else {
		JSON_KV_STR(j, "reason", NULL);
	}
	json_obj_end(j);
}

static void tj_latency(struct json *j, int64_t sent, const struct txn_reply *r)
{
	JSON_KEY(j, "latency_ms");
	if (r->code || r->text)
		json_milli(j, r->ts - sent);
	else
		json_null(j);
}

static void tj_command(struct json *j, const struct txn_command *c, const struct timeline_opts *o)
{
	json_obj_begin(j);
	size_t shown = (!o->show_secrets && c->secret_at < c->line_len) ? c->secret_at : c->line_len;
	JSON_KEY(j, "command");
	json_strn(j, (const uint8_t *)c->line, shown);
	JSON_KV_BOOL(j, "masked", shown < c->line_len);
	JSON_KV_BOOL(j, "inferred", c->inferred);
	JSON_KV_STR(j, "verb", smtp_cmd_name(c->kind));
	JSON_KEY(j, "time");
	tj_time(j, c->ts);
	JSON_KV_STR(j, "status", txn_status_name(c->status));
	JSON_KEY(j, "reply");
	tj_reply(j, &c->reply, timeline_stage(c->kind));
	tj_latency(j, c->ts, &c->reply);
	json_obj_end(j);
}

static void tj_params(struct json *j, const struct txn_param *p, size_t n)
{
	json_obj_begin(j);
	for (size_t i = 0; i < n; i++) {
		json_key(j, p[i].key);
		json_str(j, p[i].value);
	}
	json_obj_end(j);
}

static void tj_headers(struct json *j, const struct txn *t)
{
	JSON_KEY(j, "headers");
	if (!t->header.len) {
		json_null(j);
		return;
	}
	struct msg_headers h;
	msghdr_extract(t->header.data, t->header.len, &h);
	json_obj_begin(j);
	JSON_KV_STR(j, "subject", h.subject);
	JSON_KV_STR(j, "from", h.from);
	JSON_KV_STR(j, "to", h.to);
	JSON_KV_STR(j, "cc", h.cc);
	JSON_KV_STR(j, "date", h.date);
	JSON_KV_STR(j, "message_id", h.message_id);
	JSON_KEY(j, "received");
	json_arr_begin(j);
	for (size_t i = 0; i < h.nreceived; i++)
		json_str(j, h.received[i]);
	json_arr_end(j);
	JSON_KV_BOOL(j, "complete", t->header_complete);
	json_obj_end(j);
	msghdr_free(&h);
}

static void tj_rcpts(struct json *j, const struct txn *t)
{
	JSON_KEY(j, "rcpt");
	json_arr_begin(j);
	for (size_t i = 0; i < t->nrcpts; i++) {
		const struct txn_rcpt *r = &t->rcpts[i];
		json_obj_begin(j);
		JSON_KV_STR(j, "address", r->addr);
		JSON_KEY(j, "params");
		tj_params(j, r->params, r->nparams);
		JSON_KV_STR(j, "status", txn_status_name(r->step.status));
		JSON_KEY(j, "reply");
		tj_reply(j, &r->step.reply, STAGE_RCPT);
		tj_latency(j, r->step.ts, &r->step.reply);
		json_obj_end(j);
	}
	json_arr_end(j);
	if (t->rcpts_dropped)
		JSON_KV_INT(j, "rcpt_dropped", (long long)t->rcpts_dropped);
}

static void tj_data(struct json *j, const struct txn *t)
{
	JSON_KEY(j, "data");
	if (t->data_kind == TXN_DATA_NONE) {
		json_null(j);
		return;
	}
	json_obj_begin(j);
	JSON_KV_STR(j, "command", t->data_kind == TXN_DATA_BDAT ? "BDAT" : "DATA");
	JSON_KV_INT(j, "bytes", (long long)t->msg_bytes);
	JSON_KV_INT(j, "missing_bytes", (long long)t->msg_missing);
	if (t->data_kind == TXN_DATA_BDAT)
		JSON_KV_INT(j, "chunks", t->bdat_chunks);
	JSON_KEY(j, "reply");
	tj_reply(j, &t->data.reply, STAGE_DATA);
	json_obj_end(j);
}

/* The session's commands grouped by transaction number (0: outside any), in
 * session order: transaction i's are cmd[start[i]] .. cmd[start[i + 1] - 1].
 * Built in one pass, so a session of many transactions is not read again
 * for each one. */
struct tj_cmds {
	size_t *start;
	const struct txn_command **cmd;
	uint64_t ntxn;
};

static void tj_cmds_build(struct tj_cmds *x, const struct txn_session *m)
{
	x->ntxn = m->txn_count;
	x->start = xcalloc(x->ntxn + 2, sizeof *x->start);
	x->cmd = xcalloc(m->ncommands ? m->ncommands : 1, sizeof *x->cmd);
	for (size_t i = 0; i < m->ncommands; i++)
		if (m->commands[i]->txn_index <= x->ntxn)
			x->start[m->commands[i]->txn_index + 1]++;
	for (uint64_t i = 1; i <= x->ntxn + 1; i++)
		x->start[i] += x->start[i - 1];
	size_t *fill = xcalloc(x->ntxn + 1, sizeof *fill);
	for (size_t i = 0; i < m->ncommands; i++) {
		uint64_t t = m->commands[i]->txn_index;
		if (t <= x->ntxn)
			x->cmd[x->start[t] + fill[t]++] = m->commands[i];
	}
	free(fill);
}

static void tj_cmds_free(struct tj_cmds *x)
{
	free(x->start);
	free(x->cmd);
}

static void tj_txn_commands(struct json *j, const struct tj_cmds *x, uint64_t index, const struct timeline_opts *o)
{
	JSON_KEY(j, "commands");
	json_arr_begin(j);
	if (index <= x->ntxn)
		for (size_t i = x->start[index]; i < x->start[index + 1]; i++)
			tj_command(j, x->cmd[i], o);
	json_arr_end(j);
}

static void tj_txn(struct json *j, const struct tj_cmds *cmds, const struct txn *t, const struct timeline_opts *o)
{
	json_obj_begin(j);
	JSON_KV_INT(j, "index", (long long)t->index);
	JSON_KEY(j, "start");
	tj_time(j, t->ts_start);
	JSON_KV_STR(j, "mail_from", t->mail_from);
	JSON_KEY(j, "mail_params");
	tj_params(j, t->mail_params, t->mail_nparams);
	JSON_KEY(j, "mail_reply");
	tj_reply(j, &t->mail.reply, STAGE_MAIL);
	tj_rcpts(j, t);
	tj_data(j, t);
	tj_headers(j, t);
	JSON_KEY(j, "final_reply");
	tj_reply(j, &t->final.reply, STAGE_MESSAGE);
	JSON_KV_STR(j, "queue_id", t->queue_id[0] ? t->queue_id : NULL);
	JSON_KV_STR(j, "outcome", txn_outcome_name(t->outcome));
	tj_txn_commands(j, cmds, t->index, o);
	json_obj_end(j);
}

static void tj_tls(struct json *j, const struct capture_session *s)
{
	JSON_KEY(j, "tls");
	json_obj_begin(j);
	const struct tls_seen *t = s->tls ? &s->tls->seen : NULL;
	JSON_KV_BOOL(j, "used", s->model->tls || t);
	JSON_KV_BOOL(j, "implicit", s->implicit_tls);
	char buf[80];
	JSON_KV_STR(j, "version", t && t->server_hello ? tls_version_name(t->version, buf, sizeof buf) : NULL);
	JSON_KV_STR(j, "cipher", t && t->server_hello ? tls_cipher_name(t->cipher, buf, sizeof buf) : NULL);
	JSON_KV_STR(j, "sni", t && t->sni[0] ? t->sni : NULL);
	JSON_KV_STR(j, "certificate_subject", t && t->cert_subject[0] ? t->cert_subject : NULL);
	JSON_KV_STR(j, "certificate_issuer", t && t->cert_issuer[0] ? t->cert_issuer : NULL);
	JSON_KV_INT(j, "client_bytes", t ? (long long)t->bytes[0] : 0);
	JSON_KV_INT(j, "server_bytes", t ? (long long)t->bytes[1] : 0);
	json_obj_end(j);
}

static void tj_auth(struct json *j, const struct txn_session *m)
{
	JSON_KEY(j, "auth");
	if (!m->auth_mech) {
		json_null(j);
		return;
	}
	json_obj_begin(j);
	JSON_KV_STR(j, "mechanism", m->auth_mech);
	JSON_KV_STR(j, "user", m->auth_user);
	JSON_KV_STR(j, "result", txn_auth_result_name(m->auth_result));
	json_obj_end(j);
}

static void tj_problem(void *user, const char *text)
{
	json_str(user, text);
}

static void tj_session_head(struct json *j, const struct capture_session *s)
{
	const struct txn_session *m = s->model;
	JSON_KV_INT(j, "session", (long long)s->id);
	JSON_KEY(j, "client");
	tj_endpoint(j, s->client);
	JSON_KEY(j, "server");
	tj_endpoint(j, s->server);
	JSON_KEY(j, "start");
	tj_time(j, s->start);
	JSON_KEY(j, "end");
	tj_time(j, s->end);
	JSON_KV_STR(j, "detected_by", s->how == CAPTURE_BY_PORT ? "port" : "greeting");
	JSON_KV_BOOL(j, "midstream", s->midstream);
	JSON_KEY(j, "greeting");
	tj_reply(j, &m->greeting, STAGE_CONNECT);
	JSON_KV_STR(j, "helo", m->helo_name);
	JSON_KV_STR(j, "helo_command", m->helo_name ? smtp_cmd_name(m->helo_kind) : NULL);
	JSON_KEY(j, "extensions");
	json_arr_begin(j);
	for (size_t i = 0; i < m->nexts; i++) {
		json_obj_begin(j);
		JSON_KV_STR(j, "keyword", m->exts[i].keyword);
		JSON_KV_STR(j, "params", m->exts[i].params);
		json_obj_end(j);
	}
	json_arr_end(j);
}

void timeline_json_session(FILE *f, const struct capture_session *s, const struct timeline_opts *o)
{
	struct json j;
	json_init_buffered(&j, f, false);
	json_obj_begin(&j);
	tj_session_head(&j, s);
	tj_tls(&j, s);
	tj_auth(&j, s->model);
	JSON_KEY(&j, "gaps");
	json_obj_begin(&j);
	JSON_KV_INT(&j, "count", (long long)s->gaps);
	JSON_KV_INT(&j, "bytes", (long long)s->gap_bytes);
	json_obj_end(&j);
	JSON_KV_INT(&j, "conflicts", (long long)s->conflicts);
	struct tj_cmds cmds;
	tj_cmds_build(&cmds, s->model);
	JSON_KEY(&j, "transactions");
	json_arr_begin(&j);
	for (size_t i = 0; i < s->model->ntxns; i++)
		tj_txn(&j, &cmds, s->model->txns[i], o);
	json_arr_end(&j);
	tj_txn_commands(&j, &cmds, 0, o);
	tj_cmds_free(&cmds);
	JSON_KEY(&j, "problems");
	json_arr_begin(&j);
	timeline_problems(s, tj_problem, &j);
	json_arr_end(&j);
	JSON_KV_STR(&j, "close", flow_close_reason_name(s->close_reason));
	JSON_KV_BOOL(&j, "truncated", s->truncated);
	json_obj_end(&j);
	json_end_line(&j);
}
