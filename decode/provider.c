/* provider.c - find the provider rule that explains a reply text (see provider.h):
 * normalise the text, drop continuation prefixes (RFC 5321 4.2.1 multi-line
 * replies, RFC 3463 enhanced codes), screen rules with a trigram filter, then
 * confirm with textmatch.h. */
#include "provider.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "limits.h"
#include "provider_rules.h"
#include "textmatch.h"
#include "xmalloc.h"

static const struct provider_segment *const provider_segments[] = {
	&provider_rules_google, &provider_rules_microsoft, &provider_rules_mailbox,
	&provider_rules_intl,   &provider_rules_filter,
};
#define SEGMENT_COUNT (sizeof provider_segments / sizeof provider_segments[0])

/* Trigrams of the text are hashed into an 8192-bit set; each rule keeps up to
 * KEY_GRAMS trigram hashes spread over the longest literal run of its pattern.
 * A rule is tried only when all of them are in the set: most rules fail on the
 * first or second bit test, so text_match() runs for a handful of rules. */
#define GRAM_BITS 8192u
#define KEY_GRAMS 16

struct provider_key {
	const struct provider_rule *rule;
	uint16_t gram[KEY_GRAMS];
	uint8_t ngram;
};

/* Built on first use and kept for the life of the process (smtpscope is single-
 * threaded; a multi-threaded caller must call provider_count() once first). */
static struct provider_key *provider_keys;
static size_t provider_total;

static int pv_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static bool pv_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool pv_digit(int c)
{
	return c >= '0' && c <= '9';
}

static uint16_t pv_trigram(unsigned a, unsigned b, unsigned c)
{
	uint32_t h = ((a * 31u + b) * 31u + c) * 2654435761u;
	return (uint16_t)(h >> 19); /* 13 bits */
}

/* The longest '*'-free run of a pattern: the most selective literal part. */
static void pv_key_build(struct provider_key *k, const char *pattern)
{
	const char *best = pattern;
	size_t best_len = 0;
	for (const char *p = pattern; *p;) {
		size_t n = strcspn(p, "*");
		if (n > best_len) {
			best = p;
			best_len = n;
		}
		p += n;
		if (*p == '*')
			p++;
	}
	k->ngram = 0;
	if (best_len < 3)
		return;
	size_t grams = best_len - 2;
	size_t take = grams < KEY_GRAMS ? grams : KEY_GRAMS;
	for (size_t i = 0; i < take; i++) {
		size_t at = take > 1 ? i * (grams - 1) / (take - 1) : 0;
		k->gram[k->ngram++] = pv_trigram((unsigned)pv_lower((unsigned char)best[at]),
						 (unsigned)pv_lower((unsigned char)best[at + 1]),
						 (unsigned)pv_lower((unsigned char)best[at + 2]));
	}
}

static void provider_init(void)
{
	if (provider_keys)
		return;
	size_t total = 0;
	for (size_t s = 0; s < SEGMENT_COUNT; s++)
		total += provider_segments[s]->count;
	struct provider_key *keys = xcalloc(total, sizeof *keys);
	size_t n = 0;
	for (size_t s = 0; s < SEGMENT_COUNT; s++) {
		for (size_t i = 0; i < provider_segments[s]->count; i++) {
			keys[n].rule = &provider_segments[s]->rules[i];
			pv_key_build(&keys[n], keys[n].rule->pattern);
			n++;
		}
	}
	provider_total = total;
	provider_keys = keys;
}

size_t provider_count(void)
{
	provider_init();
	return provider_total;
}

const struct provider_rule *provider_at(size_t i)
{
	provider_init();
	return i < provider_total ? provider_keys[i].rule : NULL;
}

/* Length of an enhanced status "d.d{1,3}.d{1,3}" at p[i], or 0. */
static size_t pv_status_len(const uint8_t *p, size_t len, size_t i)
{
	size_t j = i;
	if (j >= len || !(p[j] == '2' || p[j] == '4' || p[j] == '5'))
		return 0;
	j++;
	for (int part = 0; part < 2; part++) {
		if (j >= len || p[j] != '.')
			return 0;
		j++;
		size_t digits = 0;
		while (j < len && pv_digit(p[j]) && digits < 4) {
			j++;
			digits++;
		}
		if (digits == 0 || digits > 3)
			return 0;
	}
	if (j < len && (pv_digit(p[j]) || p[j] == '.'))
		return 0;
	return j - i;
}

/* A reply-code prefix at p[i] ("550-", "550-5.7.26", "550 5.2.1"), followed by
 * the whitespace after it: bytes to skip, or 0 when there is none. */
static size_t pv_prefix_len(const uint8_t *p, size_t len, size_t i)
{
	if (i + 4 > len || !(p[i] >= '2' && p[i] <= '5') || !pv_digit(p[i + 1]) || !pv_digit(p[i + 2]))
		return 0;
	size_t j = i + 3;
	size_t st;
	if (p[j] == '-') {
		j++;
		st = pv_status_len(p, len, j);
		j += st;
	} else if (pv_space(p[j])) {
		st = pv_status_len(p, len, j + 1);
		if (st == 0)
			return 0;
		j += 1 + st;
	} else {
		return 0;
	}
	if (j < len && !pv_space(p[j]))
		return 0;
	while (j < len && pv_space(p[j]))
		j++;
	return j - i;
}

