/* test_txn.c - unit tests for the SMTP session/transaction model: outcomes per step (RFC 5321 3.3), latencies, header block, queue ids, AUTH result, RSET/EHLO resets, streaming mode with bounded memory, keep-all mode and the outcomes-only mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/limits.h"
#include "decode/smtp.h"
#include "decode/smtp_transcript.h"
#include "decode/txn.h"

/* Run a transcript into a session keeping keep (pooled storage or not). */
static struct txn_session *run_keep(const char *text, enum txn_keep keep, bool pool)
{
	struct smtp_transcript t;
	char err[96];
	assert_true(smtp_transcript_parse((const uint8_t *)text, strlen(text), &t, err, sizeof err));
	struct txn_session *s = txn_session_new(keep, NULL);
	if (pool)
		txn_session_use_pool(s);
	txn_session_set_truncated(s, t.truncated);
	struct smtp_parser_opts o = {.no_greeting = t.no_greeting, .answer_without_code = true};
	struct smtp_parser *p = smtp_parser_new(txn_session_event_fn, s, &o);
	smtp_transcript_feed(&t, p, NULL, NULL);
	smtp_parser_free(p);
	smtp_transcript_free(&t);
	return s;
}

static struct txn_session *run_with(const char *text, bool pool)
{
	return run_keep(text, TXN_KEEP_ALL, pool);
}

static struct txn_session *run(const char *text)
{
	return run_with(text, false);
}

#define LONG120 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnop"
#define HEAD "S: 220 mx ESMTP\nC: EHLO c\nS: 250-mx\nS: 250-SIZE 35882577\nS: 250-AUTH PLAIN LOGIN\nS: 250 PIPELINING\n"
#define ENV "C: MAIL FROM:<a@b.example> SIZE=100\nS: 250 2.1.0 Ok\nC: RCPT TO:<c@d.example>\nS: 250 2.1.5 Ok\n"

static void test_delivered(void **state)
{
	(void)state;
	struct txn_session *s = run(HEAD ENV "C: DATA\nS: 354 go\nC: Subject: hi\nC: X-Long: a\nC:  folded\nC: \n"
					     "C: body\nC: .\n@+ 2500\nS: 250 2.0.0 Ok: queued as 4ABC123\nC: QUIT\nS: 221 bye\n");
	assert_int_equal(s->ntxns, 1);
	struct txn *t = s->txns[0];
	assert_int_equal(t->outcome, TXN_OUT_DELIVERED);
	assert_string_equal(t->mail_from, "a@b.example");
	assert_int_equal(t->size, 100);
	assert_int_equal(t->nrcpts, 1);
	assert_int_equal(t->rcpts_ok, 1);
	assert_int_equal(t->rcpts[0].step.status, TXN_ST_OK);
	assert_string_equal(t->rcpts[0].step.reply.esc, "2.1.5");
	assert_int_equal(t->data_kind, TXN_DATA_DATA);
	assert_int_equal(t->data.reply.code, 354);
	assert_int_equal(t->final.reply.code, 250);
	assert_int_equal(t->final.reply.ts - t->final.ts, 2500); /* latency of the final reply */
	assert_string_equal(t->queue_id, "4ABC123");
	assert_string_equal(t->queue_mta, "postfix");
	assert_true(t->header_complete);
	assert_int_equal(t->header.len, strlen("Subject: hi\r\nX-Long: a\r\n folded\r\n"));
	assert_int_equal(t->msg_bytes, t->header.len + 2 + 6);
	/* session */
	assert_int_equal(s->greeting.code, 220);
	assert_string_equal(s->helo_name, "c");
	assert_int_equal(s->nexts, 3);
	assert_string_equal(s->exts[0].keyword, "SIZE");
	assert_string_equal(s->exts[0].params, "35882577");
	assert_string_equal(s->exts[1].params, "PLAIN LOGIN");
	assert_int_equal(s->ncommands, 6);
	assert_int_equal(s->commands[4]->kind, SMTP_CMD_MESSAGE);
	assert_int_equal(s->commands[4]->txn_index, 1);
	assert_int_equal(s->commands[5]->txn_index, 0);
	txn_session_free(s);
}

