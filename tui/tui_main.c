/* tui_main.c - start the full-screen UI: terminal, event loop, first screen,
 * the in-process practice server's end, and the way back to a clean
 * terminal. No RFC. */
#include "tui/tui_main.h"
#include "tui/crt.h"
#include "tui/capture_model.h"
#include "tui/screen_capture.h"
#include "tui/screen_list.h"
#include "tui/screen_practice.h"
#include "tui/screen_session.h"
#include "tui/ui.h"
#include "probe/loop.h"
#include "probe/practice.h"
#include "probe/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool tui_available(void)
{
	const char *term = getenv("TERM");
	return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && term && *term &&
	       strcmp(term, "dumb") != 0;
}

/* The first screen: screen_list's (start, arg), the Capture screen over m,
 * or the Session screen on parsed arguments. */
struct tui_first {
	enum tui_screen start;
	const char *arg;
	struct capture_model *m;
	bool show_secrets;
	const struct session_args *sess;
};

static struct pane *tui_first_pane(struct ui *u, const struct tui_first *f)
{
	if (f->m)
		return screen_capture_with_model(u, f->m, f->show_secrets);
	if (f->sess)
		return screen_session_open_args(u, f->sess);
	return screen_list[f->start].open(u, f->arg);
}

/* Run on loop l (created by the caller, who may have started the practice
 * server on it); frees l. */
static int tui_run_first(const struct tui_first *f, struct loop *l)
{
	const char *err = NULL;
	if (!crt_init(&err)) {
		fprintf(stderr, "smtpscope: %s\n", err ? err : "cannot start the terminal interface");
		cm_free(f->m);
		practice_svc_stop();
		loop_free(l);
		return 2;
	}
	struct ui *u = ui_new(l);
	struct pane *first = tui_first_pane(u, f);
	int code = 2;
	if (first) {
		ui_push(u, first);
		loop_run(l);
		code = u->exit_code;
	}
	ui_free(u);
	practice_svc_stop(); /* after the panes: sessions to it are closed first */
	loop_free(l);
	crt_done();
	return code;
}

int tui_run(enum tui_screen start, const char *arg)
{
	if (start < 0 || start >= TUI_SCREEN_LAST || !screen_list[start].open)
		start = TUI_SCREEN_HOME;
	const struct tui_first f = {start, arg, NULL, false, NULL};
	return tui_run_first(&f, loop_new());
}

int tui_run_capture(const char *path, const char *bpf, bool show_secrets)
{
	char err[512];
	struct capture_model *m = cm_new();
	if (!cm_open(m, path, bpf, err, sizeof err)) {
		fprintf(stderr, "smtpscope decode: %s\n", err);
		cm_free(m);
		return 2;
	}
	const struct tui_first f = {TUI_SCREEN_CAPTURE, path, m, show_secrets, NULL};
	return tui_run_first(&f, loop_new());
}

bool tui_wants_connect(int argc, char **argv)
{
	return argc >= 1 && tui_available() && session_args_interactive(argc - 1, argv + 1);
}

bool tui_wants_practice(int argc, char **argv)
{
	return argc >= 1 && tui_available() && practice_args_interactive(argc, argv);
}

int tui_run_connect(int argc, char **argv)
{
	struct session_opts so;
	memset(&so, 0, sizeof so);
	struct session_args a = {.so = &so};
	char err[300];
	if (!session_args_parse(argc - 1, argv + 1, &a, err, sizeof err)) {
		fprintf(stderr, "smtpscope connect: %s\n", err);
		return 2;
	}
	const struct tui_first f = {TUI_SCREEN_SESSION, NULL, NULL, false, &a};
	return tui_run_first(&f, loop_new());
}

int tui_run_practice(int argc, char **argv)
{
	struct practice_opts o;
	const char *bind[PRACTICE_BIND_MAX];
	char err[512];
	practice_opts_init(&o);
	if (!practice_args_parse(argc, argv, &o, bind, err, sizeof err)) {
		fprintf(stderr, "smtpscope practice: %s\n", err);
		return 2;
	}
	struct loop *l = loop_new();
	if (!practice_svc_start(l, &o, err, sizeof err)) {
		fprintf(stderr, "smtpscope practice: %s\n", err);
		loop_free(l);
		return 1;
	}
	const struct tui_first f = {TUI_SCREEN_PRACTICE, NULL, NULL, false, NULL};
	return tui_run_first(&f, l);
}
