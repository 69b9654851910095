/* helpers.c - parse the ':' helper commands typed in a live session into a
 * struct helper_cmd (see helpers.h for the syntax); the help text. Pure. */
#include "probe/helpers.h"
#include "decode/xmalloc.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Words in one helper line (":send" with many --to and --header). */
#define HELPER_WORDS_MAX 512
/* Commands in one :pipeline. */
#define HELPER_PIPELINE_MAX 100

static const char *const helper_names[HELPER_LAST] = {
	"auth", "data", "bdat", "starttls", "send", "pipeline", "ehlo", "help", "quit",
};
static const char *const mech_names[HELPER_MECH_LAST] = {"PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2"};

const char *helper_kind_name(enum helper_kind k)
{
	return (unsigned)k < HELPER_LAST ? helper_names[k] : "?";
}

const char *helper_mech_name(enum helper_mech m)
{
	return (unsigned)m < HELPER_MECH_LAST ? mech_names[m] : "?";
}

bool helper_mech_parse(const char *s, enum helper_mech *out)
{
	for (int i = 0; i < HELPER_MECH_LAST; i++)
		if (!strcasecmp(s, mech_names[i])) {
			*out = (enum helper_mech)i;
			return true;
		}
	return false;
}

static const char helper_help[] =
	"Lines are sent to the server exactly as typed. Helpers start with ':'\n"
	"  :ehlo [NAME]                 EHLO (LHLO for LMTP) with our name\n"
	"  :starttls                    STARTTLS, the TLS handshake, then EHLO again\n"
	"  :auth plain|login|cram-md5|xoauth2 USER [SECRET]\n"
	"                               authenticate; without SECRET it comes from\n"
	"                               $SMTPSCOPE_SECRET or a prompt; masked in the transcript\n"
	"  :data [@FILE]                DATA, then the message: typed lines up to a line\n"
	"                               with a single '.', or FILE; dots are stuffed for you\n"
	"  :bdat [--chunk N] [@FILE]    the message in BDAT chunks (CHUNKING, RFC 3030)\n"
	"  :send --from A --to B [--to C] [--subject S] [--header 'Name: value']\n"
	"        [--body TEXT|@FILE] [--attach FILE] [--data @FILE] [--bdat]\n"
	"        [--stop-after mail|rcpt]\n"
	"                               a whole transaction: MAIL, RCPT, DATA, message\n"
	"  :pipeline CMD; CMD; ...      send the commands at once (PIPELINING, RFC 2920)\n"
	"  :help                        this text\n"
	"  :quit                        QUIT and close";

const char *helper_help_text(void)
{
	return helper_help;
}

/* ---- word splitting ---- */

static void split_free(char **w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(w[i]);
}

bool helper_split(const char *p, size_t len, char **words, size_t max, size_t *n, char *err,
		  size_t errsize)
{
	struct buf w;
	size_t i = 0;
	*n = 0;
	buf_init(&w, len + 1);
	while (i < len) {
		while (i < len && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i >= len)
			break;
		buf_reset(&w);
		while (i < len && p[i] != ' ' && p[i] != '\t') {
			char q = p[i];
			if (q == '\'' || q == '"') {
				size_t j = i + 1;
				while (j < len && p[j] != q) {
					if (q == '"' && p[j] == '\\' && j + 1 < len && (p[j + 1] == '"' || p[j + 1] == '\\'))
						j++;
					buf_append_byte(&w, (uint8_t)p[j]);
					j++;
				}
				if (j >= len) {
					snprintf(err, errsize, "unterminated %c quote", q);
					goto fail;
				}
				i = j + 1;
			} else if (q == '\\' && i + 1 < len) {
				buf_append_byte(&w, (uint8_t)p[i + 1]);
				i += 2;
			} else {
				buf_append_byte(&w, (uint8_t)q);
				i++;
			}
		}
		if (*n >= max) {
			snprintf(err, errsize, "too many words (at most %zu)", max);
			goto fail;
		}
		words[(*n)++] = xmemdup0(w.data ? w.data : (const uint8_t *)"", w.len);
	}
	buf_free(&w);
	return true;
fail:
	buf_free(&w);
	split_free(words, *n);
	*n = 0;
	return false;
}

/* ---- the commands ---- */

struct helper_cmd *helper_cmd_new(enum helper_kind kind)
{
	struct helper_cmd *c = xcalloc(1, sizeof *c);
	c->kind = kind;
	c->chunk = HELPER_BDAT_CHUNK_DEFAULT;
	return c;
}

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

