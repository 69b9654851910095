/* screen_session.c - the Session screen: talk SMTP (RFC 5321) to a server or
 * to the built-in practice server: the transcript above, the status rows,
 * an input line with history, Tab completion and inline help; a focus mode
 * to move in the transcript and fold explanations; a message editor after
 * DATA; masked entry of AUTH secrets (RFC 4954). */
#include "tui/screen_session_int.h"
#include "tui/screen_home.h"
#include "tui/readall.h"
#include "decode/limits.h"
#include "decode/txn.h"
#include "decode/xmalloc.h"
#include "probe/helpers.h"
#include "probe/loop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char *const ss_intro[] = {
	"Open a session: type where to connect and press Enter.",
	"",
	"  mx.example.com             port 25",
	"  mx.example.com:587 --starttls",
	"  smtp.example.com --tls     implicit TLS on port 465",
	"  @example.com               the best MX host of a domain",
	"  (nothing)                  the built-in practice server (demo / practice)",
	"",
	"Options as `smtpscope connect` takes them: --starttls --tls --no-verify --port N",
	"--ehlo NAME --timeout S --sni NAME --ca-file F --lmtp --dane --show-secrets.",
	"Up and Down bring back recent targets.",
	NULL,
};

void ss_set_mode(struct session_screen *ss, unsigned mode)
{
	ss->pane->mode = mode;
	ss->leave_armed = false;
}

/* ---- drawing ---- */

static void ss_draw_intro(int y, int x, int h, int w)
{
	for (int i = 0; ss_intro[i] && i < h; i++)
		crt_puts(y + i, x + 1, w - 1, i == 0 ? CRT_HEADING : CRT_NORMAL, ss_intro[i]);
}

static void ss_draw(struct pane *p, struct ui *u, struct ui_rect r)
{
	(void)u;
	struct session_screen *ss = p->st;
	int y = r.y, bottom = r.y + r.h;
	if (r.h >= 6 && ss->s) {
		ss_draw_status(ss, y, r.x, r.w);
		y += 2;
	}
	int input_y = bottom - 1, hint_y = bottom - 2;
	int avail = hint_y - y;
	if (avail < 0)
		avail = 0;
	int eh = ss_editor_height(ss, avail);
	int th = avail - eh;
	if (p->mode == SS_MODE_TARGET && !ss->s)
		ss_draw_intro(y, r.x, th, r.w);
	else
		ss_view_draw(ss, y, r.x, th, r.w);
	ss_draw_editor(ss, y + th, r.x, eh, r.w);
	if (hint_y >= r.y)
		ss_draw_hint(ss, hint_y, r.x, r.w);
	if (input_y >= r.y)
		ss_draw_input(ss, input_y, r.x, r.w);
}

/* ---- leaving ---- */

static int ss_leave(struct session_screen *ss)
{
	if (ss->s && !ss->closed && !ss->leave_armed) {
		ss->leave_armed = true;
		ui_status(ss->u, CRT_WARN, "The session is open: Esc again closes it and goes back "
					   "(QUIT ends it politely).");
		return UI_REDRAW;
	}
	return UI_BACK;
}

/* ---- the input line ---- */

static bool is_text_key(int key)
{
	return key >= 0x20 && key < UI_KEY_BASE && key != 0x7F;
}

static int ss_insert(struct session_screen *ss, struct ui_edit *e, int key)
{
	if (!ui_edit_insert_cp(e, (uint32_t)key))
		ui_status(ss->u, CRT_ERROR, "The input line is full (%zu bytes).", e->max);
	return UI_REDRAW;
}

/* ":save [FILE]": the screen's own helper. */
static bool ss_is_save(const char *t, size_t len, size_t *arg)
{
	size_t i = 0;
	while (i < len && (t[i] == ' ' || t[i] == '\t'))
		i++;
	if (len - i < 5 || strncasecmp(t + i, ":save", 5) || (len - i > 5 && t[i + 5] != ' ' && t[i + 5] != '\t'))
		return false;
	i += 5;
	while (i < len && (t[i] == ' ' || t[i] == '\t'))
		i++;
	*arg = i;
	return true;
}

