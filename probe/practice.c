/* practice.c - the practice SMTP server object (see practice.h): options,
 * loopback-only listeners for plain SMTP (RFC 5321) and implicit TLS
 * (RFC 8314), the STARTTLS certificate (RFC 3207), accepting clients in the
 * event loop, and the accessors the owner reads. */
#include "decode/buf.h"
#include "decode/xmalloc.h"
#include "probe/loop.h"
#include "probe/practice_srv.h"
#include "probe/srvtls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The certificate is generated at start and lives one day. */
#define PRACTICE_CERT_SECONDS 86400u
/* Attempts at finding one free port on every address when picking. */
#define PRACTICE_PICK_TRIES 20
/* Connections accepted per readiness event (fairness with other fds). */
#define PRACTICE_ACCEPT_BUDGET 32

static const char *const practice_default_bind[] = {"127.0.0.1", "::1"};

void practice_opts_init(struct practice_opts *o)
{
	memset(o, 0, sizeof *o);
	o->require_tls_for_auth = true;
}

const char *practice_event_name(enum practice_event_type t)
{
	static const char *const names[PRACTICE_EV_LAST] = {
		"connect", "command", "reply", "tls", "note", "message", "gone", "error"};
	return t < PRACTICE_EV_LAST ? names[t] : "unknown";
}

struct practice_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	bool v6;
};

/* An IP literal; false when it is not one. */
static bool practice_parse_addr(const char *ip, uint16_t port, struct practice_addr *a)
{
	memset(a, 0, sizeof *a);
	struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		a->len = sizeof *s4;
		return true;
	}
	if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		a->len = sizeof *s6;
		a->v6 = true;
		return true;
	}
	return false;
}

