/* test_conn.c - plain connections against listeners created in the test, on
 * loopback only: IPv4, IPv6, a unix socket, refused-then-next-address, connect
 * timeout, reset, idle timeout, output cap, resolving through the hosts file,
 * freeing a conn inside its own callback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "probe/conn.h"
#include "probe/dns.h"
#include "probe/loop.h"

enum srv_mode { SRV_GREET, SRV_RESET, SRV_SILENT };

struct srv {
	struct loop *l;
	int lfd, cfd;
	enum srv_mode mode;
	char in[512];
	size_t inlen;
	int accepted;
};

static void srv_client_ready(struct loop *l, int fd, int events, void *ud)
{
	(void)events;
	struct srv *s = ud;
	ssize_t n = read(fd, s->in + s->inlen, sizeof s->in - 1 - s->inlen);
	if (n <= 0) {
		loop_fd_del(l, fd);
		close(fd);
		s->cfd = -1;
		return;
	}
	s->inlen += (size_t)n;
	s->in[s->inlen] = '\0';
	if (s->mode == SRV_RESET) { /* abortive close: the peer sees a reset */
		struct linger lg = {1, 0};
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		loop_fd_del(l, fd);
		close(fd);
		s->cfd = -1;
		return;
	}
	if (strstr(s->in, "QUIT\r\n")) {
		assert_int_equal(write(fd, "221 bye\r\n", 9), 9);
		loop_fd_del(l, fd);
		close(fd);
		s->cfd = -1;
	}
}

static void srv_accept(struct loop *l, int fd, int events, void *ud)
{
	(void)events;
	struct srv *s = ud;
	int c = accept(fd, NULL, NULL);
	if (c < 0)
		return;
	fcntl(c, F_SETFL, O_NONBLOCK);
	s->accepted++;
	s->cfd = c;
	if (s->mode == SRV_GREET)
		assert_int_equal(write(c, "220 test ready\r\n", 16), 16);
	loop_fd_add(l, c, LOOP_READ, srv_client_ready, s);
}

/* Listen on ip (v4 or v6 literal) port 0; returns the port, 0 when impossible. */
static uint16_t srv_listen(struct srv *s, struct loop *l, const char *ip, enum srv_mode mode, int backlog)
{
	memset(s, 0, sizeof *s);
	s->l = l;
	s->cfd = -1;
	s->mode = mode;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	socklen_t sl;
	int fam = strchr(ip, ':') ? AF_INET6 : AF_INET;
	if (fam == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		inet_pton(AF_INET, ip, &a->sin_addr);
		sl = sizeof *a;
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		inet_pton(AF_INET6, ip, &a->sin6_addr);
		sl = sizeof *a;
	}
	s->lfd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return 0;
	if (bind(s->lfd, (struct sockaddr *)&ss, sl) < 0 || listen(s->lfd, backlog) < 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&ss, &sl) < 0) {
		close(s->lfd);
		s->lfd = -1;
		return 0;
	}
	if (mode != SRV_SILENT || backlog > 0)
		loop_fd_add(l, s->lfd, LOOP_READ, srv_accept, s);
	return fam == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
			      : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void srv_close(struct srv *s)
{
	if (s->cfd >= 0) {
		loop_fd_del(s->l, s->cfd);
		close(s->cfd);
	}
	if (s->lfd >= 0) {
		loop_fd_del(s->l, s->lfd);
		close(s->lfd);
	}
}

struct crec {
	int counts[CONN_EV_LAST];
	enum conn_err err, attempt_err[4];
	int attempt_errno[4];
	int nattempt_failed;
	char data[1024];
	size_t len;
	char detail[256];
	char connected_to[128];
	bool quit_sent, done, free_on_connected;
	int events_after_free;
	bool freed;
};

