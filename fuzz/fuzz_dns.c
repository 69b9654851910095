/* fuzz_dns.c - libFuzzer target: arbitrary bytes as a DNS response (RFC 1035
 * 4.1, name compression 4.1.4; MX, TXT, A, AAAA, TLSA records; CNAME chains)
 * through the wire-format parser the resolver uses (probe/dns_msg.c).
 * Build: make fuzz (clang -fsanitize=fuzzer,address,undefined)
 * Input: byte 0 picks the type asked for, the rest is the response.
 * Seeds: fuzz/corpus/dns/ (answers of the loopback test server, see
 * tests/unit/test_dns_msg.c for how such messages are built). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/dns.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum dns_type fuzz_types[] = {DNS_T_A, DNS_T_AAAA, DNS_T_MX, DNS_T_TXT, DNS_T_TLSA};

/* What the resolver's callers rely on in a result. */
static void fuzz_check(const struct dns_result *r)
{
	if ((unsigned)r->status >= DNS_STATUS_LAST || (r->status != DNS_OK && !r->detail))
		abort();
	for (size_t i = 0; i < r->nmx; i++)
		if (!r->mx[i].host || strlen(r->mx[i].host) >= DNS_NAME_TEXT_MAX)
			abort();
	for (size_t i = 0; i + 1 < r->nmx; i++)
		if (r->mx[i].pref > r->mx[i + 1].pref)
			abort(); /* sorted by preference */
	for (size_t i = 0; i < r->ntxt; i++)
		if (!r->txt[i].data || r->txt[i].data[r->txt[i].len] != '\0')
			abort();
	for (size_t i = 0; i < r->naddrs; i++)
		if (!memchr(r->addrs[i].text, '\0', sizeof r->addrs[i].text))
			abort();
	if (r->canon && strlen(r->canon) >= DNS_NAME_TEXT_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum dns_type t = fuzz_types[data[0] % (sizeof fuzz_types / sizeof fuzz_types[0])];
	struct dns_result r;
	memset(&r, 0, sizeof r);
	dns_msg_parse(data + 1, size - 1, "mx.example.test", t, &r);
	fuzz_check(&r);
	dns_result_clear(&r);
	return 0;
}
