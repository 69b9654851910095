/* esc.c - RFC 3463 enhanced status codes ("class.subject.detail"): parsing,
 * formatting and lookup in the IANA registry table (RFC 3463, RFC 5248), whose
 * data lives in the generated esc_table.c. */
#include "esc.h"

#include <stdio.h>
#include <string.h>

/* One sub-code: 1 to 3 digits (RFC 3463 2: "1*3digit"), without a leading
 * zero unless it is "0" itself. Returns the digits used, 0 when malformed. */
static size_t esc_parse_number(const uint8_t *p, size_t len, int *out)
{
	size_t n = 0;
	int v = 0;

	while (n < len && p[n] >= '0' && p[n] <= '9') {
		if (n == 3)
			return 0; /* a fourth digit: not a sub-code */
		v = v * 10 + (p[n] - '0');
		n++;
	}
	if (n == 0 || (n > 1 && p[0] == '0'))
		return 0;
	*out = v;
	return n;
}

bool esc_parse(const uint8_t *p, size_t len, struct esc_code *out, size_t *used)
{
	struct esc_code c;
	size_t i, n;

	if (!p || len < 5 || (p[0] != '2' && p[0] != '4' && p[0] != '5') || p[1] != '.')
		return false;
	c.cls = p[0] - '0';
	i = 2;
	n = esc_parse_number(p + i, len - i, &c.subject);
	if (n == 0)
		return false;
	i += n;
	if (i >= len || p[i] != '.')
		return false;
	i++;
	n = esc_parse_number(p + i, len - i, &c.detail);
	if (n == 0)
		return false;
	i += n;
	if (i < len && (p[i] == '.' || (p[i] >= '0' && p[i] <= '9')))
		return false;
	if (out)
		*out = c;
	if (used)
		*used = i;
	return true;
}

void esc_format(const struct esc_code *c, char *buf, size_t size)
{
	if (!buf || size == 0)
		return;
	if (!c) {
		buf[0] = '\0';
		return;
	}
	/* by hand: this runs for every reply of a capture */
	char tmp[16];
	size_t n = 0;
	int parts[3] = {c->cls, c->subject, c->detail};
	for (int k = 0; k < 3; k++) {
		int v = parts[k] < 0 ? 0 : parts[k] > 999 ? 999 : parts[k];
		if (k)
			tmp[n++] = '.';
		if (v >= 100)
			tmp[n++] = (char)('0' + v / 100);
		if (v >= 10)
			tmp[n++] = (char)('0' + v / 10 % 10);
		tmp[n++] = (char)('0' + v % 10);
	}
	if (n >= size)
		n = size - 1;
	memcpy(buf, tmp, n);
	buf[n] = '\0';
}

const struct esc_info *esc_lookup(int subject, int detail)
{
	size_t n = esc_count();

	for (size_t i = 0; i < n; i++) {
		const struct esc_info *e = esc_at(i);
		if (e->subject == subject && e->detail == detail)
			return e;
	}
	return NULL;
}
