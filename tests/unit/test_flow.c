/* test_flow.c - unit tests for the flow engine (decode/flow.c): TCP
 * connection tracking and reassembly as a consumer sees it (RFC 9293). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "decode/limits.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "tests/unit/test_pkt_build.h"

/* A conversation between a client and a server on Ethernet. */
struct conv {
	struct flow_table *t;
	const char *caddr, *saddr;
	uint16_t cport, sport;
	uint32_t cisn, sisn; /* the SYNs' sequence numbers */
	int64_t ts;
};

/* Send from the client (dir 0) or server (dir 1): seq relative to its ISN + 1. */
static void conv_send(struct conv *v, int dir, uint32_t rel, uint8_t flags, const char *data, uint32_t ackrel)
{
	uint8_t frame[TB_MAX];
	struct tb_seg s = {
		.linktype = PKT_DLT_EN10MB,
		.src = dir ? v->saddr : v->caddr,
		.dst = dir ? v->caddr : v->saddr,
		.sport = dir ? v->sport : v->cport,
		.dport = dir ? v->cport : v->sport,
		.seq = (dir ? v->sisn : v->cisn) + 1 + rel,
		.ack = (dir ? v->cisn : v->sisn) + 1 + ackrel,
		.flags = flags,
		.data = data,
		.len = data ? strlen(data) : 0,
	};
	if (flags & PKT_TCP_SYN)
		s.seq--;
	size_t n = tb_frame(frame, &s);
	v->ts += 1000;
	flow_table_packet(v->t, PKT_DLT_EN10MB, v->ts, frame, n, n);
}

static void conv_handshake(struct conv *v)
{
	conv_send(v, 0, 0, PKT_TCP_SYN, NULL, 0);
	conv_send(v, 1, 0, PKT_TCP_SYN | PKT_TCP_ACK, NULL, 0);
	conv_send(v, 0, 0, PKT_TCP_ACK, NULL, 0);
}

static void conv_init(struct conv *v, struct flow_table *t)
{
	*v = (struct conv){t, "10.0.0.1", "10.0.0.2", 40000, 25, 1000, 5000, 1700000000000000LL};
}

#define A PKT_TCP_ACK
#define PA (PKT_TCP_PSH | PKT_TCP_ACK)
#define FA (PKT_TCP_FIN | PKT_TCP_ACK)

static void test_flow_in_order(void **state)
{
	(void)state;
	struct rec r;
	rec_init(&r);
	struct flow_table *t = rec_table(&r, NULL);
	struct conv v;
	conv_init(&v, t);
	conv_handshake(&v);
	conv_send(&v, 1, 0, PA, "220 hi\r\n", 0);
	conv_send(&v, 0, 0, PA, "EHLO x\r\n", 8);
	conv_send(&v, 1, 8, PA, "250 ok\r\n", 8);
	conv_send(&v, 0, 8, FA, NULL, 16);
	conv_send(&v, 1, 16, FA, NULL, 9);
	assert_int_equal(r.closes, 1);
	assert_int_equal(r.last_reason, FLOW_CLOSE_FIN);
	conv_send(&v, 0, 9, A, NULL, 17); /* the last ACK lingers harmlessly */
	assert_string_equal(buf_str(&r.stream[1][0]), "EHLO x\r\n");
	assert_string_equal(buf_str(&r.stream[1][1]), "220 hi\r\n250 ok\r\n");
	assert_string_equal(buf_str(&r.log), "open 1 10.0.0.1:40000 > 10.0.0.2:25\nclose 1 fin\n");
	const struct flow_stats *st = flow_table_stats(t);
	assert_int_equal(st->flows, 1);
	assert_int_equal(st->stray, 1);
	assert_int_equal(st->closed[FLOW_CLOSE_FIN], 1);
	flow_table_free(t);
	assert_int_equal(r.closes, 1);
	rec_free(&r);
}

