/* conn_internal.h - the connection object shared by conn.c (set-up,
 * resolving, connecting) and conn_io.c (reading, writing, TLS). No RFC. */
#ifndef SMTPSCOPE_CONN_INTERNAL_H
#define SMTPSCOPE_CONN_INTERNAL_H
#include "decode/buf.h"
#include "probe/conn.h"

struct conn {
	struct loop *l;
	struct dns *dns;
	conn_cb *cb;
	void *ud;
	enum conn_state st;
	bool dead; /* conn_free was called: stop at once, emit nothing */

	/* Copied options. */
	char *host;
	uint16_t port;
	char *unix_path;
	char **lits;
	size_t nlits;
	int family;
	unsigned connect_ms, tls_ms, idle_ms;
	bool implicit_tls;
	struct tls_opts tls_opts; /* strings and records owned */

	struct conn_addr *addrs;
	size_t naddrs, cur;
	int fd;
	struct dns_query *dq;

	struct tls *tls;
	struct tls_info tls_info;
	bool have_tls_info;
	bool write_wants_read; /* TLS: the last write needs the socket readable */
	bool read_wants_write; /* TLS: the last read needs the socket writable */
	bool write_blocked;    /* the last write would block: wait for POLLOUT */

	struct buf out;
	uint64_t hook;
	uint64_t t_kick, t_connect, t_tls, t_idle, t_more, t_err;
	uint64_t attempt_start;

	/* An error found where no event may be emitted, reported from a timer. */
	enum conn_err derr;
	int derrno;
	char derr_text[256];
};

/* conn.c */
bool conn_emit(struct conn *c, struct conn_event *ev);
void conn_fail(struct conn *c, enum conn_err err, int sys_errno, const char *detail);
void conn_teardown(struct conn *c);
void conn_defer_error(struct conn *c, enum conn_err err, int sys_errno, const char *detail);
void conn_update_interest(struct conn *c);
/* Called by conn_fd_ready while connecting. */
void conn_check_connect(struct conn *c);

/* conn_io.c */
void conn_fd_ready(struct loop *l, int fd, int events, void *ud);
void conn_begin_tls(struct conn *c);
void conn_opened(struct conn *c);
void conn_do_write(struct conn *c);
void conn_before_poll(struct loop *l, void *ud);

#endif
