/* smtp.h - incremental SMTP stream parser for both directions of a session (RFC 5321, 1869, 1870, 2920, 3030, 3207, 3461, 3463, 4954, 6152, 6531). */
/*
 * One parser serves the capture decoder (reassembled TCP payload of both
 * directions) and the live session (the client side feeds what it sends, the
 * server side what it receives). Bytes may arrive in any chunking; the parser
 * yields events through one callback, in stream order:
 *
 *   SMTP_EV_COMMAND   a client command line, parsed (struct smtp_command); a
 *                     line inside an AUTH exchange comes as kind
 *                     SMTP_CMD_AUTH_RESPONSE, followed by its SMTP_EV_AUTH
 *   SMTP_EV_REPLY     a complete server reply, single or multi-line, matched to
 *                     the command it answers (struct smtp_reply)
 *   SMTP_EV_AUTH      a base64 AUTH message decoded (client response or server
 *                     challenge), secrets marked (struct smtp_auth)
 *   SMTP_EV_BODY      message content bytes, dot-unstuffed (DATA) or raw (BDAT)
 *   SMTP_EV_BODY_END  the end of the DATA content (the end marker joins the
 *                     reply queue as SMTP_CMD_MESSAGE) or of one BDAT chunk
 *   SMTP_EV_TLS_START STARTTLS accepted (or implicit TLS): parsing stops
 *   SMTP_EV_ANOMALY   something malformed or suspicious (enum smtp_anomaly)
 *   SMTP_EV_GAP       bytes missing from the capture (smtp_gap)
 *   SMTP_EV_END       smtp_finish() was called
 *
 * Ownership: every pointer inside an event (strings, arrays, body bytes) points
 * into storage owned by the parser and is valid only during the callback; copy
 * what you keep. Strings are NUL-terminated but may contain any byte except
 * NUL (they are not terminal-safe: render with printable_append()). The
 * callback must not call smtp_feed/smtp_gap/smtp_finish/smtp_parser_free on
 * the same parser.
 *
 * Matching: every command (and the pseudo-commands SMTP_CMD_AUTH_RESPONSE and
 * SMTP_CMD_MESSAGE) gets a sequence number and joins a queue of commands
 * awaiting replies; each reply answers the queue head (the first reply of the
 * session is the greeting and answers nothing). Feed both directions in the
 * order the bytes were seen on the wire: matching, the DATA/STARTTLS hold and
 * the pipelining checks rely on it.
 */
#ifndef SMTPSCOPE_SMTP_H
#define SMTPSCOPE_SMTP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "esc.h"

/* Direction of the bytes: CLIENT = sent by the SMTP client to the server. */
enum smtp_dir { SMTP_DIR_CLIENT, SMTP_DIR_SERVER, SMTP_DIR_LAST };

enum smtp_cmd_kind {
	SMTP_CMD_HELO,
	SMTP_CMD_EHLO,
	SMTP_CMD_LHLO,     /* RFC 2033 */
	SMTP_CMD_MAIL,
	SMTP_CMD_RCPT,
	SMTP_CMD_DATA,
	SMTP_CMD_BDAT,     /* RFC 3030 */
	SMTP_CMD_RSET,
	SMTP_CMD_NOOP,
	SMTP_CMD_QUIT,
	SMTP_CMD_VRFY,
	SMTP_CMD_EXPN,
	SMTP_CMD_HELP,
	SMTP_CMD_STARTTLS, /* RFC 3207 */
	SMTP_CMD_AUTH,     /* RFC 4954 */
	SMTP_CMD_ETRN,     /* RFC 1985 */
	SMTP_CMD_XCLIENT,  /* Postfix extension */
	SMTP_CMD_UNKNOWN,  /* any other verb, kept as sent */
	/* Pseudo-commands: not command lines, but things a reply answers. */
	SMTP_CMD_AUTH_RESPONSE, /* a client line inside an AUTH exchange */
	SMTP_CMD_MESSAGE,       /* the DATA content up to its end marker */
	SMTP_CMD_LAST
};

