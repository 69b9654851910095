/* bounce_dsn.c - machine-readable reports inside bounces: RFC 3464 delivery
 * status fields (also when pasted into the text part), RFC 5965 feedback
 * reports, and merging the notification text into DSN recipients. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounce_int.h"
#include "limits.h"
#include "mime.h"

static bool dsn_name_is(const struct rfc5322_field *f, const char *name)
{
	return strlen(name) == f->name_len && !strncasecmp((const char *)f->name, name, f->name_len);
}

/* The value after "type;" (RFC 3464 address-type / diagnostic-type), unfolded. */
static void dsn_typed_value(const struct rfc5322_field *f, char *type, size_t tsize,
			    struct buf *out)
{
	const uint8_t *v = f->value;
	size_t n = f->value_len;
	const uint8_t *semi = memchr(v, ';', n);
	size_t tl = semi ? (size_t)(semi - v) : 0;
	bool typed = semi && tl > 0 && tl <= 20 && !memchr(v, ' ', tl);
	if (type)
		bounce_copy(type, tsize, v, typed ? tl : 0);
	if (typed) {
		n -= tl + 1;
		v = semi + 1;
	}
	rfc5322_unfold(v, n, out);
}

/* Set the draft's address from a recipient field value. */
static void dsn_set_address(struct bdraft *d, const struct rfc5322_field *f)
{
	struct buf b;
	buf_init(&b, 1024);
	dsn_typed_value(f, NULL, 0, &b);
	size_t off = 0, s, n;
	const uint8_t *v = b.data ? b.data : (const uint8_t *)"";
	if (bounce_find_addr(v, b.len, &off, &s, &n))
		bounce_copy(d->address, sizeof d->address, v + s, n);
	else
		bounce_copy(d->address, sizeof d->address, v, b.len);
	buf_free(&b);
}

static void dsn_apply_field(struct bctx *c, struct bdraft *d, const struct rfc5322_field *f)
{
	struct buf b;
	buf_init(&b, BOUNCE_DIAG_MAX);
	if (!d) {
		if (dsn_name_is(f, "Reporting-MTA") && !c->reporting_mta[0]) {
			dsn_typed_value(f, NULL, 0, &b);
			bounce_copy(c->reporting_mta, sizeof c->reporting_mta, b.data, b.len);
		}
	} else if (dsn_name_is(f, "Action")) {
		rfc5322_unfold(f->value, f->value_len, &b);
		size_t k = 0;
		while (k < b.len && b.data[k] != ' ' && b.data[k] != '(')
			k++;
		bounce_copy(d->action, sizeof d->action, b.data, k);
		for (char *a = d->action; *a; a++)
			*a = (char)((*a >= 'A' && *a <= 'Z') ? *a + 32 : *a);
	} else if (dsn_name_is(f, "Status")) {
		bounce_find_status(f->value, f->value_len, d->status);
		/* "Status: 4.0.0 (host name lookup failure)": the comment explains */
		const uint8_t *open = memchr(f->value, '(', f->value_len);
		if (open && d->diag.len == 0) {
			size_t k = (size_t)(open - f->value) + 1;
			const uint8_t *close = memchr(open, ')', f->value_len - k + 1);
			size_t e = close ? (size_t)(close - f->value) : f->value_len;
			rfc5322_unfold(f->value + k, e - k, &d->diag);
			d->pre_len = d->diag.len; /* a Diagnostic-Code replaces it */
		}
	} else if (dsn_name_is(f, "Remote-MTA")) {
		dsn_typed_value(f, NULL, 0, &b);
		size_t k = 0;
		while (k < b.len && b.data[k] != ' ')
			k++;
		bounce_copy(d->remote_mta, sizeof d->remote_mta, b.data, k);
	} else if (dsn_name_is(f, "Diagnostic-Code") && d->diag.len == d->pre_len) {
		buf_reset(&d->diag);
		d->pre_len = 0;
		dsn_typed_value(f, d->diag_type, sizeof d->diag_type, &d->diag);
	} else if (dsn_name_is(f, "Reporting-MTA") && !c->reporting_mta[0]) {
		dsn_typed_value(f, NULL, 0, &b);
		bounce_copy(c->reporting_mta, sizeof c->reporting_mta, b.data, b.len);
	}
	buf_free(&b);
}

static bool dsn_is_rcpt_field(const struct rfc5322_field *f)
{
	return dsn_name_is(f, "Final-Recipient") || dsn_name_is(f, "Original-Recipient");
}

