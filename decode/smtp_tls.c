/* smtp_tls.c - TLS after STARTTLS or on an implicit-TLS port: the SMTP parser hands the raw bytes of each direction to a sink and counts them (RFC 3207, RFC 8314). */
#include "smtp_internal.h"

void smtp_enter_tls(struct smtp_parser *p, uint64_t off, int64_t ts, bool implicit)
{
	if (p->tls)
		return;
	p->tls = true;
	p->tls_client_spoke = implicit;
	p->cmode = SMTP_CM_TLS;
	for (int d = 0; d < SMTP_DIR_LAST; d++) {
		buf_reset(&p->side[d].line);
		p->side[d].line_total = 0;
	}
	struct smtp_event ev = {.type = SMTP_EV_TLS_START, .dir = implicit ? SMTP_DIR_CLIENT : SMTP_DIR_SERVER,
				.ts = ts, .offset = off};
	ev.tls.implicit = implicit;
	smtp_emit(p, &ev);
}

void smtp_start_tls(struct smtp_parser *p, int64_t ts)
{
	if (!p->finished)
		smtp_enter_tls(p, p->side[SMTP_DIR_CLIENT].offset, ts, true);
}

void smtp_tls_inject_report(struct smtp_parser *p)
{
	if (p->tls_inject_bytes)
		smtp_flag(p, SMTP_DIR_SERVER, SMTP_AN_STARTTLS_INJECTION_SERVER, p->tls_inject_bytes, "",
			  p->tls_inject_off);
	p->tls_inject_bytes = 0;
}

void smtp_tls_feed(struct smtp_parser *p, enum smtp_dir dir, const uint8_t *d, size_t len, uint64_t off,
		   int64_t ts)
{
	if (dir == SMTP_DIR_CLIENT) {
		if (!p->tls_client_spoke)
			smtp_tls_inject_report(p);
		p->tls_client_spoke = true;
	} else if (!p->tls_client_spoke) {
		/* the server cannot speak TLS before the client's hello: dropped, reported once */
		if (!p->tls_inject_bytes)
			p->tls_inject_off = off;
		p->tls_inject_bytes += len;
		return;
	}
	p->tls_bytes[dir] += len;
	if (p->tls_fn)
		p->tls_fn(p->tls_user, dir, d, len, ts);
}

void smtp_set_tls_sink(struct smtp_parser *p, smtp_tls_fn fn, void *user)
{
	p->tls_fn = fn;
	p->tls_user = user;
}

bool smtp_in_tls(const struct smtp_parser *p)
{
	return p->tls;
}

uint64_t smtp_tls_bytes(const struct smtp_parser *p, enum smtp_dir dir)
{
	return dir < SMTP_DIR_LAST ? p->tls_bytes[dir] : 0;
}