static void crec_cb(struct conn *c, const struct conn_event *ev, void *ud)
{
	struct crec *r = ud;
	if (r->freed)
		r->events_after_free++;
	r->counts[ev->type]++;
	switch (ev->type) {
	case CONN_EV_ATTEMPT_FAILED:
		if (r->nattempt_failed < 4) {
			r->attempt_err[r->nattempt_failed] = ev->err;
			r->attempt_errno[r->nattempt_failed] = ev->sys_errno;
		}
		r->nattempt_failed++;
		assert_non_null(ev->addr);
		assert_false(ev->addr->ok);
		break;
	case CONN_EV_CONNECTED:
		snprintf(r->connected_to, sizeof r->connected_to, "%s", ev->addr->text);
		if (r->free_on_connected) {
			conn_free(c);
			r->freed = true;
			r->done = true;
		}
		break;
	case CONN_EV_DATA:
		if (r->len + ev->len < sizeof r->data) {
			memcpy(r->data + r->len, ev->data, ev->len);
			r->len += ev->len;
			r->data[r->len] = '\0';
		}
		if (!r->quit_sent && strstr(r->data, "220 ")) {
			assert_true(conn_write(c, "QUIT\r\n", 6));
			r->quit_sent = true;
		}
		break;
	case CONN_EV_IDLE:
	case CONN_EV_EOF:
	case CONN_EV_ERROR:
		r->err = ev->err;
		snprintf(r->detail, sizeof r->detail, "%s", ev->detail ? ev->detail : "");
		r->done = true;
		break;
	default: break;
	}
}

static void run_until(struct loop *l, bool *done, unsigned ms)
{
	uint64_t end = loop_clock_ms() + ms;
	while (!*done && loop_clock_ms() < end)
		loop_run_once(l, 50);
}

/* Full exchange: greeting, QUIT, 221, EOF. */
static void exchange(const char *listen_ip, const char *connect_host)
{
	struct loop *l = loop_new();
	struct srv s;
	uint16_t port = srv_listen(&s, l, listen_ip, SRV_GREET, 8);
	if (!port) {
		loop_free(l);
		skip();
	}
	struct crec r;
	memset(&r, 0, sizeof r);
	struct conn_opts o = {.host = connect_host, .port = port, .connect_timeout_ms = 2000};
	struct conn *c = conn_new(l, NULL, &o, crec_cb, &r);
	assert_non_null(c);
	assert_int_equal(conn_state(c), CONN_S_STARTING);
	assert_int_equal(r.counts[CONN_EV_RESOLVED], 0); /* nothing from inside conn_new */
	run_until(l, &r.done, 5000);
	assert_true(r.done);
	assert_int_equal(r.counts[CONN_EV_RESOLVED], 1);
	assert_int_equal(r.counts[CONN_EV_ATTEMPT], 1);
	assert_int_equal(r.counts[CONN_EV_CONNECTED], 1);
	assert_int_equal(r.counts[CONN_EV_SENT], 1);
	assert_int_equal(r.counts[CONN_EV_EOF], 1);
	assert_int_equal(r.counts[CONN_EV_ERROR], 0);
	assert_string_equal(r.data, "220 test ready\r\n221 bye\r\n");
	assert_non_null(strstr(s.in, "QUIT\r\n"));
	assert_int_equal(conn_state(c), CONN_S_CLOSED);
	const struct conn_addr *peer = conn_peer(c);
	assert_non_null(peer);
	assert_string_equal(peer->text, r.connected_to);
	assert_false(conn_write(c, "x", 1)); /* closed */
	conn_free(c);
	srv_close(&s);
	loop_run_once(l, 0);
	loop_free(l);
}

static void test_ipv4(void **state)
{
	(void)state;
	exchange("127.0.0.1", "127.0.0.1");
}

static void test_ipv6(void **state)
{
	(void)state;
	exchange("::1", "::1");
}

static void test_refused_then_next(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct srv s;
	uint16_t port = srv_listen(&s, l, "127.0.0.1", SRV_GREET, 8);
	assert_true(port > 0);
	/* 127.0.0.2 is loopback too, but nothing listens there on this port. */
	const char *addrs[] = {"127.0.0.2", "127.0.0.1"};
	struct crec r;
	memset(&r, 0, sizeof r);
	struct conn_opts o = {.host = "mx.example", .port = port, .addrs = addrs, .naddrs = 2};
	struct conn *c = conn_new(l, NULL, &o, crec_cb, &r);
	run_until(l, &r.done, 5000);
	assert_int_equal(r.counts[CONN_EV_ATTEMPT], 2);
	assert_int_equal(r.nattempt_failed, 1);
	assert_int_equal(r.attempt_err[0], CONN_ERR_CONNECT);
	assert_int_equal(r.attempt_errno[0], ECONNREFUSED);
	assert_int_equal(r.counts[CONN_EV_EOF], 1);
	size_t n;
	const struct conn_addr *a = conn_addrs(c, &n);
	assert_int_equal(n, 2);
	assert_true(a[0].tried);
	assert_false(a[0].ok);
	assert_string_equal(a[0].why, strerror(ECONNREFUSED));
	assert_true(a[1].ok);
	char want[64];
	snprintf(want, sizeof want, "127.0.0.1:%u", (unsigned)port);
	assert_string_equal(r.connected_to, want);
	conn_free(c);
	srv_close(&s);
	loop_free(l);
}

