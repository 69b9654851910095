/* loop.c - the single poll()-based event loop (see loop.h). No RFC. */
#include "probe/loop.h"
#include "decode/xmalloc.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct loop_fd {
	loop_fd_fn *fn;
	void *ud;
	int mask;
	bool used;
	unsigned serial; /* changes on every registration: stale events are dropped */
};

struct loop_timer {
	uint64_t id;
	uint64_t when;
	loop_timer_fn *fn;
	void *ud;
	struct loop_timer *next;
};

struct loop_defer {
	void *obj;
	loop_free_fn *fn;
	struct loop_defer *next;
};

struct loop_hook {
	uint64_t id; /* 0: deleted, compacted after the hooks ran */
	loop_hook_fn *fn;
	void *ud;
};

struct loop_ares {
	struct loop *l;
	ares_channel ch;
	struct loop_ares *next;
};

struct loop {
	struct loop_fd *fds;
	int fds_alloc;
	int nreg;
	unsigned serial;
	struct pollfd *pfd;
	unsigned *pserial;
	size_t pfd_alloc;
	struct loop_timer *timers; /* sorted by (when, id) */
	uint64_t next_id;
	struct loop_defer *defer;
	struct loop_hook *hooks;
	size_t nhooks, hooks_alloc;
	bool in_hooks;
	struct loop_ares *ares;
	uint64_t now;
	bool stop;
	bool wake;
};

uint64_t loop_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct loop *loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof *l);
	l->next_id = 1;
	l->now = loop_clock_ms();
	return l;
}

static void loop_reap(struct loop *l)
{
	while (l->defer) {
		struct loop_defer *d = l->defer;
		l->defer = NULL;
		while (d) {
			struct loop_defer *n = d->next;
			d->fn(d->obj);
			free(d);
			d = n;
		}
	}
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	loop_reap(l);
	while (l->timers) {
		struct loop_timer *t = l->timers;
		l->timers = t->next;
		free(t);
	}
	while (l->ares) {
		struct loop_ares *a = l->ares;
		l->ares = a->next;
		free(a);
	}
	free(l->fds);
	free(l->pfd);
	free(l->pserial);
	free(l->hooks);
	free(l);
}

bool loop_fd_add(struct loop *l, int fd, int mask, loop_fd_fn *fn, void *ud)
{
	if (fd < 0 || !fn)
		return false;
	if (fd >= l->fds_alloc) {
		int n = l->fds_alloc ? l->fds_alloc : 64;
		while (n <= fd)
			n *= 2;
		l->fds = xreallocarray(l->fds, (size_t)n, sizeof *l->fds);
		memset(l->fds + l->fds_alloc, 0, (size_t)(n - l->fds_alloc) * sizeof *l->fds);
		l->fds_alloc = n;
	}
	struct loop_fd *e = &l->fds[fd];
	bool same = e->used && e->fn == fn && e->ud == ud;
	if (!e->used)
		l->nreg++;
	e->used = true;
	e->fn = fn;
	e->ud = ud;
	e->mask = mask & (LOOP_READ | LOOP_WRITE);
	if (!same) /* a new owner: events polled for the old one are dropped */
		e->serial = ++l->serial;
	return true;
}

void loop_fd_set(struct loop *l, int fd, int mask)
{
	if (fd >= 0 && fd < l->fds_alloc && l->fds[fd].used)
		l->fds[fd].mask = mask & (LOOP_READ | LOOP_WRITE);
}

int loop_fd_mask(const struct loop *l, int fd)
{
	if (fd >= 0 && fd < l->fds_alloc && l->fds[fd].used)
		return l->fds[fd].mask;
	return 0;
}

void loop_fd_del(struct loop *l, int fd)
{
	if (fd < 0 || fd >= l->fds_alloc || !l->fds[fd].used)
		return;
	memset(&l->fds[fd], 0, sizeof l->fds[fd]);
	l->nreg--;
}

uint64_t loop_timer_add(struct loop *l, uint64_t ms, loop_timer_fn *fn, void *ud)
{
	struct loop_timer *t = xcalloc(1, sizeof *t);
	t->id = l->next_id++;
	t->when = loop_clock_ms() + ms;
	t->fn = fn;
	t->ud = ud;
	struct loop_timer **pp = &l->timers;
	while (*pp && (*pp)->when <= t->when)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	return t->id;
}