/* One block of fields (between blank lines): zero or more recipients. */
static size_t dsn_block(struct bctx *c, const struct rfc5322_header *h)
{
	size_t finals = 0, added = 0;
	for (size_t i = 0; i < h->nfields; i++)
		finals += dsn_name_is(&h->fields[i], "Final-Recipient");
	struct bdraft *d = NULL;
	size_t start = 0;
	for (size_t i = 0; i <= h->nfields; i++) {
		/* With several Final-Recipient fields in one block, each opens a group. */
		bool cut = i == h->nfields ||
			   (finals > 1 && i > start && dsn_name_is(&h->fields[i], "Final-Recipient"));
		if (!cut)
			continue;
		const struct rfc5322_field *fin = NULL, *orig = NULL;
		for (size_t k = start; k < i; k++) {
			if (dsn_name_is(&h->fields[k], "Final-Recipient") && !fin)
				fin = &h->fields[k];
			if (dsn_name_is(&h->fields[k], "Original-Recipient") && !orig)
				orig = &h->fields[k];
		}
		d = (fin || orig) ? bounce_draft_add(c, "", 0) : NULL;
		if (d) {
			dsn_set_address(d, fin ? fin : orig);
			/* the same recipient again (message/global-delivery-status beside
			 * message/delivery-status): fill the first one in instead */
			struct bdraft *same = bounce_draft_find(c, d->address, strlen(d->address));
			if (same && same != d && d->address[0]) {
				bounce_draft_free(d);
				c->nd--;
				d = same;
			} else {
				added++;
			}
		}
		for (size_t k = start; k < i; k++)
			if (!dsn_is_rcpt_field(&h->fields[k]))
				dsn_apply_field(c, d, &h->fields[k]);
		start = i;
	}
	return added;
}

size_t bounce_read_dsn(struct bctx *c, const uint8_t *p, size_t len)
{
	size_t off = 0, added = 0;
	while (off < len) {
		if (rfc5322_line_len(p, len, off) == 0) {
			off = rfc5322_next_line(p, len, off);
			continue;
		}
		struct rfc5322_header h;
		rfc5322_parse_header(p + off, len - off, HEADER_FIELDS_MAX, &h);
		size_t used = h.body_offset;
		if (h.nfields)
			added += dsn_block(c, &h);
		rfc5322_header_free(&h);
		off = used ? off + used : rfc5322_next_line(p, len, off);
	}
	if (added && !c->format)
		c->format = "rfc3464";
	return added;
}

/* DSN field names, and the names some MTAs (PMDF, Sun Messaging Server) use
 * for the same things in their text part. */
static const struct {
	const char *name;
	const char *as;
} dsn_text_fields[] = {
	{"Final-Recipient", NULL},   {"Original-Recipient", NULL}, {"Action", NULL},
	{"Status", NULL},	     {"Remote-MTA", NULL},	   {"Diagnostic-Code", NULL},
	{"Reporting-MTA", NULL},     {"Last-Attempt-Date", NULL},  {"Recipient address", "Final-Recipient"},
	{"Original address", "Original-Recipient"}, {"Diagnostic code", "Diagnostic-Code"},
	{"Remote system", "Remote-MTA"},
};

/* Name of the DSN field the line starts with, or NULL. */
static const char *dsn_text_field(const uint8_t *p, size_t ll, size_t *name_len)
{
	size_t i = 0;
	while (i < ll && (p[i] == ' ' || p[i] == '\t'))
		i++;
	for (size_t k = 0; k < sizeof dsn_text_fields / sizeof dsn_text_fields[0]; k++) {
		size_t n = strlen(dsn_text_fields[k].name);
		if (i + n < ll && p[i + n] == ':' && !strncasecmp((const char *)p + i, dsn_text_fields[k].name, n)) {
			*name_len = i + n;
			return dsn_text_fields[k].as ? dsn_text_fields[k].as : dsn_text_fields[k].name;
		}
	}
	return NULL;
}

size_t bounce_read_dsn_in_text(struct bctx *c)
{
	const uint8_t *p = c->text.data;
	size_t len = c->text.len, off = 0;
	if (!p || (bounce_find_ci(p, len, "final-recipient:") < 0 &&
		   bounce_find_ci(p, len, "recipient address:") < 0))
		return 0;
	struct buf syn;
	buf_init(&syn, BOUNCE_REPORT_MAX);
	bool in_field = false;
	while (off < len) {
		size_t ll = rfc5322_line_len(p, len, off), nl;
		const char *name = dsn_text_field(p + off, ll, &nl);
		if (name) {
			buf_printf(&syn, "%s:", name);
			buf_append(&syn, p + off + nl + 1, ll - nl - 1);
			buf_append_byte(&syn, '\n');
			in_field = true;
		} else if (in_field && ll && (p[off] == ' ' || p[off] == '\t') &&
			   !rfc5322_looks_like_field(p + off + 1, ll - 1)) {
			buf_append(&syn, p + off, ll); /* continuation */
			buf_append_byte(&syn, '\n');
		} else if (in_field) {
			buf_append_byte(&syn, '\n'); /* other text ends a group of fields */
			in_field = false;
		}
		off = rfc5322_next_line(p, len, off);
	}
	size_t n = syn.len ? bounce_read_dsn(c, syn.data, syn.len) : 0;
	buf_free(&syn);
	return n;
}

