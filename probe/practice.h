/* practice.h - the built-in practice SMTP server: a strict, teaching RFC 5321
 * receiver (with RFC 1870 SIZE, 2920 PIPELINING, 3030 CHUNKING, 3207 STARTTLS,
 * 3461 DSN, 3463 enhanced codes, 4954 AUTH, 6152 8BITMIME, 6531 SMTPUTF8) on
 * loopback, driven entirely by the event loop (probe/loop.h): non-blocking,
 * many clients at once, no threads. probe/ never prints: everything that
 * happens reaches the owner as a struct practice_event through one callback;
 * `smtpscope practice` prints them, the TUI shows them.
 *
 * Lifetime: practice_new binds the listeners at once (so a port in use is
 * known before it returns) and generates the STARTTLS certificate; clients
 * are served from the loop. practice_free closes every client (each gets a
 * best-effort "421 4.3.2" first) and the listeners; it must not be called
 * from inside the server's own event callback (stop the loop, then free). */
#ifndef SMTPSCOPE_PRACTICE_H
#define SMTPSCOPE_PRACTICE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct buf;
struct practice;

#define PRACTICE_HOSTNAME_DEFAULT "localhost"
#define PRACTICE_USER_DEFAULT "demo"
#define PRACTICE_PASSWORD_DEFAULT "practice"
/* The SIZE limit advertised and enforced (RFC 1870), in octets. */
#define PRACTICE_SIZE_DEFAULT (10u * 1024u * 1024u)
/* RFC 5321 4.5.3.2.7: a server should wait at least 5 minutes for a command. */
#define PRACTICE_IDLE_DEFAULT_MS 300000u
#define PRACTICE_TLS_TIMEOUT_DEFAULT_MS 30000u
#define PRACTICE_CLIENTS_DEFAULT 64u
/* Error replies after which the connection is closed with 421 4.7.0. */
#define PRACTICE_ERRORS_DEFAULT 20u
/* Listen addresses accepted in practice_opts.bind. */
#define PRACTICE_BIND_MAX 8

struct practice_opts {
	/* IP literals to listen on; NULL/0: 127.0.0.1 and ::1 (when the host
	 * has IPv6). Anything that is not loopback is refused unless
	 * listen_any is set. */
	const char *const *bind;
	size_t nbind;
	bool listen_any;
	uint16_t port;		  /* plain SMTP + STARTTLS; 0: pick a free port */
	bool tls_listen;	  /* also listen for implicit TLS (RFC 8314) */
	uint16_t tls_port;	  /* with tls_listen; 0: pick a free port */
	const char *hostname;	  /* greeting, EHLO and certificate name; NULL: default */
	uint64_t size_max;	  /* 0: PRACTICE_SIZE_DEFAULT */
	const char *user;	  /* demo account; NULL: defaults */
	const char *password;
	bool require_tls_for_auth; /* AUTH only after STARTTLS (practice_opts_init: true);
				    * false advertises AUTH in clear with a warning */
	unsigned max_clients;	  /* 0: PRACTICE_CLIENTS_DEFAULT */
	unsigned idle_timeout_ms; /* 0: PRACTICE_IDLE_DEFAULT_MS */
	unsigned tls_timeout_ms;  /* 0: PRACTICE_TLS_TIMEOUT_DEFAULT_MS */
	unsigned max_errors;	  /* 0: PRACTICE_ERRORS_DEFAULT */
	size_t keep_max;	  /* message bytes copied into events; 0: PRACTICE_MSG_KEEP_MAX */
};

/* Zero o and set the defaults that are not zero (require_tls_for_auth). */
void practice_opts_init(struct practice_opts *o);
/* The options of `smtpscope practice` (line mode and screen alike):
 * --auth-plaintext and --listen-any (false: not one of them), and --port,
 * --tls-port, --size, --max-clients, --idle-timeout, --hostname, --user,
 * --password, --listen with their value v (NULL when missing). Returns 1 when
 * taken (strings kept as pointers; --listen adds to bind, which o->bind then
 * points to), 0 when a is not one of them, -1 for a bad or missing value. */
bool practice_opt_flag(struct practice_opts *o, const char *a);
int practice_opt_value(struct practice_opts *o, const char **bind, const char *a, const char *v);

