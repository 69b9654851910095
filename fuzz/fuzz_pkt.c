/* fuzz_pkt.c - libFuzzer target: arbitrary bytes as a sequence of frames of one
 * link type through frame decoding, IP defragmentation, the flow table and TCP
 * reassembly (decode/pkt.c, ipfrag.c, flow.c, tcp_reasm.c).
 * Build: make fuzz (clang -fsanitize=fuzzer,address,undefined)
 * Input: byte 0 picks the link type, then frames as fuzz/fuzz_frames.h reads them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/flow.h"
#include "fuzz/fuzz_frames.h"
#include "decode/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int fuzz_links[] = {PKT_DLT_EN10MB, PKT_DLT_LINUX_SLL, PKT_DLT_LINUX_SLL2, PKT_DLT_NULL,
                                 PKT_DLT_LOOP,   PKT_DLT_RAW,       PKT_DLT_IPV4,       PKT_DLT_IPV6};

static uint64_t fuzz_sink;

static void *fuzz_open(void *ctx, struct flow *f)
{
	(void)ctx;
	return f->id % 7 == 3 ? (void *)1 : NULL; /* ignore some flows part way */
}

static void fuzz_data(void *ctx, struct flow *f, enum flow_dir dir, const uint8_t *p, size_t len, int64_t ts)
{
	(void)ctx, (void)dir, (void)ts;
	for (size_t i = 0; i < len; i++)
		fuzz_sink += p[i]; /* every delivered byte must be readable */
	if (f->user && f->rs[dir].delivered > 64)
		flow_ignore(f);
}

static void fuzz_gap(void *ctx, struct flow *f, enum flow_dir dir, size_t n, int64_t ts)
{
	(void)ctx, (void)f, (void)dir, (void)ts;
	fuzz_sink += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct flow_callbacks cb = {fuzz_open, fuzz_data, fuzz_gap, NULL, NULL};
	if (size < 1)
		return 0;
	struct flow_config cfg;
	flow_config_default(&cfg);
	cfg.max_flows = 8; /* small caps so eviction and gap paths run */
	cfg.ooo_dir_max = 2048;
	cfg.ooo_total_max = 4096;
	cfg.idle_usec = 5000000;
	int lt = fuzz_links[data[0] % (sizeof fuzz_links / sizeof fuzz_links[0])];
	struct flow_table *t = flow_table_new(&cb, NULL, &cfg);
	fuzz_feed_frames(t, lt, 0, data, size);
	flow_table_free(t);
	return 0;
}
