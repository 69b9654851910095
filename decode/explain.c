/* explain.c - the layered explanation of one SMTP reply (RFC 5321 4.2, RFC 3463):
 * a provider's own text first (provider.h), then the IANA enhanced status code
 * (esc.h), then the basic reply code (replycode.h); plus the parsing of user
 * input (bare codes, pasted multi-line replies, RFC 3464 Diagnostic-Code). */
#include "explain.h"

#include "esc.h"
#include "provider.h"
#include "replycode.h"

#include <string.h>
#include <strings.h>

static const char *const explain_layer_names[LAYER_LAST] = {
	[LAYER_PROVIDER] = "provider",
	[LAYER_ENHANCED] = "enhanced",
	[LAYER_BASIC] = "basic",
	[LAYER_NONE] = "none",
};

const char *explain_layer_name(enum explain_layer l)
{
	return (unsigned)l < LAYER_LAST ? explain_layer_names[l] : "none";
}

static bool explain_is_space(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static size_t explain_skip_space(const uint8_t *p, size_t len, size_t i)
{
	while (i < len && explain_is_space(p[i]))
		i++;
	return i;
}

/* A basic reply code at p: three digits, 2-5 then 0-5 then 0-9 (RFC 5321
 * 4.2), followed by the end, a space, a tab, '-' or a line end. */
static bool explain_code_at(const uint8_t *p, size_t len, int *code)
{
	if (len < 3 || p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '5' || p[2] < '0' ||
	    p[2] > '9')
		return false;
	if (len > 3 && !explain_is_space(p[3]) && p[3] != '-' && p[3] != '\r' && p[3] != '\n')
		return false;
	*code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	return true;
}

/* "[code[ -]]esc" at the start of text (after blanks). Sets *code only when it
 * is 0 on entry. */
static bool explain_status_from_text(const uint8_t *p, size_t len, int *code,
				     struct esc_code *esc)
{
	size_t i = explain_skip_space(p, len, 0);
	int c;

	if (explain_code_at(p + i, len - i, &c)) {
		if (*code == 0)
			*code = c;
		i += 3;
		if (i < len && p[i] == '-')
			i++;
		i = explain_skip_space(p, len, i);
	}
	return esc_parse(p + i, len - i, esc, NULL);
}

static bool explain_status_arg(const char *status, struct esc_code *esc)
{
	if (!status || !status[0])
		return false;
	size_t n = strnlen(status, 64);
	size_t i = explain_skip_space((const uint8_t *)status, n, 0);
	return esc_parse((const uint8_t *)status + i, n - i, esc, NULL);
}

/* Reasons whose cause the sender can fix, so that a retry after the fix may
 * succeed even when the failure was permanent. */
static bool explain_sender_fixable(enum reason r)
{
	switch (r) {
	case REASON_AUTHFAILURE:
	case REASON_SECURITYERROR:
	case REASON_FAILEDSTARTTLS:
	case REASON_BLOCKED:
	case REASON_BADREPUTATION:
	case REASON_REQUIREPTR:
	case REASON_REJECTED:
	case REASON_NORELAYING:
	case REASON_MESGTOOBIG:
	case REASON_EXCEEDLIMIT:
	case REASON_SYNTAXERROR:
	case REASON_CONTENTERROR:
	case REASON_NOTCOMPLIANTRFC:
	case REASON_SPAMDETECTED:
	case REASON_VIRUSDETECTED:
	case REASON_POLICYVIOLATION:
	case REASON_SPEEDING:
	case REASON_TOOMANYCONN:
		return true;
	default:
		return false;
	}
}

static bool explain_is_failure_reason(enum reason r)
{
	return r != REASON_UNDEFINED && r != REASON_NONE && r != REASON_LAST;
}

/* Fill meaning/cause/fix/source from the first layer that knows the reply.
 * An X.0.0 code says nothing beyond its class, so a known basic code answers
 * before it. */
static void explain_pick_layer(struct explanation *out, const struct provider_rule *pr,
			       const struct esc_info *ei, const struct replycode_info *ri,
			       const struct esc_code *esc, bool have_esc)
{
	if (pr) {
		out->layer = LAYER_PROVIDER;
		out->provider = pr->provider;
		out->meaning = pr->meaning;
		out->cause = pr->cause;
		out->fix = pr->fix;
		out->source = pr->source;
	} else if (ei && !(ri && ei->subject == 0 && ei->detail == 0)) {
		out->layer = LAYER_ENHANCED;
		out->meaning = ei->meaning;
		out->cause = ei->cause;
		out->fix = ei->fix;
		out->source = ei->source;
	} else if (ri) {
		out->layer = LAYER_BASIC;
		out->meaning = ri->meaning;
		out->cause = ri->cause;
		out->fix = ri->fix;
		out->source = ri->source;
	} else {
		/* Unregistered code: say at least what its class and subject mean. */
		out->layer = LAYER_NONE;
		if (have_esc) {
			out->meaning = esc_subject_meaning(esc->subject);
			if (!out->meaning)
				out->meaning = esc_class_meaning(esc->cls);
			out->source = "RFC 3463 2";
		} else if (out->reply_code) {
			out->meaning = replycode_class_meaning(out->reply_code / 100);
			out->source = "RFC 5321 4.2.1";
		}
	}
}

/* The reason: the provider rule's, else the classifier's, else the defaults
 * of the enhanced and of the basic code. */
static enum reason explain_pick_reason(const struct explanation *out, const struct provider_rule *pr,
				       const struct esc_info *ei, const struct replycode_info *ri,
				       const uint8_t *text, size_t len, enum smtp_stage stage)
{
	enum reason r;

	if (pr && pr->reason != REASON_UNDEFINED)
		return pr->reason;
	r = classify_reason(out->reply_code, out->status[0] ? out->status : NULL, text, len, stage);
	if (explain_is_failure_reason(r))
		return r;
	if (ei && explain_is_failure_reason(ei->reason))
		return ei->reason;
	if (ri && explain_is_failure_reason(ri->reason))
		return ri->reason;
	return REASON_UNDEFINED;
}

void explain_reply(int code, const char *status, const uint8_t *text, size_t len,
		   enum smtp_stage stage, struct explanation *out)
{
	struct esc_code esc = {0, 0, 0};
	bool have_esc;

	memset(out, 0, sizeof *out);
	if (!text)
		len = 0;
	if (code < 100 || code > 599)
		code = 0;
	have_esc = explain_status_arg(status, &esc);
	if (!have_esc && len)
		have_esc = explain_status_from_text(text, len, &code, &esc);
	out->reply_code = code;
	if (have_esc)
		esc_format(&esc, out->status, sizeof out->status);

	const struct provider_rule *pr = provider_match(code, out->status[0] ? out->status : NULL,
							text ? text : (const uint8_t *)"", len);
	const struct esc_info *ei = have_esc ? esc_lookup(esc.subject, esc.detail) : NULL;
	const struct replycode_info *ri = code ? replycode_lookup(code) : NULL;

	explain_pick_layer(out, pr, ei, ri, &esc, have_esc);
	if (ri)
		out->code_meaning = ri->title;
	else if (code)
		out->code_meaning = replycode_class_meaning(code / 100);
	/* Providers reuse registered codes with their own meanings (Gmail's 4.7.27
	 * is SPF, not the registry's null MX): when the provider's reason differs
	 * from the registry entry's, the registry title would mislead, so omit it. */
	if (ei && !(pr && pr->reason != ei->reason))
		out->status_title = ei->title;

	/* RFC 3463 2: the class of the enhanced code should agree with the first
	 * digit of the basic code; when they differ, the basic code wins. */
	int cls = code ? code / 100 : (have_esc ? esc.cls : 0);
	if (code && have_esc && cls != 3 && cls != esc.cls)
		out->class_mismatch = true;
	if (cls < 4) { /* nothing known, or a positive reply: not a failure */
		out->reason = cls == 0 ? REASON_UNDEFINED : REASON_NONE;
		return;
	}
	out->permanent = cls == 5;
	out->reason = explain_pick_reason(out, pr, ei, ri, text, len, stage);
	out->retry_may_help = !out->permanent || explain_sender_fixable(out->reason);
}

/* ---------------------------------------------------------------- input */

/* The next line of p from *pos (without its CR, LF or CRLF). */
static bool explain_next_line(const uint8_t *p, size_t len, size_t *pos, const uint8_t **line,
			      size_t *llen)
{
	size_t i = *pos, start = *pos;

	if (i >= len)
		return false;
	while (i < len && p[i] != '\r' && p[i] != '\n')
		i++;
	*line = p + start;
	*llen = i - start;
	if (i < len)
		i += (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n') ? 2 : 1;
	*pos = i;
	return true;
}

/* Trim blanks at both ends of a line. */
static void explain_trim(const uint8_t **p, size_t *len)
{
	size_t i = explain_skip_space(*p, *len, 0);
	size_t n = *len;

	while (n > i && explain_is_space((*p)[n - 1]))
		n--;
	*p += i;
	*len = n - i;
}

/* Drop a "Diagnostic-Code:" header name and an RFC 3464 diagnostic type
 * ("smtp;", "X-Postfix;") from the start of a line. */
static void explain_strip_prefixes(const uint8_t **p, size_t *len)
{
	static const char hdr[] = "Diagnostic-Code:";
	size_t i = 0;

	if (*len >= sizeof hdr - 1 && strncasecmp((const char *)*p, hdr, sizeof hdr - 1) == 0)
		i = explain_skip_space(*p, *len, sizeof hdr - 1);
	size_t j = i;
	while (j < *len && j - i < 32 &&
	       ((*p)[j] == '-' || ((*p)[j] >= '0' && (*p)[j] <= '9') ||
		(((*p)[j] | 0x20) >= 'a' && ((*p)[j] | 0x20) <= 'z')))
		j++;
	if (j > i && j < *len && (*p)[j] == ';')
		i = explain_skip_space(*p, *len, j + 1);
	*p += i;
	*len -= i;
}

/* Parse "code[ -][esc]" or "esc" at p[i]; on success return the offset of
 * the text after them. */
static bool explain_codes_at(const uint8_t *p, size_t len, size_t i, int *code,
			     struct esc_code *esc, bool *have_esc, size_t *rest)
{
	size_t used;
	int c = 0;

	if (explain_code_at(p + i, len - i, &c)) {
		size_t j = i + 3;
		if (j < len && p[j] == '-')
			j++;
		j = explain_skip_space(p, len, j);
		*code = c;
		*have_esc = esc_parse(p + j, len - j, esc, &used);
		*rest = *have_esc ? j + used : j;
		return true;
	}
	if (esc_parse(p + i, len - i, esc, &used)) {
		*have_esc = true;
		*rest = i + used;
		return true;
	}
	return false;
}

/* Find the codes of a line: at its start, or else after a word boundary in
 * the middle ("... said: 550 5.1.1 ..."), where a bare basic code is only
 * believed when it is a known failure code followed by a blank. */
static bool explain_find_codes(const uint8_t *p, size_t len, int *code, struct esc_code *esc,
			       bool *have_esc, size_t *rest)
{
	if (explain_codes_at(p, len, 0, code, esc, have_esc, rest))
		return true;
	for (size_t i = 1; i < len; i++) {
		if (!explain_is_space(p[i - 1]) && p[i - 1] != '(' && p[i - 1] != ':' &&
		    p[i - 1] != '<' && p[i - 1] != '#')
			continue;
		int c = 0;
		if (!explain_codes_at(p, len, i, &c, esc, have_esc, rest))
			continue;
		if (c && !*have_esc &&
		    (c < 400 || !replycode_lookup(c) || i + 3 >= len || !explain_is_space(p[i + 3])))
			continue;
		*code = c;
		return true;
	}
	return false;
}

struct explain_text {
	char *buf;
	size_t size;
	size_t n;
};

/* Append one piece, separated from the previous one by a single space;
 * NUL, CR, LF and TAB become spaces; other control bytes are kept so that
 * display code shows them escaped; silently truncated at the buffer's end. */
static void explain_text_add(struct explain_text *t, const uint8_t *p, size_t len)
{
	if (!t->buf || t->size == 0 || len == 0)
		return;
	if (t->n > 0 && t->n + 1 < t->size)
		t->buf[t->n++] = ' ';
	for (size_t i = 0; i < len && t->n + 1 < t->size; i++)
		t->buf[t->n++] = (p[i] == 0 || p[i] == '\r' || p[i] == '\n' || p[i] == '\t') ? ' ' : (char)p[i];
	t->buf[t->n] = '\0';
}

/* A continuation line: drop "code-" / "code " and the enhanced code when the
 * code is the reply's own. */
static void explain_strip_continuation(const uint8_t **p, size_t *len, int code)
{
	int c = 0;
	size_t used;

	if (!code || !explain_code_at(*p, *len, &c) || c != code)
		return;
	size_t i = 3;
	if (i < *len && (*p)[i] == '-')
		i++;
	i = explain_skip_space(*p, *len, i);
	if (esc_parse(*p + i, *len - i, NULL, &used))
		i = explain_skip_space(*p, *len, i + used);
	*p += i;
	*len -= i;
}

bool explain_parse_input(const uint8_t *p, size_t len, int *code, char status[16], char *text,
			 size_t size)
{
	struct explain_text t = {text, size, 0};
	struct esc_code esc = {0, 0, 0};
	bool found = false, have_esc = false;
	const uint8_t *line;
	size_t llen, pos = 0, rest = 0;
	int c = 0;

	if (text && size)
		text[0] = '\0';
	if (status)
		status[0] = '\0';
	if (code)
		*code = 0;
	if (!p)
		return false;
	while (explain_next_line(p, len, &pos, &line, &llen)) {
		explain_trim(&line, &llen);
		if (!found) {
			explain_strip_prefixes(&line, &llen);
			if (!explain_find_codes(line, llen, &c, &esc, &have_esc, &rest))
				continue;
			found = true;
			line += rest;
			llen -= rest;
			explain_trim(&line, &llen);
		} else {
			explain_strip_continuation(&line, &llen, c);
		}
		explain_text_add(&t, line, llen);
	}
	if (!found)
		return false;
	if (code)
		*code = c;
	if (status && have_esc)
		esc_format(&esc, status, 16);
	return true;
}
