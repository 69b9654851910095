/* test_reasm.c - unit tests for one direction of TCP reassembly
 * (decode/tcp_reasm.c, RFC 9293 3.4): caps, gaps, FIN, window, cut segments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "decode/buf.h"
#include "decode/limits.h"
#include "decode/pkt.h"
#include "decode/tcp_reasm.h"

struct out {
	struct buf b;
	int gaps, conflicts;
};

static void out_data(void *arg, const uint8_t *p, size_t len)
{
	buf_append(&((struct out *)arg)->b, p, len);
}

static void out_gap(void *arg, size_t n)
{
	struct out *o = arg;
	o->gaps++;
	buf_printf(&o->b, "[%zu]", n);
}

static void out_conflict(void *arg, size_t n)
{
	(void)n;
	((struct out *)arg)->conflicts++;
}

struct fix {
	struct out o;
	struct reasm_sink sink;
	struct reasm_pool pool;
	struct tcp_reasm r;
};

static void fix_init(struct fix *f, size_t dir_max, size_t total_max)
{
	memset(f, 0, sizeof *f);
	buf_init(&f->o.b, 1 << 20);
	f->sink = (struct reasm_sink){out_data, out_gap, out_conflict, &f->o};
	f->pool.max = total_max;
	tcp_reasm_init(&f->r, dir_max);
}

static void fix_free(struct fix *f)
{
	tcp_reasm_free(&f->r, &f->pool);
	assert_int_equal(f->pool.bytes, 0);
	buf_free(&f->o.b);
}

static void seg(struct fix *f, uint32_t seq, uint8_t flags, const char *s, size_t missing)
{
	size_t n = s ? strlen(s) : 0;
	tcp_reasm_segment(&f->r, &f->pool, seq, flags, (const uint8_t *)s, n, missing, &f->sink);
}

static void test_reasm_cut_segment_held(void **state)
{
	(void)state;
	struct fix f;
	fix_init(&f, REASM_OOO_DIR_MAX, REASM_OOO_TOTAL_MAX);
	seg(&f, 99, PKT_TCP_SYN, NULL, 0);
	seg(&f, 110, 0, "klm", 7); /* held: 3 bytes then 7 cut off */
	seg(&f, 100, 0, "abcdefghij", 0);
	assert_string_equal(buf_str(&f.o.b), "abcdefghijklm[7]");
	seg(&f, 120, 0, "uv", 0);
	assert_string_equal(buf_str(&f.o.b), "abcdefghijklm[7]uv");
	assert_int_equal(f.r.delivered, 15);
	assert_int_equal(f.r.gap_bytes, 7);
	fix_free(&f);
}

static void test_reasm_pool_cap(void **state)
{
	(void)state;
	struct fix f;
	fix_init(&f, REASM_OOO_DIR_MAX, 100); /* the shared pool is nearly empty */
	seg(&f, 1000, 0, "A", 0);
	seg(&f, 1010, 0, "B", 0); /* cannot be held: the hole is given up now */
	assert_string_equal(buf_str(&f.o.b), "A[9]B");
	assert_int_equal(f.pool.bytes, 0);
	fix_free(&f);
}

static void test_reasm_fin_and_ack(void **state)
{
	(void)state;
	struct fix f;
	fix_init(&f, REASM_OOO_DIR_MAX, REASM_OOO_TOTAL_MAX);
	seg(&f, 0, PKT_TCP_SYN, NULL, 0);
	seg(&f, 1, 0, "one", 0);
	seg(&f, 8, PKT_TCP_FIN, "four", 0); /* FIN at 12; 4..8 missing */
	assert_false(f.r.done);
	tcp_reasm_ack(&f.r, &f.pool, 13, &f.sink); /* acks the FIN too */
	assert_string_equal(buf_str(&f.o.b), "one[4]four");
	assert_true(f.r.done);
	seg(&f, 12, 0, "late", 0); /* after the FIN */
	assert_int_equal(f.r.dropped_bytes, 4);
	assert_string_equal(buf_str(&f.o.b), "one[4]four");
	/* an ACK far outside the window is ignored */
	tcp_reasm_ack(&f.r, &f.pool, 12 + REASM_WINDOW_MAX + 5, &f.sink);
	assert_int_equal(f.o.gaps, 1);
	fix_free(&f);
}

