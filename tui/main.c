/* main.c - smtpscope's entry point: the subcommand table, --help and --version. */
#include "tui/commands.h"
#include "tui/tui_main.h"

#include <stdio.h>
#include <string.h>

const struct command commands[] = {
	{"explain", "explain a reply code, a pasted reply, or a bounce message",
	 "explain [--json] CODE|REPLY|FILE|-", cmd_explain},
	{"practice", "run the built-in practice SMTP server on loopback",
	 "practice [--port N] [--tls-port N] [--json]", cmd_practice},
	{"decode", "show every SMTP session of a pcap/pcapng capture as a timeline",
	 "decode [--json|--summary] [-f FILTER] [--extract DIR] FILE|-", cmd_decode},
	{"capture", "capture SMTP live from a network interface, shown as decode shows a file",
	 "capture -i IFACE [-f FILTER] [--json|--summary] [--duration SECS]", cmd_capture},
	{"connect", "open a live SMTP session: type commands, see each reply explained",
	 "connect [--starttls|--tls] [OPTIONS] HOST[:PORT]|[IPv6]:PORT|/socket|@domain", cmd_connect},
	{"send", "send one message like swaks; the exit status names the stage that failed",
	 "send --server HOST[:PORT] --from A --to B [OPTIONS]", cmd_send},
	{NULL, NULL, NULL, NULL},
};

static void main_usage(FILE *out)
{
	fprintf(out, "usage: smtpscope [--help] [--version] COMMAND [ARGS]\n\n"
		     "A terminal SMTP debugger and mail-flow analyser.\n\nCommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out, "\nRun 'smtpscope COMMAND --help' for a command's options; "
		     "see also smtpscope(1).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		if (tui_available())
			return tui_run(TUI_SCREEN_HOME, NULL);
		main_usage(stderr);
		return 2;
	}
	const char *arg = argv[1];
	if (!strcmp(arg, "--help") || !strcmp(arg, "-h") || !strcmp(arg, "help")) {
		main_usage(stdout);
		return 0;
	}
	if (!strcmp(arg, "--version") || !strcmp(arg, "-V")) {
		printf("smtpscope %s\n", SMTPSCOPE_VERSION);
		return 0;
	}
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(arg, c->name))
			return c->run(argc - 1, argv + 1);
	fprintf(stderr, "smtpscope: unknown command '%s'\n", arg);
	main_usage(stderr);
	return 2;
}
