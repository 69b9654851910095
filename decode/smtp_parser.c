/* smtp_parser.c - SMTP stream parser core: line splitting, command/reply queue, DATA/STARTTLS hold, capture gaps (RFC 5321 4.1, 4.2, 4.5.3, 2920, 3207). */
#include "bytes.h"
#include "smtp_internal.h"
#include "xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The fields smtp_parser_new sets on a zeroed parser; buffers keep their memory. */
static void parser_setup(struct smtp_parser *p, smtp_event_fn fn, void *user, const struct smtp_parser_opts *opts)
{
	p->fn = fn;
	p->user = user;
	p->greeting_pending = !(opts && opts->no_greeting);
	p->answer_codeless = opts && opts->answer_without_code;
	p->next_seq = 1;
	p->cmode = SMTP_CM_LINES;
	p->side[SMTP_DIR_CLIENT].line.max = SMTP_AUTH_LINE_MAX + 1;
	p->side[SMTP_DIR_SERVER].line.max = SMTP_LINE_HARD_MAX + 1;
	p->hold.max = SMTP_HOLD_MAX;
	p->racc.text.max = SMTP_REPLY_MAX_BYTES + SMTP_REPLY_MAX_LINES;
	p->auth_buf.max = SMTP_AUTH_LINE_MAX;
}

struct smtp_parser *smtp_parser_new(smtp_event_fn fn, void *user, const struct smtp_parser_opts *opts)
{
	struct smtp_parser *p = xcalloc(1, sizeof *p);
	parser_setup(p, fn, user, opts);
	return p;
}

/* Memory a parser may keep when it is reset for another stream. */
#define SMTP_PARSER_KEEP_MAX (64 * 1024)

static size_t parser_kept_bytes(const struct smtp_parser *p)
{
	return p->side[0].line.alloc + p->side[1].line.alloc + p->hold.alloc + p->auth_buf.alloc + p->racc.text.alloc +
	       p->racc.alines * (sizeof *p->racc.lines + sizeof *p->racc.pub) + p->arena_size + p->qcap * sizeof *p->q;
}

static void keep_buf(struct buf *dst, const struct buf *src)
{
	*dst = *src;
	buf_reset(dst);
}

struct smtp_parser *smtp_parser_reset(struct smtp_parser *p, smtp_event_fn fn, void *user,
				      const struct smtp_parser_opts *opts)
{
	if (parser_kept_bytes(p) > SMTP_PARSER_KEEP_MAX) {
		smtp_parser_free(p);
		return smtp_parser_new(fn, user, opts);
	}
	struct smtp_parser old = *p;
	memset(p, 0, sizeof *p);
	for (int d = 0; d < SMTP_DIR_LAST; d++)
		keep_buf(&p->side[d].line, &old.side[d].line);
	keep_buf(&p->hold, &old.hold);
	keep_buf(&p->auth_buf, &old.auth_buf);
	keep_buf(&p->racc.text, &old.racc.text);
	p->racc.lines = old.racc.lines;
	p->racc.pub = old.racc.pub;
	p->racc.alines = old.racc.alines;
	p->arena = old.arena;
	p->arena_size = old.arena_size;
	p->q = old.q;
	p->qcap = old.qcap;
	parser_setup(p, fn, user, opts);
	return p;
}

void smtp_parser_free(struct smtp_parser *p)
{
	if (!p)
		return;
	for (int d = 0; d < SMTP_DIR_LAST; d++)
		buf_free(&p->side[d].line);
	buf_free(&p->hold);
	buf_free(&p->auth_buf);
	smtp_reply_acc_free(&p->racc);
	free(p->arena);
	free(p->q);
	free(p);
}

void smtp_emit(struct smtp_parser *p, struct smtp_event *ev)
{
	if (p->fn)
		p->fn(p->user, ev);
}

void smtp_flag(struct smtp_parser *p, enum smtp_dir dir, enum smtp_anomaly a, uint64_t count,
	       const char *detail, uint64_t off)
{
	struct smtp_event ev = {.type = SMTP_EV_ANOMALY, .dir = dir, .ts = p->side[dir].ts, .offset = off};
	ev.anomaly.kind = a;
	ev.anomaly.count = count;
	ev.anomaly.detail = detail ? detail : "";
	smtp_emit(p, &ev);
}

/* ---- queue of commands awaiting replies ---- */

/* RFC 2920 3.1 (and RFC 3207, 4954): commands after which the client must
 * wait for the reply before sending more. */
static bool kind_ends_group(enum smtp_cmd_kind k)
{
	switch (k) {
	case SMTP_CMD_HELO: case SMTP_CMD_EHLO: case SMTP_CMD_LHLO: case SMTP_CMD_DATA:
	case SMTP_CMD_VRFY: case SMTP_CMD_EXPN: case SMTP_CMD_QUIT: case SMTP_CMD_NOOP:
	case SMTP_CMD_STARTTLS: case SMTP_CMD_AUTH: case SMTP_CMD_AUTH_RESPONSE:
		return true;
	default:
		return false;
	}
}

