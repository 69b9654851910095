/* test_dns.c - DNS lookups through c-ares in the event loop. First against
 * a small scripted DNS responder on a loopback UDP port inside the test (MX
 * with host resolution, TXT, TLSA, AD bit, NXDOMAIN, malformed RDATA, silence
 * for timeouts, cancelling). Then, when tests/it_conn.sh has started Knot DNS
 * (SMTPSCOPE_TEST_DNS=ip:port), against that real authoritative server, and
 * DANE end to end with `openssl s_server` (SMTPSCOPE_TEST_TLS). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe/conn.h"
#include "probe/dns.h"
#include "probe/loop.h"
#include "test_dns_wire.h"

/* ---------- the scripted responder ---------- */

struct fake {
	int fd;
	uint16_t port;
	int queries;
};

/* Read the question of a query: name (lower case, dotted) and type; returns
 * the offset just past the question, 0 when malformed. */
static size_t fake_question(const uint8_t *b, size_t n, char *name, size_t cap, uint16_t *type)
{
	size_t off = 12, o = 0;
	while (off < n && b[off] != 0) {
		size_t l = b[off++];
		if (l > 63 || off + l > n || o + l + 2 > cap)
			return 0;
		if (o)
			name[o++] = '.';
		for (size_t i = 0; i < l; i++)
			name[o++] = (char)tolower(b[off + i]);
		off += l;
	}
	name[o] = '\0';
	if (off + 5 > n)
		return 0;
	*type = (uint16_t)(b[off + 1] << 8 | b[off + 2]);
	return off + 5;
}

static void fake_answers(struct wire *w, const char *name, uint16_t type, uint16_t *an, uint16_t *rcode)
{
	static const uint8_t lo4[4] = {127, 0, 0, 1}, lo9[4] = {127, 0, 0, 9};
	static const uint8_t lo6[16] = {[15] = 1};
	*an = 0;
	*rcode = 0;
	if (!strcmp(name, "mx.t") && type == DNS_T_MX) {
		size_t at = w_rr_begin(w, name, DNS_T_MX, 60);
		w_u16(w, 20);
		w_name(w, "mx2.t");
		w_rr_end(w, at);
		at = w_rr_begin(w, name, DNS_T_MX, 60);
		w_u16(w, 10);
		w_name(w, "mx1.t");
		w_rr_end(w, at);
		*an = 2;
	} else if (!strcmp(name, "mx1.t") && (type == DNS_T_A || type == DNS_T_AAAA)) {
		w_rr(w, name, type, 60, type == DNS_T_A ? lo4 : lo6, type == DNS_T_A ? 4 : 16);
		*an = 1;
	} else if (!strcmp(name, "txt.t") && type == DNS_T_TXT) {
		size_t at = w_rr_begin(w, name, DNS_T_TXT, 60);
		w_u8(w, 6);
		w_bytes(w, "hello ", 6);
		w_u8(w, 5);
		w_bytes(w, "world", 5);
		w_rr_end(w, at);
		*an = 1;
	} else if (!strcmp(name, "_25._tcp.mx1.t") && type == DNS_T_TLSA) {
		uint8_t rd[35] = {3, 1, 1};
		for (int i = 0; i < 32; i++)
			rd[3 + i] = (uint8_t)i;
		w_rr(w, name, DNS_T_TLSA, 60, rd, sizeof rd);
		*an = 1;
	} else if (!strcmp(name, "bad.t") && type == DNS_T_TLSA) {
		static const uint8_t rd[2] = {3, 1};
		w_rr(w, name, DNS_T_TLSA, 60, rd, 2);
		*an = 1;
	} else if (!strcmp(name, "ad.t") && type == DNS_T_A) {
		w_rr(w, name, DNS_T_A, 60, lo9, 4);
		*an = 1;
	} else if (!strcmp(name, "txt.t") || !strcmp(name, "mx1.t") || !strcmp(name, "ad.t")) {
		*an = 0; /* NODATA */
	} else {
		*rcode = 3; /* NXDOMAIN */
	}
}

