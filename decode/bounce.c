/* bounce.c - reading a bounce message: MIME walk (RFC 2045/2046), choice of the
 * report reader (RFC 3464 DSN, RFC 5965 ARF, RFC 3834 auto-reply, MTA text
 * formats), then per-recipient status, reply code and reason. */
#include "bounce.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounce_int.h"
#include "limits.h"
#include "mime.h"
#include "xmalloc.h"

/* ---- shared helpers ---- */

static int bc_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static bool bc_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool bc_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

size_t bounce_copy(char *out, size_t size, const uint8_t *p, size_t n)
{
	while (n && bc_space(*p))
		p++, n--;
	while (n && bc_space(p[n - 1]))
		n--;
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < size; i++)
		out[k++] = (char)p[i];
	out[k] = '\0';
	return k;
}

long bounce_find_ci(const uint8_t *p, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0 || n > len)
		return n == 0 ? 0 : -1;
	int first = bc_lower((unsigned char)needle[0]);
	for (size_t i = 0; i + n <= len; i++) {
		if (bc_lower(p[i]) != first)
			continue;
		size_t k = 1;
		while (k < n && bc_lower(p[i + k]) == bc_lower((unsigned char)needle[k]))
			k++;
		if (k == n)
			return (long)i;
	}
	return -1;
}

static bool bc_local_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || bc_digit(c) ||
	       (c && strchr("!#$%&'*+/=?^_`{|}~.-", c));
}

static bool bc_domain_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || bc_digit(c) || c == '.' ||
	       c == '-' || c == '_';
}

bool bounce_find_addr(const uint8_t *p, size_t len, size_t *off, size_t *start, size_t *alen)
{
	for (size_t i = *off; i < len; i++) {
		if (p[i] != '@' || i == 0)
			continue;
		size_t s = i;
		while (s > 0 && bc_local_char(p[s - 1]) && i - s < 256)
			s--;
		while (s < i && (p[s] == '.' || p[s] == '=' || p[s] == '/'))
			s++; /* no address starts with these */
		size_t e = i + 1;
		while (e < len && bc_domain_char(p[e]) && e - i < 256)
			e++;
		while (e > i + 1 && (p[e - 1] == '.' || p[e - 1] == '-'))
			e--;
		if (s == i || e == i + 1 || !memchr(p + i + 1, '.', e - i - 1)) {
			*off = i + 1;
			continue;
		}
		*start = s;
		*alen = e - s;
		*off = e;
		return true;
	}
	*off = len;
	return false;
}

/* ---- recipient drafts ---- */

static bool bc_addr_eq(const char *a, const char *b, size_t blen)
{
	return strlen(a) == blen && !strncasecmp(a, b, blen);
}

struct bdraft *bounce_draft_find(struct bctx *c, const char *addr, size_t alen)
{
	for (size_t i = 0; i < c->nd; i++)
		if (bc_addr_eq(c->d[i].address, addr, alen))
			return &c->d[i];
	return NULL;
}

void bounce_draft_free(struct bdraft *d)
{
	buf_free(&d->diag);
	buf_free(&d->context);
}

struct bdraft *bounce_draft_add(struct bctx *c, const char *addr, size_t alen)
{
	if (c->nd >= BOUNCE_RCPT_MAX) {
		c->too_many = true;
		return NULL;
	}
	if (c->nd == c->ad) {
		c->ad = c->ad ? c->ad * 2 : 8;
		c->d = xreallocarray(c->d, c->ad, sizeof *c->d);
	}
	struct bdraft *d = &c->d[c->nd++];
	memset(d, 0, sizeof *d);
	buf_init(&d->diag, BOUNCE_DIAG_MAX);
	buf_init(&d->context, BOUNCE_DIAG_MAX / 2);
	d->preset = REASON_LAST;
	bounce_copy(d->address, sizeof d->address, (const uint8_t *)addr, alen);
	return d;
}

/* ---- collecting the parts ---- */

static void bc_append_part(struct buf *to, const struct mime_part *part)
{
	if (to->len && to->data[to->len - 1] != '\n')
		buf_append_byte(to, '\n');
	mime_part_text(part, to);
}

/* Rough text of an HTML part: tags dropped (block ends become line breaks),
 * the few entities bounces use decoded. Enough for the line reader. */
