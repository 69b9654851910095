/* screen_capture_table.c - drawing the Capture screen: the column layout for
 * the window width, the header with the sort, the rows coloured by outcome
 * (RFC 5321 reply classes), the filter line, the progress bar and the file
 * prompt. Every captured string is drawn from its printable form. */
#include "tui/screen_capture_int.h"
#include "tui/ui_text.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Widths of the fixed columns. The sender and recipients columns are as
 * wide as their widest text up to a maximum; when the window is too narrow,
 * columns are dropped (server first), then those two shrink to a minimum. */
#define CT_TIME_SHORT 12 /* 19:14:47.691 */
#define CT_TIME_LONG 19  /* 2026-11-23 19:14:47 */
#define CT_ENDPOINT_MAX 24
#define CT_SIZE_W 7
#define CT_OUTCOME_W 16
#define CT_CODE_W 4
#define CT_FROM_MIN 10
#define CT_FROM_MAX 36
#define CT_RCPT_MIN 14
#define CT_RCPT_MAX 48

/* Columns dropped first when the window is narrow. */
static const enum cm_col ct_drop_order[] = {CM_COL_SERVER, CM_COL_CLIENT, CM_COL_ID, CM_COL_SIZE, CM_COL_CODE};

static int ct_total(const int *w)
{
	int sum = 0, n = 0;
	for (int c = 0; c < CM_COL_LAST; c++) {
		if (w[c] > 0) {
			sum += w[c];
			n++;
		}
	}
	return n ? sum + n - 1 : 0;
}

static int ct_clamp(size_t v, int lo, int hi)
{
	return v < (size_t)lo ? lo : v > (size_t)hi ? hi : (int)v;
}

static void ct_layout(struct capture_screen *cs, int width, bool long_time)
{
	struct cm_widths cw;
	cm_widths(cs->m, &cw);
	int *w = cs->col_w;
	w[CM_COL_ID] = ct_clamp(cw.id, 1, 12);
	w[CM_COL_TIME] = long_time ? CT_TIME_LONG : CT_TIME_SHORT;
	w[CM_COL_CLIENT] = ct_clamp(cw.client, 6, CT_ENDPOINT_MAX);
	w[CM_COL_SERVER] = ct_clamp(cw.server, 6, CT_ENDPOINT_MAX);
	w[CM_COL_FROM] = ct_clamp(cw.from, CT_FROM_MIN, CT_FROM_MAX);
	w[CM_COL_RCPT] = ct_clamp(cw.rcpt, CT_RCPT_MIN, CT_RCPT_MAX);
	w[CM_COL_SIZE] = CT_SIZE_W;
	w[CM_COL_OUTCOME] = CT_OUTCOME_W;
	w[CM_COL_CODE] = CT_CODE_W;
	for (size_t i = 0; i < sizeof ct_drop_order / sizeof ct_drop_order[0] && ct_total(w) > width; i++)
		w[ct_drop_order[i]] = 0;
	while (ct_total(w) > width && (w[CM_COL_FROM] > CT_FROM_MIN || w[CM_COL_RCPT] > CT_RCPT_MIN)) {
		if (w[CM_COL_RCPT] > CT_RCPT_MIN && w[CM_COL_RCPT] >= w[CM_COL_FROM])
			w[CM_COL_RCPT]--;
		else if (w[CM_COL_FROM] > CT_FROM_MIN)
			w[CM_COL_FROM]--;
		else
			w[CM_COL_RCPT]--;
	}
	/* room to spare: the recipients column takes it, up to its maximum */
	int left = width - ct_total(w), room = CT_RCPT_MAX - w[CM_COL_RCPT];
	if (left > 0 && room > 0)
		w[CM_COL_RCPT] += left < room ? left : room;
	int x = 0;
	for (int c = 0; c < CM_COL_LAST; c++) {
		cs->col_x[c] = x;
		if (w[c] > 0)
			x += w[c] + 1;
	}
}

enum cm_col capture_col_at(const struct capture_screen *cs, int x)
{
	for (int c = 0; c < CM_COL_LAST; c++)
		if (cs->col_w[c] > 0 && x >= cs->col_x[c] && x <= cs->col_x[c] + cs->col_w[c])
			return (enum cm_col)c;
	return CM_COL_LAST;
}

