/* pcap_in.c - pcap/pcapng file and stdin reading via libpcap, BPF filtering,
 * feeding the flow engine; see pcap_in.h. */
#define _GNU_SOURCE /* fopencookie: a pipe read through a function of ours */
#include "decode/pcap_in.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pthread.h>

#include "decode/fifo.h"
#include "decode/xmalloc.h"

/* The stdio buffer under libpcap's reads: with the default (one page) a
 * large capture costs a read system call per 4 KB. */
#define PCAP_IN_STDIO_BUF (1024 * 1024)

/* Read-ahead (pcap_in_prefetch): a thread copies packets into chunks of
 * records (struct pcap_pkthdr, the frame's headers decoded by
 * flow_pre_decode, then caplen bytes; 8-byte aligned), so the decoding
 * thread starts at the flow table. */
#define PCAP_IN_CHUNK (1024 * 1024)
#define PCAP_IN_CHUNKS 4 /* chunks in flight: the memory read ahead */
/* The reader, faster than the decoder, waits for this many chunks to come
 * back before it goes on: a wake-up (a system call and a switch between
 * cores) per 2 MB read instead of per 1 MB. */
#define PCAP_IN_REFILL 2

struct pcap_chunk {
	size_t size; /* bytes of data */
	size_t used; /* bytes of records */
	size_t pos;  /* the consumer's position */
	uint8_t *data;
};

struct pcap_ahead {
	pthread_t thread;
	struct fifo *full, *empty; /* chunks to decode; chunks to fill again */
	struct pcap_chunk *fill;   /* being filled (the reading thread's) */
	struct pcap_chunk *cur;    /* being decoded */
	enum pcap_in_status end;   /* how reading ended (set before the last push) */
	int64_t cpu_usec;          /* the reading thread's CPU time (set before the last push) */
	char err[PCAP_ERRBUF_SIZE + 64];
};

struct pcap_in {
	pcap_t *p;
	char *iobuf; /* the FILE's buffer; freed after pcap_close */
	int linktype;
	uint64_t packets;
	char err[PCAP_ERRBUF_SIZE + 64];
	struct pcap_ahead *ahead; /* NULL unless pcap_in_prefetch */
	/* a pipe (or any input that is not a regular file): read through
	 * pcap_pipe_read, which notices when the next read would wait */
	int pipe_fd;   /* -1 for a regular file */
	bool pipe_own; /* close pipe_fd with the stream (not stdin's) */
	void (*idle)(void *arg);
	void *idle_arg;
};

/* A record's capture time in microseconds. */
static int64_t pcap_ts_usec(const struct pcap_pkthdr *h)
{
	return (int64_t)h->ts.tv_sec * 1000000 + (int64_t)h->ts.tv_usec;
}

void pcap_in_feed(struct flow_table *t, int linktype, const struct pcap_pkthdr *h, const uint8_t *bytes)
{
	flow_table_packet(t, linktype, pcap_ts_usec(h), bytes, h->caplen, h->len);
}

static bool pcap_in_set_filter(pcap_t *p, const char *filter, char *err, size_t errlen)
{
	struct bpf_program prog;
	if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "bad filter: %s", pcap_geterr(p));
		return false;
	}
	int rc = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	if (rc != 0) {
		snprintf(err, errlen, "cannot set filter: %s", pcap_geterr(p));
		return false;
	}
	return true;
}

static void pcap_ahead_publish(struct pcap_ahead *a);

/* True when fd has bytes to read, or an end, without waiting. */
static bool pcap_fd_ready(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int n;
	do
		n = poll(&pfd, 1, 0);
	while (n < 0 && errno == EINTR);
	return n != 0;
}

/* The next read of a pipe may wait for its writer (tcpdump -U -w - | ...):
 * what was read so far goes on first, so sessions that ended are shown
 * without waiting for more input. In the reading thread the chunk being
 * filled is handed over (the decoder then finds its queue empty and calls
 * idle); without one, idle is called here, in the caller's thread. */
static void pcap_in_would_wait(struct pcap_in *r)
{
	if (r->ahead)
		pcap_ahead_publish(r->ahead);
	else if (r->idle)
		r->idle(r->idle_arg);
}

