/* complete.c - Tab completion, inline help and next-step hints for the
 * Session screen's input line (see complete.h): RFC 5321 4.1 verbs, the
 * MAIL/RCPT parameters of RFC 1870, 3461, 4954, 6152, 6531, 8689, and the
 * ':' helpers of probe/helpers.h. */
#include "tui/complete.h"
#include "decode/xmalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the tables ---- */

struct cmd_doc {
	const char *name;   /* verb or helper as typed */
	const char *insert; /* what Tab puts in for it */
	const char *syntax;
	const char *what;
	int only;           /* 0: always, 1: SMTP only, 2: LMTP only */
};

static const struct cmd_doc verbs[] = {
	{"HELO", "HELO ", "HELO domain", "the old greeting, without extensions; prefer EHLO", 1},
	{"EHLO", "EHLO ", "EHLO domain",
	 "greet the server and learn its extensions; the first command after the 220 greeting", 1},
	{"LHLO", "LHLO ", "LHLO domain", "the LMTP greeting (RFC 2033), in place of EHLO", 2},
	{"MAIL", "MAIL FROM:<", "MAIL FROM:<address> [SIZE=n] [BODY=8BITMIME]",
	 "starts a transaction; send after EHLO", 0},
	{"RCPT", "RCPT TO:<", "RCPT TO:<address> [NOTIFY=...]",
	 "adds one recipient; after MAIL, once per address", 0},
	{"DATA", "DATA", "DATA",
	 "then the message, ended by a line holding only '.'; after an accepted RCPT (:data helps)", 0},
	{"BDAT", "BDAT ", "BDAT size [LAST]",
	 "the next size octets are message content (CHUNKING); :bdat counts them for you", 0},
	{"RSET", "RSET", "RSET", "forgets the current transaction; the session stays open", 0},
	{"NOOP", "NOOP", "NOOP", "does nothing: checks that the server still answers", 0},
	{"QUIT", "QUIT", "QUIT", "ends the session politely: the server answers 221 and closes", 0},
	{"VRFY", "VRFY ", "VRFY user", "asks whether a mailbox exists (most servers answer 252 and keep it to themselves)", 0},
	{"EXPN", "EXPN ", "EXPN list", "asks for the members of a mailing list (usually turned off)", 0},
	{"HELP", "HELP", "HELP [topic]", "the server's own help text", 0},
	{"STARTTLS", "STARTTLS", "STARTTLS",
	 "switch to TLS; :starttls also does the handshake and the EHLO that must follow", 0},
	{"AUTH", "AUTH ", "AUTH mechanism [initial-response]",
	 "log in, after EHLO and usually only over TLS; :auth plain USER encodes and masks the secret", 0},
};

static const struct cmd_doc helpers[] = {
	{":auth", ":auth ", ":auth plain|login|cram-md5|xoauth2 USER [SECRET]",
	 "log in; without SECRET you are asked for it (typed masked)", 0},
	{":data", ":data", ":data [@FILE]",
	 "DATA, then the message: typed here (end with a line '.' or Ctrl-D) or read from FILE", 0},
	{":bdat", ":bdat", ":bdat [--chunk N] [@FILE]", "the message in BDAT chunks (CHUNKING, RFC 3030)", 0},
	{":starttls", ":starttls", ":starttls", "STARTTLS, the TLS handshake, then EHLO again", 0},
	{":send", ":send ", ":send --from A --to B [--subject S] [--body TEXT|@FILE] [--bdat]",
	 "a whole transaction: MAIL, RCPT, DATA and a message", 0},
	{":pipeline", ":pipeline ", ":pipeline CMD; CMD; ...",
	 "send several commands at once (PIPELINING, RFC 2920)", 0},
	{":ehlo", ":ehlo", ":ehlo [NAME]", "EHLO with this machine's name (HELO when EHLO is refused)", 0},
	{":save", ":save ", ":save [FILE]", "save the transcript as text (FILE) and JSON (FILE.json)", 0},
	{":help", ":help", ":help", "lists the helpers", 0},
	{":quit", ":quit", ":quit", "QUIT and close", 0},
};

