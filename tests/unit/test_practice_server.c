/* test_practice_server.c - the practice server in the event loop, on loopback
 * only, against a blocking client in a forked child: pipelined delivery, the
 * message event, STARTTLS (RFC 3207) with injected plaintext discarded, the
 * generated certificate, AUTH over TLS (RFC 4954), implicit TLS (RFC 8314),
 * client limits, idle timeout, a client vanishing mid-DATA, back-pressure,
 * binding rules and a clean stop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "decode/buf.h"
#include "probe/loop.h"
#include "probe/practice.h"

/* ---- the client side, run in the child ---- */

struct cli {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	struct buf log; /* everything received, plus notes */
};

static int cli_connect(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct timeval tv = {5, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
		_exit(3);
	return fd;
}

static void cli_send(struct cli *c, const char *s)
{
	size_t n = strlen(s), off = 0;
	while (off < n) {
		ssize_t k = c->ssl ? SSL_write(c->ssl, s + off, (int)(n - off))
				   : send(c->fd, s + off, n - off, MSG_NOSIGNAL);
		if (k <= 0)
			return;
		off += (size_t)k;
	}
}

/* Read one complete reply (up to the line "ddd "); false on EOF/timeout. */
static bool cli_reply(struct cli *c)
{
	char line[1024];
	size_t n = 0;
	for (;;) {
		char ch;
		ssize_t k = c->ssl ? SSL_read(c->ssl, &ch, 1) : recv(c->fd, &ch, 1, 0);
		if (k <= 0) {
			buf_append_str(&c->log, "<EOF>\n");
			return false;
		}
		buf_append_byte(&c->log, (uint8_t)ch);
		if (n < sizeof line - 1)
			line[n++] = ch;
		if (ch == '\n') {
			bool last = n >= 4 && line[3] == ' ';
			n = 0;
			if (last)
				return true;
		}
	}
}

static void cli_tls(struct cli *c)
{
	c->ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
	c->ssl = SSL_new(c->ctx);
	SSL_set_fd(c->ssl, c->fd);
	SSL_set_tlsext_host_name(c->ssl, "localhost");
	if (SSL_connect(c->ssl) != 1) {
		buf_append_str(&c->log, "<TLS FAILED>\n");
		return;
	}
	X509 *x = SSL_get1_peer_certificate(c->ssl);
	unsigned char md[32];
	unsigned len = 0;
	buf_append_str(&c->log, "<CERT ");
	if (x && X509_digest(x, EVP_sha256(), md, &len) == 1)
		for (unsigned i = 0; i < len; i++)
			buf_printf(&c->log, "%s%02X", i ? ":" : "", md[i]);
	char cn[256] = "";
	if (x)
		X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn);
	buf_printf(&c->log, " CN=%s>\n", cn);
	X509_free(x);
}

typedef void client_fn(struct cli *c, uint16_t port, uint16_t tls_port);

/* ---- the parent: server events and the loop ---- */

struct rec {
	struct buf ev;	/* one line per event: "type client text" */
	int nmsg;
	char qid[16], subject[128];
	uint64_t size;
	size_t data_len;
	bool truncated;
	struct buf child; /* the child's log */
	int pipe_fd;
	bool pipe_eof;
};

static void rec_event(struct practice *p, const struct practice_event *ev, void *ud)
{
	(void)p;
	struct rec *r = ud;
	buf_printf(&r->ev, "%s %llu ", practice_event_name(ev->type), (unsigned long long)ev->client);
	if (ev->text)
		buf_append(&r->ev, ev->text, ev->len);
	if (ev->detail)
		buf_append_str(&r->ev, ev->detail);
	buf_append_str(&r->ev, "\n");
	if (ev->type == PRACTICE_EV_MESSAGE) {
		r->nmsg++;
		snprintf(r->qid, sizeof r->qid, "%s", ev->msg->queue_id);
		snprintf(r->subject, sizeof r->subject, "%s", ev->msg->subject ? ev->msg->subject : "");
		r->size = ev->msg->size;
		r->data_len = ev->msg->data_len;
		r->truncated = ev->msg->truncated;
	}
}

