/* smtp_internal.h - private state of the SMTP stream parser shared by decode/smtp_*.c (RFC 5321, 2920, 3030, 3207, 4954); not for other modules. */
#ifndef SMTPSCOPE_SMTP_INTERNAL_H
#define SMTPSCOPE_SMTP_INTERNAL_H
#include "buf.h"
#include "limits.h"
#include "smtp.h"

/* A command waiting for its reply. */
struct smtp_pending {
	enum smtp_cmd_kind kind;
	uint64_t seq;
	int64_t ts;
};

/* What the client byte stream currently carries. */
enum smtp_cmode {
	SMTP_CM_LINES, /* command lines (or AUTH responses) */
	SMTP_CM_HOLD,  /* after DATA/STARTTLS, before its reply: bytes are held */
	SMTP_CM_DATA,  /* message content after 354 */
	SMTP_CM_BDAT,  /* a BDAT chunk of known length */
	SMTP_CM_TLS,
	SMTP_CM_DONE
};

/* DATA scanner position relative to line starts (smtp_data.c). */
enum smtp_dstate { SMTP_DS_BOL, SMTP_DS_DOT, SMTP_DS_DOT_CR, SMTP_DS_MID };

struct smtp_side {
	struct buf line;      /* partial line carried between feeds (cap SMTP_LINE_HARD_MAX + 1) */
	uint64_t line_total;  /* bytes of the partial line, dropped ones included */
	uint8_t last_byte;    /* last byte of the partial line */
	uint64_t offset;      /* bytes of this direction seen so far (gaps included) */
	uint64_t line_off;    /* offset where the partial line began */
	bool resync;          /* after a gap: skip to the next line start */
	bool bare_lf_flagged;
	int64_t ts;           /* timestamp of the latest feed */
};

/* One stored reply line; text and msg are offsets into the accumulator's text. */
struct smtp_racc_line {
	int code;
	char sep;
	bool has_esc;
	struct esc_code esc;
	size_t text_off, text_len, msg_off, msg_len;
};

/* Accumulates the lines of one (possibly multi-line) reply. */
struct smtp_reply_acc {
	bool active;
	uint64_t off;
	int64_t ts;                    /* when its first line was complete */
	struct buf text;               /* line texts, each NUL-terminated */
	struct smtp_racc_line *lines;
	struct smtp_reply_line *pub;   /* built at dispatch */
	size_t nlines, alines;
	size_t dropped;
	unsigned flags;
	bool mismatch_flagged;
	int first_code, last_code;     /* -1 until a line with a code */
};

struct smtp_parser {
	smtp_event_fn fn;
	void *user;
	smtp_tls_fn tls_fn;
	void *tls_user;
	struct smtp_side side[SMTP_DIR_LAST];
	enum smtp_cmode cmode;
	bool finished;
	bool answer_codeless;   /* smtp_parser_opts.answer_without_code */
	/* TLS */
	bool tls;
	bool tls_client_spoke;
	uint64_t tls_inject_bytes; /* server bytes after its 220 before the client's hello */
	uint64_t tls_inject_off;
	uint64_t tls_bytes[SMTP_DIR_LAST];
	/* reply matching */
	bool greeting_pending;
	bool early_flagged;
	bool group_flagged;     /* pipelining anomaly already raised for this group */
	size_t q_enders;        /* queued commands that must end a pipelined group */
	enum smtp_cmd_kind last_ender;
	bool overflow_flagged;
	uint64_t next_seq;
	struct smtp_pending *q; /* ring buffer */
	size_t qcap, qhead, qlen;
	/* server bytes lost in capture gaps (smtp_gap) */
	uint64_t lost_seq;      /* queued commands up to this one lost their replies (0: none) */
	bool reply_cut;         /* the open reply or partial reply line lost bytes */
	bool srv_gap;           /* a gap since the last reply: check the next one fits */
	bool cli_gap;           /* client command bytes lost since a reply last matched a command */
	/* client bytes held while DATA or STARTTLS awaits its reply */
	struct buf hold;
	int64_t hold_ts;
	uint64_t hold_off;
	uint64_t hold_dropped;
	bool hold_from_tls;     /* hold began for STARTTLS (else DATA) */
	/* DATA content */
	enum smtp_dstate dstate;
	uint64_t data_bytes, data_missing, data_line_len, data_seq;
	uint64_t data_dot_off;   /* offset of the '.' that may start the end marker */
	bool data_bare_lf, data_long;
	uint8_t data_prev;      /* last content byte scanned */
	bool data_prev_bare;    /* the last line ended with a bare LF */
	/* BDAT chunk */
	uint64_t bdat_left, bdat_seq, bdat_bytes, bdat_missing, bdat_off;
	bool bdat_last;
	/* replies */
	struct smtp_reply_acc racc;
	/* command parsing scratch */
	char *arena;
	size_t arena_size;
	struct smtp_param params[SMTP_PARAMS_MAX];
	unsigned ext;
	/* AUTH exchange (smtp_auth.c) */
	struct smtp_auth auth_ev; /* prepared message, emitted by smtp_auth_emit */
	bool auth_waiting;      /* AUTH sent, no reply yet */
	bool auth_active;       /* a 334 was seen: client lines are responses */
	char auth_mech[32];
	unsigned auth_cstep, auth_sstep;
	int auth_expect;        /* LOGIN: 1 user name next, 2 password next, 0 unknown */
	struct buf auth_buf;    /* decoded bytes of the current message */
	char auth_user[256];    /* user name of the current message */
};

