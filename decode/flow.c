/* flow.c - the capture engine: frame decode, TCP flow table (open addressing,
 * LRU eviction by capture time) and per-direction reassembly feeding the
 * consumer (RFC 9293 connection handling); see flow.h. */
#include "decode/flow.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/bytes.h"
#include "decode/ipfrag.h"
#include "decode/limits.h"
#include "decode/pkt.h"
#include "decode/xmalloc.h"

#define FLOW_SLOTS_MIN 1024
#define FLOW_SWEEP_USEC 1000000 /* look for idle flows once a capture second */

/* A slot keeps the flow's hash beside the pointer: a probe that does not
 * match is settled without touching the flow (a cache miss per packet). */
struct flow_slot {
	uint64_t hash;
	struct flow *f;
};

struct flow_table {
	struct flow_callbacks cb;
	void *ctx;
	struct flow_config cfg;
	struct flow_slot *slots; /* open addressing, linear probing, f NULL = empty */
	size_t nslots;       /* power of two */
	size_t count;        /* flows in the table, lingering ones included */
	struct flow *lru_head, *lru_tail; /* least recently active first */
	struct reasm_pool pool;
	struct ipfrag_table *frag;
	struct flow_stats st;
	int64_t now;
	int64_t last_sweep;
	bool have_now;
	uint64_t next_id;
	struct flow *dq_flows; /* flows with segments waiting (flow_defer) */
};

/* A segment waiting for bytes of the other direction it acknowledges (flow.h,
 * Ordering): a copy of its header fields and payload. */
struct flow_defer {
	struct flow_defer *next;
	enum flow_dir dir;
	int64_t ts;
	uint64_t mark;      /* packets of the flow when it began to wait */
	size_t cost;        /* bytes charged to the reassembly pool */
	struct pkt_tcp tcp; /* payload points into data */
	uint8_t data[];
};

/* The data a sink callback needs. */
struct flow_sink_ctx {
	struct flow_table *t;
	struct flow *f;
	enum flow_dir dir;
	int64_t ts;
};

static const char *const flow_close_names[FLOW_CLOSE_LAST] = {
	[FLOW_CLOSE_FIN] = "fin",
	[FLOW_CLOSE_RST] = "rst",
	[FLOW_CLOSE_IDLE] = "idle timeout",
	[FLOW_CLOSE_FULL] = "table full",
	[FLOW_CLOSE_REUSED] = "port reused",
	[FLOW_CLOSE_END] = "end of capture",
};

const char *flow_close_reason_name(enum flow_close_reason r)
{
	if ((unsigned)r >= FLOW_CLOSE_LAST)
		return "?";
	return flow_close_names[r];
}

void flow_config_default(struct flow_config *cfg)
{
	cfg->max_flows = FLOW_TABLE_MAX;
	cfg->ooo_dir_max = REASM_OOO_DIR_MAX;
	cfg->ooo_total_max = REASM_OOO_TOTAL_MAX;
	cfg->idle_usec = FLOW_IDLE_USEC;
	cfg->linger_usec = FLOW_LINGER_USEC;
}

struct flow_table *flow_table_new(const struct flow_callbacks *cb, void *ctx, const struct flow_config *cfg)
{
	struct flow_table *t = xcalloc(1, sizeof *t);
	if (cb)
		t->cb = *cb;
	t->ctx = ctx;
	if (cfg)
		t->cfg = *cfg;
	else
		flow_config_default(&t->cfg);
	if (t->cfg.max_flows < 1)
		t->cfg.max_flows = 1;
	t->nslots = FLOW_SLOTS_MIN;
	t->slots = xcalloc(t->nslots, sizeof *t->slots);
	t->pool.max = t->cfg.ooo_total_max;
	t->frag = ipfrag_new();
	t->next_id = 1;
	return t;
}

const struct flow_stats *flow_table_stats(const struct flow_table *t)
{
	struct flow_table *w = (struct flow_table *)t;
	const struct ipfrag_stats *fs = ipfrag_stats(t->frag);
	w->st.ooo_peak = t->pool.peak;
	w->st.frag_dropped = fs->dropped + fs->timeouts;
	return &t->st;
}

