/* test_tls_hello.c - passive TLS handshake reading, on real handshakes made by
 * OpenSSL in memory (TLS 1.3 and 1.2), fed whole and byte by byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <string.h>

#include "decode/buf.h"
#include "decode/tls_hello.h"

struct capture {
	struct buf dir[2];
};

static X509 *make_cert(EVP_PKEY *key)
{
	X509 *x = X509_new();
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"mx.example.test", -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_sign(x, key, EVP_sha256());
	return x;
}

/* Move pending bytes from one side's write BIO to the other's read BIO, recording them. */
static void pump(BIO *from, BIO *to, struct buf *rec)
{
	char tmp[4096];
	int n;
	while ((n = BIO_read(from, tmp, sizeof tmp)) > 0) {
		buf_append(rec, tmp, (size_t)n);
		BIO_write(to, tmp, n);
	}
}

static void handshake(struct capture *cap, int max_version)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = make_cert(key);
	SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_use_certificate(sctx, cert);
	SSL_CTX_use_PrivateKey(sctx, key);
	SSL_CTX_set_max_proto_version(cctx, max_version);
	SSL *s = SSL_new(sctx), *c = SSL_new(cctx);
	BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
	BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
	SSL_set_bio(c, c_in, c_out);
	SSL_set_bio(s, s_in, s_out);
	SSL_set_tlsext_host_name(c, "mx.example.test");
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	for (int i = 0; i < 20 && (!SSL_is_init_finished(c) || !SSL_is_init_finished(s)); i++) {
		SSL_do_handshake(c);
		pump(c_out, s_in, &cap->dir[TLS_FROM_CLIENT]);
		SSL_do_handshake(s);
		pump(s_out, c_in, &cap->dir[TLS_FROM_SERVER]);
	}
	assert_true(SSL_is_init_finished(c));
	SSL_free(c);
	SSL_free(s);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	X509_free(cert);
	EVP_PKEY_free(key);
}

static void feed(struct tls_watch *w, struct capture *cap, size_t chunk)
{
	for (int d = 0; d < 2; d++)
		for (size_t i = 0; i < cap->dir[d].len; i += chunk) {
			size_t n = cap->dir[d].len - i < chunk ? cap->dir[d].len - i : chunk;
			tls_watch_feed(w, (enum tls_dir)d, cap->dir[d].data + i, n);
		}
}

static void run_case(int max_version, size_t chunk, struct tls_seen *out)
{
	struct capture cap;
	buf_init(&cap.dir[0], 1 << 20);
	buf_init(&cap.dir[1], 1 << 20);
	handshake(&cap, max_version);
	struct tls_watch w;
	tls_watch_init(&w);
	feed(&w, &cap, chunk);
	*out = w.seen;
	assert_int_equal(out->bytes[0], cap.dir[0].len);
	tls_watch_free(&w);
	buf_free(&cap.dir[0]);
	buf_free(&cap.dir[1]);
}

static void test_tls13(void **state)
{
	(void)state;
	size_t chunks[] = {1, 7, 100000};
	for (size_t i = 0; i < 3; i++) {
		struct tls_seen s;
		run_case(TLS1_3_VERSION, chunks[i], &s);
		assert_true(s.client_hello);
		assert_true(s.server_hello);
		assert_false(s.malformed);
		assert_string_equal(s.sni, "mx.example.test");
		assert_int_equal(s.version, 0x0304);
		assert_int_equal(s.client_version, 0x0304);
		char name[64];
		assert_non_null(strstr(tls_cipher_name(s.cipher, name, sizeof name), "TLS_"));
		assert_string_equal(s.cert_subject, ""); /* encrypted in 1.3 */
	}
}

static void test_tls12(void **state)
{
	(void)state;
	struct tls_seen s;
	run_case(TLS1_2_VERSION, 3, &s);
	assert_int_equal(s.version, 0x0303);
	char v[32];
	assert_string_equal(tls_version_name(s.version, v, sizeof v), "TLSv1.2");
	assert_non_null(strstr(s.cert_subject, "CN=mx.example.test"));
	assert_non_null(strstr(s.cert_issuer, "mx.example.test"));
}

static void test_garbage(void **state)
{
	(void)state;
	struct tls_watch w;
	tls_watch_init(&w);
	const uint8_t junk[] = "220 mx.example.test ESMTP\r\n";
	tls_watch_feed(&w, TLS_FROM_SERVER, junk, sizeof junk - 1);
	assert_true(w.seen.malformed);
	assert_false(w.seen.server_hello);
	tls_watch_free(&w);
	/* a truncated hello: a record header promising more than arrives */
	tls_watch_init(&w);
	const uint8_t part[] = {22, 3, 1, 0x02, 0x00, 1, 0, 1, 0xFC, 3, 3};
	tls_watch_feed(&w, TLS_FROM_CLIENT, part, sizeof part);
	assert_false(w.seen.client_hello);
	assert_false(w.seen.malformed);
	tls_watch_free(&w);
}

static void test_cipher_names(void **state)
{
	(void)state;
	char name[64];
	/* known to OpenSSL */
	assert_string_equal(tls_cipher_name(0x1301, name, sizeof name), "TLS_AES_128_GCM_SHA256");
	assert_string_equal(tls_cipher_name(0xc02f, name, sizeof name), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
	/* legacy suites OpenSSL 3 no longer builds still get their IANA names */
	assert_string_equal(tls_cipher_name(0x0005, name, sizeof name), "TLS_RSA_WITH_RC4_128_SHA");
	assert_string_equal(tls_cipher_name(0x000a, name, sizeof name), "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
	assert_string_equal(tls_cipher_name(0xc011, name, sizeof name), "TLS_ECDHE_RSA_WITH_RC4_128_SHA");
	/* unassigned: the number */
	assert_string_equal(tls_cipher_name(0x5a5a, name, sizeof name), "0x5a5a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls13),
		cmocka_unit_test(test_tls12),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_cipher_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
