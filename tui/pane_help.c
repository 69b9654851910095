/* pane_help.c - the key map shown by `?`, built from the binding tables that
 * dispatch keys, so it cannot go stale. No RFC. */
#include "tui/pane_help.h"
#include "tui/ui.h"
#include "tui/ui_doc.h"
#include "decode/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HELP_LABEL_WIDTH 20

struct help_state {
	struct ui_doc doc;
	size_t top;
	int height;
};

/* The bindings of tab, less those whose first key `over` binds itself. */
static void help_add_table(struct ui_doc *d, const struct keybind *tab, const struct keybind *over)
{
	for (const struct keybind *b = tab; b && !keymap_end(b); b++) {
		if (!b->help || keymap_find(over, b->keys[0]))
			continue;
		char names[64];
		keymap_names(b, names, sizeof names);
		ui_doc_field_str(d, names[0] ? names : "typing", b->help, CRT_NORMAL);
	}
}

static void help_build(struct help_state *h, const struct pane *of)
{
	char title[96];
	snprintf(title, sizeof title, "Keys on the %s screen", of->ops->name);
	ui_doc_text_str(&h->doc, 1, title, CRT_HEADING);
	ui_doc_blank(&h->doc);
	if (of->ops->keys && !keymap_end(of->ops->keys))
		help_add_table(&h->doc, of->ops->keys, NULL);
	else
		ui_doc_text_str(&h->doc, 2, "(this screen has no keys of its own)", CRT_DIM);
	ui_doc_blank(&h->doc);
	ui_doc_text_str(&h->doc, 1, "Everywhere", CRT_HEADING);
	ui_doc_blank(&h->doc);
	help_add_table(&h->doc, ui_global_keys, of->ops->keys);
	ui_doc_field_str(&h->doc, "Mouse", "the wheel scrolls; a click selects or focuses", CRT_NORMAL);
	ui_doc_blank(&h->doc);
	ui_doc_text_str(&h->doc, 1,
			"Set NO_COLOR to turn colours off; SMTPSCOPE_LOG=FILE writes a log "
			"of what the interface does.",
			CRT_DIM);
}

static void help_draw(struct pane *p, struct ui *u, struct ui_rect r)
{
	(void)u;
	struct help_state *h = p->st;
	h->height = r.h;
	size_t n = ui_doc_layout(&h->doc, r.w);
	ui_scroll_clamp(&h->top, n, r.h);
	ui_doc_draw(&h->doc, r.y, r.x, r.h, r.w, h->top);
}

static int help_key(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)u;
	struct help_state *h = p->st;
	size_t n = ui_doc_layout(&h->doc, ui_area().w);
	return ui_scroll_key(&h->top, n, h->height, k->key);
}

static int help_close(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)p;
	(void)u;
	(void)k;
	return UI_BACK;
}

static void help_free(struct pane *p)
{
	struct help_state *h = p->st;
	ui_doc_free(&h->doc);
	free(h);
}

static const struct keybind help_keys[] = {
	{{'q', UI_KEY_ESC, '?'}, "Close", "close the help", help_close, 0},
	{{UI_KEY_UP, UI_KEY_DOWN}, "Scroll", "scroll a line (also j / k and the wheel)", NULL, 0},
	{{UI_KEY_PGUP, UI_KEY_PGDN}, NULL, "scroll a page (also b / Space)", NULL, 0},
	{{UI_KEY_HOME, UI_KEY_END}, NULL, "go to the top / the bottom", NULL, 0},
	{{0}, NULL, NULL, NULL, 0},
};

static const struct pane_ops help_ops = {
	.name = "Help",
	.draw = help_draw,
	.key = help_key,
	.free = help_free,
	.keys = help_keys,
};

struct pane *pane_help_new(const struct pane *of)
{
	struct help_state *h = xcalloc(1, sizeof *h);
	ui_doc_init(&h->doc, HELP_LABEL_WIDTH);
	help_build(h, of);
	return pane_new(&help_ops, h);
}
