/* test_msgbuild.c - message building for `send` and `:send`: default fields
 * (RFC 5322 3.6), replaced and extra fields, RFC 2047 subject, CRLF line ends
 * across chunk boundaries, DATA dot-stuffing (RFC 5321 4.5.2), multipart
 * attachments in base64 (RFC 2045 6.8) read back with OpenSSL, streaming
 * a file without reading it whole, and the errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe/msgbuild.h"

/* Read the whole message with reads of `step` bytes. */
static char *read_all(struct msgbuild *m, size_t step, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *out = malloc(cap + 1);
	uint8_t *tmp = malloc(step);
	for (;;) {
		ssize_t r = msgbuild_read(m, tmp, step);
		assert_true(r >= 0);
		if (r == 0)
			break;
		while (n + (size_t)r > cap) {
			cap *= 2;
			out = realloc(out, cap + 1);
		}
		memcpy(out + n, tmp, (size_t)r);
		n += (size_t)r;
	}
	free(tmp);
	out[n] = '\0';
	*len = n;
	return out;
}

static char *tmpfile_with(const char *content, size_t len)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : P_tmpdir;
	char *path = malloc(strlen(dir) + 40);
	snprintf(path, strlen(dir) + 40, "%s/smtpscope-msgbuild-XXXXXX", dir);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	close(fd);
	return path;
}

static void test_date_format(void **state)
{
	(void)state;
	char d[64];
	msgbuild_date(0, 0, d, sizeof d);
	assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 +0000");
	msgbuild_date(1136214245, -420, d, sizeof d); /* 2006-01-02 15:04:05 UTC, -0700 */
	assert_string_equal(d, "Mon, 02 Jan 2006 08:04:05 -0700");
	msgbuild_date(1136214245, 330, d, sizeof d);
	assert_string_equal(d, "Mon, 02 Jan 2006 20:34:05 +0530");
}

static void test_default_fields(void **state)
{
	(void)state;
	const char *to[] = {"alice@example.test", "bob@example.test"};
	struct msgbuild_opts o = {.from = "sender@example.test", .to = to, .nto = 2, .subject = "hello",
				  .now = 1136214245, .message_id = "id1@test", .body = "line one\nline two"};
	struct msgbuild *m = msgbuild_new(&o, NULL);
	assert_non_null(m);
	size_t n;
	char *t = read_all(m, 7, &n);
	assert_non_null(strstr(t, "Date: Mon, 02 Jan 2006 15:04:05 +0000\r\n"));
	assert_non_null(strstr(t, "From: sender@example.test\r\n"));
	assert_non_null(strstr(t, "To: alice@example.test, bob@example.test\r\n"));
	assert_non_null(strstr(t, "Subject: hello\r\n"));
	assert_non_null(strstr(t, "Message-ID: <id1@test>\r\n"));
	assert_non_null(strstr(t, "MIME-Version: 1.0\r\n"));
	assert_non_null(strstr(t, "Content-Transfer-Encoding: 7bit\r\n"));
	assert_non_null(strstr(t, "\r\n\r\nline one\r\nline two\r\n"));
	assert_true(n >= 2 && t[n - 2] == '\r' && t[n - 1] == '\n');
	assert_false(msgbuild_8bit(m));
	assert_int_equal(msgbuild_offset(m), n);
	free(t);
	msgbuild_free(m);
}

static void test_header_replace_and_add(void **state)
{
	(void)state;
	const char *hdr[] = {"Subject: from header", "X-Test: yes", "date: Tue, 03 Jan 2006 00:00:00 +0000"};
	const char *to[] = {"a@example.test"};
	struct msgbuild_opts o = {.to = to, .nto = 1, .subject = "ignored", .headers = hdr, .nheaders = 3,
				  .now = 1, .message_id = "x@y"};
	struct msgbuild *m = msgbuild_new(&o, NULL);
	assert_non_null(m);
	size_t n;
	char *t = read_all(m, 4096, &n);
	assert_non_null(strstr(t, "Subject: from header\r\n"));
	assert_null(strstr(t, "ignored"));
	assert_non_null(strstr(t, "date: Tue, 03 Jan 2006"));
	assert_null(strstr(t, "Date: Thu"));
	assert_non_null(strstr(t, "X-Test: yes\r\n"));
	assert_null(strstr(t, "From:")); /* no sender given: no From field */
	free(t);
	msgbuild_free(m);
}

static void test_header_validation(void **state)
{
	(void)state;
	char err[200];
	assert_true(msgbuild_header_ok("X-A: b", err, sizeof err));
	assert_false(msgbuild_header_ok("no colon", err, sizeof err));
	assert_false(msgbuild_header_ok(": empty name", err, sizeof err));
	assert_false(msgbuild_header_ok("Bad Name: v", err, sizeof err));
	assert_false(msgbuild_header_ok("X-Inject: a\r\nBcc: evil@example.test", err, sizeof err));
	assert_non_null(strstr(err, "line break"));
	const char *hdr[] = {"X-Inject: a\nBcc: x@y"};
	struct msgbuild_opts o = {.headers = hdr, .nheaders = 1};
	struct buf e;
	buf_init(&e, 512);
	assert_null(msgbuild_new(&o, &e));
	assert_true(e.len > 0);
	buf_free(&e);
}

