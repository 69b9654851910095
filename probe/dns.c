/* dns.c - asynchronous lookups through c-ares in the event loop (see dns.h):
 * raw queries for A, AAAA, MX, TXT, TLSA (RFC 1035, RFC 3596, RFC 6698) parsed
 * by dns_msg.c, getaddrinfo-style address lookups, MX host resolution
 * (RFC 5321 5.1), a whole-query timeout on the loop's clock. */
#include "probe/dns.h"
#include "decode/buf.h"
#include "decode/limits.h"
#include "decode/xmalloc.h"
#include "probe/loop.h"

#include <arpa/inet.h>
#include <ares.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

struct dns {
	struct loop *l;
	ares_channel ch;
	unsigned timeout_ms;
	struct dns_query *queries; /* every query not yet freed */
};

struct dns_query {
	struct dns *d;
	dns_cb *cb;
	void *ud;
	bool done;	/* delivered or cancelled: the callback will not run again */
	int pending;	/* c-ares requests (and guards) outstanding */
	uint64_t timer; /* whole-query timeout */
	uint64_t deliver; /* 0 ms timer when the result came synchronously */
	bool resolve_hosts;
	struct dns_result res;
	struct dns_query *prev, *next;
};

/* One MX host's address lookup. */
struct dns_sub {
	struct dns_query *q;
	size_t idx;
};

static void dns_query_maybe_free(struct dns_query *q)
{
	if (!q->done || q->pending > 0 || q->deliver)
		return;
	loop_timer_cancel(q->d->l, q->timer);
	if (q->prev)
		q->prev->next = q->next;
	else
		q->d->queries = q->next;
	if (q->next)
		q->next->prev = q->prev;
	dns_result_clear(&q->res);
	free(q);
}

static void dns_deliver(struct dns_query *q)
{
	if (q->done)
		return;
	q->done = true;
	loop_timer_cancel(q->d->l, q->timer);
	q->timer = 0;
	q->cb(q->ud, &q->res);
}

static void dns_deliver_timer(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	struct dns_query *q = ud;
	q->deliver = 0;
	dns_deliver(q);
	dns_query_maybe_free(q);
}

/* Called when a c-ares request of q finished; delivers when nothing is left.
 * in_submit: we are still inside the dns_query_* call that started it. */
static void dns_request_done(struct dns_query *q, bool in_submit)
{
	q->pending--;
	if (q->pending == 0 && !q->done) {
		if (in_submit) {
			if (!q->deliver)
				q->deliver = loop_timer_add(q->d->l, 0, dns_deliver_timer, q);
		} else {
			dns_deliver(q);
		}
	}
	dns_query_maybe_free(q);
}

static enum dns_status dns_map_status(int st)
{
	switch (st) {
	case ARES_SUCCESS: return DNS_OK;
	case ARES_ENODATA: return DNS_NODATA;
	case ARES_ENOTFOUND: return DNS_NXDOMAIN;
	case ARES_ESERVFAIL: return DNS_SERVFAIL;
	case ARES_EREFUSED: return DNS_REFUSED;
	case ARES_ETIMEOUT: return DNS_TIMEOUT;
	case ARES_EBADRESP:
	case ARES_EFORMERR: return DNS_BADRESP;
	case ARES_EBADNAME: return DNS_BADNAME;
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION: return DNS_CANCELLED;
	default: return DNS_ERROR;
	}
}

static void dns_set_error(struct dns_result *r, int st)
{
	r->status = dns_map_status(st);
	free(r->detail);
	r->detail = xstrdup(ares_strerror(st));
}

static void dns_timeout_fired(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	struct dns_query *q = ud;
	q->timer = 0;
	if (q->done)
		return;
	if (q->res.type == DNS_T_MX && q->res.status == DNS_OK) {
		/* The MX answer came; hosts not resolved yet are marked. */
		for (size_t i = 0; i < q->res.nmx; i++)
			if (!q->res.mx[i].naddrs && q->res.mx[i].addr_status == DNS_OK)
				q->res.mx[i].addr_status = DNS_TIMEOUT;
	} else {
		q->res.status = DNS_TIMEOUT;
		free(q->res.detail);
		q->res.detail = xstrdup("no answer within the time limit");
	}
	dns_deliver(q);
	dns_query_maybe_free(q);
}

static struct dns_query *dns_query_new(struct dns *d, const char *name, enum dns_type type,
				       dns_cb *cb, void *ud)
{
	struct dns_query *q = xcalloc(1, sizeof *q);
	q->d = d;
	q->cb = cb;
	q->ud = ud;
	q->res.type = type;
	q->res.name = xstrdup(name);
	q->res.status = DNS_ERROR;
	q->next = d->queries;
	if (d->queries)
		d->queries->prev = q;
	d->queries = q;
	q->timer = loop_timer_add(d->l, d->timeout_ms, dns_timeout_fired, q);
	q->pending = 1; /* guard held while the query is being started */
	return q;
}

