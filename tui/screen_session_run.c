/* screen_session_run.c - the Session screen's session: starting it (a
 * destination, or the built-in practice server), following its events into
 * the hints (RFC 5321 reply codes, RFC 4954 AUTH, RFC 3207 STARTTLS), the
 * message editor for DATA (RFC 5321 4.1.1.4: a line with a single '.' ends
 * it), saving the transcript as text and JSON (RFC 8259), and the input
 * history without secrets. */
#include "tui/screen_session_int.h"
#include "tui/screen_practice.h"
#include "tui/json.h"
#include "tui/transcript.h"
#include "decode/xmalloc.h"
#include "probe/helpers.h"
#include "probe/loop.h"
#include "probe/practice.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Words of a destination line typed at the prompt. */
#define SS_ARGS_MAX 64

/* ---- events ---- */

static bool ss_busy(const struct session_screen *ss)
{
	return ss->s && !ss->closed && ss->st != SESS_S_READY && ss->st != SESS_S_CLOSED;
}

static void ss_on_tick(struct loop *l, uint64_t id, void *ud)
{
	(void)id;
	struct session_screen *ss = ud;
	ss->tick = 0;
	ui_dirty(ss->u);
	if (ss_busy(ss))
		ss->tick = loop_timer_add(l, SS_TICK_MS, ss_on_tick, ss);
}

static void ss_tick_arm(struct session_screen *ss)
{
	if (!ss->tick && ss_busy(ss))
		ss->tick = loop_timer_add(ss->u->loop, SS_TICK_MS, ss_on_tick, ss);
}

/* DATA was refused while the editor was open: end the helper's discarding
 * with the '.' it waits for, outside the session's callback. */
static void ss_on_data_refused(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	struct session_screen *ss = ud;
	ss->t_refused = 0;
	if (ss->s && !ss->closed)
		session_input(ss->s, ".", 1);
}

static void ss_reply(struct session_screen *ss, const struct session_entry *e)
{
	struct complete_state *c = &ss->cst;
	enum smtp_cmd_kind k = e->stage == SESS_STAGE_GREETING ? SMTP_CMD_LAST : e->answers;
	bool ok = e->code / 100 == 2;
	c->greeted = true;
	c->connected = true;
	c->code = e->code;
	c->answered = k;
	ss->auth_wait = e->code == 334;
	if ((k == SMTP_CMD_EHLO || k == SMTP_CMD_LHLO || k == SMTP_CMD_HELO) && ok)
		c->ext = session_server_ext(ss->s);
	if ((k == SMTP_CMD_AUTH || k == SMTP_CMD_AUTH_RESPONSE) && e->code == 235)
		c->authed = true;
	if (k == SMTP_CMD_STARTTLS && e->code == 220)
		c->ext = 0; /* forgotten until the next EHLO */
	if (k == SMTP_CMD_MAIL && ok) {
		c->in_txn = true;
		c->rcpts_ok = 0;
	} else if (k == SMTP_CMD_RCPT && ok) {
		c->rcpts_ok++;
	} else if (k == SMTP_CMD_MESSAGE || k == SMTP_CMD_RSET || (k == SMTP_CMD_BDAT && !ok)) {
		c->in_txn = false;
		c->rcpts_ok = 0;
	}
	const struct session_result *r = session_result(ss->s);
	if ((k == SMTP_CMD_MESSAGE || k == SMTP_CMD_BDAT) && ok && r->queue_id[0])
		snprintf(ss->queue_id, sizeof ss->queue_id, "%s", r->queue_id);
	if (k == SMTP_CMD_DATA && e->code == 354 && ss->pane->mode != SS_MODE_DATA) {
		ss->msg_raw = true; /* a typed DATA: the editor helps with the content */
		ss_set_mode(ss, SS_MODE_DATA);
	} else if (k == SMTP_CMD_DATA && e->code != 354 && ss->pane->mode == SS_MODE_DATA && !ss->msg_raw) {
		ss_msg_clear(ss);
		ss_set_mode(ss, SS_MODE_INPUT);
		if (!ss->t_refused)
			ss->t_refused = loop_timer_add(ss->u->loop, 0, ss_on_data_refused, ss);
		ui_status(ss->u, CRT_WARN, "DATA was refused (%d): the message is not sent.", e->code);
	}
}

static void ss_finished(struct session_screen *ss)
{
	const struct session_result *r = session_result(ss->s);
	ss->closed = true;
	if (ss->pane->mode == SS_MODE_SECRET || ss->pane->mode == SS_MODE_DATA) {
		ss_msg_clear(ss);
		ui_edit_clear(&ss->secret);
		ss_set_mode(ss, SS_MODE_INPUT);
	}
	if (r->failed != SESS_STAGE_NONE)
		ui_status(ss->u, CRT_ERROR, "Session closed: failed at %s (%s).", session_stage_name(r->failed),
			  r->failed_why ? r->failed_why : "see the transcript");
	else if (r->accepted)
		ui_status(ss->u, CRT_STATUS, "Session closed: message accepted%s%s.", r->queue_id[0] ? ", queue id " : "",
			  r->queue_id);
	else
		ui_status(ss->u, CRT_STATUS, "Session closed. F5 connects again, w saves the transcript.");
}

