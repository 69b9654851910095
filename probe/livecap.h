/* livecap.h - live packet capture from a network interface with libpcap, in
 * the event loop, feeding the capture decoder's flow engine (decode/flow.h). */
#ifndef SMTPSCOPE_LIVECAP_H
#define SMTPSCOPE_LIVECAP_H
#include <stddef.h>
#include <stdint.h>
#include "decode/flow.h"
#include "probe/loop.h"

struct livecap;

/* Open iface (e.g. "lo", "eth0", "any") with an optional BPF filter and start
 * feeding t from the loop. NULL with a reason in err on failure (no such
 * interface, no permission: capturing needs root or CAP_NET_RAW). */
struct livecap *livecap_open(struct loop *l, const char *iface, const char *filter, struct flow_table *t,
			     char *err, size_t errlen);
/* Packets handed to the decoder, and packets the kernel dropped. */
uint64_t livecap_packets(const struct livecap *c);
uint64_t livecap_dropped(const struct livecap *c);
const char *livecap_linktype_name(const struct livecap *c);
/* Stop capturing and free. */
void livecap_close(struct livecap *c);

#endif
