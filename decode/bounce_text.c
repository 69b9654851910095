/* bounce_text.c - the home-grown, human-readable bounce formats of MTAs and
 * providers (Postfix, Sendmail, Exim, qmail, Exchange, Gmail, Yahoo, Notes...):
 * one line-oriented reader driven by tables of markers, which finds recipient
 * lines, the diagnostic text after them, SMTP transcripts and stage hints. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounce_int.h"
#include "limits.h"
#include "mime.h"
#include "xmalloc.h"

/* Lines of notification text examined, and kept per recipient. */
#define TEXT_LINES_MAX 4000
#define TEXT_DIAG_LINES 24
#define NO_DRAFT ((size_t)-1)

/* ---- format profiles: how to recognise who wrote the bounce ---- */
struct text_rule {
	const char *phrase;
	enum reason reason;
};

/* qmail's own fixed messages mean the same thing wherever they appear. */
static const struct text_rule qmail_rules[] = {
	{"wasn't able to establish an smtp connection", REASON_NETWORKERROR},
	{"no host by that name", REASON_HOSTUNKNOWN},
	{"unable to contact ldap server", REASON_SYSTEMERROR},
	{"sorry, i couldn't find any host named", REASON_HOSTUNKNOWN},
	{"sorry, no mailbox here by that name", REASON_USERUNKNOWN},
	{"this message is looping", REASON_NETWORKERROR},
	{NULL, REASON_LAST},
};

/* Fixed wording of Exchange and Lotus Notes/Domino reports. */
static const struct text_rule exchange_rules[] = {
	{"recipient name is not recognized", REASON_USERUNKNOWN},
	{"000c05a6", REASON_USERUNKNOWN},
	{NULL, REASON_LAST},
};
static const struct text_rule notes_rules[] = {
	{"not listed in domino directory", REASON_USERUNKNOWN},
	{"not listed in public name & address book", REASON_USERUNKNOWN},
	{NULL, REASON_LAST},
};

struct text_profile {
	const char *name;
	const char *markers[4]; /* any of these in the text (lower case) */
	const struct text_rule *rules;
};

static const struct text_profile profiles[] = {
	{"qmail", {"this is the qmail-send program", "qmail-send program at"}, qmail_rules},
	{"postfix", {"this is the mail system at host", "this is the postfix program at"}, NULL},
	{"exim", {"this message was created automatically by mail delivery software"}, NULL},
	{"sendmail", {"----- transcript of session follows -----",
		      "----- the following addresses had"}, NULL},
	{"gmail", {"delivery to the following recipient", "technical details of permanent failure"},
	 NULL},
	{"exchange", {"did not reach the following recipient",
		      "delivery has failed to these recipients"}, exchange_rules},
	{"opensmtpd", {"this is the mailer-daemon, please do not reply"}, NULL},
	{"dragonfly", {"this is the dragonfly mail agent"}, NULL},
	{"yahoo", {"we were unable to deliver your message to the following address"}, NULL},
	{"notes", {"failure reasons", "was not delivered to:"}, notes_rules},
	{"text", {NULL}, NULL},
};

/* Where the returned original message starts in the text (lower case). */
static const char *const end_markers[] = {
	"this is a copy of the message", "below this line is a copy of the message",
	"enclosed is a copy of the message", "the header of the original message is following",
	"----- original message -----", "original message follows",
	"below is a copy of the original message", "included is a copy of the message header",
	"------- returned message", "message headers follow", "----- unsent message follows",
	"----- message header follows", "original message headers", "original mail as follows",
	"the attachment contains the original mail headers", "original message:",
	"content-type: message/rfc822", "------ original message", "--- original message",
	"----- original message header", NULL,
};

