/* explain_json.c - `smtpscope explain --json`: the objects for a reply and a
 * bounce (schema in docs/json.md). See explain_json.h. */
#include "tui/explain_json.h"
#include "tui/explain_view.h"
#include "tui/json.h"

/* The fields shared by a reply object and a bounce recipient. */
static void explain_json_fields(struct json *j, const struct explanation *e)
{
	JSON_KV_STR(j, "reason", reason_name(e->reason));
	JSON_KV_BOOL(j, "permanent", e->permanent);
	JSON_KV_BOOL(j, "retry_may_help", e->retry_may_help);
	JSON_KV_STR(j, "layer", explain_layer_name(e->layer));
	JSON_KV_STR(j, "provider", e->layer == LAYER_PROVIDER ? e->provider : NULL);
	JSON_KV_STR(j, "explanation", e->meaning);
	JSON_KV_STR(j, "cause", e->cause);
	JSON_KV_STR(j, "fix", e->fix);
	JSON_KV_STR(j, "code_meaning", e->code_meaning);
	JSON_KV_STR(j, "status_title", e->status_title);
	JSON_KV_STR(j, "source", e->source);
}

static void explain_json_code(struct json *j, const char *key, int code)
{
	json_key(j, key);
	if (code)
		json_int(j, code);
	else
		json_null(j);
}

void explain_json_reply(FILE *out, bool pretty, const struct explanation *e, const char *text)
{
	struct json j;
	json_init(&j, out, pretty);
	json_obj_begin(&j);
	JSON_KV_STR(&j, "type", "reply");
	explain_json_code(&j, "reply_code", e->reply_code);
	JSON_KV_STR(&j, "status", e->status);
	JSON_KV_STR(&j, "text", text);
	explain_json_fields(&j, e);
	json_obj_end(&j);
	json_end_line(&j);
}

void explain_json_bounce(FILE *out, bool pretty, const struct bounce *b)
{
	struct json j;
	json_init(&j, out, pretty);
	json_obj_begin(&j);
	JSON_KV_STR(&j, "type", "bounce");
	JSON_KV_STR(&j, "format", b->format);
	JSON_KV_STR(&j, "reporting_mta", b->reporting_mta);
	JSON_KV_STR(&j, "subject", b->subject);
	JSON_KV_STR(&j, "feedback_type", b->feedback_type);
	JSON_KV_BOOL(&j, "truncated", b->truncated);
	JSON_KEY(&j, "recipients");
	json_arr_begin(&j);
	for (size_t i = 0; i < b->nrcpt; i++) {
		const struct bounce_rcpt *r = &b->rcpt[i];
		struct explanation e;
		explain_view_rcpt_explain(r, &e);
		json_obj_begin(&j);
		JSON_KV_STR(&j, "address", r->address);
		JSON_KV_STR(&j, "status", r->status);
		explain_json_code(&j, "reply_code", r->reply_code);
		JSON_KV_STR(&j, "diagnostic", r->diagnostic);
		JSON_KV_STR(&j, "remote_mta", r->remote_mta);
		JSON_KV_STR(&j, "action", r->action);
		JSON_KV_STR(&j, "stage", smtp_stage_name(r->stage));
		explain_json_fields(&j, &e);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_end_line(&j);
}