static bool practice_is_loopback(const struct practice_addr *a)
{
	if (!a->v6)
		return (ntohl(((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr) >> 24) == 127;
	const struct in6_addr *x = &((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
	return IN6_IS_ADDR_LOOPBACK(x) || (IN6_IS_ADDR_V4MAPPED(x) && x->s6_addr[12] == 127);
}

static void practice_addr_text(const struct sockaddr_storage *ss, char *out, size_t size)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof ip);
		snprintf(out, size, "[%s]:%u", ip, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof ip);
		snprintf(out, size, "%s:%u", ip, ntohs(s4->sin_port));
	}
}

/* Bind and listen on ip:port; the socket, or -1 with errno set. */
static int practice_listen_one(const char *ip, uint16_t port, uint16_t *bound)
{
	struct practice_addr a;
	if (!practice_parse_addr(ip, port, &a)) {
		errno = EINVAL;
		return -1;
	}
	int fd = socket(a.v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (a.v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	struct sockaddr_storage got;
	socklen_t glen = sizeof got;
	if (bind(fd, (struct sockaddr *)&a.ss, a.len) < 0 || listen(fd, SOMAXCONN) < 0 ||
	    getsockname(fd, (struct sockaddr *)&got, &glen) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	*bound = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
						 : ((struct sockaddr_in *)&got)->sin_port);
	return fd;
}

static void practice_close_from(struct practice *p, size_t from)
{
	while (p->nlis > from) {
		struct practice_listener *x = &p->lis[--p->nlis];
		loop_fd_del(p->l, x->fd);
		close(x->fd);
	}
}

/* Listen on every address with one port (picked when port is 0). The port,
 * or 0 with err filled. */
static uint16_t practice_listen_all(struct practice *p, const char *const *ips, size_t n,
				    bool defaults, uint16_t port, bool tls, struct buf *err)
{
	size_t first = p->nlis;
	for (int tries = 0; tries < PRACTICE_PICK_TRIES; tries++) {
		uint16_t use = port;
		bool retry = false;
		for (size_t i = 0; i < n; i++) {
			uint16_t bound = 0;
			int fd = practice_listen_one(ips[i], use, &bound);
			if (fd < 0 && defaults && i > 0 &&
			    (errno == EADDRNOTAVAIL || errno == EAFNOSUPPORT))
				continue; /* no IPv6 loopback on this host */
			if (fd < 0) {
				int e = errno;
				practice_close_from(p, first);
				if (port == 0 && use != 0 && e == EADDRINUSE) {
					retry = true;
					break;
				}
				buf_printf(err, "cannot listen on %s port %u: %s", ips[i], use,
					   strerror(e));
				return 0;
			}
			struct practice_listener *x = &p->lis[p->nlis++];
			x->fd = fd;
			x->tls = tls;
			x->port = bound;
			struct practice_addr a;
			practice_parse_addr(ips[i], bound, &a);
			practice_addr_text(&a.ss, x->text, sizeof x->text);
			use = bound;
		}
		if (!retry)
			return use;
	}
	buf_printf(err, "cannot find a port free on every listen address");
	return 0;
}

static void practice_refuse(struct practice *p, int fd, const char *peer)
{
	char line[200], note[200];
	int n = snprintf(line, sizeof line, "421 4.7.0 %s Too many connections (%zu); try again "
			 "later\r\n", p->hostname, p->nclients);
	if (n > 0)
		(void)!send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
	snprintf(note, sizeof note, "refused a connection from %s: %zu clients already connected",
		 peer, p->nclients);
	struct practice_event ev = {.type = PRACTICE_EV_NOTE, .peer = "", .detail = note};
	practice_emit(p, &ev);
}

static void practice_accept(struct loop *l, int fd, int events, void *ud)
{
	(void)l;
	(void)events;
	struct practice *p = ud;
	bool tls = false;
	for (size_t i = 0; i < p->nlis; i++)
		if (p->lis[i].fd == fd)
			tls = p->lis[i].tls;
	for (int k = 0; k < PRACTICE_ACCEPT_BUDGET; k++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		int c = accept(fd, (struct sockaddr *)&ss, &len);
		if (c >= 0 && (fcntl(c, F_SETFL, O_NONBLOCK) < 0 || fcntl(c, F_SETFD, FD_CLOEXEC) < 0)) {
			close(c);
			continue;
		}
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				char d[120];
				snprintf(d, sizeof d, "accept failed: %s", strerror(errno));
				struct practice_event ev = {.type = PRACTICE_EV_ERROR, .peer = "",
							    .detail = d};
				practice_emit(p, &ev);
			}
			return;
		}
		char peer[80];
		practice_addr_text(&ss, peer, sizeof peer);
		if (p->nclients >= p->o.max_clients)
			practice_refuse(p, c, peer);
		else
			practice_client_start(p, c, peer, tls);
	}
}

static bool practice_check_bind(const struct practice_opts *o, struct buf *err)
{
	if (o->nbind > PRACTICE_BIND_MAX) {
		buf_printf(err, "at most %d listen addresses", PRACTICE_BIND_MAX);
		return false;
	}
	for (size_t i = 0; i < o->nbind; i++) {
		struct practice_addr a;
		if (!practice_parse_addr(o->bind[i], 0, &a)) {
			buf_printf(err, "'%s' is not an IP address", o->bind[i]);
			return false;
		}
		if (!o->listen_any && !practice_is_loopback(&a)) {
			buf_printf(err, "refusing to listen on %s: it is not a loopback address, and "
				   "the practice server accepts anything (allow it explicitly with "
				   "--listen-any)", o->bind[i]);
			return false;
		}
	}
	return true;
}

static void practice_apply_defaults(struct practice *p, const struct practice_opts *o)
{
	p->o = *o;
	p->o.bind = NULL;
	p->o.nbind = 0;
	p->hostname = xstrdup(o->hostname ? o->hostname : PRACTICE_HOSTNAME_DEFAULT);
	p->user = xstrdup(o->user ? o->user : PRACTICE_USER_DEFAULT);
	p->password = xstrdup(o->password ? o->password : PRACTICE_PASSWORD_DEFAULT);
	if (!p->o.size_max)
		p->o.size_max = PRACTICE_SIZE_DEFAULT;
	if (!p->o.max_clients)
		p->o.max_clients = PRACTICE_CLIENTS_DEFAULT;
	if (!p->o.idle_timeout_ms)
		p->o.idle_timeout_ms = PRACTICE_IDLE_DEFAULT_MS;
	if (!p->o.tls_timeout_ms)
		p->o.tls_timeout_ms = PRACTICE_TLS_TIMEOUT_DEFAULT_MS;
	if (!p->o.max_errors)
		p->o.max_errors = PRACTICE_ERRORS_DEFAULT;
	if (!p->o.keep_max)
		p->o.keep_max = PRACTICE_MSG_KEEP_MAX;
	p->scfg = (struct practice_session_cfg){
		.hostname = p->hostname, .size_max = p->o.size_max, .user = p->user,
		.password = p->password, .require_tls_for_auth = o->require_tls_for_auth,
		.max_errors = p->o.max_errors, .keep_max = p->o.keep_max, .shared = &p->shared};
	p->shared.queue_salt = (uint32_t)loop_clock_ms() ^ ((uint32_t)getpid() << 12);
}

static bool practice_start_listeners(struct practice *p, const struct practice_opts *o,
				     struct buf *err)
{
	bool defaults = o->nbind == 0;
	const char *const *ips = defaults ? practice_default_bind : o->bind;
	size_t n = defaults ? 2 : o->nbind;
	p->port = practice_listen_all(p, ips, n, defaults, o->port, false, err);
	if (!p->port)
		return false;
	if (o->tls_listen) {
		p->tls_port = practice_listen_all(p, ips, n, defaults, o->tls_port, true, err);
		if (!p->tls_port)
			return false;
	}
	for (size_t i = 0; i < p->nlis; i++)
		loop_fd_add(p->l, p->lis[i].fd, LOOP_READ, practice_accept, p);
	return true;
}

struct practice *practice_new(struct loop *l, const struct practice_opts *o, practice_cb *cb,
			      void *ud, struct buf *err)
{
	struct buf tmp;
	buf_init(&tmp, 1024);
	struct buf *e = err ? err : &tmp;
	if (!practice_check_bind(o, e)) {
		buf_free(&tmp);
		return NULL;
	}
	struct sigaction sa;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN); /* OpenSSL writes with write() */
	struct practice *p = xcalloc(1, sizeof *p);
	p->l = l;
	practice_apply_defaults(p, o);
	p->tls = srvtls_new(p->hostname, PRACTICE_CERT_SECONDS, e);
	if (!p->tls || !practice_start_listeners(p, o, e)) {
		practice_free(p);
		buf_free(&tmp);
		return NULL;
	}
	p->cb = cb;
	p->ud = ud;
	buf_free(&tmp);
	return p;
}

