/* screen_practice.h - the Practice screen, and the built-in practice server
 * (probe/practice.h) run inside the UI's own event loop: one per program,
 * shared by the Practice screen (its address, account, certificate and a
 * live log of events) and the Session screens that talk to it. */
#ifndef SMTPSCOPE_SCREEN_PRACTICE_H
#define SMTPSCOPE_SCREEN_PRACTICE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tui/crt.h"
#include "tui/pane.h"

struct loop;
struct practice;
struct practice_opts;
struct session_opts;
struct ui;

/* Log lines kept (older ones are dropped and counted). */
#define PRACTICE_LOG_MAX 20000
/* Bytes kept of one log line once made printable. */
#define PRACTICE_LOG_LINE_MAX 2048

/* The port `smtpscope practice` listens on by default, in line mode as on
 * this screen (the UI's own server, from Home, takes a free port). */
#define PRACTICE_SCREEN_CLI_PORT 2525

/* The Practice screen: starts the server when it is not running (on a free
 * loopback port) and shows it. arg is not used. */
struct pane *screen_practice_new(struct ui *u, const char *arg);

/* ---- `smtpscope practice` options (screen_practice_args.c) ---- */

/* False when argv[1..argc) has an option of line mode only (--json,
 * --help): the screen is not for it. */
bool practice_args_interactive(int argc, char **argv);
/* Parse argv[1..argc) as `smtpscope practice` takes it into o (after
 * practice_opts_init; bind receives up to PRACTICE_BIND_MAX addresses that
 * point into argv). False with a message in err. */
bool practice_args_parse(int argc, char **argv, struct practice_opts *o, const char **bind, char *err,
			 size_t errsize);

/* ---- the in-process server (screen_practice_svc.c) ---- */

/* Start the server on loop with o (NULL: defaults on a free port), or return
 * the one running already. NULL with a reason in err when it cannot start. */
struct practice *practice_svc_start(struct loop *l, const struct practice_opts *o, char *err, size_t errsize);
/* The running server, or NULL. */
struct practice *practice_svc_get(void);
/* Stop it and forget its log; the certificate file is removed. Safe when
 * nothing runs. Not from inside one of its event callbacks. */
void practice_svc_stop(void);
/* Point a session at the running server: 127.0.0.1, its port, and its
 * certificate trusted (so that STARTTLS verifies). The strings set in so
 * stay valid while the server runs. False when it is not running. */
bool practice_svc_session_opts(struct session_opts *so);

struct practice_log_line {
	char *text;             /* printable UTF-8 */
	enum crt_color color;
};
size_t practice_svc_log_count(void);
/* Line i of the kept ones, oldest first (NULL past the end). */
const struct practice_log_line *practice_svc_log_at(size_t i);
uint64_t practice_svc_log_dropped(void);
void practice_svc_log_clear(void);
/* fn(ud) runs after every event that added lines (NULL: nobody listens). */
void practice_svc_listen(void (*fn)(void *ud), void *ud);
/* Stop calling the listener registered with this ud (others stay). */
void practice_svc_unlisten(void *ud);

#endif
