/* provider_rules.h - the provider rule tables, one per group of providers, kept
 * in separate files so each stays readable (internal to provider*.c). */
#ifndef SMTPSCOPE_PROVIDER_RULES_H
#define SMTPSCOPE_PROVIDER_RULES_H
#include <stddef.h>
#include "provider.h"

struct provider_segment {
	const struct provider_rule *rules;
	size_t count;
};

/* In matching order (provider.c lists them): mailbox providers first, so that
 * their wording of a blocklist hit wins over the blocklist's own rule. */
extern const struct provider_segment provider_rules_google;    /* provider_rules.c */
extern const struct provider_segment provider_rules_microsoft; /* provider_rules_microsoft.c */
extern const struct provider_segment provider_rules_mailbox;   /* provider_rules_mailbox.c */
extern const struct provider_segment provider_rules_intl;      /* provider_rules_intl.c */
extern const struct provider_segment provider_rules_filter;    /* provider_rules_filter.c */

#define PROVIDER_SEGMENT(name, table) \
	const struct provider_segment name = {table, sizeof(table) / sizeof((table)[0])}

#endif
