/* screen_practice_svc.c - the practice server (probe/practice.h: RFC 5321
 * with STARTTLS RFC 3207, AUTH RFC 4954) run in the UI's event loop, one per
 * program, and the log of its events the Practice screen shows: every line
 * made printable when stored, AUTH secrets already masked by the server. */
#include "tui/screen_practice.h"
#include "decode/buf.h"
#include "decode/printable.h"
#include "decode/xmalloc.h"
#include "probe/practice.h"
#include "probe/session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct {
	struct practice *p;
	char ca_file[4096];        /* the certificate, for sessions to trust; "" none */
	struct practice_log_line *log;
	size_t head, len;          /* ring of PRACTICE_LOG_MAX */
	uint64_t dropped;
	void (*listen)(void *ud);
	void *listen_ud;
	bool added;                /* lines added by the current event */
} svc;

/* ---- the log ---- */

static void log_push(enum crt_color c, const uint8_t *p, size_t len)
{
	if (!svc.log)
		svc.log = xcalloc(PRACTICE_LOG_MAX, sizeof *svc.log);
	struct buf b;
	buf_init(&b, PRACTICE_LOG_LINE_MAX);
	printable_append(&b, p, len); /* a cut line still says what happened */
	struct practice_log_line *l;
	if (svc.len == PRACTICE_LOG_MAX) {
		l = &svc.log[svc.head];
		free(l->text);
		svc.head = (svc.head + 1) % PRACTICE_LOG_MAX;
		svc.dropped++;
	} else {
		l = &svc.log[(svc.head + svc.len) % PRACTICE_LOG_MAX];
		svc.len++;
	}
	l->text = xmemdup0(b.data ? (const char *)b.data : "", b.len);
	l->color = c;
	buf_free(&b);
	svc.added = true;
}

/* "12:00:01 [3] " head, then text (untrusted bytes, cut at the line cap). */
static void log_add(enum crt_color c, uint64_t client, const char *head, const uint8_t *text, size_t len)
{
	char ts[16];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%H:%M:%S", &tm);
	/* the head is ours; the text is untrusted: log_push makes it all printable */
	struct buf line;
	buf_init(&line, PRACTICE_LOG_LINE_MAX);
	if (client)
		buf_printf(&line, "%s [%llu] %s", ts, (unsigned long long)client, head);
	else
		buf_printf(&line, "%s %s", ts, head);
	size_t room = PRACTICE_LOG_LINE_MAX - line.len;
	buf_append(&line, text, len < room ? len : room);
	log_push(c, line.data, line.len);
	buf_free(&line);
}

static void log_str(enum crt_color c, uint64_t client, const char *head, const char *s)
{
	log_add(c, client, head, (const uint8_t *)(s ? s : ""), s ? strlen(s) : 0);
}

size_t practice_svc_log_count(void)
{
	return svc.len;
}

const struct practice_log_line *practice_svc_log_at(size_t i)
{
	return i < svc.len ? &svc.log[(svc.head + i) % PRACTICE_LOG_MAX] : NULL;
}

uint64_t practice_svc_log_dropped(void)
{
	return svc.dropped;
}

void practice_svc_log_clear(void)
{
	for (size_t i = 0; i < svc.len; i++)
		free(svc.log[(svc.head + i) % PRACTICE_LOG_MAX].text);
	svc.head = svc.len = 0;
	svc.dropped = 0;
}

void practice_svc_listen(void (*fn)(void *ud), void *ud)
{
	svc.listen = fn;
	svc.listen_ud = ud;
}

void practice_svc_unlisten(void *ud)
{
	if (svc.listen_ud == ud) {
		svc.listen = NULL;
		svc.listen_ud = NULL;
	}
}

/* ---- events ---- */

static enum crt_color reply_color(const uint8_t *p, size_t len)
{
	if (len < 1)
		return CRT_NORMAL;
	switch (p[0]) {
	case '2':
	case '3': return CRT_GOOD;
	case '4': return CRT_WARN;
	case '5': return CRT_BAD;
	default: return CRT_NORMAL;
	}
}

/* Each line of a reply (CRLF ended) on its own log line. */
static void log_reply(uint64_t client, const uint8_t *p, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && p[j] != '\n')
			j++;
		size_t e = j > i && p[j - 1] == '\r' ? j - 1 : j;
		log_add(reply_color(p + i, e - i), client, "S: ", p + i, e - i);
		i = j + 1;
	}
}

static void log_message(uint64_t client, const struct practice_message *m)
{
	struct buf b;
	buf_init(&b, PRACTICE_LOG_LINE_MAX);
	/* the Subject first: it is what a person looks for */
	buf_printf(&b, "message %s accepted, Subject: ", m->queue_id);
	buf_append_str(&b, m->subject ? m->subject : "(none)");
	buf_append_str(&b, " | from <");
	buf_append_str(&b, m->mail_from);
	buf_append_str(&b, "> to");
	for (size_t i = 0; i < m->nrcpts; i++) {
		buf_append_str(&b, i ? ", <" : " <");
		buf_append_str(&b, m->rcpts[i]);
		buf_append_str(&b, ">");
	}
	buf_printf(&b, "; %llu octets%s%s%s%s", (unsigned long long)m->size, m->bdat ? ", BDAT" : "",
		   m->tls ? ", TLS" : "", m->auth_user ? ", AUTH " : "", "");
	if (m->auth_user)
		buf_append_str(&b, m->auth_user);
	log_add(CRT_GOOD, client, "", b.data, b.len);
	buf_free(&b);
}

