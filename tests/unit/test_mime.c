/* test_mime.c - unit tests for header blocks (RFC 5322) and MIME: Content-Type
 * parameters, base64 and quoted-printable, RFC 2047 words, charset conversion,
 * and the bounded multipart walk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/buf.h"
#include "decode/limits.h"
#include "decode/mime.h"
#include "decode/rfc5322.h"

#define U(s) ((const uint8_t *)(s)), strlen(s)

static void test_header_unfold(void **state)
{
	(void)state;
	const char *msg = "From MAILER-DAEMON Thu Apr 29 23:34:45 2010\n"
			  "Subject: a folded\r\n  subject\tline\r\n"
			  "X-Empty:\r\n"
			  "Content-Type: multipart/report;\n\treport-type=delivery-status;\n"
			  "\tboundary=\"b1\"\n"
			  "\n"
			  "body: not a field\n";
	struct rfc5322_header h;
	assert_int_equal(rfc5322_parse_header(U(msg), 16, &h), 3);
	assert_true(h.has_body);
	assert_false(h.malformed);
	assert_memory_equal(msg + h.body_offset, "body:", 5);
	struct buf b;
	buf_init(&b, 256);
	assert_true(rfc5322_get(&h, "subject", &b)); /* names are case-insensitive */
	assert_string_equal(buf_str(&b), "a folded subject line");
	buf_reset(&b);
	assert_true(rfc5322_get(&h, "X-Empty", &b));
	assert_int_equal(b.len, 0);
	assert_false(rfc5322_get(&h, "To", &b));
	assert_null(rfc5322_find_nth(&h, "Subject", 1));
	rfc5322_header_free(&h);

	/* a line that is not a field ends the block and is flagged */
	const char *bad = "Subject: x\nthis is body text\nTo: y\n";
	rfc5322_parse_header(U(bad), 16, &h);
	assert_int_equal(h.nfields, 1);
	assert_true(h.malformed);
	assert_false(h.has_body);
	rfc5322_header_free(&h);

	/* the field cap is honoured and reported */
	const char *many = "A: 1\nB: 2\nC: 3\nD: 4\n\n";
	rfc5322_parse_header(U(many), 2, &h);
	assert_int_equal(h.nfields, 2);
	assert_true(h.truncated);
	rfc5322_header_free(&h);

	/* no header at all; never reads past len */
	assert_int_equal(rfc5322_parse_header(U("550 5.1.1 user unknown"), 16, &h), 0);
	rfc5322_header_free(&h);
	assert_int_equal(rfc5322_parse_header((const uint8_t *)"Subject: hi", 4, 16, &h), 0);
	rfc5322_header_free(&h);
	buf_free(&b);
}

static void test_content_type(void **state)
{
	(void)state;
	struct mime_type t;
	assert_true(mime_parse_type(U("Multipart/Report; report-type=\"Delivery-Status\";\r\n"
				      "\tBOUNDARY=\"=_a;b c\"; charset=us-ascii"),
				    &t));
	assert_string_equal(t.type, "multipart");
	assert_string_equal(t.subtype, "report");
	assert_string_equal(t.boundary, "=_a;b c"); /* quoted: ';' and blank kept */
	assert_string_equal(t.report_type, "delivery-status");
	assert_string_equal(t.charset, "us-ascii");
	assert_true(mime_type_is(&t, "MULTIPART", NULL));
	assert_false(mime_type_is(&t, "multipart", "mixed"));
	assert_false(mime_parse_type(U("garbage"), &t));
	assert_string_equal(t.type, "text"); /* the RFC 2045 default */
	char v[8];
	assert_true(mime_param(U("text/plain; name=\"a\\\"b\"; x=1"), "name", v, sizeof v));
	assert_string_equal(v, "a\"b");
	assert_true(mime_param(U("text/plain; name=abcdefghijkl"), "name", v, sizeof v));
	assert_string_equal(v, "abcdefg"); /* truncated to the buffer */
	assert_false(mime_param(U("text/plain; nam=1"), "name", v, sizeof v));
	assert_int_equal(mime_parse_cte(U(" Base64 ")), CTE_BASE64);
	assert_int_equal(mime_parse_cte(U("quoted-printable")), CTE_QP);
	assert_int_equal(mime_parse_cte(U("")), CTE_7BIT);
	assert_int_equal(mime_parse_cte(U("x-uuencode")), CTE_OTHER);
}