static void test_all_refused(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct srv s;
	uint16_t port = srv_listen(&s, l, "127.0.0.1", SRV_GREET, 8);
	srv_close(&s); /* the port is now (almost surely) closed */
	struct crec r;
	memset(&r, 0, sizeof r);
	struct conn_opts o = {.host = "127.0.0.1", .port = port};
	struct conn *c = conn_new(l, NULL, &o, crec_cb, &r);
	run_until(l, &r.done, 5000);
	assert_int_equal(r.counts[CONN_EV_ERROR], 1);
	assert_int_equal(r.err, CONN_ERR_CONNECT);
	assert_non_null(strstr(r.detail, strerror(ECONNREFUSED)));
	assert_null(conn_peer(c));
	conn_free(c);
	loop_free(l);
}

static void test_connect_timeout(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct srv s;
	/* Backlog 0 and never accepting: after one queued connection the
	 * kernel drops further SYNs, so the next connect hangs. */
	uint16_t port = srv_listen(&s, l, "127.0.0.1", SRV_SILENT, 0);
	assert_true(port > 0);
	int filler = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	connect(filler, (struct sockaddr *)&a, sizeof a);
	usleep(50000);
	struct crec r;
	memset(&r, 0, sizeof r);
	struct conn_opts o = {.host = "127.0.0.1", .port = port, .connect_timeout_ms = 200};
	uint64_t t0 = loop_clock_ms();
	struct conn *c = conn_new(l, NULL, &o, crec_cb, &r);
	run_until(l, &r.done, 5000);
	uint64_t took = loop_clock_ms() - t0;
	assert_int_equal(r.nattempt_failed, 1);
	assert_int_equal(r.attempt_err[0], CONN_ERR_CONNECT_TIMEOUT);
	assert_int_equal(r.attempt_errno[0], ETIMEDOUT);
	assert_int_equal(r.err, CONN_ERR_CONNECT);
	assert_true(took >= 190 && took < 3000);
	size_t n;
	const struct conn_addr *ad = conn_addrs(c, &n);
	assert_non_null(strstr(ad[0].why, "200 ms"));
	conn_free(c);
	close(filler);
	srv_close(&s);
	loop_free(l);
}

static void test_reset(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct srv s;
	uint16_t port = srv_listen(&s, l, "127.0.0.1", SRV_RESET, 8);
	struct crec r;
	memset(&r, 0, sizeof r);
	struct conn_opts o = {.host = "127.0.0.1", .port = port};
	struct conn *c = conn_new(l, NULL, &o, crec_cb, &r);
	assert_true(conn_write(c, "EHLO x\r\n", 8)); /* the server resets on reading it */
	run_until(l, &r.done, 5000);
	assert_int_equal(r.counts[CONN_EV_CONNECTED], 1);
	assert_int_equal(r.counts[CONN_EV_ERROR], 1);
	assert_int_equal(r.err, CONN_ERR_RESET);
	assert_string_equal(r.detail, strerror(ECONNRESET));
	conn_free(c);
	srv_close(&s);
	loop_free(l);
}

static void test_idle_and_cap(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct srv s;
	uint16_t port = srv_listen(&s, l, "127.0.0.1", SRV_SILENT, 8);
	struct crec r;
	memset(&r, 0, sizeof r);
	struct conn_opts o = {.host = "127.0.0.1", .port = port, .idle_timeout_ms = 80,
			      .out_max = 16};
	struct conn *c = conn_new(l, NULL, &o, crec_cb, &r);
	assert_false(conn_write(c, "0123456789abcdefX", 17)); /* over the cap */
	assert_true(conn_write(c, "EHLO x\r\n", 8));	       /* queued before connecting */
	assert_int_equal(conn_out_pending(c), 8);
	uint64_t t0 = loop_clock_ms();
	run_until(l, &r.done, 5000);
	assert_int_equal(r.counts[CONN_EV_IDLE], 1);
	assert_true(loop_clock_ms() - t0 >= 75);
	assert_non_null(strstr(r.detail, "80 ms"));
	assert_int_equal(conn_state(c), CONN_S_OPEN); /* idle is not fatal */
	assert_int_equal(conn_out_pending(c), 0);
	assert_int_equal(s.inlen, 8);
	assert_memory_equal(s.in, "EHLO x\r\n", 8);
	conn_close(c);
	assert_int_equal(conn_state(c), CONN_S_CLOSED);
	conn_free(c);
	srv_close(&s);
	loop_free(l);
}