static void test_flow_out_of_order_and_retransmission(void **state)
{
	(void)state;
	struct rec r;
	rec_init(&r);
	struct flow_table *t = rec_table(&r, NULL);
	struct conv v;
	conv_init(&v, t);
	conv_handshake(&v);
	conv_send(&v, 0, 10, PA, "CCCCC", 0);
	conv_send(&v, 0, 5, PA, "BBBBB", 0);
	assert_int_equal(r.stream[1][0].len, 0); /* still a hole at 0..5 */
	conv_send(&v, 0, 0, PA, "AAAAA", 0);
	assert_string_equal(buf_str(&r.stream[1][0]), "AAAAABBBBBCCCCC");
	conv_send(&v, 0, 0, PA, "AAAAABBBBB", 0); /* plain retransmission */
	conv_send(&v, 0, 12, PA, "CCCDD", 0);     /* overlaps the end, new bytes after */
	assert_string_equal(buf_str(&r.stream[1][0]), "AAAAABBBBBCCCCCDD");
	assert_int_equal(r.conflicts, 0);
	flow_table_finish(t);
	assert_int_equal(r.gaps, 0);
	assert_int_equal(r.last_reason, FLOW_CLOSE_END);
	flow_table_free(t);
	rec_free(&r);
}

static void test_flow_overlap_conflict(void **state)
{
	(void)state;
	struct rec r;
	rec_init(&r);
	struct flow_table *t = rec_table(&r, NULL);
	struct conv v;
	conv_init(&v, t);
	conv_handshake(&v);
	conv_send(&v, 0, 4, PA, "WXYZ", 0);  /* held first */
	conv_send(&v, 0, 6, PA, "yzQR", 0);  /* overlaps with different bytes */
	conv_send(&v, 0, 0, PA, "abcdEF", 0); /* fills the hole, overlaps too */
	assert_string_equal(buf_str(&r.stream[1][0]), "abcdWXYZQR");
	assert_int_equal(r.conflicts, 2);
	assert_non_null(strstr(buf_str(&r.log), "conflict 1 0 2\n"));
	flow_table_free(t);
	rec_free(&r);
}

static void test_flow_gap_by_ack(void **state)
{
	(void)state;
	struct rec r;
	rec_init(&r);
	struct flow_table *t = rec_table(&r, NULL);
	struct conv v;
	conv_init(&v, t);
	conv_handshake(&v);
	conv_send(&v, 0, 0, PA, "MAIL\r\n", 0);
	/* bytes 6..12 never captured */
	conv_send(&v, 0, 12, PA, "DATA\r\n", 0);
	assert_string_equal(buf_str(&r.stream[1][0]), "MAIL\r\n");
	conv_send(&v, 1, 0, PA, "250 ok\r\n", 18); /* the server saw it all */
	/* the missing bytes may still come (packets swapped by the capture): the
	 * reply waits, the gap is not declared yet */
	assert_string_equal(buf_str(&r.stream[1][0]), "MAIL\r\n");
	assert_int_equal(r.stream[1][1].len, 0);
	assert_int_equal(r.gaps, 0);
	for (int i = 0; i < FLOW_REORDER_PKTS; i++) /* they do not: declared after a few packets */
		conv_send(&v, 0, 18, A, NULL, 0);
	assert_string_equal(buf_str(&r.stream[1][0]), "MAIL\r\n<gap 6>DATA\r\n");
	assert_int_equal(r.gaps, 1);
	assert_non_null(strstr(buf_str(&r.log), "gap 1 0 6\n"));
	assert_string_equal(buf_str(&r.stream[1][1]), "250 ok\r\n");
	flow_table_free(t);
	rec_free(&r);
}

/* Deliveries of both directions in one log, to check their order. */
static struct buf order_log;

static void order_data(void *ctx, struct flow *f, enum flow_dir dir, const uint8_t *p, size_t len, int64_t ts)
{
	buf_append_str(&order_log, dir == FLOW_C2S ? "C:" : "S:");
	buf_append(&order_log, p, len);
	rec_data(ctx, f, dir, p, len, ts);
}

static void order_gap(void *ctx, struct flow *f, enum flow_dir dir, size_t n, int64_t ts)
{
	buf_printf(&order_log, "%c:<gap %zu>", dir == FLOW_C2S ? 'C' : 'S', n);
	rec_gap(ctx, f, dir, n, ts);
}

static struct flow_table *order_table(struct rec *r)
{
	static const struct flow_callbacks cb = {rec_open, order_data, order_gap, rec_conflict, rec_close};
	buf_init(&order_log, 1 << 16);
	return flow_table_new(&cb, r, NULL);
}

