/* test_pkt.c - unit tests for frame decoding (decode/pkt.c: link types, VLAN,
 * IPv4 options, IPv6 extension headers, TCP; RFC 791, RFC 8200, RFC 9293) and IP
 * fragment reassembly (decode/ipfrag.c) as seen through the flow engine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "decode/ipfrag.h"
#include "decode/limits.h"
#include "tests/unit/test_pkt_build.h"

static const char MSG[] = "EHLO client.example\r\n";

/* A client data segment (seq 100) of MSG in a datagram into ip; returns length. */
static size_t make_dgram(uint8_t *ip, const char *src, const char *dst, size_t ip4opt, bool ip6ext,
                         const char *data)
{
	uint8_t l4[TB_MAX];
	size_t n = tb_tcp(l4, 40000, 25, 100, 0, PKT_TCP_PSH | PKT_TCP_ACK, 12, data, strlen(data));
	return tb_ip(ip, src, dst, 6, l4, n, ip4opt, ip6ext);
}

/* Feed one frame to a fresh engine and return what the client stream got. */
static void feed_expect(int linktype, const uint8_t *frame, size_t caplen, size_t wirelen, const char *want)
{
	struct rec r;
	rec_init(&r);
	struct flow_table *t = rec_table(&r, NULL);
	flow_table_packet(t, linktype, 1000, frame, caplen, wirelen);
	flow_table_finish(t);
	assert_string_equal(buf_str(&r.stream[1][0]), want);
	flow_table_free(t);
	rec_free(&r);
}

static void test_pkt_link_types(void **state)
{
	(void)state;
	static const int types[] = {PKT_DLT_EN10MB, PKT_DLT_LINUX_SLL, PKT_DLT_LINUX_SLL2, PKT_DLT_NULL,
	                            PKT_DLT_LOOP, PKT_DLT_RAW, PKT_DLT_LINKTYPE_RAW};
	uint8_t ip[TB_MAX], frame[TB_MAX];
	for (int v6 = 0; v6 < 2; v6++) {
		size_t n = make_dgram(ip, v6 ? "2001:db8::1" : "192.0.2.1", v6 ? "2001:db8::2" : "192.0.2.2", 0,
		                      false, MSG);
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
			for (int be = 0; be < 2; be++) {
				size_t fl = tb_link(frame, types[i], 0, be, ip, n);
				feed_expect(types[i], frame, fl, fl, MSG);
			}
		}
		feed_expect(v6 ? PKT_DLT_IPV6 : PKT_DLT_IPV4, ip, n, n, MSG);
	}
}

static void test_pkt_loopback_families(void **state)
{
	(void)state;
	/* AF_INET6 differs between BSDs (24, 28, 30); AF_INET is 2; either byte order */
	static const struct {
		uint8_t b[4];
		int version;
	} cases[] = {{{24, 0, 0, 0}, 6}, {{0, 0, 0, 28}, 6}, {{30, 0, 0, 0}, 6}, {{0, 0, 0, 2}, 4},
	             {{2, 0, 0, 0}, 4},  {{10, 0, 0, 0}, 0}, {{0, 0, 0, 0}, 0}};
	uint8_t frame[64] = {0};
	struct pkt_net net;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memcpy(frame, cases[i].b, 4);
		enum pkt_status st = pkt_decode_link(PKT_DLT_NULL, frame, sizeof frame, sizeof frame, &net);
		assert_int_equal(st, cases[i].version ? PKT_OK : PKT_NON_IP);
		assert_int_equal(net.version, cases[i].version);
	}
	assert_int_equal(pkt_decode_link(PKT_DLT_NULL, frame, 3, 3, &net), PKT_TRUNCATED);
	/* ARP on Ethernet is counted as non-IP */
	memset(frame, 0, sizeof frame);
	frame[12] = 0x08;
	frame[13] = 0x06;
	assert_int_equal(pkt_decode_link(PKT_DLT_EN10MB, frame, 60, 60, &net), PKT_NON_IP);
	struct rec r;
	rec_init(&r);
	struct flow_table *t = rec_table(&r, NULL);
	flow_table_packet(t, PKT_DLT_EN10MB, 1, frame, 60, 60);
	assert_int_equal(flow_table_stats(t)->non_ip, 1);
	flow_table_free(t);
	rec_free(&r);
}