/* The helper opens the message editor: :data or :bdat without @FILE. */
static bool ss_opens_editor(const char *t, size_t len)
{
	size_t i = 0;
	while (i < len && (t[i] == ' ' || t[i] == '\t'))
		i++;
	if (i >= len || t[i] != ':' || (i + 1 < len && t[i + 1] == ':'))
		return false;
	struct helper_cmd c;
	char err[256];
	bool yes = helper_parse(t + i, len - i, &c, err, sizeof err) &&
		   (c.kind == HELPER_DATA || c.kind == HELPER_BDAT) && !c.file;
	helper_cmd_free(&c);
	return yes;
}

static void ss_history_add(struct session_screen *ss, const char *t, size_t len)
{
	char *h = ss_history_text(ss, t, len);
	if (!h)
		return;
	ui_edit_set(&ss->edit, h, strlen(h));
	ui_edit_history_add(&ss->edit);
	free(h);
}

static int ss_submit(struct session_screen *ss)
{
	size_t len = ss->edit.len, arg;
	if (len == 0) {
		ui_status(ss->u, CRT_STATUS, "Type an SMTP command or a :helper (Tab completes, :help lists them).");
		return UI_REDRAW;
	}
	char *t = xmemdup0(ui_edit_text(&ss->edit), len);
	if (ss_is_save(t, len, &arg)) {
		ss_save(ss, t + arg, len - arg);
		ui_edit_history_add(&ss->edit);
		ui_edit_clear(&ss->edit);
	} else if (!ss->s || ss->closed) {
		ui_status(ss->u, CRT_WARN, "The session is closed: F5 connects again (your line is kept).");
	} else {
		bool editor = ss_opens_editor(t, len);
		ss_history_add(ss, t, len);
		ui_edit_clear(&ss->edit);
		if (session_input(ss->s, t, len)) {
			ss->v.follow = true;
			if (editor) {
				ss->msg_raw = false;
				ss_set_mode(ss, SS_MODE_DATA);
			}
		}
		ss->auth_wait = false;
	}
	ss_wipe(t, len);
	free(t);
	complete_tab_reset(&ss->tab);
	return UI_REDRAW;
}

static int ss_complete(struct session_screen *ss)
{
	struct complete_ctx cx = {.ext = ss->cst.ext, .lmtp = ss->so.lmtp};
	if (ss->s) {
		const struct txn_session *t = session_txn(ss->s);
		for (size_t i = 0; t && i < t->nexts; i++)
			if (!strcasecmp(t->exts[i].keyword, "AUTH"))
				cx.auth_mechs = t->exts[i].params;
	}
	char out[COMPLETE_LINE_MAX + COMPLETE_WORD_MAX];
	ui_edit_end(&ss->edit);
	enum complete_result r = complete_tab_apply(&ss->tab, ui_edit_text(&ss->edit), ss->edit.len, &cx, out,
						    sizeof out);
	ss->tab_msg[0] = '\0';
	if (r == COMPLETE_NONE) {
		crt_beep();
		return UI_HANDLED;
	}
	ui_edit_set(&ss->edit, out, strlen(out));
	if (ss->tab.list.n > 1) {
		size_t used = 0;
		for (size_t i = 0; i < ss->tab.list.n && used < sizeof ss->tab_msg; i++) {
			const char *c = ss->tab.list.cand[i];
			size_t cl = strlen(c);
			while (cl > 0 && c[cl - 1] == ' ')
				cl--;
			int n = snprintf(ss->tab_msg + used, sizeof ss->tab_msg - used, "%s%.*s", i ? "  " : "",
					 (int)cl, c);
			if (n > 0)
				used += (size_t)n;
		}
	}
	return UI_REDRAW;
}

static int ss_scroll_page(struct session_screen *ss, int dir)
{
	long page = ss->v.h > 2 ? ss->v.h - 1 : 1;
	return ss_view_scroll(ss, dir * page) | UI_HANDLED;
}