void flow_ignore(struct flow *f)
{
	f->flags |= FLOW_F_IGNORED;
}

/* ---- hashing and the open-addressing table ---- */

static uint64_t flow_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

/* The same value for both directions: the endpoints are combined with
 * commutative operations (sum and xor), so no ordering step is needed. */
static uint64_t flow_hash(uint8_t version, const uint8_t *sa, uint16_t sp, const uint8_t *da, uint16_t dp)
{
	uint64_t s0, s1, d0, d1;
	memcpy(&s0, sa, 8);
	memcpy(&s1, sa + 8, 8);
	memcpy(&d0, da, 8);
	memcpy(&d1, da + 8, 8);
	uint64_t ports = (uint64_t)(sp + dp) << 16 | (uint16_t)(sp ^ dp);
	uint64_t h = flow_mix(version, (s0 + d0) ^ ((s0 ^ d0) << 1));
	h = flow_mix(h, (s1 + d1) ^ ((s1 ^ d1) << 1));
	return flow_mix(h, ports);
}

static bool flow_ep_eq(const struct flow_endpoint *e, const uint8_t *addr, uint16_t port)
{
	return e->port == port && memcmp(e->addr, addr, 16) == 0;
}

/* Find the flow of a packet from (sa, sp) to (da, dp); *dir says who sent it. */
static struct flow *flow_lookup(struct flow_table *t, uint64_t h, uint8_t version, const uint8_t *sa, uint16_t sp,
                                const uint8_t *da, uint16_t dp, enum flow_dir *dir)
{
	size_t mask = t->nslots - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct flow *f = t->slots[i].f;
		if (!f)
			return NULL;
		if (t->slots[i].hash != h || f->version != version)
			continue;
		if (flow_ep_eq(&f->ep[0], sa, sp) && flow_ep_eq(&f->ep[1], da, dp)) {
			*dir = FLOW_C2S;
			return f;
		}
		if (flow_ep_eq(&f->ep[1], sa, sp) && flow_ep_eq(&f->ep[0], da, dp)) {
			*dir = FLOW_S2C;
			return f;
		}
	}
}

static void flow_slot_put(struct flow_slot *slots, size_t nslots, struct flow *f)
{
	size_t mask = nslots - 1;
	size_t i = f->hash & mask;
	while (slots[i].f)
		i = (i + 1) & mask;
	slots[i].hash = f->hash;
	slots[i].f = f;
}

static void flow_table_grow(struct flow_table *t)
{
	size_t n = t->nslots * 2;
	struct flow_slot *s = xcalloc(n, sizeof *s);
	for (size_t i = 0; i < t->nslots; i++)
		if (t->slots[i].f)
			flow_slot_put(s, n, t->slots[i].f);
	free(t->slots);
	t->slots = s;
	t->nslots = n;
}

/* Remove f from the slots with backward-shift deletion (no tombstones). */
static void flow_slot_del(struct flow_table *t, struct flow *f)
{
	size_t mask = t->nslots - 1;
	size_t i = f->hash & mask;
	while (t->slots[i].f != f)
		i = (i + 1) & mask;
	t->slots[i].f = NULL;
	for (size_t j = (i + 1) & mask; t->slots[j].f; j = (j + 1) & mask) {
		size_t k = t->slots[j].hash & mask;
		/* move slots[j] back to i unless its home k lies cyclically in (i, j] */
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (!stays) {
			t->slots[i] = t->slots[j];
			t->slots[j].f = NULL;
			i = j;
		}
	}
}

/* ---- LRU list ---- */

static void flow_lru_unlink(struct flow_table *t, struct flow *f)
{
	if (f->lru_prev)
		f->lru_prev->lru_next = f->lru_next;
	else
		t->lru_head = f->lru_next;
	if (f->lru_next)
		f->lru_next->lru_prev = f->lru_prev;
	else
		t->lru_tail = f->lru_prev;
	f->lru_prev = f->lru_next = NULL;
}

static void flow_lru_append(struct flow_table *t, struct flow *f)
{
	f->lru_prev = t->lru_tail;
	f->lru_next = NULL;
	if (t->lru_tail)
		t->lru_tail->lru_next = f;
	else
		t->lru_head = f;
	t->lru_tail = f;
}

