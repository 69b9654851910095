/* screen_list.h - the table of the UI's screens: the key Home opens each with,
 * its name and purpose, and its constructor. A new screen plugs in by filling
 * its `open` entry in screen_list.c. */
#ifndef SMTPSCOPE_SCREEN_LIST_H
#define SMTPSCOPE_SCREEN_LIST_H
#include "tui/pane.h"
#include "tui/tui_main.h"

struct ui;

struct screen_def {
	enum tui_screen id;
	int key;               /* key on Home, 0 for Home itself */
	const char *label;     /* "Explain a code" */
	const char *bar;       /* short name for the key bar: "Explain" */
	const char *summary;   /* one line on what it is for */
	/* Build the screen's pane; arg may be NULL. NULL: not built yet. */
	struct pane *(*open)(struct ui *u, const char *arg);
};

/* Indexed by enum tui_screen. */
extern const struct screen_def screen_list[TUI_SCREEN_LAST];

/* Open screen id on top of the current pane. A screen not built yet leaves
 * the stack as it is and says so on the status line. Returns the new pane or
 * NULL. */
struct pane *screen_open(struct ui *u, enum tui_screen id, const char *arg);

#endif