static void test_rejections(void **state)
{
	(void)state;
	struct txn_session *s = run(HEAD
		"C: MAIL FROM:<x@y>\nS: 550 5.7.1 no\nC: RSET\nS: 250 ok\n"
		"C= MAIL FROM:<a@b>\\r\\nRCPT TO:<c@d>\\r\\nRCPT TO:<e@f>\\r\\nDATA\\r\\n\n"
		"S= 250 ok\\r\\n450 4.2.1 later\\r\\n451 4.3.0 later\\r\\n554 5.5.1 no valid recipients\\r\\n\n"
		ENV "C: DATA\nS: 451 4.3.0 try later\n"
		ENV "C: DATA\nS: 354 go\nC: .\nS: 552 5.3.4 too big\n"
		ENV "C: RSET\nS: 250 ok\n"
		"C: MAIL FROM:<a@b>\nS: 250 ok\nC: EHLO again\nS: 250 ok\n"
		"C: MAIL FROM:<a@b>\nS: 250 ok\nC: MAIL FROM:<z@b>\nS: 250 ok\nC: QUIT\nS: 221 bye\n");
	static const enum txn_outcome want[] = {
		TXN_OUT_REJECTED_MAIL, TXN_OUT_REJECTED_RCPT, TXN_OUT_REJECTED_DATA, TXN_OUT_REJECTED_MESSAGE,
		TXN_OUT_ABORTED_RSET,  TXN_OUT_ABORTED_EHLO,  TXN_OUT_INCOMPLETE,    TXN_OUT_ABORTED_QUIT,
	};
	assert_int_equal(s->ntxns, 8);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(s->txns[i]->outcome, want[i]);
	assert_int_equal(s->txns[0]->outcome_status, TXN_ST_REJECTED);
	assert_int_equal(s->txns[1]->outcome_status, TXN_ST_DEFERRED); /* all RCPT 4xx */
	assert_int_equal(s->txns[1]->data.status, TXN_ST_REJECTED);
	assert_int_equal(s->txns[2]->outcome_status, TXN_ST_DEFERRED);
	assert_int_equal(s->txns[3]->outcome_status, TXN_ST_REJECTED);
	assert_string_equal(s->txns[3]->queue_id, "");
	assert_string_equal(txn_outcome_name(s->txns[1]->outcome), "rejected_rcpt");
	txn_session_free(s);
}

static void test_disconnect_and_truncated(void **state)
{
	(void)state;
	struct txn_session *s = run(HEAD ENV "C: DATA\nS: 354 go\nC: partial body\n");
	assert_int_equal(s->ntxns, 1);
	assert_int_equal(s->txns[0]->outcome, TXN_OUT_ABORTED_DISCONNECT);
	assert_true(s->ended);
	txn_session_free(s);
	s = run("!truncated\n" HEAD ENV "C: DATA\n");
	assert_int_equal(s->txns[0]->outcome, TXN_OUT_INCOMPLETE);
	assert_int_equal(s->txns[0]->data.status, TXN_ST_NO_REPLY);
	assert_int_equal(s->commands[s->ncommands - 1]->status, TXN_ST_NO_REPLY);
	txn_session_free(s);
	s = run(HEAD ENV "C: STARTTLS\nS: 220 go\n");
	assert_true(s->tls);
	assert_int_equal(s->txns[0]->outcome, TXN_OUT_ABORTED_TLS);
	txn_session_free(s);
}

static void test_bdat_and_auth(void **state)
{
	(void)state;
	struct txn_session *s = run(HEAD "C: AUTH PLAIN AGJvYgBwdw==\nS: 235 2.7.0 ok\n" ENV
					     "C= BDAT 4\\r\\nab\\r\\n\nS: 250 ok\nC= BDAT 3 LAST\\r\\ncd\\n\n"
					     "S: 250 OK id=1qXYZ-0004aB-Cd\n");
	assert_int_equal(s->auth_result, TXN_AUTH_OK);
	assert_string_equal(s->auth_mech, "PLAIN");
	assert_string_equal(s->auth_user, "bob");
	struct txn *t = s->txns[0];
	assert_int_equal(t->data_kind, TXN_DATA_BDAT);
	assert_int_equal(t->bdat_chunks, 2);
	assert_int_equal(t->msg_bytes, 7);
	assert_int_equal(t->outcome, TXN_OUT_DELIVERED);
	assert_string_equal(t->queue_id, "1qXYZ-0004aB-Cd");
	/* the AUTH command line keeps its secret marked */
	assert_int_equal(s->commands[1]->kind, SMTP_CMD_AUTH);
	assert_int_equal(s->commands[1]->secret_at, strlen("AUTH PLAIN "));
	struct buf b;
	buf_init(&b, 4096);
	txn_command_format(s->commands[1], &b);
	assert_null(strstr(buf_str(&b), "AGJvYgBwdw"));
	buf_free(&b);
	txn_session_free(s);

	s = run(HEAD "C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: Ym9i\nS: 334 UGFzc3dvcmQ6\nC: eA==\nS: 535 5.7.8 no\n");
	assert_int_equal(s->auth_result, TXN_AUTH_FAILED);
	assert_string_equal(s->auth_user, "bob");
	assert_int_equal(s->auth_reply.code, 535);
	txn_session_free(s);
	s = run(HEAD "C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: *\nS: 501 cancelled\n");
	assert_int_equal(s->auth_result, TXN_AUTH_CANCELLED);
	txn_session_free(s);
}

