/* msgbuild.c - assemble the message a session sends: default header fields
 * (RFC 5322 3.6), user fields, RFC 2047 encoded Subject, text body, and
 * attachments as multipart/mixed (RFC 2045, 2046 5.1.3, 2183, 2231). */
#include "probe/msgbuild_internal.h"
#include "decode/xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SMTPSCOPE_VERSION
#define SMTPSCOPE_VERSION "0"
#endif

/* Header text built before the body: small, kept in memory. */
#define MSG_HEAD_MAX (256u * 1024u)

static const char msg_default_body[] = "This is a test message sent by smtpscope.\r\n";

static void msg_add_seg(struct msgbuild *m, enum msgbuild_seg_kind k, const void *p, size_t len,
			const char *path)
{
	m->segs = xreallocarray(m->segs, m->nsegs + 1, sizeof *m->segs);
	struct msgbuild_seg *s = &m->segs[m->nsegs++];
	memset(s, 0, sizeof *s);
	s->kind = k;
	if (k == MSG_SEG_MEM) {
		s->mem = xmalloc(len ? len : 1);
		memcpy(s->mem, p, len);
		s->len = len;
	} else {
		s->path = xstrdup(path);
	}
}

void msgbuild_date(time_t t, int tz_offset_min, char *out, size_t size)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mons[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t lt = t + (time_t)tz_offset_min * 60;
	struct tm tm;
	gmtime_r(&lt, &tm);
	int off = tz_offset_min < 0 ? -tz_offset_min : tz_offset_min;
	snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d %c%02d%02d", days[tm.tm_wday % 7], tm.tm_mday,
		 mons[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 tz_offset_min < 0 ? '-' : '+', off / 60, off % 60);
}

bool msgbuild_header_ok(const char *h, char *err, size_t errsize)
{
	const char *colon = strchr(h, ':');
	if (!colon || colon == h) {
		snprintf(err, errsize, "header '%.60s' is not 'Name: value'", h);
		return false;
	}
	for (const char *p = h; p < colon; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 33 || c > 126) { /* RFC 5322 3.6.8 ftext */
			snprintf(err, errsize, "header name '%.*s' has a character not allowed in a field name",
				 (int)(colon - h > 60 ? 60 : colon - h), h);
			return false;
		}
	}
	for (const char *p = colon; *p; p++) {
		if (*p == '\r' || *p == '\n') {
			snprintf(err, errsize, "header '%.*s' has a line break in its value (not allowed)",
				 (int)(colon - h > 60 ? 60 : colon - h), h);
			return false;
		}
	}
	return true;
}

static bool msg_has_8bit(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] & 0x80)
			return true;
	return false;
}

/* Scan a file for 8-bit bytes, reading in chunks. False when unreadable. */
static bool msg_file_check(const char *path, bool *eightbit, char *err, size_t errsize)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		snprintf(err, errsize, "cannot read %s: %s", path, fd < 0 ? strerror(errno) : "is a directory");
		if (fd >= 0)
			close(fd);
		return false;
	}
	if (eightbit) {
		uint8_t b[MSG_READ_CHUNK];
		ssize_t n;
		while ((n = read(fd, b, sizeof b)) > 0)
			if (msg_has_8bit(b, (size_t)n)) {
				*eightbit = true;
				break;
			}
		if (n < 0) {
			snprintf(err, errsize, "cannot read %s: %s", path, strerror(errno));
			close(fd);
			return false;
		}
	}
	close(fd);
	return true;
}

/* name: value, replaced by a user field of the same name when there is one. */
static void msg_field(struct buf *h, const struct msgbuild_opts *o, bool *used, const char *name,
		      const char *value)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < o->nheaders; i++) {
		const char *u = o->headers[i];
		if (!strncasecmp(u, name, nl) && u[nl] == ':') {
			if (!used[i])
				buf_printf(h, "%s\r\n", u);
			used[i] = true;
			return;
		}
	}
	if (value)
		buf_printf(h, "%s: %s\r\n", name, value);
}

/* RFC 2047 B-encoded words for a non-ASCII value, split on UTF-8 sequence
 * boundaries so that no word exceeds 75 characters. */
static void msg_encode_words(struct buf *out, const char *v)
{
	const uint8_t *p = (const uint8_t *)v;
	size_t len = strlen(v), i = 0;
	while (i < len) {
		size_t n = 0;
		while (i + n < len && n < 45) {
			size_t step = 1;
			while (i + n + step < len && (p[i + n + step] & 0xC0) == 0x80)
				step++;
			if (n + step > 45 && n > 0)
				break;
			n += step;
		}
		unsigned char enc[80];
		int el = EVP_EncodeBlock(enc, p + i, (int)n);
		buf_printf(out, "%s=?UTF-8?B?%.*s?=", i ? "\r\n " : "", el, (const char *)enc);
		i += n;
	}
}

