/* pcap_in.h - reading pcap and pcapng capture files (or stdin) through libpcap,
 * with an optional BPF filter (tcpdump syntax), into the flow engine (flow.h).
 *
 * Reading is done in steps of a bounded number of packets so a caller with an
 * event loop stays responsive. A damaged or truncated file stops with
 * PCAP_IN_ERROR and libpcap's message; everything decoded before it stays
 * valid (the caller still calls flow_table_finish). Live capture (probe/)
 * feeds the same engine through pcap_in_feed. */
#ifndef SMTPSCOPE_PCAP_IN_H
#define SMTPSCOPE_PCAP_IN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcap/pcap.h>

#include "decode/flow.h"

enum pcap_in_status {
	PCAP_IN_MORE,  /* packets may remain: call pcap_in_step again */
	PCAP_IN_EOF,   /* the whole file was read */
	PCAP_IN_ERROR, /* libpcap reported an error: see pcap_in_error */
};

struct pcap_in;

/* Open path ("-" for standard input); filter NULL or "" for none. NULL on
 * failure with the reason in err (always terminated). Time stamps are read at
 * microsecond precision whatever the file holds. */
struct pcap_in *pcap_in_open(const char *path, const char *filter, char *err, size_t errlen);
/* Read ahead in a thread of its own (files and stdin, not live handles): the
 * packets are copied into a few MB of chunks while the caller decodes, and
 * pcap_in_step takes them from there, in the same order. Call before the
 * first pcap_in_step; false (and reading stays in the caller's thread) when
 * no thread could be started. pcap_in_offset then says how far the thread
 * has read. */
bool pcap_in_prefetch(struct pcap_in *r);
/* Input that is not a regular file (a pipe from tcpdump -U -w -, a FIFO)
 * can wait for its writer: idle(arg) is called in the caller's thread, from
 * within pcap_in_step, each time every packet read so far has been given to
 * the flow table and the next one must be waited for, so the caller can
 * show what is complete. Never called for a regular file. */
void pcap_in_set_idle(struct pcap_in *r, void (*idle)(void *arg), void *arg);
/* True when the input is a regular file (it never waits for a writer). */
bool pcap_in_is_file(const struct pcap_in *r);
/* Read up to max_packets packets (0: no limit) into t. */
enum pcap_in_status pcap_in_step(struct pcap_in *r, struct flow_table *t, size_t max_packets);
/* libpcap's message after PCAP_IN_ERROR ("" otherwise); owned by r. */
const char *pcap_in_error(const struct pcap_in *r);
/* The file's link type (DLT_*) and its name ("EN10MB"). */
int pcap_in_linktype(const struct pcap_in *r);
const char *pcap_in_linktype_name(const struct pcap_in *r);
/* Packets read so far. */
uint64_t pcap_in_packets(const struct pcap_in *r);
/* Bytes of the file consumed so far (-1 when unknown, e.g. a pipe). */
int64_t pcap_in_offset(const struct pcap_in *r);
/* CPU time (user + system, microseconds) of the calling thread; -1 if unknown. */
int64_t pcap_in_thread_cpu_usec(void);
/* CPU time of the read-ahead thread (pcap_in_prefetch) once pcap_in_step has
 * returned the end of the input; -1 without that thread. */
int64_t pcap_in_reader_cpu_usec(const struct pcap_in *r);
void pcap_in_close(struct pcap_in *r);

/* Read a whole file into t (without flow_table_finish). On PCAP_IN_ERROR the
 * reason is in err; packets before the error were decoded. */
enum pcap_in_status pcap_in_read_all(const char *path, const char *filter, struct flow_table *t, char *err,
                                     size_t errlen);

/* One packet as libpcap hands it (file or live): the entry point for any
 * packet source. */
void pcap_in_feed(struct flow_table *t, int linktype, const struct pcap_pkthdr *h, const uint8_t *bytes);

#endif