/* Text in a cell w columns wide: cut with an ellipsis, right-aligned when asked. */
static void ct_cell(int y, int x, int w, enum crt_color c, const char *s, bool right)
{
	if (w <= 0)
		return;
	size_t len = strlen(s);
	int used = 0;
	size_t fit = ui_text_fit(s, len, w, &used);
	if (fit < len) {
		fit = ui_text_fit(s, len, w - 1, &used);
		crt_put(y, x, w, c, s, fit);
		crt_puts(y, x + used, 1, c, crt_utf8() ? "\u2026" : "~");
		return;
	}
	crt_put(y, right ? x + w - used : x, w, c, s, len);
}

static bool ct_long_time(const struct capture_model *m)
{
	int64_t a, b;
	if (!cm_time_range(m, &a, &b))
		return false;
	return a / 86400000000LL != b / 86400000000LL;
}

static void ct_time(int64_t usec, bool long_time, char *out, size_t size)
{
	time_t t = (time_t)(usec / 1000000);
	struct tm tm;
	if (usec < 0 || !gmtime_r(&t, &tm)) {
		snprintf(out, size, "?");
		return;
	}
	if (long_time) {
		strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm);
		return;
	}
	char hms[16];
	strftime(hms, sizeof hms, "%H:%M:%S", &tm);
	snprintf(out, size, "%s.%03d", hms, (int)(usec % 1000000 / 1000));
}

static void ct_size(int64_t n, char *out, size_t size)
{
	if (n < 0)
		snprintf(out, size, "-");
	else if (n < 100000)
		snprintf(out, size, "%lld", (long long)n);
	else if (n < 10LL * 1024 * 1024)
		snprintf(out, size, "%.1fK", (double)n / 1024.0);
	else if (n < 10LL * 1024 * 1024 * 1024)
		snprintf(out, size, "%.1fM", (double)n / (1024.0 * 1024.0));
	else
		snprintf(out, size, "%.1fG", (double)n / (1024.0 * 1024.0 * 1024.0));
}

static enum crt_color ct_code_color(int code)
{
	return code >= 500 ? CRT_BAD : code >= 400 ? CRT_WARN : code >= 200 ? CRT_NORMAL : CRT_DIM;
}

static void ct_row(struct capture_screen *cs, int y, int width, const struct cm_row *r, bool sel, bool long_time)
{
	char buf[96];
	enum crt_color base = sel ? CRT_SELECTED : CRT_NORMAL;
	if (sel)
		crt_fill(y, 0, width, CRT_SELECTED);
	const int *w = cs->col_w, *x = cs->col_x;
	cm_row_id(r, buf, sizeof buf);
	ct_cell(y, x[CM_COL_ID], w[CM_COL_ID], sel ? base : CRT_DIM, buf, true);
	ct_time(r->time, long_time, buf, sizeof buf);
	ct_cell(y, x[CM_COL_TIME], w[CM_COL_TIME], base, buf, false);
	ct_cell(y, x[CM_COL_CLIENT], w[CM_COL_CLIENT], base, r->s->client, false);
	ct_cell(y, x[CM_COL_SERVER], w[CM_COL_SERVER], base, r->s->server, false);
	ct_cell(y, x[CM_COL_FROM], w[CM_COL_FROM], r->t || sel ? base : CRT_DIM, r->t ? r->from : "-", false);
	if (r->t) {
		char rc[64];
		snprintf(rc, sizeof rc, "%zu/%zu ", r->rcpts_ok, r->rcpts);
		int n = crt_puts(y, x[CM_COL_RCPT], w[CM_COL_RCPT], sel ? base : r->refused ? CRT_WARN : base, rc);
		ct_cell(y, x[CM_COL_RCPT] + n, w[CM_COL_RCPT] - n, base, r->rcpt, false);
	} else {
		ct_cell(y, x[CM_COL_RCPT], w[CM_COL_RCPT], sel ? base : CRT_DIM, "-", false);
	}
	ct_size(r->size, buf, sizeof buf);
	ct_cell(y, x[CM_COL_SIZE], w[CM_COL_SIZE], base, buf, true);
	ct_cell(y, x[CM_COL_OUTCOME], w[CM_COL_OUTCOME], sel ? base : capture_class_color(r->cls), r->outcome_text,
		false);
	if (r->code)
		snprintf(buf, sizeof buf, "%d", r->code);
	else
		snprintf(buf, sizeof buf, "-");
	ct_cell(y, x[CM_COL_CODE], w[CM_COL_CODE], sel ? base : ct_code_color(r->code), buf, true);
}

