/* tcp_reasm.h - reassembly of one direction of a TCP connection (RFC 9293 3.4,
 * 3.10.7.4) into an in-order byte stream, with sequence wraparound.
 *
 * In-order bytes go to the sink straight from the caller's packet buffer (no
 * copy). Only segments that arrive ahead of a hole are copied and held, up to
 * the caps in limits.h. Overlapping bytes keep the first copy seen; a later
 * copy that differs is reported as a conflict. A hole that is not filled is
 * reported to the sink as a gap of n bytes and delivery resumes after it when:
 * the held bytes reach a cap, the peer acknowledges data past the hole
 * (tcp_reasm_ack), or the connection ends (tcp_reasm_flush). Bytes cut off by
 * the snapshot length are gaps too.
 *
 * Known limit: retransmissions of bytes already delivered are dropped without
 * comparing them (delivered bytes are not kept), so conflicts are only seen
 * among held out-of-order data. */
#ifndef SMTPSCOPE_TCP_REASM_H
#define SMTPSCOPE_TCP_REASM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where reassembled bytes go. data() gets bytes valid only during the call. */
struct reasm_sink {
	void (*data)(void *arg, const uint8_t *p, size_t len);
	void (*gap)(void *arg, size_t nbytes);
	void (*conflict)(void *arg, size_t nbytes); /* may be NULL */
	void *arg;
};

/* Accounting shared by every direction of every flow (the total cap). */
struct reasm_pool {
	size_t bytes; /* held now, overhead included */
	size_t max;   /* cap on bytes */
	size_t peak;  /* most held at once */
};

struct reasm_seg;

struct tcp_reasm {
	/* public, read-only counters */
	uint64_t delivered;      /* bytes handed to sink->data */
	uint64_t gap_bytes;      /* bytes reported missing */
	uint32_t gaps;           /* gap events */
	uint32_t conflicts;      /* segments carrying bytes that differ from the held copy */
	uint64_t conflict_bytes; /* such differing bytes */
	uint64_t retrans_bytes;  /* bytes received again (already delivered or held) */
	uint64_t dropped_bytes;  /* bytes ignored: out of window or after FIN */
	/* state */
	bool started;     /* the first sequence number is known */
	bool syn_seen;
	bool fin_seen;
	bool done;        /* every byte up to the FIN has been delivered or gapped */
	uint32_t isn;     /* SYN's sequence number (syn_seen) or the first one seen */
	uint32_t next;    /* next byte expected */
	uint32_t fin_seq; /* sequence number of the FIN */
	size_t held;      /* bytes held (with overhead), charged to the pool too */
	size_t dir_max;   /* per-direction cap on held bytes */
	uint32_t nsegs;
	struct reasm_seg *head, *tail; /* held segments, sorted, non-overlapping */
};

/* dir_max: cap on held bytes for this direction (REASM_OOO_DIR_MAX normally). */
void tcp_reasm_init(struct tcp_reasm *r, size_t dir_max);
/* Free held segments and return their bytes to the pool. */
void tcp_reasm_free(struct tcp_reasm *r, struct reasm_pool *pool);

/* One segment: seq, SYN/FIN (PKT_TCP_* flags), len bytes present at p and
 * missing bytes after them cut by the snapshot length. */
void tcp_reasm_segment(struct tcp_reasm *r, struct reasm_pool *pool, uint32_t seq, uint8_t flags,
                       const uint8_t *p, size_t len, size_t missing, const struct reasm_sink *sink);
/* The peer acknowledged everything before ack: deliver held bytes below it
 * and report the holes below it as gaps. */
void tcp_reasm_ack(struct tcp_reasm *r, struct reasm_pool *pool, uint32_t ack, const struct reasm_sink *sink);
/* True when an acknowledgment up to ack would report no gap: every byte
 * before it was delivered, or is held, or the direction is not tracked. */
bool tcp_reasm_covers(const struct tcp_reasm *r, uint32_t ack);
/* End of the connection: deliver everything held, holes as gaps (and a hole
 * before a seen FIN). */
void tcp_reasm_flush(struct tcp_reasm *r, struct reasm_pool *pool, const struct reasm_sink *sink);

#endif
