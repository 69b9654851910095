/* screen_session_int.h - the inside of the Session screen, shared by the pane
 * and its keys (screen_session.c), the transcript view (screen_session_view.c),
 * the bars above the input line (screen_session_bar.c) and starting, saving
 * and the message editor (screen_session_run.c). */
#ifndef SMTPSCOPE_SCREEN_SESSION_INT_H
#define SMTPSCOPE_SCREEN_SESSION_INT_H
#include <stdbool.h>
#include <stdint.h>

#include "decode/buf.h"
#include "probe/session.h"
#include "tui/complete.h"
#include "tui/screen_session.h"
#include "tui/ui.h"
#include "tui/ui_edit.h"

/* What the screen is doing; the key bar shows the keys of the mode. */
enum {
	SS_MODE_INPUT = 1,  /* typing commands */
	SS_MODE_VIEW = 2,   /* moving in the transcript */
	SS_MODE_DATA = 4,   /* typing a message */
	SS_MODE_SECRET = 8, /* typing a secret (masked) */
	SS_MODE_TARGET = 16 /* asking for the destination */
};

/* Entries whose folding differs from the default, kept at most. */
#define SS_FLIPS_MAX 65536
/* Lines of a message typed in the editor, and bytes of one. */
#define SS_MSG_LINES_MAX 100000
/* Milliseconds between status-bar refreshes while something is awaited. */
#define SS_TICK_MS 200
/* Column where entry text starts, after the fold mark and "S: ". */
#define SS_TEXT_COL 4
/* Columns of the time stamp when shown ("12:00:01.234 "). */
#define SS_TIME_COLS 13
/* Columns of the labels of a reply's explanation. */
#define SS_LABEL_W 14
/* Bytes kept of one paragraph once made printable. */
#define SS_PARA_MAX 65536

/* One paragraph of an entry as drawn: a prefix ("S: "), a label ("Meaning:")
 * or neither, and text wrapped at the width left. */
struct ss_para {
	const char *prefix;       /* static, NULL: none */
	enum crt_color prefix_color;
	const char *label;        /* static, NULL: none */
	int col;                  /* where the prefix / label starts (after the time column) */
	int text_col;             /* where the text starts */
	enum crt_color color;
	size_t off, len;          /* in the layout's text */
};

struct ss_row {
	size_t para;
	size_t off, len;          /* in the layout's text */
	bool first;               /* first row of its paragraph */
};

/* The rows one entry takes at one width (rebuilt on demand, reused). */
struct ss_layout {
	struct buf text;
	struct ss_para *paras;
	size_t npara, apara;
	struct ss_row *rows;
	size_t nrow, arow;
	bool foldable;
	bool folded;
};

struct ss_view {
	bool follow;              /* the newest entry's end is at the bottom */
	uint64_t top;             /* first entry shown (index counted since the start) */
	size_t skip;              /* its rows scrolled off above */
	uint64_t sel;             /* selected entry (VIEW mode) */
	bool times;               /* show time stamps */
	bool all_folded;
	uint64_t *flips;          /* sorted entry ids folded unlike all_folded */
	size_t nflips, aflips;
	int y, x, h, w;           /* transcript area at the last draw */
	uint64_t *row_entry;      /* entry of each drawn row, UINT64_MAX: none */
	int arow_entry;
	struct ss_layout lay;
};

