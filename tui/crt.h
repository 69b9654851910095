/* crt.h - the only door to curses (ncursesw): terminal start-up and teardown,
 * the colour table, drawing of sanitised UTF-8 text, key and mouse input,
 * and signals turned into readable bytes on a pipe for the event loop. */
#ifndef SMTPSCOPE_CRT_H
#define SMTPSCOPE_CRT_H
#include <stdbool.h>
#include <stddef.h>
#include "tui/keymap.h"

/* Every colour the UI uses. Each has a colour form (8 basic colours, bold,
 * reverse) and a monochrome form used when NO_COLOR is set or the terminal
 * has no colours. */
enum crt_color {
	CRT_NORMAL,
	CRT_TITLE,      /* top bar */
	CRT_BAR,        /* key bar background */
	CRT_BAR_KEY,    /* a key name in the key bar */
	CRT_STATUS,     /* status line message */
	CRT_ERROR,      /* status line error */
	CRT_HEADING,
	CRT_LABEL,      /* field labels */
	CRT_DIM,        /* hints, placeholders */
	CRT_KEY,        /* a key name in text */
	CRT_SELECTED,   /* the highlighted item */
	CRT_INPUT,      /* the input line */
	CRT_BAD,        /* permanent failure */
	CRT_WARN,       /* temporary failure */
	CRT_GOOD,       /* success */
	CRT_COLOR_LAST
};
extern const char *const crt_color_names[CRT_COLOR_LAST];

/* Set the terminal up (locale, curses, colours, mouse, signals). False with a
 * message in *err when it cannot be done; the terminal is left as it was. */
bool crt_init(const char **err);
/* Restore the terminal. Safe to call twice; also runs at exit. */
void crt_done(void);
bool crt_active(void);
/* True when colours are in use (a colour terminal and NO_COLOR unset or empty). */
bool crt_has_color(void);
/* True when the locale's character set is UTF-8. */
bool crt_utf8(void);

void crt_size(int *rows, int *cols);
void crt_clear(void);
/* Draw s[0..len) (UTF-8) at (y, x) using at most maxw columns; characters the
 * terminal cannot show and control bytes appear as '?'. Returns the columns
 * used. Nothing is shown until crt_flush. */
int crt_put(int y, int x, int maxw, enum crt_color c, const char *s, size_t len);
int crt_puts(int y, int x, int maxw, enum crt_color c, const char *s);
/* Fill w columns from (y, x) with spaces in colour c. */
void crt_fill(int y, int x, int w, enum crt_color c);
/* Show the cursor at (y, x), or hide it when y < 0. */
void crt_cursor(int y, int x);
/* Send the frame to the terminal. full: repaint everything (Ctrl-L). */
void crt_flush(bool full);
void crt_beep(void);

/* Read one key without waiting. False when no input is waiting. */
bool crt_read_key(struct ui_key *k);

/* A pipe that becomes readable when a signal arrived (SIGWINCH, SIGINT,
 * SIGTERM, SIGHUP); -1 before crt_init. */
int crt_signal_fd(void);
/* Drain the pipe: a pending resize is applied to curses (and reported as
 * *resized); returns the terminating signal received, or 0. */
int crt_take_signals(bool *resized);

/* Restore the terminal, print msg on stderr, exit with status 2. */
_Noreturn void crt_fatal(const char *msg);

#endif
