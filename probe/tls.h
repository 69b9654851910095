/* tls.h - client-side TLS over a non-blocking socket with OpenSSL: context
 * set-up (trust store, client certificate, versions, ciphers), SNI (RFC 6066
 * 3), certificate and host-name verification (RFC 6125), DANE-TLSA (RFC 6698,
 * RFC 7671, RFC 7672 for SMTP), and a report of what was negotiated.
 * probe/conn.c drives it; it never touches the event loop itself. */
#ifndef SMTPSCOPE_TLS_H
#define SMTPSCOPE_TLS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "probe/dns.h"

struct buf;
struct tls;

struct tls_opts {
	const char *sni;	  /* server name sent; NULL: the host (not when it is an IP) */
	const char *verify_name;  /* name the certificate must match; NULL: the host */
	bool insecure;		  /* finish the handshake even when verification fails */
	bool no_system_ca;	  /* do not load the system trust store */
	const char *ca_file;	  /* extra trust anchors (PEM) */
	const char *ca_path;	  /* extra trust anchors (hashed directory) */
	const char *cert_file;	  /* client certificate (PEM, may hold the chain) */
	const char *key_file;	  /* its key; NULL: cert_file */
	int min_version;	  /* TLS1_VERSION ... TLS1_3_VERSION; 0: OpenSSL's default */
	int max_version;
	const char *ciphers;	  /* TLS 1.2 and below (OpenSSL cipher list) */
	const char *ciphersuites; /* TLS 1.3 */
	/* DANE (RFC 6698): when ntlsa > 0 the chain is checked against these
	 * records; DANE-EE(3) matches skip the name check as RFC 7672 3.1.1 asks.
	 * The records are copied at tls_new. */
	const struct dns_tlsa *tlsa;
	size_t ntlsa;
};

struct tls_cert {
	char *subject;	  /* RFC 2253 form, control bytes escaped */
	char *issuer;
	char *san;	  /* "DNS:a, DNS:b, IP:..." or NULL */
	char *serial;	  /* hex */
	char *not_before; /* "2024-05-01 12:00:00 UTC" */
	char *not_after;
	time_t not_before_t, not_after_t;
	char *key_type;	  /* "RSA", "EC", "ED25519", ... */
	int key_bits;
	char *sig_alg;	  /* "sha256WithRSAEncryption", ... */
	char sha256[65];  /* fingerprint of the DER certificate, hex */
	char spki_sha256[65]; /* of the DER SubjectPublicKeyInfo (TLSA 3 1 1 data) */
};

struct tls_info {
	char *protocol;	  /* "TLSv1.3" */
	char *cipher;	  /* "TLS_AES_256_GCM_SHA384" */
	int cipher_bits;
	char *group;	  /* key exchange group, "X25519", or NULL */
	char *sni;	  /* the name sent, or NULL */
	char *verify_name; /* the name checked, or NULL */
	bool verified;	  /* chain (or DANE) and name check passed */
	long verify_code; /* X509_V_OK or the X509_V_ERR_* value */
	char *verify_error; /* X509_verify_cert_error_string, NULL when verified */
	int verify_depth;   /* depth of the certificate that failed, -1 if none */
	bool dane;	    /* DANE records were in use */
	bool dane_matched;
	int dane_depth;	    /* chain depth of the matching certificate, -1 */
	struct dns_tlsa dane_record; /* the record that matched (data owned) */
	bool session_reused;
	struct tls_cert *chain; /* the peer's chain as sent, leaf first */
	size_t chain_len;
};

/* Why a tls_* call failed. */
enum tls_err {
	TLS_ERR_NONE,
	TLS_ERR_ALERT,	    /* the peer sent a fatal alert */
	TLS_ERR_VERIFY,	    /* certificate verification failed */
	TLS_ERR_EOF,	    /* the peer closed TCP without close_notify */
	TLS_ERR_SYSCALL,    /* the socket failed (see errno in the text) */
	TLS_ERR_PROTOCOL,   /* anything else OpenSSL reported */
	TLS_ERR_LAST
};

enum tls_io {
	TLS_IO_OK,
	TLS_IO_WANT_READ,
	TLS_IO_WANT_WRITE,
	TLS_IO_CLOSED, /* close_notify received */
	TLS_IO_ERROR   /* see tls_last_err / tls_last_error_text */
};

/* Set up a client TLS session on fd for host (a name or an IP literal). NULL
 * on a set-up failure (unreadable certificate file, bad cipher list...), with
 * the reason appended to err. */
struct tls *tls_new(const struct tls_opts *o, const char *host, int fd, struct buf *err);
void tls_free(struct tls *t);

enum tls_io tls_handshake(struct tls *t);
enum tls_io tls_read(struct tls *t, void *p, size_t cap, size_t *got);
enum tls_io tls_write(struct tls *t, const void *p, size_t n, size_t *done);
/* Decrypted bytes are waiting in OpenSSL: read before sleeping. */
bool tls_pending(struct tls *t);
/* Send close_notify once; never waits for the peer's. */
void tls_shutdown(struct tls *t);

enum tls_err tls_last_err(const struct tls *t);
/* One line on the last failure: the alert, the verify error, the OpenSSL
 * reason, or the socket error. Valid until the next tls_* call. */
const char *tls_last_error_text(const struct tls *t);
/* errno of the last TLS_ERR_SYSCALL failure, else 0. */
int tls_last_errno(const struct tls *t);
/* Last alert received from the peer ("handshake failure"), or NULL. */
const char *tls_alert_received(const struct tls *t);

/* Fill info (zeroed here) from the session, after a finished or failed
 * handshake. The caller frees with tls_info_clear. */
void tls_info_collect(struct tls *t, struct tls_info *info);
void tls_info_clear(struct tls_info *info);
const char *tls_err_name(enum tls_err e);

/* Shared by the client (tls.c) and the practice server (srvtls.c) to classify
 * a failed SSL_* call: WANT_READ, WANT_WRITE, CLOSED (close_notify), or ERROR
 * with *ssl_err set to SSL_get_error's value. errno must be as the call left it. */
struct ssl_st;
enum tls_io tls_io_status(struct ssl_st *ssl, int rc, int *ssl_err);
/* After TLS_IO_ERROR: true when the peer closed the connection without a
 * close_notify (ec: ERR_peek_last_error(), saved_errno: errno after the call). */
bool tls_io_unclean_eof(int ssl_err, unsigned long ec, int saved_errno);

#endif