static void test_flow_reorder_across_directions(void **state)
{
	(void)state;
	struct rec r;
	rec_init(&r);
	struct flow_table *t = order_table(&r);
	struct conv v;
	conv_init(&v, t);
	conv_handshake(&v);
	/* the client's first command is captured after the greeting it acknowledges */
	conv_send(&v, 0, 0, PA, "EHLO x\r\n", 8);
	conv_send(&v, 1, 0, PA, "220 hi\r\n", 0);
	conv_send(&v, 1, 8, PA, "250 ok\r\n", 8);
	/* a reply captured before the command it answers, and the next command
	 * (which acknowledges that reply) before that one too */
	conv_send(&v, 1, 16, PA, "250 ok\r\n", 14);
	conv_send(&v, 0, 14, PA, "QUIT\r\n", 24);
	conv_send(&v, 0, 8, PA, "NOOP\r\n", 16);
	assert_string_equal(buf_str(&order_log),
			    "S:220 hi\r\nC:EHLO x\r\nS:250 ok\r\nC:NOOP\r\nS:250 ok\r\nC:QUIT\r\n");
	assert_int_equal(r.gaps, 0);
	/* a reply whose command was never captured: a gap after the waiting time */
	conv_send(&v, 1, 24, PA, "221 bye\r\n", 40);
	assert_int_equal(r.gaps, 0);
	v.ts += FLOW_REORDER_USEC;
	conv_send(&v, 0, 40, A, NULL, 33);
	assert_int_equal(r.gaps, 1);
	assert_non_null(strstr(buf_str(&order_log), "C:QUIT\r\nC:<gap 20>S:221 bye\r\n"));
	const struct flow_stats *st = flow_table_stats(t);
	assert_true(st->ooo_peak > 0);
	flow_table_free(t);
	rec_free(&r);
	buf_free(&order_log);
}

static void test_flow_reorder_bounded(void **state)
{
	(void)state;
	struct rec r;
	rec_init(&r);
	struct flow_table *t = order_table(&r);
	struct conv v;
	conv_init(&v, t);
	conv_handshake(&v);
	/* server segments acknowledging client bytes that never come: they wait
	 * FLOW_REORDER_PKTS packets, then the bytes are a gap and all go on */
	for (int i = 0; i < FLOW_REORDER_PKTS; i++)
		conv_send(&v, 1, (uint32_t)i * 2, PA, "x\n", 100);
	assert_int_equal(r.stream[1][1].len, 0);
	assert_int_equal(r.gaps, 0);
	for (int i = FLOW_REORDER_PKTS; i < 3 * FLOW_REORDER_MAX; i++)
		conv_send(&v, 1, (uint32_t)i * 2, PA, "x\n", 100);
	assert_int_equal(r.gaps, 1);
	assert_string_equal(buf_str(&r.stream[1][0]), "<gap 100>");
	assert_int_equal(r.stream[1][1].len, 2 * 3 * FLOW_REORDER_MAX);
	/* at the end what still waits goes on */
	conv_send(&v, 0, 100, PA, "QUIT\r\n", 500);
	assert_int_equal(r.stream[1][0].len, strlen("<gap 100>"));
	flow_table_finish(t);
	assert_string_equal(buf_str(&r.stream[1][0]), "<gap 100>QUIT\r\n");
	assert_int_equal(flow_table_stats(t)->closed[FLOW_CLOSE_END], 1);
	flow_table_free(t);
	rec_free(&r);
	buf_free(&order_log);
}

static void test_flow_gap_at_end(void **state)
{
	(void)state;
	struct rec r;
	rec_init(&r);
	struct flow_table *t = rec_table(&r, NULL);
	struct conv v;
	conv_init(&v, t);
	conv_handshake(&v);
	conv_send(&v, 0, 0, PA, "HELO\r\n", 0);
	conv_send(&v, 0, 10, PA, "QUIT\r\n", 0);
	conv_send(&v, 0, 16, FA, NULL, 0);
	conv_send(&v, 1, 0, FA, NULL, 0); /* the server never acks past the hole */
	assert_int_equal(r.closes, 0);
	flow_table_finish(t);
	assert_string_equal(buf_str(&r.stream[1][0]), "HELO\r\n<gap 4>QUIT\r\n");
	assert_int_equal(r.last_reason, FLOW_CLOSE_END);
	flow_table_free(t);
	rec_free(&r);
}