static void test_header_cap(void **state)
{
	(void)state;
	struct txn_session *s = txn_session_new(TXN_KEEP_ALL, NULL);
	struct smtp_parser *p = smtp_parser_new(txn_session_event_fn, s, NULL);
	const char *pre = "220 hi\r\n";
	smtp_feed(p, SMTP_DIR_SERVER, (const uint8_t *)pre, strlen(pre), 1);
	const char *c1 = "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n";
	smtp_feed(p, SMTP_DIR_CLIENT, (const uint8_t *)c1, strlen(c1), 2);
	const char *r1 = "250 ok\r\n250 ok\r\n354 go\r\n";
	smtp_feed(p, SMTP_DIR_SERVER, (const uint8_t *)r1, strlen(r1), 3);
	static char line[1000];
	memset(line, 'h', sizeof line);
	memcpy(line, "X-H: ", 5);
	memcpy(line + sizeof line - 2, "\r\n", 2);
	for (int i = 0; i < 100; i++) /* 100 KB of header fields */
		smtp_feed(p, SMTP_DIR_CLIENT, (const uint8_t *)line, sizeof line, 4);
	const char *end = "\r\nbody\r\n.\r\n";
	smtp_feed(p, SMTP_DIR_CLIENT, (const uint8_t *)end, strlen(end), 5);
	smtp_feed(p, SMTP_DIR_SERVER, (const uint8_t *)"250 ok\r\n", 8, 6);
	smtp_finish(p, 7);
	struct txn *t = s->txns[0];
	assert_true(t->header_truncated);
	assert_int_equal(t->header.len, SMTP_HEADER_BLOCK_MAX);
	assert_int_equal(t->msg_bytes, 100 * sizeof line + 8);
	smtp_parser_free(p);
	txn_session_free(s);
}

/* Streaming: 100,000 transactions handed over one by one, the session keeps none. */
struct stream_stats {
	uint64_t txns, delivered, commands;
	size_t max_inflight;
	struct txn_session *s;
};

static void on_txn(void *u, struct txn *t)
{
	struct stream_stats *st = u;
	st->txns++;
	st->delivered += t->outcome == TXN_OUT_DELIVERED;
	if (st->s->inq_len > st->max_inflight)
		st->max_inflight = st->s->inq_len;
	txn_free(t); /* ours now */
}

static void on_cmd(void *u, struct txn_command *c)
{
	struct stream_stats *st = u;
	st->commands++;
	txn_command_free(c);
}

static void test_streaming(void **state)
{
	(void)state;
	struct stream_stats st = {0};
	struct txn_callbacks cb = {.on_txn = on_txn, .on_command = on_cmd, .user = &st};
	struct txn_session *s = txn_session_new(TXN_KEEP_NONE, &cb);
	st.s = s;
	struct smtp_parser *p = smtp_parser_new(txn_session_event_fn, s, NULL);
	smtp_feed(p, SMTP_DIR_SERVER, (const uint8_t *)"220 hi\r\n", 8, 0);
	const char *cl = "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n";
	const char *sv = "250 ok\r\n250 ok\r\n354 go\r\n";
	const char *msg = "Subject: x\r\n\r\nhello\r\n.\r\n";
	const char *fin = "250 2.0.0 Ok: queued as ABC\r\n";
	for (int64_t i = 0; i < 100000; i++) {
		smtp_feed(p, SMTP_DIR_CLIENT, (const uint8_t *)cl, strlen(cl), i);
		smtp_feed(p, SMTP_DIR_SERVER, (const uint8_t *)sv, strlen(sv), i);
		smtp_feed(p, SMTP_DIR_CLIENT, (const uint8_t *)msg, strlen(msg), i);
		smtp_feed(p, SMTP_DIR_SERVER, (const uint8_t *)fin, strlen(fin), i);
	}
	smtp_finish(p, 100001);
	assert_int_equal(st.txns, 100000);
	assert_int_equal(st.delivered, 100000);
	assert_int_equal(st.commands, 400000);
	assert_int_equal(s->ntxns, 0);      /* nothing kept */
	assert_int_equal(s->ncommands, 0);
	assert_true(st.max_inflight <= 4); /* memory bounded by work in flight */
	assert_true(s->inq_alloc <= 8);
	smtp_parser_free(p);
	txn_session_free(s);
}

static void test_keep_none_without_callbacks(void **state)
{
	(void)state;
	/* no callbacks: the session frees finished work itself (checked under ASan) */
	struct txn_session *s = txn_session_new(TXN_KEEP_NONE, NULL);
	struct smtp_parser *p = smtp_parser_new(txn_session_event_fn, s, NULL);
	const char *sv = "220 hi\r\n";
	smtp_feed(p, SMTP_DIR_SERVER, (const uint8_t *)sv, strlen(sv), 0);
	const char *cl = "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n";
	smtp_feed(p, SMTP_DIR_CLIENT, (const uint8_t *)cl, strlen(cl), 1);
	smtp_feed(p, SMTP_DIR_SERVER, (const uint8_t *)"250 ok\r\n", 8, 2);
	/* freed with work in flight: one RCPT awaiting its reply, one open transaction */
	assert_int_equal(s->inq_len, 1);
	assert_non_null(s->cur);
	smtp_parser_free(p);
	txn_session_free(s);
}

