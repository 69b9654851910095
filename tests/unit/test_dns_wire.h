/* test_dns_wire.h - a tiny DNS message writer for the DNS tests (RFC 1035
 * 4.1): headers, questions, records, with no compression unless written by
 * hand. Header-only so each test binary stays one .c file. */
#ifndef SMTPSCOPE_TEST_DNS_WIRE_H
#define SMTPSCOPE_TEST_DNS_WIRE_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct wire {
	uint8_t b[4096];
	size_t n;
};

static inline void w_u8(struct wire *w, uint8_t v)
{
	if (w->n < sizeof w->b)
		w->b[w->n++] = v;
}

static inline void w_u16(struct wire *w, uint16_t v)
{
	w_u8(w, (uint8_t)(v >> 8));
	w_u8(w, (uint8_t)v);
}

static inline void w_u32(struct wire *w, uint32_t v)
{
	w_u16(w, (uint16_t)(v >> 16));
	w_u16(w, (uint16_t)v);
}

static inline void w_bytes(struct wire *w, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		w_u8(w, ((const uint8_t *)p)[i]);
}

/* "a.b.c" (or "a.b.c.") as labels; "." or "" is the root. */
static inline void w_name(struct wire *w, const char *s)
{
	while (*s && strcmp(s, ".") != 0) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		w_u8(w, (uint8_t)l);
		w_bytes(w, s, l);
		s += l;
		if (*s == '.')
			s++;
	}
	w_u8(w, 0);
}

static inline void w_header(struct wire *w, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an)
{
	w->n = 0;
	w_u16(w, id);
	w_u16(w, flags);
	w_u16(w, qd);
	w_u16(w, an);
	w_u16(w, 0);
	w_u16(w, 0);
}

static inline void w_question(struct wire *w, const char *name, uint16_t type)
{
	w_name(w, name);
	w_u16(w, type);
	w_u16(w, 1);
}

/* Start a record; returns where its RDLENGTH sits, for w_rr_end. */
static inline size_t w_rr_begin(struct wire *w, const char *name, uint16_t type, uint32_t ttl)
{
	w_name(w, name);
	w_u16(w, type);
	w_u16(w, 1);
	w_u32(w, ttl);
	size_t at = w->n;
	w_u16(w, 0);
	return at;
}

static inline void w_rr_end(struct wire *w, size_t at)
{
	size_t len = w->n - at - 2;
	w->b[at] = (uint8_t)(len >> 8);
	w->b[at + 1] = (uint8_t)len;
}

static inline void w_rr(struct wire *w, const char *name, uint16_t type, uint32_t ttl, const void *rd,
			size_t rdlen)
{
	size_t at = w_rr_begin(w, name, type, ttl);
	w_bytes(w, rd, rdlen);
	w_rr_end(w, at);
}

/* Flags: QR, RD, RA set; add rcode and DNS_W_AD as needed. */
#define DNS_W_RESPONSE 0x8180
#define DNS_W_AD 0x0020

#endif