static void msg_to_field(struct buf *h, const struct msgbuild_opts *o, bool *used)
{
	struct buf to;
	buf_init(&to, MSG_HEAD_MAX / 2);
	size_t col = 4;
	for (size_t i = 0; i < o->nto; i++) {
		size_t n = strlen(o->to[i]);
		if (i) {
			buf_append_str(&to, ",");
			col++;
			if (col + n > 76) {
				buf_append_str(&to, "\r\n");
				col = 0;
			}
			buf_append_str(&to, " ");
			col++;
		}
		buf_append_str(&to, o->to[i]);
		col += n;
	}
	msg_field(h, o, used, "To", o->nto ? buf_str(&to) : NULL);
	buf_free(&to);
}

static void msg_hex_random(char *out, size_t nbytes)
{
	unsigned char r[16];
	if (nbytes > sizeof r)
		nbytes = sizeof r;
	if (RAND_bytes(r, (int)nbytes) != 1)
		for (size_t i = 0; i < nbytes; i++)
			r[i] = (unsigned char)(rand() & 0xff);
	for (size_t i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}

static int msg_local_offset(time_t t)
{
	struct tm tm;
	localtime_r(&t, &tm);
	return (int)(tm.tm_gmtoff / 60);
}

static void msg_default_fields(struct buf *h, const struct msgbuild_opts *o, bool *used)
{
	char v[512];
	time_t now = o->now ? o->now : time(NULL);
	msgbuild_date(now, o->now ? o->tz_offset_min : msg_local_offset(now), v, sizeof v);
	msg_field(h, o, used, "Date", v);
	msg_field(h, o, used, "From", o->from && *o->from ? o->from : NULL);
	msg_to_field(h, o, used);
	const char *subj = o->subject ? o->subject : "smtpscope test message";
	if (msg_has_8bit((const uint8_t *)subj, strlen(subj))) {
		struct buf e;
		buf_init(&e, MSG_HEAD_MAX / 4);
		msg_encode_words(&e, subj);
		msg_field(h, o, used, "Subject", buf_str(&e));
		buf_free(&e);
	} else {
		msg_field(h, o, used, "Subject", subj);
	}
	char rnd[33];
	if (o->message_id) {
		snprintf(v, sizeof v, "<%s>", o->message_id);
	} else {
		msg_hex_random(rnd, 8);
		snprintf(v, sizeof v, "<%lld.%s@%s>", (long long)now, rnd,
			 o->hostname && *o->hostname ? o->hostname : "smtpscope.invalid");
	}
	msg_field(h, o, used, "Message-ID", v);
	msg_field(h, o, used, "MIME-Version", "1.0");
	msg_field(h, o, used, "X-Mailer", "smtpscope " SMTPSCOPE_VERSION);
}

static const char *msg_mime_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} t[] = {
		{".txt", "text/plain"},	 {".html", "text/html"},	 {".htm", "text/html"},
		{".csv", "text/csv"},	 {".pdf", "application/pdf"}, {".png", "image/png"},
		{".jpg", "image/jpeg"},	 {".jpeg", "image/jpeg"},	 {".gif", "image/gif"},
		{".zip", "application/zip"}, {".json", "application/json"}, {".eml", "message/rfc822"},
	};
	const char *dot = strrchr(name, '.');
	if (dot)
		for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
			if (!strcasecmp(dot, t[i].ext))
				return strcmp(t[i].ext, ".eml") ? t[i].type : "application/octet-stream";
	return "application/octet-stream";
}

/* filename="..." for ASCII names, RFC 2231 filename*=UTF-8''... otherwise. */
static void msg_filename_param(struct buf *h, const char *key, const char *name)
{
	const uint8_t *p = (const uint8_t *)name;
	size_t n = strlen(name);
	if (!msg_has_8bit(p, n)) {
		buf_printf(h, "; %s=\"", key);
		for (size_t i = 0; i < n; i++)
			buf_append_byte(h, (p[i] == '"' || p[i] == '\\' || p[i] < 0x20) ? '_' : p[i]);
		buf_append_str(h, "\"");
		return;
	}
	buf_printf(h, "; %s*=UTF-8''", key);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			     c == '.' || c == '-' || c == '_';
		if (plain)
			buf_append_byte(h, c);
		else
			buf_printf(h, "%%%02X", c);
	}
}

static void msg_add_text_body(struct msgbuild *m, const struct msgbuild_opts *o)
{
	if (o->body && o->body[0] == '@') {
		msg_add_seg(m, MSG_SEG_TEXT, NULL, 0, o->body + 1);
		return;
	}
	const char *b = o->body ? o->body : msg_default_body;
	size_t n = strlen(b);
	uint8_t *tmp = xmalloc(2 * n + 4);
	struct msgbuild_crlf c = {0};
	size_t k = msgbuild_crlf_feed(&c, (const uint8_t *)b, n, tmp);
	k += msgbuild_crlf_end(&c, tmp + k);
	if (k < 2 || tmp[k - 2] != '\r' || tmp[k - 1] != '\n') {
		tmp[k++] = '\r';
		tmp[k++] = '\n';
	}
	msg_add_seg(m, MSG_SEG_MEM, tmp, k, NULL);
	free(tmp);
}