static void flow_lru_touch(struct flow_table *t, struct flow *f)
{
	if (t->lru_tail == f)
		return;
	flow_lru_unlink(t, f);
	flow_lru_append(t, f);
}

/* ---- sinks: reassembly output to the consumer ---- */

static void flow_sink_data(void *arg, const uint8_t *p, size_t len)
{
	struct flow_sink_ctx *s = arg;
	if (s->f->flags & FLOW_F_IGNORED)
		return;
	if (s->t->cb.data)
		s->t->cb.data(s->t->ctx, s->f, s->dir, p, len, s->ts);
}

static void flow_sink_gap(void *arg, size_t nbytes)
{
	struct flow_sink_ctx *s = arg;
	s->t->st.gaps++;
	s->t->st.gap_bytes += nbytes;
	if (s->f->flags & FLOW_F_IGNORED)
		return;
	if (s->t->cb.gap)
		s->t->cb.gap(s->t->ctx, s->f, s->dir, nbytes, s->ts);
}

static void flow_sink_conflict(void *arg, size_t nbytes)
{
	struct flow_sink_ctx *s = arg;
	s->t->st.conflicts++;
	if (s->f->flags & FLOW_F_IGNORED)
		return;
	if (s->t->cb.conflict)
		s->t->cb.conflict(s->t->ctx, s->f, s->dir, nbytes, s->ts);
}

static void flow_sink_init(struct reasm_sink *sink, struct flow_sink_ctx *c, struct flow_table *t, struct flow *f,
                           enum flow_dir dir, int64_t ts)
{
	c->t = t;
	c->f = f;
	c->dir = dir;
	c->ts = ts;
	sink->data = flow_sink_data;
	sink->gap = flow_sink_gap;
	sink->conflict = flow_sink_conflict;
	sink->arg = c;
}

/* Drop held bytes of a flow the consumer ignores. */
static void flow_release_ignored(struct flow_table *t, struct flow *f)
{
	if (!(f->flags & FLOW_F_IGNORED))
		return;
	tcp_reasm_free(&f->rs[0], &t->pool);
	tcp_reasm_free(&f->rs[1], &t->pool);
}

/* ---- open, close, remove ---- */

static void flow_defer_free(struct flow_table *t, struct flow *f);

static void flow_remove(struct flow_table *t, struct flow *f)
{
	flow_defer_free(t, f);
	flow_slot_del(t, f);
	flow_lru_unlink(t, f);
	tcp_reasm_free(&f->rs[0], &t->pool);
	tcp_reasm_free(&f->rs[1], &t->pool);
	t->count--;
	free(f);
}

static void flow_drain(struct flow_table *t, struct flow *f, bool force);

/* Deliver what is left, tell the consumer, and mark f closed (it stays in the
 * table to linger, or the caller removes it). */
static void flow_close(struct flow_table *t, struct flow *f, enum flow_close_reason why)
{
	if (f->flags & FLOW_F_CLOSED)
		return;
	flow_drain(t, f, true);
	for (int d = 0; d < 2; d++) {
		struct reasm_sink sink;
		struct flow_sink_ctx c;
		flow_sink_init(&sink, &c, t, f, (enum flow_dir)d, t->now);
		if (!(f->flags & FLOW_F_IGNORED))
			tcp_reasm_flush(&f->rs[d], &t->pool, &sink);
		tcp_reasm_free(&f->rs[d], &t->pool);
	}
	f->flags |= FLOW_F_CLOSED;
	t->st.closed[why]++;
	t->st.flows_open--;
	if (t->cb.flow_close)
		t->cb.flow_close(t->ctx, f, why);
	f->user = NULL;
}

static void flow_close_remove(struct flow_table *t, struct flow *f, enum flow_close_reason why)
{
	flow_close(t, f, why);
	flow_remove(t, f);
}

/* Close flows idle too long and drop lingering ones past their time; let
 * segments that waited long enough go on. */