/* Lower-case copy with whitespace runs folded to one space and reply-code
 * prefixes at word starts removed; out holds at least len bytes. */
static size_t pv_normalize(const uint8_t *p, size_t len, uint8_t *out)
{
	size_t n = 0;
	size_t i = 0;
	while (i < len) {
		if (i == 0 || pv_space(p[i - 1]) || p[i - 1] == ';') {
			size_t skip = pv_prefix_len(p, len, i);
			if (skip) {
				i += skip;
				if (n > 0 && out[n - 1] != ' ')
					out[n++] = ' ';
				continue;
			}
		}
		if (pv_space(p[i])) {
			if (n == 0 || out[n - 1] != ' ')
				out[n++] = ' ';
			i++;
			continue;
		}
		out[n++] = (uint8_t)pv_lower(p[i]);
		i++;
	}
	return n;
}

/* Code and enhanced status at the start of a text: "[smtp;] 550[ -]5.7.1 ...". */
static void pv_leading_codes(const uint8_t *p, size_t len, int *code, char status[16])
{
	size_t i = 0;
	while (i < len && pv_space(p[i]))
		i++;
	if (i + 5 <= len && !strncasecmp((const char *)p + i, "smtp;", 5))
		i += 5;
	while (i < len && pv_space(p[i]))
		i++;
	if (i + 3 < len && p[i] >= '2' && p[i] <= '5' && pv_digit(p[i + 1]) && pv_digit(p[i + 2]) &&
	    (p[i + 3] == ' ' || p[i + 3] == '-')) {
		if (*code == 0)
			*code = (p[i] - '0') * 100 + (p[i + 1] - '0') * 10 + (p[i + 2] - '0');
		i += 4;
	}
	if (i < len && p[i] == '#')
		i++;
	size_t st = pv_status_len(p, len, i);
	if (status[0] == '\0' && st > 0 && st < 16) {
		memcpy(status, p + i, st);
		status[st] = '\0';
	}
}

enum pv_fit { FIT_NO, FIT_UNSURE, FIT_SURE };

/* How a rule's filters fit what the caller knows. */
static enum pv_fit pv_rule_fit(const struct provider_rule *r, int code, const char *status)
{
	bool unsure = false;
	if (r->code != 0) {
		if (code == 0)
			unsure = true;
		else if (code != r->code)
			return FIT_NO;
	}
	if (r->status) {
		if (status[0] == '\0')
			unsure = true;
		else if (strcmp(status, r->status) != 0)
			return FIT_NO;
	}
	return unsure ? FIT_UNSURE : FIT_SURE;
}

static bool pv_key_present(const struct provider_key *k, const uint64_t *set)
{
	for (uint8_t i = 0; i < k->ngram; i++) {
		uint16_t g = k->gram[i];
		if (!(set[g >> 6] & ((uint64_t)1 << (g & 63))))
			return false;
	}
	return true;
}

static const struct provider_rule *pv_scan(int code, const char *status, const uint8_t *norm, size_t n)
{
	uint64_t set[GRAM_BITS / 64];
	memset(set, 0, sizeof set);
	for (size_t i = 0; i + 2 < n; i++) {
		uint16_t g = pv_trigram(norm[i], norm[i + 1], norm[i + 2]);
		set[g >> 6] |= (uint64_t)1 << (g & 63);
	}
	const struct provider_rule *unsure = NULL;
	for (size_t i = 0; i < provider_total; i++) {
		const struct provider_key *k = &provider_keys[i];
		if (!pv_key_present(k, set))
			continue;
		enum pv_fit fit = pv_rule_fit(k->rule, code, status);
		if (fit == FIT_NO || (fit == FIT_UNSURE && unsure))
			continue;
		if (!text_match(norm, n, k->rule->pattern))
			continue;
		if (fit == FIT_SURE)
			return k->rule;
		unsure = k->rule;
	}
	return unsure;
}

const struct provider_rule *provider_match(int code, const char *status, const uint8_t *text, size_t len)
{
	if (!text || len == 0)
		return NULL;
	provider_init();
	if (len > SMTP_REPLY_MAX_BYTES)
		len = SMTP_REPLY_MAX_BYTES;
	char st[16] = ""; /* a status too long to be one counts as unknown */
	if (status && status[0] && strlen(status) < sizeof st)
		memcpy(st, status, strlen(status) + 1);
	pv_leading_codes(text, len, &code, st);
	uint8_t local[1024];
	uint8_t *norm = len <= sizeof local ? local : xmalloc(len);
	size_t n = pv_normalize(text, len, norm);
	const struct provider_rule *r = pv_scan(code, st, norm, n);
	if (norm != local)
		free(norm);
	return r;
}