static size_t dns_addrs_from_ai(const struct ares_addrinfo *ai, struct dns_addr **out)
{
	size_t n = 0, cap = 0;
	*out = NULL;
	for (const struct ares_addrinfo_node *nd = ai ? ai->nodes : NULL; nd; nd = nd->ai_next) {
		struct dns_addr a;
		memset(&a, 0, sizeof a);
		a.family = nd->ai_family;
		if (nd->ai_family == AF_INET && nd->ai_addrlen >= sizeof(struct sockaddr_in))
			memcpy(a.bytes, &((const struct sockaddr_in *)(const void *)nd->ai_addr)->sin_addr, 4);
		else if (nd->ai_family == AF_INET6 && nd->ai_addrlen >= sizeof(struct sockaddr_in6))
			memcpy(a.bytes, &((const struct sockaddr_in6 *)(const void *)nd->ai_addr)->sin6_addr, 16);
		else
			continue;
		bool dup = false;
		for (size_t i = 0; i < n && !dup; i++)
			dup = (*out)[i].family == a.family && !memcmp((*out)[i].bytes, a.bytes, 16);
		if (dup || n >= DNS_ADDRS_MAX)
			continue;
		inet_ntop(a.family, a.bytes, a.text, sizeof a.text);
		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			*out = xreallocarray(*out, cap, sizeof **out);
		}
		(*out)[n++] = a;
	}
	return n;
}

static void dns_addrinfo_cb(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	(void)timeouts;
	struct dns_query *q = arg;
	if (!q->done) {
		if (status == ARES_SUCCESS) {
			q->res.naddrs = dns_addrs_from_ai(ai, &q->res.addrs);
			q->res.status = q->res.naddrs ? DNS_OK : DNS_NODATA;
			if (!q->res.naddrs)
				q->res.detail = xstrdup("no usable address");
		} else {
			dns_set_error(&q->res, status);
		}
	}
	if (ai)
		ares_freeaddrinfo(ai);
	dns_request_done(q, false);
}

static void dns_mx_host_cb(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	(void)timeouts;
	struct dns_sub *s = arg;
	struct dns_query *q = s->q;
	if (!q->done && s->idx < q->res.nmx) {
		struct dns_mx *mx = &q->res.mx[s->idx];
		if (status == ARES_SUCCESS) {
			mx->naddrs = dns_addrs_from_ai(ai, &mx->addrs);
			mx->addr_status = mx->naddrs ? DNS_OK : DNS_NODATA;
		} else {
			mx->addr_status = dns_map_status(status);
		}
	}
	if (ai)
		ares_freeaddrinfo(ai);
	free(s);
	dns_request_done(q, false);
}

static void dns_resolve_mx_hosts(struct dns_query *q)
{
	struct ares_addrinfo_hints hints;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	q->pending++; /* guard: synchronous answers must not deliver half-way */
	for (size_t i = 0; i < q->res.nmx; i++) {
		struct dns_mx *mx = &q->res.mx[i];
		if (strcmp(mx->host, ".") == 0) {
			mx->addr_status = DNS_NODATA; /* null MX: no host to resolve */
			continue;
		}
		mx->addr_status = DNS_OK; /* in progress; the timeout marks it */
		struct dns_sub *s = xcalloc(1, sizeof *s);
		s->q = q;
		s->idx = i;
		q->pending++;
		ares_getaddrinfo(q->d->ch, mx->host, NULL, &hints, dns_mx_host_cb, s);
	}
	dns_request_done(q, false);
}

static void dns_raw_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	(void)timeouts;
	struct dns_query *q = arg;
	if (!q->done) {
		if (status == ARES_SUCCESS && abuf && alen > 0)
			dns_msg_parse(abuf, (size_t)alen, q->res.name, q->res.type, &q->res);
		else
			dns_set_error(&q->res, status);
		if (q->res.type == DNS_T_MX && q->res.status == DNS_OK && q->resolve_hosts &&
		    q->res.nmx > 0) {
			dns_resolve_mx_hosts(q);
		}
	}
	dns_request_done(q, false);
}

static void dns_send_raw(struct dns_query *q, const char *qname)
{
	unsigned char *buf = NULL;
	int len = 0;
	unsigned short id = 0;
	if (getrandom(&id, sizeof id, 0) != (ssize_t)sizeof id)
		id = (unsigned short)(loop_clock_ms() & 0xffff);
	/* EDNS0 with a 1232-octet UDP size (the DNS flag day 2020 value). */
	int rc = ares_create_query(qname, 1 /* IN */, (int)q->res.type, id, 1, &buf, &len, 1232);
	if (rc != ARES_SUCCESS) {
		dns_set_error(&q->res, rc);
		return;
	}
	if (len > 3)
		buf[3] |= 0x20; /* AD: ask a validating resolver to say so (RFC 6840 5.7) */
	q->pending++;
	ares_send(q->d->ch, buf, len, dns_raw_cb, q);
	ares_free_string(buf);
}

