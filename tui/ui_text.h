/* ui_text.h - display-width arithmetic and word wrapping of UTF-8 text for the
 * terminal UI (UAX #11 widths through wcwidth). Pure functions: no curses. */
#ifndef SMTPSCOPE_UI_TEXT_H
#define SMTPSCOPE_UI_TEXT_H
#include <stddef.h>
#include <stdint.h>

/* Shown for a byte that is not valid UTF-8. */
#define UI_CP_BAD 0xFFFDu

/* Decode the code point at s[0..len) (len > 0): returns the bytes consumed
 * (1-4) and sets *cp; an invalid byte consumes 1 and gives UI_CP_BAD. */
size_t ui_utf8_next(const char *s, size_t len, uint32_t *cp);
/* Bytes of the code point that ends at s[len) (len > 0), at least 1. */
size_t ui_utf8_prev(const char *s, size_t len);
/* Encode cp as UTF-8 into out (4 bytes room); returns the length, 0 for an
 * invalid code point. */
size_t ui_utf8_encode(uint32_t cp, char out[4]);

/* True when the terminal can show cp as itself in the current locale
 * (not a control, known width). The screen shows '?' for the others. */
int ui_cp_printable(uint32_t cp);
/* Columns cp takes on screen: 0 (combining), 1 or 2; unprintable ones 1. */
int ui_cp_width(uint32_t cp);
/* Columns of s[0..len). */
int ui_text_width(const char *s, size_t len);
/* The longest prefix of s[0..len) that fits in cols columns; returns its
 * length in bytes and its width in *used (may be NULL). */
size_t ui_text_fit(const char *s, size_t len, int cols, int *used);

/* One wrapped line: a byte range of the wrapped text. */
struct ui_span {
	size_t off;
	size_t len;
};

/* Word-wrap s[0..len) to width columns (width < 1 counts as 1): lines break
 * at spaces, a word longer than the width is cut at a character boundary,
 * '\n' always ends a line (a final '\n' adds no empty line), and the spaces
 * at a break are dropped. Stores up to max spans in out (out may be NULL when
 * max is 0) and returns the number of lines the text needs, so a caller can
 * size its array and call again. Empty text gives one empty line. */
size_t ui_wrap(const char *s, size_t len, int width, struct ui_span *out, size_t max);

#endif
