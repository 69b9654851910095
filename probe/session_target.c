/* session_target.c - parse where a session goes (HOST[:PORT], [IPv6]:PORT,
 * a unix socket, @domain for its MX, RFC 5321 5.1; IPv6 literals as in
 * RFC 3986 3.2.2), TLS version names, and the connection and TLS options
 * every front end takes. Pure. */
#include "probe/session.h"

#include <arpa/inet.h>
#include <errno.h>
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

/* ---- options shared by `connect`, `send` and the Session screen ---- */

bool session_opt_flag(struct session_opts *so, const char *o)
{
	if (!strcmp(o, "-4"))
		so->family = AF_INET;
	else if (!strcmp(o, "-6"))
		so->family = AF_INET6;
	else if (!strcmp(o, "--starttls"))
		so->starttls = true;
	else if (!strcmp(o, "--tls"))
		so->implicit_tls = true;
	else if (!strcmp(o, "--lmtp"))
		so->lmtp = true;
	else if (!strcmp(o, "--no-verify"))
		so->tls.insecure = true;
	else if (!strcmp(o, "--dane"))
		so->dane = true;
	else if (!strcmp(o, "--show-secrets"))
		so->show_secrets = true;
	else
		return false;
	return true;
}

static const char *const session_valued_opts[] = {
	"--port", "--ehlo", "--timeout", "--dns-server", "--sni", "--ca-file", "--cert", "--key",
	"--tls-min", "--tls-max", "--ciphers", NULL,
};

bool session_opt_takes_value(const char *o)
{
	for (const char *const *v = session_valued_opts; *v; v++)
		if (!strcmp(o, *v))
			return true;
	return false;
}

static bool opt_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-' || v < lo || v > hi)
		return false;
	*out = (unsigned)v;
	return true;
}

/* The option's own reason, without its name, when the value is refused. */
static bool opt_bad(char *why, size_t n, const char *text)
{
	snprintf(why, n, "%s", text);
	return false;
}

bool session_opt_value(struct session_opts *so, const char *o, const char *v, char *why, size_t n)
{
	unsigned u;
	int ver;
	if (!strcmp(o, "--port")) {
		if (!opt_uint(v, 1, 65535, &u))
			return opt_bad(why, n, "a port from 1 to 65535");
		so->port = (uint16_t)u;
	} else if (!strcmp(o, "--timeout")) {
		if (!opt_uint(v, 1, 3600, &u))
			return opt_bad(why, n, "seconds from 1 to 3600");
		so->connect_timeout_ms = so->greeting_timeout_ms = so->reply_timeout_ms = so->tls_timeout_ms = u * 1000;
	} else if (!strcmp(o, "--tls-min") || !strcmp(o, "--tls-max")) {
		if (!session_tls_version_parse(v, &ver))
			return opt_bad(why, n, "1.0, 1.1, 1.2 or 1.3");
		if (o[6] == 'i')
			so->tls.min_version = ver;
		else
			so->tls.max_version = ver;
	} else if (!strcmp(o, "--ehlo")) {
		so->ehlo_name = v;
	} else if (!strcmp(o, "--dns-server")) {
		so->dns_servers = v;
	} else if (!strcmp(o, "--sni")) {
		so->tls.sni = v;
		so->tls.verify_name = v;
	} else if (!strcmp(o, "--ca-file")) {
		so->tls.ca_file = v;
	} else if (!strcmp(o, "--cert")) {
		so->tls.cert_file = v;
	} else if (!strcmp(o, "--key")) {
		so->tls.key_file = v;
	} else if (!strcmp(o, "--ciphers")) {
		so->tls.ciphers = v;
	} else {
		return opt_bad(why, n, "not an option that takes a value");
	}
	return true;
}
