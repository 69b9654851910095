/* bounce_codes.c - finding the reply code (RFC 5321 4.2, RFC 5248, RFC 7504),
 * the enhanced status (RFC 3463) and the failed SMTP step in bounce text, and
 * choosing between a DSN Status field and the status quoted in the text. */
#include <string.h>

#include "bounce_int.h"
#include "textmatch.h"

static bool cd_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Reply codes servers use, most common first within each class. */
static const int codes5[] = {550, 552, 553, 551, 521, 525, 523, 524, 530, 533, 534,
			     535, 538, 555, 556, 554, 500, 501, 502, 503, 504, 0};
static const int codes4[] = {421, 450, 451, 452, 422, 430, 432, 453, 454, 455, 458, 459, 0};
static const int codes2[] = {211, 214, 220, 221, 235, 250, 251, 252, 253, 0};

/* First standalone occurrence of code in p (not inside a longer number,
 * a dotted status or an address). */
static long cd_code_pos(const uint8_t *p, size_t len, int code)
{
	uint8_t d[3] = {(uint8_t)('0' + code / 100), (uint8_t)('0' + code / 10 % 10),
			(uint8_t)('0' + code % 10)};
	for (size_t i = 0; i + 3 <= len; i++) {
		if (p[i] != d[0] || p[i + 1] != d[1] || p[i + 2] != d[2])
			continue;
		if (i > 0 && (cd_digit(p[i - 1]) || p[i - 1] == '.' || p[i - 1] == '/'))
			continue;
		if (i + 3 < len && (cd_digit(p[i + 3]) || p[i + 3] == '.' || p[i + 3] == '/' ||
				    p[i + 3] == '@'))
			continue;
		return (long)i;
	}
	return -1;
}

static int cd_from_list(const uint8_t *p, size_t len, const int *list)
{
	for (; *list; list++)
		if (cd_code_pos(p, len, *list) >= 0)
			return *list;
	return 0;
}

int bounce_find_code_class(const uint8_t *p, size_t len, char cls)
{
	if (!p || len < 3)
		return 0;
	if (cls == '5')
		return cd_from_list(p, len, codes5);
	if (cls == '4')
		return cd_from_list(p, len, codes4);
	if (cls == '2')
		return cd_from_list(p, len, codes2);
	int c = cd_from_list(p, len, codes5);
	if (!c)
		c = cd_from_list(p, len, codes4);
	if (!c)
		c = cd_from_list(p, len, codes2);
	return c;
}

int bounce_find_code(const uint8_t *p, size_t len)
{
	return bounce_find_code_class(p, len, 0);
}

/* Length of an enhanced status at p[i], or 0. */
static size_t cd_status_at(const uint8_t *p, size_t len, size_t i)
{
	if (p[i] != '2' && p[i] != '4' && p[i] != '5')
		return 0;
	if (i > 0 && (cd_digit(p[i - 1]) || p[i - 1] == '.' || p[i - 1] == '/' ||
		      p[i - 1] == 'v' || p[i - 1] == 'V'))
		return 0;
	if (i + 4 >= len || p[i + 1] != '.' || p[i + 2] < '0' || p[i + 2] > '7' || p[i + 3] != '.')
		return 0;
	size_t k = i + 4, d = k;
	while (k < len && cd_digit(p[k]) && k - d < 4)
		k++;
	if (k == d || k - d > 3)
		return 0;
	if (k < len && (cd_digit(p[k]) || (p[k] == '.' && k + 1 < len && cd_digit(p[k + 1]))))
		return 0; /* a longer number, or an IPv4 address */
	return k - i;
}

static bool cd_generic(const char *s)
{
	size_t n = strlen(s);
	return (n == 5 && !memcmp(s + 1, ".0.0", 4)) || !strcmp(s, "4.4.7");
}

bool bounce_find_status(const uint8_t *p, size_t len, char out[16])
{
	char generic[16] = "";
	out[0] = '\0';
	for (size_t i = 0; p && i + 5 <= len; i++) {
		size_t n = cd_status_at(p, len, i);
		if (!n || n >= 16)
			continue;
		char s[16];
		memcpy(s, p + i, n);
		s[n] = '\0';
		if (cd_generic(s)) {
			if (!generic[0])
				memcpy(generic, s, n + 1);
		} else if (!out[0]) {
			memcpy(out, s, n + 1);
		} else {
			char tmp[16];
			bounce_pick_status(out, s, 0, tmp);
			memcpy(out, tmp, 16);
		}
		i += n - 1;
	}
	if (!out[0] && generic[0])
		memcpy(out, generic, 16);
	return out[0] != '\0';
}

static bool cd_starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Codes in a Status field that say less than whatever the text quotes. */
static bool cd_field_vague(const char *f)
{
	return !strcmp(f, "4.4.7") || !strcmp(f, "4.7.0") || cd_starts(f, "5.3.") ||
	       cd_starts(f + 1, ".5.1") || cd_starts(f + 1, ".5.2") || cd_starts(f + 1, ".5.4") ||
	       cd_starts(f + 1, ".5.5");
}

