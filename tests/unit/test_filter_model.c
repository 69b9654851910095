/* test_filter_model.c - unit tests for the Capture screen's model and the
 * timeline document (tui/capture_model*.c, tui/screen_capture_doc.c): a pcap
 * file written here with four SMTP sessions is read a few packets at a time;
 * rows, outcomes, filtering, sorting, a damaged file, masking of AUTH
 * secrets and escaping of terminal sequences are checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "decode/buf.h"
#include "decode/explain.h"
#include "tui/capture_model.h"
#include "tui/screen_capture_int.h"
#include "tests/unit/test_pkt_build.h"

/* ---- writing a capture ---- */

struct wr {
	pcap_t *dead;
	pcap_dumper_t *d;
	int64_t ts;
};

struct conv {
	struct wr *w;
	int client;
	uint32_t cseq, sseq;
};

static void wr_frame(struct wr *w, const uint8_t *p, size_t len)
{
	struct pcap_pkthdr h;
	w->ts += 1000;
	h.ts.tv_sec = (time_t)(w->ts / 1000000);
	h.ts.tv_usec = (suseconds_t)(w->ts % 1000000);
	h.caplen = h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)w->d, &h, p);
}

static void conv_seg(struct conv *c, bool to_server, uint8_t flags, const char *data, size_t len)
{
	char caddr[32];
	snprintf(caddr, sizeof caddr, "10.1.0.%d", c->client);
	uint16_t cport = (uint16_t)(40000 + c->client);
	struct tb_seg s = {PKT_DLT_EN10MB, to_server ? caddr : "10.2.0.1", to_server ? "10.2.0.1" : caddr,
			   to_server ? cport : 25, to_server ? 25 : cport,
			   to_server ? c->cseq : c->sseq, to_server ? c->sseq : c->cseq, flags, data, len};
	uint8_t f[TB_MAX];
	wr_frame(c->w, f, tb_frame(f, &s));
	if (to_server)
		c->cseq += (uint32_t)len + ((flags & (PKT_TCP_SYN | PKT_TCP_FIN)) ? 1 : 0);
	else
		c->sseq += (uint32_t)len + ((flags & (PKT_TCP_SYN | PKT_TCP_FIN)) ? 1 : 0);
}

static void conv_open(struct conv *c, struct wr *w, int client)
{
	c->w = w;
	c->client = client;
	c->cseq = 1000;
	c->sseq = 9000;
	conv_seg(c, true, PKT_TCP_SYN, NULL, 0);
	conv_seg(c, false, PKT_TCP_SYN | PKT_TCP_ACK, NULL, 0);
	conv_seg(c, true, PKT_TCP_ACK, NULL, 0);
}

static void conv_say(struct conv *c, bool client, const char *text)
{
	conv_seg(c, client, PKT_TCP_ACK | PKT_TCP_PSH, text, strlen(text));
}

static void conv_close(struct conv *c)
{
	conv_seg(c, true, PKT_TCP_FIN | PKT_TCP_ACK, NULL, 0);
	conv_seg(c, false, PKT_TCP_FIN | PKT_TCP_ACK, NULL, 0);
	conv_seg(c, true, PKT_TCP_ACK, NULL, 0);
}

/* Send each command and its reply in turn. */
static void conv_run(struct wr *w, int client, const char *const *lines)
{
	struct conv c;
	conv_open(&c, w, client);
	for (size_t i = 0; lines[i]; i++)
		conv_say(&c, i % 2 == 1, lines[i]);
	conv_close(&c);
}

static const char *const s1[] = {
	"220 mx.test ESMTP\r\n",
	"EHLO c1.test\r\n", "250-mx.test\r\n250 PIPELINING\r\n",
	"MAIL FROM:<bob@example.test>\r\n", "250 2.1.0 Ok\r\n",
	"RCPT TO:<alice@example.test>\r\n", "250 2.1.5 Ok\r\n",
	"RCPT TO:<nobody@example.test>\r\n", "550 5.1.1 <nobody@example.test>: User unknown\r\n",
	"DATA\r\n", "354 go ahead\r\n",
	"Subject: =?UTF-8?Q?Caf=C3=A9_report?=\r\nFrom: Bob <bob@example.test>\r\n\r\nhello\r\n.\r\n",
	"250 2.0.0 Ok: queued as ABC123DEF\r\n",
	"QUIT\r\n", "221 2.0.0 Bye\r\n",
	NULL,
};
static const char *const s2[] = {
	"220 mx.test ESMTP\r\n",
	"EHLO c2.test\r\n", "250 mx.test\r\n",
	"MAIL FROM:<>\r\n", "250 2.1.0 Ok\r\n",
	"RCPT TO:<carol@example.org>\r\n", "451 4.7.1 Greylisted, try again later\r\n",
	"QUIT\r\n", "221 2.0.0 Bye\r\n",
	NULL,
};
static const char *const s3[] = {
	"220 mx.test ESMTP\r\n",
	"EHLO c3.test\r\n", "250-mx.test\r\n250 AUTH PLAIN LOGIN\r\n",
	"AUTH PLAIN AGRlbW8Ac2VjcmV0\r\n", "535 5.7.8 Authentication credentials invalid\r\n",
	"QUIT\r\n", "221 2.0.0 Bye\r\n",
	NULL,
};
static const char *const s4[] = {
	"220 evil\x1b]0;pwned\x07\x1b[2J host\r\n",
	"QUIT\r\n", "221 2.0.0 Bye\r\n",
	NULL,
};

