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

bool session_args_interactive(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		for (const char *const *o = args_line_mode; *o; o++)
			if (!strcmp(argv[i], *o))
				return false;
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
	if (session_opt_flag(a->so, o))
		return true;
	if (session_opt_takes_value(o)) {
		if (*i + 1 >= argc)
			return snprintf(err, es, "%s needs a value", o), false;
		(*i)++;
		char why[120];
		if (!session_opt_value(a->so, o, argv[*i], why, sizeof why))
			return snprintf(err, es, "%s: %s", o, why), false;
		return true;
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
