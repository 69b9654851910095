/* conn.c - outgoing connection set-up: copy the options, resolve the host
 * (A and AAAA), try each address in turn with a per-attempt timeout, or a
 * unix socket; failure reporting and teardown (see conn.h). RFC 6724 address
 * order is c-ares's; RFC 8305 racing is not done: one attempt at a time. */
#include "probe/conn_internal.h"
#include "decode/limits.h"
#include "decode/xmalloc.h"
#include "probe/dns.h"
#include "probe/loop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

static void conn_try_next(struct conn *c);

static char *opt_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void conn_copy_tls_opts(struct tls_opts *d, const struct tls_opts *s)
{
	*d = *s;
	d->sni = opt_dup(s->sni);
	d->verify_name = opt_dup(s->verify_name);
	d->ca_file = opt_dup(s->ca_file);
	d->ca_path = opt_dup(s->ca_path);
	d->cert_file = opt_dup(s->cert_file);
	d->key_file = opt_dup(s->key_file);
	d->ciphers = opt_dup(s->ciphers);
	d->ciphersuites = opt_dup(s->ciphersuites);
	d->tlsa = NULL;
	d->ntlsa = 0;
	if (s->ntlsa && s->tlsa) {
		struct dns_tlsa *t = xcalloc(s->ntlsa, sizeof *t);
		for (size_t i = 0; i < s->ntlsa; i++) {
			t[i] = s->tlsa[i];
			t[i].data = xmalloc(t[i].len ? t[i].len : 1);
			if (t[i].len)
				memcpy(t[i].data, s->tlsa[i].data, t[i].len);
		}
		d->tlsa = t;
		d->ntlsa = s->ntlsa;
	}
}

static void conn_free_tls_opts(struct tls_opts *o)
{
	free((char *)o->sni);
	free((char *)o->verify_name);
	free((char *)o->ca_file);
	free((char *)o->ca_path);
	free((char *)o->cert_file);
	free((char *)o->key_file);
	free((char *)o->ciphers);
	free((char *)o->ciphersuites);
	for (size_t i = 0; i < o->ntlsa; i++)
		free(o->tlsa[i].data);
	free((struct dns_tlsa *)o->tlsa);
	memset(o, 0, sizeof *o);
}

bool conn_emit(struct conn *c, struct conn_event *ev)
{
	if (c->dead)
		return false;
	c->cb(c, ev, c->ud);
	return !c->dead;
}

void conn_update_interest(struct conn *c)
{
	if (c->fd < 0)
		return;
	int mask = 0;
	switch (c->st) {
	case CONN_S_CONNECTING: mask = LOOP_WRITE; break;
	case CONN_S_TLS_HANDSHAKE: mask = c->read_wants_write ? LOOP_WRITE : LOOP_READ; break;
	case CONN_S_OPEN:
		mask = LOOP_READ;
		if (c->read_wants_write || (c->out.len && c->write_blocked && !c->write_wants_read))
			mask |= LOOP_WRITE;
		break;
	default: break;
	}
	loop_fd_set(c->l, c->fd, mask);
}

/* Close the socket and stop every timer; the object stays. */
void conn_teardown(struct conn *c)
{
	if (c->fd >= 0) {
		loop_fd_del(c->l, c->fd);
		close(c->fd);
		c->fd = -1;
	}
	uint64_t *timers[] = {&c->t_kick, &c->t_connect, &c->t_tls, &c->t_idle, &c->t_more, &c->t_err};
	for (size_t i = 0; i < sizeof timers / sizeof timers[0]; i++) {
		loop_timer_cancel(c->l, *timers[i]);
		*timers[i] = 0;
	}
	if (c->dq) {
		dns_query_cancel(c->dq);
		c->dq = NULL;
	}
	tls_free(c->tls);
	c->tls = NULL;
	c->st = CONN_S_CLOSED;
}

void conn_fail(struct conn *c, enum conn_err err, int sys_errno, const char *detail)
{
	conn_teardown(c);
	struct conn_event ev = {.type = CONN_EV_ERROR, .err = err, .sys_errno = sys_errno,
				.detail = detail};
	if (c->have_tls_info && (err == CONN_ERR_TLS_HANDSHAKE || err == CONN_ERR_TLS_VERIFY ||
				 err == CONN_ERR_TLS_ALERT))
		ev.tls = &c->tls_info;
	conn_emit(c, &ev);
}

static void conn_deferred_error(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	struct conn *c = ud;
	c->t_err = 0;
	char text[sizeof c->derr_text];
	memcpy(text, c->derr_text, sizeof text);
	conn_fail(c, c->derr, c->derrno, text);
}

