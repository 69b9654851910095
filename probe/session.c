/* session.c - the live SMTP client session core: options, input queue paced
 * one command per reply (RFC 5321 4.3.2; pipelining only on request, RFC
 * 2920), helper jobs, deadlines for the greeting and every reply (RFC 5321
 * 4.5.3.2), state, the orderly end and the public accessors (see session.h). */
#include "probe/session_internal.h"
#include "decode/limits.h"
#include "decode/xmalloc.h"
#include "probe/conn.h"
#include "probe/loop.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const state_names[SESS_S_LAST] = {
	"resolving", "connecting", "tls-handshake", "greeting", "ready", "waiting", "sending", "closed",
};

const char *session_state_name(enum session_state st)
{
	return (unsigned)st < SESS_S_LAST ? state_names[st] : "?";
}

int64_t session_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- options ---- */

static char *dup_opt(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void session_opts_dup(struct session_opts *d, const struct session_opts *o, bool with_secret)
{
	*d = *o;
	d->host = dup_opt(o->host);
	d->unix_path = dup_opt(o->unix_path);
	d->mx_domain = dup_opt(o->mx_domain);
	d->dns_servers = dup_opt(o->dns_servers);
	d->ehlo_name = dup_opt(o->ehlo_name);
	d->secret = with_secret ? dup_opt(o->secret) : NULL;
	d->tls.sni = dup_opt(o->tls.sni);
	d->tls.verify_name = dup_opt(o->tls.verify_name);
	d->tls.ca_file = dup_opt(o->tls.ca_file);
	d->tls.ca_path = dup_opt(o->tls.ca_path);
	d->tls.cert_file = dup_opt(o->tls.cert_file);
	d->tls.key_file = dup_opt(o->tls.key_file);
	d->tls.ciphers = dup_opt(o->tls.ciphers);
	d->tls.ciphersuites = dup_opt(o->tls.ciphersuites);
	d->tls.tlsa = NULL;
	d->tls.ntlsa = 0;
}

/* The session's own copy, with defaults for what o leaves unset. */
static void opts_copy(struct session_opts *d, const struct session_opts *o)
{
	session_opts_dup(d, o, true);
	if (!d->port)
		d->port = o->implicit_tls ? 465 : o->lmtp ? 24 : 25;
	if (!d->connect_timeout_ms)
		d->connect_timeout_ms = SESSION_TIMEOUT_DEFAULT_MS;
	if (!d->greeting_timeout_ms)
		d->greeting_timeout_ms = SESSION_TIMEOUT_DEFAULT_MS;
	if (!d->reply_timeout_ms)
		d->reply_timeout_ms = SESSION_TIMEOUT_DEFAULT_MS;
	if (!d->tls_timeout_ms)
		d->tls_timeout_ms = SESSION_TIMEOUT_DEFAULT_MS;
	if (!d->max_entries || d->max_entries > SESSION_ENTRIES_MAX)
		d->max_entries = SESSION_ENTRIES_MAX;
}

void session_opts_free(struct session_opts *o)
{
	if (o->secret)
		OPENSSL_cleanse((char *)o->secret, strlen(o->secret));
	const char *strs[] = {o->host, o->unix_path, o->mx_domain, o->dns_servers, o->ehlo_name, o->secret,
			      o->tls.sni, o->tls.verify_name, o->tls.ca_file, o->tls.ca_path,
			      o->tls.cert_file, o->tls.key_file, o->tls.ciphers, o->tls.ciphersuites};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		free((char *)strs[i]);
	memset(o, 0, sizeof *o);
}

const char *session_ehlo_name(const struct session *s)
{
	static char host[256];
	if (s->o.ehlo_name && *s->o.ehlo_name)
		return s->o.ehlo_name;
	if (gethostname(host, sizeof host - 1) != 0 || !host[0])
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	return host;
}

/* ---- input queue ---- */

static void input_push(struct session *s, struct session_input *it, bool front)
{
	if (front) {
		it->next = s->in_head;
		s->in_head = it;
		if (!s->in_tail)
			s->in_tail = it;
	} else {
		if (s->in_tail)
			s->in_tail->next = it;
		else
			s->in_head = it;
		s->in_tail = it;
	}
	s->in_bytes += it->len;
}

static struct session_input *input_pop(struct session *s)
{
	struct session_input *it = s->in_head;
	if (!it)
		return NULL;
	s->in_head = it->next;
	if (!s->in_head)
		s->in_tail = NULL;
	s->in_bytes -= it->len;
	it->next = NULL;
	return it;
}

static void input_item_free(struct session_input *it)
{
	if (it->line) {
		OPENSSL_cleanse(it->line, it->len);
		free(it->line);
	}
	if (it->cmd) {
		helper_cmd_free(it->cmd);
		free(it->cmd);
	}
	free(it);
}

static size_t input_drop_all(struct session *s)
{
	size_t n = 0;
	struct session_input *it;
	while ((it = input_pop(s)) != NULL) {
		input_item_free(it);
		n++;
	}
	return n;
}

bool session_input(struct session *s, const char *line, size_t len)
{
	if (s->closing || s->closed)
		return false;
	if (len > SESSION_INPUT_LINE_MAX) {
		session_info(s, SESS_LVL_ERROR, "input", "input line of %zu bytes refused (at most %u): not sent", len,
			     SESSION_INPUT_LINE_MAX);
		return false;
	}
	struct session_input *it = xcalloc(1, sizeof *it);
	it->line = xmemdup0(line, len);
	it->len = len;
	input_push(s, it, false);
	session_pump(s);
	return true;
}

size_t session_input_pending(const struct session *s)
{
	return s->in_bytes;
}

void session_input_end(struct session *s)
{
	s->input_ended = true;
	session_pump(s);
}

void session_run(struct session *s, struct helper_cmd *cmd)
{
	struct session_input *it = xcalloc(1, sizeof *it);
	it->cmd = cmd;
	if (s->closing || s->closed) {
		input_item_free(it);
		return;
	}
	input_push(s, it, false);
	session_pump(s);
}

void session_provide_secret(struct session *s, const char *secret)
{
	if (!s->secret_wait || !s->job)
		return;
	s->secret_wait = false;
	if (s->job->ops->secret)
		s->job->ops->secret(s, s->job, secret);
	session_pump(s);
}

/* ---- sending ---- */

size_t session_out_pending(const struct session *s)
{
	return s->c ? conn_out_pending(s->c) : 0;
}

size_t session_awaiting(const struct session *s)
{
	return s->await_len + s->lmtp_expect;
}

static bool session_feed_and_write(struct session *s, const uint8_t *b, size_t n)
{
	if (!s->c || s->closing || !s->connected || s->handshaking)
		return false;
	s->in_parser++;
	smtp_feed(s->p, SMTP_DIR_CLIENT, b, n, session_mono_us());
	s->in_parser--;
	s->force_secret_at = SIZE_MAX;
	session_body_flush(s);
	if (!conn_write(s->c, b, n)) {
		session_finish(s, SESS_STAGE_NONE, "our output buffer is full (%zu bytes queued)",
			       conn_out_pending(s->c));
		return false;
	}
	/* conn writes queued bytes in its before-poll hook; bytes queued from
	 * inside that hook (a CONN_EV_SENT) would wait for the next event. */
	loop_wake(s->l);
	session_wait_update(s, false);
	return true;
}

bool session_send_line(struct session *s, const char *line, size_t len, size_t secret_at)
{
	uint8_t *b = xmalloc(len + 2);
	if (len)
		memcpy(b, line, len);
	b[len] = '\r';
	b[len + 1] = '\n';
	s->force_secret_at = secret_at;
	bool ok = session_feed_and_write(s, b, len + 2);
	OPENSSL_cleanse(b, len + 2);
	free(b);
	return ok;
}

bool session_send_raw(struct session *s, const uint8_t *p, size_t len)
{
	s->force_secret_at = SIZE_MAX;
	return len == 0 || session_feed_and_write(s, p, len);
}

/* ---- jobs and the pump ---- */

void session_job_finish(struct session *s)
{
	if (!s->job)
		return;
	session_job_free(s->job);
	s->job = NULL;
	s->secret_wait = false;
}

static bool session_ready(const struct session *s)
{
	return s->greeted && !s->handshaking && !s->closing && s->connected && session_awaiting(s) == 0 &&
	       !s->secret_wait;
}

static void session_start_job(struct session *s, struct helper_cmd *cmd)
{
	struct buf d;
	buf_init(&d, 4096);
	helper_cmd_describe(cmd, &d);
	session_info(s, SESS_LVL_NOTE, "helper", "%s", buf_str(&d));
	buf_free(&d);
	s->job = session_job_new(s, cmd);
}

static void session_run_line(struct session *s, struct session_input *it)
{
	if (it->cmd) {
		session_start_job(s, it->cmd);
		it->cmd = NULL;
		return;
	}
	if (it->len >= 2 && it->line[0] == ':' && it->line[1] == ':') {
		session_send_line(s, it->line + 1, it->len - 1, SIZE_MAX);
		return;
	}
	if (it->len >= 1 && it->line[0] == ':') {
		char err[300];
		struct helper_cmd *cmd = xcalloc(1, sizeof *cmd);
		if (!helper_parse(it->line, it->len, cmd, err, sizeof err)) {
			session_info(s, SESS_LVL_ERROR, "helper", "%s", err);
			s->res.local_error = true;
			helper_cmd_free(cmd);
			free(cmd);
			return;
		}
		session_start_job(s, cmd);
		return;
	}
	session_send_line(s, it->line, it->len, SIZE_MAX);
}

static void session_stop_after_failure(struct session *s)
{
	s->failed_stop = false;
	size_t n = input_drop_all(s);
	session_job_finish(s);
	if (n)
		session_info(s, SESS_LVL_NOTE, "input", "stopping after the failure: %zu queued item%s not run", n,
			     n == 1 ? "" : "s");
	s->input_ended = true;
	if (s->in_content)
		session_finish(s, SESS_STAGE_NONE, "stopped inside the message content: closing without the "
			       "end marker so that the partial message is not delivered");
}

static void session_end_of_input(struct session *s)
{
	if (s->in_content) {
		session_finish(s, SESS_STAGE_MESSAGE, "input ended inside the message content (no line with a single "
			       "'.'): closing; the server discards the partial message");
		return;
	}
	if (!s->quit_sent) {
		session_info(s, SESS_LVL_NOTE, "input", "nothing more to send: QUIT ends the session");
		session_send_line(s, "QUIT", 4, SIZE_MAX);
	}
}

/* Let the running job act, or feed it input; false when nothing more can
 * happen now. */
static bool session_pump_job(struct session *s)
{
	struct session_job *j = s->job;
	if (j->ops->step && !j->done)
		j->ops->step(s, j);
	if (s->job != j || s->closing)
		return !s->closing;
	if (j->done) {
		session_job_finish(s);
		return true;
	}
	if (j->wants_input && s->in_head && s->in_head->line && j->ops->input) {
		struct session_input *it = s->in_head;
		if (!j->ops->input(s, j, it->line, it->len))
			return false;
		input_item_free(input_pop(s));
		return true;
	}
	return false;
}

void session_pump(struct session *s)
{
	if (s->pumping || s->freeing || s->closed)
		return;
	s->pumping = true;
	for (unsigned guard = 0; guard < 100000 && !s->closing; guard++) {
		if (s->failed_stop)
			session_stop_after_failure(s);
		if (s->closing)
			break;
		if (s->job) {
			if (!session_pump_job(s))
				break;
			continue;
		}
		if (!s->in_head || !session_ready(s))
			break;
		struct session_input *it = input_pop(s);
		session_run_line(s, it);
		input_item_free(it);
	}
	if (s->input_ended && !s->in_head && !s->job && !s->closing && session_ready(s))
		session_end_of_input(s);
	s->pumping = false;
	if (s->closing && !s->closed && !s->in_parser)
		session_finish(s, SESS_STAGE_NONE, "%s", "");
	if (!s->closed) {
		session_set_state(s);
		session_wait_update(s, false);
	}
}

/* ---- state ---- */

void session_set_state(struct session *s)
{
	enum session_state st;
	if (s->closed)
		st = SESS_S_CLOSED;
	else if (s->dq)
		st = SESS_S_RESOLVING;
	else if (!s->connected)
		st = SESS_S_CONNECTING;
	else if (s->handshaking)
		st = SESS_S_TLS;
	else if (!s->greeted)
		st = SESS_S_GREETING;
	else if (s->job && s->job->streaming)
		st = SESS_S_SENDING;
	else if (session_awaiting(s))
		st = SESS_S_WAITING;
	else
		st = SESS_S_READY;
	if (st == s->st)
		return;
	struct session_event ev = {.type = SESS_EV_STATE, .state = st, .old_state = s->st};
	s->st = st;
	session_emit_event(s, &ev);
}

/* ---- deadlines ---- */

static enum session_stage session_wait_stage(const struct session *s)
{
	if (!s->greeted)
		return SESS_STAGE_GREETING;
	if (s->await_len) {
		const struct session_await *a = &s->await[s->await_head];
		return a->bdat_last ? SESS_STAGE_MESSAGE : session_stage_of_cmd(a->kind);
	}
	if (s->lmtp_expect)
		return SESS_STAGE_MESSAGE;
	return s->in_content ? SESS_STAGE_MESSAGE : SESS_STAGE_NONE;
}

static const char *session_wait_advice(enum session_stage st)
{
	switch (st) {
	case SESS_STAGE_GREETING:
		return "the server took the TCP connection but said nothing. Likely causes: an overloaded or "
		       "tarpitting server, a firewall or proxy in the way, or a port that expects TLS first "
		       "(port 465: use --tls)";
	case SESS_STAGE_MESSAGE:
		return "the server did not confirm the message. Likely causes: content still unterminated, a "
		       "slow content filter (antivirus, spam checks), or a stalled network path";
	default:
		return "the server did not answer. Likely causes: an overloaded server, a slow policy check "
		       "(DNS lookups, greylisting), or a middlebox that swallowed the command";
	}
}

static void session_wait_fired(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	struct session *s = ud;
	s->t_wait = 0;
	enum session_stage st = session_wait_stage(s);
	session_info(s, SESS_LVL_ERROR, "timeout", "no %s within %llu s: %s", s->wait_what,
		     (unsigned long long)(s->wait_ms / 1000), session_wait_advice(st));
	session_finish(s, st == SESS_STAGE_NONE ? SESS_STAGE_DATA : st, "timed out waiting for %s",
		       s->wait_what);
}

static void session_slow_fired(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	struct session *s = ud;
	s->t_slow = 0;
	uint64_t waited = loop_clock_ms() - s->wait_start_ms;
	session_info(s, SESS_LVL_NOTE, "timeout", "still waiting for %s (%.1f s so far, giving up after %llu s)",
		     s->wait_what, (double)waited / 1000.0, (unsigned long long)(s->wait_ms / 1000));
}

static void session_wait_cancel(struct session *s)
{
	loop_timer_cancel(s->l, s->t_wait);
	loop_timer_cancel(s->l, s->t_slow);
	s->t_wait = s->t_slow = 0;
	s->wait_what[0] = '\0';
}

void session_wait_update(struct session *s, bool progress)
{
	char what[sizeof s->wait_what];
	uint64_t ms = s->o.reply_timeout_ms;
	what[0] = '\0';
	if (s->closing || !s->connected || s->handshaking) {
		session_wait_cancel(s);
		return;
	}
	if (!s->greeted) {
		snprintf(what, sizeof what, "greeting from the server");
		ms = s->o.greeting_timeout_ms;
	} else if (session_out_pending(s) && (s->in_content || (s->job && s->job->streaming))) {
		snprintf(what, sizeof what, "progress sending the message content");
	} else if (s->await_len) {
		const struct session_await *a = &s->await[s->await_head];
		snprintf(what, sizeof what, "reply to %s", smtp_cmd_name(a->kind));
	} else if (s->lmtp_expect) {
		snprintf(what, sizeof what, "LMTP reply for the next recipient");
	}
	if (!what[0]) {
		session_wait_cancel(s);
		return;
	}
	if (!progress && s->t_wait && !strcmp(what, s->wait_what))
		return;
	session_wait_cancel(s);
	snprintf(s->wait_what, sizeof s->wait_what, "%s", what);
	s->wait_ms = ms;
	s->wait_start_ms = loop_clock_ms();
	s->t_wait = loop_timer_add(s->l, ms, session_wait_fired, s);
	uint64_t slow = ms / 4 < 2000 ? ms / 4 : 2000; /* say so while it lasts */
	if (slow >= 500)
		s->t_slow = loop_timer_add(s->l, slow, session_slow_fired, s);
}

bool session_waiting(const struct session *s, const char **what, uint64_t *elapsed_ms, uint64_t *timeout_ms)
{
	if (!s->t_wait)
		return false;
	if (what)
		*what = s->wait_what;
	if (elapsed_ms)
		*elapsed_ms = loop_clock_ms() - s->wait_start_ms;
	if (timeout_ms)
		*timeout_ms = s->wait_ms;
	return true;
}

/* ---- the end ---- */

void session_fail(struct session *s, enum session_stage st, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (session_result_fail(&s->res, st, "%s", why) && s->o.stop_on_failure && !s->closing)
		s->failed_stop = true;
}

static void session_flush_notes(struct session *s)
{
	for (int d = 0; d < 2; d++) {
		for (size_t i = 0; i < s->nnotes[d]; i++)
			session_info(s, SESS_LVL_WARN, "anomaly", "%s: %s", d ? "server" : "client", s->notes[d][i].p);
		session_notes_discard(s, d ? SESS_DIR_SERVER : SESS_DIR_CLIENT);
	}
}

static void session_finalize(struct session *s)
{
	if (s->closed)
		return;
	loop_timer_cancel(s->l, s->t_final);
	s->t_final = 0;
	s->closed = true;
	/* A timeout or a cap is the reason, whatever the flush finds; after a
	 * drop, a reply cut short says more than "closed while waiting". */
	if (s->end_stage != SESS_STAGE_NONE && !s->end_flush_first)
		session_result_fail(&s->res, s->end_stage, "%s", s->end_why);
	if (s->p) {
		s->flushing = true;
		s->in_parser++;
		smtp_finish(s->p, session_mono_us());
		s->in_parser--;
		s->flushing = false;
	}
	session_body_flush(s);
	session_txn_check_rcpts(s);
	if (s->end_stage != SESS_STAGE_NONE)
		session_result_fail(&s->res, s->end_stage, "%s", s->end_why);
	if (s->bad_lines > SESSION_BAD_LINES_SHOWN)
		session_info(s, SESS_LVL_WARN, "anomaly", "%llu more lines without a reply code were not shown",
			     (unsigned long long)(s->bad_lines - SESSION_BAD_LINES_SHOWN));
	session_flush_notes(s);
	if (s->end_why[0])
		session_info(s, s->end_stage != SESS_STAGE_NONE ? SESS_LVL_ERROR : SESS_LVL_NOTE, "connect",
			     "connection closed: %s", s->end_why);
	size_t n = input_drop_all(s);
	if (n)
		session_info(s, SESS_LVL_WARN, "input", "%zu queued line%s or helper%s not run", n, n == 1 ? "" : "s",
			     n == 1 ? " was" : "s were");
	session_job_finish(s);
	if (s->c)
		s->res.tls = s->tls_up;
	session_set_state(s);
	struct session_event ev = {.type = SESS_EV_FINISHED, .state = SESS_S_CLOSED, .old_state = SESS_S_CLOSED};
	s->finished_sent = true;
	session_emit_event(s, &ev);
}

static void session_final_timer(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	struct session *s = ud;
	s->t_final = 0;
	session_finalize(s);
}

void session_finish(struct session *s, enum session_stage st, const char *fmt, ...)
{
	if (s->closed)
		return;
	if (!s->closing) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(s->end_why, sizeof s->end_why, fmt, ap);
		va_end(ap);
		s->end_stage = st;
		s->closing = true;
	}
	session_wait_cancel(s);
	loop_timer_cancel(s->l, s->t_kick);
	s->t_kick = 0;
	if (s->dq) {
		dns_query_cancel(s->dq);
		s->dq = NULL;
	}
	if (s->c)
		conn_close(s->c);
	if (s->in_parser || s->pumping) {
		if (!s->t_final)
			s->t_final = loop_timer_add(s->l, 0, session_final_timer, s);
		return;
	}
	session_finalize(s);
}