static void test_format(void **state)
{
	(void)state;
	struct txn_session *s = run(HEAD ENV "C: DATA\nS: 354 go\nC: .\nS: 250 2.0.0 Ok: queued as Q1W2E3\n");
	struct buf b;
	buf_init(&b, 1 << 16);
	assert_true(txn_session_format(s, &b));
	const char *o = buf_str(&b);
	assert_non_null(strstr(o, "txn 1 delivered"));
	assert_non_null(strstr(o, "queue-id Q1W2E3 (postfix)"));
	assert_non_null(strstr(o, "ext SIZE \"35882577\""));
	assert_non_null(strstr(o, "cmd #3 RCPT \"RCPT TO:<c@d.example>\" txn=1 ok latency=1000 250"));
	for (int i = 0; i < TXN_OUT_LAST; i++)
		assert_string_not_equal(txn_outcome_name((enum txn_outcome)i), "?");
	for (int i = 0; i < TXN_ST_LAST; i++)
		assert_string_not_equal(txn_status_name((enum txn_status)i), "?");
	buf_free(&b);
	txn_session_free(s);
}

/* RCPT, DATA or BDAT with no MAIL seen (lost in a gap, or before the capture):
 * a transaction with an unknown sender keeps the message and its reply. */
static void test_no_mail(void **state)
{
	(void)state;
	struct txn_session *s = run(HEAD "C: DATA\nS: 354 go\nC: Subject: hi\nC: \nC: body\nC: .\n"
					     "S: 250 2.0.0 Ok: queued as 7F00AA\nC: QUIT\nS: 221 bye\n");
	assert_int_equal(s->ntxns, 1);
	struct txn *t = s->txns[0];
	assert_null(t->mail_from);
	assert_true(t->mail_missing);
	assert_int_equal(t->mail.status, TXN_ST_NONE);
	assert_int_equal(t->index, 1);
	assert_int_equal(t->outcome, TXN_OUT_DELIVERED);
	assert_string_equal(t->queue_id, "7F00AA");
	assert_true(t->header_complete);
	assert_int_equal(t->header.len, strlen("Subject: hi\r\n"));
	assert_int_equal(s->commands[1]->kind, SMTP_CMD_DATA);
	assert_int_equal(s->commands[1]->txn_index, 1);
	assert_int_equal(s->commands[2]->txn_index, 1);
	txn_session_free(s);
	/* BDAT, and RCPT */
	s = run(HEAD "C= BDAT 3 LAST\\r\\nabc\nS: 250 2.0.0 Ok: queued as B1B1B1\n"
		     "C: RCPT TO:<c@d.example>\nS: 250 ok\nC: DATA\nS: 354 go\nC: .\nS: 250 ok\n");
	assert_int_equal(s->ntxns, 2);
	assert_int_equal(s->txns[0]->data_kind, TXN_DATA_BDAT);
	assert_int_equal(s->txns[0]->msg_bytes, 3);
	assert_int_equal(s->txns[0]->outcome, TXN_OUT_DELIVERED);
	assert_true(s->txns[1]->mail_missing);
	assert_int_equal(s->txns[1]->nrcpts, 1);
	assert_string_equal(s->txns[1]->rcpts[0].addr, "c@d.example");
	assert_int_equal(s->txns[1]->outcome, TXN_OUT_DELIVERED);
	txn_session_free(s);
	/* refused ("need MAIL"): there was no transaction, only the command */
	s = run(HEAD "C: DATA\nS: 503 5.5.1 Error: need MAIL command\n" ENV
		     "C: DATA\nS: 354 go\nC: .\nS: 250 ok\n");
	assert_int_equal(s->ntxns, 1);
	assert_int_equal(s->txn_count, 1);
	assert_string_equal(s->txns[0]->mail_from, "a@b.example");
	assert_int_equal(s->txns[0]->index, 1);
	assert_int_equal(s->commands[1]->txn_index, 0);
	assert_int_equal(s->commands[1]->status, TXN_ST_REJECTED);
	txn_session_free(s);
	/* the same with the next transaction pipelined behind it */
	s = run(HEAD "C= BDAT 5 X\\r\\nMAIL FROM:<a@b>\\r\\nRCPT TO:<c@d>\\r\\nDATA\\r\\n\n"
		     "S= 501 5.5.4 Syntax\\r\\n250 ok\\r\\n250 ok\\r\\n354 go\\r\\n\nC: .\nS: 250 ok\n");
	assert_int_equal(s->ntxns, 1);
	assert_int_equal(s->txns[0]->index, 1);
	assert_string_equal(s->txns[0]->mail_from, "a@b");
	assert_int_equal(s->txns[0]->outcome, TXN_OUT_DELIVERED);
	assert_int_equal(s->commands[1]->txn_index, 0);
	txn_session_free(s);
}