/* Lines that frame the report rather than describe a failure (lower case). */
static const char *const boilerplate[] = {
	"this message was created automatically", "could not be delivered to one or more",
	"this is a permanent error", "the following address", "i'm afraid i wasn't able",
	"i've given up", "sorry it didn't work out", "giving up on ",
	"please include this problem report", "for further assistance", "delete your own text",
	"technical details of", "because:", "was not delivered to:",
	"did not reach the following recipient", "the original message was received at",
	"delivery to the following recipient", "unable to deliver message to the following",
	"----- transcript of session follows", "this is the mail system at",
	"i'm sorry to have to inform you", "it's attached below", "this is the qmail-send",
	"this has been a permanent failure", "no further delivery attempts",
	"google tried to deliver your message", "the error that the other server returned",
	"delivery failed for the following reason", "message will be retried",
	"this is a warning message only", "you do not need to resend",
	"delivery report unavailable", NULL,
};
/* Whole lines of framing text (compared after trimming, case-insensitive). */
static const char *const boilerplate_lines[] = {
	"the mail system", "your message", "because:", "technical report:", NULL,
};

/* Phrases that introduce a failed recipient on the same line (lower case). */
static const char *const lead_ins[] = {
	"error delivering your mail to", "could not be delivered to:", "unable to deliver message to:",
	"recipient address:", "address: <", "rejected recipient <", "your message to ",
	"could not deliver mail to", "delivery to the following recipient failed",
	"message could not be delivered to", "failed recipient:", "recipient: <",
	"not delivered to ", "wasn't delivered to ", "couldn't be delivered to ", NULL,
};

/* Quoted header lines of the original message are never recipient lines. */
static const char *const header_lines[] = {
	"to:", "from:", "subject:", "date:", "sent:", "cc:", "reply-to:", "message-id:",
	"received:", "return-path:", "sender:", "reporting-mta:", "final-recipient:",
	"original-recipient:", "action:", "status:", "remote-mta:", "diagnostic-code:",
	"last-attempt-date:", "arrival-date:", "received-from-mta:", "x-postfix-",
	"will-retry-until:", "x-actual-recipient:", NULL,
};

struct tline {
	const uint8_t *p;
	size_t len;
};

struct treader {
	struct bctx *c;
	const struct text_profile *prof;
	struct tline *lines;
	size_t nlines;
	size_t cur; /* index of the recipient being read (NO_DRAFT: none); drafts
		     * move when their array grows, so no pointers are kept */
	size_t cur_lines;
	/* SMTP transcript (">>> command" / "<<< reply") */
	enum smtp_stage tr_stage;
	size_t tr_rcpt; /* recipient of the last ">>> RCPT TO", or NO_DRAFT */
	struct buf tr_other; /* replies to commands that were not RCPT */
	enum smtp_stage tr_other_stage;
	char remote[256];
	char sender[320];
};

static bool tx_has(const uint8_t *p, size_t n, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (bounce_find_ci(p, n, list[i]) >= 0)
			return true;
	return false;
}

static void tx_trim(const uint8_t **p, size_t *n)
{
	while (*n && (**p == ' ' || **p == '\t'))
		(*p)++, (*n)--;
	while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t' || (*p)[*n - 1] == '\r'))
		(*n)--;
}

static const struct text_profile *tx_profile(const uint8_t *p, size_t len)
{
	size_t np = sizeof profiles / sizeof profiles[0];
	for (size_t i = 0; i + 1 < np; i++)
		for (size_t k = 0; k < 4 && profiles[i].markers[k]; k++)
			if (bounce_find_ci(p, len, profiles[i].markers[k]) >= 0)
				return &profiles[i];
	return &profiles[np - 1];
}

/* Length of the text before the returned message. */
static size_t tx_cut(const uint8_t *p, size_t len)
{
	size_t cut = len;
	for (size_t i = 0; end_markers[i]; i++) {
		long at = bounce_find_ci(p, len, end_markers[i]);
		if (at >= 0 && (size_t)at < cut)
			cut = (size_t)at;
	}
	/* back to the start of that line */
	while (cut > 0 && cut < len && p[cut - 1] != '\n')
		cut--;
	return cut;
}