static void test_flow_midstream(void **state)
{
	(void)state;
	struct rec r;
	rec_init(&r);
	struct flow_table *t = rec_table(&r, NULL);
	struct conv v;
	conv_init(&v, t);
	/* no handshake; the server speaks first, from port 587 */
	v.sport = 587;
	v.cport = 100; /* a lower port than the server's: the SMTP port decides */
	conv_send(&v, 1, 500, PA, "250 ok\r\n", 0);
	conv_send(&v, 0, 300, PA, "RCPT TO:<a@b>\r\n", 508);
	conv_send(&v, 1, 508, PA, "250 ok\r\n", 315);
	assert_string_equal(buf_str(&r.log), "open 1 10.0.0.1:100 > 10.0.0.2:587 guessed\n");
	assert_string_equal(buf_str(&r.stream[1][1]), "250 ok\r\n250 ok\r\n");
	assert_string_equal(buf_str(&r.stream[1][0]), "RCPT TO:<a@b>\r\n");
	/* a bare ACK of an unknown flow opens nothing */
	v.cport = 200;
	conv_send(&v, 0, 0, A, NULL, 0);
	assert_int_equal(r.opens, 1);
	/* unknown ports: the lower one is the server */
	v.cport = 50000;
	v.sport = 8080;
	conv_send(&v, 0, 0, PA, "x", 0);
	assert_non_null(strstr(buf_str(&r.log), "open 2 10.0.0.1:50000 > 10.0.0.2:8080 guessed\n"));
	flow_table_free(t);
	rec_free(&r);
}

static void test_flow_port_reuse(void **state)
{
	(void)state;
	struct rec r;
	rec_init(&r);
	struct flow_table *t = rec_table(&r, NULL);
	struct conv v;
	conv_init(&v, t);
	conv_handshake(&v);
	conv_send(&v, 0, 0, PA, "one", 0);
	conv_send(&v, 0, 0, PKT_TCP_SYN, NULL, 0); /* retransmitted SYN: same flow */
	assert_int_equal(r.opens, 1);
	conv_send(&v, 1, 0, PKT_TCP_RST | A, NULL, 3);
	assert_int_equal(r.last_reason, FLOW_CLOSE_RST);
	v.cisn = 777777;
	conv_handshake(&v);
	conv_send(&v, 0, 0, PA, "two", 0);
	assert_int_equal(r.opens, 2);
	/* a SYN with a new ISN on a live flow without FIN: a new connection */
	v.cisn = 999999;
	conv_handshake(&v);
	conv_send(&v, 0, 0, PA, "three", 0);
	assert_int_equal(r.opens, 3);
	assert_string_equal(buf_str(&r.stream[1][0]), "one");
	assert_string_equal(buf_str(&r.stream[2][0]), "two");
	assert_string_equal(buf_str(&r.stream[3][0]), "three");
	assert_non_null(strstr(buf_str(&r.log), "close 2 port reused\n"));
	flow_table_free(t);
	rec_free(&r);
}

static void test_flow_seq_wraparound(void **state)
{
	(void)state;
	struct rec r;
	rec_init(&r);
	struct flow_table *t = rec_table(&r, NULL);
	struct conv v;
	conv_init(&v, t);
	v.cisn = 0xfffffff0u;
	conv_handshake(&v);
	conv_send(&v, 0, 0, PA, "0123456789", 0);  /* 0xfffffff1.. */
	conv_send(&v, 0, 20, PA, "KLMNO", 0);      /* past the wrap, out of order */
	conv_send(&v, 0, 10, PA, "abcdefghij", 0); /* crosses 2^32 */
	assert_string_equal(buf_str(&r.stream[1][0]), "0123456789abcdefghijKLMNO");
	assert_int_equal(r.gaps, 0);
	flow_table_free(t);
	rec_free(&r);
}

static void test_flow_ignore(void **state)
{
	(void)state;
	struct rec r;
	rec_init(&r);
	r.ignore_after = 4;
	struct flow_table *t = rec_table(&r, NULL);
	struct conv v;
	conv_init(&v, t);
	conv_handshake(&v);
	conv_send(&v, 0, 10, PA, "later", 0); /* held, then dropped on ignore */
	conv_send(&v, 0, 0, PA, "STAR", 0);
	conv_send(&v, 0, 4, PA, "TTLS", 0);
	assert_string_equal(buf_str(&r.stream[1][0]), "STAR");
	conv_send(&v, 0, 8, FA, NULL, 0);
	conv_send(&v, 1, 0, FA, NULL, 9);
	assert_int_equal(r.last_reason, FLOW_CLOSE_FIN);
	assert_int_equal(r.gaps, 0);
	flow_table_free(t);
	rec_free(&r);
}

