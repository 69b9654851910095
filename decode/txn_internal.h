/* txn_internal.h - private helpers shared by decode/txn.c and decode/txn_store.c (the SMTP transaction model, RFC 5321 3.3); not for other modules. */
#ifndef SMTPSCOPE_TXN_INTERNAL_H
#define SMTPSCOPE_TXN_INTERNAL_H
#include <stddef.h>
#include <stdint.h>
#include "smtp.h"
#include "txn.h"

/* A copy of s ("" for NULL). */
char *txn_dup_str(const char *s);
/* *dst becomes a copy of src (NULL stays NULL); the old string is freed. */
void txn_replace_str(char **dst, const char *src);
void txn_reply_clear(struct txn_reply *r);
/* The reply's lines joined (cut at SMTP_TXN_REPLY_TEXT_MAX), its first
 * enhanced code, its code and time. */
void txn_reply_copy(struct txn_reply *dst, const struct smtp_reply *r, int64_t ts);
/* The same, the text taken from s's pool when s keeps everything (KEEP_ALL):
 * a reply stored for every command of every session of a capture costs a
 * pointer bump instead of a malloc and a free. */
void txn_reply_copy_kept(struct txn_session *s, struct txn_reply *dst, const struct smtp_reply *r, int64_t ts);
/* n bytes (aligned for any object) from s's pool, NULL when s does not keep
 * everything or n is large: the caller then mallocs. */
void *txn_pool_alloc(struct txn_session *s, size_t n);
/* Free s's pool (after everything that points into it). */
void txn_pool_free(struct txn_session *s);
struct txn_param *txn_params_copy(const struct smtp_command *c, size_t *n);
void txn_params_free(struct txn_param *p, size_t n);
/* The session's extensions: cleared, or taken from an accepted EHLO reply. */
void txn_exts_clear(struct txn_session *s);
void txn_exts_set(struct txn_session *s, const struct smtp_reply *r);
/* Message content bytes: the header block (up to its empty line) is kept. */
void txn_header_feed(struct txn *t, const uint8_t *p, size_t len);

#endif
