/* classify.c - failure reason of a reply or bounce diagnostic: ordered rules that
 * weigh the text's phrases, the RFC 3463 enhanced status (IANA registry, RFC 5248),
 * the RFC 5321 reply code and the SMTP stage. The phrase lists follow the
 * per-reason organisation of the sisimai bounce classifier (phrases are facts
 * about what servers say; the code and tables are our own). */
#include "classify.h"

#include <string.h>

#include "classify_phrases.h"
#include "textmatch.h"

static const char *const stage_names[STAGE_LAST] = {
	[STAGE_UNKNOWN] = "unknown", [STAGE_CONNECT] = "connect", [STAGE_HELO] = "helo",
	[STAGE_STARTTLS] = "starttls", [STAGE_AUTH] = "auth",	  [STAGE_MAIL] = "mail",
	[STAGE_RCPT] = "rcpt",	       [STAGE_DATA] = "data",	  [STAGE_MESSAGE] = "message",
};

const char *smtp_stage_name(enum smtp_stage s)
{
	return (unsigned)s < STAGE_LAST ? stage_names[s] : "unknown";
}

/* ---- enhanced status -> reason (RFC 3463, RFC 5248 registry; RFC 7505, RFC 7372) ---- */
struct status_rule {
	unsigned char cls, subject, detail;
	enum reason reason;
};
static const struct status_rule status_rules[] = {
	/* persistent transient failures (4.X.X) */
	{4, 1, 6, REASON_HASMOVED},	  {4, 1, 7, REASON_REJECTED},	   {4, 1, 8, REASON_REJECTED},
	{4, 1, 9, REASON_SYSTEMERROR},	  {4, 2, 1, REASON_BLOCKED},	   {4, 2, 2, REASON_MAILBOXFULL},
	{4, 2, 3, REASON_EXCEEDLIMIT},	  {4, 2, 4, REASON_FILTERED},	   {4, 3, 1, REASON_SYSTEMFULL},
	{4, 3, 2, REASON_NOTACCEPT},	  {4, 3, 3, REASON_SYSTEMERROR},   {4, 3, 5, REASON_SYSTEMERROR},
	{4, 4, 1, REASON_EXPIRED},	  {4, 4, 2, REASON_NETWORKERROR},  {4, 4, 3, REASON_SYSTEMERROR},
	{4, 4, 4, REASON_NETWORKERROR},	  {4, 4, 5, REASON_SYSTEMFULL},	   {4, 4, 6, REASON_NETWORKERROR},
	{4, 4, 7, REASON_EXPIRED},	  {4, 4, 8, REASON_NETWORKERROR},  {4, 5, 3, REASON_SYSTEMERROR},
	{4, 5, 5, REASON_SYSTEMERROR},	  {4, 6, 0, REASON_CONTENTERROR},  {4, 6, 2, REASON_CONTENTERROR},
	{4, 6, 5, REASON_CONTENTERROR},	  {4, 7, 1, REASON_BLOCKED},	   {4, 7, 2, REASON_BLOCKED},
	{4, 7, 5, REASON_SECURITYERROR},  {4, 7, 6, REASON_SECURITYERROR}, {4, 7, 7, REASON_SECURITYERROR},
	{4, 7, 12, REASON_SECURITYERROR}, {4, 7, 15, REASON_SECURITYERROR}, {4, 7, 16, REASON_MESGTOOBIG},
	{4, 7, 24, REASON_AUTHFAILURE},	  {4, 7, 25, REASON_REQUIREPTR},   {4, 7, 26, REASON_AUTHFAILURE},
	/* permanent failures (5.X.X) */
	{5, 1, 0, REASON_USERUNKNOWN},	  {5, 1, 1, REASON_USERUNKNOWN},   {5, 1, 2, REASON_HOSTUNKNOWN},
	{5, 1, 3, REASON_USERUNKNOWN},	  {5, 1, 4, REASON_FILTERED},	   {5, 1, 6, REASON_HASMOVED},
	{5, 1, 7, REASON_REJECTED},	  {5, 1, 8, REASON_REJECTED},	   {5, 1, 9, REASON_SYSTEMERROR},
	{5, 1, 10, REASON_NOTACCEPT},	  {5, 2, 0, REASON_FILTERED},	   {5, 2, 1, REASON_FILTERED},
	{5, 2, 2, REASON_MAILBOXFULL},	  {5, 2, 3, REASON_EXCEEDLIMIT},   {5, 2, 4, REASON_FILTERED},
	{5, 3, 0, REASON_SYSTEMERROR},	  {5, 3, 1, REASON_SYSTEMFULL},	   {5, 3, 2, REASON_NOTACCEPT},
	{5, 3, 3, REASON_SYSTEMERROR},	  {5, 3, 4, REASON_MESGTOOBIG},	   {5, 3, 5, REASON_SYSTEMERROR},
	{5, 4, 0, REASON_NETWORKERROR},	  {5, 4, 3, REASON_SYSTEMERROR},   {5, 4, 4, REASON_HOSTUNKNOWN},
	{5, 5, 2, REASON_SYNTAXERROR},	  {5, 5, 3, REASON_TOOMANYCONN},   {5, 5, 4, REASON_SYSTEMERROR},
	{5, 5, 5, REASON_SYSTEMERROR},	  {5, 5, 6, REASON_SYNTAXERROR},   {5, 6, 0, REASON_CONTENTERROR},
	{5, 6, 1, REASON_CONTENTERROR},	  {5, 6, 2, REASON_CONTENTERROR},  {5, 6, 3, REASON_CONTENTERROR},
	{5, 6, 5, REASON_CONTENTERROR},	  {5, 6, 6, REASON_CONTENTERROR},  {5, 6, 7, REASON_CONTENTERROR},
	{5, 6, 8, REASON_CONTENTERROR},	  {5, 6, 9, REASON_CONTENTERROR},  {5, 7, 0, REASON_SECURITYERROR},
	{5, 7, 1, REASON_SECURITYERROR},  {5, 7, 2, REASON_SECURITYERROR}, {5, 7, 3, REASON_SECURITYERROR},
	{5, 7, 4, REASON_SECURITYERROR},  {5, 7, 5, REASON_SECURITYERROR}, {5, 7, 6, REASON_SECURITYERROR},
	{5, 7, 7, REASON_SECURITYERROR},  {5, 7, 8, REASON_SECURITYERROR}, {5, 7, 9, REASON_SECURITYERROR},
	{5, 7, 10, REASON_SECURITYERROR}, {5, 7, 11, REASON_SECURITYERROR}, {5, 7, 13, REASON_SUSPEND},
	{5, 7, 14, REASON_SECURITYERROR}, {5, 7, 15, REASON_SECURITYERROR}, {5, 7, 16, REASON_MESGTOOBIG},
	{5, 7, 17, REASON_HASMOVED},	  {5, 7, 18, REASON_HASMOVED},	   {5, 7, 19, REASON_SECURITYERROR},
	{5, 7, 20, REASON_AUTHFAILURE},	  {5, 7, 21, REASON_AUTHFAILURE},  {5, 7, 22, REASON_AUTHFAILURE},
	{5, 7, 23, REASON_AUTHFAILURE},	  {5, 7, 24, REASON_AUTHFAILURE},  {5, 7, 25, REASON_REQUIREPTR},
	{5, 7, 26, REASON_AUTHFAILURE},	  {5, 7, 27, REASON_NOTACCEPT},	   {5, 7, 28, REASON_SPAMDETECTED},
	{5, 7, 29, REASON_AUTHFAILURE},	  {5, 7, 30, REASON_FAILEDSTARTTLS},
};

