/* msghdr.c - main message headers for timelines (RFC 5322 3.6, RFC 2047). */
#include "msghdr.h"
#include "buf.h"
#include "limits.h"
#include "mime.h"
#include "rfc5322.h"
#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Unfold and decode one field value into a new string. */
/* Whether "=?" (the start of an RFC 2047 encoded word) occurs in p. */
static bool msghdr_has_word(const uint8_t *p, size_t len)
{
	for (const uint8_t *e = p + len, *q = p; (q = memchr(q, '=', (size_t)(e - q))); q++)
		if (q + 1 < e && q[1] == '?')
			return true;
	return false;
}

static char *msghdr_value(const struct rfc5322_field *f)
{
	struct buf raw, dec;
	buf_init(&raw, HEADER_VALUE_MAX);
	buf_init(&dec, HEADER_VALUE_MAX);
	/* unfolding never lengthens a value: one allocation holds it */
	buf_reserve(&raw, f->value_len < HEADER_VALUE_MAX ? f->value_len : HEADER_VALUE_MAX);
	rfc5322_unfold(f->value, f->value_len, &raw);
	const uint8_t *r = raw.data ? raw.data : (const uint8_t *)"";
	if (!msghdr_has_word(r, raw.len)) /* no encoded word: the unfolded value is the result */
		return raw.data ? (char *)raw.data : xmemdup0("", 0);
	mime_decode_words(r, raw.len, &dec);
	char *s = xmemdup0(dec.data ? dec.data : (const uint8_t *)"", dec.len);
	buf_free(&raw);
	buf_free(&dec);
	return s;
}

static char *msghdr_get(const struct rfc5322_header *h, const char *name)
{
	const struct rfc5322_field *f = rfc5322_find(h, name);
	return f ? msghdr_value(f) : NULL;
}

void msghdr_extract(const uint8_t *p, size_t len, struct msg_headers *out)
{
	memset(out, 0, sizeof *out);
	struct rfc5322_header h;
	rfc5322_parse_header(p, len, HEADER_FIELDS_MAX, &h);
	out->nfields = h.nfields;
	out->date = msghdr_get(&h, "Date");
	out->from = msghdr_get(&h, "From");
	out->to = msghdr_get(&h, "To");
	out->cc = msghdr_get(&h, "Cc");
	out->subject = msghdr_get(&h, "Subject");
	out->message_id = msghdr_get(&h, "Message-ID");
	for (size_t i = 0; i < h.nfields && out->nreceived < MSGHDR_RECEIVED_MAX; i++) {
		const struct rfc5322_field *f = &h.fields[i];
		if (f->name_len != 8 || strncasecmp((const char *)f->name, "Received", 8))
			continue;
		out->received = xreallocarray(out->received, out->nreceived + 1, sizeof *out->received);
		out->received[out->nreceived++] = msghdr_value(f);
	}
	rfc5322_header_free(&h);
}

void msghdr_free(struct msg_headers *h)
{
	free(h->date);
	free(h->from);
	free(h->to);
	free(h->cc);
	free(h->subject);
	free(h->message_id);
	for (size_t i = 0; i < h->nreceived; i++)
		free(h->received[i]);
	free(h->received);
	memset(h, 0, sizeof *h);
}
