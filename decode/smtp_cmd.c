/* smtp_cmd.c - parse one SMTP command line: verb, paths and ESMTP parameters (RFC 5321 4.1.1-4.1.2, 1870, 2033, 3030, 3461, 4954, 6152, 6531). */
#include "smtp.h"
#include "limits.h"

#include <string.h>

/* Bump allocator over the caller's scratch: strings are copied NUL-terminated. */
struct arena {
	char *p;
	size_t size;
	size_t used;
};

static const char *arena_put(struct arena *a, const uint8_t *s, size_t n)
{
	if (a->used >= a->size)
		return "";
	size_t room = a->size - a->used - 1;
	if (n > room)
		n = room;
	char *d = a->p + a->used;
	if (n)
		memcpy(d, s, n);
	d[n] = '\0';
	a->used += n + 1;
	return d;
}

static bool is_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static uint8_t to_upper(uint8_t c)
{
	return (c >= 'a' && c <= 'z') ? (uint8_t)(c - 32) : c;
}

static bool ieq(const uint8_t *p, size_t len, const char *s)
{
	size_t n = strlen(s);
	if (len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (to_upper(p[i]) != (uint8_t)s[i])
			return false;
	return true;
}

static bool iprefix(const uint8_t *p, size_t len, const char *s)
{
	size_t n = strlen(s);
	return len >= n && ieq(p, n, s);
}

static size_t skip_blanks(const uint8_t *p, size_t len, size_t i)
{
	while (i < len && is_blank(p[i]))
		i++;
	return i;
}

/* A verb of up to 8 bytes, upper-cased, as one word (byte i in bits 8i..8i+7). */
static uint64_t verb_word(const uint8_t *v, size_t n)
{
	uint64_t w = 0;
	for (size_t i = 0; i < n; i++)
		w |= (uint64_t)to_upper(v[i]) << (8 * i);
	return w;
}

#define VW4(a, b, c, d) ((uint64_t)(a) | (uint64_t)(b) << 8 | (uint64_t)(c) << 16 | (uint64_t)(d) << 24)
#define VW8(a, b, c, d, e, f, g, h) (VW4(a, b, c, d) | VW4(e, f, g, h) << 32)

/* One comparison of words per verb instead of a string compare per known verb
 * (this runs for every command line of a capture). */
static enum smtp_cmd_kind verb_kind(const uint8_t *v, size_t n)
{
	if (n == 8)
		return verb_word(v, n) == VW8('S', 'T', 'A', 'R', 'T', 'T', 'L', 'S') ? SMTP_CMD_STARTTLS
										: SMTP_CMD_UNKNOWN;
	if (n == 7)
		return verb_word(v, n) == VW8('X', 'C', 'L', 'I', 'E', 'N', 'T', 0) ? SMTP_CMD_XCLIENT
										: SMTP_CMD_UNKNOWN;
	if (n != 4)
		return SMTP_CMD_UNKNOWN;
	switch (verb_word(v, n)) {
	case VW4('H', 'E', 'L', 'O'): return SMTP_CMD_HELO;
	case VW4('E', 'H', 'L', 'O'): return SMTP_CMD_EHLO;
	case VW4('L', 'H', 'L', 'O'): return SMTP_CMD_LHLO;
	case VW4('M', 'A', 'I', 'L'): return SMTP_CMD_MAIL;
	case VW4('R', 'C', 'P', 'T'): return SMTP_CMD_RCPT;
	case VW4('D', 'A', 'T', 'A'): return SMTP_CMD_DATA;
	case VW4('B', 'D', 'A', 'T'): return SMTP_CMD_BDAT;
	case VW4('R', 'S', 'E', 'T'): return SMTP_CMD_RSET;
	case VW4('N', 'O', 'O', 'P'): return SMTP_CMD_NOOP;
	case VW4('Q', 'U', 'I', 'T'): return SMTP_CMD_QUIT;
	case VW4('V', 'R', 'F', 'Y'): return SMTP_CMD_VRFY;
	case VW4('E', 'X', 'P', 'N'): return SMTP_CMD_EXPN;
	case VW4('H', 'E', 'L', 'P'): return SMTP_CMD_HELP;
	case VW4('A', 'U', 'T', 'H'): return SMTP_CMD_AUTH;
	case VW4('E', 'T', 'R', 'N'): return SMTP_CMD_ETRN;
	default: return SMTP_CMD_UNKNOWN;
	}
}

/* Scan a mailbox from p[i]: stops at end, at '>' (when bracketed) or at a
 * blank outside quotes (when not). Records the last '@' outside quotes. */
static size_t scan_mailbox(const uint8_t *p, size_t len, size_t i, bool bracketed, size_t *at,
			   unsigned *flags)
{
	bool inq = false;
	*at = SIZE_MAX;
	for (; i < len; i++) {
		uint8_t c = p[i];
		if (c >= 0x80)
			*flags |= SMTP_PATH_UTF8;
		if (inq) {
			if (c == '\\' && i + 1 < len)
				i++;
			else if (c == '"')
				inq = false;
			continue;
		}
		if (c == '"') {
			inq = true;
			*flags |= SMTP_PATH_QUOTED;
		} else if (c == '@') {
			*at = i;
		} else if (bracketed ? c == '>' : is_blank(c)) {
			break;
		}
	}
	return i;
}

static void path_check(const uint8_t *m, size_t n, size_t at, unsigned *flags)
{
	if (at == SIZE_MAX) {
		if (!ieq(m, n, "POSTMASTER"))
			*flags |= SMTP_PATH_BAD; /* only <Postmaster> may lack a domain */
	} else if (at == 0 || at + 1 >= n) {
		*flags |= SMTP_PATH_BAD;
	}
}

static void path_parse(const uint8_t *p, size_t len, struct smtp_path *path, size_t *used,
		       struct arena *a)
{
	unsigned flags = 0;
	size_t i = 0, rs = 0, re = 0, ms, me, at;
	bool br = len > 0 && p[0] == '<';
	if (br) {
		i = 1;
		if (i < len && p[i] == '@') { /* source route "@a,@b:" */
			rs = i;
			while (i < len && p[i] != ':' && p[i] != '>')
				i++;
			re = i;
			flags |= SMTP_PATH_ROUTE;
			if (i < len && p[i] == ':')
				i++;
			else
				flags |= SMTP_PATH_BAD;
		}
	} else {
		flags |= SMTP_PATH_NO_BRACKETS;
	}
	ms = i;
	me = scan_mailbox(p, len, i, br, &at, &flags);
	i = me;
	if (br) {
		if (i < len && p[i] == '>')
			i++;
		else
			flags |= SMTP_PATH_BAD;
	}
	size_t n = me - ms;
	if (n == 0 && br && !(flags & SMTP_PATH_ROUTE))
		flags |= SMTP_PATH_NULL;
	else
		path_check(p + ms, n, at == SIZE_MAX ? SIZE_MAX : at - ms, &flags);
	if (n > SMTP_PATH_MAX) {
		n = SMTP_PATH_MAX;
		flags |= SMTP_PATH_TRUNCATED;
	}
	path->addr = arena_put(a, p + ms, n);
	path->domain = "";
	if (at != SIZE_MAX && at - ms < n)
		path->domain = path->addr + (at - ms) + 1;
	path->route = arena_put(a, p + rs, re - rs);
	path->flags = flags;
	*used = i;
}

void smtp_path_parse(const uint8_t *p, size_t len, struct smtp_path *path, size_t *used,
		     char *arena, size_t arena_size)
{
	struct arena a = {arena, arena_size, 0};
	path_parse(p, len, path, used, &a);
}

static bool parse_u64(const uint8_t *p, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 19)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*out = v;
	return true;
}