uint64_t smtp_queue_push(struct smtp_parser *p, enum smtp_cmd_kind kind, int64_t ts)
{
	uint64_t seq = p->next_seq++;
	if (p->qlen >= SMTP_PIPELINE_MAX) {
		if (!p->overflow_flagged)
			smtp_flag(p, SMTP_DIR_CLIENT, SMTP_AN_PIPELINE_OVERFLOW, p->qlen, smtp_cmd_name(kind),
				  p->side[SMTP_DIR_CLIENT].offset);
		p->overflow_flagged = true;
		return seq;
	}
	if (p->qlen == p->qcap) { /* grow the ring, unrolling it */
		size_t ncap = p->qcap ? p->qcap * 2 : 8;
		struct smtp_pending *nq = xreallocarray(NULL, ncap, sizeof *nq);
		for (size_t i = 0; i < p->qlen; i++)
			nq[i] = p->q[(p->qhead + i) % p->qcap];
		free(p->q);
		p->q = nq;
		p->qcap = ncap;
		p->qhead = 0;
	}
	struct smtp_pending *e = &p->q[(p->qhead + p->qlen) % p->qcap];
	e->kind = kind;
	e->seq = seq;
	e->ts = ts;
	p->qlen++;
	if (kind_ends_group(kind)) {
		p->q_enders++;
		p->last_ender = kind;
	}
	return seq;
}

static struct smtp_pending queue_pop(struct smtp_parser *p)
{
	struct smtp_pending e = p->q[p->qhead];
	p->qhead = (p->qhead + 1) % p->qcap;
	p->qlen--;
	if (kind_ends_group(e.kind))
		p->q_enders--;
	if (p->qlen == 0) {
		p->group_flagged = false;
		p->overflow_flagged = false;
	}
	return e;
}

/* A 354 answers DATA: when the head is not DATA but a DATA waits further on,
 * replies were lost (capture gap); skip to it. Returns commands skipped. */
static size_t queue_resync_354(struct smtp_parser *p)
{
	size_t i;
	for (i = 0; i < p->qlen; i++)
		if (p->q[(p->qhead + i) % p->qcap].kind == SMTP_CMD_DATA)
			break;
	if (i == 0 || i == p->qlen)
		return 0;
	for (size_t k = 0; k < i; k++)
		queue_pop(p);
	return i;
}

/* Replies lost in a capture gap: drop the commands they answered, then, for
 * the first reply after a gap, skip commands it cannot answer when a later
 * one it names waits and was sent before the reply began. Returns the
 * commands dropped. */
static size_t queue_resync_gap(struct smtp_parser *p, const struct smtp_reply *r)
{
	size_t n = 0;
	while (p->lost_seq && p->qlen && p->q[p->qhead].seq <= p->lost_seq) {
		queue_pop(p);
		n++;
	}
	p->lost_seq = 0;
	if (!p->srv_gap || !p->qlen)
		return n;
	enum smtp_cmd_kind named = smtp_reply_names(r);
	if (named == SMTP_CMD_LAST || smtp_kind_fits(named, p->q[p->qhead].kind))
		return n;
	size_t i;
	for (i = 1; i < p->qlen; i++) {
		const struct smtp_pending *e = &p->q[(p->qhead + i) % p->qcap];
		if (e->ts > p->racc.ts)
			return n; /* sent after the reply began: it cannot be the answer */
		if (smtp_kind_fits(named, e->kind))
			break;
	}
	if (i == p->qlen)
		return n;
	for (size_t k = 0; k < i; k++)
		queue_pop(p);
	return n + i;
}

/* A 354 came while no command awaited a reply, after client bytes were lost:
 * the DATA it answers was in them. The command is emitted (marked inferred)
 * and queued, so the reply answers it and the message content that follows
 * is read as content, not as commands. */
static void infer_data(struct smtp_parser *p, uint64_t off, int64_t ts)
{
	static const char line[] = "DATA";
	struct smtp_command c;
	memset(&c, 0, sizeof c);
	c.kind = SMTP_CMD_DATA;
	c.verb = "DATA";
	c.arg = c.auth_mech = "";
	c.path.addr = c.path.route = c.path.domain = "";
	c.size = -1;
	c.line = (const uint8_t *)line;
	c.line_len = c.secret_at = sizeof line - 1;
	c.inferred = true;
	c.seq = smtp_queue_push(p, c.kind, ts);
	struct smtp_event ev = {.type = SMTP_EV_COMMAND, .dir = SMTP_DIR_CLIENT, .ts = ts,
				.offset = p->side[SMTP_DIR_CLIENT].offset};
	ev.cmd = &c;
	smtp_emit(p, &ev);
	smtp_flag(p, SMTP_DIR_SERVER, SMTP_AN_REPLY_LOST_COMMAND, 0, "DATA", off);
}