void bounce_pick_status(const char *field, const char *text, int code, char out[16])
{
	const char *pick = field;
	if (!field[0])
		pick = text;
	else if (!text[0] || strlen(field) < 5)
		pick = text[0] ? text : field;
	else if (code && field[0] != text[0] && (field[0] == '0' + code / 100 || text[0] == '0' + code / 100))
		pick = field[0] == '0' + code / 100 ? field : text; /* the class the reply agrees with */
	else if (!strcmp(field, text))
		pick = field;
	else if (strstr(field, ".0.0"))
		pick = strstr(text, ".0.0") ? field : text;
	else if (strstr(field, ".0") && !strstr(text, ".0"))
		pick = text; /* "X.Y.0" or "X.0.Z" */
	else if (strstr(text, ".0.0"))
		pick = field;
	else if (cd_field_vague(field))
		pick = text;
	else if (!strcmp(field, "5.1.1"))
		pick = (strstr(text, ".0") || cd_starts(text, "5.5.")) ? field : text;
	else if (!strcmp(field, "5.1.3") && cd_starts(text, "5.7."))
		pick = text;
	size_t n = strlen(pick);
	if (n > 15)
		n = 15;
	memmove(out, pick, n); /* out may be field itself */
	out[n] = '\0';
}

static const struct {
	const char *phrase;
	enum smtp_stage stage;
} stage_phrases[] = {
	{"in reply to rcpt to", STAGE_RCPT},	   {"in reply to mail from", STAGE_MAIL},
	{"in reply to end of data", STAGE_MESSAGE}, {"in reply to data", STAGE_DATA},
	{"in reply to helo", STAGE_HELO},	   {"in reply to ehlo", STAGE_HELO},
	{"in reply to starttls", STAGE_STARTTLS},  {"in reply to auth", STAGE_AUTH},
	{"in reply to xforward", STAGE_HELO},	   {"after rcpt to", STAGE_RCPT},
	{"after rcpt command", STAGE_RCPT},	   {"following rcpt command", STAGE_RCPT},
	{"does not like recipient", STAGE_RCPT},   {"did not like our rcpt", STAGE_RCPT},
	{"smtp:rcpt", STAGE_RCPT},		   {"rcpt to:<", STAGE_RCPT},
	{"after mail from", STAGE_MAIL},	   {"sender was rejected", STAGE_MAIL},
	{"did not like our mail", STAGE_MAIL},	   {"mail from:<", STAGE_MAIL},
	{"after end of data", STAGE_MESSAGE},	   {"failed after i sent the message", STAGE_MESSAGE},
	{"did not like our data", STAGE_DATA},	   {"after data", STAGE_DATA},
	{"for text command", STAGE_MESSAGE},	   {"after initial connection", STAGE_CONNECT},
	{"did not like our greeting", STAGE_CONNECT}, {"after helo", STAGE_HELO},
	{"after ehlo", STAGE_HELO},		   {"after starttls", STAGE_STARTTLS},
	{"after auth", STAGE_AUTH},
};

enum smtp_stage bounce_find_stage(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < sizeof stage_phrases / sizeof stage_phrases[0]; i++)
		if (text_match(p, len, stage_phrases[i].phrase))
			return stage_phrases[i].stage;
	return STAGE_UNKNOWN;
}

/* Length of "NNN-" or "NNN " (with an optional "X.Y.Z ") at p[i] when NNN is
 * code, else 0. */
static size_t cd_prefix_at(const uint8_t *p, size_t len, size_t i, const uint8_t code[3])
{
	if (i + 4 > len || memcmp(p + i, code, 3) || (p[i + 3] != '-' && p[i + 3] != ' '))
		return 0;
	size_t k = i + 4, n = cd_status_at(p, len, k);
	if (n && k + n < len && p[k + n] == ' ')
		k += n + 1;
	return k - i;
}

void bounce_squash_continuations(struct buf *b)
{
	uint8_t *p = b->data;
	size_t len = b->len;
	if (!p || len < 8 || !cd_digit(p[0]) || !cd_digit(p[1]) || !cd_digit(p[2]) || p[3] != '-')
		return; /* only a reply that starts as a multi-line one */
	uint8_t code[3] = {p[0], p[1], p[2]};
	size_t w = cd_prefix_at(p, len, 0, code), r = w;
	while (r < len) {
		bool word_start = p[r - 1] == ' ' || p[r - 1] == '\n' || p[r - 1] == '\t';
		size_t n = word_start ? cd_prefix_at(p, len, r, code) : 0;
		if (n) {
			r += n;
			continue;
		}
		p[w++] = p[r++];
	}
	b->len = w;
	p[w] = '\0';
}
