/* test_session.c - the live session (probe/session.h) against a scripted
 * SMTP server run in the same event loop on a unix socket: a whole
 * transaction with queue id, dot-stuffing, AUTH PLAIN/LOGIN/CRAM-MD5
 * (RFC 2195 vector)/XOAUTH2 with masking, typed :data and :bdat (RFC 3030),
 * :pipeline (RFC 2920), LMTP replies per recipient (RFC 2033), every
 * recipient refused with stop-on-failure, timeouts, an endless line, a flood
 * of code-less lines, the entry cap, and secrets asked for by event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "decode/txn.h"
#include "probe/helpers.h"
#include "probe/loop.h"
#include "probe/session.h"

enum srv_mode { M_NORMAL, M_SILENT, M_ENDLESS, M_FLOOD, M_LMTP, M_REFUSE_RCPT };

struct srv {
	struct loop *l;
	int lfd, cfd;
	char path[108];
	enum srv_mode mode;
	char in[1 << 16];
	size_t inlen;
	bool data, auth_cram, auth_login, auth_xoauth;
	int login_step;
	size_t bdat_left;
	bool bdat_last;
	char body[1 << 16]; /* message content as received (DATA unstuffed by us: raw) */
	size_t bodylen;
	char log[1 << 15]; /* every command line received, '\n' separated */
	size_t loglen;
	int rcpts;
	bool endless_armed;
};

static void srv_send(struct srv *s, const char *t)
{
	size_t n = strlen(t);
	assert_int_equal(write(s->cfd, t, n), (ssize_t)n);
}

static void srv_log(struct srv *s, const char *l, size_t n)
{
	if (s->loglen + n + 1 < sizeof s->log) {
		memcpy(s->log + s->loglen, l, n);
		s->loglen += n;
		s->log[s->loglen++] = '\n';
		s->log[s->loglen] = '\0';
	}
}

static bool starts(const char *l, const char *p)
{
	return strncasecmp(l, p, strlen(p)) == 0;
}

