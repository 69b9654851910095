/* cmd_decode.c - `smtpscope decode FILE`: every SMTP session of a pcap/pcapng
 * capture as a timeline, one JSON object per session, one summary line per
 * transaction, and the captured messages written out as .eml files. */
#include "tui/commands.h"
#include "decode/capture.h"
#include "decode/fifo.h"
#include "decode/pcap_in.h"
#include "decode/provider.h"
#include "decode/xmalloc.h"
#include "probe/livecap.h"
#include "probe/loop.h"
#include "tui/timeline.h"
#include "tui/tui_main.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum decode_format { DECODE_TEXT, DECODE_JSON, DECODE_SUMMARY };

struct decode_run {
	enum decode_format format;
	struct timeline_opts tl;
	const char *extract_dir;
	const char *filter;
	const char *path;
	FILE *out;
	bool quiet;
	bool thread_times; /* --thread-times */
	int64_t writer_cpu_usec;
	uint64_t extracted;
	bool extract_failed;
	/* capture (live) only */
	const char *iface;
	long duration;
	/* file decoding: finished sessions are written by a thread of their own
	 * (done), then handed back to be freed where they were allocated (spent):
	 * freeing in the writer made both threads contend for glibc malloc's
	 * arena. With mimalloc (SMTPSCOPE_MIMALLOC), which frees across threads
	 * without a lock, the writer frees them and the decoder is spared that. */
	struct fifo *done, *spent;
	pthread_t writer;
	struct decode_batch *batch; /* being filled */
};

/* Sessions finished but not written yet, at most DECODE_WRITE_QUEUE batches
 * of DECODE_BATCH: the memory the writer may lag by. */
#define DECODE_BATCH 32
#define DECODE_WRITE_QUEUE 8
/* Reading a file, the writer (faster than the decoder) sleeps until this many
 * batches are ready: half the wake-ups, sessions written a batch later. */
#define DECODE_WRITER_WAKE 2

static void decode_usage(FILE *f)
{
	fprintf(f,
		"usage: smtpscope decode [--json|--summary] [-f FILTER] [--extract DIR] [--show-secrets] [-q]\n"
		"                        [--thread-times] FILE|-\n\n"
		"Read a pcap or pcapng capture ('-' for stdin) and show every SMTP session in it:\n"
		"endpoints, greeting, EHLO and extensions, TLS, AUTH, each transaction with its\n"
		"envelope, per-recipient replies, size, main headers, final reply and queue id,\n"
		"every command with its reply and latency, and the problems found.\n\n"
		"  --json          one JSON object per line per session (schema: docs/json.md)\n"
		"  --summary       one line per transaction\n"
		"  -f FILTER       a BPF filter, as for tcpdump (e.g. 'host 192.0.2.1')\n"
		"  --extract DIR   write each captured message to DIR/session-N-txn-M.eml\n"
		"  --show-secrets  show AUTH secrets (masked by default)\n"
		"  -q              no statistics line on stderr\n"
		"  --thread-times  the CPU time of each thread on stderr (for benchmarks)\n\n"
		"Sessions are written as they end. Exit status: 0 read completely, 1 the file\n"
		"is damaged or truncated (what could be read is shown), 2 usage or open error.\n");
}

static void decode_extract_chunk(struct decode_run *r, struct capture_session *s, uint64_t idx,
				 const uint8_t *p, size_t len, bool last)
{
	FILE *f = s->user;
	if (!f && !last) {
		char path[4096];
		snprintf(path, sizeof path, "%s/session-%llu-txn-%llu.eml", r->extract_dir,
			 (unsigned long long)s->id, (unsigned long long)idx);
		f = fopen(path, "wb");
		if (!f) {
			if (!r->extract_failed)
				fprintf(stderr, "smtpscope decode: %s: %s\n", path, strerror(errno));
			r->extract_failed = true;
			return;
		}
		s->user = f;
		r->extracted++;
	}
	if (f && len)
		fwrite(p, 1, len, f);
	if (f && last) {
		fclose(f);
		s->user = NULL;
	}
}

static void decode_body(void *ctx, struct capture_session *s, uint64_t idx, const uint8_t *p, size_t len,
			bool last)
{
	struct decode_run *r = ctx;
	if (r->extract_dir)
		decode_extract_chunk(r, s, idx, p, len, last);
}

static void decode_write(struct decode_run *r, const struct capture_session *s)
{
	if (r->format == DECODE_JSON)
		timeline_json_session(r->out, s, &r->tl);
	else if (r->format == DECODE_SUMMARY)
		timeline_summary_session(r->out, s);
	else
		timeline_text_session(r->out, s, &r->tl);
}

