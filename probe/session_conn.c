/* session_conn.c - where a live session connects and what its connection
 * reports: the MX of a domain in preference order (RFC 5321 5.1, null MX RFC
 * 7505), TLSA records for DANE (RFC 6698 3, RFC 7672 2.2), the connection's
 * events (attempts per address, TLS, data, drops) and STARTTLS (RFC 3207 4). */
#include "probe/session_internal.h"
#include "decode/limits.h"
#include "decode/xmalloc.h"
#include "probe/conn.h"
#include "probe/loop.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void session_next_cand(struct session *s);

static bool is_ip_literal(const char *h)
{
	unsigned char b[16];
	return h && (inet_pton(AF_INET, h, b) == 1 || inet_pton(AF_INET6, h, b) == 1);
}

static bool session_need_dns(struct session *s)
{
	if (s->dns)
		return true;
	struct buf err;
	buf_init(&err, 512);
	struct dns_opts dopt = {.servers = s->o.dns_servers, .timeout_ms = s->o.connect_timeout_ms};
	s->dns = dns_new(s->l, &dopt, &err);
	if (!s->dns)
		session_finish(s, SESS_STAGE_CONNECT, "the resolver could not start: %s", buf_str(&err));
	buf_free(&err);
	return s->dns != NULL;
}

static void cand_add(struct session *s, const char *host, uint16_t pref, const struct dns_addr *a, size_t na)
{
	s->cands = xreallocarray(s->cands, s->ncands + 1, sizeof *s->cands);
	struct session_cand *c = &s->cands[s->ncands++];
	memset(c, 0, sizeof *c);
	c->host = host ? xstrdup(host) : NULL;
	c->pref = pref;
	for (size_t i = 0; i < na; i++) {
		if ((s->o.family == AF_INET && a[i].family != AF_INET) ||
		    (s->o.family == AF_INET6 && a[i].family != AF_INET6))
			continue;
		c->addrs = xreallocarray(c->addrs, c->naddrs + 1, sizeof *c->addrs);
		c->addrs[c->naddrs++] = xstrdup(a[i].text);
	}
}

static void cands_free(struct session *s)
{
	for (size_t i = 0; i < s->ncands; i++) {
		free(s->cands[i].host);
		for (size_t k = 0; k < s->cands[i].naddrs; k++)
			free(s->cands[i].addrs[k]);
		free(s->cands[i].addrs);
	}
	free(s->cands);
	s->cands = NULL;
	s->ncands = 0;
}

static void tlsa_free(struct session *s)
{
	for (size_t i = 0; i < s->ntlsa; i++)
		free(s->tlsa[i].data);
	free(s->tlsa);
	s->tlsa = NULL;
	s->ntlsa = 0;
}

/* ---- MX ---- */

static void session_mx_list(struct session *s, const struct dns_result *r)
{
	struct buf b;
	buf_init(&b, 16384);
	buf_printf(&b, "MX of %s (%zu, best first%s):", s->o.mx_domain, r->nmx, r->ad ? ", DNSSEC-validated" : "");
	for (size_t i = 0; i < r->nmx; i++) {
		const struct dns_mx *m = &r->mx[i];
		buf_printf(&b, "\n  %u %s", (unsigned)m->pref, m->host);
		if (m->addr_status != DNS_OK)
			buf_printf(&b, " (no address: %s)", dns_status_name(m->addr_status));
		for (size_t k = 0; k < m->naddrs && k < 4; k++)
			buf_printf(&b, "%s%s", k ? ", " : " -> ", m->addrs[k].text);
		if (m->naddrs > 4)
			buf_printf(&b, " and %zu more", m->naddrs - 4);
	}
	session_info(s, SESS_LVL_NOTE, "dns", "%s", buf_str(&b));
	buf_free(&b);
}

static void session_on_mx(void *ud, const struct dns_result *r)
{
	struct session *s = ud;
	s->dq = NULL;
	if (r->status == DNS_NODATA) {
		session_info(s, SESS_LVL_NOTE, "dns", "%s has no MX record: mail goes to the domain's own address "
			     "(implicit MX, RFC 5321 5.1)", s->o.mx_domain);
		cand_add(s, s->o.mx_domain, 0, NULL, 0);
	} else if (r->status != DNS_OK) {
		session_finish(s, SESS_STAGE_CONNECT, "MX lookup for %s failed: %s%s%s", s->o.mx_domain,
			       dns_status_name(r->status), r->detail ? " - " : "", r->detail ? r->detail : "");
		return;
	} else if (r->nmx == 1 && !strcmp(r->mx[0].host, ".")) {
		session_finish(s, SESS_STAGE_CONNECT, "%s publishes a null MX (RFC 7505): it accepts no mail",
			       s->o.mx_domain);
		return;
	} else {
		session_mx_list(s, r);
		for (size_t i = 0; i < r->nmx; i++)
			if (strcmp(r->mx[i].host, ".") && r->mx[i].naddrs)
				cand_add(s, r->mx[i].host, r->mx[i].pref, r->mx[i].addrs, r->mx[i].naddrs);
	}
	session_next_cand(s);
	session_pump(s);
}