static unsigned parse_notify(const char *v)
{
	unsigned bits = 0;
	const uint8_t *s = (const uint8_t *)v;
	size_t len = strlen(v), i = 0;
	while (i <= len) {
		size_t j = i;
		while (j < len && s[j] != ',')
			j++;
		if (ieq(s + i, j - i, "NEVER"))
			bits |= SMTP_NOTIFY_NEVER;
		else if (ieq(s + i, j - i, "SUCCESS"))
			bits |= SMTP_NOTIFY_SUCCESS;
		else if (ieq(s + i, j - i, "FAILURE"))
			bits |= SMTP_NOTIFY_FAILURE;
		else if (ieq(s + i, j - i, "DELAY"))
			bits |= SMTP_NOTIFY_DELAY;
		else
			bits |= SMTP_NOTIFY_BAD;
		i = j + 1;
	}
	if ((bits & SMTP_NOTIFY_NEVER) && (bits & ~SMTP_NOTIFY_NEVER))
		bits |= SMTP_NOTIFY_BAD;
	return bits;
}

/* Interpret a known MAIL/RCPT parameter; false when its value is invalid. */
static bool param_known(struct smtp_command *c, const struct smtp_param *pm)
{
	const uint8_t *k = (const uint8_t *)pm->key;
	size_t kn = strlen(pm->key);
	const char *v = pm->value;
	size_t vn = v ? strlen(v) : 0;
	const uint8_t *vu = (const uint8_t *)v;
	if (c->kind == SMTP_CMD_MAIL) {
		if (ieq(k, kn, "SIZE")) {
			uint64_t n;
			if (!v || !parse_u64(vu, vn, &n) || n > INT64_MAX)
				return false;
			c->size = (int64_t)n;
		} else if (ieq(k, kn, "BODY")) {
			if (!v)
				return false;
			c->body = ieq(vu, vn, "7BIT") ? SMTP_BODY_7BIT
				  : ieq(vu, vn, "8BITMIME") ? SMTP_BODY_8BITMIME
				  : ieq(vu, vn, "BINARYMIME") ? SMTP_BODY_BINARYMIME : SMTP_BODY_OTHER;
			return c->body != SMTP_BODY_OTHER;
		} else if (ieq(k, kn, "SMTPUTF8")) {
			c->smtputf8 = true;
			return v == NULL;
		} else if (ieq(k, kn, "RET")) {
			c->ret = !v ? SMTP_RET_OTHER : ieq(vu, vn, "FULL") ? SMTP_RET_FULL
				 : ieq(vu, vn, "HDRS") ? SMTP_RET_HDRS : SMTP_RET_OTHER;
			return c->ret != SMTP_RET_OTHER;
		} else if (ieq(k, kn, "ENVID")) {
			c->envid = v ? v : "";
			return v != NULL;
		} else if (ieq(k, kn, "AUTH")) {
			c->auth = v ? v : "";
			return v != NULL;
		}
	} else if (c->kind == SMTP_CMD_RCPT) {
		if (ieq(k, kn, "NOTIFY")) {
			c->notify = v ? parse_notify(v) : SMTP_NOTIFY_BAD;
			return !(c->notify & SMTP_NOTIFY_BAD);
		} else if (ieq(k, kn, "ORCPT")) {
			c->orcpt = v ? v : "";
			return v != NULL && memchr(v, ';', vn) != NULL; /* addr-type ";" xtext */
		}
	}
	return true;
}