/* A reply no command awaits: after lost client bytes, it answers one of them. */
static void reply_unsolicited(struct smtp_parser *p, struct smtp_reply *r, uint64_t off)
{
	r->flags |= SMTP_REPLY_UNSOLICITED;
	if (r->code == 421 || r->code == 0) /* 421 may come at any time (RFC 5321 3.8) */
		return;
	if (!p->cli_gap) {
		smtp_flag(p, SMTP_DIR_SERVER, SMTP_AN_REPLY_UNSOLICITED, 0, "", off);
		return;
	}
	/* the detail: the command the reply names, then the reply's first line,
	 * so a refused recipient lost with its RCPT is still reported */
	enum smtp_cmd_kind k = smtp_reply_names(r);
	char detail[160];
	const struct smtp_reply_line *l = r->nlines ? &r->lines[0] : NULL;
	snprintf(detail, sizeof detail, "%s%s%d %.*s", k == SMTP_CMD_LAST ? "" : smtp_cmd_name(k),
		 k == SMTP_CMD_LAST ? "" : ": ", r->code, l ? (int)(l->text_len < 120 ? l->text_len : 120) : 0,
		 l ? l->text : "");
	smtp_flag(p, SMTP_DIR_SERVER, SMTP_AN_REPLY_LOST_COMMAND, 0, detail, off);
}

/* The reply names a command (2.1.0 MAIL, 2.1.5 RCPT, 354 DATA...) other than
 * the one awaiting it: after lost client bytes, it answers a lost command
 * (pipelined ahead of the one queued) and must not take that one's place. */
static bool reply_names_other(const struct smtp_parser *p, const struct smtp_reply *r)
{
	enum smtp_cmd_kind named = smtp_reply_names(r);
	return named != SMTP_CMD_LAST && !smtp_kind_fits(named, p->q[p->qhead].kind);
}

void smtp_reply_match(struct smtp_parser *p, struct smtp_reply *r, uint64_t off, int64_t ts)
{
	r->answer_kind = SMTP_CMD_LAST;
	if (r->code == 0 && (p->greeting_pending || !p->answer_codeless))
		return; /* lines without a code answer nothing (before the greeting, never) */
	if (p->greeting_pending) {
		p->greeting_pending = false;
		r->flags |= SMTP_REPLY_GREETING;
		return;
	}
	size_t lost = queue_resync_gap(p, r);
	if (lost)
		smtp_flag(p, SMTP_DIR_SERVER, SMTP_AN_REPLY_RESYNC, lost, "gap", off);
	if (p->qlen == 0 && p->cli_gap && r->code == 354 && p->cmode == SMTP_CM_LINES) {
		infer_data(p, off, ts);
		p->cli_gap = false;
	}
	if (p->qlen == 0 || (p->cli_gap && reply_names_other(p, r))) {
		reply_unsolicited(p, r, off);
		return;
	}
	p->cli_gap = false;
	if (r->code == 354) {
		size_t n = queue_resync_354(p);
		if (n)
			smtp_flag(p, SMTP_DIR_SERVER, SMTP_AN_REPLY_RESYNC, n, "354", off);
	}
	struct smtp_pending e = queue_pop(p);
	r->answer_seq = e.seq;
	r->answer_kind = e.kind;
	r->answer_ts = e.ts;
}

size_t smtp_pending_count(const struct smtp_parser *p)
{
	return p->qlen;
}

unsigned smtp_server_ext(const struct smtp_parser *p)
{
	return p->ext;
}

/* ---- client command lines ---- */

static void ensure_arena(struct smtp_parser *p, size_t len)
{
	size_t need = 4 * len + 256;
	if (p->arena_size >= need)
		return;
	size_t n = p->arena_size ? p->arena_size : 512; /* grows with the longest line seen */
	while (n < need)
		n *= 2;
	free(p->arena);
	p->arena = xmalloc(n);
	p->arena_size = n;
}

static void pipeline_check(struct smtp_parser *p, const struct smtp_command *c, uint64_t off)
{
	if (p->greeting_pending) {
		if (!p->early_flagged)
			smtp_flag(p, SMTP_DIR_CLIENT, SMTP_AN_EARLY_TALKER, 0, c->verb, off);
		p->early_flagged = true;
		return;
	}
	if (p->qlen == 0)
		return;
	if (p->q_enders)
		smtp_flag(p, SMTP_DIR_CLIENT, SMTP_AN_PIPELINE_ORDER, 0, smtp_cmd_name(p->last_ender), off);
	else if (!(p->ext & SMTP_EXT_PIPELINING) && !p->group_flagged)
		smtp_flag(p, SMTP_DIR_CLIENT, SMTP_AN_PIPELINING_NOT_ADVERTISED, 0, c->verb, off);
	p->group_flagged = true;
}

