/* transcript_cli.c - the command-line options shared by `connect` and `send`:
 * destination, STARTTLS / implicit TLS (RFC 3207, RFC 8314), LMTP (RFC
 * 2033), TLS settings, DANE (RFC 7672), timeouts, transcripts, secrets. */
#include "tui/transcript.h"
#include "decode/xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

/* Longest secret read from a file or a prompt. */
#define CLI_SECRET_MAX 8192

const char transcript_cli_usage[] =
	"Connection:\n"
	"  -4, -6                 only IPv4 / only IPv6 addresses\n"
	"  --port N               port (default 25; 465 with --tls; 24 with --lmtp)\n"
	"  --starttls             EHLO, STARTTLS, then EHLO again (RFC 3207)\n"
	"  --tls                  implicit TLS from the first byte (RFC 8314)\n"
	"  --lmtp                 speak LMTP (LHLO, one reply per recipient, RFC 2033)\n"
	"  --ehlo NAME            the name we greet with (default: this host's name)\n"
	"  --timeout SECONDS      limit for connecting, the greeting and every reply (default 30)\n"
	"  --dns-server IP[:PORT] resolver for @domain and --dane (default: resolv.conf)\n"
	"TLS:\n"
	"  --sni NAME             server name sent and checked (default: the host name)\n"
	"  --no-verify            continue when the certificate does not verify (shown and explained)\n"
	"  --ca-file FILE         trust these CA certificates too (PEM)\n"
	"  --cert FILE, --key FILE  client certificate and key (PEM)\n"
	"  --tls-min V, --tls-max V  protocol range: 1.0, 1.1, 1.2, 1.3\n"
	"  --ciphers LIST         OpenSSL cipher list (TLS 1.2 and below)\n"
	"  --dane                 fetch TLSA for _PORT._tcp.HOST and verify with DANE (RFC 7672)\n"
	"Output:\n"
	"  --json [--pretty]      one JSON document (events and result) on stdout\n"
	"  --transcript FILE      save the annotated transcript as text\n"
	"  --transcript-json FILE save it as JSON\n"
	"  --show-secrets         do not mask AUTH secrets in the transcript\n";

void transcript_cli_init(struct transcript_cli *c)
{
	memset(c, 0, sizeof *c);
	c->so.family = AF_UNSPEC;
}

void transcript_cli_free(struct transcript_cli *c)
{
	if (c->secret) {
		OPENSSL_cleanse(c->secret, strlen(c->secret));
		free(c->secret);
	}
	c->secret = NULL;
}

static bool cli_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-' || v < lo || v > hi)
		return false;
	*out = (unsigned)v;
	return true;
}

static int cli_bad(const char *cmd, const char *opt, const char *why)
{
	fprintf(stderr, "smtpscope %s: %s: %s\n", cmd, opt, why);
	return -1;
}

/* Options that take a value. Returns 1 when handled. */
static int cli_value_option(struct transcript_cli *c, const char *cmd, const char *o, const char *v)
{
	struct session_opts *so = &c->so;
	unsigned u;
	if (!strcmp(o, "--port")) {
		if (!cli_uint(v, 1, 65535, &u))
			return cli_bad(cmd, o, "a port from 1 to 65535");
		so->port = (uint16_t)u;
	} else if (!strcmp(o, "--ehlo")) {
		so->ehlo_name = v;
	} else if (!strcmp(o, "--timeout")) {
		if (!cli_uint(v, 1, 3600, &c->timeout_s))
			return cli_bad(cmd, o, "seconds from 1 to 3600");
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
	} else if (!strcmp(o, "--tls-min") || !strcmp(o, "--tls-max")) {
		int ver;
		if (!session_tls_version_parse(v, &ver))
			return cli_bad(cmd, o, "1.0, 1.1, 1.2 or 1.3");
		if (o[6] == 'i')
			so->tls.min_version = ver;
		else
			so->tls.max_version = ver;
	} else if (!strcmp(o, "--ciphers")) {
		so->tls.ciphers = v;
	} else if (!strcmp(o, "--transcript")) {
		c->text_file = v;
	} else if (!strcmp(o, "--transcript-json")) {
		c->json_file = v;
	} else {
		return 0;
	}
	return 1;
}