/* Upper-case name ("EHLO", "AUTH-RESPONSE", "MESSAGE"); never NULL. */
const char *smtp_cmd_name(enum smtp_cmd_kind k);

/* struct smtp_path.flags */
#define SMTP_PATH_NULL        0x01u /* the null reverse-path <> */
#define SMTP_PATH_NO_BRACKETS 0x02u /* sent without <>: a syntax error, parsed anyway */
#define SMTP_PATH_ROUTE       0x04u /* an RFC 5321 4.1.2 source route was present */
#define SMTP_PATH_QUOTED      0x08u /* quoted-string local part */
#define SMTP_PATH_BAD         0x10u /* other syntax error (missing '>', empty, no '@') */
#define SMTP_PATH_TRUNCATED   0x20u /* longer than SMTP_PATH_MAX: cut */
#define SMTP_PATH_UTF8        0x40u /* non-ASCII bytes (needs SMTPUTF8, RFC 6531) */
#define SMTP_PATH_SPACE       0x80u /* blank after "FROM:"/"TO:" (RFC 5321 forbids it) */

struct smtp_path {
	const char *addr;   /* mailbox without brackets or route ("" for <>) */
	const char *route;  /* source route without the final ':' ("" when none) */
	const char *domain; /* points into addr after the '@' ("" when none) */
	unsigned flags;     /* SMTP_PATH_* */
};

struct smtp_param {
	const char *key;   /* as sent (case kept); compare case-insensitively */
	const char *value; /* NULL when the parameter has no '=' */
};

enum smtp_body_type { SMTP_BODY_NONE, SMTP_BODY_7BIT, SMTP_BODY_8BITMIME, SMTP_BODY_BINARYMIME,
		      SMTP_BODY_OTHER };
enum smtp_ret { SMTP_RET_NONE, SMTP_RET_FULL, SMTP_RET_HDRS, SMTP_RET_OTHER };

/* RCPT NOTIFY= (RFC 3461 4.1) */
#define SMTP_NOTIFY_NEVER   0x01u
#define SMTP_NOTIFY_SUCCESS 0x02u
#define SMTP_NOTIFY_FAILURE 0x04u
#define SMTP_NOTIFY_DELAY   0x08u
#define SMTP_NOTIFY_BAD     0x10u /* unknown word, or NEVER combined with others */

struct smtp_command {
	enum smtp_cmd_kind kind;
	uint64_t seq;          /* 1, 2, ... shared with pseudo-commands and replies' answer_seq */
	const char *verb;      /* as sent, e.g. "ehlo" */
	const char *arg;       /* text after the verb and its blank(s), "" when none */
	const uint8_t *line;   /* the raw line without its line end (cut at SMTP_LINE_HARD_MAX) */
	size_t line_len;
	size_t secret_at;      /* bytes of line from this offset on are secret (== line_len: none) */
	/* MAIL and RCPT */
	struct smtp_path path;
	size_t nparams;        /* ESMTP parameters as sent (MAIL, RCPT, XCLIENT), at most SMTP_PARAMS_MAX */
	const struct smtp_param *params;
	/* MAIL parameters: RFC 1870 SIZE, RFC 6152 BODY, RFC 6531 SMTPUTF8,
	 * RFC 3461 RET/ENVID, RFC 4954 AUTH */
	int64_t size;          /* -1 when absent or invalid */
	enum smtp_body_type body;
	bool smtputf8;
	enum smtp_ret ret;
	const char *envid;     /* NULL when absent */
	const char *auth;      /* MAIL ... AUTH=<mailbox>; NULL when absent */
	/* RCPT parameters (RFC 3461) */
	unsigned notify;       /* SMTP_NOTIFY_* (0 when absent) */
	const char *orcpt;     /* NULL when absent */
	/* BDAT */
	uint64_t bdat_size;
	bool bdat_last;
	/* AUTH */
	const char *auth_mech; /* upper case, "" when missing */
	bool auth_initial;     /* an initial response follows the mechanism */
	/* not in the capture: lost in a client-side gap, and known only from the
	 * server's reply (a 354 after the gap says DATA was sent) */
	bool inferred;
};

