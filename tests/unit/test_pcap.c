/* test_pcap.c - unit tests for capture file reading (decode/pcap_in.c): pcap
 * written with pcap_dump, hand-made pcapng, BPF filters, stdin, truncated
 * files. With arguments it is also a tool for the integration test and the
 * benchmark:
 *   test_pcap FILE...          per file: packet/flow counts and one line per flow
 *   test_pcap --gen FILE MB    write a synthetic SMTP-like capture of about MB MiB
 *   test_pcap --bench FILE     time a bare pcap_next_ex loop against the decoder */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "decode/pcap_in.h"
#include "tests/unit/test_pkt_build.h"

/* ---- writing captures ---- */

struct wr {
	pcap_t *dead;
	pcap_dumper_t *d;
	int64_t ts;
};

static bool wr_open(struct wr *w, const char *path, int linktype)
{
	w->dead = pcap_open_dead(linktype, 262144);
	w->d = pcap_dump_open(w->dead, path);
	w->ts = 1700000000000000LL;
	return w->d != NULL;
}

static void wr_frame(struct wr *w, const uint8_t *p, size_t caplen, size_t len)
{
	struct pcap_pkthdr h;
	w->ts += 1000;
	h.ts.tv_sec = (time_t)(w->ts / 1000000);
	h.ts.tv_usec = (suseconds_t)(w->ts % 1000000);
	h.caplen = (bpf_u_int32)caplen;
	h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)w->d, &h, p);
}

static void wr_close(struct wr *w)
{
	pcap_dump_close(w->d);
	pcap_close(w->dead);
}

/* One TCP segment of a conversation between 10.1.0.x:port and 10.2.0.1:25. */
static size_t mk_seg(uint8_t *frame, int linktype, int client, bool to_server, uint32_t seq, uint32_t ack,
                     uint8_t flags, const char *data, size_t len)
{
	char caddr[32];
	snprintf(caddr, sizeof caddr, "10.1.%d.%d", (client >> 8) & 255, client & 255);
	struct tb_seg s = {linktype, to_server ? caddr : "10.2.0.1", to_server ? "10.2.0.1" : caddr,
	                   (uint16_t)(to_server ? 30000 + client % 30000 : 25),
	                   (uint16_t)(to_server ? 25 : 30000 + client % 30000),
	                   seq, ack, flags, data, len};
	return tb_frame(frame, &s);
}

/* A short SMTP exchange: handshake, greeting, one command, one reply, FIN. */
static void wr_session(struct wr *w, int linktype, int client, bool fin)
{
	uint8_t f[TB_MAX];
	static const char g[] = "220 mx ESMTP\r\n", c[] = "EHLO me\r\n", r[] = "250 ok\r\n";
	const uint32_t C = 1000, S = 9000;
	size_t n;
	n = mk_seg(f, linktype, client, true, C, 0, PKT_TCP_SYN, NULL, 0);
	wr_frame(w, f, n, n);
	n = mk_seg(f, linktype, client, false, S, C + 1, PKT_TCP_SYN | PKT_TCP_ACK, NULL, 0);
	wr_frame(w, f, n, n);
	n = mk_seg(f, linktype, client, false, S + 1, C + 1, PKT_TCP_ACK, g, sizeof g - 1);
	wr_frame(w, f, n, n);
	n = mk_seg(f, linktype, client, true, C + 1, S + 15, PKT_TCP_ACK, c, sizeof c - 1);
	wr_frame(w, f, n, n);
	n = mk_seg(f, linktype, client, false, S + 15, C + 10, PKT_TCP_ACK, r, sizeof r - 1);
	wr_frame(w, f, n, n);
	if (!fin)
		return;
	n = mk_seg(f, linktype, client, true, C + 10, S + 23, PKT_TCP_FIN | PKT_TCP_ACK, NULL, 0);
	wr_frame(w, f, n, n);
	n = mk_seg(f, linktype, client, false, S + 23, C + 11, PKT_TCP_FIN | PKT_TCP_ACK, NULL, 0);
	wr_frame(w, f, n, n);
}

static char *tmp_path(const char *suffix)
{
	char *p = malloc(256);
	const char *dir = getenv("TMPDIR");
	snprintf(p, 256, "%s/smtpscope-pcap-%ld%s", dir ? dir : "/tmp", (long)getpid(), suffix);
	return p;
}

/* ---- unit tests ---- */

