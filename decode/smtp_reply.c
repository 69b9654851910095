/* smtp_reply.c - assemble server replies from lines, single and multi-line, with enhanced status codes split out; EHLO keywords (RFC 5321 4.2, 4.2.1, 3463, 1869). */
#include "smtp_internal.h"
#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

void smtp_reply_acc_free(struct smtp_reply_acc *a)
{
	buf_free(&a->text);
	free(a->lines);
	free(a->pub);
	a->lines = NULL;
	a->pub = NULL;
	a->alines = a->nlines = 0;
}

static void acc_reset(struct smtp_reply_acc *a)
{
	a->active = false;
	buf_reset(&a->text);
	a->nlines = 0;
	a->dropped = 0;
	a->flags = 0;
	a->mismatch_flagged = false;
	a->first_code = a->last_code = -1;
}

static void acc_store(struct smtp_reply_acc *a, const uint8_t *t, size_t n, int code, char sep)
{
	if (a->nlines >= SMTP_REPLY_MAX_LINES || a->text.len + n + 1 > a->text.max) {
		a->dropped++;
		a->flags |= SMTP_REPLY_TRUNCATED;
		return;
	}
	if (a->nlines == a->alines) {
		a->alines = a->alines ? a->alines * 2 : 4;
		a->lines = xreallocarray(a->lines, a->alines, sizeof *a->lines);
		a->pub = xreallocarray(a->pub, a->alines, sizeof *a->pub);
	}
	struct smtp_racc_line *ln = &a->lines[a->nlines++];
	memset(ln, 0, sizeof *ln);
	ln->code = code;
	ln->sep = sep;
	ln->text_off = a->text.len;
	ln->text_len = n;
	buf_append(&a->text, t, n);
	buf_append_byte(&a->text, 0);
	size_t used = 0, m = 0;
	if (code >= 200 && code < 600 && code / 100 != 3 &&
	    esc_parse(t, n, &ln->esc, &used) && ln->esc.cls == code / 100) {
		ln->has_esc = true;
		m = used;
		while (m < n && (t[m] == ' ' || t[m] == '\t'))
			m++;
	}
	ln->msg_off = ln->text_off + m;
	ln->msg_len = n - m;
}

static void reply_dispatch(struct smtp_parser *p, int64_t ts)
{
	struct smtp_reply_acc *a = &p->racc;
	struct smtp_reply r;
	memset(&r, 0, sizeof r);
	const char *base = (const char *)a->text.data;
	for (size_t i = 0; i < a->nlines; i++) {
		const struct smtp_racc_line *ln = &a->lines[i];
		struct smtp_reply_line *pl = &a->pub[i];
		pl->code = ln->code;
		pl->sep = ln->sep;
		pl->has_esc = ln->has_esc;
		pl->esc = ln->esc;
		pl->text = base + ln->text_off;
		pl->text_len = ln->text_len;
		pl->msg = base + ln->msg_off;
		pl->msg_len = ln->msg_len;
	}
	r.code = a->last_code >= 0 ? a->last_code : a->first_code >= 0 ? a->first_code : 0;
	r.flags = a->flags;
	r.nlines = a->nlines;
	r.lines = a->pub;
	r.lines_dropped = a->dropped;
	if (a->dropped)
		smtp_flag(p, SMTP_DIR_SERVER, SMTP_AN_REPLY_TOO_LONG, a->dropped, "", a->off);
	smtp_reply_match(p, &r, a->off);
	struct smtp_event ev = {.type = SMTP_EV_REPLY, .dir = SMTP_DIR_SERVER, .ts = ts, .offset = a->off};
	ev.reply = &r;
	smtp_emit(p, &ev);
	smtp_reply_effects(p, &r, a->off, ts);
	acc_reset(a);
}

static void flag_line(struct smtp_parser *p, enum smtp_anomaly an, const char *detail, uint64_t off)
{
	p->racc.flags |= SMTP_REPLY_MALFORMED;
	smtp_flag(p, SMTP_DIR_SERVER, an, 0, detail, off);
}