static int cli_flag_option(struct transcript_cli *c, const char *o)
{
	struct session_opts *so = &c->so;
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
	else if (!strcmp(o, "--json"))
		c->json = true;
	else if (!strcmp(o, "--pretty"))
		c->pretty = true;
	else if (!strcmp(o, "--show-secrets"))
		so->show_secrets = true;
	else
		return 0;
	return 1;
}

static const char *const cli_value_opts[] = {
	"--port", "--ehlo", "--timeout", "--dns-server", "--sni", "--ca-file", "--cert", "--key",
	"--tls-min", "--tls-max", "--ciphers", "--transcript", "--transcript-json", NULL,
};

int transcript_cli_option(struct transcript_cli *c, const char *cmd, int argc, char **argv, int *i)
{
	const char *o = argv[*i];
	int r = cli_flag_option(c, o);
	if (r)
		return r;
	for (const char *const *v = cli_value_opts; *v; v++) {
		if (strcmp(o, *v))
			continue;
		if (*i + 1 >= argc)
			return cli_bad(cmd, o, "needs a value");
		r = cli_value_option(c, cmd, o, argv[*i + 1]);
		if (r > 0)
			(*i)++;
		return r;
	}
	return 0;
}

bool transcript_cli_target(struct transcript_cli *c, const char *cmd, const char *t)
{
	char err[200];
	if (!session_target_parse(t, &c->target, err, sizeof err)) {
		fprintf(stderr, "smtpscope %s: %s\n", cmd, err);
		return false;
	}
	c->have_target = true;
	return true;
}

void transcript_cli_finish(struct transcript_cli *c)
{
	struct session_opts *so = &c->so;
	struct session_target *t = &c->target;
	if (t->is_unix)
		so->unix_path = t->path;
	else if (t->is_mx)
		so->mx_domain = t->domain;
	else
		so->host = t->host;
	if (t->port && !so->port)
		so->port = t->port;
	if (c->timeout_s) {
		unsigned ms = c->timeout_s * 1000;
		so->connect_timeout_ms = so->greeting_timeout_ms = so->reply_timeout_ms = so->tls_timeout_ms = ms;
	}
	so->secret = c->secret;
}

static void cli_set_secret(struct transcript_cli *c, const char *s, size_t n)
{
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	transcript_cli_free(c);
	c->secret = xmemdup0(s, n);
}

bool transcript_cli_secret_file(struct transcript_cli *c, const char *cmd, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "smtpscope %s: --secret-file %s: %s\n", cmd, path, strerror(errno));
		return false;
	}
	char *b = xmalloc(CLI_SECRET_MAX + 1);
	ssize_t n = read(fd, b, CLI_SECRET_MAX);
	close(fd);
	if (n < 0) {
		fprintf(stderr, "smtpscope %s: --secret-file %s: %s\n", cmd, path, strerror(errno));
		free(b);
		return false;
	}
	char *nl = memchr(b, '\n', (size_t)n);
	cli_set_secret(c, b, nl ? (size_t)(nl - b) : (size_t)n);
	OPENSSL_cleanse(b, CLI_SECRET_MAX + 1);
	free(b);
	return true;
}

bool transcript_cli_prompt_secret(struct transcript_cli *c, const char *prompt)
{
	if (!isatty(0))
		return false;
	struct termios old, t;
	if (tcgetattr(0, &old) != 0)
		return false;
	t = old;
	t.c_lflag &= ~(tcflag_t)ECHO;
	t.c_lflag |= ECHONL;
	fprintf(stderr, "%s: ", prompt);
	fflush(stderr);
	tcsetattr(0, TCSANOW, &t);
	char b[CLI_SECRET_MAX];
	ssize_t n = read(0, b, sizeof b - 1);
	tcsetattr(0, TCSANOW, &old);
	if (n < 0)
		n = 0;
	cli_set_secret(c, b, (size_t)n);
	OPENSSL_cleanse(b, sizeof b);
	return true;
}