static void read_expect(const char *path, const char *filter, enum pcap_in_status want_st, int want_flows,
                        const char *want_c2s)
{
	struct rec r;
	rec_init(&r);
	struct flow_table *t = rec_table(&r, NULL);
	char err[512];
	enum pcap_in_status st = pcap_in_read_all(path, filter, t, err, sizeof err);
	assert_int_equal(st, want_st);
	flow_table_finish(t);
	assert_int_equal(r.opens, want_flows);
	if (want_c2s)
		assert_string_equal(buf_str(&r.stream[1][0]), want_c2s);
	flow_table_free(t);
	rec_free(&r);
}

/* The file at path through a pipe (it fits in the pipe's buffer): not a
 * regular file, and the same packets. */
static void pipe_read_expect(const char *path, uint64_t want_packets)
{
	static uint8_t data[32768];
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	size_t n = fread(data, 1, sizeof data, fp);
	fclose(fp);
	assert_true(n > 0 && n < sizeof data);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], data, n), (ssize_t)n);
	close(fds[1]);
	char dev[64], err[512];
	snprintf(dev, sizeof dev, "/dev/fd/%d", fds[0]);
	struct pcap_in *in = pcap_in_open(dev, NULL, err, sizeof err);
	assert_non_null(in);
	assert_false(pcap_in_is_file(in));
	struct flow_table *t = flow_table_new(NULL, NULL, NULL);
	assert_int_equal(pcap_in_step(in, t, 0), PCAP_IN_EOF);
	assert_int_equal(pcap_in_packets(in), want_packets);
	pcap_in_close(in);
	flow_table_free(t);
	close(fds[0]);
}

static void test_pcap_roundtrip_and_filter(void **state)
{
	(void)state;
	char *path = tmp_path(".pcap");
	struct wr w;
	assert_true(wr_open(&w, path, PKT_DLT_LINUX_SLL2));
	wr_session(&w, PKT_DLT_LINUX_SLL2, 1, true);
	wr_session(&w, PKT_DLT_LINUX_SLL2, 2, true);
	wr_close(&w);
	read_expect(path, NULL, PCAP_IN_EOF, 2, "EHLO me\r\n");
	read_expect(path, "tcp port 30002", PCAP_IN_EOF, 1, NULL);
	read_expect(path, "udp", PCAP_IN_EOF, 0, NULL);
	char err[512];
	struct flow_table *t = flow_table_new(NULL, NULL, NULL);
	assert_int_equal(pcap_in_read_all(path, "tcp port", t, err, sizeof err), PCAP_IN_ERROR);
	assert_non_null(strstr(err, "filter"));
	assert_int_equal(pcap_in_read_all("/nonexistent/x.pcap", NULL, t, err, sizeof err), PCAP_IN_ERROR);
	assert_true(err[0] != '\0');
	/* stepwise reading with the same result */
	struct pcap_in *in = pcap_in_open(path, NULL, err, sizeof err);
	assert_non_null(in);
	assert_string_equal(pcap_in_linktype_name(in), "LINUX_SLL2");
	assert_true(pcap_in_is_file(in));
	int steps = 0;
	while (pcap_in_step(in, t, 3) == PCAP_IN_MORE)
		steps++;
	assert_int_equal(steps, 4); /* 14 packets, 3 at a time */
	assert_int_equal(pcap_in_packets(in), 14);
	assert_true(pcap_in_offset(in) > 0);
	pcap_in_close(in);
	assert_int_equal(flow_table_stats(t)->flows, 2);
	flow_table_free(t);
	pipe_read_expect(path, 14);
	/* standard input */
	assert_non_null(freopen(path, "rb", stdin));
	read_expect("-", NULL, PCAP_IN_EOF, 2, "EHLO me\r\n");
	unlink(path);
	free(path);
}

static void test_pcap_truncated_file(void **state)
{
	(void)state;
	char *path = tmp_path("-trunc.pcap");
	struct wr w;
	assert_true(wr_open(&w, path, PKT_DLT_EN10MB));
	wr_session(&w, PKT_DLT_EN10MB, 1, true);
	wr_close(&w);
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	uint8_t all[8192];
	size_t n = fread(all, 1, sizeof all, fp);
	fclose(fp);
	/* drop the last two packets and cut into the one before them (the reply) */
	size_t cut = n - 2 * (16 + 54) - 6;
	fp = fopen(path, "wb");
	assert_int_equal(fwrite(all, 1, cut, fp), cut);
	fclose(fp);
	struct rec r;
	rec_init(&r);
	struct flow_table *t = rec_table(&r, NULL);
	char err[512];
	assert_int_equal(pcap_in_read_all(path, NULL, t, err, sizeof err), PCAP_IN_ERROR);
	assert_non_null(strstr(err, "truncated"));
	flow_table_finish(t);
	assert_string_equal(buf_str(&r.stream[1][0]), "EHLO me\r\n"); /* partial results kept */
	assert_string_equal(buf_str(&r.stream[1][1]), "220 mx ESMTP\r\n");
	assert_int_equal(r.last_reason, FLOW_CLOSE_END);
	flow_table_free(t);
	rec_free(&r);
	unlink(path);
	free(path);
}

