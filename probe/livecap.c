/* livecap.c - live capture with libpcap in the event loop (see livecap.h). */
#include "probe/livecap.h"
#include "decode/pcap_in.h"
#include "decode/xmalloc.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

/* Packets read per readiness event, so the loop stays responsive. */
#define LIVECAP_BATCH 512

struct livecap {
	struct loop *loop;
	pcap_t *pcap;
	int fd;
	int linktype;
	struct flow_table *flows;
	uint64_t packets;
};

static void livecap_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct livecap *c = (struct livecap *)user;
	c->packets++;
	pcap_in_feed(c->flows, c->linktype, h, bytes);
}

static void livecap_readable(struct loop *l, int fd, int events, void *ud)
{
	(void)l;
	(void)fd;
	(void)events;
	struct livecap *c = ud;
	pcap_dispatch(c->pcap, LIVECAP_BATCH, livecap_packet, (u_char *)c);
}

static int livecap_setup(pcap_t *p, const char *filter, char *err, size_t errlen)
{
	pcap_set_snaplen(p, 262144);
	pcap_set_promisc(p, 0);
	pcap_set_immediate_mode(p, 1);
	pcap_set_timeout(p, 100);
	int rc = pcap_activate(p);
	if (rc < 0) {
		snprintf(err, errlen, "%s", pcap_geterr(p));
		return -1;
	}
	if (filter && *filter) {
		struct bpf_program prog;
		if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			snprintf(err, errlen, "bad filter: %s", pcap_geterr(p));
			return -1;
		}
		rc = pcap_setfilter(p, &prog);
		pcap_freecode(&prog);
		if (rc != 0) {
			snprintf(err, errlen, "filter: %s", pcap_geterr(p));
			return -1;
		}
	}
	if (pcap_setnonblock(p, 1, err) != 0)
		return -1;
	return 0;
}

struct livecap *livecap_open(struct loop *l, const char *iface, const char *filter, struct flow_table *t,
			     char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create(iface, ebuf);
	if (!p) {
		snprintf(err, errlen, "%s", ebuf);
		return NULL;
	}
	if (livecap_setup(p, filter, err, errlen) != 0) {
		pcap_close(p);
		return NULL;
	}
	int fd = pcap_get_selectable_fd(p);
	if (fd < 0) {
		snprintf(err, errlen, "%s: no selectable descriptor", iface);
		pcap_close(p);
		return NULL;
	}
	struct livecap *c = xcalloc(1, sizeof *c);
	c->loop = l;
	c->pcap = p;
	c->fd = fd;
	c->linktype = pcap_datalink(p);
	c->flows = t;
	loop_fd_add(l, fd, LOOP_READ, livecap_readable, c);
	return c;
}

uint64_t livecap_packets(const struct livecap *c)
{
	return c->packets;
}

uint64_t livecap_dropped(const struct livecap *c)
{
	struct pcap_stat st;
	if (pcap_stats(c->pcap, &st) != 0)
		return 0;
	return st.ps_drop;
}

const char *livecap_linktype_name(const struct livecap *c)
{
	const char *n = pcap_datalink_val_to_name(c->linktype);
	return n ? n : "unknown";
}

void livecap_close(struct livecap *c)
{
	if (!c)
		return;
	/* read what is still buffered */
	pcap_dispatch(c->pcap, -1, livecap_packet, (u_char *)c);
	loop_fd_del(c->loop, c->fd);
	pcap_close(c->pcap);
	free(c);
}
