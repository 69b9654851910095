/* smtp_reply.c - assemble server replies from lines, single and multi-line, with enhanced status codes split out; EHLO keywords (RFC 5321 4.2, 4.2.1, 3463, 1869). */
#include "smtp_internal.h"
#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

void smtp_reply_acc_free(struct smtp_reply_acc *a)
{
	buf_free(&a->text);
	free(a->lines);
	free(a->pub);
	a->lines = NULL;
	a->pub = NULL;
	a->alines = a->nlines = 0;
}

static void acc_reset(struct smtp_reply_acc *a)
{
	a->active = false;
	buf_reset(&a->text);
	a->nlines = 0;
	a->dropped = 0;
	a->flags = 0;
	a->mismatch_flagged = false;
	a->first_code = a->last_code = -1;
}

static void acc_store(struct smtp_reply_acc *a, const uint8_t *t, size_t n, int code, char sep, bool lenient)
{
	if (a->nlines >= SMTP_REPLY_MAX_LINES || a->text.len + n + 1 > a->text.max) {
		a->dropped++;
		a->flags |= SMTP_REPLY_TRUNCATED;
		return;
	}
	if (a->nlines == a->alines) {
		a->alines = a->alines ? a->alines * 2 : 4;
		a->lines = xreallocarray(a->lines, a->alines, sizeof *a->lines);
		a->pub = xreallocarray(a->pub, a->alines, sizeof *a->pub);
	}
	struct smtp_racc_line *ln = &a->lines[a->nlines++];
	memset(ln, 0, sizeof *ln);
	ln->code = code;
	ln->sep = sep;
	ln->text_off = a->text.len;
	ln->text_len = n;
	buf_append(&a->text, t, n);
	buf_append_byte(&a->text, 0);
	size_t used = 0, m = 0;
	/* an enhanced code must agree with the reply code (RFC 3463 2); a line
	 * without a valid code keeps one of any class, which gives its status */
	if (((code >= 200 && code < 600 && code / 100 != 3) || (code < 0 && lenient)) &&
	    esc_parse(t, n, &ln->esc, &used) && (code < 0 || ln->esc.cls == code / 100)) {
		ln->has_esc = true;
		m = used;
		while (m < n && (t[m] == ' ' || t[m] == '\t'))
			m++;
	}
	ln->msg_off = ln->text_off + m;
	ln->msg_len = n - m;
}

static void reply_dispatch(struct smtp_parser *p, int64_t ts)
{
	struct smtp_reply_acc *a = &p->racc;
	struct smtp_reply r;
	memset(&r, 0, sizeof r);
	const char *base = (const char *)a->text.data;
	for (size_t i = 0; i < a->nlines; i++) {
		const struct smtp_racc_line *ln = &a->lines[i];
		struct smtp_reply_line *pl = &a->pub[i];
		pl->code = ln->code;
		pl->sep = ln->sep;
		pl->has_esc = ln->has_esc;
		pl->esc = ln->esc;
		pl->text = base + ln->text_off;
		pl->text_len = ln->text_len;
		pl->msg = base + ln->msg_off;
		pl->msg_len = ln->msg_len;
	}
	r.code = a->last_code >= 0 ? a->last_code : a->first_code >= 0 ? a->first_code : 0;
	r.flags = a->flags;
	r.nlines = a->nlines;
	r.lines = a->pub;
	r.lines_dropped = a->dropped;
	if (a->dropped)
		smtp_flag(p, SMTP_DIR_SERVER, SMTP_AN_REPLY_TOO_LONG, a->dropped, "", a->off);
	smtp_reply_match(p, &r, a->off, ts);
	struct smtp_event ev = {.type = SMTP_EV_REPLY, .dir = SMTP_DIR_SERVER, .ts = ts, .offset = a->off};
	ev.reply = &r;
	p->reply_cut = false;
	p->srv_gap = false;
	smtp_emit(p, &ev);
	smtp_reply_effects(p, &r, a->off, ts);
	acc_reset(a);
}

static void flag_line(struct smtp_parser *p, enum smtp_anomaly an, const char *detail, uint64_t off)
{
	p->racc.flags |= SMTP_REPLY_MALFORMED;
	smtp_flag(p, SMTP_DIR_SERVER, an, 0, detail, off);
}

