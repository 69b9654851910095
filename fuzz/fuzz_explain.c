/* fuzz_explain.c - libFuzzer target: arbitrary bytes as `smtpscope explain`
 * reads them - a bounce message (RFC 3464 DSN, RFC 5965 ARF, RFC 3834
 * auto-replies, MTA and provider formats: decode/bounce*.c, mime*.c,
 * rfc5322.c, classify.c, provider*.c) or a pasted reply (explain.c) - and the
 * fields shown for each (tui/explain_view.c), as the command line and the
 * Explain screen show them.
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
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (bounce_is_message(data, size))
		fuzz_bounce(data, size);
	else
		fuzz_reply(data, size);
	return 0;
}