static void flag_bits(struct smtp_parser *p, uint64_t bits, const char *detail, uint64_t off)
{
	_Static_assert(SMTP_AN_LAST < 64, "anomaly kinds fit in the bit set");
	bits &= (1ull << SMTP_AN_LAST) - 1;
	for (; bits; bits &= bits - 1) /* the set bits, lowest first */
		smtp_flag(p, SMTP_DIR_CLIENT, (enum smtp_anomaly)__builtin_ctzll(bits), 0, detail, off);
}

static void command_effects(struct smtp_parser *p, const struct smtp_command *c, uint64_t bits,
			    uint64_t off, int64_t ts)
{
	switch (c->kind) {
	case SMTP_CMD_DATA:
	case SMTP_CMD_STARTTLS:
		p->cmode = SMTP_CM_HOLD;
		p->hold_from_tls = c->kind == SMTP_CMD_STARTTLS;
		buf_reset(&p->hold);
		p->hold_dropped = 0;
		break;
	case SMTP_CMD_BDAT:
		if (!(bits & (1ull << SMTP_AN_BAD_ARGUMENT)))
			smtp_bdat_begin(p, c, off, ts);
		break;
	default:
		break;
	}
}

/* The client sends a command while a server reply is still open: held lines
 * without a code are a reply of their own; a reply (or reply line) cut by a
 * capture gap is over when the client had to wait for it (the command it
 * answers ends a pipelined group, RFC 2920 3.1, or PIPELINING was not
 * offered). What follows the gap on the server side then starts a new line. */
static void server_reply_settle(struct smtp_parser *p)
{
	struct smtp_side *s = &p->side[SMTP_DIR_SERVER];
	if (!p->racc.active && !s->line_total)
		return;
	bool held = p->racc.active && p->racc.first_code < 0 && !s->line_total;
	bool cut = p->reply_cut && p->qlen &&
		   (kind_ends_group(p->q[p->qhead].kind) || !(p->ext & SMTP_EXT_PIPELINING));
	if (!held && !cut)
		return;
	if (s->line_total) {
		size_t keep = s->line.len < SMTP_LINE_HARD_MAX ? s->line.len : SMTP_LINE_HARD_MAX;
		uint64_t off = s->line_off;
		s->line_total = 0;
		s->resync = true;
		smtp_reply_line_in(p, s->line.data, keep, off, s->ts);
		buf_reset(&s->line);
	}
	smtp_reply_close(p, s->ts);
}

static void client_command(struct smtp_parser *p, const uint8_t *l, size_t n, uint64_t off, int64_t ts)
{
	struct smtp_command c;
	uint64_t bits = 0;
	server_reply_settle(p);
	ensure_arena(p, n);
	smtp_command_parse(l, n, &c, p->params, p->arena, p->arena_size, &bits);
	if (c.kind == SMTP_CMD_AUTH && smtp_auth_command(p, &c, &c.secret_at))
		c.auth_initial = true;
	pipeline_check(p, &c, off);
	flag_bits(p, bits, c.verb, off);
	c.seq = smtp_queue_push(p, c.kind, ts);
	struct smtp_event ev = {.type = SMTP_EV_COMMAND, .dir = SMTP_DIR_CLIENT, .ts = ts, .offset = off};
	ev.cmd = &c;
	smtp_emit(p, &ev);
	if (c.kind == SMTP_CMD_AUTH && c.auth_initial)
		smtp_auth_emit(p, SMTP_DIR_CLIENT, off, ts);
	command_effects(p, &c, bits, off, ts);
}

static bool known_verb(const uint8_t *l, size_t n)
{
	struct smtp_command c;
	uint64_t bits = 0;
	char arena[64];
	size_t v = 0;
	while (v < n && l[v] != ' ' && l[v] != '\t')
		v++;
	if (v > 8)
		return false;
	smtp_command_parse(l, v, &c, NULL, arena, sizeof arena, &bits);
	return c.kind != SMTP_CMD_UNKNOWN;
}

static void client_auth_response(struct smtp_parser *p, const uint8_t *l, size_t n, uint64_t off,
				 int64_t ts)
{
	struct smtp_command c;
	server_reply_settle(p);
	memset(&c, 0, sizeof c);
	c.kind = SMTP_CMD_AUTH_RESPONSE;
	c.verb = c.arg = c.auth_mech = "";
	c.path.addr = c.path.route = c.path.domain = "";
	c.size = -1;
	c.line = l;
	c.line_len = n;
	c.secret_at = smtp_auth_client_line(p, l, n) ? 0 : n;
	c.seq = smtp_queue_push(p, c.kind, ts);
	struct smtp_event ev = {.type = SMTP_EV_COMMAND, .dir = SMTP_DIR_CLIENT, .ts = ts, .offset = off};
	ev.cmd = &c;
	smtp_emit(p, &ev);
	smtp_auth_emit(p, SMTP_DIR_CLIENT, off, ts);
}

