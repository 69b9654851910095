/* screen_practice.c - the Practice screen: the built-in practice server's
 * address, demo account and certificate fingerprint, what it has done, and
 * a live log of its events (connections, commands, replies, TLS, accepted
 * messages with envelope and Subject; AUTH secrets masked), with a key to
 * open a Session screen connected to it. RFC 5321, RFC 3207, RFC 4954. */
#include "tui/screen_practice.h"
#include "tui/screen_list.h"
#include "tui/screen_session.h"
#include "tui/ui.h"
#include "tui/ui_doc.h"
#include "decode/xmalloc.h"
#include "probe/loop.h"
#include "probe/practice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PS_LABEL_WIDTH 15

struct practice_screen {
	struct ui *u;
	char err[512];          /* why the server is not running, "" when it runs */
	struct ui_doc head;
	bool follow;            /* keep the newest log line in view */
	uint64_t top;           /* first line shown, counted since the start (dropped included) */
	int log_y, log_h;
};

static void ps_on_log(void *ud)
{
	struct practice_screen *ps = ud;
	ui_dirty(ps->u);
}

/* The fields above the log, built again for every frame (counters change). */
static void ps_build_head(struct practice_screen *ps, const struct practice *p)
{
	struct ui_doc *d = &ps->head;
	ui_doc_clear(d);
	char t[512];
	if (!p) {
		ui_doc_text_str(d, 1, "Practice server: not running", CRT_HEADING);
		ui_doc_field_str(d, "Problem:", ps->err[0] ? ps->err : "unknown", CRT_ERROR);
		ui_doc_field_str(d, "Try:", "smtpscope practice --port N on another port, then connect to it", CRT_NORMAL);
		return;
	}
	ui_doc_text_str(d, 1, "Practice server: running inside smtpscope (strict RFC 5321, for learning)",
			CRT_HEADING);
	bool tls;
	const char *a;
	size_t used = 0;
	t[0] = '\0';
	for (size_t i = 0; (a = practice_listener(p, i, &tls)) && used < sizeof t; i++) {
		int n = snprintf(t + used, sizeof t - used, "%s%s%s", i ? ", " : "", a, tls ? " (implicit TLS)" : "");
		if (n > 0)
			used += (size_t)n;
	}
	ui_doc_field_str(d, "Listening:", t, CRT_GOOD);
	ui_doc_field_str(d, "Host name:", practice_hostname(p), CRT_NORMAL);
	snprintf(t, sizeof t, "%s / %s  (AUTH PLAIN or LOGIN%s)", practice_user(p), practice_password(p),
		 practice_requires_tls_for_auth(p) ? ", after STARTTLS" : ", offered without TLS");
	ui_doc_field_str(d, "Demo account:", t, CRT_KEY);
	snprintf(t, sizeof t, "self-signed, made at start, valid until %s", practice_cert_not_after(p));
	ui_doc_field_str(d, "Certificate:", t, CRT_NORMAL);
	ui_doc_field_str(d, "SHA-256:", practice_cert_sha256(p), CRT_NORMAL);
	snprintf(t, sizeof t, "%zu connected now, %llu client%s served, %llu message%s accepted",
		 practice_client_count(p), (unsigned long long)practice_clients_served(p),
		 practice_clients_served(p) == 1 ? "" : "s", (unsigned long long)practice_messages_accepted(p),
		 practice_messages_accepted(p) == 1 ? "" : "s");
	ui_doc_field_str(d, "Activity:", t, CRT_NORMAL);
	snprintf(t, sizeof t, "s opens a session to it; from a shell: swaks --server 127.0.0.1:%u --to alice@%s",
		 practice_port(p), practice_hostname(p));
	ui_doc_field_str(d, "Try:", t, CRT_DIM);
}

static void ps_draw_rule(struct practice_screen *ps, int y, struct ui_rect r, size_t n)
{
	crt_fill(y, r.x, r.w, CRT_NORMAL);
	for (int x = 0; x < r.w; x++)
		crt_puts(y, r.x + x, 1, CRT_DIM, "-");
	char t[128];
	uint64_t first = practice_svc_log_dropped();
	if (n == 0)
		snprintf(t, sizeof t, " Live log: nothing yet ");
	else
		snprintf(t, sizeof t, " Live log%s: lines %llu-%llu of %llu ", ps->follow ? " (following)" : "",
			 (unsigned long long)(ps->top + 1),
			 (unsigned long long)(ps->top + (uint64_t)ps->log_h < first + n ? ps->top + (uint64_t)ps->log_h
										   : first + n),
			 (unsigned long long)(first + n));
	crt_puts(y, r.x + 2, r.w - 2, CRT_DIM, t);
}