static void msg_text_type(struct buf *h, bool eightbit)
{
	buf_printf(h, "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: %s\r\n",
		   eightbit ? "8bit" : "7bit");
}

static void msg_build_multipart(struct msgbuild *m, const struct msgbuild_opts *o, struct buf *h)
{
	char bnd[80];
	char rnd[33];
	if (o->boundary) {
		snprintf(bnd, sizeof bnd, "%s", o->boundary);
	} else {
		msg_hex_random(rnd, 12);
		snprintf(bnd, sizeof bnd, "=_smtpscope_%s", rnd);
	}
	buf_printf(h, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", bnd);
	buf_printf(h, "This is a multi-part message in MIME format.\r\n\r\n--%s\r\n", bnd);
	msg_text_type(h, m->eightbit);
	buf_append_str(h, "\r\n");
	msg_add_seg(m, MSG_SEG_MEM, h->data, h->len, NULL);
	msg_add_text_body(m, o);
	for (size_t i = 0; i < o->nattach; i++) {
		const char *path = o->attach[i];
		const char *base = strrchr(path, '/');
		base = base ? base + 1 : path;
		buf_reset(h);
		buf_printf(h, "--%s\r\nContent-Type: %s", bnd, msg_mime_type(base));
		msg_filename_param(h, "name", base);
		buf_append_str(h, "\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment");
		msg_filename_param(h, "filename", base);
		buf_append_str(h, "\r\n\r\n");
		msg_add_seg(m, MSG_SEG_MEM, h->data, h->len, NULL);
		msg_add_seg(m, MSG_SEG_B64, NULL, 0, path);
	}
	buf_reset(h);
	buf_printf(h, "--%s--\r\n", bnd);
	msg_add_seg(m, MSG_SEG_MEM, h->data, h->len, NULL);
}

static bool msg_check_inputs(struct msgbuild *m, const struct msgbuild_opts *o, char *err, size_t es)
{
	if (o->data_file)
		return msg_file_check(o->data_file, &m->eightbit, err, es);
	for (size_t i = 0; i < o->nheaders; i++)
		if (!msgbuild_header_ok(o->headers[i], err, es))
			return false;
	if (o->body && o->body[0] == '@') {
		if (!msg_file_check(o->body + 1, &m->eightbit, err, es))
			return false;
	} else if (o->body && msg_has_8bit((const uint8_t *)o->body, strlen(o->body))) {
		m->eightbit = true;
	}
	for (size_t i = 0; i < o->nattach; i++)
		if (!msg_file_check(o->attach[i], NULL, err, es))
			return false;
	for (size_t i = 0; o->nattach && i < o->nheaders; i++)
		if (!strncasecmp(o->headers[i], "Content-", 8)) {
			snprintf(err, es, "a Content-* header cannot be combined with attachments");
			return false;
		}
	return true;
}

struct msgbuild *msgbuild_new(const struct msgbuild_opts *o, struct buf *err)
{
	struct msgbuild *m = xcalloc(1, sizeof *m);
	m->fd = -1;
	m->stage = xmalloc(MSG_STAGE_MAX);
	char e[300];
	if (!msg_check_inputs(m, o, e, sizeof e)) {
		if (err)
			buf_append_str(err, e);
		msgbuild_free(m);
		return NULL;
	}
	if (o->data_file) {
		msg_add_seg(m, MSG_SEG_TEXT, NULL, 0, o->data_file);
		return m;
	}
	bool *used = xcalloc(o->nheaders + 1, sizeof *used);
	struct buf h;
	buf_init(&h, MSG_HEAD_MAX);
	msg_default_fields(&h, o, used);
	for (size_t i = 0; i < o->nheaders; i++)
		if (!used[i] && strncasecmp(o->headers[i], "Content-", 8) != 0)
			buf_printf(&h, "%s\r\n", o->headers[i]);
	if (o->nattach) {
		msg_build_multipart(m, o, &h);
	} else {
		bool ct_given = false;
		for (size_t i = 0; i < o->nheaders; i++)
			if (!strncasecmp(o->headers[i], "Content-", 8)) {
				buf_printf(&h, "%s\r\n", o->headers[i]);
				ct_given = true;
			}
		if (!ct_given)
			msg_text_type(&h, m->eightbit);
		buf_append_str(&h, "\r\n");
		msg_add_seg(m, MSG_SEG_MEM, h.data, h.len, NULL);
		msg_add_text_body(m, o);
	}
	buf_free(&h);
	free(used);
	return m;
}

void msgbuild_free(struct msgbuild *m)
{
	if (!m)
		return;
	msgbuild_seg_close(m);
	for (size_t i = 0; i < m->nsegs; i++) {
		free(m->segs[i].mem);
		free(m->segs[i].path);
	}
	free(m->segs);
	free(m->stage);
	free(m);
}

const char *msgbuild_error(const struct msgbuild *m)
{
	return m->err[0] ? m->err : NULL;
}

bool msgbuild_8bit(const struct msgbuild *m)
{
	return m->eightbit;
}

uint64_t msgbuild_offset(const struct msgbuild *m)
{
	return m->offset;
}
