/* session_internal.h - the session object shared by the session_*.c files:
 * core (session.c), connection and DNS (session_conn.c), TLS report
 * (session_tls.c), parser events to transcript entries (session_parse.c),
 * entries (session_entry.c), result (session_result.c), helper jobs
 * (session_helpers.c, session_data.c). RFC 5321, 3207, 4954, 3030, 2033. */
#ifndef SMTPSCOPE_SESSION_INTERNAL_H
#define SMTPSCOPE_SESSION_INTERNAL_H
#include "decode/buf.h"
#include "decode/limits.h"
#include "decode/txn.h"
#include "probe/dns.h"
#include "probe/helpers.h"
#include "probe/msgbuild.h"
#include "probe/session.h"

struct conn;

/* Message content lines shown per message (the rest is counted), and the
 * bytes kept for showing them. */
#define SESSION_BODY_SHOW_LINES 40
#define SESSION_BODY_SHOW_BYTES 8192
/* Output queued on the connection above which message content waits for
 * CONN_EV_SENT (the connection's own cap is larger). */
#define SESSION_OUT_HIGH (256u * 1024u)
/* Consecutive server lines without a reply code shown (the rest counted). */
#define SESSION_BAD_LINES_SHOWN 20
/* Commands tracked while awaiting replies (beyond: not tracked). */
#define SESSION_AWAIT_MAX 1024
/* Bytes of the start of an incomplete server line kept for messages. */
#define SESSION_PREVIEW_MAX 80

/* A queued input line, or a parsed helper handed over by session_run. */
struct session_input {
	struct session_input *next;
	char *line;
	size_t len;
	struct helper_cmd *cmd;
};

/* A command sent whose reply is awaited. */
struct session_await {
	enum smtp_cmd_kind kind;
	bool bdat_last;
	bool no_fail;      /* the job judges this reply itself */
	char *rcpt;        /* RCPT: the address */
};

/* One MX host to try (or the single host of the destination). */
struct session_cand {
	char *host;
	uint16_t pref;
	char **addrs;      /* IP literals; NULL: resolve host */
	size_t naddrs;
};

struct session_job;

/* Jobs send only from step() (run by the pump, outside parser callbacks);
 * the other hooks only record what happened. */
struct session_job_ops {
	/* make progress: send what can be sent now; set done when finished */
	void (*step)(struct session *s, struct session_job *j);
	/* a reply answering one of the job's commands */
	void (*reply)(struct session *s, struct session_job *j, enum smtp_cmd_kind kind,
		      const struct smtp_reply *r);
	/* the connection's output drained (or room opened) */
	void (*sent)(struct session *s, struct session_job *j);
	/* the STARTTLS handshake finished */
	void (*tls_done)(struct session *s, struct session_job *j);
	/* an input line: true when consumed, false to leave it queued */
	bool (*input)(struct session *s, struct session_job *j, const char *line, size_t len);
	/* the answer to SESS_EV_NEED_SECRET (NULL: none) */
	void (*secret)(struct session *s, struct session_job *j, const char *secret);
};

struct session_job {
	const struct session_job_ops *ops;
	struct helper_cmd *cmd;
	int step;
	unsigned awaiting;      /* replies this job still waits for */
	bool wants_input;       /* typed message lines go to ops->input */
	bool done;
	/* auth */
	char *secret;
	/* data / bdat / send */
	struct msgbuild *mb;
	struct msgbuild_stuff stuff;
	bool streaming;         /* message content is being written */
	bool discard;           /* DATA refused: typed lines up to "." are dropped */
	struct buf typed;       /* :bdat typed message */
	uint8_t *chunk, *next;  /* :bdat current and look-ahead chunk */
	size_t chunk_len, next_len;
	bool chunk_last;
	size_t rcpt_i;
	unsigned rcpt_ok, rcpt_replies;
	bool mail_ok;
	size_t pipe_i;
	/* the last reply to one of the job's commands, for step() */
	bool have_reply;
	int reply_code;
	enum smtp_cmd_kind reply_kind;
	struct buf rtext;       /* text of its first line (after the code) */
	bool tls_ready;         /* the STARTTLS handshake finished */
	bool secret_answered;
};

struct session {
	struct loop *l;
	session_cb *cb;
	void *ud;
	struct session_opts o;      /* strings owned */
	enum session_state st;
	bool started, connected, greeted, tls_up, handshaking, closing, closed, finished_sent;
	bool quit_sent, in_content, input_ended, pumping, freeing, failed_stop, flushing;
	int in_parser;              /* depth of smtp_feed calls: no smtp_finish inside */
	uint64_t t_final;
	enum session_stage end_stage; /* failure recorded when the session ends */
	bool end_flush_first;       /* the end was a drop: a cut reply is the better reason */
	uint64_t bad_lines;         /* consecutive server lines without a reply code */
	char end_why[300];
	uint64_t t_kick;

	/* destination */
	struct dns *dns;
	struct dns_query *dq;
	struct session_cand *cands;
	size_t ncands, cand;
	struct dns_tlsa *tlsa;
	size_t ntlsa;
	bool tlsa_ad;
	struct conn *c;
	uint64_t connect_start_ms, connected_ms;

