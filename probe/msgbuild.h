/* msgbuild.h - build the message a session sends: default header fields
 * (RFC 5322 3.6: Date, From, To, Subject, Message-ID; RFC 2045 MIME-Version),
 * extra or replacing header fields, a text body, attachments as
 * multipart/mixed with base64 (RFC 2045 6.8, RFC 2046 5.1.3, RFC 2183,
 * RFC 2231 for non-ASCII file names), or a whole message file sent as is.
 * The result is read as a stream with CRLF line ends (RFC 5321 2.3.8):
 * files are read in chunks, never whole, so memory stays flat for any size.
 * Also the DATA dot-stuffing (RFC 5321 4.5.2) as a stream transform. */
#ifndef SMTPSCOPE_MSGBUILD_H
#define SMTPSCOPE_MSGBUILD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "decode/buf.h"

struct msgbuild;

struct msgbuild_opts {
	const char *from;            /* From: (the envelope sender); NULL/"": none */
	const char *const *to;       /* To: addresses, joined with ", " */
	size_t nto;
	const char *subject;         /* NULL: "smtpscope test message" */
	const char *const *headers;  /* "Name: value"; replaces a default field of the same name */
	size_t nheaders;
	const char *body;            /* text, or "@PATH" to stream a file; NULL: a short default */
	const char *const *attach;   /* files attached (base64) */
	size_t nattach;
	const char *data_file;       /* the whole message from this file, as is (no fields added) */
	const char *hostname;        /* for Message-ID; NULL: "smtpscope.invalid" */
	/* fixed values for reproducible output (tests); 0/NULL: now, generated */
	time_t now;
	int tz_offset_min;           /* with now: the zone offset used in Date */
	const char *message_id;      /* without <> */
	const char *boundary;
};

/* The text body and every attachment must exist and be readable. Returns
 * NULL with a reason in err when something is wrong (a file that cannot be
 * read, a header line that is not "Name: value", a CR/LF inside a value). */
struct msgbuild *msgbuild_new(const struct msgbuild_opts *o, struct buf *err);
void msgbuild_free(struct msgbuild *m);
/* Up to cap bytes of the message into out; returns bytes written, 0 at the
 * end, -1 on a read error (msgbuild_error says which). Line ends are CRLF
 * (bare LF and bare CR in files are converted). */
ssize_t msgbuild_read(struct msgbuild *m, uint8_t *out, size_t cap);
const char *msgbuild_error(const struct msgbuild *m);
/* True when the message text holds 8-bit bytes (RFC 6152: send BODY=8BITMIME). */
bool msgbuild_8bit(const struct msgbuild *m);
/* Bytes read so far. */
uint64_t msgbuild_offset(const struct msgbuild *m);

/* Validate one "Name: value" header argument (RFC 5322 2.2, 3.6.8 field
 * name; no CR, LF or NUL); false with a reason. */
bool msgbuild_header_ok(const char *h, char *err, size_t errsize);
/* RFC 5322 3.3 date-time, e.g. "Mon, 02 Jan 2006 15:04:05 +0000", from UTC t
 * and an offset in minutes. */
void msgbuild_date(time_t t, int tz_offset_min, char *out, size_t size);

/* ---- line-end normalising and DATA dot-stuffing (msgbuild_stream.c) ---- */

/* Converts bare LF and bare CR to CRLF across chunk boundaries. */
struct msgbuild_crlf {
	bool cr; /* the previous chunk ended with a CR */
};
/* Append the converted bytes of in to out (out needs room for 2 * len + 2);
 * returns bytes appended. */
size_t msgbuild_crlf_feed(struct msgbuild_crlf *c, const uint8_t *in, size_t len, uint8_t *out);
/* A CR left at the end becomes CRLF; returns bytes appended (0 or 2). */
size_t msgbuild_crlf_end(struct msgbuild_crlf *c, uint8_t *out);

/* Dot-stuffing of CRLF text: a '.' at a line start is doubled; the end adds
 * a CRLF when the text did not end with one, then ".\r\n". */
struct msgbuild_stuff {
	bool bol;   /* at a line start */
	bool cr;    /* the last byte was CR */
	uint64_t lines;
	uint64_t stuffed; /* dots added */
};
void msgbuild_stuff_init(struct msgbuild_stuff *d);
/* Append the stuffed form of in to out (needs room for 2 * len); returns
 * bytes appended. */
size_t msgbuild_stuff_feed(struct msgbuild_stuff *d, const uint8_t *in, size_t len, uint8_t *out);
/* The end marker (with the CRLF before it when needed) into out (room for
 * 5); returns bytes appended. */
size_t msgbuild_stuff_end(struct msgbuild_stuff *d, uint8_t *out);

#endif
