/* test_ui.c - unit tests for the terminal UI's pure parts: UTF-8 widths, word
 * wrapping, the line editor and its view, key names, scrolling, wrapped
 * documents, and the Explain screen's model (escapes stay visible). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "tui/keymap.h"
#include "tui/screen_explain.h"
#include "tui/ui.h"
#include "tui/ui_doc.h"
#include "tui/ui_edit.h"
#include "tui/ui_text.h"

static bool have_utf8_locale;

/* The lines of a wrap as strings joined by '|', for easy comparison. */
static void wrap_str(const char *s, int width, char *out, size_t size)
{
	struct ui_span sp[64];
	size_t n = ui_wrap(s, strlen(s), width, sp, 64);
	assert_true(n <= 64);
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		assert_true(used + sp[i].len + 2 < size);
		if (i)
			out[used++] = '|';
		memcpy(out + used, s + sp[i].off, sp[i].len);
		used += sp[i].len;
		out[used] = '\0';
	}
}

static void test_wrap_words(void **state)
{
	(void)state;
	char out[256];
	wrap_str("the quick brown fox jumps", 10, out, sizeof out);
	assert_string_equal(out, "the quick|brown fox|jumps");
	wrap_str("exactly10c", 10, out, sizeof out);
	assert_string_equal(out, "exactly10c");
	wrap_str("abcdefghijklmnopqrstuvwxyz", 10, out, sizeof out);
	assert_string_equal(out, "abcdefghij|klmnopqrst|uvwxyz");
	wrap_str("one\ntwo three\n\nfour\n", 20, out, sizeof out);
	assert_string_equal(out, "one|two three||four");
	wrap_str("spaces    between   ", 8, out, sizeof out);
	assert_string_equal(out, "spaces|between");
	wrap_str("a b", 0, out, sizeof out); /* width < 1 acts as 1 */
	assert_string_equal(out, "a|b");
	/* every line fits, no text is lost except the spaces at the breaks */
	const char *t = "Check the spelling of the address with the recipient through another channel";
	for (int w = 1; w < 90; w++) {
		struct ui_span sp[128];
		size_t n = ui_wrap(t, strlen(t), w, sp, 128);
		size_t chars = 0;
		for (size_t i = 0; i < n; i++) {
			assert_true(ui_text_width(t + sp[i].off, sp[i].len) <= w);
			for (size_t k = 0; k < sp[i].len; k++)
				chars += t[sp[i].off + k] != ' ';
		}
		size_t want = 0;
		for (const char *c = t; *c; c++)
			want += *c != ' ';
		assert_int_equal(chars, want);
	}
}

static void test_wrap_count_and_empty(void **state)
{
	(void)state;
	const char *t = "aa bb cc dd ee";
	assert_int_equal(ui_wrap(t, strlen(t), 2, NULL, 0), 5);
	struct ui_span sp[2];
	assert_int_equal(ui_wrap(t, strlen(t), 2, sp, 2), 5); /* the count, only 2 stored */
	assert_int_equal(sp[1].off, 3);
	assert_int_equal(ui_wrap("", 0, 10, sp, 2), 1);
	assert_int_equal(sp[0].len, 0);
}

static void test_wrap_wide(void **state)
{
	(void)state;
	if (!have_utf8_locale) {
		skip();
		return;
	}
	/* CJK characters take two columns each */
	const char *t = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x83\x86\xe3\x82\xad";
	assert_int_equal(ui_text_width(t, strlen(t)), 10);
	struct ui_span sp[8];
	size_t n = ui_wrap(t, strlen(t), 5, sp, 8);
	assert_int_equal(n, 3); /* 2 + 2 + 1 characters */
	assert_int_equal(sp[0].len, 6);
	assert_int_equal(sp[2].len, 3);
	/* one wide character in a one-column window still makes progress */
	n = ui_wrap(t, strlen(t), 1, sp, 8);
	assert_int_equal(n, 5);
	int used = -1;
	assert_int_equal(ui_text_fit(t, strlen(t), 3, &used), 3);
	assert_int_equal(used, 2);
	/* accented Latin letters take one column */
	assert_int_equal(ui_text_width("Empf\xc3\xa4nger", 10), 9);
}