static ssize_t pcap_pipe_read(void *cookie, char *buf, size_t size)
{
	struct pcap_in *r = cookie;
	if (!pcap_fd_ready(r->pipe_fd))
		pcap_in_would_wait(r);
	ssize_t n;
	do
		n = read(r->pipe_fd, buf, size);
	while (n < 0 && errno == EINTR);
	return n;
}

static int pcap_pipe_close(void *cookie)
{
	struct pcap_in *r = cookie;
	if (r->pipe_own)
		close(r->pipe_fd);
	r->pipe_fd = -1;
	return 0;
}

/* A pipe as a stream that calls pcap_pipe_read (r owns it: r must outlive it). */
static FILE *pcap_pipe_fopen(struct pcap_in *r, int fd, bool own)
{
	static const cookie_io_functions_t io = {.read = pcap_pipe_read, .close = pcap_pipe_close};
	r->pipe_fd = fd;
	r->pipe_own = own;
	return fopencookie(r, "rb", io);
}

/* The file (or stdin) as a stream with a large buffer, for libpcap. A file's
 * buffer is r->iobuf (freed after the stream is closed); stdin's is static, as
 * the stream may outlive the reader. Input that is not a regular file goes
 * through pcap_pipe_fopen. */
static FILE *pcap_in_fopen(struct pcap_in *r, const char *path, char *err, size_t errlen)
{
	static char stdin_buf[PCAP_IN_STDIO_BUF];
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *fp = is_stdin ? stdin : fopen(path, "rb");
	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fileno(fp), &st) == 0 && !S_ISREG(st.st_mode)) {
		int fd = fileno(fp);
		FILE *pp = pcap_pipe_fopen(r, is_stdin ? fd : dup(fd), !is_stdin);
		if (!is_stdin)
			fclose(fp);
		if (!pp) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return NULL;
		}
		fp = pp;
		is_stdin = false; /* a stream of its own, closed by pcap_close */
	}
	if (is_stdin) {
		setvbuf(stdin, stdin_buf, _IOFBF, sizeof stdin_buf);
		return stdin;
	}
	r->iobuf = malloc(PCAP_IN_STDIO_BUF);
	if (r->iobuf && setvbuf(fp, r->iobuf, _IOFBF, PCAP_IN_STDIO_BUF) != 0) {
		free(r->iobuf);
		r->iobuf = NULL;
	}
	return fp;
}

struct pcap_in *pcap_in_open(const char *path, const char *filter, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	ebuf[0] = '\0';
	if (errlen)
		err[0] = '\0';
	struct pcap_in *r = xcalloc(1, sizeof *r);
	r->pipe_fd = -1;
	FILE *fp = pcap_in_fopen(r, path, err, errlen);
	if (!fp) {
		free(r);
		return NULL;
	}
	r->p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (!r->p) {
		snprintf(err, errlen, "%s", ebuf);
		if (fp != stdin)
			fclose(fp);
		free(r->iobuf);
		free(r);
		return NULL;
	}
	if (filter && *filter && !pcap_in_set_filter(r->p, filter, err, errlen)) {
		pcap_close(r->p);
		free(r->iobuf);
		free(r);
		return NULL;
	}
	r->linktype = pcap_datalink(r->p);
	return r;
}

/* ---- read-ahead ---- */

#define PCAP_REC_HEAD (sizeof(struct pcap_pkthdr) + sizeof(struct flow_pre))

static size_t pcap_rec_size(size_t caplen)
{
	return (PCAP_REC_HEAD + caplen + 7) & ~(size_t)7;
}

static struct pcap_chunk *pcap_chunk_new(size_t size)
{
	struct pcap_chunk *c = xcalloc(1, sizeof *c);
	c->size = size;
	c->data = xmalloc(size);
	return c;
}

static void pcap_chunk_free(struct pcap_chunk *c)
{
	if (c) {
		free(c->data);
		free(c);
	}
}

/* A chunk with room for a record of rec bytes: the current one, or the next
 * empty one (after handing the current one over); NULL when closed. */
