/* srvtls.h - server-side TLS for the practice server with OpenSSL: a
 * certificate generated in memory at start (EC P-256 key, self-signed X.509v3
 * with the host name in CN and subjectAltName, RFC 5280; valid one day), and
 * non-blocking accepts, reads and writes on a socket (RFC 3207 STARTTLS or
 * RFC 8314 implicit TLS). Never touches the event loop; probe/practice.c
 * drives it. The tls_io results are those of probe/tls.h. */
#ifndef SMTPSCOPE_SRVTLS_H
#define SMTPSCOPE_SRVTLS_H
#include <stdbool.h>
#include <stddef.h>

#include "probe/tls.h"

struct buf;
struct srvtls;	    /* the context: key, certificate, SSL_CTX */
struct srvtls_conn; /* one accepted session */

/* Generate the key and certificate for hostname (a DNS name of letters,
 * digits, '-', '.', '_' or an IP literal; localhost, 127.0.0.1 and ::1 are
 * always added to the subjectAltName). NULL with the reason in err. */
struct srvtls *srvtls_new(const char *hostname, unsigned valid_seconds, struct buf *err);
void srvtls_free(struct srvtls *t);
/* SHA-256 of the DER certificate, "AB:CD:..." upper-case hex with colons. */
const char *srvtls_sha256(const struct srvtls *t);
const char *srvtls_pem(const struct srvtls *t);
const char *srvtls_not_after(const struct srvtls *t); /* "2026-11-24 12:00:00 UTC" */

/* A server session on fd (non-blocking). NULL on an OpenSSL failure. */
struct srvtls_conn *srvtls_conn_new(struct srvtls *t, int fd);
void srvtls_conn_free(struct srvtls_conn *c);
enum tls_io srvtls_handshake(struct srvtls_conn *c);
enum tls_io srvtls_read(struct srvtls_conn *c, void *p, size_t cap, size_t *got);
enum tls_io srvtls_write(struct srvtls_conn *c, const void *p, size_t n, size_t *done);
bool srvtls_pending(const struct srvtls_conn *c);
/* Send close_notify once; never waits for the peer's. */
void srvtls_shutdown(struct srvtls_conn *c);
/* One line on the last failure. Valid until the next call on c. */
const char *srvtls_error(const struct srvtls_conn *c);
const char *srvtls_version(const struct srvtls_conn *c); /* "TLSv1.3" */
const char *srvtls_cipher(const struct srvtls_conn *c);

#endif
