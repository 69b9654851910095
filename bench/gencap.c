/* gencap.c - benchmark capture generator: replays the TCP conversations of recorded SMTP captures many times, interleaved, into one large pcap (RFC 9293 sequence space, RFC 791 / RFC 8200 headers, RFC 1071 checksums).
 *
 * usage: gencap [-s MB] [-c FLOWS] [-S SEED] [-r MIN:MAX] [-L SHARE] [-k] -o OUT INPUT...
 *
 * Every TCP conversation of the inputs (pcap or pcapng, any of the link types
 * read by gencap_in.c) becomes a template. Templates are replayed until the
 * output reaches about MB megabytes (10^6 bytes): FLOWS conversations are in
 * flight at any time; when one ends the next begins. Each replay gets its own
 * client address and port, random initial sequence numbers on both sides (SACK
 * edges follow), a round-trip time drawn from MIN:MAX milliseconds (the capture
 * is taken at the server: each turn from server to client waits one RTT), and
 * checksums recomputed. Server ports become 25, 587 (the client sends AUTH) or
 * 465 (TLS from the first byte) unless -k keeps them. Conversations of more
 * than GC_LARGE_BYTES are "large"; they are drawn so that they make about SHARE
 * of the output's bytes. Identical conversations (the same bytes in the same
 * directions, e.g. a pcap and its pcapng copy) count once.
 *
 * The output is Ethernet (DLT_EN10MB), microsecond time stamps, written to
 * OUT.part and renamed to OUT when complete. A manifest ("key value" lines:
 * each template with its replay count, then totals) goes to standard output.
 * The same seed and inputs give the same bytes; a smaller MB gives a prefix of
 * the same stream of conversations. */
#include "bench/gencap.h"

#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GC_SNAPLEN 262144u
#define GC_SERVERS 16u              /* server addresses the replays are spread over */
#define GC_CLIENT_HOSTS 65000u      /* client addresses; ports vary beyond that */
#define GC_TIME_BASE 1772443800LL   /* 2026-03-02T09:30:00Z, where the output's clock starts */
#define GC_START_SPREAD 1000000LL   /* the first FLOWS conversations start within 1 s */
#define GC_NEXT_GAP_MAX 2000u       /* microseconds between a conversation's end and the next one */

struct gc_opts {
	uint64_t target;     /* output bytes */
	unsigned flows;      /* in flight */
	uint64_t seed;
	unsigned rtt_min, rtt_max; /* milliseconds */
	double large_share;
	bool keep_ports;
	const char *out;
};

/* One replay in flight. */
struct gc_live {
	struct gc_conv *c;
	size_t next;         /* next packet */
	int64_t t0;          /* output time of the conversation's start */
	int64_t shift;       /* RTT waits accumulated so far */
	int64_t t;           /* output time of the next packet */
	int64_t rtt;
	bool last_c2s;
	uint32_t seq_delta[2]; /* added to sequence numbers sent by [0] the client, [1] the server */
	uint8_t addr[2][16];
	uint16_t cport;
	uint8_t mac[2][6];
	uint64_t serial;
};

struct gc_gen {
	struct gc_opts o;
	struct gc_set set;
	struct gc_conv **small, **large;
	size_t nsmall, nlarge;
	double p_large;
	uint64_t rng;
	struct gc_live **heap;
	size_t nheap;
	uint64_t serial, committed, packets, written, max_in_flight;
	int64_t last_t;
	pcap_dumper_t *dump;
	uint8_t buf[GC_SNAPLEN + GC_ETH_LEN];
};

/* splitmix64: small, fast, and the same on every platform. */
static uint64_t gc_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint64_t gc_rand_below(uint64_t *s, uint64_t n)
{
	return n ? gc_rand(s) % n : 0;
}

