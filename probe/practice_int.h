/* practice_int.h - the practice session's state, shared by practice_session.c
 * (bytes, lines, message content, replies), practice_cmd.c (commands),
 * practice_auth.c (RFC 4954 AUTH) and practice_help.c (HELP, EHLO, teaching
 * addresses). Not for use outside probe/practice*.c. */
#ifndef SMTPSCOPE_PRACTICE_INT_H
#define SMTPSCOPE_PRACTICE_INT_H
#include <stdarg.h>

#include "decode/smtp.h"
#include "probe/practice_session.h"

enum ps_mode { PS_CMD, PS_AUTH, PS_DATA, PS_BDAT };
enum ps_auth { PS_AUTH_NONE, PS_AUTH_PLAIN, PS_AUTH_LOGIN_USER, PS_AUTH_LOGIN_PASS };

/* Longest reply text echoed back from what the client sent. */
#define PS_ECHO_MAX 80

struct practice_session {
	struct practice_session_cfg cfg; /* strings owned */
	bool own_shared;		 /* cfg.shared was NULL: ours */
	practice_cb *cb;
	void *ud;
	struct buf *out; /* the caller's output buffer during feed */

	enum ps_mode mode;
	enum practice_status status;
	const char *close_reason;
	unsigned errors;
	bool started; /* some byte arrived */

	/* Session: RFC 5321 4.1.4 and RFC 3207 4.2 say what survives what. */
	bool tls;
	bool greeted; /* HELO or EHLO accepted */
	bool esmtp;   /* it was EHLO: extensions are in effect */
	char *helo;
	char *auth_user;
	enum ps_auth auth_step;
	char *login_user; /* AUTH LOGIN: user name given, password awaited */

	/* Command line being assembled. */
	struct buf line;
	bool line_overflow;
	uint8_t line_last; /* last byte seen of the line (CR before LF?) */

	/* Mail transaction. */
	bool in_mail;
	char *mail_from;
	bool smtputf8, body8;
	char **rcpts;
	size_t nrcpts;
	size_t rcpt_tried;    /* syntactically valid RCPTs, accepted or not */
	bool reject_content;  /* a teaching recipient refuses the content */
	bool used_bdat;

	/* Message content (DATA after unstuffing, or BDAT chunks). */
	struct buf msg; /* the first keep_max octets */
	uint64_t msg_size;
	uint64_t line_len; /* octets in the current content line */
	uint64_t longest;
	bool eight_bit, bare_cr, bare_lf, too_big;

	/* DATA scanner: at a line start, line began with '.', CR held back. */
	bool d_line_start, d_dot, d_cr;
	uint64_t d_line_bytes; /* content octets of this line after the dot */

	/* BDAT chunk being read. */
	uint64_t chunk_left, chunk_size;
	bool chunk_last;
	bool chunk_discard;
	int chunk_code;	      /* reply after a discarded chunk */
	char chunk_text[300]; /* "5.5.1 Bad sequence ..." */
};

/* practice_session.c */
/* Queue one reply line "code[ esc] text" (esc may be NULL) and report it;
 * counts errors and closes with 421 4.7.0 past the limit. */
void ps_reply(struct practice_session *s, int code, const char *esc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Queue a multi-line reply already formatted with CRLFs (r), and report it. */
void ps_reply_raw(struct practice_session *s, int code, const struct buf *r);
void ps_emit_note(struct practice_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ps_close(struct practice_session *s, const char *why);
void ps_txn_reset(struct practice_session *s);
void ps_content_begin(struct practice_session *s, bool bdat);
/* The message is complete (DATA end marker or BDAT LAST): reply and reset. */
void ps_message_end(struct practice_session *s, bool bdat);
/* A BDAT chunk was read whole (or was empty): its reply. */
void ps_chunk_end(struct practice_session *s);
/* Copy at most max bytes of s as printable ASCII ('?' for others) into dst. */
void ps_echo(char *dst, size_t size, const char *s, size_t max);

/* practice_cmd.c */
void ps_command(struct practice_session *s, const uint8_t *p, size_t n);

/* practice_auth.c */
void ps_cmd_auth(struct practice_session *s, const struct smtp_command *c);
void ps_auth_response(struct practice_session *s, const uint8_t *p, size_t n);
void ps_auth_abort(struct practice_session *s);

/* practice_help.c */
void ps_ehlo_reply(struct practice_session *s, bool esmtp);
void ps_help_reply(struct practice_session *s, const char *topic);
/* The teaching reply for a recipient at a local domain; false: plain accept. */
struct ps_teach_rule {
	const char *local;
	int code;
	const char *esc;
	const char *text;
};
const struct ps_teach_rule *ps_teach_lookup(const char *local, size_t len);
bool ps_domain_invalid(const char *domain);

#endif