struct status_code {
	int cls, subject, detail;
};

/* Parse "C.SSS.DDD" at the start of s (NUL-terminated, short); false when absent. */
static bool cls_parse_status(const char *s, struct status_code *out)
{
	int v[3] = {0, 0, 0};
	int part = 0, digits = 0;
	if (!s)
		return false;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9') {
			if (++digits > 3)
				return false;
			v[part] = v[part] * 10 + (*s - '0');
		} else if (*s == '.' && digits > 0 && part < 2) {
			part++;
			digits = 0;
		} else {
			break;
		}
	}
	if (part != 2 || digits == 0 || (v[0] != 2 && v[0] != 4 && v[0] != 5))
		return false;
	out->cls = v[0];
	out->subject = v[1];
	out->detail = v[2];
	return true;
}

static enum reason cls_status_reason(const struct status_code *s)
{
	for (size_t i = 0; i < sizeof status_rules / sizeof status_rules[0]; i++)
		if (status_rules[i].cls == s->cls && status_rules[i].subject == s->subject &&
		    status_rules[i].detail == s->detail)
			return status_rules[i].reason;
	return REASON_UNDEFINED;
}

/* ---- fast phrase lookup ----
 * The text is lower-cased and its blank runs squeezed once; a small hashed set
 * of the byte pairs it contains lets most phrases be ruled out by one lookup
 * before text_match confirms the rest. */
