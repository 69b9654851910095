/* screen_explain.c - the Explain screen: type or paste a reply code, a whole
 * reply (RFC 5321 4.2, RFC 3463 enhanced codes) or @FILE for a bounce (RFC
 * 3464 DSN or an MTA's own format), and read the layered explanation. */
#include "tui/screen_explain.h"
#include "tui/explain_view.h"
#include "tui/readall.h"
#include "tui/ui.h"
#include "tui/ui_edit.h"
#include "decode/bounce.h"
#include "decode/explain.h"
#include "decode/limits.h"
#include "decode/printable.h"
#include "decode/xmalloc.h"
#include "probe/loop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define EXPLAIN_LABEL_WIDTH 14
/* Bytes of reply text kept from the input (as cmd_explain does). */
#define EXPLAIN_REPLY_TEXT_MAX 8192
#define EXPLAIN_PROMPT "Explain> "

enum { EXPLAIN_MODE_INPUT = 1, EXPLAIN_MODE_RESULT = 2 };

struct explain_state {
	struct ui_edit edit;
	struct ui_doc doc;
	struct buf view;       /* the rendered input line */
	size_t top;            /* first result row shown */
	int doc_y, doc_h;      /* result area at the last draw */
	int input_y;
	bool pending_enter;    /* Enter seen, waiting to know it is not a paste */
	uint64_t timer;
	struct ui *u;
	struct pane *pane;
};

/* ---- the model: an explanation as a document ---- */

static enum crt_color explain_crt(enum explain_style st)
{
	static const enum crt_color map[] = {
		[EXPLAIN_NORMAL] = CRT_NORMAL, [EXPLAIN_INPUT] = CRT_INPUT, [EXPLAIN_DIM] = CRT_DIM,
		[EXPLAIN_GOOD] = CRT_GOOD,     [EXPLAIN_WARN] = CRT_WARN,   [EXPLAIN_BAD] = CRT_BAD,
	};
	return map[st];
}

static enum crt_color explain_color(const struct explanation *e)
{
	return explain_crt(explain_view_style(e));
}

static void explain_doc_field(void *user, const char *label, const char *text, enum explain_style st)
{
	ui_doc_field_str(user, label, text, explain_crt(st));
}

/* True when p holds bytes a terminal would act on (escape sequences, other
 * controls, invalid UTF-8); line ends and tabs do not count. */
static bool explain_has_controls(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len(p + i, len - i);
		if (n == 0 || (n == 1 && ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') ||
					  p[i] == 0x7F)))
			return true;
		i += n;
	}
	return false;
}

static int explain_doc_reply(struct ui_doc *d, const uint8_t *p, size_t len, char *err, size_t errsize)
{
	int code = 0;
	char status[16] = "";
	char *text = xmalloc(EXPLAIN_REPLY_TEXT_MAX);
	text[0] = '\0';
	if (!explain_parse_input(p, len, &code, status, text, EXPLAIN_REPLY_TEXT_MAX)) {
		snprintf(err, errsize, "No reply code or enhanced status code found in the input.");
		ui_doc_text_str(d, 1, "Nothing to explain: no reply code (550) or enhanced status "
				      "code (5.1.1) was found in", CRT_ERROR);
		ui_doc_text(d, 3, p, len, CRT_INPUT);
		free(text);
		return 1;
	}
	struct explanation e;
	explain_reply(code, status, (const uint8_t *)text, strlen(text), STAGE_UNKNOWN, &e);
	char head[96];
	explain_view_codes(e.reply_code, e.status, head, sizeof head);
	size_t hl = strlen(head);
	snprintf(head + hl, sizeof head - hl, "  %s", reason_name(e.reason));
	ui_doc_text_str(d, 1, head, explain_color(&e));
	ui_doc_blank(d);
	if (explain_has_controls(p, len)) {
		/* show exactly what came in, escapes visible, and say so */
		ui_doc_field(d, "Raw input:", p, len, CRT_WARN);
		snprintf(err, errsize, "The input holds control bytes or escape sequences; "
				       "they are shown escaped, never sent to the terminal.");
	}
	const struct explain_sink sink = {explain_doc_field, d};
	explain_view_reply(&e, text, &sink);
	free(text);
	return 0;
}

