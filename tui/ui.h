/* ui.h - the terminal UI runtime: a stack of panes on the event loop, the top
 * bar, the status line and the key bar, key dispatch and redraw-when-dirty. */
#ifndef SMTPSCOPE_UI_H
#define SMTPSCOPE_UI_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "tui/crt.h"
#include "tui/pane.h"

struct loop;

#define UI_STATUS_MAX 256
/* How long a status message stays, in milliseconds. */
#define UI_STATUS_MS 6000

struct ui {
	struct loop *loop;
	struct pane *top;       /* the pane on screen; NULL once all are closed */
	bool dirty;             /* draw before the next poll */
	bool full;              /* repaint every cell (Ctrl-L, resize) */
	bool quit;
	int exit_code;
	char status[UI_STATUS_MAX];
	enum crt_color status_color;
	uint64_t status_timer;
	int cur_y, cur_x;       /* cursor asked for by the pane being drawn, -1 none */
	int empty_reads;        /* stdin readable but no key: the terminal went away */
	FILE *log;              /* SMTPSCOPE_LOG, or NULL */
	uint64_t hook;
};

/* The bindings every pane gets after its own: help, back, redraw. */
extern const struct keybind ui_global_keys[];

/* Attach a UI to the loop: stdin, the signal pipe and the redraw hook. The
 * terminal must already be set up (crt_init). */
struct ui *ui_new(struct loop *l);
/* Close every pane, detach from the loop and free u. */
void ui_free(struct ui *u);

/* Put p on top (it now gets the keys) / close the top pane (when it was the
 * last one, the UI quits with status 0). */
void ui_push(struct ui *u, struct pane *p);
void ui_pop(struct ui *u);
void ui_quit(struct ui *u, int code);
void ui_dirty(struct ui *u);

/* A message on the status line for UI_STATUS_MS (the colour says whether it
 * is an error). */
void ui_status(struct ui *u, enum crt_color c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Where the cursor goes after this frame (called from a pane's draw). */
void ui_cursor(struct ui *u, int y, int x);
/* One line to the log file, when SMTPSCOPE_LOG names one. */
void ui_log(struct ui *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Handle one key as if typed (tests and the input reader use it). */
void ui_key(struct ui *u, const struct ui_key *k);
/* The content area of the screen now. */
struct ui_rect ui_area(void);

/* Scrolling keys shared by scrollable panes (arrows, j/k, PgUp/PgDn, Space,
 * Home/End, g/G, wheel): moves *top within [0, total - height]. Returns
 * UI_REDRAW when it moved, UI_HANDLED when the key was a scrolling key that
 * could not move, UI_UNHANDLED otherwise. */
int ui_scroll_key(size_t *top, size_t total, int height, int key);
/* Keep *top valid after the total or the height changed. */
void ui_scroll_clamp(size_t *top, size_t total, int height);

#endif
