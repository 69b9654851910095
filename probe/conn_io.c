/* conn_io.c - an open connection's traffic: reads delivered as they come,
 * writes from a bounded buffer before each poll (POLLOUT only when a write
 * would block), the TLS handshake (implicit, or STARTTLS per RFC 3207 4), idle
 * and handshake timeouts, EOF / reset / TLS alert reporting. */
#include "decode/limits.h"
#include "probe/conn_internal.h"
#include "probe/loop.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static void conn_idle_fired(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	struct conn *c = ud;
	char d[80];
	c->t_idle = 0;
	snprintf(d, sizeof d, "nothing received for %u ms", c->idle_ms);
	struct conn_event ev = {.type = CONN_EV_IDLE, .detail = d};
	conn_emit(c, &ev);
}

static void conn_arm_idle(struct conn *c)
{
	loop_timer_cancel(c->l, c->t_idle);
	c->t_idle = 0;
	if (c->idle_ms && c->st == CONN_S_OPEN)
		c->t_idle = loop_timer_add(c->l, c->idle_ms, conn_idle_fired, c);
}

void conn_set_idle_timeout(struct conn *c, unsigned ms)
{
	c->idle_ms = ms;
	conn_arm_idle(c);
}

void conn_opened(struct conn *c)
{
	c->st = CONN_S_OPEN;
	conn_arm_idle(c);
	conn_update_interest(c);
}

static void conn_sock_failed(struct conn *c, int err)
{
	bool reset = err == ECONNRESET || err == EPIPE;
	conn_fail(c, reset ? CONN_ERR_RESET : CONN_ERR_IO, err, strerror(err));
}

static void conn_peer_closed(struct conn *c, const char *detail)
{
	if (c->tls)
		tls_shutdown(c->tls); /* answer close_notify, best effort */
	conn_teardown(c);
	struct conn_event ev = {.type = CONN_EV_EOF, .detail = detail};
	conn_emit(c, &ev);
}

static void conn_collect_tls(struct conn *c)
{
	tls_info_clear(&c->tls_info);
	tls_info_collect(c->tls, &c->tls_info);
	c->have_tls_info = true;
}

/* A tls_* call failed: report it with the right kind. */
static void conn_tls_failed(struct conn *c, bool handshake)
{
	char d[600];
	enum tls_err e = tls_last_err(c->tls);
	int err = tls_last_errno(c->tls);
	enum conn_err ce = handshake ? CONN_ERR_TLS_HANDSHAKE : CONN_ERR_TLS;
	snprintf(d, sizeof d, "%s", tls_last_error_text(c->tls));
	switch (e) {
	case TLS_ERR_VERIFY: ce = CONN_ERR_TLS_VERIFY; break;
	case TLS_ERR_ALERT: ce = CONN_ERR_TLS_ALERT; break;
	case TLS_ERR_EOF:
		if (handshake)
			snprintf(d, sizeof d, "peer closed the connection during the TLS handshake");
		else
			ce = CONN_ERR_TLS_TRUNCATED;
		break;
	case TLS_ERR_SYSCALL:
		if (err == ECONNRESET || err == EPIPE)
			ce = CONN_ERR_RESET;
		else if (!handshake)
			ce = CONN_ERR_IO;
		break;
	default: break;
	}
	if (handshake)
		conn_collect_tls(c);
	conn_fail(c, ce, err, d);
}

static void conn_tls_timeout(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	struct conn *c = ud;
	char d[80];
	c->t_tls = 0;
	snprintf(d, sizeof d, "TLS handshake did not finish within %u ms", c->tls_ms);
	conn_fail(c, CONN_ERR_TLS_TIMEOUT, ETIMEDOUT, d);
}

static void conn_read_more(struct loop *l, uint64_t id, void *ud);

static void conn_handshake_step(struct conn *c)
{
	switch (tls_handshake(c->tls)) {
	case TLS_IO_WANT_READ:
		c->read_wants_write = false;
		conn_update_interest(c);
		return;
	case TLS_IO_WANT_WRITE:
		c->read_wants_write = true;
		conn_update_interest(c);
		return;
	case TLS_IO_CLOSED:
		conn_collect_tls(c);
		conn_fail(c, CONN_ERR_TLS_HANDSHAKE, 0, "peer ended the TLS session during the handshake");
		return;
	case TLS_IO_ERROR:
		conn_tls_failed(c, true);
		return;
	case TLS_IO_OK: break;
	}
	loop_timer_cancel(c->l, c->t_tls);
	c->t_tls = 0;
	conn_collect_tls(c);
	c->read_wants_write = false;
	conn_opened(c);
	struct conn_event ev = {.type = CONN_EV_TLS_DONE, .tls = &c->tls_info};
	if (!conn_emit(c, &ev) || c->st != CONN_S_OPEN)
		return;
	if (tls_pending(c->tls) && !c->t_more)
		c->t_more = loop_timer_add(c->l, 0, conn_read_more, c);
}

