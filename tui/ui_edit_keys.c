/* ui_edit_keys.c - the editing keys of every input line (see ui_edit.h). */
#include "tui/keymap.h"
#include "tui/ui_edit.h"

bool ui_edit_apply_key(struct ui_edit *e, int key)
{
	switch (key) {
	case UI_KEY_LEFT: return ui_edit_left(e);
	case UI_KEY_RIGHT: return ui_edit_right(e);
	case UI_KEY_CTRL_LEFT: return ui_edit_word_left(e);
	case UI_KEY_CTRL_RIGHT: return ui_edit_word_right(e);
	case UI_KEY_HOME: case UI_CTRL('a'): return ui_edit_home(e);
	case UI_KEY_END: case UI_CTRL('e'): return ui_edit_end(e);
	case UI_KEY_BACKSPACE: return ui_edit_backspace(e);
	case UI_KEY_DELETE: case UI_CTRL('d'): return ui_edit_delete(e);
	case UI_CTRL('u'): return ui_edit_kill_start(e);
	case UI_CTRL('k'): return ui_edit_kill_end(e);
	case UI_CTRL('w'): return ui_edit_kill_word(e);
	default: return false;
	}
}