bool loop_timer_cancel(struct loop *l, uint64_t id)
{
	if (id == 0)
		return false;
	for (struct loop_timer **pp = &l->timers; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			struct loop_timer *t = *pp;
			*pp = t->next;
			free(t);
			return true;
		}
	}
	return false;
}

uint64_t loop_hook_add(struct loop *l, loop_hook_fn *fn, void *ud)
{
	if (l->nhooks == l->hooks_alloc) {
		l->hooks_alloc = l->hooks_alloc ? l->hooks_alloc * 2 : 4;
		l->hooks = xreallocarray(l->hooks, l->hooks_alloc, sizeof *l->hooks);
	}
	struct loop_hook *h = &l->hooks[l->nhooks++];
	h->id = l->next_id++;
	h->fn = fn;
	h->ud = ud;
	return h->id;
}

void loop_hook_del(struct loop *l, uint64_t id)
{
	for (size_t i = 0; i < l->nhooks; i++)
		if (l->hooks[i].id == id)
			l->hooks[i].id = 0;
}

void loop_defer_free(struct loop *l, void *obj, loop_free_fn *fn)
{
	struct loop_defer *d = xcalloc(1, sizeof *d);
	d->obj = obj;
	d->fn = fn;
	d->next = l->defer;
	l->defer = d;
}

void loop_wake(struct loop *l)
{
	l->wake = true;
}

uint64_t loop_now(const struct loop *l)
{
	return l->now;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}

static int loop_run_hooks(struct loop *l)
{
	int ran = 0;
	/* Hooks added while running wait for the next turn. */
	size_t n = l->nhooks;
	for (size_t i = 0; i < n; i++) {
		if (l->hooks[i].id) {
			l->hooks[i].fn(l, l->hooks[i].ud);
			ran++;
		}
	}
	size_t k = 0;
	for (size_t i = 0; i < l->nhooks; i++)
		if (l->hooks[i].id)
			l->hooks[k++] = l->hooks[i];
	l->nhooks = k;
	return ran;
}

/* The poll timeout in ms: min(max_ms, next timer, every c-ares timeout). */
static int loop_timeout(struct loop *l, int max_ms)
{
	if (l->wake || l->defer)
		return 0;
	int64_t ms = max_ms;
	uint64_t now = loop_clock_ms();
	if (l->timers) {
		uint64_t d = l->timers->when > now ? l->timers->when - now : 0;
		if (ms < 0 || d < (uint64_t)ms)
			ms = (int64_t)d;
	}
	for (struct loop_ares *a = l->ares; a; a = a->next) {
		struct timeval tv;
		if (!ares_timeout(a->ch, NULL, &tv))
			continue;
		int64_t d = (int64_t)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
		if (ms < 0 || d < ms)
			ms = d;
	}
	if (ms > 1000 * 1000)
		ms = 1000 * 1000;
	return (int)ms;
}

static size_t loop_build_pollset(struct loop *l)
{
	if ((size_t)l->nreg > l->pfd_alloc) {
		l->pfd_alloc = (size_t)l->nreg * 2;
		l->pfd = xreallocarray(l->pfd, l->pfd_alloc, sizeof *l->pfd);
		l->pserial = xreallocarray(l->pserial, l->pfd_alloc, sizeof *l->pserial);
	}
	size_t n = 0;
	for (int fd = 0; fd < l->fds_alloc && n < (size_t)l->nreg; fd++) {
		struct loop_fd *e = &l->fds[fd];
		if (!e->used || !e->mask)
			continue;
		l->pfd[n].fd = fd;
		l->pfd[n].events = (short)(((e->mask & LOOP_READ) ? POLLIN : 0) |
					   ((e->mask & LOOP_WRITE) ? POLLOUT : 0));
		l->pfd[n].revents = 0;
		l->pserial[n] = e->serial;
		n++;
	}
	return n;
}