static void test_pkt_vlan_and_padding(void **state)
{
	(void)state;
	uint8_t ip[TB_MAX], frame[TB_MAX];
	size_t n = make_dgram(ip, "2001:db8::1", "2001:db8::2", 0, false, MSG);
	for (int tags = 1; tags <= PKT_VLAN_MAX; tags++) {
		size_t fl = tb_link(frame, PKT_DLT_EN10MB, tags, false, ip, n);
		feed_expect(PKT_DLT_EN10MB, frame, fl, fl, MSG);
	}
	size_t fl = tb_link(frame, PKT_DLT_EN10MB, PKT_VLAN_MAX + 1, false, ip, n);
	struct pkt_net net;
	assert_int_equal(pkt_decode_link(PKT_DLT_EN10MB, frame, fl, fl, &net), PKT_MALFORMED);
	/* Ethernet padding after a short IPv4 packet is not payload */
	n = make_dgram(ip, "192.0.2.1", "192.0.2.2", 0, false, "hi");
	fl = tb_link(frame, PKT_DLT_EN10MB, 1, false, ip, n);
	memset(frame + fl, 0xee, 10);
	feed_expect(PKT_DLT_EN10MB, frame, fl + 10, fl + 10, "hi");
	/* QinQ in a Linux cooked header */
	fl = tb_link(frame, PKT_DLT_LINUX_SLL, 2, false, ip, n);
	assert_int_equal(pkt_decode_link(PKT_DLT_LINUX_SLL, frame, fl, fl, &net), PKT_OK);
	assert_int_equal(net.version, 4);
	assert_int_equal(net.len, n);
}

static void test_pkt_ip_options_and_ext(void **state)
{
	(void)state;
	uint8_t ip[TB_MAX];
	size_t n = make_dgram(ip, "192.0.2.1", "192.0.2.2", 12, false, MSG);
	struct pkt_ip pi;
	struct pkt_tcp tcp;
	assert_int_equal(pkt_decode_ip(ip, n, 0, &pi), PKT_OK);
	assert_int_equal(pi.proto, 6);
	assert_int_equal(pi.l4 - ip, 32);
	assert_int_equal(pkt_decode_tcp(pi.l4, pi.l4_len, 0, &tcp), PKT_OK);
	assert_int_equal(tcp.len, strlen(MSG));
	assert_int_equal(tcp.seq, 100);
	assert_int_equal(tcp.dport, 25);
	assert_memory_equal(tcp.payload, MSG, tcp.len);
	n = make_dgram(ip, "2001:db8::1", "2001:db8::2", 0, true, MSG);
	assert_int_equal(pkt_decode_ip(ip, n, 0, &pi), PKT_OK);
	assert_int_equal(pi.proto, 6);
	assert_int_equal(pi.l4 - ip, 56);
	feed_expect(PKT_DLT_RAW, ip, n, n, MSG);
	/* an extension header running past the packet */
	assert_int_equal(pkt_decode_ip(ip, 45, 0, &pi), PKT_MALFORMED);
	assert_int_equal(pkt_decode_ip(ip, 45, n - 45, &pi), PKT_TRUNCATED);
	/* a chain of more extension headers than allowed */
	uint8_t chain[40 + 8 * (PKT_IP6_EXT_MAX + 2)];
	memcpy(chain, ip, 40);
	chain[6] = 60;
	for (int i = 0; i < PKT_IP6_EXT_MAX + 2; i++) {
		memset(chain + 40 + 8 * i, 0, 8);
		chain[40 + 8 * i] = 60;
	}
	tb_put16(chain + 4, sizeof chain - 40);
	assert_int_equal(pkt_decode_ip(chain, sizeof chain, 0, &pi), PKT_MALFORMED);
	/* not TCP */
	uint8_t udp[8] = {0};
	n = tb_ip(ip, "192.0.2.1", "192.0.2.2", 17, udp, 8, 0, false);
	struct rec r;
	rec_init(&r);
	struct flow_table *t = rec_table(&r, NULL);
	flow_table_packet(t, PKT_DLT_RAW, 1, ip, n, n);
	assert_int_equal(flow_table_stats(t)->non_tcp, 1);
	assert_int_equal(r.opens, 0);
	flow_table_free(t);
	rec_free(&r);
}