/* Sessions go to the writer in batches: a hand-over per session woke the
 * writer thread for each one, and the context switches cost more than the
 * writing they moved. */
struct decode_batch {
	size_t n;
	struct capture_session *s[DECODE_BATCH];
};

/* Free what the writer is done with (sessions and batches come back to the
 * thread that allocated them). */
static void decode_free_spent(struct decode_run *r)
{
	for (struct decode_batch *b; (b = fifo_try_pop(r->spent));) {
		for (size_t i = 0; i < b->n; i++)
			capture_session_free(b->s[i]);
		free(b);
	}
}

/* Hand the current batch to the writer; false when the writer is gone. */
static bool decode_batch_send(struct decode_run *r)
{
	struct decode_batch *b = r->batch;
	r->batch = NULL;
	if (!b)
		return true;
	decode_free_spent(r);
	if (fifo_push(r->done, b))
		return true;
	for (size_t i = 0; i < b->n; i++) { /* not reached: the queue is closed only at the end */
		decode_write(r, b->s[i]);
		capture_session_free(b->s[i]);
	}
	free(b);
	return false;
}

static bool decode_session_close(void *ctx, struct capture_session *s)
{
	struct decode_run *r = ctx;
	if (s->user) { /* a message cut off by the end of the connection */
		fclose(s->user);
		s->user = NULL;
	}
	if (!r->done) {
		decode_write(r, s);
		return false;
	}
	if (!r->batch)
		r->batch = xcalloc(1, sizeof *r->batch);
	r->batch->s[r->batch->n++] = s;
	if (r->batch->n == DECODE_BATCH)
		decode_batch_send(r);
	return true; /* freed when it comes back from the writer */
}

/* A batch written: freed here, or handed back to the decoder. */
static void decode_writer_done(struct decode_run *r, struct decode_batch *b)
{
#ifdef SMTPSCOPE_MIMALLOC
	(void)r;
	for (size_t i = 0; i < b->n; i++)
		capture_session_free(b->s[i]);
	free(b);
#else
	if (!fifo_push(r->spent, b))
		free(b); /* not reached: spent never fills (its sessions leak rather than race) */
#endif
}

/* Everything read so far is decoded and the input (a pipe) has nothing more
 * yet: the sessions that ended go out now, not once a batch is full. */
static void decode_idle(void *arg)
{
	struct decode_run *r = arg;
	if (r->done)
		decode_batch_send(r);
	else
		fflush(r->out);
}

/* The writer: formats finished sessions in the order they ended, while the
 * decoder goes on with the next packets. */
static void *decode_writer_main(void *arg)
{
	struct decode_run *r = arg;
	for (struct decode_batch *b; (b = fifo_pop(r->done));) {
		for (size_t i = 0; i < b->n; i++)
			decode_write(r, b->s[i]);
		fflush(r->out);
		decode_writer_done(r, b);
	}
	r->writer_cpu_usec = pcap_in_thread_cpu_usec();
	return NULL;
}

static void decode_writer_start(struct decode_run *r)
{
	provider_count(); /* its tables are built on first use: before a second thread */
	r->done = fifo_new(DECODE_WRITE_QUEUE);
	/* the decoder empties spent before each push to done, so spent holds at
	 * most the batches in flight plus one: it never blocks the writer */
	r->spent = fifo_new(2 * DECODE_WRITE_QUEUE + 2);
	if (pthread_create(&r->writer, NULL, decode_writer_main, r) != 0) {
		fifo_free(r->done);
		fifo_free(r->spent);
		r->done = r->spent = NULL;
	}
}

/* Everything queued is written when this returns. */
static void decode_writer_stop(struct decode_run *r)
{
	if (!r->done)
		return;
	decode_batch_send(r);
	fifo_close(r->done);
	pthread_join(r->writer, NULL);
	decode_free_spent(r);
	fifo_free(r->done);
	fifo_free(r->spent);
	r->done = r->spent = NULL;
}

