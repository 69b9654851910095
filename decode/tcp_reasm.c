/* tcp_reasm.c - one direction of TCP stream reassembly (RFC 9293 3.4, 3.10.7.4):
 * zero-copy in-order delivery, bounded out-of-order holding, gaps; see tcp_reasm.h. */
#include "decode/tcp_reasm.h"

#include <stdlib.h>
#include <string.h>

#include "decode/limits.h"
#include "decode/pkt.h"
#include "decode/xmalloc.h"

struct reasm_seg {
	struct reasm_seg *next;
	uint32_t seq;
	uint32_t len;
	bool gap; /* bytes known missing (cut by the snapshot length): no data */
	uint8_t data[];
};

/* Sequence comparisons modulo 2^32 (RFC 9293 3.4). */
static int32_t seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}
static bool seq_lt(uint32_t a, uint32_t b)
{
	return seq_diff(a, b) < 0;
}
static bool seq_leq(uint32_t a, uint32_t b)
{
	return seq_diff(a, b) <= 0;
}
static uint32_t seq_min(uint32_t a, uint32_t b)
{
	return seq_lt(a, b) ? a : b;
}
static uint32_t seg_end(const struct reasm_seg *s)
{
	return s->seq + s->len;
}

/* A packet's bytes: [seq, seq + len) present at p, then missing more. */
struct reasm_pkt {
	uint32_t seq;
	const uint8_t *p;
	size_t len;
	size_t missing;
};

void tcp_reasm_init(struct tcp_reasm *r, size_t dir_max)
{
	memset(r, 0, sizeof *r);
	r->dir_max = dir_max;
}

static void reasm_pop(struct tcp_reasm *r, struct reasm_pool *pool)
{
	struct reasm_seg *s = r->head;
	size_t cost = (s->gap ? 0 : s->len) + REASM_SEG_OVERHEAD;
	r->head = s->next;
	if (!r->head)
		r->tail = NULL;
	r->held -= cost;
	pool->bytes -= cost;
	r->nsegs--;
	free(s);
}

void tcp_reasm_free(struct tcp_reasm *r, struct reasm_pool *pool)
{
	while (r->head)
		reasm_pop(r, pool);
}

static void reasm_emit_data(struct tcp_reasm *r, const struct reasm_sink *sink, const uint8_t *p, size_t n)
{
	r->next += (uint32_t)n;
	r->delivered += n;
	sink->data(sink->arg, p, n);
}

static void reasm_emit_gap(struct tcp_reasm *r, const struct reasm_sink *sink, size_t n)
{
	r->next += (uint32_t)n;
	r->gaps++;
	r->gap_bytes += n;
	sink->gap(sink->arg, n);
}

/* Compare n bytes that arrived twice; report the differing ones. */
static void reasm_compare(struct tcp_reasm *r, const struct reasm_sink *sink, const uint8_t *held,
                          const uint8_t *again, size_t n)
{
	r->retrans_bytes += n;
	if (memcmp(held, again, n) == 0)
		return;
	size_t diff = 0;
	for (size_t i = 0; i < n; i++)
		diff += held[i] != again[i];
	r->conflicts++;
	r->conflict_bytes += diff;
	if (sink->conflict)
		sink->conflict(sink->arg, diff);
}

/* Deliver the held head segment from next on, comparing with pk if it overlaps. */
static void reasm_emit_head(struct tcp_reasm *r, struct reasm_pool *pool, const struct reasm_sink *sink,
                            const struct reasm_pkt *pk)
{
	struct reasm_seg *s = r->head;
	uint32_t off = r->next - s->seq;
	size_t n = seg_end(s) - r->next;
	if (!s->gap && pk && seq_leq(pk->seq, r->next) && seq_lt(r->next, pk->seq + (uint32_t)pk->len)) {
		size_t po = r->next - pk->seq;
		size_t both = pk->len - po < n ? pk->len - po : n;
		reasm_compare(r, sink, s->data + off, pk->p + po, both);
	}
	if (s->gap)
		reasm_emit_gap(r, sink, n);
	else
		reasm_emit_data(r, sink, s->data + off, n);
	reasm_pop(r, pool);
}

/* Deliver everything contiguous from next: held segments (first copy wins),
 * then the packet pk (which starts at or before next), and, when gap_to is
 * set, holes before upto as gaps. */