static void srv_auth_line(struct srv *s, const char *l)
{
	if (s->auth_cram) { /* RFC 2195 example */
		s->auth_cram = false;
		srv_send(s, strcmp(l, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw") ? "535 5.7.8 bad\r\n"
											   : "235 2.7.0 ok\r\n");
	} else if (s->auth_xoauth) {
		s->auth_xoauth = false;
		srv_send(s, l[0] ? "500 expected an empty line\r\n" : "535 5.7.8 token rejected\r\n");
	} else if (s->login_step == 1) {
		s->login_step = 2;
		srv_send(s, strcmp(l, "ZGVtbw==") ? "535 bad user\r\n" : "334 UGFzc3dvcmQ6\r\n");
	} else if (s->login_step == 2) {
		s->login_step = 0;
		srv_send(s, strcmp(l, "czNjcmV0") ? "535 5.7.8 bad\r\n" : "235 2.7.0 ok\r\n");
	}
}

static void srv_command(struct srv *s, const char *l)
{
	if (s->auth_cram || s->auth_xoauth || s->login_step) {
		srv_auth_line(s, l);
		return;
	}
	if (starts(l, "EHLO") || starts(l, "LHLO")) {
		srv_send(s, s->mode == M_LMTP && starts(l, "EHLO") ? "500 use LHLO\r\n"
				: "250-srv.test\r\n250-PIPELINING\r\n250-CHUNKING\r\n250-SIZE 1000\r\n"
				  "250 AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2\r\n");
	} else if (starts(l, "AUTH PLAIN ")) {
		srv_send(s, strcmp(l + 11, "AGRlbW8AczNjcmV0") ? "535 5.7.8 bad\r\n" : "235 2.7.0 ok\r\n");
	} else if (starts(l, "AUTH LOGIN")) {
		s->login_step = 1;
		srv_send(s, "334 VXNlcm5hbWU6\r\n");
	} else if (starts(l, "AUTH CRAM-MD5")) {
		s->auth_cram = true;
		srv_send(s, "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n");
	} else if (starts(l, "AUTH XOAUTH2 ")) {
		s->auth_xoauth = true;
		srv_send(s, "334 eyJzdGF0dXMiOiI0MDEifQ==\r\n");
	} else if (starts(l, "MAIL")) {
		s->rcpts = 0;
		srv_send(s, "250 2.1.0 Ok\r\n");
	} else if (starts(l, "RCPT")) {
		bool bad = s->mode == M_REFUSE_RCPT || strstr(l, "nobody");
		s->rcpts += !bad;
		srv_send(s, bad ? "550 5.1.1 <nobody@example.test>: Recipient address rejected\r\n"
				: "250 2.1.5 Ok\r\n");
	} else if (starts(l, "DATA")) {
		s->data = true;
		srv_send(s, "354 End data with <CR><LF>.<CR><LF>\r\n");
	} else if (starts(l, "BDAT ")) {
		s->bdat_left = strtoul(l + 5, NULL, 10);
		s->bdat_last = strstr(l, "LAST") != NULL;
		if (s->bdat_left == 0)
			srv_send(s, "250 2.0.0 Ok: queued as BDAT0ID\r\n");
	} else if (starts(l, "QUIT")) {
		srv_send(s, "221 2.0.0 Bye\r\n");
	} else if (starts(l, "RSET") || starts(l, "NOOP")) {
		srv_send(s, "250 2.0.0 Ok\r\n");
	} else {
		srv_send(s, "502 5.5.2 Error: command not recognized\r\n");
	}
}

static void srv_end_of_data(struct srv *s)
{
	if (s->mode != M_LMTP) {
		srv_send(s, "250 2.0.0 Ok: queued as 4ABCDEF123\r\n");
		return;
	}
	for (int i = 0; i < s->rcpts; i++)
		srv_send(s, i == 1 ? "452 4.2.2 <b@example.test> mailbox full\r\n" : "250 2.0.0 delivered\r\n");
}

/* Consume complete lines (or BDAT bytes) from the input buffer. */
static void srv_process(struct srv *s)
{
	size_t off = 0;
	while (off < s->inlen) {
		if (s->bdat_left) {
			size_t n = s->inlen - off < s->bdat_left ? s->inlen - off : s->bdat_left;
			memcpy(s->body + s->bodylen, s->in + off, n);
			s->bodylen += n;
			s->bdat_left -= n;
			off += n;
			if (!s->bdat_left)
				srv_send(s, s->bdat_last ? "250 2.0.0 Ok: queued as BDATID42\r\n" : "250 2.0.0 chunk ok\r\n");
			continue;
		}
		char *nl = memchr(s->in + off, '\n', s->inlen - off);
		if (!nl)
			break;
		size_t n = (size_t)(nl - (s->in + off)) + 1;
		if (s->data) {
			if (n == 3 && !memcmp(s->in + off, ".\r\n", 3)) {
				s->data = false;
				srv_end_of_data(s);
			} else {
				memcpy(s->body + s->bodylen, s->in + off, n);
				s->bodylen += n;
			}
		} else {
			char line[4096];
			size_t ll = n >= 2 ? n - 2 : 0;
			memcpy(line, s->in + off, ll);
			line[ll] = '\0';
			srv_log(s, line, ll);
			srv_command(s, line);
		}
		off += n;
	}
	memmove(s->in, s->in + off, s->inlen - off);
	s->inlen -= off;
}

static void srv_close_client(struct srv *s)
{
	if (s->cfd >= 0) {
		loop_fd_del(s->l, s->cfd);
		close(s->cfd);
	}
	s->cfd = -1;
}

static void srv_readable(struct loop *l, int fd, int events, void *ud)
{
	(void)l;
	(void)events;
	struct srv *s = ud;
	ssize_t n = read(fd, s->in + s->inlen, sizeof s->in - s->inlen);
	if (n <= 0) {
		srv_close_client(s);
		return;
	}
	s->inlen += (size_t)n;
	srv_process(s);
}

static void srv_endless(struct loop *l, int fd, int events, void *ud)
{
	(void)events;
	struct srv *s = ud;
	char chunk[8192];
	memset(chunk, 'A', sizeof chunk);
	if (write(fd, chunk, sizeof chunk) < 0 && errno != EAGAIN)
		srv_close_client(s);
	(void)l;
}

static void srv_accept(struct loop *l, int fd, int events, void *ud)
{
	(void)events;
	struct srv *s = ud;
	int c = accept(fd, NULL, NULL);
	if (c < 0)
		return;
	fcntl(c, F_SETFL, O_NONBLOCK);
	s->cfd = c;
	switch (s->mode) {
	case M_SILENT: loop_fd_add(l, c, LOOP_READ, srv_readable, s); return;
	case M_ENDLESS:
		srv_send(s, "220-");
		loop_fd_add(l, c, LOOP_WRITE, srv_endless, s);
		return;
	case M_FLOOD:
		for (int i = 0; i < 30; i++)
			srv_send(s, "garbage without a code\r\n");
		srv_send(s, "220 srv.test ready after the noise\r\n");
		break;
	case M_LMTP: srv_send(s, "220 srv.test LMTP\r\n"); break;
	default: srv_send(s, "220 srv.test ESMTP test\r\n"); break;
	}
	loop_fd_add(l, c, LOOP_READ, srv_readable, s);
}

static void srv_start(struct srv *s, struct loop *l, enum srv_mode mode)
{
	memset(s, 0, sizeof *s);
	s->l = l;
	s->mode = mode;
	s->cfd = -1;
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : P_tmpdir;
	snprintf(s->path, sizeof s->path, "%s/smtpscope-sess-%d-%d.sock", dir, (int)getpid(), (int)mode);
	unlink(s->path);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_un su = {.sun_family = AF_UNIX};
	memcpy(su.sun_path, s->path, strlen(s->path) + 1);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&su, sizeof su), 0);
	assert_int_equal(listen(s->lfd, 4), 0);
	loop_fd_add(l, s->lfd, LOOP_READ, srv_accept, s);
}

