/* cmd_send.c - `smtpscope send`: one non-interactive SMTP transaction like
 * swaks (RFC 5321; STARTTLS RFC 3207; AUTH RFC 4954; MIME RFC 2045/2046),
 * the annotated transcript, and an exit status naming the stage that failed. */
#include "tui/commands.h"
#include "decode/buf.h"
#include "decode/xmalloc.h"
#include "probe/helpers.h"
#include "probe/loop.h"
#include "probe/msgbuild.h"
#include "probe/session.h"
#include "tui/transcript.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct send_args {
	struct transcript_cli cli;
	const char *server;
	struct helper_cmd *msg;   /* the :send job being filled */
	bool have_from;
	enum helper_mech mech;
	bool have_auth;
	const char *user;
	const char *secret_file;
	enum session_stage quit_after;
	const char *script;
};

static void send_usage(FILE *f)
{
	fprintf(f,
		"usage: smtpscope send --server HOST[:PORT] --from ADDR --to ADDR [--to ADDR ...]\n"
		"                      [--auth plain|login|cram-md5|xoauth2 --user USER [--secret-file FILE]]\n"
		"                      [--starttls|--tls] [--header 'Name: value' ...] [--subject TEXT]\n"
		"                      [--body TEXT|@FILE] [--attach FILE ...] [--data @FILE] [--bdat]\n"
		"                      [--quit-after STAGE] [--ehlo NAME] [--json] [--script FILE|-]\n\n"
		"Send one message and show the whole conversation, each reply explained.\n"
		"The secret for --auth comes from --secret-file, $SMTPSCOPE_SECRET or a prompt on\n"
		"the terminal, never from the command line (where `ps` would show it).\n"
		"  --to A[,B...]          recipients (repeatable)\n"
		"  --body TEXT|@FILE      the text body; @FILE streams a file of any size\n"
		"  --attach FILE          attach as base64 (multipart/mixed)\n"
		"  --data @FILE           send FILE as the whole message, unchanged (no fields added)\n"
		"  --bdat                 send the message with BDAT when CHUNKING is offered\n"
		"  --quit-after STAGE     stop cleanly after connect, greeting, ehlo, tls, auth, mail\n"
		"                         or rcpt\n"
		"  --script FILE|-        after EHLO (STARTTLS, AUTH), run these lines (raw SMTP and\n"
		"                         ':' helpers, see `smtpscope connect --help`) instead of --from/--to\n\n");
	fprintf(f, "%s\n", transcript_cli_usage);
	fprintf(f, "Exit status: 0 the message was accepted (or the --quit-after stage reached);\n"
		   "10 connect (DNS, TCP), 11 greeting, 12 EHLO/HELO, 13 STARTTLS or TLS handshake,\n"
		   "14 AUTH, 15 MAIL FROM, 16 RCPT TO (every recipient refused), 17 DATA/BDAT,\n"
		   "18 the message (final reply), 19 QUIT; 2 usage; 3 local error (a file that\n"
		   "cannot be read); 1 internal error. With --script: the first stage that failed.\n");
}

static void send_push(char ***list, size_t *n, const char *v)
{
	*list = xreallocarray(*list, *n + 1, sizeof **list);
	(*list)[(*n)++] = xstrdup(v);
}

/* --to a,b,c adds each address to the envelope and the To: field. */
static void send_add_rcpts(struct helper_cmd *m, const char *v)
{
	const char *p = v;
	while (*p) {
		size_t n = strcspn(p, ",");
		char *a = xmemdup0(p, n);
		char *s = a, *e = a + n;
		while (*s == ' ')
			s++;
		while (e > s && e[-1] == ' ')
			*--e = '\0';
		if (*s) {
			send_push(&m->rcpts, &m->nrcpts, s);
			send_push((char ***)&m->msg.to, &m->msg.nto, s);
		}
		free(a);
		p += n + (p[n] == ',');
	}
}