struct session_screen {
	struct ui *u;
	struct pane *pane;
	struct session *s;        /* NULL before the destination is known */
	struct session_opts so;   /* what the session was opened with (strings owned) */
	bool have_opts;
	bool practice;
	char label[320];          /* the destination as shown */
	bool closed;
	enum session_state st;
	uint64_t st_since_ms;
	uint64_t tick;            /* status refresh timer */
	uint64_t t_refused;       /* ends a refused :data's discarding, next turn */
	bool leave_armed;         /* Esc once on a live session */
	/* input */
	struct ui_edit edit;
	struct ui_edit target;    /* the destination prompt (history: recent targets) */
	struct ui_edit secret;
	char secret_prompt[160];
	struct buf vbuf;          /* a rendered input line */
	struct complete_tab tab;
	char tab_msg[512];        /* candidates after a Tab, "" none */
	/* the message editor */
	char **msg;
	size_t nmsg, amsg;
	bool msg_raw;             /* after a typed DATA: lines go as typed, no stuffing */
	bool abandon_armed;
	/* for hints */
	struct complete_state cst;
	char queue_id[QUEUEID_MAX];
	bool auth_wait;           /* the last reply was a 334 AUTH challenge */
	struct ss_view v;
};

/* screen_session.c */
void ss_set_mode(struct session_screen *ss, unsigned mode);

/* screen_session_view.c */
void ss_view_init(struct ss_view *v);
void ss_view_free(struct ss_view *v);
void ss_view_reset(struct ss_view *v);
/* Index (counted since the start) of the first entry kept / one past the last. */
uint64_t ss_first(const struct session_screen *ss);
uint64_t ss_end(const struct session_screen *ss);
const struct session_entry *ss_entry(const struct session_screen *ss, uint64_t i);
void ss_view_draw(struct session_screen *ss, int y, int x, int h, int w);
/* Scroll by rows (negative: up); returns UI_REDRAW when the view moved. */
int ss_view_scroll(struct session_screen *ss, long rows);
int ss_view_home(struct session_screen *ss);
int ss_view_end(struct session_screen *ss);
/* Move the selection by whole entries and keep it in view. */
int ss_view_select(struct session_screen *ss, long delta);
/* Select the entry drawn on screen row y; false when none is there. */
bool ss_view_select_row(struct session_screen *ss, int y, int x, bool *on_mark);
/* Select the newest reply in view (entering VIEW mode). */
void ss_view_select_visible(struct session_screen *ss);
bool ss_view_fold_toggle(struct session_screen *ss, uint64_t i);
void ss_view_fold_all(struct session_screen *ss, bool folded);
/* "following" or "entry 12 of 340" */
void ss_view_position(const struct session_screen *ss, char *out, size_t size);

/* screen_session_bar.c: the two status rows, the hint row, the editor box
 * and the input row. */
void ss_draw_status(struct session_screen *ss, int y, int x, int w);
void ss_draw_hint(struct session_screen *ss, int y, int x, int w);
int ss_editor_height(const struct session_screen *ss, int avail);
void ss_draw_editor(struct session_screen *ss, int y, int x, int h, int w);
void ss_draw_input(struct session_screen *ss, int y, int x, int w);
/* Bytes of the line from which input is shown masked (len: none). */
size_t ss_mask_from(const struct session_screen *ss, const char *t, size_t len);

/* screen_session_run.c */
/* Start (or restart) the session from ss->so; false with a status message. */
bool ss_start(struct session_screen *ss);
/* Parse a destination line (as the prompt takes it) and start; false with a
 * status message. */
bool ss_start_from_text(struct session_screen *ss, const char *text, size_t len);
void ss_stop(struct session_screen *ss);
/* Save the transcript: path "" picks a name; writes text and JSON. */
void ss_save(struct session_screen *ss, const char *path, size_t len);
/* The message editor: add a line, finish (send), give up. */
void ss_msg_line(struct session_screen *ss, const char *line, size_t len);
void ss_msg_finish(struct session_screen *ss);
void ss_msg_clear(struct session_screen *ss);
/* Take parsed arguments (copied) as the destination; starts nothing. */
void ss_take_args(struct session_screen *ss, const struct session_args *a);
/* Wipe a copy of something typed that may hold a secret. */
void ss_wipe(char *p, size_t len);
/* What a line looks like in the history (secrets left out), NULL: not kept. */
char *ss_history_text(const struct session_screen *ss, const char *t, size_t len);

#endif