void smtp_reply_line_in(struct smtp_parser *p, const uint8_t *l, size_t n, uint64_t off, int64_t ts)
{
	struct smtp_reply_acc *a = &p->racc;
	int code = -1;
	char sep = 0;
	size_t ti = 0;
	bool final = true;
	if (!a->active) {
		acc_reset(a);
		a->active = true;
		a->off = off;
	}
	if (n >= 3 && is_digit(l[0]) && is_digit(l[1]) && is_digit(l[2])) {
		code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
		if (n > 3 && (l[3] == ' ' || l[3] == '-')) {
			sep = (char)l[3];
			ti = 4;
			final = sep == ' ';
		} else if (n > 3) {
			ti = 3;
			flag_line(p, SMTP_AN_REPLY_BAD_SEPARATOR, "", off);
		}
		if (l[0] < '2' || l[0] > '5' || l[1] > '5')
			flag_line(p, SMTP_AN_REPLY_BAD_CODE, "impossible code", off);
	} else {
		flag_line(p, SMTP_AN_REPLY_BAD_CODE, "", off);
		final = a->nlines == 0 && a->dropped == 0; /* inside a reply: a continuation */
	}
	if (code >= 0) {
		if (a->first_code < 0)
			a->first_code = code;
		else if (code != a->first_code && !a->mismatch_flagged) {
			a->mismatch_flagged = true;
			a->flags |= SMTP_REPLY_MISMATCH;
			smtp_flag(p, SMTP_DIR_SERVER, SMTP_AN_REPLY_CODE_MISMATCH, 0, "", off);
		}
		a->last_code = code;
	}
	acc_store(a, l + ti, n - ti, code, sep);
	if (final)
		reply_dispatch(p, ts);
}

void smtp_reply_flush(struct smtp_parser *p, int64_t ts)
{
	if (!p->racc.active)
		return;
	smtp_flag(p, SMTP_DIR_SERVER, SMTP_AN_UNTERMINATED, p->racc.nlines, "reply", p->racc.off);
	reply_dispatch(p, ts);
}

bool smtp_ehlo_keyword(const uint8_t *p, size_t len, char *kw, size_t kwsize,
		       const uint8_t **params, size_t *params_len)
{
	size_t i = 0, k = 0;
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	while (i < len) {
		uint8_t c = p[i];
		bool ok = is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (k > 0 && c == '-');
		if (!ok)
			break;
		if (k + 1 < kwsize)
			kw[k++] = (char)((c >= 'a' && c <= 'z') ? c - 32 : c);
		i++;
	}
	if (kwsize)
		kw[k < kwsize ? k : kwsize - 1] = '\0';
	if (k == 0)
		return false;
	if (i < len && p[i] == '=') /* old "AUTH=LOGIN PLAIN" form */
		i++;
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	*params = p + i;
	*params_len = len - i;
	return true;
}

unsigned smtp_ext_bit(const char *kw)
{
	static const struct {
		const char *kw;
		unsigned bit;
	} t[] = {
		{"PIPELINING", SMTP_EXT_PIPELINING}, {"CHUNKING", SMTP_EXT_CHUNKING},
		{"STARTTLS", SMTP_EXT_STARTTLS},     {"AUTH", SMTP_EXT_AUTH},
		{"SIZE", SMTP_EXT_SIZE},             {"8BITMIME", SMTP_EXT_8BITMIME},
		{"SMTPUTF8", SMTP_EXT_SMTPUTF8},     {"DSN", SMTP_EXT_DSN},
		{"BINARYMIME", SMTP_EXT_BINARYMIME}, {"ENHANCEDSTATUSCODES", SMTP_EXT_ENHANCEDSTATUSCODES},
		{"REQUIRETLS", SMTP_EXT_REQUIRETLS},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(kw, t[i].kw) == 0)
			return t[i].bit;
	return 0;
}
