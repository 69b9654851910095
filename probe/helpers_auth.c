/* helpers_auth.c - the SASL client messages of the :auth helper, base64
 * encoded for SMTP AUTH (RFC 4954 4): PLAIN (RFC 4616 2), CRAM-MD5 (RFC 2195
 * 2, HMAC-MD5 of RFC 2104 through OpenSSL), LOGIN (each step the base64 of
 * the value) and XOAUTH2 (Google/Microsoft documentation). */
#include "probe/helpers.h"
#include "decode/bytes.h"
#include "decode/smtp.h"
#include "decode/xmalloc.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

bool helper_b64(const uint8_t *p, size_t len, struct buf *out)
{
	buf_reset(out);
	if (len > (size_t)(INT32_MAX / 2))
		return false;
	size_t need = 4 * ((len + 2) / 3) + 1;
	if (need > out->max)
		return false;
	unsigned char *tmp = xmalloc(need);
	int n = EVP_EncodeBlock(tmp, p, (int)len);
	bool ok = n >= 0 && buf_append(out, tmp, (size_t)n);
	OPENSSL_cleanse(tmp, need);
	free(tmp);
	return ok;
}

bool helper_auth_plain(const char *authzid, const char *user, const char *secret, struct buf *out)
{
	size_t za = authzid ? strlen(authzid) : 0, ul = strlen(user), sl = strlen(secret);
	size_t n = za + 1 + ul + 1 + sl;
	uint8_t *msg = xmalloc(n);
	if (za)
		memcpy(msg, authzid, za);
	msg[za] = 0;
	memcpy(msg + za + 1, user, ul);
	msg[za + 1 + ul] = 0;
	memcpy(msg + za + 2 + ul, secret, sl);
	bool ok = helper_b64(msg, n, out);
	OPENSSL_cleanse(msg, n);
	free(msg);
	return ok;
}

bool helper_auth_cram_md5(const char *user, const char *secret, const uint8_t *challenge_b64,
			  size_t len, struct buf *out)
{
	struct buf ch;
	buf_init(&ch, len + 4);
	while (len > 0 && (challenge_b64[len - 1] == ' ' || challenge_b64[len - 1] == '\t'))
		len--;
	if (!smtp_b64_decode(challenge_b64, len, &ch)) {
		buf_free(&ch);
		return false;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const uint8_t *cp = ch.data ? ch.data : (const uint8_t *)"";
	unsigned char *r = HMAC(EVP_md5(), secret, (int)strlen(secret), cp, ch.len, md, &mdlen);
	buf_free(&ch);
	if (!r || mdlen != 16)
		return false;
	size_t ul = strlen(user);
	size_t n = ul + 1 + 2 * mdlen;
	char *msg = xmalloc(n + 1);
	memcpy(msg, user, ul);
	msg[ul] = ' ';
	for (unsigned i = 0; i < mdlen; i++)
		bytes_xtoa_pad(md[i], 2, msg + ul + 3 + 2 * i);
	bool ok = helper_b64((const uint8_t *)msg, n, out);
	OPENSSL_cleanse(md, sizeof md);
	free(msg);
	return ok;
}

bool helper_auth_xoauth2(const char *user, const char *token, struct buf *out)
{
	struct buf m;
	size_t n = strlen(user) + strlen(token) + 32;
	buf_init(&m, n);
	buf_printf(&m, "user=%s\001auth=Bearer %s\001\001", user, token);
	bool ok = helper_b64(m.data, m.len, out);
	if (m.data)
		OPENSSL_cleanse(m.data, m.len);
	buf_free(&m);
	return ok;
}
