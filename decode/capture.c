/* capture.c - SMTP sessions from reassembled TCP flows (RFC 5321 over RFC 9293;
 * RFC 8314 implicit TLS on 465, RFC 3207 STARTTLS). See capture.h. */
#include "capture.h"
#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

#define CAPTURE_SPARE_PARSERS 8

struct capture {
	struct capture_callbacks cb;
	void *ctx;
	struct flow_table *flows;
	struct capture_stats stats;
	uint64_t next_id;
	/* parsers of closed sessions, reset for the next ones: a capture opens
	 * one per SMTP connection and their buffers grow the same way each time */
	struct smtp_parser *spare[CAPTURE_SPARE_PARSERS];
	size_t nspare;
	bool pool_models; /* capture_pool_models */
	enum txn_keep keep; /* capture_model_keep */
};

bool capture_smtp_port(uint16_t port)
{
	return port == 25 || port == 465 || port == 587 || port == 2525;
}

static void capture_tls_bytes(void *user, enum smtp_dir dir, const uint8_t *p, size_t len, int64_t ts)
{
	struct capture_session *s = user;
	(void)ts;
	if (!s->tls || s->tls_done)
		return;
	tls_watch_feed(s->tls, dir == SMTP_DIR_CLIENT ? TLS_FROM_CLIENT : TLS_FROM_SERVER, p, len);
	/* Once both hellos (and a clear certificate) are read, the rest is only
	 * counted by the parser (the flow still delivers it, so gaps and byte
	 * counts do not depend on how the bytes were segmented). */
	if ((s->tls->rec[0].done && s->tls->rec[1].done) || s->tls->seen.malformed)
		s->tls_done = true;
}

static void capture_tls_start(struct capture_session *s)
{
	if (s->tls)
		return;
	s->tls = xcalloc(1, sizeof *s->tls);
	tls_watch_init(s->tls);
	s->cap->stats.tls_sessions++;
	smtp_set_tls_sink(s->parser, capture_tls_bytes, s);
}

/* The session is SMTP: number it and tell the consumer. */
static void capture_confirm(struct capture_session *s)
{
	s->confirmed = true;
	s->id = ++s->cap->next_id;
	s->cap->stats.sessions++;
	if (s->cap->cb.session_open)
		s->cap->cb.session_open(s->cap->ctx, s);
}

/* A greeting-detected session: does the client's command say SMTP? */
static void capture_check_command(struct capture_session *s, const struct smtp_command *c)
{
	switch (c->kind) {
	case SMTP_CMD_HELO: case SMTP_CMD_EHLO: case SMTP_CMD_LHLO: case SMTP_CMD_MAIL: case SMTP_CMD_RCPT:
	case SMTP_CMD_DATA: case SMTP_CMD_BDAT: case SMTP_CMD_RSET: case SMTP_CMD_VRFY: case SMTP_CMD_EXPN:
	case SMTP_CMD_STARTTLS: case SMTP_CMD_ETRN: case SMTP_CMD_XCLIENT:
		capture_confirm(s);
		return;
	case SMTP_CMD_NOOP: case SMTP_CMD_QUIT: case SMTP_CMD_HELP: case SMTP_CMD_AUTH_RESPONSE:
		return; /* FTP has these too: wait for the next command */
	case SMTP_CMD_AUTH: /* RFC 4217 FTP says AUTH TLS / AUTH SSL */
		if (strcmp(c->auth_mech, "TLS") && strcmp(c->auth_mech, "SSL") && strcmp(c->auth_mech, "TLS-C") &&
		    strcmp(c->auth_mech, "TLS-P"))
			return;
		break;
	default:
		break;
	}
	s->rejected = true;
}

