/* session.h - a live SMTP client session in the event loop: one connection
 * (probe/conn.h), the shared stream parser fed with both directions
 * (decode/smtp.h), the transaction model (decode/txn.h) and a transcript
 * model of annotated entries; ':' helpers (probe/helpers.h) run on it
 * (RFC 5321, 3207, 4954, 2920, 3030, 2033 LMTP, 7672 DANE for SMTP).
 *
 * The owner creates a session, feeds it input lines (raw SMTP lines are sent
 * exactly as given, lines starting with ':' are helpers) and learns what
 * happens through one callback: an entry was added to the transcript, the
 * state changed, a secret is needed, the session finished. probe/ never
 * prints: the screen and the text/JSON writers (tui/transcript.c) render the
 * model.
 *
 * Pacing: input is queued and sent one command at a time, each after the
 * reply to the previous one (and never before the greeting), as a careful
 * person at a terminal would; `:pipeline` sends a group at once. Every wait
 * has a deadline (connect, greeting, each reply, output drain); a server that
 * sends more than SESSION_REPLY_BYTES_MAX without completing a reply is cut
 * off. Memory is bounded: SESSION_ENTRIES_MAX entries (older ones dropped and
 * counted) and message content streamed from files in chunks.
 *
 * Lifetime: session_free() may not be called from inside the session's own
 * callback; call it after the loop returned, or hand it to loop_defer_free()
 * with session_free_cb. Entries stay valid until dropped from the transcript
 * or until session_free. */
#ifndef SMTPSCOPE_SESSION_H
#define SMTPSCOPE_SESSION_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/explain.h"
#include "decode/queueid.h"
#include "decode/smtp.h"
#include "probe/tls.h"

struct loop;
struct session;
struct helper_cmd;
struct txn_session;

/* ---- stages and exit statuses (session_result.c) ---- */

/* The steps of a session, in order. A failure is recorded at the stage whose
 * command failed (or timed out, or lost its connection). */
enum session_stage {
	SESS_STAGE_NONE,     /* no failure / nothing reached */
	SESS_STAGE_CONNECT,  /* DNS, TCP connect */
	SESS_STAGE_GREETING, /* the 220 banner */
	SESS_STAGE_EHLO,     /* EHLO / HELO / LHLO */
	SESS_STAGE_TLS,      /* STARTTLS and the handshake, or implicit TLS */
	SESS_STAGE_AUTH,
	SESS_STAGE_MAIL,
	SESS_STAGE_RCPT,     /* failed when every recipient was refused */
	SESS_STAGE_DATA,     /* DATA (354) or the first BDAT */
	SESS_STAGE_MESSAGE,  /* the reply after the message content */
	SESS_STAGE_QUIT,
	SESS_STAGE_LAST
};

/* Exit statuses of `connect` and `send` (documented in smtpscope(1)). */
#define SESS_EXIT_OK 0
#define SESS_EXIT_INTERNAL 1
#define SESS_EXIT_USAGE 2
#define SESS_EXIT_LOCAL 3 /* a local file could not be read, or a helper was wrong */

/* "connect", "greeting", "ehlo", "tls", ... ("none" for SESS_STAGE_NONE). */
const char *session_stage_name(enum session_stage st);
/* Parse a stage name as --quit-after takes it (also "banner", "helo",
 * "lhlo", "starttls", "from", "mail-from", "to", "rcpt-to"); false when
 * unknown. */
bool session_stage_parse(const char *name, enum session_stage *out);
/* 0 for NONE, 10 (connect) ... 19 (quit). */
int session_stage_exit_code(enum session_stage st);
/* The stage a command belongs to (SESS_STAGE_NONE for NOOP, RSET, VRFY...). */
enum session_stage session_stage_of_cmd(enum smtp_cmd_kind k);
/* The explain/classify stage matching a session stage. */
enum smtp_stage session_stage_smtp(enum session_stage st);

/* A recipient the server refused (the reply to its RCPT TO). */
struct session_rcpt {
	char *addr;
	int code;
	char status[16];
	char *text;          /* reply text (lines joined by a space), raw */
	enum reason reason;
};

struct session_result {
	enum session_stage failed;  /* first stage that failed; NONE when none */
	char *failed_why;           /* one line, NULL when nothing failed */
	enum session_stage reached; /* furthest stage completed cleanly */
	bool local_error;           /* a message file could not be read, a helper was wrong */
	bool accepted;              /* the last message sent got a 2xx final reply */
	unsigned messages_accepted, messages_refused;
	int final_code;             /* final reply of the last message, 0 when none */
	char final_status[16];
	char *final_text;
	char queue_id[QUEUEID_MAX]; /* of the last accepted message, "" when none seen */
	unsigned rcpts_accepted;
	struct session_rcpt *rejected; /* at most SESSION_REJECTED_MAX */
	size_t nrejected;
	size_t rejected_dropped;
	char peer[160];             /* address that answered ("" when none) */
	char peer_name[256];        /* host name used (MX host for @domain) */
	bool tls;                   /* the session ended up encrypted */
	bool tls_verified;
};