void conn_defer_error(struct conn *c, enum conn_err err, int sys_errno, const char *detail)
{
	if (c->t_err)
		return; /* the first error wins */
	c->derr = err;
	c->derrno = sys_errno;
	snprintf(c->derr_text, sizeof c->derr_text, "%s", detail ? detail : "");
	c->t_err = loop_timer_add(c->l, 0, conn_deferred_error, c);
}

static void conn_addr_text(struct conn_addr *a, uint16_t port)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	if (a->family == AF_INET) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&a->sa)->sin_addr, ip, sizeof ip);
		snprintf(a->text, sizeof a->text, "%s:%u", ip, (unsigned)port);
	} else {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&a->sa)->sin6_addr, ip, sizeof ip);
		snprintf(a->text, sizeof a->text, "[%s]:%u", ip, (unsigned)port);
	}
}

/* Append an address given as bytes; false when the list is full. */
static bool conn_add_ip(struct conn *c, int family, const void *bytes)
{
	if (c->naddrs >= DNS_ADDRS_MAX)
		return false;
	c->addrs = xreallocarray(c->addrs, c->naddrs + 1, sizeof *c->addrs);
	struct conn_addr *a = &c->addrs[c->naddrs++];
	memset(a, 0, sizeof *a);
	a->family = family;
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a->sa;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(c->port);
		memcpy(&s4->sin_addr, bytes, 4);
		a->salen = sizeof *s4;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->sa;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(c->port);
		memcpy(&s6->sin6_addr, bytes, 16);
		a->salen = sizeof *s6;
	}
	conn_addr_text(a, c->port);
	return true;
}

/* Parse an IP literal ("192.0.2.1", "2001:db8::1", "[2001:db8::1]"). */
static bool conn_add_literal(struct conn *c, const char *s)
{
	unsigned char b[16];
	char tmp[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']' && n - 2 < sizeof tmp) {
		memcpy(tmp, s + 1, n - 2);
		tmp[n - 2] = '\0';
		s = tmp;
	}
	if (inet_pton(AF_INET, s, b) == 1 && c->family != AF_INET6)
		return conn_add_ip(c, AF_INET, b);
	if (inet_pton(AF_INET6, s, b) == 1 && c->family != AF_INET)
		return conn_add_ip(c, AF_INET6, b);
	return false;
}

static void conn_resolved(struct conn *c)
{
	struct conn_event ev = {.type = CONN_EV_RESOLVED, .addr_count = c->naddrs};
	if (conn_emit(c, &ev))
		conn_try_next(c);
}

static void conn_on_dns(void *ud, const struct dns_result *r)
{
	struct conn *c = ud;
	c->dq = NULL;
	if (r->status != DNS_OK) {
		char d[256];
		snprintf(d, sizeof d, "%s: %s%s%s", c->host, dns_status_name(r->status),
			 r->detail ? " - " : "", r->detail ? r->detail : "");
		conn_fail(c, CONN_ERR_RESOLVE, 0, d);
		return;
	}
	for (size_t i = 0; i < r->naddrs; i++)
		conn_add_ip(c, r->addrs[i].family, r->addrs[i].bytes);
	conn_resolved(c);
}

static bool conn_setup_unix(struct conn *c)
{
	struct sockaddr_un *su;
	if (strlen(c->unix_path) >= sizeof su->sun_path)
		return false;
	c->addrs = xcalloc(1, sizeof *c->addrs);
	c->naddrs = 1;
	struct conn_addr *a = &c->addrs[0];
	su = (struct sockaddr_un *)&a->sa;
	su->sun_family = AF_UNIX;
	memcpy(su->sun_path, c->unix_path, strlen(c->unix_path) + 1);
	a->salen = sizeof *su;
	a->family = AF_UNIX;
	snprintf(a->text, sizeof a->text, "%s", c->unix_path);
	return true;
}

static void conn_kick(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	struct conn *c = ud;
	c->t_kick = 0;
	if (c->unix_path) {
		if (!conn_setup_unix(c))
			conn_fail(c, CONN_ERR_CONNECT, ENAMETOOLONG, "unix socket path too long");
		else
			conn_resolved(c);
		return;
	}
	for (size_t i = 0; i < c->nlits; i++)
		conn_add_literal(c, c->lits[i]);
	if (c->nlits == 0 && c->host)
		conn_add_literal(c, c->host);
	if (c->naddrs > 0 || c->nlits > 0) {
		if (c->naddrs == 0)
			conn_fail(c, CONN_ERR_RESOLVE, 0, "no usable address among those given");
		else
			conn_resolved(c);
		return;
	}
	if (!c->dns) {
		conn_fail(c, CONN_ERR_RESOLVE, 0, "no resolver to look up the host name");
		return;
	}
	c->st = CONN_S_RESOLVING;
	c->dq = dns_query_addrs(c->dns, c->host, c->family, conn_on_dns, c);
}