static void explain_doc_rcpt(struct ui_doc *d, size_t i, const struct bounce_rcpt *r)
{
	struct explanation e;
	explain_view_rcpt_explain(r, &e);
	struct buf h;
	buf_init(&h, 64 + SMTP_PATH_MAX);
	buf_printf(&h, "Recipient %zu: ", i + 1);
	buf_append_str(&h, r->address[0] ? r->address : "(unknown)");
	ui_doc_blank(d);
	ui_doc_text(d, 1, h.data, h.len, explain_color(&e)); /* made printable there */
	buf_free(&h);
	const struct explain_sink sink = {explain_doc_field, d};
	explain_view_rcpt(r, &e, &sink);
}

static int explain_doc_bounce(struct ui_doc *d, const uint8_t *p, size_t len, bool truncated,
			      char *err, size_t errsize)
{
	struct bounce b;
	const char *why = NULL;
	if (bounce_parse(p, len, &b, &why) != 0) {
		snprintf(err, errsize, "Not a bounce I can read: %s", why ? why : "unknown format");
		ui_doc_text_str(d, 1, err, CRT_ERROR);
		return 1;
	}
	char head[128];
	snprintf(head, sizeof head, "Bounce message (%s format), %zu recipient%s%s", b.format, b.nrcpt,
		 b.nrcpt == 1 ? "" : "s", (b.truncated || truncated) ? " [input truncated]" : "");
	ui_doc_text_str(d, 1, head, CRT_HEADING);
	ui_doc_blank(d);
	ui_doc_field_str(d, "Subject:", b.subject, CRT_NORMAL);
	ui_doc_field_str(d, "Reported by:", b.reporting_mta, CRT_NORMAL);
	ui_doc_field_str(d, "Feedback:", b.feedback_type, CRT_NORMAL);
	for (size_t i = 0; i < b.nrcpt; i++)
		explain_doc_rcpt(d, i, &b.rcpt[i]);
	bounce_free(&b);
	return 0;
}

/* "~/x" -> "$HOME/x"; other paths as they are. */
static char *explain_expand_path(const char *p, size_t len)
{
	const char *home = getenv("HOME");
	if (len >= 2 && p[0] == '~' && p[1] == '/' && home && *home) {
		size_t hl = strlen(home);
		char *out = xmalloc(hl + len);
		memcpy(out, home, hl);
		memcpy(out + hl, p + 1, len - 1);
		out[hl + len - 1] = '\0';
		return out;
	}
	return xmemdup0(p, len);
}

static int explain_doc_file(struct ui_doc *d, const char *path, char *err, size_t errsize)
{
	struct stat st;
	ui_doc_field(d, "File:", (const uint8_t *)path, strlen(path), CRT_NORMAL);
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		/* the name is the user's own input: the status line draws it safely */
		snprintf(err, errsize, "%s: %s", path,
			 stat(path, &st) != 0 ? strerror(errno) : "not a regular file");
		ui_doc_text_str(d, 1, err, CRT_ERROR);
		return 2;
	}
	struct buf in;
	buf_init(&in, BOUNCE_INPUT_MAX);
	bool truncated = false;
	int rc;
	if (readall_path(path, &in, &truncated) != 0) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		ui_doc_text_str(d, 1, err, CRT_ERROR);
		rc = 2;
	} else {
		const uint8_t *p = in.data ? in.data : (const uint8_t *)"";
		ui_doc_blank(d);
		if (bounce_is_message(p, in.len))
			rc = explain_doc_bounce(d, p, in.len, truncated, err, errsize);
		else
			rc = explain_doc_reply(d, p, in.len, err, errsize);
	}
	buf_free(&in);
	return rc;
}

static bool explain_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int explain_to_doc(struct ui_doc *doc, const char *input, size_t len, char *err, size_t errsize)
{
	err[0] = '\0';
	while (len > 0 && explain_space(input[0])) {
		input++;
		len--;
	}
	while (len > 0 && explain_space(input[len - 1]))
		len--;
	if (len > 0 && input[0] == '@') {
		size_t a = 1;
		while (a < len && explain_space(input[a]))
			a++;
		if (a == len) {
			snprintf(err, errsize, "Type the name of a file after the @.");
			ui_doc_text_str(doc, 1, err, CRT_ERROR);
			return 2;
		}
		char *path = explain_expand_path(input + a, len - a);
		int rc = explain_doc_file(doc, path, err, errsize);
		free(path);
		return rc;
	}
	return explain_doc_reply(doc, (const uint8_t *)input, len, err, errsize);
}