#define NVERBS (sizeof verbs / sizeof verbs[0])
#define NHELPERS (sizeof helpers / sizeof helpers[0])

struct param_doc {
	const char *insert;
	unsigned ext;      /* offered when the server has this extension (or nothing is known) */
	const char *what;
};

static const struct param_doc mail_params[] = {
	{"SIZE=", SMTP_EXT_SIZE, "SIZE=n: the message size in octets, so that the server can refuse a big one now (RFC 1870)"},
	{"BODY=8BITMIME", SMTP_EXT_8BITMIME, "BODY=8BITMIME: the content has 8-bit bytes (RFC 6152)"},
	{"BODY=7BIT", SMTP_EXT_8BITMIME, "BODY=7BIT: the content is plain 7-bit text"},
	{"BODY=BINARYMIME", SMTP_EXT_BINARYMIME, "BODY=BINARYMIME: binary content, sent with BDAT only (RFC 3030)"},
	{"SMTPUTF8", SMTP_EXT_SMTPUTF8, "SMTPUTF8: addresses or headers hold UTF-8 (RFC 6531)"},
	{"RET=FULL", SMTP_EXT_DSN, "RET=FULL|HDRS: what a bounce should quote of the message (RFC 3461)"},
	{"RET=HDRS", SMTP_EXT_DSN, "RET=FULL|HDRS: what a bounce should quote of the message (RFC 3461)"},
	{"ENVID=", SMTP_EXT_DSN, "ENVID=id: an identifier returned in delivery reports (RFC 3461)"},
	{"AUTH=<>", SMTP_EXT_AUTH, "AUTH=<mailbox>: who submitted the message originally (RFC 4954 5)"},
	{"REQUIRETLS", SMTP_EXT_REQUIRETLS, "REQUIRETLS: every hop must use verified TLS (RFC 8689)"},
};

static const struct param_doc rcpt_params[] = {
	{"NOTIFY=SUCCESS,FAILURE", SMTP_EXT_DSN, "NOTIFY=...: when to send a delivery report: SUCCESS, FAILURE, DELAY or NEVER (RFC 3461)"},
	{"NOTIFY=FAILURE", SMTP_EXT_DSN, "NOTIFY=...: when to send a delivery report: SUCCESS, FAILURE, DELAY or NEVER (RFC 3461)"},
	{"NOTIFY=NEVER", SMTP_EXT_DSN, "NOTIFY=...: when to send a delivery report: SUCCESS, FAILURE, DELAY or NEVER (RFC 3461)"},
	{"ORCPT=rfc822;", SMTP_EXT_DSN, "ORCPT=rfc822;address: the recipient as originally given (RFC 3461)"},
};

static const char *const auth_mechs_default[] = {"PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2"};
static const char *const send_opts[] = {
	"--from ", "--to ", "--subject ", "--header ", "--body ", "--attach ", "--data @", "--bdat", "--stop-after ",
};

/* ---- small helpers ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* s[0..n) equals the start of full, ignoring case. */
static bool ci_prefix(const char *s, size_t n, const char *full)
{
	size_t fl = strlen(full);
	return n <= fl && strncasecmp(s, full, n) == 0;
}

static bool ci_equal(const char *s, size_t n, const char *full)
{
	return strlen(full) == n && strncasecmp(s, full, n) == 0;
}

/* Typed in lower case (letters present, none upper case). */
static bool is_lower_word(const char *s, size_t n)
{
	bool lower = false;
	for (size_t i = 0; i < n; i++) {
		if (isupper((unsigned char)s[i]))
			return false;
		if (islower((unsigned char)s[i]))
			lower = true;
	}
	return lower;
}

static void list_add(struct complete_list *l, const char *cand, bool lower)
{
	if (l->n >= COMPLETE_CAND_MAX)
		return;
	char *d = l->cand[l->n];
	snprintf(d, COMPLETE_WORD_MAX, "%s", cand);
	if (lower)
		for (char *p = d; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->cand[i], d))
			return; /* already there */
	l->n++;
}