static void test_reasm_flush_before_fin(void **state)
{
	(void)state;
	struct fix f;
	fix_init(&f, REASM_OOO_DIR_MAX, REASM_OOO_TOTAL_MAX);
	seg(&f, 500, 0, "abc", 0);
	seg(&f, 510, 0, "x", 0);
	seg(&f, 515, PKT_TCP_FIN, "yz", 0);
	tcp_reasm_flush(&f.r, &f.pool, &f.sink);
	assert_string_equal(buf_str(&f.o.b), "abc[7]x[4]yz");
	assert_true(f.r.done);
	fix_free(&f);
}

static void test_reasm_window_and_segs(void **state)
{
	(void)state;
	struct fix f;
	fix_init(&f, REASM_OOO_DIR_MAX, REASM_OOO_TOTAL_MAX);
	seg(&f, 0, 0, "a", 0);
	seg(&f, 2 + REASM_WINDOW_MAX, 0, "far", 0);
	assert_int_equal(f.r.dropped_bytes, 3);
	assert_int_equal(f.r.nsegs, 0);
	/* one-byte segments with holes between: the count stays capped */
	for (uint32_t i = 0; i < 3 * REASM_OOO_SEGS_MAX; i++)
		seg(&f, 10 + 2 * i, 0, "z", 0);
	assert_true(f.r.nsegs <= REASM_OOO_SEGS_MAX);
	assert_true(f.o.gaps > 0);
	/* old data again: nothing new, counted as retransmitted */
	uint64_t before = f.r.delivered;
	seg(&f, 0, 0, "a", 0);
	assert_int_equal(f.r.delivered, before);
	assert_true(f.r.retrans_bytes >= 1);
	fix_free(&f);
}

static void test_reasm_fill_between_held(void **state)
{
	(void)state;
	struct fix f;
	fix_init(&f, REASM_OOO_DIR_MAX, REASM_OOO_TOTAL_MAX);
	seg(&f, 0, 0, "0", 0);
	seg(&f, 3, 0, "3", 0);
	seg(&f, 7, 0, "7", 0);
	seg(&f, 2, 0, "2345678", 0); /* spans both held ones, held too */
	assert_string_equal(buf_str(&f.o.b), "0");
	seg(&f, 1, 0, "1", 0);
	assert_string_equal(buf_str(&f.o.b), "012345678");
	assert_int_equal(f.o.conflicts, 0);
	assert_int_equal(f.r.nsegs, 0);
	fix_free(&f);
}

/* Would an acknowledgment report a gap? (decode/flow.c lets a segment wait
 * while its ACK covers bytes not seen yet.) */
static void test_reasm_covers(void **state)
{
	(void)state;
	struct fix f;
	fix_init(&f, REASM_OOO_DIR_MAX, REASM_OOO_TOTAL_MAX);
	assert_true(tcp_reasm_covers(&f.r, 12345)); /* nothing seen: not tracked */
	seg(&f, 99, PKT_TCP_SYN, NULL, 0);
	assert_true(tcp_reasm_covers(&f.r, 100));
	assert_false(tcp_reasm_covers(&f.r, 101));
	seg(&f, 100, 0, "abc", 0);
	assert_true(tcp_reasm_covers(&f.r, 103));
	assert_true(tcp_reasm_covers(&f.r, 90)); /* an old ACK */
	seg(&f, 106, 0, "ghi", 0); /* held after a hole at 103..106 */
	assert_false(tcp_reasm_covers(&f.r, 104));
	assert_false(tcp_reasm_covers(&f.r, 109));
	seg(&f, 103, 0, "d", 0);
	seg(&f, 104, 0, "ef", 0); /* filled: delivered up to 109 */
	assert_true(tcp_reasm_covers(&f.r, 109));
	seg(&f, 112, 0, "lm", 5); /* held, with 5 bytes cut off after it */
	seg(&f, 109, 0, "jk", 0);
	assert_true(tcp_reasm_covers(&f.r, 111));
	assert_false(tcp_reasm_covers(&f.r, 113)); /* 111 was never seen */
	seg(&f, 111, 0, "x", 0);
	assert_true(tcp_reasm_covers(&f.r, 119)); /* known cut bytes count as seen */
	assert_false(tcp_reasm_covers(&f.r, 120));
	seg(&f, 119, PKT_TCP_FIN, NULL, 0);
	assert_true(tcp_reasm_covers(&f.r, 120)); /* the FIN's own number is not data */
	fix_free(&f);
}