void practice_free(struct practice *p)
{
	if (!p)
		return;
	p->cb = NULL; /* no events from here on */
	while (p->clients)
		practice_client_stop(p->clients);
	practice_close_from(p, 0);
	srvtls_free(p->tls);
	free(p->hostname);
	free(p->user);
	free(p->password);
	free(p);
}

uint16_t practice_port(const struct practice *p)
{
	return p->port;
}

uint16_t practice_tls_port(const struct practice *p)
{
	return p->tls_port;
}

const char *practice_listener(const struct practice *p, size_t i, bool *tls)
{
	if (i >= p->nlis)
		return NULL;
	if (tls)
		*tls = p->lis[i].tls;
	return p->lis[i].text;
}

const char *practice_cert_sha256(const struct practice *p)
{
	return srvtls_sha256(p->tls);
}

const char *practice_cert_pem(const struct practice *p)
{
	return srvtls_pem(p->tls);
}

const char *practice_cert_not_after(const struct practice *p)
{
	return srvtls_not_after(p->tls);
}

const char *practice_hostname(const struct practice *p)
{
	return p->hostname;
}

const char *practice_user(const struct practice *p)
{
	return p->user;
}

const char *practice_password(const struct practice *p)
{
	return p->password;
}

uint64_t practice_size_max(const struct practice *p)
{
	return p->o.size_max;
}

bool practice_requires_tls_for_auth(const struct practice *p)
{
	return p->o.require_tls_for_auth;
}

size_t practice_client_count(const struct practice *p)
{
	return p->nclients;
}

uint64_t practice_clients_served(const struct practice *p)
{
	return p->next_id;
}

uint64_t practice_messages_accepted(const struct practice *p)
{
	return p->shared.messages;
}
