/* practice_client.c - one practice-server client in the event loop: bounded
 * input and output buffers with back-pressure, STARTTLS (RFC 3207 4.2: the
 * 220 goes out in clear, bytes pipelined behind STARTTLS are discarded and
 * reported, then the handshake), implicit TLS (RFC 8314), idle timeout
 * (RFC 5321 4.5.3.2), and the events passed on to the server's owner. */
#include "decode/limits.h"
#include "decode/xmalloc.h"
#include "probe/loop.h"
#include "probe/practice_srv.h"
#include "probe/srvtls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* How long a closing client may take to read its last reply. */
#define PC_CLOSE_GRACE_MS 10000u

static void pc_pump(struct practice_client *c);

void practice_emit(struct practice *p, struct practice_event *ev)
{
	if (p->cb)
		p->cb(p, ev, p->ud);
}

/* Session events: add who it is about and pass them on. */
static void pc_session_event(struct practice *unused, const struct practice_event *ev, void *ud)
{
	(void)unused;
	struct practice_client *c = ud;
	struct practice_event e = *ev;
	e.client = c->id;
	e.peer = c->peer;
	practice_emit(c->srv, &e);
}

static void pc_free(void *obj)
{
	struct practice_client *c = obj;
	practice_session_free(c->sess);
	srvtls_conn_free(c->tls);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c);
}

static void pc_cancel_timers(struct practice_client *c)
{
	struct loop *l = c->srv->l;
	loop_timer_cancel(l, c->t_idle);
	loop_timer_cancel(l, c->t_hs);
	loop_timer_cancel(l, c->t_more);
	loop_timer_cancel(l, c->t_close);
	c->t_idle = c->t_hs = c->t_more = c->t_close = 0;
}

void practice_client_gone(struct practice_client *c, const char *why)
{
	if (c->dead)
		return;
	struct practice *p = c->srv;
	c->dead = true;
	pc_cancel_timers(c);
	loop_fd_del(p->l, c->fd);
	if (c->tls && !c->hs)
		srvtls_shutdown(c->tls);
	close(c->fd);
	c->fd = -1;
	for (struct practice_client **pp = &p->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			p->nclients--;
			break;
		}
	}
	snprintf(c->why, sizeof c->why, "%s", why);
	struct practice_event ev = {.type = PRACTICE_EV_GONE, .client = c->id, .peer = c->peer,
				    .detail = c->why, .tls = c->tls && !c->hs};
	practice_emit(p, &ev);
	loop_defer_free(p->l, c, pc_free);
}

static void pc_update(struct practice_client *c)
{
	if (c->dead)
		return;
	int mask = 0;
	if (c->hs) {
		mask = c->hs_want;
	} else {
		if (!c->closing && !c->tls_wait && c->in.len < PRACTICE_IN_MAX &&
		    c->out.len < PRACTICE_OUT_HIGH)
			mask |= LOOP_READ;
		if (c->out.len)
			mask |= c->write_wants_read ? LOOP_READ : LOOP_WRITE;
		if (c->read_wants_write)
			mask |= LOOP_WRITE;
	}
	loop_fd_set(c->srv->l, c->fd, mask);
}

/* Write what is queued; false when the client is gone. */
static bool pc_flush(struct practice_client *c)
{
	while (c->out.len) {
		size_t done = 0;
		if (c->tls) {
			enum tls_io r = srvtls_write(c->tls, c->out.data, c->out.len, &done);
			c->write_wants_read = r == TLS_IO_WANT_READ;
			if (r == TLS_IO_WANT_READ || r == TLS_IO_WANT_WRITE)
				return true;
			if (r != TLS_IO_OK) {
				char why[360];
				snprintf(why, sizeof why, "write failed: %s", srvtls_error(c->tls));
				practice_client_gone(c, why);
				return false;
			}
		} else {
			ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return true;
			if (n < 0) {
				char why[160];
				snprintf(why, sizeof why, "write failed: %s", strerror(errno));
				practice_client_gone(c, why);
				return false;
			}
			done = (size_t)n;
		}
		buf_consume(&c->out, done);
	}
	return true;
}

static void pc_close_fired(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	struct practice_client *c = ud;
	c->t_close = 0;
	practice_client_gone(c, "the client did not read the last reply; closed");
}

/* Stop reading; close once the queued replies are written (or the grace ends). */
static void pc_set_closing(struct practice_client *c)
{
	c->closing = true;
	buf_reset(&c->in);
	if (!c->t_close)
		c->t_close = loop_timer_add(c->srv->l, PC_CLOSE_GRACE_MS, pc_close_fired, c);
}

