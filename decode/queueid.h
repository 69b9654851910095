/* queueid.h - find the queue id an MTA names in its reply to the end of message data (Postfix, Exim, Sendmail, OpenSMTPD, Gmail, Microsoft 365/Exchange, qmail, Haraka, Amazon SES). */
#ifndef SMTPSCOPE_QUEUEID_H
#define SMTPSCOPE_QUEUEID_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUEUEID_MAX 128

struct queueid {
	char id[QUEUEID_MAX]; /* NUL-terminated; only [A-Za-z0-9] and "-._@=+$" */
	const char *mta;      /* static name of the rule that matched, e.g. "postfix" */
};

/* Look for a queue id in one reply line (with or without its leading code and
 * enhanced status code). The first rule of the table that matches wins.
 * Returns false (and out->id "") when none matches. Replies that carry no id
 * (aiosmtpd's "250 OK", "250 Message accepted for delivery") give false. */
bool queueid_extract(const uint8_t *text, size_t len, struct queueid *out);

/* The rule table, for tests and --list: MTA name and an example reply. */
size_t queueid_rule_count(void);
const char *queueid_rule_mta(size_t i);
const char *queueid_rule_example(size_t i);

#endif
