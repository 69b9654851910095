/* session_helpers.c - the helper jobs that are short exchanges: :ehlo (with
 * the HELO fallback of RFC 5321 4.1.4), :starttls (RFC 3207 4 and 4.2),
 * :auth (RFC 4954 4; PLAIN RFC 4616, CRAM-MD5 RFC 2195, LOGIN, XOAUTH2),
 * :pipeline (RFC 2920), :quit, :help. Jobs send only from step(), never
 * from inside a parser callback. */
#include "probe/session_internal.h"
#include "decode/txn.h"
#include "decode/xmalloc.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- common ---- */

bool session_job_send(struct session *s, struct session_job *j, const char *line, size_t len, size_t secret_at)
{
	if (!session_send_line(s, line, len, secret_at))
		return false;
	j->awaiting++;
	return true;
}

void session_job_reply(struct session *s, struct session_job *j, enum smtp_cmd_kind kind,
		       const struct smtp_reply *r)
{
	(void)s;
	if (j->awaiting)
		j->awaiting--;
	j->have_reply = true;
	j->reply_code = r->code;
	j->reply_kind = kind;
	buf_reset(&j->rtext);
	if (r->nlines)
		buf_append(&j->rtext, r->lines[0].text,
			   r->lines[0].text_len < j->rtext.max ? r->lines[0].text_len : j->rtext.max);
}

const char *session_ext_params(const struct session *s, const char *kw)
{
	const struct txn_session *t = s->txn;
	for (size_t i = 0; i < t->nexts; i++)
		if (!strcmp(t->exts[i].keyword, kw))
			return t->exts[i].params;
	return NULL;
}

static bool take_reply(struct session_job *j)
{
	if (!j->have_reply)
		return false;
	j->have_reply = false;
	return true;
}

/* ---- :ehlo ---- */

enum { EHLO_SEND, EHLO_WAIT, EHLO_HELO, EHLO_HELO_WAIT };

static void ehlo_send(struct session *s, struct session_job *j, bool helo)
{
	const char *name = j->cmd->name ? j->cmd->name : session_ehlo_name(s);
	char line[600];
	int n = snprintf(line, sizeof line, "%s %s", helo ? "HELO" : s->o.lmtp ? "LHLO" : "EHLO", name);
	if (n < 0 || (size_t)n >= sizeof line)
		n = (int)sizeof line - 1;
	if (!session_job_send(s, j, line, (size_t)n, SIZE_MAX)) {
		j->done = true;
		return;
	}
	if (!helo && !s->o.lmtp && s->await_len) /* the HELO fallback decides on a refusal */
		s->await[(s->await_head + s->await_len - 1) % SESSION_AWAIT_MAX].no_fail = true;
}

static void ehlo_step(struct session *s, struct session_job *j)
{
	switch (j->step) {
	case EHLO_SEND:
		ehlo_send(s, j, false);
		j->step = EHLO_WAIT;
		break;
	case EHLO_WAIT:
		if (!take_reply(j))
			break;
		if (j->reply_code / 100 == 2 || s->o.lmtp) {
			if (j->reply_code / 100 != 2)
				session_fail(s, SESS_STAGE_EHLO, "LHLO was refused (%d)", j->reply_code);
			j->done = true;
		} else if (j->reply_code / 100 == 5) {
			session_info(s, SESS_LVL_NOTE, "helper", "EHLO refused: trying HELO (an old server without "
				     "ESMTP offers no extensions)");
			j->step = EHLO_HELO;
		} else {
			session_fail(s, SESS_STAGE_EHLO, "EHLO was refused (%d)", j->reply_code);
			j->done = true;
		}
		break;
	case EHLO_HELO:
		ehlo_send(s, j, true);
		j->step = EHLO_HELO_WAIT;
		break;
	default:
		if (take_reply(j))
			j->done = true;
		break;
	}
}

static const struct session_job_ops ehlo_ops = {.step = ehlo_step, .reply = session_job_reply};

/* ---- :starttls ---- */

enum { TLS_SEND, TLS_WAIT_220, TLS_WAIT_HANDSHAKE, TLS_WAIT_EHLO };

static void starttls_step(struct session *s, struct session_job *j)
{
	switch (j->step) {
	case TLS_SEND:
		if (s->tls_up) {
			session_info(s, SESS_LVL_WARN, "tls", "the session is already encrypted");
			j->done = true;
			return;
		}
		if (!(session_server_ext(s) & SMTP_EXT_STARTTLS))
			session_info(s, SESS_LVL_WARN, "tls", "the server did not offer STARTTLS in its last EHLO "
				     "reply; sending it anyway");
		j->done = !session_job_send(s, j, "STARTTLS", 8, SIZE_MAX);
		j->step = TLS_WAIT_220;
		break;
	case TLS_WAIT_220:
		if (!take_reply(j))
			break;
		if (j->reply_code != 220)
			j->done = true;
		else
			j->step = TLS_WAIT_HANDSHAKE;
		break;
	case TLS_WAIT_HANDSHAKE:
		if (!j->tls_ready)
			break;
		j->step = TLS_WAIT_EHLO;
		j->cmd->kind = HELPER_EHLO;
		ehlo_send(s, j, false);
		break;
	default:
		if (take_reply(j))
			j->done = true;
		break;
	}
}