static void test_base64(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 64);
	assert_int_equal(mime_decode_base64(U("SGVsbG8s\r\n IHdvcmxkIQ=="), &b), 0);
	assert_string_equal(buf_str(&b), "Hello, world!");
	buf_reset(&b);
	assert_int_equal(mime_decode_base64(U("SGk"), &b), 0); /* missing padding tolerated */
	assert_string_equal(buf_str(&b), "Hi");
	buf_reset(&b);
	assert_int_equal(mime_decode_base64(U("SGVs*bG8="), &b), -1); /* invalid byte */
	buf_reset(&b);
	struct buf small;
	buf_init(&small, 4);
	assert_int_equal(mime_decode_base64(U("SGVsbG8sIHdvcmxkIQ=="), &small), -1); /* cap */
	assert_true(small.len <= 4);
	buf_free(&small);
	buf_free(&b);
}

static void test_quoted_printable(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 128);
	assert_int_equal(mime_decode_qp(U("caf=C3=A9 soft=\r\nbreak   \r\nend=3D"), &b), 0);
	assert_string_equal(buf_str(&b), "caf\xc3\xa9 softbreak\nend=");
	buf_reset(&b);
	assert_int_equal(mime_decode_qp(U("bad =ZZ and =4"), &b), 1); /* kept, flagged */
	assert_string_equal(buf_str(&b), "bad =ZZ and =4");
	buf_reset(&b);
	assert_int_equal(mime_decode(CTE_7BIT, U("as is=41"), &b), 0);
	assert_string_equal(buf_str(&b), "as is=41");
	buf_free(&b);
	/* a body larger than the cap is cut, not dropped */
	buf_init(&b, 4);
	assert_int_equal(mime_decode(CTE_8BIT, U("0123456789"), &b), -1);
	assert_string_equal(buf_str(&b), "0123");
	buf_free(&b);
}

static void test_encoded_words(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 256);
	assert_true(mime_decode_words(U("=?UTF-8?B?w6lsw6g=?= =?iso-8859-1?Q?ve_=E9?= end"), &b));
	assert_string_equal(buf_str(&b), "\xc3\xa9l\xc3\xa8ve \xc3\xa9 end"); /* gap dropped */
	buf_reset(&b);
	assert_true(mime_decode_words(U("Re: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?= ok"), &b));
	assert_string_equal(buf_str(&b), "Re: \xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88 ok");
	buf_reset(&b);
	/* malformed words are copied as they are */
	assert_true(mime_decode_words(U("=?utf-8?X?abc?= =?utf-8?Q?unterminated"), &b));
	assert_string_equal(buf_str(&b), "=?utf-8?X?abc?= =?utf-8?Q?unterminated");
	buf_reset(&b);
	/* unknown charset: bytes kept */
	assert_true(mime_decode_words(U("=?x-nonesuch?Q?a=41?="), &b));
	assert_string_equal(buf_str(&b), "aA");
	buf_reset(&b);
	/* invalid input bytes become U+FFFD */
	assert_true(mime_to_utf8("utf-16le", (const uint8_t *)"A\0\0\xd8", 4, &b));
	assert_memory_equal(b.data, "A", 1);
	assert_memory_equal(b.data + 1, "\xef\xbf\xbd", 3);
	buf_free(&b);
	struct buf tiny;
	buf_init(&tiny, 3);
	assert_false(mime_decode_words(U("=?utf-8?Q?abcdef?="), &tiny));
	buf_free(&tiny);
}

struct seen {
	char types[16][112];
	int depth[16];
	size_t n;
	int stop_after;
};

static bool record_part(const struct mime_part *p, void *user)
{
	struct seen *s = user;
	if (s->n < 16) {
		snprintf(s->types[s->n], sizeof s->types[0], "%s/%s", p->type.type, p->type.subtype);
		s->depth[s->n] = p->depth;
	}
	s->n++;
	return s->stop_after == 0 || (int)s->n < s->stop_after;
}