#define CLS_TEXT_MAX 4096
#define CLS_PAIR_BITS 4096

struct cls_text {
	uint8_t t[CLS_TEXT_MAX];
	size_t len;
	uint64_t pairs[CLS_PAIR_BITS / 64];
};

static unsigned cls_pair_hash(uint8_t a, uint8_t b)
{
	return ((unsigned)a * 131u + b) & (CLS_PAIR_BITS - 1);
}

static uint8_t cls_lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static void cls_text_init(struct cls_text *x, const uint8_t *p, size_t len)
{
	memset(x->pairs, 0, sizeof x->pairs);
	x->len = 0;
	bool space = false;
	for (size_t i = 0; i < len && x->len < CLS_TEXT_MAX; i++) {
		uint8_t c = p[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			space = x->len > 0;
			continue;
		}
		if (space && x->len < CLS_TEXT_MAX - 1)
			x->t[x->len++] = ' ';
		space = false;
		x->t[x->len++] = cls_lower(c);
	}
	if (space && x->len < CLS_TEXT_MAX)
		x->t[x->len++] = ' ';
	for (size_t i = 0; i + 1 < x->len; i++) {
		unsigned h = cls_pair_hash(x->t[i], x->t[i + 1]);
		x->pairs[h / 64] |= 1ull << (h % 64);
	}
}

/* False when some literal byte pair of the pattern is absent from the text. */
static bool cls_pairs_possible(const struct cls_text *x, const char *pat)
{
	for (size_t i = 0; pat[i] && pat[i + 1]; i++) {
		if (pat[i] == '*' || pat[i + 1] == '*')
			continue;
		unsigned h = cls_pair_hash(cls_lower((uint8_t)pat[i]), cls_lower((uint8_t)pat[i + 1]));
		if (!(x->pairs[h / 64] & (1ull << (h % 64))))
			return false;
	}
	return true;
}

static bool cls_says_list(const struct cls_text *x, const char *const *list)
{
	if (!list || x->len == 0)
		return false;
	for (; *list; list++)
		if (cls_pairs_possible(x, *list) && text_match(x->t, x->len, *list))
			return true;
	return false;
}

/* ---- the rules ---- */
struct cls {
	int code;
	bool have_status;
	struct status_code st;
	enum reason st_reason; /* the status code's own reason, or UNDEFINED */
	enum smtp_stage stage;
	const struct classify_context *ctx;
	struct cls_text text;
	uint64_t tested, said; /* phrase results cached per reason */
};

