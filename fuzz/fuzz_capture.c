/* fuzz_capture.c - libFuzzer target: arbitrary bytes as a sequence of captured
 * frames through the whole capture path - link/IP/TCP decoding, reassembly
 * (flow.c), SMTP session detection, the SMTP parser and transaction model,
 * passive TLS reading (capture.c, smtp_*.c, txn.c, tls_hello.c) - and every
 * finished session rendered as text, summary and JSON (tui/timeline*.c), as
 * `smtpscope decode` does (RFC 5321, 3207, 9293). Whatever the packets hold,
 * every line written must be shown as itself on a terminal: valid UTF-8,
 * no control bytes (decode/printable.h), so no escape sequence gets through;
 * and --json must write each session as one line holding one JSON object
 * (RFC 8259, no key twice), as read by jansson.
 * Build: clang -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_capture.c decode/(all).c
 *        $(pkg-config --libs openssl) -lm   (the tui files it needs are included below)
 * Input: byte 0 picks the link type, then frames as fuzz/fuzz_frames.h reads them.
 * Seeds: fuzz/corpus/capture/ (tools/pcapmangle.py fuzzseed on tests/captures). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/capture.h"
#include "decode/flow.h"
#include "fuzz/fuzz_frames.h"
#include "decode/pkt.h"
#include "decode/printable.h"
#include "fuzz/jsoncheck.h"
#include "tui/timeline.h"

/* The Makefile's fuzz target links decode/ only: bring in the renderers. */
#ifndef FUZZ_TUI_LINKED
#include "tui/json.c"
#include "tui/out.c"
#include "tui/timeline_common.c"
#include "tui/timeline_json.c"
#include "tui/timeline_text.c"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int fuzz_links[] = {PKT_DLT_EN10MB, PKT_DLT_LINUX_SLL, PKT_DLT_LINUX_SLL2, PKT_DLT_NULL,
                                 PKT_DLT_LOOP,   PKT_DLT_RAW,       PKT_DLT_IPV4,       PKT_DLT_IPV6};

#define FUZZ_KEEP_MAX 64

static struct capture_session *fuzz_kept[FUZZ_KEEP_MAX];
static size_t fuzz_nkept;
static uint64_t fuzz_sink;
static unsigned fuzz_round;

static void fuzz_body(void *ctx, struct capture_session *s, uint64_t txn, const uint8_t *p, size_t len, bool last)
{
	(void)ctx, (void)s, (void)txn, (void)last;
	for (size_t i = 0; i < len; i++)
		fuzz_sink += p[i]; /* every body byte handed out must be readable */
}

/* A renderer's output, checked line by line for anything a terminal would
 * act on. */
struct fuzz_text {
	FILE *f;
	char *data;
	size_t len;
};

static FILE *fuzz_text_open(struct fuzz_text *t)
{
	t->data = NULL;
	t->len = 0;
	t->f = open_memstream(&t->data, &t->len);
	if (!t->f)
		abort();
	return t->f;
}

static void fuzz_text_check(struct fuzz_text *t, bool json)
{
	if (fclose(t->f) != 0)
		abort();
	const uint8_t *p = (const uint8_t *)t->data;
	size_t lines = 0;
	for (size_t i = 0; i < t->len; lines++) {
		const uint8_t *nl = memchr(p + i, '\n', t->len - i);
		size_t end = nl ? (size_t)(nl - p) : t->len;
		if (!printable_is_clean(p + i, end - i))
			abort();
		if (json && !fuzz_json_object(p + i, end - i))
			abort(); /* a line of --json is a whole JSON object */
		i = end + 1;
	}
	if (json && (lines != 1 || p[t->len - 1] != '\n'))
		abort(); /* a session is one line */
	free(t->data);
}

static void fuzz_render(struct capture_session *s, const struct timeline_opts *o)
{
	struct fuzz_text t;
	timeline_text_session(fuzz_text_open(&t), s, o);
	fuzz_text_check(&t, false);
	timeline_summary_session(fuzz_text_open(&t), s);
	fuzz_text_check(&t, false);
	timeline_json_session(fuzz_text_open(&t), s, o);
	fuzz_text_check(&t, true);
}

static bool fuzz_close(void *ctx, struct capture_session *s)
{
	(void)ctx;
	struct timeline_opts o = {.show_secrets = (fuzz_round & 1) != 0};
	fuzz_render(s, &o);
	/* keep every third session and free it after the run, as the TUI does */
	if (s->id % 3 == 0 && fuzz_nkept < FUZZ_KEEP_MAX) {
		fuzz_kept[fuzz_nkept++] = s;
		return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct capture_callbacks cb = {.body = fuzz_body, .session_close = fuzz_close};
	if (size < 1)
		return 0;
	fuzz_round++;
	int lt = fuzz_links[data[0] % (sizeof fuzz_links / sizeof fuzz_links[0])];
	struct capture *c = capture_new(&cb, NULL);
	struct flow_table *t = capture_flows(c);
	fuzz_feed_frames(t, lt, 1700000000LL * 1000000LL, data, size);
	capture_finish(c);
	capture_free(c);
	for (size_t i = 0; i < fuzz_nkept; i++) {
		fuzz_render(fuzz_kept[i], &(struct timeline_opts){0});
		capture_session_free(fuzz_kept[i]);
	}
	fuzz_nkept = 0;
	return 0;
}
