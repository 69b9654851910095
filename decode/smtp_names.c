/* smtp_names.c - names of SMTP parser commands, events and anomalies, with a one-line explanation of each anomaly (RFC 5321, 2920, 3207, 4954). */
#include "smtp.h"

static const char *const cmd_names[SMTP_CMD_LAST] = {
	[SMTP_CMD_HELO] = "HELO",         [SMTP_CMD_EHLO] = "EHLO",
	[SMTP_CMD_LHLO] = "LHLO",         [SMTP_CMD_MAIL] = "MAIL",
	[SMTP_CMD_RCPT] = "RCPT",         [SMTP_CMD_DATA] = "DATA",
	[SMTP_CMD_BDAT] = "BDAT",         [SMTP_CMD_RSET] = "RSET",
	[SMTP_CMD_NOOP] = "NOOP",         [SMTP_CMD_QUIT] = "QUIT",
	[SMTP_CMD_VRFY] = "VRFY",         [SMTP_CMD_EXPN] = "EXPN",
	[SMTP_CMD_HELP] = "HELP",         [SMTP_CMD_STARTTLS] = "STARTTLS",
	[SMTP_CMD_AUTH] = "AUTH",         [SMTP_CMD_ETRN] = "ETRN",
	[SMTP_CMD_XCLIENT] = "XCLIENT",   [SMTP_CMD_UNKNOWN] = "UNKNOWN",
	[SMTP_CMD_AUTH_RESPONSE] = "AUTH-RESPONSE",
	[SMTP_CMD_MESSAGE] = "MESSAGE",
};

const char *smtp_cmd_name(enum smtp_cmd_kind k)
{
	return (unsigned)k < SMTP_CMD_LAST ? cmd_names[k] : "NONE";
}

static const char *const ev_names[SMTP_EV_LAST] = {
	[SMTP_EV_COMMAND] = "command",   [SMTP_EV_REPLY] = "reply",
	[SMTP_EV_AUTH] = "auth",         [SMTP_EV_BODY] = "body",
	[SMTP_EV_BODY_END] = "body-end", [SMTP_EV_TLS_START] = "tls-start",
	[SMTP_EV_ANOMALY] = "anomaly",   [SMTP_EV_GAP] = "gap",
	[SMTP_EV_END] = "end",
};

const char *smtp_event_name(enum smtp_event_type t)
{
	return (unsigned)t < SMTP_EV_LAST ? ev_names[t] : "?";
}

static const struct {
	const char *name;
	const char *text;
} anomalies[SMTP_AN_LAST] = {
	[SMTP_AN_LINE_TOO_LONG] = {"line_too_long", "line longer than RFC 5321 allows (512 octets with CRLF)"},
	[SMTP_AN_LINE_TRUNCATED] = {"line_truncated", "line over the hard cap; the rest was dropped"},
	[SMTP_AN_BARE_LF] = {"bare_lf", "line ended by LF without CR (RFC 5321 2.3.8 requires CRLF)"},
	[SMTP_AN_BARE_CR] = {"bare_cr", "CR not followed by LF inside a line"},
	[SMTP_AN_NUL_BYTE] = {"nul_byte", "NUL byte in a command or reply line"},
	[SMTP_AN_BINARY] = {"binary", "control bytes in a command or reply line"},
	[SMTP_AN_EMPTY_LINE] = {"empty_line", "empty command line"},
	[SMTP_AN_EARLY_TALKER] = {"early_talker", "client sent a command before the server's greeting"},
	[SMTP_AN_REPLY_BAD_CODE] = {"reply_bad_code", "reply line without a valid three-digit code"},
	[SMTP_AN_REPLY_CODE_MISMATCH] = {"reply_code_mismatch",
					 "lines of one multi-line reply carry different codes"},
	[SMTP_AN_REPLY_BAD_SEPARATOR] = {"reply_bad_separator", "reply code followed by neither space nor hyphen"},
	[SMTP_AN_REPLY_TOO_LONG] = {"reply_too_long", "reply with more lines or bytes than kept; the rest dropped"},
	[SMTP_AN_REPLY_UNSOLICITED] = {"reply_unsolicited", "reply while no command was waiting for one"},
	[SMTP_AN_REPLY_RESYNC] = {"reply_resync", "replies were lost; matching skipped to the DATA command"},
	[SMTP_AN_REPLY_LOST_COMMAND] = {"reply_lost_command",
					"reply to a command lost in a capture gap on the client side"},
	[SMTP_AN_PIPELINING_NOT_ADVERTISED] = {"pipelining_not_advertised",
					       "client sent commands without waiting, but PIPELINING was not offered"},
	[SMTP_AN_PIPELINE_ORDER] = {"pipeline_order",
				    "client sent more after a command whose reply it must wait for (RFC 2920 3.1)"},
	[SMTP_AN_PIPELINE_OVERFLOW] = {"pipeline_overflow", "too many commands awaiting replies; later ones untracked"},
	[SMTP_AN_PATH_NO_BRACKETS] = {"path_no_brackets", "address sent without angle brackets"},
	[SMTP_AN_PATH_SYNTAX] = {"path_syntax", "malformed address or MAIL/RCPT syntax"},
	[SMTP_AN_PARAM_SYNTAX] = {"param_syntax", "malformed or invalid ESMTP parameter"},
	[SMTP_AN_BAD_ARGUMENT] = {"bad_argument", "command with a missing, extra or invalid argument"},
	[SMTP_AN_DATA_BARE_LF] = {"data_bare_lf", "message content uses bare LF line ends"},
	[SMTP_AN_DATA_BARE_LF_END] = {"data_bare_lf_end",
				      "end of data marked with bare LF (smuggling risk: servers disagree)"},
	[SMTP_AN_DATA_LONG_LINE] = {"data_long_line", "message line longer than 1000 octets (RFC 5321 4.5.3.1.6)"},
	[SMTP_AN_DATA_EARLY] = {"data_early", "client sent message content before the 354 reply"},
	[SMTP_AN_STARTTLS_INJECTION_CLIENT] = {"starttls_injection_client",
					       "client sent bytes after STARTTLS before the 220 reply (injection attempt)"},
	[SMTP_AN_STARTTLS_INJECTION_SERVER] = {"starttls_injection_server",
					       "server sent bytes after its 220 before the TLS handshake (injection)"},
	[SMTP_AN_TLS_WITHOUT_STARTTLS] = {"tls_without_starttls", "TLS handshake where SMTP commands were expected"},
	[SMTP_AN_GAP] = {"gap", "bytes missing from the capture"},
	[SMTP_AN_AUTH_BAD_BASE64] = {"auth_bad_base64", "AUTH message that is not valid base64"},
	[SMTP_AN_HOLD_OVERFLOW] = {"hold_overflow", "too many bytes sent while waiting for a reply; rest dropped"},
	[SMTP_AN_UNTERMINATED] = {"unterminated", "stream ended inside a line, reply or message"},
	[SMTP_AN_NO_REPLY] = {"no_reply", "stream ended with commands still awaiting replies"},
};

const char *smtp_anomaly_name(enum smtp_anomaly a)
{
	return (unsigned)a < SMTP_AN_LAST ? anomalies[a].name : "unknown";
}

const char *smtp_anomaly_text(enum smtp_anomaly a)
{
	return (unsigned)a < SMTP_AN_LAST ? anomalies[a].text : "unknown anomaly";
}
