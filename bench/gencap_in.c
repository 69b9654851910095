/* gencap_in.c - the benchmark capture generator's input side: the TCP conversations of recorded pcap/pcapng files (any common link type, IPv4 and IPv6) read into templates (RFC 9293, RFC 791, RFC 8200). */
#include "bench/gencap.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *gc_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p) {
		fprintf(stderr, "gencap: out of memory\n");
		exit(2);
	}
	return p;
}

static void *gc_grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	size_t n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	p = realloc(p, n * size);
	if (!p) {
		fprintf(stderr, "gencap: out of memory\n");
		exit(2);
	}
	*cap = n;
	return p;
}

/* Offset of the IP header in a frame of link type dlt; false if it is not IP. */
static bool gc_link_l3(int dlt, const uint8_t *p, size_t len, size_t *off)
{
	size_t o = 0;
	uint16_t et = 0;
	switch (dlt) {
	case DLT_EN10MB:
		o = 12;
		while (o + 2 <= len && ((et = gc_be16(p + o)) == 0x8100 || et == 0x88a8))
			o += 4;
		o += 2;
		if (et != 0x0800 && et != 0x86dd)
			return false;
		break;
	case DLT_LINUX_SLL:
		o = 16;
		break;
	case DLT_LINUX_SLL2:
		o = 20;
		break;
	case DLT_NULL:
	case DLT_LOOP:
		o = 4;
		break;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		o = 0;
		break;
	default:
		return false;
	}
	if (o >= len)
		return false;
	*off = o;
	return (p[o] >> 4) == 4 || (p[o] >> 4) == 6;
}

/* The parts of one TCP/IP packet the generator needs. */
struct gc_tcp {
	uint8_t ver;
	const uint8_t *src, *dst; /* addresses (4 or 16 bytes) */
	uint16_t sport, dport;
	uint8_t flags;
	size_t l3len;             /* IP header + TCP header + payload */
	size_t payload_off, payload_len; /* from the IP header */
	size_t tcp_len;           /* TCP header */
};

static bool gc_parse_ipv4(const uint8_t *p, size_t len, struct gc_tcp *t, size_t *l4)
{
	size_t ihl = (size_t)(p[0] & 15) * 4;
	if (len < 20 || ihl < 20 || ihl > len || p[9] != 6)
		return false;
	size_t tot = gc_be16(p + 2);
	if (tot < ihl || tot > len || (gc_be16(p + 6) & 0x3fff)) /* short, or a fragment */
		return false;
	t->ver = 4;
	t->src = p + 12;
	t->dst = p + 16;
	t->l3len = tot;
	*l4 = ihl;
	return true;
}

static bool gc_parse_ipv6(const uint8_t *p, size_t len, struct gc_tcp *t, size_t *l4)
{
	if (len < 40 || p[6] != 6) /* extension headers are not replayed */
		return false;
	size_t tot = 40 + (size_t)gc_be16(p + 4);
	if (tot > len)
		return false;
	t->ver = 6;
	t->src = p + 8;
	t->dst = p + 24;
	t->l3len = tot;
	*l4 = 40;
	return true;
}

static bool gc_parse_tcp(const uint8_t *p, size_t len, struct gc_tcp *t)
{
	size_t l4;
	if (len < 1)
		return false;
	if (!((p[0] >> 4) == 4 ? gc_parse_ipv4(p, len, t, &l4) : gc_parse_ipv6(p, len, t, &l4)))
		return false;
	if (l4 + 20 > t->l3len)
		return false;
	size_t doff = (size_t)(p[l4 + 12] >> 4) * 4;
	if (doff < 20 || l4 + doff > t->l3len)
		return false;
	t->sport = gc_be16(p + l4);
	t->dport = gc_be16(p + l4 + 2);
	t->flags = p[l4 + 13];
	t->tcp_len = doff;
	t->payload_off = l4 + doff;
	t->payload_len = t->l3len - t->payload_off;
	return true;
}

