/* capture_model.c - the Capture screen's model (see capture_model.h): rows kept
 * as sessions close, the filter applied to each, and the sorted view. Reading
 * the file is in capture_model_load.c. No RFC of its own. */
#include "tui/capture_model.h"
#include "tui/capture_model_int.h"
#include "decode/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const cm_col_names[CM_COL_LAST] = {
	"#", "time", "client", "server", "sender", "recipients", "size", "outcome", "code",
};

const char *cm_col_name(enum cm_col c)
{
	return c >= 0 && c < CM_COL_LAST ? cm_col_names[c] : "?";
}

struct capture_model *cm_new(void)
{
	struct capture_model *m = xcalloc(1, sizeof *m);
	m->sort_col = CM_COL_TIME;
	m->filter_text = xstrdup("");
	m->prog.offset = m->prog.size = -1;
	return m;
}

void cm_free(struct capture_model *m)
{
	if (!m)
		return;
	cm_load_close(m);
	for (size_t i = 0; i < m->nrows; i++)
		cm_row_free(&m->rows[i]);
	free(m->rows);
	free(m->match);
	free(m->view);
	free(m->tmp);
	free(m->add);
	for (size_t i = 0; i < m->nsessions; i++)
		capture_session_free(m->sessions[i]);
	free(m->sessions);
	filter_free(&m->filter);
	free(m->filter_text);
	free(m->path);
	free(m);
}

const char *cm_path(const struct capture_model *m)
{
	return m->path ? m->path : "";
}

const struct cm_progress *cm_progress(const struct capture_model *m)
{
	return &m->prog;
}

static void cm_widen(size_t *w, size_t n)
{
	if (n > *w)
		*w = n;
}

static void cm_grow_widths(struct cm_widths *w, const struct cm_row *r)
{
	char id[48];
	cm_row_id(r, id, sizeof id);
	cm_widen(&w->id, strlen(id));
	cm_widen(&w->client, strlen(r->s->client));
	cm_widen(&w->server, strlen(r->s->server));
	cm_widen(&w->from, strlen(r->from));
	if (r->t) {
		char n[48];
		int k = snprintf(n, sizeof n, "%zu/%zu ", r->rcpts_ok, r->rcpts);
		cm_widen(&w->rcpt, (size_t)(k > 0 ? k : 0) + strlen(r->rcpt));
	}
}

static void cm_push_row(struct capture_model *m, struct capture_session *s, const struct txn *t)
{
	if (m->nrows == m->rows_alloc) {
		m->rows_alloc = m->rows_alloc ? m->rows_alloc * 2 : 256;
		m->rows = xreallocarray(m->rows, m->rows_alloc, sizeof *m->rows);
		m->match = xreallocarray(m->match, m->rows_alloc, sizeof *m->match);
	}
	struct cm_row *r = &m->rows[m->nrows];
	cm_row_build(r, s, t);
	r->index = m->nrows;
	m->match[m->nrows] = filter_match(&m->filter, &r->item);
	m->nrows++;
	cm_grow_widths(&m->widths, r);
	if (m->nrows == 1 || r->time < m->first)
		m->first = r->time;
	if (m->nrows == 1 || r->time > m->last)
		m->last = r->time;
}

void cm_add_session(struct capture_model *m, struct capture_session *s)
{
	if (m->nsessions == m->sessions_alloc) {
		m->sessions_alloc = m->sessions_alloc ? m->sessions_alloc * 2 : 64;
		m->sessions = xreallocarray(m->sessions, m->sessions_alloc, sizeof *m->sessions);
	}
	m->sessions[m->nsessions++] = s;
	const struct txn_session *ts = s->model;
	if (ts->ntxns == 0)
		cm_push_row(m, s, NULL);
	for (size_t i = 0; i < ts->ntxns; i++)
		cm_push_row(m, s, ts->txns[i]);
}

size_t cm_nrows(const struct capture_model *m)
{
	return m->nrows;
}