static bool says(struct cls *c, enum reason r)
{
	uint64_t bit = 1ull << r;
	if (!(c->tested & bit)) {
		c->tested |= bit;
		/* sender-refusal words do not count when they name the recipient or IP */
		if (cls_says_list(&c->text, classify_phrase_table[r]) &&
		    (r != REASON_REJECTED || !cls_says_list(&c->text, classify_rejected_not)))
			c->said |= bit;
	}
	return (c->said & bit) != 0;
}

/* Stages before DATA: content filters cannot have been involved yet. */
static bool before_data(enum smtp_stage s)
{
	return s == STAGE_CONNECT || s == STAGE_HELO || s == STAGE_MAIL || s == STAGE_RCPT;
}

static bool st_is(const struct cls *c, enum reason r)
{
	return c->st_reason == r;
}

/* First pass: each reason recognised by its phrases, its enhanced status, or
 * both, with the stage ruling out what cannot have happened there. */
static bool probe_mailboxfull(struct cls *c)
{
	return st_is(c, REASON_MAILBOXFULL) || says(c, REASON_MAILBOXFULL);
}
static bool probe_mesgtoobig(struct cls *c)
{
	return st_is(c, REASON_MESGTOOBIG) ||
	       (!st_is(c, REASON_EXCEEDLIMIT) && says(c, REASON_MESGTOOBIG));
}
static bool probe_exceedlimit(struct cls *c)
{
	return st_is(c, REASON_EXCEEDLIMIT) || says(c, REASON_EXCEEDLIMIT);
}
static bool probe_suspend(struct cls *c)
{
	return c->code == 525 || says(c, REASON_SUSPEND); /* 525: RFC 7504 account disabled */
}
static bool probe_hasmoved(struct cls *c)
{
	return says(c, REASON_HASMOVED);
}
static bool probe_norelaying(struct cls *c)
{
	return c->stage != STAGE_CONNECT && c->stage != STAGE_HELO && says(c, REASON_NORELAYING);
}
static bool probe_authfailure(struct cls *c)
{
	return st_is(c, REASON_AUTHFAILURE) || says(c, REASON_AUTHFAILURE);
}
/* A recipient-address status wins unless the words point at something else;
 * without it, "user unknown" words count only when RCPT TO was refused. */
static bool probe_userunknown(struct cls *c)
{
	if (st_is(c, REASON_USERUNKNOWN)) {
		static const enum reason other[] = {REASON_NORELAYING, REASON_BLOCKED,
						    REASON_MAILBOXFULL, REASON_HASMOVED,
						    REASON_REJECTED, REASON_NOTACCEPT};
		for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
			if (says(c, other[i]))
				return false;
		return true;
	}
	if (cls_says_list(&c->text, classify_userunknown_sure))
		return true;
	return c->stage == STAGE_RCPT && says(c, REASON_USERUNKNOWN);
}
/* After DATA, "no such user" style words mean a recipient-side filter. */
static bool probe_filtered(struct cls *c)
{
	if (st_is(c, REASON_FILTERED))
		return says(c, REASON_USERUNKNOWN) || says(c, REASON_FILTERED);
	if (before_data(c->stage))
		return false;
	return says(c, REASON_FILTERED) || says(c, REASON_USERUNKNOWN);
}
static bool probe_requireptr(struct cls *c)
{
	return st_is(c, REASON_REQUIREPTR) || says(c, REASON_REQUIREPTR);
}
static bool probe_notcompliantrfc(struct cls *c)
{
	return says(c, REASON_NOTCOMPLIANTRFC);
}
static bool probe_badreputation(struct cls *c)
{
	return says(c, REASON_BADREPUTATION);
}
static bool probe_spamdetected(struct cls *c)
{
	if (!c->have_status)
		return false;
	return st_is(c, REASON_SPAMDETECTED) || (!before_data(c->stage) && says(c, REASON_SPAMDETECTED));
}
static bool probe_contenterror(struct cls *c)
{
	if (probe_spamdetected(c))
		return false;
	return st_is(c, REASON_CONTENTERROR) || says(c, REASON_CONTENTERROR);
}
/* Sender-refusal words count at MAIL FROM, at DATA, or when the status says
 * nothing more precise. */
