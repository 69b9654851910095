/* session_tls.c - what a session shows after a TLS handshake: protocol,
 * cipher, the peer's chain (subject, issuer, validity, key), the
 * verification result with its likely cause and fix (RFC 5280, RFC 6125),
 * and the DANE outcome (RFC 6698, RFC 7672). */
#include "probe/session_internal.h"
#include "decode/buf.h"

#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <time.h>

const char *session_tls_advice(long code)
{
	switch (code) {
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		return "the server shows a self-signed certificate. Normal for test servers and many MX "
		       "hosts (MTA-to-MTA TLS is often opportunistic); to trust it give its certificate with "
		       "--ca-file, or continue with --no-verify";
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
		return "the chain ends at a CA we do not trust: a private CA (give it with --ca-file) or a "
		       "missing intermediate certificate the server should send (fix the server's chain file)";
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return "the server sent only its own certificate without the intermediate that signed it: "
		       "the server's certificate file should hold the full chain";
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return "a certificate in the chain has expired: the server's operator must renew it (check "
		       "also this machine's clock)";
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return "a certificate is not valid yet: a clock is wrong here or on the CA side";
	case X509_V_ERR_HOSTNAME_MISMATCH:
		return "the certificate is valid but for other names (see its SAN): connect by a name it "
		       "lists, or give the name to check with --sni; an MX host name is what matters for mail";
	case X509_V_ERR_DANE_NO_MATCH:
		return "no TLSA record matches the chain: the certificate or key changed without the TLSA "
		       "records being updated first (RFC 7671 8.1: publish the new record, then roll)";
	case X509_V_ERR_CERT_REVOKED:
		return "the CA revoked this certificate: the server must get a new one";
	case X509_V_ERR_INVALID_PURPOSE:
		return "the certificate is not meant for TLS servers (its extended key usage says otherwise)";
	case X509_V_ERR_EE_KEY_TOO_SMALL:
	case X509_V_ERR_CA_KEY_TOO_SMALL:
	case X509_V_ERR_CA_MD_TOO_WEAK:
		return "the certificate uses a key or signature too weak for this OpenSSL's security level";
	default:
		return "see the OpenSSL reason above; --no-verify continues without trusting the peer";
	}
}

static void tls_cert_lines(struct buf *b, const struct tls_cert *c, size_t i, time_t now)
{
	buf_printf(b, "\n  %zu subject: %s", i, c->subject ? c->subject : "?");
	buf_printf(b, "\n    issuer:  %s", c->issuer ? c->issuer : "?");
	long days = c->not_after_t ? (long)((c->not_after_t - now) / 86400) : 0;
	buf_printf(b, "\n    valid:   %s to %s", c->not_before ? c->not_before : "?",
		   c->not_after ? c->not_after : "?");
	if (c->not_after_t && c->not_after_t < now)
		buf_printf(b, " (EXPIRED %ld days ago)", -days);
	else if (c->not_before_t && c->not_before_t > now)
		buf_append_str(b, " (NOT YET VALID)");
	else if (c->not_after_t)
		buf_printf(b, " (%ld days left)", days);
	buf_printf(b, "\n    key:     %s %d bits, signed with %s", c->key_type ? c->key_type : "?", c->key_bits,
		   c->sig_alg ? c->sig_alg : "?");
	if (c->san)
		buf_printf(b, "\n    names:   %s", c->san);
	buf_printf(b, "\n    sha256:  %s", c->sha256);
}

static void tls_dane_lines(struct buf *b, const struct tls_info *ti)
{
	if (!ti->dane)
		return;
	if (ti->dane_matched)
		buf_printf(b, "\nDANE: TLSA %u %u %u matched the certificate at depth %d",
			   (unsigned)ti->dane_record.usage, (unsigned)ti->dane_record.selector,
			   (unsigned)ti->dane_record.mtype, ti->dane_depth);
	else
		buf_append_str(b, "\nDANE: no TLSA record matched the chain");
}

void session_tls_report(struct session *s, const struct tls_info *ti)
{
	struct buf b;
	buf_init(&b, 64 * 1024);
	time_t now = time(NULL);
	if (ti->protocol)
		buf_printf(&b, "TLS: %s, cipher %s (%d bits)%s%s%s", ti->protocol, ti->cipher ? ti->cipher : "?",
			   ti->cipher_bits, ti->group ? ", key exchange " : "", ti->group ? ti->group : "",
			   ti->session_reused ? ", session resumed" : "");
	else
		buf_append_str(&b, "TLS handshake did not complete");
	if (ti->sni)
		buf_printf(&b, "\nSNI sent: %s", ti->sni);
	buf_printf(&b, "\ncertificate chain as sent (%zu):", ti->chain_len);
	for (size_t i = 0; i < ti->chain_len; i++)
		tls_cert_lines(&b, &ti->chain[i], i, now);
	tls_dane_lines(&b, ti);
	enum session_level lvl = SESS_LVL_OK;
	if (ti->verified) {
		buf_printf(&b, "\nverification: ok%s%s", ti->verify_name ? " for the name " : "",
			   ti->verify_name ? ti->verify_name : "");
	} else {
		lvl = s->o.tls.insecure ? SESS_LVL_WARN : SESS_LVL_ERROR;
		buf_printf(&b, "\nverification FAILED: %s (code %ld, certificate at depth %d)",
			   ti->verify_error ? ti->verify_error : "unknown", ti->verify_code, ti->verify_depth);
		buf_printf(&b, "\nwhat it means: %s", session_tls_advice(ti->verify_code));
		if (s->o.tls.insecure)
			buf_append_str(&b, "\ncontinuing because of --no-verify: the connection is encrypted, but "
					   "the peer is not authenticated (a man in the middle is possible)");
	}
	session_info(s, lvl, "tls", "%s", buf_str(&b));
	buf_free(&b);
}
