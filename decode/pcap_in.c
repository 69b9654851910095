/* pcap_in.c - pcap/pcapng file and stdin reading via libpcap, BPF filtering,
 * feeding the flow engine; see pcap_in.h. */
#include "decode/pcap_in.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/xmalloc.h"

/* The stdio buffer under libpcap's reads: with the default (one page) a
 * large capture costs a read system call per 4 KB. */
#define PCAP_IN_STDIO_BUF (1024 * 1024)

struct pcap_in {
	pcap_t *p;
	char *iobuf; /* the FILE's buffer; freed after pcap_close */
	int linktype;
	uint64_t packets;
	char err[PCAP_ERRBUF_SIZE + 64];
};

void pcap_in_feed(struct flow_table *t, int linktype, const struct pcap_pkthdr *h, const uint8_t *bytes)
{
	int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + (int64_t)h->ts.tv_usec;
	flow_table_packet(t, linktype, ts, bytes, h->caplen, h->len);
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

/* The file (or stdin) as a stream with a large buffer, for libpcap. A file's
 * buffer is *iobuf (freed after the stream is closed); stdin's is static, as
 * the stream may outlive the reader. */
static FILE *pcap_in_fopen(const char *path, char **iobuf, char *err, size_t errlen)
{
	static char stdin_buf[PCAP_IN_STDIO_BUF];
	*iobuf = NULL;
	if (strcmp(path, "-") == 0) {
		setvbuf(stdin, stdin_buf, _IOFBF, sizeof stdin_buf);
		return stdin;
	}
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	*iobuf = malloc(PCAP_IN_STDIO_BUF);
	if (*iobuf && setvbuf(fp, *iobuf, _IOFBF, PCAP_IN_STDIO_BUF) != 0) {
		free(*iobuf);
		*iobuf = NULL;
	}
	return fp;
}

struct pcap_in *pcap_in_open(const char *path, const char *filter, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	char *iobuf = NULL;
	ebuf[0] = '\0';
	if (errlen)
		err[0] = '\0';
	FILE *fp = pcap_in_fopen(path, &iobuf, err, errlen);
	if (!fp)
		return NULL;
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (!p) {
		snprintf(err, errlen, "%s", ebuf);
		if (fp != stdin)
			fclose(fp);
		free(iobuf);
		return NULL;
	}
	if (filter && *filter && !pcap_in_set_filter(p, filter, err, errlen)) {
		pcap_close(p);
		free(iobuf);
		return NULL;
	}
	struct pcap_in *r = xcalloc(1, sizeof *r);
	r->p = p;
	r->iobuf = iobuf;
	r->linktype = pcap_datalink(p);
	return r;
}

enum pcap_in_status pcap_in_step(struct pcap_in *r, struct flow_table *t, size_t max_packets)
{
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
