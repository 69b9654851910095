/* test_capture.c - unit tests for SMTP session detection in captures (decode/capture.c): greeting-detected sessions confirmed by an SMTP command (RFC 5321) and not by FTP's (RFC 959, 4217), packets of the two directions swapped, TLS byte counts and gaps after STARTTLS (RFC 3207) whatever the segmentation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "decode/capture.h"
#include "tests/unit/test_pkt_build.h"

/* What the consumer was told. */
struct seen {
	int opens, closes;
	uint64_t ids[8];
	uint16_t ports[8];
	enum capture_how how[8];
	uint64_t tls_bytes[8][2];
	uint64_t gaps[8], gap_bytes[8];
	char helo[8][64];
};

static void on_open(void *ctx, struct capture_session *s)
{
	struct seen *w = ctx;
	w->opens++;
	assert_int_equal(s->id, (uint64_t)w->opens); /* numbered in order, no holes */
}

static bool on_close(void *ctx, struct capture_session *s)
{
	struct seen *w = ctx;
	int i = w->closes++;
	if (i >= 8)
		return false;
	w->ids[i] = s->id;
	w->ports[i] = s->server_port;
	w->how[i] = s->how;
	w->gaps[i] = s->gaps;
	w->gap_bytes[i] = s->gap_bytes;
	if (s->tls) {
		w->tls_bytes[i][0] = s->tls->seen.bytes[0];
		w->tls_bytes[i][1] = s->tls->seen.bytes[1];
	}
	snprintf(w->helo[i], sizeof w->helo[i], "%s", s->model->helo_name ? s->model->helo_name : "");
	return false;
}

/* One TCP connection fed to the capture: client 10.0.0.1:cport, server 10.0.0.2:sport. */
struct conn {
	struct capture *cap;
	uint16_t cport, sport;
	uint32_t cnext, snext; /* next sequence number of each side */
	int64_t ts;
};

static void conn_pkt(struct conn *c, int dir, uint8_t flags, const void *data, size_t len)
{
	uint8_t frame[TB_MAX];
	struct tb_seg s = {
		.linktype = PKT_DLT_EN10MB,
		.src = dir ? "10.0.0.2" : "10.0.0.1",
		.dst = dir ? "10.0.0.1" : "10.0.0.2",
		.sport = dir ? c->sport : c->cport,
		.dport = dir ? c->cport : c->sport,
		.seq = dir ? c->snext : c->cnext,
		.ack = dir ? c->cnext : c->snext,
		.flags = flags,
		.data = data,
		.len = len,
	};
	size_t n = tb_frame(frame, &s);
	c->ts += 1000;
	flow_table_packet(capture_flows(c->cap), PKT_DLT_EN10MB, c->ts, frame, n, n);
	uint32_t used = (uint32_t)len + ((flags & (PKT_TCP_SYN | PKT_TCP_FIN)) ? 1 : 0);
	if (dir)
		c->snext += used;
	else
		c->cnext += used;
}

static void conn_open(struct conn *c, struct capture *cap, uint16_t cport, uint16_t sport)
{
	*c = (struct conn){cap, cport, sport, 1000, 5000, 1700000000000000LL};
	conn_pkt(c, 0, PKT_TCP_SYN, NULL, 0);
	conn_pkt(c, 1, PKT_TCP_SYN | PKT_TCP_ACK, NULL, 0);
	conn_pkt(c, 0, PKT_TCP_ACK, NULL, 0);
}

/* Send text in segments of at most seg bytes. */
static void conn_say(struct conn *c, int dir, const char *text, size_t seg)
{
	size_t len = strlen(text);
	for (size_t i = 0; i < len; i += seg)
		conn_pkt(c, dir, PKT_TCP_PSH | PKT_TCP_ACK, text + i, len - i < seg ? len - i : seg);
}

static void conn_close(struct conn *c)
{
	conn_pkt(c, 0, PKT_TCP_FIN | PKT_TCP_ACK, NULL, 0);
	conn_pkt(c, 1, PKT_TCP_FIN | PKT_TCP_ACK, NULL, 0);
	conn_pkt(c, 0, PKT_TCP_ACK, NULL, 0);
}

static struct capture *cap_new(struct seen *w)
{
	memset(w, 0, sizeof *w);
	const struct capture_callbacks cb = {.session_open = on_open, .session_close = on_close};
	return capture_new(&cb, w);
}

