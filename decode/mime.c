/* mime.c - Content-Type and parameters (RFC 2045 5.1, RFC 2046), transfer
 * encodings (RFC 2045 6.1) and the bounded walk over multipart bodies (RFC 2046 5.1). */
#include "mime.h"

#include <string.h>
#include <strings.h>

#include "limits.h"

static int mm_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static bool mm_blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 2045 tspecials end a token. */
static bool mm_token_char(uint8_t c)
{
	return c > ' ' && c < 127 && !strchr("()<>@,;:\\\"/[]?=", c);
}

/* Copy p[0..n) lower-cased into out (size > 0), truncating. */
static void mm_copy_lower(char *out, size_t size, const uint8_t *p, size_t n, bool lower)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < size; i++)
		out[k++] = (char)(lower ? mm_lower(p[i]) : p[i]);
	out[k] = '\0';
}

/* Read a parameter value (token or quoted string) at p[*i]; copy into out. */
static void mm_read_value(const uint8_t *p, size_t len, size_t *i, char *out, size_t size)
{
	size_t k = 0;
	if (*i < len && p[*i] == '"') {
		(*i)++;
		while (*i < len && p[*i] != '"') {
			if (p[*i] == '\\' && *i + 1 < len)
				(*i)++;
			if (p[*i] != '\r' && p[*i] != '\n' && k + 1 < size)
				out[k++] = (char)p[*i];
			(*i)++;
		}
		if (*i < len)
			(*i)++;
	} else {
		while (*i < len && p[*i] != ';' && !mm_blank(p[*i])) {
			if (k + 1 < size)
				out[k++] = (char)p[*i];
			(*i)++;
		}
	}
	out[k] = '\0';
}

bool mime_param(const uint8_t *p, size_t len, const char *name, char *out, size_t size)
{
	size_t nlen = strlen(name);
	const uint8_t *semi = memchr(p, ';', len);
	size_t i = semi ? (size_t)(semi - p) : len;
	char tmp[4];
	while (i < len) {
		while (i < len && (p[i] == ';' || mm_blank(p[i])))
			i++;
		size_t ns = i;
		while (i < len && mm_token_char(p[i]))
			i++;
		size_t ne = i;
		while (i < len && mm_blank(p[i]))
			i++;
		if (i >= len || p[i] != '=') {
			if (i == ns)
				i++; /* stray byte: skip it */
			continue;
		}
		i++;
		while (i < len && mm_blank(p[i]))
			i++;
		bool match = ne - ns == nlen && !strncasecmp((const char *)p + ns, name, nlen);
		if (match) {
			mm_read_value(p, len, &i, out, size);
			return true;
		}
		mm_read_value(p, len, &i, tmp, sizeof tmp);
	}
	return false;
}

bool mime_parse_type(const uint8_t *p, size_t len, struct mime_type *out)
{
	memset(out, 0, sizeof *out);
	memcpy(out->type, "text", 5);
	memcpy(out->subtype, "plain", 6);
	size_t i = 0;
	while (i < len && mm_blank(p[i]))
		i++;
	size_t ts = i;
	while (i < len && mm_token_char(p[i]))
		i++;
	size_t te = i;
	while (i < len && mm_blank(p[i]))
		i++;
	if (te == ts || i >= len || p[i] != '/')
		return false;
	i++;
	while (i < len && mm_blank(p[i]))
		i++;
	size_t ss = i;
	while (i < len && mm_token_char(p[i]))
		i++;
	if (i == ss)
		return false;
	mm_copy_lower(out->type, sizeof out->type, p + ts, te - ts, true);
	mm_copy_lower(out->subtype, sizeof out->subtype, p + ss, i - ss, true);
	mime_param(p, len, "charset", out->charset, sizeof out->charset);
	mime_param(p, len, "boundary", out->boundary, sizeof out->boundary);
	if (mime_param(p, len, "report-type", out->report_type, sizeof out->report_type))
		for (char *c = out->report_type; *c; c++)
			*c = (char)mm_lower((unsigned char)*c);
	return true;
}

bool mime_type_is(const struct mime_type *t, const char *type, const char *subtype)
{
	return !strcasecmp(t->type, type) && (!subtype || !strcasecmp(t->subtype, subtype));
}

enum mime_cte mime_parse_cte(const uint8_t *p, size_t len)
{
	static const struct {
		const char *name;
		enum mime_cte cte;
	} names[] = {{"7bit", CTE_7BIT},	      {"8bit", CTE_8BIT},   {"binary", CTE_BINARY},
		     {"quoted-printable", CTE_QP}, {"base64", CTE_BASE64}};
	while (len && mm_blank(*p))
		p++, len--;
	while (len && mm_blank(p[len - 1]))
		len--;
	if (len == 0)
		return CTE_7BIT;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i].name) == len && !strncasecmp((const char *)p, names[i].name, len))
			return names[i].cte;
	return CTE_OTHER;
}