static void reasm_run(struct tcp_reasm *r, struct reasm_pool *pool, const struct reasm_sink *sink,
                      const struct reasm_pkt *pk, bool gap_to, uint32_t upto)
{
	for (;;) {
		struct reasm_seg *h = r->head;
		if (h && seq_leq(h->seq, r->next)) {
			if (seq_leq(seg_end(h), r->next))
				reasm_pop(r, pool);
			else
				reasm_emit_head(r, pool, sink, pk);
			continue;
		}
		uint32_t pend = pk ? pk->seq + (uint32_t)(pk->len + pk->missing) : 0;
		if (pk && seq_lt(r->next, pend)) {
			uint32_t lim = h ? seq_min(pend, h->seq) : pend;
			uint32_t pres = pk->seq + (uint32_t)pk->len;
			if (seq_lt(r->next, pres))
				reasm_emit_data(r, sink, pk->p + (r->next - pk->seq), seq_min(lim, pres) - r->next);
			else
				reasm_emit_gap(r, sink, lim - r->next);
			continue;
		}
		if (gap_to && seq_lt(r->next, upto)) {
			uint32_t lim = h ? seq_min(upto, h->seq) : upto;
			reasm_emit_gap(r, sink, lim - r->next);
			continue;
		}
		return;
	}
}

static bool reasm_fits(const struct tcp_reasm *r, const struct reasm_pool *pool, size_t need)
{
	return r->nsegs + 2 <= REASM_OOO_SEGS_MAX && r->held + need <= r->dir_max &&
	       pool->bytes + need <= pool->max;
}

/* Give up the first hole: report it as a gap and deliver what follows it. */
static void reasm_skip_hole(struct tcp_reasm *r, struct reasm_pool *pool, const struct reasm_sink *sink)
{
	if (seq_lt(r->next, r->head->seq))
		reasm_emit_gap(r, sink, r->head->seq - r->next);
	reasm_run(r, pool, sink, NULL, false, 0);
}

/* Create held segments for [a, b) of pk (a data part and/or a missing part)
 * at *link; returns the link after them. */
static struct reasm_seg **reasm_insert(struct tcp_reasm *r, struct reasm_pool *pool, struct reasm_seg **link,
                                       const struct reasm_pkt *pk, uint32_t a, uint32_t b)
{
	uint32_t pres = pk->seq + (uint32_t)pk->len;
	while (seq_lt(a, b)) {
		bool gap = !seq_lt(a, pres);
		uint32_t e = gap ? b : seq_min(b, pres);
		uint32_t n = e - a;
		struct reasm_seg *s = xmalloc(sizeof *s + (gap ? 0 : n));
		s->seq = a;
		s->len = n;
		s->gap = gap;
		if (!gap)
			memcpy(s->data, pk->p + (a - pk->seq), n);
		s->next = *link;
		*link = s;
		if (!s->next)
			r->tail = s;
		size_t cost = (gap ? 0 : n) + REASM_SEG_OVERHEAD;
		r->held += cost;
		r->nsegs++;
		pool->bytes += cost;
		if (pool->bytes > pool->peak)
			pool->peak = pool->bytes;
		link = &s->next;
		a = e;
	}
	return link;
}

/* Hold an out-of-order packet; bytes already held keep their first copy. */
static void reasm_hold(struct tcp_reasm *r, struct reasm_pool *pool, const struct reasm_sink *sink,
                       const struct reasm_pkt *pk)
{
	uint32_t cur = pk->seq, end = pk->seq + (uint32_t)(pk->len + pk->missing);
	struct reasm_seg **link = &r->head;
	if (r->tail && seq_leq(seg_end(r->tail), cur))
		link = &r->tail->next; /* the usual case: appending after the last one */
	while (*link && seq_lt(cur, end)) {
		struct reasm_seg *s = *link;
		if (seq_leq(seg_end(s), cur)) {
			link = &s->next;
		} else if (seq_lt(cur, s->seq)) {
			uint32_t lim = seq_min(end, s->seq);
			link = reasm_insert(r, pool, link, pk, cur, lim);
			cur = lim;
		} else {
			uint32_t oe = seq_min(seg_end(s), end);
			uint32_t pres = pk->seq + (uint32_t)pk->len;
			uint32_t ce = seq_min(oe, pres);
			if (!s->gap && seq_lt(cur, ce))
				reasm_compare(r, sink, s->data + (cur - s->seq), pk->p + (cur - pk->seq), ce - cur);
			cur = oe;
			link = &s->next;
		}
	}
	if (seq_lt(cur, end))
		reasm_insert(r, pool, link, pk, cur, end);
}

/* Bytes of a segment after SYN handling and FIN clipping. */
static void reasm_data(struct tcp_reasm *r, struct reasm_pool *pool, const struct reasm_sink *sink,
                       struct reasm_pkt *pk)
{
	int32_t d = seq_diff(pk->seq, r->next);
	size_t total = pk->len + pk->missing;
	if (d > 0 && (uint32_t)d > REASM_WINDOW_MAX) {
		r->dropped_bytes += total;
		return;
	}
	if (d > 0) {
		size_t need = pk->len + 2 * REASM_SEG_OVERHEAD;
		while (!reasm_fits(r, pool, need) && r->head)
			reasm_skip_hole(r, pool, sink);
		d = seq_diff(pk->seq, r->next);
		if (d > 0) {
			if (reasm_fits(r, pool, need)) {
				reasm_hold(r, pool, sink, pk);
				return;
			}
			reasm_emit_gap(r, sink, (uint32_t)d); /* no room to wait for the hole */
			d = 0;
		}
	}
	size_t skip = (size_t)(uint32_t)(r->next - pk->seq); /* d <= 0: bytes already passed */
	if (skip >= total) {
		r->retrans_bytes += total;
		return;
	}
	r->retrans_bytes += skip;
	reasm_run(r, pool, sink, pk, false, 0);
}