/* ---- the pane ---- */

static void explain_intro(struct ui_doc *d)
{
	ui_doc_text_str(d, 1, "What does this reply mean?", CRT_HEADING);
	ui_doc_blank(d);
	ui_doc_text_str(d, 2,
			"Type a reply code (550, 4.7.1, 550 5.7.26) or paste a server's whole reply, "
			"one line or several, and press Enter. Type @FILE to read a bounce message "
			"(a delivery status notification) and get one explanation per failed recipient.",
			CRT_NORMAL);
	ui_doc_blank(d);
	ui_doc_text_str(d, 2, "Up and Down bring back earlier inputs; Tab moves to the result "
			      "to scroll it; ? lists every key.", CRT_DIM);
}

static void explain_focus(struct pane *p, unsigned mode)
{
	p->mode = mode;
}

static void explain_submit(struct explain_state *s)
{
	struct ui *u = s->u;
	if (ui_edit_empty(&s->edit)) {
		ui_status(u, CRT_STATUS, "Type a code, a reply or @FILE first.");
		return;
	}
	char *in = xmemdup0(ui_edit_text(&s->edit), s->edit.len);
	size_t len = s->edit.len;
	ui_edit_history_add(&s->edit);
	ui_edit_clear(&s->edit);
	ui_doc_clear(&s->doc);
	char err[512];
	int rc = explain_to_doc(&s->doc, in, len, err, sizeof err);
	ui_log(u, "explain: %zu bytes -> %d", len, rc);
	free(in);
	s->top = 0;
	explain_focus(s->pane, EXPLAIN_MODE_RESULT);
	if (err[0])
		ui_status(u, rc != 0 ? CRT_ERROR : CRT_WARN, "%s", err);
	ui_dirty(u);
}

static void explain_on_timer(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	struct explain_state *s = ud;
	s->timer = 0;
	s->pending_enter = false;
	explain_submit(s);
}

/* A key came while an Enter waited: that Enter was part of a paste. */
static void explain_enter_was_paste(struct explain_state *s)
{
	loop_timer_cancel(s->u->loop, s->timer);
	s->timer = 0;
	s->pending_enter = false;
	ui_edit_insert_cp(&s->edit, '\n');
}

static int explain_insert(struct pane *p, struct explain_state *s, uint32_t cp)
{
	explain_focus(p, EXPLAIN_MODE_INPUT);
	if (!ui_edit_insert_cp(&s->edit, cp))
		ui_status(s->u, CRT_ERROR, "The input line is full (%d bytes).", UI_EDIT_MAX);
	return UI_REDRAW;
}

static int explain_scroll(struct explain_state *s, int key)
{
	size_t n = ui_doc_layout(&s->doc, ui_area().w);
	return ui_scroll_key(&s->top, n, s->doc_h, key);
}

static int explain_mouse(struct pane *p, struct explain_state *s, const struct ui_key *k)
{
	if (k->key == UI_KEY_WHEEL_UP || k->key == UI_KEY_WHEEL_DOWN)
		return explain_scroll(s, k->key) | UI_HANDLED;
	if (k->y == s->input_y)
		explain_focus(p, EXPLAIN_MODE_INPUT);
	else if (k->y >= s->doc_y)
		explain_focus(p, EXPLAIN_MODE_RESULT);
	return UI_REDRAW;
}

/* Characters, pastes and the mouse; everything else goes to the table. */
static int explain_key(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)u;
	struct explain_state *s = p->st;
	int key = k->key;
	if (s->pending_enter && key != UI_KEY_RESIZE)
		explain_enter_was_paste(s);
	if (key == UI_KEY_CLICK || key == UI_KEY_WHEEL_UP || key == UI_KEY_WHEEL_DOWN)
		return explain_mouse(p, s, k);
	if (k->burst && key == UI_KEY_ENTER)
		return explain_insert(p, s, '\n');
	if (key <= 0 || key >= UI_KEY_BASE)
		return UI_UNHANDLED;
	if (k->burst)
		return explain_insert(p, s, (uint32_t)key); /* pasted: taken literally */
	if (key < 0x20 || key == 0x7F)
		return UI_UNHANDLED; /* Esc, Tab and Ctrl keys: bindings */
	if (p->mode == EXPLAIN_MODE_RESULT) {
		if (strchr("jkbgG ", key))
			return explain_scroll(s, key) | UI_HANDLED;
		if (key == 'q' || key == '?')
			return UI_UNHANDLED;
	} else if (ui_edit_empty(&s->edit) && (key == 'q' || key == '?')) {
		return UI_UNHANDLED;
	}
	return explain_insert(p, s, (uint32_t)key);
}

