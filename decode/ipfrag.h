/* ipfrag.h - IPv4 (RFC 791 3.2, RFC 815) and IPv6 (RFC 8200 4.5) fragment
 * reassembly with bounded memory: overlapping bytes keep the first copy and a
 * differing later copy is counted as a conflict; datagrams that never complete
 * are dropped after IPFRAG_TIMEOUT_USEC of capture time or when the caps in
 * limits.h are reached (oldest first). */
#ifndef SMTPSCOPE_IPFRAG_H
#define SMTPSCOPE_IPFRAG_H
#include <stddef.h>
#include <stdint.h>

#include "decode/pkt.h"

struct ipfrag_stats {
	uint64_t fragments;   /* fragments offered */
	uint64_t reassembled; /* datagrams completed */
	uint64_t timeouts;    /* datagrams dropped incomplete after the timeout */
	uint64_t dropped;     /* fragments or datagrams dropped for caps or bad geometry */
	uint64_t overlaps;    /* fragments overlapping bytes already held */
	uint64_t conflicts;   /* overlaps whose bytes differed (first copy kept) */
};

enum ipfrag_result {
	IPFRAG_HELD,    /* kept, the datagram is not complete yet */
	IPFRAG_DONE,    /* the datagram is complete: see *out */
	IPFRAG_DROPPED, /* not kept (cut by the snapshot length, too large, caps) */
};

struct ipfrag_table;

struct ipfrag_table *ipfrag_new(void);
/* Frees every held datagram and the last completed payload. */
void ipfrag_free(struct ipfrag_table *t);

/* Offer one fragment, as decoded by pkt_decode_ip (ip->frag set). On
 * IPFRAG_DONE *out / *outlen hold the reassembled upper-layer payload (for
 * IPv6: starting with the headers after the fragment header, whose Next
 * Header is ip->proto). The table owns it; it stays valid until the next
 * ipfrag_add or ipfrag_free. Expires old datagrams against ts_usec first. */
enum ipfrag_result ipfrag_add(struct ipfrag_table *t, const struct pkt_ip *ip, int64_t ts_usec,
                              const uint8_t **out, size_t *outlen);
/* Drop datagrams older than IPFRAG_TIMEOUT_USEC at capture time now_usec. */
void ipfrag_expire(struct ipfrag_table *t, int64_t now_usec);
/* Datagrams and bytes held now (for tests and memory reports). */
size_t ipfrag_held(const struct ipfrag_table *t, size_t *bytes);
const struct ipfrag_stats *ipfrag_stats(const struct ipfrag_table *t);

#endif