static int ss_key_input(struct pane *p, struct session_screen *ss, const struct ui_key *k)
{
	int key = k->key;
	switch (key) {
	case UI_KEY_ENTER: return ss_submit(ss);
	case UI_KEY_TAB: return ss_complete(ss);
	case UI_KEY_BTAB:
		ss_view_select_visible(ss);
		ss_set_mode(ss, SS_MODE_VIEW);
		return UI_REDRAW;
	case UI_KEY_UP:
	case UI_KEY_DOWN:
		return (key == UI_KEY_UP ? ui_edit_history_prev(&ss->edit) : ui_edit_history_next(&ss->edit))
			       ? UI_REDRAW : UI_HANDLED;
	case UI_KEY_PGUP: return ss_scroll_page(ss, -1);
	case UI_KEY_PGDN: return ss_scroll_page(ss, 1);
	case UI_KEY_ESC: return ss_leave(ss);
	default: break;
	}
	(void)p;
	if (ui_edit_apply_key(&ss->edit, key))
		return UI_REDRAW;
	if (!is_text_key(key))
		return UI_UNHANDLED;
	if (!k->burst && ui_edit_empty(&ss->edit)) {
		if (key == '?')
			return UI_UNHANDLED; /* help */
		if (key == 'q' && (!ss->s || ss->closed))
			return ss_leave(ss);
	}
	return ss_insert(ss, &ss->edit, key);
}

/* ---- the other modes ---- */

static int ss_key_view(struct pane *p, struct session_screen *ss, const struct ui_key *k)
{
	(void)p;
	switch (k->key) {
	case UI_KEY_UP: case 'k': return ss_view_select(ss, -1) | UI_HANDLED;
	case UI_KEY_DOWN: case 'j': return ss_view_select(ss, 1) | UI_HANDLED;
	case UI_KEY_PGUP: case 'b': return ss_scroll_page(ss, -1);
	case UI_KEY_PGDN: return ss_scroll_page(ss, 1);
	case UI_KEY_HOME: case 'g': return ss_view_home(ss);
	case UI_KEY_END: case 'G': return ss_view_end(ss);
	case UI_KEY_ENTER: case ' ':
		if (!ss_view_fold_toggle(ss, ss->v.sel))
			ui_status(ss->u, CRT_STATUS, "This entry has nothing to fold.");
		return UI_REDRAW;
	case UI_KEY_TAB: case UI_KEY_BTAB: case 'i':
		ss_set_mode(ss, SS_MODE_INPUT);
		return UI_REDRAW;
	case UI_KEY_ESC: case 'q': return ss_leave(ss);
	default: break;
	}
	if (is_text_key(k->key) && !strchr("?ftwr", k->key)) {
		ss_set_mode(ss, SS_MODE_INPUT); /* typing goes to the input line */
		return ss_insert(ss, &ss->edit, k->key);
	}
	return UI_UNHANDLED;
}

static int ss_key_data(struct session_screen *ss, const struct ui_key *k)
{
	int key = k->key;
	if (key != UI_KEY_ESC)
		ss->abandon_armed = false;
	switch (key) {
	case UI_KEY_ENTER:
		if (ss->edit.len == 1 && ss->edit.text[0] == '.') {
			ui_edit_clear(&ss->edit);
			ss_msg_finish(ss);
		} else {
			ss_msg_line(ss, ui_edit_text(&ss->edit), ss->edit.len);
			ui_edit_clear(&ss->edit);
		}
		return UI_REDRAW;
	case UI_CTRL('d'):
		if (!ui_edit_empty(&ss->edit))
			ss_msg_line(ss, ui_edit_text(&ss->edit), ss->edit.len);
		ui_edit_clear(&ss->edit);
		ss_msg_finish(ss);
		return UI_REDRAW;
	case UI_KEY_BACKSPACE:
		if (ui_edit_empty(&ss->edit) && ss->nmsg > 0) { /* edit the line before */
			char *l = ss->msg[--ss->nmsg];
			ui_edit_set(&ss->edit, l, strlen(l));
			free(l);
			return UI_REDRAW;
		}
		break;
	case UI_KEY_ESC:
		if (!ss->abandon_armed) {
			ss->abandon_armed = true;
			ui_status(ss->u, CRT_WARN, "The server waits for the message: '.' or Ctrl-D sends it; Esc again "
						   "closes the connection without sending it.");
			return UI_REDRAW;
		}
		ss_msg_clear(ss);
		ss_set_mode(ss, SS_MODE_INPUT);
		if (ss->s && !ss->closed)
			session_abort(ss->s, "the message was abandoned (SMTP has no way to cancel DATA but to hang up)");
		return UI_REDRAW;
	case UI_KEY_PGUP: return ss_scroll_page(ss, -1);
	case UI_KEY_PGDN: return ss_scroll_page(ss, 1);
	default: break;
	}
	if (ui_edit_apply_key(&ss->edit, key))
		return UI_REDRAW;
	if (is_text_key(key))
		return ss_insert(ss, &ss->edit, key);
	return UI_HANDLED;
}

