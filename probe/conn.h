/* conn.h - one outgoing connection in the event loop: resolve, try each
 * address in turn (IPv4 and IPv6, per-attempt timeout) or a unix socket,
 * optional implicit TLS (RFC 8314) or an in-place STARTTLS upgrade (RFC 3207),
 * bounded output buffer, idle timeout, clean close. Every happening reaches
 * the owner as a struct conn_event through one callback; probe/ never prints.
 *
 * Lifetime: the owner creates with conn_new and frees with conn_free, which
 * is safe inside the conn's own callback (the memory is reaped by the loop).
 * After CONN_EV_EOF or CONN_EV_ERROR the socket is closed and no further event
 * comes; the object (addresses, TLS report) stays readable until conn_free.
 * No event is ever delivered from inside conn_new, conn_write, conn_start_tls,
 * conn_close or conn_free. The program should ignore SIGPIPE (conn_new does
 * so when the disposition is still the default: OpenSSL writes with write()). */
#ifndef SMTPSCOPE_CONN_H
#define SMTPSCOPE_CONN_H
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "probe/tls.h"

struct loop;
struct dns;
struct conn;

/* Defaults when the matching option is 0. RFC 5321 4.5.3.2 gives a server
 * 5 minutes for its greeting; connecting and a handshake need far less. */
#define CONN_CONNECT_TIMEOUT_DEFAULT_MS 15000
#define CONN_TLS_TIMEOUT_DEFAULT_MS 30000

enum conn_state {
	CONN_S_STARTING,   /* created; work begins on the next loop turn */
	CONN_S_RESOLVING,
	CONN_S_CONNECTING,
	CONN_S_TLS_HANDSHAKE,
	CONN_S_OPEN,
	CONN_S_CLOSED,
	CONN_S_LAST
};

enum conn_event_type {
	CONN_EV_RESOLVED,	/* the address list is known: addr_count */
	CONN_EV_ATTEMPT,	/* connecting to addr (addr_index of addr_count) */
	CONN_EV_ATTEMPT_FAILED, /* that address failed: err, sys_errno, detail */
	CONN_EV_CONNECTED,	/* TCP (or unix socket) connected to addr */
	CONN_EV_TLS_DONE,	/* handshake finished: tls (check tls->verified) */
	CONN_EV_DATA,		/* bytes from the peer, decrypted: data, len */
	CONN_EV_SENT,		/* the output buffer has drained */
	CONN_EV_IDLE,		/* nothing received for the idle timeout; not fatal */
	CONN_EV_EOF,		/* the peer closed cleanly (FIN, or TLS close_notify) */
	CONN_EV_ERROR,		/* fatal: err, sys_errno, detail; the socket is closed */
	CONN_EV_LAST
};

enum conn_err {
	CONN_ERR_NONE,
	CONN_ERR_RESOLVE,	  /* the host name did not resolve */
	CONN_ERR_CONNECT,	  /* an address refused or failed; for ERROR: all did */
	CONN_ERR_CONNECT_TIMEOUT, /* an address did not answer in time */
	CONN_ERR_TLS_SETUP,	  /* local TLS set-up (certificate file, cipher list) */
	CONN_ERR_TLS_HANDSHAKE,	  /* the handshake failed (includes drops during it) */
	CONN_ERR_TLS_VERIFY,	  /* the certificate did not verify (detail: X509 text) */
	CONN_ERR_TLS_ALERT,	  /* the peer sent a fatal TLS alert */
	CONN_ERR_TLS_TIMEOUT,	  /* the handshake did not finish in time */
	CONN_ERR_TLS_TRUNCATED,	  /* TCP closed without close_notify after the handshake */
	CONN_ERR_TLS,		  /* another TLS failure after the handshake */
	CONN_ERR_RESET,		  /* connection reset by peer / broken pipe */
	CONN_ERR_IO,		  /* any other socket error */
	CONN_ERR_LAST
};

struct conn_addr {
	struct sockaddr_storage sa;
	socklen_t salen;
	int family;	  /* AF_INET, AF_INET6, AF_UNIX */
	char text[128];	  /* "192.0.2.1:25", "[2001:db8::1]:25", or the socket path */
	bool tried;
	bool ok;	  /* this address answered */
	int sys_errno;	  /* why it failed (ETIMEDOUT for our timeout) */
	char why[96];	  /* the same in words */
	uint64_t elapsed_ms;
};

struct conn_event {
	enum conn_event_type type;
	enum conn_err err;
	int sys_errno;
	const char *detail;		/* one line, or NULL; valid during the callback */
	const uint8_t *data;		/* CONN_EV_DATA */
	size_t len;
	const struct conn_addr *addr;	/* ATTEMPT, ATTEMPT_FAILED, CONNECTED */
	size_t addr_index, addr_count;
	const struct tls_info *tls;	/* TLS_DONE, and ERROR when a handshake failed */
};

typedef void conn_cb(struct conn *c, const struct conn_event *ev, void *ud);

struct conn_opts {
	const char *host;	   /* name or IP literal: resolved, and the TLS name */
	uint16_t port;
	const char *unix_path;	   /* connect to this unix socket instead */
	const char *const *addrs;  /* IP literals to try instead of resolving host */
	size_t naddrs;
	int family;		   /* AF_UNSPEC (0), AF_INET or AF_INET6 */
	unsigned connect_timeout_ms; /* per address */
	unsigned tls_timeout_ms;
	unsigned idle_timeout_ms;  /* 0: none */
	size_t out_max;		   /* output buffer cap; 0: CONN_OUT_MAX */
	bool tls;		   /* implicit TLS right after connecting */
	struct tls_opts tls_opts;  /* for implicit TLS and conn_start_tls */
};

/* Everything in o is copied. dns may be NULL when no name needs resolving.
 * NULL when o names no destination. The first event comes from the loop. */
struct conn *conn_new(struct loop *l, struct dns *dns, const struct conn_opts *o, conn_cb *cb,
		      void *ud);
void conn_free(struct conn *c);

/* Queue bytes; they are written before the next poll, the rest when the
 * socket is writable. False (nothing queued) when the buffer cap would be
 * exceeded or the connection is closed. Allowed before CONNECTED. */
bool conn_write(struct conn *c, const void *p, size_t n);
/* Upgrade an open plain connection to TLS in place (after the server's 220
 * to STARTTLS). False when not open, already TLS, or output is still queued.
 * Plaintext not yet read stays unread and goes into the handshake. */
bool conn_start_tls(struct conn *c);
/* Restart the idle timer with ms (0 disables it). */
void conn_set_idle_timeout(struct conn *c, unsigned ms);
/* Send close_notify when TLS is up (best effort) and close. No events. */
void conn_close(struct conn *c);

enum conn_state conn_state(const struct conn *c);
bool conn_is_tls(const struct conn *c);
size_t conn_out_pending(const struct conn *c);
/* Every address with the outcome of its attempt. */
const struct conn_addr *conn_addrs(const struct conn *c, size_t *n);
/* The address that answered, or NULL. */
const struct conn_addr *conn_peer(const struct conn *c);
/* The TLS report after a handshake finished or failed, else NULL. */
const struct tls_info *conn_tls_info(const struct conn *c);

const char *conn_state_name(enum conn_state s);
const char *conn_event_name(enum conn_event_type t);
const char *conn_err_name(enum conn_err e);

#endif