static void rec_pipe(struct loop *l, int fd, int events, void *ud)
{
	(void)events;
	struct rec *r = ud;
	char b[4096];
	ssize_t n = read(fd, b, sizeof b);
	if (n > 0) {
		buf_append(&r->child, b, (size_t)n);
		return;
	}
	if (n < 0 && errno == EAGAIN)
		return;
	loop_fd_del(l, fd);
	r->pipe_eof = true;
}

static void rec_init(struct rec *r)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->ev, 1u << 22);
	buf_init(&r->child, 1u << 22);
}

static void rec_free(struct rec *r)
{
	buf_free(&r->ev);
	buf_free(&r->child);
}

/* Run fn in a child against the server while the loop turns (at most ms). */
static void run_client(struct loop *l, struct practice *p, struct rec *r, client_fn *fn, int ms)
{
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(20);
		close(pfd[0]);
		struct cli c = {.fd = -1};
		buf_init(&c.log, 1u << 22);
		fn(&c, practice_port(p), practice_tls_port(p));
		size_t off = 0;
		while (off < c.log.len) {
			ssize_t k = write(pfd[1], c.log.data + off, c.log.len - off);
			if (k <= 0)
				break;
			off += (size_t)k;
		}
		_exit(0);
	}
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	r->pipe_eof = false;
	loop_fd_add(l, pfd[0], LOOP_READ, rec_pipe, r);
	uint64_t end = loop_clock_ms() + (uint64_t)ms;
	int status = -1;
	bool exited = false;
	while (loop_clock_ms() < end) {
		loop_run_once(l, 20);
		if (!exited && waitpid(pid, &status, WNOHANG) == pid)
			exited = true;
		if (exited && r->pipe_eof)
			break;
	}
	if (!exited) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	loop_fd_del(l, pfd[0]);
	close(pfd[0]);
	/* let the server notice a close that happened at the very end */
	for (int i = 0; i < 5; i++)
		loop_run_once(l, 10);
	assert_true(exited);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static struct practice *server(struct loop *l, struct practice_opts *o, struct rec *r)
{
	struct buf err;
	buf_init(&err, 1024);
	o->bind = (const char *const[]){"127.0.0.1"};
	o->nbind = 1;
	struct practice *p = practice_new(l, o, rec_event, r, &err);
	if (!p)
		printf("practice_new: %s\n", buf_str(&err));
	buf_free(&err);
	assert_non_null(p);
	assert_true(practice_port(p) > 0);
	return p;
}

static const char *child(struct rec *r)
{
	return buf_str(&r->child);
}

static const char *events(struct rec *r)
{
	return buf_str(&r->ev);
}

#define assert_has(h, n) assert_true(strstr((h), (n)) || (printf("missing '%s' in:\n%s\n", (n), (h)), 0))

/* ---- the cases ---- */

static void c_plain(struct cli *c, uint16_t port, uint16_t tls_port)
{
	(void)tls_port;
	c->fd = cli_connect(port);
	cli_reply(c);
	cli_send(c, "EHLO child.example\r\n");
	cli_reply(c);
	cli_send(c, "MAIL FROM:<a@example.org>\r\nRCPT TO:<unknown@example.com>\r\n"
		    "RCPT TO:<b@example.com>\r\nDATA\r\n");
	for (int i = 0; i < 4; i++)
		cli_reply(c);
	cli_send(c, "Subject: practice works\r\n\r\nhello\r\n.\r\nQUIT\r\n");
	cli_reply(c);
	cli_reply(c);
	cli_reply(c); /* EOF */
}