void helper_cmd_free(struct helper_cmd *c)
{
	if (!c)
		return;
	if (c->secret) {
		OPENSSL_cleanse(c->secret, strlen(c->secret));
		free(c->secret);
	}
	free(c->user);
	free(c->file);
	free(c->mail_from);
	free_list(c->rcpts, c->nrcpts);
	free_list(c->cmds, c->ncmds);
	free(c->name);
	free((char *)c->msg.from);
	free_list((char **)c->msg.to, c->msg.nto);
	free((char *)c->msg.subject);
	free_list((char **)c->msg.headers, c->msg.nheaders);
	free((char *)c->msg.body);
	free_list((char **)c->msg.attach, c->msg.nattach);
	free((char *)c->msg.data_file);
	free((char *)c->msg.hostname);
	memset(c, 0, sizeof *c);
}

static void push(char ***list, size_t *n, const char *s)
{
	*list = xreallocarray(*list, *n + 1, sizeof **list);
	(*list)[(*n)++] = xstrdup(s);
}

static bool parse_auth(struct helper_cmd *c, char **w, size_t n, char *err, size_t es)
{
	if (n < 3 || n > 4) {
		snprintf(err, es, "usage: :auth plain|login|cram-md5|xoauth2 USER [SECRET]");
		return false;
	}
	if (!helper_mech_parse(w[1], &c->mech)) {
		snprintf(err, es, "unknown mechanism '%.40s': use plain, login, cram-md5 or xoauth2", w[1]);
		return false;
	}
	c->user = xstrdup(w[2]);
	if (n == 4)
		c->secret = xstrdup(w[3]);
	return true;
}

static bool parse_file_arg(struct helper_cmd *c, const char *a, char *err, size_t es)
{
	if (a[0] != '@' || !a[1]) {
		snprintf(err, es, "expected @FILE, got '%.60s'", a);
		return false;
	}
	free(c->file);
	c->file = xstrdup(a + 1);
	return true;
}

static bool parse_size(const char *s, size_t lo, size_t hi, size_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (!*s || *end || s[0] == '-' || v < lo || v > hi)
		return false;
	*out = (size_t)v;
	return true;
}

static bool parse_data(struct helper_cmd *c, char **w, size_t n, char *err, size_t es)
{
	for (size_t i = 1; i < n; i++) {
		if (c->kind == HELPER_BDAT && !strcmp(w[i], "--chunk") && i + 1 < n) {
			if (!parse_size(w[++i], 1, HELPER_BDAT_CHUNK_MAX, &c->chunk)) {
				snprintf(err, es, "--chunk needs a size from 1 to %u", HELPER_BDAT_CHUNK_MAX);
				return false;
			}
		} else if (!c->file && w[i][0] == '@') {
			if (!parse_file_arg(c, w[i], err, es))
				return false;
		} else {
			snprintf(err, es, "usage: %s", c->kind == HELPER_BDAT ? ":bdat [--chunk N] [@FILE]"
									: ":data [@FILE]");
			return false;
		}
	}
	return true;
}

static bool send_option(struct helper_cmd *c, const char *o, const char *v, char *err, size_t es)
{
	struct msgbuild_opts *m = &c->msg;
	if (!strcmp(o, "--from")) {
		free(c->mail_from);
		c->mail_from = xstrdup(v);
		free((char *)m->from);
		m->from = xstrdup(v);
	} else if (!strcmp(o, "--to")) {
		push(&c->rcpts, &c->nrcpts, v);
		push((char ***)&m->to, &m->nto, v);
	} else if (!strcmp(o, "--header")) {
		if (!msgbuild_header_ok(v, err, es))
			return false;
		push((char ***)&m->headers, &m->nheaders, v);
	} else if (!strcmp(o, "--subject")) {
		free((char *)m->subject);
		m->subject = xstrdup(v);
	} else if (!strcmp(o, "--body")) {
		free((char *)m->body);
		m->body = xstrdup(v);
	} else if (!strcmp(o, "--attach")) {
		push((char ***)&m->attach, &m->nattach, v);
	} else if (!strcmp(o, "--data")) {
		free((char *)m->data_file);
		m->data_file = xstrdup(v[0] == '@' ? v + 1 : v);
	} else if (!strcmp(o, "--stop-after")) {
		if (!session_stage_parse(v, &c->stop_after) ||
		    (c->stop_after != SESS_STAGE_MAIL && c->stop_after != SESS_STAGE_RCPT)) {
			snprintf(err, es, "--stop-after takes mail or rcpt");
			return false;
		}
	} else {
		snprintf(err, es, "unknown :send option '%.40s' (see :help)", o);
		return false;
	}
	return true;
}

static bool parse_send(struct helper_cmd *c, char **w, size_t n, char *err, size_t es)
{
	for (size_t i = 1; i < n; i++) {
		if (!strcmp(w[i], "--bdat")) {
			c->use_bdat = true;
			continue;
		}
		if (i + 1 >= n) {
			snprintf(err, es, "option '%.40s' needs a value", w[i]);
			return false;
		}
		if (!send_option(c, w[i], w[i + 1], err, es))
			return false;
		i++;
	}
	if (!c->mail_from || c->nrcpts == 0) {
		snprintf(err, es, "usage: :send --from A --to B [...] (see :help)");
		return false;
	}
	return true;
}