void smtp_emit(struct smtp_parser *p, struct smtp_event *ev);
void smtp_flag(struct smtp_parser *p, enum smtp_dir dir, enum smtp_anomaly a, uint64_t count,
	       const char *detail, uint64_t off);
/* Queue of commands awaiting replies (smtp_parser.c). */
uint64_t smtp_queue_push(struct smtp_parser *p, enum smtp_cmd_kind kind, int64_t ts);
/* Fill a dispatched reply's answer fields from the queue. */
void smtp_reply_match(struct smtp_parser *p, struct smtp_reply *r, uint64_t off, int64_t ts);
void smtp_enter_tls(struct smtp_parser *p, uint64_t off, int64_t ts, bool implicit);
/* smtp_tls.c: raw bytes of one direction once TLS began (counted, handed to
 * the sink); the server bytes sent before the client's hello are reported. */
void smtp_tls_feed(struct smtp_parser *p, enum smtp_dir dir, const uint8_t *d, size_t len, uint64_t off,
		   int64_t ts);
void smtp_tls_inject_report(struct smtp_parser *p);
/* What a reply changes: DATA/BDAT modes, TLS, extensions, AUTH (smtp_parser.c). */
void smtp_reply_effects(struct smtp_parser *p, const struct smtp_reply *r, uint64_t off, int64_t ts);

/* smtp_reply.c */
void smtp_reply_line_in(struct smtp_parser *p, const uint8_t *l, size_t len, uint64_t off, int64_t ts);
void smtp_reply_flush(struct smtp_parser *p, int64_t ts);
/* The command a reply names beyond doubt (354 DATA, 221 QUIT, 2.1.5 RCPT,
 * "queued as" the end of data...), SMTP_CMD_LAST when it could answer many;
 * whether a queued command of kind k is such a one. */
enum smtp_cmd_kind smtp_reply_names(const struct smtp_reply *r);
bool smtp_kind_fits(enum smtp_cmd_kind named, enum smtp_cmd_kind k);
/* Dispatch the open reply now: the client's next command shows it is over. */
void smtp_reply_close(struct smtp_parser *p, int64_t ts);
void smtp_reply_acc_free(struct smtp_reply_acc *a);

/* smtp_data.c */
void smtp_data_begin(struct smtp_parser *p);
size_t smtp_data_consume(struct smtp_parser *p, const uint8_t *d, size_t len, uint64_t off, int64_t ts);
void smtp_data_gap(struct smtp_parser *p, uint64_t n);
void smtp_bdat_begin(struct smtp_parser *p, const struct smtp_command *c, uint64_t off, int64_t ts);
size_t smtp_bdat_consume(struct smtp_parser *p, const uint8_t *d, size_t len, uint64_t off, int64_t ts);
/* A gap of n bytes in a BDAT chunk; returns the bytes of the gap past its end. */
uint64_t smtp_bdat_gap(struct smtp_parser *p, uint64_t n);

/* smtp_auth.c */
/* AUTH command seen: remember the mechanism, decode an initial response into
 * auth_ev; returns true when an initial response was prepared. Sets
 * *secret_at to where the line's secret begins (len when none). */
bool smtp_auth_command(struct smtp_parser *p, const struct smtp_command *c, size_t *secret_at);
/* A client line inside the exchange: prepared into auth_ev; returns true when secret. */
bool smtp_auth_client_line(struct smtp_parser *p, const uint8_t *l, size_t len);
/* Emit the prepared auth_ev. */
void smtp_auth_emit(struct smtp_parser *p, enum smtp_dir dir, uint64_t off, int64_t ts);
/* A reply to AUTH or to a response: 334 continues (challenge decoded and
 * emitted), anything else ends the exchange. */
void smtp_auth_reply(struct smtp_parser *p, const struct smtp_reply *r, uint64_t off, int64_t ts);

#endif