static void frag_feed(int order, const char *src, const char *dst)
{
	char data[200];
	for (int i = 0; i < 199; i++)
		data[i] = (char)('a' + i % 26);
	data[199] = '\0';
	uint8_t ip[TB_MAX], f[3][TB_MAX];
	size_t n = make_dgram(ip, src, dst, 0, false, data);
	size_t hl = (ip[0] >> 4) == 6 ? 40 : 20;
	size_t pl = n - hl; /* 32 + 199 */
	size_t fl[3];
	fl[0] = tb_frag(f[0], ip, 0, 80, true, 7);
	fl[1] = tb_frag(f[1], ip, 80, 80, true, 7);
	fl[2] = tb_frag(f[2], ip, 160, pl - 160, false, 7);
	static const int orders[3][4] = {{0, 1, 2, -1}, {2, 0, 1, -1}, {1, 1, 2, 0}};
	struct rec r;
	rec_init(&r);
	struct flow_table *t = rec_table(&r, NULL);
	for (int i = 0; i < 4 && orders[order][i] >= 0; i++) {
		int k = orders[order][i];
		flow_table_packet(t, PKT_DLT_RAW, 1000 + i, f[k], fl[k], fl[k]);
	}
	const struct flow_stats *st = flow_table_stats(t);
	assert_int_equal(st->reassembled, 1);
	assert_true(st->fragments >= 3);
	flow_table_finish(t);
	assert_string_equal(buf_str(&r.stream[1][0]), data);
	flow_table_free(t);
	rec_free(&r);
}

static void test_pkt_fragments(void **state)
{
	(void)state;
	for (int order = 0; order < 3; order++) {
		frag_feed(order, "192.0.2.1", "192.0.2.2");
		frag_feed(order, "2001:db8::1", "2001:db8::2");
	}
}

static void test_ipfrag_overlap_and_timeout(void **state)
{
	(void)state;
	struct ipfrag_table *ft = ipfrag_new();
	uint8_t payload[48];
	memset(payload, 'A', sizeof payload);
	struct pkt_ip ip = {.version = 4, .proto = 6, .frag = true, .frag_more = true, .frag_id = 9};
	ip.l4 = payload;
	ip.l4_len = 24;
	const uint8_t *out = NULL;
	size_t outlen = 0;
	assert_int_equal(ipfrag_add(ft, &ip, 0, &out, &outlen), IPFRAG_HELD);
	uint8_t other[48];
	memset(other, 'B', sizeof other);
	ip.l4 = other;
	ip.frag_off = 16; /* overlaps 16..24 with different bytes */
	ip.l4_len = 32;
	ip.frag_more = false;
	assert_int_equal(ipfrag_add(ft, &ip, 1, &out, &outlen), IPFRAG_DONE);
	assert_int_equal(outlen, 48);
	assert_int_equal(out[23], 'A'); /* first copy wins */
	assert_int_equal(out[24], 'B');
	assert_int_equal(ipfrag_stats(ft)->conflicts, 1);
	/* an incomplete datagram expires */
	ip.frag_off = 0;
	ip.frag_more = true;
	ip.frag_id = 10;
	assert_int_equal(ipfrag_add(ft, &ip, 2, &out, &outlen), IPFRAG_HELD);
	size_t bytes = 0;
	assert_int_equal(ipfrag_held(ft, &bytes), 1);
	assert_true(bytes > 0);
	ipfrag_expire(ft, 2 + IPFRAG_TIMEOUT_USEC + 1);
	assert_int_equal(ipfrag_held(ft, &bytes), 0);
	assert_int_equal(bytes, 0);
	assert_int_equal(ipfrag_stats(ft)->timeouts, 1);
	/* many datagrams: the count stays capped */
	for (uint32_t i = 0; i < IPFRAG_DGRAMS_MAX + 10; i++) {
		ip.frag_id = 100 + i;
		ipfrag_add(ft, &ip, 3, &out, &outlen);
	}
	assert_int_equal(ipfrag_held(ft, NULL), IPFRAG_DGRAMS_MAX);
	ipfrag_free(ft);
}