static void srv_stop(struct srv *s)
{
	srv_close_client(s);
	loop_fd_del(s->l, s->lfd);
	close(s->lfd);
	unlink(s->path);
}

/* ---- the client side ---- */

struct obs {
	bool finished;
	int entries, replies, commands;
	bool saw_secret_in_transcript;
	const char *secret_answer;
	int secret_asked;
	char all[1 << 16]; /* every entry line, '\n' separated */
	size_t alllen;
};

static void obs_cb(struct session *s, const struct session_event *ev, void *ud)
{
	struct obs *o = ud;
	if (ev->type == SESS_EV_FINISHED)
		o->finished = true;
	if (ev->type == SESS_EV_NEED_SECRET) {
		o->secret_asked++;
		session_provide_secret(s, o->secret_answer);
	}
	if (ev->type != SESS_EV_ENTRY)
		return;
	const struct session_entry *e = ev->entry;
	o->entries++;
	o->replies += e->kind == SESS_E_REPLY;
	o->commands += e->kind == SESS_E_COMMAND;
	for (size_t i = 0; i < e->nlines; i++) {
		if (strstr(e->lines[i].p, "czNjcmV0") || strstr(e->lines[i].p, "s3cret"))
			o->saw_secret_in_transcript = true;
		if (o->alllen + e->lines[i].len + 2 < sizeof o->all) {
			memcpy(o->all + o->alllen, e->lines[i].p, e->lines[i].len);
			o->alllen += e->lines[i].len;
			o->all[o->alllen++] = '\n';
			o->all[o->alllen] = '\0';
		}
	}
}

static void run_until_done(struct loop *l, struct obs *o)
{
	for (int i = 0; i < 20000 && !o->finished; i++)
		loop_run_once(l, 100);
	assert_true(o->finished);
}

static struct session_opts base_opts(const struct srv *srv)
{
	struct session_opts so = {.unix_path = srv->path, .auto_ehlo = true, .ehlo_name = "client.test",
				  .greeting_timeout_ms = 3000, .reply_timeout_ms = 3000, .connect_timeout_ms = 3000};
	return so;
}

static void input(struct session *s, const char *line)
{
	assert_true(session_input(s, line, strlen(line)));
}