const struct cm_row *cm_row(const struct capture_model *m, size_t index)
{
	return index < m->nrows ? &m->rows[index] : NULL;
}

void cm_widths(const struct capture_model *m, struct cm_widths *w)
{
	*w = m->widths;
}

void cm_row_id(const struct cm_row *r, char *out, size_t size)
{
	if (r->t)
		snprintf(out, size, "%llu.%llu", (unsigned long long)r->s->id, (unsigned long long)r->t->index);
	else
		snprintf(out, size, "%llu", (unsigned long long)r->s->id);
}

bool cm_time_range(const struct capture_model *m, int64_t *first, int64_t *last)
{
	if (!m->nrows)
		return false;
	*first = m->first;
	*last = m->last;
	return true;
}

/* ---- filter ---- */

bool cm_set_filter(struct capture_model *m, const char *text, size_t len, struct filter_error *err)
{
	struct filter f;
	if (!filter_parse(text, len, &f, err))
		return false;
	filter_free(&m->filter);
	m->filter = f;
	free(m->filter_text);
	m->filter_text = xmemdup0(text, len);
	for (size_t i = 0; i < m->nrows; i++)
		m->match[i] = filter_match(&m->filter, &m->rows[i].item);
	m->view_dirty = true;
	return true;
}

const char *cm_filter_text(const struct capture_model *m)
{
	return m->filter_text;
}

/* ---- sorting ---- */

void cm_set_sort(struct capture_model *m, enum cm_col col, bool desc)
{
	if (col < 0 || col >= CM_COL_LAST)
		col = CM_COL_TIME;
	m->sort_col = col;
	m->sort_desc = desc;
	m->view_dirty = true;
}

enum cm_col cm_sort_col(const struct capture_model *m)
{
	return m->sort_col;
}

bool cm_sort_desc(const struct capture_model *m)
{
	return m->sort_desc;
}

static char cm_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool cm_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Case-insensitive comparison in which runs of digits compare as numbers,
 * so that 10.0.0.9 comes before 10.0.0.10. */
static int cm_natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (cm_digit(*a) && cm_digit(*b)) {
			while (*a == '0' && cm_digit(a[1]))
				a++;
			while (*b == '0' && cm_digit(b[1]))
				b++;
			size_t la = 0, lb = 0;
			while (cm_digit(a[la]))
				la++;
			while (cm_digit(b[lb]))
				lb++;
			if (la != lb)
				return la < lb ? -1 : 1;
			int c = strncmp(a, b, la);
			if (c)
				return c;
			a += la;
			b += lb;
			continue;
		}
		char x = cm_lower(*a), y = cm_lower(*b);
		if (x != y)
			return (unsigned char)x < (unsigned char)y ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