static void test_utf8(void **state)
{
	(void)state;
	uint32_t cp;
	assert_int_equal(ui_utf8_next("\xc3\xa4x", 3, &cp), 2);
	assert_int_equal(cp, 0xE4);
	assert_int_equal(ui_utf8_next("\xff", 1, &cp), 1);
	assert_int_equal(cp, UI_CP_BAD);
	assert_int_equal(ui_utf8_next("\xe2\x82", 2, &cp), 1); /* cut short */
	assert_int_equal(ui_utf8_next("\xc2\x9b", 2, &cp), 2); /* C1 CSI: one character */
	assert_int_equal(cp, 0x9B);
	assert_false(ui_cp_printable(0x9B));
	assert_false(ui_cp_printable(0x1B));
	assert_int_equal(ui_utf8_prev("a\xe2\x82\xac", 4), 3);
	assert_int_equal(ui_utf8_prev("a\x80", 2), 1); /* stray continuation byte */
	char u[4];
	assert_int_equal(ui_utf8_encode(0x20AC, u), 3);
	assert_memory_equal(u, "\xe2\x82\xac", 3);
	assert_int_equal(ui_utf8_encode(0xD800, u), 0);
	assert_int_equal(ui_utf8_encode(0x110000, u), 0);
}

static void test_edit_basic(void **state)
{
	(void)state;
	struct ui_edit e;
	ui_edit_init(&e, 0);
	assert_true(ui_edit_empty(&e));
	assert_true(ui_edit_insert(&e, "550 5.1.1", 9));
	assert_true(ui_edit_home(&e));
	assert_false(ui_edit_left(&e));
	assert_true(ui_edit_right(&e));
	ui_edit_insert_cp(&e, 'X');
	assert_string_equal(ui_edit_text(&e), "5X50 5.1.1");
	assert_true(ui_edit_backspace(&e));
	assert_true(ui_edit_delete(&e)); /* the '5' after the cursor */
	assert_string_equal(ui_edit_text(&e), "50 5.1.1");
	assert_true(ui_edit_end(&e));
	assert_false(ui_edit_right(&e));
	assert_false(ui_edit_delete(&e));
	assert_true(ui_edit_kill_word(&e));
	assert_string_equal(ui_edit_text(&e), "50 ");
	ui_edit_insert(&e, "x y", 3);
	ui_edit_word_left(&e);
	assert_int_equal(e.cur, 5);
	assert_true(ui_edit_kill_start(&e)); /* Ctrl-U */
	assert_string_equal(ui_edit_text(&e), "y");
	assert_int_equal(e.cur, 0);
	assert_false(ui_edit_kill_start(&e));
	assert_true(ui_edit_kill_end(&e));
	assert_true(ui_edit_empty(&e));
	ui_edit_free(&e);
}

static void test_edit_utf8_and_cap(void **state)
{
	(void)state;
	struct ui_edit e;
	ui_edit_init(&e, 8);
	ui_edit_insert(&e, "a\xc3\xa4" "b", 4);
	ui_edit_left(&e);
	ui_edit_left(&e); /* over the two-byte character in one step */
	assert_int_equal(e.cur, 1);
	ui_edit_delete(&e);
	assert_string_equal(ui_edit_text(&e), "ab");
	ui_edit_end(&e);
	ui_edit_insert_cp(&e, 0x20AC);
	ui_edit_backspace(&e); /* removes all three bytes */
	assert_string_equal(ui_edit_text(&e), "ab");
	assert_true(ui_edit_insert(&e, "123456", 6));
	assert_false(ui_edit_insert(&e, "7", 1)); /* the cap is 8 bytes */
	assert_int_equal(e.len, 8);
	ui_edit_set(&e, "abcdefg\xc3\xa4", 9); /* cut before half a character */
	assert_string_equal(ui_edit_text(&e), "abcdefg");
	ui_edit_free(&e);
}