/* ---- reading ahead in a thread (pcap_in_prefetch) ---- */

/* What a reading delivered, in order: packets, flows, and a hash of every
 * data callback (flow id, direction, bytes) in the order of the calls. */
struct digest {
	uint64_t hash, calls, bytes, closes;
};

static void dg_mix(struct digest *d, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		d->hash = (d->hash ^ b[i]) * 1099511628211ull;
}

static void dg_data(void *ctx, struct flow *f, enum flow_dir dir, const uint8_t *p, size_t len, int64_t ts)
{
	struct digest *d = ctx;
	(void)ts;
	dg_mix(d, &f->id, sizeof f->id);
	dg_mix(d, &dir, sizeof dir);
	dg_mix(d, p, len);
	d->calls++;
	d->bytes += len;
}

static void dg_close(void *ctx, struct flow *f, enum flow_close_reason why)
{
	struct digest *d = ctx;
	dg_mix(d, &f->id, sizeof f->id);
	dg_mix(d, &why, sizeof why);
	d->closes++;
}

/* Read path in steps of step packets (0: all at once), with or without the
 * thread; stop after stop_after packets when not 0. */
static enum pcap_in_status dg_read(const char *path, bool ahead, size_t step, uint64_t stop_after,
				   struct digest *d, uint64_t *packets, char *err, size_t errlen)
{
	memset(d, 0, sizeof *d);
	d->hash = 14695981039346656037ull;
	const struct flow_callbacks cb = {.data = dg_data, .flow_close = dg_close};
	struct flow_table *t = flow_table_new(&cb, d, NULL);
	struct pcap_in *in = pcap_in_open(path, NULL, err, errlen);
	assert_non_null(in);
	if (ahead)
		assert_true(pcap_in_prefetch(in));
	enum pcap_in_status st;
	while ((st = pcap_in_step(in, t, step)) == PCAP_IN_MORE)
		if (stop_after && pcap_in_packets(in) >= stop_after)
			break;
	if (st == PCAP_IN_ERROR)
		snprintf(err, errlen, "%s", pcap_in_error(in));
	*packets = pcap_in_packets(in);
	pcap_in_close(in); /* with the thread still reading when stopped early */
	flow_table_free(t);
	return st;
}

static void test_pcap_prefetch(void **state)
{
	(void)state;
	char *path = tmp_path("-ahead.pcap");
	struct wr w;
	assert_true(wr_open(&w, path, PKT_DLT_EN10MB));
	for (int i = 1; i <= 9000; i++) /* about 6 MB: more chunks than the thread may fill ahead */
		wr_session(&w, PKT_DLT_EN10MB, i, true);
	wr_close(&w);
	char err[512];
	struct digest plain, ahead;
	uint64_t np, na;
	assert_int_equal(dg_read(path, false, 0, 0, &plain, &np, err, sizeof err), PCAP_IN_EOF);
	assert_int_equal(np, 9000 * 7);
	assert_int_equal(plain.closes, 9000);
	assert_int_equal(plain.bytes, 9000 * 31);
	/* the same deliveries in the same order, read at once or in odd steps */
	size_t steps[] = {0, 1, 7, 1000};
	for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
		assert_int_equal(dg_read(path, true, steps[i], 0, &ahead, &na, err, sizeof err), PCAP_IN_EOF);
		assert_int_equal(na, np);
		assert_int_equal(ahead.calls, plain.calls);
		assert_true(ahead.hash == plain.hash);
	}
	/* closed while the thread is still reading: no hang (and no leak under ASan) */
	assert_int_equal(dg_read(path, true, 10, 10, &ahead, &na, err, sizeof err), PCAP_IN_MORE);
	assert_int_equal(na, 10);
	/* a file cut inside a packet: the same packets, then the same error */
	FILE *fp = fopen(path, "r+b");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	long size = ftell(fp);
	fclose(fp);
	assert_int_equal(truncate(path, size - 5), 0);
	char err2[512];
	assert_int_equal(dg_read(path, false, 0, 0, &plain, &np, err, sizeof err), PCAP_IN_ERROR);
	assert_int_equal(dg_read(path, true, 0, 0, &ahead, &na, err2, sizeof err2), PCAP_IN_ERROR);
	assert_int_equal(na, np);
	assert_true(ahead.hash == plain.hash);
	assert_string_equal(err2, err);
	assert_non_null(strstr(err2, "truncated"));
	unlink(path);
	free(path);
}

