/* helpers.h - the ':' helper commands of a live session (`:auth`, `:data`,
 * `:bdat`, `:starttls`, `:send`, `:pipeline`, `:ehlo`, `:help`, `:quit`):
 * parsing a typed line into a struct helper_cmd, and the SASL encodings they
 * use (RFC 4954; RFC 4616 PLAIN, RFC 2195 CRAM-MD5, LOGIN and XOAUTH2 as
 * deployed). Parsing and encoding are pure; running a helper is the
 * session's work (probe/session_helpers.c). */
#ifndef SMTPSCOPE_HELPERS_H
#define SMTPSCOPE_HELPERS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/buf.h"
#include "probe/msgbuild.h"
#include "probe/session.h"

enum helper_kind {
	HELPER_AUTH,
	HELPER_DATA,
	HELPER_BDAT,
	HELPER_STARTTLS,
	HELPER_SEND,
	HELPER_PIPELINE,
	HELPER_EHLO,
	HELPER_HELP,
	HELPER_QUIT,
	HELPER_LAST
};
/* "auth", "data", ... */
const char *helper_kind_name(enum helper_kind k);

enum helper_mech { HELPER_MECH_PLAIN, HELPER_MECH_LOGIN, HELPER_MECH_CRAM_MD5, HELPER_MECH_XOAUTH2,
		   HELPER_MECH_LAST };
/* "PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2" */
const char *helper_mech_name(enum helper_mech m);
/* Case-insensitive; false when not one of the four. */
bool helper_mech_parse(const char *s, enum helper_mech *out);

/* Default BDAT chunk size (RFC 3030 sets none; 64 KiB keeps round trips few
 * and the output buffer small). */
#define HELPER_BDAT_CHUNK_DEFAULT 65536u
#define HELPER_BDAT_CHUNK_MAX (1024u * 1024u)

/* A parsed helper. Every string is owned (freed by helper_cmd_free). */
struct helper_cmd {
	enum helper_kind kind;
	/* :auth MECH USER [SECRET] */
	enum helper_mech mech;
	char *user;
	char *secret;            /* NULL: from the session's secret, or asked for */
	/* :data [@FILE], :bdat [--chunk N] [@FILE] */
	char *file;              /* NULL: the message is typed, ended by "." */
	size_t chunk;            /* :bdat chunk size */
	/* :send --from A --to B ... */
	struct msgbuild_opts msg; /* strings and arrays owned */
	char *mail_from;          /* envelope sender ("" for <>) */
	char **rcpts;             /* envelope recipients */
	size_t nrcpts;
	bool use_bdat;            /* --bdat: send with BDAT instead of DATA */
	enum session_stage stop_after; /* NONE, or MAIL / RCPT / DATA: QUIT-less stop after it */
	/* :pipeline CMD; CMD; ... */
	char **cmds;
	size_t ncmds;
	/* :ehlo [NAME] */
	char *name;
};

/* Parse a line starting with ':' (len bytes, no line end). On failure
 * returns false with a message for the user in err. out is initialised in
 * every case and must be freed with helper_cmd_free. */
bool helper_parse(const char *line, size_t len, struct helper_cmd *out, char *err, size_t errsize);
/* Free what cmd owns (secrets are wiped first) and zero it. */
void helper_cmd_free(struct helper_cmd *cmd);
/* A new zeroed helper of this kind (for programmatic use). */
struct helper_cmd *helper_cmd_new(enum helper_kind kind);
/* The line as it may be shown: the secret of :auth replaced by "***". */
void helper_cmd_describe(const struct helper_cmd *cmd, struct buf *out);
/* The help text (several lines, no trailing newline). */
const char *helper_help_text(void);

/* Split a helper's arguments like a shell does, without expansion: blanks
 * separate words, '...' quotes literally, "..." quotes with \" \\ escapes, a
 * backslash outside quotes escapes the next byte. At most max words; false
 * (with err) on an unterminated quote or too many words. Words are new
 * strings the caller frees. */
bool helper_split(const char *p, size_t len, char **words, size_t max, size_t *n, char *err,
		  size_t errsize);

/* ---- SASL encodings (helpers_auth.c); each resets out and writes base64 ---- */

/* Standard base64 (RFC 4648 4) of p. */
bool helper_b64(const uint8_t *p, size_t len, struct buf *out);
/* RFC 4616: authzid NUL authcid NUL passwd (authzid may be NULL or ""). */
bool helper_auth_plain(const char *authzid, const char *user, const char *secret, struct buf *out);
/* RFC 2195: user SP hex(HMAC-MD5(secret, challenge)); challenge is the
 * server's base64 text. False when it is not valid base64. */
bool helper_auth_cram_md5(const char *user, const char *secret, const uint8_t *challenge_b64,
			  size_t len, struct buf *out);
/* XOAUTH2 (Google/Microsoft): "user=" U ^A "auth=Bearer " T ^A ^A. */
bool helper_auth_xoauth2(const char *user, const char *token, struct buf *out);

#endif
