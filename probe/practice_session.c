/* practice_session.c - the practice server's per-client core without sockets:
 * command lines (RFC 5321 2.3.8 CRLF, 4.5.3.1.4 length), message content with
 * dot-unstuffing (4.5.2) or BDAT chunks (RFC 3030), replies with RFC 3463
 * enhanced codes, and the accepted-message event. */
#include "probe/practice_int.h"
#include "decode/msghdr.h"
#include "decode/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 5321 4.5.3.1.4: 512 octets including CRLF. */
#define PS_CMD_MAX (SMTP_LINE_RFC_MAX - 2)

static void ps_emit(struct practice_session *s, struct practice_event *ev)
{
	ev->peer = "";
	ev->tls = s->tls;
	if (s->cb)
		s->cb(NULL, ev, s->ud);
}

void ps_emit_note(struct practice_session *s, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	struct practice_event ev = {.type = PRACTICE_EV_NOTE, .detail = text};
	ps_emit(s, &ev);
}

void ps_close(struct practice_session *s, const char *why)
{
	s->status = PRACTICE_CLOSE;
	if (!s->close_reason)
		s->close_reason = why;
}

void ps_echo(char *dst, size_t size, const char *s, size_t max)
{
	size_t j = 0, n = strlen(s);
	if (size == 0)
		return;
	for (size_t i = 0; i < n && i < max && j + 4 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		dst[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (n > max && j + 4 < size) {
		memcpy(dst + j, "...", 3);
		j += 3;
	}
	dst[j] = '\0';
}

/* Queue r (complete reply lines) and report it. */
static void ps_queue(struct practice_session *s, const struct buf *r)
{
	if (s->out)
		buf_append(s->out, r->data, r->len);
	struct practice_event ev = {.type = PRACTICE_EV_REPLY, .text = r->data, .len = r->len};
	ps_emit(s, &ev);
}

static void ps_count_error(struct practice_session *s, int code)
{
	if (code < 400 || code == 421 || s->status != PRACTICE_GO)
		return;
	if (++s->errors < s->cfg.max_errors)
		return;
	struct buf r;
	buf_init(&r, 512);
	buf_printf(&r, "421 4.7.0 %s Too many errors (%u): closing the connection\r\n",
		   s->cfg.hostname, s->errors);
	ps_queue(s, &r);
	buf_free(&r);
	ps_close(s, "too many errors");
}

void ps_reply_raw(struct practice_session *s, int code, const struct buf *r)
{
	ps_queue(s, r);
	ps_count_error(s, code);
}

void ps_reply(struct practice_session *s, int code, const char *esc, const char *fmt, ...)
{
	/* RFC 5321 4.5.3.1.5: a reply line is at most 512 octets with its CRLF */
	char text[SMTP_LINE_RFC_MAX - 16];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	struct buf r;
	buf_init(&r, SMTP_LINE_RFC_MAX + 64);
	buf_printf(&r, "%d %s%s%s\r\n", code, esc ? esc : "", esc ? " " : "", text);
	ps_reply_raw(s, code, &r);
	buf_free(&r);
}

struct practice_session *practice_session_new(const struct practice_session_cfg *cfg, bool tls,
					      practice_cb *cb, void *ud)
{
	struct practice_session *s = xcalloc(1, sizeof *s);
	s->cfg = *cfg;
	s->cfg.hostname = xstrdup(cfg->hostname ? cfg->hostname : PRACTICE_HOSTNAME_DEFAULT);
	s->cfg.user = xstrdup(cfg->user ? cfg->user : PRACTICE_USER_DEFAULT);
	s->cfg.password = xstrdup(cfg->password ? cfg->password : PRACTICE_PASSWORD_DEFAULT);
	if (!s->cfg.size_max)
		s->cfg.size_max = PRACTICE_SIZE_DEFAULT;
	if (!s->cfg.max_errors)
		s->cfg.max_errors = PRACTICE_ERRORS_DEFAULT;
	if (!s->cfg.keep_max)
		s->cfg.keep_max = PRACTICE_MSG_KEEP_MAX;
	s->cb = cb;
	s->ud = ud;
	s->tls = tls;
	s->status = PRACTICE_GO;
	buf_init(&s->line, SMTP_AUTH_LINE_MAX);
	buf_init(&s->msg, s->cfg.keep_max);
	s->rcpts = xcalloc(PRACTICE_RCPT_MAX, sizeof *s->rcpts);
	if (!s->cfg.shared) {
		s->cfg.shared = xcalloc(1, sizeof *s->cfg.shared);
		s->own_shared = true;
	}
	return s;
}

void ps_txn_reset(struct practice_session *s)
{
	free(s->mail_from);
	s->mail_from = NULL;
	for (size_t i = 0; i < s->nrcpts; i++)
		free(s->rcpts[i]);
	s->nrcpts = s->rcpt_tried = 0;
	s->in_mail = s->smtputf8 = s->body8 = s->reject_content = s->used_bdat = false;
	buf_reset(&s->msg);
	s->msg_size = s->line_len = s->longest = 0;
	s->eight_bit = s->bare_cr = s->bare_lf = s->too_big = false;
}

void practice_session_free(struct practice_session *s)
{
	if (!s)
		return;
	ps_txn_reset(s);
	free(s->rcpts);
	free(s->helo);
	free(s->auth_user);
	free(s->login_user);
	free((char *)s->cfg.hostname);
	free((char *)s->cfg.user);
	free((char *)s->cfg.password);
	buf_free(&s->line);
	buf_free(&s->msg);
	if (s->own_shared)
		free(s->cfg.shared);
	free(s);
}

void practice_session_greeting(struct practice_session *s, struct buf *out)
{
	s->out = out;
	struct buf r;
	buf_init(&r, 512);
	buf_printf(&r, "220 %s ESMTP smtpscope practice server - type HELP\r\n", s->cfg.hostname);
	ps_queue(s, &r);
	buf_free(&r);
	s->out = NULL;
}

/* Message content octets (already unstuffed): count, keep a bounded copy,
 * and note what RFC 5321 and RFC 6152 would object to. */
static void ps_content_add(struct practice_session *s, const uint8_t *p, size_t n)
{
	s->msg_size += n;
	if (s->msg_size > s->cfg.size_max)
		s->too_big = true;
	size_t room = s->msg.max - s->msg.len;
	buf_append(&s->msg, p, n < room ? n : room);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') { /* line length counted with its line end */
			if (s->line_len + 1 > s->longest)
				s->longest = s->line_len + 1;
			s->line_len = 0;
			continue;
		}
		s->line_len++;
		if (p[i] >= 0x80)
			s->eight_bit = true;
	}
}