struct dns_query *dns_query(struct dns *d, const char *name, enum dns_type type, dns_cb *cb,
			    void *ud)
{
	if (type == DNS_T_ADDR)
		return dns_query_addrs(d, name, AF_UNSPEC, cb, ud);
	struct dns_query *q = dns_query_new(d, name, type, cb, ud);
	dns_send_raw(q, name);
	dns_request_done(q, true);
	return q;
}

struct dns_query *dns_query_addrs(struct dns *d, const char *name, int family, dns_cb *cb,
				  void *ud)
{
	struct dns_query *q = dns_query_new(d, name, DNS_T_ADDR, cb, ud);
	struct ares_addrinfo_hints hints;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = family;
	q->pending++;
	ares_getaddrinfo(d->ch, name, NULL, &hints, dns_addrinfo_cb, q);
	dns_request_done(q, true);
	return q;
}

struct dns_query *dns_query_mx(struct dns *d, const char *name, bool resolve_hosts, dns_cb *cb,
			       void *ud)
{
	struct dns_query *q = dns_query_new(d, name, DNS_T_MX, cb, ud);
	q->resolve_hosts = resolve_hosts;
	dns_send_raw(q, name);
	dns_request_done(q, true);
	return q;
}

struct dns_query *dns_query_tlsa(struct dns *d, const char *host, uint16_t port, dns_cb *cb,
				 void *ud)
{
	char name[300];
	int n = snprintf(name, sizeof name, "_%u._tcp.%s", (unsigned)port, host);
	if (n < 0 || (size_t)n >= sizeof name)
		name[0] = '\0'; /* too long: c-ares refuses the empty label set below */
	struct dns_query *q = dns_query_new(d, name, DNS_T_TLSA, cb, ud);
	if (name[0])
		dns_send_raw(q, name);
	else
		dns_set_error(&q->res, ARES_EBADNAME);
	dns_request_done(q, true);
	return q;
}

void dns_query_cancel(struct dns_query *q)
{
	if (!q || q->done)
		return;
	q->done = true;
	loop_timer_cancel(q->d->l, q->timer);
	q->timer = 0;
	if (q->deliver) {
		loop_timer_cancel(q->d->l, q->deliver);
		q->deliver = 0;
	}
	dns_query_maybe_free(q);
}

struct dns *dns_new(struct loop *l, const struct dns_opts *o, struct buf *err)
{
	struct dns_opts def;
	if (!o) {
		memset(&def, 0, sizeof def);
		o = &def;
	}
	struct dns *d = xcalloc(1, sizeof *d);
	d->l = l;
	d->timeout_ms = o->timeout_ms ? o->timeout_ms : DNS_TIMEOUT_DEFAULT_MS;
	struct ares_options ao;
	memset(&ao, 0, sizeof ao);
	ao.tries = o->tries ? (int)o->tries : 2;
	/* c-ares's per-try timeout, so that its own retries end near ours. */
	ao.timeout = (int)(d->timeout_ms / (unsigned)ao.tries);
	if (ao.timeout < 100)
		ao.timeout = 100;
	/* Names asked about are absolute: never append resolv.conf search domains. */
	ao.flags = ARES_FLAG_EDNS | ARES_FLAG_NOSEARCH;
	ao.ednspsz = 1232;
	ao.domains = NULL;
	ao.ndomains = 0;
	int mask = ARES_OPT_TRIES | ARES_OPT_TIMEOUTMS | ARES_OPT_FLAGS | ARES_OPT_EDNSPSZ |
		   ARES_OPT_DOMAINS;
	char lookups[] = "b";
	if (o->no_hosts_file) {
		ao.lookups = lookups;
		mask |= ARES_OPT_LOOKUPS;
	}
	int rc = loop_ares_init(l, &d->ch, &ao, mask);
	if (rc == ARES_SUCCESS && o->servers)
		rc = ares_set_servers_ports_csv(d->ch, o->servers);
	if (rc != ARES_SUCCESS) {
		if (err)
			buf_printf(err, "resolver: %s", ares_strerror(rc));
		if (d->ch)
			loop_ares_destroy(l, d->ch);
		free(d);
		return NULL;
	}
	return d;
}

void dns_free(struct dns *d)
{
	if (!d)
		return;
	for (struct dns_query *q = d->queries; q; q = q->next) {
		q->done = true;
		loop_timer_cancel(d->l, q->timer);
		loop_timer_cancel(d->l, q->deliver);
		q->timer = q->deliver = 0;
	}
	/* Pending requests end now (ARES_EDESTRUCTION) and free their queries. */
	loop_ares_destroy(d->l, d->ch);
	while (d->queries) {
		struct dns_query *q = d->queries;
		q->pending = 0;
		dns_query_maybe_free(q);
	}
	free(d);
}

void dns_free_cb(void *d)
{
	dns_free(d);
}