static void test_edit_history(void **state)
{
	(void)state;
	struct ui_edit e;
	ui_edit_init(&e, 0);
	assert_false(ui_edit_history_prev(&e));
	const char *in[] = {"550", "421 4.7.0", "421 4.7.0", "5.7.26"};
	for (size_t i = 0; i < 4; i++) {
		ui_edit_set(&e, in[i], strlen(in[i]));
		ui_edit_history_add(&e);
		ui_edit_clear(&e);
	}
	assert_int_equal(e.nhist, 3); /* the repeat was not stored twice */
	ui_edit_insert(&e, "draft", 5);
	assert_true(ui_edit_history_prev(&e));
	assert_string_equal(ui_edit_text(&e), "5.7.26");
	assert_true(ui_edit_history_prev(&e));
	assert_true(ui_edit_history_prev(&e));
	assert_string_equal(ui_edit_text(&e), "550");
	assert_false(ui_edit_history_prev(&e));
	assert_true(ui_edit_history_next(&e));
	assert_string_equal(ui_edit_text(&e), "421 4.7.0");
	assert_true(ui_edit_history_next(&e));
	assert_true(ui_edit_history_next(&e));
	assert_string_equal(ui_edit_text(&e), "draft"); /* the line being typed is back */
	assert_false(ui_edit_history_next(&e));
	ui_edit_clear(&e);
	ui_edit_history_add(&e); /* empty: not stored */
	assert_int_equal(e.nhist, 3);
	for (int i = 0; i < UI_EDIT_HIST_MAX + 20; i++) {
		char b[16];
		int n = snprintf(b, sizeof b, "%d", i);
		ui_edit_set(&e, b, (size_t)n);
		ui_edit_history_add(&e);
	}
	assert_int_equal(e.nhist, UI_EDIT_HIST_MAX);
	assert_string_equal(e.hist[0], "20"); /* the oldest went first */
	ui_edit_free(&e);
}

static void test_edit_view(void **state)
{
	(void)state;
	struct ui_edit e;
	ui_edit_init(&e, 0);
	struct buf out;
	buf_init(&out, 4096);
	int cc = -1;
	ui_edit_insert(&e, "a\x1b]0;x\x07\nb", 9);
	ui_edit_view(&e, 80, &out, &cc);
	assert_string_equal(buf_str(&out), "a\\e]0;x\\x07\\nb");
	assert_int_equal(cc, 14);
	assert_null(memchr(out.data, 0x1b, out.len));
	/* a long line scrolls so that the cursor stays in view */
	ui_edit_clear(&e);
	for (int i = 0; i < 50; i++)
		ui_edit_insert_cp(&e, (uint32_t)('a' + i % 26));
	ui_edit_view(&e, 10, &out, &cc);
	assert_int_equal(out.len, 9);
	assert_int_equal(cc, 9);
	assert_string_equal(buf_str(&out), "pqrstuvwx");
	ui_edit_home(&e);
	ui_edit_view(&e, 10, &out, &cc);
	assert_int_equal(cc, 0);
	assert_string_equal(buf_str(&out), "abcdefghij");
	buf_free(&out);
	ui_edit_free(&e);
}

static void test_keymap(void **state)
{
	(void)state;
	char n[32];
	keymap_name('q', n, sizeof n);
	assert_string_equal(n, "q");
	keymap_name(UI_KEY_ESC, n, sizeof n);
	assert_string_equal(n, "Esc");
	keymap_name(UI_CTRL('u'), n, sizeof n);
	assert_string_equal(n, "C-u");
	keymap_name(UI_KEY_F(1), n, sizeof n);
	assert_string_equal(n, "F1");
	keymap_name(UI_KEY_PGDN, n, sizeof n);
	assert_string_equal(n, "PgDn");
	const struct keybind *b = keymap_find(ui_global_keys, '?');
	assert_non_null(b);
	assert_ptr_equal(keymap_find(ui_global_keys, UI_KEY_F(1)), b);
	assert_null(keymap_find(ui_global_keys, 'z'));
	assert_null(keymap_find(ui_global_keys, UI_CTRL('c'))); /* documented, no handler */
	keymap_names(keymap_find(ui_global_keys, 'q'), n, sizeof n);
	assert_string_equal(n, "q / Esc");
}