static void test_subject_rfc2047(void **state)
{
	(void)state;
	struct msgbuild_opts o = {.subject = "Grüße aus Köln", .now = 1, .message_id = "a@b"};
	struct msgbuild *m = msgbuild_new(&o, NULL);
	size_t n;
	char *t = read_all(m, 100, &n);
	const char *s = strstr(t, "Subject: =?UTF-8?B?");
	assert_non_null(s);
	/* decode the encoded word and compare */
	s += strlen("Subject: =?UTF-8?B?");
	const char *e = strstr(s, "?=");
	assert_non_null(e);
	unsigned char dec[128];
	int dl = EVP_DecodeBlock(dec, (const unsigned char *)s, (int)(e - s));
	assert_true(dl > 0);
	while (dl > 0 && dec[dl - 1] == 0)
		dl--;
	assert_int_equal(dl, (int)strlen("Grüße aus Köln"));
	assert_memory_equal(dec, "Grüße aus Köln", (size_t)dl);
	for (size_t i = 0; i < n; i++)
		if (strncmp(t + i, "\r\n\r\n", 4) == 0)
			break;
		else
			assert_true((unsigned char)t[i] < 0x80); /* the header stays 7-bit */
	free(t);
	msgbuild_free(m);
}

static void test_crlf_across_chunks(void **state)
{
	(void)state;
	struct msgbuild_crlf c = {0};
	uint8_t out[64];
	size_t k = 0;
	const char *parts[] = {"a\r", "\nb\n", "c\r", "d\r", ""};
	for (size_t i = 0; i < 5; i++)
		k += msgbuild_crlf_feed(&c, (const uint8_t *)parts[i], strlen(parts[i]), out + k);
	k += msgbuild_crlf_end(&c, out + k);
	assert_int_equal(k, strlen("a\r\nb\r\nc\r\nd\r\n"));
	assert_memory_equal(out, "a\r\nb\r\nc\r\nd\r\n", k);
}

static void test_dot_stuffing(void **state)
{
	(void)state;
	struct msgbuild_stuff d;
	uint8_t out[128];
	msgbuild_stuff_init(&d);
	const char *in = ".first\r\nmid.dle\r\n..two\r\n.";
	size_t k = 0;
	/* one byte at a time: the line state must survive every boundary */
	for (size_t i = 0; i < strlen(in); i++)
		k += msgbuild_stuff_feed(&d, (const uint8_t *)in + i, 1, out + k);
	k += msgbuild_stuff_end(&d, out + k);
	const char *want = "..first\r\nmid.dle\r\n...two\r\n..\r\n.\r\n";
	assert_int_equal(k, strlen(want));
	assert_memory_equal(out, want, k);
	assert_int_equal(d.stuffed, 3);
	/* empty content: only the end marker */
	msgbuild_stuff_init(&d);
	k = msgbuild_stuff_end(&d, out);
	assert_int_equal(k, 3);
	assert_memory_equal(out, ".\r\n", 3);
	/* content ending in CRLF gets no extra line */
	msgbuild_stuff_init(&d);
	k = msgbuild_stuff_feed(&d, (const uint8_t *)"x\r\n", 3, out);
	k += msgbuild_stuff_end(&d, out + k);
	assert_memory_equal(out, "x\r\n.\r\n", k);
}

static void test_body_file_streamed(void **state)
{
	(void)state;
	/* 300 KB with LF line ends and no final newline */
	size_t len = 300000;
	char *content = malloc(len);
	for (size_t i = 0; i < len; i++)
		content[i] = (i % 61 == 60) ? '\n' : (char)('a' + i % 26);
	char *path = tmpfile_with(content, len);
	char arg[300];
	snprintf(arg, sizeof arg, "@%s", path);
	struct msgbuild_opts o = {.body = arg, .now = 1, .message_id = "a@b"};
	struct msgbuild *m = msgbuild_new(&o, NULL);
	assert_non_null(m);
	size_t n;
	char *t = read_all(m, 1000, &n);
	const char *body = strstr(t, "\r\n\r\n");
	assert_non_null(body);
	body += 4;
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += content[i] == '\n';
	size_t blen = n - (size_t)(body - t);
	assert_int_equal(blen, len + lines + 2); /* every LF became CRLF, plus the final CRLF */
	assert_null(strstr(body, "a\nb")); /* no bare LF left */
	for (size_t i = 0; i < blen; i++)
		if (body[i] == '\n')
			assert_int_equal(body[i - 1], '\r');
	free(t);
	msgbuild_free(m);
	unlink(path);
	free(path);
	free(content);
}