static struct pcap_chunk *pcap_ahead_room(struct pcap_ahead *a, struct pcap_chunk *c, size_t rec)
{
	if (c && c->size - c->used >= rec)
		return c;
	if (c && !fifo_push(a->full, c)) {
		pcap_chunk_free(c);
		return NULL;
	}
	c = fifo_pop(a->empty);
	if (!c)
		return NULL;
	if (c->size < rec) { /* a packet larger than a chunk: a chunk its size */
		pcap_chunk_free(c);
		c = pcap_chunk_new(rec);
	}
	c->used = c->pos = 0;
	return c;
}

int64_t pcap_in_thread_cpu_usec(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_THREAD, &ru) != 0)
		return -1;
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* Hand the chunk being filled to the decoder now, if it holds anything. */
static void pcap_ahead_publish(struct pcap_ahead *a)
{
	struct pcap_chunk *c = a->fill;
	if (!c || c->used == 0)
		return;
	a->fill = NULL;
	if (!fifo_push(a->full, c))
		pcap_chunk_free(c);
}

static void *pcap_ahead_main(void *arg)
{
	struct pcap_in *r = arg;
	struct pcap_ahead *a = r->ahead;
	struct pcap_pkthdr *h;
	const u_char *bytes;
	int rc;
	while ((rc = pcap_next_ex(r->p, &h, &bytes)) == 1) {
		size_t rec = pcap_rec_size(h->caplen);
		struct pcap_chunk *c = a->fill = pcap_ahead_room(a, a->fill, rec);
		if (!c)
			return NULL; /* closed: the reader is going away */
		uint8_t *at = c->data + c->used;
		uint8_t *frame = at + PCAP_REC_HEAD;
		memcpy(at, h, sizeof *h);
		memcpy(frame, bytes, h->caplen);
		/* decoded from the copy: what it points to stays with the record */
		flow_pre_decode(r->linktype, frame, h->caplen, h->len, (struct flow_pre *)(at + sizeof *h));
		c->used += rec;
	}
	a->end = rc == PCAP_ERROR_BREAK ? PCAP_IN_EOF : PCAP_IN_ERROR;
	a->cpu_usec = pcap_in_thread_cpu_usec();
	if (a->end == PCAP_IN_ERROR)
		snprintf(a->err, sizeof a->err, "%s", pcap_geterr(r->p));
	if (a->fill && !fifo_push(a->full, a->fill))
		pcap_chunk_free(a->fill);
	a->fill = NULL;
	fifo_close(a->full);
	return NULL;
}

bool pcap_in_prefetch(struct pcap_in *r)
{
	if (r->ahead || r->packets)
		return r->ahead != NULL;
	struct pcap_ahead *a = xcalloc(1, sizeof *a);
	a->full = fifo_new(PCAP_IN_CHUNKS);
	a->empty = fifo_new(PCAP_IN_CHUNKS);
	fifo_set_wake(a->empty, PCAP_IN_REFILL);
	for (int i = 0; i < PCAP_IN_CHUNKS; i++)
		fifo_push(a->empty, pcap_chunk_new(PCAP_IN_CHUNK));
	r->ahead = a;
	if (pthread_create(&a->thread, NULL, pcap_ahead_main, r) != 0) {
		r->ahead = NULL;
		for (struct pcap_chunk *c; (c = fifo_try_pop(a->empty));)
			pcap_chunk_free(c);
		fifo_free(a->full);
		fifo_free(a->empty);
		free(a);
		return false;
	}
	return true;
}

/* Stop the reading thread and free what it had. */
static void pcap_ahead_stop(struct pcap_ahead *a)
{
	fifo_close(a->empty);
	fifo_close(a->full);
	pthread_join(a->thread, NULL);
	pcap_chunk_free(a->fill);
	pcap_chunk_free(a->cur);
	for (struct pcap_chunk *c; (c = fifo_try_pop(a->full));)
		pcap_chunk_free(c);
	for (struct pcap_chunk *c; (c = fifo_try_pop(a->empty));)
		pcap_chunk_free(c);
	fifo_free(a->full);
	fifo_free(a->empty);
	free(a);
}

