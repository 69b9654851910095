/* flow.h - the capture decoder's engine: frames in (any link type), TCP
 * connections tracked in a bounded flow table, each direction reassembled
 * (tcp_reasm.h) and handed in order to a consumer's callbacks. Follows RFC 9293
 * for connection state, RFC 791/8200 through pkt.h and ipfrag.h.
 *
 * Flows. Both directions of a TCP 5-tuple are one flow. The client is the
 * side that sent the SYN (or the receiver of a SYN-ACK). Without a handshake
 * the client is guessed (FLOW_F_GUESSED): the side on port 25, 465, 587 or
 * 2525 is the server; otherwise the lower port is the server; on equal ports
 * the first sender is the client. A flow starts with a SYN or the first
 * packet carrying data (a bare ACK/FIN/RST of an unknown flow is counted as
 * stray and dropped). A capture that starts mid-conversation starts each
 * direction at the first sequence number seen. A SYN (without ACK) on a
 * flow that saw FIN or RST, that was idle for FLOW_IDLE_USEC, or whose SYN had
 * another sequence number starts a new flow (the old one closes "reused").
 *
 * Closing. A flow closes when both FINs are reached in sequence, on RST,
 * after FLOW_IDLE_USEC of capture time without a packet, when the table is
 * full (least recently active first), on port reuse, and at
 * flow_table_finish() ("end of capture"). Before flow_close every held byte is
 * delivered and every remaining hole reported as a gap. A flow closed by FIN
 * or RST lingers (FLOW_LINGER_USEC) to absorb final ACKs and retransmissions
 * without events.
 *
 * Ordering. Data is delivered while the packet carrying it is processed, so
 * the two directions' deliveries follow capture order; an ACK from one side
 * first releases (or gaps) the other side's data below it. A segment whose
 * ACK covers bytes of the other direction not seen yet (the capture swapped
 * nearby packets) waits for them, at most FLOW_REORDER_PKTS later packets of
 * its flow or FLOW_REORDER_USEC of capture time (and until its flow closes);
 * then the missing bytes are a gap. Later segments of the same direction wait
 * behind it. So a reply is delivered after the command it answers.
 *
 * Memory: bounded by FLOW_TABLE_MAX flows, REASM_OOO_* held bytes (waiting
 * segments count against REASM_OOO_TOTAL_MAX too, and FLOW_REORDER_MAX per
 * flow) and the IPFRAG_* caps; no allocation per in-order packet. */
#ifndef SMTPSCOPE_FLOW_H
#define SMTPSCOPE_FLOW_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/pkt.h"
#include "decode/tcp_reasm.h"

enum flow_dir {
	FLOW_C2S = 0, /* sent by the client */
	FLOW_S2C = 1, /* sent by the server */
};

enum flow_close_reason {
	FLOW_CLOSE_FIN,     /* both sides finished */
	FLOW_CLOSE_RST,     /* reset */
	FLOW_CLOSE_IDLE,    /* no packet for FLOW_IDLE_USEC */
	FLOW_CLOSE_FULL,    /* flow table full: least recently active dropped */
	FLOW_CLOSE_REUSED,  /* a new connection on the same addresses and ports */
	FLOW_CLOSE_END,     /* still open at the end of the capture */
	FLOW_CLOSE_LAST
};

/* "fin", "rst", "idle timeout", "table full", "port reused", "end of capture". */
const char *flow_close_reason_name(enum flow_close_reason r);

enum {
	FLOW_F_SYN = 1u << 0,       /* the client's SYN was seen */
	FLOW_F_SYNACK = 1u << 1,    /* the server's SYN-ACK was seen */
	FLOW_F_FIN_C = 1u << 2,     /* FIN from the client */
	FLOW_F_FIN_S = 1u << 3,     /* FIN from the server */
	FLOW_F_RST = 1u << 4,       /* RST from either side */
	FLOW_F_MIDSTREAM = 1u << 5, /* the first packet was not a SYN */
	FLOW_F_GUESSED = 1u << 6,   /* client/server chosen by port, not by SYN */
	FLOW_F_IGNORED = 1u << 7,   /* the consumer stopped delivery (flow_ignore) */
	FLOW_F_CLOSED = 1u << 8,    /* flow_close has been called */
};

struct flow_endpoint {
	uint8_t addr[16]; /* IPv4 in the first 4 bytes */
	uint16_t port;
};

/* One TCP connection. The consumer reads these fields and sets user; it never
 * frees a flow. A flow pointer is valid from flow_open until flow_close
 * returns. */
struct flow {
	uint64_t id;                /* 1, 2, ... in order of creation */
	uint8_t version;            /* 4 or 6 */
	struct flow_endpoint ep[2]; /* [FLOW_C2S] the client, [FLOW_S2C] the server */
	int64_t first_ts, last_ts;  /* capture time, microseconds since the epoch */
	uint64_t pkts[2];           /* packets per direction */
	uint64_t bytes[2];          /* TCP payload bytes on the wire per direction, retransmissions included */
	uint32_t flags;             /* FLOW_F_* */
	struct tcp_reasm rs[2];     /* per direction: delivered, gaps, gap_bytes, conflicts... */
	void *user;                 /* the consumer's, from flow_open */
	/* private to flow.c */
	struct flow *lru_prev, *lru_next;
	uint64_t hash;
	struct flow_defer *dq_head, *dq_tail; /* segments waiting for the other direction */
	uint32_t dq_len;
	struct flow *dq_prev, *dq_next;       /* flows with waiting segments */
};

