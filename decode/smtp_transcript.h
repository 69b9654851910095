/* smtp_transcript.h - a readable SMTP conversation format ("C: " / "S: " lines with C escapes, timestamps, gaps) and feeding it to the parser (RFC 5321 dialogue as text). */
/*
 * Format, one item per line:
 *   # comment            (blank lines are ignored too)
 *   C: text              client sends text followed by CRLF
 *   C= text              client sends text exactly (no CRLF added)
 *   S: text / S= text    the same for the server
 *   G: C 100             100 bytes of the client stream are missing (G: S n)
 *   @ 1500000            the next item happens at this time (microseconds)
 *   @+ 250               ... this long after the previous item
 *   !no-greeting         the capture starts mid-session
 *   !truncated           the capture was cut short (no disconnect)
 * Without '@', each item comes 1000 microseconds after the previous one
 * (the first at 1000). Text escapes: \r \n \t \0 \\ \xHH; the text starts
 * after the single space following "C:" / "C=".
 */
#ifndef SMTPSCOPE_SMTP_TRANSCRIPT_H
#define SMTPSCOPE_SMTP_TRANSCRIPT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "smtp.h"

/* Largest transcript read (bytes of decoded conversation). */
#define SMTP_TRANSCRIPT_MAX (16u * 1024u * 1024u)

struct smtp_transcript_item {
	bool gap;           /* a gap of gap_len bytes rather than data */
	enum smtp_dir dir;
	int64_t ts;
	size_t off, len;    /* the item's bytes in struct smtp_transcript.bytes */
	uint64_t gap_len;
};

struct smtp_transcript {
	struct smtp_transcript_item *items; /* owned */
	size_t nitems, alloc;
	struct buf bytes;   /* owned */
	bool no_greeting;
	bool truncated;
};

/* Parse text into t (initialised here). On a syntax error returns false with
 * a message naming the line in err; t is then empty but must still be freed. */
bool smtp_transcript_parse(const uint8_t *p, size_t len, struct smtp_transcript *t, char *err, size_t errsize);
void smtp_transcript_free(struct smtp_transcript *t);
/* Feed every item to the parser (gaps via smtp_gap), then smtp_finish at the
 * last timestamp. chunk, when not NULL, gives the size of each successive
 * piece data items are cut into (a return of 0 counts as 1). */
void smtp_transcript_feed(const struct smtp_transcript *t, struct smtp_parser *p, size_t (*chunk)(void *u),
			  void *u);

#endif