/* pcap_in_step from the read-ahead chunks. */
static enum pcap_in_status pcap_ahead_step(struct pcap_in *r, struct flow_table *t, size_t max_packets)
{
	struct pcap_ahead *a = r->ahead;
	for (size_t n = 0; max_packets == 0 || n < max_packets; n++) {
		while (!a->cur || a->cur->pos == a->cur->used) {
			if (a->cur && !fifo_push(a->empty, a->cur))
				pcap_chunk_free(a->cur);
			a->cur = fifo_try_pop(a->full);
			if (!a->cur && r->pipe_fd >= 0 && r->idle)
				r->idle(r->idle_arg); /* all that was read is decoded: let the caller show it */
			if (!a->cur && !(a->cur = fifo_pop(a->full))) {
				snprintf(r->err, sizeof r->err, "%s", a->err);
				return a->end;
			}
		}
		struct pcap_chunk *c = a->cur;
		struct pcap_pkthdr h;
		memcpy(&h, c->data + c->pos, sizeof h);
		const struct flow_pre *pre = (const struct flow_pre *)(c->data + c->pos + sizeof h);
		r->packets++;
		flow_table_packet_pre(t, pcap_ts_usec(&h), pre, h.caplen, h.len);
		c->pos += pcap_rec_size(h.caplen);
	}
	return PCAP_IN_MORE;
}

enum pcap_in_status pcap_in_step(struct pcap_in *r, struct flow_table *t, size_t max_packets)
{
	if (r->ahead)
		return pcap_ahead_step(r, t, max_packets);
	struct pcap_pkthdr *h;
	const u_char *bytes;
	for (size_t n = 0; max_packets == 0 || n < max_packets; n++) {
		int rc = pcap_next_ex(r->p, &h, &bytes);
		if (rc == 1) {
			r->packets++;
			pcap_in_feed(t, r->linktype, h, bytes);
		} else if (rc == PCAP_ERROR_BREAK) {
			return PCAP_IN_EOF;
		} else if (rc == 0) {
			return PCAP_IN_MORE; /* only for live handles: nothing yet */
		} else {
			snprintf(r->err, sizeof r->err, "%s", pcap_geterr(r->p));
			return PCAP_IN_ERROR;
		}
	}
	return PCAP_IN_MORE;
}

void pcap_in_set_idle(struct pcap_in *r, void (*idle)(void *arg), void *arg)
{
	r->idle = idle;
	r->idle_arg = arg;
}

bool pcap_in_is_file(const struct pcap_in *r)
{
	return r->pipe_fd < 0;
}

const char *pcap_in_error(const struct pcap_in *r)
{
	return r->err;
}

int pcap_in_linktype(const struct pcap_in *r)
{
	return r->linktype;
}

const char *pcap_in_linktype_name(const struct pcap_in *r)
{
	const char *n = pcap_datalink_val_to_name(r->linktype);
	return n ? n : "unknown";
}

uint64_t pcap_in_packets(const struct pcap_in *r)
{
	return r->packets;
}

int64_t pcap_in_reader_cpu_usec(const struct pcap_in *r)
{
	return r->ahead ? r->ahead->cpu_usec : -1;
}

int64_t pcap_in_offset(const struct pcap_in *r)
{
	FILE *fp = pcap_file(r->p);
	if (!fp)
		return -1;
	off_t o = ftello(fp);
	return o < 0 ? -1 : (int64_t)o;
}

void pcap_in_close(struct pcap_in *r)
{
	if (!r)
		return;
	if (r->ahead)
		pcap_ahead_stop(r->ahead);
	pcap_close(r->p);
	free(r->iobuf);
	free(r);
}

enum pcap_in_status pcap_in_read_all(const char *path, const char *filter, struct flow_table *t, char *err,
                                     size_t errlen)
{
	struct pcap_in *r = pcap_in_open(path, filter, err, errlen);
	if (!r)
		return PCAP_IN_ERROR;
	enum pcap_in_status st = pcap_in_step(r, t, 0);
	if (st == PCAP_IN_ERROR)
		snprintf(err, errlen, "%s", r->err);
	pcap_in_close(r);
	return st;
}