/* A MAIL refused while a transaction is open (503 nested MAIL) leaves it open. */
static void test_nested_mail(void **state)
{
	(void)state;
	struct txn_session *s = run(HEAD ENV "C: MAIL FROM:<z@b.example>\nS: 503 5.5.1 Error: nested MAIL command\n"
					     "C: RCPT TO:<e@f.example>\nS: 250 2.1.5 Ok\nC: DATA\nS: 354 go\nC: .\n"
					     "S: 250 2.0.0 Ok: queued as N1N1N1\nC: QUIT\nS: 221 bye\n");
	assert_int_equal(s->ntxns, 2);
	struct txn *z = s->txns[0], *a = s->txns[1];
	assert_string_equal(z->mail_from, "z@b.example");
	assert_int_equal(z->index, 2);
	assert_int_equal(z->outcome, TXN_OUT_REJECTED_MAIL);
	assert_int_equal(z->nrcpts, 0);
	assert_string_equal(a->mail_from, "a@b.example");
	assert_int_equal(a->index, 1);
	assert_int_equal(a->outcome, TXN_OUT_DELIVERED);
	assert_int_equal(a->nrcpts, 2);
	assert_string_equal(a->rcpts[1].addr, "e@f.example");
	assert_string_equal(a->queue_id, "N1N1N1");
	txn_session_free(s);
	/* pipelined after the end of data, before its reply: accepted, it follows */
	s = run(HEAD ENV "C: DATA\nS: 354 go\nC= .\\r\\nMAIL FROM:<n@b>\\r\\nRCPT TO:<m@d>\\r\\n\n"
		     "S= 250 ok\\r\\n250 ok\\r\\n250 ok\\r\\n\nC: QUIT\nS: 221 bye\n");
	assert_int_equal(s->ntxns, 2);
	assert_int_equal(s->txns[0]->outcome, TXN_OUT_DELIVERED);
	assert_string_equal(s->txns[1]->mail_from, "n@b");
	assert_int_equal(s->txns[1]->nrcpts, 1);
	assert_int_equal(s->txns[1]->outcome, TXN_OUT_ABORTED_QUIT);
	txn_session_free(s);
}

/* Only an accepted HELO/EHLO resets the session and names the client (RFC 5321 4.1.4). */
static void test_refused_ehlo(void **state)
{
	(void)state;
	struct txn_session *s = run("S: 220 mx\nC: HELO client.example\nS: 250 mx\n" ENV "C: ehlo\n"
				    "S: 501 Syntax: EHLO hostname\nC: DATA\nS: 354 go\nC: .\nS: 250 ok\n");
	assert_int_equal(s->ntxns, 1);
	assert_int_equal(s->txns[0]->outcome, TXN_OUT_DELIVERED);
	assert_int_equal(s->txns[0]->nrcpts, 1);
	assert_string_equal(s->helo_name, "client.example");
	assert_int_equal(s->helo_kind, SMTP_CMD_HELO);
	assert_int_equal(s->helo_reply.code, 250);
	txn_session_free(s);
	/* refused EHLO, then HELO accepted; a refused one alone still names the client */
	s = run("S: 220 mx\nC: EHLO one.example\nS: 500 what\nC: HELO two.example\nS: 250 ok\n");
	assert_string_equal(s->helo_name, "two.example");
	assert_int_equal(s->helo_kind, SMTP_CMD_HELO);
	txn_session_free(s);
	s = run("S: 220 mx\nC: EHLO one.example\nS: 550 go away\nC: QUIT\nS: 221 bye\n");
	assert_string_equal(s->helo_name, "one.example");
	assert_int_equal(s->helo_reply.code, 550);
	txn_session_free(s);
	/* an accepted EHLO keeps what was sent after it */
	s = run(HEAD "C= MAIL FROM:<a@b>\\r\\nEHLO again\\r\\nMAIL FROM:<c@d>\\r\\n\n"
		     "S= 250 ok\\r\\n250 again\\r\\n250 ok\\r\\n\nC: QUIT\nS: 221 bye\n");
	assert_int_equal(s->ntxns, 2);
	assert_int_equal(s->txns[0]->outcome, TXN_OUT_ABORTED_EHLO);
	assert_string_equal(s->txns[1]->mail_from, "c@d");
	assert_int_equal(s->txns[1]->outcome, TXN_OUT_ABORTED_QUIT);
	assert_string_equal(s->helo_name, "again");
	txn_session_free(s);
}

/* A reply without a valid code answers its command; its status comes from its
 * enhanced code, or it is malformed. */
