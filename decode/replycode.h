/* replycode.h - RFC 5321 basic reply codes (4.2, 4.2.2, 4.2.3) and the codes of
 * later RFCs (e.g. 521 RFC 7504, 555 RFC 5321, 554/556 RFC 7504), with our
 * explanations. */
#ifndef SMTPSCOPE_REPLYCODE_H
#define SMTPSCOPE_REPLYCODE_H
#include "reason.h"

struct replycode_info {
	int code;
	const char *title;   /* short name, e.g. "Requested action not taken: mailbox unavailable" */
	const char *meaning; /* our explanation */
	const char *cause;
	const char *fix;
	enum reason reason;  /* default reason when nothing more specific is known */
	const char *source;  /* e.g. "RFC 5321 4.2.3" */
};

/* Exact entry, or NULL. */
const struct replycode_info *replycode_lookup(int code);
/* Meaning of the first digit (1-5) and of the second digit (0-5), or NULL. */
const char *replycode_class_meaning(int first_digit);
const char *replycode_category_meaning(int second_digit);
size_t replycode_count(void);
const struct replycode_info *replycode_at(size_t i);

#endif
