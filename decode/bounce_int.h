/* bounce_int.h - internal to the bounce reader (bounce*.c): the parse context,
 * recipient drafts and the helpers the format readers share. */
#ifndef SMTPSCOPE_BOUNCE_INT_H
#define SMTPSCOPE_BOUNCE_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bounce.h"
#include "buf.h"
#include "rfc5322.h"

/* Bytes kept of one recipient's diagnostic text. */
#define BOUNCE_DIAG_MAX 4096
/* Bytes kept of the human-readable part of a bounce (the notification). */
#define BOUNCE_TEXT_MAX (256u * 1024u)
/* Bytes kept of the machine-readable report parts. */
#define BOUNCE_REPORT_MAX (256u * 1024u)

/* One recipient while the bounce is being read. */
struct bdraft {
	char address[320];
	char status[16];
	int code;
	char action[24];
	char remote_mta[256];
	char diag_type[24];
	struct buf diag;
	struct buf context; /* text readers: the lines just before the address */
	enum smtp_stage stage;
	enum reason preset; /* decided by the format itself, else REASON_LAST */
	size_t pre_len;     /* bytes of diag that a later Diagnostic-Code replaces */
};

struct bctx {
	struct rfc5322_header top; /* the bounce's own header fields */
	struct buf subject;        /* decoded Subject */
	struct buf from;           /* decoded From */
	struct buf text;           /* notification text (text parts before the original) */
	struct buf dsn;            /* message/delivery-status bodies */
	struct buf arf;            /* message/feedback-report body */
	struct buf orig;           /* the returned message (or its headers) */
	bool seen_orig;
	bool seen_dsn;
	bool seen_arf;
	struct bdraft *d;
	size_t nd, ad;
	bool too_many;
	const char *format;
	char reporting_mta[256];
	char feedback_type[64];
	bool warning; /* a delay warning rather than a failure */
};

/* New recipient draft (NULL when BOUNCE_RCPT_MAX is reached). */
struct bdraft *bounce_draft_add(struct bctx *c, const char *addr, size_t alen);
void bounce_draft_free(struct bdraft *d);
/* The draft for addr (case-insensitive), or NULL. */
struct bdraft *bounce_draft_find(struct bctx *c, const char *addr, size_t alen);

/* Copy p[0..n) into out (size > 0) trimmed of blanks, truncating; returns length. */
size_t bounce_copy(char *out, size_t size, const uint8_t *p, size_t n);
/* Find the next e-mail address in p[*off..len): sets *start and *alen and
 * advances *off past it; false when none. */
bool bounce_find_addr(const uint8_t *p, size_t len, size_t *off, size_t *start, size_t *alen);
/* A reply code standing alone in the text, of class cls ('2', '4', '5'), or of
 * any class (5, then 4, then 2) when cls is 0; the commonest code wins when
 * several appear. 0 when none. */
int bounce_find_code_class(const uint8_t *p, size_t len, char cls);
int bounce_find_code(const uint8_t *p, size_t len);
/* The most specific enhanced status quoted in the text (X.0.0 and 4.4.7 only
 * when nothing better appears) into out[16]; false when none. */
bool bounce_find_status(const uint8_t *p, size_t len, char out[16]);
/* Choose between a Status field and the status quoted in the text; code is
 * the reply code when known (0 otherwise). */
void bounce_pick_status(const char *field, const char *text, int code, char out[16]);
/* Remove the "550-5.7.1 " prefixes that a multi-line reply repeats on every
 * line, keeping the first, so that phrases spanning lines match. */
void bounce_squash_continuations(struct buf *b);
/* The SMTP step a text says failed, or STAGE_UNKNOWN. */
enum smtp_stage bounce_find_stage(const uint8_t *p, size_t len);
/* Case-insensitive search for needle in p[0..len); offset or -1. */
long bounce_find_ci(const uint8_t *p, size_t len, const char *needle);

/* RFC 3464 / RFC 5965 readers (bounce_dsn.c). Each returns the number of
 * recipients added. */
size_t bounce_read_dsn(struct bctx *c, const uint8_t *p, size_t len);
size_t bounce_read_dsn_in_text(struct bctx *c);
size_t bounce_read_arf(struct bctx *c);
/* Fill in diagnostics from the notification text for DSN recipients. */
void bounce_enrich_from_text(struct bctx *c);

/* Home-grown text formats (bounce_text.c). */
size_t bounce_read_text(struct bctx *c);
/* Amazon SES JSON notifications (bounce_json.c). */
size_t bounce_read_json(struct bctx *c);

#endif
