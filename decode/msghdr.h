/* msghdr.h - the main headers of a message as shown in timelines (RFC 5322 3.6):
 * Date, From, To, Cc, Subject, Message-ID and the Received chain, unfolded and
 * with RFC 2047 encoded words decoded to UTF-8. */
#ifndef SMTPSCOPE_MSGHDR_H
#define SMTPSCOPE_MSGHDR_H
#include <stddef.h>
#include <stdint.h>

struct msg_headers {
	char *date;       /* each NULL when absent; owned, freed by msghdr_free */
	char *from;
	char *to;
	char *cc;
	char *subject;
	char *message_id;
	char **received;  /* in message order (topmost = last hop first) */
	size_t nreceived;
	size_t nfields;   /* header fields seen in all */
};

/* Read the header block at the start of p (it may be cut anywhere). */
void msghdr_extract(const uint8_t *p, size_t len, struct msg_headers *out);
void msghdr_free(struct msg_headers *h);

#endif
