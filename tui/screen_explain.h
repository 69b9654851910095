/* screen_explain.h - the Explain screen: an input line for a reply code, a
 * pasted reply or @FILE (a bounce message), and the explanation below it. */
#ifndef SMTPSCOPE_SCREEN_EXPLAIN_H
#define SMTPSCOPE_SCREEN_EXPLAIN_H
#include "decode/buf.h"
#include "tui/pane.h"
#include "tui/ui_doc.h"

struct ui;

/* A line ending that arrives alone is taken as Enter only when no further
 * input follows within this many milliseconds: a paste that the terminal
 * hands over in pieces still forms one reply. */
#define EXPLAIN_PASTE_MS 40

/* arg, when not NULL, is put in the input line and explained at once. */
struct pane *screen_explain_new(struct ui *u, const char *arg);

/* Fill doc with the explanation of input (what would be typed on the input
 * line: a code, a reply, or @PATH). Returns 0 when explained, 1 when nothing
 * recognisable was found, 2 when a file could not be read; *err then holds a
 * message for the status line. */
int explain_to_doc(struct ui_doc *doc, const char *input, size_t len, char *err, size_t errsize);

#endif