static void gc_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void gc_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Sort templates into small and large, and work out how often to draw a large one. */
static void gc_templates(struct gc_gen *g)
{
	double sum_s = 0, sum_l = 0;
	g->small = gc_alloc(g->set.n * sizeof *g->small);
	g->large = gc_alloc(g->set.n * sizeof *g->large);
	for (size_t i = 0; i < g->set.n; i++) {
		struct gc_conv *c = &g->set.convs[i];
		if (!gc_conv_usable(&g->set, i))
			continue;
		c->out_port = g->o.keep_ports ? c->port[1] : gc_conv_port(c);
		if (c->out_bytes > GC_LARGE_BYTES) {
			g->large[g->nlarge++] = c;
			sum_l += (double)c->out_bytes;
		} else {
			g->small[g->nsmall++] = c;
			sum_s += (double)c->out_bytes;
		}
	}
	if (!g->nsmall || !g->nlarge) {
		g->p_large = g->nlarge ? 1.0 : 0.0;
		return;
	}
	double s = sum_s / (double)g->nsmall, l = sum_l / (double)g->nlarge, f = g->o.large_share;
	g->p_large = f * s / (l * (1.0 - f) + f * s);
}

/* ---- replay -------------------------------------------------------------------- */

static bool gc_live_before(const struct gc_live *a, const struct gc_live *b)
{
	return a->t < b->t || (a->t == b->t && a->serial < b->serial);
}

static void gc_heap_push(struct gc_gen *g, struct gc_live *l)
{
	size_t i = g->nheap++;
	while (i > 0 && gc_live_before(l, g->heap[(i - 1) / 2])) {
		g->heap[i] = g->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	g->heap[i] = l;
}

static struct gc_live *gc_heap_pop(struct gc_gen *g)
{
	struct gc_live *top = g->heap[0], *last = g->heap[--g->nheap];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= g->nheap)
			break;
		if (c + 1 < g->nheap && gc_live_before(g->heap[c + 1], g->heap[c]))
			c++;
		if (!gc_live_before(g->heap[c], last))
			break;
		g->heap[i] = g->heap[c];
		i = c;
	}
	if (g->nheap)
		g->heap[i] = last;
	return top;
}

/* Output time of l's next packet; a turn from server to client waits one RTT. */
static void gc_live_time(struct gc_live *l)
{
	const struct gc_pkt *pk = &l->c->pkts[l->next];
	if (l->next > 0 && pk->c2s && !l->last_c2s)
		l->shift += l->rtt;
	l->t = l->t0 + pk->ts + l->shift;
}

/* Addresses, ports and MACs of the replay numbered n (unique per n). */
static void gc_live_endpoints(struct gc_gen *g, struct gc_live *l, uint64_t n)
{
	uint32_t host = (uint32_t)(n % GC_CLIENT_HOSTS) + 1, srv = (uint32_t)gc_rand_below(&g->rng, GC_SERVERS);
	uint64_t round = n / GC_CLIENT_HOSTS;
	l->cport = (uint16_t)(1024 + (round * 7919 + (uint64_t)host * 31) % 64000);
	memset(l->addr, 0, sizeof l->addr);
	if (l->c->ver == 4) { /* 10.0.0.0/8 clients, 192.0.2.0/24 (TEST-NET-1) servers */
		const uint8_t c4[4] = {10, (uint8_t)(host >> 16), (uint8_t)(host >> 8), (uint8_t)host};
		const uint8_t s4[4] = {192, 0, 2, (uint8_t)(10 + srv)};
		memcpy(l->addr[0], c4, 4);
		memcpy(l->addr[1], s4, 4);
	} else { /* 2001:db8::/32 (documentation) for both */
		const uint8_t c6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xc1, [13] = (uint8_t)(host >> 16),
					[14] = (uint8_t)(host >> 8), [15] = (uint8_t)host};
		const uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x25, [15] = (uint8_t)(10 + srv)};
		memcpy(l->addr[0], c6, 16);
		memcpy(l->addr[1], s6, 16);
	}
	const uint8_t cm[6] = {0x02, 0x00, (uint8_t)(host >> 24), (uint8_t)(host >> 16), (uint8_t)(host >> 8),
			       (uint8_t)host};
	const uint8_t sm[6] = {0x02, 0x53, 0, 0, 0, (uint8_t)(10 + srv)};
	memcpy(l->mac[0], cm, 6);
	memcpy(l->mac[1], sm, 6);
}