static void svc_on_event(struct practice *p, const struct practice_event *ev, void *ud)
{
	(void)p;
	(void)ud;
	char head[256];
	svc.added = false;
	switch (ev->type) {
	case PRACTICE_EV_CONNECT:
		snprintf(head, sizeof head, "connected from %s%s", ev->peer, ev->detail ? " (implicit TLS)" : "");
		log_str(CRT_HEADING, ev->client, head, "");
		break;
	case PRACTICE_EV_COMMAND: log_add(CRT_LABEL, ev->client, "C: ", ev->text, ev->len); break;
	case PRACTICE_EV_REPLY: log_reply(ev->client, ev->text, ev->len); break;
	case PRACTICE_EV_TLS:
		if (ev->tls_failed) {
			log_str(CRT_BAD, ev->client, "TLS failed: ", ev->detail);
		} else {
			snprintf(head, sizeof head, "TLS established: %s, %s", ev->tls_version ? ev->tls_version : "?",
				 ev->tls_cipher ? ev->tls_cipher : "?");
			log_str(CRT_GOOD, ev->client, head, "");
		}
		break;
	case PRACTICE_EV_MESSAGE: log_message(ev->client, ev->msg); break;
	case PRACTICE_EV_NOTE: log_str(CRT_WARN, ev->client, "note: ", ev->detail); break;
	case PRACTICE_EV_GONE: log_str(CRT_DIM, ev->client, "gone: ", ev->detail); break;
	default: log_str(CRT_BAD, ev->client, "error: ", ev->detail); break;
	}
	if (svc.added && svc.listen)
		svc.listen(svc.listen_ud);
}

/* ---- the server ---- */

/* Write the certificate where a session can read it as a trust anchor. */
static void svc_write_cert(void)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || dir[0] != '/')
		dir = P_tmpdir;
	int n = snprintf(svc.ca_file, sizeof svc.ca_file, "%s/smtpscope-practice-XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof svc.ca_file) {
		svc.ca_file[0] = '\0';
		return;
	}
	int fd = mkstemp(svc.ca_file);
	if (fd < 0) {
		svc.ca_file[0] = '\0';
		return;
	}
	const char *pem = practice_cert_pem(svc.p);
	size_t len = pem ? strlen(pem) : 0;
	bool ok = len > 0 && write(fd, pem, len) == (ssize_t)len;
	close(fd);
	if (!ok) {
		unlink(svc.ca_file);
		svc.ca_file[0] = '\0';
	}
}

struct practice *practice_svc_start(struct loop *l, const struct practice_opts *o, char *err, size_t errsize)
{
	if (svc.p)
		return svc.p;
	struct practice_opts def;
	if (!o) {
		practice_opts_init(&def);
		o = &def;
	}
	struct buf e;
	buf_init(&e, 1024);
	svc.p = practice_new(l, o, svc_on_event, NULL, &e);
	if (!svc.p) {
		snprintf(err, errsize, "the practice server did not start: %s", buf_str(&e));
		buf_free(&e);
		return NULL;
	}
	buf_free(&e);
	svc_write_cert();
	char head[128];
	bool tls;
	const char *a;
	for (size_t i = 0; (a = practice_listener(svc.p, i, &tls)); i++) {
		snprintf(head, sizeof head, "listening on %s (%s)", a, tls ? "implicit TLS" : "SMTP, STARTTLS");
		log_str(CRT_DIM, 0, head, "");
	}
	return svc.p;
}

struct practice *practice_svc_get(void)
{
	return svc.p;
}

void practice_svc_stop(void)
{
	if (svc.p)
		practice_free(svc.p);
	svc.p = NULL;
	if (svc.ca_file[0])
		unlink(svc.ca_file);
	svc.ca_file[0] = '\0';
	practice_svc_log_clear();
	free(svc.log);
	svc.log = NULL;
	svc.listen = NULL;
	svc.listen_ud = NULL;
}

bool practice_svc_session_opts(struct session_opts *so)
{
	if (!svc.p)
		return false;
	so->host = "127.0.0.1";
	so->port = practice_port(svc.p);
	so->unix_path = NULL;
	so->mx_domain = NULL;
	so->implicit_tls = false;
	if (svc.ca_file[0]) {
		so->tls.ca_file = svc.ca_file;
		so->tls.sni = practice_hostname(svc.p);
		so->tls.verify_name = practice_hostname(svc.p);
	} else {
		so->tls.insecure = true; /* no file to trust it with: say so, continue */
	}
	return true;
}
