/* smtp_auth.c - the AUTH exchange: base64 challenges and responses decoded per mechanism, user names found, secrets marked (RFC 4954, 4616 PLAIN, 2195 CRAM-MD5, 5802 SCRAM, 7628 OAUTHBEARER; LOGIN and XOAUTH2 as deployed). */
#include "smtp_internal.h"

#include <openssl/evp.h>
#include <string.h>

static bool b64_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
	       c == '/';
}

/* Strict RFC 4648 base64 (padding required); "=" alone is the empty string
 * (RFC 4954 4). out is reset first. */
bool smtp_b64_decode(const uint8_t *in, size_t len, struct buf *out)
{
	buf_reset(out);
	while (len && (in[len - 1] == ' ' || in[len - 1] == '\t'))
		len--;
	if (len == 0 || (len == 1 && in[0] == '='))
		return true;
	if (len % 4)
		return false;
	size_t pad = in[len - 1] == '=' ? (in[len - 2] == '=' ? 2 : 1) : 0;
	for (size_t i = 0; i < len - pad; i++)
		if (!b64_char(in[i]))
			return false;
	if (len / 4 * 3 > out->max)
		return false;
	uint8_t tmp[768 + 4];
	for (size_t i = 0; i < len; i += 1024) {
		size_t blk = len - i < 1024 ? len - i : 1024;
		int n = EVP_DecodeBlock(tmp, in + i, (int)blk);
		if (n < 0)
			return false;
		size_t got = (size_t)n;
		if (i + blk == len)
			got -= pad; /* EVP_DecodeBlock counts padding as zero bytes */
		buf_append(out, tmp, got);
	}
	return true;
}

static bool imem(const uint8_t *p, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++) {
		size_t k = 0;
		while (k < n && (p[i + k] | 0x20) == (needle[k] | 0x20))
			k++;
		if (k == n)
			return true;
	}
	return false;
}

static void add_part(struct smtp_auth *a, const char *name, const uint8_t *v, size_t n, bool secret)
{
	if (a->nparts >= SMTP_AUTH_PARTS_MAX)
		return;
	struct smtp_auth_part *pt = &a->parts[a->nparts++];
	pt->name = name;
	pt->value = v;
	pt->len = n;
	pt->secret = secret;
	if (secret)
		a->secret = true;
}

static void set_user(struct smtp_parser *p, struct smtp_auth *a, const uint8_t *v, size_t n)
{
	size_t k = 0;
	while (k < n && k + 1 < sizeof p->auth_user && v[k])
		k++;
	memcpy(p->auth_user, v, k);
	p->auth_user[k] = '\0';
	a->user = p->auth_user;
}

/* Find "key" at the start of a field in d (fields split by sep); value to *v. */
static bool field(const uint8_t *d, size_t len, uint8_t sep, const char *key, const uint8_t **v, size_t *vn)
{
	size_t kn = strlen(key), i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && d[j] != sep)
			j++;
		if (j - i >= kn && memcmp(d + i, key, kn) == 0) {
			*v = d + i + kn;
			*vn = j - i - kn;
			return true;
		}
		i = j + 1;
	}
	return false;
}

static void client_plain(struct smtp_parser *p, struct smtp_auth *a, const uint8_t *d, size_t n)
{
	const uint8_t *z1 = memchr(d, 0, n);
	const uint8_t *z2 = z1 ? memchr(z1 + 1, 0, n - (size_t)(z1 + 1 - d)) : NULL;
	if (!z2) {
		add_part(a, "response", d, n, true);
		return;
	}
	add_part(a, "authzid", d, (size_t)(z1 - d), false);
	add_part(a, "authcid", z1 + 1, (size_t)(z2 - z1 - 1), false);
	add_part(a, "password", z2 + 1, n - (size_t)(z2 + 1 - d), true);
	set_user(p, a, z1 + 1, (size_t)(z2 - z1 - 1));
}

static void client_oauth(struct smtp_parser *p, struct smtp_auth *a, const uint8_t *d, size_t n, bool bearer)
{
	const uint8_t *v;
	size_t vn;
	if (bearer ? field(d, n, ',', "a=", &v, &vn) : field(d, n, 0x01, "user=", &v, &vn)) {
		if (bearer) { /* a=user ends at ',' or \x01 */
			const uint8_t *e = memchr(v, 0x01, vn);
			if (e)
				vn = (size_t)(e - v);
		}
		add_part(a, "username", v, vn, false);
		set_user(p, a, v, vn);
	}
	const uint8_t *tok = NULL;
	for (size_t i = 0; i + 5 <= n; i++)
		if ((i == 0 || d[i - 1] == 0x01) && memcmp(d + i, "auth=", 5) == 0) {
			tok = d + i + 5;
			break;
		}
	if (tok) {
		const uint8_t *e = memchr(tok, 0x01, n - (size_t)(tok - d));
		add_part(a, "token", tok, e ? (size_t)(e - tok) : n - (size_t)(tok - d), true);
	} else if (n) {
		a->secret = true;
	}
}

static void client_scram(struct smtp_parser *p, struct smtp_auth *a, const uint8_t *d, size_t n)
{
	const uint8_t *v;
	size_t vn;
	if (field(d, n, ',', "n=", &v, &vn)) {
		add_part(a, "username", v, vn, false);
		set_user(p, a, v, vn);
	}
	if (field(d, n, ',', "p=", &v, &vn))
		add_part(a, "proof", v, vn, true);
}

static void client_login(struct smtp_parser *p, struct smtp_auth *a, const uint8_t *d, size_t n)
{
	int expect = p->auth_expect ? p->auth_expect : (a->step == 0 ? 1 : 2);
	if (expect == 1) {
		add_part(a, "username", d, n, false);
		set_user(p, a, d, n);
	} else {
		add_part(a, "password", d, n, true);
	}
}