static void test_flow_idle_and_full(void **state)
{
	(void)state;
	struct rec r;
	rec_init(&r);
	struct flow_config cfg;
	flow_config_default(&cfg);
	cfg.max_flows = 2;
	cfg.idle_usec = 5 * 1000000LL;
	struct flow_table *t = rec_table(&r, &cfg);
	struct conv v;
	conv_init(&v, t);
	for (int i = 0; i < 3; i++) {
		v.cport = (uint16_t)(1000 + i);
		conv_handshake(&v);
	}
	assert_int_equal(r.opens, 3);
	assert_non_null(strstr(buf_str(&r.log), "close 1 table full\nopen 3 "));
	v.ts += 10 * 1000000LL;
	v.cport = 2000;
	conv_handshake(&v); /* the sweep closes 2 and 3 as idle */
	assert_non_null(strstr(buf_str(&r.log), "close 2 idle timeout\nclose 3 idle timeout\n"));
	const struct flow_stats *st = flow_table_stats(t);
	assert_int_equal(st->flows_open, 1);
	assert_int_equal(st->flows_peak, 2);
	flow_table_free(t);
	rec_free(&r);
}

static void test_flow_ooo_cap(void **state)
{
	(void)state;
	struct rec r;
	rec_init(&r);
	struct flow_config cfg;
	flow_config_default(&cfg);
	cfg.ooo_dir_max = 400;
	struct flow_table *t = rec_table(&r, &cfg);
	struct conv v;
	conv_init(&v, t);
	conv_handshake(&v);
	char chunk[101];
	memset(chunk, 'x', 100);
	chunk[100] = '\0';
	for (uint32_t i = 0; i < 6; i++)
		conv_send(&v, 0, 50 + i * 100, PA, chunk, 0); /* a hole of 50 at the start */
	/* the cap (with overhead) forced the hole to be given up */
	assert_int_equal(r.gaps, 1);
	assert_true(r.stream[1][0].len >= 200);
	assert_memory_equal(r.stream[1][0].data, "<gap 50>", 8);
	flow_table_finish(t);
	assert_int_equal(r.stream[1][0].len, 8 + 600);
	flow_table_free(t);
	rec_free(&r);
}

/* Endpoints as text, against inet_ntop and printf: every digit count of an
 * address byte and a port, IPv6 with and without zero compression, and
 * output buffers too small for the text (cut, always terminated). */
static void test_flow_endpoint_format(void **state)
{
	(void)state;
	static const unsigned v4[][5] = {
		{0, 0, 0, 0, 0}, {9, 10, 99, 100, 1}, {255, 254, 199, 200, 9}, {127, 0, 0, 1, 10},
		{192, 0, 2, 13, 99}, {10, 1, 2, 3, 100}, {1, 2, 3, 4, 999}, {1, 2, 3, 4, 1000},
		{1, 2, 3, 4, 9999}, {1, 2, 3, 4, 10000}, {1, 2, 3, 4, 65535},
	};
	for (size_t k = 0; k < sizeof v4 / sizeof v4[0]; k++) {
		struct flow f;
		memset(&f, 0, sizeof f);
		f.version = 4;
		for (int i = 0; i < 4; i++)
			f.ep[FLOW_S2C].addr[i] = (uint8_t)v4[k][i];
		f.ep[FLOW_S2C].port = (uint16_t)v4[k][4];
		char want[64], got[64];
		snprintf(want, sizeof want, "%u.%u.%u.%u:%u", v4[k][0], v4[k][1], v4[k][2], v4[k][3], v4[k][4]);
		flow_endpoint_format(&f, FLOW_S2C, got, sizeof got);
		assert_string_equal(got, want);
		for (size_t cut = 1; cut <= strlen(want); cut++) {
			memset(got, 'x', sizeof got);
			flow_endpoint_format(&f, FLOW_S2C, got, cut);
			assert_int_equal(strlen(got), cut - 1);
			assert_memory_equal(got, want, cut - 1);
		}
	}
	static const char *v6[] = {"2001:db8::25", "::1", "::", "fe80::1:2:3:4", "2001:db8:1:2:3:4:5:6",
				   "::ffff:192.0.2.1"};
	for (size_t k = 0; k < sizeof v6 / sizeof v6[0]; k++) {
		struct flow f;
		memset(&f, 0, sizeof f);
		f.version = 6;
		assert_int_equal(inet_pton(AF_INET6, v6[k], f.ep[FLOW_C2S].addr), 1);
		f.ep[FLOW_C2S].port = (uint16_t)(k * 12345 + 7);
		char a[INET6_ADDRSTRLEN], want[80], got[80];
		inet_ntop(AF_INET6, f.ep[FLOW_C2S].addr, a, sizeof a);
		snprintf(want, sizeof want, "[%s]:%u", a, (unsigned)f.ep[FLOW_C2S].port);
		flow_endpoint_format(&f, FLOW_C2S, got, sizeof got);
		assert_string_equal(got, want);
		flow_endpoint_format(&f, FLOW_C2S, got, 5);
		assert_int_equal(strlen(got), 4);
		assert_memory_equal(got, want, 4);
	}
}

