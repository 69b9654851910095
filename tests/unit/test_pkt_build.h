/* test_pkt_build.h - a tiny packet builder (Ethernet/VLAN/SLL/SLL2/NULL/raw +
 * IPv4/IPv6 + TCP, IP fragments) and a recording flow consumer, shared by the
 * capture decoder's unit tests, fuzz seeds and benchmark. Header-only. */
#ifndef SMTPSCOPE_TEST_PKT_BUILD_H
#define SMTPSCOPE_TEST_PKT_BUILD_H
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "decode/buf.h"
#include "decode/flow.h"
#include "decode/pkt.h"

#define TB_MAX 70000

static inline void tb_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void tb_put32(uint8_t *p, uint32_t v)
{
	tb_put16(p, (uint16_t)(v >> 16));
	tb_put16(p + 2, (uint16_t)v);
}

/* A TCP segment (20-byte header plus optlen bytes of NOP options) into out. */
static inline size_t tb_tcp(uint8_t *out, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                            uint8_t flags, size_t optlen, const void *data, size_t len)
{
	size_t hl = 20 + optlen;
	memset(out, 0, hl);
	tb_put16(out, sport);
	tb_put16(out + 2, dport);
	tb_put32(out + 4, seq);
	tb_put32(out + 8, ack);
	out[12] = (uint8_t)((hl / 4) << 4);
	out[13] = flags;
	tb_put16(out + 14, 65535);
	memset(out + 20, 1, optlen); /* NOP */
	if (len)
		memcpy(out + hl, data, len);
	return hl + len;
}

/* An IP datagram around l4 (proto) from src to dst (text addresses, the
 * family chosen by the text). ip4opt: bytes of IPv4 options (multiple of 4);
 * ip6ext: add hop-by-hop and destination options headers. */
static inline size_t tb_ip(uint8_t *out, const char *src, const char *dst, uint8_t proto, const uint8_t *l4,
                           size_t l4len, size_t ip4opt, bool ip6ext)
{
	if (strchr(src, ':')) {
		size_t ext = ip6ext ? 16 : 0;
		memset(out, 0, 40 + ext);
		out[0] = 0x60;
		tb_put16(out + 4, (uint16_t)(l4len + ext));
		out[6] = ip6ext ? 0 : proto;
		out[7] = 64;
		inet_pton(AF_INET6, src, out + 8);
		inet_pton(AF_INET6, dst, out + 24);
		if (ip6ext) {
			out[40] = 60; /* hop-by-hop -> destination options */
			out[41] = 0;
			out[42] = 1; /* PadN of 4 */
			out[43] = 4;
			out[48] = proto;
			out[49] = 0;
			out[50] = 1;
			out[51] = 4;
		}
		memcpy(out + 40 + ext, l4, l4len);
		return 40 + ext + l4len;
	}
	size_t hl = 20 + ip4opt;
	memset(out, 0, hl);
	out[0] = (uint8_t)(0x40 | (hl / 4));
	tb_put16(out + 2, (uint16_t)(hl + l4len));
	tb_put16(out + 4, 0x1234);
	out[8] = 64;
	out[9] = proto;
	inet_pton(AF_INET, src, out + 12);
	inet_pton(AF_INET, dst, out + 16);
	memset(out + 20, 1, ip4opt); /* NOP options */
	memcpy(out + hl, l4, l4len);
	return hl + l4len;
}

/* A fragment of an IP datagram without IPv6 extension headers: payload
 * bytes [off, off + len) of dgram, more set unless last. */
static inline size_t tb_frag(uint8_t *out, const uint8_t *dgram, size_t off, size_t len, bool more, uint32_t id)
{
	if ((dgram[0] >> 4) == 6) {
		memcpy(out, dgram, 40);
		out[6] = 44;
		tb_put16(out + 4, (uint16_t)(8 + len));
		out[40] = dgram[6];
		out[41] = 0;
		tb_put16(out + 42, (uint16_t)(off | (more ? 1 : 0)));
		tb_put32(out + 44, id);
		memcpy(out + 48, dgram + 40 + off, len);
		return 48 + len;
	}
	size_t hl = (size_t)(dgram[0] & 15) * 4;
	memcpy(out, dgram, hl);
	tb_put16(out + 2, (uint16_t)(hl + len));
	tb_put16(out + 4, (uint16_t)id);
	tb_put16(out + 6, (uint16_t)((off / 8) | (more ? 0x2000 : 0)));
	memcpy(out + hl, dgram + hl + off, len);
	return hl + len;
}

/* Wrap an IP datagram in a link header. vlan: number of tags (Ethernet and
 * SLL), the outer one 0x88a8 when two or more. be: DLT_NULL AF in big endian. */
