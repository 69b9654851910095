/* practice_cmd.c - the practice server's commands: strict RFC 5321 sequencing
 * (3.3, 4.1.1, 4.1.4) with teaching replies and RFC 3463 enhanced codes, MAIL
 * and RCPT parameters (RFC 1870 SIZE, 3461 DSN, 4954 AUTH=, 6152 BODY,
 * 6531 SMTPUTF8), BDAT (RFC 3030) and STARTTLS (RFC 3207). */
#include "probe/practice_int.h"
#include "decode/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* RFC 5321 4.5.3.1.3: a path is at most 256 octets with its brackets. */
#define PS_PATH_MAX 254

static bool ps_need_hello(struct practice_session *s, const char *what)
{
	if (s->greeted)
		return true;
	ps_reply(s, 503, "5.5.1", "Bad sequence: say EHLO <your host name> first, then %s%s", what,
		 s->tls ? " (after STARTTLS the session starts over, RFC 3207 4.2)" : "");
	return false;
}

static bool ps_no_args(struct practice_session *s, const struct smtp_command *c,
		       const char *name)
{
	if (!c->arg[0])
		return true;
	ps_reply(s, 501, "5.5.4", "Syntax: %s takes no argument", name);
	return false;
}

/* RFC 5321 4.1.1.1: a domain name or an address literal. */
static bool ps_helo_name_ok(const char *a)
{
	size_t n = strlen(a);
	if (n == 0 || n > 255)
		return false;
	if (a[0] == '[')
		return a[n - 1] == ']' && n > 2 && !strpbrk(a, " \t");
	for (size_t i = 0; i < n; i++) {
		char c = a[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '-' || c == '.' || c == '_';
		if (!ok)
			return false;
	}
	return true;
}

static void ps_cmd_hello(struct practice_session *s, const struct smtp_command *c, bool esmtp)
{
	const char *verb = esmtp ? "EHLO" : "HELO";
	char echo[PS_ECHO_MAX + 8];
	if (!c->arg[0]) {
		ps_reply(s, 501, "5.5.4",
			 "Syntax: %s <your host name> (a domain name, or an address literal such "
			 "as [127.0.0.1])", verb);
		return;
	}
	if (!ps_helo_name_ok(c->arg)) {
		ps_echo(echo, sizeof echo, c->arg, 40);
		ps_reply(s, 501, "5.5.4",
			 "Syntax: %s takes one argument, a domain name or an address literal; "
			 "'%s' is neither", verb, echo);
		return;
	}
	/* RFC 5321 4.1.4: a new EHLO/HELO ends any transaction in progress. */
	ps_auth_abort(s);
	ps_txn_reset(s);
	free(s->helo);
	s->helo = xstrdup(c->arg);
	s->greeted = true;
	s->esmtp = esmtp;
	ps_ehlo_reply(s, esmtp);
}

/* The path syntax checks shared by MAIL and RCPT; false after a reply. */
static bool ps_path_ok(struct practice_session *s, const struct smtp_command *c, bool mail)
{
	const char *kw = mail ? "MAIL FROM:" : "RCPT TO:";
	const char *esc = mail ? "5.1.7" : "5.1.3";
	unsigned f = c->path.flags;
	if (strncasecmp(c->arg, mail ? "FROM:" : "TO:", mail ? 5 : 3) != 0) {
		ps_reply(s, 501, "5.5.4", "Syntax: %s<address>", kw);
		return false;
	}
	if (f & SMTP_PATH_SPACE) {
		ps_reply(s, 501, "5.5.4",
			 "Syntax: no space is allowed after '%s' (RFC 5321 4.1.2); send %s<address>",
			 kw, kw);
		return false;
	}
	if (f & SMTP_PATH_NO_BRACKETS) {
		ps_reply(s, 501, "5.5.4", "Syntax: %s<address> - the angle brackets are required",
			 kw);
		return false;
	}
	if ((f & SMTP_PATH_TRUNCATED) || strlen(c->path.addr) > PS_PATH_MAX) {
		ps_reply(s, 501, esc, "Address too long: RFC 5321 4.5.3.1.3 allows a path of 256 "
			 "octets");
		return false;
	}
	if (f & SMTP_PATH_BAD) {
		ps_reply(s, 501, esc, "Bad %s address syntax: expected <local-part@domain>%s",
			 mail ? "sender" : "recipient", mail ? ", or <> for a bounce" : "");
		return false;
	}
	if (!mail && (f & SMTP_PATH_NULL)) {
		ps_reply(s, 501, esc, "The null path <> is only valid as a sender (MAIL FROM:<>)");
		return false;
	}
	return true;
}

/* RFC 5321 4.1.2 parameters need EHLO, and each must be one we know. */
static bool ps_params_known(struct practice_session *s, const struct smtp_command *c, bool mail)
{
	const char *cmd = mail ? "MAIL" : "RCPT";
	static const char *const mail_keys[] = {"SIZE", "BODY", "SMTPUTF8", "RET", "ENVID", "AUTH"};
	static const char *const rcpt_keys[] = {"NOTIFY", "ORCPT"};
	const char *const *keys = mail ? mail_keys : rcpt_keys;
	size_t nkeys = mail ? 6 : 2;
	char echo[PS_ECHO_MAX + 8];
	if (c->nparams && !s->esmtp) {
		ps_reply(s, 555, "5.5.4", "%s parameters need EHLO: after HELO no SMTP extension is "
			 "in effect", cmd);
		return false;
	}
	for (size_t i = 0; i < c->nparams; i++) {
		bool known = false;
		for (size_t k = 0; k < nkeys; k++)
			known = known || !strcasecmp(c->params[i].key, keys[k]);
		if (!known) {
			ps_echo(echo, sizeof echo, c->params[i].key, 40);
			ps_reply(s, 555, "5.5.4", "Unknown %s parameter %s", cmd, echo);
			return false;
		}
	}
	return true;
}

/* RFC 3461 4.1, 4.2: NOTIFY and ORCPT values. */
static bool ps_rcpt_params_ok(struct practice_session *s, const struct smtp_command *c)
{
	if (c->notify & SMTP_NOTIFY_BAD) {
		ps_reply(s, 501, "5.5.4", "Syntax: NOTIFY=NEVER or a list of SUCCESS, FAILURE, DELAY "
			 "(RFC 3461 4.1)");
		return false;
	}
	if (c->orcpt && !strchr(c->orcpt, ';')) {
		ps_reply(s, 501, "5.5.4", "Syntax: ORCPT=<type>;<address>, e.g. "
			 "ORCPT=rfc822;user@example.com (RFC 3461 4.2)");
		return false;
	}
	return true;
}

/* SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8 (RFC 6531), RET/ENVID (RFC 3461),
 * AUTH= (RFC 4954 5) values. */
static bool ps_mail_params_ok(struct practice_session *s, const struct smtp_command *c)
{
	const char *bad = NULL;
	int code = 501;
	for (size_t i = 0; i < c->nparams && !bad; i++) {
		const struct smtp_param *pm = &c->params[i];
		if (!strcasecmp(pm->key, "SIZE") && c->size < 0)
			bad = "Syntax: SIZE=<message size in octets> (RFC 1870)";
		else if (!strcasecmp(pm->key, "SMTPUTF8") && pm->value)
			bad = "Syntax: SMTPUTF8 takes no value (RFC 6531 3.4)";
		else if (!strcasecmp(pm->key, "ENVID") && !pm->value)
			bad = "Syntax: ENVID=<envelope identifier> (RFC 3461 4.4)";
		else if (!strcasecmp(pm->key, "AUTH") && !pm->value)
			bad = "Syntax: AUTH=<mailbox> or AUTH=<> (RFC 4954 5)";
	}
	if (!bad && c->body == SMTP_BODY_BINARYMIME) {
		code = 555;
		bad = "BODY=BINARYMIME needs the BINARYMIME extension (RFC 3030), which this server "
		      "does not offer";
	} else if (!bad && c->body == SMTP_BODY_OTHER) {
		bad = "Syntax: BODY=7BIT or BODY=8BITMIME (RFC 6152)";
	} else if (!bad && c->ret == SMTP_RET_OTHER) {
		bad = "Syntax: RET=FULL or RET=HDRS (RFC 3461 4.3)";
	}
	if (!bad)
		return true;
	ps_reply(s, code, "5.5.4", "%s", bad);
	return false;
}

static bool ps_params_ok(struct practice_session *s, const struct smtp_command *c, bool mail)
{
	if (!ps_params_known(s, c, mail))
		return false;
	return mail ? ps_mail_params_ok(s, c) : ps_rcpt_params_ok(s, c);
}

static void ps_cmd_mail(struct practice_session *s, const struct smtp_command *c)
{
	char echo[PS_ECHO_MAX + 8];
	if (!ps_need_hello(s, "MAIL FROM:<address>"))
		return;
	if (s->in_mail) {
		ps_reply(s, 503, "5.5.1", "Bad sequence: a transaction is already open (MAIL FROM was "
			 "accepted); finish it with DATA or send RSET first");
		return;
	}
	if (!ps_path_ok(s, c, true) || !ps_params_ok(s, c, true))
		return;
	if ((c->path.flags & SMTP_PATH_UTF8) && !c->smtputf8) {
		ps_reply(s, 553, "5.6.7", "Non-ASCII sender address: add the SMTPUTF8 parameter to "
			 "MAIL FROM (RFC 6531)");
		return;
	}
	if (c->size >= 0 && (uint64_t)c->size > s->cfg.size_max) {
		ps_reply(s, 552, "5.3.4", "Message size exceeds the SIZE limit of %llu octets "
			 "(SIZE=%lld was declared)", (unsigned long long)s->cfg.size_max,
			 (long long)c->size);
		return;
	}
	if (ps_domain_invalid(c->path.domain)) {
		ps_echo(echo, sizeof echo, c->path.domain, 60);
		ps_reply(s, 553, "5.1.8", "Bad sender domain %s: the .invalid top-level domain never "
			 "exists (RFC 2606), so nobody could reply", echo);
		return;
	}
	ps_txn_reset(s);
	s->in_mail = true;
	s->mail_from = xstrdup(c->path.addr);
	s->smtputf8 = c->smtputf8;
	s->body8 = c->body == SMTP_BODY_8BITMIME;
	ps_echo(echo, sizeof echo, c->path.addr, PS_ECHO_MAX);
	ps_reply(s, 250, "2.1.0", "Sender <%s> ok; now RCPT TO:<address> for each recipient", echo);
}

/* greylist@: the first try of each sender/recipient pair is deferred; the
 * pair is remembered (FNV-1a hash) so that the retry passes. */
static bool ps_greylist_seen(struct practice_shared *sh, const char *from, const char *to)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *p = from; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	h = (h ^ 0xff) * 1099511628211ull;
	for (const char *p = to; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	for (size_t i = 0; i < sh->ngrey; i++)
		if (sh->grey[i] == h)
			return true;
	sh->grey[sh->grey_next] = h;
	sh->grey_next = (sh->grey_next + 1) % PRACTICE_GREYLIST_MAX;
	if (sh->ngrey < PRACTICE_GREYLIST_MAX)
		sh->ngrey++;
	return false;
}

/* Which reply a recipient gets; true when accepted. */
static bool ps_rcpt_verdict(struct practice_session *s, const struct smtp_command *c)
{
	const char *addr = c->path.addr, *dom = c->path.domain;
	char echo[PS_ECHO_MAX + 8], edom[72];
	ps_echo(echo, sizeof echo, addr, PS_ECHO_MAX);
	ps_echo(edom, sizeof edom, dom, 60);
	if (!dom[0]) /* <Postmaster> (RFC 5321 4.1.1.3) */
		return true;
	if (ps_domain_invalid(dom)) {
		ps_reply(s, 550, "5.1.2", "Bad destination domain %s: .invalid never exists "
			 "(RFC 2606)", edom);
		return false;
	}
	if (!practice_domain_is_local(dom, s->cfg.hostname)) {
		if (s->auth_user)
			return true;
		ps_reply(s, 554, "5.7.1", "Relay access denied: %s is not a practice domain; only "
			 "authenticated clients may relay (AUTH as %s, after STARTTLS)", edom,
			 s->cfg.user);
		return false;
	}
	size_t llen = (size_t)(dom - 1 - addr);
	const struct ps_teach_rule *r = ps_teach_lookup(addr, llen);
	if (!r)
		return true;
	if (r->code == 250) { /* spam@: accepted now, refused after DATA */
		s->reject_content = true;
		return true;
	}
	if (r->code == 450 && ps_greylist_seen(s->cfg.shared, s->mail_from, addr))
		return true;
	ps_reply(s, r->code, r->esc, "<%s>: %s", echo, r->text);
	return false;
}

static void ps_cmd_rcpt(struct practice_session *s, const struct smtp_command *c)
{
	char echo[PS_ECHO_MAX + 8];
	if (!ps_need_hello(s, "MAIL FROM and RCPT TO"))
		return;
	if (!s->in_mail) {
		ps_reply(s, 503, "5.5.1", "Bad sequence: send MAIL FROM:<address> before RCPT TO");
		return;
	}
	if (!ps_path_ok(s, c, false) || !ps_params_ok(s, c, false))
		return;
	if ((c->path.flags & SMTP_PATH_UTF8) && !s->smtputf8) {
		ps_reply(s, 553, "5.6.7", "Non-ASCII recipient address: MAIL FROM needs the SMTPUTF8 "
			 "parameter first (RFC 6531)");
		return;
	}
	s->rcpt_tried++;
	if (s->nrcpts >= PRACTICE_RCPT_MAX) {
		ps_reply(s, 452, "4.5.3", "Too many recipients: at most %d per message; send the "
			 "others in another transaction (RFC 5321 4.5.3.1.8)", PRACTICE_RCPT_MAX);
		return;
	}
	if (!ps_rcpt_verdict(s, c))
		return;
	if (c->path.flags & SMTP_PATH_ROUTE)
		ps_emit_note(s, "source route ignored, as RFC 5321 4.1.1.3 and appendix C ask");
	s->rcpts[s->nrcpts++] = xstrdup(c->path.addr);
	ps_echo(echo, sizeof echo, c->path.addr, PS_ECHO_MAX);
	bool relay = c->path.domain[0] && !practice_domain_is_local(c->path.domain, s->cfg.hostname);
	ps_reply(s, 250, "2.1.5", "Recipient <%s> ok%s", echo,
		 relay ? " (you are authenticated, so this would be relayed; the practice "
			 "server keeps it here)"
		       : "");
}

/* Shared by DATA and BDAT: is there a transaction with a recipient? Fills
 * code and text (with the enhanced code) when not. */
static bool ps_txn_ready(struct practice_session *s, const char *what, int *code, char *text,
			 size_t size)
{
	*code = 503;
	if (!s->greeted)
		snprintf(text, size, "5.5.1 Bad sequence: say EHLO <your host name> first, then "
			 "MAIL FROM, RCPT TO and %s", what);
	else if (!s->in_mail)
		snprintf(text, size, "5.5.1 Bad sequence: send MAIL FROM:<address> and "
			 "RCPT TO:<address> before %s", what);
	else if (s->nrcpts == 0 && s->rcpt_tried == 0)
		snprintf(text, size, "5.5.1 Bad sequence: send RCPT TO:<address> before %s", what);
	else if (s->nrcpts == 0) {
		*code = 554;
		snprintf(text, size, "5.5.1 No valid recipients: every RCPT TO was refused, so "
			 "there is nobody to deliver to (send RSET)");
	} else {
		return true;
	}
	return false;
}

static void ps_cmd_data(struct practice_session *s, const struct smtp_command *c)
{
	int code;
	char text[300];
	if (!ps_no_args(s, c, "DATA"))
		return;
	if (s->used_bdat) {
		ps_reply(s, 503, "5.5.1", "Bad sequence: DATA cannot follow BDAT in the same "
			 "transaction (RFC 3030 2); finish with BDAT <size> LAST or send RSET");
		return;
	}
	if (!ps_txn_ready(s, "DATA", &code, text, sizeof text)) {
		ps_reply(s, code, NULL, "%s", text);
		return;
	}
	ps_content_begin(s, false);
	ps_reply(s, 354, NULL, "End data with <CR><LF>.<CR><LF> (a line holding only a dot)");
}

/* "BDAT" SP size [SP "LAST"]: the chunk is read (RFC 3030 2 says even when
 * the command is refused) whenever the size parses. */
static void ps_cmd_bdat(struct practice_session *s, const struct smtp_command *c)
{
	const char *a = c->arg;
	size_t digits = strspn(a, "0123456789");
	if (digits == 0 || digits > 18 || (a[digits] && a[digits] != ' ' && a[digits] != '\t')) {
		ps_reply(s, 501, "5.5.4", "Syntax: BDAT <chunk size in octets> [LAST] (RFC 3030 2)");
		return;
	}
	uint64_t size = strtoull(a, NULL, 10);
	const char *rest = a + digits + strspn(a + digits, " \t");
	bool last = !strcasecmp(rest, "LAST");
	int code = 0;
	char text[300];
	if (*rest && !last) {
		code = 501;
		snprintf(text, sizeof text, "5.5.4 Syntax: BDAT <chunk size in octets> [LAST]");
	} else if (s->greeted && !s->esmtp) {
		code = 503;
		snprintf(text, sizeof text, "5.5.1 Bad sequence: BDAT needs EHLO (CHUNKING is an "
			 "extension, none is in effect after HELO)");
	} else if (!ps_txn_ready(s, "BDAT", &code, text, sizeof text)) {
		/* code and text set */
	} else if (s->msg_size + size > s->cfg.size_max) {
		code = 552;
		snprintf(text, sizeof text, "5.3.4 Message size exceeds the SIZE limit of %llu octets",
			 (unsigned long long)s->cfg.size_max);
	} else {
		code = 0;
	}
	if (code == 0 && !s->used_bdat) {
		ps_content_begin(s, true);
		s->used_bdat = true;
	}
	s->mode = PS_BDAT;
	s->chunk_left = s->chunk_size = size;
	s->chunk_last = last;
	s->chunk_discard = code != 0;
	s->chunk_code = code;
	snprintf(s->chunk_text, sizeof s->chunk_text, "%s", code ? text : "");
	if (size == 0)
		ps_chunk_end(s);
}

static void ps_cmd_starttls(struct practice_session *s, const struct smtp_command *c)
{
	if (!ps_no_args(s, c, "STARTTLS") || !ps_need_hello(s, "STARTTLS"))
		return;
	if (s->tls) {
		ps_reply(s, 503, "5.5.1", "TLS is already active on this connection");
		return;
	}
	if (!s->esmtp) {
		ps_reply(s, 503, "5.5.1", "STARTTLS needs EHLO: it is an extension, and none is in "
			 "effect after HELO");
		return;
	}
	ps_reply(s, 220, "2.0.0", "Ready to start TLS: begin the handshake now, then send EHLO "
		 "again");
	s->status = PRACTICE_STARTTLS;
}

static void ps_cmd_other(struct practice_session *s, const struct smtp_command *c)
{
	char echo[PS_ECHO_MAX + 8];
	switch (c->kind) {
	case SMTP_CMD_RSET:
		if (!ps_no_args(s, c, "RSET"))
			return;
		ps_txn_reset(s);
		ps_reply(s, 250, "2.0.0", "Ok: transaction cleared");
		return;
	case SMTP_CMD_NOOP: ps_reply(s, 250, "2.0.0", "Ok"); return;
	case SMTP_CMD_QUIT:
		if (!ps_no_args(s, c, "QUIT"))
			return;
		ps_reply(s, 221, "2.0.0", "Bye");
		ps_close(s, "client sent QUIT");
		return;
	case SMTP_CMD_VRFY:
		if (!c->arg[0]) {
			ps_reply(s, 501, "5.5.4", "Syntax: VRFY <user name or address>");
			return;
		}
		ps_reply(s, 252, "2.5.0", "Cannot VRFY the user, but will accept a message for it "
			 "and attempt delivery (servers hide who exists from address harvesters)");
		return;
	case SMTP_CMD_EXPN:
		ps_reply(s, 502, "5.5.1", "EXPN is disabled here: like most servers, this one keeps "
			 "mailing-list members private");
		return;
	case SMTP_CMD_HELP: ps_help_reply(s, c->arg); return;
	case SMTP_CMD_ETRN: case SMTP_CMD_XCLIENT: case SMTP_CMD_LHLO:
		ps_reply(s, 502, "5.5.1", "%s is not implemented by this server%s", c->verb,
			 c->kind == SMTP_CMD_LHLO ? " (LHLO is LMTP, RFC 2033; SMTP uses EHLO)" : "");
		return;
	default:
		ps_echo(echo, sizeof echo, c->verb, 24);
		ps_reply(s, 500, "5.5.1", "Unknown command '%s' (HELP lists the commands)", echo);
		return;
	}
}

void ps_command(struct practice_session *s, const uint8_t *p, size_t n)
{
	if (n == 0) {
		ps_reply(s, 500, "5.5.2", "Empty command line (HELP lists the commands)");
		return;
	}
	struct smtp_command c;
	struct smtp_param params[SMTP_PARAMS_MAX];
	size_t asz = 4 * n + 256;
	char *arena = xmalloc(asz);
	uint64_t anom = 0;
	smtp_command_parse(p, n, &c, params, arena, asz, &anom);
	switch (c.kind) {
	case SMTP_CMD_EHLO: ps_cmd_hello(s, &c, true); break;
	case SMTP_CMD_HELO: ps_cmd_hello(s, &c, false); break;
	case SMTP_CMD_MAIL: ps_cmd_mail(s, &c); break;
	case SMTP_CMD_RCPT: ps_cmd_rcpt(s, &c); break;
	case SMTP_CMD_DATA: ps_cmd_data(s, &c); break;
	case SMTP_CMD_BDAT: ps_cmd_bdat(s, &c); break;
	case SMTP_CMD_STARTTLS: ps_cmd_starttls(s, &c); break;
	case SMTP_CMD_AUTH: ps_cmd_auth(s, &c); break;
	default: ps_cmd_other(s, &c); break;
	}
	free(arena);
}