/* ---- the walk ---- */

struct mm_walk {
	mime_visit_fn fn;
	void *user;
	struct mime_walk_stats *st;
};

static void mm_entity(struct mm_walk *w, const uint8_t *p, size_t len, int depth);

static bool mm_report(struct mm_walk *w, const struct rfc5322_header *h,
		      const struct mime_type *t, enum mime_cte cte, const uint8_t *body,
		      size_t blen, int depth)
{
	if (w->st->stopped)
		return false;
	if (w->st->parts >= MIME_PARTS_MAX) {
		w->st->parts_exceeded = true;
		return false;
	}
	struct mime_part part = {h, *t, cte, body, blen, depth, w->st->parts};
	w->st->parts++;
	if (!w->fn(&part, w->user))
		w->st->stopped = true;
	return !w->st->stopped;
}

/* When the line at off is a delimiter for b, return 1 (part), 2 (close), else 0. */
static int mm_delim(const uint8_t *p, size_t len, size_t off, const char *b, size_t blen)
{
	if (len - off < blen + 2 || p[off] != '-' || p[off + 1] != '-' ||
	    memcmp(p + off + 2, b, blen))
		return 0;
	size_t i = off + 2 + blen;
	int kind = 1;
	if (i + 1 < len && p[i] == '-' && p[i + 1] == '-') {
		kind = 2;
		i += 2;
	}
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
		i++;
	return (i == len || p[i] == '\n') ? kind : 0;
}

/* Trim the line break that precedes a delimiter (it belongs to the delimiter). */
static size_t mm_trim_eol(const uint8_t *p, size_t start, size_t end)
{
	if (end > start && p[end - 1] == '\n')
		end--;
	if (end > start && p[end - 1] == '\r')
		end--;
	return end;
}

/* Split a multipart body; returns false when no delimiter was found. */
static bool mm_multipart(struct mm_walk *w, const uint8_t *p, size_t len, const char *b, int depth)
{
	size_t blen = strlen(b), off = 0, start = 0;
	bool in_part = false, closed = false;
	while (off < len && !closed && !w->st->stopped) {
		size_t next = rfc5322_next_line(p, len, off);
		int k = mm_delim(p, len, off, b, blen);
		if (k) {
			if (in_part)
				mm_entity(w, p + start, mm_trim_eol(p, start, off) - start, depth + 1);
			in_part = k == 1;
			closed = k == 2;
			start = next;
		}
		off = next;
	}
	if (in_part && !w->st->stopped) {
		w->st->unterminated = true;
		mm_entity(w, p + start, len - start, depth + 1);
	}
	return in_part || closed;
}

static void mm_entity(struct mm_walk *w, const uint8_t *p, size_t len, int depth)
{
	struct rfc5322_header h;
	struct mime_type t;
	rfc5322_parse_header(p, len, HEADER_FIELDS_MAX, &h);
	const struct rfc5322_field *ct = rfc5322_find(&h, "Content-Type");
	const struct rfc5322_field *te = rfc5322_find(&h, "Content-Transfer-Encoding");
	if (!ct || !mime_parse_type(ct->value, ct->value_len, &t))
		mime_parse_type((const uint8_t *)"text/plain", 10, &t);
	enum mime_cte cte = te ? mime_parse_cte(te->value, te->value_len) : CTE_7BIT;
	const uint8_t *body = p + h.body_offset;
	size_t blen = len - h.body_offset;
	if (mime_type_is(&t, "multipart", NULL) && t.boundary[0]) {
		if (depth >= MIME_DEPTH_MAX)
			w->st->depth_exceeded = true;
		else if (!mm_multipart(w, body, blen, t.boundary, depth)) {
			mime_parse_type((const uint8_t *)"text/plain", 10, &t);
			mm_report(w, &h, &t, cte, body, blen, depth);
		}
	} else {
		mm_report(w, &h, &t, cte, body, blen, depth);
	}
	rfc5322_header_free(&h);
}

void mime_walk(const uint8_t *p, size_t len, mime_visit_fn fn, void *user,
	       struct mime_walk_stats *stats)
{
	struct mime_walk_stats local;
	struct mm_walk w = {fn, user, stats ? stats : &local};
	memset(w.st, 0, sizeof *w.st);
	mm_entity(&w, p, len, 0);
}

bool mime_part_text(const struct mime_part *part, struct buf *out)
{
	const struct mime_type *t = &part->type;
	if (!mime_type_is(t, "text", NULL) || !t->charset[0])
		return mime_decode(part->cte, part->body, part->body_len, out) == 0;
	struct buf raw;
	buf_init(&raw, out->max);
	bool ok = mime_decode(part->cte, part->body, part->body_len, &raw) == 0;
	ok = mime_to_utf8(t->charset, raw.data ? raw.data : (const uint8_t *)"", raw.len, out) &&
	     ok;
	buf_free(&raw);
	return ok;
}