	/* protocol */
	struct smtp_parser *p;
	struct txn_session *txn;
	struct session_await *await;
	size_t await_head, await_len;
	unsigned lmtp_expect;       /* LMTP: further final replies awaited */
	bool lmtp_final_seen;
	size_t force_secret_at;     /* for the line being sent */
	uint64_t srv_bytes;         /* server bytes since the last awaited reply */
	struct buf preview;         /* start of the current server line */
	bool preview_bol;

	/* transaction tracking (for "every recipient refused") */
	bool txn_open;
	unsigned txn_rcpt_ok, txn_rcpt_bad;

	/* message content being shown */
	struct buf body_show;
	size_t body_show_lines;
	uint64_t body_bytes, body_lines, body_hidden;
	bool body_capped;

	/* transcript */
	struct session_entry **ents;
	size_t ents_alloc, ents_head, ents_len, ents_max;
	size_t ents_bytes;
	uint64_t next_id, ents_dropped;
	struct session_line notes[2][SESSION_NOTES_MAX]; /* pending, per direction */
	size_t nnotes[2], notes_dropped[2];

	/* input and helpers */
	struct session_input *in_head, *in_tail;
	size_t in_bytes;
	struct session_job *job;
	bool secret_wait;

	/* waiting */
	uint64_t t_wait;
	uint64_t wait_start_ms, wait_ms;
	char wait_what[96];
	bool wait_slow_noted;
	uint64_t t_slow;

	struct session_result res;
};

/* session.c */
int64_t session_mono_us(void);
void session_set_state(struct session *s);
void session_pump(struct session *s);
void session_wait_update(struct session *s, bool progress);
/* Close now; the result records why (stage NONE: a normal end). */
void session_finish(struct session *s, enum session_stage st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Record a failure (first one wins); with stop_on_failure, stop. */
void session_fail(struct session *s, enum session_stage st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void session_job_finish(struct session *s);
/* Send one command line (CRLF added); bytes of it from secret_at on are
 * secret. False when the connection is gone or its buffer full. */
bool session_send_line(struct session *s, const char *line, size_t len, size_t secret_at);
/* Send message content (already stuffed or a BDAT chunk). */
bool session_send_raw(struct session *s, const uint8_t *p, size_t len);
size_t session_out_pending(const struct session *s);
size_t session_awaiting(const struct session *s);
bool session_await_push(struct session *s, enum smtp_cmd_kind kind, const char *rcpt);
void session_await_clear(struct session *s);
/* The name we greet with. */
const char *session_ehlo_name(const struct session *s);

/* session_entry.c */
struct session_entry *session_entry_new(enum session_entry_kind kind, enum session_dir dir);
void session_entry_free(struct session_entry *e);
void session_entry_add_line(struct session_entry *e, const void *p, size_t len);
void session_entry_add_note(struct session_entry *e, const char *text);
/* Attach the pending anomaly notes of dir (C or S) to e. */
void session_entry_take_notes(struct session *s, struct session_entry *e, enum session_dir dir);
void session_note_pending(struct session *s, enum session_dir dir, const char *text);
void session_notes_discard(struct session *s, enum session_dir dir);
/* Store and announce. */
void session_entry_emit(struct session *s, struct session_entry *e);
/* An info entry of one or more lines ('\n' separated). */
void session_info(struct session *s, enum session_level lvl, const char *topic, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void session_entries_free(struct session *s);
/* EHLO keyword explanations for a reply entry. */
void session_entry_exts(struct session_entry *e, const struct smtp_reply *r, bool tls_up);
void session_emit_event(struct session *s, const struct session_event *ev);

/* session_parse.c */
void session_parser_new(struct session *s, bool no_greeting);
void session_on_parser_event(void *user, const struct smtp_event *ev);
void session_body_flush(struct session *s);
void session_txn_check_rcpts(struct session *s);

/* session_conn.c */
void session_conn_start(struct session *s);
void session_conn_free(struct session *s);
bool session_start_tls(struct session *s);

/* session_tls.c */
void session_tls_report(struct session *s, const struct tls_info *ti);
const char *session_tls_advice(long verify_code);

/* session_result.c */
void session_result_clear(struct session_result *r);
bool session_result_fail(struct session_result *r, enum session_stage st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void session_result_reach(struct session_result *r, enum session_stage st);
void session_result_rejected(struct session_result *r, const char *addr, int code, const char *status,
			     const char *text, enum reason reason);
void session_result_final(struct session_result *r, int code, const char *status, const char *text);

/* session_helpers.c / session_data.c: a job for a helper (takes cmd). */
struct session_job *session_job_new(struct session *s, struct helper_cmd *cmd);
void session_job_free(struct session_job *j);
/* Send a command for the job (its reply will be counted in awaiting). */
bool session_job_send(struct session *s, struct session_job *j, const char *line, size_t len, size_t secret_at);
/* The common reply recorder: keeps code and first line for step(). */
void session_job_reply(struct session *s, struct session_job *j, enum smtp_cmd_kind kind,
		       const struct smtp_reply *r);
/* Parameters of an EHLO keyword in the last EHLO reply, or NULL. */
const char *session_ext_params(const struct session *s, const char *kw);
const struct session_job_ops *session_data_ops(enum helper_kind k);
/* :send's message phase: start DATA or BDAT with j->mb set. */
void session_data_begin(struct session *s, struct session_job *j);

#endif