static bool gc_smtp_port(uint16_t port)
{
	return port == 25 || port == 465 || port == 587 || port == 2525;
}

/* Which side of a new conversation is the client: the SYN's sender, else the
 * side not on an SMTP port, else the higher port. */
static bool gc_src_is_client(const struct gc_tcp *t)
{
	if ((t->flags & 0x12) == 0x02)
		return true;
	if ((t->flags & 0x12) == 0x12)
		return false;
	if (gc_smtp_port(t->dport) != gc_smtp_port(t->sport))
		return gc_smtp_port(t->dport);
	return t->sport > t->dport;
}

static bool gc_conv_match(const struct gc_conv *c, const struct gc_tcp *t, bool *c2s)
{
	size_t al = t->ver == 4 ? 4 : 16;
	if (c->ver != t->ver)
		return false;
	for (int d = 0; d < 2; d++) {
		if (t->sport == c->port[d] && t->dport == c->port[!d] && !memcmp(t->src, c->addr[d], al) &&
		    !memcmp(t->dst, c->addr[!d], al)) {
			*c2s = d == 0;
			return true;
		}
	}
	return false;
}

static struct gc_conv *gc_conv_find(struct gc_set *set, size_t first, const struct gc_tcp *t, bool *c2s,
				    const char *file)
{
	for (size_t i = first; i < set->n; i++)
		if (gc_conv_match(&set->convs[i], t, c2s))
			return &set->convs[i];
	if (set->n >= GC_MAX_CONVS) {
		fprintf(stderr, "gencap: more than %u conversations in the inputs\n", GC_MAX_CONVS);
		exit(2);
	}
	struct gc_conv *c = &set->convs[set->n];
	size_t al = t->ver == 4 ? 4 : 16, nth = set->n - first + 1;
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	memset(c, 0, sizeof *c);
	if (nth == 1)
		snprintf(c->name, sizeof c->name, "%s", base);
	else
		snprintf(c->name, sizeof c->name, "%s#%zu", base, nth);
	set->n++;
	c->ver = t->ver;
	*c2s = gc_src_is_client(t);
	memcpy(c->addr[*c2s ? 0 : 1], t->src, al);
	memcpy(c->addr[*c2s ? 1 : 0], t->dst, al);
	c->port[*c2s ? 0 : 1] = t->sport;
	c->port[*c2s ? 1 : 0] = t->dport;
	c->hash = 1469598103934665603ull;
	return c;
}

/* Note payload the recording lacks: a segment starting past every byte seen
 * so far in its direction. */
static void gc_conv_seq(struct gc_conv *c, const uint8_t *l3, const struct gc_tcp *t, bool c2s)
{
	int d = c2s ? 0 : 1;
	uint32_t seq = gc_be32(l3 + t->payload_off - t->tcp_len + 4);
	uint32_t end = seq + (uint32_t)t->payload_len + ((t->flags & 0x03) ? 1u : 0u); /* SYN, FIN */
	if (!c->seq_known[d] && (t->payload_len || (t->flags & 0x02))) {
		c->seq_known[d] = true;
		c->next_seq[d] = seq;
	}
	if (!c->seq_known[d])
		return;
	if ((int32_t)(seq - c->next_seq[d]) > 0)
		c->missing += seq - c->next_seq[d];
	if ((int32_t)(end - c->next_seq[d]) > 0)
		c->next_seq[d] = end;
}