static bool probe_rejected(struct cls *c)
{
	if (st_is(c, REASON_REJECTED))
		return true;
	if (!says(c, REASON_REJECTED))
		return false;
	if (c->stage == STAGE_MAIL)
		return true;
	if (c->stage == STAGE_DATA || c->stage == STAGE_MESSAGE)
		return !st_is(c, REASON_USERUNKNOWN);
	return st_is(c, REASON_UNDEFINED) || st_is(c, REASON_SECURITYERROR) ||
	       st_is(c, REASON_SYSTEMERROR);
}
static bool probe_hostunknown(struct cls *c)
{
	if (st_is(c, REASON_HOSTUNKNOWN))
		return !says(c, REASON_NETWORKERROR);
	return says(c, REASON_HOSTUNKNOWN);
}
static bool probe_speeding(struct cls *c)
{
	return says(c, REASON_SPEEDING);
}
static bool probe_toomanyconn(struct cls *c)
{
	return st_is(c, REASON_TOOMANYCONN) || says(c, REASON_TOOMANYCONN);
}
static bool probe_blocked(struct cls *c)
{
	return st_is(c, REASON_BLOCKED) || says(c, REASON_BLOCKED);
}

static const struct {
	enum reason reason;
	bool (*probe)(struct cls *c);
} first_pass[] = {
	{REASON_MAILBOXFULL, probe_mailboxfull},	 {REASON_MESGTOOBIG, probe_mesgtoobig},
	{REASON_EXCEEDLIMIT, probe_exceedlimit},	 {REASON_SUSPEND, probe_suspend},
	{REASON_HASMOVED, probe_hasmoved},		 {REASON_NORELAYING, probe_norelaying},
	{REASON_AUTHFAILURE, probe_authfailure},	 {REASON_USERUNKNOWN, probe_userunknown},
	{REASON_FILTERED, probe_filtered},		 {REASON_REQUIREPTR, probe_requireptr},
	{REASON_NOTCOMPLIANTRFC, probe_notcompliantrfc}, {REASON_BADREPUTATION, probe_badreputation},
	{REASON_CONTENTERROR, probe_contenterror},	 {REASON_REJECTED, probe_rejected},
	{REASON_HOSTUNKNOWN, probe_hostunknown},	 {REASON_SPAMDETECTED, probe_spamdetected},
	{REASON_SPEEDING, probe_speeding},		 {REASON_TOOMANYCONN, probe_toomanyconn},
	{REASON_BLOCKED, probe_blocked},
};

/* Second pass, when the status gave nothing decisive: phrases alone, in this order. */
static const enum reason second_pass[] = {
	REASON_MAILBOXFULL,    REASON_AUTHFAILURE,  REASON_BADREPUTATION, REASON_SPEEDING,
	REASON_SPAMDETECTED,   REASON_VIRUSDETECTED, REASON_POLICYVIOLATION, REASON_NORELAYING,
	REASON_SYSTEMERROR,    REASON_NETWORKERROR, REASON_SUSPEND,	  REASON_CONTENTERROR,
	REASON_SYSTEMFULL,     REASON_NOTACCEPT,    REASON_EXPIRED,	  REASON_FAILEDSTARTTLS,
	REASON_SECURITYERROR,  REASON_MAILERERROR,
};

/* Reasons a status can name that the words may still refine. */
static bool cls_refinable(enum reason r)
{
	return r == REASON_UNDEFINED || r == REASON_ONHOLD || r == REASON_SYSTEMERROR ||
	       r == REASON_SECURITYERROR || r == REASON_EXPIRED || r == REASON_NETWORKERROR ||
	       r == REASON_HOSTUNKNOWN || r == REASON_USERUNKNOWN;
}