void ps_content_begin(struct practice_session *s, bool bdat)
{
	buf_reset(&s->msg);
	s->msg_size = s->line_len = s->longest = 0;
	s->eight_bit = s->bare_cr = s->bare_lf = s->too_big = false;
	s->d_line_start = true;
	s->d_dot = s->d_cr = false;
	s->d_line_bytes = 0;
	s->mode = bdat ? PS_BDAT : PS_DATA;
}

static void ps_message_accept(struct practice_session *s, bool bdat, const char *note)
{
	struct practice_shared *sh = s->cfg.shared;
	char qid[16];
	uint32_t v = (uint32_t)((++sh->queue_seq * 2654435761u) ^ sh->queue_salt);
	snprintf(qid, sizeof qid, "P%08X", (unsigned)v);
	sh->messages++;
	struct msg_headers h;
	msghdr_extract(s->msg.data, s->msg.len, &h);
	struct practice_message m = {
		.queue_id = qid, .helo = s->helo ? s->helo : "", .mail_from = s->mail_from,
		.rcpts = (const char *const *)s->rcpts, .nrcpts = s->nrcpts, .size = s->msg_size,
		.data = s->msg.data, .data_len = s->msg.len, .truncated = s->msg.len < s->msg_size,
		.subject = h.subject, .bdat = bdat, .tls = s->tls, .auth_user = s->auth_user,
		.smtputf8 = s->smtputf8, .body_8bitmime = s->body8, .eight_bit = s->eight_bit,
	};
	struct practice_event ev = {.type = PRACTICE_EV_MESSAGE, .msg = &m};
	ps_emit(s, &ev);
	msghdr_free(&h);
	ps_reply(s, 250, "2.0.0", "Ok: queued as %s%s", qid, note);
}