static void starttls_tls_done(struct session *s, struct session_job *j)
{
	(void)s;
	j->tls_ready = true;
}

static const struct session_job_ops starttls_ops = {
	.step = starttls_step, .reply = session_job_reply, .tls_done = starttls_tls_done};

/* ---- :auth ---- */

enum { AUTH_SECRET, AUTH_WAIT_SECRET, AUTH_START, AUTH_WAIT, AUTH_DONE };

static void auth_secret(struct session *s, struct session_job *j, const char *secret)
{
	(void)s;
	j->secret_answered = true;
	if (secret)
		j->secret = xstrdup(secret);
}

static bool auth_have_secret(struct session *s, struct session_job *j)
{
	if (j->secret)
		return true;
	const char *sec = j->cmd->secret ? j->cmd->secret : s->o.secret;
	if (sec) {
		j->secret = xstrdup(sec);
		return true;
	}
	if (j->step == AUTH_SECRET) {
		char prompt[300];
		snprintf(prompt, sizeof prompt, "%s for %s", j->cmd->mech == HELPER_MECH_XOAUTH2 ? "token" : "password",
			 j->cmd->user);
		j->step = AUTH_WAIT_SECRET;
		s->secret_wait = true;
		struct session_event ev = {.type = SESS_EV_NEED_SECRET, .prompt = prompt, .state = s->st,
					   .old_state = s->st};
		session_emit_event(s, &ev);
		return j->secret != NULL;
	}
	return false;
}

static void auth_check_offer(struct session *s, const struct session_job *j)
{
	const char *p = session_ext_params(s, "AUTH");
	const char *m = helper_mech_name(j->cmd->mech);
	size_t ml = strlen(m);
	if (!p) {
		session_info(s, SESS_LVL_WARN, "auth", "the server did not offer AUTH in its last EHLO reply%s",
			     s->tls_up ? "" : " (many servers offer it only after STARTTLS)");
		return;
	}
	for (const char *q = p; *q;) {
		while (*q == ' ')
			q++;
		size_t n = strcspn(q, " ");
		if (n == ml && !strncasecmp(q, m, n))
			return;
		q += n;
	}
	session_info(s, SESS_LVL_WARN, "auth", "the server does not list %s among its mechanisms (%s)", m, p);
}

static void auth_start(struct session *s, struct session_job *j)
{
	struct buf b64, line;
	buf_init(&b64, SMTP_AUTH_LINE_MAX);
	buf_init(&line, SMTP_AUTH_LINE_MAX + 32);
	const struct helper_cmd *c = j->cmd;
	auth_check_offer(s, j);
	bool ok = true;
	switch (c->mech) {
	case HELPER_MECH_PLAIN:
		ok = helper_auth_plain(NULL, c->user, j->secret, &b64);
		buf_printf(&line, "AUTH PLAIN %s", buf_str(&b64));
		break;
	case HELPER_MECH_XOAUTH2:
		ok = helper_auth_xoauth2(c->user, j->secret, &b64);
		buf_printf(&line, "AUTH XOAUTH2 %s", buf_str(&b64));
		break;
	default:
		buf_printf(&line, "AUTH %s", helper_mech_name(c->mech));
		break;
	}
	size_t secret_at = c->mech == HELPER_MECH_PLAIN ? 11 : c->mech == HELPER_MECH_XOAUTH2 ? 13 : SIZE_MAX;
	if (!ok) {
		session_info(s, SESS_LVL_ERROR, "auth", "the credentials are too long to encode");
		s->res.local_error = true;
		j->done = true;
	} else if (!session_job_send(s, j, (const char *)line.data, line.len, secret_at)) {
		j->done = true;
	}
	if (line.data)
		OPENSSL_cleanse(line.data, line.len);
	if (b64.data)
		OPENSSL_cleanse(b64.data, b64.len);
	buf_free(&line);
	buf_free(&b64);
	j->step = AUTH_WAIT;
}

