/* filter.c - parse and evaluate the Capture screen's filter language (see
 * filter.h); reply codes per RFC 5321 4.2, enhanced status codes per RFC 3463. */
#include "tui/filter.h"
#include "decode/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const filter_names[FILTER_FIELD_LAST] = {
	"text", "code", "status", "rcpt", "from", "subject", "outcome",
	"tls", "auth", "client", "server", "helo", "queue", "size",
};

/* Names accepted before ':' (aliases included). */
static const struct {
	const char *name;
	enum filter_field field;
} filter_keys[] = {
	{"code", FILTER_CODE},       {"status", FILTER_STATUS},   {"rcpt", FILTER_RCPT},
	{"to", FILTER_RCPT},         {"from", FILTER_FROM},       {"sender", FILTER_FROM},
	{"subject", FILTER_SUBJECT}, {"subj", FILTER_SUBJECT},    {"outcome", FILTER_OUTCOME},
	{"tls", FILTER_TLS},         {"auth", FILTER_AUTH},       {"client", FILTER_CLIENT},
	{"server", FILTER_SERVER},   {"helo", FILTER_HELO},       {"queue", FILTER_QUEUE},
	{"size", FILTER_SIZE},
};

/* Every outcome name a row can have (capture_model.c makes them); a filter
 * value must be a prefix of one. */
static const char *const filter_outcomes[] = {
	"delivered",        "rejected_mail",    "rejected_rcpt",   "rejected_data",
	"rejected_message", "rejected_connect", "rejected_auth",   "deferred_mail",
	"deferred_rcpt",    "deferred_data",    "deferred_message", "deferred_connect",
	"deferred_auth",    "aborted_rset",     "aborted_ehlo",    "aborted_quit",
	"aborted_tls",      "aborted_disconnect", "incomplete",    "encrypted",
	"no_mail",          NULL,
};

#define FILTER_FIELDS_HELP "code status rcpt from subject outcome tls auth client server helo queue size"

const char *filter_field_name(enum filter_field f)
{
	return f >= 0 && f < FILTER_FIELD_LAST ? filter_names[f] : "?";
}

static char filter_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool filter_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool filter_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

bool filter_contains(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	if (nlen == 0)
		return true;
	if (!hay || hlen < nlen)
		return false;
	for (size_t i = 0; i + nlen <= hlen; i++) {
		if (filter_lower(hay[i]) != needle[0])
			continue;
		size_t k = 1;
		while (k < nlen && filter_lower(hay[i + k]) == needle[k])
			k++;
		if (k == nlen)
			return true;
	}
	return false;
}

static bool filter_has(const char *s, const struct filter_term *t)
{
	return s && filter_contains(s, strlen(s), t->value, t->len);
}

static void filter_fail(struct filter_error *err, size_t pos, size_t len, const char *msg)
{
	err->pos = pos;
	err->len = len;
	snprintf(err->msg, sizeof err->msg, "%s", msg);
}

/* ---- values ---- */

/* code: 1-3 positions of digits or x (X, ?, *); "5" means 5xx. */
static bool filter_value_code(struct filter_term *t)
{
	if (t->len > 3)
		return false;
	for (size_t i = 0; i < t->len; i++) {
		char c = t->value[i];
		if (filter_isdigit(c))
			t->pat[i] = c - '0';
		else if (c == 'x' || c == '?' || c == '*')
			t->pat[i] = -1;
		else
			return false;
	}
	if (t->pat[0] >= 0 && (t->pat[0] < 1 || t->pat[0] > 5))
		return false;
	t->npat = t->len;
	return true;
}

/* status: 1-3 dot-separated parts, each a number (up to 3 digits) or x (or a star). */
static bool filter_value_status(struct filter_term *t)
{
	size_t i = 0;
	t->npat = 0;
	while (i < t->len) {
		if (t->npat == 3)
			return false;
		size_t a = i;
		while (i < t->len && t->value[i] != '.')
			i++;
		size_t n = i - a;
		const char *p = t->value + a;
		if (n == 1 && (*p == 'x' || *p == '*' || *p == '?')) {
			t->pat[t->npat++] = -1;
		} else if (n >= 1 && n <= 3) {
			int v = 0;
			for (size_t k = 0; k < n; k++) {
				if (!filter_isdigit(p[k]))
					return false;
				v = v * 10 + (p[k] - '0');
			}
			t->pat[t->npat++] = v;
		} else {
			return false;
		}
		if (i < t->len && ++i == t->len)
			return false; /* a trailing dot */
	}
	return t->npat > 0 && (t->pat[0] < 0 || t->pat[0] == 2 || t->pat[0] == 4 || t->pat[0] == 5);
}