/* ---- DANE ---- */

static void session_open_conn(struct session *s);

static void session_on_tlsa(void *ud, const struct dns_result *r)
{
	struct session *s = ud;
	s->dq = NULL;
	const char *host = s->cands[s->cand].host;
	tlsa_free(s);
	if (r->status == DNS_OK && r->ntlsa) {
		s->tlsa = xcalloc(r->ntlsa, sizeof *s->tlsa);
		for (size_t i = 0; i < r->ntlsa; i++) {
			s->tlsa[i] = r->tlsa[i];
			s->tlsa[i].data = xmalloc(r->tlsa[i].len ? r->tlsa[i].len : 1);
			memcpy(s->tlsa[i].data, r->tlsa[i].data, r->tlsa[i].len);
		}
		s->ntlsa = r->ntlsa;
		s->tlsa_ad = r->ad;
		session_info(s, r->ad ? SESS_LVL_OK : SESS_LVL_WARN, "dane",
			     "%zu TLSA record%s for _%u._tcp.%s%s", r->ntlsa, r->ntlsa == 1 ? "" : "s",
			     (unsigned)s->o.port, host,
			     r->ad ? " (DNSSEC-validated by the resolver)"
				   : "; the answer is not DNSSEC-validated (no AD bit), so RFC 7672 would not "
				     "use it: checking anyway, but trust the result only with a validating resolver");
	} else if (r->status == DNS_NODATA || r->status == DNS_NXDOMAIN) {
		session_info(s, SESS_LVL_NOTE, "dane", "no TLSA record for _%u._tcp.%s: DANE does not apply, the "
			     "certificate is checked the usual way", (unsigned)s->o.port, host);
	} else {
		session_info(s, SESS_LVL_WARN, "dane", "TLSA lookup for _%u._tcp.%s failed: %s (RFC 7672 2.2: a "
			     "sender must then not deliver if DANE was required)", (unsigned)s->o.port, host,
			     dns_status_name(r->status));
	}
	session_open_conn(s);
	session_pump(s);
}

/* ---- connection events ---- */

static enum session_stage session_drop_stage(const struct session *s)
{
	if (!s->greeted)
		return SESS_STAGE_GREETING;
	if (s->await_len) {
		const struct session_await *a = &s->await[s->await_head];
		return a->bdat_last ? SESS_STAGE_MESSAGE : session_stage_of_cmd(a->kind);
	}
	if (s->lmtp_expect || s->in_content)
		return SESS_STAGE_MESSAGE;
	return SESS_STAGE_NONE;
}

static void session_on_closed(struct session *s, const struct conn_event *ev, bool eof)
{
	enum session_stage st = session_drop_stage(s);
	const char *detail = ev->detail ? ev->detail : eof ? "peer closed the connection" : "connection failed";
	s->end_flush_first = true;
	if (st == SESS_STAGE_NONE && s->quit_sent) {
		session_finish(s, SESS_STAGE_NONE, "the server closed the connection after QUIT");
		return;
	}
	if (st == SESS_STAGE_NONE) {
		session_info(s, SESS_LVL_WARN, "connect", "the server closed the connection while nothing was "
			     "awaited (%s); an idle timeout or a 421 before it are the usual reasons", detail);
		session_finish(s, SESS_STAGE_NONE, "%s", detail);
		return;
	}
	if (st == SESS_STAGE_GREETING)
		session_finish(s, st, "%s before the greeting (%s): the server refused the connection "
			       "at once, or it expects TLS first (try --tls)", eof ? "closed" : "failed", detail);
	else
		session_finish(s, st, "%s while waiting for %s (%s)", eof ? "closed" : "failed", s->wait_what[0] ?
			       s->wait_what : "a reply", detail);
}

static void session_on_conn_error(struct session *s, const struct conn_event *ev)
{
	if (s->handshaking) {
		s->handshaking = false;
		if (ev->tls && (ev->tls->chain_len || ev->err == CONN_ERR_TLS_VERIFY))
			session_tls_report(s, ev->tls);
		session_finish(s, SESS_STAGE_TLS, "TLS handshake failed (%s): %s", conn_err_name(ev->err),
			       ev->detail ? ev->detail : "");
		return;
	}
	if (!s->connected) {
		bool more = s->cand + 1 < s->ncands && ev->err != CONN_ERR_TLS_SETUP;
		if (more) {
			session_info(s, SESS_LVL_WARN, "connect", "%s: %s; trying the next MX host",
				     s->cands[s->cand].host, ev->detail ? ev->detail : conn_err_name(ev->err));
			conn_free(s->c);
			s->c = NULL;
			s->cand++;
			session_next_cand(s);
			return;
		}
		session_finish(s, SESS_STAGE_CONNECT, "%s", ev->detail ? ev->detail : conn_err_name(ev->err));
		return;
	}
	session_on_closed(s, ev, false);
}