static void ss_on_event(struct session *s, const struct session_event *ev, void *ud)
{
	(void)s;
	struct session_screen *ss = ud;
	switch (ev->type) {
	case SESS_EV_ENTRY:
		if (ev->entry->kind == SESS_E_REPLY)
			ss_reply(ss, ev->entry);
		break;
	case SESS_EV_STATE:
		ss->st = ev->state;
		ss->st_since_ms = loop_clock_ms();
		ss->cst.connected = ev->state >= SESS_S_GREETING && ev->state != SESS_S_CLOSED;
		ss->cst.tls = session_result(ss->s)->tls;
		ss_tick_arm(ss);
		break;
	case SESS_EV_NEED_SECRET:
		snprintf(ss->secret_prompt, sizeof ss->secret_prompt, "%s", ev->prompt ? ev->prompt : "secret");
		ui_edit_clear(&ss->secret);
		ss_set_mode(ss, SS_MODE_SECRET);
		break;
	case SESS_EV_FINISHED: ss_finished(ss); break;
	default: break;
	}
	ui_dirty(ss->u);
}

/* ---- start and stop ---- */

void ss_stop(struct session_screen *ss)
{
	loop_timer_cancel(ss->u->loop, ss->tick);
	loop_timer_cancel(ss->u->loop, ss->t_refused);
	ss->tick = ss->t_refused = 0;
	if (ss->s)
		session_free(ss->s); /* never called from the session's own callback */
	ss->s = NULL;
}

bool ss_start(struct session_screen *ss)
{
	ss_stop(ss);
	struct session_opts o = ss->so;
	char err[512];
	if (ss->practice) {
		if (!practice_svc_start(ss->u->loop, NULL, err, sizeof err)) {
			ui_status(ss->u, CRT_ERROR, "%s", err);
			return false;
		}
		practice_svc_session_opts(&o);
		snprintf(ss->label, sizeof ss->label, "127.0.0.1:%u", practice_port(practice_svc_get()));
	}
	ss_view_reset(&ss->v);
	ss_msg_clear(ss);
	memset(&ss->cst, 0, sizeof ss->cst);
	ss->cst.answered = SMTP_CMD_LAST;
	ss->queue_id[0] = '\0';
	ss->auth_wait = ss->closed = false;
	ss->st = SESS_S_CONNECTING;
	ss->st_since_ms = loop_clock_ms();
	ss_set_mode(ss, SS_MODE_INPUT);
	ss->s = session_new(ss->u->loop, &o, ss_on_event, ss);
	ui_log(ss->u, "session: %s%s", ss->label, ss->practice ? " (practice)" : "");
	ss_tick_arm(ss);
	ui_dirty(ss->u);
	return true;
}

bool ss_start_from_text(struct session_screen *ss, const char *text, size_t len)
{
	char *w[SS_ARGS_MAX], err[300];
	size_t n = 0;
	if (!helper_split(text, len, w, SS_ARGS_MAX, &n, err, sizeof err)) {
		ui_status(ss->u, CRT_ERROR, "%s", err);
		return false;
	}
	struct session_opts o;
	memset(&o, 0, sizeof o);
	struct session_args a = {.so = &o};
	bool ok = session_args_parse((int)n, w, &a, err, sizeof err);
	if (ok) {
		session_opts_free(&ss->so);
		session_opts_dup(&ss->so, &o, false);
		ss->have_opts = true;
		ss->practice = a.practice;
		snprintf(ss->label, sizeof ss->label, "%s", a.target ? a.target : "practice server");
		if (a.target)
			session_recent_add(a.target);
	} else {
		ui_status(ss->u, CRT_ERROR, "%s", err);
	}
	for (size_t i = 0; i < n; i++)
		free(w[i]);
	return ok && ss_start(ss);
}

void ss_take_args(struct session_screen *ss, const struct session_args *a)
{
	session_opts_free(&ss->so);
	session_opts_dup(&ss->so, a->so, false);
	ss->have_opts = true;
	ss->practice = a->practice;
	snprintf(ss->label, sizeof ss->label, "%s", a->target ? a->target : "practice server");
	if (a->target)
		session_recent_add(a->target);
}

/* ---- saving ---- */

static FILE *save_open(struct session_screen *ss, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		ui_status(ss->u, CRT_ERROR, "Cannot write %s: %s", path, strerror(errno));
	return f;
}

static bool save_text(struct session_screen *ss, const char *path)
{
	FILE *f = save_open(ss, path);
	if (!f)
		return false;
	uint64_t first = ss_first(ss), end = ss_end(ss);
	for (uint64_t i = first; i < end; i++)
		transcript_text_entry(f, ss_entry(ss, i));
	const struct session_result *r = session_result(ss->s);
	if (ss->closed)
		transcript_text_result(f, r, session_exit_code(r, SESS_STAGE_NONE, false), first);
	else
		fprintf(f, "\n(the session was still open when this was saved)\n");
	return fclose(f) == 0;
}