struct smtp_reply_line {
	int code;            /* 3-digit code, or -1 when the line does not start with one */
	char sep;            /* ' ', '-', or 0 (code alone, or malformed) */
	bool has_esc;        /* RFC 3463 enhanced status code at the start of text */
	struct esc_code esc;
	const char *text;    /* after the code and separator (the whole line when code < 0) */
	size_t text_len;
	const char *msg;     /* text after the enhanced code and its blanks */
	size_t msg_len;
};

/* struct smtp_reply.flags */
#define SMTP_REPLY_GREETING    0x01u /* the connection greeting (answers no command) */
#define SMTP_REPLY_UNSOLICITED 0x02u /* no command was awaiting a reply */
#define SMTP_REPLY_MALFORMED   0x04u /* some line had a bad code or separator */
#define SMTP_REPLY_MISMATCH    0x08u /* continuation lines carried different codes */
#define SMTP_REPLY_TRUNCATED   0x10u /* lines or bytes past the caps were dropped */

struct smtp_reply {
	int code;              /* code of the last line; 0 when no line had a valid code */
	unsigned flags;        /* SMTP_REPLY_* */
	size_t nlines;         /* lines stored (at most SMTP_REPLY_MAX_LINES) */
	const struct smtp_reply_line *lines;
	size_t lines_dropped;  /* lines past the caps */
	/* the command answered: answer_seq 0 for the greeting or an unsolicited reply */
	uint64_t answer_seq;
	enum smtp_cmd_kind answer_kind; /* SMTP_CMD_LAST when none */
	int64_t answer_ts;     /* timestamp of that command (latency = ts - answer_ts) */
};

struct smtp_auth_part {
	const char *name;      /* "authzid", "authcid", "password", "username", "digest", "token", ... */
	const uint8_t *value;  /* decoded bytes (may contain NUL) */
	size_t len;
	bool secret;           /* mask when displaying */
};

#define SMTP_AUTH_PARTS_MAX 4

struct smtp_auth {
	const char *mech;      /* upper case, e.g. "PLAIN" */
	unsigned step;         /* 0-based index of this message among the client's (or server's) */
	bool initial;          /* client initial response carried on the AUTH line */
	bool cancelled;        /* client sent "*" (RFC 4954 4) */
	bool decoded;          /* the base64 was valid */
	bool secret;           /* some part is secret: mask the whole raw line */
	const uint8_t *data;   /* decoded bytes */
	size_t len;
	size_t nparts;
	struct smtp_auth_part parts[SMTP_AUTH_PARTS_MAX];
	const char *user;      /* user name found in this message, NULL when none */
};

struct smtp_body_end {
	uint64_t seq;          /* DATA: the SMTP_CMD_MESSAGE pseudo-command; BDAT: the BDAT command */
	uint64_t bytes;        /* content bytes of this DATA body or BDAT chunk (after unstuffing) */
	uint64_t missing;      /* bytes lost in capture gaps inside it */
	bool bdat;
	bool last;             /* DATA: always; BDAT: the chunk had LAST */
	bool bare_lf_end;      /* DATA ended by a bare-LF form of the end marker */
};