static void test_transaction(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct srv srv;
	srv_start(&srv, l, M_NORMAL);
	struct obs o = {0};
	struct session_opts so = base_opts(&srv);
	struct session *s = session_new(l, &so, obs_cb, &o);
	input(s, ":send --from a@example.test --to b@example.test --to nobody@example.test "
		 "--subject hi --body \".dot first\nsecond\"");
	session_input_end(s);
	run_until_done(l, &o);
	const struct session_result *r = session_result(s);
	assert_true(r->accepted);
	assert_int_equal(r->failed, SESS_STAGE_NONE);
	assert_string_equal(r->queue_id, "4ABCDEF123");
	assert_int_equal(r->final_code, 250);
	assert_int_equal(r->nrejected, 1);
	assert_string_equal(r->rejected[0].addr, "nobody@example.test");
	assert_int_equal(r->rejected[0].code, 550);
	assert_string_equal(r->rejected[0].status, "5.1.1");
	assert_int_equal(r->rejected[0].reason, REASON_USERUNKNOWN);
	assert_int_equal(session_exit_code(r, SESS_STAGE_NONE, true), 0);
	/* the server got the stuffed line, pipelined MAIL and RCPT, then QUIT */
	assert_non_null(strstr(srv.body, "\r\n..dot first\r\nsecond\r\n"));
	assert_non_null(strstr(srv.body, "Subject: hi\r\n"));
	assert_non_null(strstr(srv.log, "EHLO client.test\nMAIL FROM:<a@example.test>\nRCPT TO:<b@example.test>\n"));
	assert_non_null(strstr(srv.log, "QUIT"));
	/* the transcript shows the unstuffed content and the end marker */
	assert_non_null(strstr(o.all, "\n.dot first\n"));
	assert_true(o.replies >= 7);
	const struct txn_session *t = session_txn(s);
	assert_int_equal(t->ntxns, 1);
	assert_int_equal(t->txns[0]->outcome, TXN_OUT_DELIVERED);
	assert_int_equal(session_state(s), SESS_S_CLOSED);
	/* the EHLO reply entry carries the keywords explained */
	bool found = false;
	for (size_t i = 0; i < session_entry_count(s); i++) {
		const struct session_entry *e = session_entry_at(s, i);
		if (e->kind == SESS_E_REPLY && e->answers == SMTP_CMD_EHLO) {
			assert_true(e->nexts >= 4);
			assert_string_equal(e->exts[2].keyword, "SIZE");
			assert_non_null(strstr(e->exts[2].detail, "1000 bytes"));
			found = true;
		}
		if (e->kind == SESS_E_REPLY && e->answers == SMTP_CMD_MAIL)
			assert_true(e->latency_us >= 0);
	}
	assert_true(found);
	session_free(s);
	srv_stop(&srv);
	loop_free(l);
}