static bool is_auth_line(const struct smtp_parser *p, const uint8_t *l, size_t n)
{
	if (p->auth_active)
		return true;
	return p->auth_waiting && !known_verb(l, n);
}

#ifdef __SSE2__
/* True when one of the n bytes (n >= 16) at l is below 0x20 or is 0x7f: 16 at
 * a time, the last block being the final 16 bytes (never past the line). */
static bool line_has_control(const uint8_t *l, size_t n)
{
	const __m128i max_ctl = _mm_set1_epi8(0x1f), del = _mm_set1_epi8(0x7f);
	for (size_t i = 0;; i += 16) {
		if (n - i < 16)
			i = n - 16;
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(l + i));
		__m128i below = _mm_cmpeq_epi8(_mm_min_epu8(v, max_ctl), v); /* unsigned v <= 0x1f */
		if (_mm_movemask_epi8(_mm_or_si128(below, _mm_cmpeq_epi8(v, del))))
			return true;
		if (i + 16 >= n)
			return false;
	}
}
#else
static bool line_has_control(const uint8_t *l, size_t n)
{
	(void)l, (void)n;
	return true; /* the byte scan decides */
}
#endif

/* Check a complete line's bytes: NUL, bare CR, other controls. */
static void line_scan(struct smtp_parser *p, enum smtp_dir dir, const uint8_t *l, size_t n, uint64_t off)
{
	if (n >= 16 && !line_has_control(l, n))
		return; /* nearly every line */
	size_t nul = 0, cr = 0, ctl = 0;
	for (size_t i = 0; i < n; i++) {
		if (n - i >= 8) { /* clean words (nearly every line) are passed 8 bytes at a time */
			uint64_t w;
			memcpy(&w, l + i, 8);
			if (!bytes_word_has_below(w, 0x20) && !bytes_word_has(w, 0x7f)) {
				i += 7;
				continue;
			}
		}
		uint8_t c = l[i];
		if (c >= 0x20 && c != 0x7f)
			continue;
		if (c == 0)
			nul++;
		else if (c == '\r')
			cr++;
		else if (c != '\t')
			ctl++;
	}
	if (nul)
		smtp_flag(p, dir, SMTP_AN_NUL_BYTE, nul, "", off);
	if (cr)
		smtp_flag(p, dir, SMTP_AN_BARE_CR, cr, "", off);
	if (ctl)
		smtp_flag(p, dir, SMTP_AN_BINARY, ctl, "", off);
}

/* After a gap at a line start: does this line look like the start of a line? */
static bool line_plausible(const struct smtp_parser *p, enum smtp_dir dir, const uint8_t *l, size_t n)
{
	if (dir == SMTP_DIR_SERVER)
		return n >= 3 && l[0] >= '1' && l[0] <= '5' && l[1] >= '0' && l[1] <= '9' && l[2] >= '0' &&
		       l[2] <= '9' && (n == 3 || l[3] == ' ' || l[3] == '-');
	return p->auth_active || known_verb(l, n);
}

/* A complete line: total = bytes before the LF (CR and dropped bytes included),
 * l holds at least min(total, cap + 1) of them. */
static void line_done(struct smtp_parser *p, enum smtp_dir dir, const uint8_t *l, uint64_t total,
		      bool cr, bool lf, uint64_t off, int64_t ts)
{
	uint64_t content = total - (cr ? 1 : 0);
	bool auth = dir == SMTP_DIR_CLIENT &&
		    (is_auth_line(p, l, content < 16 ? (size_t)content : 16) ||
		     (content >= 5 && (l[0] | 0x20) == 'a' && (l[1] | 0x20) == 'u' && (l[2] | 0x20) == 't' &&
		      (l[3] | 0x20) == 'h' && l[4] == ' '));
	uint64_t cap = auth ? SMTP_AUTH_LINE_MAX : SMTP_LINE_HARD_MAX;
	uint64_t rfc = auth ? SMTP_AUTH_LINE_MAX : SMTP_LINE_RFC_MAX - 2;
	size_t keep = content > cap ? (size_t)cap : (size_t)content;
	if (content > rfc)
		smtp_flag(p, dir, SMTP_AN_LINE_TOO_LONG, content + 2, "", off);
	if (content > cap)
		smtp_flag(p, dir, SMTP_AN_LINE_TRUNCATED, content - cap, "", off);
	if (lf && !cr && !p->side[dir].bare_lf_flagged) {
		p->side[dir].bare_lf_flagged = true;
		smtp_flag(p, dir, SMTP_AN_BARE_LF, 0, "", off);
	}
	if (p->side[dir].resync) {
		p->side[dir].resync = false;
		if (!line_plausible(p, dir, l, keep))
			return; /* the tail of a line cut by a gap */
	}
	line_scan(p, dir, l, keep, off);
	if (dir == SMTP_DIR_SERVER)
		smtp_reply_line_in(p, l, keep, off, ts);
	else if (is_auth_line(p, l, keep))
		client_auth_response(p, l, keep, off, ts);
	else
		client_command(p, l, keep, off, ts);
}

