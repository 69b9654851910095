/* classify.h - decide the failure reason of a reply or a bounce diagnostic from its
 * text, enhanced status and basic code (phrases first, then codes). */
#ifndef SMTPSCOPE_CLASSIFY_H
#define SMTPSCOPE_CLASSIFY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "reason.h"

/* The SMTP step a failure happened at, when known (improves the guess: a 550 to
 * MAIL FROM is "rejected", the same to RCPT TO is usually "userunknown"). */
enum smtp_stage {
	STAGE_UNKNOWN,
	STAGE_CONNECT,
	STAGE_HELO,
	STAGE_STARTTLS,
	STAGE_AUTH,
	STAGE_MAIL,
	STAGE_RCPT,
	STAGE_DATA,
	STAGE_MESSAGE, /* the reply after the end of data */
	STAGE_LAST
};
const char *smtp_stage_name(enum smtp_stage s);

/* code: basic reply code or 0; status: "5.1.1" or NULL/""; text: reply or
 * diagnostic text (may be empty). Returns REASON_NONE for 2xx/3xx replies. */
enum reason classify_reason(int code, const char *status, const uint8_t *text, size_t len,
			    enum smtp_stage stage);

/* Added for bounces (backward compatible): context a bounce report gives
 * beside the diagnostic. Any member may be NULL. */
struct classify_context {
	const char *diag_type; /* RFC 3464 diagnostic type: "smtp", "x-unix"... */
	const char *action;    /* RFC 3464 Action: "failed", "delayed"... */
};
/* As classify_reason; with ctx it also applies the bounce-level rules (a
 * delayed action means expired, out-of-office wording means vacation, an
 * unexplained diagnostic is "onhold" rather than "undefined"). */
enum reason classify_reason_ctx(int code, const char *status, const uint8_t *text, size_t len,
				enum smtp_stage stage, const struct classify_context *ctx);

#endif
