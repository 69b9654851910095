/* tls.c - client TLS on a non-blocking socket with OpenSSL (see tls.h):
 * SNI (RFC 6066 3), name checks (RFC 6125), DANE-TLSA (RFC 6698, RFC 7671,
 * RFC 7672 3.1.1 for DANE-EE name checks), alerts (RFC 8446 6). */
#include "probe/tls.h"
#include "probe/tls_internal.h"
#include "decode/buf.h"
#include "decode/xmalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tls {
	SSL_CTX *ctx;
	SSL *ssl;
	enum tls_err err;
	char errtext[512];
	char alert_rx[80];
	bool alert_rx_fatal;
	char alert_tx[80];
	int sys_errno;
	int fail_depth; /* first certificate that failed verification, -1 */
	bool dane;
	size_t dane_usable;
	bool shut;
};

static int tls_verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tls *t = ssl ? SSL_get_app_data(ssl) : NULL;
	if (!ok && t && t->fail_depth < 0)
		t->fail_depth = X509_STORE_CTX_get_error_depth(xs);
	return ok;
}

/* Alert descriptions, RFC 8446 6 and B.2 (with the TLS 1.2 ones of RFC 5246
 * 7.2): OpenSSL 3.0 names only some of them. */
static const struct {
	int code;
	const char *name;
} tls_alerts[] = {
	{0, "close notify"}, {10, "unexpected message"}, {20, "bad record mac"},
	{21, "decryption failed"}, {22, "record overflow"}, {30, "decompression failure"},
	{40, "handshake failure"}, {41, "no certificate"}, {42, "bad certificate"},
	{43, "unsupported certificate"}, {44, "certificate revoked"}, {45, "certificate expired"},
	{46, "certificate unknown"}, {47, "illegal parameter"}, {48, "unknown CA"},
	{49, "access denied"}, {50, "decode error"}, {51, "decrypt error"},
	{60, "export restriction"}, {70, "protocol version"}, {71, "insufficient security"},
	{80, "internal error"}, {86, "inappropriate fallback"}, {90, "user canceled"},
	{100, "no renegotiation"}, {109, "missing extension"}, {110, "unsupported extension"},
	{111, "certificate unobtainable"}, {112, "unrecognized name"},
	{113, "bad certificate status response"}, {114, "bad certificate hash value"},
	{115, "unknown PSK identity"}, {116, "certificate required"},
	{120, "no application protocol"},
};

static const char *tls_alert_name(int code)
{
	for (size_t i = 0; i < sizeof tls_alerts / sizeof tls_alerts[0]; i++)
		if (tls_alerts[i].code == code)
			return tls_alerts[i].name;
	return "unknown alert";
}

static void tls_info_cb(const SSL *ssl, int where, int ret)
{
	struct tls *t = SSL_get_app_data(ssl);
	if (!t || !(where & SSL_CB_ALERT))
		return;
	char *dst = (where & SSL_CB_READ) ? t->alert_rx : t->alert_tx;
	snprintf(dst, sizeof t->alert_rx, "%s %s (%d)", (ret >> 8) == SSL3_AL_FATAL ? "fatal" : "warning",
		 tls_alert_name(ret & 0xff), ret & 0xff);
	if ((where & SSL_CB_READ) && (ret >> 8) == SSL3_AL_FATAL)
		t->alert_rx_fatal = true;
}

static void tls_openssl_error(struct buf *err, const char *what)
{
	unsigned long e = ERR_get_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	if (err)
		buf_printf(err, "%s: %s", what, r ? r : "failed");
	ERR_clear_error();
}