static void flow_sweep(struct flow_table *t)
{
	for (struct flow *f = t->dq_flows, *n; f; f = n) {
		n = f->dq_next;
		flow_drain(t, f, false);
	}
	while (t->lru_head) {
		struct flow *f = t->lru_head;
		int64_t age = t->now - f->last_ts;
		if (f->flags & FLOW_F_CLOSED) {
			if (age <= t->cfg.linger_usec)
				break;
			flow_remove(t, f);
		} else {
			if (age <= t->cfg.idle_usec)
				break;
			flow_close_remove(t, f, FLOW_CLOSE_IDLE);
		}
	}
	t->last_sweep = t->now;
}

static bool flow_port_is_smtp(uint16_t port)
{
	return port == 25 || port == 465 || port == 587 || port == 2525;
}

/* True when the sender of a packet without handshake evidence is the client. */
static bool flow_guess_sender_is_client(uint16_t sport, uint16_t dport)
{
	bool ss = flow_port_is_smtp(sport), ds = flow_port_is_smtp(dport);
	if (ds != ss)
		return ds;
	if (sport != dport)
		return dport < sport;
	return true;
}

static struct flow *flow_create(struct flow_table *t, uint64_t h, const struct pkt_ip *ip, const struct pkt_tcp *tcp,
                                int64_t ts, enum flow_dir *dir)
{
	if (t->count >= t->cfg.max_flows && t->lru_head) {
		struct flow *old = t->lru_head;
		if (old->flags & FLOW_F_CLOSED)
			flow_remove(t, old);
		else
			flow_close_remove(t, old, FLOW_CLOSE_FULL);
	}
	if ((t->count + 1) * 2 > t->nslots)
		flow_table_grow(t);
	struct flow *f = xcalloc(1, sizeof *f);
	bool syn = tcp->flags & PKT_TCP_SYN, ack = tcp->flags & PKT_TCP_ACK;
	bool sender_client;
	if (syn) {
		sender_client = !ack; /* SYN from the client, SYN-ACK from the server */
		if (ack)
			f->flags |= FLOW_F_MIDSTREAM;
	} else {
		sender_client = flow_guess_sender_is_client(tcp->sport, tcp->dport);
		f->flags |= FLOW_F_MIDSTREAM | FLOW_F_GUESSED;
	}
	*dir = sender_client ? FLOW_C2S : FLOW_S2C;
	struct flow_endpoint *s = &f->ep[*dir], *d = &f->ep[!*dir];
	memcpy(s->addr, ip->src, 16);
	s->port = tcp->sport;
	memcpy(d->addr, ip->dst, 16);
	d->port = tcp->dport;
	f->version = ip->version;
	f->hash = h;
	f->id = t->next_id++;
	f->first_ts = f->last_ts = ts;
	tcp_reasm_init(&f->rs[0], t->cfg.ooo_dir_max);
	tcp_reasm_init(&f->rs[1], t->cfg.ooo_dir_max);
	flow_slot_put(t->slots, t->nslots, f);
	flow_lru_append(t, f);
	t->count++;
	t->st.flows++;
	if (++t->st.flows_open > t->st.flows_peak)
		t->st.flows_peak = t->st.flows_open;
	if (t->cb.flow_open)
		f->user = t->cb.flow_open(t->ctx, f);
	return f;
}

/* A SYN (without ACK) on a known flow: is it a new connection? */
static bool flow_syn_starts_new(const struct flow_table *t, const struct flow *f, enum flow_dir dir,
                                const struct pkt_tcp *tcp, int64_t ts)
{
	if (f->flags & (FLOW_F_CLOSED | FLOW_F_FIN_C | FLOW_F_FIN_S | FLOW_F_RST))
		return true;
	if (ts - f->last_ts > t->cfg.idle_usec)
		return true;
	return !(f->rs[dir].syn_seen && f->rs[dir].isn == tcp->seq); /* else a retransmitted SYN */
}

static void flow_note_flags(struct flow *f, enum flow_dir dir, uint8_t fl)
{
	if ((fl & PKT_TCP_SYN) && !(fl & PKT_TCP_ACK) && dir == FLOW_C2S)
		f->flags |= FLOW_F_SYN;
	if ((fl & PKT_TCP_SYN) && (fl & PKT_TCP_ACK) && dir == FLOW_S2C)
		f->flags |= FLOW_F_SYNACK;
	if (fl & PKT_TCP_FIN)
		f->flags |= dir == FLOW_C2S ? FLOW_F_FIN_C : FLOW_F_FIN_S;
	if (fl & PKT_TCP_RST)
		f->flags |= FLOW_F_RST;
}

