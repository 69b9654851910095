/* screen_capture_int.h - the inside of the Capture screen, shared by the table
 * (screen_capture.c, screen_capture_table.c), the timeline view
 * (screen_capture_timeline.c) and the timeline document (screen_capture_doc.c). */
#ifndef SMTPSCOPE_SCREEN_CAPTURE_INT_H
#define SMTPSCOPE_SCREEN_CAPTURE_INT_H
#include <stdbool.h>
#include <stdint.h>
#include "decode/buf.h"
#include "tui/capture_model.h"
#include "tui/screen_capture.h"
#include "tui/ui.h"
#include "tui/ui_doc.h"
#include "tui/ui_edit.h"

/* Columns reserved for labels in the timeline document ("+12.345s C:"). */
#define CAPTURE_DOC_LABEL_WIDTH 13
/* Milliseconds of reading per loop turn: keys wait at most about this long. */
#define CAPTURE_LOAD_BUDGET_MS 10
/* Packets read per loop turn at most. */
#define CAPTURE_LOAD_PACKETS 20000
/* While loading, the table is drawn again at most this often (ms). */
#define CAPTURE_LOAD_REDRAW_MS 100

/* What the screen is doing; the key bar shows the keys of the mode. */
enum {
	CS_MODE_PROMPT = 1, /* asking for a file */
	CS_MODE_TABLE = 2,
	CS_MODE_FILTER = 4, /* typing a filter */
};

struct capture_screen {
	struct ui *u;
	struct pane *pane;
	struct capture_model *m;     /* NULL until a file is open */
	bool show_secrets;
	struct ui_edit path;         /* the file prompt */
	struct ui_edit filter;       /* the filter line */
	struct buf view;             /* rendering of an input line */
	bool filter_bad;             /* the text typed does not parse */
	struct filter_error ferr;
	/* the table */
	size_t sel;                  /* position of the selection in the view */
	size_t sel_index;            /* row index of the selection, SIZE_MAX: none */
	size_t top;                  /* first row shown */
	int header_y, rows_y, rows_h;
	int col_x[CM_COL_LAST], col_w[CM_COL_LAST]; /* at the last draw; w 0: hidden */
	/* loading */
	uint64_t timer;
	uint64_t last_draw_ms;
	uint64_t delay_ms;           /* SMTPSCOPE_LOAD_DELAY_MS: pause between slices */
	uint64_t step_packets;       /* SMTPSCOPE_LOAD_PACKETS: packets per slice at most */
	uint64_t longest_ms;         /* longest slice so far */
	bool announced;              /* end of loading reported */
};

/* screen_capture.c */
/* Bring sel / sel_index / top in line with the view (after it changed). */
void capture_sync_selection(struct capture_screen *cs);
/* Move the selection by delta rows within the view; true when it moved. */
bool capture_move(struct capture_screen *cs, long delta);

/* screen_capture_table.c: draw the table mode and the prompt. */
void capture_draw_table(struct capture_screen *cs, struct ui_rect r);
void capture_draw_prompt(struct capture_screen *cs, struct ui_rect r);
/* The column under screen column x of the header, or CM_COL_LAST. */
enum cm_col capture_col_at(const struct capture_screen *cs, int x);

/* screen_capture_timeline.c: the timeline of the selected row on top. */
struct pane *capture_timeline_new(struct capture_screen *cs);

/* screen_capture_doc.c */
enum crt_color capture_class_color(enum cm_class c);
/* Fill d with the timeline of row (pos of count in the view; count 0: not
 * shown). */
void capture_doc_build(struct ui_doc *d, const struct cm_row *row, size_t pos, size_t count, bool show_secrets);

#endif
