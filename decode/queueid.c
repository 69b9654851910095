/* queueid.c - table-driven extraction of MTA queue ids from end-of-data replies (RFC 5321 4.2 reply text; forms documented by each MTA). */
#include "queueid.h"

#include <string.h>

enum qid_where {
	QID_AFTER,  /* the token right after the anchor */
	QID_BEFORE, /* the token right before the anchor */
	QID_ANGLE,  /* the first <...> anywhere, when the anchor is present */
};

struct qid_rule {
	const char *mta;
	const char *anchor;   /* case-insensitive phrase */
	enum qid_where where;
	const char *extra;    /* bytes allowed in the id besides letters and digits */
	size_t minlen;
	const char *example;  /* a reply of this form (also used by the tests) */
};

/* Most specific first: the first rule whose anchor and token both match wins. */
static const struct qid_rule rules[] = {
	{"gmail", " - gsmtp", QID_BEFORE, "-._", 4,
	 "250 2.0.0 OK  1700000000 x12-20020a05.123 - gsmtp"},
	{"microsoft", "queued mail for delivery", QID_ANGLE, "-._@=+$", 3,
	 "250 2.6.0 <DB9PR01MB1234.eurprd01.prod.exchangelabs.com> [InternalId=4123, Hostname=DB9PR01MB1234] "
	 "Queued mail for delivery"},
	{"exchange", "InternalId=", QID_AFTER, "", 1,
	 "250 2.6.0 [InternalId=4123987] Queued mail for delivery"},
	{"postfix", "queued as ", QID_AFTER, "-._", 4, "250 2.0.0 Ok: queued as 4ABC123DEF"},
	{"exim", "id=", QID_AFTER, "-", 6, "250 OK id=1qXYZ-0004aB-Cd"},
	{"qmail", " qp ", QID_AFTER, "", 1, "250 ok 1700000000 qp 5678"},
	{"haraka", "Message Queued (", QID_AFTER, "-.", 4,
	 "250 Message Queued (5D2A4B2B-3D4E-4F5A-9A8B-1C2D3E4F5A6B.1.1)"},
	{"sendmail", " Message accepted", QID_BEFORE, "", 6,
	 "250 2.0.0 x8GKQ5Zs012345 Message accepted for delivery"},
	{"amazon-ses", "Ok ", QID_AFTER, "-", 20,
	 "250 Ok 0100018b2c3d4e5f-1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-000000"},
};

static uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* Position of the phrase in p (ASCII case-insensitive), or SIZE_MAX. */
static size_t ifind(const uint8_t *p, size_t len, const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i + n <= len; i++) {
		size_t k = 0;
		while (k < n && lower(p[i + k]) == lower((uint8_t)s[k]))
			k++;
		if (k == n)
			return i;
	}
	return SIZE_MAX;
}

static bool id_char(uint8_t c, const char *extra)
{
	if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
		return true;
	return c && strchr(extra, c) != NULL;
}

static bool put_id(struct queueid *out, const struct qid_rule *r, const uint8_t *s, size_t n)
{
	if (n < r->minlen || n >= QUEUEID_MAX)
		return false;
	memcpy(out->id, s, n);
	out->id[n] = '\0';
	out->mta = r->mta;
	if (strcmp(r->mta, "sendmail") == 0 && n == 8) { /* OpenSMTPD: 8 lower-case hex digits */
		bool hex = true;
		for (size_t i = 0; i < n; i++)
			hex = hex && ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'));
		if (hex)
			out->mta = "opensmtpd";
	}
	return true;
}

static bool rule_apply(const struct qid_rule *r, const uint8_t *p, size_t len, struct queueid *out)
{
	size_t a = ifind(p, len, r->anchor);
	if (a == SIZE_MAX)
		return false;
	size_t s, e;
	switch (r->where) {
	case QID_AFTER:
		s = a + strlen(r->anchor);
		while (s < len && p[s] == ' ')
			s++;
		for (e = s; e < len && id_char(p[e], r->extra); e++)
			;
		return put_id(out, r, p + s, e - s);
	case QID_BEFORE:
		e = a;
		while (e > 0 && p[e - 1] == ' ')
			e--;
		for (s = e; s > 0 && id_char(p[s - 1], r->extra); s--)
			;
		if (s > 0 && p[s - 1] != ' ')
			return false;
		return put_id(out, r, p + s, e - s);
	case QID_ANGLE: {
		const uint8_t *lt = memchr(p, '<', len);
		if (!lt)
			return false;
		s = (size_t)(lt - p) + 1;
		for (e = s; e < len && id_char(p[e], r->extra); e++)
			;
		if (e >= len || p[e] != '>')
			return false;
		return put_id(out, r, p + s, e - s);
	}
	}
	return false;
}

/* Skip a leading "250 " / "250-" and an enhanced status code. */
static size_t skip_codes(const uint8_t *p, size_t len)
{
	size_t i = 0;
	if (len >= 4 && p[0] >= '2' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9' &&
	    (p[3] == ' ' || p[3] == '-'))
		i = 4;
	if (i + 1 < len && p[i] >= '2' && p[i] <= '5' && p[i + 1] == '.') {
		size_t j = i;
		while (j < len && ((p[j] >= '0' && p[j] <= '9') || p[j] == '.'))
			j++;
		if (j == len || p[j] == ' ')
			i = j;
	}
	while (i < len && p[i] == ' ')
		i++;
	return i;
}

bool queueid_extract(const uint8_t *text, size_t len, struct queueid *out)
{
	out->id[0] = '\0';
	out->mta = NULL;
	size_t k = skip_codes(text, len);
	/* keep one blank before the text so " Message accepted" also matches at its start */
	if (k > 0 && text[k - 1] == ' ')
		k--;
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (rule_apply(&rules[i], text + k, len - k, out))
			return true;
	out->id[0] = '\0';
	out->mta = NULL;
	return false;
}

size_t queueid_rule_count(void)
{
	return sizeof rules / sizeof rules[0];
}

const char *queueid_rule_mta(size_t i)
{
	return i < queueid_rule_count() ? rules[i].mta : NULL;
}

const char *queueid_rule_example(size_t i)
{
	return i < queueid_rule_count() ? rules[i].example : NULL;
}