static void fake_ready(struct loop *l, int fd, int events, void *ud)
{
	(void)l;
	(void)events;
	struct fake *f = ud;
	uint8_t q[1500];
	struct sockaddr_storage from;
	socklen_t fl = sizeof from;
	ssize_t n = recvfrom(fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
	char name[256];
	uint16_t type = 0;
	size_t qend = n > 12 ? fake_question(q, (size_t)n, name, sizeof name, &type) : 0;
	if (!qend)
		return;
	f->queries++;
	if (!strcmp(name, "slow.t"))
		return; /* never answered */
	struct wire w;
	w_header(&w, 0, 0, 1, 0);
	w.n = 12;
	w_bytes(&w, q + 12, qend - 12); /* echo the question as asked */
	uint16_t an, rcode;
	fake_answers(&w, name, type, &an, &rcode);
	uint16_t flags = (uint16_t)(DNS_W_RESPONSE | 0x0400 | rcode); /* AA */
	if (!strcmp(name, "ad.t") && (q[3] & 0x20))
		flags |= DNS_W_AD; /* only when the query asked for it */
	w.b[0] = q[0];
	w.b[1] = q[1];
	w.b[2] = (uint8_t)(flags >> 8);
	w.b[3] = (uint8_t)flags;
	w.b[6] = (uint8_t)(an >> 8);
	w.b[7] = (uint8_t)an;
	sendto(fd, w.b, w.n, 0, (struct sockaddr *)&from, fl);
}

static void fake_start(struct fake *f, struct loop *l)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t sl = sizeof a;
	f->queries = 0;
	f->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(f->fd >= 0);
	assert_int_equal(bind(f->fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(f->fd, (struct sockaddr *)&a, &sl), 0);
	f->port = ntohs(a.sin_port);
	loop_fd_add(l, f->fd, LOOP_READ, fake_ready, f);
}

static void fake_stop(struct fake *f, struct loop *l)
{
	loop_fd_del(l, f->fd);
	close(f->fd);
}

/* ---------- result capture ---------- */

struct got {
	bool done;
	bool returned; /* set after the dns_query_* call returned */
	bool early;    /* the callback ran before that: a bug */
	enum dns_status status;
	bool ad;
	size_t n;
	char text[8][128];
	uint16_t pref[8];
	enum dns_status addr_status[8];
	size_t naddrs[8];
	struct dns_tlsa tlsa[4];
	uint8_t tlsa_data[4][64];
};

static void got_cb(void *ud, const struct dns_result *r)
{
	struct got *g = ud;
	g->early = !g->returned;
	g->done = true;
	g->status = r->status;
	g->ad = r->ad;
	for (size_t i = 0; i < r->nmx && i < 8; i++) {
		snprintf(g->text[i], sizeof g->text[i], "%s", r->mx[i].host);
		g->pref[i] = r->mx[i].pref;
		g->addr_status[i] = r->mx[i].addr_status;
		g->naddrs[i] = r->mx[i].naddrs;
		if (r->mx[i].naddrs)
			snprintf(g->text[i] + strlen(g->text[i]), sizeof g->text[i] - strlen(g->text[i]),
				 " %s", r->mx[i].addrs[0].text);
	}
	for (size_t i = 0; i < r->ntxt && i < 8; i++)
		snprintf(g->text[i], sizeof g->text[i], "%s", (const char *)r->txt[i].data);
	for (size_t i = 0; i < r->naddrs && i < 8; i++)
		snprintf(g->text[i], sizeof g->text[i], "%s", r->addrs[i].text);
	for (size_t i = 0; i < r->ntlsa && i < 4; i++) {
		g->tlsa[i] = r->tlsa[i];
		size_t len = r->tlsa[i].len < 64 ? r->tlsa[i].len : 64;
		memcpy(g->tlsa_data[i], r->tlsa[i].data, len);
		g->tlsa[i].data = g->tlsa_data[i];
		g->tlsa[i].len = len;
	}
	g->n = r->nmx + r->ntxt + r->naddrs + r->ntlsa;
}

static void wait_for(struct loop *l, struct got *g, unsigned ms)
{
	uint64_t end = loop_clock_ms() + ms;
	while (!g->done && loop_clock_ms() < end)
		loop_run_once(l, 50);
}

static struct dns *fake_dns(struct loop *l, struct fake *f, unsigned timeout_ms)
{
	char servers[64];
	snprintf(servers, sizeof servers, "127.0.0.1:%u", (unsigned)f->port);
	struct dns_opts o = {.servers = servers, .timeout_ms = timeout_ms, .no_hosts_file = true};
	struct dns *d = dns_new(l, &o, NULL);
	assert_non_null(d);
	return d;
}

static void test_mx_with_hosts(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct fake f;
	fake_start(&f, l);
	struct dns *d = fake_dns(l, &f, 3000);
	struct got g;
	memset(&g, 0, sizeof g);
	dns_query_mx(d, "mx.t", true, got_cb, &g);
	g.returned = true;
	wait_for(l, &g, 5000);
	assert_true(g.done);
	assert_false(g.early);
	assert_int_equal(g.status, DNS_OK);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.pref[0], 10);
	assert_int_equal(g.addr_status[0], DNS_OK);
	assert_int_equal(g.naddrs[0], 2); /* 127.0.0.1 and ::1 */
	assert_non_null(strstr(g.text[0], "mx1.t "));
	assert_int_equal(g.pref[1], 20);
	assert_string_equal(g.text[1], "mx2.t");
	assert_int_equal(g.addr_status[1], DNS_NXDOMAIN);
	dns_free(d);
	fake_stop(&f, l);
	loop_free(l);
}