static void analyze_client(struct smtp_parser *p, struct smtp_auth *a)
{
	const char *m = p->auth_mech;
	const uint8_t *d = a->data;
	size_t n = a->len;
	if (n == 0)
		return;
	if (strcmp(m, "PLAIN") == 0) {
		client_plain(p, a, d, n);
	} else if (strcmp(m, "LOGIN") == 0) {
		client_login(p, a, d, n);
	} else if (strcmp(m, "CRAM-MD5") == 0) {
		const uint8_t *sp = NULL;
		for (size_t i = n; i > 0; i--)
			if (d[i - 1] == ' ') {
				sp = d + i - 1;
				break;
			}
		if (!sp) {
			add_part(a, "response", d, n, true);
			return;
		}
		add_part(a, "username", d, (size_t)(sp - d), false);
		add_part(a, "digest", sp + 1, n - (size_t)(sp + 1 - d), true);
		set_user(p, a, d, (size_t)(sp - d));
	} else if (strcmp(m, "XOAUTH2") == 0 || strcmp(m, "OAUTHBEARER") == 0) {
		client_oauth(p, a, d, n, m[0] == 'O');
	} else if (strncmp(m, "SCRAM-", 6) == 0) {
		client_scram(p, a, d, n);
	} else if (strcmp(m, "EXTERNAL") == 0) {
		add_part(a, "authzid", d, n, false);
	} else if (strcmp(m, "ANONYMOUS") == 0) {
		add_part(a, "trace", d, n, false);
	} else {
		add_part(a, "response", d, n, true); /* GSSAPI, NTLM, DIGEST-MD5, ...: mask it all */
	}
}

static void auth_prepare(struct smtp_parser *p, const uint8_t *l, size_t n, unsigned step, bool initial,
			 enum smtp_dir dir)
{
	struct smtp_auth *a = &p->auth_ev;
	memset(a, 0, sizeof *a);
	a->mech = p->auth_mech;
	a->step = step;
	a->initial = initial;
	a->data = (const uint8_t *)"";
	if (dir == SMTP_DIR_CLIENT && n == 1 && l[0] == '*') {
		a->cancelled = true;
		return;
	}
	a->decoded = smtp_b64_decode(l, n, &p->auth_buf);
	if (!a->decoded) {
		a->secret = dir == SMTP_DIR_CLIENT; /* maybe a password typed in clear */
		smtp_flag(p, dir, SMTP_AN_AUTH_BAD_BASE64, n, p->auth_mech, p->side[dir].offset);
		return;
	}
	a->data = p->auth_buf.len ? p->auth_buf.data : (const uint8_t *)"";
	a->len = p->auth_buf.len;
	if (dir == SMTP_DIR_CLIENT) {
		analyze_client(p, a);
		return;
	}
	if (a->len)
		add_part(a, strcmp(p->auth_mech, "XOAUTH2") == 0 ? "error" : "challenge", a->data, a->len, false);
	if (strcmp(p->auth_mech, "LOGIN") == 0)
		p->auth_expect = imem(a->data, a->len, "pass") ? 2 : imem(a->data, a->len, "user") ? 1 : 0;
}

bool smtp_auth_command(struct smtp_parser *p, const struct smtp_command *c, size_t *secret_at)
{
	size_t k = strlen(c->auth_mech);
	if (k >= sizeof p->auth_mech)
		k = sizeof p->auth_mech - 1;
	memcpy(p->auth_mech, c->auth_mech, k);
	p->auth_mech[k] = '\0';
	p->auth_waiting = true;
	p->auth_active = false;
	p->auth_cstep = p->auth_sstep = 0;
	p->auth_expect = 0;
	p->auth_user[0] = '\0';
	if (!c->auth_initial)
		return false;
	/* the initial response follows the verb, the mechanism and blanks */
	size_t i = 0, n = c->line_len;
	const uint8_t *l = c->line;
	for (int field_no = 0; field_no < 2; field_no++) {
		while (i < n && l[i] != ' ' && l[i] != '\t')
			i++;
		while (i < n && (l[i] == ' ' || l[i] == '\t'))
			i++;
	}
	size_t e = n;
	while (e > i && (l[e - 1] == ' ' || l[e - 1] == '\t'))
		e--;
	auth_prepare(p, l + i, e - i, p->auth_cstep++, true, SMTP_DIR_CLIENT);
	if (p->auth_ev.secret)
		*secret_at = i;
	return true;
}

bool smtp_auth_client_line(struct smtp_parser *p, const uint8_t *l, size_t len)
{
	auth_prepare(p, l, len, p->auth_cstep++, false, SMTP_DIR_CLIENT);
	return p->auth_ev.secret;
}

void smtp_auth_emit(struct smtp_parser *p, enum smtp_dir dir, uint64_t off, int64_t ts)
{
	struct smtp_event ev = {.type = SMTP_EV_AUTH, .dir = dir, .ts = ts, .offset = off};
	ev.auth = &p->auth_ev;
	smtp_emit(p, &ev);
}

void smtp_auth_reply(struct smtp_parser *p, const struct smtp_reply *r, uint64_t off, int64_t ts)
{
	p->auth_waiting = false;
	if (r->code != 334 || r->nlines == 0) {
		p->auth_active = false;
		p->auth_expect = 0;
		return;
	}
	p->auth_active = true;
	const struct smtp_reply_line *ln = &r->lines[0];
	auth_prepare(p, (const uint8_t *)ln->text, ln->text_len, p->auth_sstep++, false, SMTP_DIR_SERVER);
	smtp_auth_emit(p, SMTP_DIR_SERVER, off, ts);
}