static int decode_parse_args(struct decode_run *r, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--json")) {
			r->format = DECODE_JSON;
		} else if (!strcmp(a, "--summary")) {
			r->format = DECODE_SUMMARY;
		} else if (!strcmp(a, "--show-secrets")) {
			r->tl.show_secrets = true;
		} else if (!strcmp(a, "-q")) {
			r->quiet = true;
		} else if (!strcmp(a, "--thread-times")) {
			r->thread_times = true;
		} else if ((!strcmp(a, "-f") || !strcmp(a, "--filter")) && i + 1 < argc) {
			r->filter = argv[++i];
		} else if (!strcmp(a, "-i") && i + 1 < argc) {
			r->iface = argv[++i];
		} else if (!strcmp(a, "--duration") && i + 1 < argc) {
			char *end;
			r->duration = strtol(argv[++i], &end, 10);
			if (*end || r->duration <= 0) {
				fprintf(stderr, "smtpscope: --duration takes a number of seconds\n");
				return 2;
			}
		} else if (!strcmp(a, "--extract") && i + 1 < argc) {
			r->extract_dir = argv[++i];
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			decode_usage(stdout);
			return 0;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "smtpscope decode: unknown or incomplete option %s\n", a);
			return 2;
		} else if (!r->path) {
			r->path = a;
		} else {
			fprintf(stderr, "smtpscope decode: one capture file at a time\n");
			return 2;
		}
	}
	if (!r->path && !r->iface) {
		decode_usage(stderr);
		return 2;
	}
	return -1;
}

static int decode_prepare_extract(const char *dir)
{
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "smtpscope decode: %s: %s\n", dir, strerror(errno));
		return 2;
	}
	return -1;
}

static void decode_stats(const struct decode_run *r, struct pcap_in *in, struct capture *c)
{
	if (r->quiet)
		return;
	const struct capture_stats *cs = capture_stats(c);
	const struct flow_stats *fs = flow_table_stats(capture_flows(c));
	fprintf(stderr,
		"smtpscope decode: %llu packets (%s), %llu TCP flows, %llu SMTP sessions (%llu with TLS), "
		"%llu transactions, %llu gaps%s%s",
		(unsigned long long)pcap_in_packets(in), pcap_in_linktype_name(in), (unsigned long long)fs->flows,
		(unsigned long long)cs->sessions, (unsigned long long)cs->tls_sessions,
		(unsigned long long)cs->transactions, (unsigned long long)fs->gaps,
		fs->cut ? " (frames were cut by the capture's snapshot length: their missing bytes are gaps)" : "",
		r->extract_dir ? "" : "\n");
	if (r->extract_dir)
		fprintf(stderr, ", %llu messages extracted\n", (unsigned long long)r->extracted);
}

static void decode_cpu_part(const char *name, int64_t usec, bool *first)
{
	if (usec < 0)
		return;
	fprintf(stderr, "%s%s %.3f", *first ? "" : ", ", name, (double)usec / 1e6);
	*first = false;
}

/* --thread-times: where the CPU went, thread by thread (after the writer
 * has stopped and before the reader is closed). */
static void decode_thread_times(const struct decode_run *r, const struct pcap_in *in, int64_t decoder_usec)
{
	if (!r->thread_times)
		return;
	bool first = true;
	fprintf(stderr, "smtpscope decode: cpu s: ");
	decode_cpu_part("read-ahead", pcap_in_reader_cpu_usec(in), &first);
	decode_cpu_part("decoding", decoder_usec, &first);
	decode_cpu_part("writing", r->writer_cpu_usec, &first);
	fprintf(stderr, "\n");
}

int cmd_decode(int argc, char **argv)
{
	struct decode_run r = {.out = stdout, .writer_cpu_usec = -1};
	int rc = decode_parse_args(&r, argc, argv);
	if (rc >= 0)
		return rc;
	/* on a terminal, with no output format asked for: the Capture screen */
	if (r.format == DECODE_TEXT && !r.extract_dir && r.path && strcmp(r.path, "-") != 0 && tui_available())
		return tui_run_capture(r.path, r.filter, r.tl.show_secrets);
	if (r.extract_dir && (rc = decode_prepare_extract(r.extract_dir)) >= 0)
		return rc;
	char err[512];
	struct pcap_in *in = pcap_in_open(r.path, r.filter, err, sizeof err);
	if (!in) {
		bool named = !strncmp(err, r.path, strlen(r.path)); /* libpcap may name it already */
		fprintf(stderr, "smtpscope decode: %s%s%s\n", named ? "" : r.path, named ? "" : ": ", err);
		return 2;
	}
	const struct capture_callbacks cb = {.body = decode_body, .session_close = decode_session_close};
	struct capture *c = capture_new(&cb, &r);
	capture_pool_models(c, true); /* sessions are freed once written */
	if (r.format == DECODE_SUMMARY && !r.extract_dir)
		capture_model_keep(c, TXN_KEEP_OUTCOMES); /* a line per transaction needs no more */
	if (r.format == DECODE_SUMMARY)
		timeline_summary_header(r.out);
	/* three threads: reading ahead, decoding (here), writing behind */
	pcap_in_prefetch(in);
	decode_writer_start(&r);
	if (r.done && pcap_in_is_file(in)) /* nothing waits for its output before the end */
		fifo_set_wake(r.done, DECODE_WRITER_WAKE);
	pcap_in_set_idle(in, decode_idle, &r);
	enum pcap_in_status st;
	while ((st = pcap_in_step(in, capture_flows(c), 0)) == PCAP_IN_MORE)
		;
	capture_finish(c);
	int64_t decoder_usec = pcap_in_thread_cpu_usec();
	decode_writer_stop(&r);
	decode_thread_times(&r, in, decoder_usec);
	rc = 0;
	if (st == PCAP_IN_ERROR) {
		fprintf(stderr, "smtpscope decode: %s: %s (results up to that point are shown)\n", r.path,
			pcap_in_error(in));
		rc = 1;
	}
	decode_stats(&r, in, c);
	capture_free(c);
	pcap_in_close(in);
	return rc;
}