static void test_txt_tlsa_ad(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct fake f;
	fake_start(&f, l);
	struct dns *d = fake_dns(l, &f, 3000);
	struct got g;
	memset(&g, 0, sizeof g);
	dns_query(d, "txt.t", DNS_T_TXT, got_cb, &g);
	wait_for(l, &g, 5000);
	assert_int_equal(g.status, DNS_OK);
	assert_string_equal(g.text[0], "hello world");
	assert_false(g.ad);

	memset(&g, 0, sizeof g);
	dns_query_tlsa(d, "mx1.t", 25, got_cb, &g);
	wait_for(l, &g, 5000);
	assert_int_equal(g.status, DNS_OK);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.tlsa[0].usage, 3);
	assert_int_equal(g.tlsa[0].selector, 1);
	assert_int_equal(g.tlsa[0].mtype, 1);
	assert_int_equal(g.tlsa[0].len, 32);
	assert_int_equal(g.tlsa[0].data[31], 31);

	memset(&g, 0, sizeof g);
	dns_query(d, "bad.t", DNS_T_TLSA, got_cb, &g);
	wait_for(l, &g, 5000);
	assert_int_equal(g.status, DNS_BADRESP);

	memset(&g, 0, sizeof g);
	dns_query(d, "ad.t", DNS_T_A, got_cb, &g);
	wait_for(l, &g, 5000);
	assert_int_equal(g.status, DNS_OK);
	assert_true(g.ad); /* our query carried AD, so the responder set it */
	assert_string_equal(g.text[0], "127.0.0.9");

	memset(&g, 0, sizeof g);
	dns_query(d, "ad.t", DNS_T_AAAA, got_cb, &g);
	wait_for(l, &g, 5000);
	assert_int_equal(g.status, DNS_NODATA);

	memset(&g, 0, sizeof g);
	dns_query(d, "nothere.t", DNS_T_A, got_cb, &g);
	wait_for(l, &g, 5000);
	assert_int_equal(g.status, DNS_NXDOMAIN);
	dns_free(d);
	fake_stop(&f, l);
	loop_free(l);
}

