/* tls_hello.c - passive reading of TLS handshakes: SNI, versions, cipher, the
 * clear-text certificate of TLS <= 1.2, alerts (RFC 8446, RFC 5246, RFC 6066). */
#include "tls_hello.h"
#include "limits.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

enum { TLS_CT_ALERT = 21, TLS_CT_HANDSHAKE = 22, TLS_CT_APPDATA = 23 };
enum { HS_CLIENT_HELLO = 1, HS_SERVER_HELLO = 2, HS_CERTIFICATE = 11 };
enum { EXT_SERVER_NAME = 0, EXT_SUPPORTED_VERSIONS = 43 };

/* A bounds-checked reader: after the first failed read it stays failed. */
struct cur {
	const uint8_t *p;
	size_t len;
	bool bad;
};

static uint32_t cur_get(struct cur *c, size_t n)
{
	uint32_t v = 0;
	if (c->bad || c->len < n) {
		c->bad = true;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		v = (v << 8) | c->p[i];
	c->p += n;
	c->len -= n;
	return v;
}

/* Split off a sub-cursor of n bytes. */
static struct cur cur_sub(struct cur *c, size_t n)
{
	struct cur s = {c->p, n, false};
	if (c->bad || c->len < n) {
		c->bad = true;
		s.len = 0;
		s.bad = true;
		return s;
	}
	c->p += n;
	c->len -= n;
	return s;
}

void tls_watch_init(struct tls_watch *w)
{
	memset(w, 0, sizeof *w);
	buf_init(&w->hs[0], TLS_HANDSHAKE_MAX);
	buf_init(&w->hs[1], TLS_HANDSHAKE_MAX);
}

void tls_watch_free(struct tls_watch *w)
{
	buf_free(&w->hs[0]);
	buf_free(&w->hs[1]);
}

static void tls_copy_name(char *dst, size_t size, const uint8_t *p, size_t n)
{
	if (n >= size)
		n = size - 1;
	for (size_t i = 0; i < n; i++)
		dst[i] = (p[i] >= 0x21 && p[i] < 0x7F) ? (char)p[i] : '?';
	dst[n] = '\0';
}

static void tls_parse_sni(struct tls_seen *s, struct cur e)
{
	struct cur list = cur_sub(&e, cur_get(&e, 2));
	while (!list.bad && list.len > 0) {
		uint32_t type = cur_get(&list, 1);
		struct cur name = cur_sub(&list, cur_get(&list, 2));
		if (!name.bad && type == 0) {
			tls_copy_name(s->sni, sizeof s->sni, name.p, name.len);
			return;
		}
	}
}

static void tls_parse_extensions(struct tls_seen *s, struct cur *c, bool client)
{
	if (c->len == 0)
		return;
	struct cur exts = cur_sub(c, cur_get(c, 2));
	while (!exts.bad && exts.len >= 4) {
		uint32_t type = cur_get(&exts, 2);
		struct cur e = cur_sub(&exts, cur_get(&exts, 2));
		if (e.bad)
			break;
		if (client && type == EXT_SERVER_NAME) {
			tls_parse_sni(s, e);
		} else if (type == EXT_SUPPORTED_VERSIONS && client) {
			struct cur v = cur_sub(&e, cur_get(&e, 1));
			while (!v.bad && v.len >= 2) {
				uint16_t ver = (uint16_t)cur_get(&v, 2);
				if ((ver & 0x0F0F) != 0x0A0A && ver > s->client_version) /* skip GREASE */
					s->client_version = ver;
			}
		} else if (type == EXT_SUPPORTED_VERSIONS) {
			s->version = (uint16_t)cur_get(&e, 2);
		}
	}
}

static bool tls_parse_client_hello(struct tls_seen *s, struct cur c)
{
	s->client_version = (uint16_t)cur_get(&c, 2);
	cur_sub(&c, 32);                      /* random */
	cur_sub(&c, cur_get(&c, 1));          /* session id */
	cur_sub(&c, cur_get(&c, 2));          /* cipher suites */
	cur_sub(&c, cur_get(&c, 1));          /* compression methods */
	if (c.bad)
		return false;
	tls_parse_extensions(s, &c, true);
	s->client_hello = true;
	return true;
}

static bool tls_parse_server_hello(struct tls_seen *s, struct cur c)
{
	s->version = (uint16_t)cur_get(&c, 2);
	cur_sub(&c, 32);
	cur_sub(&c, cur_get(&c, 1));
	s->cipher = (uint16_t)cur_get(&c, 2);
	cur_get(&c, 1);
	if (c.bad)
		return false;
	tls_parse_extensions(s, &c, false);
	s->server_hello = true;
	return true;
}

static void tls_parse_certificate(struct tls_seen *s, struct cur c)
{
	struct cur list = cur_sub(&c, cur_get(&c, 3));
	struct cur der = cur_sub(&list, cur_get(&list, 3));
	if (der.bad || der.len == 0)
		return;
	const unsigned char *p = der.p;
	X509 *x = d2i_X509(NULL, &p, (long)der.len);
	if (!x)
		return;
	X509_NAME_oneline(X509_get_subject_name(x), s->cert_subject, sizeof s->cert_subject);
	X509_NAME_oneline(X509_get_issuer_name(x), s->cert_issuer, sizeof s->cert_issuer);
	X509_free(x);
}

/* Parse every complete handshake message collected for dir. */
static void tls_parse_handshakes(struct tls_watch *w, enum tls_dir dir)
{
	struct buf *b = &w->hs[dir];
	struct cur c = {b->data, b->len, false};
	while (c.len >= 4 && !w->rec[dir].done) {
		struct cur save = c;
		uint32_t type = cur_get(&c, 1);
		struct cur msg = cur_sub(&c, cur_get(&c, 3));
		if (msg.bad) {
			c = save;
			break;
		}
		bool ok = true;
		if (type == HS_CLIENT_HELLO && dir == TLS_FROM_CLIENT)
			ok = tls_parse_client_hello(&w->seen, msg);
		else if (type == HS_SERVER_HELLO && dir == TLS_FROM_SERVER)
			ok = tls_parse_server_hello(&w->seen, msg);
		else if (type == HS_CERTIFICATE && dir == TLS_FROM_SERVER && w->seen.version < 0x0304)
			tls_parse_certificate(&w->seen, msg);
		if (!ok)
			w->seen.malformed = true;
		/* After the hello (client) or the certificate (server), the rest is of no use. */
		if (type == HS_CLIENT_HELLO || type == HS_CERTIFICATE ||
		    (type == HS_SERVER_HELLO && w->seen.version >= 0x0304))
			w->rec[dir].done = true;
	}
	buf_consume(b, b->len - c.len);
}

static void tls_record_payload(struct tls_watch *w, enum tls_dir dir, const uint8_t *p, size_t n)
{
	struct tls_rec_state *r = &w->rec[dir];
	if (r->type == TLS_CT_HANDSHAKE && !r->done) {
		if (!buf_append(&w->hs[dir], p, n))
			r->done = true; /* over the cap: stop looking */
		else
			tls_parse_handshakes(w, dir);
	} else if (r->type == TLS_CT_ALERT && !w->seen.alert && n >= 2 && r->remain == n) {
		/* A whole 2-byte alert in clear (encrypted alerts are longer). */
		if (n == 2) {
			w->seen.alert = true;
			w->seen.alert_level = p[0];
			w->seen.alert_desc = p[1];
		}
	}
}

static bool tls_header_ok(const uint8_t h[5])
{
	return h[0] >= 20 && h[0] <= 24 && h[1] == 3 && h[2] <= 4;
}

void tls_watch_feed(struct tls_watch *w, enum tls_dir dir, const uint8_t *p, size_t len)
{
	struct tls_rec_state *r = &w->rec[dir];
	w->seen.bytes[dir] += len;
	while (len > 0 && !w->seen.malformed) {
		if (r->remain == 0) {
			size_t take = 5 - r->hdr_len < len ? 5 - r->hdr_len : len;
			memcpy(r->hdr + r->hdr_len, p, take);
			r->hdr_len += take;
			p += take;
			len -= take;
			if (r->hdr_len < 5)
				return;
			r->hdr_len = 0;
			if (!tls_header_ok(r->hdr)) {
				w->seen.malformed = true;
				return;
			}
			r->type = r->hdr[0];
			r->remain = ((size_t)r->hdr[3] << 8) | r->hdr[4];
			w->seen.records[dir]++;
			continue;
		}
		size_t n = r->remain < len ? r->remain : len;
		tls_record_payload(w, dir, p, n);
		r->remain -= n;
		p += n;
		len -= n;
	}
}

const char *tls_version_name(uint16_t v, char *buf, size_t size)
{
	static const struct { uint16_t v; const char *name; } names[] = {
		{0x0300, "SSLv3"}, {0x0301, "TLSv1.0"}, {0x0302, "TLSv1.1"},
		{0x0303, "TLSv1.2"}, {0x0304, "TLSv1.3"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].v == v) {
			snprintf(buf, size, "%s", names[i].name);
			return buf;
		}
	snprintf(buf, size, "unknown (0x%04x)", v);
	return buf;
}

/* IANA names (TLS Cipher Suites registry) of legacy suites that OpenSSL 3
 * builds no longer know (RC4, DES, 3DES, IDEA, export and static ECDH
 * suites): old servers still negotiate them, and a name reads better than
 * the number. */
static const char *tls_legacy_cipher(uint16_t id)
{
	static const char *const low[] = {
		"TLS_NULL_WITH_NULL_NULL", "TLS_RSA_WITH_NULL_MD5", "TLS_RSA_WITH_NULL_SHA",
		"TLS_RSA_EXPORT_WITH_RC4_40_MD5", "TLS_RSA_WITH_RC4_128_MD5", "TLS_RSA_WITH_RC4_128_SHA",
		"TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5", "TLS_RSA_WITH_IDEA_CBC_SHA",
		"TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", "TLS_RSA_WITH_DES_CBC_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
		"TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA", "TLS_DH_DSS_WITH_DES_CBC_SHA",
		"TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA", "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA",
		"TLS_DH_RSA_WITH_DES_CBC_SHA", "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA",
		"TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA", "TLS_DHE_DSS_WITH_DES_CBC_SHA",
		"TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA",
		"TLS_DHE_RSA_WITH_DES_CBC_SHA", "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
		"TLS_DH_anon_EXPORT_WITH_RC4_40_MD5", "TLS_DH_anon_WITH_RC4_128_MD5",
		"TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA", "TLS_DH_anon_WITH_DES_CBC_SHA",
		"TLS_DH_anon_WITH_3DES_EDE_CBC_SHA",
	};
	static const struct {
		uint16_t id;
		const char *name;
	} other[] = {
		{0x008A, "TLS_PSK_WITH_RC4_128_SHA"},          {0x008B, "TLS_PSK_WITH_3DES_EDE_CBC_SHA"},
		{0x008E, "TLS_DHE_PSK_WITH_RC4_128_SHA"},      {0x0092, "TLS_RSA_PSK_WITH_RC4_128_SHA"},
		{0xC002, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA"},   {0xC003, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA"},
		{0xC004, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA"}, {0xC005, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA"},
		{0xC007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"},  {0xC008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"},
		{0xC00C, "TLS_ECDH_RSA_WITH_RC4_128_SHA"},     {0xC00D, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA"},
		{0xC00E, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA"}, {0xC00F, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA"},
		{0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"},    {0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"},
		{0xC016, "TLS_ECDH_anon_WITH_RC4_128_SHA"},    {0xC017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA"},
	};
	if (id < sizeof low / sizeof low[0])
		return low[id];
	for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
		if (other[i].id == id)
			return other[i].name;
	return NULL;
}

const char *tls_cipher_name(uint16_t id, char *buf, size_t size)
{
	static SSL_CTX *ctx;
	static SSL *ssl;
	if (!ctx) {
		ctx = SSL_CTX_new(TLS_method());
		ssl = ctx ? SSL_new(ctx) : NULL;
	}
	const unsigned char b[2] = {(unsigned char)(id >> 8), (unsigned char)id};
	const SSL_CIPHER *c = ssl ? SSL_CIPHER_find(ssl, b) : NULL;
	const char *name = c ? SSL_CIPHER_standard_name(c) : NULL;
	if (!name)
		name = tls_legacy_cipher(id);
	if (name)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "0x%04x", id);
	return buf;
}