static void tx_split(struct treader *r, const uint8_t *p, size_t len)
{
	size_t off = 0;
	while (off < len && r->nlines < TEXT_LINES_MAX) {
		size_t ll = rfc5322_line_len(p, len, off);
		r->lines[r->nlines++] = (struct tline){p + off, ll};
		off = rfc5322_next_line(p, len, off);
	}
}

/* Length of the address-ish prefix "addr", "<addr>", "\"addr\"": the address
 * must start at p[at]; *end is set past closing brackets, quotes and colons. */
static bool tx_addr_here(const uint8_t *p, size_t n, size_t at, size_t *s, size_t *an,
			 size_t *end)
{
	while (at < n && (p[at] == '<' || p[at] == '"' || p[at] == '\''))
		at++;
	size_t off = at;
	if (!bounce_find_addr(p, n, &off, s, an) || *s != at)
		return false;
	size_t e = *s + *an;
	while (e < n && (p[e] == '>' || p[e] == '"' || p[e] == '\'' || p[e] == ':' || p[e] == ','))
		e++;
	*end = e;
	return true;
}

/* A recipient line: the address opens it (after bullets, ">>>", a Sendmail
 * code), or follows a lead-in phrase, or ends a "reason: address" line. */
static bool tx_anchor(const uint8_t *p, size_t n, size_t *s, size_t *an, size_t *rest,
		      bool *before, bool *coded)
{
	size_t at = 0;
	*before = false;
	*coded = false;
	if (n > 4 && !memcmp(p, ">>> ", 4))
		at = 4;
	else if (n > 2 && (p[0] == '*' || p[0] == '-' || p[0] == '[') && p[1] == ' ')
		at = 2;
	else if (n > 5 && p[0] >= '2' && p[0] <= '5' && p[3] == ' ' && p[4] == '<' &&
		 bounce_find_ci(p, n, ">...") > 0) {
		at = 4; /* Sendmail's own "554 <user@example.org>... reason" */
		*coded = true;
	}
	while (at < n && p[at] == ' ')
		at++;
	if (tx_addr_here(p, n, at, s, an, rest))
		return true;
	for (size_t i = 0; lead_ins[i]; i++) {
		long li = bounce_find_ci(p, n, lead_ins[i]);
		if (li < 0)
			continue;
		size_t off = (size_t)li + strlen(lead_ins[i]);
		if (off > 0 && p[off - 1] == '<')
			off--;
		while (off < n && p[off] == ' ')
			off++;
		if (tx_addr_here(p, n, off, s, an, rest))
			return true;
	}
	/* "User mailbox exceeds allowed size: user@example.org" */
	size_t off = 0, s2, n2;
	const uint8_t *colon = memchr(p, ':', n);
	if (colon && bounce_find_addr(p, n, &off, &s2, &n2) && s2 > (size_t)(colon - p) &&
	    off == n && p[s2 - 1] == ' ') {
		size_t words = 0;
		for (const uint8_t *q = p; q < colon; q++)
			words += *q == ' ';
		if (words >= 2) {
			*s = s2;
			*an = n2;
			*rest = (size_t)(colon - p); /* the reason is before the address */
			*before = true;
			return true;
		}
	}
	return false;
}

static bool tx_is_sender(const struct treader *r, const uint8_t *a, size_t n)
{
	return r->sender[0] && strlen(r->sender) == n && !strncasecmp(r->sender, (const char *)a, n);
}

/* Framing text, unless the line quotes a reply or status code. */
static bool tx_boilerplate(const uint8_t *p, size_t n)
{
	char st[16];
	for (size_t i = 0; boilerplate_lines[i]; i++)
		if (strlen(boilerplate_lines[i]) == n && !strncasecmp((const char *)p, boilerplate_lines[i], n))
			return true;
	if (!tx_has(p, n, boilerplate))
		return false;
	return !bounce_find_code(p, n) && !bounce_find_status(p, n, st);
}