static int ss_key_secret(struct session_screen *ss, const struct ui_key *k)
{
	int key = k->key;
	if (key == UI_KEY_ENTER || key == UI_KEY_ESC) {
		char *t = key == UI_KEY_ENTER ? xmemdup0(ui_edit_text(&ss->secret), ss->secret.len) : NULL;
		size_t n = ss->secret.len;
		ss_wipe(ss->secret.text, ss->secret.len);
		ui_edit_clear(&ss->secret);
		ss_set_mode(ss, SS_MODE_INPUT);
		if (ss->s && !ss->closed)
			session_provide_secret(ss->s, t);
		if (!t)
			ui_status(ss->u, CRT_WARN, "No secret given: the helper stops.");
		ss_wipe(t, n);
		free(t);
		return UI_REDRAW;
	}
	if (ui_edit_apply_key(&ss->secret, key))
		return UI_REDRAW;
	if (is_text_key(key))
		return ss_insert(ss, &ss->secret, key);
	return UI_HANDLED; /* nothing else while a secret is typed */
}

static int ss_key_target(struct session_screen *ss, const struct ui_key *k)
{
	int key = k->key;
	switch (key) {
	case UI_KEY_ENTER: {
		char *t = xmemdup0(ui_edit_text(&ss->target), ss->target.len);
		size_t n = ss->target.len;
		if (ss_start_from_text(ss, t, n)) {
			ui_edit_history_add(&ss->target);
			ui_edit_clear(&ss->target);
		}
		free(t);
		return UI_REDRAW;
	}
	case UI_KEY_UP: return ui_edit_history_prev(&ss->target) ? UI_REDRAW : UI_HANDLED;
	case UI_KEY_DOWN: return ui_edit_history_next(&ss->target) ? UI_REDRAW : UI_HANDLED;
	case UI_KEY_ESC: return UI_BACK;
	default: break;
	}
	if (ui_edit_apply_key(&ss->target, key))
		return UI_REDRAW;
	if (!is_text_key(key))
		return UI_UNHANDLED;
	if (!k->burst && ui_edit_empty(&ss->target) && (key == '?' || key == 'q'))
		return UI_UNHANDLED;
	return ss_insert(ss, &ss->target, key);
}

/* ---- mouse ---- */

static int ss_mouse(struct pane *p, struct session_screen *ss, const struct ui_key *k)
{
	if (k->key == UI_KEY_WHEEL_UP || k->key == UI_KEY_WHEEL_DOWN)
		return ss_view_scroll(ss, k->key == UI_KEY_WHEEL_UP ? -3 : 3) | UI_HANDLED;
	bool mark;
	if (p->mode != SS_MODE_INPUT && p->mode != SS_MODE_VIEW)
		return UI_HANDLED;
	if (ss_view_select_row(ss, k->y, k->x, &mark)) {
		ss_set_mode(ss, SS_MODE_VIEW);
		if (mark)
			ss_view_fold_toggle(ss, ss->v.sel);
	} else {
		ss_set_mode(ss, SS_MODE_INPUT);
	}
	return UI_REDRAW;
}

static int ss_key(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)u;
	struct session_screen *ss = p->st;
	int key = k->key;
	if (key == UI_KEY_RESIZE)
		return UI_UNHANDLED;
	bool armed = ss->leave_armed;
	ss->leave_armed = false;
	if (key != UI_KEY_TAB)
		ss->tab_msg[0] = '\0';
	if (key == UI_KEY_CLICK || key == UI_KEY_WHEEL_UP || key == UI_KEY_WHEEL_DOWN)
		return ss_mouse(p, ss, k);
	if (armed && (key == UI_KEY_ESC || (key == 'q' && p->mode == SS_MODE_VIEW)))
		return UI_BACK;
	switch (p->mode) {
	case SS_MODE_SECRET: return ss_key_secret(ss, k);
	case SS_MODE_TARGET: return ss_key_target(ss, k);
	case SS_MODE_DATA: return ss_key_data(ss, k);
	case SS_MODE_VIEW: return ss_key_view(p, ss, k);
	default: return ss_key_input(p, ss, k);
	}
}

