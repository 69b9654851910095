/* transcript.c - render a live session's transcript model (probe/session.h)
 * as annotated text (lines sanitised, replies explained: RFC 5321 4.2 code,
 * RFC 3463 status, reason, cause, fix; EHLO keywords) or as JSON (RFC 8259). */
#include "tui/transcript.h"
#include "decode/buf.h"
#include "decode/printable.h"
#include "decode/xmalloc.h"
#include "tui/json.h"
#include "tui/out.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TR_WIDTH 100
#define TR_PAD "            " /* as wide as the time stamp */
#define TR_ANN TR_PAD " |  "

void transcript_time(int64_t us, bool iso, char *out, size_t size)
{
	time_t t = (time_t)(us / 1000000);
	int ms = (int)((us / 1000) % 1000);
	struct tm tm;
	if (iso) {
		gmtime_r(&t, &tm);
		snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	} else {
		localtime_r(&t, &tm);
		snprintf(out, size, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	}
}

/* Write text after prefix, wrapped at TR_WIDTH, later lines under the text. */
static void tr_wrap(FILE *f, const char *prefix, const char *label, const char *text)
{
	if (!text || !*text)
		return;
	size_t lead = strlen(prefix) + strlen(label);
	size_t room = TR_WIDTH > lead + 30 ? TR_WIDTH - lead : 40;
	size_t len = strlen(text), pos = 0;
	bool first = true;
	while (pos < len) {
		fputs(prefix, f);
		if (first)
			fputs(label, f);
		else
			fprintf(f, "%*s", (int)strlen(label), "");
		size_t n = len - pos;
		if (n > room) {
			n = room;
			while (n > 0 && text[pos + n] != ' ')
				n--;
			if (n == 0)
				n = room;
		}
		out_safe(f, (const uint8_t *)text + pos, n);
		fputc('\n', f);
		pos += n;
		while (pos < len && text[pos] == ' ')
			pos++;
		first = false;
	}
}

static const char *tr_permanence(const struct explanation *x)
{
	if (x->reason == REASON_NONE)
		return NULL;
	if (x->permanent)
		return x->retry_may_help ? "permanent; retry only after fixing the cause"
					 : "permanent; retrying will not help";
	return "temporary; the sender retries later";
}

static void tr_exts(FILE *f, const struct session_entry *e)
{
	for (size_t i = 0; i < e->nexts; i++) {
		const struct session_ext *xe = &e->exts[i];
		struct buf b;
		buf_init(&b, 4096);
		buf_printf(&b, "%s%s%s: %s", xe->keyword, xe->params[0] ? " " : "", xe->params,
			   xe->detail ? xe->detail : xe->title ? xe->title : "");
		tr_wrap(f, TR_ANN "  ", "", buf_str(&b));
		buf_free(&b);
	}
}

static void tr_reply_annotation(FILE *f, const struct session_entry *e)
{
	char head[200];
	char lat[40] = "";
	if (e->latency_us >= 0)
		snprintf(lat, sizeof lat, ", %.1f ms", (double)e->latency_us / 1000.0);
	const char *what = e->stage == SESS_STAGE_GREETING ? "greeting"
			   : e->answers != SMTP_CMD_LAST ? smtp_cmd_name(e->answers)
			   : e->code == 0 ? "not a reply" : "unsolicited";
	snprintf(head, sizeof head, "%s%s%s", e->answers != SMTP_CMD_LAST ? "reply to " : "", what, lat);
	const struct explanation *x = &e->ex;
	char code[64];
	snprintf(code, sizeof code, "%d%s%s", e->code, e->status[0] ? " " : "", e->status);
	if (!e->has_explanation) {
		tr_wrap(f, TR_ANN, "", head);
	} else if (e->code < 200 || e->code > 599) {
		struct buf b;
		buf_init(&b, 512);
		buf_printf(&b, "%s. %d: an impossible reply code (RFC 5321 4.2 allows 2xx to 5xx): a broken or "
			   "hostile server", head, e->code);
		tr_wrap(f, TR_ANN, "", buf_str(&b));
		buf_free(&b);
	} else if (e->code / 100 == 2 || e->code / 100 == 3) {
		struct buf b;
		buf_init(&b, 2048);
		const char *m = x->code_meaning ? x->code_meaning : x->meaning;
		buf_printf(&b, "%s. %s: %s", head, code, m ? m : "");
		if (x->status_title && e->status[0])
			buf_printf(&b, " [%s: %s]", e->status, x->status_title);
		tr_wrap(f, TR_ANN, "", buf_str(&b));
		buf_free(&b);
	} else {
		struct buf b;
		buf_init(&b, 512);
		const char *perm = tr_permanence(x);
		buf_printf(&b, "%s. %s: %s failure, reason %s%s%s", head, code, e->code / 100 == 4 ? "temporary" : "permanent",
			   reason_name(x->reason), perm ? " - " : "", perm ? perm : "");
		tr_wrap(f, TR_ANN, "", buf_str(&b));
		buf_free(&b);
		tr_wrap(f, TR_ANN, "Meaning:      ", x->meaning);
		tr_wrap(f, TR_ANN, "Likely cause: ", x->cause);
		tr_wrap(f, TR_ANN, "What to do:   ", x->fix);
		if (x->layer == LAYER_PROVIDER)
			tr_wrap(f, TR_ANN, "Answered by:  ", x->provider);
		tr_wrap(f, TR_ANN, "Source:       ", x->source);
	}
	tr_exts(f, e);
}

static void tr_notes(FILE *f, const struct session_entry *e)
{
	for (size_t i = 0; i < e->nnotes; i++) {
		fputs(TR_PAD " !  ", f);
		out_safe(f, (const uint8_t *)e->notes[i].p, e->notes[i].len);
		fputc('\n', f);
	}
	if (e->notes_dropped)
		fprintf(f, TR_PAD " !  (%zu more notes)\n", e->notes_dropped);
}

/* A line as a C string for wrapping (NUL bytes become spaces). */
static char *tr_line_str(const struct session_line *l)
{
	char *t = xmemdup0(l->p, l->len);
	for (size_t i = 0; i < l->len; i++)
		if (!t[i])
			t[i] = ' ';
	return t;
}

static const char *tr_marker(const struct session_entry *e)
{
	switch (e->kind) {
	case SESS_E_COMMAND: return "C: ";
	case SESS_E_BODY: return "C| ";
	case SESS_E_REPLY: return "S: ";
	default:
		return e->level == SESS_LVL_ERROR ? "* error: " : e->level == SESS_LVL_WARN ? "* warning: " : "* ";
	}
}

void transcript_text_entry(FILE *f, const struct session_entry *e)
{
	char ts[32];
	transcript_time(e->time_us, false, ts, sizeof ts);
	const char *mark = tr_marker(e);
	for (size_t i = 0; i < e->nlines; i++) {
		if (e->kind == SESS_E_INFO && i > 0) {
			char *t = tr_line_str(&e->lines[i]);
			tr_wrap(f, TR_PAD "   ", "", t);
			free(t);
			continue;
		}
		fprintf(f, "%s %s", i == 0 ? ts : TR_PAD, mark);
		out_safe(f, (const uint8_t *)e->lines[i].p, e->lines[i].len);
		fputc('\n', f);
	}
	if (e->nlines == 0)
		fprintf(f, "%s %s\n", ts, mark);
	if (e->lines_dropped)
		fprintf(f, TR_PAD " %s(%zu more lines not kept)\n", mark, e->lines_dropped);
	if (e->kind == SESS_E_REPLY)
		tr_reply_annotation(f, e);
	tr_notes(f, e);
	fflush(f);
}

void transcript_text_result(FILE *f, const struct session_result *r, int exit_code, uint64_t dropped)
{
	fputs("\nResult: ", f);
	if (r->failed != SESS_STAGE_NONE) {
		fprintf(f, "failed at %s: ", session_stage_name(r->failed));
		out_safe_str(f, r->failed_why);
	} else if (r->accepted) {
		fputs("message accepted", f);
		if (r->queue_id[0])
			fprintf(f, " (queue id %s)", r->queue_id);
	} else if (r->local_error) {
		fputs("a local error (see above)", f);
	} else {
		fprintf(f, "ok, reached %s", session_stage_name(r->reached));
	}
	fputc('\n', f);
	if (r->final_code) {
		fprintf(f, "  final reply: %d %s ", r->final_code, r->final_status);
		out_safe_str(f, r->final_text);
		fputc('\n', f);
	}
	for (size_t i = 0; i < r->nrejected; i++) {
		const struct session_rcpt *x = &r->rejected[i];
		fputs("  refused: <", f);
		out_safe_str(f, x->addr);
		fprintf(f, "> %d %s (%s) ", x->code, x->status, reason_name(x->reason));
		out_safe_str(f, x->text);
		fputc('\n', f);
	}
	if (r->rejected_dropped)
		fprintf(f, "  ... and %zu more refused recipients\n", r->rejected_dropped);
	if (dropped)
		fprintf(f, "  (%llu older transcript entries were dropped from memory)\n", (unsigned long long)dropped);
	fprintf(f, "Exit status: %d (%s)\n", exit_code,
		exit_code == 0 ? "success" : exit_code == SESS_EXIT_LOCAL ? "local error"
					     : r->failed != SESS_STAGE_NONE ? session_stage_name(r->failed) : "failure");
	fflush(f);
}

/* ---- JSON ---- */

void transcript_json_begin(struct json *j)
{
	json_obj_begin(j);
	JSON_KEY(j, "events");
	json_arr_begin(j);
}

static void trj_lines(struct json *j, const char *key, const struct session_line *l, size_t n)
{
	json_key(j, key);
	json_arr_begin(j);
	for (size_t i = 0; i < n; i++)
		json_strn(j, (const uint8_t *)l[i].p, l[i].len);
	json_arr_end(j);
}

static void trj_reply(struct json *j, const struct session_entry *e)
{
	JSON_KV_INT(j, "code", e->code);
	JSON_KV_STR(j, "status", e->status[0] ? e->status : NULL);
	JSON_KV_STR(j, "answers", e->answers != SMTP_CMD_LAST ? smtp_cmd_name(e->answers) : NULL);
	JSON_KV_STR(j, "stage", session_stage_name(e->stage));
	if (e->latency_us >= 0) {
		JSON_KEY(j, "latency_ms");
		json_milli(j, e->latency_us);
	}
	JSON_KV_BOOL(j, "incomplete", e->incomplete);
	if (e->has_explanation) {
		const struct explanation *x = &e->ex;
		JSON_KV_STR(j, "reason", reason_name(x->reason));
		JSON_KV_BOOL(j, "permanent", x->permanent);
		JSON_KV_STR(j, "explanation", x->meaning);
		JSON_KV_STR(j, "cause", x->cause);
		JSON_KV_STR(j, "fix", x->fix);
		JSON_KV_STR(j, "layer", explain_layer_name(x->layer));
		JSON_KV_STR(j, "provider", x->layer == LAYER_PROVIDER ? x->provider : NULL);
		JSON_KV_STR(j, "source", x->source);
	}
	if (!e->nexts)
		return;
	JSON_KEY(j, "extensions");
	json_arr_begin(j);
	for (size_t i = 0; i < e->nexts; i++) {
		json_obj_begin(j);
		JSON_KV_STR(j, "keyword", e->exts[i].keyword);
		JSON_KV_STR(j, "params", e->exts[i].params);
		JSON_KV_STR(j, "title", e->exts[i].title);
		JSON_KV_STR(j, "meaning", e->exts[i].meaning);
		JSON_KV_STR(j, "detail", e->exts[i].detail);
		json_obj_end(j);
	}
	json_arr_end(j);
}

void transcript_json_entry(struct json *j, const struct session_entry *e)
{
	static const char *const kinds[SESS_E_LAST] = {"command", "body", "reply", "info"};
	char ts[40];
	transcript_time(e->time_us, true, ts, sizeof ts);
	json_obj_begin(j);
	JSON_KV_INT(j, "id", (long long)e->id);
	JSON_KV_STR(j, "dir", session_dir_name(e->dir));
	JSON_KV_STR(j, "kind", kinds[e->kind < SESS_E_LAST ? e->kind : SESS_E_INFO]);
	JSON_KV_STR(j, "time", ts);
	JSON_KV_INT(j, "time_ms", (long long)(e->time_us / 1000));
	trj_lines(j, "lines", e->lines, e->nlines);
	if (e->lines_dropped)
		JSON_KV_INT(j, "lines_dropped", (long long)e->lines_dropped);
	if (e->kind == SESS_E_INFO || e->kind == SESS_E_REPLY)
		JSON_KV_STR(j, "level", session_level_name(e->level));
	if (e->topic)
		JSON_KV_STR(j, "topic", e->topic);
	if (e->kind == SESS_E_COMMAND) {
		JSON_KV_STR(j, "command", e->cmd != SMTP_CMD_LAST ? smtp_cmd_name(e->cmd) : NULL);
		JSON_KV_BOOL(j, "masked", e->masked);
	}
	if (e->kind == SESS_E_BODY)
		JSON_KV_INT(j, "bytes", (long long)e->bytes);
	if (e->kind == SESS_E_REPLY)
		trj_reply(j, e);
	if (e->nnotes)
		trj_lines(j, "notes", e->notes, e->nnotes);
	json_obj_end(j);
}

static void trj_result(struct json *j, const struct session_result *r, int exit_code, uint64_t dropped)
{
	json_obj_begin(j);
	JSON_KV_STR(j, "stage", session_stage_name(r->failed));
	JSON_KV_STR(j, "why", r->failed_why);
	JSON_KV_STR(j, "reached", session_stage_name(r->reached));
	JSON_KV_BOOL(j, "accepted", r->accepted);
	JSON_KV_STR(j, "queue_id", r->queue_id[0] ? r->queue_id : NULL);
	JSON_KEY(j, "final_code");
	if (r->final_code)
		json_int(j, r->final_code);
	else
		json_null(j);
	JSON_KV_STR(j, "final_status", r->final_status[0] ? r->final_status : NULL);
	JSON_KV_STR(j, "final_text", r->final_text);
	JSON_KV_INT(j, "messages_accepted", r->messages_accepted);
	JSON_KV_INT(j, "messages_refused", r->messages_refused);
	JSON_KV_INT(j, "recipients_accepted", r->rcpts_accepted);
	JSON_KEY(j, "rejected_recipients");
	json_arr_begin(j);
	for (size_t i = 0; i < r->nrejected; i++) {
		json_obj_begin(j);
		JSON_KV_STR(j, "address", r->rejected[i].addr);
		JSON_KV_INT(j, "code", r->rejected[i].code);
		JSON_KV_STR(j, "status", r->rejected[i].status[0] ? r->rejected[i].status : NULL);
		JSON_KV_STR(j, "text", r->rejected[i].text);
		JSON_KV_STR(j, "reason", reason_name(r->rejected[i].reason));
		json_obj_end(j);
	}
	json_arr_end(j);
	JSON_KV_INT(j, "rejected_dropped", (long long)r->rejected_dropped);
	JSON_KV_STR(j, "peer", r->peer[0] ? r->peer : NULL);
	JSON_KV_STR(j, "peer_name", r->peer_name[0] ? r->peer_name : NULL);
	JSON_KV_BOOL(j, "tls", r->tls);
	JSON_KV_BOOL(j, "tls_verified", r->tls_verified);
	JSON_KV_BOOL(j, "local_error", r->local_error);
	JSON_KV_INT(j, "exit_code", exit_code);
	JSON_KV_INT(j, "entries_dropped", (long long)dropped);
	json_obj_end(j);
}

void transcript_json_end(struct json *j, const struct session_result *r, int exit_code, uint64_t dropped)
{
	json_arr_end(j);
	JSON_KEY(j, "result");
	trj_result(j, r, exit_code, dropped);
	json_obj_end(j);
	json_end_line(j);
	fflush(j->out);
}
