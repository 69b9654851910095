/* provider.h - rejection and deferral texts of large receivers and filters
 * (Gmail, Microsoft, Yahoo/AOL, iCloud, Spamhaus, Barracuda, Proofpoint, Mimecast...),
 * matched before the registry because providers reuse enhanced codes with their own
 * meanings (e.g. Gmail's 4.7.27 is about SPF, not null MX). */
#ifndef SMTPSCOPE_PROVIDER_H
#define SMTPSCOPE_PROVIDER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "reason.h"

struct provider_rule {
	const char *provider; /* "Google", "Microsoft", "Spamhaus"... */
	int code;             /* basic reply code it applies to, 0 = any */
	const char *status;   /* enhanced code it applies to ("5.7.26"), NULL = any */
	const char *pattern;  /* textmatch.h pattern on the reply text */
	const char *meaning;  /* our explanation */
	const char *cause;
	const char *fix;
	enum reason reason;
	const char *source;   /* provider documentation URL or smtp-field-manual entry */
	const char *example;  /* a reply text this rule is written for (the tests match it) */
};

/* First rule that matches (code 0 / status NULL when unknown); NULL when none.
 * A rule's code/status filter excludes it only when the caller's value is known
 * and differs (when code is 0 or status NULL/"", a code and enhanced status at
 * the very start of the text are used); a rule whose filter could not be checked ranks after every rule
 * that matched with nothing left unchecked. The text is read up to
 * SMTP_REPLY_MAX_BYTES; continuation prefixes ("550-5.7.26 ") inside it are
 * ignored, so raw multi-line replies and bounce diagnostics match too. The
 * returned rule is static; never free it. */
const struct provider_rule *provider_match(int code, const char *status, const uint8_t *text, size_t len);
size_t provider_count(void);
const struct provider_rule *provider_at(size_t i);

#endif
