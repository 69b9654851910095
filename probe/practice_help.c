/* practice_help.c - what the practice server says about itself: the EHLO
 * extension list (RFC 5321 4.1.1.1), HELP lessons (RFC 5321 4.1.1.8, 214 with
 * RFC 3463 codes), the practice domains (RFC 2606 / RFC 6761 reserved names)
 * and the teaching addresses that fail on purpose. */
#include "probe/practice_int.h"

#include <string.h>
#include <strings.h>

/* Local parts that fail on purpose, at any practice domain. Code 250 marks
 * the one accepted now and refused after DATA. The replies are our own
 * wording around the standard codes. */
static const struct ps_teach_rule teach_rules[] = {
	{"unknown", 550, "5.1.1", "No such user here (a permanent failure: fix the address)"},
	{"full", 452, "4.2.2", "Mailbox full, try again later (temporary: the sender keeps the "
			       "message and retries)"},
	{"overquota", 552, "5.2.2", "Mailbox full and over quota for good (permanent)"},
	{"disabled", 550, "5.2.1", "Mailbox disabled: it exists but accepts nothing"},
	{"moved", 551, "5.1.6", "User not local; the mailbox has moved, please try "
				"<moved@example.net>"},
	{"tempfail", 451, "4.3.0", "Temporary local problem, try again later"},
	{"greylist", 450, "4.7.1", "Greylisted: unknown sender/recipient pair, try again in a "
				   "moment (the retry is accepted)"},
	{"spam", 250, "2.1.5", "accepted now, but the message is refused after DATA"},
};

static const struct practice_teach teach_public[] = {
	{"unknown@<practice domain>", "550 5.1.1", "permanent failure: no such user"},
	{"full@<practice domain>", "452 4.2.2", "temporary failure: mailbox full, retry later"},
	{"overquota@<practice domain>", "552 5.2.2", "permanent failure: mailbox over quota"},
	{"disabled@<practice domain>", "550 5.2.1", "permanent failure: mailbox disabled"},
	{"moved@<practice domain>", "551 5.1.6", "user not local, with the new address"},
	{"tempfail@<practice domain>", "451 4.3.0", "temporary server-side problem"},
	{"greylist@<practice domain>", "450 4.7.1 once, then 250",
	 "greylisting: the first try of each sender/recipient pair is deferred"},
	{"spam@<practice domain>", "250 at RCPT, 554 5.7.1 after DATA",
	 "content rejected at the end of the message"},
	{"postmaster@<practice domain>, <Postmaster>", "250 2.1.5",
	 "always accepted (RFC 5321 4.5.1)"},
	{"anything@<name>.invalid", "550 5.1.2 (553 5.1.8 as sender)",
	 "the domain cannot exist (RFC 2606)"},
	{"anything@<other domain>", "554 5.7.1 (250 after AUTH)",
	 "relaying is for authenticated users only"},
};

const struct practice_teach *practice_teaching_addresses(size_t *n)
{
	*n = sizeof teach_public / sizeof teach_public[0];
	return teach_public;
}

const struct ps_teach_rule *ps_teach_lookup(const char *local, size_t len)
{
	for (size_t i = 0; i < sizeof teach_rules / sizeof teach_rules[0]; i++)
		if (strlen(teach_rules[i].local) == len && !strncasecmp(local, teach_rules[i].local, len))
			return &teach_rules[i];
	return NULL;
}

static bool ps_ends_with(const char *d, const char *suffix)
{
	size_t n = strlen(d), k = strlen(suffix);
	return n >= k && !strcasecmp(d + n - k, suffix);
}

bool ps_domain_invalid(const char *domain)
{
	return !strcasecmp(domain, "invalid") || ps_ends_with(domain, ".invalid");
}

bool practice_domain_is_local(const char *domain, const char *hostname)
{
	static const char *const exact[] = {"localhost", "example.com", "example.net",
					    "example.org", "[127.0.0.1]", "[IPv6:::1]"};
	static const char *const suffixes[] = {".test", ".example", ".localhost", ".example.com",
					       ".example.net", ".example.org"};
	if (hostname && !strcasecmp(domain, hostname))
		return true;
	for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
		if (!strcasecmp(domain, exact[i]))
			return true;
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
		if (ps_ends_with(domain, suffixes[i]))
			return true;
	return false;
}

void ps_ehlo_reply(struct practice_session *s, bool esmtp)
{
	char echo[PS_ECHO_MAX + 8];
	struct buf r;
	buf_init(&r, 2048);
	ps_echo(echo, sizeof echo, s->helo, 60);
	bool auth = s->tls || !s->cfg.require_tls_for_auth;
	if (!esmtp) {
		buf_printf(&r, "250 %s Hello %s (HELO: no extensions; use EHLO to see them)\r\n",
			   s->cfg.hostname, echo);
		ps_reply_raw(s, 250, &r);
		buf_free(&r);
		return;
	}
	buf_printf(&r, "250-%s Hello %s%s\r\n", s->cfg.hostname, echo,
		   auth && !s->tls ? " (note: AUTH is offered without TLS here, so passwords "
				     "would cross the network in clear)" : "");
	buf_append_str(&r, "250-PIPELINING\r\n");
	buf_printf(&r, "250-SIZE %llu\r\n", (unsigned long long)s->cfg.size_max);
	buf_append_str(&r, "250-8BITMIME\r\n250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n"
			   "250-CHUNKING\r\n");
	if (!s->tls)
		buf_append_str(&r, "250-STARTTLS\r\n");
	if (auth)
		buf_append_str(&r, "250-AUTH PLAIN LOGIN\r\n");
	buf_append_str(&r, "250-DSN\r\n250 HELP\r\n");
	ps_reply_raw(s, 250, &r);
	buf_free(&r);
}

