/* reason.h - the failure-reason vocabulary (the classes used by the sisimai bounce
 * classifier), with a one-line meaning and a default permanence for each. */
#ifndef SMTPSCOPE_REASON_H
#define SMTPSCOPE_REASON_H
#include <stdbool.h>
#include <stddef.h>

enum reason {
	REASON_UNDEFINED,
	REASON_USERUNKNOWN,
	REASON_MAILBOXFULL,
	REASON_HOSTUNKNOWN,
	REASON_HASMOVED,
	REASON_SUSPEND,
	REASON_EXPIRED,
	REASON_NETWORKERROR,
	REASON_NOTACCEPT,
	REASON_FILTERED,
	REASON_REJECTED,
	REASON_BLOCKED,
	REASON_BADREPUTATION,
	REASON_REQUIREPTR,
	REASON_SPAMDETECTED,
	REASON_VIRUSDETECTED,
	REASON_AUTHFAILURE,
	REASON_SECURITYERROR,
	REASON_FAILEDSTARTTLS,
	REASON_NORELAYING,
	REASON_POLICYVIOLATION,
	REASON_NOTCOMPLIANTRFC,
	REASON_CONTENTERROR,
	REASON_MESGTOOBIG,
	REASON_EXCEEDLIMIT,
	REASON_SPEEDING,
	REASON_TOOMANYCONN,
	REASON_SYNTAXERROR,
	REASON_SYSTEMERROR,
	REASON_SYSTEMFULL,
	REASON_MAILERERROR,
	REASON_ONHOLD,
	REASON_DELIVERED,
	REASON_FEEDBACK,
	REASON_VACATION,
	REASON_NONE, /* not a failure: a positive or intermediate reply */
	REASON_LAST
};

/* Lower-case name as used in JSON ("userunknown"); never NULL. */
const char *reason_name(enum reason r);
/* One line a support person can act on. */
const char *reason_meaning(enum reason r);
/* Parse a name; REASON_LAST when unknown. */
enum reason reason_from_name(const char *name, size_t len);

#endif
