/* dns.h - asynchronous DNS lookups in the event loop through c-ares: A/AAAA,
 * MX (RFC 5321 5.1: sorted by preference, each host's addresses resolved),
 * TXT (RFC 1035 3.3.14, strings joined as RFC 7208 3.3 asks), TLSA (RFC 6698,
 * parsed here since c-ares 1.18 has no TLSA parser).
 *
 * Every answer is untrusted input and is parsed with a bounds-checked cursor
 * (dns_msg.c). Callbacks run from the loop only, never from inside the call
 * that started the query. The result passed to a callback is valid only
 * during that callback. */
#ifndef SMTPSCOPE_DNS_H
#define SMTPSCOPE_DNS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct buf;
struct dns;
struct dns_query;

/* Record types asked for by number on the wire (RFC 1035 3.2.2, RFC 3596,
 * RFC 6698), plus DNS_T_ADDR: A and AAAA through c-ares's getaddrinfo,
 * which also reads the hosts file. */
enum dns_type {
	DNS_T_ADDR = 0,
	DNS_T_A = 1,
	DNS_T_CNAME = 5,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
	DNS_T_TLSA = 52,
};

enum dns_status {
	DNS_OK,
	DNS_NXDOMAIN,	/* the name does not exist */
	DNS_NODATA,	/* the name exists, no record of this type */
	DNS_SERVFAIL,
	DNS_REFUSED,
	DNS_TIMEOUT,
	DNS_BADRESP,	/* the answer could not be parsed */
	DNS_BADNAME,	/* the name asked for is not a valid domain name */
	DNS_ERROR,	/* any other resolver failure; see dns_result.detail */
	DNS_CANCELLED,
	DNS_STATUS_LAST
};
/* "ok", "NXDOMAIN", "no data", ... */
const char *dns_status_name(enum dns_status s);

struct dns_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t bytes[16];
	char text[46]; /* INET6_ADDRSTRLEN */
};

struct dns_mx {
	uint16_t pref;
	char *host;		   /* presentation form; "." for a null MX (RFC 7505) */
	enum dns_status addr_status; /* of resolving host (DNS_OK when addrs found) */
	struct dns_addr *addrs;
	size_t naddrs;
};

struct dns_txt {
	uint8_t *data; /* the character-strings joined; NUL-terminated, may hold NULs */
	size_t len;
	size_t nstrings;
};

struct dns_tlsa {
	uint8_t usage, selector, mtype; /* RFC 6698 2.1.1-2.1.3 */
	uint8_t *data;
	size_t len;
};

struct dns_result {
	enum dns_type type;
	char *name;		/* as asked */
	enum dns_status status;
	char *detail;		/* human text when status != DNS_OK, else NULL */
	bool ad;		/* the answer had the AD bit (validated by the resolver) */
	uint32_t ttl;		/* the smallest TTL among the records kept */
	char *canon;		/* final name after CNAMEs, NULL when none */
	size_t skipped;		/* records of the asked type dropped as malformed */
	struct dns_addr *addrs;	/* DNS_T_A, DNS_T_AAAA, DNS_T_ADDR */
	size_t naddrs;
	struct dns_mx *mx;	/* DNS_T_MX, sorted by preference then name */
	size_t nmx;
	struct dns_txt *txt;	/* DNS_T_TXT */
	size_t ntxt;
	struct dns_tlsa *tlsa;	/* DNS_T_TLSA */
	size_t ntlsa;
};

/* Whole-query time limit when dns_opts.timeout_ms is 0. */
#define DNS_TIMEOUT_DEFAULT_MS 5000

typedef void dns_cb(void *ud, const struct dns_result *r);

struct dns_opts {
	/* "ip:port" list as for ares_set_servers_ports_csv ("127.0.0.1:5353",
	 * "[::1]:53"); NULL: the system's resolv.conf. */
	const char *servers;
	unsigned timeout_ms; /* whole-query limit; 0: DNS_TIMEOUT_DEFAULT_MS */
	unsigned tries;	     /* c-ares tries per server; 0: 2 */
	bool no_hosts_file;  /* DNS_T_ADDR: skip /etc/hosts */
};

/* NULL on failure, with the reason appended to err (may be NULL). */
struct dns *dns_new(struct loop *l, const struct dns_opts *o, struct buf *err);
/* Pending queries are dropped without their callbacks. Not from inside one
 * of this resolver's callbacks (defer it with loop_defer_free). */
void dns_free(struct dns *d);
void dns_free_cb(void *d); /* the same, typed for loop_defer_free */

/* Start a lookup of name for type. The handle stays valid until the callback
 * has run or dns_query_cancel() is called, whichever comes first. */
struct dns_query *dns_query(struct dns *d, const char *name, enum dns_type type, dns_cb *cb,
			    void *ud);
/* DNS_T_ADDR with a family: AF_INET, AF_INET6 or AF_UNSPEC (both). */
struct dns_query *dns_query_addrs(struct dns *d, const char *name, int family, dns_cb *cb,
				  void *ud);
/* MX, and when resolve_hosts, A/AAAA of every exchange (at most DNS_MX_MAX)
 * before the callback runs; the timeout covers the whole. */
struct dns_query *dns_query_mx(struct dns *d, const char *name, bool resolve_hosts, dns_cb *cb,
			       void *ud);
/* TLSA for _port._tcp.host (RFC 6698 3). */
struct dns_query *dns_query_tlsa(struct dns *d, const char *host, uint16_t port, dns_cb *cb,
				 void *ud);
/* The callback will not run. Safe from inside any callback. */
void dns_query_cancel(struct dns_query *q);

/* Presentation form of a name as the parser writes it (host names, canon):
 * 255 wire octets, each at most 4 characters ("\DDD"), plus dots; with
 * the terminating NUL. */
#define DNS_NAME_TEXT_MAX 1100

/* --- dns_msg.c: the wire-format parser, pure (also used by the tests) --- */

/* Parse a response to a question for (qname, qtype) into r (zeroed by the
 * caller; qtype one of A, AAAA, MX, TXT, TLSA). Only answer records owned by
 * qname or by a CNAME target reached from it are kept. Sets r->status. */
void dns_msg_parse(const uint8_t *p, size_t len, const char *qname, enum dns_type qtype,
		   struct dns_result *r);
/* Free what a result owns and zero it. */
void dns_result_clear(struct dns_result *r);
/* Sort MX records by preference, then by host name. */
void dns_mx_sort(struct dns_mx *mx, size_t n);

#endif
