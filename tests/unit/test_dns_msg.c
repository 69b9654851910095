/* test_dns_msg.c - the DNS answer parser on crafted messages: MX order, TXT
 * joining, TLSA fields (RFC 6698 2.1), A/AAAA, CNAME chains, response codes,
 * the AD bit, escaped names, and hostile input: truncation at every offset,
 * compression loops, lying lengths, random corruption. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "probe/dns.h"
#include "test_dns_wire.h"

static void parse(const struct wire *w, const char *q, enum dns_type t, struct dns_result *r)
{
	memset(r, 0, sizeof *r);
	dns_msg_parse(w->b, w->n, q, t, r);
}

static void build_mx(struct wire *w)
{
	w_header(w, 7, DNS_W_RESPONSE, 1, 3);
	w_question(w, "example.com", DNS_T_MX);
	/* Owner as a pointer to the question name at offset 12. */
	static const uint8_t own[] = {0xC0, 12};
	w_bytes(w, own, 2);
	w_u16(w, DNS_T_MX);
	w_u16(w, 1);
	w_u32(w, 300);
	size_t at = w->n;
	w_u16(w, 0);
	w_u16(w, 20);
	w_name(w, "mx2.example.com");
	w_rr_end(w, at);
	at = w_rr_begin(w, "example.com", DNS_T_MX, 100);
	w_u16(w, 10);
	w_u8(w, 3);
	w_bytes(w, "mx1", 3);
	w_bytes(w, own, 2); /* "mx1" + pointer to example.com */
	w_rr_end(w, at);
	at = w_rr_begin(w, "example.com", DNS_T_MX, 200);
	w_u16(w, 10);
	w_name(w, "MX0.example.com");
	w_rr_end(w, at);
}

static void test_mx_sorted(void **state)
{
	(void)state;
	struct wire w;
	struct dns_result r;
	build_mx(&w);
	parse(&w, "Example.COM.", DNS_T_MX, &r);
	assert_int_equal(r.status, DNS_OK);
	assert_int_equal(r.nmx, 3);
	assert_int_equal(r.mx[0].pref, 10);
	assert_string_equal(r.mx[0].host, "MX0.example.com"); /* same pref: by name */
	assert_string_equal(r.mx[1].host, "mx1.example.com");
	assert_int_equal(r.mx[2].pref, 20);
	assert_string_equal(r.mx[2].host, "mx2.example.com");
	assert_int_equal(r.ttl, 100);
	assert_false(r.ad);
	dns_result_clear(&r);
	assert_null(r.mx);
}

static void test_every_truncation_rejected(void **state)
{
	(void)state;
	struct wire w, cut;
	struct dns_result r;
	build_mx(&w);
	for (size_t len = 0; len < w.n; len++) {
		memcpy(cut.b, w.b, len);
		cut.n = len;
		parse(&cut, "example.com", DNS_T_MX, &r);
		assert_int_equal(r.status, DNS_BADRESP);
		assert_int_equal(r.nmx, 0);
		dns_result_clear(&r);
	}
}

static void test_txt_joined(void **state)
{
	(void)state;
	struct wire w;
	struct dns_result r;
	w_header(&w, 1, DNS_W_RESPONSE | DNS_W_AD, 1, 2);
	w_question(&w, "example.com", DNS_T_TXT);
	size_t at = w_rr_begin(&w, "example.com", DNS_T_TXT, 60);
	w_u8(&w, 7);
	w_bytes(&w, "v=spf1 ", 7);
	w_u8(&w, 4);
	w_bytes(&w, "-all", 4);
	w_rr_end(&w, at);
	at = w_rr_begin(&w, "example.com", DNS_T_TXT, 60);
	w_u8(&w, 3);
	w_bytes(&w, "a\0b", 3);
	w_u8(&w, 0); /* an empty string is legal */
	w_rr_end(&w, at);
	parse(&w, "example.com", DNS_T_TXT, &r);
	assert_int_equal(r.status, DNS_OK);
	assert_true(r.ad);
	assert_int_equal(r.ntxt, 2);
	assert_string_equal((char *)r.txt[0].data, "v=spf1 -all");
	assert_int_equal(r.txt[0].nstrings, 2);
	assert_int_equal(r.txt[1].len, 3);
	assert_memory_equal(r.txt[1].data, "a\0b", 3);
	dns_result_clear(&r);
	/* A string length running past RDLENGTH spoils that record only. */
	w_header(&w, 1, DNS_W_RESPONSE, 1, 1);
	w_question(&w, "example.com", DNS_T_TXT);
	at = w_rr_begin(&w, "example.com", DNS_T_TXT, 60);
	w_u8(&w, 9);
	w_bytes(&w, "short", 5);
	w_rr_end(&w, at);
	parse(&w, "example.com", DNS_T_TXT, &r);
	assert_int_equal(r.status, DNS_BADRESP);
	assert_int_equal(r.skipped, 1);
	dns_result_clear(&r);
}

