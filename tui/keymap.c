/* keymap.c - looking up key bindings and naming keys for the key bar and help
 * (see keymap.h). No RFC. */
#include "tui/keymap.h"
#include "tui/ui_text.h"

#include <stdio.h>
#include <string.h>

const struct keybind *keymap_find(const struct keybind *tab, int key)
{
	if (!tab || key == UI_KEY_NONE)
		return NULL;
	for (const struct keybind *b = tab; !keymap_end(b); b++) {
		if (!b->fn)
			continue;
		for (int i = 0; i < KEYBIND_KEYS && b->keys[i]; i++)
			if (b->keys[i] == key)
				return b;
	}
	return NULL;
}

static const struct {
	int key;
	const char *name;
} keymap_names_tab[] = {
	{UI_KEY_UP, "Up"},
	{UI_KEY_DOWN, "Down"},
	{UI_KEY_LEFT, "Left"},
	{UI_KEY_RIGHT, "Right"},
	{UI_KEY_HOME, "Home"},
	{UI_KEY_END, "End"},
	{UI_KEY_PGUP, "PgUp"},
	{UI_KEY_PGDN, "PgDn"},
	{UI_KEY_INSERT, "Ins"},
	{UI_KEY_DELETE, "Del"},
	{UI_KEY_BACKSPACE, "Backspace"},
	{UI_KEY_ENTER, "Enter"},
	{UI_KEY_BTAB, "S-Tab"},
	{UI_KEY_CTRL_LEFT, "C-Left"},
	{UI_KEY_CTRL_RIGHT, "C-Right"},
	{UI_KEY_RESIZE, "Resize"},
	{UI_KEY_CLICK, "Click"},
	{UI_KEY_WHEEL_UP, "WheelUp"},
	{UI_KEY_WHEEL_DOWN, "WheelDown"},
	{UI_KEY_ESC, "Esc"},
	{UI_KEY_TAB, "Tab"},
	{' ', "Space"},
};

void keymap_name(int key, char *out, size_t size)
{
	if (size == 0)
		return;
	for (size_t i = 0; i < sizeof keymap_names_tab / sizeof keymap_names_tab[0]; i++) {
		if (keymap_names_tab[i].key == key) {
			snprintf(out, size, "%s", keymap_names_tab[i].name);
			return;
		}
	}
	if (key > UI_KEY_F0 && key < UI_KEY_LAST) {
		snprintf(out, size, "F%d", key - UI_KEY_F0);
	} else if (key > 0 && key < 0x20) {
		snprintf(out, size, "C-%c", (char)('a' + key - 1));
	} else if (key > 0x20 && key < 0x110000 && key != 0x7F && ui_cp_printable((uint32_t)key)) {
		char u[5] = {0};
		size_t n = ui_utf8_encode((uint32_t)key, u);
		u[n] = '\0';
		snprintf(out, size, "%s", u);
	} else {
		snprintf(out, size, "<%#x>", (unsigned)key);
	}
}

void keymap_names(const struct keybind *b, char *out, size_t size)
{
	if (size == 0)
		return;
	out[0] = '\0';
	size_t used = 0;
	for (int i = 0; i < KEYBIND_KEYS && b->keys[i]; i++) {
		char name[32];
		keymap_name(b->keys[i], name, sizeof name);
		int n = snprintf(out + used, size - used, "%s%s", i ? " / " : "", name);
		if (n < 0 || (size_t)n >= size - used)
			return;
		used += (size_t)n;
	}
}