static const char nested[] =
	"Content-Type: multipart/mixed; boundary=\"outer\"\n\n"
	"preamble\n"
	"--outer\n"
	"Content-Type: text/plain; charset=iso-8859-1\n"
	"Content-Transfer-Encoding: quoted-printable\n\n"
	"caf=E9\n"
	"--outer\n"
	"Content-Type: multipart/alternative; boundary=\"inner\"\n\n"
	"--inner\n"
	"Content-Type: text/html\n\n<p>x</p>\n"
	"--inner--\n"
	"--outer\n"
	"Content-Type: message/rfc822\n\n"
	"Subject: original\n\nbody with\n--outer-not-a-delimiter\n"
	"--outer--\n"
	"epilogue\n";

static void test_multipart_walk(void **state)
{
	(void)state;
	struct seen s = {0};
	struct mime_walk_stats st;
	mime_walk(U(nested), record_part, &s, &st);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.types[0], "text/plain");
	assert_string_equal(s.types[1], "text/html");
	assert_int_equal(s.depth[1], 2);
	assert_string_equal(s.types[2], "message/rfc822");
	assert_false(st.unterminated);
	assert_false(st.depth_exceeded);

	/* stopping early */
	struct seen one = {.stop_after = 1};
	mime_walk(U(nested), record_part, &one, &st);
	assert_int_equal(one.n, 1);
	assert_true(st.stopped);

	/* a cut-off message: the last part runs to the end, flagged */
	struct seen cut = {0};
	mime_walk((const uint8_t *)nested, 150, record_part, &cut, &st);
	assert_true(st.unterminated);
	assert_true(cut.n >= 1);

	/* a boundary that never occurs: the body is one text part */
	struct seen none = {0};
	mime_walk(U("Content-Type: multipart/mixed; boundary=zz\n\nplain words\n"), record_part,
		  &none, &st);
	assert_int_equal(none.n, 1);
	assert_string_equal(none.types[0], "text/plain");
}

static bool decode_first(const struct mime_part *p, void *user)
{
	struct buf *b = user;
	mime_part_text(p, b);
	return false;
}

static void test_part_text(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 64);
	mime_walk(U(nested), decode_first, &b, NULL);
	assert_string_equal(buf_str(&b), "caf\xc3\xa9"); /* QP, then Latin-1 to UTF-8 */
	buf_free(&b);
}

/* Nesting deeper than MIME_DEPTH_MAX is skipped, not followed. */
static void test_depth_bound(void **state)
{
	(void)state;
	struct buf m;
	buf_init(&m, 1 << 16);
	int levels = MIME_DEPTH_MAX + 4;
	for (int i = 0; i < levels; i++)
		buf_printf(&m, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i, i);
	buf_append_str(&m, "Content-Type: text/plain\n\ndeep\n");
	for (int i = levels - 1; i >= 0; i--)
		buf_printf(&m, "--b%d--\n", i);
	struct seen s = {0};
	struct mime_walk_stats st;
	mime_walk(m.data, m.len, record_part, &s, &st);
	assert_true(st.depth_exceeded);
	assert_int_equal(s.n, 0);
	buf_free(&m);

	/* the part cap */
	buf_init(&m, 1 << 20);
	buf_append_str(&m, "Content-Type: multipart/mixed; boundary=p\n\n");
	for (int i = 0; i < MIME_PARTS_MAX + 10; i++)
		buf_append_str(&m, "--p\n\nx\n");
	buf_append_str(&m, "--p--\n");
	struct seen many = {0};
	mime_walk(m.data, m.len, record_part, &many, &st);
	assert_true(st.parts_exceeded);
	assert_int_equal(many.n, MIME_PARTS_MAX);
	buf_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_unfold),  cmocka_unit_test(test_content_type),
		cmocka_unit_test(test_base64),	       cmocka_unit_test(test_quoted_printable),
		cmocka_unit_test(test_encoded_words),  cmocka_unit_test(test_multipart_walk),
		cmocka_unit_test(test_part_text),      cmocka_unit_test(test_depth_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