/* :pipeline splits on ';' itself: commands keep their own blanks. */
static bool parse_pipeline(struct helper_cmd *c, const char *p, size_t len, char *err, size_t es)
{
	size_t i = 0;
	while (i <= len) {
		size_t j = i;
		while (j < len && p[j] != ';')
			j++;
		size_t a = i, b = j;
		while (a < b && (p[a] == ' ' || p[a] == '\t'))
			a++;
		while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t'))
			b--;
		if (b > a) {
			if (c->ncmds >= HELPER_PIPELINE_MAX) {
				snprintf(err, es, "at most %d commands in one :pipeline", HELPER_PIPELINE_MAX);
				return false;
			}
			c->cmds = xreallocarray(c->cmds, c->ncmds + 1, sizeof *c->cmds);
			c->cmds[c->ncmds++] = xmemdup0(p + a, b - a);
		}
		i = j + 1;
	}
	if (c->ncmds == 0) {
		snprintf(err, es, "usage: :pipeline CMD; CMD; ...");
		return false;
	}
	return true;
}

static bool helper_kind_parse(const char *name, enum helper_kind *k)
{
	for (int i = 0; i < HELPER_LAST; i++)
		if (!strcasecmp(name, helper_names[i])) {
			*k = (enum helper_kind)i;
			return true;
		}
	return false;
}

static bool parse_words(struct helper_cmd *out, char **w, size_t n, char *err, size_t errsize)
{
	switch (out->kind) {
	case HELPER_AUTH: return parse_auth(out, w, n, err, errsize);
	case HELPER_DATA:
	case HELPER_BDAT: return parse_data(out, w, n, err, errsize);
	case HELPER_SEND: return parse_send(out, w, n, err, errsize);
	case HELPER_EHLO:
		if (n > 2)
			break;
		if (n == 2)
			out->name = xstrdup(w[1]);
		return true;
	default:
		if (n == 1)
			return true;
		break;
	}
	snprintf(err, errsize, ":%s takes %s (see :help)", helper_names[out->kind],
		 out->kind == HELPER_EHLO ? "at most one name" : "no arguments");
	return false;
}

bool helper_parse(const char *line, size_t len, struct helper_cmd *out, char *err, size_t errsize)
{
	memset(out, 0, sizeof *out);
	out->chunk = HELPER_BDAT_CHUNK_DEFAULT;
	out->kind = HELPER_LAST;
	if (len < 2 || line[0] != ':' || memchr(line, '\0', len)) {
		snprintf(err, errsize, "a helper is ':' followed by its name (see :help)");
		return false;
	}
	size_t e = 1;
	while (e < len && line[e] != ' ' && line[e] != '\t')
		e++;
	char name[16];
	if (e - 1 >= sizeof name) {
		snprintf(err, errsize, "unknown helper (see :help)");
		return false;
	}
	memcpy(name, line + 1, e - 1);
	name[e - 1] = '\0';
	if (!helper_kind_parse(name, &out->kind)) {
		snprintf(err, errsize, "unknown helper ':%s' (see :help)", name);
		out->kind = HELPER_LAST;
		return false;
	}
	if (out->kind == HELPER_PIPELINE)
		return parse_pipeline(out, line + e, len - e, err, errsize);
	char **w = xcalloc(HELPER_WORDS_MAX, sizeof *w);
	size_t n = 0;
	bool ok = helper_split(line, len, w, HELPER_WORDS_MAX, &n, err, errsize) &&
		  parse_words(out, w, n, err, errsize);
	for (size_t i = 0; i < n; i++) {
		if (w[i])
			OPENSSL_cleanse(w[i], strlen(w[i]));
		free(w[i]);
	}
	free(w);
	return ok;
}

void helper_cmd_describe(const struct helper_cmd *c, struct buf *out)
{
	buf_printf(out, ":%s", helper_kind_name(c->kind));
	switch (c->kind) {
	case HELPER_AUTH:
		buf_printf(out, " %s %s%s", helper_mech_name(c->mech), c->user ? c->user : "",
			   c->secret ? " ***" : "");
		break;
	case HELPER_DATA:
	case HELPER_BDAT:
		if (c->file)
			buf_printf(out, " @%s", c->file);
		break;
	case HELPER_SEND:
		buf_printf(out, " --from <%s>", c->mail_from ? c->mail_from : "");
		for (size_t i = 0; i < c->nrcpts; i++)
			buf_printf(out, " --to <%s>", c->rcpts[i]);
		break;
	case HELPER_PIPELINE: /* the commands appear as they are sent, secrets masked */
		buf_printf(out, " (%zu command%s)", c->ncmds, c->ncmds == 1 ? "" : "s");
		break;
	case HELPER_EHLO:
		if (c->name)
			buf_printf(out, " %s", c->name);
		break;
	default: break;
	}
}