/* Consume up to and including one LF; complete lines are parsed in place
 * when they arrive whole, else gathered in the side's buffer. */
static size_t lines_consume(struct smtp_parser *p, enum smtp_dir dir, const uint8_t *d, size_t len,
			    uint64_t off, int64_t ts)
{
	struct smtp_side *s = &p->side[dir];
	const uint8_t *lf = memchr(d, '\n', len);
	size_t n = lf ? (size_t)(lf - d) : len;
	if (s->line_total == 0 && lf) {
		line_done(p, dir, d, n, n > 0 && d[n - 1] == '\r', true, off, ts);
		return n + 1;
	}
	if (s->line_total == 0)
		s->line_off = off;
	size_t room = s->line.max - s->line.len;
	buf_append(&s->line, d, n < room ? n : room);
	s->line_total += n;
	if (n)
		s->last_byte = d[n - 1];
	if (!lf)
		return len;
	line_done(p, dir, s->line.data, s->line_total, s->line_total && s->last_byte == '\r', true,
		  s->line_off, ts);
	buf_reset(&s->line);
	s->line_total = 0;
	return n + 1;
}

static size_t hold_append(struct smtp_parser *p, const uint8_t *d, size_t len, uint64_t off, int64_t ts)
{
	if (p->hold.len == 0 && p->hold_dropped == 0)
		p->hold_off = off;
	p->hold_ts = ts;
	size_t room = p->hold.max - p->hold.len;
	size_t n = len < room ? len : room;
	buf_append(&p->hold, d, n);
	if (n < len) {
		if (p->hold_dropped == 0)
			smtp_flag(p, SMTP_DIR_CLIENT, SMTP_AN_HOLD_OVERFLOW, len - n, "", off + n);
		p->hold_dropped += len - n;
	}
	return len;
}

static bool lost_hold_resolve(struct smtp_parser *p, int incoming);

static void client_bytes(struct smtp_parser *p, const uint8_t *d, size_t len, uint64_t off, int64_t ts)
{
	size_t i = 0;
	while (i < len && !p->finished) {
		size_t n = len - i;
		switch (p->cmode) {
		case SMTP_CM_LINES:
			n = lines_consume(p, SMTP_DIR_CLIENT, d + i, len - i, off + i, ts);
			break;
		case SMTP_CM_HOLD:
			if (p->lost_seq && lost_hold_resolve(p, d[i])) {
				n = 0; /* the mode changed: take the bytes again */
				break;
			}
			n = hold_append(p, d + i, len - i, off + i, ts);
			break;
		case SMTP_CM_DATA:
			n = smtp_data_consume(p, d + i, len - i, off + i, ts);
			break;
		case SMTP_CM_BDAT:
			n = smtp_bdat_consume(p, d + i, len - i, off + i, ts);
			break;
		case SMTP_CM_TLS:
			smtp_tls_feed(p, SMTP_DIR_CLIENT, d + i, len - i, off + i, ts);
			break;
		case SMTP_CM_DONE:
			return;
		}
		i += n;
	}
}

/* Release held client bytes: as message content (after 354) or as commands. */
static void hold_release(struct smtp_parser *p)
{
	struct buf h = p->hold;
	uint64_t off = p->hold_off;
	buf_init(&p->hold, SMTP_HOLD_MAX);
	if (h.len)
		client_bytes(p, h.data, h.len, off, p->hold_ts);
	buf_free(&h);
}

/* DATA or STARTTLS awaits its reply, the reply was lost in a gap, and the
 * client sends (incoming: its first byte, or -1) or sent bytes: it got 354
 * (or 220). Go on as if it had been seen; the command's reply is counted
 * lost. Returns true when resolved. */
