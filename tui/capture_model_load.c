/* capture_model_load.c - reading a pcap/pcapng file into the Capture model a
 * bounded slice at a time (libpcap through decode/pcap_in.h), so that the
 * event loop that calls cm_step stays responsive. No RFC of its own. */
#include "tui/capture_model_int.h"
#include "decode/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Packets handed to the decoder between two looks at the clock. */
#define CM_STEP_CHUNK 256

static uint64_t cm_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool cm_on_close(void *ctx, struct capture_session *s)
{
	cm_add_session(ctx, s);
	return true; /* the model keeps it */
}

bool cm_open(struct capture_model *m, const char *path, const char *bpf, char *err, size_t errlen)
{
	if (m->prog.state != CM_EMPTY) {
		snprintf(err, errlen, "a capture is already open");
		return false;
	}
	m->in = pcap_in_open(path, bpf, err, errlen);
	if (!m->in)
		return false;
	const struct capture_callbacks cb = {.session_close = cm_on_close};
	m->cap = capture_new(&cb, m);
	free(m->path);
	m->path = xstrdup(path);
	struct stat st;
	m->prog.size = strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode) ? (int64_t)st.st_size
											 : -1;
	m->prog.offset = 0;
	snprintf(m->prog.linktype, sizeof m->prog.linktype, "%s", pcap_in_linktype_name(m->in));
	m->prog.state = CM_LOADING;
	return true;
}

static void cm_load_stats(struct capture_model *m)
{
	m->prog.packets = pcap_in_packets(m->in);
	m->prog.offset = pcap_in_offset(m->in);
	const struct capture_stats *cs = capture_stats(m->cap);
	const struct flow_stats *fs = flow_table_stats(capture_flows(m->cap));
	m->prog.sessions = cs->sessions;
	m->prog.transactions = cs->transactions;
	m->prog.flows = fs->flows;
	m->prog.gaps = fs->gaps;
}

void cm_load_close(struct capture_model *m)
{
	capture_free(m->cap); /* sessions still open are closed and kept */
	m->cap = NULL;
	if (m->in)
		pcap_in_close(m->in);
	m->in = NULL;
}

static void cm_load_end(struct capture_model *m, enum pcap_in_status st)
{
	capture_finish(m->cap);
	cm_load_stats(m);
	if (m->prog.size >= 0 && st == PCAP_IN_EOF)
		m->prog.offset = m->prog.size;
	if (st == PCAP_IN_ERROR) {
		const char *e = pcap_in_error(m->in);
		snprintf(m->prog.error, sizeof m->prog.error, "%s", e && *e ? e : "read error");
		m->prog.state = CM_DAMAGED;
	} else {
		m->prog.state = CM_DONE;
	}
	cm_load_close(m);
}

enum cm_state cm_step(struct capture_model *m, uint64_t budget_ms, size_t max_packets)
{
	if (m->prog.state != CM_LOADING)
		return m->prog.state;
	uint64_t t0 = cm_now_ms();
	uint64_t p0 = pcap_in_packets(m->in);
	enum pcap_in_status st;
	for (;;) {
		size_t chunk = CM_STEP_CHUNK;
		if (max_packets) {
			uint64_t done = pcap_in_packets(m->in) - p0;
			if (done >= max_packets) {
				st = PCAP_IN_MORE;
				break;
			}
			if (max_packets - done < chunk)
				chunk = (size_t)(max_packets - done);
		}
		st = pcap_in_step(m->in, capture_flows(m->cap), chunk);
		if (st != PCAP_IN_MORE || cm_now_ms() - t0 >= budget_ms)
			break;
	}
	if (st == PCAP_IN_MORE)
		cm_load_stats(m);
	else
		cm_load_end(m, st);
	m->prog.elapsed_ms += cm_now_ms() - t0;
	return m->prog.state;
}
