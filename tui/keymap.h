/* keymap.h - key codes of the terminal UI and the key-binding tables that
 * panes declare: the same table drives dispatch, the key bar and `?` help. */
#ifndef SMTPSCOPE_KEYMAP_H
#define SMTPSCOPE_KEYMAP_H
#include <stdbool.h>
#include <stddef.h>

/* A key is a Unicode code point (control characters included: Esc is 27,
 * Tab 9, Ctrl-U is UI_CTRL('u')) or one of these, above the Unicode range. */
enum {
	UI_KEY_NONE = 0,
	UI_KEY_BASE = 0x110000,
	UI_KEY_UP,
	UI_KEY_DOWN,
	UI_KEY_LEFT,
	UI_KEY_RIGHT,
	UI_KEY_HOME,
	UI_KEY_END,
	UI_KEY_PGUP,
	UI_KEY_PGDN,
	UI_KEY_INSERT,
	UI_KEY_DELETE,
	UI_KEY_BACKSPACE,
	UI_KEY_ENTER,
	UI_KEY_BTAB,       /* Shift-Tab */
	UI_KEY_CTRL_LEFT,
	UI_KEY_CTRL_RIGHT,
	UI_KEY_RESIZE,     /* the terminal changed size */
	UI_KEY_CLICK,      /* mouse button 1 at (y, x) */
	UI_KEY_WHEEL_UP,
	UI_KEY_WHEEL_DOWN,
	UI_KEY_F0,         /* UI_KEY_F(n) for F1..F12 */
	UI_KEY_LAST = UI_KEY_F0 + 13,
};
#define UI_KEY_F(n) (UI_KEY_F0 + (n))
#define UI_KEY_ESC 27
#define UI_KEY_TAB 9
#define UI_CTRL(c) ((c) & 0x1f)

struct ui_key {
	int key;
	bool burst; /* more input was already waiting: part of a paste */
	int y, x;   /* mouse position for UI_KEY_CLICK and the wheel */
};

struct pane;
struct ui;

/* What a key handler did; HANDLED alone means "nothing to redraw". */
enum {
	UI_UNHANDLED = 0,
	UI_HANDLED = 1,
	UI_REDRAW = 2,  /* the screen must be drawn again */
	UI_BACK = 4,    /* close this pane */
	UI_QUIT = 8,    /* leave the program */
};

typedef int ui_key_fn(struct pane *p, struct ui *u, const struct ui_key *k);

#define KEYBIND_KEYS 3
/* One binding: up to three keys for the same action. A NULL fn documents a
 * key that the pane handles itself (text entry) so that help shows it; a
 * NULL help (with keys) is a key-bar label only, left out of help. The table
 * ends with an entry that has neither keys nor help (keymap_end). */
struct keybind {
	int keys[KEYBIND_KEYS]; /* 0-terminated when fewer */
	const char *bar;        /* short label for the key bar, NULL: not shown there */
	const char *help;       /* one line for `?` help */
	ui_key_fn *fn;
	unsigned when;          /* 0: always in the key bar; else only while the
				 * pane's mode has one of these bits */
};

static inline bool keymap_end(const struct keybind *b)
{
	return !b->help && !b->keys[0];
}

/* The binding of key in tab (NULL tab or no match: NULL). Entries without a
 * fn are skipped. */
const struct keybind *keymap_find(const struct keybind *tab, int key);
/* A readable name: "q", "Esc", "Enter", "Up", "PgDn", "C-u", "F1", "Space". */
void keymap_name(int key, char *out, size_t size);
/* All keys of a binding, "q / Esc". */
void keymap_names(const struct keybind *b, char *out, size_t size);

#endif
