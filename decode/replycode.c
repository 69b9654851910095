/* replycode.c - the SMTP basic reply codes with our explanations: RFC 5321 4.2
 * (4.2.1 digit meanings, 4.2.2/4.2.3 the codes), RFC 3207 (STARTTLS), RFC 4954
 * (AUTH), RFC 7504 (521, 556), RFC 1985 (ETRN). No registry exists for basic
 * codes, so this table is written by hand; each entry names its source. */
#include "replycode.h"

#include <stddef.h>

static const struct replycode_info replycode_table[] = {
	{211, "System status, or system help reply",
	 "The server answers a request for status or help with information.",
	 "A HELP or status request by the client.",
	 "Nothing to fix.",
	 REASON_NONE, "RFC 5321 4.2.2, 4.2.3"},
	{214, "Help message",
	 "Human-readable help text, for example in answer to HELP.",
	 "A HELP command.",
	 "Nothing to fix.",
	 REASON_NONE, "RFC 5321 4.1.1.8, 4.2.3"},
	{220, "Service ready",
	 "The greeting (banner) of a server ready for a session, or after STARTTLS the signal "
	 "that the TLS handshake may begin.",
	 "A new connection, or a STARTTLS command.",
	 "Nothing to fix. After a 220 to STARTTLS the client must start TLS at once and send "
	 "EHLO again over it.",
	 REASON_NONE, "RFC 5321 3.1, 4.2.3; RFC 3207 4"},
	{221, "Service closing transmission channel",
	 "The server is ending the session, normally in answer to QUIT.",
	 "A QUIT command.",
	 "Nothing to fix.",
	 REASON_NONE, "RFC 5321 4.1.1.10, 4.2.3"},
	{235, "Authentication succeeded",
	 "The AUTH login was accepted; the client may now send mail as that user.",
	 "Correct credentials.",
	 "Nothing to fix.",
	 REASON_NONE, "RFC 4954 6"},
	{250, "Requested mail action okay, completed",
	 "The command succeeded. After the end of DATA this means the server took "
	 "responsibility for the message; the text often holds a queue id to quote when "
	 "tracing it.",
	 "Normal operation.",
	 "Nothing to fix. Keep the queue id from the 250 after DATA for later tracing.",
	 REASON_NONE, "RFC 5321 4.2.2, 4.2.3"},
	{251, "User not local; will forward",
	 "The recipient is not handled here, but the server accepts the message and will "
	 "forward it to the address it names.",
	 "An old address with forwarding in place.",
	 "Nothing to fix; update the address to the one given when convenient.",
	 REASON_NONE, "RFC 5321 3.4, 4.2.3"},
	{252, "Cannot VRFY user, but will accept message and attempt delivery",
	 "The server will not confirm whether the address exists (VRFY is disabled or "
	 "answered vaguely on purpose) but will take mail for it.",
	 "A VRFY command to a server that does not reveal its users.",
	 "Nothing to fix; VRFY cannot be used to check addresses on this server.",
	 REASON_NONE, "RFC 5321 3.5.3, 4.2.3"},
	{334, "Server challenge (AUTH continuation)",
	 "The server waits for the next step of an AUTH exchange; the text is a base64 "
	 "challenge (\"VXNlcm5hbWU6\" is \"Username:\", \"UGFzc3dvcmQ6\" is \"Password:\").",
	 "An AUTH command in progress.",
	 "Send the base64-encoded response on one line, or \"*\" to cancel.",
	 REASON_NONE, "RFC 4954 4"},
	{354, "Start mail input; end with <CRLF>.<CRLF>",
	 "The server accepted DATA and waits for the message: headers, a blank line, the "
	 "body, and a line holding only a dot to finish.",
	 "A DATA command after at least one accepted recipient.",
	 "Send the message with CRLF line ends, double any dot at the start of a line, and "
	 "end with CRLF.CRLF.",
	 REASON_NONE, "RFC 5321 4.1.1.4, 4.2.3"},
	{421, "Service not available, closing transmission channel",
	 "The server will not go on and closes the connection, temporarily. It can come as "
	 "the greeting or in answer to any command.",
	 "Too many connections or messages from the sending IP (rate limiting), a temporary "
	 "block of a new or suspicious sender, greylisting, or a server shutting down or "
	 "overloaded.",
	 "Let the queue retry later; lower the number of parallel connections and the sending "
	 "rate to this destination. If it persists, read the text: big providers name the "
	 "limit or link to their sender guidelines.",
	 REASON_TOOMANYCONN, "RFC 5321 3.8, 4.2.3"},
	{432, "A password transition is needed",
	 "The account must switch to the chosen authentication mechanism; a one-time login "
	 "with the password is needed first.",
	 "A server that stores credentials for a new mechanism only after seeing the password "
	 "once.",
	 "Log in once with PLAIN over TLS, then retry with the chosen mechanism.",
	 REASON_SECURITYERROR, "RFC 4954 6"},
	{450, "Requested mail action not taken: mailbox unavailable",
	 "The action was refused for now: the mailbox cannot be used at the moment, or a "
	 "temporary policy holds the message back.",
	 "Greylisting (the first attempt from an unknown sender is deferred on purpose), a "
	 "recipient check that could not complete, a missing reverse DNS for the sending IP, "
	 "or a busy mailbox.",
	 "Let the queue retry: greylisting passes on a retry after a few minutes from the same "
	 "IP. If it never passes, read the text: reverse DNS or sender checks may be failing.",
	 REASON_ONHOLD, "RFC 5321 4.2.2, 4.2.3"},
	{451, "Requested action aborted: local error in processing",
	 "The server hit a problem of its own while handling the command and asks for a "
	 "retry.",
	 "A receiving-side fault (a lookup, database, scanner or DNS that failed), a temporary "
	 "SPF or DNS error, or greylisting reported with 451.",
	 "Let the queue retry. If it persists, check the sender's DNS (SPF, MX of the sender "
	 "domain) and tell the receiving postmaster the time and text.",
	 REASON_SYSTEMERROR, "RFC 5321 4.2.2, 4.2.3"},
	{452, "Requested action not taken: insufficient system storage",
	 "The server cannot accept more right now: it is short of storage, or this "
	 "transaction has reached its recipient limit.",
	 "A full spool or mailbox on the receiving side, or too many RCPT TO commands in one "
	 "transaction (servers answer the excess recipients with 452).",
	 "Let the queue retry; for too many recipients, send the rest in another transaction "
	 "(sending MTAs do this by themselves).",
	 REASON_SYSTEMFULL, "RFC 5321 4.2.3, 4.5.3.1.10"},
	{454, "TLS not available, or temporary authentication failure",
	 "STARTTLS or AUTH failed for a temporary reason on the server side.",
	 "A server with a broken or missing certificate or key, an authentication backend "
	 "that is down, or (Postfix) a relay refusal sent as a soft error.",
	 "Retry later; if STARTTLS keeps failing, report it to the server's administrator. "
	 "Never fall back to sending a password without TLS.",
	 REASON_SECURITYERROR, "RFC 3207 4; RFC 4954 6"},
	{455, "Server unable to accommodate parameters",
	 "The server cannot honour the MAIL FROM or RCPT TO parameters at the moment.",
	 "A parameter (SIZE, a DSN option...) the server cannot handle right now.",
	 "Retry later, or send without the parameter.",
	 REASON_SYSTEMERROR, "RFC 5321 4.2.3"},
	{458, "Unable to queue messages for node",
	 "The server cannot start delivering the mail queued for the domain named in ETRN.",
	 "A queue runner problem on the server.",
	 "Retry ETRN later.",
	 REASON_SYSTEMERROR, "RFC 1985"},
	{459, "Node not allowed",
	 "The server will not run the queue for the domain named in ETRN.",
	 "ETRN for a domain the server does not keep mail for, or a client not allowed to ask.",
	 "Check the domain given to ETRN with the provider of the backup MX.",
	 REASON_POLICYVIOLATION, "RFC 1985"},
	{500, "Syntax error, command unrecognized",
	 "The server did not understand the command at all. This includes lines that are too "
	 "long (and with 5.5.6, AUTH lines that are too long).",
	 "A typo in a hand-typed command, a command line over 512 octets, a bare LF line end, "
	 "TLS or binary data sent to a plain-text port, or HTTP sent to an SMTP port.",
	 "Check the exact command in a transcript: CRLF line ends, no extra bytes, lines "
	 "under 512 octets; connect to the right port with the right protocol (465 is implicit "
	 "TLS, 25 and 587 start in plain text).",
	 REASON_SYNTAXERROR, "RFC 5321 4.2.3, 4.5.3.1.4; RFC 4954 6"},
	{501, "Syntax error in parameters or arguments",
	 "The command is known but its arguments are wrong.",
	 "A malformed address (missing angle brackets, spaces), a bad EHLO name, an unknown "
	 "parameter value, or badly encoded base64 in AUTH.",
	 "Send addresses as MAIL FROM:<user@example.com>, a real host name in EHLO, and "
	 "check the arguments against the server's EHLO keywords.",
	 REASON_SYNTAXERROR, "RFC 5321 4.2.2, 4.2.3"},
	{502, "Command not implemented",
	 "The server knows the command but does not provide it.",
	 "A command such as VRFY, EXPN, ETRN or TURN that the administrator disabled, or an "
	 "extension used without being offered in EHLO.",
	 "Do without the command, or use only extensions listed in the EHLO reply.",
	 REASON_SYNTAXERROR, "RFC 5321 4.2.3, 4.2.4"},
	{503, "Bad sequence of commands",
	 "The command came at the wrong point of the session.",
	 "MAIL before EHLO, RCPT before MAIL, DATA without an accepted recipient, AUTH twice, "
	 "or a client that pipelined commands without PIPELINING. After a rejected RCPT, DATA "
	 "gets 503 because no recipient is left.",
	 "Follow the order EHLO, [STARTTLS, EHLO], [AUTH], MAIL, RCPT..., DATA; look at the "
	 "earlier replies: often a previous command already failed.",
	 REASON_SYNTAXERROR, "RFC 5321 4.2.2, 4.2.3"},
	{504, "Command parameter not implemented",
	 "The command is fine but a parameter it carries is not supported.",
	 "An AUTH mechanism the server does not offer, or an unsupported parameter.",
	 "Use only the mechanisms listed on the AUTH line of the EHLO reply.",
	 REASON_SYNTAXERROR, "RFC 5321 4.2.3; RFC 4954 4"},
	{521, "Host does not accept mail",
	 "This host never accepts mail (said in the greeting or to any command).",
	 "An MX or A record that points to a machine not meant to receive mail, or a host "
	 "that only sends.",
	 "Check the destination's MX records (dig MX domain): mail is probably going to the "
	 "wrong host. If the domain means to receive no mail, get another address.",
	 REASON_NOTACCEPT, "RFC 7504"},
	{530, "Authentication required",
	 "The server requires the client to log in (or, as \"Must issue a STARTTLS command "
	 "first\", to start TLS) before this command.",
	 "Sending through a submission server or relay without AUTH, or without STARTTLS "
	 "where TLS is mandatory.",
	 "Configure the client to use STARTTLS and SMTP AUTH with the account's credentials "
	 "(usually port 587 or 465).",
	 REASON_SECURITYERROR, "RFC 4954 6; RFC 3207 4"},
	{534, "Authentication mechanism is too weak",
	 "The server refuses the chosen AUTH mechanism as not strong enough for this user.",
	 "PLAIN, LOGIN or CRAM-MD5 where the server wants more, often because TLS is not "
	 "active.",
	 "Start TLS first, then choose a stronger mechanism from the EHLO AUTH line.",
	 REASON_SECURITYERROR, "RFC 4954 6"},
	{535, "Authentication credentials invalid",
	 "The login failed: wrong user name or password, or the account may not log in this "
	 "way.",
	 "A wrong or expired password, a user name without its domain, an account that needs "
	 "an app password or OAuth2 (Gmail, Microsoft 365), or SMTP AUTH disabled for the "
	 "mailbox.",
	 "Check the credentials in webmail, use the full address as user name, and create an "
	 "app password or switch to OAuth2 if the provider asks for it; Microsoft 365 needs "
	 "SMTP AUTH enabled per mailbox.",
	 REASON_SECURITYERROR, "RFC 4954 6"},
	{538, "Encryption required for requested authentication mechanism",
	 "This AUTH mechanism may only be used after TLS is active.",
	 "AUTH PLAIN or LOGIN sent before STARTTLS.",
	 "Issue STARTTLS first (or use port 465 with implicit TLS), then authenticate.",
	 REASON_FAILEDSTARTTLS, "RFC 4954 6"},
	{550, "Requested action not taken: mailbox unavailable",
	 "The command was refused for good. To RCPT TO it usually means the mailbox does not "
	 "exist; it is also used for policy refusals (blocked senders, relaying, spam).",
	 "A recipient address that does not exist, relaying without authentication, or a "
	 "sender, IP or message refused by policy.",
	 "Read the enhanced code and text: 5.1.1 means a wrong address, 5.7.x a policy or "
	 "authentication problem. Correct the address, or fix what the text names before "
	 "sending again.",
	 REASON_USERUNKNOWN, "RFC 5321 4.2.2, 4.2.3"},
	{551, "User not local; please try <forward-path>",
	 "The recipient is not handled here; the server names another address and will not "
	 "forward the message itself.",
	 "An address that moved, or (on some servers) relaying refused.",
	 "Send to the address the server gives, and update the address book.",
	 REASON_HASMOVED, "RFC 5321 3.4, 4.2.3"},
	{552, "Requested mail action aborted: exceeded storage allocation",
	 "Storage ran out for this message: the recipient's mailbox is full, or the message is "
	 "larger than the server accepts.",
	 "A mailbox over quota (5.2.2), or a message over the SIZE limit (5.3.4 / 5.2.3).",
	 "Check the enhanced code: for a full mailbox, contact the recipient another way; for "
	 "size, compare the message with the SIZE value in the EHLO reply and send large files "
	 "as a link.",
	 REASON_MAILBOXFULL, "RFC 5321 4.2.2, 4.2.3; RFC 1870"},
	{553, "Requested action not taken: mailbox name not allowed",
	 "The address given is not acceptable: bad syntax, or an address the server will not "
	 "take (for a sender, a domain it refuses; on qmail, a recipient it does not relay "
	 "for).",
	 "A malformed address, a sender address at a domain the server does not accept, or a "
	 "relay attempt.",
	 "Check the address syntax and that the sender domain is real; authenticate before "
	 "relaying through a server that is not the recipient's MX.",
	 REASON_USERUNKNOWN, "RFC 5321 4.2.2, 4.2.3"},
	{554, "Transaction failed (or, as a greeting, no SMTP service here)",
	 "The message or the session was refused for good. As a greeting it means this "
	 "server refuses the client outright; after DATA it means the content was rejected.",
	 "A sending IP on a blocklist (refused at connect), a message judged as spam or "
	 "malware, or a policy violation found in the content.",
	 "Read the text: if it names a blocklist, look up the sending IP there and follow its "
	 "delisting steps; for content, remove what a filter may flag (links to bad domains, "
	 "attachments) and fix SPF/DKIM/DMARC.",
	 REASON_FILTERED, "RFC 5321 3.1, 4.2.3"},
	{555, "MAIL FROM/RCPT TO parameters not recognized or not implemented",
	 "A parameter on MAIL FROM or RCPT TO is not supported by the server.",
	 "A parameter for an extension the server did not offer (SIZE=, BODY=, SMTPUTF8, "
	 "NOTIFY=...).",
	 "Send only parameters of the extensions listed in the EHLO reply.",
	 REASON_SYNTAXERROR, "RFC 5321 4.2.3"},
	{556, "Domain does not accept mail",
	 "A relay found that the recipient's domain accepts no mail at all (usually a null "
	 "MX, \"MX 0 .\").",
	 "A wrong address, or a domain that deliberately receives no mail.",
	 "Check dig MX on the recipient domain and get another address for the recipient.",
	 REASON_NOTACCEPT, "RFC 7504; RFC 7505"},
};