static inline size_t tb_link(uint8_t *out, int linktype, int vlan, bool be, const uint8_t *ip, size_t iplen)
{
	size_t n = 0;
	uint16_t et = (ip[0] >> 4) == 6 ? 0x86dd : 0x0800;
	switch (linktype) {
	case PKT_DLT_EN10MB:
	case PKT_DLT_LINUX_SLL:
		memset(out, 0xaa, linktype == PKT_DLT_EN10MB ? 12 : 14);
		n = linktype == PKT_DLT_EN10MB ? 12 : 14;
		for (int i = 0; i < vlan; i++) {
			tb_put16(out + n, i == 0 && vlan > 1 ? 0x88a8 : 0x8100);
			tb_put16(out + n + 2, (uint16_t)(100 + i));
			n += 4;
		}
		tb_put16(out + n, et);
		n += 2;
		break;
	case PKT_DLT_LINUX_SLL2:
		memset(out, 0, 20);
		tb_put16(out, et);
		n = 20;
		break;
	case PKT_DLT_NULL:
	case PKT_DLT_LOOP: {
		uint32_t af = et == 0x0800 ? 2 : 30;
		if (be || linktype == PKT_DLT_LOOP)
			tb_put32(out, af);
		else
			out[0] = (uint8_t)af, out[1] = out[2] = out[3] = 0;
		n = 4;
		break;
	}
	default: /* raw */
		break;
	}
	memcpy(out + n, ip, iplen);
	return n + iplen;
}

/* A whole frame: TCP in IP in link. */
struct tb_seg {
	int linktype;
	const char *src, *dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	const void *data;
	size_t len;
};

static inline size_t tb_frame(uint8_t *out, const struct tb_seg *s)
{
	uint8_t l4[TB_MAX], ip[TB_MAX];
	size_t n = tb_tcp(l4, s->sport, s->dport, s->seq, s->ack, s->flags, 0, s->data, s->len);
	n = tb_ip(ip, s->src, s->dst, 6, l4, n, 0, false);
	return tb_link(out, s->linktype, 0, false, ip, n);
}

/* ---- a consumer that records what it is told ---- */

#define REC_FLOWS 8

struct rec {
	struct buf log;                 /* one line per event */
	struct buf stream[REC_FLOWS][2]; /* delivered bytes by flow id (1..) and direction */
	int opens, closes, gaps, conflicts;
	size_t gap_bytes;
	int ignore_after; /* flow_ignore once a direction got this many bytes (0: never) */
	enum flow_close_reason last_reason;
};

static inline void *rec_open(void *ctx, struct flow *f)
{
	struct rec *r = ctx;
	char c[64], s[64];
	flow_endpoint_format(f, FLOW_C2S, c, sizeof c);
	flow_endpoint_format(f, FLOW_S2C, s, sizeof s);
	r->opens++;
	buf_printf(&r->log, "open %llu %s > %s%s\n", (unsigned long long)f->id, c, s,
	           (f->flags & FLOW_F_GUESSED) ? " guessed" : "");
	return r;
}

static inline void rec_data(void *ctx, struct flow *f, enum flow_dir dir, const uint8_t *p, size_t len, int64_t ts)
{
	struct rec *r = ctx;
	(void)ts;
	if (f->id < REC_FLOWS) {
		buf_append(&r->stream[f->id][dir], p, len);
		if (r->ignore_after && r->stream[f->id][dir].len >= (size_t)r->ignore_after)
			flow_ignore(f);
	}
}

static inline void rec_gap(void *ctx, struct flow *f, enum flow_dir dir, size_t n, int64_t ts)
{
	struct rec *r = ctx;
	(void)ts;
	r->gaps++;
	r->gap_bytes += n;
	buf_printf(&r->log, "gap %llu %d %zu\n", (unsigned long long)f->id, (int)dir, n);
	if (f->id < REC_FLOWS)
		buf_printf(&r->stream[f->id][dir], "<gap %zu>", n);
}

static inline void rec_conflict(void *ctx, struct flow *f, enum flow_dir dir, size_t n, int64_t ts)
{
	struct rec *r = ctx;
	(void)ts;
	r->conflicts++;
	buf_printf(&r->log, "conflict %llu %d %zu\n", (unsigned long long)f->id, (int)dir, n);
}

static inline void rec_close(void *ctx, struct flow *f, enum flow_close_reason why)
{
	struct rec *r = ctx;
	r->closes++;
	r->last_reason = why;
	buf_printf(&r->log, "close %llu %s\n", (unsigned long long)f->id, flow_close_reason_name(why));
}

static inline void rec_init(struct rec *r)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->log, 1 << 20);
	for (int i = 0; i < REC_FLOWS; i++)
		for (int d = 0; d < 2; d++)
			buf_init(&r->stream[i][d], 1 << 22);
}

static inline void rec_free(struct rec *r)
{
	buf_free(&r->log);
	for (int i = 0; i < REC_FLOWS; i++)
		for (int d = 0; d < 2; d++)
			buf_free(&r->stream[i][d]);
}

static inline struct flow_table *rec_table(struct rec *r, const struct flow_config *cfg)
{
	static const struct flow_callbacks cb = {rec_open, rec_data, rec_gap, rec_conflict, rec_close};
	return flow_table_new(&cb, r, cfg);
}

#endif
