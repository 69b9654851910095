/* session_data.c - the helper jobs that carry a message: :data (DATA, the
 * content dot-stuffed, RFC 5321 4.1.1.4 and 4.5.2), :bdat (RFC 3030 chunks)
 * and :send (MAIL, RCPT, then DATA or BDAT; MAIL and RCPT pipelined when
 * offered, RFC 2920; BODY=8BITMIME, RFC 6152; SMTPUTF8, RFC 6531). Content
 * is streamed from files in chunks, waiting for the connection to drain. */
#include "probe/session_internal.h"
#include "decode/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of message read per refill while streaming DATA. */
#define DATA_READ_CHUNK 65536u
/* A message typed for :bdat is kept whole before chunking. */
#define BDAT_TYPED_MAX (16u * 1024u * 1024u)

enum { D_START, D_WAIT_354, D_CONTENT, D_DISCARD, D_WAIT_FINAL,
       B_COLLECT, B_CHUNK, B_WAIT_CHUNK,
       S_MAIL, S_WAIT_MAIL, S_RCPT, S_WAIT_RCPT, S_DATA };

static bool take_reply(struct session_job *j)
{
	if (!j->have_reply)
		return false;
	j->have_reply = false;
	return true;
}

static bool open_file_message(struct session *s, struct session_job *j, const char *path)
{
	struct buf err;
	buf_init(&err, 512);
	struct msgbuild_opts mo = {.data_file = path};
	j->mb = msgbuild_new(&mo, &err);
	if (!j->mb) {
		session_info(s, SESS_LVL_ERROR, "helper", "%s", buf_str(&err));
		s->res.local_error = true;
	}
	buf_free(&err);
	return j->mb != NULL;
}

static void read_failed(struct session *s, struct session_job *j)
{
	session_info(s, SESS_LVL_ERROR, "helper", "%s", msgbuild_error(j->mb) ? msgbuild_error(j->mb) : "read error");
	s->res.local_error = true;
	j->done = true;
	session_finish(s, SESS_STAGE_NONE, "the message file could not be read to its end: closing without the "
		       "end marker so that a partial message is not delivered");
}

/* ---- DATA ---- */

/* Write stuffed content while the connection's buffer has room. */
static void data_stream(struct session *s, struct session_job *j)
{
	uint8_t *in = xmalloc(DATA_READ_CHUNK);
	uint8_t *out = xmalloc(2 * DATA_READ_CHUNK + 8);
	j->streaming = true;
	while (!s->closing && session_out_pending(s) < SESSION_OUT_HIGH) {
		ssize_t n = msgbuild_read(j->mb, in, DATA_READ_CHUNK);
		if (n < 0) {
			read_failed(s, j);
			break;
		}
		size_t k = n ? msgbuild_stuff_feed(&j->stuff, in, (size_t)n, out) : msgbuild_stuff_end(&j->stuff, out);
		if (!session_send_raw(s, out, k))
			break;
		if (n == 0) {
			j->streaming = false;
			j->step = D_WAIT_FINAL;
			j->awaiting++;
			break;
		}
	}
	free(in);
	free(out);
}

static void data_send_cmd(struct session *s, struct session_job *j)
{
	msgbuild_stuff_init(&j->stuff);
	j->step = D_WAIT_354;
	if (!session_job_send(s, j, "DATA", 4, SIZE_MAX))
		j->done = true;
	j->wants_input = !j->mb;
}

static void data_step(struct session *s, struct session_job *j)
{
	switch (j->step) {
	case D_START:
		if (j->cmd->file && !open_file_message(s, j, j->cmd->file)) {
			j->done = true;
			return;
		}
		data_send_cmd(s, j);
		break;
	case D_WAIT_354:
		if (!take_reply(j))
			break;
		if (j->reply_code == 354) {
			j->step = D_CONTENT;
		} else if (j->mb) {
			j->done = true;
		} else {
			j->step = D_DISCARD;
			session_info(s, SESS_LVL_NOTE, "helper", "DATA was refused: the message lines you type up "
				     "to the single '.' are not sent");
		}
		if (j->step == D_CONTENT && j->mb)
			data_stream(s, j);
		break;
	case D_CONTENT:
		if (j->mb)
			data_stream(s, j);
		break;
	case D_WAIT_FINAL:
		if (take_reply(j))
			j->done = true;
		break;
	default: break;
	}
}

static void data_sent(struct session *s, struct session_job *j)
{
	(void)s;
	(void)j; /* the pump calls step(), which streams on */
}

