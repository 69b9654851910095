/* limits.h - every size cap applied to untrusted input, in one place, each with its reason. */
#ifndef SMTPSCOPE_LIMITS_H
#define SMTPSCOPE_LIMITS_H

/* RFC 5321 4.5.3.1.4/4.5.3.1.5: command and reply lines are at most 512 octets
 * including CRLF. Longer lines are flagged, but kept up to LINE_HARD_MAX so that
 * real-world overlong replies still read well. */
#define SMTP_LINE_RFC_MAX 512
/* Hard cap on one stored line; bytes past it are counted and dropped. */
#define SMTP_LINE_HARD_MAX 4096
/* RFC 5321 4.5.3.1.6: text lines in DATA are at most 1000 octets incl. CRLF. */
#define SMTP_TEXT_LINE_RFC_MAX 1000
/* Lines kept of one multi-line reply (an EHLO reply rarely exceeds 30). Further
 * lines are counted and flagged, not stored (cf. Postfix smtp_chat). */
#define SMTP_REPLY_MAX_LINES 100
/* Bytes kept of one multi-line reply's text. */
#define SMTP_REPLY_MAX_BYTES 16384
/* Commands awaiting a reply under PIPELINING before we stop tracking more. */
#define SMTP_PIPELINE_MAX 512
/* Recipients tracked per transaction; RFC 5321 4.5.3.1.8 requires servers to
 * accept at least 100, real servers cap at a few thousand. */
#define SMTP_RCPT_MAX 5000
/* Length of an address or parameter we keep; RFC 5321 4.5.3.1.3 path max is 256. */
#define SMTP_PATH_MAX 1024
/* ESMTP parameters kept per MAIL/RCPT command. */
#define SMTP_PARAMS_MAX 16
/* Message header block kept for header decoding (the body is only counted). */
#define SMTP_HEADER_BLOCK_MAX 65536

/* A bounce message read by `explain`: real DSNs are well under a megabyte;
 * larger inputs are read up to this cap and reported as truncated. */
#define BOUNCE_INPUT_MAX (16u * 1024u * 1024u)
/* Recipients reported from one bounce. */
#define BOUNCE_RCPT_MAX 1000

#endif