/* ---- RFC 5965 feedback reports ---- */

static void arf_add_from(struct bctx *c, const uint8_t *v, size_t n, size_t *added)
{
	size_t off = 0, s, an;
	while (bounce_find_addr(v, n, &off, &s, &an)) {
		if (bounce_draft_find(c, (const char *)v + s, an))
			continue;
		struct bdraft *d = bounce_draft_add(c, (const char *)v + s, an);
		if (!d)
			return;
		d->preset = REASON_FEEDBACK;
		(*added)++;
	}
}

size_t bounce_read_arf(struct bctx *c)
{
	struct rfc5322_header h;
	size_t added = 0;
	rfc5322_parse_header(c->arf.data ? c->arf.data : (const uint8_t *)"", c->arf.len,
			     HEADER_FIELDS_MAX, &h);
	const struct rfc5322_field *f = rfc5322_find(&h, "Feedback-Type");
	if (f)
		bounce_copy(c->feedback_type, sizeof c->feedback_type, f->value, f->value_len);
	for (size_t i = 0; i < h.nfields; i++)
		if (dsn_name_is(&h.fields[i], "Original-Rcpt-To") ||
		    dsn_name_is(&h.fields[i], "Removal-Recipient"))
			arf_add_from(c, h.fields[i].value, h.fields[i].value_len, &added);
	rfc5322_header_free(&h);
	if (!added && c->orig.len) {
		struct rfc5322_header oh;
		rfc5322_parse_header(c->orig.data, c->orig.len, HEADER_FIELDS_MAX, &oh);
		const struct rfc5322_field *to = rfc5322_find(&oh, "To");
		if (to)
			arf_add_from(c, to->value, to->value_len, &added);
		rfc5322_header_free(&oh);
	}
	if (!added) {
		struct bdraft *d = bounce_draft_add(c, "", 0);
		if (d) {
			d->preset = REASON_FEEDBACK;
			added = 1;
		}
	}
	for (size_t i = 0; i < c->nd; i++)
		if (c->feedback_type[0] && c->d[i].diag.len == 0)
			buf_append_str(&c->d[i].diag, c->feedback_type);
	c->format = "arf";
	return added;
}

/* ---- the text beside a DSN ---- */

/* True when the text quotes neither a reply code nor an enhanced status. */
static bool dsn_says_little(const struct buf *b)
{
	char st[16];
	const uint8_t *p = b->data ? b->data : (const uint8_t *)"";
	return !bounce_find_code(p, b->len) && !bounce_find_status(p, b->len, st);
}

/* A Diagnostic-Code holding only the first line of a multi-line reply
 * ("550-5.7.1 ..." with no final "550 " line). */
static bool dsn_cut_reply(const struct buf *b)
{
	const uint8_t *p = b->data;
	if (!p || b->len < 4 || p[3] != '-' || p[0] < '2' || p[0] > '5')
		return false;
	char fin[5] = {(char)p[0], (char)p[1], (char)p[2], ' ', '\0'};
	return bounce_find_ci(p + 4, b->len - 4, fin) < 0;
}

static void dsn_merge(struct bdraft *d, const struct bdraft *t)
{
	if (!d->stage)
		d->stage = t->stage;
	if (!d->context.len && t->context.len)
		buf_append(&d->context, t->context.data, t->context.len);
	if (t->diag.len && d->diag.len &&
	    ((dsn_says_little(&d->diag) && !dsn_says_little(&t->diag)) || dsn_cut_reply(&d->diag))) {
		buf_append_byte(&d->diag, ' ');
		buf_append(&d->diag, t->diag.data, t->diag.len);
	}
	if (d->diag.len == 0 && t->diag.len) {
		buf_append(&d->diag, t->diag.data, t->diag.len);
		if (!d->diag_type[0])
			memcpy(d->diag_type, "smtp", 5);
	}
	if (!d->code && t->code && (!d->status[0] || !t->status[0] || d->status[0] == t->status[0]))
		d->code = t->code;
}

void bounce_enrich_from_text(struct bctx *c)
{
	if (!c->text.len || !c->nd)
		return;
	struct bctx t;
	memset(&t, 0, sizeof t);
	t.top = c->top;
	t.subject = c->subject;
	t.from = c->from;
	t.text = c->text;
	t.orig = c->orig;
	bounce_read_text(&t);
	for (size_t i = 0; i < c->nd; i++) {
		struct bdraft *d = &c->d[i];
		const struct bdraft *m = bounce_draft_find(&t, d->address, strlen(d->address));
		if (!m && t.nd == 1 && c->nd == 1)
			m = &t.d[0]; /* one recipient on each side: the same one */
		if (m)
			dsn_merge(d, m);
	}
	for (size_t i = 0; i < t.nd; i++)
		bounce_draft_free(&t.d[i]);
	free(t.d);
}
