/* txn.h - SMTP session and transaction model built from parser events: steps with replies and latencies, outcomes, queue ids (RFC 5321 3.3, 4.1.4; RFC 3030; RFC 4954). */
/*
 * Feed every event of one struct smtp_parser to txn_session_event (or pass
 * txn_session_event_fn with the session as user pointer to smtp_parser_new).
 *
 * Two modes:
 *  - TXN_KEEP_ALL: the session keeps every finished transaction (txns) and
 *    command (commands, up to SMTP_SESSION_COMMANDS_MAX); callbacks, when set,
 *    only look: the session owns and frees everything in txn_session_free.
 *  - TXN_KEEP_NONE (streaming, for large captures): each finished transaction
 *    and each answered command is handed to its callback, which then owns it
 *    and frees it with txn_free / txn_command_free (without a callback the
 *    session frees it). Memory is bounded by the work in flight.
 *
 * A transaction is finished when its outcome is known and no reply to any of
 * its commands is still awaited: after the reply to the end of data (or to
 * BDAT LAST), a rejected DATA/BDAT, or when RSET, an accepted HELO/EHLO, QUIT,
 * an accepted new MAIL, STARTTLS or the end of the stream closes it. A MAIL or
 * HELO/EHLO the server refuses leaves the open transaction alone (RFC 5321
 * 4.1.4: only a successful EHLO resets; a nested MAIL gets 503); the refused
 * MAIL is a transaction of its own (rejected_mail). RCPT, DATA or BDAT with no
 * transaction open opens one with an unknown sender (mail_missing). A command
 * is finished when its reply arrived, when the parser skipped it because its
 * reply was lost in a capture gap (status lost), or at the end of the stream
 * (status no reply). A reply without a valid code still answers its command:
 * reply.code is 0, the text is kept, and the status follows its enhanced
 * status code (4.x.x deferred...) or is malformed.
 * All strings are owned by the object that holds them, NUL-terminated, and
 * raw (render with printable_append).
 */
#ifndef SMTPSCOPE_TXN_H
#define SMTPSCOPE_TXN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "queueid.h"
#include "smtp.h"

enum txn_status {
	TXN_ST_NONE,     /* not sent */
	TXN_ST_PENDING,  /* sent, reply awaited */
	TXN_ST_OK,       /* 2xx, or 3xx where one is expected (354, 334) */
	TXN_ST_DEFERRED, /* 4xx */
	TXN_ST_REJECTED, /* 5xx (or an impossible code) */
	TXN_ST_NO_REPLY, /* the stream ended first */
	TXN_ST_LOST,     /* the reply was lost in a capture gap (the parser skipped past it) */
	TXN_ST_MALFORMED,/* the reply had no valid code and no enhanced status code */
	TXN_ST_LAST
};
const char *txn_status_name(enum txn_status s); /* "ok", "rejected", ... */

enum txn_outcome {
	TXN_OUT_DELIVERED,         /* the end of data got a 2xx */
	TXN_OUT_REJECTED_MAIL,     /* MAIL FROM got 4xx/5xx */
	TXN_OUT_REJECTED_RCPT,     /* every RCPT got 4xx/5xx */
	TXN_OUT_REJECTED_DATA,     /* DATA or BDAT got 4xx/5xx */
	TXN_OUT_REJECTED_MESSAGE,  /* the end of data got 4xx/5xx */
	TXN_OUT_ABORTED_RSET,
	TXN_OUT_ABORTED_EHLO,      /* a new HELO/EHLO/LHLO */
	TXN_OUT_ABORTED_QUIT,
	TXN_OUT_ABORTED_TLS,       /* STARTTLS succeeded (RFC 3207 4.2 resets the state) */
	TXN_OUT_ABORTED_DISCONNECT,/* the connection ended */
	TXN_OUT_INCOMPLETE,        /* a new MAIL started, or the capture was cut short */
	TXN_OUT_LAST
};
const char *txn_outcome_name(enum txn_outcome o); /* "delivered", "rejected_rcpt", ... */

