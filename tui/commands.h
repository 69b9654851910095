/* commands.h - the subcommands of the command-line front. Each returns the
 * process exit status. */
#ifndef SMTPSCOPE_COMMANDS_H
#define SMTPSCOPE_COMMANDS_H

struct command {
	const char *name;
	const char *summary;
	const char *usage;
	int (*run)(int argc, char **argv);
};

int cmd_explain(int argc, char **argv);
int cmd_practice(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_connect(int argc, char **argv);
int cmd_send(int argc, char **argv);

/* The table, terminated by a NULL name. */
extern const struct command commands[];

#endif
