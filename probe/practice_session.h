/* practice_session.h - the practice server's protocol core for one client, with
 * no sockets: bytes in, reply text out (RFC 5321 with 1870, 2920, 3030, 3207,
 * 3461, 3463, 4954, 6152, 6531). probe/practice.c wraps it in sockets and
 * TLS; tests drive it directly.
 *
 * The session appends every reply to the caller's output buffer and reports
 * commands, replies, notes and accepted messages through the callback, called
 * with a NULL server pointer, client 0 and peer "" (the socket shell fills
 * those in before passing the event on). */
#ifndef SMTPSCOPE_PRACTICE_SESSION_H
#define SMTPSCOPE_PRACTICE_SESSION_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/buf.h"
#include "decode/limits.h"
#include "probe/practice.h"

/* State shared by every session of one server (owned by the server, or by
 * the test): greylisting memory and the queue-id sequence. Zero it to start. */
struct practice_shared {
	uint64_t grey[PRACTICE_GREYLIST_MAX];
	size_t ngrey, grey_next;
	uint64_t queue_seq;
	uint32_t queue_salt;
	uint64_t messages;
};

struct practice_session_cfg {
	const char *hostname;
	uint64_t size_max;
	const char *user, *password;
	bool require_tls_for_auth;
	unsigned max_errors;
	size_t keep_max;
	struct practice_shared *shared; /* must outlive the session; NULL: a private one */
};

enum practice_status {
	PRACTICE_GO,	   /* keep feeding */
	PRACTICE_STARTTLS, /* the 220 to STARTTLS was queued: write it, then do the
			    * handshake; input after *used is injected plaintext */
	PRACTICE_CLOSE,	   /* write what is queued, then close (QUIT, 421, 521) */
};

struct practice_session;

/* cfg strings are copied. tls: the connection is already on TLS (implicit).
 * The events carry client 0 and peer "". */
struct practice_session *practice_session_new(const struct practice_session_cfg *cfg, bool tls,
					      practice_cb *cb, void *ud);
void practice_session_free(struct practice_session *s);

/* Queue the 220 greeting. */
void practice_session_greeting(struct practice_session *s, struct buf *out);
/* Process client bytes in any chunking. *used gets how many were consumed:
 * all of them, unless the session stopped (STARTTLS, CLOSE) or out reached
 * PRACTICE_OUT_HIGH (then feed the rest once out has drained). Partial lines
 * are kept inside the session. */
enum practice_status practice_session_feed(struct practice_session *s, const uint8_t *p,
					   size_t len, size_t *used, struct buf *out);
/* One complete command line without its CRLF, as a test convenience: the
 * same as feeding line + CRLF. */
enum practice_status practice_session_input(struct practice_session *s, const char *line,
					    struct buf *out);
/* The TLS handshake after STARTTLS finished: RFC 3207 4.2 reset (the client
 * must EHLO again; AUTH and the transaction are forgotten). */
void practice_session_tls_started(struct practice_session *s);
/* The idle timeout fired / the server is stopping: queue the 421 and close. */
void practice_session_timeout(struct practice_session *s, unsigned ms, struct buf *out);
void practice_session_shutdown(struct practice_session *s, struct buf *out);

enum practice_status practice_session_status(const struct practice_session *s);
bool practice_session_in_tls(const struct practice_session *s);
/* True while message content (DATA or a BDAT chunk) is being received. */
bool practice_session_in_content(const struct practice_session *s);
/* Why the session ended ("client sent QUIT", "too many errors"...), or NULL. */
const char *practice_session_close_reason(const struct practice_session *s);
unsigned practice_session_errors(const struct practice_session *s);

#endif