static void tx_diag_append(struct bdraft *d, const uint8_t *p, size_t n)
{
	tx_trim(&p, &n);
	while (n && (*p == ':' || *p == '.' || *p == ' '))
		p++, n--; /* "... reason" after a Sendmail address */
	if (n == 0 || tx_boilerplate(p, n))
		return;
	if (d->diag.len)
		buf_append_byte(&d->diag, ' ');
	buf_append(&d->diag, p, n);
}

/* ">>> COMMAND" lines of a Sendmail-style transcript. */
static void tx_command(struct treader *r, const uint8_t *p, size_t n)
{
	static const struct {
		const char *cmd;
		enum smtp_stage stage;
	} cmds[] = {{"rcpt", STAGE_RCPT}, {"mail", STAGE_MAIL},	    {"data", STAGE_DATA},
		    {"ehlo", STAGE_HELO}, {"helo", STAGE_HELO},	    {"starttls", STAGE_STARTTLS},
		    {"auth", STAGE_AUTH}, {".", STAGE_MESSAGE}};
	r->tr_stage = STAGE_UNKNOWN;
	r->tr_rcpt = NO_DRAFT;
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (bounce_find_ci(p, n < 8 ? n : 8, cmds[i].cmd) == 0)
			r->tr_stage = cmds[i].stage;
	if (r->tr_stage != STAGE_RCPT)
		return;
	size_t off = 0, s, an;
	if (!bounce_find_addr(p, n, &off, &s, &an))
		return;
	struct bdraft *d = bounce_draft_find(r->c, (const char *)p + s, an);
	if (!d)
		d = bounce_draft_add(r->c, (const char *)p + s, an);
	r->tr_rcpt = d ? (size_t)(d - r->c->d) : NO_DRAFT;
}

/* "<<< reply" lines: the remote server's answer to the last command. */
static void tx_reply(struct treader *r, const uint8_t *p, size_t n)
{
	if (r->tr_rcpt != NO_DRAFT) {
		struct bdraft *d = &r->c->d[r->tr_rcpt];
		if (!d->stage)
			d->stage = STAGE_RCPT;
		tx_diag_append(d, p, n);
		return;
	}
	if (r->tr_other.len)
		buf_append_byte(&r->tr_other, ' ');
	buf_append(&r->tr_other, p, n);
	if (!r->tr_other_stage)
		r->tr_other_stage = r->tr_stage;
}

static void tx_start_draft(struct treader *r, const uint8_t *p, size_t n, size_t s, size_t an,
			   size_t rest, bool before, struct buf *pending)
{
	struct bdraft *d = bounce_draft_find(r->c, (const char *)p + s, an);
	if (!d) {
		d = bounce_draft_add(r->c, (const char *)p + s, an);
		if (!d)
			return;
		if (pending->len)
			buf_append(&d->context, pending->data, pending->len);
	}
	r->cur = (size_t)(d - r->c->d);
	r->cur_lines = 0;
	if (before)
		tx_diag_append(d, p, rest);
	else if (rest < n)
		tx_diag_append(d, p + rest, n - rest);
}

static bool tx_header_line(const uint8_t *p, size_t n)
{
	for (size_t i = 0; header_lines[i]; i++)
		if (bounce_find_ci(p, n, header_lines[i]) == 0)
			return true;
	return false;
}

/* The diagnostic quotes a reply code or an enhanced status. */
static bool tx_quotes_reply(const struct buf *b)
{
	char st[16];
	const uint8_t *p = b->data ? b->data : (const uint8_t *)"";
	return bounce_find_code(p, b->len) || bounce_find_status(p, b->len, st);
}

