/* dns_msg.c - bounds-checked parser of DNS responses (RFC 1035 4.1, name
 * compression 4.1.4; AAAA RFC 3596; TLSA RFC 6698 2.1; AD bit RFC 4035 3.2.3).
 * Reads through a cursor that turns inert at the first overrun, so every
 * field read can be checked once at the end. */
#include "probe/dns.h"
#include "decode/limits.h"
#include "decode/xmalloc.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* Compression pointers followed in one name before it is called a loop. */
#define DNS_NAME_MAX_HOPS 64
/* CNAME links followed from the question name. */
#define DNS_CNAME_MAX_CHAIN 16

struct dcur {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;
};

static uint8_t dc_u8(struct dcur *c)
{
	if (c->bad || c->off >= c->len) {
		c->bad = true;
		return 0;
	}
	return c->p[c->off++];
}

static uint16_t dc_u16(struct dcur *c)
{
	uint16_t hi = dc_u8(c);
	uint16_t lo = dc_u8(c);
	return (uint16_t)(hi << 8 | lo);
}

static uint32_t dc_u32(struct dcur *c)
{
	uint32_t hi = dc_u16(c);
	uint32_t lo = dc_u16(c);
	return hi << 16 | lo;
}

static void dc_skip(struct dcur *c, size_t n)
{
	if (c->bad || n > c->len - c->off) {
		c->bad = true;
		return;
	}
	c->off += n;
}

static void name_put_label(char *out, size_t *o, const uint8_t *lab, size_t n)
{
	if (*o > 0)
		out[(*o)++] = '.';
	for (size_t i = 0; i < n; i++) {
		uint8_t b = lab[i];
		if (b == '.' || b == '\\') {
			out[(*o)++] = '\\';
			out[(*o)++] = (char)b;
		} else if (b < 0x21 || b > 0x7e) {
			*o += (size_t)snprintf(out + *o, 5, "\\%03u", b);
		} else {
			out[(*o)++] = (char)b;
		}
	}
}

/* Read a possibly compressed name at c->off into out (DNS_NAME_TEXT_MAX)
 * and move the cursor past it. The root is ".". Marks c bad on any fault. */
static void dc_name(struct dcur *c, char *out)
{
	size_t pos = c->off, o = 0, wire = 1, hops = 0;
	bool jumped = false;
	out[0] = '\0';
	if (c->bad)
		return;
	for (;;) {
		if (pos >= c->len)
			goto bad;
		uint8_t l = c->p[pos];
		if ((l & 0xC0) == 0xC0) {
			if (pos + 1 >= c->len || ++hops > DNS_NAME_MAX_HOPS)
				goto bad;
			size_t ptr = (size_t)(l & 0x3F) << 8 | c->p[pos + 1];
			if (!jumped)
				c->off = pos + 2;
			jumped = true;
			pos = ptr;
			continue;
		}
		if (l & 0xC0)
			goto bad; /* extended label types (RFC 6891 obsoleted them) */
		pos++;
		if (l == 0)
			break;
		wire += (size_t)l + 1;
		if (wire > 255 || l > c->len - pos)
			goto bad;
		name_put_label(out, &o, c->p + pos, l);
		pos += l;
	}
	if (!jumped)
		c->off = pos;
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	return;
bad:
	c->bad = true;
	out[0] = '\0';
}

/* Compare names ignoring ASCII case and one trailing dot. */
static bool name_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 1 && a[la - 1] == '.' && (la < 2 || a[la - 2] != '\\'))
		la--;
	if (lb > 1 && b[lb - 1] == '.' && (lb < 2 || b[lb - 2] != '\\'))
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

struct rr {
	char owner[DNS_NAME_TEXT_MAX];
	uint16_t type, klass;
	uint32_t ttl;
	size_t rdoff, rdlen;
};

static void parse_addr(const struct dcur *m, const struct rr *rr, struct dns_result *r)
{
	size_t want = rr->type == DNS_T_A ? 4 : 16;
	if (rr->rdlen != want || r->naddrs >= DNS_ADDRS_MAX) {
		r->skipped++;
		return;
	}
	struct dns_addr *a = &r->addrs[r->naddrs++];
	memset(a, 0, sizeof *a);
	a->family = want == 4 ? AF_INET : AF_INET6;
	memcpy(a->bytes, m->p + rr->rdoff, want);
	inet_ntop(a->family, a->bytes, a->text, sizeof a->text);
}

static void parse_mx(const struct dcur *m, const struct rr *rr, struct dns_result *r)
{
	struct dcur c = {m->p, rr->rdoff + rr->rdlen, rr->rdoff, false};
	char host[DNS_NAME_TEXT_MAX];
	uint16_t pref = dc_u16(&c);
	/* The name may point anywhere earlier in the message. */
	c.len = m->len;
	dc_name(&c, host);
	if (c.bad || c.off != rr->rdoff + rr->rdlen || r->nmx >= DNS_MX_MAX) {
		r->skipped++;
		return;
	}
	struct dns_mx *mx = &r->mx[r->nmx++];
	memset(mx, 0, sizeof *mx);
	mx->pref = pref;
	mx->host = xstrdup(host);
	mx->addr_status = DNS_NODATA;
}

