/* ipfrag.c - IPv4 (RFC 791, RFC 815) and IPv6 (RFC 8200 4.5) fragment
 * reassembly with bounded memory and first-copy-wins overlaps; see ipfrag.h. */
#include "decode/ipfrag.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "decode/limits.h"
#include "decode/xmalloc.h"

struct ipfrag_piece {
	uint32_t start, end;
};

struct ipfrag_dgram {
	uint8_t version, proto;
	uint8_t src[16], dst[16];
	uint32_t id;
	int64_t first_ts;
	uint8_t *data;
	size_t alloc;
	uint32_t total; /* payload length, known once the last fragment came */
	bool have_last;
	int npieces;
	struct ipfrag_piece pieces[IPFRAG_PIECES_MAX]; /* sorted, disjoint, not adjacent */
};

struct ipfrag_table {
	struct ipfrag_dgram *d[IPFRAG_DGRAMS_MAX];
	int n;
	size_t bytes;
	uint8_t *done; /* the last completed payload, freed on the next call */
	struct ipfrag_stats st;
};

struct ipfrag_table *ipfrag_new(void)
{
	return xcalloc(1, sizeof(struct ipfrag_table));
}

static void ipfrag_remove(struct ipfrag_table *t, int i, bool keep_data)
{
	struct ipfrag_dgram *g = t->d[i];
	t->bytes -= g->alloc;
	if (!keep_data)
		free(g->data);
	free(g);
	t->d[i] = t->d[--t->n];
}

void ipfrag_free(struct ipfrag_table *t)
{
	if (!t)
		return;
	while (t->n > 0)
		ipfrag_remove(t, t->n - 1, false);
	free(t->done);
	free(t);
}

void ipfrag_expire(struct ipfrag_table *t, int64_t now_usec)
{
	for (int i = t->n - 1; i >= 0; i--) {
		if (now_usec - t->d[i]->first_ts > IPFRAG_TIMEOUT_USEC) {
			ipfrag_remove(t, i, false);
			t->st.timeouts++;
		}
	}
}

size_t ipfrag_held(const struct ipfrag_table *t, size_t *bytes)
{
	if (bytes)
		*bytes = t->bytes;
	return (size_t)t->n;
}

const struct ipfrag_stats *ipfrag_stats(const struct ipfrag_table *t)
{
	return &t->st;
}

static int ipfrag_oldest(const struct ipfrag_table *t, const struct ipfrag_dgram *except)
{
	int best = -1;
	for (int i = 0; i < t->n; i++) {
		if (t->d[i] == except)
			continue;
		if (best < 0 || t->d[i]->first_ts < t->d[best]->first_ts)
			best = i;
	}
	return best;
}

static struct ipfrag_dgram *ipfrag_find(struct ipfrag_table *t, const struct pkt_ip *ip, int64_t ts)
{
	for (int i = 0; i < t->n; i++) {
		struct ipfrag_dgram *g = t->d[i];
		if (g->id == ip->frag_id && g->proto == ip->proto && g->version == ip->version &&
		    memcmp(g->src, ip->src, 16) == 0 && memcmp(g->dst, ip->dst, 16) == 0)
			return g;
	}
	if (t->n == IPFRAG_DGRAMS_MAX) {
		ipfrag_remove(t, ipfrag_oldest(t, NULL), false);
		t->st.dropped++;
	}
	struct ipfrag_dgram *g = xcalloc(1, sizeof *g);
	g->version = ip->version;
	g->proto = ip->proto;
	g->id = ip->frag_id;
	memcpy(g->src, ip->src, 16);
	memcpy(g->dst, ip->dst, 16);
	g->first_ts = ts;
	t->d[t->n++] = g;
	return g;
}

/* Grow g's buffer to hold end bytes within the byte cap, dropping older
 * datagrams if needed. False when it cannot. */
static bool ipfrag_reserve(struct ipfrag_table *t, struct ipfrag_dgram *g, size_t end)
{
	if (end <= g->alloc)
		return true;
	size_t want = g->alloc ? g->alloc : 2048;
	while (want < end)
		want *= 2;
	if (want > IPFRAG_DGRAM_MAX)
		want = IPFRAG_DGRAM_MAX;
	while (t->bytes - g->alloc + want > IPFRAG_BYTES_MAX) {
		int i = ipfrag_oldest(t, g);
		if (i < 0)
			return false;
		ipfrag_remove(t, i, false);
		t->st.dropped++;
	}
	g->data = xreallocarray(g->data, want, 1);
	t->bytes += want - g->alloc;
	g->alloc = want;
	return true;
}