/* RFC 5321 4.2.1: the first digit says how the command fared. */
static const char *const replycode_class_text[6] = {
	[1] = "Positive preliminary: accepted, but a confirming reply is still to come (not "
	      "used by SMTP today).",
	[2] = "Positive completion: the command succeeded; a new one may follow.",
	[3] = "Positive intermediate: accepted so far; the server waits for more (the message "
	      "after DATA, the next AUTH step).",
	[4] = "Transient negative completion: not done now, but the same command may succeed "
	      "later; a sending MTA keeps the message queued and retries.",
	[5] = "Permanent negative completion: not done, and repeating it unchanged will fail "
	      "again; something must be corrected first.",
};

/* RFC 5321 4.2.1: the second digit says what the reply is about. */
static const char *const replycode_category_text[6] = {
	[0] = "Syntax: a syntax error, or a command that is unknown, superfluous or not "
	      "implemented.",
	[1] = "Information: replies to requests for information such as status or help.",
	[2] = "Connections: replies about the transmission channel.",
	[3] = "Unspecified (used by the 354 reply to DATA and the 334 AUTH prompt).",
	[4] = "Unspecified.",
	[5] = "Mail system: the state of the receiving mail system for the requested action.",
};

const struct replycode_info *replycode_lookup(int code)
{
	size_t lo = 0, hi = replycode_count();

	while (lo < hi) { /* the table is sorted by code */
		size_t mid = lo + (hi - lo) / 2;
		if (replycode_table[mid].code == code)
			return &replycode_table[mid];
		if (replycode_table[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *replycode_class_meaning(int first_digit)
{
	return first_digit >= 1 && first_digit <= 5 ? replycode_class_text[first_digit] : NULL;
}

const char *replycode_category_meaning(int second_digit)
{
	return second_digit >= 0 && second_digit <= 5 ? replycode_category_text[second_digit] : NULL;
}

size_t replycode_count(void)
{
	return sizeof replycode_table / sizeof replycode_table[0];
}

const struct replycode_info *replycode_at(size_t i)
{
	return i < replycode_count() ? &replycode_table[i] : NULL;
}