static void test_plain_pipelined_delivery(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct rec r;
	rec_init(&r);
	struct practice_opts o;
	practice_opts_init(&o);
	struct practice *p = server(l, &o, &r);
	run_client(l, p, &r, c_plain, 10000);
	const char *t = child(&r);
	assert_has(t, "220 localhost ESMTP smtpscope practice server");
	assert_has(t, "250-PIPELINING");
	/* replies in command order */
	const char *a = strstr(t, "250 2.1.0"), *b = strstr(t, "550 5.1.1"), *d = strstr(t, "354 ");
	assert_true(a && b && d && a < b && b < d);
	assert_int_equal(r.nmsg, 1);
	assert_string_equal(r.subject, "practice works");
	char want[64];
	snprintf(want, sizeof want, "250 2.0.0 Ok: queued as %s", r.qid);
	assert_has(t, want);
	assert_has(t, "221 2.0.0 Bye\r\n<EOF>");
	assert_has(events(&r), "connect 1 ");
	assert_has(events(&r), "command 1 RCPT TO:<unknown@example.com>\n");
	assert_has(events(&r), "reply 1 550 5.1.1");
	assert_has(events(&r), "gone 1 client sent QUIT");
	assert_int_equal(practice_client_count(p), 0);
	assert_int_equal(practice_messages_accepted(p), 1);
	practice_free(p);
	loop_free(l);
	rec_free(&r);
}

static void c_starttls(struct cli *c, uint16_t port, uint16_t tls_port)
{
	(void)tls_port;
	c->fd = cli_connect(port);
	cli_reply(c);
	cli_send(c, "EHLO child.example\r\n");
	cli_reply(c);
	cli_send(c, "AUTH PLAIN AGRlbW8AcHJhY3RpY2U=\r\n");
	cli_reply(c);
	cli_send(c, "STARTTLS\r\nNOOP\r\n"); /* NOOP is injected plaintext */
	cli_reply(c);
	cli_tls(c);
	cli_send(c, "EHLO child.example\r\n");
	cli_reply(c);
	cli_send(c, "AUTH PLAIN AGRlbW8Ad3Jvbmc=\r\n");
	cli_reply(c);
	cli_send(c, "AUTH PLAIN AGRlbW8AcHJhY3RpY2U=\r\n");
	cli_reply(c);
	cli_send(c, "MAIL FROM:<a@example.org>\r\nRCPT TO:<x@relay.org>\r\nQUIT\r\n");
	cli_reply(c);
	cli_reply(c);
	cli_reply(c);
	cli_reply(c);
}

static void test_starttls_auth_injection(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct rec r;
	rec_init(&r);
	struct practice_opts o;
	practice_opts_init(&o);
	struct practice *p = server(l, &o, &r);
	run_client(l, p, &r, c_starttls, 10000);
	const char *t = child(&r);
	assert_has(t, "530 5.7.0 Must issue STARTTLS first");
	assert_has(t, "220 2.0.0 Ready to start TLS");
	char cert[160];
	snprintf(cert, sizeof cert, "<CERT %s CN=localhost>", practice_cert_sha256(p));
	assert_has(t, cert);
	assert_int_equal(strlen(practice_cert_sha256(p)), 95);
	assert_has(practice_cert_pem(p), "-----BEGIN CERTIFICATE-----");
	/* the injected NOOP got no reply: the next reply is the EHLO one over TLS */
	const char *after = strstr(t, "<CERT ");
	assert_non_null(after);
	assert_has(after, "250-AUTH PLAIN LOGIN");
	assert_null(strstr(after, "250 2.0.0 Ok\r\n"));
	assert_null(strstr(after, "250-STARTTLS"));
	assert_has(after, "535 5.7.8 Authentication credentials invalid (the demo account is demo / practice)");
	assert_has(after, "235 2.7.0");
	assert_has(after, "250 2.1.5 Recipient <x@relay.org> ok (you are authenticated");
	assert_has(events(&r), "note 1 discarded 6 bytes sent after STARTTLS");
	assert_has(events(&r), "tls 1 \n");
	assert_null(strstr(events(&r), "command 1 NOOP"));
	assert_has(events(&r), "command 1 AUTH PLAIN ***\n");
	assert_null(strstr(events(&r), "AGRlbW8"));
	practice_free(p);
	loop_free(l);
	rec_free(&r);
}

