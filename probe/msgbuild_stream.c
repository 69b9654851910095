/* msgbuild_stream.c - read a built message as a stream: segments in turn,
 * files in chunks with line ends made CRLF (RFC 5321 2.3.8), attachments as
 * base64 lines (RFC 2045 6.8); and DATA dot-stuffing (RFC 5321 4.5.2). */
#include "probe/msgbuild_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

size_t msgbuild_crlf_feed(struct msgbuild_crlf *c, const uint8_t *in, size_t len, uint8_t *out)
{
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t b = in[i];
		if (c->cr) {
			c->cr = false;
			out[k++] = '\r';
			out[k++] = '\n';
			if (b == '\n')
				continue;
		}
		if (b == '\r') {
			c->cr = true;
		} else if (b == '\n') {
			out[k++] = '\r';
			out[k++] = '\n';
		} else {
			out[k++] = b;
		}
	}
	return k;
}

size_t msgbuild_crlf_end(struct msgbuild_crlf *c, uint8_t *out)
{
	if (!c->cr)
		return 0;
	c->cr = false;
	out[0] = '\r';
	out[1] = '\n';
	return 2;
}

void msgbuild_stuff_init(struct msgbuild_stuff *d)
{
	memset(d, 0, sizeof *d);
	d->bol = true;
}

size_t msgbuild_stuff_feed(struct msgbuild_stuff *d, const uint8_t *in, size_t len, uint8_t *out)
{
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t b = in[i];
		if (d->bol && b == '.') {
			out[k++] = '.';
			d->stuffed++;
		}
		out[k++] = b;
		d->bol = b == '\n';
		d->cr = b == '\r';
		if (b == '\n')
			d->lines++;
	}
	return k;
}

size_t msgbuild_stuff_end(struct msgbuild_stuff *d, uint8_t *out)
{
	size_t k = 0;
	if (!d->bol) {
		if (!d->cr)
			out[k++] = '\r';
		out[k++] = '\n';
		d->lines++;
	}
	memcpy(out + k, ".\r\n", 3);
	d->bol = true;
	d->cr = false;
	return k + 3;
}

void msgbuild_seg_close(struct msgbuild *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	m->seg_open = false;
	m->mem_off = 0;
	m->seg_out = 0;
	m->b64_rem_len = 0;
	m->crlf.cr = false;
	m->last2[0] = m->last2[1] = 0;
}

static void msg_next_seg(struct msgbuild *m)
{
	msgbuild_seg_close(m);
	m->cur++;
}

static bool msg_open(struct msgbuild *m, const struct msgbuild_seg *s)
{
	if (m->seg_open)
		return true;
	m->fd = open(s->path, O_RDONLY | O_CLOEXEC);
	if (m->fd < 0) {
		snprintf(m->err, sizeof m->err, "cannot open %s: %s", s->path, strerror(errno));
		return false;
	}
	m->seg_open = true;
	return true;
}

static ssize_t msg_read_fd(struct msgbuild *m, const char *path, uint8_t *p, size_t n)
{
	for (;;) {
		ssize_t r = read(m->fd, p, n);
		if (r >= 0)
			return r;
		if (errno != EINTR) {
			snprintf(m->err, sizeof m->err, "cannot read %s: %s", path, strerror(errno));
			return -1;
		}
	}
}

static void msg_note_tail(struct msgbuild *m)
{
	if (m->stage_len >= 2) {
		m->last2[0] = m->stage[m->stage_len - 2];
		m->last2[1] = m->stage[m->stage_len - 1];
	} else if (m->stage_len == 1) {
		m->last2[0] = m->last2[1];
		m->last2[1] = m->stage[0];
	}
}

/* One refill from a text file: -1 error, 0 segment done, 1 bytes staged. */
static int msg_refill_text(struct msgbuild *m, const struct msgbuild_seg *s)
{
	uint8_t in[MSG_READ_CHUNK];
	if (!msg_open(m, s))
		return -1;
	ssize_t n = msg_read_fd(m, s->path, in, sizeof in);
	if (n < 0)
		return -1;
	if (n > 0) {
		m->stage_len = msgbuild_crlf_feed(&m->crlf, in, (size_t)n, m->stage);
		m->seg_out += m->stage_len;
		msg_note_tail(m);
		return m->stage_len ? 1 : msg_refill_text(m, s);
	}
	m->stage_len = msgbuild_crlf_end(&m->crlf, m->stage);
	m->seg_out += m->stage_len;
	msg_note_tail(m);
	if (m->seg_out && !(m->last2[0] == '\r' && m->last2[1] == '\n')) {
		m->stage[m->stage_len++] = '\r';
		m->stage[m->stage_len++] = '\n';
	}
	msg_next_seg(m);
	return 0;
}

static int msg_refill_b64(struct msgbuild *m, const struct msgbuild_seg *s)
{
	uint8_t in[MSG_B64_GROUP];
	if (!msg_open(m, s))
		return -1;
	size_t have = m->b64_rem_len;
	memcpy(in, m->b64_rem, have);
	ssize_t n = msg_read_fd(m, s->path, in + have, sizeof in - have);
	if (n < 0)
		return -1;
	have += (size_t)n;
	bool eof = n == 0;
	size_t full = eof ? have : have - have % MSG_B64_LINE_IN;
	for (size_t off = 0; off < full; off += MSG_B64_LINE_IN) {
		size_t l = full - off < MSG_B64_LINE_IN ? full - off : MSG_B64_LINE_IN;
		int e = EVP_EncodeBlock(m->stage + m->stage_len, in + off, (int)l);
		m->stage_len += (size_t)e;
		m->stage[m->stage_len++] = '\r';
		m->stage[m->stage_len++] = '\n';
	}
	m->b64_rem_len = have - full;
	memcpy(m->b64_rem, in + full, m->b64_rem_len);
	if (eof)
		msg_next_seg(m);
	return m->stage_len ? 1 : 0;
}

static int msg_refill_mem(struct msgbuild *m, const struct msgbuild_seg *s)
{
	size_t n = s->len - m->mem_off;
	if (n > MSG_STAGE_MAX)
		n = MSG_STAGE_MAX;
	memcpy(m->stage, s->mem + m->mem_off, n);
	m->stage_len = n;
	m->mem_off += n;
	if (m->mem_off >= s->len)
		msg_next_seg(m);
	return n ? 1 : 0;
}

/* Stage the next bytes: false at the end or on an error (m->err set). */
static bool msg_refill(struct msgbuild *m)
{
	m->stage_len = m->stage_off = 0;
	while (m->cur < m->nsegs) {
		const struct msgbuild_seg *s = &m->segs[m->cur];
		int r;
		switch (s->kind) {
		case MSG_SEG_MEM: r = msg_refill_mem(m, s); break;
		case MSG_SEG_TEXT: r = msg_refill_text(m, s); break;
		default: r = msg_refill_b64(m, s); break;
		}
		if (r < 0)
			return false;
		if (m->stage_len)
			return true;
	}
	return false;
}

ssize_t msgbuild_read(struct msgbuild *m, uint8_t *out, size_t cap)
{
	size_t got = 0;
	if (m->err[0])
		return -1;
	while (got < cap) {
		if (m->stage_off < m->stage_len) {
			size_t n = m->stage_len - m->stage_off;
			if (n > cap - got)
				n = cap - got;
			memcpy(out + got, m->stage + m->stage_off, n);
			m->stage_off += n;
			got += n;
			continue;
		}
		if (!msg_refill(m))
			break;
	}
	m->offset += got;
	if (got == 0 && m->err[0])
		return -1;
	return (ssize_t)got;
}