static bool param_key_ok(const uint8_t *p, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		bool alnum = (c >= '0' && c <= '9') || (to_upper(c) >= 'A' && to_upper(c) <= 'Z');
		if (!alnum && (i == 0 || c != '-'))
			return false;
	}
	return true;
}

/* True when one of the first n parameters has the name of params[n] (as
 * kept: up to a NUL; ESMTP keywords are case-insensitive). */
static bool param_seen(const struct smtp_param *params, size_t n)
{
	const uint8_t *key = (const uint8_t *)params[n].key;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *k = (const uint8_t *)params[i].key;
		size_t j = 0;
		while (k[j] && to_upper(k[j]) == to_upper(key[j]))
			j++;
		if (!k[j] && !key[j])
			return true;
	}
	return false;
}

/* Blank-separated "KEY[=VALUE]" tokens (RFC 5321 4.1.2 Mail-parameters). A
 * keyword given twice is a syntax error; the first one counts (so the
 * parameters stay unique, as the JSON object of them must). */
static void parse_params(const uint8_t *p, size_t len, struct smtp_command *c,
			 struct smtp_param *params, struct arena *a, uint64_t *anom)
{
	size_t i = skip_blanks(p, len, 0);
	while (i < len) {
		size_t s = i;
		while (i < len && !is_blank(p[i]))
			i++;
		const uint8_t *eq = memchr(p + s, '=', i - s);
		size_t kn = eq ? (size_t)(eq - (p + s)) : i - s;
		if (c->nparams >= SMTP_PARAMS_MAX) {
			*anom |= 1ull << SMTP_AN_PARAM_SYNTAX;
			break;
		}
		struct smtp_param *pm = &params[c->nparams];
		pm->key = arena_put(a, p + s, kn);
		pm->value = eq ? arena_put(a, eq + 1, (size_t)(p + i - eq - 1)) : NULL;
		if (param_seen(params, c->nparams)) {
			*anom |= 1ull << SMTP_AN_PARAM_SYNTAX; /* a keyword twice: the first counts */
		} else {
			c->nparams++;
			if (!param_key_ok(p + s, kn) || !param_known(c, pm))
				*anom |= 1ull << SMTP_AN_PARAM_SYNTAX;
		}
		i = skip_blanks(p, len, i);
	}
}

/* MAIL FROM:<path> [params] / RCPT TO:<path> [params] */
static void parse_mail_rcpt(const uint8_t *p, size_t len, struct smtp_command *c,
			    struct smtp_param *params, struct arena *a, uint64_t *anom)
{
	const char *kw = c->kind == SMTP_CMD_MAIL ? "FROM:" : "TO:";
	c->path.addr = c->path.route = c->path.domain = "";
	if (!iprefix(p, len, kw)) {
		c->path.flags = SMTP_PATH_BAD;
		*anom |= 1ull << SMTP_AN_PATH_SYNTAX;
		return;
	}
	size_t i = strlen(kw), used = 0;
	size_t j = skip_blanks(p, len, i);
	bool space = j > i;
	path_parse(p + j, len - j, &c->path, &used, a);
	if (space) {
		c->path.flags |= SMTP_PATH_SPACE;
		*anom |= 1ull << SMTP_AN_PATH_SYNTAX;
	}
	if (c->path.flags & SMTP_PATH_NO_BRACKETS)
		*anom |= 1ull << SMTP_AN_PATH_NO_BRACKETS;
	if (c->path.flags & (SMTP_PATH_BAD | SMTP_PATH_TRUNCATED))
		*anom |= 1ull << SMTP_AN_PATH_SYNTAX;
	if (c->kind == SMTP_CMD_RCPT && (c->path.flags & SMTP_PATH_NULL))
		*anom |= 1ull << SMTP_AN_PATH_SYNTAX; /* <> is only a reverse-path */
	j += used;
	if (j < len && !is_blank(p[j]))
		*anom |= 1ull << SMTP_AN_PATH_SYNTAX;
	parse_params(p + j, len - j, c, params, a, anom);
}