static void test_timeout_cancel_free(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct fake f;
	fake_start(&f, l);
	struct dns *d = fake_dns(l, &f, 300);
	struct got g, g2;
	memset(&g, 0, sizeof g);
	memset(&g2, 0, sizeof g2);
	uint64_t t0 = loop_clock_ms();
	dns_query(d, "slow.t", DNS_T_A, got_cb, &g);
	struct dns_query *q2 = dns_query(d, "slow.t", DNS_T_MX, got_cb, &g2);
	dns_query_cancel(q2);
	wait_for(l, &g, 5000);
	uint64_t took = loop_clock_ms() - t0;
	assert_int_equal(g.status, DNS_TIMEOUT);
	assert_true(took >= 290 && took < 2000);
	for (int i = 0; i < 10; i++)
		loop_run_once(l, 50);
	assert_false(g2.done); /* cancelled: never called */
	/* Freeing the resolver with a query in flight calls nothing, leaks nothing. */
	struct got g3;
	memset(&g3, 0, sizeof g3);
	dns_query(d, "slow.t", DNS_T_TXT, got_cb, &g3);
	loop_run_once(l, 20);
	dns_free(d);
	for (int i = 0; i < 3; i++)
		loop_run_once(l, 10);
	assert_false(g3.done);
	fake_stop(&f, l);
	loop_free(l);
}

static void test_sync_answer_deferred(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct fake f;
	fake_start(&f, l);
	struct dns *d = fake_dns(l, &f, 1000);
	struct got g;
	memset(&g, 0, sizeof g);
	/* c-ares answers an IP literal at once; we still deliver from the loop. */
	dns_query_addrs(d, "127.0.0.1", AF_INET, got_cb, &g);
	assert_false(g.done);
	g.returned = true;
	wait_for(l, &g, 2000);
	assert_true(g.done);
	assert_false(g.early);
	assert_int_equal(g.status, DNS_OK);
	assert_string_equal(g.text[0], "127.0.0.1");
	assert_int_equal(f.queries, 0);
	/* A name that cannot be encoded fails at once, reported from the loop too. */
	char longlabel[80];
	memset(longlabel, 'a', 70);
	memcpy(longlabel + 70, ".t", 3);
	memset(&g, 0, sizeof g);
	dns_query(d, longlabel, DNS_T_MX, got_cb, &g);
	assert_false(g.done);
	g.returned = true;
	wait_for(l, &g, 2000);
	assert_false(g.early);
	assert_int_equal(g.status, DNS_BADNAME);
	assert_int_equal(f.queries, 0);
	dns_free(d);
	fake_stop(&f, l);
	loop_free(l);
}

/* ---------- against Knot DNS (tests/it_conn.sh) ---------- */

static struct dns *live_dns(struct loop *l)
{
	const char *srv = getenv("SMTPSCOPE_TEST_DNS");
	if (!srv)
		return NULL;
	struct dns_opts o = {.servers = srv, .timeout_ms = 3000, .no_hosts_file = true};
	return dns_new(l, &o, NULL);
}

static void test_live_knot(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct dns *d = live_dns(l);
	if (!d) {
		loop_free(l);
		printf("skip - no Knot DNS server (run tests/it_conn.sh)\n");
		skip();
	}
	struct got g;
	memset(&g, 0, sizeof g);
	dns_query_mx(d, "smtpscope.test", true, got_cb, &g);
	wait_for(l, &g, 5000);
	assert_int_equal(g.status, DNS_OK);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.pref[0], 5);
	assert_string_equal(g.text[0], "mx0.smtpscope.test");
	assert_int_equal(g.addr_status[0], DNS_NXDOMAIN);
	assert_int_equal(g.pref[1], 10);
	assert_non_null(strstr(g.text[1], "mx1.smtpscope.test "));
	assert_int_equal(g.naddrs[1], 2);
	assert_int_equal(g.pref[2], 20);
	assert_string_equal(g.text[2], "mx2.smtpscope.test 127.0.0.2");

	memset(&g, 0, sizeof g);
	dns_query(d, "smtpscope.test", DNS_T_TXT, got_cb, &g);
	wait_for(l, &g, 5000);
	assert_int_equal(g.status, DNS_OK);
	assert_string_equal(g.text[0], "v=spf1 ip4:127.0.0.1 -all");

	memset(&g, 0, sizeof g);
	dns_query(d, "alias.smtpscope.test", DNS_T_A, got_cb, &g);
	wait_for(l, &g, 5000);
	assert_int_equal(g.status, DNS_OK);
	assert_string_equal(g.text[0], "127.0.0.1");

	memset(&g, 0, sizeof g);
	dns_query(d, "mx2.smtpscope.test", DNS_T_AAAA, got_cb, &g);
	wait_for(l, &g, 5000);
	assert_int_equal(g.status, DNS_NODATA);

	memset(&g, 0, sizeof g);
	dns_query(d, "missing.smtpscope.test", DNS_T_A, got_cb, &g);
	wait_for(l, &g, 5000);
	assert_int_equal(g.status, DNS_NXDOMAIN);
	dns_free(d);
	loop_free(l);
}