static int explain_key_enter(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)k;
	struct explain_state *s = p->st;
	if (p->mode == EXPLAIN_MODE_RESULT) {
		explain_focus(p, EXPLAIN_MODE_INPUT);
		return UI_REDRAW;
	}
	s->pending_enter = true;
	loop_timer_cancel(u->loop, s->timer);
	s->timer = loop_timer_add(u->loop, EXPLAIN_PASTE_MS, explain_on_timer, s);
	return UI_HANDLED;
}

static int explain_key_focus(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)u;
	(void)k;
	explain_focus(p, p->mode == EXPLAIN_MODE_INPUT ? EXPLAIN_MODE_RESULT : EXPLAIN_MODE_INPUT);
	return UI_REDRAW;
}

static int explain_key_updown(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)u;
	struct explain_state *s = p->st;
	if (p->mode == EXPLAIN_MODE_RESULT)
		return explain_scroll(s, k->key) | UI_HANDLED;
	bool moved = k->key == UI_KEY_UP ? ui_edit_history_prev(&s->edit)
					 : ui_edit_history_next(&s->edit);
	return moved ? UI_REDRAW : UI_HANDLED;
}

static int explain_key_scroll(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)u;
	return explain_scroll(p->st, k->key) | UI_HANDLED;
}

static int explain_key_edit(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)u;
	struct explain_state *s = p->st;
	if (p->mode == EXPLAIN_MODE_RESULT && (k->key == UI_KEY_HOME || k->key == UI_KEY_END))
		return explain_scroll(s, k->key) | UI_HANDLED;
	explain_focus(p, EXPLAIN_MODE_INPUT);
	ui_edit_apply_key(&s->edit, k->key);
	return UI_REDRAW;
}

#define IN EXPLAIN_MODE_INPUT
#define RES EXPLAIN_MODE_RESULT
static const struct keybind explain_keys[] = {
	{{UI_KEY_ENTER}, "Explain", "explain the input line (lines pasted together are one reply); "
				    "on the result: back to the input line", explain_key_enter, IN},
	{{UI_KEY_TAB, UI_KEY_BTAB}, "Result", "move between the input line and the result",
	 explain_key_focus, IN},
	{{UI_KEY_TAB, UI_KEY_BTAB}, "Input", NULL, NULL, RES},
	{{UI_KEY_UP, UI_KEY_DOWN}, "History", "input line: earlier / later inputs; result: scroll",
	 explain_key_updown, IN},
	{{UI_KEY_UP, UI_KEY_DOWN}, "Scroll", NULL, NULL, RES},
	{{UI_KEY_PGUP, UI_KEY_PGDN}, NULL, "scroll the result a page (result: also b / Space)",
	 explain_key_scroll, 0},
	{{UI_KEY_WHEEL_UP, UI_KEY_WHEEL_DOWN}, NULL, "scroll the result", explain_key_scroll, 0},
	{{UI_KEY_LEFT, UI_KEY_RIGHT}, NULL, "move the cursor", explain_key_edit, 0},
	{{UI_KEY_CTRL_LEFT, UI_KEY_CTRL_RIGHT}, NULL, "move the cursor a word", explain_key_edit, 0},
	{{UI_KEY_HOME, UI_CTRL('a')}, NULL, "start of the line (result: top)", explain_key_edit, 0},
	{{UI_KEY_END, UI_CTRL('e')}, NULL, "end of the line (result: bottom)", explain_key_edit, 0},
	{{UI_KEY_BACKSPACE}, NULL, "delete the character before the cursor", explain_key_edit, 0},
	{{UI_KEY_DELETE, UI_CTRL('d')}, NULL, "delete the character at the cursor", explain_key_edit, 0},
	{{UI_CTRL('u')}, "Clear", "delete from the start of the line to the cursor", explain_key_edit, IN},
	{{UI_CTRL('k')}, NULL, "delete from the cursor to the end of the line", explain_key_edit, 0},
	{{UI_CTRL('w')}, NULL, "delete the word before the cursor", explain_key_edit, 0},
	{{'q', '?'}, NULL, "typed into a non-empty input line; otherwise back and help", NULL, 0},
	{{UI_KEY_CLICK}, NULL, "on the input line or the result: move there", NULL, 0},
	{{0}, NULL, NULL, NULL, 0},
};
#undef IN
#undef RES