static struct gc_conv *gc_pick(struct gc_gen *g)
{
	double u = (double)(gc_rand(&g->rng) >> 11) / 9007199254740992.0;
	if (g->nlarge && (u < g->p_large || !g->nsmall))
		return g->large[gc_rand_below(&g->rng, g->nlarge)];
	return g->small[gc_rand_below(&g->rng, g->nsmall)];
}

/* Start the next replay at time t0 (reusing l's memory when given). */
static void gc_start(struct gc_gen *g, struct gc_live *l, int64_t t0)
{
	if (!l)
		l = gc_alloc(sizeof *l);
	memset(l, 0, sizeof *l);
	l->c = gc_pick(g);
	l->c->replays++;
	l->serial = g->serial++;
	l->t0 = t0;
	unsigned span = g->o.rtt_max - g->o.rtt_min + 1;
	l->rtt = (int64_t)(g->o.rtt_min * 1000u + gc_rand_below(&g->rng, (uint64_t)span * 1000u));
	l->seq_delta[0] = (uint32_t)gc_rand(&g->rng);
	l->seq_delta[1] = (uint32_t)gc_rand(&g->rng);
	gc_live_endpoints(g, l, l->serial);
	g->committed += l->c->out_bytes;
	gc_live_time(l);
	gc_heap_push(g, l);
	if (g->nheap > g->max_in_flight)
		g->max_in_flight = g->nheap;
}