static int send_msg_option(struct send_args *a, const char *o, const char *v)
{
	struct helper_cmd *m = a->msg;
	char err[300];
	if (!strcmp(o, "--from")) {
		free(m->mail_from);
		m->mail_from = xstrdup(v);
		free((char *)m->msg.from);
		m->msg.from = xstrdup(v);
		a->have_from = true;
	} else if (!strcmp(o, "--to")) {
		send_add_rcpts(m, v);
	} else if (!strcmp(o, "--header")) {
		if (!msgbuild_header_ok(v, err, sizeof err)) {
			fprintf(stderr, "smtpscope send: --header: %s\n", err);
			return -1;
		}
		send_push((char ***)&m->msg.headers, &m->msg.nheaders, v);
	} else if (!strcmp(o, "--subject")) {
		free((char *)m->msg.subject);
		m->msg.subject = xstrdup(v);
	} else if (!strcmp(o, "--body")) {
		free((char *)m->msg.body);
		m->msg.body = xstrdup(v);
	} else if (!strcmp(o, "--attach")) {
		send_push((char ***)&m->msg.attach, &m->msg.nattach, v);
	} else if (!strcmp(o, "--data")) {
		free((char *)m->msg.data_file);
		m->msg.data_file = xstrdup(v[0] == '@' ? v + 1 : v);
	} else {
		return 0;
	}
	return 1;
}

static int send_own_option(struct send_args *a, const char *o, const char *v)
{
	if (!strcmp(o, "--server")) {
		a->server = v;
	} else if (!strcmp(o, "--auth")) {
		if (!helper_mech_parse(v, &a->mech)) {
			fprintf(stderr, "smtpscope send: --auth: plain, login, cram-md5 or xoauth2\n");
			return -1;
		}
		a->have_auth = true;
	} else if (!strcmp(o, "--user")) {
		a->user = v;
	} else if (!strcmp(o, "--secret-file")) {
		a->secret_file = v;
	} else if (!strcmp(o, "--quit-after")) {
		if (!session_stage_parse(v, &a->quit_after) || a->quit_after > SESS_STAGE_RCPT) {
			fprintf(stderr, "smtpscope send: --quit-after: connect, greeting, ehlo, tls, auth, mail or rcpt\n");
			return -1;
		}
	} else if (!strcmp(o, "--script")) {
		a->script = v;
	} else {
		return send_msg_option(a, o, v);
	}
	return 1;
}

static int send_parse(struct send_args *a, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
			send_usage(stdout);
			return 0;
		}
		if (!strcmp(o, "--bdat")) {
			a->msg->use_bdat = true;
			continue;
		}
		int r = transcript_cli_option(&a->cli, "send", argc, argv, &i);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if (o[0] != '-' || i + 1 >= argc) {
			fprintf(stderr, "smtpscope send: %s %s (see --help)\n", o,
				o[0] == '-' ? "needs a value" : "is not an option");
			return 2;
		}
		r = send_own_option(a, o, argv[i + 1]);
		if (r < 0)
			return 2;
		if (r == 0) {
			fprintf(stderr, "smtpscope send: unknown option %s (see --help)\n", o);
			return 2;
		}
		i++;
	}
	return -1;
}

static int send_check(struct send_args *a)
{
	const char *why = NULL;
	if (!a->server)
		why = "--server is required";
	else if (!a->script && a->quit_after != SESS_STAGE_NONE && a->quit_after < SESS_STAGE_MAIL)
		why = NULL;
	else if (!a->script && (!a->have_from || a->msg->nrcpts == 0))
		why = "--from and at least one --to are required (or --script)";
	if (!why && a->script && a->quit_after != SESS_STAGE_NONE)
		why = "--quit-after cannot be combined with --script";
	if (!why && a->script && (a->have_from || a->msg->nrcpts))
		why = "--script replaces --from/--to: use :send in the script";
	if (!why && a->have_auth && !a->user)
		why = "--auth needs --user";
	if (!why && a->quit_after == SESS_STAGE_AUTH && !a->have_auth)
		why = "--quit-after auth needs --auth";
	if (!why && a->quit_after == SESS_STAGE_TLS && !a->cli.so.starttls && !a->cli.so.implicit_tls)
		why = "--quit-after tls needs --starttls or --tls";
	if (!why && a->cli.so.implicit_tls && a->cli.so.starttls)
		why = "--tls and --starttls exclude each other";
	if (why) {
		fprintf(stderr, "smtpscope send: %s\n", why);
		return 2;
	}
	return transcript_cli_target(&a->cli, "send", a->server) ? -1 : 2;
}