void ps_message_end(struct practice_session *s, bool bdat)
{
	if (s->line_len > s->longest)
		s->longest = s->line_len;
	s->mode = PS_CMD;
	if (s->too_big) {
		ps_reply(s, 552, "5.3.4",
			 "Message size exceeds the SIZE limit of %llu octets (it had %llu)",
			 (unsigned long long)s->cfg.size_max, (unsigned long long)s->msg_size);
	} else if (s->longest > SMTP_TEXT_LINE_RFC_MAX) {
		ps_reply(s, 554, "5.6.0",
			 "Line too long: a message line had %llu octets with its line end; "
			 "RFC 5321 4.5.3.1.6 allows 1000 including CRLF",
			 (unsigned long long)s->longest);
	} else if (s->reject_content) {
		ps_reply(s, 554, "5.7.1",
			 "Message content rejected as spam (the teaching address spam@ refuses "
			 "every message after DATA)");
	} else {
		const char *note = "";
		if (s->eight_bit && !s->body8 && !s->smtputf8)
			note = " (note: 8-bit octets without BODY=8BITMIME or SMTPUTF8 on MAIL FROM)";
		else if (s->bare_cr || s->bare_lf)
			note = " (note: bare CR or LF in the content; RFC 5321 2.3.8 wants CRLF)";
		ps_message_accept(s, bdat, note);
	}
	ps_txn_reset(s);
}

/* The end-of-line of a DATA content line: CRLF (or a forbidden bare LF). */
static void ps_data_eol(struct practice_session *s)
{
	if (!s->d_cr) {
		/* RFC 5321 2.3.8 forbids it; accepting "\n.\n" as an end marker is
		 * what SMTP smuggling relies on, so like Postfix we refuse and close. */
		ps_reply(s, 521, "5.5.2",
			 "Bare LF in message content: RFC 5321 2.3.8 requires CRLF line ends "
			 "(servers that accept bare LF can be fooled by SMTP smuggling); "
			 "closing the connection");
		ps_close(s, "bare LF in message content");
		return;
	}
	if (s->d_dot && s->d_line_bytes == 0) {
		ps_message_end(s, false);
		return;
	}
	ps_content_add(s, (const uint8_t *)"\r\n", 2);
	s->d_line_start = true;
}

/* DATA content: returns the bytes consumed (stops after the end marker). */
static size_t ps_data_bytes(struct practice_session *s, const uint8_t *p, size_t len)
{
	size_t i = 0;
	while (i < len && s->mode == PS_DATA && s->status == PRACTICE_GO) {
		if (s->d_line_start) {
			s->d_line_start = s->d_cr = false;
			s->d_line_bytes = 0;
			/* RFC 5321 4.5.2: a leading dot is removed (transparency). */
			s->d_dot = p[i] == '.';
			if (s->d_dot) {
				i++;
				continue;
			}
		}
		const uint8_t *nl = memchr(p + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - p) : len;
		if (end > i) {
			if (s->d_cr) { /* the held CR was not followed by LF */
				ps_content_add(s, (const uint8_t *)"\r", 1);
				s->d_line_bytes++;
				s->bare_cr = true;
			}
			bool cr = p[end - 1] == '\r';
			size_t n = end - i - (cr ? 1 : 0);
			if (memchr(p + i, '\r', n))
				s->bare_cr = true;
			ps_content_add(s, p + i, n);
			s->d_line_bytes += n;
			s->d_cr = cr;
		}
		if (!nl)
			return len;
		i = end + 1;
		ps_data_eol(s);
	}
	return i;
}

