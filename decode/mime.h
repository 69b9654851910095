/* mime.h - the MIME pieces a message reader needs: Content-Type and its
 * parameters (RFC 2045 5, RFC 2046), Content-Transfer-Encoding base64 and
 * quoted-printable (RFC 2045 6), encoded words in headers (RFC 2047), charset
 * conversion to UTF-8, and a bounded walk over nested multipart bodies.
 * Inputs are (pointer, length) and never read past length; outputs go to
 * caller-owned struct buf, whose cap bounds the work. */
#ifndef SMTPSCOPE_MIME_H
#define SMTPSCOPE_MIME_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "rfc5322.h"

struct mime_type {
	char type[32];        /* lower-case; "text" when the field is absent (RFC 2045 5.2) */
	char subtype[64];     /* lower-case; "plain" when absent */
	char charset[48];     /* as given (quotes removed), "" when absent */
	char boundary[80];    /* RFC 2046 5.1.1 allows 1..70 characters; "" when absent */
	char report_type[48]; /* RFC 6522 report-type, lower-case, "" when absent */
};

/* Parse a Content-Type value; false (and text/plain filled in) when malformed. */
bool mime_parse_type(const uint8_t *p, size_t len, struct mime_type *out);
/* True when the type is type/subtype (case-insensitive); subtype NULL matches any. */
bool mime_type_is(const struct mime_type *t, const char *type, const char *subtype);
/* Copy parameter name's value (unquoted, truncated to size-1) from a structured
 * header value such as "text/plain; charset=utf-8"; false when absent. */
bool mime_param(const uint8_t *p, size_t len, const char *name, char *out, size_t size);

enum mime_cte { CTE_7BIT, CTE_8BIT, CTE_BINARY, CTE_QP, CTE_BASE64, CTE_OTHER, CTE_LAST };
/* Parse a Content-Transfer-Encoding value (absent means 7bit). */
enum mime_cte mime_parse_cte(const uint8_t *p, size_t len);

/* Decode base64 (OpenSSL EVP decoder; line breaks and blanks ignored) and
 * append to out. Returns 0, or -1 on invalid input or when out is full (what
 * decoded before the problem is kept). */
int mime_decode_base64(const uint8_t *p, size_t len, struct buf *out);
/* Decode quoted-printable and append to out. Soft line breaks are removed,
 * a malformed "=" escape is kept literally. Returns 0, 1 when malformed
 * escapes were met, -1 when out is full. */
int mime_decode_qp(const uint8_t *p, size_t len, struct buf *out);
/* Decode according to cte (identity for 7bit/8bit/binary/other). What fits
 * in out is kept; -1 when out filled up or the input was invalid. */
int mime_decode(enum mime_cte cte, const uint8_t *p, size_t len, struct buf *out);

/* Convert text in charset to UTF-8 with iconv(3), appending to out.
 * Unconvertible bytes become U+FFFD. An empty or unknown charset copies the
 * bytes unchanged. False when the charset is unknown or out filled up. */
bool mime_to_utf8(const char *charset, const uint8_t *p, size_t len, struct buf *out);
/* Decode RFC 2047 encoded words (B and Q) in a header value to UTF-8,
 * appending to out; blanks between adjacent encoded words are dropped,
 * other text is copied. False when out filled up. */
bool mime_decode_words(const uint8_t *p, size_t len, struct buf *out);

/* One leaf part met by mime_walk (multipart containers are entered, not
 * reported; message/rfc822 parts are reported, not entered). */
struct mime_part {
	const struct rfc5322_header *header; /* the part's own fields (may be empty) */
	struct mime_type type;
	enum mime_cte cte;
	const uint8_t *body; /* still transfer-encoded */
	size_t body_len;
	int depth;    /* 0 for the message itself, 1 for its parts... */
	size_t index; /* order of visit, from 0 */
};
/* Return false to stop the walk. */
typedef bool (*mime_visit_fn)(const struct mime_part *part, void *user);

struct mime_walk_stats {
	size_t parts;        /* leaf parts reported */
	bool depth_exceeded; /* multiparts nested deeper than MIME_DEPTH_MAX were skipped */
	bool parts_exceeded; /* more than MIME_PARTS_MAX parts; the rest were skipped */
	bool unterminated;   /* a multipart had no closing delimiter */
	bool stopped;        /* the visitor asked to stop */
};

/* Walk the message p (header block then body). A multipart whose boundary
 * never occurs is reported as one text/plain leaf. stats may be NULL. */
void mime_walk(const uint8_t *p, size_t len, mime_visit_fn fn, void *user,
	       struct mime_walk_stats *stats);

/* Decode a part's body (transfer encoding, then charset to UTF-8 for text
 * types) and append it to out. False when out filled up or decoding failed
 * (what could be decoded is kept). */
bool mime_part_text(const struct mime_part *part, struct buf *out);

#endif