/* ---- smtpscope capture: the same decoder on a live interface ---- */

static int capture_sigpipe[2] = {-1, -1};

static void capture_on_signal(int sig)
{
	(void)sig;
	int saved = errno;
	if (write(capture_sigpipe[1], "x", 1) < 0) {
		/* nothing useful to do in a signal handler */
	}
	errno = saved;
}

static void capture_stop_fd(struct loop *l, int fd, int events, void *ud)
{
	(void)fd;
	(void)events;
	(void)ud;
	loop_stop(l);
}

static void capture_stop_timer(struct loop *l, uint64_t id, void *ud)
{
	(void)id;
	(void)ud;
	loop_stop(l);
}

static void capture_usage(FILE *f)
{
	fprintf(f,
		"usage: smtpscope capture -i IFACE [-f FILTER] [--json|--summary] [--duration SECS]\n"
		"                         [--extract DIR] [--show-secrets] [-q]\n\n"
		"Capture SMTP live from a network interface (needs root or CAP_NET_RAW) and show\n"
		"each session as it ends, exactly as 'smtpscope decode' shows a capture file.\n"
		"Stops on Ctrl-C, SIGTERM or after --duration seconds; sessions still open are\n"
		"then shown as truncated.\n");
}

static int capture_signals(struct loop *l)
{
	if (pipe(capture_sigpipe) != 0)
		return -1;
	fcntl(capture_sigpipe[0], F_SETFL, O_NONBLOCK);
	fcntl(capture_sigpipe[1], F_SETFL, O_NONBLOCK);
	struct sigaction sa = {0};
	sa.sa_handler = capture_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	loop_fd_add(l, capture_sigpipe[0], LOOP_READ, capture_stop_fd, NULL);
	return 0;
}

static int capture_run(struct decode_run *r)
{
	struct loop *l = loop_new();
	const struct capture_callbacks cb = {.body = decode_body, .session_close = decode_session_close};
	struct capture *c = capture_new(&cb, r);
	capture_pool_models(c, true);
	char err[512];
	struct livecap *lc = livecap_open(l, r->iface, r->filter, capture_flows(c), err, sizeof err);
	if (!lc) {
		fprintf(stderr, "smtpscope capture: %s: %s\n", r->iface, err);
		capture_free(c);
		loop_free(l);
		return 2;
	}
	capture_signals(l);
	if (r->duration)
		loop_timer_add(l, (uint64_t)r->duration * 1000, capture_stop_timer, NULL);
	if (!r->quiet)
		fprintf(stderr, "smtpscope capture: listening on %s (%s)%s%s\n", r->iface, livecap_linktype_name(lc),
			r->filter ? ", filter " : "", r->filter ? r->filter : "");
	if (r->format == DECODE_SUMMARY)
		timeline_summary_header(r->out);
	loop_run(l);
	uint64_t dropped = livecap_dropped(lc);
	livecap_close(lc);
	capture_finish(c);
	if (!r->quiet)
		fprintf(stderr, "smtpscope capture: %llu packets, %llu dropped by the kernel, %llu SMTP sessions\n",
			(unsigned long long)flow_table_stats(capture_flows(c))->packets, (unsigned long long)dropped,
			(unsigned long long)capture_stats(c)->sessions);
	capture_free(c);
	loop_free(l);
	close(capture_sigpipe[0]);
	close(capture_sigpipe[1]);
	return 0;
}

int cmd_capture(int argc, char **argv)
{
	struct decode_run r = {.out = stdout};
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			capture_usage(stdout);
			return 0;
		}
	int rc = decode_parse_args(&r, argc, argv);
	if (rc >= 0)
		return rc;
	if (!r.iface || r.path) {
		capture_usage(stderr);
		return 2;
	}
	if (r.extract_dir && (rc = decode_prepare_extract(r.extract_dir)) >= 0)
		return rc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	return capture_run(&r);
}
