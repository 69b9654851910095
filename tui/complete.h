/* complete.h - what the Session screen's input line knows about SMTP: Tab
 * completion of verbs, their parameters and the ':' helpers, one line of
 * help for the command being typed, and a hint for what to try next from
 * the session's state (RFC 5321 4.1 and 4.2, RFC 1870 SIZE, 3030 CHUNKING,
 * 3207 STARTTLS, 3461 DSN, 4954 AUTH, 6152 8BITMIME, 6531 SMTPUTF8).
 * Pure: no curses, no sockets. */
#ifndef SMTPSCOPE_COMPLETE_H
#define SMTPSCOPE_COMPLETE_H
#include <stdbool.h>
#include <stddef.h>

#include "decode/smtp.h"

/* Candidates kept for one word, and the bytes of one candidate. */
#define COMPLETE_CAND_MAX 32
#define COMPLETE_WORD_MAX 64
/* Bytes of a line the completer works on (longer lines are not completed). */
#define COMPLETE_LINE_MAX 4096

/* What the server said about itself, so that completion offers what it
 * supports. All zero: nothing known yet, everything is offered. */
struct complete_ctx {
	unsigned ext;           /* SMTP_EXT_* of the last EHLO reply; 0: not known */
	const char *auth_mechs; /* parameters of its AUTH keyword ("PLAIN LOGIN"), or NULL */
	bool lmtp;              /* LMTP: LHLO instead of EHLO/HELO */
};

struct complete_list {
	size_t start; /* the word being completed is line[start .. end of line) */
	size_t n;
	char cand[COMPLETE_CAND_MAX][COMPLETE_WORD_MAX]; /* replacements for that word */
};

/* The candidates for the word that ends the line (the cursor is at its end).
 * A word typed in lower case gets lower-case candidates. */
void complete_list(const char *line, size_t len, const struct complete_ctx *cx, struct complete_list *out);

/* What one Tab press did. */
enum complete_result {
	COMPLETE_NONE,      /* nothing matches: the line is unchanged */
	COMPLETE_UNIQUE,    /* the only candidate was put in */
	COMPLETE_PREFIX,    /* the candidates' common prefix was put in */
	COMPLETE_CYCLE,     /* Tab again: the next candidate replaced the word */
	COMPLETE_LAST
};

/* Tab state: pressing Tab again on the line a Tab produced steps through the
 * candidates. Zero it to start (or call complete_tab_reset); free with
 * complete_tab_free. */
struct complete_tab {
	bool cycling;
	size_t idx;
	char *orig;       /* the line when cycling began */
	char *last;       /* the line the last Tab produced */
	struct complete_list list;
};

/* Apply Tab to line[0..len). On UNIQUE, PREFIX and CYCLE the new line is
 * written to out (NUL-terminated, at most size - 1 bytes; the result is
 * NONE when it does not fit). t->list then holds the candidates, for
 * showing them. */
enum complete_result complete_tab_apply(struct complete_tab *t, const char *line, size_t len,
					const struct complete_ctx *cx, char *out, size_t size);
void complete_tab_reset(struct complete_tab *t);
void complete_tab_free(struct complete_tab *t);

/* One line of help for the command being typed (its first word: an SMTP
 * verb, a ':' helper, or the unique verb it starts), e.g. "MAIL FROM:<address>
 * [SIZE=n] [BODY=8BITMIME] - starts a transaction; send after EHLO". Several
 * verbs starting with what was typed are listed. False (out = "") when
 * there is nothing to say. */
bool complete_help(const char *line, size_t len, char *out, size_t size);

/* The state of a session, as the hint needs it. */
struct complete_state {
	bool connected;              /* TCP (and implicit TLS) up */
	bool closed;                 /* the session ended */
	bool greeted;                /* a greeting reply arrived */
	bool tls;                    /* the session is encrypted */
	bool authed;                 /* AUTH succeeded */
	unsigned ext;                /* SMTP_EXT_* offered */
	enum smtp_cmd_kind answered; /* what the last reply answered (SMTP_CMD_LAST: the greeting) */
	int code;                    /* the last reply's code, 0 when none yet */
	unsigned rcpts_ok;           /* recipients accepted in the open transaction */
	bool in_txn;                 /* MAIL accepted, no end yet */
	const char *queue_id;        /* of the last accepted message, or NULL */
};

/* What to try next, e.g. after the 220 greeting "try EHLO your.name".
 * False (out = "") when there is no advice. */
bool complete_hint(const struct complete_state *st, char *out, size_t size);

#endif