/* The IPv6 text against inet_ntop for every pattern of zero groups (which
 * run is compressed, ties, runs at either end), group values of every hex
 * digit count, and IPv4-mapped and -compatible addresses. */
static void test_flow_endpoint_v6_patterns(void **state)
{
	(void)state;
	static const uint16_t vals[] = {0x1, 0xf, 0x10, 0xab, 0x100, 0xfff, 0x1000, 0xffff, 0x2001, 0xdb8};
	unsigned seed = 1;
	size_t checked = 0;
	for (unsigned mask = 0; mask < 256; mask++) {
		for (int round = 0; round < 12; round++) {
			struct flow f;
			memset(&f, 0, sizeof f);
			f.version = 6;
			uint8_t *a = f.ep[FLOW_S2C].addr;
			for (int g = 0; g < 8; g++) {
				seed = seed * 1103515245u + 12345u;
				uint16_t v = (mask >> g & 1) ? 0 : vals[(seed >> 16) % (sizeof vals / sizeof vals[0])];
				if (round == 1 && g == 5 && mask == 0x1f)
					v = 0xffff; /* ::ffff:w.x.y.z */
				a[2 * g] = (uint8_t)(v >> 8);
				a[2 * g + 1] = (uint8_t)v;
			}
			f.ep[FLOW_S2C].port = (uint16_t)(seed % 65536);
			char ip[INET6_ADDRSTRLEN], want[80], got[80];
			assert_non_null(inet_ntop(AF_INET6, a, ip, sizeof ip));
			snprintf(want, sizeof want, "[%s]:%u", ip, (unsigned)f.ep[FLOW_S2C].port);
			flow_endpoint_format(&f, FLOW_S2C, got, sizeof got);
			assert_string_equal(got, want);
			checked++;
		}
	}
	assert_int_equal(checked, 256 * 12);
	/* the longest possible text fits */
	struct flow f;
	memset(&f, 0, sizeof f);
	f.version = 6;
	memset(f.ep[FLOW_C2S].addr, 0xff, 16);
	f.ep[FLOW_C2S].port = 65535;
	char got[80];
	flow_endpoint_format(&f, FLOW_C2S, got, sizeof got);
	assert_string_equal(got, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_in_order),
		cmocka_unit_test(test_flow_out_of_order_and_retransmission),
		cmocka_unit_test(test_flow_overlap_conflict),
		cmocka_unit_test(test_flow_gap_by_ack),
		cmocka_unit_test(test_flow_reorder_across_directions),
		cmocka_unit_test(test_flow_reorder_bounded),
		cmocka_unit_test(test_flow_gap_at_end),
		cmocka_unit_test(test_flow_midstream),
		cmocka_unit_test(test_flow_port_reuse),
		cmocka_unit_test(test_flow_seq_wraparound),
		cmocka_unit_test(test_flow_ignore),
		cmocka_unit_test(test_flow_idle_and_full),
		cmocka_unit_test(test_flow_ooo_cap),
		cmocka_unit_test(test_flow_endpoint_format),
		cmocka_unit_test(test_flow_endpoint_v6_patterns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
