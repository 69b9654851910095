/* cmd_practice.c - `smtpscope practice`: run the built-in practice SMTP server
 * (probe/practice.h; RFC 5321 with STARTTLS, AUTH, PIPELINING, CHUNKING, SIZE)
 * in the foreground and print one line (or one JSON object) per event. */
#include "tui/commands.h"
#include "decode/buf.h"
#include "probe/loop.h"
#include "probe/practice.h"
#include "tui/json.h"
#include "tui/out.h"
#include "tui/tui_main.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PRACTICE_CLI_PORT 2525
/* Message content shown with --show-message. */
#define PRACTICE_SHOW_MAX 65536

struct practice_cli {
	bool json;
	bool show_message;
};

static int practice_sig_pipe[2] = {-1, -1};

static void practice_usage(FILE *f)
{
	fprintf(f,
		"usage: smtpscope practice [--port N] [--tls-port N] [--hostname H] [--size N]\n"
		"                          [--user U --password P] [--auth-plaintext]\n"
		"                          [--listen ADDR]... [--listen-any] [--max-clients N]\n"
		"                          [--idle-timeout SECS] [--show-message] [--json]\n\n"
		"Run a strict RFC 5321 SMTP server on loopback for learning: it explains what\n"
		"it expected when a command is wrong, offers STARTTLS (certificate generated at\n"
		"start), AUTH PLAIN/LOGIN with a demo account, PIPELINING, CHUNKING and SIZE,\n"
		"and prints every command, reply and accepted message. HELP in a session\n"
		"lists the commands; HELP ADDRESSES the addresses that fail on purpose.\n\n"
		"  --port N         plain SMTP port (default %d; 0 picks a free one)\n"
		"  --tls-port N     also listen for implicit TLS (RFC 8314) on N (0: pick)\n"
		"  --hostname H     name in the greeting and the certificate (default %s)\n"
		"  --size N         SIZE limit in octets (default %u)\n"
		"  --user U, --password P   the demo account (default %s / %s)\n"
		"  --auth-plaintext offer AUTH before STARTTLS too (passwords in clear)\n"
		"  --listen ADDR    listen on this IP (repeatable; default 127.0.0.1 and ::1)\n"
		"  --listen-any     allow non-loopback listen addresses\n"
		"  --max-clients N  simultaneous clients (default %u)\n"
		"  --idle-timeout S seconds without a command before 421 (default %u)\n"
		"  --show-message   print the content of each accepted message\n"
		"  --json           one JSON object per line (see smtpscope(1))\n\n"
		"Stop with Ctrl-C. Exit status: 0 after a clean stop, 1 when the port cannot\n"
		"be bound (or TLS set-up failed), 2 usage error.\n",
		PRACTICE_CLI_PORT, PRACTICE_HOSTNAME_DEFAULT, PRACTICE_SIZE_DEFAULT,
		PRACTICE_USER_DEFAULT, PRACTICE_PASSWORD_DEFAULT, PRACTICE_CLIENTS_DEFAULT,
		PRACTICE_IDLE_DEFAULT_MS / 1000u);
}

static void practice_time(char *out, size_t size, bool iso)
{
	time_t now = time(NULL);
	struct tm tm;
	if (iso)
		gmtime_r(&now, &tm);
	else
		localtime_r(&now, &tm);
	strftime(out, size, iso ? "%Y-%m-%dT%H:%M:%SZ" : "%H:%M:%S", &tm);
}

/* Each line of p (CRLF or LF ended) on its own output line, after prefix. */
static void practice_text_lines(const uint8_t *p, size_t len, const char *prefix)
{
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && p[j] != '\n')
			j++;
		size_t e = j > i && p[j - 1] == '\r' ? j - 1 : j;
		fputs(prefix, stdout);
		out_safe(stdout, p + i, e - i);
		fputc('\n', stdout);
		i = j + 1;
	}
}

