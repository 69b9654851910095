/* pane_help.h - the `?` help pane: the key bindings of the pane it covers and
 * the global ones, generated from the live binding tables. */
#ifndef SMTPSCOPE_PANE_HELP_H
#define SMTPSCOPE_PANE_HELP_H
#include "tui/pane.h"

/* Help for the bindings of `of` (which stays below it). */
struct pane *pane_help_new(const struct pane *of);

#endif