/* The end of the first word of line[0..len). */
static size_t first_word_end(const char *line, size_t len, size_t from)
{
	size_t i = from;
	while (i < len && !is_blank(line[i]))
		i++;
	return i;
}

/* ---- candidates ---- */

static void cand_first_word(const char *w, size_t n, const struct complete_ctx *cx, bool no_helpers,
			    struct complete_list *out)
{
	bool lower = is_lower_word(w, n);
	if (n > 0 && w[0] == ':') {
		if (no_helpers)
			return;
		for (size_t i = 0; i < NHELPERS; i++)
			if (ci_prefix(w, n, helpers[i].name))
				list_add(out, helpers[i].insert, false);
		return;
	}
	for (size_t i = 0; i < NVERBS; i++) {
		const struct cmd_doc *v = &verbs[i];
		if ((v->only == 1 && cx->lmtp) || (v->only == 2 && !cx->lmtp))
			continue;
		/* "MAIL" and "MAIL FROM:" both lead to the verb's whole insert */
		if (ci_prefix(w, n, v->name) || ci_prefix(w, n, v->insert))
			list_add(out, v->insert, lower);
	}
	if (n == 0 && !no_helpers)
		for (size_t i = 0; i < NHELPERS; i++)
			list_add(out, helpers[i].insert, false);
}

static void cand_params(const struct param_doc *t, size_t nt, const char *w, size_t n,
			const struct complete_ctx *cx, struct complete_list *out)
{
	bool lower = is_lower_word(w, n);
	for (size_t i = 0; i < nt; i++)
		if ((cx->ext == 0 || (cx->ext & t[i].ext)) && ci_prefix(w, n, t[i].insert))
			list_add(out, t[i].insert, lower && strncmp(t[i].insert, "ORCPT", 5) != 0);
}

static void cand_auth(const char *w, size_t n, const struct complete_ctx *cx, bool lower,
		      struct complete_list *out)
{
	const char *m = cx->auth_mechs;
	if (!m || !*m) {
		for (size_t i = 0; i < sizeof auth_mechs_default / sizeof auth_mechs_default[0]; i++)
			if (ci_prefix(w, n, auth_mechs_default[i]))
				list_add(out, auth_mechs_default[i], lower);
		return;
	}
	while (*m) {
		while (is_blank(*m) || *m == '=')
			m++;
		size_t k = 0;
		while (m[k] && !is_blank(m[k]))
			k++;
		char mech[COMPLETE_WORD_MAX];
		if (k > 0 && k < sizeof mech) {
			memcpy(mech, m, k);
			mech[k] = '\0';
			if (ci_prefix(w, n, mech))
				list_add(out, mech, lower);
		}
		m += k;
	}
}

/* Words wholly before position start. */
static size_t words_before(const char *line, size_t start)
{
	size_t n = 0;
	bool in = false;
	for (size_t i = 0; i < start; i++) {
		if (is_blank(line[i]))
			in = false;
		else if (!in) {
			in = true;
			n++;
		}
	}
	return n;
}

/* MAIL FROM:<...> / RCPT TO:<...> and their parameters. */
static void cand_path_cmd(const char *line, size_t fw_end, size_t start, const char *w, size_t n,
			  bool mail, const struct complete_ctx *cx, struct complete_list *out)
{
	const char *kw = mail ? "FROM:<" : "TO:<";
	if (words_before(line + fw_end, start - fw_end) == 0) {
		if (ci_prefix(w, n, kw))
			list_add(out, kw, is_lower_word(w, n) || is_lower_word(line, fw_end));
		return;
	}
	if (mail)
		cand_params(mail_params, sizeof mail_params / sizeof mail_params[0], w, n, cx, out);
	else
		cand_params(rcpt_params, sizeof rcpt_params / sizeof rcpt_params[0], w, n, cx, out);
}

