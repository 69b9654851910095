/* pkt.c - link, IPv4 (RFC 791), IPv6 + extension headers (RFC 8200) and TCP
 * header (RFC 9293) decoding of one captured frame; see pkt.h. */
#include "decode/pkt.h"

#include <string.h>

#include "decode/limits.h"

static const char *const pkt_status_names[PKT_STATUS_LAST] = {
	[PKT_OK] = "ok",
	[PKT_NON_IP] = "non-ip",
	[PKT_NON_TCP] = "non-tcp",
	[PKT_TRUNCATED] = "truncated",
	[PKT_MALFORMED] = "malformed",
	[PKT_BAD_LINK] = "unsupported link type",
};

const char *pkt_status_name(enum pkt_status s)
{
	if ((unsigned)s >= PKT_STATUS_LAST)
		return "?";
	return pkt_status_names[s];
}

void pkt_cur_init(struct pkt_cur *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->len = len;
	c->off = 0;
	c->err = false;
}

/* True when n more bytes can be read; sets err otherwise. */
static bool pkt_cur_need(struct pkt_cur *c, size_t n)
{
	if (c->err || c->len - c->off < n) {
		c->err = true;
		return false;
	}
	return true;
}

uint8_t pkt_cur_u8(struct pkt_cur *c)
{
	if (!pkt_cur_need(c, 1))
		return 0;
	return c->p[c->off++];
}

uint16_t pkt_cur_be16(struct pkt_cur *c)
{
	if (!pkt_cur_need(c, 2))
		return 0;
	const uint8_t *q = c->p + c->off;
	c->off += 2;
	return (uint16_t)((unsigned)q[0] << 8 | q[1]);
}

uint32_t pkt_cur_be32(struct pkt_cur *c)
{
	if (!pkt_cur_need(c, 4))
		return 0;
	const uint8_t *q = c->p + c->off;
	c->off += 4;
	return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
}

void pkt_cur_bytes(struct pkt_cur *c, void *out, size_t n)
{
	if (!pkt_cur_need(c, n)) {
		memset(out, 0, n);
		return;
	}
	memcpy(out, c->p + c->off, n);
	c->off += n;
}

void pkt_cur_skip(struct pkt_cur *c, size_t n)
{
	if (pkt_cur_need(c, n))
		c->off += n;
}

size_t pkt_cur_left(const struct pkt_cur *c)
{
	return c->err ? 0 : c->len - c->off;
}

static uint16_t pkt_be16(const uint8_t *q)
{
	return (uint16_t)((unsigned)q[0] << 8 | q[1]);
}

static uint32_t pkt_be32(const uint8_t *q)
{
	return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
}

/* Map an EtherType to an IP version (0: not IP). */
static int pkt_ethertype_version(uint16_t type)
{
	if (type == 0x0800)
		return 4;
	if (type == 0x86dd)
		return 6;
	return 0;
}

static bool pkt_is_vlan_tpid(uint16_t type)
{
	/* 802.1Q, 802.1ad (QinQ service tag), and the pre-standard 0x9100. */
	return type == 0x8100 || type == 0x88a8 || type == 0x9100;
}

/* Follow an EtherType (after MACs or a cooked header), peeling VLAN tags. */
static enum pkt_status pkt_after_ethertype(struct pkt_cur *c, uint16_t type, struct pkt_net *out)
{
	for (int tags = 0; pkt_is_vlan_tpid(type); tags++) {
		if (tags >= PKT_VLAN_MAX)
			return PKT_MALFORMED;
		pkt_cur_skip(c, 2); /* priority, DEI, VLAN id */
		type = pkt_cur_be16(c);
	}
	if (c->err)
		return PKT_TRUNCATED;
	out->version = pkt_ethertype_version(type);
	return out->version ? PKT_OK : PKT_NON_IP;
}

/* BSD loopback: a 4-byte address family in the capturing host's byte order
 * (DLT_NULL) or network order (DLT_LOOP); both orders are tried. */
static int pkt_loop_version(const uint8_t *q)
{
	uint32_t le = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
	uint32_t be = (uint32_t)q[3] | (uint32_t)q[2] << 8 | (uint32_t)q[1] << 16 | (uint32_t)q[0] << 24;
	uint32_t afs[2] = {le, be};
	for (int i = 0; i < 2; i++) {
		if (afs[i] == 2)
			return 4; /* AF_INET everywhere */
		if (afs[i] == 24 || afs[i] == 28 || afs[i] == 30)
			return 6; /* AF_INET6 on NetBSD/OpenBSD, FreeBSD, Darwin */
	}
	return 0;
}

