/* tui_main.c - start the full-screen UI: terminal, event loop, first screen,
 * and the way back to a clean terminal. No RFC. */
#include "tui/tui_main.h"
#include "tui/crt.h"
#include "tui/capture_model.h"
#include "tui/screen_capture.h"
#include "tui/screen_list.h"
#include "tui/ui.h"
#include "probe/loop.h"

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

/* The first screen: screen_list's (start, arg), or the Capture screen over m. */
struct tui_first {
	enum tui_screen start;
	const char *arg;
	struct capture_model *m;
	bool show_secrets;
};

static int tui_run_first(const struct tui_first *f)
{
	const char *err = NULL;
	if (!crt_init(&err)) {
		fprintf(stderr, "smtpscope: %s\n", err ? err : "cannot start the terminal interface");
		cm_free(f->m);
		return 2;
	}
	struct loop *l = loop_new();
	struct ui *u = ui_new(l);
	struct pane *first = f->m ? screen_capture_with_model(u, f->m, f->show_secrets)
				  : screen_list[f->start].open(u, f->arg);
	int code = 2;
	if (first) {
		ui_push(u, first);
		loop_run(l);
		code = u->exit_code;
	}
	ui_free(u);
	loop_free(l);
	crt_done();
	return code;
}

int tui_run(enum tui_screen start, const char *arg)
{
	if (start < 0 || start >= TUI_SCREEN_LAST || !screen_list[start].open)
		start = TUI_SCREEN_HOME;
	const struct tui_first f = {start, arg, NULL, false};
	return tui_run_first(&f);
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
	const struct tui_first f = {TUI_SCREEN_CAPTURE, path, m, show_secrets};
	return tui_run_first(&f);
}