static void ct_header(struct capture_screen *cs, int y)
{
	enum cm_col sc = cm_sort_col(cs->m);
	bool desc = cm_sort_desc(cs->m);
	for (int c = 0; c < CM_COL_LAST; c++) {
		if (cs->col_w[c] <= 0)
			continue;
		char t[48];
		const char *arrow = crt_utf8() ? (desc ? "\u25bc" : "\u25b2") : (desc ? "v" : "^");
		snprintf(t, sizeof t, "%s%s", cm_col_name((enum cm_col)c), c == (int)sc ? arrow : "");
		bool right = c == CM_COL_SIZE || c == CM_COL_CODE || c == CM_COL_ID;
		ct_cell(y, cs->col_x[c], cs->col_w[c], c == (int)sc ? CRT_KEY : CRT_LABEL, t, right);
	}
}

static const char *ct_base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s && s[1] ? s + 1 : path;
}

static void ct_empty(struct capture_screen *cs, struct ui_rect r)
{
	const struct cm_progress *p = cm_progress(cs->m);
	const char *msg;
	if (cm_nrows(cs->m))
		msg = "No row matches the filter. Press / to change it, Esc to clear it.";
	else if (p->state == CM_LOADING)
		msg = "Reading the capture; sessions appear here as they end...";
	else
		msg = "No SMTP session was found in this capture (looked at ports 25, 465, 587, 2525 and "
		      "at any server that greets with 220).";
	struct ui_span sp[4];
	size_t n = ui_wrap(msg, strlen(msg), r.w - 4, sp, 4);
	for (size_t i = 0; i < n && i < 4 && (int)i + 1 < cs->rows_h; i++)
		crt_put(cs->rows_y + 1 + (int)i, r.x + 2, r.w - 2, CRT_DIM, msg + sp[i].off, sp[i].len);
}

/* "[#####.....]  42%" with the bar fitting w columns; returns columns used. */
static int ct_bar(int y, int x, int w, double frac)
{
	int bw = w - 7;
	if (bw < 4)
		return 0;
	if (bw > 30)
		bw = 30;
	int fill = (int)(frac * bw + 0.5);
	crt_puts(y, x, 1, CRT_DIM, "[");
	for (int i = 0; i < bw; i++)
		crt_puts(y, x + 1 + i, 1, i < fill ? CRT_GOOD : CRT_DIM, i < fill ? "#" : "-");
	char pct[16];
	snprintf(pct, sizeof pct, "] %3d%%", (int)(frac * 100.0 + 0.5));
	crt_puts(y, x + 1 + bw, 6, CRT_DIM, pct);
	return bw + 7;
}

static void ct_info(struct capture_screen *cs, int y, struct ui_rect r, size_t nview)
{
	const struct cm_progress *p = cm_progress(cs->m);
	char t[320];
	int x = r.x;
	if (p->state == CM_LOADING) {
		x += crt_puts(y, x, r.w, CRT_STATUS, "Loading ");
		double frac = p->size > 0 && p->offset >= 0 ? (double)p->offset / (double)p->size : 0.0;
		if (p->size > 0)
			x += ct_bar(y, x, r.w - x > 44 ? 44 : r.w - x, frac > 1.0 ? 1.0 : frac);
		snprintf(t, sizeof t, "  %llu packets, %llu sessions, %zu rows", (unsigned long long)p->packets,
			 (unsigned long long)p->sessions, cm_nrows(cs->m));
		crt_puts(y, x, r.w - x, CRT_STATUS, t);
		return;
	}
	if (p->state == CM_DAMAGED) {
		snprintf(t, sizeof t, "%s is damaged (%s): showing the %zu rows read before it", ct_base(cm_path(cs->m)),
			 p->error, cm_nrows(cs->m));
		crt_puts(y, x, r.w, CRT_ERROR, t);
		return;
	}
	snprintf(t, sizeof t, "%s: %llu session%s, %llu transaction%s, %llu packets (%s)", ct_base(cm_path(cs->m)),
		 (unsigned long long)p->sessions, p->sessions == 1 ? "" : "s", (unsigned long long)p->transactions,
		 p->transactions == 1 ? "" : "s", (unsigned long long)p->packets, p->linktype);
	x += crt_puts(y, x, r.w, CRT_DIM, t);
	snprintf(t, sizeof t, "row %zu of %zu", nview ? cs->sel + 1 : 0, nview);
	int tw = (int)strlen(t);
	if (x + tw + 2 < r.x + r.w)
		crt_puts(y, r.x + r.w - tw, tw, CRT_DIM, t);
}