static void c_implicit(struct cli *c, uint16_t port, uint16_t tls_port)
{
	(void)port;
	c->fd = cli_connect(tls_port);
	cli_tls(c);
	cli_reply(c);
	cli_send(c, "EHLO child.example\r\n");
	cli_reply(c);
	cli_send(c, "QUIT\r\n");
	cli_reply(c);
}

static void test_implicit_tls_port(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct rec r;
	rec_init(&r);
	struct practice_opts o;
	practice_opts_init(&o);
	o.tls_listen = true;
	o.hostname = "mx.lab.test";
	struct practice *p = server(l, &o, &r);
	assert_true(practice_tls_port(p) > 0 && practice_tls_port(p) != practice_port(p));
	bool tls = false;
	assert_non_null(practice_listener(p, 1, &tls));
	assert_true(tls);
	run_client(l, p, &r, c_implicit, 10000);
	const char *t = child(&r);
	assert_has(t, "CN=mx.lab.test>\n220 mx.lab.test ESMTP");
	assert_has(t, "250-AUTH PLAIN LOGIN");
	assert_null(strstr(t, "STARTTLS"));
	assert_has(t, "221 2.0.0 Bye");
	practice_free(p);
	loop_free(l);
	rec_free(&r);
}

static void c_two(struct cli *c, uint16_t port, uint16_t tls_port)
{
	(void)tls_port;
	c->fd = cli_connect(port);
	cli_reply(c);
	struct cli d = {.fd = cli_connect(port)};
	d.log = c->log;
	cli_reply(&d);
	cli_reply(&d);
	c->log = d.log;
	close(d.fd);
	cli_send(c, "QUIT\r\n");
	cli_reply(c);
}

static void test_max_clients(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct rec r;
	rec_init(&r);
	struct practice_opts o;
	practice_opts_init(&o);
	o.max_clients = 1;
	struct practice *p = server(l, &o, &r);
	run_client(l, p, &r, c_two, 10000);
	const char *t = child(&r);
	assert_has(t, "220 localhost ESMTP");
	assert_has(t, "421 4.7.0 localhost Too many connections (1)");
	assert_has(t, "221 2.0.0 Bye");
	assert_has(events(&r), "note 0 refused a connection from 127.0.0.1:");
	practice_free(p);
	loop_free(l);
	rec_free(&r);
}

static void c_idle(struct cli *c, uint16_t port, uint16_t tls_port)
{
	(void)tls_port;
	c->fd = cli_connect(port);
	cli_reply(c);
	cli_reply(c); /* the 421 after the idle timeout */
	cli_reply(c); /* EOF */
}

static void c_mid_data(struct cli *c, uint16_t port, uint16_t tls_port)
{
	(void)tls_port;
	c->fd = cli_connect(port);
	cli_reply(c);
	cli_send(c, "EHLO c.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n");
	for (int i = 0; i < 4; i++)
		cli_reply(c);
	cli_send(c, "Subject: cut\r\n\r\nhalf a mess");
	close(c->fd);
}

static void c_garbage(struct cli *c, uint16_t port, uint16_t tls_port)
{
	(void)tls_port;
	c->fd = cli_connect(port);
	cli_reply(c);
	static const char junk[] = "\x01\x02\xff\xfe\x1b[2J\x00\x00GET / HTTP/1.1\r\n\r\n";
	send(c->fd, junk, sizeof junk - 1, MSG_NOSIGNAL);
	cli_reply(c);
	cli_reply(c);
	cli_send(c, "NOOP\r\nQUIT\r\n");
	cli_reply(c);
	cli_reply(c);
}