static void test_tlsa(void **state)
{
	(void)state;
	struct wire w;
	struct dns_result r;
	uint8_t rd[35] = {3, 1, 1};
	for (int i = 0; i < 32; i++)
		rd[3 + i] = (uint8_t)(i * 7);
	w_header(&w, 1, DNS_W_RESPONSE, 1, 3);
	w_question(&w, "_25._tcp.mx.example.com", DNS_T_TLSA);
	w_rr(&w, "_25._tcp.mx.example.com", DNS_T_TLSA, 60, rd, sizeof rd);
	static const uint8_t shortrd[3] = {3, 1, 1}; /* no data at all */
	w_rr(&w, "_25._tcp.mx.example.com", DNS_T_TLSA, 60, shortrd, 3);
	static const uint8_t full[5] = {2, 0, 0, 0xAB, 0xCD};
	w_rr(&w, "_25._tcp.mx.example.com", DNS_T_TLSA, 60, full, 5);
	parse(&w, "_25._tcp.mx.example.com", DNS_T_TLSA, &r);
	assert_int_equal(r.status, DNS_OK);
	assert_int_equal(r.ntlsa, 2);
	assert_int_equal(r.skipped, 1);
	assert_int_equal(r.tlsa[0].usage, 3);
	assert_int_equal(r.tlsa[0].selector, 1);
	assert_int_equal(r.tlsa[0].mtype, 1);
	assert_int_equal(r.tlsa[0].len, 32);
	assert_memory_equal(r.tlsa[0].data, rd + 3, 32);
	assert_int_equal(r.tlsa[1].usage, 2);
	assert_int_equal(r.tlsa[1].len, 2);
	dns_result_clear(&r);
}

static void test_addrs_and_cname(void **state)
{
	(void)state;
	struct wire w;
	struct dns_result r;
	static const uint8_t v4[4] = {192, 0, 2, 1}, v4b[5] = {1, 2, 3, 4, 5};
	w_header(&w, 1, DNS_W_RESPONSE, 1, 4);
	w_question(&w, "www.example.com", DNS_T_A);
	size_t at = w_rr_begin(&w, "www.example.com", DNS_T_CNAME, 30);
	w_name(&w, "host.example.net");
	w_rr_end(&w, at);
	w_rr(&w, "host.example.net", DNS_T_A, 40, v4, 4);
	w_rr(&w, "host.example.net", DNS_T_A, 40, v4b, 5);	/* wrong length */
	w_rr(&w, "unrelated.example.org", DNS_T_A, 40, v4, 4); /* not ours */
	parse(&w, "www.example.com", DNS_T_A, &r);
	assert_int_equal(r.status, DNS_OK);
	assert_int_equal(r.naddrs, 1);
	assert_string_equal(r.addrs[0].text, "192.0.2.1");
	assert_string_equal(r.canon, "host.example.net");
	assert_int_equal(r.skipped, 1);
	dns_result_clear(&r);

	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	w_header(&w, 1, DNS_W_RESPONSE, 1, 1);
	w_question(&w, "example.com", DNS_T_AAAA);
	w_rr(&w, "example.com", DNS_T_AAAA, 40, v6, 16);
	parse(&w, "example.com", DNS_T_AAAA, &r);
	assert_int_equal(r.status, DNS_OK);
	assert_string_equal(r.addrs[0].text, "2001:db8::1");
	dns_result_clear(&r);
}