void smtp_reply_line_in(struct smtp_parser *p, const uint8_t *l, size_t n, uint64_t off, int64_t ts)
{
	struct smtp_reply_acc *a = &p->racc;
	int code = -1;
	char sep = 0;
	size_t ti = 0;
	bool final = true;
	if (!a->active) {
		acc_reset(a);
		a->active = true;
		a->off = off;
		a->ts = ts;
	}
	if (n >= 3 && is_digit(l[0]) && is_digit(l[1]) && is_digit(l[2])) {
		code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
		if (n > 3 && (l[3] == ' ' || l[3] == '-')) {
			sep = (char)l[3];
			ti = 4;
			final = sep == ' ';
		} else if (n > 3) {
			ti = 3;
			flag_line(p, SMTP_AN_REPLY_BAD_SEPARATOR, "", off);
		}
		if (l[0] < '2' || l[0] > '5' || l[1] > '5')
			flag_line(p, SMTP_AN_REPLY_BAD_CODE, "impossible code", off);
	} else {
		flag_line(p, SMTP_AN_REPLY_BAD_CODE, "", off);
		final = false; /* inside a reply: a continuation; first: see below */
	}
	if (code >= 0) {
		if (a->first_code < 0)
			a->first_code = code;
		else if (code != a->first_code && !a->mismatch_flagged) {
			a->mismatch_flagged = true;
			a->flags |= SMTP_REPLY_MISMATCH;
			smtp_flag(p, SMTP_DIR_SERVER, SMTP_AN_REPLY_CODE_MISMATCH, 0, "", off);
		}
		a->last_code = code;
	}
	acc_store(a, l + ti, n - ti, code, sep, p->answer_codeless);
	/* A first line without a code is a reply of its own; with
	 * answer_without_code only when it opens with an enhanced status code
	 * ("4.7.0 ... deferred"), else it is held: the next line with a code
	 * joins it, or the client's next command ends it. */
	if (code < 0 && a->nlines == 1 && a->dropped == 0)
		final = !p->answer_codeless || a->lines[0].has_esc;
	if (final)
		reply_dispatch(p, ts);
}

void smtp_reply_close(struct smtp_parser *p, int64_t ts)
{
	if (!p->racc.active)
		return;
	if (p->racc.first_code >= 0 && p->racc.last_code >= 0)
		p->racc.flags |= SMTP_REPLY_TRUNCATED; /* its final line was not seen */
	reply_dispatch(p, ts);
}

void smtp_reply_flush(struct smtp_parser *p, int64_t ts)
{
	if (!p->racc.active)
		return;
	if (p->racc.first_code >= 0) /* held lines without a code are complete lines */
		smtp_flag(p, SMTP_DIR_SERVER, SMTP_AN_UNTERMINATED, p->racc.nlines, "reply", p->racc.off);
	reply_dispatch(p, ts);
}

/* Which command a reply names beyond doubt (RFC 5321 4.2, 4.3.2; RFC 3463
 * X.1.0/X.1.5 for the sender and recipient; RFC 3207, 4954), SMTP_CMD_LAST
 * when it could answer many. AUTH_RESPONSE and BDAT are matched by smtp_kind_fits. */
enum smtp_cmd_kind smtp_reply_names(const struct smtp_reply *r)
{
	switch (r->code) {
	case 354: return SMTP_CMD_DATA;
	case 221: return SMTP_CMD_QUIT;
	case 220: return SMTP_CMD_STARTTLS;
	case 235: case 334: return SMTP_CMD_AUTH;
	default: break;
	}
	if (r->nlines && r->lines[0].has_esc && r->lines[0].esc.cls == 2 && r->lines[0].esc.subject == 1) {
		if (r->lines[0].esc.detail == 5)
			return SMTP_CMD_RCPT;
		if (r->lines[0].esc.detail == 0)
			return SMTP_CMD_MAIL;
	}
	for (size_t i = 0; i < r->nlines; i++) {
		const char *t = r->lines[i].text;
		for (size_t k = 0; k + 9 <= r->lines[i].text_len; k++)
			if (t[k] == 'q' && memcmp(t + k, "queued as", 9) == 0)
				return SMTP_CMD_MESSAGE;
	}
	return SMTP_CMD_LAST;
}

bool smtp_kind_fits(enum smtp_cmd_kind named, enum smtp_cmd_kind k)
{
	if (named == SMTP_CMD_AUTH)
		return k == SMTP_CMD_AUTH || k == SMTP_CMD_AUTH_RESPONSE;
	if (named == SMTP_CMD_MESSAGE)
		return k == SMTP_CMD_MESSAGE || k == SMTP_CMD_BDAT;
	return k == named;
}

/* ehlo-keyword characters (RFC 5321 4.1.1.1: ALPHA / DIGIT, then also "-"),
 * as the upper-case letter they are kept as; 0 for any other byte. */