static void session_on_connected(struct session *s, const struct conn_event *ev)
{
	s->connected = true;
	s->connected_ms = (uint64_t)(session_mono_us() / 1000);
	const struct conn_addr *a = ev->addr;
	snprintf(s->res.peer, sizeof s->res.peer, "%s", a->text);
	const char *name = s->cands ? s->cands[s->cand].host : s->o.unix_path;
	snprintf(s->res.peer_name, sizeof s->res.peer_name, "%s", name ? name : "");
	const char *fam = a->family == AF_INET6 ? "IPv6" : a->family == AF_INET ? "IPv4" : "unix socket";
	bool named = name && !is_ip_literal(name) && a->family != AF_UNIX;
	session_info(s, SESS_LVL_OK, "connect", "connected to %s%s%s (%s) in %llu ms", named ? name : "",
		     named ? " at " : "", a->text, fam, (unsigned long long)a->elapsed_ms);
	session_result_reach(&s->res, SESS_STAGE_CONNECT);
	session_parser_new(s, false);
	if (s->o.implicit_tls)
		s->handshaking = true;
}

static void session_on_tls_done(struct session *s, const struct conn_event *ev)
{
	bool starttls = !s->o.implicit_tls || s->greeted;
	s->handshaking = false;
	s->tls_up = true;
	s->res.tls = true;
	s->res.tls_verified = ev->tls->verified;
	session_tls_report(s, ev->tls);
	session_result_reach(&s->res, SESS_STAGE_TLS);
	if (starttls) {
		session_parser_new(s, true); /* RFC 3207 4.2: everything starts again */
		if (!s->job)
			session_info(s, SESS_LVL_NOTE, "tls", "TLS is up: send EHLO again (RFC 3207 4.2: the server "
				     "forgets what it knew and may offer different extensions)");
	}
	if (s->job && s->job->ops->tls_done)
		s->job->ops->tls_done(s, s->job);
}

static void session_preview_track(struct session *s, const uint8_t *p, size_t len)
{
	const uint8_t *nl = NULL;
	for (size_t i = len; i > 0; i--)
		if (p[i - 1] == '\n') {
			nl = p + i - 1;
			break;
		}
	if (nl) {
		buf_reset(&s->preview);
		len -= (size_t)(nl + 1 - p);
		p = nl + 1;
	}
	size_t room = s->preview.max - s->preview.len;
	buf_append(&s->preview, p, len < room ? len : room);
}

static void session_on_data(struct session *s, const struct conn_event *ev)
{
	s->srv_bytes += ev->len;
	session_preview_track(s, ev->data, ev->len);
	uint64_t before = smtp_tls_bytes(s->p, SMTP_DIR_SERVER);
	s->in_parser++;
	smtp_feed(s->p, SMTP_DIR_SERVER, ev->data, ev->len, session_mono_us());
	s->in_parser--;
	uint64_t inj = smtp_tls_bytes(s->p, SMTP_DIR_SERVER) - before;
	if (s->handshaking && inj)
		session_info(s, SESS_LVL_WARN, "tls", "the server sent %llu bytes after its 220 to STARTTLS and "
			     "before the TLS handshake; they were discarded. A man in the middle can inject "
			     "commands this way (RFC 3207 5, CVE-2011-0411)", (unsigned long long)inj);
	if (!s->closing && s->srv_bytes > SESSION_REPLY_BYTES_MAX) {
		session_info(s, SESS_LVL_ERROR, "anomaly", "the server sent %llu bytes without completing a reply "
			     "(the line in progress begins '%.*s'): an endless line or a hostile peer; hanging up",
			     (unsigned long long)s->srv_bytes, (int)s->preview.len, (const char *)buf_str(&s->preview));
		enum session_stage st = session_drop_stage(s);
		session_finish(s, st, "more than %u bytes without a complete reply", SESSION_REPLY_BYTES_MAX);
	}
}