/* Hand the segment to reassembly: first the ACK (it may release the other
 * direction's data, which was sent earlier), then this direction's bytes. */
static void flow_reassemble(struct flow_table *t, struct flow *f, enum flow_dir dir, const struct pkt_tcp *tcp,
                            int64_t ts)
{
	struct reasm_sink sink;
	struct flow_sink_ctx c;
	if (tcp->flags & PKT_TCP_ACK) {
		flow_sink_init(&sink, &c, t, f, (enum flow_dir)!dir, ts);
		tcp_reasm_ack(&f->rs[!dir], &t->pool, tcp->ack, &sink);
	}
	flow_sink_init(&sink, &c, t, f, dir, ts);
	tcp_reasm_segment(&f->rs[dir], &t->pool, tcp->seq, tcp->flags, tcp->payload, tcp->len, tcp->missing, &sink);
}

/* ---- segments waiting for the other direction (flow.h, Ordering) ---- */

static uint64_t flow_npkts(const struct flow *f)
{
	return f->pkts[0] + f->pkts[1];
}

/* The segment acknowledges bytes of the other direction not delivered nor held. */
static bool flow_ack_ahead(const struct flow *f, enum flow_dir dir, const struct pkt_tcp *tcp)
{
	return (tcp->flags & (PKT_TCP_ACK | PKT_TCP_SYN)) == PKT_TCP_ACK && !tcp_reasm_covers(&f->rs[!dir], tcp->ack);
}

static void flow_dq_unlink(struct flow_table *t, struct flow *f)
{
	if (f->dq_prev)
		f->dq_prev->dq_next = f->dq_next;
	else if (t->dq_flows == f)
		t->dq_flows = f->dq_next;
	if (f->dq_next)
		f->dq_next->dq_prev = f->dq_prev;
	f->dq_prev = f->dq_next = NULL;
}

static bool flow_defer_push(struct flow_table *t, struct flow *f, enum flow_dir dir, const struct pkt_tcp *tcp,
                            int64_t ts)
{
	size_t cost = sizeof(struct flow_defer) + tcp->len;
	if (f->dq_len >= FLOW_REORDER_MAX || t->pool.bytes + cost > t->pool.max)
		return false;
	struct flow_defer *d = xmalloc(cost);
	d->next = NULL;
	d->dir = dir;
	d->ts = ts;
	d->mark = flow_npkts(f);
	d->cost = cost;
	d->tcp = *tcp;
	if (tcp->len)
		memcpy(d->data, tcp->payload, tcp->len);
	d->tcp.payload = d->data;
	if (f->dq_tail)
		f->dq_tail->next = d;
	else
		f->dq_head = d;
	f->dq_tail = d;
	if (f->dq_len++ == 0) {
		f->dq_prev = NULL;
		f->dq_next = t->dq_flows;
		if (t->dq_flows)
			t->dq_flows->dq_prev = f;
		t->dq_flows = f;
	}
	t->pool.bytes += cost;
	if (t->pool.bytes > t->pool.peak)
		t->pool.peak = t->pool.bytes;
	return true;
}

/* Take d (after prev, NULL for the head) off f's list. */
static void flow_defer_unlink(struct flow_table *t, struct flow *f, struct flow_defer *prev, struct flow_defer *d)
{
	if (prev)
		prev->next = d->next;
	else
		f->dq_head = d->next;
	if (f->dq_tail == d)
		f->dq_tail = prev;
	t->pool.bytes -= d->cost;
	if (--f->dq_len == 0)
		flow_dq_unlink(t, f);
}

static void flow_defer_free(struct flow_table *t, struct flow *f)
{
	while (f->dq_head) {
		struct flow_defer *d = f->dq_head;
		flow_defer_unlink(t, f, NULL, d);
		free(d);
	}
}