void session_abort(struct session *s, const char *why)
{
	session_finish(s, SESS_STAGE_NONE, "%s", why && *why ? why : "stopped by the user");
}

/* ---- life ---- */

static void session_kick(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	struct session *s = ud;
	s->t_kick = 0;
	session_conn_start(s);
	session_pump(s);
}

static void session_queue_auto(struct session *s)
{
	if (s->o.auto_ehlo || s->o.starttls) {
		struct session_input *it = xcalloc(1, sizeof *it);
		it->cmd = helper_cmd_new(HELPER_EHLO);
		input_push(s, it, false);
	}
	if (s->o.starttls) {
		struct session_input *it = xcalloc(1, sizeof *it);
		it->cmd = helper_cmd_new(HELPER_STARTTLS);
		input_push(s, it, false);
	}
}

struct session *session_new(struct loop *l, const struct session_opts *o, session_cb *cb, void *ud)
{
	struct session *s = xcalloc(1, sizeof *s);
	s->l = l;
	s->cb = cb;
	s->ud = ud;
	opts_copy(&s->o, o);
	s->ents_max = s->o.max_entries;
	s->force_secret_at = SIZE_MAX;
	s->st = SESS_S_CONNECTING;
	s->txn = txn_session_new(TXN_KEEP_ALL, NULL);
	buf_init(&s->preview, SESSION_PREVIEW_MAX);
	buf_init(&s->body_show, SESSION_BODY_SHOW_BYTES + 16);
	s->t_kick = loop_timer_add(l, 0, session_kick, s);
	session_queue_auto(s);
	return s;
}