/* Typed message lines: "." ends, the rest is stuffed and sent. */
static bool data_input(struct session *s, struct session_job *j, const char *line, size_t len)
{
	bool end = len == 1 && line[0] == '.';
	if (j->step == D_DISCARD) {
		if (end)
			j->done = true;
		return true;
	}
	if (j->step != D_CONTENT || session_out_pending(s) >= SESSION_OUT_HIGH)
		return false;
	uint8_t *out = xmalloc(2 * len + 8);
	size_t k;
	if (end) {
		k = msgbuild_stuff_end(&j->stuff, out);
		j->wants_input = false;
		j->step = D_WAIT_FINAL;
		j->awaiting++;
	} else {
		uint8_t *tmp = xmalloc(len + 2);
		memcpy(tmp, line, len);
		tmp[len] = '\r';
		tmp[len + 1] = '\n';
		k = msgbuild_stuff_feed(&j->stuff, tmp, len + 2, out);
		free(tmp);
	}
	session_send_raw(s, out, k);
	free(out);
	return true;
}

static const struct session_job_ops data_ops = {
	.step = data_step, .reply = session_job_reply, .sent = data_sent, .input = data_input};

/* ---- BDAT ---- */

/* Fill buf with up to size bytes of the message; -1 on error. */
static ssize_t bdat_fill(struct session_job *j, uint8_t *buf, size_t size)
{
	if (j->mb) {
		size_t got = 0;
		while (got < size) {
			ssize_t n = msgbuild_read(j->mb, buf + got, size - got);
			if (n < 0)
				return -1;
			if (n == 0)
				break;
			got += (size_t)n;
		}
		return (ssize_t)got;
	}
	size_t n = j->typed.len < size ? j->typed.len : size;
	memcpy(buf, j->typed.data, n);
	buf_consume(&j->typed, n);
	return (ssize_t)n;
}

static void bdat_send_chunk(struct session *s, struct session_job *j)
{
	size_t size = j->cmd->chunk ? j->cmd->chunk : HELPER_BDAT_CHUNK_DEFAULT;
	if (!j->chunk) {
		j->chunk = xmalloc(size);
		j->next = xmalloc(size);
		ssize_t n = bdat_fill(j, j->chunk, size);
		if (n < 0) {
			read_failed(s, j);
			return;
		}
		j->chunk_len = (size_t)n;
	}
	ssize_t n = j->chunk_len == size ? bdat_fill(j, j->next, size) : 0;
	if (n < 0) {
		read_failed(s, j);
		return;
	}
	j->next_len = (size_t)n;
	j->chunk_last = j->next_len == 0;
	char line[64];
	int l = snprintf(line, sizeof line, "BDAT %zu%s", j->chunk_len, j->chunk_last ? " LAST" : "");
	j->step = B_WAIT_CHUNK;
	if (!session_job_send(s, j, line, (size_t)l, SIZE_MAX) || !session_send_raw(s, j->chunk, j->chunk_len)) {
		j->done = true;
		return;
	}
	uint8_t *t = j->chunk;
	j->chunk = j->next;
	j->next = t;
	j->chunk_len = j->next_len;
}

static void bdat_step(struct session *s, struct session_job *j)
{
	switch (j->step) {
	case D_START:
		if (!(session_server_ext(s) & SMTP_EXT_CHUNKING))
			session_info(s, SESS_LVL_WARN, "helper", "the server did not offer CHUNKING: BDAT will "
				     "probably be refused (use :data)");
		if (j->cmd->file && !open_file_message(s, j, j->cmd->file)) {
			j->done = true;
			return;
		}
		if (!j->cmd->file && !j->mb) {
			buf_init(&j->typed, BDAT_TYPED_MAX);
			j->wants_input = true;
			j->step = B_COLLECT;
			return;
		}
		j->step = B_CHUNK;
		/* fall through */
	case B_CHUNK: bdat_send_chunk(s, j); break;
	case B_WAIT_CHUNK:
		if (!take_reply(j))
			break;
		if (j->reply_code / 100 != 2 || j->chunk_last)
			j->done = true;
		else
			j->step = B_CHUNK;
		if (j->step == B_CHUNK)
			bdat_send_chunk(s, j);
		break;
	default: break;
	}
}

static bool bdat_input(struct session *s, struct session_job *j, const char *line, size_t len)
{
	bool end = len == 1 && line[0] == '.';
	if (j->step == D_DISCARD) {
		j->done = end;
		return true;
	}
	if (end) {
		j->wants_input = false;
		j->step = B_CHUNK;
		return true;
	}
	if (!buf_append(&j->typed, line, len) || !buf_append(&j->typed, "\r\n", 2)) {
		session_info(s, SESS_LVL_ERROR, "helper", "typed message over %u bytes: use :bdat @FILE",
			     BDAT_TYPED_MAX);
		s->res.local_error = true;
		j->step = D_DISCARD;
	}
	return true;
}

static const struct session_job_ops bdat_ops = {.step = bdat_step, .reply = session_job_reply, .input = bdat_input};

/* ---- :send ---- */

static bool has_8bit(const char *p)
{
	for (; p && *p; p++)
		if ((unsigned char)*p & 0x80)
			return true;
	return false;
}

