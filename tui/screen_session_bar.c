/* screen_session_bar.c - the Session screen's status rows (state with the
 * live time of the current wait and its limit, peer, TLS version, cipher and
 * verification, the server's EHLO extensions: RFC 1870 SIZE, RFC 4954 AUTH,
 * RFC 3207 STARTTLS...), the hint row (inline help, Tab candidates, what to
 * try next), the message editor box and the input line, secrets masked. */
#include "tui/screen_session_int.h"
#include "tui/screen_practice.h"
#include "tui/ui_text.h"
#include "decode/printable.h"
#include "decode/txn.h"
#include "probe/loop.h"
#include "probe/practice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Draw s at *x (advancing it) when it fits before the right edge. */
static void put_seg(int y, int *x, int right, enum crt_color c, const char *s)
{
	if (*x >= right)
		return;
	*x += crt_puts(y, *x, right - *x, c, s);
}

static const char *state_text(enum session_state st)
{
	switch (st) {
	case SESS_S_RESOLVING: return "resolving";
	case SESS_S_CONNECTING: return "connecting";
	case SESS_S_TLS: return "TLS handshake";
	case SESS_S_GREETING: return "awaiting greeting";
	case SESS_S_READY: return "ready";
	case SESS_S_WAITING: return "waiting";
	case SESS_S_SENDING: return "sending";
	default: return "closed";
	}
}

static enum crt_color state_color(enum session_state st)
{
	switch (st) {
	case SESS_S_READY: return CRT_GOOD;
	case SESS_S_CLOSED: return CRT_BAD;
	default: return CRT_WARN;
	}
}

/* "waiting for reply to RCPT 1.2 s of 30 s" while something is awaited. */
static bool wait_text(const struct session_screen *ss, char *out, size_t size)
{
	const char *what;
	uint64_t el, to;
	if (session_waiting(ss->s, &what, &el, &to)) {
		snprintf(out, size, "waiting for %s: %.1f s of %llu s", what, (double)el / 1000.0,
			 (unsigned long long)(to / 1000));
		return true;
	}
	if (ss->st == SESS_S_CONNECTING || ss->st == SESS_S_RESOLVING || ss->st == SESS_S_TLS) {
		unsigned lim = ss->st == SESS_S_TLS ? ss->so.tls_timeout_ms : ss->so.connect_timeout_ms;
		if (!lim)
			lim = SESSION_TIMEOUT_DEFAULT_MS;
		el = loop_clock_ms() - ss->st_since_ms;
		snprintf(out, size, "%.1f s of %u s", (double)el / 1000.0, lim / 1000);
		return true;
	}
	return false;
}

static void status_tls(const struct session_screen *ss, int y, int *x, int right)
{
	const struct session_result *r = session_result(ss->s);
	const struct tls_info *ti = session_tls_info(ss->s);
	char t[256];
	if (!r->tls || !ti) {
		put_seg(y, x, right, CRT_DIM, ss->st == SESS_S_TLS ? "TLS starting" : "no TLS");
		return;
	}
	snprintf(t, sizeof t, "%s %s", ti->protocol ? ti->protocol : "TLS", ti->cipher ? ti->cipher : "");
	put_seg(y, x, right, CRT_GOOD, t);
	if (ti->verified) {
		put_seg(y, x, right, CRT_GOOD, ti->dane ? ", verified (DANE)" : ", verified");
	} else {
		snprintf(t, sizeof t, ", NOT verified: %s", ti->verify_error ? ti->verify_error : "no check");
		put_seg(y, x, right, CRT_WARN, t);
	}
}

