/* cmd_connect.c - `smtpscope connect`: an interactive SMTP session in line
 * mode (RFC 5321): lines typed on stdin are sent as typed, ':' helpers do
 * AUTH, DATA, BDAT, STARTTLS and whole transactions, and every reply is
 * shown with its meaning. Replaces telnet and `openssl s_client -starttls`. */
#include "tui/commands.h"
#include "probe/loop.h"
#include "probe/helpers.h"
#include "probe/session.h"
#include "tui/transcript.h"
#include "tui/tui_main.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void connect_usage(FILE *f)
{
	fprintf(f,
		"usage: smtpscope connect [OPTIONS] HOST[:PORT] | [IPv6]:PORT | /unix/socket | @domain\n\n"
		"Open an SMTP session and talk to the server line by line. Lines read from\n"
		"stdin are sent exactly as typed, one after each reply (never before the\n"
		"greeting); every reply is shown with what it means and what to try next.\n"
		"@domain connects to the best reachable MX host of the domain.\n"
		"A line '::text' sends ':text'. At the end of input QUIT is sent.\n\n");
	fprintf(f, "%s\n%s\n", helper_help_text(), transcript_cli_usage);
	fprintf(f, "\nExit status: 0 when nothing failed; otherwise the stage that failed first:\n"
		   "10 connect, 11 greeting, 12 EHLO, 13 TLS, 14 AUTH, 15 MAIL, 16 RCPT (every\n"
		   "recipient refused), 17 DATA, 18 message, 19 QUIT; 2 usage; 3 local error\n"
		   "(unreadable file, bad helper line); 1 internal error.\n");
}

static int connect_parse(struct transcript_cli *c, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			connect_usage(stdout);
			return 0;
		}
		int r = transcript_cli_option(c, "connect", argc, argv, &i);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if (a[0] == '-' && a[1]) {
			fprintf(stderr, "smtpscope connect: unknown option %s (see --help)\n", a);
			return 2;
		}
		if (c->have_target) {
			fprintf(stderr, "smtpscope connect: one destination only\n");
			return 2;
		}
		if (!transcript_cli_target(c, "connect", a))
			return 2;
	}
	if (!c->have_target) {
		connect_usage(stderr);
		return 2;
	}
	if (c->so.implicit_tls && c->so.starttls) {
		fprintf(stderr, "smtpscope connect: --tls and --starttls exclude each other\n");
		return 2;
	}
	return -1;
}

int cmd_connect(int argc, char **argv)
{
	if (tui_wants_connect(argc, argv)) /* on a terminal: the Session screen */
		return tui_run_connect(argc, argv);
	struct transcript_cli c;
	transcript_cli_init(&c);
	int rc = connect_parse(&c, argc, argv);
	if (rc >= 0)
		return rc;
	transcript_cli_finish(&c);
	struct transcript_run_opts ro = {
		.json = c.json, .pretty = c.pretty, .text_file = c.text_file, .json_file = c.json_file,
		.input_fd = 0, .summary = false,
	};
	struct transcript_runner *r = transcript_runner_new(&ro);
	if (!r)
		return SESS_EXIT_LOCAL;
	struct loop *l = loop_new();
	struct session *s = session_new(l, &c.so, transcript_runner_cb, r);
	rc = transcript_runner_run(r, l, s);
	session_free(s);
	loop_free(l);
	transcript_runner_free(r);
	transcript_cli_free(&c);
	return rc;
}
