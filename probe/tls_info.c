/* tls_info.c - report what a TLS session negotiated and the peer's
 * certificate chain (RFC 5280 fields: subject, issuer, validity, key, signature
 * algorithm, subjectAltName), verification and DANE outcome (RFC 6698). */
#include "decode/buf.h"
#include "decode/bytes.h"
#include "decode/limits.h"
#include "decode/printable.h"
#include "decode/xmalloc.h"
#include "probe/tls.h"
#include "probe/tls_internal.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Drain a memory BIO into a new string with control bytes escaped. */
static char *bio_take(BIO *b)
{
	char *p = NULL;
	long n = BIO_get_mem_data(b, &p);
	struct buf out;
	buf_init(&out, TLS_FIELD_MAX);
	if (n > 0)
		printable_append(&out, (const uint8_t *)p, (size_t)n);
	char *s = xstrdup(buf_str(&out));
	buf_free(&out);
	return s;
}

static char *name_text(const X509_NAME *nm)
{
	BIO *b = BIO_new(BIO_s_mem());
	if (!b)
		return xstrdup("?");
	X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253);
	char *s = bio_take(b);
	BIO_free(b);
	return s;
}

static char *san_text(X509 *x)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	if (!gens)
		return NULL;
	BIO *b = BIO_new(BIO_s_mem());
	char *s = NULL;
	if (b) {
		for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
			if (i)
				BIO_puts(b, ", ");
			GENERAL_NAME_print(b, sk_GENERAL_NAME_value(gens, i));
		}
		s = bio_take(b);
		BIO_free(b);
	}
	GENERAL_NAMES_free(gens);
	return s;
}

static char *time_text(const ASN1_TIME *at, time_t *out)
{
	struct tm tm;
	char s[40];
	*out = 0;
	if (!at || !ASN1_TIME_to_tm(at, &tm))
		return xstrdup("?");
	*out = timegm(&tm);
	strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S UTC", &tm);
	return xstrdup(s);
}

static void hex_digest(const unsigned char *md, unsigned n, char out[65])
{
	unsigned i;
	for (i = 0; i < n && i < 32; i++)
		bytes_xtoa_pad(md[i], 2, out + 2 * i + 2);
	out[2 * i] = '\0';
}

static void cert_digests(X509 *x, struct tls_cert *c)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (X509_digest(x, EVP_sha256(), md, &n))
		hex_digest(md, n, c->sha256);
	unsigned char *der = NULL;
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	if (len > 0 && EVP_Digest(der, (size_t)len, md, &n, EVP_sha256(), NULL))
		hex_digest(md, n, c->spki_sha256);
	OPENSSL_free(der);
}

static void cert_fill(X509 *x, struct tls_cert *c)
{
	c->subject = name_text(X509_get_subject_name(x));
	c->issuer = name_text(X509_get_issuer_name(x));
	c->san = san_text(x);
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	c->serial = xstrdup(hex ? hex : "?");
	OPENSSL_free(hex);
	BN_free(bn);
	c->not_before = time_text(X509_get0_notBefore(x), &c->not_before_t);
	c->not_after = time_text(X509_get0_notAfter(x), &c->not_after_t);
	EVP_PKEY *pk = X509_get0_pubkey(x);
	const char *kt = pk ? EVP_PKEY_get0_type_name(pk) : NULL;
	c->key_type = xstrdup(kt ? kt : "?");
	c->key_bits = pk ? EVP_PKEY_get_bits(pk) : 0;
	int nid = X509_get_signature_nid(x);
	c->sig_alg = xstrdup(nid != NID_undef ? OBJ_nid2ln(nid) : "?");
	cert_digests(x, c);
}

static void info_chain(SSL *ssl, struct tls_info *info)
{
	STACK_OF(X509) *sk = SSL_get_peer_cert_chain(ssl);
	X509 *leaf = SSL_get0_peer_certificate(ssl);
	int n = sk ? sk_X509_num(sk) : 0;
	if (n <= 0 && !leaf)
		return;
	size_t want = n > 0 ? (size_t)n : 1;
	if (want > TLS_CHAIN_MAX)
		want = TLS_CHAIN_MAX;
	info->chain = xcalloc(want, sizeof *info->chain);
	for (size_t i = 0; i < want; i++)
		cert_fill(n > 0 ? sk_X509_value(sk, (int)i) : leaf, &info->chain[i]);
	info->chain_len = want;
}

static void info_dane(SSL *ssl, struct tls_info *info)
{
	uint8_t u, s, m;
	const unsigned char *data = NULL;
	size_t dlen = 0;
	info->dane_depth = SSL_get0_dane_authority(ssl, NULL, NULL);
	if (info->dane_depth < 0 || SSL_get0_dane_tlsa(ssl, &u, &s, &m, &data, &dlen) < 0)
		return;
	info->dane_matched = true;
	info->dane_record.usage = u;
	info->dane_record.selector = s;
	info->dane_record.mtype = m;
	info->dane_record.len = dlen;
	info->dane_record.data = xmalloc(dlen ? dlen : 1);
	if (dlen)
		memcpy(info->dane_record.data, data, dlen);
}

static char *opt_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void tls_info_collect(struct tls *t, struct tls_info *info)
{
	memset(info, 0, sizeof *info);
	SSL *ssl = tls_ssl(t);
	info->protocol = xstrdup(SSL_get_version(ssl));
	const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
	info->cipher = opt_dup(c ? SSL_CIPHER_get_name(c) : NULL);
	info->cipher_bits = c ? SSL_CIPHER_get_bits(c, NULL) : 0;
	int g = SSL_get_negotiated_group(ssl);
	if (g > 0 && !(g & TLSEXT_nid_unknown))
		info->group = opt_dup(OBJ_nid2sn(g));
	info->sni = opt_dup(SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name));
	info->verify_name = opt_dup(SSL_get0_peername(ssl));
	if (!info->verify_name) {
		const char *h = X509_VERIFY_PARAM_get0_host(SSL_get0_param(ssl), 0);
		info->verify_name = opt_dup(h);
	}
	info->verify_code = SSL_get_verify_result(ssl);
	info->verified = info->verify_code == X509_V_OK && SSL_get0_peer_certificate(ssl);
	if (!info->verified)
		info->verify_error = xstrdup(info->verify_code == X509_V_OK
						     ? "no peer certificate"
						     : X509_verify_cert_error_string(info->verify_code));
	info->verify_depth = tls_fail_depth(t);
	info->dane = tls_dane_in_use(t);
	info->dane_depth = -1;
	if (info->dane)
		info_dane(ssl, info);
	info->session_reused = SSL_session_reused(ssl) == 1;
	info_chain(ssl, info);
	ERR_clear_error();
}

void tls_info_clear(struct tls_info *info)
{
	free(info->protocol);
	free(info->cipher);
	free(info->group);
	free(info->sni);
	free(info->verify_name);
	free(info->verify_error);
	free(info->dane_record.data);
	for (size_t i = 0; i < info->chain_len; i++) {
		struct tls_cert *c = &info->chain[i];
		free(c->subject);
		free(c->issuer);
		free(c->san);
		free(c->serial);
		free(c->not_before);
		free(c->not_after);
		free(c->key_type);
		free(c->sig_alg);
	}
	free(info->chain);
	memset(info, 0, sizeof *info);
}