/* Every parser event goes to the model; a few are also of use here. */
static void capture_smtp_event(void *user, const struct smtp_event *ev)
{
	struct capture_session *s = user;
	if (s->rejected)
		return;
	if (!s->confirmed && ev->type == SMTP_EV_COMMAND) {
		capture_check_command(s, ev->cmd);
		if (s->rejected)
			return;
	}
	txn_session_event(s->model, ev);
	struct capture *c = s->cap;
	const struct txn *t = s->model->next ? s->model->next : s->model->cur;
	uint64_t idx = t ? t->index : s->model->txn_count;
	if (!s->confirmed)
		return;
	if (ev->type == SMTP_EV_TLS_START) {
		capture_tls_start(s);
	} else if (ev->type == SMTP_EV_BODY && c->cb.body) {
		c->cb.body(c->ctx, s, idx, ev->body.p, ev->body.len, false);
	} else if (ev->type == SMTP_EV_BODY_END && c->cb.body && ev->end->last) {
		c->cb.body(c->ctx, s, idx, NULL, 0, true);
	}
}

static void *capture_flow_open(void *ctx, struct flow *f)
{
	struct capture *c = ctx;
	struct capture_session *s = xcalloc(1, sizeof *s);
	s->cap = c;
	s->flow = f;
	s->flow_id = f->id;
	s->server_port = f->ep[FLOW_S2C].port;
	s->start = f->first_ts;
	s->end = f->first_ts;
	s->midstream = (f->flags & FLOW_F_MIDSTREAM) != 0;
	flow_endpoint_format(f, FLOW_C2S, s->client, sizeof s->client);
	flow_endpoint_format(f, FLOW_S2C, s->server, sizeof s->server);
	return s;
}

/* Decide on the first payload whether this connection is SMTP. */
static bool capture_detect(struct capture_session *s, enum flow_dir dir, const uint8_t *p, size_t len)
{
	bool greeting = dir == FLOW_S2C && len >= 4 && !memcmp(p, "220", 3) && (p[3] == ' ' || p[3] == '-');
	if (capture_smtp_port(s->server_port))
		s->how = CAPTURE_BY_PORT;
	else if (greeting)
		s->how = CAPTURE_BY_GREETING;
	else
		return false;
	s->implicit_tls = s->server_port == 465 && !greeting;
	struct smtp_parser_opts opts = {.no_greeting = s->midstream && !greeting && !s->implicit_tls,
					.answer_without_code = true};
	s->midstream = opts.no_greeting;
	s->model = txn_session_new(s->cap->keep, NULL);
	if (s->cap->pool_models)
		txn_session_use_pool(s->model);
	if (s->cap->nspare)
		s->parser = smtp_parser_reset(s->cap->spare[--s->cap->nspare], capture_smtp_event, s, &opts);
	else
		s->parser = smtp_parser_new(capture_smtp_event, s, &opts);
	if (s->how == CAPTURE_BY_PORT)
		capture_confirm(s);
	return true;
}

/* A parser no longer needed: kept for the next session, or freed. */
static void capture_parser_done(struct capture *c, struct smtp_parser *p)
{
	if (c->nspare < CAPTURE_SPARE_PARSERS)
		c->spare[c->nspare++] = p;
	else
		smtp_parser_free(p);
}

/* Not SMTP after all: drop the parser and the model, stop delivery. */
static void capture_drop(struct capture *c, struct capture_session *s, struct flow *f)
{
	capture_parser_done(c, s->parser);
	txn_session_free(s->model);
	s->parser = NULL;
	s->model = NULL;
	c->stats.non_smtp_flows++;
	flow_ignore(f);
}

static void capture_data(void *ctx, struct flow *f, enum flow_dir dir, const uint8_t *p, size_t len, int64_t ts)
{
	struct capture *c = ctx;
	struct capture_session *s = f->user;
	if (!s->decided) {
		s->decided = true;
		if (!capture_detect(s, dir, p, len)) {
			c->stats.non_smtp_flows++;
			flow_ignore(f);
			return;
		}
		if (s->implicit_tls)
			smtp_start_tls(s->parser, ts);
	}
	if (!s->parser)
		return;
	enum smtp_dir d = dir == FLOW_C2S ? SMTP_DIR_CLIENT : SMTP_DIR_SERVER;
	s->bytes[d] += len;
	s->end = ts;
	smtp_feed(s->parser, d, p, len, ts);
	if (s->rejected)
		capture_drop(c, s, f);
}

