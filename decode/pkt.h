/* pkt.h - decoding of one captured frame: link layer (Ethernet + IEEE 802.1Q/802.1ad
 * tags, Linux SLL/SLL2, BSD loopback, raw IP), IPv4 (RFC 791), IPv6 with its
 * extension header chain (RFC 8200) and the TCP header (RFC 9293).
 *
 * Every reader assumes the frame can end at any byte: the inert cursor below
 * stops at the first short read and the caller checks once. Nothing is copied:
 * the results point into the caller's buffer. Checksums are not verified
 * (capture hosts with checksum offload record wrong ones). */
#ifndef SMTPSCOPE_PKT_H
#define SMTPSCOPE_PKT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Link types as numbered by libpcap's pcap_datalink() (DLT_*). The pcap file
 * LINKTYPE_RAW (101) is mapped to DLT_RAW by libpcap; both are accepted. */
enum {
	PKT_DLT_NULL = 0,
	PKT_DLT_EN10MB = 1,
	PKT_DLT_RAW = 12,
	PKT_DLT_RAW_OPENBSD = 14,
	PKT_DLT_LINKTYPE_RAW = 101,
	PKT_DLT_LOOP = 108,
	PKT_DLT_LINUX_SLL = 113,
	PKT_DLT_IPV4 = 228,
	PKT_DLT_IPV6 = 229,
	PKT_DLT_LINUX_SLL2 = 276,
};

enum pkt_status {
	PKT_OK,         /* decoded as far as asked */
	PKT_NON_IP,     /* a link-layer payload that is not IPv4/IPv6 (ARP, LLDP...) */
	PKT_NON_TCP,    /* IP carrying something other than TCP */
	PKT_TRUNCATED,  /* the capture ends inside a header we need */
	PKT_MALFORMED,  /* a header contradicts itself (bad lengths, version) */
	PKT_BAD_LINK,   /* a link type we do not decode */
	PKT_STATUS_LAST
};

/* A short name for a status ("non-ip", "truncated"...); never NULL. */
const char *pkt_status_name(enum pkt_status s);

/* Inert big-endian cursor (in the spirit of OpenSMTPD's unpack_dns.c): once a
 * read would pass the end, err is set, every later read returns 0 and the
 * position no longer moves. */
struct pkt_cur {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool err;
};

void pkt_cur_init(struct pkt_cur *c, const uint8_t *p, size_t len);
uint8_t pkt_cur_u8(struct pkt_cur *c);
uint16_t pkt_cur_be16(struct pkt_cur *c);
uint32_t pkt_cur_be32(struct pkt_cur *c);
/* Copy n bytes into out (zeroed on error). */
void pkt_cur_bytes(struct pkt_cur *c, void *out, size_t n);
void pkt_cur_skip(struct pkt_cur *c, size_t n);
/* Bytes left after the position (0 once in error). */
size_t pkt_cur_left(const struct pkt_cur *c);

/* The network layer found inside a frame. */
struct pkt_net {
	int version;      /* 4 or 6 as announced by the link layer, 0 if unknown */
	const uint8_t *p; /* start of the IP header */
	size_t len;       /* bytes present in the capture from p */
	size_t missing;   /* bytes of the frame cut off by the snapshot length */
};

/* Peel the link layer of a frame of caplen captured bytes out of wirelen on the
 * wire. PKT_OK with out filled, or PKT_NON_IP / PKT_TRUNCATED / PKT_BAD_LINK. */
enum pkt_status pkt_decode_link(int linktype, const uint8_t *p, size_t caplen, size_t wirelen,
                                struct pkt_net *out);

/* One IP header (and, for IPv6, its extension headers). */
struct pkt_ip {
	uint8_t version;   /* 4 or 6 */
	uint8_t proto;     /* upper-layer protocol (after IPv6 extension headers) */
	uint8_t src[16];   /* IPv4 in the first 4 bytes, the rest zero */
	uint8_t dst[16];
	const uint8_t *l4; /* upper-layer bytes present */
	size_t l4_len;
	size_t l4_missing; /* upper-layer bytes cut off by the snapshot length */
	bool frag;         /* a fragment: l4 is this fragment's piece of the payload */
	bool frag_more;    /* more fragments follow */
	uint32_t frag_off; /* byte offset of this piece in the reassembled payload */
	uint32_t frag_id;
};

/* Decode the IP header at p (len present, missing cut off). For a fragment,
 * proto is the protocol of the reassembled payload (for IPv6 the Next Header
 * of the fragment header: continue with pkt_decode_ip6_chain after
 * reassembly). Ethernet padding past the IP total length is dropped. */
enum pkt_status pkt_decode_ip(const uint8_t *p, size_t len, size_t missing, struct pkt_ip *out);

/* Walk IPv6 extension headers starting with next header nh at p (used for the
 * payload of a reassembled IPv6 datagram): on PKT_OK out->proto, l4 and l4_len
 * are updated. A further fragment header inside is PKT_MALFORMED. */
enum pkt_status pkt_decode_ip6_chain(uint8_t nh, const uint8_t *p, size_t len, struct pkt_ip *out);

enum {
	PKT_TCP_FIN = 0x01,
	PKT_TCP_SYN = 0x02,
	PKT_TCP_RST = 0x04,
	PKT_TCP_PSH = 0x08,
	PKT_TCP_ACK = 0x10,
	PKT_TCP_URG = 0x20,
};

struct pkt_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;       /* PKT_TCP_* */
	uint16_t win;
	const uint8_t *payload;
	size_t len;          /* payload bytes present */
	size_t missing;      /* payload bytes cut off by the snapshot length */
};

/* Decode a TCP header (options skipped by the data offset) from the upper-layer
 * bytes of an IP packet. */
enum pkt_status pkt_decode_tcp(const uint8_t *p, size_t len, size_t missing, struct pkt_tcp *out);

#endif