static void test_greeting_confirmed_by_smtp_command(void **state)
{
	(void)state;
	struct seen w;
	struct capture *cap = cap_new(&w);
	struct conn c;
	/* FTP: a 220 greeting, then USER */
	conn_open(&c, cap, 40001, 21);
	conn_say(&c, 1, "220 ProFTPD Server ready.\r\n", 1500);
	assert_int_equal(w.opens, 0);
	conn_say(&c, 0, "USER anonymous\r\n", 1500);
	conn_say(&c, 1, "331 Password required\r\n", 1500);
	conn_close(&c);
	/* FTP over TLS: AUTH TLS */
	conn_open(&c, cap, 40002, 21);
	conn_say(&c, 1, "220 ready\r\n", 1500);
	conn_say(&c, 0, "AUTH TLS\r\n", 1500);
	conn_close(&c);
	/* only commands both protocols have: undecided, not reported */
	conn_open(&c, cap, 40003, 2121);
	conn_say(&c, 1, "220 ready\r\n", 1500);
	conn_say(&c, 0, "NOOP\r\n", 1500);
	conn_say(&c, 1, "200 ok\r\n", 1500);
	conn_say(&c, 0, "QUIT\r\n", 1500);
	conn_close(&c);
	assert_int_equal(w.opens, 0);
	assert_int_equal(w.closes, 0);
	/* SMTP on another port: NOOP waits, EHLO confirms */
	conn_open(&c, cap, 40004, 10025);
	conn_say(&c, 1, "220 mx.example.test ESMTP\r\n", 1500);
	conn_say(&c, 0, "NOOP\r\n", 1500);
	conn_say(&c, 1, "250 ok\r\n", 1500);
	assert_int_equal(w.opens, 0);
	conn_say(&c, 0, "EHLO client.example.test\r\n", 1500);
	assert_int_equal(w.opens, 1);
	conn_say(&c, 1, "250 mx.example.test\r\n", 1500);
	conn_close(&c);
	/* a well-known port is enough */
	conn_open(&c, cap, 40005, 25);
	conn_say(&c, 1, "220 mx ESMTP\r\n", 1500);
	conn_close(&c);
	assert_int_equal(w.opens, 2);
	assert_int_equal(w.closes, 2);
	assert_int_equal(w.ports[0], 10025);
	assert_int_equal(w.how[0], CAPTURE_BY_GREETING);
	assert_int_equal(w.ids[0], 1);
	assert_string_equal(w.helo[0], "client.example.test");
	assert_int_equal(w.ports[1], 25);
	assert_int_equal(w.ids[1], 2);
	const struct capture_stats *st = capture_stats(cap);
	assert_int_equal(st->sessions, 2);
	assert_int_equal(st->non_smtp_flows, 3);
	capture_free(cap);
}

/* The client's first command captured before the greeting it acknowledges
 * (packets of the two directions swapped): the greeting still decides. */
static void test_greeting_captured_late(void **state)
{
	(void)state;
	struct seen w;
	struct capture *cap = cap_new(&w);
	struct conn c;
	const char *greet = "220 mx.example.test ESMTP\r\n";
	conn_open(&c, cap, 40020, 10026);
	uint32_t s0 = c.snext;
	c.snext += (uint32_t)strlen(greet); /* the client got the greeting */
	conn_say(&c, 0, "EHLO x.example\r\n", 1500);
	uint32_t s1 = c.snext, c1 = c.cnext;
	c.snext = s0;
	c.cnext -= (uint32_t)strlen("EHLO x.example\r\n"); /* sent before the EHLO */
	conn_say(&c, 1, greet, 1500);
	c.snext = s1;
	c.cnext = c1;
	conn_say(&c, 1, "250 mx.example.test\r\n", 1500);
	conn_close(&c);
	assert_int_equal(w.opens, 1);
	assert_int_equal(w.closes, 1);
	assert_int_equal(w.how[0], CAPTURE_BY_GREETING);
	assert_string_equal(w.helo[0], "x.example");
	assert_int_equal(w.gaps[0], 0);
	capture_free(cap);
}

/* Send len bytes of one side in segments of seg bytes; the segment starting
 * at offset skip (when not SIZE_MAX) is sent but not captured. */
