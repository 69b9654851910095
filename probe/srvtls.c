/* srvtls.c - server-side TLS for the practice server (see srvtls.h): an
 * in-memory self-signed certificate (RFC 5280 extensions: subjectAltName,
 * basicConstraints, keyUsage, extendedKeyUsage serverAuth) and non-blocking
 * SSL_accept / SSL_read / SSL_write, TLS 1.2 or newer (RFC 8996, RFC 8446). */
#include "probe/srvtls.h"
#include "decode/buf.h"
#include "decode/xmalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct srvtls {
	SSL_CTX *ctx;
	char sha256[3 * 32];
	char *pem;
	char not_after[40];
};

struct srvtls_conn {
	SSL *ssl;
	bool shut;
	char err[300];
};

static void srvtls_ossl_error(struct buf *err, const char *what)
{
	unsigned long e = ERR_get_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	if (err)
		buf_printf(err, "TLS set-up: %s: %s", what, r ? r : "failed");
	ERR_clear_error();
}

static bool srvtls_name_ok(const char *h)
{
	size_t n = strlen(h);
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = h[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_' || c == ':'))
			return false;
	}
	return true;
}

static bool srvtls_add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX v;
	X509V3_set_ctx_nodb(&v);
	X509V3_set_ctx(&v, x, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v, nid, value);
	if (!e)
		return false;
	int ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok == 1;
}

/* "DNS:host,DNS:localhost,IP:127.0.0.1,IP:::1" without duplicates. */
static void srvtls_san(const char *host, char *out, size_t size)
{
	unsigned char a[16];
	bool ip = inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
	bool dup = !strcmp(host, "localhost") || !strcmp(host, "127.0.0.1") || !strcmp(host, "::1");
	snprintf(out, size, "%s%s%sDNS:localhost,IP:127.0.0.1,IP:::1", dup ? "" : ip ? "IP:" : "DNS:",
		 dup ? "" : host, dup ? "" : ",");
}

static bool srvtls_fill_cert(X509 *x, EVP_PKEY *key, const char *host, unsigned secs)
{
	unsigned char serial[16];
	char san[400];
	if (RAND_bytes(serial, sizeof serial) != 1)
		return false;
	serial[0] &= 0x7f; /* positive (RFC 5280 4.1.2.2) */
	BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
	bool ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	X509_NAME *name = X509_get_subject_name(x);
	ok = ok && X509_set_version(x, 2) &&
	     X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
					(const unsigned char *)"smtpscope practice server", -1, -1, 0) &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)host, -1,
					-1, 0) &&
	     X509_set_issuer_name(x, name) && X509_gmtime_adj(X509_getm_notBefore(x), -300) &&
	     X509_gmtime_adj(X509_getm_notAfter(x), (long)secs) && X509_set_pubkey(x, key);
	srvtls_san(host, san, sizeof san);
	ok = ok && srvtls_add_ext(x, NID_subject_alt_name, san) &&
	     srvtls_add_ext(x, NID_basic_constraints, "critical,CA:FALSE") &&
	     srvtls_add_ext(x, NID_key_usage, "critical,digitalSignature") &&
	     srvtls_add_ext(x, NID_ext_key_usage, "serverAuth") &&
	     srvtls_add_ext(x, NID_subject_key_identifier, "hash");
	return ok && X509_sign(x, key, EVP_sha256()) > 0;
}

static void srvtls_describe(struct srvtls *t, X509 *x)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (X509_digest(x, EVP_sha256(), md, &n) == 1) {
		size_t w = 0;
		for (unsigned i = 0; i < n && i < 32 && w < sizeof t->sha256; i++)
			w += (size_t)snprintf(t->sha256 + w, sizeof t->sha256 - w, "%s%02X",
					      i ? ":" : "", md[i]);
	}
	struct tm tm;
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
		strftime(t->not_after, sizeof t->not_after, "%Y-%m-%d %H:%M:%S UTC", &tm);
	BIO *b = BIO_new(BIO_s_mem());
	if (b && PEM_write_bio_X509(b, x) == 1) {
		char *p = NULL;
		long len = BIO_get_mem_data(b, &p);
		if (len > 0)
			t->pem = xmemdup0(p, (size_t)len);
	}
	BIO_free(b);
	if (!t->pem)
		t->pem = xstrdup("");
}

static bool srvtls_ctx_setup(struct srvtls *t, X509 *x, EVP_PKEY *key, struct buf *err)
{
	t->ctx = SSL_CTX_new(TLS_server_method());
	if (!t->ctx) {
		srvtls_ossl_error(err, "SSL_CTX_new");
		return false;
	}
	SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_RENEGOTIATION);
	if (!SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION) ||
	    SSL_CTX_use_certificate(t->ctx, x) != 1 || SSL_CTX_use_PrivateKey(t->ctx, key) != 1 ||
	    SSL_CTX_check_private_key(t->ctx) != 1) {
		srvtls_ossl_error(err, "certificate");
		return false;
	}
	return true;
}

