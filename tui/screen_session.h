/* screen_session.h - the Session screen: a live SMTP session (probe/session.h)
 * with its annotated transcript, an input line with history, completion and
 * inline help, and a status bar (state, timers, peer, TLS, extensions). */
#ifndef SMTPSCOPE_SCREEN_SESSION_H
#define SMTPSCOPE_SCREEN_SESSION_H
#include <stdbool.h>
#include <stddef.h>
#include "tui/pane.h"

struct ui;
struct session_opts;

/* The argument that opens a session to the built-in practice server (the
 * empty target). A NULL argument asks for the target first. */
#define SESSION_TARGET_PRACTICE ""

/* Recent targets kept in the file Home reads (newest first). */
#define SESSION_RECENT_KEEP 20

/* arg: NULL (ask for a target), SESSION_TARGET_PRACTICE, or what `smtpscope
 * connect` takes: options and one destination, e.g. "--starttls
 * mx.example.com:25" (words split like a shell does). */
struct pane *screen_session_new(struct ui *u, const char *arg);

/* Parsed session arguments (screen_session_args.c). */
struct session_args {
	struct session_opts *so;   /* filled; strings point into argv or static storage */
	bool practice;             /* no destination: the practice server */
	const char *target;        /* the destination as given, NULL for the practice server */
};

/* The screen on parsed arguments (`smtpscope connect` on a terminal); the
 * session starts at once. */
struct pane *screen_session_open_args(struct ui *u, const struct session_args *a);

/* Parse `connect`-style options and destination from argv[0..argc) into a
 * (a->so must point to zeroed options). False with a message in err. The
 * options that only make sense in line mode (--json, --transcript...) are
 * refused here; session_args_interactive says whether argv has any. */
bool session_args_parse(int argc, char **argv, struct session_args *a, char *err, size_t errsize);
/* False when argv holds an option of line mode only (--json, --pretty,
 * --transcript, --transcript-json, --script, --help): the caller should not
 * open the screen. */
bool session_args_interactive(int argc, char **argv);

/* Append target to the recent-targets file (deduplicated, newest first, at
 * most SESSION_RECENT_KEEP lines). Errors are ignored: it is a convenience. */
void session_recent_add(const char *target);

#endif
