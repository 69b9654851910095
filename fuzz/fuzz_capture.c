/* fuzz_capture.c - libFuzzer target: arbitrary bytes as a sequence of captured
 * frames through the whole capture path - link/IP/TCP decoding, reassembly
 * (flow.c), SMTP session detection, the SMTP parser and transaction model,
 * passive TLS reading (capture.c, smtp_*.c, txn.c, tls_hello.c) - and every
 * finished session rendered as text, summary and JSON (tui/timeline*.c), as
 * `smtpscope decode` does (RFC 5321, 3207, 9293). Whatever the packets hold,
 * every line written must be shown as itself on a terminal: valid UTF-8,
 * no control bytes (decode/printable.h), so no escape sequence gets through;
 * and --json must write each session as one line holding one JSON object
 * (RFC 8259, no key twice), as read by jansson. Every session then goes to
 * the Capture screen's model (tui/capture_model.c), as the TUI keeps them:
 * rows under a filter and each sort order, and the first rows' detail
 * documents (screen_capture_doc.c), whose texts must be printable too.
 * Build: make fuzz (clang -fsanitize=fuzzer,address,undefined)
 * Input: byte 0 picks the link type (bits 0-2) and whether the Capture screen's
 * model is checked too (bit 3: the seeds named model-*), then frames as
 * fuzz/fuzz_frames.h reads them.
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
#include "fuzz/check.h"
#include "tui/capture_model.h"
#include "tui/screen_capture_int.h"
#include "tui/timeline.h"
#include "tui/ui_doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int fuzz_links[] = {PKT_DLT_EN10MB, PKT_DLT_LINUX_SLL, PKT_DLT_LINUX_SLL2, PKT_DLT_NULL,
                                 PKT_DLT_LOOP,   PKT_DLT_RAW,       PKT_DLT_IPV4,       PKT_DLT_IPV6};

/* Rows whose detail document is built. */
#define FUZZ_DOC_ROWS 2

static struct capture_model *fuzz_model;
static uint64_t fuzz_sink;
static unsigned fuzz_round;

static void fuzz_body(void *ctx, struct capture_session *s, uint64_t txn, const uint8_t *p, size_t len, bool last)
{
	(void)ctx, (void)s, (void)txn, (void)last;
	for (size_t i = 0; i < len; i++)
		fuzz_sink += p[i]; /* every body byte handed out must be readable */
}

/* A renderer's output, checked line by line for anything a terminal would
 * act on. lines: how many lines it must have (complete, each ending in a
 * newline), or -1 for any number. */
static void fuzz_text_check(struct fuzz_mem *t, bool json, long lines)
{
	fuzz_mem_close(t);
	const uint8_t *p = (const uint8_t *)t->data;
	long n = 0;
	for (size_t i = 0; i < t->len; n++) {
		const uint8_t *nl = memchr(p + i, '\n', t->len - i);
		size_t end = nl ? (size_t)(nl - p) : t->len;
		if (!printable_is_clean(p + i, end - i))
			abort();
		if (json && !fuzz_json_object(p + i, end - i))
			abort(); /* a line of --json is a whole JSON object */
		i = end + 1;
	}
	if (lines >= 0 && (n != lines || (t->len && p[t->len - 1] != '\n')))
		abort();
	free(t->data);
}

static void fuzz_render(struct capture_session *s, const struct timeline_opts *o)
{
	struct fuzz_mem t;
	timeline_text_session(fuzz_mem_open(&t), s, o);
	fuzz_text_check(&t, false, -1);
	timeline_summary_session(fuzz_mem_open(&t), s);
	fuzz_text_check(&t, false, (long)s->model->ntxns); /* a line per transaction */
	timeline_json_session(fuzz_mem_open(&t), s, o);
	fuzz_text_check(&t, true, 1); /* a session is one line */
}

static bool fuzz_close(void *ctx, struct capture_session *s)
{
	(void)ctx;
	struct timeline_opts o = {.show_secrets = (fuzz_round & 1) != 0};
	fuzz_render(s, &o);
	cm_add_session(fuzz_model, s); /* kept beyond the capture, as the TUI does */
	return true;
}

static void fuzz_clean(const char *s)
{
	if (s && !printable_is_clean((const uint8_t *)s, strlen(s)))
		abort();
}

/* A row's detail document: every label and text printable, laid out within
 * its texts. */
static void fuzz_doc(const struct cm_row *r, size_t pos, size_t count)
{
	struct ui_doc d;
	ui_doc_init(&d, 14);
	capture_doc_build(&d, r, pos, count, (fuzz_round & 1) != 0);
	for (size_t i = 0; i < d.nitems; i++) {
		fuzz_clean(d.items[i].label);
		fuzz_clean(d.items[i].text);
	}
	ui_doc_layout(&d, 40);
	for (size_t i = 0; i < d.nrows; i++) {
		const struct ui_doc_row *row = &d.rows[i];
		if (row->item >= d.nitems || row->off + row->len > strlen(d.items[row->item].text))
			abort();
	}
	ui_doc_free(&d);
}

/* The model's rows after the run: printable table texts, every sort order
 * and a filter, the first rows' documents. */
static void fuzz_check_model(void)
{
	static const char *const filters[] = {"", "code:5xx -tls:yes", "outcome:rejected rcpt:@"};
	struct filter_error err;
	for (size_t i = 0; i < cm_nrows(fuzz_model); i++) {
		const struct cm_row *r = cm_row(fuzz_model, i);
		fuzz_clean(r->from);
		fuzz_clean(r->rcpt);
	}
	for (int col = 0; col < CM_COL_LAST; col++) {
		const char *f = filters[col % 3];
		if (!cm_set_filter(fuzz_model, f, strlen(f), &err))
			abort();
		cm_set_sort(fuzz_model, (enum cm_col)col, col & 1);
		size_t n = cm_view_count(fuzz_model);
		for (size_t i = 0; i < n; i++)
			if (cm_view_find(fuzz_model, cm_view_row(fuzz_model, i)->index) != i)
				abort(); /* the view and its index agree */
	}
	size_t n = cm_nrows(fuzz_model);
	for (size_t i = 0; i < n && i < FUZZ_DOC_ROWS; i++)
		fuzz_doc(cm_row(fuzz_model, i), i, n);
}

/* Every session rendered again once the capture is gone (its rows are in
 * arrival order, a session's together). */
static void fuzz_render_kept(void)
{
	const struct capture_session *last = NULL;
	for (size_t i = 0; i < cm_nrows(fuzz_model); i++) {
		struct capture_session *s = cm_row(fuzz_model, i)->s;
		if (s != last)
			fuzz_render(s, &(struct timeline_opts){0});
		last = s;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct capture_callbacks cb = {.body = fuzz_body, .session_close = fuzz_close};
	if (size < 1)
		return 0;
	fuzz_round++;
	int lt = fuzz_links[data[0] % (sizeof fuzz_links / sizeof fuzz_links[0])];
	fuzz_model = cm_new();
	struct capture *c = capture_new(&cb, NULL);
	struct flow_table *t = capture_flows(c);
	fuzz_feed_frames(t, lt, 1700000000LL * 1000000LL, data, size);
	capture_finish(c);
	capture_free(c);
	fuzz_render_kept();
	if (data[0] & 0x08) /* half the inputs (byte 0's low bits pick the link) */
		fuzz_check_model();
	cm_free(fuzz_model);
	return 0;
}