static int cm_cmp_num(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

/* Rank of an outcome class when sorting: failures first. */
static int cm_class_rank(enum cm_class c)
{
	static const int rank[] = {[CM_CLASS_REJECTED] = 0, [CM_CLASS_DEFERRED] = 1, [CM_CLASS_ABORTED] = 2,
				   [CM_CLASS_NONE] = 3, [CM_CLASS_DELIVERED] = 4};
	return rank[c];
}

static int cm_cmp_col(const struct cm_row *a, const struct cm_row *b, enum cm_col col)
{
	switch (col) {
	case CM_COL_ID: {
		int c = cm_cmp_num((int64_t)a->s->id, (int64_t)b->s->id);
		return c ? c : cm_cmp_num(a->t ? (int64_t)a->t->index : 0, b->t ? (int64_t)b->t->index : 0);
	}
	case CM_COL_TIME: return cm_cmp_num(a->time, b->time);
	case CM_COL_CLIENT: return cm_natural_cmp(a->s->client, b->s->client);
	case CM_COL_SERVER: return cm_natural_cmp(a->s->server, b->s->server);
	case CM_COL_FROM: return cm_natural_cmp(a->from, b->from);
	case CM_COL_RCPT: {
		int c = cm_natural_cmp(a->rcpt, b->rcpt);
		return c ? c : cm_cmp_num((int64_t)a->rcpts, (int64_t)b->rcpts);
	}
	case CM_COL_SIZE: return cm_cmp_num(a->size, b->size);
	case CM_COL_OUTCOME: {
		int c = cm_cmp_num(cm_class_rank(a->cls), cm_class_rank(b->cls));
		return c ? c : strcmp(a->outcome, b->outcome);
	}
	case CM_COL_CODE: return cm_cmp_num(a->code, b->code);
	default: return 0;
	}
}

/* Order of two rows in the view: the sort column (reversed when asked), then
 * arrival, so that the order never depends on the sort algorithm. */
static int cm_cmp_rows(const struct capture_model *m, size_t x, size_t y)
{
	int c = cm_cmp_col(&m->rows[x], &m->rows[y], m->sort_col);
	if (m->sort_desc)
		c = -c;
	if (!c && m->sort_col != CM_COL_TIME)
		c = cm_cmp_num(m->rows[x].time, m->rows[y].time);
	return c ? c : cm_cmp_num((int64_t)x, (int64_t)y);
}

/* Bottom-up merge sort of v[0..n) with tmp as scratch. */
static void cm_sort_view(const struct capture_model *m, size_t *v, size_t *tmp, size_t n)
{
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				tmp[k++] = cm_cmp_rows(m, v[i], v[j]) <= 0 ? v[i++] : v[j++];
			while (i < mid)
				tmp[k++] = v[i++];
			while (j < hi)
				tmp[k++] = v[j++];
		}
		memcpy(v, tmp, n * sizeof *v);
	}
}

/* Merge the sorted runs a[0..na) and b[0..nb) into out. */
static void cm_merge(const struct capture_model *m, const size_t *a, size_t na, const size_t *b, size_t nb,
		     size_t *out)
{
	size_t i = 0, j = 0, k = 0;
	while (i < na && j < nb)
		out[k++] = cm_cmp_rows(m, a[i], b[j]) <= 0 ? a[i++] : b[j++];
	while (i < na)
		out[k++] = a[i++];
	while (j < nb)
		out[k++] = b[j++];
}

/* Bring the view up to date: rebuilt when the filter or the sort changed;
 * otherwise the rows that arrived since are sorted on their own and merged
 * in, so a large capture that is still loading costs O(rows) per update. */
static void cm_view_update(struct capture_model *m)
{
	if (!m->view_dirty && m->merged == m->nrows)
		return;
	if (m->view_alloc < m->nrows) {
		m->view_alloc = m->rows_alloc;
		m->view = xreallocarray(m->view, m->view_alloc, sizeof *m->view);
		m->tmp = xreallocarray(m->tmp, m->view_alloc, sizeof *m->tmp);
		m->add = xreallocarray(m->add, m->view_alloc, sizeof *m->add);
	}
	if (m->view_dirty) {
		m->nview = m->merged = 0;
		m->view_dirty = false;
	}
	size_t nadd = 0;
	for (size_t i = m->merged; i < m->nrows; i++)
		if (m->match[i])
			m->add[nadd++] = i;
	m->merged = m->nrows;
	if (!nadd)
		return;
	cm_sort_view(m, m->add, m->tmp, nadd);
	cm_merge(m, m->view, m->nview, m->add, nadd, m->tmp);
	m->nview += nadd;
	memcpy(m->view, m->tmp, m->nview * sizeof *m->view);
}

size_t cm_view_count(struct capture_model *m)
{
	cm_view_update(m);
	return m->nview;
}

const struct cm_row *cm_view_row(struct capture_model *m, size_t i)
{
	cm_view_update(m);
	return i < m->nview ? &m->rows[m->view[i]] : NULL;
}

size_t cm_view_find(struct capture_model *m, size_t index)
{
	cm_view_update(m);
	for (size_t i = 0; i < m->nview; i++)
		if (m->view[i] == index)
			return i;
	return SIZE_MAX;
}