static int filter_yes_no(const char *v)
{
	static const char *const yes[] = {"yes", "y", "true", "on", "1", NULL};
	static const char *const no[] = {"no", "n", "false", "off", "0", NULL};
	for (size_t i = 0; yes[i]; i++) {
		if (!strcmp(v, yes[i]))
			return 1;
		if (!strcmp(v, no[i]))
			return 0;
	}
	return -1;
}

static bool filter_value_outcome(const struct filter_term *t)
{
	for (size_t i = 0; filter_outcomes[i]; i++)
		if (!strncmp(filter_outcomes[i], t->value, t->len))
			return true;
	return false;
}

/* size: [<|<=|>|>=|=] number [k|m|g] (powers of 1024). */
static bool filter_value_size(struct filter_term *t)
{
	const char *p = t->value, *end = t->value + t->len;
	t->cmp = FILTER_EQ;
	if (p < end && (*p == '<' || *p == '>')) {
		bool le = p + 1 < end && p[1] == '=';
		t->cmp = *p == '<' ? (le ? FILTER_LE : FILTER_LT) : (le ? FILTER_GE : FILTER_GT);
		p += le ? 2 : 1;
	} else if (p < end && *p == '=') {
		p++;
	}
	if (p == end || !filter_isdigit(*p))
		return false;
	uint64_t v = 0;
	while (p < end && filter_isdigit(*p)) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p++ - '0');
	}
	uint64_t mul = 1;
	if (p < end) {
		if (*p == 'k')
			mul = 1024;
		else if (*p == 'm')
			mul = 1024 * 1024;
		else if (*p == 'g')
			mul = 1024 * 1024 * 1024;
		else
			return false;
		if (++p != end)
			return false;
	}
	if (v > UINT64_MAX / mul)
		return false;
	t->num = v * mul;
	return true;
}

/* Check and pre-compute the value of a field term; false with err set. */
static bool filter_value(struct filter_term *t, size_t pos, size_t len, struct filter_error *err)
{
	switch (t->field) {
	case FILTER_CODE:
		if (!filter_value_code(t)) {
			filter_fail(err, pos, len, "code: wants a reply code such as 550, 5xx or 55x");
			return false;
		}
		break;
	case FILTER_STATUS:
		if (!filter_value_status(t)) {
			filter_fail(err, pos, len, "status: wants an enhanced status code such as 5.7.1, 5.7.* or 4");
			return false;
		}
		break;
	case FILTER_TLS:
		if ((t->flag = filter_yes_no(t->value)) < 0) {
			filter_fail(err, pos, len, "tls: wants yes or no");
			return false;
		}
		break;
	case FILTER_AUTH:
		t->flag = filter_yes_no(t->value);
		break;
	case FILTER_OUTCOME:
		if (!filter_value_outcome(t)) {
			filter_fail(err, pos, len,
				    "outcome: wants delivered, rejected, deferred, aborted, incomplete, "
				    "encrypted or no_mail");
			return false;
		}
		break;
	case FILTER_SIZE:
		if (!filter_value_size(t)) {
			filter_fail(err, pos, len, "size: wants a number of bytes such as >10k, <=2m or 470");
			return false;
		}
		break;
	default:
		break;
	}
	return true;
}

/* ---- parsing ---- */

struct filter_lex {
	const char *s;
	size_t len, i;
};

/* A quoted string starting at s[i] == '"': its contents in [*a, *b). */
static bool filter_quoted(struct filter_lex *lx, size_t *a, size_t *b)
{
	size_t start = lx->i++;
	*a = lx->i;
	while (lx->i < lx->len && lx->s[lx->i] != '"')
		lx->i++;
	if (lx->i == lx->len) {
		lx->i = start;
		return false;
	}
	*b = lx->i++;
	return true;
}

static bool filter_key(const char *p, size_t n, enum filter_field *out)
{
	for (size_t i = 0; i < sizeof filter_keys / sizeof filter_keys[0]; i++) {
		const char *k = filter_keys[i].name;
		if (strlen(k) != n)
			continue;
		size_t j = 0;
		while (j < n && filter_lower(p[j]) == k[j])
			j++;
		if (j == n) {
			*out = filter_keys[i].field;
			return true;
		}
	}
	return false;
}

static bool filter_is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

/* The FIELD: prefix of the word at lx->i, if the word has one. Returns 1
 * (field found, lx->i after the ':'), 0 (plain word), -1 (unknown field). */