static void test_unix_socket(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	char dir[80];
	const char *td = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/smtpscope-conn-XXXXXX", td && strlen(td) < 40 ? td : P_tmpdir);
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof path, "%s/sock", dir);
	struct srv s;
	memset(&s, 0, sizeof s);
	s.l = l;
	s.cfd = -1;
	s.mode = SRV_GREET;
	s.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_un su = {.sun_family = AF_UNIX};
	memcpy(su.sun_path, path, strlen(path) + 1);
	assert_int_equal(bind(s.lfd, (struct sockaddr *)&su, sizeof su), 0);
	assert_int_equal(listen(s.lfd, 4), 0);
	loop_fd_add(l, s.lfd, LOOP_READ, srv_accept, &s);
	struct crec r;
	memset(&r, 0, sizeof r);
	struct conn_opts o = {.unix_path = path};
	struct conn *c = conn_new(l, NULL, &o, crec_cb, &r);
	run_until(l, &r.done, 5000);
	assert_int_equal(r.counts[CONN_EV_EOF], 1);
	assert_string_equal(r.connected_to, path);
	assert_string_equal(r.data, "220 test ready\r\n221 bye\r\n");
	conn_free(c);
	srv_close(&s);
	unlink(path);
	rmdir(dir);
	loop_free(l);
}

static void test_resolve_hosts_file(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct srv s;
	uint16_t port = srv_listen(&s, l, "127.0.0.1", SRV_GREET, 8);
	/* No DNS server answers at 127.0.0.1:9; "localhost" comes from the hosts file. */
	struct dns_opts dopt = {.servers = "127.0.0.1:9", .timeout_ms = 1000};
	struct dns *d = dns_new(l, &dopt, NULL);
	assert_non_null(d);
	struct crec r;
	memset(&r, 0, sizeof r);
	struct conn_opts o = {.host = "localhost", .port = port, .family = AF_INET};
	struct conn *c = conn_new(l, d, &o, crec_cb, &r);
	run_until(l, &r.done, 5000);
	assert_int_equal(r.counts[CONN_EV_EOF], 1);
	assert_int_equal(r.counts[CONN_EV_CONNECTED], 1);
	conn_free(c);
	/* A name nobody can resolve: the error says so, within the DNS timeout. */
	memset(&r, 0, sizeof r);
	struct conn_opts o2 = {.host = "no-such-host.invalid", .port = port};
	c = conn_new(l, d, &o2, crec_cb, &r);
	run_until(l, &r.done, 5000);
	assert_int_equal(r.counts[CONN_EV_ERROR], 1);
	assert_int_equal(r.err, CONN_ERR_RESOLVE);
	assert_non_null(strstr(r.detail, "no-such-host.invalid"));
	conn_free(c);
	srv_close(&s);
	dns_free(d);
	loop_free(l);
}

static void test_free_in_callback(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct srv s;
	uint16_t port = srv_listen(&s, l, "127.0.0.1", SRV_GREET, 8);
	struct crec r;
	memset(&r, 0, sizeof r);
	r.free_on_connected = true;
	struct conn_opts o = {.host = "127.0.0.1", .port = port, .idle_timeout_ms = 10};
	conn_new(l, NULL, &o, crec_cb, &r);
	run_until(l, &r.done, 5000);
	for (int i = 0; i < 5; i++)
		loop_run_once(l, 20);
	assert_true(r.freed);
	assert_int_equal(r.events_after_free, 0);
	assert_int_equal(r.counts[CONN_EV_DATA], 0);
	srv_close(&s);
	loop_free(l);
}

static void test_bad_options(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct conn_opts o = {.port = 25};
	assert_null(conn_new(l, NULL, &o, crec_cb, NULL));
	assert_string_equal(conn_err_name(CONN_ERR_TLS_VERIFY), "tls-verify");
	assert_string_equal(conn_event_name(CONN_EV_EOF), "eof");
	assert_string_equal(conn_state_name(CONN_S_OPEN), "open");
	assert_string_equal(conn_err_name(CONN_ERR_LAST), "?");
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_refused_then_next),
		cmocka_unit_test(test_all_refused),
		cmocka_unit_test(test_connect_timeout),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_idle_and_cap),
		cmocka_unit_test(test_unix_socket),
		cmocka_unit_test(test_resolve_hosts_file),
		cmocka_unit_test(test_free_in_callback),
		cmocka_unit_test(test_bad_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
