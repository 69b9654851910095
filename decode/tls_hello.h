/* tls_hello.h - what a passive observer can read of a TLS session (RFC 8446,
 * RFC 5246, RFC 6066 SNI): the ClientHello's server name and offered versions,
 * the ServerHello's version and cipher, the server certificate when it is sent
 * in clear (TLS 1.2 and older), alerts, and record and byte counts. Fed with the
 * raw bytes of each direction in any chunking; never decrypts anything. */
#ifndef SMTPSCOPE_TLS_HELLO_H
#define SMTPSCOPE_TLS_HELLO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"

enum tls_dir { TLS_FROM_CLIENT = 0, TLS_FROM_SERVER = 1 };

struct tls_seen {
	bool client_hello;          /* a ClientHello was parsed */
	bool server_hello;          /* a ServerHello was parsed */
	char sni[256];              /* server_name from the ClientHello, or "" */
	uint16_t client_version;    /* highest version the client offered */
	uint16_t version;           /* negotiated version (supported_versions wins) */
	uint16_t cipher;            /* negotiated cipher suite */
	char cert_subject[256];     /* first certificate's subject, TLS <= 1.2 only */
	char cert_issuer[256];
	bool alert;                 /* a plaintext alert record was seen */
	uint8_t alert_level, alert_desc;
	bool malformed;             /* the bytes were not TLS records */
	uint64_t bytes[2];          /* per direction */
	uint32_t records[2];
};

struct tls_rec_state {
	uint8_t hdr[5];
	size_t hdr_len;   /* header bytes collected so far */
	size_t remain;    /* payload bytes left in the current record */
	uint8_t type;     /* content type of the current record */
	bool done;        /* stop collecting handshake bytes for this direction */
};

struct tls_watch {
	struct tls_seen seen;
	struct tls_rec_state rec[2];
	struct buf hs[2]; /* handshake bytes collected per direction (capped) */
};

void tls_watch_init(struct tls_watch *w);
void tls_watch_free(struct tls_watch *w);
void tls_watch_feed(struct tls_watch *w, enum tls_dir dir, const uint8_t *p, size_t len);
/* "TLSv1.3", "TLSv1.2"... or "unknown (0xNNNN)" written into buf. */
const char *tls_version_name(uint16_t v, char *buf, size_t size);
/* IANA/RFC name of a cipher suite as known to OpenSSL, or "0xNNNN". */
const char *tls_cipher_name(uint16_t id, char *buf, size_t size);

#endif