static void parse_txt(const struct dcur *m, const struct rr *rr, struct dns_result *r)
{
	struct dcur c = {m->p, rr->rdoff + rr->rdlen, rr->rdoff, false};
	uint8_t *data = xmalloc(rr->rdlen + 1);
	size_t n = 0, strings = 0;
	while (!c.bad && c.off < c.len) {
		uint8_t l = dc_u8(&c);
		size_t at = c.off;
		dc_skip(&c, l);
		if (c.bad)
			break;
		memcpy(data + n, c.p + at, l);
		n += l;
		strings++;
	}
	if (c.bad || strings == 0) {
		free(data);
		r->skipped++;
		return;
	}
	data[n] = '\0';
	struct dns_txt *t = &r->txt[r->ntxt++];
	t->data = data;
	t->len = n;
	t->nstrings = strings;
}

static void parse_tlsa(const struct dcur *m, const struct rr *rr, struct dns_result *r)
{
	/* Three one-octet fields and at least one octet of association data. */
	if (rr->rdlen < 4) {
		r->skipped++;
		return;
	}
	const uint8_t *p = m->p + rr->rdoff;
	struct dns_tlsa *t = &r->tlsa[r->ntlsa++];
	t->usage = p[0];
	t->selector = p[1];
	t->mtype = p[2];
	t->len = rr->rdlen - 3;
	t->data = xmalloc(t->len);
	memcpy(t->data, p + 3, t->len);
}

static void result_fail(struct dns_result *r, enum dns_status s, const char *detail)
{
	r->status = s;
	free(r->detail);
	r->detail = xstrdup(detail);
}

/* Read the header and skip the questions; false when the message is unusable. */
static bool parse_head(struct dcur *c, struct dns_result *r, size_t *ancount)
{
	char name[DNS_NAME_TEXT_MAX];
	dc_skip(c, 2);
	uint16_t flags = dc_u16(c), qd = dc_u16(c), an = dc_u16(c);
	dc_skip(c, 4);
	if (c->bad) {
		result_fail(r, DNS_BADRESP, "answer shorter than a DNS header");
		return false;
	}
	if (!(flags & 0x8000)) {
		result_fail(r, DNS_BADRESP, "message is not a response");
		return false;
	}
	r->ad = (flags & 0x0020) != 0;
	switch (flags & 0x000F) {
	case 0: break;
	case 2: result_fail(r, DNS_SERVFAIL, "server failure (SERVFAIL)"); return false;
	case 3: result_fail(r, DNS_NXDOMAIN, "no such domain (NXDOMAIN)"); return false;
	case 5: result_fail(r, DNS_REFUSED, "query refused (REFUSED)"); return false;
	default: result_fail(r, DNS_ERROR, "error response code from server"); return false;
	}
	for (uint16_t i = 0; i < qd && !c->bad; i++) {
		dc_name(c, name);
		dc_skip(c, 4);
	}
	if (c->bad) {
		result_fail(r, DNS_BADRESP, "malformed question section");
		return false;
	}
	*ancount = an;
	return true;
}

static size_t parse_answers(struct dcur *c, size_t an, struct rr *rrs)
{
	size_t n = 0;
	for (size_t i = 0; i < an; i++) {
		struct rr *rr = &rrs[n];
		dc_name(c, rr->owner);
		rr->type = dc_u16(c);
		rr->klass = dc_u16(c);
		rr->ttl = dc_u32(c);
		rr->rdlen = dc_u16(c);
		rr->rdoff = c->off;
		dc_skip(c, rr->rdlen);
		if (c->bad)
			break;
		if (rr->klass == 1) /* IN only */
			n++;
	}
	return n;
}

/* Follow CNAMEs from qname; fills chain[] (chain[0] = qname) and returns its length. */
static size_t follow_cnames(const struct dcur *m, const struct rr *rrs, size_t n, const char *qname,
			    char chain[][DNS_NAME_TEXT_MAX])
{
	size_t len = 1;
	snprintf(chain[0], DNS_NAME_TEXT_MAX, "%s", qname);
	while (len < DNS_CNAME_MAX_CHAIN) {
		size_t i;
		for (i = 0; i < n; i++) {
			if (rrs[i].type != DNS_T_CNAME || !name_eq(rrs[i].owner, chain[len - 1]))
				continue;
			struct dcur c = {m->p, m->len, rrs[i].rdoff, false};
			dc_name(&c, chain[len]);
			if (!c.bad && c.off == rrs[i].rdoff + rrs[i].rdlen)
				break;
		}
		if (i == n)
			break;
		bool seen = false;
		for (size_t k = 0; k < len; k++)
			seen |= name_eq(chain[k], chain[len]);
		if (seen)
			break; /* a CNAME loop: stop following */
		len++;
	}
	return len;
}

static bool owner_in_chain(const char *owner, char chain[][DNS_NAME_TEXT_MAX], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (name_eq(owner, chain[i]))
			return true;
	return false;
}