static int send_secret(struct send_args *a)
{
	if (!a->have_auth)
		return -1;
	if (a->secret_file)
		return transcript_cli_secret_file(&a->cli, "send", a->secret_file) ? -1 : SESS_EXIT_LOCAL;
	const char *env = getenv("SMTPSCOPE_SECRET");
	if (env && *env) {
		a->cli.secret = xstrdup(env);
		return -1;
	}
	if (a->script && !strcmp(a->script, "-")) {
		fprintf(stderr, "smtpscope send: the script is on stdin: give the secret with --secret-file or SMTPSCOPE_SECRET\n");
		return 2;
	}
	char prompt[300];
	snprintf(prompt, sizeof prompt, "%s for %s", a->mech == HELPER_MECH_XOAUTH2 ? "token" : "password", a->user);
	if (!transcript_cli_prompt_secret(&a->cli, prompt)) {
		fprintf(stderr, "smtpscope send: --auth needs a secret: --secret-file FILE, SMTPSCOPE_SECRET, "
				"or a terminal to ask on\n");
		return 2;
	}
	return -1;
}

/* Check the message files before connecting (a usage problem, not a stage). */
static int send_check_message(struct send_args *a)
{
	if (a->script || (a->quit_after != SESS_STAGE_NONE && a->quit_after <= SESS_STAGE_RCPT))
		return -1;
	struct buf err;
	buf_init(&err, 512);
	struct msgbuild *mb = msgbuild_new(&a->msg->msg, &err);
	if (!mb)
		fprintf(stderr, "smtpscope send: %s\n", buf_str(&err));
	msgbuild_free(mb);
	buf_free(&err);
	return mb ? -1 : SESS_EXIT_LOCAL;
}

static void send_queue(struct send_args *a, struct session *s)
{
	enum session_stage qa = a->quit_after;
	if (a->have_auth && (qa == SESS_STAGE_NONE || qa >= SESS_STAGE_AUTH)) {
		struct helper_cmd *h = helper_cmd_new(HELPER_AUTH);
		h->mech = a->mech;
		h->user = xstrdup(a->user);
		session_run(s, h);
	}
	if (!a->script && (qa == SESS_STAGE_NONE || qa >= SESS_STAGE_MAIL)) {
		a->msg->stop_after = qa;
		session_run(s, a->msg);
		a->msg = NULL;
	}
	if (!a->script) {
		session_run(s, helper_cmd_new(HELPER_QUIT));
		session_input_end(s);
	}
}

static int send_run(struct send_args *a)
{
	struct transcript_cli *c = &a->cli;
	enum session_stage qa = a->quit_after;
	c->so.auto_ehlo = qa == SESS_STAGE_NONE || qa >= SESS_STAGE_EHLO;
	if (qa != SESS_STAGE_NONE && qa < SESS_STAGE_TLS)
		c->so.starttls = false;
	c->so.stop_on_failure = !a->script;
	transcript_cli_finish(c);
	int fd = -1;
	if (a->script) {
		fd = strcmp(a->script, "-") ? open(a->script, O_RDONLY | O_CLOEXEC) : 0;
		if (fd < 0) {
			fprintf(stderr, "smtpscope send: --script %s: %s\n", a->script, strerror(errno));
			return SESS_EXIT_LOCAL;
		}
	}
	struct transcript_run_opts ro = {
		.json = c->json, .pretty = c->pretty, .text_file = c->text_file, .json_file = c->json_file,
		.input_fd = fd, .summary = true, .quit_after = qa, .expect_message = !a->script,
	};
	struct transcript_runner *r = transcript_runner_new(&ro);
	if (!r) {
		if (fd > 0)
			close(fd);
		return SESS_EXIT_LOCAL;
	}
	struct loop *l = loop_new();
	struct session *s = session_new(l, &c->so, transcript_runner_cb, r);
	send_queue(a, s);
	int rc = transcript_runner_run(r, l, s);
	session_free(s);
	loop_free(l);
	transcript_runner_free(r);
	if (fd > 0)
		close(fd);
	return rc;
}

int cmd_send(int argc, char **argv)
{
	struct send_args a;
	memset(&a, 0, sizeof a);
	transcript_cli_init(&a.cli);
	a.msg = helper_cmd_new(HELPER_SEND);
	int rc = send_parse(&a, argc, argv);
	if (rc < 0)
		rc = send_check(&a);
	if (rc < 0)
		rc = send_check_message(&a);
	if (rc < 0)
		rc = send_secret(&a);
	if (rc < 0)
		rc = send_run(&a);
	if (a.msg) {
		helper_cmd_free(a.msg);
		free(a.msg);
	}
	transcript_cli_free(&a.cli);
	return rc;
}