struct ps_topic {
	const char *name;
	const char *const *lines;
};

static const char *const help_main[] = {
	"smtpscope practice server: a strict RFC 5321 server for learning.",
	"A mail transaction, one command per line, each ended by CR LF:",
	"  EHLO your.host.name          hello; the reply lists the extensions",
	"  STARTTLS                     (optional) switch to TLS, then EHLO again",
	"  AUTH PLAIN <base64>          (optional, after TLS) log in as the demo user",
	"  MAIL FROM:<you@example.com>  the sender (the envelope, not the From: header)",
	"  RCPT TO:<user@example.com>   one per recipient",
	"  DATA                         then the message; a line with only . ends it",
	"  QUIT",
	"Also RSET NOOP VRFY EXPN BDAT. HELP <command> explains one command;",
	"HELP ADDRESSES lists the addresses that fail on purpose.", NULL};
static const char *const help_ehlo[] = {
	"EHLO <name> opens an extended session and lists the extensions; HELO",
	"<name> opens a basic one where no extension may be used. The name is",
	"your host's domain name or an address literal such as [127.0.0.1].", NULL};
static const char *const help_mail[] = {
	"MAIL FROM:<address> [parameters] starts a transaction. No space after",
	"the colon, angle brackets required, <> for bounces. Parameters (after",
	"EHLO): SIZE=n BODY=7BIT|8BITMIME SMTPUTF8 RET=FULL|HDRS ENVID=x AUTH=x.", NULL};
static const char *const help_rcpt[] = {
	"RCPT TO:<address> [NOTIFY=... ORCPT=...] names one recipient; repeat it",
	"for more (at most 100). Practice domains: the server's name, localhost,",
	"example.com/.net/.org and anything under .test, .example, .localhost.",
	"Other domains need AUTH (relaying). HELP ADDRESSES lists the failures.", NULL};
static const char *const help_data[] = {
	"DATA (after a recipient was accepted) answers 354; send the headers, an",
	"empty line and the body, then a line with only a dot. Lines starting",
	"with a dot get a second one (the server removes it). Lines end with",
	"CR LF, at most 1000 octets each; a bare LF closes the connection.", NULL};
static const char *const help_bdat[] = {
	"BDAT <size> [LAST] (CHUNKING, RFC 3030) sends exactly <size> octets",
	"after the command line, with no dot handling; the last chunk carries",
	"LAST. DATA and BDAT may not be mixed in one transaction.", NULL};
static const char *const help_auth[] = {
	"AUTH PLAIN <base64 of NUL user NUL password>, or AUTH LOGIN answering",
	"the 334 prompts with the base64 user name and then password. It needs",
	"EHLO, no open transaction, and (unless the server says otherwise) TLS.",
	"Send * to cancel.", NULL};
static const char *const help_starttls[] = {
	"STARTTLS (after EHLO) answers 220; the TLS handshake follows at once.",
	"Anything sent after STARTTLS before the handshake is thrown away (it",
	"could be injected). After TLS the session starts over: EHLO again.", NULL};
static const char *const help_other[] = {
	"RSET clears the transaction. NOOP does nothing. VRFY answers 252 (the",
	"server will not tell who exists). EXPN is disabled. QUIT says goodbye.",
	"PIPELINING: you may send several commands at once; replies come in",
	"order. After 20 errors, or 5 minutes of silence, the server hangs up.", NULL};

static const struct ps_topic help_topics[] = {
	{"EHLO", help_ehlo}, {"HELO", help_ehlo}, {"MAIL", help_mail}, {"RCPT", help_rcpt},
	{"DATA", help_data}, {"BDAT", help_bdat}, {"AUTH", help_auth},
	{"STARTTLS", help_starttls}, {"RSET", help_other}, {"NOOP", help_other},
	{"VRFY", help_other}, {"EXPN", help_other}, {"QUIT", help_other},
	{"PIPELINING", help_other},
};

static void ps_help_lines(struct buf *r, const char *const *lines)
{
	for (size_t i = 0; lines[i]; i++)
		buf_printf(r, "214-2.0.0 %s\r\n", lines[i]);
}

static void ps_help_addresses(struct buf *r)
{
	buf_append_str(r, "214-2.0.0 Teaching addresses (at any practice domain):\r\n");
	for (size_t i = 0; i < sizeof teach_public / sizeof teach_public[0]; i++)
		buf_printf(r, "214-2.0.0   %s -> %s\r\n", teach_public[i].address,
			   teach_public[i].reply);
}

void ps_help_reply(struct practice_session *s, const char *topic)
{
	struct buf r;
	buf_init(&r, 4096);
	const char *const *lines = NULL;
	if (!topic[0])
		lines = help_main;
	for (size_t i = 0; !lines && i < sizeof help_topics / sizeof help_topics[0]; i++)
		if (!strcasecmp(topic, help_topics[i].name))
			lines = help_topics[i].lines;
	if (lines) {
		ps_help_lines(&r, lines);
	} else if (!strcasecmp(topic, "ADDRESSES")) {
		ps_help_addresses(&r);
	} else {
		char echo[40];
		ps_echo(echo, sizeof echo, topic, 20);
		ps_reply(s, 504, "5.5.4", "No help on '%s'; try HELP alone, HELP <command> or "
			 "HELP ADDRESSES", echo);
		buf_free(&r);
		return;
	}
	buf_append_str(&r, "214 2.0.0 End of HELP\r\n");
	ps_reply_raw(s, 214, &r);
	buf_free(&r);
}
