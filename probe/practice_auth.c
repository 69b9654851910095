/* practice_auth.c - AUTH for the practice server (RFC 4954) with the PLAIN
 * (RFC 4616) and LOGIN mechanisms and one demo account; over TLS only unless
 * the owner allows clear text (RFC 4954 4 and 14 discourage it). */
#include "probe/practice_int.h"
#include "decode/xmalloc.h"

#include <stdlib.h>
#include <string.h>

void ps_auth_abort(struct practice_session *s)
{
	free(s->login_user);
	s->login_user = NULL;
	s->auth_step = PS_AUTH_NONE;
	if (s->mode == PS_AUTH)
		s->mode = PS_CMD;
}

static void ps_auth_verdict(struct practice_session *s, const uint8_t *user, size_t ulen,
			    const uint8_t *pass, size_t plen)
{
	const char *u = s->cfg.user, *pw = s->cfg.password;
	bool ok = ulen == strlen(u) && !memcmp(user, u, ulen) && plen == strlen(pw) &&
		  !memcmp(pass, pw, plen);
	char who[PS_ECHO_MAX + 8], raw[PS_ECHO_MAX + 1];
	size_t n = ulen < PS_ECHO_MAX ? ulen : PS_ECHO_MAX;
	memcpy(raw, user, n);
	raw[n] = '\0';
	ps_echo(who, sizeof who, raw, PS_ECHO_MAX);
	ps_auth_abort(s);
	ps_emit_note(s, "AUTH %s for user '%s'", ok ? "succeeded" : "failed", who);
	if (!ok) {
		char eu[PS_ECHO_MAX + 8], epw[PS_ECHO_MAX + 8];
		ps_echo(eu, sizeof eu, u, 40);
		ps_echo(epw, sizeof epw, pw, 40);
		ps_reply(s, 535, "5.7.8", "Authentication credentials invalid (the demo account is "
			 "%s / %s)", eu, epw);
		return;
	}
	free(s->auth_user);
	s->auth_user = xstrdup(u);
	ps_reply(s, 235, "2.7.0", "Authentication successful: you are logged in as %s and may "
		 "now relay to any domain", who);
}

/* RFC 4616 2: [authzid] NUL authcid NUL passwd. */
static void ps_auth_plain(struct practice_session *s, const struct buf *d)
{
	const uint8_t *p = d->data;
	size_t n = d->len;
	const uint8_t *z1 = n ? memchr(p, '\0', n) : NULL;
	const uint8_t *z2 = z1 ? memchr(z1 + 1, '\0', n - (size_t)(z1 + 1 - p)) : NULL;
	if (!z2) {
		ps_auth_abort(s);
		ps_reply(s, 501, "5.5.2", "AUTH PLAIN data must be base64 of "
			 "authzid NUL user NUL password (RFC 4616 2)");
		return;
	}
	const uint8_t *user = z1 + 1, *pass = z2 + 1;
	size_t zlen = (size_t)(z1 - p), ulen = (size_t)(z2 - user), plen = n - (size_t)(pass - p);
	if (zlen && (zlen != ulen || memcmp(p, user, ulen))) {
		ps_auth_abort(s);
		ps_reply(s, 535, "5.7.8", "Authentication credentials invalid: this server does not "
			 "let one user act as another (authzid must be empty or the user)");
		return;
	}
	ps_auth_verdict(s, user, ulen, pass, plen);
}

/* One base64 line from the client: an initial response or an answer to 334. */
static void ps_auth_step(struct practice_session *s, const uint8_t *p, size_t n)
{
	struct buf d;
	buf_init(&d, SMTP_AUTH_LINE_MAX);
	if (!smtp_b64_decode(p, n, &d)) {
		ps_auth_abort(s);
		ps_reply(s, 501, "5.5.2", "Invalid base64 in the AUTH data (RFC 4954 4): "
			 "authentication aborted");
	} else if (s->auth_step == PS_AUTH_PLAIN) {
		ps_auth_plain(s, &d);
	} else if (s->auth_step == PS_AUTH_LOGIN_USER) {
		free(s->login_user);
		s->login_user = xmemdup0(d.data ? d.data : (const uint8_t *)"", d.len);
		s->auth_step = PS_AUTH_LOGIN_PASS;
		s->mode = PS_AUTH;
		ps_reply(s, 334, NULL, "UGFzc3dvcmQ6"); /* "Password:" */
	} else {
		char *u = s->login_user ? xstrdup(s->login_user) : xstrdup("");
		ps_auth_verdict(s, (const uint8_t *)u, strlen(u), d.data, d.len);
		free(u);
	}
	buf_free(&d);
}

void ps_auth_response(struct practice_session *s, const uint8_t *p, size_t n)
{
	if (n == 1 && p[0] == '*') {
		ps_auth_abort(s);
		ps_reply(s, 501, "5.7.0", "Authentication cancelled by the client");
		return;
	}
	ps_auth_step(s, p, n);
}

static bool ps_auth_allowed(struct practice_session *s)
{
	const char *why = NULL;
	int code = 503;
	const char *esc = "5.5.1";
	if (!s->greeted)
		why = "Bad sequence: say EHLO <your host name> first, then AUTH";
	else if (!s->esmtp)
		why = "AUTH needs EHLO: it is an extension, and none is in effect after HELO";
	else if (s->cfg.require_tls_for_auth && !s->tls) {
		code = 530;
		esc = "5.7.0";
		why = "Must issue STARTTLS first: AUTH is offered only over TLS here, so the "
		      "password never crosses the network in clear";
	} else if (s->auth_user)
		why = "Already authenticated: AUTH may succeed only once per session (RFC 4954 4)";
	else if (s->in_mail)
		why = "AUTH is not allowed during a mail transaction; finish it or send RSET "
		      "(RFC 4954 4)";
	if (!why)
		return true;
	ps_reply(s, code, esc, "%s", why);
	return false;
}

void ps_cmd_auth(struct practice_session *s, const struct smtp_command *c)
{
	if (!ps_auth_allowed(s))
		return;
	const char *m = c->auth_mech;
	const char *ir = c->arg + strcspn(c->arg, " \t");
	ir += strspn(ir, " \t");
	if (!m[0]) {
		ps_reply(s, 501, "5.5.4", "Syntax: AUTH <mechanism> [initial-response]; this server "
			 "offers PLAIN and LOGIN");
		return;
	}
	if (!strcmp(m, "PLAIN")) {
		s->auth_step = PS_AUTH_PLAIN;
	} else if (!strcmp(m, "LOGIN")) {
		s->auth_step = PS_AUTH_LOGIN_USER;
	} else {
		char echo[40];
		ps_echo(echo, sizeof echo, m, 20);
		ps_reply(s, 504, "5.5.4", "Unrecognized authentication mechanism '%s': this server "
			 "offers PLAIN and LOGIN", echo);
		return;
	}
	if (c->auth_initial) {
		ps_auth_step(s, (const uint8_t *)ir, strlen(ir));
		return;
	}
	s->mode = PS_AUTH;
	if (s->auth_step == PS_AUTH_PLAIN)
		ps_reply(s, 334, NULL, "%s", "");
	else
		ps_reply(s, 334, NULL, "VXNlcm5hbWU6"); /* "Username:" */
}