static void test_scroll(void **state)
{
	(void)state;
	size_t top = 0;
	assert_int_equal(ui_scroll_key(&top, 100, 10, UI_KEY_UP), UI_HANDLED);
	assert_int_equal(ui_scroll_key(&top, 100, 10, UI_KEY_DOWN), UI_REDRAW);
	assert_int_equal(top, 1);
	ui_scroll_key(&top, 100, 10, UI_KEY_PGDN);
	assert_int_equal(top, 10);
	ui_scroll_key(&top, 100, 10, UI_KEY_END);
	assert_int_equal(top, 90);
	assert_int_equal(ui_scroll_key(&top, 100, 10, UI_KEY_WHEEL_DOWN), UI_HANDLED);
	ui_scroll_key(&top, 100, 10, UI_KEY_HOME);
	assert_int_equal(top, 0);
	assert_int_equal(ui_scroll_key(&top, 100, 10, 'x'), UI_UNHANDLED);
	top = 95;
	ui_scroll_clamp(&top, 100, 20); /* the window grew */
	assert_int_equal(top, 80);
	ui_scroll_clamp(&top, 5, 20);
	assert_int_equal(top, 0);
}

static void test_doc_layout(void **state)
{
	(void)state;
	struct ui_doc d;
	ui_doc_init(&d, 14);
	ui_doc_text_str(&d, 1, "Heading", CRT_HEADING);
	ui_doc_field_str(&d, "Meaning:", "one two three four five six seven eight nine ten", CRT_NORMAL);
	ui_doc_field_str(&d, "Empty:", "", CRT_NORMAL); /* left out */
	assert_int_equal(d.nitems, 2);
	assert_int_equal(ui_doc_layout(&d, 80), 2);
	size_t wide = ui_doc_layout(&d, 50);
	assert_true(wide > 2);
	assert_true(d.rows[1].label);
	assert_int_equal(d.rows[1].text_col, 17);
	/* too narrow for a label column: the label gets its own row */
	size_t narrow = ui_doc_layout(&d, 30);
	assert_true(d.rows[1].label);
	assert_int_equal(d.rows[1].len, 0);
	assert_false(d.rows[2].label);
	assert_int_equal(d.rows[2].text_col, 4);
	assert_true(narrow > wide);
	ui_doc_free(&d);
}

/* True when some item of d contains needle. */
static bool doc_has(const struct ui_doc *d, const char *needle)
{
	for (size_t i = 0; i < d->nitems; i++)
		if (strstr(d->items[i].text, needle))
			return true;
	return false;
}

static bool doc_has_byte(const struct ui_doc *d, char c)
{
	for (size_t i = 0; i < d->nitems; i++)
		if (strchr(d->items[i].text, c) || (d->items[i].label && strchr(d->items[i].label, c)))
			return true;
	return false;
}

static void test_explain_doc(void **state)
{
	(void)state;
	struct ui_doc d;
	ui_doc_init(&d, 14);
	char err[256];
	const char *in = "  550 5.1.1 no such user\n";
	assert_int_equal(explain_to_doc(&d, in, strlen(in), err, sizeof err), 0);
	assert_true(doc_has(&d, "userunknown"));
	assert_true(doc_has(&d, "550 5.1.1"));
	ui_doc_clear(&d);
	in = "550 5.7.1 \x1b]0;pwned\x07\x1b[2Jblocked";
	assert_int_equal(explain_to_doc(&d, in, strlen(in), err, sizeof err), 0);
	assert_true(doc_has(&d, "\\e]0;pwned\\x07\\e[2J"));
	assert_false(doc_has_byte(&d, 0x1b));
	assert_false(doc_has_byte(&d, 0x07));
	assert_true(err[0] != '\0'); /* the status line warns about it */
	ui_doc_clear(&d);
	in = "hello there";
	assert_int_equal(explain_to_doc(&d, in, strlen(in), err, sizeof err), 1);
	assert_true(err[0] != '\0');
	ui_doc_clear(&d);
	in = "@/nonexistent/smtpscope-test-file";
	assert_int_equal(explain_to_doc(&d, in, strlen(in), err, sizeof err), 2);
	assert_non_null(strstr(err, "nonexistent"));
	ui_doc_free(&d);
}

int main(void)
{
	have_utf8_locale = setlocale(LC_ALL, "C.UTF-8") != NULL;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrap_words),
		cmocka_unit_test(test_wrap_count_and_empty),
		cmocka_unit_test(test_wrap_wide),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_edit_basic),
		cmocka_unit_test(test_edit_utf8_and_cap),
		cmocka_unit_test(test_edit_history),
		cmocka_unit_test(test_edit_view),
		cmocka_unit_test(test_keymap),
		cmocka_unit_test(test_scroll),
		cmocka_unit_test(test_doc_layout),
		cmocka_unit_test(test_explain_doc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
