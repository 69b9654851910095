/* txn_store.c - storage of the SMTP transaction model (decode/txn.c): copies of replies and parameters, the header block of a message (RFC 5322 2.2), EHLO keywords (RFC 5321 4.1.1.1), freeing. */
#include "txn.h"
#include "txn_internal.h"
#include "limits.h"
#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

char *txn_dup_str(const char *s)
{
	return xstrdup(s ? s : "");
}

void txn_reply_clear(struct txn_reply *r)
{
	if (!r->pooled)
		free(r->text);
	memset(r, 0, sizeof *r);
}

/* Blocks owned by a session (txn_reply_copy_kept, txn_pool_alloc): the first
 * small, each next twice the last up to TXN_POOL_BLOCK. */
#define TXN_POOL_FIRST 1024
#define TXN_POOL_BLOCK 8192

struct txn_pool {
	struct txn_pool *next;
	size_t used, size;
	size_t reserved;   /* keeps data 16-byte aligned */
	char data[];
};

/* n bytes from s's pool; NULL when n is large (the caller mallocs). */
static char *txn_pool_take(struct txn_session *s, size_t n)
{
	struct txn_pool *b = s->pool;
	if (n > TXN_POOL_BLOCK / 8)
		return NULL;
	if (!b || b->size - b->used < n) {
		size_t size = b ? b->size * 2 : TXN_POOL_FIRST;
		if (size > TXN_POOL_BLOCK)
			size = TXN_POOL_BLOCK;
		b = xmalloc(sizeof *b + size);
		b->next = s->pool;
		b->used = 0;
		b->size = size;
		s->pool = b;
	}
	char *p = b->data + b->used;
	b->used += n;
	return p;
}

void txn_session_use_pool(struct txn_session *s)
{
	s->use_pool = true;
}

/* What s keeps is freed with it all at once: it can come from the pool. */
static bool txn_pooling(const struct txn_session *s)
{
	return s->keep == TXN_KEEP_ALL && s->use_pool;
}

void *txn_pool_alloc(struct txn_session *s, size_t n)
{
	if (!txn_pooling(s))
		return NULL;
	struct txn_pool *b = s->pool;
	if (b) { /* align the block's free space; none left makes take start a new block */
		size_t at = (b->used + 15) & ~(size_t)15;
		b->used = at < b->size ? at : b->size;
	}
	return txn_pool_take(s, n);
}

void txn_pool_free(struct txn_session *s)
{
	while (s->pool) {
		struct txn_pool *b = s->pool;
		s->pool = b->next;
		free(b);
	}
}

/* Bytes of the joined text of r (cut at SMTP_TXN_REPLY_TEXT_MAX). */
static size_t txn_reply_text_len(const struct smtp_reply *r)
{
	size_t total = 0;
	for (size_t i = 0; i < r->nlines; i++)
		total += r->lines[i].text_len + (i ? 1 : 0);
	return total > SMTP_TXN_REPLY_TEXT_MAX ? SMTP_TXN_REPLY_TEXT_MAX : total;
}

/* Fill dst from r, the text written to t (total + 1 bytes). */
static void txn_reply_fill(struct txn_reply *dst, const struct smtp_reply *r, int64_t ts, char *t, size_t total)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nlines && n < total; i++) {
		const struct smtp_reply_line *l = &r->lines[i];
		if (i)
			t[n++] = '\n';
		size_t take = l->text_len < total - n ? l->text_len : total - n;
		memcpy(t + n, l->text, take);
		n += take;
	}
	for (size_t i = 0; i < r->nlines && !dst->esc[0]; i++)
		if (r->lines[i].has_esc)
			esc_format(&r->lines[i].esc, dst->esc, sizeof dst->esc);
	t[n] = '\0';
	dst->code = r->code;
	dst->nlines = r->nlines;
	dst->text = t;
	dst->text_len = n;
	dst->ts = ts;
}

/* One allocation of the exact size: reply texts are copied for every command
 * of every session of a capture, so this sits on the hot path. */
void txn_reply_copy(struct txn_reply *dst, const struct smtp_reply *r, int64_t ts)
{
	txn_reply_clear(dst);
	size_t total = txn_reply_text_len(r);
	txn_reply_fill(dst, r, ts, xmalloc(total + 1), total);
}

