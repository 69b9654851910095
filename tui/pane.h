/* pane.h - a pane is one screen of the terminal UI: a state pointer and a
 * const table of functions (draw, key, resize, free) plus its key bindings.
 * Panes stack: the top one gets the keys and is drawn; closing it uncovers
 * the one below. Panes read models; they never own protocol state. */
#ifndef SMTPSCOPE_PANE_H
#define SMTPSCOPE_PANE_H
#include <stdbool.h>
#include "tui/keymap.h"

struct ui;

/* The part of the screen a pane draws in (between the top bar and the
 * status line). */
struct ui_rect {
	int y, x, h, w;
};

struct pane;

struct pane_ops {
	const char *name; /* shown in the top bar and the help title */
	/* Draw the pane's state into r. Called once per loop turn at most, only
	 * when something marked the screen dirty. Must not change state other
	 * than layout caches. */
	void (*draw)(struct pane *p, struct ui *u, struct ui_rect r);
	/* Sees every key first (text entry, pastes, mouse). Returns UI_* flags;
	 * UI_UNHANDLED passes the key on to the bindings in `keys`, then to the
	 * global ones (ui_global_keys). May be NULL. */
	int (*key)(struct pane *p, struct ui *u, const struct ui_key *k);
	/* The screen changed size (layout caches are out of date). May be NULL. */
	void (*resize)(struct pane *p, struct ui *u, struct ui_rect r);
	/* Free p->st and cancel the pane's timers. May be NULL. */
	void (*free)(struct pane *p);
	/* Bindings tried after `key`; also listed by `?` and the key bar. */
	const struct keybind *keys;
};

struct pane {
	const struct pane_ops *ops;
	void *st;             /* the pane's own state */
	unsigned mode;        /* which context-dependent bindings the key bar shows */
	struct pane *below;   /* the pane this one covers, NULL for the root */
};

/* A new pane for ops with state st (owned by the pane from now on). */
struct pane *pane_new(const struct pane_ops *ops, void *st);
/* Runs ops->free, then frees p. NULL is ignored. */
void pane_free(struct pane *p);

#endif