static void tx_line(struct treader *r, const uint8_t *p, size_t n, struct buf *pending)
{
	tx_trim(&p, &n);
	if (n == 0) {
		/* a blank line closes a recipient whose reply was already quoted */
		if (r->cur != NO_DRAFT && tx_quotes_reply(&r->c->d[r->cur].diag))
			r->cur = NO_DRAFT;
		return;
	}
	if (n > 4 && !memcmp(p, ">>> ", 4) && !tx_addr_here(p, n, 4, &(size_t){0}, &(size_t){0}, &(size_t){0})) {
		tx_command(r, p + 4, n - 4);
		return;
	}
	if (n > 4 && !memcmp(p, "<<< ", 4)) {
		tx_reply(r, p + 4, n - 4);
		return;
	}
	long wt = bounce_find_ci(p, n, "while talking to ");
	if (wt >= 0) {
		size_t h = (size_t)wt + 17, e = h;
		while (e < n && p[e] != ':' && p[e] != ' ' && p[e] != '>')
			e++;
		bounce_copy(r->remote, sizeof r->remote, p + h, e - h);
		r->cur = NO_DRAFT;
		return;
	}
	if (tx_header_line(p, n))
		return;
	size_t s, an, rest;
	bool before, coded;
	if (tx_anchor(p, n, &s, &an, &rest, &before, &coded) &&
	    !(coded && tx_is_sender(r, p + s, an))) {
		tx_start_draft(r, p, n, s, an, rest, before, pending);
		if (coded && r->cur != NO_DRAFT) /* keep Sendmail's code beside its words */
			tx_diag_append(&r->c->d[r->cur], p, 3);
		buf_reset(pending);
		return;
	}
	if (r->cur != NO_DRAFT) {
		if (r->cur_lines++ < TEXT_DIAG_LINES)
			tx_diag_append(&r->c->d[r->cur], p, n);
	} else if (!tx_boilerplate(p, n) && pending->len < 2048) {
		if (pending->len)
			buf_append_byte(pending, ' ');
		buf_append(pending, p, n);
	}
}

/* Some sign that this is a delivery report at all, not an ordinary message. */
static bool tx_looks_like_bounce(const struct bctx *c, const struct text_profile *prof)
{
	static const char *const senders[] = {"mailer-daemon", "postmaster", "mail delivery",
					      "mailerdaemon", "mail administrator", "ndr", NULL};
	static const char *const subjects[] = {"undeliver", "failure", "returned", "delivery",
					       "failed", "bounce", "rejected", "error", "notice",
					       "could not", "not delivered", "alert", NULL};
	static const char *const words[] = {"could not be delivered", "undeliverable",
					    "delivery failed", "was not delivered", "failed permanently",
					    "unable to deliver", "delivery has failed", "not be delivered",
					    "returned mail", "delivery status notification", NULL};
	if (prof->markers[0] || rfc5322_find(&c->top, "X-Failed-Recipients"))
		return true;
	if (c->text.data && tx_has(c->text.data, c->text.len < 8192 ? c->text.len : 8192, words))
		return true;
	const uint8_t *f = c->from.data ? c->from.data : (const uint8_t *)"";
	const uint8_t *s = c->subject.data ? c->subject.data : (const uint8_t *)"";
	return tx_has(f, c->from.len, senders) || tx_has(s, c->subject.len, subjects);
}

static void tx_sender(struct treader *r)
{
	const struct rfc5322_field *to = rfc5322_find(&r->c->top, "To");
	size_t off = 0, s, n;
	if (to && bounce_find_addr(to->value, to->value_len, &off, &s, &n))
		bounce_copy(r->sender, sizeof r->sender, to->value + s, n);
}