void conn_begin_tls(struct conn *c)
{
	struct buf err;
	buf_init(&err, 512);
	loop_timer_cancel(c->l, c->t_idle);
	c->t_idle = 0;
	c->st = CONN_S_TLS_HANDSHAKE;
	c->tls = tls_new(&c->tls_opts, c->host, c->fd, &err);
	if (!c->tls) {
		loop_fd_set(c->l, c->fd, 0);
		conn_defer_error(c, CONN_ERR_TLS_SETUP, 0, err.len ? buf_str(&err) : "TLS set-up failed");
		buf_free(&err);
		return;
	}
	buf_free(&err);
	c->read_wants_write = true; /* the ClientHello goes out when writable */
	c->write_blocked = false;
	c->t_tls = loop_timer_add(c->l, c->tls_ms, conn_tls_timeout, c);
	conn_update_interest(c);
}

bool conn_start_tls(struct conn *c)
{
	if (c->dead || c->st != CONN_S_OPEN || c->tls || c->have_tls_info || c->out.len)
		return false;
	conn_begin_tls(c);
	return true;
}

/* Read once per readiness, up to the budget; DATA events as bytes come. */
static void conn_do_read(struct conn *c)
{
	uint8_t chunk[CONN_READ_CHUNK];
	size_t total = 0;
	while (c->st == CONN_S_OPEN && total < CONN_READ_BUDGET) {
		size_t got = 0;
		if (c->tls) {
			enum tls_io r = tls_read(c->tls, chunk, sizeof chunk, &got);
			c->read_wants_write = r == TLS_IO_WANT_WRITE;
			if (r == TLS_IO_WANT_READ || r == TLS_IO_WANT_WRITE)
				break;
			if (r == TLS_IO_CLOSED) {
				conn_peer_closed(c, "peer closed the TLS session (close_notify)");
				return;
			}
			if (r == TLS_IO_ERROR) {
				conn_tls_failed(c, false);
				return;
			}
		} else {
			ssize_t n = recv(c->fd, chunk, sizeof chunk, 0);
			if (n == 0) {
				conn_peer_closed(c, "peer closed the connection");
				return;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (n < 0) {
				conn_sock_failed(c, errno);
				return;
			}
			got = (size_t)n;
		}
		total += got;
		conn_arm_idle(c);
		struct conn_event ev = {.type = CONN_EV_DATA, .data = chunk, .len = got};
		if (!conn_emit(c, &ev))
			return;
	}
	if (c->st != CONN_S_OPEN)
		return;
	/* Decrypted bytes left in OpenSSL would not wake poll: come back soon. */
	if (c->tls && tls_pending(c->tls) && !c->t_more)
		c->t_more = loop_timer_add(c->l, 0, conn_read_more, c);
	conn_update_interest(c);
}

static void conn_read_more(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	struct conn *c = ud;
	c->t_more = 0;
	conn_do_read(c);
}

void conn_do_write(struct conn *c)
{
	bool wrote = false;
	while (c->st == CONN_S_OPEN && c->out.len > 0) {
		size_t done = 0;
		if (c->tls) {
			enum tls_io r = tls_write(c->tls, c->out.data, c->out.len, &done);
			if (r == TLS_IO_WANT_WRITE || r == TLS_IO_WANT_READ) {
				c->write_blocked = true;
				c->write_wants_read = r == TLS_IO_WANT_READ;
				break;
			}
			if (r == TLS_IO_CLOSED) {
				conn_peer_closed(c, "peer closed the TLS session (close_notify)");
				return;
			}
			if (r == TLS_IO_ERROR) {
				conn_tls_failed(c, false);
				return;
			}
		} else {
			ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				c->write_blocked = true;
				break;
			}
			if (n < 0) {
				conn_sock_failed(c, errno);
				return;
			}
			done = (size_t)n;
		}
		buf_consume(&c->out, done);
		wrote = true;
		c->write_blocked = false;
		c->write_wants_read = false;
	}
	if (c->st != CONN_S_OPEN)
		return;
	conn_update_interest(c);
	if (wrote && c->out.len == 0) {
		struct conn_event ev = {.type = CONN_EV_SENT};
		conn_emit(c, &ev);
	}
}

void conn_before_poll(struct loop *l, void *ud)
{
	(void)l;
	struct conn *c = ud;
	if (!c->dead && c->st == CONN_S_OPEN && c->out.len && !c->write_blocked)
		conn_do_write(c);
}

void conn_fd_ready(struct loop *l, int fd, int events, void *ud)
{
	(void)l;
	(void)fd;
	struct conn *c = ud;
	switch (c->st) {
	case CONN_S_CONNECTING: conn_check_connect(c); return;
	case CONN_S_TLS_HANDSHAKE:
		if (c->tls)
			conn_handshake_step(c);
		return;
	case CONN_S_OPEN: break;
	default: return;
	}
	if (c->write_wants_read && (events & (LOOP_READ | LOOP_ERROR))) {
		c->write_blocked = false;
		conn_do_write(c);
	}
	if (c->st == CONN_S_OPEN &&
	    ((events & (LOOP_READ | LOOP_ERROR)) || (c->read_wants_write && (events & LOOP_WRITE))))
		conn_do_read(c);
	if (c->st == CONN_S_OPEN && (events & LOOP_WRITE) && c->out.len) {
		c->write_blocked = false;
		conn_do_write(c);
	}
}