static void status_row1(struct session_screen *ss, int y, int x, int w)
{
	int right = x + w, cx = x + 1;
	char t[512];
	if (!ss->s) {
		put_seg(y, &cx, right, CRT_DIM, "not connected: type the destination below");
		return;
	}
	snprintf(t, sizeof t, "[%s]", state_text(ss->st));
	put_seg(y, &cx, right, state_color(ss->st), t);
	put_seg(y, &cx, right, CRT_DIM, "  ");
	const struct session_result *r = session_result(ss->s);
	struct buf b;
	buf_init(&b, 512);
	printable_append(&b, (const uint8_t *)(r->peer[0] ? r->peer : ss->label),
			 strlen(r->peer[0] ? r->peer : ss->label));
	if (ss->practice)
		buf_append_str(&b, " (practice server)");
	else if (r->peer[0] && r->peer_name[0] && strncmp(r->peer, r->peer_name, strlen(r->peer_name)) &&
		 !(r->peer[0] == '[' && !strncmp(r->peer + 1, r->peer_name, strlen(r->peer_name)))) {
		buf_append_str(&b, " ");
		printable_append(&b, (const uint8_t *)r->peer_name, strlen(r->peer_name));
	}
	put_seg(y, &cx, right, CRT_NORMAL, buf_str(&b));
	buf_free(&b);
	put_seg(y, &cx, right, CRT_DIM, "  ");
	status_tls(ss, y, &cx, right);
	if (wait_text(ss, t, sizeof t)) {
		put_seg(y, &cx, right, CRT_DIM, "  ");
		put_seg(y, &cx, right, CRT_WARN, t);
	}
}

/* "10 MiB" for SIZE's parameter. */
static void size_text(const char *p, char *out, size_t size)
{
	char *end;
	unsigned long long v = strtoull(p, &end, 10);
	if (!*p || *end)
		snprintf(out, size, "%s", *p ? p : "no limit given");
	else if (v == 0)
		snprintf(out, size, "no limit");
	else if (v >= 1024ull * 1024ull)
		snprintf(out, size, "%.1f MiB", (double)v / (1024.0 * 1024.0));
	else
		snprintf(out, size, "%llu bytes", v);
}

static void status_row2(struct session_screen *ss, int y, int x, int w)
{
	int right = x + w, cx = x + 1;
	const struct txn_session *t = ss->s ? session_txn(ss->s) : NULL;
	struct buf b;
	buf_init(&b, 2048);
	if (!t || t->nexts == 0) {
		buf_append_str(&b, ss->s && ss->cst.greeted ? "no extensions known yet (send EHLO)" : "");
	} else {
		for (size_t i = 0; i < t->nexts; i++) {
			const char *kw = t->exts[i].keyword, *pa = t->exts[i].params ? t->exts[i].params : "";
			if (i)
				buf_append_str(&b, "  ");
			printable_append(&b, (const uint8_t *)kw, strlen(kw));
			if (!strcasecmp(kw, "SIZE")) {
				char sz[64];
				size_text(pa, sz, sizeof sz);
				buf_printf(&b, " %s", sz);
			} else if (!strcasecmp(kw, "AUTH") && *pa) {
				buf_append_str(&b, " ");
				printable_append(&b, (const uint8_t *)pa, strlen(pa));
			}
		}
	}
	put_seg(y, &cx, right, CRT_LABEL, "Extensions: ");
	put_seg(y, &cx, right, CRT_NORMAL, buf_str(&b));
	buf_free(&b);
	const struct practice *p = ss->practice ? practice_svc_get() : NULL;
	if (p) {
		char acc[256];
		snprintf(acc, sizeof acc, "%s / %s%s", practice_user(p), practice_password(p),
			 practice_requires_tls_for_auth(p) ? " (after :starttls)" : "");
		put_seg(y, &cx, right, CRT_DIM, "  |  ");
		put_seg(y, &cx, right, CRT_LABEL, "Demo account: ");
		put_seg(y, &cx, right, CRT_KEY, acc);
	}
}

void ss_draw_status(struct session_screen *ss, int y, int x, int w)
{
	if (!ss->s)
		return;
	status_row1(ss, y, x, w);
	status_row2(ss, y + 1, x, w);
}

/* ---- hint row ---- */