static void test_auth_mechanisms(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct srv srv;
	srv_start(&srv, l, M_NORMAL);
	struct obs o = {0};
	struct session_opts so = base_opts(&srv);
	struct session *s = session_new(l, &so, obs_cb, &o);
	input(s, ":auth plain demo s3cret");
	input(s, ":auth login demo s3cret");
	input(s, ":auth cram-md5 tim tanstaaftanstaaf");
	input(s, ":auth xoauth2 u@example.test tok");
	session_input_end(s);
	run_until_done(l, &o);
	assert_false(o.saw_secret_in_transcript);
	assert_non_null(strstr(o.all, "AUTH PLAIN ***\n"));
	/* the CRAM-MD5 digest allows offline guessing: masked too, but it went out */
	assert_null(strstr(o.all, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"));
	assert_non_null(strstr(srv.log, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"));
	assert_non_null(strstr(srv.log, "AUTH PLAIN AGRlbW8AczNjcmV0\n"));
	assert_non_null(strstr(srv.log, "\nczNjcmV0\n")); /* LOGIN password went out */
	/* the XOAUTH2 refusal is the first failure; the three before it passed */
	const struct session_result *r = session_result(s);
	assert_int_equal(r->failed, SESS_STAGE_AUTH);
	assert_non_null(strstr(r->failed_why, "535"));
	assert_int_equal(r->reached, SESS_STAGE_QUIT);
	int ok235 = 0;
	for (size_t i = 0; i < session_entry_count(s); i++) {
		const struct session_entry *e = session_entry_at(s, i);
		ok235 += e->kind == SESS_E_REPLY && e->code == 235;
	}
	assert_int_equal(ok235, 3);
	session_free(s);
	srv_stop(&srv);
	loop_free(l);
}

static void test_typed_data_bdat_pipeline(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct srv srv;
	srv_start(&srv, l, M_NORMAL);
	struct obs o = {0};
	struct session_opts so = base_opts(&srv);
	struct session *s = session_new(l, &so, obs_cb, &o);
	input(s, ":pipeline MAIL FROM:<a@example.test>; RCPT TO:<b@example.test>");
	input(s, ":data");
	input(s, "Subject: typed");
	input(s, "");
	input(s, ".leading dot");
	input(s, "::not a helper inside content");
	input(s, ".");
	input(s, "MAIL FROM:<a@example.test>");
	input(s, "RCPT TO:<b@example.test>");
	input(s, ":bdat --chunk 10");
	input(s, "0123456789abcdef");
	input(s, ".");
	session_input_end(s);
	run_until_done(l, &o);
	const struct session_result *r = session_result(s);
	assert_int_equal(r->failed, SESS_STAGE_NONE);
	assert_int_equal(r->messages_accepted, 2);
	assert_string_equal(r->queue_id, "BDATID42");
	/* DATA content stuffed; helper-looking lines are content there */
	assert_non_null(strstr(srv.body, "Subject: typed\r\n\r\n..leading dot\r\n::not a helper inside content\r\n"));
	/* BDAT: 18 bytes in chunks of 10: "BDAT 10" then "BDAT 8 LAST" */
	assert_non_null(strstr(srv.log, "BDAT 10\n"));
	assert_non_null(strstr(srv.log, "BDAT 8 LAST\n"));
	assert_non_null(strstr(srv.body, "0123456789abcdef\r\n"));
	session_free(s);
	srv_stop(&srv);
	loop_free(l);
}

static void test_refused_rcpt_stops(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct srv srv;
	srv_start(&srv, l, M_REFUSE_RCPT);
	struct obs o = {0};
	struct session_opts so = base_opts(&srv);
	so.stop_on_failure = true;
	struct session *s = session_new(l, &so, obs_cb, &o);
	input(s, ":send --from a@example.test --to x@example.test --to y@example.test");
	input(s, "NOOP"); /* dropped by the stop */
	session_input_end(s);
	run_until_done(l, &o);
	const struct session_result *r = session_result(s);
	assert_int_equal(r->failed, SESS_STAGE_RCPT);
	assert_int_equal(r->nrejected, 2);
	assert_int_equal(session_exit_code(r, SESS_STAGE_NONE, true), 16);
	assert_null(strstr(srv.log, "DATA"));
	assert_null(strstr(srv.log, "NOOP"));
	assert_non_null(strstr(srv.log, "QUIT"));
	session_free(s);
	srv_stop(&srv);
	loop_free(l);
}

static void test_lmtp(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct srv srv;
	srv_start(&srv, l, M_LMTP);
	struct obs o = {0};
	struct session_opts so = base_opts(&srv);
	so.lmtp = true;
	struct session *s = session_new(l, &so, obs_cb, &o);
	input(s, ":send --from a@example.test --to a@example.test --to b@example.test --to c@example.test");
	session_input_end(s);
	run_until_done(l, &o);
	assert_non_null(strstr(srv.log, "LHLO client.test"));
	const struct session_result *r = session_result(s);
	assert_int_equal(r->messages_accepted + r->messages_refused, 3);
	assert_int_equal(r->messages_refused, 1);
	assert_int_equal(r->failed, SESS_STAGE_MESSAGE);
	assert_non_null(strstr(srv.log, "QUIT"));
	session_free(s);
	srv_stop(&srv);
	loop_free(l);
}

static void test_greeting_timeout(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct srv srv;
	srv_start(&srv, l, M_SILENT);
	struct obs o = {0};
	struct session_opts so = base_opts(&srv);
	so.greeting_timeout_ms = 300;
	struct session *s = session_new(l, &so, obs_cb, &o);
	input(s, "EHLO never.sent");
	session_input_end(s);
	uint64_t t0 = loop_clock_ms();
	run_until_done(l, &o);
	uint64_t took = loop_clock_ms() - t0;
	assert_true(took >= 250 && took < 3000);
	const struct session_result *r = session_result(s);
	assert_int_equal(r->failed, SESS_STAGE_GREETING);
	assert_non_null(strstr(r->failed_why, "timed out"));
	assert_int_equal(session_exit_code(r, SESS_STAGE_NONE, false), 11);
	assert_int_equal(srv.loglen, 0); /* nothing was sent before a greeting */
	session_free(s);
	srv_stop(&srv);
	loop_free(l);
}

static void test_endless_line(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct srv srv;
	srv_start(&srv, l, M_ENDLESS);
	struct obs o = {0};
	struct session_opts so = base_opts(&srv);
	so.greeting_timeout_ms = 20000;
	struct session *s = session_new(l, &so, obs_cb, &o);
	session_input_end(s);
	run_until_done(l, &o);
	const struct session_result *r = session_result(s);
	assert_int_equal(r->failed, SESS_STAGE_GREETING);
	assert_non_null(strstr(r->failed_why, "without a complete reply"));
	session_free(s);
	srv_stop(&srv);
	loop_free(l);
}

static void test_flood_and_entry_cap(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct srv srv;
	srv_start(&srv, l, M_FLOOD);
	struct obs o = {0};
	struct session_opts so = base_opts(&srv);
	so.max_entries = 12;
	struct session *s = session_new(l, &so, obs_cb, &o);
	session_input_end(s);
	run_until_done(l, &o);
	assert_int_equal(session_result(s)->failed, SESS_STAGE_NONE);
	assert_non_null(strstr(o.all, "10 more lines without a reply code were not shown"));
	assert_true(session_entry_count(s) <= 12);
	assert_true(session_entries_dropped(s) > 0);
	assert_int_equal(session_entry_at(s, 0)->id, session_entries_dropped(s) + 1);
	assert_null(session_entry_at(s, session_entry_count(s)));
	session_free(s);
	srv_stop(&srv);
	loop_free(l);
}

static void test_secret_by_event(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct srv srv;
	srv_start(&srv, l, M_NORMAL);
	struct obs o = {.secret_answer = "s3cret"};
	struct session_opts so = base_opts(&srv);
	struct session *s = session_new(l, &so, obs_cb, &o);
	input(s, ":auth plain demo");
	input(s, ":bogus helper");
	session_input_end(s);
	run_until_done(l, &o);
	assert_int_equal(o.secret_asked, 1);
	assert_int_equal(session_result(s)->reached, SESS_STAGE_QUIT);
	assert_true(session_result(s)->local_error); /* the bad helper line */
	assert_int_equal(session_exit_code(session_result(s), SESS_STAGE_NONE, false), SESS_EXIT_LOCAL);
	assert_non_null(strstr(srv.log, "AUTH PLAIN AGRlbW8AczNjcmV0"));
	assert_false(o.saw_secret_in_transcript);
	session_free(s);
	srv_stop(&srv);
	loop_free(l);

	/* no secret available: the helper fails without sending AUTH */
	l = loop_new();
	srv_start(&srv, l, M_NORMAL);
	struct obs o2 = {.secret_answer = NULL};
	so = base_opts(&srv);
	s = session_new(l, &so, obs_cb, &o2);
	input(s, ":auth login demo");
	session_input_end(s);
	run_until_done(l, &o2);
	assert_null(strstr(srv.log, "AUTH"));
	assert_true(session_result(s)->local_error);
	session_free(s);
	srv_stop(&srv);
	loop_free(l);
}

static void test_connect_failure(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct obs o = {0};
	struct session_opts so = {.unix_path = "/nonexistent/smtpscope.sock", .auto_ehlo = true};
	struct session *s = session_new(l, &so, obs_cb, &o);
	input(s, "NOOP");
	run_until_done(l, &o);
	const struct session_result *r = session_result(s);
	assert_int_equal(r->failed, SESS_STAGE_CONNECT);
	assert_int_equal(session_exit_code(r, SESS_STAGE_NONE, true), 10);
	assert_false(session_input(s, "NOOP", 4)); /* closed: refused */
	session_free(s);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transaction),
		cmocka_unit_test(test_auth_mechanisms),
		cmocka_unit_test(test_typed_data_bdat_pipeline),
		cmocka_unit_test(test_refused_rcpt_stops),
		cmocka_unit_test(test_lmtp),
		cmocka_unit_test(test_greeting_timeout),
		cmocka_unit_test(test_endless_line),
		cmocka_unit_test(test_flood_and_entry_cap),
		cmocka_unit_test(test_secret_by_event),
		cmocka_unit_test(test_connect_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