static void test_reply_without_code(void **state)
{
	(void)state;
	struct txn_session *s = run(HEAD ENV "C: DATA\nS: 354 go\nC: .\n"
					     "S: 4.7.0 [IPTS04] Messages temporarily deferred\nC: QUIT\n");
	struct txn *t = s->txns[0];
	assert_int_equal(t->final.status, TXN_ST_DEFERRED);
	assert_int_equal(t->final.reply.code, 0);
	assert_string_equal(t->final.reply.esc, "4.7.0");
	assert_non_null(strstr(t->final.reply.text, "temporarily deferred"));
	assert_int_equal(t->outcome, TXN_OUT_REJECTED_MESSAGE);
	assert_int_equal(t->outcome_status, TXN_ST_DEFERRED);
	txn_session_free(s);
	s = run(HEAD "C: NOOP\nS: what is this\nC: QUIT\nS: 221 bye\n");
	assert_int_equal(s->commands[1]->status, TXN_ST_MALFORMED);
	assert_string_equal(s->commands[1]->reply.text, "what is this");
	assert_int_equal(s->commands[2]->status, TXN_ST_OK);
	assert_string_equal(txn_status_name(TXN_ST_MALFORMED), "malformed");
	txn_session_free(s);
}

static size_t count_anomaly(const struct txn_session *s, enum smtp_anomaly k, const char *detail_has)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nanomalies; i++)
		n += s->anomalies[i].kind == k && (!detail_has || strstr(s->anomalies[i].detail, detail_has));
	return n;
}

/* Client bytes lost in a gap: a 354 that follows shows the DATA in them, so
 * the message is read as content; other replies are reported with their
 * text. Without the gap, a reply nobody asked for stays "unsolicited". */
static void test_client_gap_inferred_data(void **state)
{
	(void)state;
	struct txn_session *s = run(HEAD "G: C 80\nS: 250 2.1.0 Ok\nS: 550 5.1.1 <x@d.example>: unknown\n"
					 "S: 354 go\nC: Subject: lost\nC: \nC: body\nC: .\nS: 250 2.0.0 Ok: queued as 4XYZ\n"
					 "C: QUIT\nS: 221 bye\n");
	assert_int_equal(s->ntxns, 1);
	const struct txn *t = s->txns[0];
	assert_true(t->mail_missing);
	assert_int_equal(t->outcome, TXN_OUT_DELIVERED);
	assert_string_equal(t->queue_id, "4XYZ");
	assert_int_equal(t->data.reply.code, 354);
	assert_true(t->header_complete);
	assert_int_equal(t->header.len, strlen("Subject: lost\r\n"));
	size_t inferred = 0;
	for (size_t i = 0; i < s->ncommands; i++) {
		inferred += s->commands[i]->inferred;
		assert_true(s->commands[i]->kind != SMTP_CMD_UNKNOWN); /* no content line taken for a command */
	}
	assert_int_equal(inferred, 1);
	assert_int_equal(count_anomaly(s, SMTP_AN_REPLY_LOST_COMMAND, NULL), 3);
	assert_int_equal(count_anomaly(s, SMTP_AN_REPLY_LOST_COMMAND, "550 5.1.1 <x@d.example>"), 1);
	assert_int_equal(count_anomaly(s, SMTP_AN_REPLY_UNSOLICITED, NULL), 0);
	txn_session_free(s);
	/* no gap: the same replies are unsolicited and nothing is inferred */
	s = run(HEAD "S: 250 2.1.0 Ok\nS: 354 go\nC: QUIT\nS: 221 bye\n");
	assert_int_equal(count_anomaly(s, SMTP_AN_REPLY_UNSOLICITED, NULL), 2);
	assert_int_equal(count_anomaly(s, SMTP_AN_REPLY_LOST_COMMAND, NULL), 0);
	assert_int_equal(s->ntxns, 0);
	txn_session_free(s);
	/* the pipelined MAIL lost, its RCPTs seen: the 2.1.0 reply answers the
	 * lost MAIL, not the first RCPT */
	s = run(HEAD "G: C 30\nC: RCPT TO:<c@d.example>\nC: RCPT TO:<e@d.example>\nC: DATA\n"
		     "S: 250 2.1.0 Ok\nS: 250 2.1.5 Ok\nS: 550 5.1.1 no\nS: 354 go\nC: x\nC: .\nS: 250 2.0.0 ok\n"
		     "C: QUIT\nS: 221 bye\n");
	assert_int_equal(s->ntxns, 1);
	assert_int_equal(s->txns[0]->nrcpts, 2);
	assert_int_equal(s->txns[0]->rcpts[0].step.reply.code, 250);
	assert_string_equal(s->txns[0]->rcpts[0].step.reply.esc, "2.1.5");
	assert_int_equal(s->txns[0]->rcpts[1].step.reply.code, 550);
	assert_int_equal(s->txns[0]->data.reply.code, 354);
	assert_int_equal(s->txns[0]->outcome, TXN_OUT_DELIVERED);
	assert_int_equal(count_anomaly(s, SMTP_AN_REPLY_LOST_COMMAND, "MAIL: 250 2.1.0"), 1);
	txn_session_free(s);
	/* a gap inside message content infers nothing */
	s = run(HEAD ENV "C: DATA\nS: 354 go\nC: a\nG: C 10\nC: b\nC: .\nS: 250 ok\nC: QUIT\nS: 221 bye\n");
	assert_int_equal(count_anomaly(s, SMTP_AN_REPLY_LOST_COMMAND, NULL), 0);
	for (size_t i = 0; i < s->ncommands; i++)
		assert_false(s->commands[i]->inferred);
	assert_int_equal(s->txns[0]->outcome, TXN_OUT_DELIVERED);
	txn_session_free(s);
}

