/* transcript.h - a live session's transcript rendered as annotated text or
 * as JSON (RFC 8259), the line-mode runner shared by `connect` and `send`,
 * and the options they share. Everything from the network is shown
 * sanitised (tui/out.h); secrets are masked in the model already. */
#ifndef SMTPSCOPE_TRANSCRIPT_H
#define SMTPSCOPE_TRANSCRIPT_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "probe/session.h"

struct json;
struct loop;

/* ---- rendering (transcript.c) ---- */

/* "12:00:01.234" (local time) or, with iso, "2026-01-02T11:00:01.234Z". */
void transcript_time(int64_t us, bool iso, char *out, size_t size);
/* One entry as text lines: time, direction, the raw lines made printable,
 * then the annotation (reply meaning, reason, cause, fix, extensions). */
void transcript_text_entry(FILE *f, const struct session_entry *e);
/* The closing summary: outcome, queue id, refused recipients, exit status. */
void transcript_text_result(FILE *f, const struct session_result *r, int exit_code, uint64_t dropped);
/* JSON document: {"events":[ entry... ],"result":{...}} written as it goes. */
void transcript_json_begin(struct json *j);
void transcript_json_entry(struct json *j, const struct session_entry *e);
void transcript_json_end(struct json *j, const struct session_result *r, int exit_code, uint64_t dropped);

/* ---- options shared by connect and send (transcript_cli.c) ---- */

struct transcript_cli {
	struct session_opts so;
	struct session_target target;
	bool have_target;
	bool json, pretty;
	const char *text_file, *json_file;
	char *secret;            /* owned, wiped */
};

/* Usage lines of the shared options. */
extern const char transcript_cli_usage[];
void transcript_cli_init(struct transcript_cli *c);
void transcript_cli_free(struct transcript_cli *c);
/* argv[*i] is an option: consume it (and its value) and return 1; 0 when it
 * is not a shared option; -1 on a bad value (message on stderr). */
int transcript_cli_option(struct transcript_cli *c, const char *cmd, int argc, char **argv, int *i);
/* Set the destination; false (message on stderr) when it does not parse. */
bool transcript_cli_target(struct transcript_cli *c, const char *cmd, const char *t);
/* Fill so's destination fields from target, after the options. */
void transcript_cli_finish(struct transcript_cli *c);
/* SMTPSCOPE_SECRET, or the first line of a file; false with a message. */
bool transcript_cli_secret_file(struct transcript_cli *c, const char *cmd, const char *path);
/* Ask on the terminal with echo off; false when there is no terminal. */
bool transcript_cli_prompt_secret(struct transcript_cli *c, const char *prompt);

/* ---- the line-mode runner (transcript_run.c) ---- */

struct transcript_run_opts {
	bool json, pretty;         /* stdout: one JSON document instead of text */
	const char *text_file;     /* --transcript */
	const char *json_file;     /* --transcript-json */
	int input_fd;              /* lines for the session (stdin, a script), -1: none */
	bool summary;              /* print the result summary (text mode) */
	enum session_stage quit_after;
	bool expect_message;
};

struct transcript_runner;

/* NULL (message on stderr) when a transcript file cannot be opened. */
struct transcript_runner *transcript_runner_new(const struct transcript_run_opts *o);
void transcript_runner_free(struct transcript_runner *r);
/* The callback to give session_new with the runner as its user pointer. */
void transcript_runner_cb(struct session *s, const struct session_event *ev, void *ud);
/* Run the loop until the session finished; returns the exit status. */
int transcript_runner_run(struct transcript_runner *r, struct loop *l, struct session *s);

#endif