static void practice_text_message(const struct practice_cli *cli, const struct practice_message *m,
				  const char *who)
{
	printf("%s message %s accepted: from <", who, m->queue_id);
	out_safe_str(stdout, m->mail_from);
	printf("> to ");
	for (size_t i = 0; i < m->nrcpts; i++) {
		printf("%s<", i ? ", " : "");
		out_safe_str(stdout, m->rcpts[i]);
		putchar('>');
	}
	printf("; %llu octets%s%s%s%s; Subject: ", (unsigned long long)m->size,
	       m->bdat ? ", BDAT" : "", m->tls ? ", TLS" : "", m->auth_user ? ", AUTH " : "",
	       m->auth_user ? m->auth_user : "");
	out_safe_str(stdout, m->subject ? m->subject : "(none)");
	putchar('\n');
	if (!cli->show_message)
		return;
	size_t n = m->data_len < PRACTICE_SHOW_MAX ? m->data_len : PRACTICE_SHOW_MAX;
	char prefix[64];
	snprintf(prefix, sizeof prefix, "%s   | ", who);
	practice_text_lines(m->data, n, prefix);
	if (n < m->size)
		printf("%s   | ... (%llu more octets not shown)\n", who,
		       (unsigned long long)(m->size - n));
}

static void practice_print_text(const struct practice_cli *cli, const struct practice_event *ev)
{
	char ts[16], who[48], prefix[64];
	practice_time(ts, sizeof ts, false);
	if (ev->client)
		snprintf(who, sizeof who, "%s [%llu]", ts, (unsigned long long)ev->client);
	else
		snprintf(who, sizeof who, "%s", ts);
	switch (ev->type) {
	case PRACTICE_EV_CONNECT:
		printf("%s connected from %s%s\n", who, ev->peer, ev->detail ? " (implicit TLS)" : "");
		break;
	case PRACTICE_EV_COMMAND:
		printf("%s C: ", who);
		out_safe(stdout, ev->text, ev->len);
		putchar('\n');
		break;
	case PRACTICE_EV_REPLY:
		snprintf(prefix, sizeof prefix, "%s S: ", who);
		practice_text_lines(ev->text, ev->len, prefix);
		break;
	case PRACTICE_EV_TLS:
		if (ev->tls_failed)
			printf("%s TLS failed: %s\n", who, ev->detail);
		else
			printf("%s TLS established: %s, %s\n", who, ev->tls_version, ev->tls_cipher);
		break;
	case PRACTICE_EV_MESSAGE: practice_text_message(cli, ev->msg, who); break;
	case PRACTICE_EV_NOTE: printf("%s note: %s\n", who, ev->detail); break;
	case PRACTICE_EV_GONE: printf("%s gone: %s\n", who, ev->detail); break;
	default: printf("%s error: %s\n", who, ev->detail ? ev->detail : "?"); break;
	}
}

static void practice_json_message(struct json *j, const struct practice_cli *cli,
				  const struct practice_message *m)
{
	JSON_KV_STR(j, "queue_id", m->queue_id);
	JSON_KV_STR(j, "helo", m->helo);
	JSON_KV_STR(j, "from", m->mail_from);
	JSON_KEY(j, "to");
	json_arr_begin(j);
	for (size_t i = 0; i < m->nrcpts; i++)
		json_str(j, m->rcpts[i]);
	json_arr_end(j);
	JSON_KV_INT(j, "size", (long long)m->size);
	JSON_KV_STR(j, "subject", m->subject);
	JSON_KV_BOOL(j, "bdat", m->bdat);
	JSON_KV_STR(j, "auth_user", m->auth_user);
	JSON_KV_BOOL(j, "smtputf8", m->smtputf8);
	JSON_KV_BOOL(j, "body_8bitmime", m->body_8bitmime);
	JSON_KV_BOOL(j, "eight_bit", m->eight_bit);
	JSON_KV_BOOL(j, "truncated", m->truncated);
	if (cli->show_message) {
		JSON_KEY(j, "data");
		json_strn(j, m->data, m->data_len);
	}
}

