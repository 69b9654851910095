/* bounce.h - reading bounce messages: RFC 3464 delivery status notifications,
 * RFC 5965 (ARF) feedback reports, RFC 3834 auto-replies and the home-grown
 * formats of common MTAs and providers, into one list of failed recipients. */
#ifndef SMTPSCOPE_BOUNCE_H
#define SMTPSCOPE_BOUNCE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "classify.h"
#include "reason.h"

struct bounce_rcpt {
	char *address;      /* the failed recipient, never NULL ("" when unknown) */
	char *status;       /* enhanced status "5.1.1", or "" */
	int reply_code;     /* basic reply code, or 0 */
	char *diagnostic;   /* diagnostic text, unfolded, or "" */
	char *remote_mta;   /* the host that refused, or "" */
	char *action;       /* "failed", "delayed", "delivered"... or "" */
	enum smtp_stage stage; /* the SMTP step that failed, when the bounce says */
	enum reason reason;
	bool permanent;     /* retrying can never succeed */
};

struct bounce {
	const char *format;     /* static: "rfc3464", "postfix", "exim", "arf", ... */
	char *reporting_mta;    /* or "" */
	char *subject;          /* the bounce's own Subject, or "" */
	char *feedback_type;    /* ARF Feedback-Type, or "" */
	struct bounce_rcpt *rcpt;
	size_t nrcpt;
	bool truncated;         /* input larger than BOUNCE_INPUT_MAX or too many recipients */
};

/* True when p looks like an RFC 5322 message (a header block) rather than a
 * reply or a code. */
bool bounce_is_message(const uint8_t *p, size_t len);
/* Parse a message; returns 0 and fills *out (free with bounce_free), or -1 with
 * a static message in *err when no failed recipient could be found. */
int bounce_parse(const uint8_t *p, size_t len, struct bounce *out, const char **err);
void bounce_free(struct bounce *b);

#endif