void session_free(struct session *s)
{
	if (!s)
		return;
	s->freeing = true;
	session_wait_cancel(s);
	loop_timer_cancel(s->l, s->t_kick);
	loop_timer_cancel(s->l, s->t_final);
	session_conn_free(s);
	smtp_parser_free(s->p);
	txn_session_free(s->txn);
	session_await_clear(s);
	input_drop_all(s);
	session_job_finish(s);
	session_entries_free(s);
	session_result_clear(&s->res);
	buf_free(&s->preview);
	buf_free(&s->body_show);
	session_opts_free(&s->o);
	free(s);
}

void session_free_cb(void *s)
{
	session_free(s);
}

enum session_state session_state(const struct session *s)
{
	return s->st;
}

size_t session_entry_count(const struct session *s)
{
	return s->ents_len;
}

const struct session_entry *session_entry_at(const struct session *s, size_t i)
{
	if (i >= s->ents_len)
		return NULL;
	return s->ents[(s->ents_head + i) % s->ents_alloc];
}

uint64_t session_entries_dropped(const struct session *s)
{
	return s->ents_dropped;
}

const struct session_result *session_result(const struct session *s)
{
	return &s->res;
}

const struct txn_session *session_txn(const struct session *s)
{
	return s->txn;
}

unsigned session_server_ext(const struct session *s)
{
	return s->p ? smtp_server_ext(s->p) : 0;
}