static void test_idle_mid_data_garbage(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct rec r;
	rec_init(&r);
	struct practice_opts o;
	practice_opts_init(&o);
	o.idle_timeout_ms = 300;
	struct practice *p = server(l, &o, &r);
	run_client(l, p, &r, c_idle, 10000);
	assert_has(child(&r), "421 4.4.2 localhost Idle timeout");
	assert_has(child(&r), "<EOF>");
	assert_has(events(&r), "gone 1 idle timeout");
	buf_reset(&r.child);
	run_client(l, p, &r, c_mid_data, 10000);
	assert_has(events(&r), "gone 2 the client closed the connection in the middle of the message content");
	assert_int_equal(r.nmsg, 0);
	buf_reset(&r.child);
	run_client(l, p, &r, c_garbage, 10000);
	assert_has(child(&r), "500 5.5.2 NUL octet");
	assert_has(child(&r), "250 2.0.0 Ok\r\n221 2.0.0 Bye");
	assert_int_equal(practice_client_count(p), 0);
	practice_free(p);
	loop_free(l);
	rec_free(&r);
}

static void c_flood(struct cli *c, uint16_t port, uint16_t tls_port)
{
	(void)tls_port;
	c->fd = cli_connect(port);
	cli_reply(c);
	/* 2000 HELP commands (about 1.4 MB of replies) sent before reading any */
	size_t n = 2000;
	char *s = malloc(6 * n + 8);
	for (size_t i = 0; i < n; i++)
		memcpy(s + 6 * i, "HELP\r\n", 6);
	memcpy(s + 6 * n, "QUIT\r\n", 7);
	struct timeval tv = {15, 0};
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	/* a writer and a reader: the server must not deadlock on full buffers */
	pid_t w = fork();
	if (w == 0) {
		cli_send(c, s);
		_exit(0);
	}
	size_t helps = 0;
	while (cli_reply(c))
		if (c->log.len > 30 && !memcmp(c->log.data + c->log.len - 23, "214 2.0.0 End of HELP\r\n", 23))
			helps++;
	waitpid(w, NULL, 0);
	buf_reset(&c->log);
	buf_printf(&c->log, "<HELPS %zu>\n", helps);
	free(s);
}

static void test_pipelined_flood(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct rec r;
	rec_init(&r);
	struct practice_opts o;
	practice_opts_init(&o);
	struct practice *p = server(l, &o, &r);
	run_client(l, p, &r, c_flood, 30000);
	assert_string_equal(child(&r), "<HELPS 2000>\n");
	assert_has(events(&r), "gone 1 client sent QUIT");
	practice_free(p);
	loop_free(l);
	rec_free(&r);
}

static void c_big(struct cli *c, uint16_t port, uint16_t tls_port)
{
	(void)tls_port;
	c->fd = cli_connect(port);
	cli_reply(c);
	cli_send(c, "EHLO c.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n");
	for (int i = 0; i < 4; i++)
		cli_reply(c);
	char line[80];
	memset(line, 'z', 76);
	memcpy(line + 76, "\r\n", 3);
	cli_send(c, "Subject: big\r\n\r\n");
	for (int i = 0; i < 20000; i++)
		cli_send(c, line);
	cli_send(c, ".\r\nQUIT\r\n");
	cli_reply(c);
	cli_reply(c);
}

static void test_big_message_bounded_copy(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct rec r;
	rec_init(&r);
	struct practice_opts o;
	practice_opts_init(&o);
	o.keep_max = 1000;
	struct practice *p = server(l, &o, &r);
	run_client(l, p, &r, c_big, 20000);
	assert_int_equal(r.nmsg, 1);
	assert_int_equal(r.size, 16 + 20000 * 78);
	assert_int_equal(r.data_len, 1000);
	assert_true(r.truncated);
	assert_string_equal(r.subject, "big");
	practice_free(p);
	loop_free(l);
	rec_free(&r);
}