/* Pooled storage makes the same model (formatted the same), with replies
 * and commands in the pool and long ones outside it, and frees cleanly. */
static void test_pooled_same(void **state)
{
	(void)state;
	char longrcpt[1400];
	memset(longrcpt, 'x', sizeof longrcpt);
	memcpy(longrcpt, "C: RCPT TO:<", 12);
	memcpy(longrcpt + sizeof longrcpt - 18, "@d.example>\nS: 550", 18);
	char text[8192];
	snprintf(text, sizeof text,
		 HEAD ENV "C: RCPT TO:<e@d.example>\nS: 550 5.1.1 <e@d.example>: Recipient address rejected\n"
			  "%.*s 5.1.1 no\nC: DATA\nS: 354 go\nC: Subject: hi\nC: \nC: body\nC: .\n"
			  "S: 250 2.0.0 Ok: queued as 4ABC123\nC: RSET\nS: 250 ok\nC: NOOP\nS: 250 ok\nC: QUIT\nS: 221 bye\n",
		 (int)sizeof longrcpt, longrcpt);
	struct txn_session *a = run_with(text, false), *b = run_with(text, true);
	assert_non_null(b->pool);
	assert_null(a->pool);
	assert_int_equal(a->ncommands, b->ncommands);
	assert_true(b->ncommands >= 9);
	size_t pooled = 0;
	for (size_t i = 0; i < b->ncommands; i++) {
		pooled += b->commands[i]->pooled;
		assert_false(a->commands[i]->pooled);
		assert_string_equal(a->commands[i]->line, b->commands[i]->line);
		assert_int_equal(a->commands[i]->reply.code, b->commands[i]->reply.code);
		assert_string_equal(a->commands[i]->reply.text, b->commands[i]->reply.text);
	}
	assert_true(pooled >= 8 && pooled < b->ncommands); /* the long RCPT line is not pooled */
	assert_true(b->txns[0]->final.reply.pooled);
	/* a pooled step shares its command's copy of the reply; a plain one has its own */
	for (size_t i = 0; i < b->ncommands; i++)
		if (b->commands[i]->kind == SMTP_CMD_MAIL) {
			assert_ptr_equal(b->txns[0]->mail.reply.text, b->commands[i]->reply.text);
			assert_ptr_not_equal(a->txns[0]->mail.reply.text, a->commands[i]->reply.text);
			assert_string_equal(a->txns[0]->mail.reply.text, b->txns[0]->mail.reply.text);
		}
	struct buf fa, fb;
	buf_init(&fa, 1 << 20);
	buf_init(&fb, 1 << 20);
	assert_true(txn_session_format(a, &fa));
	assert_true(txn_session_format(b, &fb));
	assert_string_equal(buf_str(&fa), buf_str(&fb));
	buf_free(&fa);
	buf_free(&fb);
	txn_session_free(a);
	txn_session_free(b);
	/* commands between replies of every length: each pooled command stays
	 * aligned wherever the texts before it ended in their block */
	size_t cap = 64 * 1024, n = 0;
	char *many = malloc(cap);
	n += (size_t)snprintf(many + n, cap - n, "%s", HEAD);
	for (int i = 0; i < 400; i++)
		n += (size_t)snprintf(many + n, cap - n, "C: NOOP %d\nS: 250 %.*s\n", i, i % 53,
				      "ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok");
	snprintf(many + n, cap - n, "C: QUIT\nS: 221 bye\n");
	b = run_with(many, true);
	assert_int_equal(b->ncommands, 402);
	for (size_t i = 0; i < b->ncommands; i++) {
		assert_true(b->commands[i]->pooled);
		assert_int_equal((uintptr_t)b->commands[i] % _Alignof(struct txn_command), 0);
	}
	txn_session_free(b);
	free(many);
}

/* Keeping only outcomes: every transaction the same envelope, statuses,
 * final reply and outcome as when everything is kept, without commands,
 * other replies, extensions or header blocks. */
