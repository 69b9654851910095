/* screen_home.h - the start screen: what smtpscope does, one key per screen,
 * and the recent targets. */
#ifndef SMTPSCOPE_SCREEN_HOME_H
#define SMTPSCOPE_SCREEN_HOME_H
#include <stdbool.h>
#include <stddef.h>
#include "tui/pane.h"

struct ui;

/* Entries shown from the recent-targets file. */
#define HOME_RECENT_MAX 10
/* Bytes read of that file (a few hundred short lines at most). */
#define HOME_RECENT_FILE_MAX 65536

struct pane *screen_home_new(struct ui *u, const char *arg);

/* The recent-targets file: $XDG_STATE_HOME/smtpscope/recent, else
 * $HOME/.local/state/smtpscope/recent. False when neither is set. */
bool home_recent_path(char *out, size_t size);

#endif