/* The end of a BDAT chunk: its reply. */
void ps_chunk_end(struct practice_session *s)
{
	s->mode = PS_CMD;
	if (s->chunk_discard) {
		ps_reply(s, s->chunk_code, NULL, "%s", s->chunk_text);
		if (s->chunk_code == 552)
			ps_txn_reset(s);
		return;
	}
	if (s->chunk_last) {
		ps_message_end(s, true);
		return;
	}
	ps_reply(s, 250, "2.0.0", "%llu octets received (%llu so far); send BDAT <size> LAST for "
		 "the final chunk",
		 (unsigned long long)s->chunk_size, (unsigned long long)s->msg_size);
}

static size_t ps_bdat_bytes(struct practice_session *s, const uint8_t *p, size_t len)
{
	size_t n = len < s->chunk_left ? len : (size_t)s->chunk_left;
	if (!s->chunk_discard) {
		ps_content_add(s, p, n);
		for (size_t i = 0; i < n; i++)
			if (p[i] == '\n' && !(i ? p[i - 1] == '\r' : s->d_cr))
				s->bare_lf = true;
		if (n)
			s->d_cr = p[n - 1] == '\r';
	}
	s->chunk_left -= n;
	if (s->chunk_left == 0)
		ps_chunk_end(s);
	return n;
}

static bool ps_starts_ci(const uint8_t *p, size_t n, const char *w)
{
	size_t k = strlen(w);
	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++) {
		uint8_t c = p[i];
		if (c >= 'a' && c <= 'z')
			c = (uint8_t)(c - 32);
		if (c != (uint8_t)w[i])
			return false;
	}
	return n == k || p[k] == ' ' || p[k] == '\t';
}

/* Report the command with AUTH secrets masked (RFC 4954 responses carry them). */
static void ps_emit_command(struct practice_session *s, const uint8_t *p, size_t n)
{
	struct buf t;
	buf_init(&t, SMTP_AUTH_LINE_MAX + 16);
	if (s->mode == PS_AUTH) {
		buf_append_str(&t, n == 1 && p[0] == '*' ? "*" : "***");
	} else if (ps_starts_ci(p, n, "AUTH")) {
		size_t i = 4;
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		while (i < n && p[i] != ' ' && p[i] != '\t')
			i++;
		buf_append(&t, p, i);
		if (i < n)
			buf_append_str(&t, " ***");
	} else {
		buf_append(&t, p, n);
	}
	struct practice_event ev = {.type = PRACTICE_EV_COMMAND, .text = t.data, .len = t.len};
	ps_emit(s, &ev);
	buf_free(&t);
}

/* A complete line (CR already removed when crlf). */
static void ps_line_done(struct practice_session *s, bool crlf)
{
	const uint8_t *p = s->line.data;
	size_t n = s->line.len;
	bool auth = s->mode == PS_AUTH || ps_starts_ci(p, n, "AUTH");
	ps_emit_command(s, p, n);
	if (s->line_overflow || (!auth && n > PS_CMD_MAX)) {
		if (s->mode == PS_AUTH)
			ps_auth_abort(s);
		ps_reply(s, 500, "5.5.2",
			 "Line too long: a command line may have %d octets including CRLF "
			 "(RFC 5321 4.5.3.1.4)%s",
			 SMTP_LINE_RFC_MAX, auth ? "; AUTH lines up to 12288 (RFC 4954 4)" : "");
	} else if (!crlf) {
		if (s->mode == PS_AUTH)
			ps_auth_abort(s);
		ps_reply(s, 500, "5.5.2",
			 "Bare LF: end every command line with CR LF (RFC 5321 2.3.8); "
			 "with nc use -C, with socat use the crlf option");
	} else if (memchr(p, '\0', n)) {
		if (s->mode == PS_AUTH)
			ps_auth_abort(s);
		ps_reply(s, 500, "5.5.2", "NUL octet in the command line");
	} else if (s->mode == PS_AUTH) {
		ps_auth_response(s, p, n);
	} else {
		ps_command(s, p, n);
	}
}

