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

static int cli_bad(const char *cmd, const char *opt, const char *why)
{
	fprintf(stderr, "smtpscope %s: %s: %s\n", cmd, opt, why);
	return -1;
}

/* The options only the command line has. Returns 1 when handled. */
static int cli_own_flag(struct transcript_cli *c, const char *o)
{
	if (!strcmp(o, "--json"))
		c->json = true;
	else if (!strcmp(o, "--pretty"))
		c->pretty = true;
	else
		return 0;
	return 1;
}

static bool cli_own_takes_value(const char *o)
{
	return !strcmp(o, "--transcript") || !strcmp(o, "--transcript-json");
}

int transcript_cli_option(struct transcript_cli *c, const char *cmd, int argc, char **argv, int *i)
{
	const char *o = argv[*i];
	if (session_opt_flag(&c->so, o) || cli_own_flag(c, o))
		return 1;
	bool shared = session_opt_takes_value(o);
	if (!shared && !cli_own_takes_value(o))
		return 0;
	if (*i + 1 >= argc)
		return cli_bad(cmd, o, "needs a value");
	const char *v = argv[++*i];
	char why[120];
	if (shared && !session_opt_value(&c->so, o, v, why, sizeof why))
		return cli_bad(cmd, o, why);
	if (!shared && !strcmp(o, "--transcript"))
		c->text_file = v;
	else if (!shared)
		c->json_file = v;
	return 1;
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