/* ---- bindings that work in several modes ---- */

static int ss_key_save(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)u;
	(void)k;
	ss_save(p->st, "", 0);
	return UI_REDRAW;
}

static int ss_key_fold_all(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)k;
	struct session_screen *ss = p->st;
	ss_view_fold_all(ss, !ss->v.all_folded);
	ui_status(u, CRT_STATUS, "%s", ss->v.all_folded ? "Every explanation folded." : "Every explanation unfolded.");
	return UI_REDRAW;
}

static int ss_key_times(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)u;
	(void)k;
	struct session_screen *ss = p->st;
	ss->v.times = !ss->v.times;
	return UI_REDRAW;
}

static int ss_key_reconnect(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)k;
	struct session_screen *ss = p->st;
	if (!ss->have_opts && !ss->practice) {
		ui_status(u, CRT_WARN, "Type a destination first.");
		return UI_REDRAW;
	}
	if (ss->s && !ss->closed)
		session_abort(ss->s, "reconnecting");
	ss_start(ss);
	ui_status(u, CRT_STATUS, "Connecting again to %s.", ss->label);
	return UI_REDRAW;
}

static int ss_key_back(struct pane *p, struct ui *u, const struct ui_key *k)
{
	(void)u;
	(void)k;
	return ss_leave(p->st);
}

#define IN SS_MODE_INPUT
#define VW SS_MODE_VIEW
#define DT SS_MODE_DATA
#define SC SS_MODE_SECRET
#define TG SS_MODE_TARGET
static const struct keybind ss_keys[] = {
	{{UI_KEY_ENTER}, "Send", "send the line (raw lines exactly as typed; ':' lines are helpers)", NULL, IN},
	{{UI_KEY_TAB}, "Complete", "complete the verb, parameter or helper (again: the next candidate)", NULL, IN},
	{{UI_KEY_BTAB}, "Transcript", "move into the transcript to select and fold entries", NULL, IN},
	{{UI_KEY_ESC, 'q'}, "Back", "back to the previous screen (on an open session: press twice; q is typed "
				    "while a session is open)", ss_key_back, IN | VW | TG},
	{{UI_KEY_UP, UI_KEY_DOWN}, NULL, "input line: earlier / later lines (secrets are not kept); "
					 "transcript: select the entry above / below", NULL, 0},
	{{UI_KEY_PGUP, UI_KEY_PGDN}, NULL, "scroll the transcript a page (the wheel scrolls too)", NULL, 0},
	{{UI_KEY_ENTER, ' '}, "Fold", "transcript: fold or unfold the selected entry's explanation", NULL, VW},
	{{'t'}, "Times", "transcript: show or hide the time of each entry", ss_key_times, VW},
	{{UI_KEY_F(2), 'w'}, "Save", "save the transcript as text and JSON (w in the transcript; "
				    "or :save FILE)", ss_key_save, IN | VW},
	{{UI_KEY_F(3), 'f'}, "Fold all", "fold or unfold every explanation (f in the transcript)", ss_key_fold_all,
	 IN | VW},
	{{UI_KEY_F(5), 'r'}, "Reconnect", "connect again with the same destination and options (r in the "
					  "transcript)", ss_key_reconnect, IN | VW},
	{{UI_KEY_TAB, 'i'}, "Input", "transcript: back to the input line (typing does it too)", NULL, VW},
	{{UI_KEY_HOME, UI_KEY_END}, NULL, "input: start / end of the line; transcript: top / bottom (g / G)", NULL, 0},
	{{UI_KEY_ENTER}, "Line", "message editor: add the line ('.' alone sends the message)", NULL, DT},
	{{UI_CTRL('d')}, "Send msg", "message editor: send the message", NULL, DT},
	{{UI_KEY_BACKSPACE}, NULL, "message editor, on an empty line: edit the line before", NULL, DT},
	{{UI_KEY_ESC}, "Abandon", "message editor: twice closes the connection without sending", NULL, DT},
	{{UI_KEY_ENTER}, "Submit", "secret prompt: give the secret (shown as *, never kept)", NULL, SC},
	{{UI_KEY_ESC}, "Cancel", "secret prompt: give none (the helper stops)", NULL, SC},
	{{UI_KEY_ENTER}, "Connect", "destination prompt: connect (empty: the practice server)", NULL, TG},
	{{UI_KEY_UP, UI_KEY_DOWN}, "Recent", "destination prompt: recent targets", NULL, TG},
	{{UI_CTRL('u'), UI_CTRL('k'), UI_CTRL('w')}, NULL, "delete to the start / to the end / the word before",
	 NULL, 0},
	{{'?'}, NULL, "typed on the input line unless it is empty (then: this help; F1 always)", NULL, 0},
	{{UI_KEY_CLICK}, NULL, "on an entry: select it (on its +/- mark: fold it); on the input line: type", NULL, 0},
	{{0}, NULL, NULL, NULL, 0},
};
#undef IN
#undef VW
#undef DT
#undef SC
#undef TG