/* The word before start (skipping blanks) as [*ws, *ws + returned length). */
static size_t prev_word(const char *line, size_t start, size_t *ws)
{
	size_t e = start;
	while (e > 0 && is_blank(line[e - 1]))
		e--;
	size_t s = e;
	while (s > 0 && !is_blank(line[s - 1]))
		s--;
	*ws = s;
	return e - s;
}

/* Arguments of :auth, :send, :bdat; line starts with the helper. */
static void cand_helper_args(const char *line, size_t fw_end, size_t start, const char *w, size_t n,
			     const struct complete_ctx *cx, struct complete_list *out)
{
	if (ci_equal(line, fw_end, ":auth")) {
		if (words_before(line, start) == 1)
			cand_auth(w, n, cx, true, out);
		return;
	}
	if (ci_equal(line, fw_end, ":send")) {
		size_t ws, pn = prev_word(line, start, &ws);
		if (pn == 12 && !strncmp(line + ws, "--stop-after", 12)) {
			static const char *const stops[] = {"mail", "rcpt"};
			for (size_t i = 0; i < 2; i++)
				if (ci_prefix(w, n, stops[i]))
					list_add(out, stops[i], false);
			return;
		}
		if (n == 0 || w[0] == '-')
			for (size_t i = 0; i < sizeof send_opts / sizeof send_opts[0]; i++)
				if (strlen(send_opts[i]) >= n && !strncmp(w, send_opts[i], n))
					list_add(out, send_opts[i], false);
		return;
	}
	if (ci_equal(line, fw_end, ":bdat") && (n == 0 || w[0] == '-') && ci_prefix(w, n, "--chunk "))
		list_add(out, "--chunk ", false);
}

static void complete_words(const char *line, size_t len, const struct complete_ctx *cx, bool in_pipeline,
			   struct complete_list *out);

/* :pipeline CMD; CMD; ...: each segment is completed like a line of its own. */
static void cand_pipeline(const char *line, size_t len, size_t fw_end, const struct complete_ctx *cx,
			  struct complete_list *out)
{
	size_t seg = fw_end;
	for (size_t i = fw_end; i < len; i++)
		if (line[i] == ';')
			seg = i + 1;
	while (seg < len && is_blank(line[seg]))
		seg++;
	complete_words(line + seg, len - seg, cx, true, out);
	out->start += seg;
}

static void complete_words(const char *line, size_t len, const struct complete_ctx *cx, bool in_pipeline,
			   struct complete_list *out)
{
	memset(out, 0, sizeof *out);
	size_t start = len;
	while (start > 0 && !is_blank(line[start - 1]))
		start--;
	out->start = start;
	const char *w = line + start;
	size_t n = len - start;
	size_t lead = 0;
	while (lead < len && is_blank(line[lead]))
		lead++;
	size_t fw_end = first_word_end(line, len, lead);
	if (start <= lead) {
		out->start = lead;
		cand_first_word(line + lead, len - lead, cx, in_pipeline, out);
		return;
	}
	const char *fw = line + lead;
	size_t fl = fw_end - lead;
	if (ci_equal(fw, fl, "MAIL") || ci_equal(fw, fl, "RCPT")) {
		cand_path_cmd(line, fw_end, start, w, n, fw[0] == 'M' || fw[0] == 'm', cx, out);
	} else if (ci_equal(fw, fl, "AUTH")) {
		if (words_before(fw, start - lead) == 1)
			cand_auth(w, n, cx, is_lower_word(w, n) || is_lower_word(fw, fl), out);
	} else if (ci_equal(fw, fl, "BDAT")) {
		if (words_before(fw, start - lead) == 2 && ci_prefix(w, n, "LAST"))
			list_add(out, "LAST", is_lower_word(w, n) || is_lower_word(fw, fl));
	} else if (!in_pipeline && ci_equal(fw, fl, ":pipeline")) {
		cand_pipeline(line, len, fw_end, cx, out);
	} else if (!in_pipeline && fw[0] == ':') {
		cand_helper_args(line + lead, fl, start - lead, w, n, cx, out);
	}
}