/* Exit status for a finished session. With quit_after != NONE, 0 when no
 * failure was recorded (the stage was reached cleanly); with expect_message,
 * 0 only when a message was accepted; otherwise 0 when nothing failed. */
int session_exit_code(const struct session_result *r, enum session_stage quit_after,
		      bool expect_message);

/* ---- the transcript model (session_entry.c) ---- */

enum session_dir { SESS_DIR_CLIENT, SESS_DIR_SERVER, SESS_DIR_INFO, SESS_DIR_LAST };
/* "C", "S", "info" */
const char *session_dir_name(enum session_dir d);

enum session_entry_kind {
	SESS_E_COMMAND, /* C: a command line (or AUTH response) we sent */
	SESS_E_BODY,    /* C: message content lines we sent (shown up to a cap) */
	SESS_E_REPLY,   /* S: a server reply, annotated */
	SESS_E_INFO,    /* info: connection, TLS, DNS, helpers, timeouts, results */
	SESS_E_LAST
};

enum session_level { SESS_LVL_NOTE, SESS_LVL_OK, SESS_LVL_WARN, SESS_LVL_ERROR, SESS_LVL_LAST };
/* "note", "ok", "warning", "error" */
const char *session_level_name(enum session_level l);

struct session_line {
	char *p;            /* raw bytes (untrusted: render with printable_append), NUL-terminated */
	size_t len;         /* may hold NUL bytes */
};

/* One EHLO keyword explained. */
struct session_ext {
	char *keyword;      /* upper case */
	char *params;       /* raw, "" when none */
	const char *title;  /* registry title, NULL when unknown */
	const char *meaning;/* our explanation, NULL when unknown */
	char *detail;       /* what the parameters mean here ("limit 10240000 bytes (9.8 MiB)"), or NULL */
};

struct session_entry {
	uint64_t id;                  /* 1, 2, ... never reused */
	enum session_entry_kind kind;
	enum session_dir dir;
	enum session_level level;     /* info entries, and replies (ok/warning/error) */
	const char *topic;            /* static: "connect", "tls", "dns", "helper", "timeout",
				       * "anomaly", "body", "auth", "result", ... or NULL */
	int64_t time_us;              /* wall clock, microseconds since the epoch */
	struct session_line *lines;
	size_t nlines;
	size_t lines_dropped;         /* lines not kept (reply over the parser's caps) */
	/* C entries */
	enum smtp_cmd_kind cmd;       /* SMTP_CMD_LAST for info/body */
	bool masked;                  /* a secret was replaced by "***" */
	uint64_t bytes;               /* SESS_E_BODY: content bytes this entry stands for */
	/* S entries */
	int code;                     /* 0 when the reply had no valid code */
	char status[16];              /* enhanced status code or "" */
	enum smtp_cmd_kind answers;   /* command answered; SMTP_CMD_LAST for greeting/unsolicited */
	enum session_stage stage;     /* stage of that command */
	int64_t latency_us;           /* command sent -> reply complete; -1 when not known */
	unsigned reply_flags;         /* SMTP_REPLY_* */
	bool incomplete;              /* the connection ended inside this reply */
	bool has_explanation;
	struct explanation ex;        /* layered explanation (static strings) */
	struct session_ext *exts;     /* EHLO/LHLO reply: one per keyword line */
	size_t nexts;
	/* notes: anomalies found in this line or reply, decoded AUTH data */
	struct session_line *notes;
	size_t nnotes;
	size_t notes_dropped;
};

/* ---- the session ---- */

enum session_state {
	SESS_S_RESOLVING,  /* MX or TLSA lookups */
	SESS_S_CONNECTING,
	SESS_S_TLS,        /* a TLS handshake (implicit or after STARTTLS) */
	SESS_S_GREETING,   /* connected, waiting for the banner */
	SESS_S_READY,      /* nothing awaited: the next command may go */
	SESS_S_WAITING,    /* a reply is awaited */
	SESS_S_SENDING,    /* message content is being sent */
	SESS_S_CLOSED,     /* finished: see session_result */
	SESS_S_LAST
};
const char *session_state_name(enum session_state st);

enum session_event_type {
	SESS_EV_ENTRY,       /* entry added */
	SESS_EV_STATE,       /* state changed (state, old_state) */
	SESS_EV_NEED_SECRET, /* a helper needs a secret: answer with session_provide_secret */
	SESS_EV_FINISHED,    /* closed; the result is final; no more events */
	SESS_EV_LAST
};

struct session_event {
	enum session_event_type type;
	const struct session_entry *entry; /* SESS_EV_ENTRY */
	enum session_state state, old_state;
	const char *prompt;                /* SESS_EV_NEED_SECRET: "password for demo" */
};

typedef void session_cb(struct session *s, const struct session_event *ev, void *ud);

/* Defaults when the matching option is 0 (RFC 5321 4.5.3.2 allows minutes;
 * an interactive tool should say sooner that nothing is coming). */
#define SESSION_TIMEOUT_DEFAULT_MS 30000

