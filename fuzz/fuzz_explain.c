/* fuzz_explain.c - libFuzzer target: arbitrary bytes as `smtpscope explain`
 * reads them - a bounce message (RFC 3464 DSN, RFC 5965 ARF, RFC 3834
 * auto-replies, MTA and provider formats: decode/bounce*.c, mime*.c,
 * rfc5322.c, classify.c, provider*.c) or a pasted reply (explain.c) - and the
 * fields shown for each (tui/explain_view.c), as the command line and the
 * Explain screen show them, and the --json object (tui/explain_json.c),
 * which must read back as one JSON object with no key twice, plain or
 * indented.
 * Build: make fuzz (clang -fsanitize=fuzzer,address,undefined)
 * Seeds: fuzz/corpus/explain/; ../shared/conformance/bounces/ makes a good
 * second corpus directory (read in place). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/bounce.h"
#include "decode/explain.h"
#include "fuzz/check.h"
#include "tui/explain_json.h"
#include "tui/explain_view.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t fuzz_sink;

/* The view promises a label and a non-empty text for every field. */
static void fuzz_field(void *user, const char *label, const char *text, enum explain_style style)
{
	(void)user;
	if (!label || !text || !*text || (unsigned)style > EXPLAIN_BAD)
		abort();
	fuzz_sink += strlen(label) + strlen(text);
}

static const struct explain_sink fuzz_view = {fuzz_field, NULL};

/* What write() puts out must be one JSON object (a line, or indented). */
static void fuzz_json(void (*write)(FILE *out, bool pretty, const void *arg), const void *arg, bool pretty)
{
	struct fuzz_mem m;
	write(fuzz_mem_open(&m), pretty, arg);
	fuzz_mem_close(&m);
	if (!m.len || m.data[m.len - 1] != '\n' || (!pretty && memchr(m.data, '\n', m.len - 1)) ||
	    !fuzz_json_object((const uint8_t *)m.data, m.len - 1))
		abort();
	free(m.data);
}

static void fuzz_write_bounce(FILE *out, bool pretty, const void *b)
{
	explain_json_bounce(out, pretty, b);
}

struct fuzz_reply {
	const struct explanation *e;
	const char *text;
};

static void fuzz_write_reply(FILE *out, bool pretty, const void *arg)
{
	const struct fuzz_reply *r = arg;
	explain_json_reply(out, pretty, r->e, r->text);
}

static void fuzz_bounce(const uint8_t *data, size_t size)
{
	struct bounce b;
	const char *err = NULL;
	if (bounce_parse(data, size, &b, &err) != 0) {
		if (!err)
			abort(); /* a failure always says why */
		return;
	}
	if (!b.format || !b.reporting_mta || !b.subject || !b.feedback_type || (b.nrcpt && !b.rcpt))
		abort();
	for (size_t i = 0; i < b.nrcpt; i++) {
		struct explanation e;
		explain_view_rcpt_explain(&b.rcpt[i], &e);
		explain_view_rcpt(&b.rcpt[i], &e, &fuzz_view);
	}
	fuzz_json(fuzz_write_bounce, &b, size & 1);
	bounce_free(&b);
}

static void fuzz_reply(const uint8_t *data, size_t size)
{
	int code = 0;
	char status[16];
	char text[1024];
	if (!explain_parse_input(data, size, &code, status, text, sizeof text))
		return;
	if (strnlen(status, sizeof status) == sizeof status || strnlen(text, sizeof text) == sizeof text)
		abort(); /* both are terminated */
	struct explanation e;
	enum smtp_stage stage = (enum smtp_stage)(size % STAGE_LAST); /* each stage's rules */
	explain_reply(code, status, (const uint8_t *)text, strlen(text), stage, &e);
	explain_view_reply(&e, text, &fuzz_view);
	fuzz_json(fuzz_write_reply, &(struct fuzz_reply){&e, text}, size & 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (bounce_is_message(data, size))
		fuzz_bounce(data, size);
	else
		fuzz_reply(data, size);
	return 0;
}
