/* capture_model_int.h - the inside of the Capture screen's model, shared by
 * capture_model.c (rows, filter, view) and capture_model_load.c (reading). */
#ifndef SMTPSCOPE_CAPTURE_MODEL_INT_H
#define SMTPSCOPE_CAPTURE_MODEL_INT_H
#include "tui/capture_model.h"
#include "decode/pcap_in.h"

struct capture_model {
	char *path;
	struct cm_progress prog;
	/* while loading */
	struct pcap_in *in;
	struct capture *cap;
	/* sessions kept (owned) */
	struct capture_session **sessions;
	size_t nsessions, sessions_alloc;
	/* rows in arrival order, and whether each passes the filter */
	struct cm_row *rows;
	bool *match;
	size_t nrows, rows_alloc;
	int64_t first, last;
	struct cm_widths widths;     /* widest texts of all rows */
	/* filter and sort */
	struct filter filter;
	char *filter_text;
	enum cm_col sort_col;
	bool sort_desc;
	/* the view: indices into rows, sorted; rows [0, merged) are in it */
	size_t *view, *tmp, *add;
	size_t nview, view_alloc, merged;
	bool view_dirty;             /* the filter or the sort changed: rebuild */
};

/* Free the reader and the decoder (capture_model_load.c); safe to repeat. */
void cm_load_close(struct capture_model *m);

#endif