static void test_rcodes(void **state)
{
	(void)state;
	struct wire w;
	struct dns_result r;
	const struct {
		uint16_t rcode;
		enum dns_status st;
	} cases[] = {{3, DNS_NXDOMAIN}, {2, DNS_SERVFAIL}, {5, DNS_REFUSED}, {4, DNS_ERROR}, {0, DNS_NODATA}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		w_header(&w, 1, (uint16_t)(DNS_W_RESPONSE | cases[i].rcode), 1, 0);
		w_question(&w, "example.com", DNS_T_MX);
		parse(&w, "example.com", DNS_T_MX, &r);
		assert_int_equal(r.status, cases[i].st);
		assert_non_null(r.detail);
		dns_result_clear(&r);
	}
	/* A query (QR clear) is not an answer. */
	w_header(&w, 1, 0x0100, 1, 0);
	w_question(&w, "example.com", DNS_T_MX);
	parse(&w, "example.com", DNS_T_MX, &r);
	assert_int_equal(r.status, DNS_BADRESP);
	dns_result_clear(&r);
	assert_string_equal(dns_status_name(DNS_NXDOMAIN), "NXDOMAIN");
	assert_string_equal(dns_status_name(DNS_STATUS_LAST), "?");
}

static void test_hostile_names(void **state)
{
	(void)state;
	struct wire w;
	struct dns_result r;
	/* MX exchange that points at itself: a compression loop. */
	w_header(&w, 1, DNS_W_RESPONSE, 1, 1);
	w_question(&w, "example.com", DNS_T_MX);
	size_t at = w_rr_begin(&w, "example.com", DNS_T_MX, 1);
	w_u16(&w, 10);
	uint16_t self = (uint16_t)(0xC000 | w.n);
	w_u16(&w, self);
	w_rr_end(&w, at);
	parse(&w, "example.com", DNS_T_MX, &r);
	assert_int_equal(r.status, DNS_BADRESP);
	dns_result_clear(&r);
	/* A label holding a dot and a control byte is escaped, not trusted. */
	w_header(&w, 1, DNS_W_RESPONSE, 1, 1);
	w_question(&w, "example.com", DNS_T_MX);
	at = w_rr_begin(&w, "example.com", DNS_T_MX, 1);
	w_u16(&w, 5);
	static const uint8_t odd[] = {4, 'a', '.', 'b', 7, 3, 'c', 'o', 'm', 0};
	w_bytes(&w, odd, sizeof odd);
	w_rr_end(&w, at);
	parse(&w, "example.com", DNS_T_MX, &r);
	assert_int_equal(r.status, DNS_OK);
	assert_string_equal(r.mx[0].host, "a\\.b\\007.com");
	dns_result_clear(&r);
	/* Null MX (RFC 7505). */
	w_header(&w, 1, DNS_W_RESPONSE, 1, 1);
	w_question(&w, "example.com", DNS_T_MX);
	at = w_rr_begin(&w, "example.com", DNS_T_MX, 1);
	w_u16(&w, 0);
	w_u8(&w, 0);
	w_rr_end(&w, at);
	parse(&w, "example.com", DNS_T_MX, &r);
	assert_int_equal(r.status, DNS_OK);
	assert_string_equal(r.mx[0].host, ".");
	dns_result_clear(&r);
	/* An answer count far beyond what the message holds. */
	w_header(&w, 1, DNS_W_RESPONSE, 1, 65535);
	w_question(&w, "example.com", DNS_T_MX);
	parse(&w, "example.com", DNS_T_MX, &r);
	assert_int_equal(r.status, DNS_BADRESP);
	dns_result_clear(&r);
}

static void test_random_corruption(void **state)
{
	(void)state;
	struct wire w, m;
	struct dns_result r;
	build_mx(&w);
	srand(12345);
	int ok = 0;
	for (int i = 0; i < 5000; i++) {
		m = w;
		int flips = 1 + rand() % 4;
		for (int k = 0; k < flips; k++)
			m.b[rand() % (int)m.n] = (uint8_t)rand();
		enum dns_type t = (i % 3 == 0) ? DNS_T_MX : (i % 3 == 1) ? DNS_T_TXT : DNS_T_TLSA;
		parse(&m, "example.com", t, &r);
		assert_true((unsigned)r.status < DNS_STATUS_LAST);
		ok += r.status == DNS_OK;
		dns_result_clear(&r);
	}
	assert_true(ok > 0); /* some corruptions leave a usable answer */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mx_sorted),
		cmocka_unit_test(test_every_truncation_rejected),
		cmocka_unit_test(test_txt_joined),
		cmocka_unit_test(test_tlsa),
		cmocka_unit_test(test_addrs_and_cname),
		cmocka_unit_test(test_rcodes),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_random_corruption),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