static void practice_print_json(const struct practice_cli *cli, const struct practice_event *ev)
{
	char ts[32];
	struct json j;
	practice_time(ts, sizeof ts, true);
	json_init(&j, stdout, false);
	json_obj_begin(&j);
	JSON_KV_STR(&j, "event", practice_event_name(ev->type));
	JSON_KV_STR(&j, "time", ts);
	JSON_KV_INT(&j, "client", (long long)ev->client);
	if (ev->peer && ev->peer[0])
		JSON_KV_STR(&j, "peer", ev->peer);
	JSON_KV_BOOL(&j, "tls", ev->tls);
	if (ev->text) {
		JSON_KEY(&j, "text");
		size_t n = ev->len;
		while (n && (ev->text[n - 1] == '\n' || ev->text[n - 1] == '\r'))
			n--;
		json_strn(&j, ev->text, n);
	}
	if (ev->type == PRACTICE_EV_REPLY && ev->len >= 3)
		JSON_KV_INT(&j, "code", (ev->text[0] - '0') * 100 + (ev->text[1] - '0') * 10 +
					       (ev->text[2] - '0'));
	if (ev->detail)
		JSON_KV_STR(&j, "detail", ev->detail);
	if (ev->type == PRACTICE_EV_TLS) {
		JSON_KV_BOOL(&j, "failed", ev->tls_failed);
		JSON_KV_STR(&j, "version", ev->tls_version);
		JSON_KV_STR(&j, "cipher", ev->tls_cipher);
	}
	if (ev->msg)
		practice_json_message(&j, cli, ev->msg);
	json_obj_end(&j);
	json_end_line(&j);
}

static void practice_on_event(struct practice *p, const struct practice_event *ev, void *ud)
{
	(void)p;
	const struct practice_cli *cli = ud;
	if (cli->json)
		practice_print_json(cli, ev);
	else
		practice_print_text(cli, ev);
	fflush(stdout);
}