static void c_wait_stop(struct cli *c, uint16_t port, uint16_t tls_port)
{
	(void)tls_port;
	c->fd = cli_connect(port);
	cli_reply(c);
	cli_reply(c);
	cli_reply(c);
}

static void test_free_with_clients_and_binding(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct rec r;
	rec_init(&r);
	struct practice_opts o;
	practice_opts_init(&o);
	struct practice *p = server(l, &o, &r);
	/* The child waits; the parent frees the server once it is connected. */
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct cli c = {.fd = -1};
		buf_init(&c.log, 65536);
		alarm(10);
		c_wait_stop(&c, practice_port(p), 0);
		(void)!write(pfd[1], c.log.data, c.log.len);
		_exit(0);
	}
	close(pfd[1]);
	uint64_t end = loop_clock_ms() + 5000;
	while (practice_client_count(p) == 0 && loop_clock_ms() < end)
		loop_run_once(l, 20);
	assert_int_equal(practice_client_count(p), 1);
	for (int i = 0; i < 5; i++)
		loop_run_once(l, 10);
	size_t before = r.ev.len;
	practice_free(p);
	assert_int_equal(r.ev.len, before); /* no events from practice_free */
	char got[2048] = "";
	size_t n = 0;
	ssize_t k;
	while (n < sizeof got - 1 && (k = read(pfd[0], got + n, sizeof got - 1 - n)) > 0)
		n += (size_t)k;
	got[n] = '\0';
	waitpid(pid, NULL, 0);
	close(pfd[0]);
	assert_has(got, "421 4.3.2 localhost Service shutting down");
	assert_has(got, "<EOF>");
	/* Binding rules. */
	struct buf err;
	buf_init(&err, 1024);
	practice_opts_init(&o);
	o.bind = (const char *const[]){"192.0.2.10"};
	o.nbind = 1;
	assert_null(practice_new(l, &o, rec_event, &r, &err));
	assert_has(buf_str(&err), "not a loopback address");
	buf_reset(&err);
	o.bind = (const char *const[]){"localhost.example"};
	assert_null(practice_new(l, &o, rec_event, &r, &err));
	assert_has(buf_str(&err), "is not an IP address");
	buf_reset(&err);
	p = server(l, &o, &r);
	struct practice_opts o2;
	practice_opts_init(&o2);
	o2.bind = (const char *const[]){"127.0.0.1"};
	o2.nbind = 1;
	o2.port = practice_port(p);
	assert_null(practice_new(l, &o2, rec_event, &r, &err));
	assert_has(buf_str(&err), "Address already in use");
	buf_reset(&err);
	o2.port = 0;
	o2.hostname = "bad name,DNS:evil";
	assert_null(practice_new(l, &o2, rec_event, &r, &err));
	assert_has(buf_str(&err), "not a usable host name");
	buf_free(&err);
	practice_free(p);
	/* The default bind: 127.0.0.1 and, when the host has it, ::1. */
	practice_opts_init(&o);
	p = practice_new(l, &o, rec_event, &r, NULL);
	assert_non_null(p);
	bool tls = true;
	char want[32];
	snprintf(want, sizeof want, "127.0.0.1:%u", practice_port(p));
	assert_string_equal(practice_listener(p, 0, &tls), want);
	assert_false(tls);
	practice_free(p);
	loop_free(l);
	rec_free(&r);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_pipelined_delivery),
		cmocka_unit_test(test_starttls_auth_injection),
		cmocka_unit_test(test_implicit_tls_port),
		cmocka_unit_test(test_max_clients),
		cmocka_unit_test(test_idle_mid_data_garbage),
		cmocka_unit_test(test_pipelined_flood),
		cmocka_unit_test(test_big_message_bounded_copy),
		cmocka_unit_test(test_free_with_clients_and_binding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