/* Copy the bytes of [off, end) not held yet; compare the ones already held. */
static void ipfrag_copy(struct ipfrag_table *t, struct ipfrag_dgram *g, const uint8_t *p, uint32_t off,
                        uint32_t end)
{
	uint32_t cur = off;
	bool overlap = false, conflict = false;
	for (int i = 0; i < g->npieces && cur < end; i++) {
		const struct ipfrag_piece *pc = &g->pieces[i];
		if (pc->end <= cur)
			continue;
		if (pc->start >= end)
			break;
		if (pc->start > cur) {
			memcpy(g->data + cur, p + (cur - off), pc->start - cur);
			cur = pc->start;
		}
		uint32_t oe = pc->end < end ? pc->end : end;
		overlap = true;
		if (memcmp(g->data + cur, p + (cur - off), oe - cur) != 0)
			conflict = true;
		cur = oe;
	}
	if (cur < end)
		memcpy(g->data + cur, p + (cur - off), end - cur);
	t->st.overlaps += overlap;
	t->st.conflicts += conflict;
}

/* Merge [off, end) into the sorted piece list. False when there are too many. */
static bool ipfrag_merge(struct ipfrag_dgram *g, uint32_t off, uint32_t end)
{
	struct ipfrag_piece out[IPFRAG_PIECES_MAX + 1];
	int n = 0;
	bool placed = false;
	for (int i = 0; i <= g->npieces; i++) {
		struct ipfrag_piece pc;
		if (i < g->npieces && (placed || g->pieces[i].start <= off)) {
			pc = g->pieces[i];
		} else if (!placed) {
			pc = (struct ipfrag_piece){off, end};
			placed = true;
			i--;
		} else {
			break;
		}
		if (n > 0 && pc.start <= out[n - 1].end) {
			if (pc.end > out[n - 1].end)
				out[n - 1].end = pc.end;
		} else {
			out[n++] = pc;
		}
	}
	if (n > IPFRAG_PIECES_MAX)
		return false;
	memcpy(g->pieces, out, (size_t)n * sizeof out[0]);
	g->npieces = n;
	return true;
}

static void ipfrag_drop(struct ipfrag_table *t, struct ipfrag_dgram *g)
{
	for (int i = 0; i < t->n; i++) {
		if (t->d[i] == g) {
			ipfrag_remove(t, i, false);
			break;
		}
	}
	t->st.dropped++;
}

enum ipfrag_result ipfrag_add(struct ipfrag_table *t, const struct pkt_ip *ip, int64_t ts_usec,
                              const uint8_t **out, size_t *outlen)
{
	free(t->done);
	t->done = NULL;
	t->st.fragments++;
	ipfrag_expire(t, ts_usec);
	size_t end = (size_t)ip->frag_off + ip->l4_len;
	if (ip->l4_missing > 0 || end > IPFRAG_DGRAM_MAX || (ip->l4_len == 0 && ip->frag_more)) {
		t->st.dropped++;
		return IPFRAG_DROPPED;
	}
	struct ipfrag_dgram *g = ipfrag_find(t, ip, ts_usec);
	if (!ip->frag_more) {
		if (g->have_last && g->total != end) {
			t->st.conflicts++; /* a second, different end: keep the first */
			return IPFRAG_HELD;
		}
		g->have_last = true;
		g->total = (uint32_t)end;
	}
	if (g->have_last && end > g->total)
		end = g->total; /* bytes past the known end are ignored */
	if (end > ip->frag_off) {
		if (!ipfrag_reserve(t, g, end)) {
			ipfrag_drop(t, g);
			return IPFRAG_DROPPED;
		}
		ipfrag_copy(t, g, ip->l4, ip->frag_off, (uint32_t)end);
		if (!ipfrag_merge(g, ip->frag_off, (uint32_t)end)) {
			ipfrag_drop(t, g);
			return IPFRAG_DROPPED;
		}
	}
	if (g->have_last && g->npieces == 1 && g->pieces[0].start == 0 && g->pieces[0].end >= g->total) {
		for (int i = 0; i < t->n; i++) {
			if (t->d[i] == g) {
				t->done = g->data;
				*out = g->data;
				*outlen = g->total;
				ipfrag_remove(t, i, true);
				break;
			}
		}
		t->st.reassembled++;
		return IPFRAG_DONE;
	}
	return IPFRAG_HELD;
}