void complete_list(const char *line, size_t len, const struct complete_ctx *cx, struct complete_list *out)
{
	static const struct complete_ctx none;
	if (!cx)
		cx = &none;
	if (len > COMPLETE_LINE_MAX) {
		memset(out, 0, sizeof *out);
		out->start = len;
		return;
	}
	complete_words(line, len, cx, false, out);
}

/* ---- Tab ---- */

void complete_tab_reset(struct complete_tab *t)
{
	free(t->orig);
	free(t->last);
	memset(t, 0, sizeof *t);
}

void complete_tab_free(struct complete_tab *t)
{
	complete_tab_reset(t);
}

/* out = line[0..start) + cand; false when it does not fit. */
static bool tab_compose(const char *line, size_t start, const char *cand, size_t clen, char *out, size_t size)
{
	if (start + clen + 1 > size)
		return false;
	memmove(out, line, start);
	memcpy(out + start, cand, clen);
	out[start + clen] = '\0';
	return true;
}

static size_t common_prefix(const struct complete_list *l)
{
	size_t n = strlen(l->cand[0]);
	for (size_t i = 1; i < l->n; i++) {
		size_t k = 0;
		while (k < n && l->cand[i][k] && tolower((unsigned char)l->cand[i][k]) ==
						    tolower((unsigned char)l->cand[0][k]))
			k++;
		n = k;
	}
	return n;
}

static void tab_remember(struct complete_tab *t, const char *out)
{
	free(t->last);
	t->last = xstrdup(out);
}

enum complete_result complete_tab_apply(struct complete_tab *t, const char *line, size_t len,
					const struct complete_ctx *cx, char *out, size_t size)
{
	if (t->cycling && t->last && t->orig && strlen(t->last) == len && !memcmp(t->last, line, len) &&
	    t->list.n > 0) {
		t->idx = (t->idx + 1) % t->list.n;
		const char *c = t->list.cand[t->idx];
		if (!tab_compose(t->orig, t->list.start, c, strlen(c), out, size))
			return COMPLETE_NONE;
		tab_remember(t, out);
		return COMPLETE_CYCLE;
	}
	bool again = t->last && strlen(t->last) == len && !memcmp(t->last, line, len);
	complete_tab_reset(t);
	complete_list(line, len, cx, &t->list);
	const struct complete_list *l = &t->list;
	if (l->n == 0)
		return COMPLETE_NONE;
	size_t typed = len - l->start;
	if (l->n == 1) {
		if (!tab_compose(line, l->start, l->cand[0], strlen(l->cand[0]), out, size))
			return COMPLETE_NONE;
		tab_remember(t, out);
		return COMPLETE_UNIQUE;
	}
	size_t cp = common_prefix(l);
	if (cp > typed || !again) {
		/* put in what all share (keeping the typed case when nothing more is shared) */
		if (cp <= typed) {
			if (len + 1 > size)
				return COMPLETE_NONE;
			memmove(out, line, len);
			out[len] = '\0';
		} else if (!tab_compose(line, l->start, l->cand[0], cp, out, size)) {
			return COMPLETE_NONE;
		}
		tab_remember(t, out);
		return COMPLETE_PREFIX;
	}
	/* a second Tab with nothing more in common: step through the candidates */
	t->orig = xmemdup0(line, len);
	t->cycling = true;
	t->idx = 0;
	if (!tab_compose(line, l->start, l->cand[0], strlen(l->cand[0]), out, size))
		return COMPLETE_NONE;
	tab_remember(t, out);
	return COMPLETE_CYCLE;
}

/* ---- inline help ---- */

static const struct cmd_doc *doc_find(const char *w, size_t n)
{
	for (size_t i = 0; i < NVERBS; i++)
		if (ci_equal(w, n, verbs[i].name))
			return &verbs[i];
	for (size_t i = 0; i < NHELPERS; i++)
		if (ci_equal(w, n, helpers[i].name))
			return &helpers[i];
	return NULL;
}