/* What the hint row says now, and in which colour; "" when nothing. */
static enum crt_color hint_text(struct session_screen *ss, char *t, size_t size)
{
	unsigned mode = ss->pane->mode;
	t[0] = '\0';
	if (mode == SS_MODE_SECRET) {
		snprintf(t, size, "typed secrets are never shown nor kept in the history; Esc cancels");
		return CRT_DIM;
	}
	if (mode == SS_MODE_TARGET) {
		snprintf(t, size, "Up/Down: recent targets; empty: the built-in practice server");
		return CRT_DIM;
	}
	if (ss->tab_msg[0]) {
		snprintf(t, size, "%s", ss->tab_msg);
		return CRT_KEY;
	}
	if (mode == SS_MODE_DATA)
		return CRT_DIM;
	if (!ui_edit_empty(&ss->edit) && complete_help(ui_edit_text(&ss->edit), ss->edit.len, t, size))
		return CRT_NORMAL;
	struct complete_state st = ss->cst;
	st.closed = ss->closed;
	st.queue_id = ss->queue_id;
	if (ss->s) { /* what the model knows now */
		const struct txn_session *tx = session_txn(ss->s);
		const struct session_result *r = session_result(ss->s);
		st.ext = session_server_ext(ss->s);
		st.tls = r->tls;
		st.authed = tx && tx->auth_result == TXN_AUTH_OK;
		if (r->queue_id[0])
			st.queue_id = r->queue_id;
	}
	complete_hint(&st, t, size);
	return CRT_STATUS;
}

void ss_draw_hint(struct session_screen *ss, int y, int x, int w)
{
	char pos[96], t[600];
	for (int i = 0; i < w; i++)
		crt_puts(y, x + i, 1, CRT_DIM, "-");
	enum crt_color c = hint_text(ss, t, sizeof t);
	int used = t[0] ? ui_text_width(t, strlen(t)) : 0;
	if (t[0]) {
		crt_puts(y, x + 1, 1, CRT_DIM, " ");
		used = crt_puts(y, x + 2, w - 3, c, t);
		crt_puts(y, x + 2 + used, 1, CRT_DIM, " ");
	}
	if (!ss->s)
		return;
	ss_view_position(ss, pos, sizeof pos);
	int pw = ui_text_width(pos, strlen(pos));
	if (x + 2 + used + 2 < x + w - pw - 3) /* the help first; the position when it fits */
		crt_puts(y, x + w - pw - 3, pw + 2, CRT_DIM, pos);
}

/* ---- the message editor ---- */

int ss_editor_height(const struct session_screen *ss, int avail)
{
	if (ss->pane->mode != SS_MODE_DATA || avail < 4)
		return 0;
	int want = (int)(ss->nmsg > 9 ? 10 : ss->nmsg + 1);
	int cap = avail / 2 > 2 ? avail / 2 : 2;
	return want < cap ? want : cap;
}

void ss_draw_editor(struct session_screen *ss, int y, int x, int h, int w)
{
	if (h <= 0)
		return;
	char head[256];
	snprintf(head, sizeof head, "Message, %zu line%s so far: a line '.' alone or Ctrl-D sends it%s", ss->nmsg,
		 ss->nmsg == 1 ? "" : "s", ss->msg_raw ? " (after a typed DATA: lines go as typed)" : "");
	crt_fill(y, x, w, CRT_NORMAL);
	crt_puts(y, x + 1, w - 1, CRT_HEADING, head);
	size_t show = (size_t)(h - 1);
	size_t from = ss->nmsg > show ? ss->nmsg - show : 0;
	struct buf b;
	buf_init(&b, 4096);
	for (size_t i = from; i < ss->nmsg; i++) {
		buf_reset(&b);
		printable_append(&b, (const uint8_t *)ss->msg[i], strlen(ss->msg[i]));
		crt_puts(y + 1 + (int)(i - from), x + 1, 2, CRT_DIM, "| ");
		crt_put(y + 1 + (int)(i - from), x + 3, w - 3, CRT_INPUT, (const char *)b.data, b.len);
	}
	buf_free(&b);
}

/* ---- the input line ---- */

/* Offset of the n-th word (0-based) of t, or len. */
static size_t word_at(const char *t, size_t len, int n)
{
	size_t i = 0;
	for (int k = 0;; k++) {
		while (i < len && (t[i] == ' ' || t[i] == '\t'))
			i++;
		if (k == n || i >= len)
			return i;
		while (i < len && t[i] != ' ' && t[i] != '\t')
			i++;
	}
}