/* Consumer callbacks; any may be NULL. ctx is flow_table_new's ctx. Data
 * pointers are valid only during the call (they point into the packet or a
 * reassembly buffer). Callbacks may call flow_ignore(); they must not call
 * flow_table_packet/finish/free. */
struct flow_callbacks {
	/* A new flow; the return value is stored in flow->user. */
	void *(*flow_open)(void *ctx, struct flow *f);
	/* In-order bytes of one direction, with the capture time of the packet. */
	void (*data)(void *ctx, struct flow *f, enum flow_dir dir, const uint8_t *p, size_t len, int64_t ts_usec);
	/* nbytes of one direction are missing; delivery resumes after them. */
	void (*gap)(void *ctx, struct flow *f, enum flow_dir dir, size_t nbytes, int64_t ts_usec);
	/* A retransmission carried nbytes differing from the copy kept. */
	void (*conflict)(void *ctx, struct flow *f, enum flow_dir dir, size_t nbytes, int64_t ts_usec);
	/* Last call for f: the consumer frees what f->user points to. */
	void (*flow_close)(void *ctx, struct flow *f, enum flow_close_reason reason);
};

/* Caps; flow_config_default() gives the limits.h values. Tests shrink them. */
struct flow_config {
	size_t max_flows;
	size_t ooo_dir_max;
	size_t ooo_total_max;
	int64_t idle_usec;
	int64_t linger_usec;
};

void flow_config_default(struct flow_config *cfg);

/* Counts over a whole run. */
struct flow_stats {
	uint64_t packets;       /* frames offered */
	uint64_t bytes;         /* their length on the wire */
	uint64_t cut;           /* frames shorter than on the wire (snapshot length) */
	uint64_t non_ip;        /* link payloads that are not IP */
	uint64_t non_tcp;       /* IP packets that are not TCP */
	uint64_t truncated;     /* frames cut inside a header we needed */
	uint64_t malformed;     /* impossible headers */
	uint64_t bad_link;      /* frames of a link type we do not decode */
	uint64_t fragments;     /* IP fragments offered to reassembly */
	uint64_t reassembled;   /* IP datagrams rebuilt from fragments */
	uint64_t frag_dropped;  /* fragments or datagrams dropped (caps, bad geometry, timeout) */
	uint64_t tcp;           /* TCP segments decoded */
	uint64_t stray;         /* TCP segments belonging to no flow, or to a closed one */
	uint64_t flows;         /* flows opened */
	uint64_t flows_open;    /* open now */
	uint64_t flows_peak;    /* most open at once */
	uint64_t closed[FLOW_CLOSE_LAST]; /* flows closed, by reason */
	uint64_t gaps, gap_bytes, conflicts;
	uint64_t ooo_peak;      /* most out-of-order bytes held at once */
};

struct flow_table;

/* cb is copied; cfg NULL means defaults. Free with flow_table_free. */
struct flow_table *flow_table_new(const struct flow_callbacks *cb, void *ctx, const struct flow_config *cfg);
/* One captured frame: linktype as pcap_datalink(), capture time, caplen bytes
 * at p of a frame of wirelen bytes. Never reads past caplen. */
void flow_table_packet(struct flow_table *t, int linktype, int64_t ts_usec, const uint8_t *p, size_t caplen,
                       size_t wirelen);
/* The same in two steps, so the first can run in another thread (the
 * read-ahead of pcap_in_prefetch): flow_pre_decode reads a frame's link, IP
 * and TCP headers and hashes its endpoints without touching any table;
 * flow_table_packet_pre does the rest. pre points into the frame, which must
 * stay in place until flow_table_packet_pre returns. */
struct flow_pre {
	enum pkt_status st; /* of the decoding (PKT_OK: ip and tcp are valid) */
	bool frag;          /* an IP fragment: st PKT_OK, ip valid, tcp comes after reassembly */
	uint64_t hash;      /* of the endpoints, when st is PKT_OK and not frag */
	struct pkt_ip ip;
	struct pkt_tcp tcp;
};
void flow_pre_decode(int linktype, const uint8_t *p, size_t caplen, size_t wirelen, struct flow_pre *out);
void flow_table_packet_pre(struct flow_table *t, int64_t ts_usec, const struct flow_pre *pre, size_t caplen,
                           size_t wirelen);
/* Close every open flow with FLOW_CLOSE_END (idempotent until the next packet). */
void flow_table_finish(struct flow_table *t);
/* flow_table_finish, then free everything. NULL is accepted. */
void flow_table_free(struct flow_table *t);
const struct flow_stats *flow_table_stats(const struct flow_table *t);

/* The consumer wants no more data of f (not SMTP, or TLS after STARTTLS):
 * held bytes are released, later payload is only counted in f->bytes, and
 * FIN/RST still close the flow. Safe inside a callback. */
void flow_ignore(struct flow *f);

/* Write "a.b.c.d" or "[v6]" plus ":port" for ep into out (always terminated). */
void flow_endpoint_format(const struct flow *f, enum flow_dir side, char *out, size_t outlen);

#endif