/* Help for a parameter word of MAIL / RCPT, or NULL. */
static const char *param_help(const char *fw, size_t fl, const char *w, size_t n)
{
	bool mail = ci_equal(fw, fl, "MAIL");
	if (!mail && !ci_equal(fw, fl, "RCPT"))
		return NULL;
	const struct param_doc *t = mail ? mail_params : rcpt_params;
	size_t nt = mail ? sizeof mail_params / sizeof mail_params[0] : sizeof rcpt_params / sizeof rcpt_params[0];
	size_t key = 0;
	while (key < n && w[key] != '=')
		key++;
	if (key == 0)
		return NULL;
	for (size_t i = 0; i < nt; i++)
		if (ci_prefix(w, key, t[i].insert) && (key == n || t[i].insert[key] == '='))
			return t[i].what;
	return NULL;
}

static bool help_prefixes(const char *w, size_t n, char *out, size_t size)
{
	const struct cmd_doc *one = NULL;
	size_t count = 0, used = 0;
	bool helper = n > 0 && w[0] == ':';
	const struct cmd_doc *tab = helper ? helpers : verbs;
	size_t nt = helper ? NHELPERS : NVERBS;
	char names[256] = "";
	for (size_t i = 0; i < nt; i++) {
		if (!ci_prefix(w, n, tab[i].name))
			continue;
		one = &tab[i];
		count++;
		int k = snprintf(names + used, sizeof names - used, "%s%s", used ? " " : "", tab[i].name);
		if (k > 0 && (size_t)k < sizeof names - used)
			used += (size_t)k;
	}
	if (count == 1) {
		snprintf(out, size, "%s - %s", one->syntax, one->what);
		return true;
	}
	if (count > 1) {
		snprintf(out, size, "%s (Tab completes)", names);
		return true;
	}
	if (helper)
		snprintf(out, size, "%.*s: not a helper (:help lists them)", (int)(n > 40 ? 40 : n), w);
	else
		snprintf(out, size, "%.*s: not a command SMTP defines; it is sent as typed (expect 500 or 502)",
			 (int)(n > 40 ? 40 : n), w);
	return true;
}

bool complete_help(const char *line, size_t len, char *out, size_t size)
{
	if (size)
		out[0] = '\0';
	size_t lead = 0;
	while (lead < len && is_blank(line[lead]))
		lead++;
	size_t fw_end = first_word_end(line, len, lead);
	if (fw_end == lead || size == 0)
		return false;
	const char *fw = line + lead;
	size_t fl = fw_end - lead;
	if (fl >= 2 && fw[0] == ':' && fw[1] == ':')
		return snprintf(out, size, "::text sends ':text' as it is"), true;
	size_t start = len;
	while (start > fw_end && !is_blank(line[start - 1]))
		start--;
	if (start > fw_end) {
		const char *ph = param_help(fw, fl, line + start, len - start);
		if (ph)
			return snprintf(out, size, "%s", ph), true;
	}
	const struct cmd_doc *d = doc_find(fw, fl);
	if (d) {
		snprintf(out, size, "%s - %s", d->syntax, d->what);
		return true;
	}
	if (fw_end < len && fw[0] != ':') /* a whole unknown verb */
		return help_prefixes(fw, fl, out, size) && out[0];
	return help_prefixes(fw, fl, out, size);
}

/* ---- hints from the session's state ---- */

static const char *hint_after_ehlo(const struct complete_state *st)
{
	if ((st->ext & SMTP_EXT_STARTTLS) && !st->tls)
		return "try :starttls to encrypt first, or MAIL FROM:<you@example.com> to start a message";
	if ((st->ext & SMTP_EXT_AUTH) && !st->authed)
		return "try :auth plain USER to log in, or MAIL FROM:<you@example.com> to start a message";
	return "try MAIL FROM:<you@example.com> to start a message";
}

