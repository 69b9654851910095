/* practice_opts.c - the options of `smtpscope practice`, read the same way
 * for its line mode and its screen: ports (implicit TLS RFC 8314), host name,
 * SIZE limit (RFC 1870), the demo account, AUTH before STARTTLS (RFC 4954),
 * listen addresses, client and idle limits. */
#include "probe/practice.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

bool practice_opt_flag(struct practice_opts *o, const char *a)
{
	if (!strcmp(a, "--auth-plaintext"))
		o->require_tls_for_auth = false;
	else if (!strcmp(a, "--listen-any"))
		o->listen_any = true;
	else
		return false;
	return true;
}

/* A whole decimal number from lo to max. */
static bool po_num(const char *s, unsigned long long lo, unsigned long long max, unsigned long long *out)
{
	char *end = NULL;
	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < lo || v > max)
		return false;
	*out = v;
	return true;
}

/* The options that take a number. */
static int po_number(struct practice_opts *o, const char *a, const char *v)
{
	unsigned long long n = 0;
	if (!strcmp(a, "--port") || !strcmp(a, "--tls-port")) {
		if (!po_num(v, 0, 65535, &n))
			return -1;
		if (a[2] == 'p') {
			o->port = (uint16_t)n;
		} else {
			o->tls_listen = true;
			o->tls_port = (uint16_t)n;
		}
	} else if (!strcmp(a, "--size")) {
		if (!po_num(v, 1, (unsigned long long)INT64_MAX, &n))
			return -1;
		o->size_max = n;
	} else if (!strcmp(a, "--max-clients") || !strcmp(a, "--idle-timeout")) {
		if (!po_num(v, 1, 1000000, &n))
			return -1;
		if (a[2] == 'm')
			o->max_clients = (unsigned)n;
		else
			o->idle_timeout_ms = (unsigned)n * 1000u;
	} else {
		return 0;
	}
	return 1;
}

int practice_opt_value(struct practice_opts *o, const char **bind, const char *a, const char *v)
{
	int r = po_number(o, a, v);
	if (r)
		return r;
	const char **text = !strcmp(a, "--hostname") ? &o->hostname
			    : !strcmp(a, "--user")   ? &o->user
			    : !strcmp(a, "--password") ? &o->password
						       : NULL;
	if (!text && strcmp(a, "--listen"))
		return 0;
	if (!v)
		return -1;
	if (text) {
		*text = v;
		return 1;
	}
	if (o->nbind >= PRACTICE_BIND_MAX)
		return -1;
	bind[o->nbind++] = v;
	o->bind = bind;
	return 1;
}