static int filter_field_prefix(struct filter_lex *lx, enum filter_field *f, size_t *klen)
{
	size_t i = lx->i;
	while (i < lx->len && filter_is_key_char(lx->s[i]))
		i++;
	*klen = i - lx->i;
	if (i == lx->i || i == lx->len || lx->s[i] != ':')
		return 0;
	if (!filter_key(lx->s + lx->i, i - lx->i, f))
		return -1;
	lx->i = i + 1;
	return 1;
}

static void filter_add(struct filter *f, struct filter_term *t, const char *p, size_t n)
{
	t->value = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		t->value[i] = filter_lower(p[i]);
	t->value[n] = '\0';
	t->len = n;
	f->terms = xreallocarray(f->terms, f->nterms + 1, sizeof *f->terms);
	f->terms[f->nterms++] = *t;
}

/* The value after FIELD: (a quoted string or the rest of the word). */
static bool filter_read_value(struct filter_lex *lx, size_t *a, size_t *b, struct filter_error *err)
{
	if (lx->i < lx->len && lx->s[lx->i] == '"') {
		size_t q = lx->i;
		if (!filter_quoted(lx, a, b)) {
			filter_fail(err, q, lx->len - q, "a quote is not closed");
			return false;
		}
		return true;
	}
	*a = lx->i;
	while (lx->i < lx->len && !filter_blank(lx->s[lx->i]))
		lx->i++;
	*b = lx->i;
	return true;
}

static bool filter_term_field(struct filter_lex *lx, struct filter *f, struct filter_term *t, size_t start,
			      struct filter_error *err)
{
	size_t a, b;
	if (!filter_read_value(lx, &a, &b, err))
		return false;
	if (a == b) {
		char msg[96];
		snprintf(msg, sizeof msg, "%s: needs a value after the colon", filter_names[t->field]);
		filter_fail(err, start, lx->i - start, msg);
		return false;
	}
	filter_add(f, t, lx->s + a, b - a);
	struct filter_term *nt = &f->terms[f->nterms - 1];
	if (!filter_value(nt, start, lx->i - start, err)) {
		free(nt->value);
		f->nterms--;
		return false;
	}
	return true;
}

static bool filter_term(struct filter_lex *lx, struct filter *f, struct filter_error *err)
{
	size_t start = lx->i;
	struct filter_term t;
	memset(&t, 0, sizeof t);
	t.pat[0] = t.pat[1] = t.pat[2] = -1;
	if ((lx->s[lx->i] == '-' || lx->s[lx->i] == '!') && lx->i + 1 < lx->len && !filter_blank(lx->s[lx->i + 1])) {
		t.negate = true;
		lx->i++;
	}
	if (f->nterms == FILTER_TERMS_MAX) {
		filter_fail(err, start, lx->len - start, "too many terms");
		return false;
	}
	size_t a, b, klen;
	if (lx->s[lx->i] == '"') {
		if (!filter_quoted(lx, &a, &b)) {
			filter_fail(err, lx->i, lx->len - lx->i, "a quote is not closed");
			return false;
		}
		t.field = FILTER_TEXT;
		filter_add(f, &t, lx->s + a, b - a);
		return true;
	}
	int k = filter_field_prefix(lx, &t.field, &klen);
	if (k < 0) {
		char msg[192];
		snprintf(msg, sizeof msg,
			 "unknown field '%.*s:' (fields: " FILTER_FIELDS_HELP ")",
			 (int)(klen > 30 ? 30 : klen), lx->s + lx->i);
		filter_fail(err, lx->i, klen + 1, msg);
		return false;
	}
	if (k > 0)
		return filter_term_field(lx, f, &t, start, err);
	t.field = FILTER_TEXT;
	a = lx->i;
	while (lx->i < lx->len && !filter_blank(lx->s[lx->i]))
		lx->i++;
	filter_add(f, &t, lx->s + a, lx->i - a);
	return true;
}

bool filter_parse(const char *text, size_t len, struct filter *f, struct filter_error *err)
{
	memset(f, 0, sizeof *f);
	memset(err, 0, sizeof *err);
	if (len > FILTER_TEXT_MAX) {
		filter_fail(err, FILTER_TEXT_MAX, len - FILTER_TEXT_MAX, "the filter is too long");
		return false;
	}
	struct filter_lex lx = {text, len, 0};
	for (;;) {
		while (lx.i < lx.len && filter_blank(lx.s[lx.i]))
			lx.i++;
		if (lx.i == lx.len)
			return true;
		if (!filter_term(&lx, f, err)) {
			filter_free(f);
			return false;
		}
	}
}

void filter_free(struct filter *f)
{
	for (size_t i = 0; i < f->nterms; i++)
		free(f->terms[i].value);
	free(f->terms);
	f->terms = NULL;
	f->nterms = 0;
}

bool filter_is_empty(const struct filter *f)
{
	return f->nterms == 0;
}