static const char *hint_reply_ok(const struct complete_state *st)
{
	switch (st->answered) {
	case SMTP_CMD_LAST: return "the server is ready: try EHLO your.name (or :ehlo)";
	case SMTP_CMD_EHLO:
	case SMTP_CMD_LHLO: return hint_after_ehlo(st);
	case SMTP_CMD_HELO: return "HELO accepted (no extensions): try MAIL FROM:<you@example.com>";
	case SMTP_CMD_STARTTLS: return "TLS next: then EHLO again, the server forgets what it said before";
	case SMTP_CMD_AUTH:
	case SMTP_CMD_AUTH_RESPONSE:
		return st->code == 334 ? "the server waits for the next AUTH step (base64); it is masked"
				       : "logged in: try MAIL FROM:<you@example.com>";
	case SMTP_CMD_MAIL: return "now RCPT TO:<someone@example.com>, once per recipient";
	case SMTP_CMD_RCPT: return "another RCPT TO:<...>, or DATA (:data lets you type the message)";
	case SMTP_CMD_DATA:
		return st->code == 354 ? "type the message; end it with a line holding only '.'" : NULL;
	case SMTP_CMD_MESSAGE:
	case SMTP_CMD_BDAT: return NULL; /* see complete_hint: the queue id */
	case SMTP_CMD_RSET: return "transaction forgotten: MAIL FROM:<...> starts a new one";
	case SMTP_CMD_QUIT: return "the server said goodbye";
	default: return NULL;
	}
}

static const char *hint_reply_bad(const struct complete_state *st)
{
	bool temp = st->code / 100 == 4;
	if (st->answered == SMTP_CMD_EHLO && !temp)
		return "EHLO refused: try HELO your.name (an old server)";
	switch (st->code) { /* RFC 5321 4.2.4: these say the command itself was wrong */
	case 500:
	case 501: return "a syntax error: check the command's spelling and arguments (Tab completes)";
	case 502:
	case 504: return "this server does not implement that: see its EHLO reply for what it offers";
	case 503: return "out of order: the reply says which command the server expects first";
	default: break;
	}
	switch (st->answered) {
	case SMTP_CMD_LAST: return "the server refused the session: read the explanation, then QUIT";
	case SMTP_CMD_EHLO: return "EHLO refused: try HELO your.name (an old server)";
	case SMTP_CMD_MAIL: return "sender refused: read the explanation; RSET, then MAIL FROM with another address";
	case SMTP_CMD_RCPT:
		return st->rcpts_ok ? "that recipient was refused; the accepted ones stay: DATA sends to them"
				    : "recipient refused: try another RCPT TO:<...>";
	case SMTP_CMD_AUTH:
	case SMTP_CMD_AUTH_RESPONSE: return "authentication failed: check the user, the secret and the mechanism";
	case SMTP_CMD_STARTTLS: return "STARTTLS refused: the session stays unencrypted";
	case SMTP_CMD_MESSAGE:
	case SMTP_CMD_BDAT:
	case SMTP_CMD_DATA:
		return temp ? "message deferred: a sender would retry later" : "message refused: read the explanation";
	default: return temp ? "a temporary failure: retrying later may work" : NULL;
	}
}

bool complete_hint(const struct complete_state *st, char *out, size_t size)
{
	const char *h = NULL;
	if (size)
		out[0] = '\0';
	if (size == 0)
		return false;
	if (st->closed) {
		h = "the session is closed: w saves the transcript, Esc goes back";
	} else if (!st->connected || !st->greeted) {
		h = NULL;
	} else if (st->code >= 200 && st->code < 400) {
		if ((st->answered == SMTP_CMD_MESSAGE || st->answered == SMTP_CMD_BDAT) && st->code / 100 == 2) {
			if (st->queue_id && st->queue_id[0])
				snprintf(out, size, "message accepted (queue id %s): MAIL FROM for another, or QUIT",
					 st->queue_id);
			else
				snprintf(out, size, "message accepted: MAIL FROM for another, or QUIT");
			return true;
		}
		h = hint_reply_ok(st);
	} else if (st->code >= 400 && st->code < 600) {
		h = hint_reply_bad(st);
	}
	if (!h)
		return false;
	snprintf(out, size, "%s", h);
	return true;
}