static void conn_attempt_failed(struct conn *c, int err, bool timed_out)
{
	struct conn_addr *a = &c->addrs[c->cur];
	a->sys_errno = err;
	a->elapsed_ms = loop_clock_ms() - c->attempt_start;
	if (timed_out)
		snprintf(a->why, sizeof a->why, "no answer within %u ms", c->connect_ms);
	else
		snprintf(a->why, sizeof a->why, "%s", strerror(err));
	loop_timer_cancel(c->l, c->t_connect);
	c->t_connect = 0;
	if (c->fd >= 0) {
		loop_fd_del(c->l, c->fd);
		close(c->fd);
		c->fd = -1;
	}
	struct conn_event ev = {.type = CONN_EV_ATTEMPT_FAILED,
				.err = timed_out ? CONN_ERR_CONNECT_TIMEOUT : CONN_ERR_CONNECT,
				.sys_errno = err, .detail = a->why, .addr = a,
				.addr_index = c->cur, .addr_count = c->naddrs};
	c->cur++;
	if (conn_emit(c, &ev))
		conn_try_next(c);
}

static void conn_connected(struct conn *c)
{
	struct conn_addr *a = &c->addrs[c->cur];
	a->ok = true;
	a->elapsed_ms = loop_clock_ms() - c->attempt_start;
	loop_timer_cancel(c->l, c->t_connect);
	c->t_connect = 0;
	struct conn_event ev = {.type = CONN_EV_CONNECTED, .addr = a, .addr_index = c->cur,
				.addr_count = c->naddrs};
	if (!conn_emit(c, &ev) || c->st != CONN_S_CONNECTING)
		return;
	if (c->implicit_tls)
		conn_begin_tls(c);
	else
		conn_opened(c);
}

static void conn_connect_timeout(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	struct conn *c = ud;
	c->t_connect = 0;
	conn_attempt_failed(c, ETIMEDOUT, true);
}

void conn_check_connect(struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == EINPROGRESS || err == EALREADY)
		return;
	if (err)
		conn_attempt_failed(c, err, false);
	else
		conn_connected(c);
}

static void conn_try_next(struct conn *c)
{
	while (c->cur < c->naddrs) {
		struct conn_addr *a = &c->addrs[c->cur];
		a->tried = true;
		c->attempt_start = loop_clock_ms();
		struct conn_event ev = {.type = CONN_EV_ATTEMPT, .addr = a, .addr_index = c->cur,
					.addr_count = c->naddrs};
		if (!conn_emit(c, &ev))
			return;
		c->st = CONN_S_CONNECTING;
		c->fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0) {
			conn_attempt_failed(c, errno, false);
			return;
		}
		if (connect(c->fd, (struct sockaddr *)&a->sa, a->salen) == 0) {
			loop_fd_add(c->l, c->fd, 0, conn_fd_ready, c);
			conn_connected(c);
			return;
		}
		if (errno != EINPROGRESS) {
			conn_attempt_failed(c, errno, false);
			return;
		}
		loop_fd_add(c->l, c->fd, LOOP_WRITE, conn_fd_ready, c);
		c->t_connect = loop_timer_add(c->l, c->connect_ms, conn_connect_timeout, c);
		return;
	}
	char d[200];
	const char *last = c->naddrs ? c->addrs[c->naddrs - 1].why : "no address";
	snprintf(d, sizeof d, "could not connect to any of %zu address%s (last: %s)", c->naddrs,
		 c->naddrs == 1 ? "" : "es", last);
	conn_fail(c, CONN_ERR_CONNECT, c->naddrs ? c->addrs[c->naddrs - 1].sys_errno : 0, d);
}

static void conn_ignore_sigpipe(void)
{
	struct sigaction sa;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL &&
	    !(sa.sa_flags & SA_SIGINFO))
		signal(SIGPIPE, SIG_IGN);
}