struct txn_reply {
	int code;          /* 0 when there is no reply */
	char esc[16];      /* enhanced status code of the first line that has one, or "" */
	char *text;        /* line texts after the codes, joined by '\n' (cut at SMTP_TXN_REPLY_TEXT_MAX); NULL when none */
	size_t text_len;   /* bytes of text (it may hold NUL bytes) */
	size_t nlines;
	int64_t ts;        /* when the reply completed */
	bool pooled;       /* private: text lives in the session's pool, freed with it */
};

struct txn_step {
	enum txn_status status;
	uint64_t seq;      /* parser sequence number of the command, 0 when none */
	int64_t ts;        /* when the command was sent (latency = reply.ts - ts) */
	struct txn_reply reply;
};

struct txn_param {
	char *key;
	char *value;       /* NULL when the parameter had no value */
};

struct txn_rcpt {
	char *addr;
	unsigned path_flags;   /* SMTP_PATH_* */
	unsigned notify;       /* SMTP_NOTIFY_* */
	char *orcpt;           /* NULL when absent */
	struct txn_param *params;
	size_t nparams;
	struct txn_step step;
};

enum txn_data_kind { TXN_DATA_NONE, TXN_DATA_DATA, TXN_DATA_BDAT };

struct txn {
	uint64_t index;        /* 1, 2, ... within the session */
	int64_t ts_start, ts_end;
	/* MAIL FROM; mail_from is NULL (and mail_missing set) when the transaction
	 * was opened by RCPT, DATA or BDAT without a MAIL seen (lost in a capture
	 * gap, or the capture starts mid-session) */
	char *mail_from;
	bool mail_missing;
	unsigned mail_path_flags;
	struct txn_param *mail_params;
	size_t mail_nparams;
	int64_t size;          /* SIZE=, -1 when absent */
	struct txn_step mail;
	/* RCPT TO (at most SMTP_RCPT_MAX kept) */
	struct txn_rcpt *rcpts;
	size_t nrcpts, rcpts_alloc;
	size_t rcpts_dropped;
	size_t rcpts_ok;
	/* DATA, or the first BDAT, and its reply */
	enum txn_data_kind data_kind;
	struct txn_step data;
	unsigned bdat_chunks;
	/* the message */
	uint64_t msg_bytes;    /* content bytes (after dot-unstuffing) */
	uint64_t msg_missing;  /* bytes of it lost in capture gaps */
	struct buf header;     /* header block, up to SMTP_HEADER_BLOCK_MAX */
	bool header_complete;  /* the empty line ending it was seen */
	bool header_truncated;
	/* end of data (or BDAT LAST) and the final reply */
	struct txn_step final;
	char queue_id[QUEUEID_MAX]; /* "" when none */
	const char *queue_mta;      /* static, NULL when none */
	enum txn_outcome outcome;
	enum txn_status outcome_status; /* for rejections: DEFERRED or REJECTED; else OK/NONE */
	/* bookkeeping (private) */
	size_t outstanding;
	bool ending;
	enum txn_outcome end_cause;
	bool header_bol;       /* header scan: at a line start */
	bool header_cr;        /* header scan: a CR at a line start is pending */
};

struct txn_command {
	uint64_t seq;
	enum smtp_cmd_kind kind;
	char *line;            /* as sent, without line end ("." for the end of data) */
	size_t line_len;
	size_t secret_at;      /* bytes of line from here on are secret */
	int64_t ts;
	uint64_t offset;       /* in the client stream */
	enum txn_status status;
	struct txn_reply reply;
	uint64_t txn_index;    /* transaction it belongs to, 0 when none */
	bool pooled;           /* private: allocated in the session's pool, freed with it */
	bool inferred;         /* not in the capture: known from the server's reply (smtp_command.inferred) */
};

struct txn_ext {
	char *keyword;         /* upper case */
	char *params;          /* "" when none */
};

struct txn_anomaly {
	enum smtp_anomaly kind;
	enum smtp_dir dir;
	int64_t ts;
	uint64_t offset;
	uint64_t count;
	char *detail;
};

enum txn_auth_result { TXN_AUTH_NONE, TXN_AUTH_PENDING, TXN_AUTH_OK, TXN_AUTH_FAILED, TXN_AUTH_CANCELLED };
const char *txn_auth_result_name(enum txn_auth_result r);