static void pc_idle_fired(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	struct practice_client *c = ud;
	c->t_idle = 0;
	if (c->closing || c->hs)
		return;
	practice_session_timeout(c->sess, c->srv->o.idle_timeout_ms, &c->out);
	pc_set_closing(c);
	pc_pump(c);
}

static void pc_arm_idle(struct practice_client *c)
{
	loop_timer_cancel(c->srv->l, c->t_idle);
	c->t_idle = loop_timer_add(c->srv->l, c->srv->o.idle_timeout_ms, pc_idle_fired, c);
}

static void pc_hs_fired(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	struct practice_client *c = ud;
	c->t_hs = 0;
	struct practice_event ev = {.type = PRACTICE_EV_TLS, .client = c->id, .peer = c->peer,
				    .tls_failed = true, .detail = "TLS handshake timed out"};
	practice_emit(c->srv, &ev);
	practice_client_gone(c, "TLS handshake timed out");
}

static void pc_handshake_step(struct practice_client *c)
{
	enum tls_io r = srvtls_handshake(c->tls);
	if (r == TLS_IO_WANT_READ || r == TLS_IO_WANT_WRITE) {
		c->hs_want = r == TLS_IO_WANT_READ ? LOOP_READ : LOOP_WRITE;
		pc_update(c);
		return;
	}
	if (r != TLS_IO_OK) {
		char why[360];
		snprintf(why, sizeof why, "TLS handshake failed: %s",
			 r == TLS_IO_CLOSED ? "the client ended the session" : srvtls_error(c->tls));
		struct practice_event ev = {.type = PRACTICE_EV_TLS, .client = c->id, .peer = c->peer,
					    .tls_failed = true, .detail = why};
		practice_emit(c->srv, &ev);
		practice_client_gone(c, why);
		return;
	}
	c->hs = false;
	loop_timer_cancel(c->srv->l, c->t_hs);
	c->t_hs = 0;
	struct practice_event ev = {.type = PRACTICE_EV_TLS, .client = c->id, .peer = c->peer,
				    .tls = true, .tls_version = srvtls_version(c->tls),
				    .tls_cipher = srvtls_cipher(c->tls)};
	practice_emit(c->srv, &ev);
	if (c->dead)
		return;
	if (c->implicit)
		practice_session_greeting(c->sess, &c->out);
	else
		practice_session_tls_started(c->sess);
	pc_arm_idle(c);
	pc_pump(c);
}

static void pc_begin_tls(struct practice_client *c)
{
	c->tls_wait = false;
	c->tls = srvtls_conn_new(c->srv->tls, c->fd);
	if (!c->tls) {
		practice_client_gone(c, "TLS set-up failed");
		return;
	}
	c->hs = true;
	c->hs_want = LOOP_READ;
	loop_timer_cancel(c->srv->l, c->t_idle);
	c->t_idle = 0;
	c->t_hs = loop_timer_add(c->srv->l, c->srv->o.tls_timeout_ms, pc_hs_fired, c);
	pc_handshake_step(c);
}

/* Hand buffered input to the session and act on what it says. */
static void pc_process(struct practice_client *c)
{
	size_t used = 0;
	enum practice_status st = practice_session_feed(c->sess, c->in.data, c->in.len, &used, &c->out);
	buf_consume(&c->in, used);
	if (st == PRACTICE_STARTTLS) {
		c->tls_wait = true;
		if (c->in.len) {
			char note[200];
			snprintf(note, sizeof note,
				 "discarded %zu bytes sent after STARTTLS before the TLS handshake: "
				 "plaintext there could have been injected by an attacker "
				 "(RFC 3207 4.2; CVE-2011-0411)",
				 c->in.len);
			struct practice_event ev = {.type = PRACTICE_EV_NOTE, .client = c->id,
						    .peer = c->peer, .detail = note};
			practice_emit(c->srv, &ev);
		}
		buf_reset(&c->in);
	} else if (st == PRACTICE_CLOSE) {
		pc_set_closing(c);
	}
}

static bool pc_can_process(const struct practice_client *c)
{
	return !c->dead && !c->hs && !c->closing && !c->tls_wait && c->in.len &&
	       c->out.len < PRACTICE_OUT_HIGH;
}

static void pc_more_fired(struct loop *l, uint64_t id, void *ud);