static void gc_conv_add(struct gc_conv *c, const struct pcap_pkthdr *h, const uint8_t *l3, const struct gc_tcp *t,
			bool c2s, bool cut)
{
	int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
	if (!c->npkts)
		c->first_ts = ts;
	c->pkts = gc_grow(c->pkts, &c->pcap, c->npkts + 1, sizeof *c->pkts);
	c->data = gc_grow(c->data, &c->dcap, c->dlen + t->l3len, 1);
	memcpy(c->data + c->dlen, l3, t->l3len);
	/* captures are in time order, but a clock step must not make time run back */
	int64_t rel = ts - c->first_ts;
	if (c->npkts && rel < c->pkts[c->npkts - 1].ts)
		rel = c->pkts[c->npkts - 1].ts;
	c->pkts[c->npkts++] = (struct gc_pkt){.off = c->dlen, .len = (uint32_t)t->l3len, .ts = rel, .c2s = c2s};
	c->dlen += t->l3len;
	c->out_bytes += GC_PKT_HDR + GC_ETH_LEN + t->l3len;
	c->bad |= cut;
	gc_conv_seq(c, l3, t, c2s);
	c->hash = (c->hash ^ (c2s ? 0x43u : 0x53u)) * 1099511628211ull;
	for (size_t i = 0; i < t->payload_len; i++)
		c->hash = (c->hash ^ l3[t->payload_off + i]) * 1099511628211ull;
}

bool gc_read_file(struct gc_set *set, const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, err);
	if (!p) {
		fprintf(stderr, "gencap: cannot read %s (%s)\n", path, err);
		return false;
	}
	int dlt = pcap_datalink(p);
	size_t first = set->n;
	struct pcap_pkthdr *h;
	const uint8_t *bytes;
	int rc;
	while ((rc = pcap_next_ex(p, &h, &bytes)) == 1) {
		size_t off;
		struct gc_tcp t;
		bool c2s;
		if (!gc_link_l3(dlt, bytes, h->caplen, &off) || !gc_parse_tcp(bytes + off, h->caplen - off, &t))
			continue;
		struct gc_conv *c = gc_conv_find(set, first, &t, &c2s, path);
		gc_conv_add(c, h, bytes + off, &t, c2s, h->caplen < h->len);
	}
	if (rc == -1)
		fprintf(stderr, "gencap: %s: %s (packets before it are used)\n", path, pcap_geterr(p));
	pcap_close(p);
	return true;
}

static bool gc_payload_starts(const struct gc_conv *c, const struct gc_pkt *pk, const char *s, size_t n)
{
	struct gc_tcp t;
	if (!gc_parse_tcp(c->data + pk->off, pk->len, &t) || t.payload_len < n)
		return false;
	const uint8_t *q = c->data + pk->off + t.payload_off;
	for (size_t i = 0; i < n; i++)
		if ((q[i] | 0x20) != (s[i] | 0x20))
			return false;
	return true;
}

uint16_t gc_conv_port(const struct gc_conv *c)
{
	bool first = true, auth = false;
	for (size_t i = 0; i < c->npkts; i++) {
		const struct gc_pkt *pk = &c->pkts[i];
		struct gc_tcp t;
		if (!gc_parse_tcp(c->data + pk->off, pk->len, &t) || !t.payload_len)
			continue;
		if (first && c->data[pk->off + t.payload_off] == 0x16)
			return 465;
		first = false;
		if (pk->c2s && gc_payload_starts(c, pk, "AUTH ", 5))
			auth = true;
	}
	return auth ? 587 : 25;
}

bool gc_conv_usable(struct gc_set *set, size_t i)
{
	struct gc_conv *c = &set->convs[i];
	if (c->bad || c->missing) {
		fprintf(stderr, "gencap: %s: %s, not replayed\n", c->name,
			c->bad ? "packets cut by the snap length" : "the recording misses segments");
		return false;
	}
	bool payload = false;
	for (size_t k = 0; k < c->npkts && !payload; k++) {
		struct gc_tcp t;
		payload = gc_parse_tcp(c->data + c->pkts[k].off, c->pkts[k].len, &t) && t.payload_len;
	}
	if (!payload)
		return false;
	for (size_t k = 0; k < i; k++) {
		if (!set->convs[k].dup && set->convs[k].hash == c->hash) {
			printf("duplicate %s same-as %s\n", c->name, set->convs[k].name);
			c->dup = true;
			return false;
		}
	}
	return true;
}