void txn_reply_copy_kept(struct txn_session *s, struct txn_reply *dst, const struct smtp_reply *r, int64_t ts)
{
	if (!txn_pooling(s)) {
		txn_reply_copy(dst, r, ts);
		return;
	}
	txn_reply_clear(dst);
	size_t total = txn_reply_text_len(r);
	char *t = txn_pool_take(s, total + 1);
	dst->pooled = t != NULL;
	txn_reply_fill(dst, r, ts, t ? t : xmalloc(total + 1), total);
}

struct txn_param *txn_params_copy(const struct smtp_command *c, size_t *n)
{
	*n = c->nparams;
	if (!c->nparams)
		return NULL;
	struct txn_param *p = xcalloc(c->nparams, sizeof *p);
	for (size_t i = 0; i < c->nparams; i++) {
		p[i].key = xstrdup(c->params[i].key);
		p[i].value = c->params[i].value ? xstrdup(c->params[i].value) : NULL;
	}
	return p;
}

void txn_params_free(struct txn_param *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].key);
		free(p[i].value);
	}
	free(p);
}

void txn_free(struct txn *t)
{
	if (!t)
		return;
	free(t->mail_from);
	txn_params_free(t->mail_params, t->mail_nparams);
	txn_reply_clear(&t->mail.reply);
	for (size_t i = 0; i < t->nrcpts; i++) {
		free(t->rcpts[i].addr);
		free(t->rcpts[i].orcpt);
		txn_params_free(t->rcpts[i].params, t->rcpts[i].nparams);
		txn_reply_clear(&t->rcpts[i].step.reply);
	}
	free(t->rcpts);
	txn_reply_clear(&t->data.reply);
	txn_reply_clear(&t->final.reply);
	buf_free(&t->header);
	free(t);
}

void txn_command_free(struct txn_command *c)
{
	if (!c)
		return;
	txn_reply_clear(&c->reply); /* the line lives in c's own allocation (command_new) */
	if (!c->pooled)
		free(c);
}

/* The keywords and parameters live in the same allocation as the array
 * (txn_exts_set). */
void txn_exts_clear(struct txn_session *s)
{
	free(s->exts);
	s->exts = NULL;
	s->nexts = 0;
}

void txn_replace_str(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? xstrdup(src) : NULL;
}

/* One allocation for the array and every string: an EHLO reply is stored
 * for every session of a capture. */
void txn_exts_set(struct txn_session *s, const struct smtp_reply *r)
{
	txn_exts_clear(s);
	if (r->nlines < 2)
		return;
	size_t n = r->nlines - 1, strings = 0;
	for (size_t i = 1; i < r->nlines; i++)
		strings += r->lines[i].text_len + 2; /* keyword and params, each NUL-terminated */
	struct txn_ext *e = xmalloc(n * sizeof *e + strings);
	char *w = (char *)(e + n);
	for (size_t i = 1; i < r->nlines; i++) {
		char kw[64];
		const uint8_t *pp;
		size_t pl;
		if (!smtp_ehlo_keyword((const uint8_t *)r->lines[i].text, r->lines[i].text_len, kw, sizeof kw, &pp, &pl))
			continue;
		size_t kl = strlen(kw); /* at most the line's length */
		e[s->nexts].keyword = memcpy(w, kw, kl + 1);
		w += kl + 1;
		e[s->nexts].params = memcpy(w, pp, pl);
		w[pl] = '\0';
		w += pl + 1;
		s->nexts++;
	}
	s->exts = e;
}

void txn_header_feed(struct txn *t, const uint8_t *p, size_t len)
{
	size_t i = 0;
	while (i < len && !t->header_complete && !t->header_truncated) {
		if (t->header_bol) {
			if (p[i] == '\n') {
				t->header_complete = true;
				break;
			}
			if (t->header_cr) {
				t->header_cr = false;
				if (!buf_append_byte(&t->header, '\r')) {
					t->header_truncated = true;
					break;
				}
			} else if (p[i] == '\r') {
				t->header_cr = true;
				i++;
				continue;
			}
			t->header_bol = false;
		}
		const uint8_t *lf = memchr(p + i, '\n', len - i);
		size_t end = lf ? (size_t)(lf - p) + 1 : len;
		size_t room = t->header.max - t->header.len;
		if (end - i > room) {
			buf_append(&t->header, p + i, room);
			t->header_truncated = true;
			break;
		}
		buf_append(&t->header, p + i, end - i);
		t->header_bol = lf != NULL;
		i = end;
	}
}