static void ps_draw(struct pane *pn, struct ui *u, struct ui_rect r)
{
	(void)u;
	struct practice_screen *ps = pn->st;
	const struct practice *p = practice_svc_get();
	ps_build_head(ps, p);
	size_t hn = ui_doc_layout(&ps->head, r.w);
	int hh = (int)hn < r.h / 2 ? (int)hn : r.h / 2;
	ui_doc_draw(&ps->head, r.y, r.x, hh, r.w, 0);
	ps->log_y = r.y + hh + 1;
	ps->log_h = r.h - hh - 1 > 0 ? r.h - hh - 1 : 0;
	size_t n = practice_svc_log_count();
	uint64_t first = practice_svc_log_dropped();
	uint64_t maxtop = first + (n > (size_t)ps->log_h ? n - (size_t)ps->log_h : 0);
	if (ps->follow || ps->top > maxtop)
		ps->top = maxtop;
	if (ps->top < first)
		ps->top = first;
	if (r.h > hh)
		ps_draw_rule(ps, r.y + hh, r, n);
	for (int row = 0; row < ps->log_h; row++) {
		const struct practice_log_line *l = practice_svc_log_at((size_t)(ps->top - first) + (size_t)row);
		if (!l)
			break;
		crt_puts(ps->log_y + row, r.x + 1, r.w - 1, l->color, l->text);
	}
}

/* Scrolling the log: the same keys as every scrollable pane; at the end it
 * follows new lines again. */
static int ps_key(struct pane *pn, struct ui *u, const struct ui_key *k)
{
	(void)u;
	struct practice_screen *ps = pn->st;
	uint64_t first = practice_svc_log_dropped();
	size_t n = practice_svc_log_count();
	size_t top = (size_t)(ps->top - first);
	int r = ui_scroll_key(&top, n, ps->log_h, k->key);
	if (r == UI_UNHANDLED)
		return UI_UNHANDLED;
	ps->top = first + top;
	size_t h = ps->log_h > 0 ? (size_t)ps->log_h : 1;
	ps->follow = top + h >= n;
	return r | UI_HANDLED;
}

static int ps_key_session(struct pane *pn, struct ui *u, const struct ui_key *k)
{
	(void)pn;
	(void)k;
	if (!practice_svc_get()) {
		ui_status(u, CRT_ERROR, "The practice server is not running.");
		return UI_REDRAW;
	}
	screen_open(u, TUI_SCREEN_SESSION, SESSION_TARGET_PRACTICE);
	return UI_REDRAW;
}

static int ps_key_clear(struct pane *pn, struct ui *u, const struct ui_key *k)
{
	(void)k;
	struct practice_screen *ps = pn->st;
	practice_svc_log_clear();
	ps->top = 0;
	ps->follow = true;
	ui_status(u, CRT_STATUS, "Log cleared.");
	return UI_REDRAW;
}

static const struct keybind ps_keys[] = {
	{{'s', UI_KEY_ENTER}, "Session", "open a session to the practice server", ps_key_session, 0},
	{{'c'}, "Clear", "clear the log", ps_key_clear, 0},
	{{UI_KEY_UP, UI_KEY_DOWN}, "Scroll", "scroll the log a line (also j / k and the wheel)", NULL, 0},
	{{UI_KEY_PGUP, UI_KEY_PGDN}, NULL, "scroll the log a page (also b / Space)", NULL, 0},
	{{UI_KEY_HOME, UI_KEY_END}, NULL, "the oldest line / the newest (then follow new lines)", NULL, 0},
	{{0}, NULL, NULL, NULL, 0},
};

static void ps_free(struct pane *pn)
{
	struct practice_screen *ps = pn->st;
	practice_svc_unlisten(ps);
	ui_doc_free(&ps->head);
	free(ps);
}

static const struct pane_ops ps_ops = {
	.name = "Practice",
	.draw = ps_draw,
	.key = ps_key,
	.free = ps_free,
	.keys = ps_keys,
};

struct pane *screen_practice_new(struct ui *u, const char *arg)
{
	(void)arg;
	struct practice_screen *ps = xcalloc(1, sizeof *ps);
	ps->u = u;
	ps->follow = true;
	ui_doc_init(&ps->head, PS_LABEL_WIDTH);
	if (!practice_svc_start(u->loop, NULL, ps->err, sizeof ps->err))
		ui_status(u, CRT_ERROR, "%s", ps->err);
	else
		ui_log(u, "practice: port %u", practice_port(practice_svc_get()));
	practice_svc_listen(ps_on_log, ps);
	return pane_new(&ps_ops, ps);
}