/* Command bytes: consume up to and including one LF. */
static size_t ps_line_bytes(struct practice_session *s, const uint8_t *p, size_t len)
{
	const uint8_t *nl = memchr(p, '\n', len);
	size_t seg = nl ? (size_t)(nl - p) : len;
	if (seg) {
		if (!buf_append(&s->line, p, seg)) {
			size_t room = s->line.max - s->line.len;
			buf_append(&s->line, p, room);
			s->line_overflow = true;
		}
		s->line_last = p[seg - 1];
	}
	if (!nl)
		return len;
	bool crlf = seg ? p[seg - 1] == '\r' : s->line_last == '\r' && s->line.len > 0;
	if (crlf && s->line.len && s->line.data[s->line.len - 1] == '\r')
		s->line.len--;
	ps_line_done(s, crlf);
	buf_reset(&s->line);
	s->line_overflow = false;
	s->line_last = 0;
	return seg + 1;
}

enum practice_status practice_session_feed(struct practice_session *s, const uint8_t *p,
					   size_t len, size_t *used, struct buf *out)
{
	size_t i = 0;
	s->out = out;
	if (len && !s->started && s->status == PRACTICE_GO) {
		s->started = true;
		if (!s->tls && p[0] == 0x16) { /* a TLS record: ClientHello on the plain port */
			ps_reply(s, 500, "5.5.2",
				 "This looks like a TLS handshake, but this port speaks plain SMTP: "
				 "connect without TLS and send STARTTLS, or use the implicit-TLS port");
			ps_close(s, "TLS handshake sent to the plain port");
		}
	}
	while (i < len && s->status == PRACTICE_GO) {
		switch (s->mode) {
		case PS_DATA: i += ps_data_bytes(s, p + i, len - i); break;
		case PS_BDAT: i += ps_bdat_bytes(s, p + i, len - i); break;
		default:
			if (out && out->len >= PRACTICE_OUT_HIGH && s->line.len == 0)
				goto done;
			i += ps_line_bytes(s, p + i, len - i);
			break;
		}
	}
done:
	if (used)
		*used = i;
	s->out = NULL;
	return s->status;
}

enum practice_status practice_session_input(struct practice_session *s, const char *line,
					    struct buf *out)
{
	size_t n = strlen(line);
	uint8_t *b = xmalloc(n + 2);
	memcpy(b, line, n);
	b[n] = '\r';
	b[n + 1] = '\n';
	enum practice_status st = practice_session_feed(s, b, n + 2, NULL, out);
	free(b);
	return st;
}

void practice_session_tls_started(struct practice_session *s)
{
	/* RFC 3207 4.2: forget everything learnt before the handshake. */
	s->tls = true;
	s->greeted = s->esmtp = false;
	free(s->helo);
	s->helo = NULL;
	free(s->auth_user);
	s->auth_user = NULL;
	ps_auth_abort(s);
	ps_txn_reset(s);
	s->mode = PS_CMD;
	buf_reset(&s->line);
	s->line_overflow = false;
	s->status = PRACTICE_GO;
}

void practice_session_timeout(struct practice_session *s, unsigned ms, struct buf *out)
{
	s->out = out;
	bool whole = ms % 1000u == 0;
	ps_reply(s, 421, "4.4.2",
		 "%s Idle timeout: no command for %u %s (RFC 5321 4.5.3.2); closing the "
		 "connection", s->cfg.hostname, whole ? ms / 1000u : ms, whole ? "seconds" : "ms");
	ps_close(s, "idle timeout");
	s->out = NULL;
}

void practice_session_shutdown(struct practice_session *s, struct buf *out)
{
	s->out = out;
	ps_reply(s, 421, "4.3.2", "%s Service shutting down: the practice server is stopping",
		 s->cfg.hostname);
	ps_close(s, "server stopping");
	s->out = NULL;
}

enum practice_status practice_session_status(const struct practice_session *s)
{
	return s->status;
}

bool practice_session_in_tls(const struct practice_session *s)
{
	return s->tls;
}

bool practice_session_in_content(const struct practice_session *s)
{
	return s->mode == PS_DATA || s->mode == PS_BDAT;
}

const char *practice_session_close_reason(const struct practice_session *s)
{
	return s->close_reason;
}

unsigned practice_session_errors(const struct practice_session *s)
{
	return s->errors;
}