static void bc_html_to_text(const uint8_t *p, size_t n, struct buf *out)
{
	static const struct {
		const char *ent;
		char ch;
	} ents[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&nbsp;", ' '}, {"&quot;", '"'}};
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '<') {
			const uint8_t *e = memchr(p + i, '>', n - i);
			size_t tl = e ? (size_t)(e - (p + i)) : n - i;
			if (tl >= 2 && (bounce_find_ci(p + i, tl, "<br") == 0 ||
					bounce_find_ci(p + i, tl, "</p") == 0 ||
					bounce_find_ci(p + i, tl, "</div") == 0 ||
					bounce_find_ci(p + i, tl, "</tr") == 0))
				buf_append_byte(out, '\n');
			i += tl;
			continue;
		}
		size_t k = 0;
		while (p[i] == '&' && k < sizeof ents / sizeof ents[0] &&
		       bounce_find_ci(p + i, n - i < 8 ? n - i : 8, ents[k].ent) != 0)
			k++;
		if (p[i] == '&' && k < sizeof ents / sizeof ents[0]) {
			buf_append_byte(out, (uint8_t)ents[k].ch);
			i += strlen(ents[k].ent) - 1;
			continue;
		}
		buf_append_byte(out, p[i]);
	}
}

static bool bc_is_original(const struct mime_type *t)
{
	return mime_type_is(t, "message", "rfc822") || mime_type_is(t, "message", "global") ||
	       mime_type_is(t, "text", "rfc822-headers") ||
	       mime_type_is(t, "message", "rfc822-headers") ||
	       mime_type_is(t, "message", "global-headers") || mime_type_is(t, "message", "partial");
}

static bool bc_visit(const struct mime_part *part, void *user)
{
	struct bctx *c = user;
	const struct mime_type *t = &part->type;
	if (mime_type_is(t, "message", "delivery-status") ||
	    mime_type_is(t, "message", "global-delivery-status")) {
		c->seen_dsn = true;
		bc_append_part(&c->dsn, part);
	} else if (mime_type_is(t, "message", "feedback-report")) {
		c->seen_arf = true;
		bc_append_part(&c->arf, part);
	} else if (bc_is_original(t)) {
		if (!c->seen_orig)
			bc_append_part(&c->orig, part);
		c->seen_orig = true;
	} else if (mime_type_is(t, "text", NULL) && !c->seen_orig) {
		if (!mime_type_is(t, "text", "html")) {
			bc_append_part(&c->text, part);
		} else if (c->text.len == 0) { /* HTML only when there is no plain text */
			struct buf h;
			buf_init(&h, BOUNCE_TEXT_MAX);
			mime_part_text(part, &h);
			bc_html_to_text(h.data ? h.data : (const uint8_t *)"", h.len, &c->text);
			buf_free(&h);
		}
	}
	return true;
}

static void bc_decoded_field(const struct rfc5322_header *h, const char *name, struct buf *out)
{
	struct buf raw;
	buf_init(&raw, HEADER_VALUE_MAX);
	if (rfc5322_get(h, name, &raw))
		mime_decode_words(raw.data, raw.len, out);
	buf_free(&raw);
}

/* ---- RFC 3834 auto-replies ---- */

static bool bc_is_autoreply(struct bctx *c)
{
	static const char *const subjects[] = {"out of office", "auto:", "automatic reply",
					       "auto-reply", "autoreply", "auto reply",
					       "vacation", "abwesenheit", NULL};
	const struct rfc5322_field *f = rfc5322_find(&c->top, "Auto-Submitted");
	if (f && bounce_find_ci(f->value, f->value_len, "auto-replied") >= 0)
		return true;
	if (rfc5322_find(&c->top, "X-Autoreply") || rfc5322_find(&c->top, "X-Autorespond"))
		return true;
	f = rfc5322_find(&c->top, "Precedence");
	if (f && bounce_find_ci(f->value, f->value_len, "auto_reply") >= 0)
		return true;
	for (size_t i = 0; subjects[i]; i++)
		if (bounce_find_ci(c->subject.data ? c->subject.data : (const uint8_t *)"",
				   c->subject.len, subjects[i]) == 0)
			return true;
	return false;
}