static void session_conn_cb(struct conn *c, const struct conn_event *ev, void *ud)
{
	(void)c;
	struct session *s = ud;
	switch (ev->type) {
	case CONN_EV_RESOLVED:
		if (!s->cands[s->cand].addrs && !s->o.unix_path && !is_ip_literal(s->cands[s->cand].host))
			session_info(s, SESS_LVL_NOTE, "dns", "%s has %zu address%s", s->cands[s->cand].host,
				     ev->addr_count, ev->addr_count == 1 ? "" : "es");
		break;
	case CONN_EV_ATTEMPT:
		session_info(s, SESS_LVL_NOTE, "connect", "connecting to %s (%zu of %zu)", ev->addr->text,
			     ev->addr_index + 1, ev->addr_count);
		break;
	case CONN_EV_ATTEMPT_FAILED:
		session_info(s, SESS_LVL_WARN, "connect", "%s did not answer: %s (after %llu ms)", ev->addr->text,
			     ev->detail ? ev->detail : "failed", (unsigned long long)ev->addr->elapsed_ms);
		break;
	case CONN_EV_CONNECTED: session_on_connected(s, ev); break;
	case CONN_EV_TLS_DONE: session_on_tls_done(s, ev); break;
	case CONN_EV_DATA: session_on_data(s, ev); break;
	case CONN_EV_SENT:
		if (s->job && s->job->ops->sent)
			s->job->ops->sent(s, s->job);
		session_wait_update(s, true);
		break;
	case CONN_EV_EOF: session_on_closed(s, ev, true); break;
	case CONN_EV_ERROR: session_on_conn_error(s, ev); break;
	default: break;
	}
	session_pump(s);
}

static void session_open_conn(struct session *s)
{
	const struct session_cand *cd = &s->cands[s->cand];
	struct conn_opts co = {
		.host = s->o.unix_path ? NULL : cd->host,
		.port = s->o.port,
		.unix_path = s->o.unix_path,
		.addrs = (const char *const *)cd->addrs,
		.naddrs = cd->naddrs,
		.family = s->o.family,
		.connect_timeout_ms = s->o.connect_timeout_ms,
		.tls_timeout_ms = s->o.tls_timeout_ms,
		.out_max = 2 * HELPER_BDAT_CHUNK_MAX + 65536,
		.tls = s->o.implicit_tls,
		.tls_opts = s->o.tls,
	};
	co.tls_opts.tlsa = s->tlsa;
	co.tls_opts.ntlsa = s->ntlsa;
	bool dns_needed = !s->o.unix_path && !cd->naddrs && !is_ip_literal(cd->host);
	if (dns_needed && !session_need_dns(s))
		return;
	s->c = conn_new(s->l, s->dns, &co, session_conn_cb, s);
	if (!s->c)
		session_finish(s, SESS_STAGE_CONNECT, "no destination to connect to");
	session_set_state(s);
}

static void session_next_cand(struct session *s)
{
	if (s->cand >= s->ncands) {
		session_finish(s, SESS_STAGE_CONNECT, s->ncands ? "no MX host could be reached"
							       : "no MX host with an address");
		return;
	}
	const struct session_cand *cd = &s->cands[s->cand];
	if (s->o.mx_domain)
		session_info(s, SESS_LVL_NOTE, "connect", "trying MX %u %s", (unsigned)cd->pref, cd->host);
	if (s->o.dane && !s->o.unix_path) {
		if (!session_need_dns(s))
			return;
		s->dq = dns_query_tlsa(s->dns, cd->host, s->o.port, session_on_tlsa, s);
		session_set_state(s);
		return;
	}
	session_open_conn(s);
}

void session_conn_start(struct session *s)
{
	if (s->o.mx_domain) {
		if (!session_need_dns(s))
			return;
		s->dq = dns_query_mx(s->dns, s->o.mx_domain, true, session_on_mx, s);
		session_set_state(s);
		return;
	}
	if (!s->o.host && !s->o.unix_path) {
		session_finish(s, SESS_STAGE_CONNECT, "no host, socket or @domain given");
		return;
	}
	cand_add(s, s->o.unix_path ? s->o.unix_path : s->o.host, 0, NULL, 0);
	session_next_cand(s);
}

bool session_start_tls(struct session *s)
{
	if (!s->c || !conn_start_tls(s->c)) {
		session_fail(s, SESS_STAGE_TLS, "could not start TLS (output still queued or connection closed)");
		session_finish(s, SESS_STAGE_TLS, "could not start TLS after the 220");
		return false;
	}
	s->handshaking = true;
	session_info(s, SESS_LVL_NOTE, "tls", "starting the TLS handshake%s%s", s->o.tls.sni ? " with SNI " : "",
		     s->o.tls.sni ? s->o.tls.sni : "");
	return true;
}

void session_conn_free(struct session *s)
{
	if (s->dq)
		dns_query_cancel(s->dq);
	s->dq = NULL;
	if (s->c)
		conn_free(s->c);
	s->c = NULL;
	if (s->dns)
		loop_defer_free(s->l, s->dns, dns_free_cb);
	s->dns = NULL;
	cands_free(s);
	tlsa_free(s);
}

const struct tls_info *session_tls_info(const struct session *s)
{
	return s->c ? conn_tls_info(s->c) : NULL;
}