/* The rule between the input line and the result, with the scroll position. */
static void explain_draw_rule(struct explain_state *s, int y, struct ui_rect r, size_t n)
{
	for (int x = 0; x < r.w; x++)
		crt_puts(y, r.x + x, 1, CRT_DIM, "-");
	char pos[64];
	if (n > (size_t)s->doc_h && s->doc_h > 0) {
		size_t last = s->top + (size_t)s->doc_h;
		snprintf(pos, sizeof pos, " %zu-%zu of %zu ", s->top + 1, last > n ? n : last, n);
		int w = (int)strlen(pos);
		if (w + 2 < r.w)
			crt_puts(y, r.x + r.w - w - 2, w, CRT_DIM, pos);
	}
}

static void explain_draw(struct pane *p, struct ui *u, struct ui_rect r)
{
	struct explain_state *s = p->st;
	bool input = p->mode == EXPLAIN_MODE_INPUT;
	s->input_y = r.y;
	int pw = crt_puts(r.y, r.x, r.w, input ? CRT_KEY : CRT_DIM, EXPLAIN_PROMPT);
	int cc = 0;
	ui_edit_view(&s->edit, r.w - pw - 1, &s->view, &cc);
	if (ui_edit_empty(&s->edit) && input)
		crt_puts(r.y, r.x + pw, r.w - pw, CRT_DIM, "550 5.1.1, a pasted reply, or @FILE");
	else
		crt_put(r.y, r.x + pw, r.w - pw, CRT_INPUT, (const char *)s->view.data, s->view.len);
	if (input)
		ui_cursor(u, r.y, r.x + pw + cc);
	s->doc_y = r.y + 2;
	s->doc_h = r.h - 2 > 0 ? r.h - 2 : 0;
	size_t n = ui_doc_layout(&s->doc, r.w);
	ui_scroll_clamp(&s->top, n, s->doc_h);
	if (r.h >= 2)
		explain_draw_rule(s, r.y + 1, r, n);
	if (s->doc_h > 0)
		ui_doc_draw(&s->doc, s->doc_y, r.x, s->doc_h, r.w, s->top);
}

static void explain_resize(struct pane *p, struct ui *u, struct ui_rect r)
{
	(void)u;
	struct explain_state *s = p->st;
	s->doc.width = 0; /* wrap again at the new width */
	s->doc_h = r.h - 2 > 0 ? r.h - 2 : 0;
	ui_scroll_clamp(&s->top, ui_doc_layout(&s->doc, r.w), s->doc_h);
}

static void explain_free(struct pane *p)
{
	struct explain_state *s = p->st;
	loop_timer_cancel(s->u->loop, s->timer);
	ui_edit_free(&s->edit);
	ui_doc_free(&s->doc);
	buf_free(&s->view);
	free(s);
}

static const struct pane_ops explain_ops = {
	.name = "Explain",
	.draw = explain_draw,
	.key = explain_key,
	.resize = explain_resize,
	.free = explain_free,
	.keys = explain_keys,
};

struct pane *screen_explain_new(struct ui *u, const char *arg)
{
	struct explain_state *s = xcalloc(1, sizeof *s);
	s->u = u;
	ui_edit_init(&s->edit, UI_EDIT_MAX);
	ui_doc_init(&s->doc, EXPLAIN_LABEL_WIDTH);
	buf_init(&s->view, UI_EDIT_MAX * 4 + 64);
	explain_intro(&s->doc);
	struct pane *p = pane_new(&explain_ops, s);
	s->pane = p;
	p->mode = EXPLAIN_MODE_INPUT;
	if (arg && *arg) {
		ui_edit_set(&s->edit, arg, strlen(arg));
		explain_submit(s);
	}
	return p;
}