static const char ehlo_kw_upper[256] = {
	['-'] = '-',
	['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
	['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
#define EHLO_KW_LETTER(u, l) [u] = u, [l] = u
	EHLO_KW_LETTER('A', 'a'), EHLO_KW_LETTER('B', 'b'), EHLO_KW_LETTER('C', 'c'), EHLO_KW_LETTER('D', 'd'),
	EHLO_KW_LETTER('E', 'e'), EHLO_KW_LETTER('F', 'f'), EHLO_KW_LETTER('G', 'g'), EHLO_KW_LETTER('H', 'h'),
	EHLO_KW_LETTER('I', 'i'), EHLO_KW_LETTER('J', 'j'), EHLO_KW_LETTER('K', 'k'), EHLO_KW_LETTER('L', 'l'),
	EHLO_KW_LETTER('M', 'm'), EHLO_KW_LETTER('N', 'n'), EHLO_KW_LETTER('O', 'o'), EHLO_KW_LETTER('P', 'p'),
	EHLO_KW_LETTER('Q', 'q'), EHLO_KW_LETTER('R', 'r'), EHLO_KW_LETTER('S', 's'), EHLO_KW_LETTER('T', 't'),
	EHLO_KW_LETTER('U', 'u'), EHLO_KW_LETTER('V', 'v'), EHLO_KW_LETTER('W', 'w'), EHLO_KW_LETTER('X', 'x'),
	EHLO_KW_LETTER('Y', 'y'), EHLO_KW_LETTER('Z', 'z'),
#undef EHLO_KW_LETTER
};

/* Where the keyword of an EHLO line is: p[*start..*end), after blanks;
 * false when there is none (a keyword starts with a letter or digit). */
static bool ehlo_kw_span(const uint8_t *p, size_t len, size_t *start, size_t *end)
{
	size_t i = 0;
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	size_t e = i;
	while (e < len && ehlo_kw_upper[p[e]])
		e++;
	*start = i;
	*end = e;
	return e > i && p[i] != '-';
}

bool smtp_ehlo_keyword(const uint8_t *p, size_t len, char *kw, size_t kwsize,
		       const uint8_t **params, size_t *params_len)
{
	size_t s, i, k = 0;
	bool found = ehlo_kw_span(p, len, &s, &i);
	for (size_t j = s; found && j < i && k + 1 < kwsize; j++)
		kw[k++] = ehlo_kw_upper[p[j]];
	if (kwsize)
		kw[k] = '\0';
	if (!found)
		return false;
	if (i < len && p[i] == '=') /* old "AUTH=LOGIN PLAIN" form */
		i++;
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	*params = p + i;
	*params_len = len - i;
	return true;
}

/* k[0..n) is the keyword lit of length litlen, ignoring case (lit is upper case). */
static bool ext_eq(const uint8_t *k, size_t n, const char *lit, size_t litlen)
{
	if (n != litlen)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ehlo_kw_upper[k[i]] != lit[i])
			return false;
	return true;
}
#define EXT_IS(k, n, lit) ext_eq(k, n, lit, sizeof lit - 1)

/* The SMTP_EXT_* bit of the keyword k[0..n), any case; the first letter picks
 * the candidates (this runs for every EHLO line of every session of a capture). */
static unsigned ext_bit_n(const uint8_t *k, size_t n)
{
	if (n == 0)
		return 0;
	switch (ehlo_kw_upper[k[0]]) {
	case '8': return EXT_IS(k, n, "8BITMIME") ? SMTP_EXT_8BITMIME : 0;
	case 'A': return EXT_IS(k, n, "AUTH") ? SMTP_EXT_AUTH : 0;
	case 'B': return EXT_IS(k, n, "BINARYMIME") ? SMTP_EXT_BINARYMIME : 0;
	case 'C': return EXT_IS(k, n, "CHUNKING") ? SMTP_EXT_CHUNKING : 0;
	case 'D': return EXT_IS(k, n, "DSN") ? SMTP_EXT_DSN : 0;
	case 'E': return EXT_IS(k, n, "ENHANCEDSTATUSCODES") ? SMTP_EXT_ENHANCEDSTATUSCODES : 0;
	case 'P': return EXT_IS(k, n, "PIPELINING") ? SMTP_EXT_PIPELINING : 0;
	case 'R': return EXT_IS(k, n, "REQUIRETLS") ? SMTP_EXT_REQUIRETLS : 0;
	case 'S':
		return EXT_IS(k, n, "STARTTLS")   ? SMTP_EXT_STARTTLS
		       : EXT_IS(k, n, "SIZE")     ? SMTP_EXT_SIZE
		       : EXT_IS(k, n, "SMTPUTF8") ? SMTP_EXT_SMTPUTF8
						  : 0;
	default: return 0;
	}
}

unsigned smtp_ext_bit(const char *kw)
{
	return ext_bit_n((const uint8_t *)kw, strlen(kw));
}

unsigned smtp_ehlo_line_ext(const uint8_t *p, size_t len)
{
	size_t s, e;
	return ehlo_kw_span(p, len, &s, &e) ? ext_bit_n(p + s, e - s) : 0;
}
