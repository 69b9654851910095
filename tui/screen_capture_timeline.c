/* screen_capture_timeline.c - the timeline of one row of the Capture table in
 * a scrollable, word-wrapped document (screen_capture_doc.c), with n / p to
 * the next / previous row of the table as it is sorted and filtered. No RFC of
 * its own. */
#include "tui/screen_capture_int.h"
#include "decode/xmalloc.h"

#include <stdlib.h>

struct capture_tl {
	struct capture_screen *cs;   /* the table below: it outlives this pane */
	size_t index;                /* the row shown */
	struct ui_doc doc;
	size_t top;
	int height;
};

static void tl_build(struct capture_tl *tl)
{
	struct capture_model *m = tl->cs->m;
	size_t pos = cm_view_find(m, tl->index);
	size_t count = pos == SIZE_MAX ? 0 : cm_view_count(m);
	capture_doc_build(&tl->doc, cm_row(m, tl->index), pos == SIZE_MAX ? 0 : pos, count,
			  tl->cs->show_secrets);
	tl->top = 0;
}

static void tl_draw(struct pane *p, struct ui *u, struct ui_rect r)
{
	(void)u;
	struct capture_tl *tl = p->st;
	tl->height = r.h;
	size_t n = ui_doc_layout(&tl->doc, r.w);
	ui_scroll_clamp(&tl->top, n, r.h);
	ui_doc_draw(&tl->doc, r.y, r.x, r.h, r.w, tl->top);
}

static int tl_scroll(struct capture_tl *tl, int key)
{
	size_t n = ui_doc_layout(&tl->doc, ui_area().w);
	return ui_scroll_key(&tl->top, n, tl->height, key);
}

static int tl_key(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)u;
	return tl_scroll(p->st, k->key);
}

static int tl_key_step(struct pane *p, struct ui *u, const struct ui_key *k)
{
	struct capture_tl *tl = p->st;
	struct capture_screen *cs = tl->cs;
	cs->sel_index = tl->index;
	if (!capture_move(cs, k->key == 'n' ? 1 : -1)) {
		ui_status(u, CRT_STATUS, k->key == 'n' ? "This is the last row of the table."
						       : "This is the first row of the table.");
		return UI_REDRAW;
	}
	tl->index = cs->sel_index;
	tl_build(tl);
	return UI_REDRAW;
}

static void tl_free(struct pane *p)
{
	struct capture_tl *tl = p->st;
	ui_doc_free(&tl->doc);
	free(tl);
}

static const struct keybind tl_keys[] = {
	{{'n'}, "Next", "the next row of the table (as sorted and filtered)", tl_key_step, 0},
	{{'p'}, "Previous", "the previous row of the table", tl_key_step, 0},
	{{UI_KEY_UP, UI_KEY_DOWN}, "Scroll", "scroll a line (also j / k and the wheel)", NULL, 0},
	{{UI_KEY_PGUP, UI_KEY_PGDN}, NULL, "scroll a page (also b / Space)", NULL, 0},
	{{UI_KEY_HOME, UI_KEY_END}, NULL, "the top / the bottom (also g / G)", NULL, 0},
	{{0}, NULL, NULL, NULL, 0},
};

static void tl_resize(struct pane *p, struct ui *u, struct ui_rect r)
{
	(void)u;
	struct capture_tl *tl = p->st;
	tl->height = r.h;
	ui_scroll_clamp(&tl->top, ui_doc_layout(&tl->doc, r.w), r.h);
}

static const struct pane_ops tl_ops = {
	.name = "Capture timeline",
	.draw = tl_draw,
	.key = tl_key,
	.resize = tl_resize,
	.free = tl_free,
	.keys = tl_keys,
};

struct pane *capture_timeline_new(struct capture_screen *cs)
{
	struct capture_tl *tl = xcalloc(1, sizeof *tl);
	tl->cs = cs;
	tl->index = cs->sel_index;
	tl->height = ui_area().h;
	ui_doc_init(&tl->doc, CAPTURE_DOC_LABEL_WIDTH);
	tl_build(tl);
	return pane_new(&tl_ops, tl);
}
