/* transcript_run.c - run a live session in line mode: input lines read in
 * the event loop (stdin or a script) and handed to the session, every entry
 * printed as it comes (text or JSON, RFC 8259) and saved to the transcript
 * files, secrets asked for on the terminal with echo off. */
#include "tui/transcript.h"
#include "decode/buf.h"
#include "decode/limits.h"
#include "decode/xmalloc.h"
#include "probe/loop.h"
#include "tui/json.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define RUN_READ_CHUNK 65536

struct transcript_runner {
	struct transcript_run_opts o;
	FILE *tf, *jf;
	struct json jout, jfile;
	struct loop *l;
	struct session *s;
	int fd;
	bool fd_on, paused, eof;
	struct buf line;
	bool too_long;
	bool secret_next, echo_off;
	struct termios saved;
	uint64_t hook;
	bool finished;
};

static FILE *run_open(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "smtpscope: cannot write %s: %s\n", path, strerror(errno));
	return f;
}

struct transcript_runner *transcript_runner_new(const struct transcript_run_opts *o)
{
	struct transcript_runner *r = xcalloc(1, sizeof *r);
	r->o = *o;
	r->fd = o->input_fd;
	buf_init(&r->line, SESSION_INPUT_LINE_MAX + 1);
	if ((o->text_file && !(r->tf = run_open(o->text_file))) ||
	    (o->json_file && !(r->jf = run_open(o->json_file)))) {
		transcript_runner_free(r);
		return NULL;
	}
	json_init(&r->jout, stdout, o->pretty);
	if (r->jf)
		json_init(&r->jfile, r->jf, o->pretty);
	return r;
}

static void run_echo(struct transcript_runner *r, bool on)
{
	if (on && r->echo_off) {
		tcsetattr(0, TCSANOW, &r->saved);
		r->echo_off = false;
	} else if (!on && !r->echo_off && tcgetattr(0, &r->saved) == 0) {
		struct termios t = r->saved;
		t.c_lflag &= ~(tcflag_t)ECHO;
		t.c_lflag |= ECHONL;
		r->echo_off = tcsetattr(0, TCSANOW, &t) == 0;
	}
}

void transcript_runner_free(struct transcript_runner *r)
{
	if (!r)
		return;
	run_echo(r, true);
	if (r->tf)
		fclose(r->tf);
	if (r->jf)
		fclose(r->jf);
	if (r->line.data)
		OPENSSL_cleanse(r->line.data, r->line.len);
	buf_free(&r->line);
	free(r);
}

static void run_need_secret(struct transcript_runner *r, struct session *s, const char *prompt)
{
	const char *env = getenv("SMTPSCOPE_SECRET");
	if (env && *env) {
		session_provide_secret(s, env);
		return;
	}
	if (r->fd == 0 && isatty(0) && !r->eof) {
		fprintf(stderr, "%s: ", prompt);
		fflush(stderr);
		run_echo(r, false);
		r->secret_next = true;
		return;
	}
	session_provide_secret(s, NULL);
}

void transcript_runner_cb(struct session *s, const struct session_event *ev, void *ud)
{
	struct transcript_runner *r = ud;
	switch (ev->type) {
	case SESS_EV_ENTRY:
		if (r->o.json)
			transcript_json_entry(&r->jout, ev->entry);
		else
			transcript_text_entry(stdout, ev->entry);
		if (r->tf)
			transcript_text_entry(r->tf, ev->entry);
		if (r->jf)
			transcript_json_entry(&r->jfile, ev->entry);
		break;
	case SESS_EV_NEED_SECRET: run_need_secret(r, s, ev->prompt); break;
	case SESS_EV_FINISHED:
		r->finished = true;
		if (r->l)
			loop_stop(r->l);
		break;
	default: break;
	}
}

