/* test_smtp_golden.c - golden tests: tests/golden/smtp/NAME.in transcripts run through the SMTP parser (set up as the capture decoder sets it: replies without a code answer) and transaction model, compared with NAME.out; every input is also fed byte by byte and in random chunks (fixed seeds) and must render identically. SMTPSCOPE_GOLDEN_UPDATE=1 rewrites the .out files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/buf.h"
#include "decode/printable.h"
#include "decode/smtp.h"
#include "decode/smtp_transcript.h"
#include "decode/txn.h"

#define GOLDEN_DIR "tests/golden/smtp"
#define OUT_MAX (4u * 1024u * 1024u)

struct render {
	struct buf out;
	struct buf body;       /* coalesced body run */
	uint64_t body_total;
	int64_t body_ts;
	uint64_t body_off;
	struct txn_session *s;
};

static void body_flush(struct render *r)
{
	if (!r->body_total)
		return;
	buf_printf(&r->out, "t=%lld C@%llu body %llu \"", (long long)r->body_ts, (unsigned long long)r->body_off,
		   (unsigned long long)r->body_total);
	printable_append(&r->out, r->body.data, r->body.len);
	buf_append_str(&r->out, r->body.len < r->body_total ? "\"...\n" : "\"\n");
	buf_reset(&r->body);
	r->body_total = 0;
}

static void on_event(void *user, const struct smtp_event *ev)
{
	struct render *r = user;
	if (ev->type == SMTP_EV_BODY) {
		if (!r->body_total) {
			r->body_ts = ev->ts;
			r->body_off = ev->offset;
		}
		size_t room = r->body.max - r->body.len;
		buf_append(&r->body, ev->body.p, ev->body.len < room ? ev->body.len : room);
		r->body_total += ev->body.len;
	} else {
		body_flush(r);
		smtp_event_format(ev, 0, &r->out);
		buf_append_byte(&r->out, '\n');
	}
	txn_session_event(r->s, ev);
}

struct lcg {
	uint64_t state;
	size_t max;
};

static size_t chunk_random(void *u)
{
	struct lcg *g = u;
	g->state = g->state * 6364136223846793005ull + 1442695040888963407ull;
	return (size_t)((g->state >> 33) % g->max) + 1;
}

static size_t chunk_one(void *u)
{
	(void)u;
	return 1;
}

/* Run the transcript with the given chunking; the rendering goes to out. */
static void run_one(const struct smtp_transcript *t, size_t (*chunk)(void *), void *u, struct buf *out)
{
	struct render r;
	buf_init(&r.out, OUT_MAX);
	buf_init(&r.body, 512);
	r.body_total = 0;
	r.s = txn_session_new(TXN_KEEP_ALL, NULL);
	txn_session_set_truncated(r.s, t->truncated);
	struct smtp_parser_opts o = {.no_greeting = t->no_greeting, .answer_without_code = true};
	struct smtp_parser *p = smtp_parser_new(on_event, &r, &o);
	smtp_transcript_feed(t, p, chunk, u);
	body_flush(&r);
	buf_append_str(&r.out, "--- model\n");
	txn_session_format(r.s, &r.out);
	smtp_parser_free(p);
	txn_session_free(r.s);
	buf_free(&r.body);
	*out = r.out;
}

static bool read_file(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	uint8_t tmp[8192];
	size_t n;
	bool ok = true;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		ok = ok && buf_append(b, tmp, n);
	fclose(f);
	return ok;
}

/* Print the first differing line of expected and got. */
static void show_diff(const char *name, const struct buf *want, const struct buf *got)
{
	const char *a = buf_str(want), *b = buf_str(got);
	int line = 1;
	while (*a && *a == *b) {
		if (*a == '\n')
			line++;
		a++;
		b++;
	}
	while (a > buf_str(want) && a[-1] != '\n')
		a--, b--;
	int la = (int)strcspn(a, "\n"), lb = (int)strcspn(b, "\n");
	fprintf(stderr, "golden %s: first difference at line %d\n- %.*s\n+ %.*s\n", name, line, la, a, lb, b);
}

static int check_one(const char *name)
{
	char in_path[512], out_path[512], err[128];
	snprintf(in_path, sizeof in_path, GOLDEN_DIR "/%s.in", name);
	snprintf(out_path, sizeof out_path, GOLDEN_DIR "/%s.out", name);
	struct buf src, want, whole;
	buf_init(&src, SMTP_TRANSCRIPT_MAX);
	buf_init(&want, OUT_MAX);
	int bad = 0;
	struct smtp_transcript t;
	if (!read_file(in_path, &src) || !smtp_transcript_parse(src.data, src.len, &t, err, sizeof err)) {
		fprintf(stderr, "golden %s: cannot read input (%s)\n", name, err);
		buf_free(&src);
		return 1;
	}
	run_one(&t, NULL, NULL, &whole);
	/* the same conversation in other chunkings must render the same */
	for (int k = 0; k < 4; k++) {
		struct lcg g = {.state = 12345u + (uint64_t)k * 7919u, .max = k == 3 ? 700 : 7u + (size_t)k * 5u};
		struct buf other;
		run_one(&t, k == 0 ? chunk_one : chunk_random, &g, &other);
		if (other.len != whole.len || memcmp(other.data, whole.data, whole.len) != 0) {
			fprintf(stderr, "golden %s: chunking %d renders differently from whole feed\n", name, k);
			show_diff(name, &whole, &other);
			bad++;
		}
		buf_free(&other);
	}
	const char *upd = getenv("SMTPSCOPE_GOLDEN_UPDATE");
	if (upd && strcmp(upd, "1") == 0) {
		FILE *f = fopen(out_path, "wb");
		if (!f || fwrite(whole.data, 1, whole.len, f) != whole.len)
			bad++;
		if (f)
			fclose(f);
		fprintf(stderr, "golden %s: rewrote %s\n", name, out_path);
	} else if (!read_file(out_path, &want)) {
		fprintf(stderr, "golden %s: missing %s (run with SMTPSCOPE_GOLDEN_UPDATE=1)\n", name, out_path);
		bad++;
	} else if (want.len != whole.len || memcmp(want.data, whole.data, whole.len) != 0) {
		show_diff(name, &want, &whole);
		bad++;
	}
	smtp_transcript_free(&t);
	buf_free(&src);
	buf_free(&want);
	buf_free(&whole);
	return bad;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_golden_all(void **state)
{
	(void)state;
	DIR *d = opendir(GOLDEN_DIR);
	assert_non_null(d); /* tests run from the project top */
	char *names[256];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 256) {
		size_t l = strlen(e->d_name);
		if (l > 3 && strcmp(e->d_name + l - 3, ".in") == 0) {
			names[n] = strdup(e->d_name);
			names[n][l - 3] = '\0';
			n++;
		}
	}
	closedir(d);
	qsort(names, n, sizeof names[0], cmp_str);
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		int b = check_one(names[i]);
		printf("%s - golden %s\n", b ? "not ok" : "ok", names[i]);
		bad += b;
		free(names[i]);
	}
	assert_true(n >= 10);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
