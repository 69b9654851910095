/* smtp_fmt.c - render SMTP parser events as one text line each, control bytes escaped and secrets masked (for debugging, golden tests, plain output; RFC 5321). */
#include "smtp.h"
#include "printable.h"

#include <inttypes.h>
#include <string.h>

static bool put_q(struct buf *o, const void *p, size_t n)
{
	return buf_append_byte(o, '"') && printable_append(o, p, n) && buf_append_byte(o, '"');
}

static bool put_qs(struct buf *o, const char *s)
{
	return put_q(o, s, strlen(s));
}

static bool put_path(struct buf *o, const struct smtp_path *pa)
{
	static const struct {
		unsigned bit;
		const char *name;
	} f[] = {
		{SMTP_PATH_NULL, "null"},   {SMTP_PATH_NO_BRACKETS, "no-brackets"}, {SMTP_PATH_ROUTE, "route"},
		{SMTP_PATH_QUOTED, "quoted"}, {SMTP_PATH_BAD, "bad"},             {SMTP_PATH_TRUNCATED, "truncated"},
		{SMTP_PATH_UTF8, "utf8"},   {SMTP_PATH_SPACE, "space"},
	};
	bool ok = buf_append_str(o, " path=<") && printable_append(o, (const uint8_t *)pa->addr, strlen(pa->addr)) &&
		  buf_append_str(o, ">");
	if (*pa->route)
		ok = ok && buf_append_str(o, " route=") && put_qs(o, pa->route);
	if (*pa->domain)
		ok = ok && buf_append_str(o, " domain=") && put_qs(o, pa->domain);
	const char *sep = " flags=";
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (pa->flags & f[i].bit) {
			ok = ok && buf_append_str(o, sep) && buf_append_str(o, f[i].name);
			sep = ",";
		}
	return ok;
}

static bool put_mail_rcpt(struct buf *o, const struct smtp_command *c)
{
	static const char *const bodies[] = {"", "7BIT", "8BITMIME", "BINARYMIME", "other"};
	static const char *const rets[] = {"", "FULL", "HDRS", "other"};
	bool ok = put_path(o, &c->path);
	if (c->size >= 0)
		ok = ok && buf_printf(o, " size=%" PRId64, c->size);
	if (c->body)
		ok = ok && buf_printf(o, " body=%s", bodies[c->body]);
	if (c->smtputf8)
		ok = ok && buf_append_str(o, " smtputf8");
	if (c->ret)
		ok = ok && buf_printf(o, " ret=%s", rets[c->ret]);
	if (c->envid)
		ok = ok && buf_append_str(o, " envid=") && put_qs(o, c->envid);
	if (c->auth)
		ok = ok && buf_append_str(o, " auth=") && put_qs(o, c->auth);
	if (c->notify)
		ok = ok && buf_printf(o, " notify=%s%s%s%s%s", c->notify & SMTP_NOTIFY_NEVER ? "N" : "",
				      c->notify & SMTP_NOTIFY_SUCCESS ? "S" : "", c->notify & SMTP_NOTIFY_FAILURE ? "F" : "",
				      c->notify & SMTP_NOTIFY_DELAY ? "D" : "", c->notify & SMTP_NOTIFY_BAD ? "!" : "");
	if (c->orcpt)
		ok = ok && buf_append_str(o, " orcpt=") && put_qs(o, c->orcpt);
	return ok;
}

static bool fmt_command(const struct smtp_command *c, unsigned flags, struct buf *o)
{
	size_t shown = (flags & SMTP_FMT_SECRETS) ? c->line_len : c->secret_at;
	bool ok = buf_printf(o, "#%" PRIu64 " %s ", c->seq, smtp_cmd_name(c->kind)) && buf_append_byte(o, '"') &&
		  printable_append(o, c->line, shown) && buf_append_str(o, shown < c->line_len ? "***\"" : "\"");
	if (c->kind == SMTP_CMD_MAIL || c->kind == SMTP_CMD_RCPT)
		ok = ok && put_mail_rcpt(o, c);
	if (c->kind == SMTP_CMD_BDAT)
		ok = ok && buf_printf(o, " size=%" PRIu64 "%s", c->bdat_size, c->bdat_last ? " last" : "");
	if (c->kind == SMTP_CMD_AUTH)
		ok = ok && buf_append_str(o, " mech=") && buf_append_str(o, c->auth_mech) &&
		     buf_append_str(o, c->auth_initial ? " initial" : "");
	if (c->nparams) {
		ok = ok && buf_append_str(o, " params=[");
		for (size_t i = 0; i < c->nparams; i++) {
			ok = ok && buf_append_str(o, i ? " " : "") &&
			     printable_append(o, (const uint8_t *)c->params[i].key, strlen(c->params[i].key));
			if (c->params[i].value)
				ok = ok && buf_append_byte(o, '=') &&
				     printable_append(o, (const uint8_t *)c->params[i].value, strlen(c->params[i].value));
		}
		ok = ok && buf_append_byte(o, ']');
	}
	return ok;
}

