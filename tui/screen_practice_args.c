/* screen_practice_args.c - the options of `smtpscope practice` when it opens
 * the Practice screen: the same as in line mode (port, implicit-TLS port
 * RFC 8314, host name, SIZE limit RFC 1870, demo account, AUTH before
 * STARTTLS RFC 4954, listen addresses, client and idle limits). */
#include "tui/screen_practice.h"
#include "probe/practice.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool practice_args_interactive(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return false;
	return true;
}

static bool pa_num(const char *s, unsigned long long lo, unsigned long long max, unsigned long long *out)
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

/* An option with a value; false with err set. */
static bool pa_value(const char *a, const char *v, struct practice_opts *o, const char **bind, char *err,
		     size_t es)
{
	unsigned long long n = 0;
	bool ok = true;
	if (!strcmp(a, "--port") || !strcmp(a, "--tls-port")) {
		ok = pa_num(v, 0, 65535, &n);
		if (ok && a[2] == 'p')
			o->port = (uint16_t)n;
		else if (ok) {
			o->tls_listen = true;
			o->tls_port = (uint16_t)n;
		}
	} else if (!strcmp(a, "--size")) {
		ok = pa_num(v, 1, (unsigned long long)INT64_MAX, &n);
		o->size_max = n;
	} else if (!strcmp(a, "--max-clients")) {
		ok = pa_num(v, 1, 1000000, &n);
		o->max_clients = (unsigned)n;
	} else if (!strcmp(a, "--idle-timeout")) {
		ok = pa_num(v, 1, 1000000, &n);
		o->idle_timeout_ms = (unsigned)n * 1000u;
	} else if (!strcmp(a, "--hostname")) {
		o->hostname = v;
	} else if (!strcmp(a, "--user")) {
		o->user = v;
	} else if (!strcmp(a, "--password")) {
		o->password = v;
	} else if (!strcmp(a, "--listen")) {
		ok = o->nbind < PRACTICE_BIND_MAX;
		if (ok)
			bind[o->nbind++] = v;
	} else {
		snprintf(err, es, "unknown option '%.60s' (see smtpscope practice --help)", a);
		return false;
	}
	if (!ok)
		snprintf(err, es, "bad value for %s: %.60s", a, v);
	return ok;
}

bool practice_args_parse(int argc, char **argv, struct practice_opts *o, const char **bind, char *err,
			 size_t errsize)
{
	o->port = PRACTICE_SCREEN_CLI_PORT;
	o->bind = bind;
	o->nbind = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--show-message"))
			continue; /* the screen's log shows the Subject; the content stays in line mode */
		if (!strcmp(a, "--auth-plaintext")) {
			o->require_tls_for_auth = false;
			continue;
		}
		if (!strcmp(a, "--listen-any")) {
			o->listen_any = true;
			continue;
		}
		if (i + 1 >= argc) {
			if (!pa_value(a, "", o, bind, err, errsize))
				return false; /* an unknown option says so */
			snprintf(err, errsize, "%s needs a value (see smtpscope practice --help)", a);
			return false;
		}
		if (!pa_value(a, argv[i + 1], o, bind, err, errsize))
			return false;
		i++;
	}
	return true;
}