/* ---- evaluation ---- */

static bool filter_code_is(int code, const struct filter_term *t)
{
	if (code < 100 || code > 999)
		return false;
	int d[3] = {code / 100, code / 10 % 10, code % 10};
	for (size_t i = 0; i < t->npat; i++)
		if (t->pat[i] >= 0 && t->pat[i] != d[i])
			return false;
	return true;
}

/* "5.7.1" against the pattern; false when esc is not an enhanced code. */
static bool filter_status_is(const char *esc, const struct filter_term *t)
{
	if (!esc || !*esc)
		return false;
	int part[3] = {-1, -1, -1};
	size_t n = 0;
	const char *p = esc;
	while (n < 3 && filter_isdigit(*p)) {
		int v = 0, digits = 0;
		while (filter_isdigit(*p) && digits < 4) {
			v = v * 10 + (*p++ - '0');
			digits++;
		}
		part[n++] = v;
		if (*p != '.')
			break;
		p++;
	}
	if (n != 3)
		return false;
	for (size_t i = 0; i < t->npat; i++)
		if (t->pat[i] >= 0 && t->pat[i] != part[i])
			return false;
	return true;
}

static bool filter_any_reply(const struct filter_item *it, const struct filter_term *t)
{
	for (size_t i = 0; i < it->nreplies; i++) {
		const struct filter_reply *r = &it->replies[i];
		if (t->field == FILTER_CODE ? filter_code_is(r->code, t) : filter_status_is(r->esc, t))
			return true;
	}
	return false;
}

static bool filter_any_rcpt(const struct filter_item *it, const struct filter_term *t)
{
	for (size_t i = 0; i < it->nrcpts; i++)
		if (filter_has(it->rcpts[i], t))
			return true;
	return false;
}

static bool filter_text(const struct filter_item *it, const struct filter_term *t)
{
	const char *fields[] = {it->from,   it->subject, it->hdr_from, it->hdr_to,   it->client,
				it->server, it->helo,    it->queue_id, it->auth_user};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (filter_has(fields[i], t))
			return true;
	if (filter_any_rcpt(it, t))
		return true;
	for (size_t i = 0; i < it->nreplies; i++)
		if (filter_contains(it->replies[i].text, it->replies[i].len, t->value, t->len))
			return true;
	return false;
}

static bool filter_prefix(const char *s, const struct filter_term *t)
{
	return s && !strncmp(s, t->value, t->len);
}

static bool filter_auth(const struct filter_item *it, const struct filter_term *t)
{
	if (t->flag >= 0)
		return (it->auth_mech != NULL) == (t->flag == 1);
	if (!it->auth_mech)
		return false;
	return filter_has(it->auth_user, t) || (it->auth_result && !strcmp(it->auth_result, t->value)) ||
	       filter_contains(it->auth_mech, strlen(it->auth_mech), t->value, t->len);
}

static bool filter_size(const struct filter_item *it, const struct filter_term *t)
{
	if (it->size < 0)
		return false;
	uint64_t s = (uint64_t)it->size;
	switch (t->cmp) {
	case FILTER_LT: return s < t->num;
	case FILTER_LE: return s <= t->num;
	case FILTER_GT: return s > t->num;
	case FILTER_GE: return s >= t->num;
	default: return s == t->num;
	}
}

static bool filter_term_match(const struct filter_term *t, const struct filter_item *it)
{
	switch (t->field) {
	case FILTER_TEXT: return filter_text(it, t);
	case FILTER_CODE:
	case FILTER_STATUS: return filter_any_reply(it, t);
	case FILTER_RCPT: return filter_any_rcpt(it, t);
	case FILTER_FROM: return filter_has(it->from, t) || filter_has(it->hdr_from, t);
	case FILTER_SUBJECT: return filter_has(it->subject, t);
	case FILTER_OUTCOME: return filter_prefix(it->outcome, t) || filter_prefix(it->outcome_class, t);
	case FILTER_TLS: return it->tls == (t->flag == 1);
	case FILTER_AUTH: return filter_auth(it, t);
	case FILTER_CLIENT: return filter_has(it->client, t);
	case FILTER_SERVER: return filter_has(it->server, t);
	case FILTER_HELO: return filter_has(it->helo, t);
	case FILTER_QUEUE: return filter_has(it->queue_id, t);
	case FILTER_SIZE: return filter_size(it, t);
	default: return false;
	}
}

bool filter_match(const struct filter *f, const struct filter_item *it)
{
	for (size_t i = 0; i < f->nterms; i++)
		if (filter_term_match(&f->terms[i], it) == f->terms[i].negate)
			return false;
	return true;
}
