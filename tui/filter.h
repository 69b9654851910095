/* filter.h - the Capture screen's filter language: free words and field terms
 * (code:5xx rcpt:alice@ outcome:rejected ...), every one of which must match
 * (AND); parsed once, then evaluated against each row. Reply codes follow RFC
 * 5321 4.2, enhanced status codes RFC 3463. Pure: no curses, no capture types.
 *
 * Syntax: terms separated by blanks. A term is a word or a "quoted phrase"
 * (free text, searched case-insensitively in addresses, subject, header
 * From/To, reply texts, endpoints, HELO name, queue id and AUTH user), or
 * FIELD:VALUE (VALUE may be quoted). A leading '-' or '!' negates a term.
 *   code:550 code:5xx code:55x code:4   a reply code of the row (x: any digit)
 *   status:5.7.* status:5.1.1 status:4  an enhanced status code of the row
 *   rcpt:alice@ (to:)                   a recipient address contains VALUE
 *   from:bob@ (sender:)                 the envelope sender or header From
 *   subject:word (subj:)                the decoded Subject contains VALUE
 *   outcome:rejected                    delivered, rejected, deferred, aborted,
 *                                       incomplete, encrypted, no_mail, and the
 *                                       detailed names (rejected_rcpt, ...);
 *                                       a prefix is enough
 *   tls:yes / tls:no                    the session used TLS
 *   auth:USER  auth:PLAIN auth:failed   the AUTH user (contains), mechanism or
 *   auth:yes / auth:no                  result; whether AUTH was used
 *   client: server: helo: queue:        contains VALUE
 *   size:>10k size:<=2M size:470        message size in bytes (k = 1024) */
#ifndef SMTPSCOPE_FILTER_H
#define SMTPSCOPE_FILTER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of filter text parsed; a longer filter is refused (it is typed). */
#define FILTER_TEXT_MAX 2048
/* Terms in one filter. */
#define FILTER_TERMS_MAX 64

enum filter_field {
	FILTER_TEXT,
	FILTER_CODE,
	FILTER_STATUS,
	FILTER_RCPT,
	FILTER_FROM,
	FILTER_SUBJECT,
	FILTER_OUTCOME,
	FILTER_TLS,
	FILTER_AUTH,
	FILTER_CLIENT,
	FILTER_SERVER,
	FILTER_HELO,
	FILTER_QUEUE,
	FILTER_SIZE,
	FILTER_FIELD_LAST
};

/* "text", "code", "status", ... */
const char *filter_field_name(enum filter_field f);

/* One reply seen in a row. esc and text may be NULL; text may hold any byte. */
struct filter_reply {
	int code;
	const char *esc;
	const char *text;
	size_t len;
};

/* What a filter looks at in one row. Strings are raw (as captured) and may be
 * NULL when absent; nothing is owned. */
struct filter_item {
	const char *from;                 /* envelope sender, "" for <> */
	const char *const *rcpts;
	size_t nrcpts;
	const char *subject, *hdr_from, *hdr_to;
	const struct filter_reply *replies;
	size_t nreplies;
	const char *outcome;              /* "delivered", "rejected_rcpt", "no_mail", ... */
	const char *outcome_class;        /* "delivered", "rejected", "deferred", "aborted", ... */
	bool tls;
	const char *auth_mech, *auth_user, *auth_result; /* NULL when no AUTH */
	const char *client, *server, *helo, *queue_id;
	int64_t size;                     /* message bytes, -1 when no message */
};

enum filter_cmp { FILTER_EQ, FILTER_LT, FILTER_LE, FILTER_GT, FILTER_GE };

struct filter_term {
	enum filter_field field;
	bool negate;
	char *value;            /* lower-cased, NUL-terminated; owned */
	size_t len;
	int pat[3];             /* code: digits, status: numbers; -1 any */
	size_t npat;            /* positions given (the rest match anything) */
	enum filter_cmp cmp;    /* size */
	uint64_t num;           /* size */
	int flag;               /* tls, auth: 1 yes, 0 no, -1 (auth) a value */
};

struct filter {
	struct filter_term *terms;
	size_t nterms;
};

struct filter_error {
	size_t pos, len;        /* the offending bytes of the input */
	char msg[192];
};

/* Parse text[0..len). True with *f filled (free with filter_free); false with
 * *err filled and *f empty. Blank text gives a filter matching every row. */
bool filter_parse(const char *text, size_t len, struct filter *f, struct filter_error *err);
void filter_free(struct filter *f);
bool filter_is_empty(const struct filter *f);
bool filter_match(const struct filter *f, const struct filter_item *it);

/* ASCII case-insensitive: does hay[0..hlen) contain needle (lower case)? */
bool filter_contains(const char *hay, size_t hlen, const char *needle, size_t nlen);

#endif