static uint32_t gc_sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t gc_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Shift the SACK edges of a segment's options (they name the peer's bytes). */
static void gc_rewrite_sack(uint8_t *opt, size_t n, uint32_t delta)
{
	size_t i = 0;
	while (i < n && opt[i] != 0) {
		if (opt[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || opt[i + 1] < 2 || i + opt[i + 1] > n)
			return;
		if (opt[i] == 5)
			for (size_t e = i + 2; e + 4 <= i + opt[i + 1]; e += 4)
				gc_put32(opt + e, gc_be32(opt + e) + delta);
		i += opt[i + 1];
	}
}

/* Rewrite one IP packet (len bytes at p) for replay l, direction c2s. */
static void gc_rewrite(const struct gc_live *l, bool c2s, uint8_t *p, size_t len)
{
	int s = c2s ? 0 : 1;
	size_t al = l->c->ver == 4 ? 4 : 16, l4, src = l->c->ver == 4 ? 12 : 8;
	memcpy(p + src, l->addr[s], al);
	memcpy(p + src + al, l->addr[!s], al);
	if (l->c->ver == 4) {
		l4 = (size_t)(p[0] & 15) * 4;
		p[10] = p[11] = 0;
		gc_put16(p + 10, gc_fold(gc_sum(p, l4, 0)));
	} else {
		l4 = 40;
	}
	uint8_t *tcp = p + l4;
	size_t tcplen = len - l4, doff = (size_t)(tcp[12] >> 4) * 4;
	gc_put16(tcp + (c2s ? 0 : 2), l->cport);
	gc_put16(tcp + (c2s ? 2 : 0), l->c->out_port);
	gc_put32(tcp + 4, gc_be32(tcp + 4) + l->seq_delta[s]);
	if (tcp[13] & 0x10)
		gc_put32(tcp + 8, gc_be32(tcp + 8) + l->seq_delta[!s]);
	gc_rewrite_sack(tcp + 20, doff - 20, l->seq_delta[!s]);
	tcp[16] = tcp[17] = 0;
	uint32_t sum = gc_sum(p + src, 2 * al, 0) + 6 + (uint32_t)tcplen;
	gc_put16(tcp + 16, gc_fold(gc_sum(tcp, tcplen, sum)));
}

static void gc_emit(struct gc_gen *g, struct gc_live *l)
{
	const struct gc_pkt *pk = &l->c->pkts[l->next];
	uint8_t *b = g->buf;
	int s = pk->c2s ? 0 : 1;
	memcpy(b, l->mac[!s], 6);
	memcpy(b + 6, l->mac[s], 6);
	gc_put16(b + 12, l->c->ver == 4 ? 0x0800 : 0x86dd);
	memcpy(b + GC_ETH_LEN, l->c->data + pk->off, pk->len);
	gc_rewrite(l, pk->c2s, b + GC_ETH_LEN, pk->len);
	struct pcap_pkthdr h = {.caplen = GC_ETH_LEN + pk->len, .len = GC_ETH_LEN + pk->len};
	h.ts.tv_sec = (time_t)(GC_TIME_BASE + l->t / 1000000);
	h.ts.tv_usec = (suseconds_t)(l->t % 1000000);
	pcap_dump((u_char *)g->dump, &h, b);
	g->packets++;
	g->written += GC_PKT_HDR + h.caplen;
	g->last_t = l->t;
	l->last_c2s = pk->c2s;
	l->next++;
}

static void gc_run(struct gc_gen *g)
{
	g->heap = gc_alloc(((size_t)g->o.flows + 1) * sizeof *g->heap);
	g->committed = 24; /* the file header */
	for (unsigned i = 0; i < g->o.flows && g->committed < g->o.target; i++)
		gc_start(g, NULL, (int64_t)gc_rand_below(&g->rng, GC_START_SPREAD));
	while (g->nheap) {
		struct gc_live *l = gc_heap_pop(g);
		gc_emit(g, l);
		if (l->next < l->c->npkts) {
			gc_live_time(l);
			gc_heap_push(g, l);
		} else if (g->committed < g->o.target) {
			gc_start(g, l, l->t + (int64_t)gc_rand_below(&g->rng, GC_NEXT_GAP_MAX));
		} else {
			free(l);
		}
	}
	free(g->heap);
}

/* ---- the command line ------------------------------------------------------------ */

static bool gc_number(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10);
	if (errno || end == s || *end || n > max || s[0] == '-')
		return false;
	*v = n;
	return true;
}

static bool gc_rtt(const char *s, struct gc_opts *o)
{
	char a[32];
	const char *colon = strchr(s, ':');
	unsigned long long lo, hi;
	if (!colon || (size_t)(colon - s) >= sizeof a)
		return false;
	memcpy(a, s, (size_t)(colon - s));
	a[colon - s] = 0;
	if (!gc_number(a, 60000, &lo) || !gc_number(colon + 1, 60000, &hi) || lo > hi)
		return false;
	o->rtt_min = (unsigned)lo;
	o->rtt_max = (unsigned)hi;
	return true;
}

static bool gc_share(const char *s, double *v)
{
	char *end;
	errno = 0;
	double d = strtod(s, &end);
	if (errno || end == s || *end || !(d >= 0 && d < 1))
		return false;
	*v = d;
	return true;
}

static void gc_usage(void)
{
	fprintf(stderr, "usage: gencap [-s MB] [-c FLOWS] [-S SEED] [-r MIN:MAX] [-L SHARE] [-k] -o OUT INPUT...\n"
			"  -s MB         output size in 10^6 bytes (default 1000)\n"
			"  -c FLOWS      conversations in flight (default 100)\n"
			"  -S SEED       random seed (default 1)\n"
			"  -r MIN:MAX    round-trip time range in ms (default 1:80)\n"
			"  -L SHARE      share of bytes from conversations over 64 KiB (default 0.3)\n"
			"  -k            keep the recorded server ports (default: 25, 587, 465)\n");
}