static enum pkt_status pkt_link_header(int linktype, struct pkt_cur *c, struct pkt_net *out)
{
	switch (linktype) {
	case PKT_DLT_EN10MB:
		pkt_cur_skip(c, 12); /* destination and source MAC */
		return pkt_after_ethertype(c, pkt_cur_be16(c), out);
	case PKT_DLT_LINUX_SLL:
		pkt_cur_skip(c, 14); /* packet type, ARPHRD, address length, address */
		return pkt_after_ethertype(c, pkt_cur_be16(c), out);
	case PKT_DLT_LINUX_SLL2: {
		uint16_t type = pkt_cur_be16(c);
		pkt_cur_skip(c, 18); /* reserved, ifindex, ARPHRD, type, addr len, addr */
		return pkt_after_ethertype(c, type, out);
	}
	case PKT_DLT_NULL:
	case PKT_DLT_LOOP:
		if (pkt_cur_left(c) < 4)
			return PKT_TRUNCATED;
		out->version = pkt_loop_version(c->p);
		pkt_cur_skip(c, 4);
		return out->version ? PKT_OK : PKT_NON_IP;
	case PKT_DLT_RAW:
	case PKT_DLT_RAW_OPENBSD:
	case PKT_DLT_LINKTYPE_RAW:
		if (pkt_cur_left(c) < 1)
			return PKT_TRUNCATED;
		out->version = c->p[0] >> 4;
		return out->version == 4 || out->version == 6 ? PKT_OK : PKT_NON_IP;
	case PKT_DLT_IPV4:
		out->version = 4;
		return PKT_OK;
	case PKT_DLT_IPV6:
		out->version = 6;
		return PKT_OK;
	default:
		return PKT_BAD_LINK;
	}
}

enum pkt_status pkt_decode_link(int linktype, const uint8_t *p, size_t caplen, size_t wirelen,
                                struct pkt_net *out)
{
	struct pkt_cur c;
	memset(out, 0, sizeof *out);
	if (wirelen < caplen)
		wirelen = caplen; /* a bogus record header; trust what is there */
	if (linktype == PKT_DLT_EN10MB && caplen >= 14) { /* untagged Ethernet: most frames */
		out->version = pkt_ethertype_version(pkt_be16(p + 12));
		if (out->version) {
			out->p = p + 14;
			out->len = caplen - 14;
			out->missing = wirelen - caplen;
			return PKT_OK;
		}
	}
	pkt_cur_init(&c, p, caplen);
	enum pkt_status st = pkt_link_header(linktype, &c, out);
	if (st != PKT_OK)
		return st;
	if (c.err)
		return PKT_TRUNCATED;
	out->p = p + c.off;
	out->len = caplen - c.off;
	out->missing = wirelen - caplen;
	return PKT_OK;
}

/* Status for a header of need bytes when only len (+ missing) are there. */
static enum pkt_status pkt_short(size_t need, size_t len, size_t missing)
{
	(void)len;
	return need <= len + missing ? PKT_TRUNCATED : PKT_MALFORMED;
}

/* Clip the datagram to its stated total length tl (from p) and fill l4. */
static void pkt_set_l4(struct pkt_ip *out, const uint8_t *p, size_t len, size_t missing, size_t hlen,
                       size_t tl)
{
	if (tl > len + missing)
		tl = len + missing; /* claims more than the frame had: keep what was sent */
	size_t present = tl < len ? tl : len;
	if (present < hlen)
		present = hlen;
	out->l4 = p + hlen;
	out->l4_len = present - hlen;
	out->l4_missing = tl > present ? tl - present : 0;
}

static enum pkt_status pkt_decode_ip4(const uint8_t *p, size_t len, size_t missing, struct pkt_ip *out)
{
	if (len < 20)
		return pkt_short(20, len, missing);
	size_t hlen = (size_t)(p[0] & 0x0f) * 4;
	if (hlen < 20)
		return PKT_MALFORMED;
	if (hlen > len)
		return pkt_short(hlen, len, missing);
	size_t tl = (size_t)p[2] << 8 | p[3];
	if (tl == 0)
		tl = len + missing; /* large send offload recorded on the sender */
	if (tl < hlen)
		return PKT_MALFORMED;
	uint16_t fragfield = (uint16_t)(p[6] << 8 | p[7]);
	out->frag_id = (uint32_t)p[4] << 8 | p[5];
	out->frag_more = (fragfield & 0x2000) != 0;
	out->frag_off = (uint32_t)(fragfield & 0x1fff) * 8;
	out->frag = out->frag_more || out->frag_off != 0;
	out->proto = p[9];
	memcpy(out->src, p + 12, 4);
	memcpy(out->dst, p + 16, 4);
	pkt_set_l4(out, p, len, missing, hlen, tl);
	return PKT_OK;
}