static void capture_gap(void *ctx, struct flow *f, enum flow_dir dir, size_t nbytes, int64_t ts)
{
	struct capture_session *s = f->user;
	if (!s->parser)
		return;
	s->gaps++;
	s->gap_bytes += nbytes;
	s->end = ts;
	smtp_gap(s->parser, dir == FLOW_C2S ? SMTP_DIR_CLIENT : SMTP_DIR_SERVER, nbytes);
	if (s->rejected)
		capture_drop(ctx, s, f);
}

static void capture_conflict(void *ctx, struct flow *f, enum flow_dir dir, size_t nbytes, int64_t ts)
{
	(void)ctx;
	(void)dir;
	(void)nbytes;
	(void)ts;
	struct capture_session *s = f->user;
	s->conflicts++;
}

static void capture_flow_close(void *ctx, struct flow *f, enum flow_close_reason reason)
{
	struct capture *c = ctx;
	struct capture_session *s = f->user;
	f->user = NULL;
	if (s->parser && !s->confirmed) { /* a 220 greeting, but never an SMTP command */
		capture_parser_done(c, s->parser);
		s->parser = NULL;
		c->stats.non_smtp_flows++;
	}
	if (!s->parser) {
		capture_session_free(s);
		return;
	}
	s->close_reason = reason;
	s->truncated = reason == FLOW_CLOSE_END;
	if (f->last_ts > s->end)
		s->end = f->last_ts;
	txn_session_set_truncated(s->model, s->truncated);
	smtp_finish(s->parser, s->end);
	if (s->tls) /* everything after TLS began, gaps included */
		for (int d = 0; d < 2; d++)
			s->tls->seen.bytes[d] = smtp_tls_bytes(s->parser, d == 0 ? SMTP_DIR_CLIENT : SMTP_DIR_SERVER);
	capture_parser_done(c, s->parser);
	s->parser = NULL;
	s->flow = NULL;
	c->stats.transactions += s->model->txn_count;
	if (!c->cb.session_close || !c->cb.session_close(c->ctx, s))
		capture_session_free(s);
}

struct capture *capture_new(const struct capture_callbacks *cb, void *ctx)
{
	struct capture *c = xcalloc(1, sizeof *c);
	c->cb = *cb;
	c->ctx = ctx;
	const struct flow_callbacks fcb = {
		.flow_open = capture_flow_open,
		.data = capture_data,
		.gap = capture_gap,
		.conflict = capture_conflict,
		.flow_close = capture_flow_close,
	};
	c->flows = flow_table_new(&fcb, c, NULL);
	return c;
}

void capture_model_keep(struct capture *c, enum txn_keep keep)
{
	c->keep = keep == TXN_KEEP_OUTCOMES ? keep : TXN_KEEP_ALL;
}

void capture_pool_models(struct capture *c, bool on)
{
	c->pool_models = on;
}

struct flow_table *capture_flows(struct capture *c)
{
	return c->flows;
}

void capture_finish(struct capture *c)
{
	flow_table_finish(c->flows);
}

void capture_free(struct capture *c)
{
	if (!c)
		return;
	flow_table_free(c->flows);
	while (c->nspare)
		smtp_parser_free(c->spare[--c->nspare]);
	free(c);
}

const struct capture_stats *capture_stats(const struct capture *c)
{
	return &c->stats;
}

void capture_session_free(struct capture_session *s)
{
	if (!s)
		return;
	if (s->parser)
		smtp_parser_free(s->parser);
	if (s->model)
		txn_session_free(s->model);
	if (s->tls) {
		tls_watch_free(s->tls);
		free(s->tls);
	}
	free(s);
}