/* The filter line: "Filter: text" and, on the right, whether it parses and
 * how many rows match (the reason it does not parse is on the status line). */
static void ct_filter_line(struct capture_screen *cs, int y, struct ui_rect r, size_t nview)
{
	bool editing = cs->pane->mode == CS_MODE_FILTER;
	char right[96];
	enum crt_color rc = CRT_GOOD;
	if (editing && cs->filter_bad) {
		snprintf(right, sizeof right, "does not parse");
		rc = CRT_ERROR;
	} else {
		snprintf(right, sizeof right, "%s%zu of %zu rows match", editing ? "ok: " : "", nview,
			 cm_nrows(cs->m));
	}
	int pw = crt_puts(y, r.x, r.w, editing ? CRT_KEY : CRT_LABEL, "Filter: ");
	int rw = ui_text_width(right, strlen(right));
	int avail = r.w - pw;
	int editw = avail - rw - 2;
	if (editw < 16)
		editw = avail > 16 ? 16 : avail;
	int cc = 0;
	ui_edit_view(&cs->filter, editw - 1, &cs->view, &cc);
	crt_put(y, r.x + pw, editw, cs->filter_bad && editing ? CRT_ERROR : CRT_INPUT, (const char *)cs->view.data,
		cs->view.len);
	if (avail - editw - 1 > 0)
		ct_cell(y, r.x + pw + editw + 1, avail - editw - 1, rc, right, true);
	if (editing)
		ui_cursor(cs->u, y, r.x + pw + cc);
}

void capture_draw_table(struct capture_screen *cs, struct ui_rect r)
{
	bool long_time = ct_long_time(cs->m);
	ct_layout(cs, r.w, long_time);
	size_t nview = cm_view_count(cs->m);
	bool show_filter = cs->pane->mode == CS_MODE_FILTER || cm_filter_text(cs->m)[0];
	int bottom = show_filter ? 2 : 1;
	cs->header_y = r.y;
	cs->rows_y = r.y + 1;
	cs->rows_h = r.h - 1 - bottom > 0 ? r.h - 1 - bottom : 0;
	capture_sync_selection(cs);
	ct_header(cs, cs->header_y);
	if (!nview)
		ct_empty(cs, r);
	for (int i = 0; i < cs->rows_h && cs->top + (size_t)i < nview; i++) {
		size_t v = cs->top + (size_t)i;
		ct_row(cs, cs->rows_y + i, r.w, cm_view_row(cs->m, v), v == cs->sel, long_time);
	}
	if (show_filter && r.h >= 3)
		ct_filter_line(cs, r.y + r.h - 2, r, nview);
	if (r.h >= 2)
		ct_info(cs, r.y + r.h - 1, r, nview);
}

void capture_draw_prompt(struct capture_screen *cs, struct ui_rect r)
{
	static const char hint[] =
		"Type the path of a pcap or pcapng file and press Enter. The bundled sample capture (recorded "
		"SMTP sessions: deliveries, a refused recipient, AUTH, BDAT, STARTTLS) is filled in when it is "
		"installed. From a shell, 'smtpscope decode FILE' opens a capture here directly.";
	int row = r.y + 1;
	crt_puts(row, r.x + 2, r.w - 2, CRT_HEADING, "Open a capture file");
	row += 2;
	int pw = crt_puts(row, r.x + 2, r.w - 2, CRT_KEY, "File> ");
	int cc = 0;
	ui_edit_view(&cs->path, r.w - 3 - pw, &cs->view, &cc);
	crt_put(row, r.x + 2 + pw, r.w - 3 - pw, CRT_INPUT, (const char *)cs->view.data, cs->view.len);
	ui_cursor(cs->u, row, r.x + 2 + pw + cc);
	row += 2;
	struct ui_span sp[8];
	size_t n = ui_wrap(hint, sizeof hint - 1, r.w - 4, sp, 8);
	for (size_t i = 0; i < n && i < 8 && row < r.y + r.h; i++)
		crt_put(row++, r.x + 2, r.w - 2, CRT_DIM, hint + sp[i].off, sp[i].len);
}