/* Anomalies: names and explanations in smtp_anomaly_name/_text. */
enum smtp_anomaly {
	SMTP_AN_LINE_TOO_LONG,      /* over SMTP_LINE_RFC_MAX */
	SMTP_AN_LINE_TRUNCATED,     /* over SMTP_LINE_HARD_MAX; count = bytes dropped */
	SMTP_AN_BARE_LF,            /* line ended by LF alone (first per direction) */
	SMTP_AN_BARE_CR,            /* CR not followed by LF inside a line */
	SMTP_AN_NUL_BYTE,
	SMTP_AN_BINARY,             /* control bytes in a command or reply line */
	SMTP_AN_EMPTY_LINE,         /* empty command line */
	SMTP_AN_EARLY_TALKER,       /* client spoke before the greeting */
	SMTP_AN_REPLY_BAD_CODE,     /* reply line not starting with 3 digits */
	SMTP_AN_REPLY_CODE_MISMATCH,
	SMTP_AN_REPLY_BAD_SEPARATOR,/* neither ' ' nor '-' after the code */
	SMTP_AN_REPLY_TOO_LONG,     /* reply over SMTP_REPLY_MAX_LINES/_BYTES; count = lines dropped */
	SMTP_AN_REPLY_UNSOLICITED,
	SMTP_AN_REPLY_RESYNC,       /* 354 matched a later DATA: count = commands skipped */
	SMTP_AN_REPLY_LOST_COMMAND, /* a reply to a command lost in a client-side capture gap;
	                             * detail = the command it names, "" when unknown */
	SMTP_AN_PIPELINING_NOT_ADVERTISED,
	SMTP_AN_PIPELINE_ORDER,     /* command sent after one that must end a group (RFC 2920 3.1) */
	SMTP_AN_PIPELINE_OVERFLOW,  /* more than SMTP_PIPELINE_MAX awaiting replies */
	SMTP_AN_PATH_NO_BRACKETS,
	SMTP_AN_PATH_SYNTAX,
	SMTP_AN_PARAM_SYNTAX,
	SMTP_AN_BAD_ARGUMENT,       /* missing or extra argument, bad BDAT size */
	SMTP_AN_DATA_BARE_LF,       /* bare LF line ends inside message content */
	SMTP_AN_DATA_BARE_LF_END,   /* end of data marked by a bare-LF form */
	SMTP_AN_DATA_LONG_LINE,     /* text line over SMTP_TEXT_LINE_RFC_MAX */
	SMTP_AN_DATA_EARLY,         /* content sent before the 354 reply */
	SMTP_AN_STARTTLS_INJECTION_CLIENT, /* bytes after STARTTLS before the 220 */
	SMTP_AN_STARTTLS_INJECTION_SERVER, /* bytes after the 220 before the handshake */
	SMTP_AN_TLS_WITHOUT_STARTTLS,      /* a TLS handshake where SMTP was expected */
	SMTP_AN_GAP,                /* capture gap; count = bytes missing */
	SMTP_AN_AUTH_BAD_BASE64,
	SMTP_AN_HOLD_OVERFLOW,      /* too many client bytes while waiting; count = dropped */
	SMTP_AN_UNTERMINATED,       /* stream ended inside a line, a reply or message content */
	SMTP_AN_NO_REPLY,           /* stream ended with commands awaiting replies; count */
	SMTP_AN_LAST
};

const char *smtp_anomaly_name(enum smtp_anomaly a); /* "line_too_long"; never NULL */
const char *smtp_anomaly_text(enum smtp_anomaly a); /* one line for a person */

enum smtp_event_type {
	SMTP_EV_COMMAND,
	SMTP_EV_REPLY,
	SMTP_EV_AUTH,
	SMTP_EV_BODY,
	SMTP_EV_BODY_END,
	SMTP_EV_TLS_START,
	SMTP_EV_ANOMALY,
	SMTP_EV_GAP,
	SMTP_EV_END,
	SMTP_EV_LAST
};

const char *smtp_event_name(enum smtp_event_type t); /* "command", ... */