/* No recipient line: take the addresses the headers name. */
static void tx_fallback_rcpts(struct treader *r, struct buf *pending, size_t cut)
{
	struct bctx *c = r->c;
	const struct rfc5322_field *f = rfc5322_find(&c->top, "X-Failed-Recipients");
	struct rfc5322_header oh = {0};
	if (!f && c->orig.len) {
		rfc5322_parse_header(c->orig.data, c->orig.len, HEADER_FIELDS_MAX, &oh);
		f = rfc5322_find(&oh, "To");
	} else if (!f && cut < c->text.len) {
		/* the original quoted inline after the marker line */
		size_t at = rfc5322_next_line(c->text.data, c->text.len, cut);
		rfc5322_parse_header(c->text.data + at, c->text.len - at, HEADER_FIELDS_MAX, &oh);
		f = rfc5322_find(&oh, "To");
	}
	if (!f)
		f = rfc5322_find(&c->top, "X-Original-To");
	size_t off = 0, s, n;
	while (f && bounce_find_addr(f->value, f->value_len, &off, &s, &n)) {
		if (bounce_draft_find(c, (const char *)f->value + s, n))
			continue;
		struct bdraft *d = bounce_draft_add(c, (const char *)f->value + s, n);
		if (d && pending->len)
			buf_append(&d->diag, pending->data, pending->len);
	}
	rfc5322_header_free(&oh);
}

static void tx_finish(struct treader *r, size_t first)
{
	struct bctx *c = r->c;
	for (size_t i = first; i < c->nd; i++) {
		struct bdraft *d = &c->d[i];
		if (d->diag.len == 0 && d->context.len) { /* the reason came before the address */
			buf_append(&d->diag, d->context.data, d->context.len);
			buf_reset(&d->context);
		}
		if (r->tr_other.len && d->diag.len < 2 * BOUNCE_DIAG_MAX) {
			if (d->diag.len)
				buf_append_byte(&d->diag, ' ');
			buf_append(&d->diag, r->tr_other.data, r->tr_other.len);
			if (!d->stage)
				d->stage = r->tr_other_stage;
		}
		if (!d->remote_mta[0])
			bounce_copy(d->remote_mta, sizeof d->remote_mta, (const uint8_t *)r->remote,
				    strlen(r->remote));
		if (!d->stage && d->diag.len)
			d->stage = bounce_find_stage(d->diag.data, d->diag.len);
		for (const struct text_rule *k = r->prof->rules; k && k->phrase; k++)
			if (d->diag.len && bounce_find_ci(d->diag.data, d->diag.len, k->phrase) >= 0) {
				d->preset = k->reason;
				break;
			}
	}
}

size_t bounce_read_text(struct bctx *c)
{
	const uint8_t *p = c->text.data;
	size_t len = c->text.len, first = c->nd;
	if (!p || len == 0)
		return 0;
	struct treader r;
	memset(&r, 0, sizeof r);
	r.c = c;
	r.cur = r.tr_rcpt = NO_DRAFT;
	r.prof = tx_profile(p, len);
	if (!tx_looks_like_bounce(c, r.prof))
		return 0;
	size_t cut = tx_cut(p, len);
	size_t nl = 1;
	for (size_t i = 0; i < cut; i++)
		nl += p[i] == '\n';
	r.lines = xcalloc(nl < TEXT_LINES_MAX ? nl : TEXT_LINES_MAX, sizeof *r.lines);
	tx_split(&r, p, cut);
	tx_sender(&r);
	struct buf pending;
	buf_init(&pending, 4096);
	buf_init(&r.tr_other, BOUNCE_DIAG_MAX);
	for (size_t i = 0; i < r.nlines; i++) {
		if (r.nlines > 0 && i > 0 && r.lines[i].len >= 9 &&
		    (bounce_find_ci(r.lines[i].p, 9, "received:") == 0 ||
		     bounce_find_ci(r.lines[i].p, r.lines[i].len < 12 ? r.lines[i].len : 12,
				    "return-path:") == 0))
			break; /* an unmarked copy of the original message */
		tx_line(&r, r.lines[i].p, r.lines[i].len, &pending);
	}
	if (c->nd == first && (pending.len || r.tr_other.len || r.prof->markers[0] || c->seen_dsn))
		tx_fallback_rcpts(&r, &pending, cut);
	tx_finish(&r, first);
	buf_free(&pending);
	buf_free(&r.tr_other);
	free(r.lines);
	if (c->nd > first && !c->format)
		c->format = r.prof->name;
	return c->nd - first;
}