/* Reassemble one segment of f. */
static void flow_apply(struct flow_table *t, struct flow *f, enum flow_dir dir, const struct pkt_tcp *tcp,
                       int64_t ts)
{
	if (!(f->flags & FLOW_F_IGNORED))
		flow_reassemble(t, f, dir, tcp, ts);
	flow_release_ignored(t, f);
}

/* Let waiting segments go on, oldest first: those whose bytes of the other
 * direction came, those that waited long enough, or all (force). Within a
 * direction the order does not matter: reassembly sorts by sequence number. */
static void flow_drain(struct flow_table *t, struct flow *f, bool force)
{
	for (bool again = true; again && f->dq_head;) {
		again = false;
		for (struct flow_defer *prev = NULL, *d = f->dq_head; d; prev = d, d = d->next) {
			bool expired = flow_npkts(f) - d->mark >= FLOW_REORDER_PKTS || t->now - d->ts > FLOW_REORDER_USEC;
			if (force || expired || !flow_ack_ahead(f, d->dir, &d->tcp)) {
				flow_defer_unlink(t, f, prev, d);
				flow_apply(t, f, d->dir, &d->tcp, d->ts);
				free(d);
				again = true;
				break;
			}
		}
	}
}

/* A segment arrives: it waits when it acknowledges bytes not seen yet, else
 * it is reassembled at once. */
static void flow_take(struct flow_table *t, struct flow *f, enum flow_dir dir, const struct pkt_tcp *tcp,
                      int64_t ts)
{
	bool rst = tcp->flags & PKT_TCP_RST;
	bool wait = !(f->flags & FLOW_F_IGNORED) && !rst && flow_ack_ahead(f, dir, tcp);
	if (wait && flow_defer_push(t, f, dir, tcp, ts)) {
		flow_drain(t, f, false);
		return;
	}
	if (f->dq_len)
		flow_drain(t, f, rst || wait); /* no room to wait, or the end: what waits goes first */
	flow_apply(t, f, dir, tcp, ts);
	if (f->dq_len)
		flow_drain(t, f, false);
}

