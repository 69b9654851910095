/* screen_session_args.c - the Session screen's destination and options, as
 * `smtpscope connect` takes them (STARTTLS RFC 3207, implicit TLS RFC 8314,
 * LMTP RFC 2033, DANE RFC 7672), and the recent-targets file Home lists
 * (XDG Base Directory: $XDG_STATE_HOME/smtpscope/recent). */
#include "tui/screen_session.h"
#include "tui/screen_home.h"
#include "tui/readall.h"
#include "decode/buf.h"
#include "decode/xmalloc.h"
#include "probe/session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* Options of line mode only: with one of these `connect` does not open the
 * screen. */
static const char *const args_line_mode[] = {
	"--json", "--pretty", "--transcript", "--transcript-json", "--script", "--help", "-h", NULL,
};

static const char *const args_valued[] = {
	"--port", "--ehlo", "--timeout", "--dns-server", "--sni", "--ca-file", "--cert", "--key",
	"--tls-min", "--tls-max", "--ciphers", NULL,
};

bool session_args_interactive(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		for (const char *const *o = args_line_mode; *o; o++)
			if (!strcmp(argv[i], *o))
				return false;
	return true;
}

static bool args_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-' || v < lo || v > hi)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool args_flag(struct session_opts *so, const char *o)
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

static bool args_value(struct session_opts *so, const char *o, const char *v, char *err, size_t es)
{
	unsigned u;
	int ver;
	if (!strcmp(o, "--port")) {
		if (!args_uint(v, 1, 65535, &u))
			return snprintf(err, es, "--port: a port from 1 to 65535"), false;
		so->port = (uint16_t)u;
	} else if (!strcmp(o, "--timeout")) {
		if (!args_uint(v, 1, 3600, &u))
			return snprintf(err, es, "--timeout: seconds from 1 to 3600"), false;
		so->connect_timeout_ms = so->greeting_timeout_ms = so->reply_timeout_ms = so->tls_timeout_ms = u * 1000;
	} else if (!strcmp(o, "--tls-min") || !strcmp(o, "--tls-max")) {
		if (!session_tls_version_parse(v, &ver))
			return snprintf(err, es, "%s: 1.0, 1.1, 1.2 or 1.3", o), false;
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
	} else {
		so->tls.ciphers = v; /* --ciphers */
	}
	return true;
}

/* The destination: static storage, as session_opts keeps pointers. */
static bool args_target(struct session_args *a, const char *t, char *err, size_t es)
{
	static struct session_target tg;
	char why[200];
	if (!session_target_parse(t, &tg, why, sizeof why))
		return snprintf(err, es, "%s", why), false;
	struct session_opts *so = a->so;
	so->host = so->unix_path = so->mx_domain = NULL;
	if (tg.is_unix)
		so->unix_path = tg.path;
	else if (tg.is_mx)
		so->mx_domain = tg.domain;
	else
		so->host = tg.host;
	if (tg.port && !so->port)
		so->port = tg.port;
	a->target = t;
	a->practice = false;
	return true;
}

static bool args_one(struct session_args *a, int argc, char **argv, int *i, char *err, size_t es)
{
	const char *o = argv[*i];
	if (args_flag(a->so, o))
		return true;
	for (const char *const *v = args_valued; *v; v++) {
		if (strcmp(o, *v))
			continue;
		if (*i + 1 >= argc)
			return snprintf(err, es, "%s needs a value", o), false;
		(*i)++;
		return args_value(a->so, o, argv[*i], err, es);
	}
	for (const char *const *v = args_line_mode; *v; v++)
		if (!strcmp(o, *v))
			return snprintf(err, es, "%s is for line mode (smtpscope connect in a pipe)", o), false;
	if (o[0] == '-' && o[1])
		return snprintf(err, es, "unknown option %.60s", o), false;
	if (a->target)
		return snprintf(err, es, "one destination only"), false;
	return args_target(a, o, err, es);
}

bool session_args_parse(int argc, char **argv, struct session_args *a, char *err, size_t errsize)
{
	struct session_opts *so = a->so;
	a->practice = true;
	a->target = NULL;
	so->family = AF_UNSPEC;
	for (int i = 0; i < argc; i++)
		if (!args_one(a, argc, argv, &i, err, errsize))
			return false;
	if (so->implicit_tls && so->starttls) {
		snprintf(err, errsize, "--tls and --starttls exclude each other");
		return false;
	}
	if (a->practice && so->implicit_tls) {
		snprintf(err, errsize, "the practice server takes STARTTLS, not --tls");
		return false;
	}
	return true;
}

/* ---- recent targets ---- */

static void recent_mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
}

static bool recent_same(const uint8_t *p, size_t len, const char *t)
{
	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	while (len > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	return len == strlen(t) && !memcmp(p, t, len);
}

void session_recent_add(const char *target)
{
	char path[4096], tmp[4200];
	if (!target || !*target || strchr(target, '\n') || !home_recent_path(path, sizeof path))
		return;
	struct buf in, out;
	buf_init(&in, HOME_RECENT_FILE_MAX);
	buf_init(&out, HOME_RECENT_FILE_MAX);
	bool truncated = false;
	struct stat st;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		readall_path(path, &in, &truncated);
	buf_append_str(&out, target);
	buf_append_byte(&out, '\n');
	size_t kept = 1, a = 0;
	while (a < in.len && kept < SESSION_RECENT_KEEP) {
		const uint8_t *nl = memchr(in.data + a, '\n', in.len - a);
		size_t b = nl ? (size_t)(nl - in.data) : in.len;
		if (b > a && !recent_same(in.data + a, b - a, target) && buf_append(&out, in.data + a, b - a) &&
		    buf_append_byte(&out, '\n'))
			kept++;
		a = b + 1;
	}
	recent_mkdirs(path);
	snprintf(tmp, sizeof tmp, "%s.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (f) {
		bool ok = fwrite(out.data, 1, out.len, f) == out.len;
		ok = fclose(f) == 0 && ok;
		if (!ok || rename(tmp, path) != 0)
			unlink(tmp);
	}
	buf_free(&in);
	buf_free(&out);
}