static void test_keep_outcomes(void **state)
{
	(void)state;
	const char *texts[] = {
		HEAD ENV "C: RCPT TO:<e@d.example>\nS: 550 5.1.1 <e@d.example>: Recipient address rejected\n"
			 "C: DATA\nS: 354 go\nC: Subject: hi\nC: \nC: body\nC: .\n"
			 "S: 250 2.0.0 Ok: queued as 4ABC123\nC: MAIL FROM:<x@y>\nS: 451 4.3.0 try later\n"
			 "C: RSET\nS: 250 ok\nC: QUIT\nS: 221 bye\n",
		HEAD ENV "C: MAIL FROM:<z@b.example>\nS: 503 5.5.1 Error: nested MAIL command\n"
			 "C: RCPT TO:<e@f.example>\nS: 250 2.1.5 Ok\nC: DATA\nS: 354 go\nC: .\n"
			 "S: 554 5.7.1 rejected as spam\nC: QUIT\nS: 221 bye\n",
		HEAD "C: RCPT TO:<c@d.example>\nS: 503 5.5.1 need MAIL\n" ENV "C: DATA\nS: 354 go\nC: x\n",
		/* command lines short and long, one after another and pipelined: a
		 * command not kept lends its memory to the next that fits */
		HEAD "C: MAIL FROM:<a@b.example>\nC: RCPT TO:<" LONG120 "@d.example>\nC: NOOP\n"
		     "S: 250 ok\nS: 250 ok\nS: 250 ok\nC: RCPT TO:<" LONG120 LONG120 "@d.example>\nS: 250 ok\n"
		     "C: NOOP\nS: 250 ok\nC: RCPT TO:<" LONG120 "@e.example>\nS: 550 no\nC: DATA\nS: 354 go\n"
		     "C: .\nS: 250 2.0.0 queued\nC: QUIT\nS: 221 bye\n",
	};
	for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
		struct txn_session *a = run_keep(texts[k], TXN_KEEP_ALL, true);
		struct txn_session *b = run_keep(texts[k], TXN_KEEP_OUTCOMES, true);
		assert_true(a->ntxns >= 1);
		assert_int_equal(a->ntxns, b->ntxns);
		assert_true(a->ncommands > 0);
		assert_int_equal(b->ncommands, 0);
		assert_true(a->nexts > 0);
		assert_int_equal(b->nexts, 0);
		for (size_t i = 0; i < a->ntxns; i++) {
			const struct txn *x = a->txns[i], *y = b->txns[i];
			assert_int_equal(x->index, y->index);
			assert_int_equal(x->outcome, y->outcome);
			assert_string_equal(x->mail_from ? x->mail_from : "-", y->mail_from ? y->mail_from : "-");
			assert_int_equal(x->nrcpts, y->nrcpts);
			assert_int_equal(x->rcpts_ok, y->rcpts_ok);
			assert_int_equal(x->msg_bytes, y->msg_bytes);
			assert_int_equal(x->mail.status, y->mail.status);
			assert_int_equal(x->data.status, y->data.status);
			assert_int_equal(x->final.status, y->final.status);
			assert_int_equal(x->final.reply.code, y->final.reply.code);
			assert_string_equal(x->final.reply.text ? x->final.reply.text : "-",
					    y->final.reply.text ? y->final.reply.text : "-");
			assert_string_equal(y->queue_id, ""); /* not looked for */
			assert_null(y->mail.reply.text);
			assert_int_equal(y->header.len, 0);
		}
		assert_non_null(a->txns[0]->mail.reply.text);
		/* the greeting and EHLO replies: whole, or their code, lines and time */
		assert_int_equal(a->greeting.code, b->greeting.code);
		assert_int_equal(a->helo_reply.code, b->helo_reply.code);
		assert_int_equal(a->helo_reply.nlines, b->helo_reply.nlines);
		assert_true(a->helo_reply.ts == b->helo_reply.ts && a->greeting.ts == b->greeting.ts);
		assert_non_null(a->greeting.text);
		assert_non_null(a->helo_reply.text);
		assert_null(b->greeting.text);
		assert_null(b->helo_reply.text);
		if (k == 0)
			assert_string_equal(a->txns[0]->queue_id, "4ABC123");
		txn_session_free(a);
		txn_session_free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delivered),     cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_disconnect_and_truncated), cmocka_unit_test(test_bdat_and_auth),
		cmocka_unit_test(test_header_cap),    cmocka_unit_test(test_streaming),
		cmocka_unit_test(test_keep_none_without_callbacks), cmocka_unit_test(test_format),
		cmocka_unit_test(test_no_mail),       cmocka_unit_test(test_nested_mail),
		cmocka_unit_test(test_refused_ehlo),  cmocka_unit_test(test_reply_without_code),
		cmocka_unit_test(test_pooled_same),   cmocka_unit_test(test_client_gap_inferred_data),
		cmocka_unit_test(test_keep_outcomes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