static bool fmt_reply(const struct smtp_reply *r, struct buf *o)
{
	bool ok = buf_printf(o, "reply %d", r->code);
	if (r->flags & SMTP_REPLY_GREETING)
		ok = ok && buf_append_str(o, " greeting");
	else if (r->answer_seq)
		ok = ok && buf_printf(o, " -> #%" PRIu64 " %s", r->answer_seq, smtp_cmd_name(r->answer_kind));
	static const char *const fl[] = {"", "unsolicited", "malformed", "mismatch", "truncated"};
	for (unsigned b = 1; b < 5; b++)
		if (r->flags & (1u << b))
			ok = ok && buf_append_str(o, " ") && buf_append_str(o, fl[b]);
	if (r->lines_dropped)
		ok = ok && buf_printf(o, " dropped=%zu", r->lines_dropped);
	for (size_t i = 0; i < r->nlines; i++) {
		const struct smtp_reply_line *l = &r->lines[i];
		ok = ok && buf_append_str(o, " | ");
		if (l->code >= 0)
			ok = ok && buf_printf(o, "%03d", l->code) && (l->sep ? buf_append_byte(o, (uint8_t)l->sep) : true);
		else
			ok = ok && buf_append_str(o, "???");
		if (l->has_esc)
			ok = ok && buf_printf(o, "[%d.%d.%d] ", l->esc.cls, l->esc.subject, l->esc.detail) &&
			     printable_append(o, (const uint8_t *)l->msg, l->msg_len);
		else
			ok = ok && printable_append(o, (const uint8_t *)l->text, l->text_len);
	}
	return ok;
}

static bool fmt_auth(const struct smtp_auth *a, unsigned flags, struct buf *o)
{
	bool ok = buf_printf(o, "auth %s step=%u", a->mech, a->step);
	if (a->initial)
		ok = ok && buf_append_str(o, " initial");
	if (a->cancelled)
		return ok && buf_append_str(o, " cancelled");
	if (!a->decoded)
		return ok && buf_append_str(o, a->secret ? " bad-base64 secret" : " bad-base64");
	if (a->secret)
		ok = ok && buf_append_str(o, " secret");
	if (a->user)
		ok = ok && buf_append_str(o, " user=") && put_qs(o, a->user);
	for (size_t i = 0; i < a->nparts; i++) {
		const struct smtp_auth_part *pt = &a->parts[i];
		ok = ok && buf_printf(o, " %s=", pt->name);
		if (pt->secret && !(flags & SMTP_FMT_SECRETS))
			ok = ok && buf_append_str(o, "***");
		else
			ok = ok && put_q(o, pt->value, pt->len);
	}
	if (a->nparts == 0 && a->len)
		ok = ok && buf_append_str(o, " data=") &&
		     (a->secret && !(flags & SMTP_FMT_SECRETS) ? buf_append_str(o, "***") : put_q(o, a->data, a->len));
	return ok;
}

static bool fmt_body_end(const struct smtp_body_end *e, struct buf *o)
{
	return buf_printf(o, "body-end #%" PRIu64 " bytes=%" PRIu64 "%s%s%s", e->seq, e->bytes,
			  e->bdat ? " bdat" : "", e->last ? " last" : "", e->bare_lf_end ? " bare-lf-end" : "") &&
	       (e->missing ? buf_printf(o, " missing=%" PRIu64, e->missing) : true);
}

bool smtp_event_format(const struct smtp_event *ev, unsigned flags, struct buf *out)
{
	bool ok = buf_printf(out, "t=%" PRId64 " %c@%" PRIu64 " ", ev->ts, ev->dir == SMTP_DIR_CLIENT ? 'C' : 'S',
			     ev->offset);
	switch (ev->type) {
	case SMTP_EV_COMMAND:
		return ok && fmt_command(ev->cmd, flags, out);
	case SMTP_EV_REPLY:
		return ok && fmt_reply(ev->reply, out);
	case SMTP_EV_AUTH:
		return ok && fmt_auth(ev->auth, flags, out);
	case SMTP_EV_BODY: {
		size_t n = ev->body.len < SMTP_FMT_BODY_SHOW ? ev->body.len : SMTP_FMT_BODY_SHOW;
		return ok && buf_printf(out, "body %zu ", ev->body.len) && put_q(out, ev->body.p, n) &&
		       (n < ev->body.len ? buf_append_str(out, "...") : true);
	}
	case SMTP_EV_BODY_END:
		return ok && fmt_body_end(ev->end, out);
	case SMTP_EV_TLS_START:
		return ok && buf_append_str(out, ev->tls.implicit ? "tls-start implicit" : "tls-start");
	case SMTP_EV_ANOMALY:
		ok = ok && buf_printf(out, "anomaly %s", smtp_anomaly_name(ev->anomaly.kind));
		if (ev->anomaly.count)
			ok = ok && buf_printf(out, " count=%" PRIu64, ev->anomaly.count);
		if (*ev->anomaly.detail)
			ok = ok && buf_append_str(out, " ") && put_qs(out, ev->anomaly.detail);
		return ok;
	case SMTP_EV_GAP:
		return ok && buf_printf(out, "gap %" PRIu64, ev->gap.nbytes);
	case SMTP_EV_END:
		return ok && buf_append_str(out, "end");
	default:
		return ok && buf_append_str(out, "?");
	}
}