/* A stream cut into random segments (SYN first, FIN on the last) and sent in
 * a random order with duplicates and overlapping resends: whatever the
 * order, the bytes come out once, in order, with nothing lost or flagged,
 * and the direction is done. In-order segments take the short path, the
 * others the general one, mixed in every run. */
static void test_reasm_random_orders(void **state)
{
	(void)state;
	enum { LEN = 3000, MAXSEG = 64 };
	static char stream[LEN + 1];
	for (size_t i = 0; i < LEN; i++)
		stream[i] = (char)('a' + i % 26);
	uint32_t x = 12345;
	for (int run = 0; run < 300; run++) {
		struct piece_at {
			uint32_t at, len;
		} segs[2 * LEN];
		size_t n = 0;
		for (uint32_t at = 0; at < LEN;) {
			x = x * 1103515245u + 12345u;
			uint32_t len = 1 + (x >> 16) % MAXSEG;
			if (at + len > LEN)
				len = LEN - at;
			segs[n].at = at, segs[n].len = len, n++;
			if ((x >> 8) % 5 == 0) /* a resend overlapping the next bytes */
				segs[n].at = at, segs[n].len = len + (at + len < LEN ? 1 : 0), n++;
			at += len;
		}
		for (size_t k = n - 1; k > 0 && run % 4 != 0; k--) { /* every fourth run in order */
			x = x * 1103515245u + 12345u;
			size_t j = (x >> 16) % (k + 1);
			if ((x >> 4) % 3 == 0) /* mostly local swaps, as on a network */
				j = k > 3 ? k - 1 - (x >> 20) % 3 : j;
			struct piece_at t = segs[k];
			segs[k] = segs[j];
			segs[j] = t;
		}
		struct fix f;
		fix_init(&f, 1 << 20, 1 << 22);
		uint32_t isn = 4000000000u + (uint32_t)run * 7919u; /* across the 2^32 wrap */
		seg(&f, isn, PKT_TCP_SYN, NULL, 0);
		for (size_t k = 0; k < n; k++) {
			char piece[MAXSEG + 2];
			memcpy(piece, stream + segs[k].at, segs[k].len);
			piece[segs[k].len] = '\0';
			uint8_t fl = PKT_TCP_ACK | (segs[k].at + segs[k].len == LEN ? PKT_TCP_FIN : 0);
			seg(&f, isn + 1 + segs[k].at, fl, piece, 0);
		}
		assert_int_equal(f.o.b.len, LEN);
		assert_memory_equal(f.o.b.data, stream, LEN);
		assert_int_equal(f.o.gaps, 0);
		assert_int_equal(f.o.conflicts, 0);
		assert_int_equal(f.r.delivered, LEN);
		assert_true(f.r.done);
		fix_free(&f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reasm_cut_segment_held),
		cmocka_unit_test(test_reasm_pool_cap),
		cmocka_unit_test(test_reasm_fin_and_ack),
		cmocka_unit_test(test_reasm_flush_before_fin),
		cmocka_unit_test(test_reasm_window_and_segs),
		cmocka_unit_test(test_reasm_fill_between_held),
		cmocka_unit_test(test_reasm_covers),
		cmocka_unit_test(test_reasm_random_orders),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
