/* session_entry.c - the transcript model of a live session: entries kept in
 * a bounded ring (oldest dropped and counted), pending anomaly notes, info
 * entries, and the meaning of each EHLO keyword (IANA mail parameters,
 * RFC 1870 SIZE, RFC 4954 AUTH, RFC 3207 STARTTLS). */
#include "probe/session_internal.h"
#include "decode/ehlo.h"
#include "decode/limits.h"
#include "decode/xmalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static const char *const dir_names[SESS_DIR_LAST] = {"C", "S", "info"};
static const char *const level_names[SESS_LVL_LAST] = {"note", "ok", "warning", "error"};

const char *session_dir_name(enum session_dir d)
{
	return (unsigned)d < SESS_DIR_LAST ? dir_names[d] : "info";
}

const char *session_level_name(enum session_level l)
{
	return (unsigned)l < SESS_LVL_LAST ? level_names[l] : "note";
}

static int64_t wall_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

struct session_entry *session_entry_new(enum session_entry_kind kind, enum session_dir dir)
{
	struct session_entry *e = xcalloc(1, sizeof *e);
	e->kind = kind;
	e->dir = dir;
	e->time_us = wall_us();
	e->cmd = SMTP_CMD_LAST;
	e->answers = SMTP_CMD_LAST;
	e->latency_us = -1;
	return e;
}

static void lines_free(struct session_line *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i].p);
	free(l);
}

void session_entry_free(struct session_entry *e)
{
	if (!e)
		return;
	lines_free(e->lines, e->nlines);
	lines_free(e->notes, e->nnotes);
	for (size_t i = 0; i < e->nexts; i++) {
		free(e->exts[i].keyword);
		free(e->exts[i].params);
		free(e->exts[i].detail);
	}
	free(e->exts);
	free(e);
}

static void line_push(struct session_line **l, size_t *n, const void *p, size_t len)
{
	*l = xreallocarray(*l, *n + 1, sizeof **l);
	(*l)[*n].p = xmemdup0(p, len);
	(*l)[*n].len = len;
	(*n)++;
}

void session_entry_add_line(struct session_entry *e, const void *p, size_t len)
{
	line_push(&e->lines, &e->nlines, p, len);
}

void session_entry_add_note(struct session_entry *e, const char *text)
{
	if (e->nnotes >= SESSION_NOTES_MAX) {
		e->notes_dropped++;
		return;
	}
	line_push(&e->notes, &e->nnotes, text, strlen(text));
}

void session_note_pending(struct session *s, enum session_dir dir, const char *text)
{
	int d = dir == SESS_DIR_SERVER;
	if (s->nnotes[d] >= SESSION_NOTES_MAX) {
		s->notes_dropped[d]++;
		return;
	}
	struct session_line *l = &s->notes[d][s->nnotes[d]++];
	l->len = strlen(text);
	l->p = xmemdup0(text, l->len);
}

void session_notes_discard(struct session *s, enum session_dir dir)
{
	int d = dir == SESS_DIR_SERVER;
	for (size_t i = 0; i < s->nnotes[d]; i++)
		free(s->notes[d][i].p);
	s->nnotes[d] = 0;
	s->notes_dropped[d] = 0;
}

void session_entry_take_notes(struct session *s, struct session_entry *e, enum session_dir dir)
{
	int d = dir == SESS_DIR_SERVER;
	for (size_t i = 0; i < s->nnotes[d]; i++) {
		if (e->nnotes < SESSION_NOTES_MAX)
			line_push(&e->notes, &e->nnotes, s->notes[d][i].p, s->notes[d][i].len);
		else
			e->notes_dropped++;
		free(s->notes[d][i].p);
	}
	e->notes_dropped += s->notes_dropped[d];
	s->nnotes[d] = 0;
	s->notes_dropped[d] = 0;
}

static size_t entry_bytes(const struct session_entry *e)
{
	size_t n = sizeof *e;
	for (size_t i = 0; i < e->nlines; i++)
		n += e->lines[i].len + sizeof e->lines[i];
	for (size_t i = 0; i < e->nnotes; i++)
		n += e->notes[i].len + sizeof e->notes[i];
	return n;
}

static void ring_drop_oldest(struct session *s)
{
	struct session_entry *old = s->ents[s->ents_head];
	s->ents_bytes -= entry_bytes(old);
	session_entry_free(old);
	s->ents[s->ents_head] = NULL;
	s->ents_head = (s->ents_head + 1) % s->ents_alloc;
	s->ents_len--;
	s->ents_dropped++;
}

static void ring_grow(struct session *s)
{
	size_t n = s->ents_alloc ? s->ents_alloc * 2 : 64;
	if (n > s->ents_max)
		n = s->ents_max;
	struct session_entry **ne = xcalloc(n, sizeof *ne);
	for (size_t i = 0; i < s->ents_len; i++)
		ne[i] = s->ents[(s->ents_head + i) % s->ents_alloc];
	free(s->ents);
	s->ents = ne;
	s->ents_alloc = n;
	s->ents_head = 0;
}

void session_emit_event(struct session *s, const struct session_event *ev)
{
	if (s->cb && !s->freeing)
		s->cb(s, ev, s->ud);
}