static char *cap_path;

static int write_capture(void **state)
{
	(void)state;
	cap_path = malloc(256);
	const char *dir = getenv("TMPDIR");
	snprintf(cap_path, 256, "%s/smtpscope-model-%ld.pcap", dir ? dir : "/tmp", (long)getpid());
	struct wr w;
	w.dead = pcap_open_dead(PKT_DLT_EN10MB, 262144);
	w.d = pcap_dump_open(w.dead, cap_path);
	w.ts = 1700000000000000LL;
	if (!w.d)
		return -1;
	conv_run(&w, 1, s1);
	conv_run(&w, 2, s2);
	conv_run(&w, 3, s3);
	conv_run(&w, 4, s4);
	pcap_dump_close(w.d);
	pcap_close(w.dead);
	return 0;
}

static int remove_capture(void **state)
{
	(void)state;
	unlink(cap_path);
	free(cap_path);
	return 0;
}

/* Read the whole capture a few packets at a time. */
static struct capture_model *load(size_t *partial_steps)
{
	struct capture_model *m = cm_new();
	char err[256];
	assert_true(cm_open(m, cap_path, NULL, err, sizeof err));
	assert_int_equal(cm_progress(m)->state, CM_LOADING);
	size_t steps = 0, partial = 0;
	while (cm_step(m, 1000, 3) == CM_LOADING) {
		assert_true(++steps < 10000);
		if (cm_nrows(m) > 0 && cm_nrows(m) < 4)
			partial++;
	}
	if (partial_steps)
		*partial_steps = partial;
	return m;
}

/* ---- tests ---- */

static void test_model_rows(void **state)
{
	(void)state;
	size_t partial = 0;
	struct capture_model *m = load(&partial);
	const struct cm_progress *p = cm_progress(m);
	assert_int_equal(p->state, CM_DONE);
	assert_true(partial > 0); /* rows appeared while the file was still being read */
	assert_int_equal(p->sessions, 4);
	assert_int_equal(p->offset, p->size);
	assert_string_equal(p->linktype, "EN10MB");
	assert_int_equal(cm_nrows(m), 4);

	const struct cm_row *r = cm_row(m, 0);
	assert_non_null(r->t);
	assert_string_equal(r->outcome, "delivered");
	assert_int_equal(r->cls, CM_CLASS_DELIVERED);
	assert_true(r->refused);
	assert_int_equal(r->rcpts_ok, 1);
	assert_int_equal(r->rcpts, 2);
	assert_int_equal(r->code, 250);
	assert_string_equal(r->from, "bob@example.test");
	assert_string_equal(r->rcpt, "alice@example.test");
	assert_string_equal(r->subject, "Caf\xc3\xa9 report");
	char id[32];
	cm_row_id(r, id, sizeof id);
	assert_string_equal(id, "1.1");

	r = cm_row(m, 1);
	assert_string_equal(r->outcome, "deferred_rcpt");
	assert_int_equal(r->cls, CM_CLASS_DEFERRED);
	assert_int_equal(r->code, 451);
	assert_string_equal(r->from, "<>");
	assert_int_equal(r->size, -1);

	r = cm_row(m, 2);
	assert_null(r->t);
	assert_string_equal(r->outcome, "rejected_auth");
	assert_int_equal(r->cls, CM_CLASS_REJECTED);
	assert_int_equal(r->code, 535);
	assert_string_equal(r->item.auth_user, "demo");
	cm_row_id(r, id, sizeof id);
	assert_string_equal(id, "3");

	r = cm_row(m, 3);
	assert_string_equal(r->outcome, "no_mail");
	assert_int_equal(r->cls, CM_CLASS_NONE);
	assert_null(cm_row(m, 4));
	int64_t a, b;
	assert_true(cm_time_range(m, &a, &b));
	assert_true(a < b);
	cm_free(m);
}