static bool save_json(struct session_screen *ss, const char *path)
{
	FILE *f = save_open(ss, path);
	if (!f)
		return false;
	struct json j;
	json_init(&j, f, true);
	transcript_json_begin(&j);
	uint64_t first = ss_first(ss), end = ss_end(ss);
	for (uint64_t i = first; i < end; i++)
		transcript_json_entry(&j, ss_entry(ss, i));
	const struct session_result *r = session_result(ss->s);
	transcript_json_end(&j, r, session_exit_code(r, SESS_STAGE_NONE, false), first);
	return fclose(f) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcasecmp(s + a - b, suffix);
}

void ss_save(struct session_screen *ss, const char *path, size_t len)
{
	if (!ss->s || ss_end(ss) == ss_first(ss)) {
		ui_status(ss->u, CRT_WARN, "Nothing to save yet.");
		return;
	}
	char base[4096], text[4200], js[4200];
	const char *home = getenv("HOME");
	if (len == 0) {
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		strftime(base, sizeof base, "smtpscope-session-%Y%m%d-%H%M%S", &tm);
	} else if (len >= 2 && path[0] == '~' && path[1] == '/' && home && *home) {
		snprintf(base, sizeof base, "%s%.*s", home, (int)(len - 1), path + 1);
	} else {
		snprintf(base, sizeof base, "%.*s", (int)len, path);
	}
	bool want_json = !ends_with(base, ".txt"), want_text = !ends_with(base, ".json");
	snprintf(text, sizeof text, "%s%s", base, len == 0 ? ".txt" : "");
	snprintf(js, sizeof js, "%s%s", base, ends_with(base, ".json") ? "" : ".json");
	bool ok = true;
	if (want_text)
		ok = save_text(ss, text) && ok;
	if (want_json && ok)
		ok = save_json(ss, js) && ok;
	if (!ok)
		return;
	unsigned long long n = (unsigned long long)(ss_end(ss) - ss_first(ss));
	if (want_text && want_json)
		ui_status(ss->u, CRT_STATUS, "Saved %llu entries to %s and %s", n, text, js);
	else
		ui_status(ss->u, CRT_STATUS, "Saved %llu entries to %s", n, want_text ? text : js);
}

/* ---- the message editor ---- */

void ss_msg_line(struct session_screen *ss, const char *line, size_t len)
{
	if (ss->nmsg >= SS_MSG_LINES_MAX) {
		ui_status(ss->u, CRT_ERROR, "The message has %d lines already: end it with '.' or use :data @FILE.",
			  SS_MSG_LINES_MAX);
		return;
	}
	if (ss->nmsg == ss->amsg) {
		ss->amsg = ss->amsg ? ss->amsg * 2 : 32;
		ss->msg = xreallocarray(ss->msg, ss->amsg, sizeof *ss->msg);
	}
	ss->msg[ss->nmsg++] = xmemdup0(line, len);
}

void ss_msg_clear(struct session_screen *ss)
{
	for (size_t i = 0; i < ss->nmsg; i++)
		free(ss->msg[i]);
	free(ss->msg);
	ss->msg = NULL;
	ss->nmsg = ss->amsg = 0;
	ss->msg_raw = false;
	ss->abandon_armed = false;
}

void ss_msg_finish(struct session_screen *ss)
{
	size_t n = ss->nmsg;
	if (ss->s && !ss->closed) {
		for (size_t i = 0; i < ss->nmsg; i++) {
			const char *l = ss->msg[i];
			size_t len = strlen(l);
			if (ss->msg_raw && l[0] == ':') { /* "::x" is how a line ":x" is sent as it is */
				char *t = xmalloc(len + 2);
				t[0] = ':';
				memcpy(t + 1, l, len + 1);
				session_input(ss->s, t, len + 1);
				free(t);
			} else {
				session_input(ss->s, l, len);
			}
		}
		session_input(ss->s, ".", 1);
	}
	ss_msg_clear(ss);
	ss_set_mode(ss, SS_MODE_INPUT);
	ss->v.follow = true;
	ui_status(ss->u, CRT_STATUS, "Message of %zu line%s handed to the session.", n, n == 1 ? "" : "s");
}

/* ---- history ---- */

/* The first n words of t (blanks between kept). */
static char *first_words(const char *t, size_t len, int n)
{
	size_t i = 0;
	for (int k = 0; k < n; k++) {
		while (i < len && (t[i] == ' ' || t[i] == '\t'))
			i++;
		while (i < len && t[i] != ' ' && t[i] != '\t')
			i++;
	}
	return xmemdup0(t, i);
}

char *ss_history_text(const struct session_screen *ss, const char *t, size_t len)
{
	if (ss->auth_wait)
		return NULL; /* an AUTH response: a secret in base64 */
	size_t from = ss_mask_from(ss, t, len);
	if (from >= len || ss->so.show_secrets)
		return xmemdup0(t, len);
	size_t lead = 0;
	while (lead < len && (t[lead] == ' ' || t[lead] == '\t'))
		lead++;
	return first_words(t, len, t[lead] == ':' ? 3 : 2);
}

void ss_wipe(char *p, size_t len)
{
	if (p)
		OPENSSL_cleanse(p, len);
}
