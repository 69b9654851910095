/* out.h - plain-text output helpers for the command line: every string that may
 * come from the network or a file is passed through printable_append(), and
 * long fields are word-wrapped under a label. */
#ifndef SMTPSCOPE_OUT_H
#define SMTPSCOPE_OUT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Write p[0..len) made printable (control bytes escaped). */
void out_safe(FILE *f, const uint8_t *p, size_t len);
void out_safe_str(FILE *f, const char *s);
/* out_safe of at most cols characters, cut between characters (see
 * printable_append_cols); false when p was cut. */
bool out_safe_cols(FILE *f, const uint8_t *p, size_t len, size_t cols);
/* "  Label:      text" with the text wrapped at width columns and later lines
 * indented under the text. NULL or empty text prints nothing. */
void out_field(FILE *f, const char *label, const char *text, int width);

#endif
