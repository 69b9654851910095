/* textmatch.c - case-insensitive phrase matching with '*' wildcards (see textmatch.h). */
#include "textmatch.h"

#include <string.h>

static int tm_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static bool tm_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Match one literal fragment (no '*') at text[i]; returns bytes consumed or -1. */
static long tm_fragment_at(const uint8_t *t, size_t len, size_t i, const char *f, size_t flen)
{
	size_t start = i;
	for (size_t k = 0; k < flen; k++) {
		if (i >= len)
			return -1;
		if (f[k] == ' ') {
			if (!tm_space(t[i]))
				return -1;
			while (i < len && tm_space(t[i]))
				i++;
			continue;
		}
		if (tm_lower(t[i]) != tm_lower((unsigned char)f[k]))
			return -1;
		i++;
	}
	return (long)(i - start);
}

/* Find fragment f at or after *pos; on success advance *pos past it. */
static bool tm_find(const uint8_t *t, size_t len, size_t *pos, const char *f, size_t flen)
{
	if (flen == 0)
		return true;
	for (size_t i = *pos; i < len; i++) {
		long n = tm_fragment_at(t, len, i, f, flen);
		if (n >= 0) {
			*pos = i + (size_t)n;
			return true;
		}
	}
	return false;
}

bool text_match(const uint8_t *text, size_t len, const char *pattern)
{
	size_t pos = 0;
	const char *p = pattern;
	while (*p) {
		const char *star = strchr(p, '*');
		size_t flen = star ? (size_t)(star - p) : strlen(p);
		if (!tm_find(text, len, &pos, p, flen))
			return false;
		p += flen;
		if (*p == '*')
			p++;
	}
	return true;
}

bool text_match_any(const uint8_t *text, size_t len, const char *const *patterns)
{
	for (; *patterns; patterns++)
		if (text_match(text, len, *patterns))
			return true;
	return false;
}