static void test_pkt_truncated(void **state)
{
	(void)state;
	uint8_t ip[TB_MAX], frame[TB_MAX];
	size_t n = make_dgram(ip, "192.0.2.1", "192.0.2.2", 0, false, MSG);
	size_t fl = tb_link(frame, PKT_DLT_EN10MB, 0, false, ip, n);
	/* snaplen cut inside the payload: what is there is delivered, the rest a gap */
	char want[128];
	snprintf(want, sizeof want, "EHLO<gap %zu>", strlen(MSG) - 4);
	feed_expect(PKT_DLT_EN10MB, frame, fl - strlen(MSG) + 4, fl, want);
	/* cut inside the TCP header: counted, no flow */
	struct rec r;
	rec_init(&r);
	struct flow_table *t = rec_table(&r, NULL);
	flow_table_packet(t, PKT_DLT_EN10MB, 1, frame, 14 + 20 + 10, fl);
	flow_table_packet(t, PKT_DLT_EN10MB, 2, frame, 10, fl);
	flow_table_packet(t, 9999, 3, frame, fl, fl);
	const struct flow_stats *st = flow_table_stats(t);
	assert_int_equal(st->truncated, 2);
	assert_int_equal(st->bad_link, 1);
	assert_int_equal(st->cut, 2);
	assert_int_equal(r.opens, 0);
	flow_table_free(t);
	rec_free(&r);
	/* the cursor goes inert after the first short read */
	struct pkt_cur c;
	pkt_cur_init(&c, ip, 3);
	assert_int_equal(pkt_cur_be16(&c), (ip[0] << 8) | ip[1]);
	assert_int_equal(pkt_cur_be16(&c), 0);
	assert_true(c.err);
	assert_int_equal(pkt_cur_u8(&c), 0);
	assert_int_equal(pkt_cur_left(&c), 0);
	assert_string_equal(pkt_status_name(PKT_TRUNCATED), "truncated");
}

static void test_pkt_garbage(void **state)
{
	(void)state;
	static const int types[] = {PKT_DLT_EN10MB, PKT_DLT_LINUX_SLL, PKT_DLT_LINUX_SLL2, PKT_DLT_NULL,
	                            PKT_DLT_RAW,    PKT_DLT_IPV4,      PKT_DLT_IPV6};
	struct rec r;
	rec_init(&r);
	struct flow_table *t = rec_table(&r, NULL);
	uint8_t ip[TB_MAX], frame[TB_MAX];
	size_t n = make_dgram(ip, "192.0.2.1", "192.0.2.2", 0, false, MSG);
	srand(1);
	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)(rand() % 120);
		/* half random bytes, half a valid frame with a few bytes flipped */
		if (i & 1) {
			for (size_t k = 0; k < len; k++)
				frame[k] = (uint8_t)rand();
		} else {
			len = tb_link(frame, PKT_DLT_EN10MB, 0, false, ip, n);
			for (int k = 0; k < 3; k++)
				frame[(size_t)rand() % len] = (uint8_t)rand();
		}
		int lt = types[(i / 2) % (int)(sizeof types / sizeof types[0])];
		if (!(i & 1))
			lt = PKT_DLT_EN10MB;
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, frame, len);
		flow_table_packet(t, lt, i * 1000, copy, len, len + (size_t)(rand() % 3));
		free(copy);
	}
	const struct flow_stats *st = flow_table_stats(t);
	assert_int_equal(st->packets, 20000);
	assert_true(st->tcp > 0);
	assert_true(st->malformed + st->truncated + st->non_ip + st->non_tcp > 0);
	flow_table_free(t);
	assert_int_equal(r.opens, r.closes);
	rec_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkt_link_types),
		cmocka_unit_test(test_pkt_loopback_families),
		cmocka_unit_test(test_pkt_vlan_and_padding),
		cmocka_unit_test(test_pkt_ip_options_and_ext),
		cmocka_unit_test(test_pkt_fragments),
		cmocka_unit_test(test_ipfrag_overlap_and_timeout),
		cmocka_unit_test(test_pkt_truncated),
		cmocka_unit_test(test_pkt_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
