/* bounce_json.c - Amazon SES bounce and complaint notifications, which arrive
 * as a JSON document in a text part (SES notification contents, as delivered
 * by SNS e-mail subscriptions). A small bounded scanner, not a JSON parser. */
#include <string.h>

#include "bounce_int.h"

/* Offset just past the JSON string starting at p[i] == '"', or len. */
static size_t js_skip_string(const uint8_t *p, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (p[i] == '\\')
			i++;
		else if (p[i] == '"')
			return i + 1;
	}
	return len;
}

/* End (exclusive) of the object or array opening at p[i]. */
static size_t js_skip_value(const uint8_t *p, size_t len, size_t i)
{
	int depth = 0;
	while (i < len) {
		if (p[i] == '"') {
			i = js_skip_string(p, len, i);
			continue;
		}
		if (p[i] == '{' || p[i] == '[')
			depth++;
		else if ((p[i] == '}' || p[i] == ']') && --depth <= 0)
			return i + 1;
		i++;
	}
	return len;
}

/* Find "key": in p[0..len) and return the offset of its value, or -1. */
static long js_find_key(const uint8_t *p, size_t len, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i + kl + 2 < len; i++) {
		if (p[i] != '"' || memcmp(p + i + 1, key, kl) || p[i + kl + 1] != '"')
			continue;
		size_t k = i + kl + 2;
		while (k < len && (p[k] == ' ' || p[k] == '\t' || p[k] == '\n' || p[k] == '\r'))
			k++;
		if (k < len && p[k] == ':') {
			k++;
			while (k < len && (p[k] == ' ' || p[k] == '\t' || p[k] == '\n' || p[k] == '\r'))
				k++;
			return (long)k;
		}
	}
	return -1;
}

/* Copy the string value of key (escapes kept simple) into out. */
static bool js_get_string(const uint8_t *p, size_t len, const char *key, struct buf *out)
{
	long v = js_find_key(p, len, key);
	if (v < 0 || (size_t)v >= len || p[v] != '"')
		return false;
	size_t end = js_skip_string(p, len, (size_t)v);
	for (size_t i = (size_t)v + 1; i + 1 < end; i++) {
		if (p[i] == '\\' && i + 2 < end) {
			i++;
			uint8_t e = p[i];
			buf_append_byte(out, e == 'n' ? '\n' : e == 't' ? '\t' : e);
			continue;
		}
		buf_append_byte(out, p[i]);
	}
	return true;
}

static void js_recipient(struct bctx *c, const uint8_t *o, size_t n, enum reason preset)
{
	struct buf b;
	buf_init(&b, 1024);
	if (!js_get_string(o, n, "emailAddress", &b)) {
		buf_free(&b);
		return;
	}
	struct bdraft *d = bounce_draft_add(c, b.data ? (const char *)b.data : "", b.len);
	buf_reset(&b);
	if (!d) {
		buf_free(&b);
		return;
	}
	if (js_get_string(o, n, "action", &b))
		bounce_copy(d->action, sizeof d->action, b.data, b.len);
	buf_reset(&b);
	if (js_get_string(o, n, "status", &b))
		bounce_find_status(b.data, b.len, d->status);
	buf_reset(&b);
	if (js_get_string(o, n, "diagnosticCode", &b)) {
		const uint8_t *v = b.data;
		size_t vl = b.len;
		const uint8_t *semi = memchr(v, ';', vl < 12 ? vl : 12);
		if (semi) {
			bounce_copy(d->diag_type, sizeof d->diag_type, v, (size_t)(semi - v));
			vl -= (size_t)(semi - v) + 1;
			v = semi + 1;
		}
		while (vl && *v == ' ')
			v++, vl--;
		buf_append(&d->diag, v, vl);
	}
	if (preset != REASON_LAST)
		d->preset = preset;
	buf_free(&b);
}

static size_t js_array(struct bctx *c, const uint8_t *p, size_t len, const char *key,
		       enum reason preset)
{
	long a = js_find_key(p, len, key);
	if (a < 0 || p[a] != '[')
		return 0;
	size_t end = js_skip_value(p, len, (size_t)a), before = c->nd;
	for (size_t i = (size_t)a + 1; i < end; i++) {
		if (p[i] == '"') {
			i = js_skip_string(p, end, i) - 1;
			continue;
		}
		if (p[i] != '{')
			continue;
		size_t oe = js_skip_value(p, end, i);
		js_recipient(c, p + i, oe - i, preset);
		i = oe - 1;
	}
	return c->nd - before;
}

size_t bounce_read_json(struct bctx *c)
{
	const uint8_t *p = c->text.data;
	size_t len = c->text.len;
	if (!p || js_find_key(p, len, "notificationType") < 0)
		return 0;
	size_t n = js_array(c, p, len, "bouncedRecipients", REASON_LAST);
	n += js_array(c, p, len, "complainedRecipients", REASON_FEEDBACK);
	n += js_array(c, p, len, "deliveredRecipients", REASON_DELIVERED);
	if (n) {
		struct buf b;
		buf_init(&b, 256);
		if (js_get_string(p, len, "reportingMTA", &b)) {
			const uint8_t *semi = memchr(b.data, ';', b.len);
			size_t skip = semi ? (size_t)(semi - b.data) + 1 : 0;
			bounce_copy(c->reporting_mta, sizeof c->reporting_mta, b.data + skip, b.len - skip);
		}
		buf_free(&b);
		c->format = "amazonses";
	}
	return n;
}