static void test_model_filter(void **state)
{
	(void)state;
	struct capture_model *m = load(NULL);
	struct filter_error err;
	assert_int_equal(cm_view_count(m), 4);
	assert_true(cm_set_filter(m, "code:5xx", 8, &err));
	assert_int_equal(cm_view_count(m), 2);
	assert_int_equal(cm_view_row(m, 0)->index, 0);
	assert_int_equal(cm_view_row(m, 1)->index, 2);
	assert_int_equal(cm_view_find(m, 2), 1);
	assert_int_equal(cm_view_find(m, 1), SIZE_MAX);
	/* a filter that does not parse leaves the one in use */
	assert_false(cm_set_filter(m, "cod:5", 5, &err));
	assert_non_null(strstr(err.msg, "cod:"));
	assert_string_equal(cm_filter_text(m), "code:5xx");
	assert_int_equal(cm_view_count(m), 2);
	assert_true(cm_set_filter(m, "outcome:deferred", 16, &err));
	assert_int_equal(cm_view_count(m), 1);
	assert_int_equal(cm_view_row(m, 0)->index, 1);
	assert_true(cm_set_filter(m, "subject:caf rcpt:alice@", 23, &err));
	assert_int_equal(cm_view_count(m), 1);
	assert_true(cm_set_filter(m, "auth:demo", 9, &err));
	assert_int_equal(cm_view_count(m), 1);
	assert_int_equal(cm_view_row(m, 0)->index, 2);
	assert_true(cm_set_filter(m, "greylisted", 10, &err));
	assert_int_equal(cm_view_row(m, 0)->index, 1);
	assert_true(cm_set_filter(m, "", 0, &err));
	assert_int_equal(cm_view_count(m), 4);
	assert_null(cm_view_row(m, 4));
	cm_free(m);
}

static void view_order(struct capture_model *m, char *out)
{
	size_t n = cm_view_count(m);
	for (size_t i = 0; i < n; i++)
		out[i] = (char)('0' + cm_view_row(m, i)->index);
	out[n] = '\0';
}

static void test_model_sort(void **state)
{
	(void)state;
	struct capture_model *m = load(NULL);
	char order[8];
	assert_int_equal(cm_sort_col(m), CM_COL_TIME);
	view_order(m, order);
	assert_string_equal(order, "0123");
	cm_set_sort(m, CM_COL_CODE, true);
	view_order(m, order);
	assert_string_equal(order, "2103"); /* 535 451 250 221 */
	cm_set_sort(m, CM_COL_CODE, false);
	view_order(m, order);
	assert_string_equal(order, "3012");
	cm_set_sort(m, CM_COL_OUTCOME, false);
	view_order(m, order);
	assert_string_equal(order, "2130"); /* rejected, deferred, none, delivered */
	cm_set_sort(m, CM_COL_FROM, false);
	view_order(m, order);
	assert_string_equal(order, "2310"); /* "" "" (by time), "<>", "bob@" */
	cm_set_sort(m, CM_COL_TIME, true);
	assert_true(cm_sort_desc(m));
	view_order(m, order);
	assert_string_equal(order, "3210");
	cm_set_sort(m, CM_COL_CLIENT, false); /* 10.1.0.1 < 10.1.0.2 ... */
	view_order(m, order);
	assert_string_equal(order, "0123");
	cm_set_sort(m, CM_COL_LAST, false); /* out of range: by time */
	assert_int_equal(cm_sort_col(m), CM_COL_TIME);
	assert_string_equal(cm_col_name(CM_COL_RCPT), "recipients");
	cm_free(m);
}

/* Rows merged into a sorted, filtered view as they arrive end in the same
 * order as a view built at once. */
static void test_model_incremental(void **state)
{
	(void)state;
	static const enum cm_col cols[] = {CM_COL_CODE, CM_COL_TIME, CM_COL_FROM, CM_COL_OUTCOME};
	for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
		for (int desc = 0; desc < 2; desc++) {
			struct capture_model *m = cm_new();
			char err[256], a[8], b[8];
			struct filter_error ferr;
			assert_true(cm_open(m, cap_path, NULL, err, sizeof err));
			cm_set_sort(m, cols[c], desc);
			assert_true(cm_set_filter(m, "-outcome:no_mail", 16, &ferr));
			size_t seen = 0;
			bool partial = false;
			while (cm_step(m, 1000, 2) == CM_LOADING) {
				size_t n = cm_view_count(m); /* merge what arrived */
				assert_true(n >= seen);
				partial = partial || (n > 0 && n < 3);
				seen = n;
			}
			assert_true(partial);
			view_order(m, a);
			cm_set_sort(m, cols[c], desc); /* rebuilt from scratch */
			view_order(m, b);
			assert_string_equal(a, b);
			assert_int_equal(strlen(a), 3);
			cm_free(m);
		}
	}
}