struct dane_rec {
	bool done, verified, matched;
	int depth;
	char detail[300];
};

static void dane_cb(struct conn *c, const struct conn_event *ev, void *ud)
{
	(void)c;
	struct dane_rec *r = ud;
	if (ev->type == CONN_EV_TLS_DONE) {
		r->verified = ev->tls->verified;
		r->matched = ev->tls->dane_matched;
		r->depth = ev->tls->dane_depth;
		r->done = true;
	} else if (ev->type == CONN_EV_ERROR || ev->type == CONN_EV_EOF) {
		snprintf(r->detail, sizeof r->detail, "%s", ev->detail ? ev->detail : "");
		r->done = true;
	}
}

/* TLSA from Knot, then a DANE-checked handshake with openssl s_server. */
static void test_live_dane(void **state)
{
	(void)state;
	const char *hex = getenv("SMTPSCOPE_TEST_TLSA_HEX");
	const char *tls = getenv("SMTPSCOPE_TEST_TLS");
	struct loop *l = loop_new();
	struct dns *d = live_dns(l);
	if (!d || !hex || !tls) {
		if (d)
			dns_free(d);
		loop_free(l);
		printf("skip - no Knot DNS and TLS server pair (run tests/it_conn.sh)\n");
		skip();
	}
	struct got g;
	memset(&g, 0, sizeof g);
	dns_query_tlsa(d, "mx1.smtpscope.test", 25, got_cb, &g);
	wait_for(l, &g, 5000);
	assert_int_equal(g.status, DNS_OK);
	assert_int_equal(g.n, 2);
	char got_hex[65] = "";
	size_t k = 0;
	for (size_t i = 0; i < 2; i++)
		if (g.tlsa[i].usage == 3 && g.tlsa[i].len == 32)
			for (k = 0; k < 32; k++)
				snprintf(got_hex + 2 * k, 3, "%02x", g.tlsa[i].data[k]);
	assert_string_equal(got_hex, hex);

	const char *colon = strrchr(tls, ':');
	char ip[64];
	snprintf(ip, sizeof ip, "%.*s", (int)(colon - tls), tls);
	const char *addrs[] = {ip};
	struct dane_rec r;
	memset(&r, 0, sizeof r);
	struct conn_opts o = {.host = "mx1.smtpscope.test", .port = (uint16_t)strtol(colon + 1, NULL, 10),
			      .addrs = addrs, .naddrs = 1, .tls = true,
			      .tls_opts = {.tlsa = g.tlsa, .ntlsa = 2, .no_system_ca = true}};
	struct conn *c = conn_new(l, d, &o, dane_cb, &r);
	uint64_t end = loop_clock_ms() + 8000;
	while (!r.done && loop_clock_ms() < end)
		loop_run_once(l, 50);
	assert_true(r.verified);
	assert_true(r.matched);
	assert_int_equal(r.depth, 0);
	conn_free(c);
	dns_free(d);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mx_with_hosts),
		cmocka_unit_test(test_txt_tlsa_ad),
		cmocka_unit_test(test_timeout_cancel_free),
		cmocka_unit_test(test_sync_answer_deferred),
		cmocka_unit_test(test_live_knot),
		cmocka_unit_test(test_live_dane),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