static int gc_parse_args(int argc, char **argv, struct gc_opts *o)
{
	*o = (struct gc_opts){.target = 1000000000ull, .flows = 100, .seed = 1, .rtt_min = 1, .rtt_max = 80,
			      .large_share = 0.3};
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long long n;
		if (!strcmp(a, "-k")) {
			o->keep_ports = true;
			continue;
		}
		if (!v || strlen(a) != 2)
			return -1;
		i++;
		if (a[1] == 's' && gc_number(v, 1000000, &n) && n > 0)
			o->target = n * 1000000ull;
		else if (a[1] == 'c' && gc_number(v, 100000, &n) && n > 0)
			o->flows = (unsigned)n;
		else if (a[1] == 'S' && gc_number(v, UINT64_MAX, &n))
			o->seed = n;
		else if (a[1] == 'r' && gc_rtt(v, o))
			;
		else if (a[1] == 'L' && gc_share(v, &o->large_share))
			;
		else if (a[1] == 'o')
			o->out = v;
		else
			return -1;
	}
	return o->out && i < argc ? i : -1;
}

static int gc_path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void gc_manifest(const struct gc_gen *g)
{
	for (size_t i = 0; i < g->set.n; i++) {
		const struct gc_conv *c = &g->set.convs[i];
		if (c->out_port)
			printf("template %s packets %zu bytes %" PRIu64 " port %u->%u size %s replays %" PRIu64 "\n",
			       c->name, c->npkts, c->out_bytes, c->port[1], c->out_port,
			       c->out_bytes > GC_LARGE_BYTES ? "large" : "small", c->replays);
	}
	printf("flows %" PRIu64 "\npackets %" PRIu64 "\nbytes %" PRIu64 "\nspan_s %.3f\nmax_in_flight %" PRIu64 "\n",
	       g->serial, g->packets, g->written + 24, (double)g->last_t / 1e6, g->max_in_flight);
}

int main(int argc, char **argv)
{
	static struct gc_gen g;
	int first = gc_parse_args(argc, argv, &g.o);
	if (first < 0) {
		gc_usage();
		return 2;
	}
	g.rng = g.o.seed;
	g.set.convs = gc_alloc(GC_MAX_CONVS * sizeof *g.set.convs);
	qsort(argv + first, (size_t)(argc - first), sizeof *argv, gc_path_cmp);
	for (int i = first; i < argc; i++)
		if (!gc_read_file(&g.set, argv[i]))
			return 2;
	gc_templates(&g);
	if (!g.nsmall && !g.nlarge) {
		fprintf(stderr, "gencap: no TCP conversation with data in the inputs\n");
		return 2;
	}
	char part[4096];
	snprintf(part, sizeof part, "%s.part", g.o.out);
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, (int)GC_SNAPLEN);
	g.dump = dead ? pcap_dump_open(dead, part) : NULL;
	if (!g.dump) {
		fprintf(stderr, "gencap: %s: %s\n", part, dead ? pcap_geterr(dead) : "pcap_open_dead failed");
		return 2;
	}
	printf("seed %" PRIu64 "\ntarget_bytes %" PRIu64 "\nconcurrency %u\nrtt_ms %u:%u\nlarge_share %.2f\n",
	       g.o.seed, g.o.target, g.o.flows, g.o.rtt_min, g.o.rtt_max, g.o.large_share);
	gc_run(&g);
	bool ok = pcap_dump_flush(g.dump) == 0 && !ferror(pcap_dump_file(g.dump));
	pcap_dump_close(g.dump);
	pcap_close(dead);
	if (!ok || rename(part, g.o.out) != 0) {
		fprintf(stderr, "gencap: writing %s failed: %s\n", g.o.out, strerror(errno));
		remove(part);
		return 2;
	}
	gc_manifest(&g);
	for (size_t i = 0; i < g.set.n; i++) {
		free(g.set.convs[i].pkts);
		free(g.set.convs[i].data);
	}
	free(g.set.convs);
	free(g.small);
	free(g.large);
	return 0;
}