static size_t bc_read_autoreply(struct bctx *c)
{
	if (!bc_is_autoreply(c))
		return 0;
	size_t off = 0, s, n;
	const uint8_t *from = c->from.data ? c->from.data : (const uint8_t *)"";
	bool found = bounce_find_addr(from, c->from.len, &off, &s, &n);
	struct bdraft *d = bounce_draft_add(c, found ? (const char *)from + s : "", found ? n : 0);
	if (!d)
		return 0;
	d->preset = REASON_VACATION;
	if (c->subject.len)
		buf_append(&d->diag, c->subject.data, c->subject.len);
	c->format = "rfc3834";
	return 1;
}

/* ---- finishing each recipient ---- */

static bool bc_hard_reason(enum reason r)
{
	return r == REASON_USERUNKNOWN || r == REASON_HOSTUNKNOWN || r == REASON_HASMOVED;
}

/* Google reports a refused post to one of its Groups as a bounce from the
 * group's address: the sender may not post there (or the group is gone). */
static bool bc_google_group(const struct bctx *c, const struct bdraft *d)
{
	const char *at = strrchr(d->address, '@');
	const uint8_t *f = c->from.data ? c->from.data : (const uint8_t *)"";
	return at && !strcasecmp(at + 1, "googlegroups.com") &&
	       (bounce_find_ci(f, c->from.len, "@googlemail.com") >= 0 ||
		bounce_find_ci(f, c->from.len, "@google.com") >= 0);
}

static void bc_finish_draft(struct bctx *c, struct bdraft *d)
{
	const uint8_t *dg = d->diag.data ? d->diag.data : (const uint8_t *)"";
	char ts[16] = "";
	bounce_squash_continuations(&d->diag);
	dg = d->diag.data ? d->diag.data : (const uint8_t *)"";
	bounce_find_status(dg, d->diag.len, ts);
	int any = d->code ? d->code : bounce_find_code(dg, d->diag.len);
	bounce_pick_status(d->status, ts, any, d->status);
	if (!d->code)
		d->code = bounce_find_code_class(dg, d->diag.len, d->status[0]);
	if (!d->code)
		d->code = any;
	if (!d->stage)
		d->stage = bounce_find_stage(dg, d->diag.len);
	if (c->warning && !d->action[0])
		memcpy(d->action, "delayed", 8);
	if (d->preset != REASON_LAST)
		return;
	if (!strcasecmp(d->action, "delivered") || !strcasecmp(d->action, "relayed") ||
	    !strcasecmp(d->action, "expanded") || d->status[0] == '2') {
		d->preset = REASON_DELIVERED;
		return;
	}
	struct classify_context ctx = {d->diag_type, d->action};
	struct buf all; /* the lines before the address help the words decide */
	buf_init(&all, BOUNCE_DIAG_MAX * 2);
	if (d->context.len) {
		buf_append(&all, d->context.data, d->context.len);
		buf_append_byte(&all, '\n');
	}
	buf_append(&all, dg, d->diag.len);
	d->preset = classify_reason_ctx(d->code, d->status, all.data ? all.data : dg, all.len,
					d->stage, &ctx);
	buf_free(&all);
	if (d->preset == REASON_NONE)
		d->preset = REASON_DELIVERED;
	if ((d->preset == REASON_ONHOLD || d->preset == REASON_UNDEFINED) && bc_google_group(c, d))
		d->preset = REASON_REJECTED;
}

static void bc_output(struct bctx *c, struct bounce *out)
{
	out->rcpt = xcalloc(c->nd, sizeof *out->rcpt);
	out->nrcpt = c->nd;
	for (size_t i = 0; i < c->nd; i++) {
		struct bdraft *d = &c->d[i];
		struct bounce_rcpt *r = &out->rcpt[i];
		bc_finish_draft(c, d);
		r->address = xstrdup(d->address);
		r->status = xstrdup(d->status);
		r->reply_code = d->code;
		r->diagnostic = xmemdup0(d->diag.data ? d->diag.data : (const uint8_t *)"", d->diag.len);
		r->remote_mta = xstrdup(d->remote_mta);
		r->action = xstrdup(d->action);
		r->stage = d->stage;
		r->reason = d->preset;
		bool temp = d->status[0] == '4' || (d->code >= 400 && d->code < 500);
		r->permanent = bc_hard_reason(r->reason) || (r->reason == REASON_NOTACCEPT && !temp);
	}
	out->format = c->format ? c->format : "unknown";
	out->reporting_mta = xstrdup(c->reporting_mta);
	out->subject = xmemdup0(c->subject.data ? c->subject.data : (const uint8_t *)"",
				c->subject.len);
	out->feedback_type = xstrdup(c->feedback_type);
}