static void reasm_check_done(struct tcp_reasm *r)
{
	if (r->fin_seen && seq_leq(r->fin_seq, r->next) && !r->head)
		r->done = true;
}

void tcp_reasm_segment(struct tcp_reasm *r, struct reasm_pool *pool, uint32_t seq, uint8_t flags,
                       const uint8_t *p, size_t len, size_t missing, const struct reasm_sink *sink)
{
	/* Nearly every segment: the next bytes in order, whole, nothing held,
	 * no SYN or FIN. What the general path below does for it, directly. */
	if (seq == r->next && r->started && !r->head && !r->fin_seen && missing == 0 &&
	    !(flags & (PKT_TCP_SYN | PKT_TCP_FIN))) {
		if (len)
			reasm_emit_data(r, sink, p, len);
		return;
	}
	if (flags & PKT_TCP_SYN) {
		if (!r->started || !r->syn_seen) {
			r->started = r->syn_seen = true;
			r->isn = seq;
			if (!r->head && r->delivered == 0 && r->gaps == 0)
				r->next = seq + 1;
		}
		seq++; /* the SYN takes one sequence number; data follows it */
	} else if (!r->started) {
		r->started = true;
		r->isn = seq;
		r->next = seq; /* capture began mid-stream: start here */
	}
	size_t total = len + missing;
	if ((flags & PKT_TCP_FIN) && !r->fin_seen) {
		r->fin_seen = true;
		r->fin_seq = seq + (uint32_t)total;
	}
	if (r->fin_seen && total > 0) {
		if (!seq_lt(seq, r->fin_seq)) {
			r->dropped_bytes += total; /* data past the FIN */
			total = 0;
		} else if ((size_t)(r->fin_seq - seq) < total) {
			size_t keep = r->fin_seq - seq;
			r->dropped_bytes += total - keep;
			if (len > keep)
				len = keep;
			missing = keep - len;
			total = keep;
		}
	}
	if (total > 0) {
		struct reasm_pkt pk = {seq, p, len, missing};
		reasm_data(r, pool, sink, &pk);
	}
	reasm_check_done(r);
}

void tcp_reasm_ack(struct tcp_reasm *r, struct reasm_pool *pool, uint32_t ack, const struct reasm_sink *sink)
{
	if (!r->started || r->done)
		return;
	int32_t d = seq_diff(ack, r->next);
	if (d <= 0 || (uint32_t)d > REASM_WINDOW_MAX)
		return;
	uint32_t upto = ack;
	if (r->fin_seen && seq_lt(r->fin_seq, upto))
		upto = r->fin_seq; /* the FIN's own sequence number is not data */
	reasm_run(r, pool, sink, NULL, true, upto);
	reasm_check_done(r);
}

bool tcp_reasm_covers(const struct tcp_reasm *r, uint32_t ack)
{
	if (!r->started || r->done)
		return true;
	int32_t d = seq_diff(ack, r->next);
	if (d <= 0 || (uint32_t)d > REASM_WINDOW_MAX)
		return true;
	if (r->fin_seen && seq_lt(r->fin_seq, ack))
		ack = r->fin_seq; /* the FIN's own sequence number is not data */
	uint32_t cur = r->next;
	for (const struct reasm_seg *s = r->head; s && seq_lt(cur, ack); s = s->next) {
		if (seq_lt(cur, s->seq))
			return false; /* a hole before this held segment */
		if (seq_lt(cur, seg_end(s)))
			cur = seg_end(s);
	}
	return !seq_lt(cur, ack);
}

void tcp_reasm_flush(struct tcp_reasm *r, struct reasm_pool *pool, const struct reasm_sink *sink)
{
	if (!r->started)
		return;
	uint32_t upto = r->tail ? seg_end(r->tail) : r->next;
	if (r->fin_seen && seq_lt(upto, r->fin_seq) && seq_diff(r->fin_seq, r->next) > 0 &&
	    (uint32_t)seq_diff(r->fin_seq, r->next) <= REASM_WINDOW_MAX)
		upto = r->fin_seq;
	reasm_run(r, pool, sink, NULL, true, upto);
	tcp_reasm_free(r, pool);
	reasm_check_done(r);
}