struct session_opts {
	/* where (one of host, unix_path, mx_domain) */
	const char *host;          /* name or IP literal (no brackets needed) */
	uint16_t port;             /* 0: 25, 465 with implicit_tls, 24 with lmtp */
	const char *unix_path;
	const char *mx_domain;     /* connect to the best reachable MX of this domain */
	int family;                /* AF_UNSPEC, AF_INET, AF_INET6 */
	const char *dns_servers;   /* "ip:port,..." for the resolver; NULL: system */
	/* how */
	bool implicit_tls;         /* RFC 8314 */
	bool starttls;             /* after the greeting: EHLO, STARTTLS, EHLO again */
	bool auto_ehlo;            /* send EHLO (LHLO) after the greeting */
	bool lmtp;                 /* RFC 2033: LHLO, one final reply per recipient */
	const char *ehlo_name;     /* NULL: the local host name */
	struct tls_opts tls;       /* tlsa is ignored: see dane */
	bool dane;                 /* fetch TLSA for _port._tcp.host and verify with it */
	unsigned connect_timeout_ms, greeting_timeout_ms, reply_timeout_ms, tls_timeout_ms;
	bool show_secrets;         /* keep AUTH secrets in the transcript */
	bool stop_on_failure;      /* after a failed stage drop queued input and QUIT */
	const char *secret;        /* for helpers that need one and were given none */
	size_t max_entries;        /* 0: SESSION_ENTRIES_MAX */
};

/* Everything in o is copied. Work starts on the next loop turn. Never NULL;
 * an impossible destination is reported as a failed session. */
struct session *session_new(struct loop *l, const struct session_opts *o, session_cb *cb, void *ud);
void session_free(struct session *s);
void session_free_cb(void *s); /* for loop_defer_free */

/* Queue one input line (without its line end): a raw SMTP line or a ':'
 * helper. False when the line is too long or the session is closed. */
bool session_input(struct session *s, const char *line, size_t len);
/* Bytes of input still queued; a reader should pause above
 * SESSION_INPUT_QUEUE_MAX. */
size_t session_input_pending(const struct session *s);
/* No more input will come: once the queue is done and replies are in, QUIT
 * (when not sent yet) and close. */
void session_input_end(struct session *s);
/* Queue a parsed helper (ownership of cmd passes to the session). */
void session_run(struct session *s, struct helper_cmd *cmd);
/* The answer to SESS_EV_NEED_SECRET (copied and wiped after use); NULL:
 * none available, the helper fails. */
void session_provide_secret(struct session *s, const char *secret);
/* Close at once (user interrupt); the result records why. */
void session_abort(struct session *s, const char *why);

enum session_state session_state(const struct session *s);
/* Entries kept, oldest first. */
size_t session_entry_count(const struct session *s);
const struct session_entry *session_entry_at(const struct session *s, size_t i);
uint64_t session_entries_dropped(const struct session *s);
const struct session_result *session_result(const struct session *s);
/* The transaction model (TXN_KEEP_ALL) fed with the same parser events. */
const struct txn_session *session_txn(const struct session *s);
/* The last TLS report (after a handshake finished or failed), or NULL. */
const struct tls_info *session_tls_info(const struct session *s);
/* SMTP_EXT_* of the last EHLO/LHLO reply. */
unsigned session_server_ext(const struct session *s);
/* What the session waits for now ("the greeting", "the reply to RCPT"),
 * how long it has waited and its deadline; false when it waits for nothing. */
bool session_waiting(const struct session *s, const char **what, uint64_t *elapsed_ms,
		     uint64_t *timeout_ms);

/* ---- destinations and option values (session_target.c), pure ---- */

struct session_target {
	char host[256];     /* name or IP literal, without brackets */
	uint16_t port;      /* 0 when not given */
	char path[108];     /* unix socket */
	char domain[256];   /* @domain: connect to its MX */
	bool is_unix, is_mx;
};

/* Parse HOST, HOST:PORT, [IPv6]:PORT, [IPv6], a bare IPv6 literal, /path or
 * unix:PATH (a unix socket), or @domain. False with a reason in err. */
bool session_target_parse(const char *t, struct session_target *out, char *err, size_t errsize);
/* "1.2", "TLSv1.2", "tls1.2" -> TLS1_2_VERSION (1.0 to 1.3); false when unknown. */
bool session_tls_version_parse(const char *s, int *out);

/* The connection and TLS options of `connect`, `send` and the Session screen
 * (-4, -6, --starttls, --tls, --lmtp, --no-verify, --dane, --show-secrets;
 * --port, --ehlo, --timeout, --dns-server, --sni, --ca-file, --cert, --key,
 * --tls-min, --tls-max, --ciphers). Strings are kept as pointers to v. */
/* d becomes a copy of o owning its strings (the TLSA records are not copied;
 * the secret only when with_secret). Free with session_opts_free, which wipes
 * the secret and zeroes *o. */
void session_opts_dup(struct session_opts *d, const struct session_opts *o, bool with_secret);
void session_opts_free(struct session_opts *o);

bool session_opt_flag(struct session_opts *so, const char *o);      /* false: not such a flag */
bool session_opt_takes_value(const char *o);
/* False when v is refused, with the reason (without the option's name) in why. */
bool session_opt_value(struct session_opts *so, const char *o, const char *v, char *why, size_t n);

#endif
