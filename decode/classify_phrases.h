/* classify_phrases.h - internal to the classifier: per-reason phrase lists. */
#ifndef SMTPSCOPE_CLASSIFY_PHRASES_H
#define SMTPSCOPE_CLASSIFY_PHRASES_H
#include <stddef.h>
#include "reason.h"

/* NULL-terminated phrase list per reason (NULL for reasons with none). */
extern const char *const *const classify_phrase_table[REASON_LAST];
/* Provider texts that name a missing recipient whatever the SMTP step. */
extern const char *const classify_userunknown_sure[];
/* Words that look like a refused sender but name the recipient or the IP. */
extern const char *const classify_rejected_not[];

#endif