static void put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static void test_pcap_pcapng(void **state)
{
	(void)state;
	char *path = tmp_path(".pcapng");
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	uint8_t b[TB_MAX + 64];
	memset(b, 0, 28);
	put32le(b, 0x0A0D0D0A); /* section header */
	put32le(b + 4, 28);
	put32le(b + 8, 0x1A2B3C4D);
	b[12] = 1;
	memset(b + 16, 0xff, 8);
	put32le(b + 24, 28);
	fwrite(b, 1, 28, fp);
	memset(b, 0, 20);
	put32le(b, 1); /* interface description: DLT_NULL */
	put32le(b + 4, 20);
	put32le(b + 12, 65535);
	put32le(b + 16, 20);
	fwrite(b, 1, 20, fp);
	uint8_t f[TB_MAX];
	size_t n = mk_seg(f, PKT_DLT_NULL, 5, true, 77, 0, PKT_TCP_ACK, "QUIT\r\n", 6);
	size_t pad = (n + 3) & ~(size_t)3;
	memset(b, 0, 28 + pad + 4);
	put32le(b, 6); /* enhanced packet */
	put32le(b + 4, (uint32_t)(32 + pad));
	put32le(b + 20, (uint32_t)n);
	put32le(b + 24, (uint32_t)n);
	memcpy(b + 28, f, n);
	put32le(b + 28 + pad, (uint32_t)(32 + pad));
	fwrite(b, 1, 32 + pad, fp);
	fclose(fp);
	read_expect(path, NULL, PCAP_IN_EOF, 1, "QUIT\r\n");
	unlink(path);
	free(path);
}

/* ---- tool modes ---- */

static void *dump_open(void *ctx, struct flow *f)
{
	(void)ctx;
	(void)f;
	return NULL;
}

static void dump_close(void *ctx, struct flow *f, enum flow_close_reason why)
{
	(void)ctx;
	char c[64], s[64];
	flow_endpoint_format(f, FLOW_C2S, c, sizeof c);
	flow_endpoint_format(f, FLOW_S2C, s, sizeof s);
	printf("  flow %llu %s > %s c2s=%llu s2c=%llu gaps=%u gap_bytes=%llu conflicts=%u%s%s close=%s\n",
	       (unsigned long long)f->id, c, s, (unsigned long long)f->rs[0].delivered,
	       (unsigned long long)f->rs[1].delivered, f->rs[0].gaps + f->rs[1].gaps,
	       (unsigned long long)(f->rs[0].gap_bytes + f->rs[1].gap_bytes), f->rs[0].conflicts + f->rs[1].conflicts,
	       (f->flags & FLOW_F_SYN) ? " syn" : "", (f->flags & FLOW_F_GUESSED) ? " guessed" : "",
	       flow_close_reason_name(why));
}

static int tool_dump(int argc, char **argv)
{
	static const struct flow_callbacks cb = {dump_open, NULL, NULL, NULL, dump_close};
	int rc = 0;
	for (int i = 1; i < argc; i++) {
		char err[512];
		struct flow_table *t = flow_table_new(&cb, NULL, NULL);
		struct pcap_in *in = pcap_in_open(argv[i], NULL, err, sizeof err);
		if (!in) {
			printf("%s: open failed: %s\n", argv[i], err);
			flow_table_free(t);
			rc = 1;
			continue;
		}
		printf("%s: linktype=%s\n", argv[i], pcap_in_linktype_name(in));
		enum pcap_in_status st = pcap_in_step(in, t, 0);
		flow_table_finish(t);
		const struct flow_stats *s = flow_table_stats(t);
		printf("%s: packets=%llu tcp=%llu flows=%llu non_ip=%llu non_tcp=%llu truncated=%llu malformed=%llu "
		       "fragments=%llu gaps=%llu status=%s%s\n",
		       argv[i], (unsigned long long)s->packets, (unsigned long long)s->tcp, (unsigned long long)s->flows,
		       (unsigned long long)s->non_ip, (unsigned long long)s->non_tcp, (unsigned long long)s->truncated,
		       (unsigned long long)s->malformed, (unsigned long long)s->fragments, (unsigned long long)s->gaps,
		       st == PCAP_IN_ERROR ? "error: " : "ok", st == PCAP_IN_ERROR ? pcap_in_error(in) : "");
		pcap_in_close(in);
		flow_table_free(t);
	}
	return rc;
}