static bool tls_ctx_setup(SSL_CTX *ctx, const struct tls_opts *o, struct buf *err)
{
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (!o->no_system_ca && !SSL_CTX_set_default_verify_paths(ctx))
		ERR_clear_error(); /* no system store: verification will say so */
	if ((o->ca_file || o->ca_path) &&
	    !SSL_CTX_load_verify_locations(ctx, o->ca_file, o->ca_path)) {
		tls_openssl_error(err, "loading the CA file");
		return false;
	}
	if (o->min_version && !SSL_CTX_set_min_proto_version(ctx, o->min_version)) {
		tls_openssl_error(err, "minimum TLS version");
		return false;
	}
	if (o->max_version && !SSL_CTX_set_max_proto_version(ctx, o->max_version)) {
		tls_openssl_error(err, "maximum TLS version");
		return false;
	}
	if (o->ciphers && !SSL_CTX_set_cipher_list(ctx, o->ciphers)) {
		tls_openssl_error(err, "cipher list");
		return false;
	}
	if (o->ciphersuites && !SSL_CTX_set_ciphersuites(ctx, o->ciphersuites)) {
		tls_openssl_error(err, "TLS 1.3 ciphersuites");
		return false;
	}
	if (o->cert_file) {
		const char *key = o->key_file ? o->key_file : o->cert_file;
		if (SSL_CTX_use_certificate_chain_file(ctx, o->cert_file) != 1) {
			tls_openssl_error(err, "client certificate");
			return false;
		}
		if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(ctx) != 1) {
			tls_openssl_error(err, "client key");
			return false;
		}
	}
	if (o->ntlsa > 0 && SSL_CTX_dane_enable(ctx) <= 0) {
		tls_openssl_error(err, "DANE");
		return false;
	}
	SSL_CTX_set_verify(ctx, o->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, tls_verify_cb);
	return true;
}

static bool tls_is_ip(const char *s)
{
	unsigned char b[16];
	return s && (inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1);
}

static bool tls_ssl_setup(struct tls *t, const struct tls_opts *o, const char *host, struct buf *err)
{
	const char *sni = o->sni ? o->sni : (tls_is_ip(host) ? NULL : host);
	const char *vn = o->verify_name ? o->verify_name : host;
	if (sni && *sni && !SSL_set_tlsext_host_name(t->ssl, sni)) {
		tls_openssl_error(err, "server name (SNI)");
		return false;
	}
	SSL_set_hostflags(t->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (o->ntlsa > 0 && vn && !tls_is_ip(vn)) {
		if (SSL_dane_enable(t->ssl, vn) <= 0) {
			tls_openssl_error(err, "DANE");
			return false;
		}
		SSL_dane_set_flags(t->ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
		t->dane = true;
		for (size_t i = 0; i < o->ntlsa; i++) {
			const struct dns_tlsa *r = &o->tlsa[i];
			if (SSL_dane_tlsa_add(t->ssl, r->usage, r->selector, r->mtype, r->data, r->len) > 0)
				t->dane_usable++;
		}
		ERR_clear_error(); /* unusable records are simply not counted */
	} else if (vn && tls_is_ip(vn)) {
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), vn);
	} else if (vn && *vn && !SSL_set1_host(t->ssl, vn)) {
		tls_openssl_error(err, "verify name");
		return false;
	}
	return true;
}

struct tls *tls_new(const struct tls_opts *o, const char *host, int fd, struct buf *err)
{
	struct tls_opts none;
	if (!o) {
		memset(&none, 0, sizeof none);
		o = &none;
	}
	struct tls *t = xcalloc(1, sizeof *t);
	t->fail_depth = -1;
	ERR_clear_error();
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (!t->ctx) {
		tls_openssl_error(err, "TLS context");
		free(t);
		return NULL;
	}
	if (!tls_ctx_setup(t->ctx, o, err) || !(t->ssl = SSL_new(t->ctx))) {
		if (!t->ssl && err && err->len == 0)
			tls_openssl_error(err, "TLS session");
		tls_free(t);
		return NULL;
	}
	SSL_set_app_data(t->ssl, t);
	SSL_set_info_callback(t->ssl, tls_info_cb);
	SSL_set_connect_state(t->ssl);
	if (!SSL_set_fd(t->ssl, fd) || !tls_ssl_setup(t, o, host, err)) {
		if (err && err->len == 0)
			tls_openssl_error(err, "TLS session");
		tls_free(t);
		return NULL;
	}
	return t;
}

void tls_free(struct tls *t)
{
	if (!t)
		return;
	SSL_free(t->ssl);
	SSL_CTX_free(t->ctx);
	free(t);
}

enum tls_io tls_io_status(SSL *ssl, int rc, int *ssl_err)
{
	int e = SSL_get_error(ssl, rc);
	*ssl_err = e;
	if (e == SSL_ERROR_WANT_READ)
		return TLS_IO_WANT_READ;
	if (e == SSL_ERROR_WANT_WRITE)
		return TLS_IO_WANT_WRITE;
	if (e == SSL_ERROR_ZERO_RETURN)
		return TLS_IO_CLOSED;
	return TLS_IO_ERROR;
}