void session_entry_emit(struct session *s, struct session_entry *e)
{
	e->id = ++s->next_id;
	size_t eb = entry_bytes(e);
	while (s->ents_len && (s->ents_len >= s->ents_max || s->ents_bytes + eb > SESSION_TRANSCRIPT_BYTES_MAX))
		ring_drop_oldest(s);
	if (s->ents_len == s->ents_alloc)
		ring_grow(s);
	s->ents[(s->ents_head + s->ents_len) % s->ents_alloc] = e;
	s->ents_len++;
	s->ents_bytes += eb;
	struct session_event ev = {.type = SESS_EV_ENTRY, .entry = e, .state = s->st, .old_state = s->st};
	session_emit_event(s, &ev);
}

void session_info(struct session *s, enum session_level lvl, const char *topic, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	size_t size = n < 0 ? 1 : (size_t)n + 1;
	if (size > 256 * 1024)
		size = 256 * 1024;
	char *tmp = xmalloc(size);
	vsnprintf(tmp, size, fmt, ap2);
	va_end(ap2);
	struct session_entry *e = session_entry_new(SESS_E_INFO, SESS_DIR_INFO);
	e->level = lvl;
	e->topic = topic;
	const char *p = tmp;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		session_entry_add_line(e, p, len);
		p += len + (nl ? 1 : 0);
	}
	free(tmp);
	session_entry_emit(s, e);
}

void session_entries_free(struct session *s)
{
	while (s->ents_len) {
		session_entry_free(s->ents[s->ents_head]);
		s->ents_head = (s->ents_head + 1) % s->ents_alloc;
		s->ents_len--;
	}
	free(s->ents);
	s->ents = NULL;
	for (int d = 0; d < 2; d++) {
		for (size_t i = 0; i < s->nnotes[d]; i++)
			free(s->notes[d][i].p);
		s->nnotes[d] = 0;
	}
}

/* ---- EHLO keywords ---- */

static char *ext_size_detail(const char *params)
{
	char *end;
	unsigned long long v = strtoull(params, &end, 10);
	char d[160];
	if (!*params)
		snprintf(d, sizeof d, "no limit announced here (it may still refuse large messages)");
	else if (end == params || (*end && *end != ' '))
		snprintf(d, sizeof d, "the limit '%.40s' is not a number (RFC 1870 wants digits)", params);
	else if (v == 0)
		snprintf(d, sizeof d, "SIZE 0: no fixed limit announced");
	else
		snprintf(d, sizeof d, "messages up to %llu bytes (%.1f MiB) are accepted; declare SIZE= in MAIL to learn early",
			 v, (double)v / (1024.0 * 1024.0));
	return xstrdup(d);
}

static char *ext_auth_detail(const char *params, bool tls_up)
{
	struct buf b;
	buf_init(&b, 2048);
	const char *p = params;
	while (*p) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (!n)
			break;
		const struct sasl_mech *m = sasl_lookup(p, n);
		buf_printf(&b, "%s%.*s%s", b.len ? "; " : "", (int)(n > 40 ? 40 : n), p,
			   !m ? " (unknown)" : m->status == SASL_OBSOLETE ? " (obsolete)"
					     : m->status == SASL_LIMITED ? " (limited use)" : "");
		p += n;
	}
	if (!tls_up)
		buf_append_str(&b, ". Offered before TLS: a password sent now crosses the network readable; "
				   "use STARTTLS first");
	char *r = xstrdup(b.len ? buf_str(&b) : "no mechanism listed");
	buf_free(&b);
	return r;
}

static char *ext_detail(const char *kw, const char *params, bool tls_up, bool known)
{
	if (!strcmp(kw, "SIZE"))
		return ext_size_detail(params);
	if (!strcmp(kw, "AUTH"))
		return ext_auth_detail(params, tls_up);
	if (!strcmp(kw, "STARTTLS"))
		return xstrdup(tls_up ? "already encrypted (a server should not offer it again)"
				      : "encryption is available: use :starttls or --starttls");
	if (!strcmp(kw, "PIPELINING"))
		return xstrdup("groups of commands may be sent at once: try :pipeline");
	if (!strcmp(kw, "CHUNKING"))
		return xstrdup("the message may be sent with BDAT: try :bdat");
	if (!known)
		return xstrdup("not in smtpscope's table of registered extensions (a vendor, experimental or command keyword)");
	return NULL;
}

void session_entry_exts(struct session_entry *e, const struct smtp_reply *r, bool tls_up)
{
	if (r->nlines < 2)
		return;
	e->exts = xcalloc(r->nlines - 1, sizeof *e->exts);
	for (size_t i = 1; i < r->nlines; i++) {
		char kw[64];
		const uint8_t *pp;
		size_t pl;
		if (!smtp_ehlo_keyword((const uint8_t *)r->lines[i].text, r->lines[i].text_len, kw, sizeof kw,
				       &pp, &pl))
			continue;
		struct session_ext *x = &e->exts[e->nexts++];
		x->keyword = xstrdup(kw);
		x->params = xmemdup0(pp, pl);
		const struct ehlo_ext *info = ehlo_lookup(kw, strlen(kw));
		x->title = info ? info->title : NULL;
		x->meaning = info ? info->meaning : NULL;
		x->detail = ext_detail(kw, x->params, tls_up, info != NULL);
	}
}
