/* printable.h - make untrusted bytes safe to show on a terminal: control bytes,
 * escape sequences and invalid UTF-8 become visible escapes, never raw. */
#ifndef SMTPSCOPE_PRINTABLE_H
#define SMTPSCOPE_PRINTABLE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"

/* Append a printable rendering of p[0..len) to out: valid UTF-8 (not C0/C1
 * controls) is kept, TAB becomes a space, CR/LF become \r \n, other bytes
 * \xNN, ESC \e. Returns false when out reached its cap (output truncated). */
bool printable_append(struct buf *out, const uint8_t *p, size_t len);
/* The same for the longest start of p that shows in at most cols characters
 * (columns, one per character: an escape such as \xNN takes four), never
 * cutting a UTF-8 character or an escape in two. *shown gets the characters
 * written. Returns true when the whole of p fitted (and out's cap was not
 * reached). */
bool printable_append_cols(struct buf *out, const uint8_t *p, size_t len, size_t cols, size_t *shown);
/* True when every byte would be shown as itself. */
bool printable_is_clean(const uint8_t *p, size_t len);
/* Length of the valid UTF-8 sequence at p (1-4), or 0 when invalid. */
size_t utf8_seq_len(const uint8_t *p, size_t len);

#endif