static void bc_ctx_free(struct bctx *c)
{
	rfc5322_header_free(&c->top);
	buf_free(&c->subject);
	buf_free(&c->from);
	buf_free(&c->text);
	buf_free(&c->dsn);
	buf_free(&c->arf);
	buf_free(&c->orig);
	for (size_t i = 0; i < c->nd; i++)
		bounce_draft_free(&c->d[i]);
	free(c->d);
}

static bool bc_is_warning(struct bctx *c)
{
	static const char *const marks[] = {"this is a warning message only",
					    "delivery status notification (delay)",
					    "warning: message", "delayed mail", "delivery delayed",
					    "message will be retried", "will continue to try", NULL};
	const uint8_t *s = c->subject.data ? c->subject.data : (const uint8_t *)"";
	const uint8_t *t = c->text.data ? c->text.data : (const uint8_t *)"";
	for (size_t i = 0; marks[i]; i++)
		if (bounce_find_ci(s, c->subject.len, marks[i]) >= 0 ||
		    bounce_find_ci(t, c->text.len, marks[i]) >= 0)
			return true;
	return false;
}

bool bounce_is_message(const uint8_t *p, size_t len)
{
	struct rfc5322_header h;
	size_t n = rfc5322_parse_header(p, len > 65536 ? 65536 : len, 64, &h);
	bool yes = n >= 2 || (n == 1 && h.has_body);
	rfc5322_header_free(&h);
	return yes;
}

static size_t bc_read_all(struct bctx *c)
{
	size_t n = 0;
	if (c->seen_arf)
		n = bounce_read_arf(c);
	if (!n && c->seen_dsn && c->dsn.len)
		n = bounce_read_dsn(c, c->dsn.data, c->dsn.len);
	if (!n)
		n = bounce_read_dsn_in_text(c);
	if (n) {
		bounce_enrich_from_text(c);
		return n;
	}
	n = bounce_read_json(c);
	if (!n)
		n = bounce_read_text(c);
	if (!n)
		n = bc_read_autoreply(c);
	return n;
}

int bounce_parse(const uint8_t *p, size_t len, struct bounce *out, const char **err)
{
	static const char *e_empty = "empty input";
	static const char *e_hdr = "no message header block found";
	static const char *e_none = "no failed recipient found in the message";
	memset(out, 0, sizeof *out);
	if (!p || len == 0) {
		*err = e_empty;
		return -1;
	}
	bool trunc = len > BOUNCE_INPUT_MAX;
	if (trunc)
		len = BOUNCE_INPUT_MAX;
	struct bctx c;
	memset(&c, 0, sizeof c);
	buf_init(&c.subject, HEADER_VALUE_MAX);
	buf_init(&c.from, HEADER_VALUE_MAX);
	buf_init(&c.text, BOUNCE_TEXT_MAX);
	buf_init(&c.dsn, BOUNCE_REPORT_MAX);
	buf_init(&c.arf, BOUNCE_REPORT_MAX);
	buf_init(&c.orig, BOUNCE_REPORT_MAX);
	if (rfc5322_parse_header(p, len, HEADER_FIELDS_MAX, &c.top) == 0) {
		bc_ctx_free(&c);
		*err = e_hdr;
		return -1;
	}
	bc_decoded_field(&c.top, "Subject", &c.subject);
	bc_decoded_field(&c.top, "From", &c.from);
	mime_walk(p, len, bc_visit, &c, NULL);
	c.warning = bc_is_warning(&c);
	if (bc_read_all(&c) == 0) {
		bc_ctx_free(&c);
		*err = e_none;
		return -1;
	}
	bc_output(&c, out);
	out->truncated = trunc || c.too_many;
	bc_ctx_free(&c);
	return 0;
}

void bounce_free(struct bounce *b)
{
	for (size_t i = 0; i < b->nrcpt; i++) {
		struct bounce_rcpt *r = &b->rcpt[i];
		free(r->address);
		free(r->status);
		free(r->diagnostic);
		free(r->remote_mta);
		free(r->action);
	}
	free(b->rcpt);
	free(b->reporting_mta);
	free(b->subject);
	free(b->feedback_type);
	memset(b, 0, sizeof *b);
}