size_t ss_mask_from(const struct session_screen *ss, const char *t, size_t len)
{
	if (ss->so.show_secrets)
		return len;
	if (ss->auth_wait)
		return 0;
	size_t w0 = word_at(t, len, 0);
	if (len - w0 >= 6 && !strncasecmp(t + w0, ":auth", 5) && (t[w0 + 5] == ' ' || t[w0 + 5] == '\t'))
		return word_at(t, len, 3);
	if (len - w0 >= 5 && !strncasecmp(t + w0, "AUTH", 4) && (t[w0 + 4] == ' ' || t[w0 + 4] == '\t'))
		return word_at(t, len, 2);
	return len;
}

/* Render e into ss->vbuf for width columns, the bytes from `from` on shown as
 * one '*' per character. */
static void input_view(struct session_screen *ss, struct ui_edit *e, size_t from, int width, int *cc)
{
	if (from >= e->len) {
		ui_edit_view(e, width, &ss->vbuf, cc);
		return;
	}
	struct buf m;
	buf_init(&m, e->len + 1);
	buf_append(&m, e->text, from);
	size_t cur = e->cur <= from ? e->cur : from;
	for (size_t i = from; i < e->len;) {
		uint32_t cp;
		size_t n = ui_utf8_next(e->text + i, e->len - i, &cp);
		if (i < e->cur)
			cur++;
		buf_append_byte(&m, '*');
		i += n;
	}
	struct ui_edit tmp;
	memset(&tmp, 0, sizeof tmp);
	tmp.text = (char *)m.data;
	tmp.len = m.len;
	tmp.cur = cur;
	tmp.hscroll = e->hscroll;
	ui_edit_view(&tmp, width, &ss->vbuf, cc);
	e->hscroll = tmp.hscroll;
	buf_free(&m);
}

static const char *input_prompt(const struct session_screen *ss, struct ui_edit **e, const char **hint)
{
	switch (ss->pane->mode) {
	case SS_MODE_TARGET:
		*e = (struct ui_edit *)&ss->target;
		*hint = "host[:port], @domain, or Enter for the practice server; options like --starttls too";
		return "Target> ";
	case SS_MODE_SECRET:
		*e = (struct ui_edit *)&ss->secret;
		*hint = "";
		return NULL;
	case SS_MODE_DATA:
		*e = (struct ui_edit *)&ss->edit;
		*hint = "a line of the message";
		return "data> ";
	default:
		*e = (struct ui_edit *)&ss->edit;
		*hint = ss->closed ? "the session is closed: F5 connects again, Esc goes back"
				   : "an SMTP command or a :helper (Tab completes, :help lists them)";
		return ss->closed ? "closed> " : "smtp> ";
	}
}

void ss_draw_input(struct session_screen *ss, int y, int x, int w)
{
	struct ui_edit *e;
	const char *hint;
	const char *prompt = input_prompt(ss, &e, &hint);
	char pbuf[200];
	if (!prompt) {
		snprintf(pbuf, sizeof pbuf, "%s: ", ss->secret_prompt);
		prompt = pbuf;
	}
	bool focus = ss->pane->mode != SS_MODE_VIEW;
	int pw = crt_puts(y, x, w, focus ? CRT_KEY : CRT_DIM, prompt);
	size_t from = ss->pane->mode == SS_MODE_SECRET ? 0
		      : ss->pane->mode == SS_MODE_DATA ? e->len
						       : ss_mask_from(ss, e->text, e->len);
	if (ss->pane->mode == SS_MODE_TARGET)
		from = e->len;
	int cc = 0;
	input_view(ss, e, from, w - pw - 1, &cc);
	if (ui_edit_empty(e) && hint[0])
		crt_puts(y, x + pw, w - pw, CRT_DIM, hint);
	else
		crt_put(y, x + pw, w - pw, CRT_INPUT, (const char *)ss->vbuf.data, ss->vbuf.len);
	if (focus)
		ui_cursor(ss->u, y, x + pw + cc);
}
