/* capture.h - SMTP sessions out of a packet capture: the flow engine (flow.h)
 * hands each TCP connection's reassembled bytes here; connections that are SMTP
 * (ports 25, 465, 587, 2525, or any port whose server opens with "220") get an
 * SMTP parser (smtp.h) and a transaction model (txn.h); TLS after STARTTLS or on
 * port 465 is read passively for its version, cipher, SNI (tls_hello.h).
 *
 * A "220" greeting on another port is only a candidate (FTP and others open
 * with 220 too): the session is confirmed when the client's first command is
 * one only SMTP has (HELO, EHLO, LHLO, MAIL, RCPT, DATA, BDAT, RSET, VRFY,
 * EXPN, STARTTLS, ETRN, XCLIENT); NOOP, QUIT, HELP and AUTH with a SASL
 * mechanism wait for the next one; anything else (USER, FEAT, SYST, AUTH TLS,
 * unknown verbs) means it is not SMTP. An unconfirmed session gets no id and
 * no session_open/session_close calls.
 *
 * TLS byte counts (tls->seen.bytes) are set at close from what the parser
 * counted after TLS began, capture gaps included, whatever the segmentation.
 *
 * Each session keeps its transactions and commands (TXN_KEEP_ALL) while its
 * connection is open; when it closes, session_close hands it to the consumer,
 * which keeps it (the TUI) or renders and frees it (the command line), so the
 * memory used is bounded by the connections in flight, not by the capture. */
#ifndef SMTPSCOPE_CAPTURE_H
#define SMTPSCOPE_CAPTURE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "flow.h"
#include "smtp.h"
#include "tls_hello.h"
#include "txn.h"

enum capture_how {
	CAPTURE_BY_PORT,     /* a well-known SMTP port */
	CAPTURE_BY_GREETING, /* another port, but the server opened with 220 */
};

struct capture_session {
	uint64_t id;                 /* 1, 2, ... in order of detection */
	uint64_t flow_id;
	char client[64], server[64]; /* "a.b.c.d:port" / "[v6]:port" */
	uint16_t server_port;
	enum capture_how how;
	bool midstream;              /* the capture starts after the greeting */
	bool implicit_tls;           /* port 465: TLS from the first byte */
	int64_t start, end;          /* capture time, microseconds */
	uint64_t bytes[2];           /* payload bytes per direction (SMTP_DIR_*) */
	uint64_t gaps, gap_bytes, conflicts;
	enum flow_close_reason close_reason;
	bool truncated;              /* still open at the end of the capture */
	struct txn_session *model;   /* transactions, commands, anomalies */
	struct tls_watch *tls;       /* NULL until TLS starts */
	void *user;                  /* the consumer's */
	/* private */
	struct capture *cap;
	struct smtp_parser *parser;
	struct flow *flow;
	bool decided;                /* SMTP or not is known */
	bool confirmed;              /* reported: by port, or the client spoke SMTP */
	bool rejected;               /* greeting-detected, but the client spoke another protocol */
	bool tls_done;               /* the TLS watcher has read what it can */
};

struct capture_callbacks {
	/* A session was detected (optional). */
	void (*session_open)(void *ctx, struct capture_session *s);
	/* Message content bytes of the transaction being sent (txn_index), after
	 * dot-unstuffing; last is true on the final call for that message. */
	void (*body)(void *ctx, struct capture_session *s, uint64_t txn_index, const uint8_t *p, size_t len,
		     bool last);
	/* The connection ended. Return true to keep s (free it later with
	 * capture_session_free), false to let the capture free it now. */
	bool (*session_close)(void *ctx, struct capture_session *s);
};

struct capture_stats {
	uint64_t sessions;           /* SMTP sessions detected */
	uint64_t tls_sessions;
	uint64_t transactions;
	uint64_t non_smtp_flows;
};

struct capture;

/* cb is copied. Free with capture_free (which closes every open session). */
struct capture *capture_new(const struct capture_callbacks *cb, void *ctx);
void capture_free(struct capture *c);
/* Sessions are freed soon after they end (a decoder writing them out, not a
 * viewer keeping them): their models may take the faster pooled storage
 * (txn_session_use_pool). Call before the first packet. */
void capture_pool_models(struct capture *c, bool on);
/* What each session's model keeps: TXN_KEEP_ALL (the default), or
 * TXN_KEEP_OUTCOMES when only a line per transaction is shown (decode
 * --summary). Call before the first packet. */
void capture_model_keep(struct capture *c, enum txn_keep keep);
/* The flow engine feeding this capture (owned by it). */
struct flow_table *capture_flows(struct capture *c);
/* Close every open session ("end of capture"). */
void capture_finish(struct capture *c);
const struct capture_stats *capture_stats(const struct capture *c);
void capture_session_free(struct capture_session *s);
/* True when the port is one SMTP uses (25, 465, 587, 2525). */
bool capture_smtp_port(uint16_t port);

#endif