/* The server asked (334) for the next message of the exchange. */
static void auth_continue(struct session *s, struct session_job *j)
{
	struct buf out;
	buf_init(&out, SMTP_AUTH_LINE_MAX);
	const struct helper_cmd *c = j->cmd;
	size_t secret_at = SIZE_MAX;
	bool ok = true;
	const char *cancel = NULL;
	j->rcpt_i++; /* counts the server's challenges */
	if (c->mech == HELPER_MECH_LOGIN && j->rcpt_i == 1) {
		ok = helper_b64((const uint8_t *)c->user, strlen(c->user), &out);
	} else if (c->mech == HELPER_MECH_LOGIN && j->rcpt_i == 2) {
		ok = helper_b64((const uint8_t *)j->secret, strlen(j->secret), &out);
		secret_at = 0;
	} else if (c->mech == HELPER_MECH_CRAM_MD5 && j->rcpt_i == 1) {
		ok = helper_auth_cram_md5(c->user, j->secret, j->rtext.data ? j->rtext.data : (const uint8_t *)"",
					  j->rtext.len, &out);
		if (!ok)
			cancel = "the CRAM-MD5 challenge is not valid base64: cancelling with '*'";
	} else if (c->mech == HELPER_MECH_XOAUTH2 && j->rcpt_i == 1) {
		session_info(s, SESS_LVL_NOTE, "auth", "XOAUTH2 refused the token; the server's reason is the "
			     "decoded challenge above. An empty line ends the exchange");
	} else {
		cancel = "unexpected further challenge: cancelling with '*' (RFC 4954 4)";
	}
	if (cancel) {
		session_info(s, SESS_LVL_WARN, "auth", "%s", cancel);
		buf_reset(&out);
		buf_append_str(&out, "*");
		ok = true;
	}
	if (!ok || !session_job_send(s, j, (const char *)out.data, out.len, secret_at))
		j->done = true;
	if (out.data)
		OPENSSL_cleanse(out.data, out.len);
	buf_free(&out);
}

static void auth_step(struct session *s, struct session_job *j)
{
	switch (j->step) {
	case AUTH_SECRET:
	case AUTH_WAIT_SECRET:
		if (auth_have_secret(s, j)) {
			j->step = AUTH_START;
		} else if (j->secret_answered) {
			session_info(s, SESS_LVL_ERROR, "auth", "no secret for :auth: give it after the user "
				     "name, set SMTPSCOPE_SECRET, or type it when asked");
			s->res.local_error = true;
			j->done = true;
		}
		if (j->step != AUTH_START)
			break;
		/* fall through */
	case AUTH_START: auth_start(s, j); break;
	case AUTH_WAIT:
		if (!take_reply(j))
			break;
		if (j->reply_code == 334)
			auth_continue(s, j);
		else
			j->done = true;
		break;
	default: j->done = true; break;
	}
}

static const struct session_job_ops auth_ops = {
	.step = auth_step, .reply = session_job_reply, .secret = auth_secret};

/* ---- :pipeline ---- */

static void pipeline_step(struct session *s, struct session_job *j)
{
	const struct helper_cmd *c = j->cmd;
	if (j->step == 0) {
		bool offered = session_server_ext(s) & SMTP_EXT_PIPELINING;
		if (offered) {
			for (size_t i = 0; i < c->ncmds && !s->closing; i++)
				session_job_send(s, j, c->cmds[i], strlen(c->cmds[i]), SIZE_MAX);
			j->pipe_i = c->ncmds;
		} else {
			session_info(s, SESS_LVL_WARN, "pipeline", "the server did not offer PIPELINING: sending "
				     "the commands one at a time");
		}
		j->step = 1;
	}
	take_reply(j);
	if (j->awaiting)
		return;
	if (j->pipe_i < c->ncmds) {
		session_job_send(s, j, c->cmds[j->pipe_i], strlen(c->cmds[j->pipe_i]), SIZE_MAX);
		j->pipe_i++;
		return;
	}
	j->done = true;
}

static const struct session_job_ops pipeline_ops = {.step = pipeline_step, .reply = session_job_reply};

/* ---- :quit, :help ---- */

static void quit_step(struct session *s, struct session_job *j)
{
	if (j->step == 0) {
		j->step = 1;
		if (!session_job_send(s, j, "QUIT", 4, SIZE_MAX))
			j->done = true;
		return;
	}
	if (take_reply(j))
		j->done = true;
}

static const struct session_job_ops quit_ops = {.step = quit_step, .reply = session_job_reply};

static void help_step(struct session *s, struct session_job *j)
{
	session_info(s, SESS_LVL_NOTE, "help", "%s", helper_help_text());
	j->done = true;
}

static const struct session_job_ops help_ops = {.step = help_step};

/* ---- jobs ---- */

struct session_job *session_job_new(struct session *s, struct helper_cmd *cmd)
{
	(void)s;
	struct session_job *j = xcalloc(1, sizeof *j);
	j->cmd = cmd;
	buf_init(&j->rtext, SMTP_AUTH_LINE_MAX);
	switch (cmd->kind) {
	case HELPER_EHLO: j->ops = &ehlo_ops; break;
	case HELPER_STARTTLS: j->ops = &starttls_ops; break;
	case HELPER_AUTH: j->ops = &auth_ops; break;
	case HELPER_PIPELINE: j->ops = &pipeline_ops; break;
	case HELPER_QUIT: j->ops = &quit_ops; break;
	case HELPER_HELP: j->ops = &help_ops; break;
	default: j->ops = session_data_ops(cmd->kind); break;
	}
	return j;
}

void session_job_free(struct session_job *j)
{
	if (!j)
		return;
	if (j->secret) {
		OPENSSL_cleanse(j->secret, strlen(j->secret));
		free(j->secret);
	}
	msgbuild_free(j->mb);
	buf_free(&j->typed);
	buf_free(&j->rtext);
	free(j->chunk);
	free(j->next);
	helper_cmd_free(j->cmd);
	free(j->cmd);
	free(j);
}