struct conn *conn_new(struct loop *l, struct dns *dns, const struct conn_opts *o, conn_cb *cb,
		      void *ud)
{
	if (!o || !cb || (!o->host && !o->unix_path && !o->naddrs))
		return NULL;
	conn_ignore_sigpipe();
	struct conn *c = xcalloc(1, sizeof *c);
	c->l = l;
	c->dns = dns;
	c->cb = cb;
	c->ud = ud;
	c->fd = -1;
	c->host = opt_dup(o->host);
	c->port = o->port;
	c->unix_path = opt_dup(o->unix_path);
	if (o->naddrs && o->addrs) {
		c->lits = xcalloc(o->naddrs, sizeof *c->lits);
		for (size_t i = 0; i < o->naddrs; i++)
			c->lits[i] = xstrdup(o->addrs[i]);
		c->nlits = o->naddrs;
	}
	c->family = o->family;
	c->connect_ms = o->connect_timeout_ms ? o->connect_timeout_ms : CONN_CONNECT_TIMEOUT_DEFAULT_MS;
	c->tls_ms = o->tls_timeout_ms ? o->tls_timeout_ms : CONN_TLS_TIMEOUT_DEFAULT_MS;
	c->idle_ms = o->idle_timeout_ms;
	c->implicit_tls = o->tls;
	conn_copy_tls_opts(&c->tls_opts, &o->tls_opts);
	buf_init(&c->out, o->out_max ? o->out_max : CONN_OUT_MAX);
	c->hook = loop_hook_add(l, conn_before_poll, c);
	c->t_kick = loop_timer_add(l, 0, conn_kick, c);
	return c;
}

static void conn_destroy(void *p)
{
	struct conn *c = p;
	free(c->host);
	free(c->unix_path);
	for (size_t i = 0; i < c->nlits; i++)
		free(c->lits[i]);
	free(c->lits);
	conn_free_tls_opts(&c->tls_opts);
	free(c->addrs);
	tls_info_clear(&c->tls_info);
	buf_free(&c->out);
	free(c);
}

void conn_close(struct conn *c)
{
	if (!c || c->st == CONN_S_CLOSED)
		return;
	if (c->tls && c->st == CONN_S_OPEN)
		tls_shutdown(c->tls);
	conn_teardown(c);
}

void conn_free(struct conn *c)
{
	if (!c || c->dead)
		return;
	conn_close(c);
	c->dead = true;
	loop_hook_del(c->l, c->hook);
	loop_defer_free(c->l, c, conn_destroy);
}

bool conn_write(struct conn *c, const void *p, size_t n)
{
	if (c->dead || c->st == CONN_S_CLOSED)
		return false;
	bool was_empty = c->out.len == 0;
	if (!buf_append(&c->out, p, n))
		return false;
	/* Output is written by the before-poll hook; data queued from inside
	 * that hook (a SENT handler refilling the buffer) must not wait for the
	 * next unrelated event, so make the coming poll return at once. */
	if (was_empty && n)
		loop_wake(c->l);
	return true;
}

enum conn_state conn_state(const struct conn *c)
{
	return c->st;
}

bool conn_is_tls(const struct conn *c)
{
	return c->have_tls_info && c->tls_info.protocol;
}

size_t conn_out_pending(const struct conn *c)
{
	return c->out.len;
}

const struct conn_addr *conn_addrs(const struct conn *c, size_t *n)
{
	*n = c->naddrs;
	return c->addrs;
}

const struct conn_addr *conn_peer(const struct conn *c)
{
	for (size_t i = 0; i < c->naddrs; i++)
		if (c->addrs[i].ok)
			return &c->addrs[i];
	return NULL;
}

const struct tls_info *conn_tls_info(const struct conn *c)
{
	return c->have_tls_info ? &c->tls_info : NULL;
}

static const char *const conn_state_names[CONN_S_LAST] = {
	"starting", "resolving", "connecting", "tls-handshake", "open", "closed",
};
static const char *const conn_event_names[CONN_EV_LAST] = {
	"resolved", "attempt", "attempt-failed", "connected", "tls-done",
	"data", "sent", "idle", "eof", "error",
};
static const char *const conn_err_names[CONN_ERR_LAST] = {
	"none", "resolve", "connect", "connect-timeout", "tls-setup", "tls-handshake",
	"tls-verify", "tls-alert", "tls-timeout", "tls-truncated", "tls", "reset", "io",
};

const char *conn_state_name(enum conn_state s)
{
	return (unsigned)s < CONN_S_LAST ? conn_state_names[s] : "?";
}

const char *conn_event_name(enum conn_event_type t)
{
	return (unsigned)t < CONN_EV_LAST ? conn_event_names[t] : "?";
}

const char *conn_err_name(enum conn_err e)
{
	return (unsigned)e < CONN_ERR_LAST ? conn_err_names[e] : "?";
}