/* Process input, write replies, and move on (TLS, close) as they drain. */
static void pc_pump(struct practice_client *c)
{
	for (int round = 0; round < 64 && !c->dead; round++) {
		if (pc_can_process(c))
			pc_process(c);
		if (c->out.len && !pc_flush(c))
			return;
		if (!c->out.len && c->closing) {
			const char *why = practice_session_close_reason(c->sess);
			practice_client_gone(c, why ? why : "closed");
			return;
		}
		if (!c->out.len && c->tls_wait) {
			pc_begin_tls(c);
			return;
		}
		if (!pc_can_process(c))
			break;
	}
	if (pc_can_process(c) && !c->t_more)
		c->t_more = loop_timer_add(c->srv->l, 0, pc_more_fired, c);
	pc_update(c);
}

/* Read what the socket (or TLS) has, up to the budget. */
static void pc_read(struct practice_client *c)
{
	uint8_t chunk[CONN_READ_CHUNK];
	size_t total = 0;
	while (!c->dead && !c->closing && !c->tls_wait && c->in.len < PRACTICE_IN_MAX &&
	       total < CONN_READ_BUDGET) {
		size_t room = PRACTICE_IN_MAX - c->in.len, got = 0;
		size_t want = room < sizeof chunk ? room : sizeof chunk;
		if (c->tls) {
			enum tls_io r = srvtls_read(c->tls, chunk, want, &got);
			c->read_wants_write = r == TLS_IO_WANT_WRITE;
			if (r == TLS_IO_WANT_READ || r == TLS_IO_WANT_WRITE)
				break;
			if (r == TLS_IO_CLOSED || r == TLS_IO_ERROR) {
				char why[400];
				snprintf(why, sizeof why, "%s%s", r == TLS_IO_CLOSED
					 ? "the client closed the TLS session" : srvtls_error(c->tls),
					 practice_session_in_content(c->sess)
					 ? " in the middle of the message content" : "");
				practice_client_gone(c, why);
				return;
			}
		} else {
			ssize_t n = recv(c->fd, chunk, want, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (n <= 0) {
				char why[200];
				snprintf(why, sizeof why, "%s%s",
					 n == 0 ? "the client closed the connection" : strerror(errno),
					 practice_session_in_content(c->sess)
					 ? " in the middle of the message content" : "");
				practice_client_gone(c, why);
				return;
			}
			got = (size_t)n;
		}
		buf_append(&c->in, chunk, got);
		total += got;
		pc_arm_idle(c);
	}
}

static void pc_more_fired(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	struct practice_client *c = ud;
	c->t_more = 0;
	if (c->tls && !c->hs && srvtls_pending(c->tls))
		pc_read(c);
	if (!c->dead)
		pc_pump(c);
}

static void pc_ready(struct loop *l, int fd, int events, void *ud)
{
	(void)l;
	(void)fd;
	struct practice_client *c = ud;
	if (c->hs) {
		pc_handshake_step(c);
		return;
	}
	if (c->out.len && (events & (LOOP_WRITE | LOOP_ERROR) || c->write_wants_read))
		if (!pc_flush(c))
			return;
	if (events & (LOOP_READ | LOOP_ERROR) || c->read_wants_write)
		pc_read(c);
	if (c->dead)
		return;
	pc_pump(c);
	if (!c->dead && c->tls && !c->hs && srvtls_pending(c->tls) && !c->t_more)
		c->t_more = loop_timer_add(c->srv->l, 0, pc_more_fired, c);
}

void practice_client_start(struct practice *p, int fd, const char *peer, bool implicit_tls)
{
	struct practice_client *c = xcalloc(1, sizeof *c);
	c->srv = p;
	c->fd = fd;
	c->id = ++p->next_id;
	c->implicit = implicit_tls;
	snprintf(c->peer, sizeof c->peer, "%s", peer);
	buf_init(&c->in, PRACTICE_IN_MAX);
	buf_init(&c->out, PRACTICE_OUT_HIGH + SMTP_REPLY_MAX_BYTES);
	c->sess = practice_session_new(&p->scfg, implicit_tls, pc_session_event, c);
	c->next = p->clients;
	p->clients = c;
	p->nclients++;
	loop_fd_add(p->l, fd, LOOP_READ, pc_ready, c);
	struct practice_event ev = {.type = PRACTICE_EV_CONNECT, .client = c->id, .peer = c->peer,
				    .detail = implicit_tls ? "implicit TLS port" : NULL};
	practice_emit(p, &ev);
	if (c->dead)
		return;
	if (implicit_tls) {
		pc_begin_tls(c);
		return;
	}
	practice_session_greeting(c->sess, &c->out);
	pc_arm_idle(c);
	pc_pump(c);
}

void practice_client_stop(struct practice_client *c)
{
	if (c->dead)
		return;
	if (!c->hs && !c->closing) {
		practice_session_shutdown(c->sess, &c->out);
		pc_flush(c);
	}
	practice_client_gone(c, "server stopping");
}