static bool lost_hold_resolve(struct smtp_parser *p, int incoming)
{
	if (p->cmode != SMTP_CM_HOLD || !p->qlen || (incoming < 0 && !p->hold.len && !p->hold_dropped))
		return false;
	const struct smtp_pending *h = &p->q[p->qhead];
	if (h->seq > p->lost_seq || (h->kind != SMTP_CMD_DATA && h->kind != SMTP_CMD_STARTTLS))
		return false;
	bool tls = h->kind == SMTP_CMD_STARTTLS;
	while (p->qlen && p->q[p->qhead].seq <= p->lost_seq)
		queue_pop(p);
	p->lost_seq = 0;
	uint64_t off = p->side[SMTP_DIR_SERVER].offset;
	smtp_flag(p, SMTP_DIR_SERVER, SMTP_AN_REPLY_RESYNC, 1, tls ? "gap: 220 lost" : "gap: 354 lost", off);
	if (!tls) {
		smtp_data_begin(p);
		hold_release(p);
		return true;
	}
	bool hello = p->hold.len ? p->hold.data[0] == 0x16 : incoming == 0x16;
	if (!hello) {
		p->cmode = SMTP_CM_LINES;
		hold_release(p);
		return true;
	}
	struct buf h2 = p->hold;
	buf_init(&p->hold, SMTP_HOLD_MAX);
	smtp_enter_tls(p, off, p->side[SMTP_DIR_SERVER].ts, false);
	if (h2.len)
		client_bytes(p, h2.data, h2.len, p->hold_off, p->hold_ts);
	buf_free(&h2);
	return true;
}

static void reply_to_data(struct smtp_parser *p, const struct smtp_reply *r)
{
	uint64_t held = p->hold.len + p->hold_dropped;
	if (r->code == 354) {
		if (held)
			smtp_flag(p, SMTP_DIR_CLIENT, SMTP_AN_DATA_EARLY, held, "", p->hold_off);
		smtp_data_begin(p);
	} else {
		if (held)
			smtp_flag(p, SMTP_DIR_CLIENT, SMTP_AN_PIPELINE_ORDER, held, "DATA", p->hold_off);
		p->cmode = SMTP_CM_LINES;
	}
	hold_release(p);
}

static void reply_to_starttls(struct smtp_parser *p, const struct smtp_reply *r, uint64_t off, int64_t ts)
{
	uint64_t held = p->hold.len + p->hold_dropped;
	if (r->code == 220) {
		if (held)
			smtp_flag(p, SMTP_DIR_CLIENT, SMTP_AN_STARTTLS_INJECTION_CLIENT, held, "", p->hold_off);
		buf_reset(&p->hold);
		smtp_enter_tls(p, off, ts, false);
		return;
	}
	if (held)
		smtp_flag(p, SMTP_DIR_CLIENT, SMTP_AN_PIPELINE_ORDER, held, "STARTTLS", p->hold_off);
	p->cmode = SMTP_CM_LINES;
	hold_release(p);
}

static unsigned ehlo_reply_ext(const struct smtp_reply *r)
{
	unsigned ext = 0;
	for (size_t i = 1; i < r->nlines; i++)
		ext |= smtp_ehlo_line_ext((const uint8_t *)r->lines[i].text, r->lines[i].text_len);
	return ext;
}

void smtp_reply_effects(struct smtp_parser *p, const struct smtp_reply *r, uint64_t off, int64_t ts)
{
	switch (r->answer_kind) {
	case SMTP_CMD_DATA:
		if (p->cmode == SMTP_CM_HOLD || r->code == 354)
			reply_to_data(p, r);
		break;
	case SMTP_CMD_STARTTLS:
		if (p->cmode == SMTP_CM_HOLD)
			reply_to_starttls(p, r, off, ts);
		break;
	case SMTP_CMD_EHLO: /* a refused EHLO changes nothing (RFC 5321 4.1.4) */
	case SMTP_CMD_LHLO:
		if (r->code / 100 == 2)
			p->ext = ehlo_reply_ext(r);
		break;
	case SMTP_CMD_HELO:
		if (r->code / 100 == 2)
			p->ext = 0;
		break;
	case SMTP_CMD_AUTH:
	case SMTP_CMD_AUTH_RESPONSE:
		smtp_auth_reply(p, r, off, ts);
		break;
	default:
		break;
	}
}

/* ---- feeding ---- */

static void server_bytes(struct smtp_parser *p, const uint8_t *d, size_t len, uint64_t off, int64_t ts)
{
	size_t i = 0;
	while (i < len && !p->finished) {
		if (p->tls) {
			smtp_tls_feed(p, SMTP_DIR_SERVER, d + i, len - i, off + i, ts);
			return;
		}
		i += lines_consume(p, SMTP_DIR_SERVER, d + i, len - i, off + i, ts);
	}
}

void smtp_feed(struct smtp_parser *p, enum smtp_dir dir, const uint8_t *data, size_t len, int64_t ts)
{
	if (p->finished || len == 0 || dir >= SMTP_DIR_LAST)
		return;
	struct smtp_side *s = &p->side[dir];
	uint64_t off = s->offset;
	s->offset += len;
	s->ts = ts;
	if (dir == SMTP_DIR_CLIENT && off == 0 && !p->tls && data[0] == 0x16) {
		/* a TLS handshake record where a command was expected (port 465) */
		smtp_flag(p, dir, SMTP_AN_TLS_WITHOUT_STARTTLS, 0, "", 0);
		smtp_enter_tls(p, 0, ts, true);
	}
	if (dir == SMTP_DIR_SERVER)
		server_bytes(p, data, len, off, ts);
	else
		client_bytes(p, data, len, off, ts);
}