static void run_deliver(struct transcript_runner *r, const uint8_t *p, size_t n)
{
	if (n && p[n - 1] == '\r')
		n--;
	if (r->secret_next) {
		r->secret_next = false;
		run_echo(r, true);
		char *sec = xmemdup0(p, n);
		session_provide_secret(r->s, sec);
		OPENSSL_cleanse(sec, n);
		free(sec);
		return;
	}
	session_input(r->s, (const char *)p, n);
}

static void run_bytes(struct transcript_runner *r, const uint8_t *p, size_t len)
{
	while (len) {
		const uint8_t *nl = memchr(p, '\n', len);
		size_t n = nl ? (size_t)(nl - p) : len;
		if (!r->too_long && !buf_append(&r->line, p, n)) {
			r->too_long = true;
			fprintf(stderr, "smtpscope: input line longer than %u bytes: skipped\n", SESSION_INPUT_LINE_MAX);
		}
		if (!nl)
			return;
		if (!r->too_long)
			run_deliver(r, r->line.data ? r->line.data : (const uint8_t *)"", r->line.len);
		buf_reset(&r->line);
		r->too_long = false;
		p += n + 1;
		len -= n + 1;
	}
}

static void run_input_end(struct transcript_runner *r)
{
	if (r->line.len && !r->too_long)
		run_deliver(r, r->line.data, r->line.len);
	buf_reset(&r->line);
	r->eof = true;
	if (r->fd_on)
		loop_fd_del(r->l, r->fd);
	r->fd_on = false;
	if (r->secret_next) {
		r->secret_next = false;
		run_echo(r, true);
		session_provide_secret(r->s, NULL);
	}
	session_input_end(r->s);
}

static void run_readable(struct loop *l, int fd, int events, void *ud)
{
	(void)l;
	(void)events;
	struct transcript_runner *r = ud;
	uint8_t *chunk = xmalloc(RUN_READ_CHUNK);
	ssize_t n = read(fd, chunk, RUN_READ_CHUNK);
	if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
		free(chunk);
		return;
	}
	if (n <= 0) {
		if (n < 0)
			fprintf(stderr, "smtpscope: reading input: %s\n", strerror(errno));
		free(chunk);
		run_input_end(r);
		return;
	}
	run_bytes(r, chunk, (size_t)n);
	free(chunk);
	if (session_input_pending(r->s) > SESSION_INPUT_QUEUE_MAX && r->fd_on) {
		loop_fd_set(r->l, r->fd, 0);
		r->paused = true;
	}
}

static void run_before_poll(struct loop *l, void *ud)
{
	struct transcript_runner *r = ud;
	if (r->paused && r->fd_on && session_input_pending(r->s) < SESSION_INPUT_QUEUE_MAX / 2) {
		loop_fd_set(l, r->fd, LOOP_READ);
		r->paused = false;
	}
}

int transcript_runner_run(struct transcript_runner *r, struct loop *l, struct session *s)
{
	r->l = l;
	r->s = s;
	if (r->o.json)
		transcript_json_begin(&r->jout);
	if (r->jf)
		transcript_json_begin(&r->jfile);
	if (r->fd >= 0)
		r->fd_on = loop_fd_add(l, r->fd, LOOP_READ, run_readable, r);
	r->hook = loop_hook_add(l, run_before_poll, r);
	while (!r->finished)
		if (loop_run_once(l, -1) < 0)
			break;
	if (r->fd_on)
		loop_fd_del(l, r->fd);
	r->fd_on = false;
	loop_hook_del(l, r->hook);
	run_echo(r, true);
	const struct session_result *res = session_result(s);
	uint64_t dropped = session_entries_dropped(s);
	int code = r->finished ? session_exit_code(res, r->o.quit_after, r->o.expect_message) : SESS_EXIT_INTERNAL;
	if (r->o.json)
		transcript_json_end(&r->jout, res, code, dropped);
	else if (r->o.summary)
		transcript_text_result(stdout, res, code, dropped);
	if (r->tf)
		transcript_text_result(r->tf, res, code, dropped);
	if (r->jf)
		transcript_json_end(&r->jfile, res, code, dropped);
	return code;
}