struct smtp_event {
	enum smtp_event_type type;
	enum smtp_dir dir;
	int64_t ts;            /* microseconds, from the feed that completed the item */
	uint64_t offset;       /* offset in dir's byte stream where the item began */
	union {
		const struct smtp_command *cmd;    /* SMTP_EV_COMMAND */
		const struct smtp_reply *reply;    /* SMTP_EV_REPLY */
		const struct smtp_auth *auth;      /* SMTP_EV_AUTH */
		struct {
			const uint8_t *p;
			size_t len;
		} body;                            /* SMTP_EV_BODY */
		const struct smtp_body_end *end;   /* SMTP_EV_BODY_END */
		struct {
			enum smtp_anomaly kind;
			uint64_t count;            /* bytes/lines involved, or 0 */
			const char *detail;        /* short context, "" when none */
		} anomaly;                         /* SMTP_EV_ANOMALY */
		struct {
			uint64_t nbytes;
		} gap;                             /* SMTP_EV_GAP */
		struct {
			bool implicit;             /* TLS without STARTTLS */
		} tls;                             /* SMTP_EV_TLS_START */
	};
};

typedef void (*smtp_event_fn)(void *user, const struct smtp_event *ev);
/* Receives the raw bytes of each direction once TLS has started. */
typedef void (*smtp_tls_fn)(void *user, enum smtp_dir dir, const uint8_t *p, size_t len, int64_t ts);

/* Server extensions seen in the last EHLO/LHLO reply (smtp_server_ext). */
#define SMTP_EXT_PIPELINING 0x001u
#define SMTP_EXT_CHUNKING   0x002u
#define SMTP_EXT_STARTTLS   0x004u
#define SMTP_EXT_AUTH       0x008u
#define SMTP_EXT_SIZE       0x010u
#define SMTP_EXT_8BITMIME   0x020u
#define SMTP_EXT_SMTPUTF8   0x040u
#define SMTP_EXT_DSN        0x080u
#define SMTP_EXT_BINARYMIME 0x100u
#define SMTP_EXT_ENHANCEDSTATUSCODES 0x200u
#define SMTP_EXT_REQUIRETLS 0x400u

struct smtp_parser_opts {
	bool no_greeting; /* the capture starts mid-session: no reply is a greeting */
	/* A reply without a valid code still answers the command awaiting a reply
	 * (what a capture decoder wants: the server did answer, if badly): a line
	 * that opens with an RFC 3463 enhanced code ("4.7.0 ...") is such a reply,
	 * other lines without a code are held until a line with a code joins them
	 * or the client's next command shows they stood alone. Without it (false,
	 * the default) each such line is a reply of its own that answers nothing. */
	bool answer_without_code;
};

struct smtp_parser;

/* A new parser (never NULL). opts may be NULL. Free with smtp_parser_free. */
struct smtp_parser *smtp_parser_new(smtp_event_fn fn, void *user, const struct smtp_parser_opts *opts);
void smtp_parser_free(struct smtp_parser *p);
/* p made ready for a new stream, as smtp_parser_new would make it, keeping
 * the memory its buffers grew (unless that is large); returns the parser to
 * use (p, or a new one when p was freed). */
struct smtp_parser *smtp_parser_reset(struct smtp_parser *p, smtp_event_fn fn, void *user,
				      const struct smtp_parser_opts *opts);
/* Feed bytes of one direction, any chunking; ts in microseconds. */
void smtp_feed(struct smtp_parser *p, enum smtp_dir dir, const uint8_t *data, size_t len, int64_t ts);
/* nbytes of dir are missing (capture gap). Inside a line, the line keeps its
 * start and ends after the gap; at a line start, the next line is used only if
 * it looks like the start of a command or reply, else skipped up to the next
 * line start. In DATA content the bytes are counted as missing and the end
 * marker is still looked for; in a BDAT chunk they count toward its length.
 * Server bytes lost at a reply boundary held the reply to the command awaiting
 * one: the next reply skips it (its answer_seq is later; the command's reply
 * was lost), and the first reply after a gap also skips commands it cannot
 * answer when it names a later one (354 DATA, 221 QUIT, 2.1.5 RCPT...) sent
 * before it began. A reply cut by a gap ends when the client sends a command
 * it could only send after the whole reply. A lost 354 (or 220 to STARTTLS)
 * is inferred from the client's content. Emits SMTP_EV_GAP. A command lost
 * whole leaves its reply to the next one. */
