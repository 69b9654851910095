/* cmd_explain.c - `smtpscope explain`: a bare code, a pasted reply or a bounce
 * message (RFC 3464 DSN or a common MTA's own format), explained as text or JSON. */
#include "tui/commands.h"
#include "decode/bounce.h"
#include "decode/buf.h"
#include "decode/explain.h"
#include "decode/limits.h"
#include "tui/explain_json.h"
#include "tui/explain_view.h"
#include "tui/out.h"
#include "tui/readall.h"
#include "tui/tui_main.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXPLAIN_TEXT_MAX 8192
#define EXPLAIN_WIDTH 78

struct explain_opts {
	bool json;
	bool pretty;
};

static void explain_usage(FILE *f)
{
	fprintf(f,
		"usage: smtpscope explain [--json] [--pretty] CODE|REPLY|FILE|-\n\n"
		"Explain an SMTP reply code (550, 5.7.26, \"550 5.7.26\"), a whole reply\n"
		"pasted as one or several lines, or a bounce message file ('-' reads stdin).\n"
		"A bounce lists every failed recipient with its status, reply code,\n"
		"diagnostic, remote MTA, reason and explanation.\n\n"
		"  --json     one JSON object (schema in smtpscope(1) and docs/json.md)\n"
		"  --pretty   indent the JSON\n\n"
		"Exit status: 0 explained, 1 nothing recognisable in the input, 2 usage or I/O error.\n");
}

static void explain_text_field(void *user, const char *label, const char *text, enum explain_style st)
{
	(void)st;
	out_field(user, label, text, EXPLAIN_WIDTH);
}

static const struct explain_sink explain_text_sink = {explain_text_field, NULL};

static void explain_print_text(const struct explanation *e, const char *text)
{
	char head[64];
	explain_view_codes(e->reply_code, e->status, head, sizeof head);
	printf("%s  %s\n", head, reason_name(e->reason));
	struct explain_sink sink = explain_text_sink;
	sink.user = stdout;
	explain_view_reply(e, text, &sink);
}

static int explain_reply_input(const struct explain_opts *o, const uint8_t *p, size_t len)
{
	int code = 0;
	char status[16] = "";
	char text[EXPLAIN_TEXT_MAX];
	if (!explain_parse_input(p, len, &code, status, text, sizeof text)) {
		fprintf(stderr, "smtpscope explain: no reply code or enhanced status code found in the input\n");
		return 1;
	}
	struct explanation e;
	explain_reply(code, status, (const uint8_t *)text, strlen(text), STAGE_UNKNOWN, &e);
	if (!o->json) {
		explain_print_text(&e, text);
		return 0;
	}
	explain_json_reply(stdout, o->pretty, &e, text);
	return 0;
}

static void explain_bounce_text(const struct bounce *b)
{
	printf("Bounce message (%s format)%s\n", b->format, b->truncated ? " [input truncated]" : "");
	out_field(stdout, "Subject:", b->subject, EXPLAIN_WIDTH);
	out_field(stdout, "Reported by:", b->reporting_mta, EXPLAIN_WIDTH);
	out_field(stdout, "Feedback:", b->feedback_type, EXPLAIN_WIDTH);
	struct explain_sink sink = explain_text_sink;
	sink.user = stdout;
	for (size_t i = 0; i < b->nrcpt; i++) {
		const struct bounce_rcpt *r = &b->rcpt[i];
		struct explanation e;
		explain_view_rcpt_explain(r, &e);
		printf("\nRecipient %zu: ", i + 1);
		out_safe_str(stdout, r->address[0] ? r->address : "(unknown)");
		putchar('\n');
		explain_view_rcpt(r, &e, &sink);
	}
}

static int explain_bounce_input(const struct explain_opts *o, const uint8_t *p, size_t len,
				bool truncated)
{
	struct bounce b;
	const char *err = NULL;
	if (bounce_parse(p, len, &b, &err) != 0) {
		fprintf(stderr, "smtpscope explain: not a bounce I can read: %s\n", err ? err : "unknown format");
		return 1;
	}
	b.truncated = b.truncated || truncated;
	if (o->json)
		explain_json_bounce(stdout, o->pretty, &b);
	else
		explain_bounce_text(&b);
	bounce_free(&b);
	return 0;
}

static int explain_file(const struct explain_opts *o, const char *path)
{
	struct buf in;
	buf_init(&in, BOUNCE_INPUT_MAX);
	bool truncated = false;
	int rc;
	if (readall_path(path, &in, &truncated) != 0) {
		fprintf(stderr, "smtpscope explain: %s: %s\n", path, strerror(errno));
		rc = 2;
	} else if (bounce_is_message(in.data ? in.data : (const uint8_t *)"", in.len)) {
		rc = explain_bounce_input(o, in.data, in.len, truncated);
	} else {
		rc = explain_reply_input(o, in.data ? in.data : (const uint8_t *)"", in.len);
	}
	buf_free(&in);
	return rc;
}

static bool explain_is_file(const char *arg)
{
	struct stat st;
	return !strcmp(arg, "-") || (stat(arg, &st) == 0 && S_ISREG(st.st_mode));
}

/* Several words on the command line form one reply: 550 5.1.1 user unknown. */
static int explain_words(const struct explain_opts *o, int argc, char **argv)
{
	struct buf in;
	buf_init(&in, EXPLAIN_TEXT_MAX);
	for (int i = 0; i < argc; i++)
		if (!buf_append_str(&in, argv[i]) || (i + 1 < argc && !buf_append_byte(&in, ' ')))
			break;
	int rc = explain_reply_input(o, in.data ? in.data : (const uint8_t *)"", in.len);
	buf_free(&in);
	return rc;
}

int cmd_explain(int argc, char **argv)
{
	struct explain_opts o = {0};
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--json")) {
			o.json = true;
		} else if (!strcmp(argv[i], "--pretty")) {
			o.json = o.pretty = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			explain_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else {
			fprintf(stderr, "smtpscope explain: unknown option %s\n", argv[i]);
			explain_usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		if (!o.json && tui_available())
			return tui_run(TUI_SCREEN_EXPLAIN, NULL);
		explain_usage(stderr);
		return 2;
	}
	if (argc - i == 1 && explain_is_file(argv[i]))
		return explain_file(&o, argv[i]);
	return explain_words(&o, argc - i, argv + i);
}
