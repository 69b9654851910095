/* explain.h - the layered explanation of one SMTP reply: a provider's own text when
 * it matches, else the IANA entry for the enhanced code, else the basic reply code. */
#ifndef SMTPSCOPE_EXPLAIN_H
#define SMTPSCOPE_EXPLAIN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "classify.h"
#include "reason.h"

enum explain_layer { LAYER_PROVIDER, LAYER_ENHANCED, LAYER_BASIC, LAYER_NONE, LAYER_LAST };
const char *explain_layer_name(enum explain_layer l); /* "provider", "enhanced", "basic", "none" */

struct explanation {
	int reply_code;             /* 0 when none */
	char status[16];            /* "5.7.26", or "" */
	enum reason reason;         /* REASON_NONE for success replies */
	bool permanent;             /* 5xx or 5.x.x */
	bool retry_may_help;        /* temporary, or a fix on the sender side makes a retry useful */
	enum explain_layer layer;   /* which layer answered */
	const char *provider;       /* provider name when layer == LAYER_PROVIDER */
	const char *meaning;        /* from the answering layer */
	const char *cause;          /* may be NULL */
	const char *fix;            /* may be NULL */
	const char *source;         /* where the answering entry comes from */
	const char *code_meaning;   /* basic code meaning, always filled when known */
	const char *status_title;   /* registry title of the enhanced code, when known */
	bool class_mismatch;        /* the enhanced code's class disagrees with the basic
				     * code's first digit (RFC 3463 2); the basic code won */
};

/* Explain a reply. code may be 0 and status NULL/"" when unknown; when status is
 * empty and the text starts with an enhanced code, it is taken from the text. */
void explain_reply(int code, const char *status, const uint8_t *text, size_t len,
		   enum smtp_stage stage, struct explanation *out);

/* Parse user input that is a bare code ("550", "5.7.26", "550 5.7.26") or a
 * pasted reply of one or more lines ("550-5.7.26 ...\r\n550 5.7.26 ..."); the
 * reply text (continuation lines joined by a space, code prefixes removed) is
 * written to text (NUL-terminated, truncated to size). Returns false when the
 * input holds no reply code or enhanced status at all. */
bool explain_parse_input(const uint8_t *p, size_t len, int *code, char status[16],
			 char *text, size_t size);

#endif