/* An accepted message. Every pointer is valid during the callback only. */
struct practice_message {
	const char *queue_id;	  /* "P" and 8 hex digits, e.g. "P1A2B3C4D" */
	const char *helo;	  /* the client's EHLO/HELO name */
	const char *mail_from;	  /* reverse-path without brackets; "" for <> */
	const char *const *rcpts; /* accepted forward-paths, without brackets */
	size_t nrcpts;
	uint64_t size;		  /* content octets (after dot-unstuffing) */
	const uint8_t *data;	  /* the first data_len octets of the content */
	size_t data_len;
	bool truncated;		  /* data_len < size */
	const char *subject;	  /* decoded Subject (UTF-8), NULL when absent */
	bool bdat;		  /* sent with BDAT (RFC 3030) rather than DATA */
	bool tls;		  /* received over TLS */
	const char *auth_user;	  /* authenticated user, NULL when not */
	bool smtputf8;		  /* MAIL ... SMTPUTF8 */
	bool body_8bitmime;	  /* MAIL ... BODY=8BITMIME */
	bool eight_bit;		  /* the content holds octets >= 0x80 */
};

enum practice_event_type {
	PRACTICE_EV_CONNECT, /* a client connected: peer */
	PRACTICE_EV_COMMAND, /* a command line (or AUTH response) received: text,
			      * AUTH secrets replaced by "***" */
	PRACTICE_EV_REPLY,   /* a reply queued: text (every line with its CRLF) */
	PRACTICE_EV_TLS,     /* handshake done (tls_version, tls_cipher) or failed (detail) */
	PRACTICE_EV_NOTE,    /* something worth knowing: detail (e.g. STARTTLS injection) */
	PRACTICE_EV_MESSAGE, /* a message accepted: msg */
	PRACTICE_EV_GONE,    /* the client is gone: detail says why */
	PRACTICE_EV_ERROR,   /* a server-side problem (accept failed...): detail */
	PRACTICE_EV_LAST
};

struct practice_event {
	enum practice_event_type type;
	uint64_t client;	   /* 1, 2, ... in connection order; 0: the server */
	const char *peer;	   /* "127.0.0.1:40312", "[::1]:40312"; "" for the server */
	const uint8_t *text;	   /* COMMAND, REPLY: raw bytes, not terminal-safe */
	size_t len;
	const char *detail;	   /* NOTE, GONE, ERROR, failed TLS; NULL otherwise */
	bool tls;		   /* the client is on TLS now */
	bool tls_failed;	   /* TLS: the handshake failed (detail says why) */
	const char *tls_version;   /* TLS: "TLSv1.3" */
	const char *tls_cipher;	   /* TLS: "TLS_AES_256_GCM_SHA384" */
	const struct practice_message *msg; /* MESSAGE */
};

typedef void practice_cb(struct practice *p, const struct practice_event *ev, void *ud);

/* Bind, generate the certificate, start accepting. NULL on failure with the
 * reason appended to err (may be NULL): a port in use, a non-loopback address
 * without listen_any, a bad host name, TLS set-up. Everything in o is copied. */
struct practice *practice_new(struct loop *l, const struct practice_opts *o, practice_cb *cb,
			      void *ud, struct buf *err);
void practice_free(struct practice *p);

/* The plain SMTP port (the one picked when opts.port was 0). */
uint16_t practice_port(const struct practice *p);
/* The implicit-TLS port, 0 when not listening for it. */
uint16_t practice_tls_port(const struct practice *p);
/* Listener i as "127.0.0.1:2525" / "[::1]:2525", NULL past the last; *tls
 * (may be NULL) says whether it is the implicit-TLS one. */
const char *practice_listener(const struct practice *p, size_t i, bool *tls);
/* The certificate offered: SHA-256 of its DER, "AB:CD:..." (95 chars), its
 * PEM text, and its expiry as "2026-11-24 12:00:00 UTC". */
const char *practice_cert_sha256(const struct practice *p);
const char *practice_cert_pem(const struct practice *p);
const char *practice_cert_not_after(const struct practice *p);
/* The effective settings (defaults applied). */
const char *practice_hostname(const struct practice *p);
const char *practice_user(const struct practice *p);
const char *practice_password(const struct practice *p);
uint64_t practice_size_max(const struct practice *p);
bool practice_requires_tls_for_auth(const struct practice *p);
/* Clients connected now; clients and messages since the start. */
size_t practice_client_count(const struct practice *p);
uint64_t practice_clients_served(const struct practice *p);
uint64_t practice_messages_accepted(const struct practice *p);

const char *practice_event_name(enum practice_event_type t); /* "connect", ... */

/* The teaching addresses, for help screens: local part (or "*@domain"
 * pattern), what the server replies, and why it is there. */
struct practice_teach {
	const char *address;
	const char *reply;
	const char *lesson;
};
const struct practice_teach *practice_teaching_addresses(size_t *n);
/* True when domain is one the practice server accepts mail for. */
bool practice_domain_is_local(const char *domain, const char *hostname);

#endif
