/* explain_view.c - the fields of an explained reply or bounce recipient, shared
 * by the command line and the Explain screen (see explain_view.h). */
#include "tui/explain_view.h"

#include <stdio.h>
#include <string.h>

const char *explain_view_permanence(const struct explanation *e)
{
	if (e->reason == REASON_NONE)
		return "success or intermediate reply";
	if (e->permanent)
		return e->retry_may_help ? "permanent; retry only after fixing the cause"
					 : "permanent; retrying will not help";
	return "temporary; the sender should retry later";
}

enum explain_style explain_view_style(const struct explanation *e)
{
	if (e->reason == REASON_NONE)
		return EXPLAIN_GOOD;
	return e->permanent ? EXPLAIN_BAD : EXPLAIN_WARN;
}

void explain_view_layer(const struct explanation *e, char *out, size_t size)
{
	switch (e->layer) {
	case LAYER_PROVIDER:
		snprintf(out, size, "provider (a %s rule)", e->provider ? e->provider : "provider");
		break;
	case LAYER_ENHANCED:
		snprintf(out, size, "enhanced (the enhanced status code registry)");
		break;
	case LAYER_BASIC:
		snprintf(out, size, "basic (the reply code alone)");
		break;
	default:
		snprintf(out, size, "%s (nothing is known about this code)", explain_layer_name(e->layer));
		break;
	}
}

void explain_view_codes(int code, const char *status, char *out, size_t size)
{
	if (code)
		snprintf(out, size, "%d%s%s", code, status && status[0] ? " " : "", status ? status : "");
	else
		snprintf(out, size, "%s", status ? status : "");
}

static void ev_field(const struct explain_sink *s, const char *label, const char *text, enum explain_style st)
{
	if (text && *text)
		s->field(s->user, label, text, st);
}

static void ev_reason(const struct explanation *e, const struct explain_sink *s)
{
	char reason[192];
	snprintf(reason, sizeof reason, "%s (%s)", reason_name(e->reason), explain_view_permanence(e));
	ev_field(s, "Reason:", reason, explain_view_style(e));
}

void explain_view_reply(const struct explanation *e, const char *text, const struct explain_sink *s)
{
	char layer[128];
	explain_view_layer(e, layer, sizeof layer);
	ev_field(s, "Answered by:", layer, EXPLAIN_NORMAL);
	ev_field(s, "Reply:", text, EXPLAIN_INPUT);
	ev_field(s, "Meaning:", e->meaning, EXPLAIN_NORMAL);
	if (e->reason != REASON_NONE)
		ev_reason(e, s);
	ev_field(s, "Likely cause:", e->cause, EXPLAIN_NORMAL);
	ev_field(s, "What to do:", e->fix, EXPLAIN_NORMAL);
	if (e->layer != LAYER_BASIC)
		ev_field(s, "Basic code:", e->code_meaning, EXPLAIN_NORMAL);
	if (e->layer != LAYER_ENHANCED)
		ev_field(s, "Status:", e->status_title, EXPLAIN_NORMAL);
	ev_field(s, "Source:", e->source, EXPLAIN_DIM);
}

void explain_view_rcpt_explain(const struct bounce_rcpt *r, struct explanation *e)
{
	const char *d = r->diagnostic ? r->diagnostic : "";
	explain_reply(r->reply_code, r->status, (const uint8_t *)d, strlen(d), r->stage, e);
	e->reason = r->reason;
	e->permanent = r->permanent;
}

void explain_view_rcpt(const struct bounce_rcpt *r, const struct explanation *e, const struct explain_sink *s)
{
	char codes[64], layer[128];
	ev_field(s, "Action:", r->action, EXPLAIN_NORMAL);
	explain_view_codes(r->reply_code, r->status, codes, sizeof codes);
	ev_field(s, "Code:", codes, EXPLAIN_NORMAL);
	ev_field(s, "Remote MTA:", r->remote_mta, EXPLAIN_NORMAL);
	if (r->stage != STAGE_UNKNOWN)
		ev_field(s, "Failed at:", smtp_stage_name(r->stage), EXPLAIN_NORMAL);
	ev_field(s, "Diagnostic:", r->diagnostic, EXPLAIN_INPUT);
	ev_reason(e, s);
	ev_field(s, "Meaning:", e->meaning, EXPLAIN_NORMAL);
	ev_field(s, "Likely cause:", e->cause, EXPLAIN_NORMAL);
	ev_field(s, "What to do:", e->fix, EXPLAIN_NORMAL);
	explain_view_layer(e, layer, sizeof layer);
	ev_field(s, "Answered by:", layer, EXPLAIN_NORMAL);
	ev_field(s, "Source:", e->source, EXPLAIN_DIM);
}