/* Walk extension headers from nh at c; at the upper layer (or a fragment
 * header) set out->proto and leave c just past the last header walked. */
static enum pkt_status pkt_ip6_walk(struct pkt_cur *c, uint8_t nh, bool allow_frag, struct pkt_ip *out)
{
	for (int n = 0;; n++) {
		if (n > PKT_IP6_EXT_MAX)
			return PKT_MALFORMED;
		if (nh == 0 || nh == 43 || nh == 60 || nh == 51) {
			/* hop-by-hop, routing, destination options; AH counts in 4-byte units */
			uint8_t next = pkt_cur_u8(c);
			uint8_t elen = pkt_cur_u8(c);
			size_t total = nh == 51 ? ((size_t)elen + 2) * 4 : ((size_t)elen + 1) * 8;
			pkt_cur_skip(c, total - 2);
			if (c->err)
				return PKT_TRUNCATED;
			nh = next;
		} else if (nh == 44) {
			if (!allow_frag)
				return PKT_MALFORMED;
			uint8_t next = pkt_cur_u8(c);
			pkt_cur_skip(c, 1);
			uint16_t offfl = pkt_cur_be16(c);
			uint32_t id = pkt_cur_be32(c);
			if (c->err)
				return PKT_TRUNCATED;
			nh = next;
			if ((offfl & 0xfff8) == 0 && !(offfl & 1))
				continue; /* an atomic fragment (RFC 6946): not fragmented */
			out->frag = true;
			out->frag_more = (offfl & 1) != 0;
			out->frag_off = offfl & 0xfff8;
			out->frag_id = id;
			out->proto = nh;
			return PKT_OK;
		} else {
			out->proto = nh;
			return nh == 59 ? PKT_NON_TCP : PKT_OK; /* 59: no next header */
		}
	}
}

enum pkt_status pkt_decode_ip6_chain(uint8_t nh, const uint8_t *p, size_t len, struct pkt_ip *out)
{
	struct pkt_cur c;
	pkt_cur_init(&c, p, len);
	enum pkt_status st = pkt_ip6_walk(&c, nh, false, out);
	if (st != PKT_OK)
		return st == PKT_TRUNCATED ? PKT_MALFORMED : st; /* reassembled: nothing was cut */
	out->l4 = p + c.off;
	out->l4_len = len - c.off;
	out->l4_missing = 0;
	return PKT_OK;
}

static enum pkt_status pkt_decode_ip6(const uint8_t *p, size_t len, size_t missing, struct pkt_ip *out)
{
	if (len < 40)
		return pkt_short(40, len, missing);
	size_t plen = (size_t)p[4] << 8 | p[5];
	size_t tl = plen == 0 ? len + missing : 40 + plen; /* 0: jumbogram or offload */
	memcpy(out->src, p + 8, 16);
	memcpy(out->dst, p + 24, 16);
	pkt_set_l4(out, p, len, missing, 40, tl);
	struct pkt_cur c;
	pkt_cur_init(&c, out->l4, out->l4_len);
	enum pkt_status st = pkt_ip6_walk(&c, p[6], true, out);
	if (st == PKT_TRUNCATED && out->l4_missing == 0)
		return PKT_MALFORMED; /* the chain runs past the datagram itself */
	if (st != PKT_OK)
		return st;
	out->l4 += c.off;
	out->l4_len -= c.off;
	return PKT_OK;
}

enum pkt_status pkt_decode_ip(const uint8_t *p, size_t len, size_t missing, struct pkt_ip *out)
{
	memset(out, 0, sizeof *out);
	if (len < 1)
		return missing ? PKT_TRUNCATED : PKT_MALFORMED;
	out->version = p[0] >> 4;
	if (out->version == 4)
		return pkt_decode_ip4(p, len, missing, out);
	if (out->version == 6)
		return pkt_decode_ip6(p, len, missing, out);
	return PKT_MALFORMED;
}

enum pkt_status pkt_decode_tcp(const uint8_t *p, size_t len, size_t missing, struct pkt_tcp *out)
{
	memset(out, 0, sizeof *out);
	if (len < 20)
		return pkt_short(20, len, missing);
	/* the fixed 20 bytes are there: read them directly */
	out->sport = pkt_be16(p);
	out->dport = pkt_be16(p + 2);
	out->seq = pkt_be32(p + 4);
	out->ack = pkt_be32(p + 8);
	size_t doff = (size_t)(p[12] >> 4) * 4;
	out->flags = p[13] & 0x3f;
	out->win = pkt_be16(p + 14);
	if (doff < 20)
		return PKT_MALFORMED;
	if (doff > len)
		return pkt_short(doff, len, missing);
	out->payload = p + doff;
	out->len = len - doff;
	out->missing = missing;
	return PKT_OK;
}