/* Many concurrent SMTP-like flows with ~1400-byte DATA segments. */
static int tool_gen(const char *path, long mb)
{
	struct wr w;
	if (!wr_open(&w, path, PKT_DLT_EN10MB))
		return 1;
	static char body[1400];
	for (size_t i = 0; i < sizeof body; i++)
		body[i] = (char)(i % 78 == 77 ? '\n' : 'a' + i % 26);
	uint8_t f[TB_MAX];
	const int conc = 200; /* flows interleaved at a time */
	long long target = mb * 1024LL * 1024LL, written = 0;
	for (int base = 0; written < target; base += conc) {
		for (int k = 0; k < conc; k++)
			wr_session(&w, PKT_DLT_EN10MB, base + k, false);
		for (uint32_t seg = 0; seg < 50; seg++) {
			for (int k = 0; k < conc; k++) {
				size_t n = mk_seg(f, PKT_DLT_EN10MB, base + k, true, 1010 + seg * 1400, 9023, PKT_TCP_ACK,
				                  body, sizeof body);
				wr_frame(&w, f, n, n);
				written += (long long)n + 16;
			}
		}
		for (int k = 0; k < conc; k++) {
			size_t n = mk_seg(f, PKT_DLT_EN10MB, base + k, true, 1010 + 50 * 1400, 9023,
			                  PKT_TCP_FIN | PKT_TCP_ACK, NULL, 0);
			wr_frame(&w, f, n, n);
			n = mk_seg(f, PKT_DLT_EN10MB, base + k, false, 9023, 1011 + 50 * 1400, PKT_TCP_FIN | PKT_TCP_ACK,
			           NULL, 0);
			wr_frame(&w, f, n, n);
		}
	}
	wr_close(&w);
	return 0;
}

static uint64_t bench_sum;

static void bench_data(void *ctx, struct flow *f, enum flow_dir dir, const uint8_t *p, size_t len, int64_t ts)
{
	(void)ctx, (void)f, (void)dir, (void)ts;
	bench_sum += len + p[len - 1]; /* touch the delivered bytes' end */
}

static double now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int tool_bench(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	double best_bare = 1e9, best_dec = 1e9;
	uint64_t bytes = 0;
	for (int round = 0; round < 3; round++) {
		pcap_t *p = pcap_open_offline(path, err);
		if (!p)
			return 1;
		struct pcap_pkthdr *h;
		const u_char *d;
		bytes = 0;
		double t0 = now_sec();
		while (pcap_next_ex(p, &h, &d) == 1) {
			bytes += h->caplen;
			bench_sum += d[0];
		}
		double t1 = now_sec();
		pcap_close(p);
		best_bare = t1 - t0 < best_bare ? t1 - t0 : best_bare;
		static const struct flow_callbacks cb = {NULL, bench_data, NULL, NULL, NULL};
		struct flow_table *t = flow_table_new(&cb, NULL, NULL);
		t0 = now_sec();
		pcap_in_read_all(path, NULL, t, err, sizeof err);
		flow_table_finish(t);
		t1 = now_sec();
		best_dec = t1 - t0 < best_dec ? t1 - t0 : best_dec;
		if (round == 0)
			printf("flows=%llu gaps=%llu delivered-check=%llu\n",
			       (unsigned long long)flow_table_stats(t)->flows, (unsigned long long)flow_table_stats(t)->gaps,
			       (unsigned long long)bench_sum);
		flow_table_free(t);
	}
	double mb = (double)bytes / 1048576.0;
	printf("file %.1f MiB: bare pcap_next_ex %.3f s (%.0f MiB/s), decode+reassembly %.3f s (%.0f MiB/s), "
	       "ratio %.2f\n",
	       mb, best_bare, mb / best_bare, best_dec, mb / best_dec, best_dec / best_bare);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--gen") == 0)
		return tool_gen(argv[2], strtol(argv[3], NULL, 10));
	if (argc == 3 && strcmp(argv[1], "--bench") == 0)
		return tool_bench(argv[2]);
	if (argc > 1)
		return tool_dump(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_roundtrip_and_filter),
		cmocka_unit_test(test_pcap_truncated_file),
		cmocka_unit_test(test_pcap_pcapng),
		cmocka_unit_test(test_pcap_prefetch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
