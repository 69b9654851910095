/* session_result.c - session stages, their exit statuses, and the result of
 * a session: first failure, furthest stage, accepted message, refused
 * recipients (RFC 5321 3.3, 4.2.5; RFC 2033 4.2 for LMTP). */
#include "probe/session.h"
#include "probe/session_internal.h"
#include "decode/classify.h"
#include "decode/limits.h"
#include "decode/xmalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const stage_names[SESS_STAGE_LAST] = {
	"none", "connect", "greeting", "ehlo", "tls", "auth", "mail", "rcpt", "data", "message", "quit",
};

const char *session_stage_name(enum session_stage st)
{
	return (unsigned)st < SESS_STAGE_LAST ? stage_names[st] : "none";
}

bool session_stage_parse(const char *name, enum session_stage *out)
{
	static const struct {
		const char *name;
		enum session_stage st;
	} alias[] = {
		{"banner", SESS_STAGE_GREETING}, {"helo", SESS_STAGE_EHLO},     {"lhlo", SESS_STAGE_EHLO},
		{"first-helo", SESS_STAGE_EHLO}, {"starttls", SESS_STAGE_TLS},  {"from", SESS_STAGE_MAIL},
		{"mail-from", SESS_STAGE_MAIL},  {"to", SESS_STAGE_RCPT},       {"rcpt-to", SESS_STAGE_RCPT},
	};
	for (int i = SESS_STAGE_CONNECT; i < SESS_STAGE_LAST; i++)
		if (!strcasecmp(name, stage_names[i])) {
			*out = (enum session_stage)i;
			return true;
		}
	for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
		if (!strcasecmp(name, alias[i].name)) {
			*out = alias[i].st;
			return true;
		}
	return false;
}

int session_stage_exit_code(enum session_stage st)
{
	if (st <= SESS_STAGE_NONE || st >= SESS_STAGE_LAST)
		return 0;
	return 9 + (int)st; /* connect 10 ... quit 19 */
}

enum session_stage session_stage_of_cmd(enum smtp_cmd_kind k)
{
	switch (k) {
	case SMTP_CMD_HELO: case SMTP_CMD_EHLO: case SMTP_CMD_LHLO: return SESS_STAGE_EHLO;
	case SMTP_CMD_STARTTLS: return SESS_STAGE_TLS;
	case SMTP_CMD_AUTH: case SMTP_CMD_AUTH_RESPONSE: return SESS_STAGE_AUTH;
	case SMTP_CMD_MAIL: return SESS_STAGE_MAIL;
	case SMTP_CMD_RCPT: return SESS_STAGE_RCPT;
	case SMTP_CMD_DATA: case SMTP_CMD_BDAT: return SESS_STAGE_DATA;
	case SMTP_CMD_MESSAGE: return SESS_STAGE_MESSAGE;
	case SMTP_CMD_QUIT: return SESS_STAGE_QUIT;
	default: return SESS_STAGE_NONE;
	}
}

enum smtp_stage session_stage_smtp(enum session_stage st)
{
	switch (st) {
	case SESS_STAGE_CONNECT: case SESS_STAGE_GREETING: return STAGE_CONNECT;
	case SESS_STAGE_EHLO: return STAGE_HELO;
	case SESS_STAGE_TLS: return STAGE_STARTTLS;
	case SESS_STAGE_AUTH: return STAGE_AUTH;
	case SESS_STAGE_MAIL: return STAGE_MAIL;
	case SESS_STAGE_RCPT: return STAGE_RCPT;
	case SESS_STAGE_DATA: return STAGE_DATA;
	case SESS_STAGE_MESSAGE: return STAGE_MESSAGE;
	default: return STAGE_UNKNOWN;
	}
}

int session_exit_code(const struct session_result *r, enum session_stage quit_after, bool expect_message)
{
	if (r->local_error && r->failed == SESS_STAGE_NONE)
		return SESS_EXIT_LOCAL;
	if (r->failed != SESS_STAGE_NONE)
		return session_stage_exit_code(r->failed);
	if (quit_after != SESS_STAGE_NONE)
		return r->reached >= quit_after ? SESS_EXIT_OK : session_stage_exit_code(r->reached + 1);
	if (expect_message && !r->accepted)
		return session_stage_exit_code(SESS_STAGE_MESSAGE);
	return SESS_EXIT_OK;
}

/* ---- recording (used by the session core) ---- */

void session_result_clear(struct session_result *r)
{
	free(r->failed_why);
	free(r->final_text);
	for (size_t i = 0; i < r->nrejected; i++) {
		free(r->rejected[i].addr);
		free(r->rejected[i].text);
	}
	free(r->rejected);
	memset(r, 0, sizeof *r);
}

bool session_result_fail(struct session_result *r, enum session_stage st, const char *fmt, ...)
{
	if (r->failed != SESS_STAGE_NONE || st == SESS_STAGE_NONE)
		return false;
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	r->failed = st;
	r->failed_why = xstrdup(why);
	return true;
}

void session_result_reach(struct session_result *r, enum session_stage st)
{
	if (st > r->reached)
		r->reached = st;
}

void session_result_rejected(struct session_result *r, const char *addr, int code, const char *status,
			     const char *text, enum reason reason)
{
	if (r->nrejected >= SESSION_REJECTED_MAX) {
		r->rejected_dropped++;
		return;
	}
	r->rejected = xreallocarray(r->rejected, r->nrejected + 1, sizeof *r->rejected);
	struct session_rcpt *x = &r->rejected[r->nrejected++];
	x->addr = xstrdup(addr ? addr : "");
	x->code = code;
	snprintf(x->status, sizeof x->status, "%s", status ? status : "");
	x->text = xstrdup(text ? text : "");
	x->reason = reason;
}

void session_result_final(struct session_result *r, int code, const char *status, const char *text)
{
	r->final_code = code;
	snprintf(r->final_status, sizeof r->final_status, "%s", status ? status : "");
	free(r->final_text);
	r->final_text = xstrdup(text ? text : "");
	r->accepted = code / 100 == 2;
	if (r->accepted)
		r->messages_accepted++;
	else
		r->messages_refused++;
}