static void flow_process_tcp(struct flow_table *t, const struct pkt_ip *ip, const struct pkt_tcp *tcp, uint64_t h,
                             int64_t ts)
{
	enum flow_dir dir = FLOW_C2S;
	struct flow *f = flow_lookup(t, h, ip->version, ip->src, tcp->sport, ip->dst, tcp->dport, &dir);
	bool new_syn = (tcp->flags & (PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_SYN;
	if (f && new_syn && flow_syn_starts_new(t, f, dir, tcp, ts)) {
		if (f->flags & FLOW_F_CLOSED)
			flow_remove(t, f);
		else
			flow_close_remove(t, f, FLOW_CLOSE_REUSED);
		f = NULL;
	}
	if (f && (f->flags & FLOW_F_CLOSED)) {
		t->st.stray++; /* a late packet of a finished connection */
		return;
	}
	if (!f) {
		if (!(tcp->flags & PKT_TCP_SYN) && tcp->len + tcp->missing == 0) {
			t->st.stray++;
			return;
		}
		f = flow_create(t, h, ip, tcp, ts, &dir);
	}
	f->last_ts = ts;
	f->pkts[dir]++;
	f->bytes[dir] += tcp->len + tcp->missing;
	flow_lru_touch(t, f);
	flow_note_flags(f, dir, tcp->flags);
	flow_take(t, f, dir, tcp, ts);
	if (tcp->flags & PKT_TCP_RST)
		flow_close(t, f, FLOW_CLOSE_RST);
	else if ((f->flags & FLOW_F_IGNORED) ? (f->flags & FLOW_F_FIN_C) && (f->flags & FLOW_F_FIN_S)
	                                     : f->rs[0].done && f->rs[1].done)
		flow_close(t, f, FLOW_CLOSE_FIN);
}

/* ---- frames ---- */

static void flow_count_status(struct flow_table *t, enum pkt_status st)
{
	switch (st) {
	case PKT_NON_IP: t->st.non_ip++; break;
	case PKT_NON_TCP: t->st.non_tcp++; break;
	case PKT_TRUNCATED: t->st.truncated++; break;
	case PKT_BAD_LINK: t->st.bad_link++; break;
	default: t->st.malformed++; break;
	}
}

/* Reassemble a fragment; false when there is nothing (yet) to decode. */
static bool flow_defrag(struct flow_table *t, struct pkt_ip *ip, int64_t ts)
{
	const uint8_t *data;
	size_t len;
	t->st.fragments++;
	enum ipfrag_result r = ipfrag_add(t->frag, ip, ts, &data, &len);
	if (r != IPFRAG_DONE)
		return false;
	t->st.reassembled++;
	ip->frag = false;
	if (ip->version == 6) {
		enum pkt_status st = pkt_decode_ip6_chain(ip->proto, data, len, ip);
		if (st != PKT_OK) {
			flow_count_status(t, st);
			return false;
		}
	} else {
		ip->l4 = data;
		ip->l4_len = len;
		ip->l4_missing = 0;
	}
	return true;
}

void flow_pre_decode(int linktype, const uint8_t *p, size_t caplen, size_t wirelen, struct flow_pre *out)
{
	struct pkt_net net;
	out->frag = false;
	out->hash = 0;
	enum pkt_status st = pkt_decode_link(linktype, p, caplen, wirelen, &net);
	if (st == PKT_OK)
		st = pkt_decode_ip(net.p, net.len, net.missing, &out->ip);
	if (st == PKT_OK && out->ip.frag) {
		out->frag = true; /* the rest needs the fragment table */
	} else {
		if (st == PKT_OK && out->ip.proto != 6)
			st = PKT_NON_TCP;
		if (st == PKT_OK)
			st = pkt_decode_tcp(out->ip.l4, out->ip.l4_len, out->ip.l4_missing, &out->tcp);
		if (st == PKT_OK)
			out->hash = flow_hash(out->ip.version, out->ip.src, out->tcp.sport, out->ip.dst, out->tcp.dport);
	}
	out->st = st;
}

/* A fragment: reassembled with the others of its datagram, then decoded. */
static void flow_fragment(struct flow_table *t, const struct pkt_ip *frag, int64_t ts_usec)
{
	struct pkt_ip ip = *frag;
	struct pkt_tcp tcp;
	bool v6ext = ip.version == 6 && (ip.proto == 0 || ip.proto == 43 || ip.proto == 60 || ip.proto == 51);
	if (ip.proto != 6 && !v6ext) {
		t->st.non_tcp++;
		return;
	}
	if (!flow_defrag(t, &ip, ts_usec))
		return;
	enum pkt_status st = ip.proto != 6 ? PKT_NON_TCP : pkt_decode_tcp(ip.l4, ip.l4_len, ip.l4_missing, &tcp);
	if (st != PKT_OK) {
		flow_count_status(t, st);
		return;
	}
	t->st.tcp++;
	flow_process_tcp(t, &ip, &tcp, flow_hash(ip.version, ip.src, tcp.sport, ip.dst, tcp.dport), ts_usec);
}

void flow_table_packet_pre(struct flow_table *t, int64_t ts_usec, const struct flow_pre *pre, size_t caplen,
                           size_t wirelen)
{
	t->st.packets++;
	t->st.bytes += wirelen;
	if (caplen < wirelen)
		t->st.cut++;
	if (!t->have_now || ts_usec > t->now) {
		t->now = ts_usec;
		if (!t->have_now)
			t->last_sweep = ts_usec;
		t->have_now = true;
	}
	if (t->now - t->last_sweep >= FLOW_SWEEP_USEC)
		flow_sweep(t);
	if (pre->st == PKT_OK && pre->frag) {
		flow_fragment(t, &pre->ip, ts_usec);
		return;
	}
	if (pre->st != PKT_OK) {
		flow_count_status(t, pre->st);
		return;
	}
	t->st.tcp++;
	flow_process_tcp(t, &pre->ip, &pre->tcp, pre->hash, ts_usec);
}

void flow_table_packet(struct flow_table *t, int linktype, int64_t ts_usec, const uint8_t *p, size_t caplen,
                       size_t wirelen)
{
	struct flow_pre pre;
	flow_pre_decode(linktype, p, caplen, wirelen, &pre);
	flow_table_packet_pre(t, ts_usec, &pre, caplen, wirelen);
}

void flow_table_finish(struct flow_table *t)
{
	while (t->lru_head) {
		struct flow *f = t->lru_head;
		if (f->flags & FLOW_F_CLOSED)
			flow_remove(t, f);
		else
			flow_close_remove(t, f, FLOW_CLOSE_END);
	}
}

void flow_table_free(struct flow_table *t)
{
	if (!t)
		return;
	flow_table_finish(t);
	ipfrag_free(t->frag);
	free(t->slots);
	free(t);
}

/* v (below 100000: an address byte or a port) in decimal at p; returns the end. */
static char *flow_put_dec(char *p, unsigned v)
{
	unsigned n = v >= 10000 ? 5 : v >= 1000 ? 4 : v >= 100 ? 3 : v >= 10 ? 2 : 1;
	bytes_utoa(v, p + n); /* written in place: no copy */
	return p + n;
}

/* tmp[0..n) into out, cut to fit and always terminated. */
static void flow_copy_out(char *out, size_t outlen, const char *tmp, size_t n)
{
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, tmp, n);
	out[n] = '\0';
}

/* "a.b.c.d:port" without printf: every session's endpoints are formatted. */
static void flow_format_v4(const struct flow_endpoint *e, char *out, size_t outlen)
{
	char tmp[24], *p = tmp;
	for (int i = 0; i < 4; i++) {
		p = flow_put_dec(p, e->addr[i]);
		*p++ = i < 3 ? '.' : ':';
	}
	p = flow_put_dec(p, e->port);
	flow_copy_out(out, outlen, tmp, (size_t)(p - tmp));
}

/* The longest run of two or more zero groups (the first of equal ones), as
 * RFC 5952 4.2 compresses it: *base -1 when there is none. */
static void flow_v6_zero_run(const uint16_t *w, int *base, int *len)
{
	*base = -1;
	*len = 0;
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && w[j] == 0)
			j++;
		if (j - i >= 2 && j - i > *len) {
			*base = i;
			*len = j - i;
		}
		i = j > i ? j : i + 1;
	}
}