static void ss_resize(struct pane *p, struct ui *u, struct ui_rect r)
{
	(void)u;
	struct session_screen *ss = p->st;
	ss->v.w = r.w; /* the anchor entry stays; rows are counted again at the new width */
	ss->v.skip = 0;
}

static void ss_free(struct pane *p)
{
	struct session_screen *ss = p->st;
	ss_stop(ss);
	ss_msg_clear(ss);
	ui_edit_free(&ss->edit);
	ui_edit_free(&ss->target);
	ss_wipe(ss->secret.text, ss->secret.len);
	ui_edit_free(&ss->secret);
	buf_free(&ss->vbuf);
	complete_tab_free(&ss->tab);
	ss_view_free(&ss->v);
	session_opts_free(&ss->so);
	free(ss);
}

static const struct pane_ops ss_ops = {
	.name = "Session",
	.draw = ss_draw,
	.key = ss_key,
	.resize = ss_resize,
	.free = ss_free,
	.keys = ss_keys,
};

/* The recent targets as the destination prompt's history (oldest first). */
static void ss_load_recent(struct session_screen *ss)
{
	char path[4096];
	struct stat st;
	if (!home_recent_path(path, sizeof path) || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return;
	struct buf in;
	buf_init(&in, HOME_RECENT_FILE_MAX);
	bool truncated;
	char *lines[SESSION_RECENT_KEEP];
	size_t n = 0;
	if (readall_path(path, &in, &truncated) == 0) {
		size_t a = 0;
		while (a < in.len && n < SESSION_RECENT_KEEP) {
			const uint8_t *nl = memchr(in.data + a, '\n', in.len - a);
			size_t b = nl ? (size_t)(nl - in.data) : in.len, e = b;
			while (e > a && (in.data[e - 1] == '\r' || in.data[e - 1] == ' '))
				e--;
			if (e > a)
				lines[n++] = xmemdup0(in.data + a, e - a);
			a = b + 1;
		}
	}
	buf_free(&in);
	while (n > 0) {
		char *l = lines[--n];
		ui_edit_set(&ss->target, l, strlen(l));
		ui_edit_history_add(&ss->target);
		free(l);
	}
	ui_edit_clear(&ss->target);
}

static struct session_screen *ss_new(struct ui *u)
{
	struct session_screen *ss = xcalloc(1, sizeof *ss);
	ss->u = u;
	ui_edit_init(&ss->edit, SESSION_INPUT_LINE_MAX);
	ui_edit_init(&ss->target, 1024);
	ui_edit_init(&ss->secret, 4096);
	buf_init(&ss->vbuf, (size_t)SESSION_INPUT_LINE_MAX * 4 + 64);
	ss_view_init(&ss->v);
	ss->cst.answered = SMTP_CMD_LAST;
	ss->pane = pane_new(&ss_ops, ss);
	ss->pane->mode = SS_MODE_TARGET;
	ss_load_recent(ss);
	return ss;
}

struct pane *screen_session_new(struct ui *u, const char *arg)
{
	struct session_screen *ss = ss_new(u);
	if (!arg)
		return ss->pane;
	if (!ss_start_from_text(ss, arg, strlen(arg)))
		ui_edit_set(&ss->target, arg, strlen(arg)); /* say what was wrong, let it be fixed */
	return ss->pane;
}

struct pane *screen_session_open_args(struct ui *u, const struct session_args *a)
{
	struct session_screen *ss = ss_new(u);
	ss_take_args(ss, a);
	ss_start(ss);
	return ss->pane;
}