/* What a session keeps. ALL: transactions, commands with their replies,
 * extensions, header blocks. NONE: nothing (callbacks see each transaction
 * and command, then they are freed). OUTCOMES: the transactions with their
 * envelope, step statuses, final reply and outcome, but no commands, no
 * replies of the other steps, no extensions, no header block and no queue id
 * (the final reply shows it), and of the greeting and HELO/EHLO replies only
 * the code, line count and time: what a one-line summary of each transaction
 * needs, for less work. */
enum txn_keep { TXN_KEEP_ALL, TXN_KEEP_NONE, TXN_KEEP_OUTCOMES };

struct txn_callbacks {
	void (*on_txn)(void *user, struct txn *t);
	void (*on_command)(void *user, struct txn_command *c);
	void *user;
};

struct txn_inflight;
struct txn_pool;

struct txn_session {
	struct txn_reply greeting;
	enum smtp_cmd_kind helo_kind;  /* SMTP_CMD_LAST when none */
	char *helo_name;
	struct txn_reply helo_reply;
	struct txn_ext *exts;          /* from the last successful EHLO/LHLO reply */
	size_t nexts;
	bool tls;
	bool tls_implicit;
	int64_t tls_ts;
	char *auth_mech;
	char *auth_user;
	enum txn_auth_result auth_result;
	struct txn_reply auth_reply;   /* the final reply of the AUTH exchange */
	struct txn_anomaly *anomalies; /* at most SMTP_SESSION_ANOMALY_MAX */
	size_t nanomalies, anomalies_alloc;
	uint64_t anomalies_dropped;
	struct txn **txns;             /* TXN_KEEP_ALL: finished transactions, in order */
	size_t ntxns, txns_alloc;
	struct txn_command **commands; /* TXN_KEEP_ALL: finished commands, in order of completion */
	size_t ncommands, commands_alloc;
	uint64_t commands_dropped;
	uint64_t txn_count;            /* transactions started */
	uint64_t command_count;
	int64_t ts_first, ts_last;
	bool ended;
	bool truncated;                /* txn_session_set_truncated */
	/* private */
	enum txn_keep keep;
	struct txn_callbacks cb;
	struct txn *cur;               /* open transaction */
	struct txn *next;              /* a MAIL sent while cur is open, awaiting its reply */
	bool helo_ok;                  /* a HELO/EHLO/LHLO was accepted */
	struct txn_inflight *inq;      /* commands awaiting replies, in order */
	size_t inq_head, inq_len, inq_alloc;
	bool auth_cancelled;
	bool seen_event;
	struct txn_pool *pool;         /* reply texts and commands (txn_session_use_pool) */
	bool use_pool;
	struct txn_command *spare_cmd; /* private: a command done with, for the next (not kept) one */
	size_t spare_line_cap;         /* bytes of line it has room for */
};

/* New session (never NULL); cb may be NULL. Free with txn_session_free. */
struct txn_session *txn_session_new(enum txn_keep keep, const struct txn_callbacks *cb);
/* Frees the session and everything it still owns (open transactions too). */
void txn_session_free(struct txn_session *s);
void txn_session_event(struct txn_session *s, const struct smtp_event *ev);
/* smtp_event_fn adapter: user is the struct txn_session *. */
void txn_session_event_fn(void *user, const struct smtp_event *ev);
/* The capture ended without the connection closing: open transactions end as
 * TXN_OUT_INCOMPLETE rather than TXN_OUT_ABORTED_DISCONNECT. Call before the
 * parser's smtp_finish. */
void txn_session_set_truncated(struct txn_session *s, bool truncated);
/* A KEEP_ALL session keeps its commands and the texts of replies in blocks of
 * its own, freed with it: no malloc and free for each (the capture decoder
 * makes them for every command of every session). Faster, but up to a few KB
 * more per session: for sessions freed soon after they end. */
void txn_session_use_pool(struct txn_session *s);
void txn_free(struct txn *t);
void txn_command_free(struct txn_command *c);

/* Text rendering (decode/txn_fmt.c): one line per item, control bytes
 * escaped, secrets masked. */
bool txn_format(const struct txn *t, struct buf *out);
bool txn_command_format(const struct txn_command *c, struct buf *out);
/* Session summary, anomalies, then (KEEP_ALL) transactions and commands. */
bool txn_session_format(const struct txn_session *s, struct buf *out);

#endif
