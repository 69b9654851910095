/* ehlo.c - lookup of EHLO keywords (RFC 5321 2.2.2, IANA "SMTP Service
 * Extensions") and SASL mechanisms (RFC 4422, RFC 4954, IANA "SASL Mechanisms")
 * in the generated tables ehlo_table.c and sasl_table.c. */
#include "ehlo.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* The keyword part of kw: up to the first space or tab (so that a whole EHLO
 * line such as "SIZE 35882577" also works). */
static size_t ehlo_word_len(const char *kw, size_t len)
{
	size_t n = 0;

	while (n < len && kw[n] != ' ' && kw[n] != '\t' && kw[n] != '\0')
		n++;
	return n;
}

static bool ehlo_name_eq(const char *name, const char *s, size_t len)
{
	return strlen(name) == len && strncasecmp(name, s, len) == 0;
}

const struct ehlo_ext *ehlo_lookup(const char *kw, size_t len)
{
	size_t n, count = ehlo_count();

	if (!kw)
		return NULL;
	n = ehlo_word_len(kw, len);
	if (n == 0)
		return NULL;
	for (size_t i = 0; i < count; i++) {
		const struct ehlo_ext *e = ehlo_at(i);
		if (ehlo_name_eq(e->keyword, kw, n))
			return e;
	}
	/* The legacy "AUTH=LOGIN PLAIN" form: any AUTH=<mech> keyword. */
	if (n > 5 && strncasecmp(kw, "AUTH=", 5) == 0)
		return ehlo_lookup("AUTH=LOGIN", 10);
	return NULL;
}

const struct sasl_mech *sasl_lookup(const char *name, size_t len)
{
	size_t n, count = sasl_count();
	const struct sasl_mech *family = NULL;

	if (!name)
		return NULL;
	n = ehlo_word_len(name, len);
	if (n == 0)
		return NULL;
	for (size_t i = 0; i < count; i++) {
		const struct sasl_mech *m = sasl_at(i);
		size_t mlen = strlen(m->name);
		if (ehlo_name_eq(m->name, name, n))
			return m;
		/* A family entry such as "SCRAM-*" or "GS2-*" covers unlisted members. */
		if (!family && mlen > 1 && m->name[mlen - 1] == '*' && n >= mlen &&
		    strncasecmp(m->name, name, mlen - 1) == 0)
			family = m;
	}
	return family;
}