static void test_model_damaged(void **state)
{
	(void)state;
	FILE *in = fopen(cap_path, "rb");
	assert_non_null(in);
	static uint8_t data[1 << 16];
	size_t n = fread(data, 1, sizeof data, in);
	fclose(in);
	assert_true(n > 200 && n < sizeof data);
	char cut[300];
	snprintf(cut, sizeof cut, "%s.cut", cap_path);
	FILE *out = fopen(cut, "wb");
	assert_non_null(out);
	fwrite(data, 1, n - 20, out); /* the last record ends early */
	fclose(out);
	struct capture_model *m = cm_new();
	char err[256];
	assert_true(cm_open(m, cut, NULL, err, sizeof err));
	while (cm_step(m, 1000, 0) == CM_LOADING)
		;
	assert_int_equal(cm_progress(m)->state, CM_DAMAGED);
	assert_true(cm_progress(m)->error[0] != '\0');
	assert_int_equal(cm_nrows(m), 4); /* every session read before the damage */
	assert_false(cm_open(m, cut, NULL, err, sizeof err)); /* once per model */
	cm_free(m);
	unlink(cut);
	m = cm_new();
	assert_false(cm_open(m, "/nonexistent/x.pcap", NULL, err, sizeof err));
	assert_true(err[0] != '\0');
	assert_int_equal(cm_step(m, 10, 0), CM_EMPTY);
	cm_free(m);
}

/* Every text and label of a document joined, and whether a raw ESC is in it. */
static void doc_text(const struct ui_doc *d, struct buf *out, bool *raw_esc)
{
	*raw_esc = false;
	for (size_t i = 0; i < d->nitems; i++) {
		if (d->items[i].label)
			buf_append_str(out, d->items[i].label);
		buf_append_str(out, d->items[i].text);
		buf_append_byte(out, '\n');
		if (strchr(d->items[i].text, 0x1b) || (d->items[i].label && strchr(d->items[i].label, 0x1b)))
			*raw_esc = true;
	}
}

static void test_model_doc(void **state)
{
	(void)state;
	struct capture_model *m = load(NULL);
	struct ui_doc d;
	ui_doc_init(&d, CAPTURE_DOC_LABEL_WIDTH);
	struct buf t;
	buf_init(&t, 1 << 20);
	bool esc;

	capture_doc_build(&d, cm_row(m, 0), 0, 4, false);
	doc_text(&d, &t, &esc);
	const char *s = buf_str(&t);
	assert_non_null(strstr(s, "userunknown"));        /* the refused recipient explained */
	assert_non_null(strstr(s, "Likely cause:"));
	assert_non_null(strstr(s, "Caf\xc3\xa9 report"));  /* RFC 2047 decoded */
	assert_non_null(strstr(s, "ABC123DEF"));
	assert_non_null(strstr(s, " ms]"));                /* latencies */
	assert_non_null(strstr(s, "row 1 of 4"));
	assert_non_null(strstr(s, "RCPT TO nobody@example.test rejected"));

	buf_reset(&t);
	capture_doc_build(&d, cm_row(m, 2), 2, 4, false);
	doc_text(&d, &t, &esc);
	s = buf_str(&t);
	assert_null(strstr(s, "AGRlbW8Ac2VjcmV0"));       /* the AUTH secret is masked */
	assert_non_null(strstr(s, "AUTH PLAIN ***"));
	struct explanation e; /* the AUTH failure is explained with the knowledge's verdict */
	static const char why[] = "Authentication credentials invalid";
	explain_reply(535, "5.7.8", (const uint8_t *)why, sizeof why - 1, STAGE_AUTH, &e);
	char want[64];
	snprintf(want, sizeof want, "-> %s (permanent", reason_name(e.reason));
	assert_non_null(strstr(s, want));
	assert_non_null(strstr(s, "AUTH PLAIN failed: 535"));
	buf_reset(&t);
	capture_doc_build(&d, cm_row(m, 2), 2, 4, true);
	doc_text(&d, &t, &esc);
	assert_non_null(strstr(buf_str(&t), "AGRlbW8Ac2VjcmV0"));

	buf_reset(&t);
	capture_doc_build(&d, cm_row(m, 3), 3, 0, false);
	doc_text(&d, &t, &esc);
	s = buf_str(&t);
	assert_false(esc);                                 /* no raw escape reaches the screen */
	assert_non_null(strstr(s, "evil\\e]0;pwned\\x07\\e[2J host"));
	assert_null(strstr(s, "row 4"));

	buf_free(&t);
	ui_doc_free(&d);
	cm_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_rows),
		cmocka_unit_test(test_model_filter),
		cmocka_unit_test(test_model_sort),
		cmocka_unit_test(test_model_incremental),
		cmocka_unit_test(test_model_damaged),
		cmocka_unit_test(test_model_doc),
	};
	return cmocka_run_group_tests(tests, write_capture, remove_capture);
}