/* v (a 16-bit group) in hex at p; returns the end. */
static char *flow_put_hex(char *p, unsigned v)
{
	unsigned n = v >= 0x1000 ? 4 : v >= 0x100 ? 3 : v >= 0x10 ? 2 : 1;
	bytes_xtoa_pad(v, 1, p + n); /* written in place: no copy */
	return p + n;
}

/* An IPv6 address as inet_ntop writes it (RFC 5952: lower-case hex, the
 * longest zero run as "::", IPv4-mapped and -compatible addresses with a
 * dotted quad), without its printf per group. Returns the end. */
static char *flow_put_v6(char *p, const uint8_t *a)
{
	uint16_t w[8];
	int base, len;
	for (int i = 0; i < 8; i++)
		w[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
	flow_v6_zero_run(w, &base, &len);
	for (int i = 0; i < 8; i++) {
		if (base >= 0 && i >= base && i < base + len) {
			if (i == base)
				*p++ = ':';
			continue;
		}
		if (i)
			*p++ = ':';
		if (i == 6 && base == 0 && (len == 6 || (len == 5 && w[5] == 0xffff))) {
			for (int k = 12; k < 16; k++) {
				if (k > 12)
					*p++ = '.';
				p = flow_put_dec(p, a[k]);
			}
			return p;
		}
		p = flow_put_hex(p, w[i]);
	}
	if (base >= 0 && base + len == 8)
		*p++ = ':';
	return p;
}

void flow_endpoint_format(const struct flow *f, enum flow_dir side, char *out, size_t outlen)
{
	const struct flow_endpoint *e = &f->ep[side];
	if (!outlen)
		return;
	if (f->version != 6) {
		flow_format_v4(e, out, outlen);
		return;
	}
	char tmp[INET6_ADDRSTRLEN + 8], *p = tmp;
	*p++ = '[';
	p = flow_put_v6(p, e->addr);
	*p++ = ']';
	*p++ = ':';
	p = flow_put_dec(p, e->port);
	flow_copy_out(out, outlen, tmp, (size_t)(p - tmp));
}
