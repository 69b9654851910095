/* textmatch.h - case-insensitive phrase matching used by the knowledge tables.
 * A pattern is literal text in which '*' matches any run of bytes (possibly
 * empty); matching is ASCII case-insensitive and the pattern may occur anywhere
 * in the text (it is implicitly surrounded by '*'). Runs of whitespace in the
 * text match a single space in the pattern. Bounded: O(len * pattern length). */
#ifndef SMTPSCOPE_TEXTMATCH_H
#define SMTPSCOPE_TEXTMATCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool text_match(const uint8_t *text, size_t len, const char *pattern);
/* True when any pattern of the NULL-terminated list matches. */
bool text_match_any(const uint8_t *text, size_t len, const char *const *patterns);

#endif