static void test_attachment_base64(void **state)
{
	(void)state;
	unsigned char bin[1000];
	for (size_t i = 0; i < sizeof bin; i++)
		bin[i] = (unsigned char)(i * 7 + 3);
	char *path = tmpfile_with((const char *)bin, sizeof bin);
	const char *att[] = {path};
	struct msgbuild_opts o = {.body = "see attached", .attach = att, .nattach = 1, .now = 1,
				  .message_id = "a@b", .boundary = "BOUNDARY42"};
	struct msgbuild *m = msgbuild_new(&o, NULL);
	assert_non_null(m);
	size_t n;
	char *t = read_all(m, 13, &n);
	assert_non_null(strstr(t, "Content-Type: multipart/mixed; boundary=\"BOUNDARY42\"\r\n"));
	assert_non_null(strstr(t, "--BOUNDARY42\r\nContent-Type: text/plain; charset=utf-8\r\n"));
	assert_non_null(strstr(t, "see attached\r\n--BOUNDARY42\r\n"));
	assert_non_null(strstr(t, "Content-Transfer-Encoding: base64\r\n"));
	assert_non_null(strstr(t, "Content-Disposition: attachment; filename=\""));
	assert_non_null(strstr(t, "\r\n--BOUNDARY42--\r\n"));
	/* gather the base64 lines and decode them */
	const char *b = strstr(t, "Content-Disposition: attachment");
	b = strstr(b, "\r\n\r\n") + 4;
	const char *end = strstr(b, "--BOUNDARY42--");
	char joined[4096];
	size_t jl = 0;
	for (const char *p = b; p < end; p++) {
		if (*p == '\r' || *p == '\n')
			continue;
		joined[jl++] = *p;
	}
	for (const char *p = b; p < end;) { /* lines are at most 76 characters */
		const char *nl = strstr(p, "\r\n");
		assert_true(nl - p <= 76);
		p = nl + 2;
	}
	unsigned char dec[2048];
	int dl = EVP_DecodeBlock(dec, (const unsigned char *)joined, (int)jl);
	assert_true(dl >= (int)sizeof bin);
	assert_memory_equal(dec, bin, sizeof bin);
	free(t);
	msgbuild_free(m);
	unlink(path);
	free(path);
}

static void test_data_file_as_is(void **state)
{
	(void)state;
	const char *msg = "Subject: raw\n\n.starts with a dot\nend";
	char *path = tmpfile_with(msg, strlen(msg));
	struct msgbuild_opts o = {.data_file = path, .subject = "ignored"};
	struct msgbuild *m = msgbuild_new(&o, NULL);
	assert_non_null(m);
	size_t n;
	char *t = read_all(m, 5, &n);
	assert_string_equal(t, "Subject: raw\r\n\r\n.starts with a dot\r\nend\r\n");
	free(t);
	msgbuild_free(m);
	unlink(path);
	free(path);
}

static void test_errors(void **state)
{
	(void)state;
	struct buf e;
	buf_init(&e, 512);
	struct msgbuild_opts o = {.body = "@/nonexistent/smtpscope-no-such-file"};
	assert_null(msgbuild_new(&o, &e));
	assert_non_null(strstr(buf_str(&e), "nonexistent"));
	buf_reset(&e);
	const char *att[] = {"/nonexistent/att.bin"};
	struct msgbuild_opts o2 = {.attach = att, .nattach = 1};
	assert_null(msgbuild_new(&o2, &e));
	buf_reset(&e);
	const char *hdr[] = {"Content-Type: text/html"};
	struct msgbuild_opts o3 = {.headers = hdr, .nheaders = 1, .attach = att, .nattach = 1};
	assert_null(msgbuild_new(&o3, &e));
	buf_free(&e);
}

static void test_8bit_detected(void **state)
{
	(void)state;
	struct msgbuild_opts o = {.body = "caf\xc3\xa9\n", .now = 1, .message_id = "a@b"};
	struct msgbuild *m = msgbuild_new(&o, NULL);
	assert_true(msgbuild_8bit(m));
	size_t n;
	char *t = read_all(m, 64, &n);
	assert_non_null(strstr(t, "Content-Transfer-Encoding: 8bit"));
	free(t);
	msgbuild_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_format),
		cmocka_unit_test(test_default_fields),
		cmocka_unit_test(test_header_replace_and_add),
		cmocka_unit_test(test_header_validation),
		cmocka_unit_test(test_subject_rfc2047),
		cmocka_unit_test(test_crlf_across_chunks),
		cmocka_unit_test(test_dot_stuffing),
		cmocka_unit_test(test_body_file_streamed),
		cmocka_unit_test(test_attachment_base64),
		cmocka_unit_test(test_data_file_as_is),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_8bit_detected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