bool tls_io_unclean_eof(int ssl_err, unsigned long ec, int saved_errno)
{
	if (ssl_err == SSL_ERROR_SYSCALL && ec == 0 && saved_errno == 0)
		return true;
	return ERR_GET_LIB(ec) == ERR_LIB_SSL && ERR_GET_REASON(ec) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

/* Classify a failed SSL_* call; errno must be as the call left it. */
static enum tls_io tls_fail(struct tls *t, int rc)
{
	int saved = errno;
	int e;
	enum tls_io st = tls_io_status(t->ssl, rc, &e);
	if (st != TLS_IO_ERROR)
		return st;
	unsigned long ec = ERR_peek_last_error();
	int reason = ERR_GET_REASON(ec);
	long vr = SSL_get_verify_result(t->ssl);
	if (e == SSL_ERROR_SYSCALL && ec == 0 && saved != 0) {
		t->err = TLS_ERR_SYSCALL;
		t->sys_errno = saved;
		snprintf(t->errtext, sizeof t->errtext, "%s", strerror(saved));
	} else if (tls_io_unclean_eof(e, ec, saved)) {
		t->err = TLS_ERR_EOF;
		snprintf(t->errtext, sizeof t->errtext, "peer closed the connection without a TLS close_notify");
	} else if (ERR_GET_LIB(ec) == ERR_LIB_SSL && reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
		t->err = TLS_ERR_VERIFY;
		snprintf(t->errtext, sizeof t->errtext, "certificate verification failed: %s",
			 X509_verify_cert_error_string(vr));
	} else if (t->alert_rx_fatal) {
		t->err = TLS_ERR_ALERT;
		snprintf(t->errtext, sizeof t->errtext, "peer sent TLS alert: %s", t->alert_rx);
	} else {
		const char *r = ec ? ERR_reason_error_string(ec) : NULL;
		t->err = TLS_ERR_PROTOCOL;
		snprintf(t->errtext, sizeof t->errtext, "TLS error: %s%s%s", r ? r : "unknown",
			 t->alert_tx[0] ? "; we sent alert: " : "", t->alert_tx);
	}
	ERR_clear_error();
	return TLS_IO_ERROR;
}

enum tls_io tls_handshake(struct tls *t)
{
	ERR_clear_error();
	errno = 0;
	int rc = SSL_do_handshake(t->ssl);
	return rc == 1 ? TLS_IO_OK : tls_fail(t, rc);
}

enum tls_io tls_read(struct tls *t, void *p, size_t cap, size_t *got)
{
	*got = 0;
	ERR_clear_error();
	errno = 0;
	int rc = SSL_read_ex(t->ssl, p, cap, got);
	return rc == 1 ? TLS_IO_OK : tls_fail(t, rc);
}

enum tls_io tls_write(struct tls *t, const void *p, size_t n, size_t *done)
{
	*done = 0;
	ERR_clear_error();
	errno = 0;
	int rc = SSL_write_ex(t->ssl, p, n, done);
	return rc == 1 ? TLS_IO_OK : tls_fail(t, rc);
}

bool tls_pending(struct tls *t)
{
	return SSL_pending(t->ssl) > 0;
}

void tls_shutdown(struct tls *t)
{
	if (t->shut || !SSL_is_init_finished(t->ssl))
		return;
	t->shut = true;
	ERR_clear_error();
	SSL_shutdown(t->ssl);
	ERR_clear_error();
}

enum tls_err tls_last_err(const struct tls *t)
{
	return t->err;
}

const char *tls_last_error_text(const struct tls *t)
{
	return t->errtext;
}

int tls_last_errno(const struct tls *t)
{
	return t->err == TLS_ERR_SYSCALL ? t->sys_errno : 0;
}

const char *tls_alert_received(const struct tls *t)
{
	return t->alert_rx[0] ? t->alert_rx : NULL;
}

static const char *const tls_err_names[TLS_ERR_LAST] = {
	[TLS_ERR_NONE] = "none",
	[TLS_ERR_ALERT] = "alert",
	[TLS_ERR_VERIFY] = "verify",
	[TLS_ERR_EOF] = "truncated",
	[TLS_ERR_SYSCALL] = "socket",
	[TLS_ERR_PROTOCOL] = "protocol",
};

const char *tls_err_name(enum tls_err e)
{
	return (unsigned)e < TLS_ERR_LAST ? tls_err_names[e] : "?";
}

SSL *tls_ssl(const struct tls *t)
{
	return t->ssl;
}

int tls_fail_depth(const struct tls *t)
{
	return t->fail_depth;
}

bool tls_dane_in_use(const struct tls *t)
{
	return t->dane;
}
