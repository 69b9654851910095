/* rfc5322.h - header blocks of Internet messages (RFC 5322 2.2, 3.6): splitting
 * a header block into fields, unfolding, lookup by name, and finding the body.
 * Fields point into the caller's input, which must outlive the header. */
#ifndef SMTPSCOPE_RFC5322_H
#define SMTPSCOPE_RFC5322_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"

struct rfc5322_field {
	const uint8_t *name;  /* field name, without the colon */
	size_t name_len;
	const uint8_t *value; /* raw value: leading blanks skipped, still folded */
	size_t value_len;     /* without the final line end */
};

struct rfc5322_header {
	struct rfc5322_field *fields; /* owned; free with rfc5322_header_free */
	size_t nfields;
	size_t alloc;
	size_t body_offset; /* offset of the body in the input (len when none) */
	bool has_body;      /* an empty line ended the header block */
	bool malformed;     /* lines that are neither fields nor continuations */
	bool truncated;     /* more than the field cap; later fields dropped */
};

/* Split the header block at the start of p (a leading mbox "From " line is
 * skipped). At most max_fields fields are kept. Returns the number of fields
 * (0 when p does not start with a header field). Never fails otherwise; the
 * caller frees out with rfc5322_header_free even when 0 is returned. */
size_t rfc5322_parse_header(const uint8_t *p, size_t len, size_t max_fields,
			    struct rfc5322_header *out);
void rfc5322_header_free(struct rfc5322_header *h);

/* First (or n-th, from 0) field named name (case-insensitive), or NULL. */
const struct rfc5322_field *rfc5322_find(const struct rfc5322_header *h, const char *name);
const struct rfc5322_field *rfc5322_find_nth(const struct rfc5322_header *h, const char *name,
					     size_t n);

/* Append the unfolded value to out (RFC 5322 2.2.3: CRLF before blanks is
 * removed, every run of blanks becomes one space, ends are trimmed). Returns
 * false when out reached its cap (what fitted is kept). */
bool rfc5322_unfold(const uint8_t *v, size_t len, struct buf *out);
/* Find name and append its unfolded value to out; false when absent. */
bool rfc5322_get(const struct rfc5322_header *h, const char *name, struct buf *out);

/* True when p[0..len) starts with something shaped like a header field
 * ("Name: value", name of printable ASCII without blanks). */
bool rfc5322_looks_like_field(const uint8_t *p, size_t len);

/* Offset just past the end of the line starting at off (after LF, or len). */
size_t rfc5322_next_line(const uint8_t *p, size_t len, size_t off);
/* Length of the line at off without its CR LF. */
size_t rfc5322_line_len(const uint8_t *p, size_t len, size_t off);

#endif