struct srvtls *srvtls_new(const char *hostname, unsigned valid_seconds, struct buf *err)
{
	if (!hostname || !srvtls_name_ok(hostname)) {
		if (err)
			buf_printf(err, "TLS set-up: '%s' is not a usable host name",
				   hostname ? hostname : "");
		return NULL;
	}
	struct srvtls *t = xcalloc(1, sizeof *t);
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	bool ok = key && x;
	if (ok && !srvtls_fill_cert(x, key, hostname, valid_seconds)) {
		srvtls_ossl_error(err, "generating the certificate");
		ok = false;
	} else if (!ok) {
		srvtls_ossl_error(err, "generating the key");
	}
	if (ok)
		ok = srvtls_ctx_setup(t, x, key, err);
	if (ok)
		srvtls_describe(t, x);
	X509_free(x);
	EVP_PKEY_free(key);
	if (!ok) {
		srvtls_free(t);
		return NULL;
	}
	return t;
}

void srvtls_free(struct srvtls *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx);
	free(t->pem);
	free(t);
}

const char *srvtls_sha256(const struct srvtls *t)
{
	return t->sha256;
}

const char *srvtls_pem(const struct srvtls *t)
{
	return t->pem;
}

const char *srvtls_not_after(const struct srvtls *t)
{
	return t->not_after;
}

struct srvtls_conn *srvtls_conn_new(struct srvtls *t, int fd)
{
	SSL *ssl = SSL_new(t->ctx);
	if (!ssl) {
		ERR_clear_error();
		return NULL;
	}
	if (SSL_set_fd(ssl, fd) != 1) {
		SSL_free(ssl);
		ERR_clear_error();
		return NULL;
	}
	SSL_set_accept_state(ssl);
	struct srvtls_conn *c = xcalloc(1, sizeof *c);
	c->ssl = ssl;
	return c;
}

void srvtls_conn_free(struct srvtls_conn *c)
{
	if (!c)
		return;
	SSL_free(c->ssl);
	free(c);
}

static enum tls_io srvtls_fail(struct srvtls_conn *c, int rc)
{
	int saved = errno;
	int e;
	enum tls_io st = tls_io_status(c->ssl, rc, &e);
	if (st != TLS_IO_ERROR)
		return st;
	unsigned long ec = ERR_peek_last_error();
	if (e == SSL_ERROR_SYSCALL && ec == 0 && saved != 0)
		snprintf(c->err, sizeof c->err, "%s", strerror(saved));
	else if (tls_io_unclean_eof(e, ec, saved))
		snprintf(c->err, sizeof c->err, "peer closed the connection without close_notify");
	else
		snprintf(c->err, sizeof c->err, "TLS error: %s",
			 ec && ERR_reason_error_string(ec) ? ERR_reason_error_string(ec) : "unknown");
	ERR_clear_error();
	return TLS_IO_ERROR;
}

enum tls_io srvtls_handshake(struct srvtls_conn *c)
{
	ERR_clear_error();
	int rc = SSL_do_handshake(c->ssl);
	return rc == 1 ? TLS_IO_OK : srvtls_fail(c, rc);
}

enum tls_io srvtls_read(struct srvtls_conn *c, void *p, size_t cap, size_t *got)
{
	*got = 0;
	ERR_clear_error();
	int rc = SSL_read_ex(c->ssl, p, cap, got);
	return rc == 1 ? TLS_IO_OK : srvtls_fail(c, 0);
}

enum tls_io srvtls_write(struct srvtls_conn *c, const void *p, size_t n, size_t *done)
{
	*done = 0;
	ERR_clear_error();
	int rc = SSL_write_ex(c->ssl, p, n, done);
	return rc == 1 ? TLS_IO_OK : srvtls_fail(c, 0);
}

bool srvtls_pending(const struct srvtls_conn *c)
{
	return SSL_pending(c->ssl) > 0;
}

void srvtls_shutdown(struct srvtls_conn *c)
{
	if (c->shut)
		return;
	c->shut = true;
	if (SSL_is_init_finished(c->ssl))
		SSL_shutdown(c->ssl);
	ERR_clear_error();
}

const char *srvtls_error(const struct srvtls_conn *c)
{
	return c->err[0] ? c->err : "unknown TLS failure";
}

const char *srvtls_version(const struct srvtls_conn *c)
{
	return SSL_get_version(c->ssl);
}

const char *srvtls_cipher(const struct srvtls_conn *c)
{
	return SSL_get_cipher_name(c->ssl);
}
