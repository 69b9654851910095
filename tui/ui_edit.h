/* ui_edit.h - a one-line text editor with history for the terminal UI: UTF-8
 * text, a cursor, readline-like editing and a horizontal-scrolling view in
 * which control bytes are shown as visible escapes. Pure: no curses. */
#ifndef SMTPSCOPE_UI_EDIT_H
#define SMTPSCOPE_UI_EDIT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "decode/buf.h"

/* Bytes one input line may hold: a pasted multi-line reply is kept whole up to
 * the size of a reply the decoder keeps (SMTP_REPLY_MAX_BYTES). */
#define UI_EDIT_MAX 16384
/* Entries kept in an input history. */
#define UI_EDIT_HIST_MAX 100

struct ui_edit {
	char *text;         /* NUL-terminated, len bytes; may hold control bytes */
	size_t len, alloc;
	size_t cur;         /* cursor, a byte offset on a character boundary */
	size_t max;         /* cap on len */
	int hscroll;        /* first visible column of the view */
	char **hist;        /* oldest first */
	size_t nhist;
	size_t hist_pos;    /* nhist while not browsing */
	char *draft;        /* the line being typed before browsing began */
};

/* max: cap on the text in bytes (0: UI_EDIT_MAX). ui_edit_free frees all. */
void ui_edit_init(struct ui_edit *e, size_t max);
void ui_edit_free(struct ui_edit *e);

const char *ui_edit_text(const struct ui_edit *e);
bool ui_edit_empty(const struct ui_edit *e);
/* Insert bytes at the cursor; false (nothing inserted) past the cap. */
bool ui_edit_insert(struct ui_edit *e, const char *s, size_t n);
/* Insert one code point (control characters included) at the cursor. */
bool ui_edit_insert_cp(struct ui_edit *e, uint32_t cp);
/* Replace the whole text (cursor at the end); truncated at the cap on a
 * character boundary. */
void ui_edit_set(struct ui_edit *e, const char *s, size_t n);
void ui_edit_clear(struct ui_edit *e);

/* Cursor motion and deletion; each returns true when something changed. */
bool ui_edit_left(struct ui_edit *e);
bool ui_edit_right(struct ui_edit *e);
bool ui_edit_home(struct ui_edit *e);
bool ui_edit_end(struct ui_edit *e);
bool ui_edit_word_left(struct ui_edit *e);
bool ui_edit_word_right(struct ui_edit *e);
bool ui_edit_backspace(struct ui_edit *e);
bool ui_edit_delete(struct ui_edit *e);
/* Ctrl-U: delete from the start of the line to the cursor. */
bool ui_edit_kill_start(struct ui_edit *e);
/* Ctrl-K: delete from the cursor to the end. */
bool ui_edit_kill_end(struct ui_edit *e);
/* Ctrl-W: delete the word before the cursor. */
bool ui_edit_kill_word(struct ui_edit *e);

/* Remember the current text (not when empty or equal to the newest entry);
 * ends browsing. */
void ui_edit_history_add(struct ui_edit *e);
/* Up / Down: step through older / newer entries; Down past the newest gives
 * back the line that was being typed. False when there is nowhere to go. */
bool ui_edit_history_prev(struct ui_edit *e);
bool ui_edit_history_next(struct ui_edit *e);

/* Render the view of the line for width columns into out (cleared first):
 * printable characters as themselves, control bytes as escapes (\e, \n, \x07),
 * scrolled so that the cursor is visible. Sets *cursor_col to the cursor's
 * column within the view. Updates e->hscroll. */
void ui_edit_view(struct ui_edit *e, int width, struct buf *out, int *cursor_col);

/* Apply one editing key (keymap.h codes: arrows, Ctrl-arrows, Home/End,
 * Ctrl-A/E, Backspace, Delete, Ctrl-D/U/K/W) to e; false when the key is not
 * an editing key or changed nothing. Shared by every input line of the UI.
 * (tui/ui_edit_keys.c) */
bool ui_edit_apply_key(struct ui_edit *e, int key);

#endif