void smtp_gap(struct smtp_parser *p, enum smtp_dir dir, uint64_t nbytes);
/* Both streams ended: flag partial lines and commands left without reply,
 * then emit SMTP_EV_END. Further feeds are ignored. */
void smtp_finish(struct smtp_parser *p, int64_t ts);
/* Switch to TLS now (implicit TLS, e.g. port 465): emits SMTP_EV_TLS_START. */
void smtp_start_tls(struct smtp_parser *p, int64_t ts);
/* Hand TLS bytes (after SMTP_EV_TLS_START) to fn; without it they are only counted. */
void smtp_set_tls_sink(struct smtp_parser *p, smtp_tls_fn fn, void *user);
bool smtp_in_tls(const struct smtp_parser *p);
uint64_t smtp_tls_bytes(const struct smtp_parser *p, enum smtp_dir dir);
/* SMTP_EXT_* advertised in the last EHLO/LHLO reply. */
unsigned smtp_server_ext(const struct smtp_parser *p);
/* Commands currently awaiting a reply. */
size_t smtp_pending_count(const struct smtp_parser *p);

/* One EHLO reply line (text after "250-"): the keyword (upper-cased into kw,
 * at most kwsize-1 bytes) and its parameters (pointer into p, may be empty).
 * Returns false when the line holds no keyword. */
bool smtp_ehlo_keyword(const uint8_t *p, size_t len, char *kw, size_t kwsize,
		       const uint8_t **params, size_t *params_len);
/* SMTP_EXT_* bit of a keyword (0 when not tracked). "AUTH=..." counts as AUTH. */
unsigned smtp_ext_bit(const char *kw);
/* The SMTP_EXT_* bit of an EHLO reply line's keyword (text after the code),
 * as smtp_ehlo_keyword then smtp_ext_bit would give it, without a copy. */
unsigned smtp_ehlo_line_ext(const uint8_t *p, size_t len);

/* Strict base64 (RFC 4648, padding required) as used by AUTH (RFC 4954 4):
 * "=" alone is the empty string. out is reset, then holds the decoded bytes;
 * false when the input is not base64 or does not fit out's cap. */
bool smtp_b64_decode(const uint8_t *in, size_t len, struct buf *out);

/* Render one event as a single text line (no newline) appended to out,
 * control bytes escaped; secrets masked as "***" unless flags has
 * SMTP_FMT_SECRETS. Body bytes are shown up to SMTP_FMT_BODY_SHOW bytes.
 * Returns false when out reached its cap. (decode/smtp_fmt.c) */
#define SMTP_FMT_SECRETS 0x1u
#define SMTP_FMT_BODY_SHOW 256
bool smtp_event_format(const struct smtp_event *ev, unsigned flags, struct buf *out);

/* Parse one command line (no line end) into cmd, with strings in arena (at
 * least 4 * len + 256 bytes). Anomalies found are OR-ed into *anom as
 * 1ull << SMTP_AN_*. Used by the parser; exposed for tests and the live
 * session's echo of what it sends. */
void smtp_command_parse(const uint8_t *p, size_t len, struct smtp_command *cmd,
			struct smtp_param *params, char *arena, size_t arena_size, uint64_t *anom);
/* Parse a reverse- or forward-path at p (after "FROM:"/"TO:"); *used gets the
 * bytes consumed. Strings go to arena (at least 2 * len + 8 bytes). */
void smtp_path_parse(const uint8_t *p, size_t len, struct smtp_path *path, size_t *used,
		     char *arena, size_t arena_size);

#endif
