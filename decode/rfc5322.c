/* rfc5322.c - header block splitting, unfolding and lookup (RFC 5322 2.2, 2.2.3). */
#include "rfc5322.h"

#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

static int hdr_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static bool hdr_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

size_t rfc5322_next_line(const uint8_t *p, size_t len, size_t off)
{
	const uint8_t *nl = off < len ? memchr(p + off, '\n', len - off) : NULL;
	return nl ? (size_t)(nl - p) + 1 : len;
}

size_t rfc5322_line_len(const uint8_t *p, size_t len, size_t off)
{
	size_t end = rfc5322_next_line(p, len, off);
	if (end > off && p[end - 1] == '\n')
		end--;
	if (end > off && p[end - 1] == '\r')
		end--;
	return end - off;
}

/* Length of the field name at p when the line is "name[blanks]:", else 0. */
static size_t hdr_name_len(const uint8_t *p, size_t len, size_t *colon)
{
	size_t i = 0;
	while (i < len && p[i] > 32 && p[i] < 127 && p[i] != ':')
		i++;
	size_t n = i;
	while (i < len && hdr_blank(p[i]))
		i++;
	if (n == 0 || i >= len || p[i] != ':')
		return 0;
	*colon = i;
	return n;
}

bool rfc5322_looks_like_field(const uint8_t *p, size_t len)
{
	size_t colon;
	size_t ll = rfc5322_line_len(p, len, 0);
	return hdr_name_len(p, ll, &colon) > 0;
}

static void hdr_push(struct rfc5322_header *h, const struct rfc5322_field *f)
{
	if (h->nfields == h->alloc) {
		h->alloc = h->alloc ? h->alloc * 2 : 16;
		h->fields = xreallocarray(h->fields, h->alloc, sizeof *h->fields);
	}
	h->fields[h->nfields++] = *f;
}

/* True when the line at off is empty (only CR LF or LF). */
static bool hdr_empty_line(const uint8_t *p, size_t len, size_t off)
{
	return rfc5322_line_len(p, len, off) == 0 && off < len;
}

size_t rfc5322_parse_header(const uint8_t *p, size_t len, size_t max_fields,
			    struct rfc5322_header *out)
{
	memset(out, 0, sizeof *out);
	size_t off = 0;
	if (len >= 5 && !memcmp(p, "From ", 5))
		off = rfc5322_next_line(p, len, 0);
	struct rfc5322_field cur = {0};
	bool open = false;
	while (off < len) {
		size_t ll = rfc5322_line_len(p, len, off);
		size_t next = rfc5322_next_line(p, len, off);
		if (hdr_empty_line(p, len, off)) {
			out->has_body = true;
			off = next;
			break;
		}
		if (hdr_blank(p[off]) && open) {
			cur.value_len = off + ll - (size_t)(cur.value - p);
			off = next;
			continue;
		}
		size_t colon;
		size_t nl = hdr_name_len(p + off, ll, &colon);
		if (nl == 0) {
			/* Not a field: the header block ends here (body without separator). */
			out->malformed = out->nfields > 0 || open;
			break;
		}
		if (open)
			hdr_push(out, &cur);
		open = false;
		if (out->nfields >= max_fields) {
			out->truncated = true;
			off = next;
			continue;
		}
		size_t v = colon + 1;
		while (v < ll && hdr_blank(p[off + v]))
			v++;
		cur.name = p + off;
		cur.name_len = nl;
		cur.value = p + off + v;
		cur.value_len = ll - v;
		open = true;
		off = next;
	}
	if (open)
		hdr_push(out, &cur);
	out->body_offset = off;
	return out->nfields;
}

void rfc5322_header_free(struct rfc5322_header *h)
{
	free(h->fields);
	memset(h, 0, sizeof *h);
}

static bool hdr_name_eq(const struct rfc5322_field *f, const char *name)
{
	size_t n = strlen(name);
	if (f->name_len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (hdr_lower(f->name[i]) != hdr_lower((unsigned char)name[i]))
			return false;
	return true;
}

const struct rfc5322_field *rfc5322_find_nth(const struct rfc5322_header *h, const char *name,
					     size_t n)
{
	for (size_t i = 0; i < h->nfields; i++)
		if (hdr_name_eq(&h->fields[i], name) && n-- == 0)
			return &h->fields[i];
	return NULL;
}

const struct rfc5322_field *rfc5322_find(const struct rfc5322_header *h, const char *name)
{
	return rfc5322_find_nth(h, name, 0);
}

/* Append n bytes, or as many as fit before the cap (then false). */
static bool unfold_put(struct buf *out, const uint8_t *p, size_t n)
{
	if (buf_append(out, p, n))
		return true;
	size_t room = out->max > out->len ? out->max - out->len : 0;
	buf_append(out, p, room < n ? room : n);
	return false;
}

static bool unfold_ws(uint8_t c)
{
	return c == '\r' || c == '\n' || hdr_blank(c);
}

/* Runs of non-blank bytes are appended at once: every header of every
 * captured message comes through here. */
bool rfc5322_unfold(const uint8_t *v, size_t len, struct buf *out)
{
	bool any = false;
	size_t i = 0;
	while (i < len) {
		size_t ws = i;
		while (i < len && unfold_ws(v[i]))
			i++;
		if (i == len)
			break;
		if (any && i > ws && !unfold_put(out, (const uint8_t *)" ", 1))
			return false;
		size_t start = i;
		while (i < len && !unfold_ws(v[i]))
			i++;
		if (!unfold_put(out, v + start, i - start))
			return false;
		any = true;
	}
	return true;
}

bool rfc5322_get(const struct rfc5322_header *h, const char *name, struct buf *out)
{
	const struct rfc5322_field *f = rfc5322_find(h, name);
	if (!f)
		return false;
	rfc5322_unfold(f->value, f->value_len, out);
	return true;
}