/* "BDAT" SP chunk-size [ SP "LAST" ] (RFC 3030 2) */
static void parse_bdat(const uint8_t *p, size_t len, struct smtp_command *c, uint64_t *anom)
{
	size_t i = 0;
	while (i < len && !is_blank(p[i]))
		i++;
	if (!parse_u64(p, i, &c->bdat_size))
		*anom |= 1ull << SMTP_AN_BAD_ARGUMENT;
	size_t j = skip_blanks(p, len, i);
	size_t k = j;
	while (k < len && !is_blank(p[k]))
		k++;
	if (k > j) {
		if (ieq(p + j, k - j, "LAST"))
			c->bdat_last = true;
		else
			*anom |= 1ull << SMTP_AN_BAD_ARGUMENT;
	}
	if (skip_blanks(p, len, k) < len)
		*anom |= 1ull << SMTP_AN_BAD_ARGUMENT;
}

static void parse_auth(const uint8_t *p, size_t len, struct smtp_command *c, struct arena *a,
		       uint64_t *anom)
{
	size_t i = 0;
	while (i < len && !is_blank(p[i]) && i < 64)
		i++;
	char *m = (char *)arena_put(a, p, i);
	for (char *s = m; *s; s++)
		*s = (char)to_upper((uint8_t)*s);
	c->auth_mech = m;
	if (i == 0)
		*anom |= 1ull << SMTP_AN_BAD_ARGUMENT;
	c->auth_initial = skip_blanks(p, len, i) < len;
}

static void command_defaults(struct smtp_command *c, struct smtp_param *params)
{
	memset(c, 0, sizeof *c);
	c->size = -1;
	c->params = params;
	c->path.addr = c->path.route = c->path.domain = "";
	c->auth_mech = "";
}

/* Arguments by command kind: check presence, then parse what has structure. */
static void parse_args(const uint8_t *ap, size_t an, struct smtp_command *c,
		       struct smtp_param *params, struct arena *a, uint64_t *anom)
{
	switch (c->kind) {
	case SMTP_CMD_HELO: case SMTP_CMD_EHLO: case SMTP_CMD_LHLO:
	case SMTP_CMD_VRFY: case SMTP_CMD_EXPN: case SMTP_CMD_ETRN:
		if (an == 0)
			*anom |= 1ull << SMTP_AN_BAD_ARGUMENT;
		break;
	case SMTP_CMD_DATA: case SMTP_CMD_RSET: case SMTP_CMD_QUIT: case SMTP_CMD_STARTTLS:
		if (an)
			*anom |= 1ull << SMTP_AN_BAD_ARGUMENT;
		break;
	case SMTP_CMD_MAIL: case SMTP_CMD_RCPT:
		parse_mail_rcpt(ap, an, c, params, a, anom);
		break;
	case SMTP_CMD_BDAT:
		parse_bdat(ap, an, c, anom);
		break;
	case SMTP_CMD_AUTH:
		parse_auth(ap, an, c, a, anom);
		break;
	case SMTP_CMD_XCLIENT:
		parse_params(ap, an, c, params, a, anom);
		break;
	default:
		break;
	}
}

void smtp_command_parse(const uint8_t *p, size_t len, struct smtp_command *c,
			struct smtp_param *params, char *arena, size_t arena_size, uint64_t *anom)
{
	struct arena a = {arena, arena_size, 0};
	command_defaults(c, params);
	c->line = p;
	c->line_len = c->secret_at = len;
	size_t v = 0;
	while (v < len && !is_blank(p[v]))
		v++;
	c->verb = arena_put(&a, p, v);
	c->kind = verb_kind(p, v);
	if (len == 0)
		*anom |= 1ull << SMTP_AN_EMPTY_LINE;
	size_t as = skip_blanks(p, len, v), ae = len;
	while (ae > as && is_blank(p[ae - 1]))
		ae--;
	c->arg = arena_put(&a, p + as, ae - as);
	parse_args(p + as, ae - as, c, params, &a, anom);
}