static int loop_dispatch(struct loop *l, size_t n)
{
	int ran = 0;
	for (size_t i = 0; i < n; i++) {
		short re = l->pfd[i].revents;
		int fd = l->pfd[i].fd;
		if (!re || fd >= l->fds_alloc)
			continue;
		struct loop_fd *e = &l->fds[fd];
		if (!e->used || e->serial != l->pserial[i] || !e->mask)
			continue;
		int ev = 0;
		if (re & (POLLIN | POLLPRI))
			ev |= LOOP_READ;
		if (re & POLLOUT)
			ev |= LOOP_WRITE;
		if (re & (POLLERR | POLLHUP | POLLNVAL))
			ev |= LOOP_ERROR | e->mask;
		ev &= e->mask | LOOP_ERROR;
		if (!ev)
			continue;
		e->fn(l, fd, ev, e->ud);
		ran++;
	}
	return ran;
}

static int loop_fire_timers(struct loop *l, uint64_t cutoff)
{
	int ran = 0;
	for (;;) {
		uint64_t now = loop_clock_ms();
		struct loop_timer **pp = &l->timers;
		while (*pp && (*pp)->when <= now && (*pp)->id >= cutoff)
			pp = &(*pp)->next;
		struct loop_timer *t = *pp;
		if (!t || t->when > now)
			return ran;
		*pp = t->next;
		loop_timer_fn *fn = t->fn;
		void *ud = t->ud;
		uint64_t id = t->id;
		free(t);
		fn(l, id, ud);
		ran++;
	}
}

int loop_run_once(struct loop *l, int max_ms)
{
	uint64_t cutoff = l->next_id;
	int ran = 0;
	l->now = loop_clock_ms();
	loop_reap(l);
	ran += loop_run_hooks(l);
	size_t n = loop_build_pollset(l);
	int timeout = loop_timeout(l, max_ms);
	l->wake = false;
	if (n == 0 && timeout < 0)
		return ran; /* nothing could ever wake us: do not sleep forever */
	int rc = poll(l->pfd, (nfds_t)n, timeout);
	if (rc < 0 && errno != EINTR)
		return -1;
	l->now = loop_clock_ms();
	if (rc > 0)
		ran += loop_dispatch(l, n);
	for (struct loop_ares *a = l->ares; a; a = a->next)
		ares_process_fd(a->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	ran += loop_fire_timers(l, cutoff);
	return ran;
}

bool loop_busy(const struct loop *l)
{
	if (l->nreg > 0 || l->timers || l->defer)
		return true;
	for (const struct loop_ares *a = l->ares; a; a = a->next) {
		struct timeval tv;
		if (ares_timeout(a->ch, NULL, &tv))
			return true;
	}
	return false;
}

void loop_run(struct loop *l)
{
	l->stop = false;
	while (!l->stop && loop_busy(l))
		if (loop_run_once(l, -1) < 0)
			break;
}

static void loop_ares_ready(struct loop *l, int fd, int events, void *ud)
{
	(void)l;
	struct loop_ares *a = ud;
	ares_socket_t r = (events & (LOOP_READ | LOOP_ERROR)) ? fd : ARES_SOCKET_BAD;
	ares_socket_t w = (events & LOOP_WRITE) ? fd : ARES_SOCKET_BAD;
	ares_process_fd(a->ch, r, w);
}

static void loop_ares_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct loop_ares *a = data;
	if (!readable && !writable)
		loop_fd_del(a->l, fd);
	else
		loop_fd_add(a->l, fd, (readable ? LOOP_READ : 0) | (writable ? LOOP_WRITE : 0),
			    loop_ares_ready, a);
}

int loop_ares_init(struct loop *l, ares_channel *ch, struct ares_options *opts, int optmask)
{
	struct ares_options o;
	if (opts)
		o = *opts;
	else
		memset(&o, 0, sizeof o);
	struct loop_ares *a = xcalloc(1, sizeof *a);
	a->l = l;
	o.sock_state_cb = loop_ares_sock_state;
	o.sock_state_cb_data = a;
	int rc = ares_init_options(&a->ch, &o, optmask | ARES_OPT_SOCK_STATE_CB);
	if (rc != ARES_SUCCESS) {
		free(a);
		return rc;
	}
	a->next = l->ares;
	l->ares = a;
	*ch = a->ch;
	return ARES_SUCCESS;
}

void loop_ares_destroy(struct loop *l, ares_channel ch)
{
	for (struct loop_ares **pp = &l->ares; *pp; pp = &(*pp)->next) {
		if ((*pp)->ch == ch) {
			struct loop_ares *a = *pp;
			ares_destroy(ch); /* closes its sockets through loop_ares_sock_state */
			*pp = a->next;
			free(a);
			return;
		}
	}
}