static void send_mail(struct session *s, struct session_job *j)
{
	const struct helper_cmd *c = j->cmd;
	unsigned ext = session_server_ext(s);
	struct buf l;
	buf_init(&l, 4096);
	buf_printf(&l, "MAIL FROM:<%s>", c->mail_from);
	if (msgbuild_8bit(j->mb)) {
		if (ext & SMTP_EXT_8BITMIME)
			buf_append_str(&l, " BODY=8BITMIME");
		else
			session_info(s, SESS_LVL_WARN, "helper", "the message has 8-bit text but the server did not "
				     "offer 8BITMIME (RFC 6152): it may be refused or mangled");
	}
	bool utf8 = has_8bit(c->mail_from);
	for (size_t i = 0; i < c->nrcpts; i++)
		utf8 = utf8 || has_8bit(c->rcpts[i]);
	if (utf8 && (ext & SMTP_EXT_SMTPUTF8))
		buf_append_str(&l, " SMTPUTF8");
	session_job_send(s, j, buf_str(&l), l.len, SIZE_MAX);
	buf_free(&l);
}

static void send_rcpt(struct session *s, struct session_job *j)
{
	char line[SMTP_PATH_MAX + 32];
	int n = snprintf(line, sizeof line, "RCPT TO:<%s>", j->cmd->rcpts[j->rcpt_i++]);
	if (n > 0)
		session_job_send(s, j, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1, SIZE_MAX);
}

static void send_start(struct session *s, struct session_job *j)
{
	struct buf err;
	buf_init(&err, 512);
	struct msgbuild_opts mo = j->cmd->msg;
	mo.hostname = session_ehlo_name(s);
	j->mb = msgbuild_new(&mo, &err);
	if (!j->mb) {
		session_info(s, SESS_LVL_ERROR, "helper", "cannot build the message: %s", buf_str(&err));
		s->res.local_error = true;
		j->done = true;
		buf_free(&err);
		return;
	}
	buf_free(&err);
	send_mail(s, j);
	j->step = S_WAIT_MAIL;
	bool pipe = (session_server_ext(s) & SMTP_EXT_PIPELINING) && j->cmd->stop_after != SESS_STAGE_MAIL;
	while (pipe && j->rcpt_i < j->cmd->nrcpts && !s->closing)
		send_rcpt(s, j);
}

/* Every reply of the MAIL/RCPT phase is in: decide what comes next. */
static void send_after_rcpts(struct session *s, struct session_job *j)
{
	if (j->cmd->stop_after == SESS_STAGE_RCPT || j->rcpt_ok == 0) {
		if (j->rcpt_ok == 0)
			session_txn_check_rcpts(s);
		j->done = true;
		return;
	}
	session_data_begin(s, j);
}

static void send_step(struct session *s, struct session_job *j)
{
	switch (j->step) {
	case D_START: send_start(s, j); break;
	case S_WAIT_MAIL:
	case S_WAIT_RCPT:
		if (j->awaiting)
			break;
		j->have_reply = false;
		if (!j->mail_ok || j->cmd->stop_after == SESS_STAGE_MAIL) {
			j->done = true;
			break;
		}
		if (j->rcpt_i < j->cmd->nrcpts) {
			send_rcpt(s, j);
			j->step = S_WAIT_RCPT;
			break;
		}
		send_after_rcpts(s, j);
		break;
	default:
		if (j->cmd->use_bdat && (session_server_ext(s) & SMTP_EXT_CHUNKING))
			bdat_step(s, j);
		else
			data_step(s, j);
		break;
	}
}

/* Replies of the MAIL/RCPT phase are counted as they come (pipelined). */
static void send_reply(struct session *s, struct session_job *j, enum smtp_cmd_kind kind, const struct smtp_reply *r)
{
	session_job_reply(s, j, kind, r);
	if (kind == SMTP_CMD_MAIL)
		j->mail_ok = r->code / 100 == 2;
	else if (kind == SMTP_CMD_RCPT && r->code / 100 == 2)
		j->rcpt_ok++;
}

static const struct session_job_ops send_ops = {.step = send_step, .reply = send_reply, .sent = data_sent};

void session_data_begin(struct session *s, struct session_job *j)
{
	if (j->cmd->use_bdat && !(session_server_ext(s) & SMTP_EXT_CHUNKING))
		session_info(s, SESS_LVL_WARN, "helper", "the server did not offer CHUNKING: using DATA");
	if (j->cmd->use_bdat && (session_server_ext(s) & SMTP_EXT_CHUNKING)) {
		j->step = B_CHUNK;
		bdat_send_chunk(s, j);
		return;
	}
	data_send_cmd(s, j);
}

const struct session_job_ops *session_data_ops(enum helper_kind k)
{
	switch (k) {
	case HELPER_DATA: return &data_ops;
	case HELPER_BDAT: return &bdat_ops;
	default: return &send_ops;
	}
}
