/* ehlo.h - EHLO keywords (IANA "SMTP Service Extensions", mail-parameters) and
 * SASL mechanisms (IANA "SASL Mechanisms"), with what each means to a user. */
#ifndef SMTPSCOPE_EHLO_H
#define SMTPSCOPE_EHLO_H
#include <stddef.h>

struct ehlo_ext {
	const char *keyword;  /* upper case, e.g. "PIPELINING" */
	const char *title;    /* registry description */
	const char *meaning;  /* our explanation of what it means for the client */
	const char *source;   /* e.g. "RFC 2920" */
};

enum sasl_status { SASL_COMMON, SASL_LIMITED, SASL_OBSOLETE };

struct sasl_mech {
	const char *name;
	enum sasl_status status;
	const char *meaning; /* our note, e.g. "password sent base64-encoded; use only over TLS" */
	const char *source;
};

/* Case-insensitive lookup of a keyword (without parameters); NULL when unknown. */
const struct ehlo_ext *ehlo_lookup(const char *kw, size_t len);
const struct sasl_mech *sasl_lookup(const char *name, size_t len);
size_t ehlo_count(void);
const struct ehlo_ext *ehlo_at(size_t i);
size_t sasl_count(void);
const struct sasl_mech *sasl_at(size_t i);

#endif