static void conn_send_bytes(struct conn *c, int dir, const uint8_t *p, size_t len, size_t seg, size_t skip)
{
	for (size_t k = 0; k < len; k += seg) {
		size_t n = len - k < seg ? len - k : seg;
		if (k == skip) {
			*(dir ? &c->snext : &c->cnext) += (uint32_t)n;
			continue;
		}
		conn_pkt(c, dir, PKT_TCP_PSH | PKT_TCP_ACK, p + k, n);
	}
}

/* Minimal TLS records (RFC 8446 4.1.2, 4.1.3): a ClientHello, a TLS 1.3
 * ServerHello (after which a passive reader has nothing more to learn), and
 * application data. */
static const uint8_t client_hello[52] = {
	0x16, 0x03, 0x01, 0x00, 47, 0x01, 0x00, 0x00, 43, 0x03, 0x03, [43] = 0x00,
	0x00, 0x02, 0x13, 0x01, 0x01, 0x00, 0x00, 0x00,
};
static const uint8_t server_hello[55] = {
	0x16, 0x03, 0x03, 0x00, 50, 0x02, 0x00, 0x00, 46, 0x03, 0x03, [43] = 0x00,
	0x13, 0x01, 0x00, 0x00, 0x06, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,
};

/* A STARTTLS session whose TLS part is sent in segments of seg bytes; with
 * hole set, one client segment inside it is never captured. */
static void run_tls(struct seen *w, size_t seg, bool hole)
{
	struct capture *cap = cap_new(w);
	struct conn c;
	conn_open(&c, cap, 40010, 25);
	conn_say(&c, 1, "220 mx ESMTP\r\n", 1500);
	conn_say(&c, 0, "EHLO c\r\n", 1500);
	conn_say(&c, 1, "250-mx\r\n250 STARTTLS\r\n", 1500);
	conn_say(&c, 0, "STARTTLS\r\n", 1500);
	conn_say(&c, 1, "220 go ahead\r\n", 1500);
	static uint8_t cli[sizeof client_hello + 2100], srv[sizeof server_hello + 300];
	memcpy(cli, client_hello, sizeof client_hello);
	for (size_t k = sizeof client_hello; k < sizeof cli; k += 700) {
		memset(cli + k, 0x55, 700);
		memcpy(cli + k, "\x17\x03\x03\x02\xb7", 5);
	}
	memcpy(srv, server_hello, sizeof server_hello);
	for (size_t k = sizeof server_hello; k < sizeof srv; k += 100) {
		memset(srv + k, 0xaa, 100);
		memcpy(srv + k, "\x17\x03\x03\x00\x5f", 5);
	}
	conn_send_bytes(&c, 0, cli, sizeof client_hello, seg, SIZE_MAX);
	conn_send_bytes(&c, 1, srv, sizeof srv, seg, SIZE_MAX);
	conn_send_bytes(&c, 0, cli + sizeof client_hello, 2100, seg, hole ? 1000 : SIZE_MAX);
	conn_pkt(&c, 1, PKT_TCP_ACK, NULL, 0); /* the server got it all */
	conn_close(&c);
	capture_free(cap);
	assert_int_equal(w->closes, 1);
}

static void test_tls_counts_whatever_the_segmentation(void **state)
{
	(void)state;
	struct seen a, b, g;
	run_tls(&a, 1400, false);
	run_tls(&b, 7, false);
	assert_int_equal(a.tls_bytes[0][0], sizeof client_hello + 2100);
	assert_int_equal(a.tls_bytes[0][1], sizeof server_hello + 300);
	assert_int_equal(b.tls_bytes[0][0], a.tls_bytes[0][0]);
	assert_int_equal(b.tls_bytes[0][1], a.tls_bytes[0][1]);
	assert_int_equal(a.gaps[0], 0);
	assert_int_equal(b.gaps[0], 0);
	/* a segment lost inside TLS, after both hellos: a gap, counted in the bytes too */
	run_tls(&g, 200, true);
	assert_int_equal(g.gaps[0], 1);
	assert_int_equal(g.gap_bytes[0], 200);
	assert_int_equal(g.tls_bytes[0][0], a.tls_bytes[0][0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greeting_confirmed_by_smtp_command),
		cmocka_unit_test(test_greeting_captured_late),
		cmocka_unit_test(test_tls_counts_whatever_the_segmentation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
