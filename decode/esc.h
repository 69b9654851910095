/* esc.h - RFC 3463 enhanced status codes: parsing, and the IANA "SMTP Enhanced
 * Status Codes" registry (RFC 3463, RFC 5248) as a table with our explanations. */
#ifndef SMTPSCOPE_ESC_H
#define SMTPSCOPE_ESC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "reason.h"

struct esc_code {
	int cls;     /* 2, 4 or 5 */
	int subject; /* 0..999 */
	int detail;  /* 0..999 */
};

struct esc_info {
	int subject;
	int detail;
	const char *title;     /* the registry's sample text, e.g. "Bad destination mailbox address" */
	const char *meaning;   /* our explanation */
	const char *cause;     /* likely cause */
	const char *fix;       /* what an admin should try */
	enum reason reason;    /* default failure reason for this code */
	const char *basic;     /* the registry's associated basic codes, e.g. "550" (may be "") */
	const char *source;    /* defining RFC(s), e.g. "RFC 3463 3.2" */
};

/* Parse "C.SSS.DDD" at p (leading text not skipped). On success fill *out,
 * set *used to the bytes consumed and return true. The code must be followed
 * by end of input or a non-digit, non-dot byte. */
bool esc_parse(const uint8_t *p, size_t len, struct esc_code *out, size_t *used);
/* Format as "5.1.1" into buf (at least 12 bytes). */
void esc_format(const struct esc_code *c, char *buf, size_t size);
/* Registry entry for subject.detail, or NULL when not registered. */
const struct esc_info *esc_lookup(int subject, int detail);
/* Meaning of the class (2/4/5) and of the subject (X.S.XXX), or NULL. */
const char *esc_class_meaning(int cls);
const char *esc_subject_meaning(int subject);
/* Iteration over the whole table (for tests and --list). */
size_t esc_count(void);
const struct esc_info *esc_at(size_t i);

#endif
