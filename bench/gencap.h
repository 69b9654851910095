/* gencap.h - the benchmark capture generator's shared parts: the recorded TCP conversations (templates) read from pcap/pcapng files (RFC 9293, RFC 791, RFC 8200 headers). */
#ifndef SMTPSCOPE_BENCH_GENCAP_H
#define SMTPSCOPE_BENCH_GENCAP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GC_ETH_LEN 14u               /* Ethernet header in the output */
#define GC_PKT_HDR 16u               /* pcap record header */
#define GC_LARGE_BYTES (64u * 1024u) /* a replay adding more output bytes than this is "large" */
#define GC_MAX_CONVS 4096u           /* conversations read from all inputs */

/* One recorded packet of a template. */
struct gc_pkt {
	size_t off;   /* into the template's data: the IP header */
	uint32_t len; /* IP header + TCP header + payload */
	int64_t ts;   /* microseconds since the conversation's first packet */
	bool c2s;     /* sent by the client */
};

/* One recorded TCP conversation: a template for the replays. */
struct gc_conv {
	char name[160];      /* the file's base name, "#N" for its Nth conversation */
	uint8_t ver;         /* 4 or 6 */
	uint8_t addr[2][16]; /* [0] client, [1] server, as recorded */
	uint16_t port[2];
	int64_t first_ts;
	struct gc_pkt *pkts;
	size_t npkts, pcap;
	uint8_t *data; /* the packets' IP bytes, one after the other */
	size_t dlen, dcap;
	uint64_t out_bytes; /* bytes one replay adds to the output file */
	uint64_t hash;      /* of the payload bytes and their directions */
	bool bad;           /* a packet was cut short by the snap length */
	uint64_t missing;   /* payload bytes the recording lacks (dropped packets) */
	uint32_t next_seq[2];
	bool seq_known[2];
	bool dup;          /* the same conversation as an earlier one */
	uint16_t out_port; /* server port in the output (0: not replayed) */
	uint64_t replays;
};

/* Every conversation read so far. */
struct gc_set {
	struct gc_conv *convs; /* GC_MAX_CONVS of them */
	size_t n;
};

static inline uint16_t gc_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t gc_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* calloc that exits on failure. */
void *gc_alloc(size_t n);
/* Add the TCP conversations of one pcap/pcapng file; false if it cannot be opened. */
bool gc_read_file(struct gc_set *set, const char *path);
/* Whether conversation i can be replayed: complete packets, no missing
 * segments, some payload, not a copy of an earlier one (reported on stdout). */
bool gc_conv_usable(struct gc_set *set, size_t i);
/* The server port for the output: 465 when the first payload is a TLS
 * handshake record, 587 when the client sends AUTH in clear, else 25. */
uint16_t gc_conv_port(const struct gc_conv *c);

#endif