static bool cls_ctx_is(const char *v, const char *want)
{
	if (!v)
		return false;
	size_t n = strlen(want);
	for (size_t i = 0; i < n; i++)
		if (cls_lower((uint8_t)v[i]) != (uint8_t)want[i])
			return false;
	return true;
}

/* The basic code and the stage when neither words nor status decided. */
static enum reason cls_by_code_stage(const struct cls *c)
{
	bool perm = c->code >= 500 || (c->have_status && c->st.cls == 5);
	if ((c->code > 400 && c->code < 408) || (c->code > 500 && c->code < 508))
		return REASON_SYNTAXERROR; /* 5.0.1-style command syntax replies */
	if (c->ctx && (cls_ctx_is(c->ctx->action, "delayed") || cls_ctx_is(c->ctx->action, "expired")))
		return REASON_EXPIRED;
	if (c->stage == STAGE_HELO || c->stage == STAGE_CONNECT)
		return REASON_BLOCKED;
	if (c->stage == STAGE_MAIL && perm)
		return REASON_REJECTED;
	if (c->stage == STAGE_STARTTLS)
		return REASON_FAILEDSTARTTLS;
	return REASON_UNDEFINED;
}

static enum reason cls_second_pass(struct cls *c, bool smtp_diag)
{
	enum reason s = c->st_reason;
	if (!cls_refinable(s) && smtp_diag)
		return s;
	for (size_t i = 0; i < sizeof second_pass / sizeof second_pass[0]; i++) {
		if (second_pass[i] == REASON_NORELAYING && !probe_norelaying(c))
			continue; /* relaying is decided after HELO, never before */
		if (says(c, second_pass[i]))
			return second_pass[i];
	}
	if (s != REASON_UNDEFINED)
		return s;
	if (c->have_status && c->st.subject == 6)
		return REASON_CONTENTERROR;
	if (c->have_status && c->st.subject == 7)
		return REASON_SECURITYERROR;
	if (c->ctx && cls_ctx_is(c->ctx->diag_type, "x-unix"))
		return REASON_MAILERERROR;
	return cls_by_code_stage(c);
}

enum reason classify_reason_ctx(int code, const char *status, const uint8_t *text, size_t len,
				enum smtp_stage stage, const struct classify_context *ctx)
{
	struct cls c;
	c.code = code;
	c.have_status = cls_parse_status(status, &c.st);
	if ((code >= 200 && code < 400) || (code == 0 && c.have_status && c.st.cls == 2))
		return REASON_NONE;
	if (c.have_status && c.st.cls == 2)
		c.have_status = false; /* a success status beside a failure code: ignore it */
	c.st_reason = c.have_status ? cls_status_reason(&c.st) : REASON_UNDEFINED;
	c.stage = (unsigned)stage < STAGE_LAST ? stage : STAGE_UNKNOWN;
	c.ctx = ctx;
	c.tested = c.said = 0;
	cls_text_init(&c.text, text ? text : (const uint8_t *)"", text ? len : 0);

	const char *dt = ctx ? ctx->diag_type : NULL;
	bool smtp_diag = !dt || !*dt || cls_ctx_is(dt, "smtp") || cls_ctx_is(dt, "unknown");
	if (smtp_diag)
		for (size_t i = 0; i < sizeof first_pass / sizeof first_pass[0]; i++)
			if (first_pass[i].probe(&c))
				return first_pass[i].reason;
	enum reason r = cls_second_pass(&c, smtp_diag);
	if (r != REASON_UNDEFINED || !ctx)
		return r;
	if (says(&c, REASON_VACATION))
		return REASON_VACATION;
	return c.text.len ? REASON_ONHOLD : REASON_UNDEFINED;
}

enum reason classify_reason(int code, const char *status, const uint8_t *text, size_t len,
			    enum smtp_stage stage)
{
	return classify_reason_ctx(code, status, text, len, stage, NULL);
}