static void parse_records(const struct dcur *m, struct rr *rrs, size_t n, const char *qname,
			  enum dns_type qtype, struct dns_result *r)
{
	char(*chain)[DNS_NAME_TEXT_MAX] = xcalloc(DNS_CNAME_MAX_CHAIN, DNS_NAME_TEXT_MAX);
	size_t clen = follow_cnames(m, rrs, n, qname, chain);
	if (clen > 1)
		r->canon = xstrdup(chain[clen - 1]);
	size_t cap = n ? n : 1;
	if (qtype == DNS_T_A || qtype == DNS_T_AAAA)
		r->addrs = xcalloc(cap < DNS_ADDRS_MAX ? cap : DNS_ADDRS_MAX, sizeof *r->addrs);
	else if (qtype == DNS_T_MX)
		r->mx = xcalloc(cap < DNS_MX_MAX ? cap : DNS_MX_MAX, sizeof *r->mx);
	else if (qtype == DNS_T_TXT)
		r->txt = xcalloc(cap, sizeof *r->txt);
	else if (qtype == DNS_T_TLSA)
		r->tlsa = xcalloc(cap, sizeof *r->tlsa);
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		struct rr *rr = &rrs[i];
		if (rr->type != qtype || !owner_in_chain(rr->owner, chain, clen))
			continue;
		size_t before = r->naddrs + r->nmx + r->ntxt + r->ntlsa;
		switch (qtype) {
		case DNS_T_A:
		case DNS_T_AAAA: parse_addr(m, rr, r); break;
		case DNS_T_MX: parse_mx(m, rr, r); break;
		case DNS_T_TXT: parse_txt(m, rr, r); break;
		case DNS_T_TLSA: parse_tlsa(m, rr, r); break;
		default: r->skipped++; break;
		}
		if (r->naddrs + r->nmx + r->ntxt + r->ntlsa > before && (first || rr->ttl < r->ttl)) {
			r->ttl = rr->ttl;
			first = false;
		}
	}
	free(chain);
}

void dns_msg_parse(const uint8_t *p, size_t len, const char *qname, enum dns_type qtype,
		   struct dns_result *r)
{
	struct dcur c = {p, len, 0, false};
	size_t an = 0;
	r->type = qtype;
	if (!parse_head(&c, r, &an))
		return;
	/* Each record takes at least 11 octets: never allocate beyond the message. */
	size_t maxrr = (len - c.off) / 11;
	if (an > maxrr)
		an = maxrr + 1; /* the extra one overruns and marks the cursor */
	if (an > DNS_ANSWER_RR_MAX)
		an = DNS_ANSWER_RR_MAX; /* later records are not looked at */
	struct rr *rrs = xcalloc(an ? an : 1, sizeof *rrs);
	size_t n = parse_answers(&c, an, rrs);
	if (c.bad) {
		free(rrs);
		result_fail(r, DNS_BADRESP, "malformed answer section");
		return;
	}
	parse_records(&c, rrs, n, qname, qtype, r);
	free(rrs);
	size_t kept = r->naddrs + r->nmx + r->ntxt + r->ntlsa;
	if (qtype == DNS_T_MX)
		dns_mx_sort(r->mx, r->nmx);
	if (kept > 0)
		r->status = DNS_OK;
	else if (r->skipped > 0)
		result_fail(r, DNS_BADRESP, "every record of the asked type was malformed");
	else
		result_fail(r, DNS_NODATA, "no record of this type (NODATA)");
}

static int mx_cmp(const void *a, const void *b)
{
	const struct dns_mx *x = a, *y = b;
	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return strcasecmp(x->host, y->host);
}

void dns_mx_sort(struct dns_mx *mx, size_t n)
{
	if (n > 1)
		qsort(mx, n, sizeof *mx, mx_cmp);
}

void dns_result_clear(struct dns_result *r)
{
	free(r->name);
	free(r->detail);
	free(r->canon);
	free(r->addrs);
	for (size_t i = 0; i < r->nmx; i++) {
		free(r->mx[i].host);
		free(r->mx[i].addrs);
	}
	free(r->mx);
	for (size_t i = 0; i < r->ntxt; i++)
		free(r->txt[i].data);
	free(r->txt);
	for (size_t i = 0; i < r->ntlsa; i++)
		free(r->tlsa[i].data);
	free(r->tlsa);
	memset(r, 0, sizeof *r);
}

static const char *const dns_status_names[DNS_STATUS_LAST] = {
	[DNS_OK] = "ok",
	[DNS_NXDOMAIN] = "NXDOMAIN",
	[DNS_NODATA] = "no data",
	[DNS_SERVFAIL] = "SERVFAIL",
	[DNS_REFUSED] = "REFUSED",
	[DNS_TIMEOUT] = "timeout",
	[DNS_BADRESP] = "malformed answer",
	[DNS_BADNAME] = "bad name",
	[DNS_ERROR] = "error",
	[DNS_CANCELLED] = "cancelled",
};

const char *dns_status_name(enum dns_status s)
{
	return (unsigned)s < DNS_STATUS_LAST ? dns_status_names[s] : "?";
}
