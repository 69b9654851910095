/* reason.c - names and meanings of the failure-reason classes (see reason.h). */
#include "reason.h"

#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	const char *meaning;
} reason_table[REASON_LAST] = {
	[REASON_UNDEFINED] = {"undefined", "the reason could not be determined from the reply"},
	[REASON_USERUNKNOWN] = {"userunknown", "the recipient mailbox does not exist at that domain"},
	[REASON_MAILBOXFULL] = {"mailboxfull", "the recipient mailbox is over its storage quota"},
	[REASON_HOSTUNKNOWN] = {"hostunknown", "the recipient domain does not exist or has no mail host"},
	[REASON_HASMOVED] = {"hasmoved", "the mailbox has moved and mail is not forwarded"},
	[REASON_SUSPEND] = {"suspend", "the recipient account is disabled or suspended"},
	[REASON_EXPIRED] = {"expired", "delivery was retried until the queue lifetime ran out"},
	[REASON_NETWORKERROR] = {"networkerror", "a DNS, routing or connection problem (or a mail loop)"},
	[REASON_NOTACCEPT] = {"notaccept", "the destination accepts no mail at all"},
	[REASON_FILTERED] = {"filtered", "the message was refused by a filter on the receiving side"},
	[REASON_REJECTED] = {"rejected", "the envelope sender (MAIL FROM) was refused"},
	[REASON_BLOCKED] = {"blocked", "the sending IP address or host was refused"},
	[REASON_BADREPUTATION] = {"badreputation", "refused because of the sending IP or domain reputation"},
	[REASON_REQUIREPTR] = {"requireptr", "refused because the sending IP has no valid reverse DNS"},
	[REASON_SPAMDETECTED] = {"spamdetected", "the content was judged to be spam"},
	[REASON_VIRUSDETECTED] = {"virusdetected", "a virus or malware was found in the message"},
	[REASON_AUTHFAILURE] = {"authfailure", "SPF, DKIM or DMARC checks failed"},
	[REASON_SECURITYERROR] = {"securityerror", "authentication required or failed, or a security rule was hit"},
	[REASON_FAILEDSTARTTLS] = {"failedstarttls", "STARTTLS failed or the receiver requires TLS"},
	[REASON_NORELAYING] = {"norelaying", "the server refuses to relay for this sender or recipient"},
	[REASON_POLICYVIOLATION] = {"policyviolation", "refused by a local policy of the receiving site"},
	[REASON_NOTCOMPLIANTRFC] = {"notcompliantrfc", "the message does not comply with the mail RFCs"},
	[REASON_CONTENTERROR] = {"contenterror", "malformed or unacceptable message content or headers"},
	[REASON_MESGTOOBIG] = {"mesgtoobig", "the message is larger than the receiver accepts"},
	[REASON_EXCEEDLIMIT] = {"exceedlimit", "the message exceeds a limit set for the recipient"},
	[REASON_SPEEDING] = {"speeding", "rate limited: too many messages too fast"},
	[REASON_TOOMANYCONN] = {"toomanyconn", "too many connections or a sending quota was exceeded"},
	[REASON_SYNTAXERROR] = {"syntaxerror", "the receiver reported an SMTP command syntax error"},
	[REASON_SYSTEMERROR] = {"systemerror", "a fault on the receiving system"},
	[REASON_SYSTEMFULL] = {"systemfull", "the receiving system is out of disk or resources"},
	[REASON_MAILERERROR] = {"mailererror", "a local delivery program failed"},
	[REASON_ONHOLD] = {"onhold", "not enough information to decide yet"},
	[REASON_DELIVERED] = {"delivered", "the message was delivered (not a failure)"},
	[REASON_FEEDBACK] = {"feedback", "a feedback or complaint report (not a bounce)"},
	[REASON_VACATION] = {"vacation", "an automatic reply such as out-of-office (not a bounce)"},
	[REASON_NONE] = {"none", "not a failure"},
};

const char *reason_name(enum reason r)
{
	return (unsigned)r < REASON_LAST ? reason_table[r].name : "undefined";
}

const char *reason_meaning(enum reason r)
{
	return (unsigned)r < REASON_LAST ? reason_table[r].meaning : reason_table[0].meaning;
}

enum reason reason_from_name(const char *name, size_t len)
{
	for (int i = 0; i < REASON_LAST; i++)
		if (strlen(reason_table[i].name) == len && !strncasecmp(reason_table[i].name, name, len))
			return (enum reason)i;
	return REASON_LAST;
}
