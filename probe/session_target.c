/* session_target.c - parse where a session goes (HOST[:PORT], [IPv6]:PORT,
 * a unix socket, @domain for its MX, RFC 5321 5.1; IPv6 literals as in
 * RFC 3986 3.2.2) and TLS version names. Pure. */
#include "probe/session.h"

#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool target_port(const char *p, uint16_t *port)
{
	char *end;
	if (!*p || *p == '-' || *p == '+')
		return false;
	unsigned long v = strtoul(p, &end, 10);
	if (*end || v == 0 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

static bool target_copy(char *dst, size_t size, const char *p, size_t n)
{
	if (n == 0 || n >= size)
		return false;
	memcpy(dst, p, n);
	dst[n] = '\0';
	return true;
}

static bool target_hostname_ok(const char *h)
{
	for (const char *p = h; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c == '/' || c == '@' || c == '[' || c == ']' || c == 0x7f)
			return false;
	}
	return true;
}

static bool target_bracketed(const char *t, struct session_target *o, char *err, size_t es)
{
	const char *close = strchr(t, ']');
	unsigned char b[16];
	if (!close || !target_copy(o->host, sizeof o->host, t + 1, (size_t)(close - t - 1)) ||
	    inet_pton(AF_INET6, o->host, b) != 1) {
		snprintf(err, es, "'%.80s' is not a valid [IPv6] address", t);
		return false;
	}
	if (close[1] == '\0')
		return true;
	if (close[1] != ':' || !target_port(close + 2, &o->port)) {
		snprintf(err, es, "bad port after '%.80s'", t);
		return false;
	}
	return true;
}

bool session_target_parse(const char *t, struct session_target *o, char *err, size_t es)
{
	memset(o, 0, sizeof *o);
	unsigned char b[16];
	if (!t || !*t) {
		snprintf(err, es, "no destination given");
		return false;
	}
	if (t[0] == '/' || !strncmp(t, "unix:", 5)) {
		const char *p = t[0] == '/' ? t : t + 5;
		o->is_unix = true;
		if (!target_copy(o->path, sizeof o->path, p, strlen(p))) {
			snprintf(err, es, "unix socket path is empty or longer than %zu bytes", sizeof o->path - 1);
			return false;
		}
		return true;
	}
	if (t[0] == '@') {
		o->is_mx = true;
		if (!target_copy(o->domain, sizeof o->domain, t + 1, strlen(t + 1)) || !target_hostname_ok(o->domain)) {
			snprintf(err, es, "'%.80s' is not a domain (use @example.com)", t);
			return false;
		}
		return true;
	}
	if (t[0] == '[')
		return target_bracketed(t, o, err, es);
	const char *colon = strchr(t, ':');
	if (colon && strchr(colon + 1, ':')) { /* two colons: a bare IPv6 literal */
		if (!target_copy(o->host, sizeof o->host, t, strlen(t)) || inet_pton(AF_INET6, o->host, b) != 1) {
			snprintf(err, es, "'%.80s' is not a valid IPv6 address (write [addr]:port for a port)", t);
			return false;
		}
		return true;
	}
	size_t hl = colon ? (size_t)(colon - t) : strlen(t);
	if (!target_copy(o->host, sizeof o->host, t, hl) || !target_hostname_ok(o->host)) {
		snprintf(err, es, "'%.80s' is not a host name or address", t);
		return false;
	}
	if (colon && !target_port(colon + 1, &o->port)) {
		snprintf(err, es, "bad port in '%.80s' (1 to 65535)", t);
		return false;
	}
	return true;
}

bool session_tls_version_parse(const char *s, int *out)
{
	static const struct {
		const char *name;
		int v;
	} t[] = {{"1.0", TLS1_VERSION}, {"1.1", TLS1_1_VERSION}, {"1.2", TLS1_2_VERSION}, {"1.3", TLS1_3_VERSION}};
	if (!strncasecmp(s, "tlsv", 4))
		s += 4;
	else if (!strncasecmp(s, "tls", 3))
		s += 3;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcmp(s, t[i].name)) {
			*out = t[i].v;
			return true;
		}
	return false;
}
