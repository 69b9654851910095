/* tui_main.c - start the full-screen UI: terminal, event loop, first screen,
 * and the way back to a clean terminal. No RFC. */
#include "tui/tui_main.h"
#include "tui/crt.h"
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

int tui_run(enum tui_screen start, const char *arg)
{
	if (start < 0 || start >= TUI_SCREEN_LAST || !screen_list[start].open)
		start = TUI_SCREEN_HOME;
	const char *err = NULL;
	if (!crt_init(&err)) {
		fprintf(stderr, "smtpscope: %s\n", err ? err : "cannot start the terminal interface");
		return 2;
	}
	struct loop *l = loop_new();
	struct ui *u = ui_new(l);
	struct pane *first = screen_list[start].open(u, arg);
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