/* Server bytes are missing. Inside a reply (or a reply line) the reply is cut:
 * it ends with the client's next command if that had to wait for it. At a
 * reply boundary the missing bytes began a reply: the greeting, or the reply
 * to the command awaiting one, which is then counted lost. */
static void server_gap(struct smtp_parser *p)
{
	p->srv_gap = true;
	if (p->racc.active || p->side[SMTP_DIR_SERVER].line_total) {
		p->reply_cut = true;
	} else if (p->greeting_pending) {
		p->greeting_pending = false;
	} else if (p->qlen && p->q[p->qhead].seq > p->lost_seq) {
		p->lost_seq = p->q[p->qhead].seq;
		lost_hold_resolve(p, -1);
	}
}

void smtp_gap(struct smtp_parser *p, enum smtp_dir dir, uint64_t nbytes)
{
	if (p->finished || nbytes == 0 || dir >= SMTP_DIR_LAST)
		return;
	struct smtp_side *s = &p->side[dir];
	struct smtp_event ev = {.type = SMTP_EV_GAP, .dir = dir, .ts = s->ts, .offset = s->offset};
	ev.gap.nbytes = nbytes;
	smtp_emit(p, &ev);
	s->offset += nbytes;
	if (p->tls) {
		p->tls_bytes[dir] += nbytes;
		return;
	}
	if (dir == SMTP_DIR_CLIENT && p->cmode == SMTP_CM_DATA) {
		smtp_data_gap(p, nbytes);
		return;
	}
	if (dir == SMTP_DIR_CLIENT && p->cmode == SMTP_CM_BDAT) {
		if (smtp_bdat_gap(p, nbytes) == 0)
			return;
	}
	if (dir == SMTP_DIR_CLIENT && p->cmode == SMTP_CM_HOLD) {
		p->hold_dropped += nbytes;
		return;
	}
	if (dir == SMTP_DIR_SERVER)
		server_gap(p);
	else if (p->cmode == SMTP_CM_LINES)
		p->cli_gap = true; /* commands may be lost: their replies will come unasked */
	if (s->line_total == 0)
		s->resync = true; /* the gap began at a line start: check the next line */
	/* else the gap is inside a line: keep its start, the rest follows */
}

static void finish_side(struct smtp_parser *p, enum smtp_dir dir, int64_t ts)
{
	struct smtp_side *s = &p->side[dir];
	if (s->line_total == 0 || p->tls)
		return;
	smtp_flag(p, dir, SMTP_AN_UNTERMINATED, s->line_total, "line", s->line_off);
	if (dir == SMTP_DIR_CLIENT && p->cmode != SMTP_CM_LINES)
		return;
	uint64_t total = s->line_total;
	s->line_total = 0;
	line_done(p, dir, s->line.data, total, s->last_byte == '\r', false, s->line_off, ts);
	buf_reset(&s->line);
}

void smtp_finish(struct smtp_parser *p, int64_t ts)
{
	if (p->finished)
		return;
	p->side[SMTP_DIR_CLIENT].ts = p->side[SMTP_DIR_SERVER].ts = ts;
	finish_side(p, SMTP_DIR_CLIENT, ts);
	finish_side(p, SMTP_DIR_SERVER, ts);
	if (!p->tls)
		smtp_reply_flush(p, ts);
	uint64_t coff = p->side[SMTP_DIR_CLIENT].offset;
	if (p->cmode == SMTP_CM_DATA)
		smtp_flag(p, SMTP_DIR_CLIENT, SMTP_AN_UNTERMINATED, p->data_bytes, "DATA", coff);
	else if (p->cmode == SMTP_CM_BDAT)
		smtp_flag(p, SMTP_DIR_CLIENT, SMTP_AN_UNTERMINATED, p->bdat_left, "BDAT", coff);
	else if (p->cmode == SMTP_CM_HOLD && p->hold.len + p->hold_dropped)
		smtp_flag(p, SMTP_DIR_CLIENT, SMTP_AN_UNTERMINATED, p->hold.len + p->hold_dropped,
			  p->hold_from_tls ? "after STARTTLS" : "after DATA", p->hold_off);
	if (p->tls)
		smtp_tls_inject_report(p);
	if (p->qlen && !p->tls)
		smtp_flag(p, SMTP_DIR_SERVER, SMTP_AN_NO_REPLY, p->qlen,
			  smtp_cmd_name(p->q[p->qhead].kind), p->side[SMTP_DIR_SERVER].offset);
	p->finished = true;
	p->cmode = SMTP_CM_DONE;
	struct smtp_event ev = {.type = SMTP_EV_END, .dir = SMTP_DIR_SERVER, .ts = ts,
				.offset = p->side[SMTP_DIR_SERVER].offset};
	smtp_emit(p, &ev);
}