static void practice_banner_json(const struct practice *p)
{
	struct json j;
	bool tls;
	const char *a;
	json_init(&j, stdout, false);
	json_obj_begin(&j);
	JSON_KV_STR(&j, "event", "listening");
	JSON_KEY(&j, "listeners");
	json_arr_begin(&j);
	for (size_t i = 0; (a = practice_listener(p, i, &tls)); i++) {
		json_obj_begin(&j);
		JSON_KV_STR(&j, "address", a);
		JSON_KV_BOOL(&j, "implicit_tls", tls);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	JSON_KV_INT(&j, "port", practice_port(p));
	JSON_KV_INT(&j, "tls_port", practice_tls_port(p));
	JSON_KV_STR(&j, "hostname", practice_hostname(p));
	JSON_KV_INT(&j, "size_max", (long long)practice_size_max(p));
	JSON_KV_STR(&j, "user", practice_user(p));
	JSON_KV_STR(&j, "password", practice_password(p));
	JSON_KV_BOOL(&j, "auth_requires_tls", practice_requires_tls_for_auth(p));
	JSON_KV_STR(&j, "cert_sha256", practice_cert_sha256(p));
	JSON_KV_STR(&j, "cert_not_after", practice_cert_not_after(p));
	json_obj_end(&j);
	json_end_line(&j);
}

static void practice_banner(const struct practice *p)
{
	bool tls;
	const char *a;
	printf("smtpscope practice server (strict RFC 5321, for learning)\n");
	for (size_t i = 0; (a = practice_listener(p, i, &tls)); i++)
		printf("  listening on  %s (%s)\n", a, tls ? "implicit TLS" : "SMTP, STARTTLS");
	printf("  host name     %s\n", practice_hostname(p));
	printf("  certificate   self-signed, generated now, valid until %s\n",
	       practice_cert_not_after(p));
	printf("  SHA-256       %s\n", practice_cert_sha256(p));
	printf("  demo account  %s / %s (AUTH PLAIN or LOGIN%s)\n", practice_user(p),
	       practice_password(p),
	       practice_requires_tls_for_auth(p) ? ", after STARTTLS" : "; offered without TLS");
	printf("  size limit    %llu octets\n", (unsigned long long)practice_size_max(p));
	printf("  try           swaks --server 127.0.0.1:%u --to user@example.com\n",
	       practice_port(p));
	printf("Type HELP in a session for the lesson. Stop with Ctrl-C.\n");
	fflush(stdout);
}

static void practice_on_signal(int sig)
{
	(void)sig;
	int saved = errno;
	if (practice_sig_pipe[1] >= 0)
		(void)!write(practice_sig_pipe[1], "x", 1);
	errno = saved;
}

static void practice_sig_ready(struct loop *l, int fd, int events, void *ud)
{
	(void)events;
	(void)ud;
	char b[16];
	while (read(fd, b, sizeof b) > 0)
		;
	loop_stop(l);
}

static bool practice_signals(struct loop *l, bool on)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	if (!on) {
		sa.sa_handler = SIG_DFL;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		loop_fd_del(l, practice_sig_pipe[0]);
		close(practice_sig_pipe[0]);
		close(practice_sig_pipe[1]);
		practice_sig_pipe[0] = practice_sig_pipe[1] = -1;
		return true;
	}
	if (pipe(practice_sig_pipe) < 0)
		return false;
	for (int i = 0; i < 2; i++) {
		fcntl(practice_sig_pipe[i], F_SETFL, O_NONBLOCK);
		fcntl(practice_sig_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	loop_fd_add(l, practice_sig_pipe[0], LOOP_READ, practice_sig_ready, NULL);
	sa.sa_handler = practice_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return true;
}

static int practice_parse(int argc, char **argv, struct practice_opts *o, struct practice_cli *cli,
			  const char **bind)
{
	o->port = PRACTICE_CLI_PORT;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			practice_usage(stdout);
			return 0;
		} else if (!strcmp(a, "--json")) {
			cli->json = true;
		} else if (!strcmp(a, "--show-message")) {
			cli->show_message = true;
		} else if (!practice_opt_flag(o, a)) {
			const char *v = i + 1 < argc ? argv[i + 1] : NULL;
			int r = practice_opt_value(o, bind, a, v);
			if (r <= 0) {
				fprintf(stderr, "smtpscope practice: %s '%s'%s%s\n",
					r == 0 ? "unknown option" : "bad value for", a,
					r == 0 ? "" : ": ", r == 0 ? "" : v ? v : "(missing)");
				practice_usage(stderr);
				return 2;
			}
			i++;
		}
	}
	return -1;
}

int cmd_practice(int argc, char **argv)
{
	if (tui_wants_practice(argc, argv)) /* on a terminal: the Practice screen */
		return tui_run_practice(argc, argv);
	struct practice_opts o;
	struct practice_cli cli = {0};
	const char *bind[PRACTICE_BIND_MAX];
	practice_opts_init(&o);
	int rc = practice_parse(argc, argv, &o, &cli, bind);
	if (rc >= 0)
		return rc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct loop *l = loop_new();
	struct buf err;
	buf_init(&err, 1024);
	struct practice *p = practice_new(l, &o, practice_on_event, &cli, &err);
	if (!p) {
		fprintf(stderr, "smtpscope practice: %s\n", buf_str(&err));
		buf_free(&err);
		loop_free(l);
		return 1;
	}
	buf_free(&err);
	if (!practice_signals(l, true)) {
		fprintf(stderr, "smtpscope practice: cannot set up signal handling\n");
		practice_free(p);
		loop_free(l);
		return 1;
	}
	if (cli.json)
		practice_banner_json(p);
	else
		practice_banner(p);
	fflush(stdout);
	loop_run(l);
	unsigned long long served = practice_clients_served(p);
	unsigned long long msgs = practice_messages_accepted(p);
	practice_free(p);
	practice_signals(l, false);
	loop_free(l);
	if (cli.json)
		printf("{\"event\":\"stopped\",\"clients\":%llu,\"messages\":%llu}\n", served, msgs);
	else
		printf("stopped: %llu client%s served, %llu message%s accepted\n", served,
		       served == 1 ? "" : "s", msgs, msgs == 1 ? "" : "s");
	return 0;
}
