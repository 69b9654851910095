/* test_session_helpers.c - the pure parts of live sessions: ':' helper
 * parsing and word splitting, SASL encodings (RFC 4616 PLAIN, RFC 2195
 * CRAM-MD5 with its test vector, LOGIN, XOAUTH2), stage names and exit
 * statuses, destinations (HOST:PORT, [IPv6]:PORT, sockets, @domain) and TLS
 * version names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>

#include "probe/helpers.h"
#include "probe/session.h"

static bool parse(const char *line, struct helper_cmd *c)
{
	char err[300];
	bool ok = helper_parse(line, strlen(line), c, err, sizeof err);
	if (!ok)
		assert_true(strlen(err) > 0);
	return ok;
}

static void test_parse_auth(void **state)
{
	(void)state;
	struct helper_cmd c;
	assert_true(parse(":auth PLAIN demo \"s3cret pass\"", &c));
	assert_int_equal(c.kind, HELPER_AUTH);
	assert_int_equal(c.mech, HELPER_MECH_PLAIN);
	assert_string_equal(c.user, "demo");
	assert_string_equal(c.secret, "s3cret pass");
	struct buf d;
	buf_init(&d, 256);
	helper_cmd_describe(&c, &d);
	assert_null(strstr(buf_str(&d), "s3cret")); /* the description masks it */
	assert_non_null(strstr(buf_str(&d), "***"));
	buf_free(&d);
	helper_cmd_free(&c);
	assert_true(parse(":auth cram-md5 tim", &c));
	assert_int_equal(c.mech, HELPER_MECH_CRAM_MD5);
	assert_null(c.secret);
	helper_cmd_free(&c);
	assert_true(parse(":AUTH xoauth2 u@example.com tok", &c));
	assert_int_equal(c.mech, HELPER_MECH_XOAUTH2);
	helper_cmd_free(&c);
	assert_false(parse(":auth digest-md5 u p", &c));
	helper_cmd_free(&c);
	assert_false(parse(":auth plain", &c));
	helper_cmd_free(&c);
	assert_false(parse(":auth plain a b c d", &c));
	helper_cmd_free(&c);
}

static void test_parse_data_bdat(void **state)
{
	(void)state;
	struct helper_cmd c;
	assert_true(parse(":data", &c));
	assert_int_equal(c.kind, HELPER_DATA);
	assert_null(c.file);
	helper_cmd_free(&c);
	assert_true(parse(":data @msg.eml", &c));
	assert_string_equal(c.file, "msg.eml");
	helper_cmd_free(&c);
	assert_false(parse(":data msg.eml", &c));
	helper_cmd_free(&c);
	assert_true(parse(":bdat --chunk 1000 @m.eml", &c));
	assert_int_equal(c.kind, HELPER_BDAT);
	assert_int_equal(c.chunk, 1000);
	assert_string_equal(c.file, "m.eml");
	helper_cmd_free(&c);
	assert_true(parse(":bdat", &c));
	assert_int_equal(c.chunk, HELPER_BDAT_CHUNK_DEFAULT);
	helper_cmd_free(&c);
	assert_false(parse(":bdat --chunk 0", &c));
	helper_cmd_free(&c);
	assert_false(parse(":bdat --chunk 99999999999", &c));
	helper_cmd_free(&c);
}

static void test_parse_send(void **state)
{
	(void)state;
	struct helper_cmd c;
	assert_true(parse(":send --from a@example.test --to b@example.test --to 'c d@example.test' "
			  "--header \"X-Test: two words\" --subject 'hi there' --body @body.txt --attach f.bin "
			  "--bdat --stop-after rcpt", &c));
	assert_int_equal(c.kind, HELPER_SEND);
	assert_string_equal(c.mail_from, "a@example.test");
	assert_int_equal(c.nrcpts, 2);
	assert_string_equal(c.rcpts[1], "c d@example.test");
	assert_int_equal(c.msg.nto, 2);
	assert_int_equal(c.msg.nheaders, 1);
	assert_string_equal(c.msg.headers[0], "X-Test: two words");
	assert_string_equal(c.msg.subject, "hi there");
	assert_string_equal(c.msg.body, "@body.txt");
	assert_int_equal(c.msg.nattach, 1);
	assert_true(c.use_bdat);
	assert_int_equal(c.stop_after, SESS_STAGE_RCPT);
	helper_cmd_free(&c);
	assert_false(parse(":send --to b@example.test", &c)); /* no --from */
	helper_cmd_free(&c);
	assert_false(parse(":send --from a@b --to c@d --header 'no colon'", &c));
	helper_cmd_free(&c);
	assert_false(parse(":send --from a@b --to c@d --stop-after data", &c));
	helper_cmd_free(&c);
	assert_false(parse(":send --from a@b --to", &c));
	helper_cmd_free(&c);
	assert_true(parse(":send --from '' --to c@d", &c)); /* the null sender <> */
	assert_string_equal(c.mail_from, "");
	helper_cmd_free(&c);
}

static void test_parse_pipeline_and_others(void **state)
{
	(void)state;
	struct helper_cmd c;
	assert_true(parse(":pipeline MAIL FROM:<a@b> ;RCPT TO:<c@d>;  ; DATA ", &c));
	assert_int_equal(c.kind, HELPER_PIPELINE);
	assert_int_equal(c.ncmds, 3);
	assert_string_equal(c.cmds[0], "MAIL FROM:<a@b>");
	assert_string_equal(c.cmds[1], "RCPT TO:<c@d>");
	assert_string_equal(c.cmds[2], "DATA");
	helper_cmd_free(&c);
	assert_false(parse(":pipeline ; ;", &c));
	helper_cmd_free(&c);
	assert_true(parse(":starttls", &c));
	assert_int_equal(c.kind, HELPER_STARTTLS);
	helper_cmd_free(&c);
	assert_false(parse(":starttls now", &c));
	helper_cmd_free(&c);
	assert_true(parse(":ehlo client.example.test", &c));
	assert_string_equal(c.name, "client.example.test");
	helper_cmd_free(&c);
	assert_true(parse(":quit", &c));
	assert_int_equal(c.kind, HELPER_QUIT);
	helper_cmd_free(&c);
	assert_true(parse(":help", &c));
	helper_cmd_free(&c);
	assert_false(parse(":frobnicate", &c));
	helper_cmd_free(&c);
	assert_false(parse(":", &c));
	helper_cmd_free(&c);
	assert_false(parse("MAIL FROM:<a@b>", &c)); /* not a helper */
	helper_cmd_free(&c);
	char nul[] = ":help\0x";
	char err[100];
	assert_false(helper_parse(nul, sizeof nul - 1, &c, err, sizeof err));
	helper_cmd_free(&c);
	assert_non_null(strstr(helper_help_text(), ":bdat"));
}

static void test_split(void **state)
{
	(void)state;
	char *w[8];
	size_t n;
	char err[100];
	const char *in = "a 'b c' \"d \\\"e\\\" f\" g\\ h ''";
	assert_true(helper_split(in, strlen(in), w, 8, &n, err, sizeof err));
	assert_int_equal(n, 5);
	assert_string_equal(w[0], "a");
	assert_string_equal(w[1], "b c");
	assert_string_equal(w[2], "d \"e\" f");
	assert_string_equal(w[3], "g h");
	assert_string_equal(w[4], "");
	for (size_t i = 0; i < n; i++)
		free(w[i]);
	assert_false(helper_split("'open", 5, w, 8, &n, err, sizeof err));
	assert_non_null(strstr(err, "unterminated"));
	assert_false(helper_split("a b c", 5, w, 2, &n, err, sizeof err));
	assert_int_equal(n, 0);
}

/* Decode base64 with OpenSSL (independent of the encoder under test). */
static size_t b64dec(const struct buf *b, unsigned char *out)
{
	int n = EVP_DecodeBlock(out, b->data, (int)b->len);
	assert_true(n >= 0);
	size_t pad = 0;
	if (b->len >= 2 && b->data[b->len - 1] == '=')
		pad++;
	if (b->len >= 2 && b->data[b->len - 2] == '=')
		pad++;
	return (size_t)n - pad;
}

static void test_auth_plain(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 1024);
	assert_true(helper_auth_plain(NULL, "tim", "tanstaaftanstaaf", &b));
	assert_string_equal(buf_str(&b), "AHRpbQB0YW5zdGFhZnRhbnN0YWFm"); /* RFC 4616 layout */
	assert_true(helper_auth_plain("admin", "u", "p w", &b));
	unsigned char d[64];
	size_t n = b64dec(&b, d);
	assert_int_equal(n, 11);
	assert_memory_equal(d, "admin\0u\0p w", 11);
	buf_free(&b);
	struct buf small;
	buf_init(&small, 8);
	assert_false(helper_auth_plain(NULL, "someone", "a long secret", &small)); /* cap respected */
	buf_free(&small);
}

static void test_auth_cram_md5_rfc2195(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 1024);
	/* RFC 2195 2: challenge <1896.697170952@postoffice.reston.mci.net> */
	const char *ch = "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+";
	assert_true(helper_auth_cram_md5("tim", "tanstaaftanstaaf", (const uint8_t *)ch, strlen(ch), &b));
	assert_string_equal(buf_str(&b), "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
	unsigned char d[64];
	size_t n = b64dec(&b, d);
	assert_int_equal(n, strlen("tim b913a602c7eda7a495b4e6e7334d3890"));
	assert_memory_equal(d, "tim b913a602c7eda7a495b4e6e7334d3890", n);
	assert_false(helper_auth_cram_md5("tim", "x", (const uint8_t *)"not base64!", 11, &b));
	buf_free(&b);
}

static void test_auth_login_xoauth2(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 1024);
	assert_true(helper_b64((const uint8_t *)"demo", 4, &b));
	assert_string_equal(buf_str(&b), "ZGVtbw==");
	assert_true(helper_b64((const uint8_t *)"", 0, &b));
	assert_string_equal(buf_str(&b), "");
	assert_true(helper_auth_xoauth2("someuser@example.com", "ya29.token", &b));
	unsigned char d[128];
	size_t n = b64dec(&b, d);
	const char want[] = "user=someuser@example.com\001auth=Bearer ya29.token\001\001";
	assert_int_equal(n, sizeof want - 1);
	assert_memory_equal(d, want, n);
	buf_free(&b);
}

static void test_stages_and_exit(void **state)
{
	(void)state;
	enum session_stage st;
	assert_true(session_stage_parse("rcpt", &st));
	assert_int_equal(st, SESS_STAGE_RCPT);
	assert_true(session_stage_parse("RCPT-TO", &st));
	assert_int_equal(st, SESS_STAGE_RCPT);
	assert_true(session_stage_parse("banner", &st));
	assert_int_equal(st, SESS_STAGE_GREETING);
	assert_true(session_stage_parse("starttls", &st));
	assert_int_equal(st, SESS_STAGE_TLS);
	assert_false(session_stage_parse("none", &st));
	assert_false(session_stage_parse("bogus", &st));
	/* every stage maps to a distinct documented number */
	int seen[40] = {0};
	for (int i = SESS_STAGE_CONNECT; i < SESS_STAGE_LAST; i++) {
		int c = session_stage_exit_code((enum session_stage)i);
		assert_true(c >= 10 && c <= 19);
		assert_int_equal(seen[c], 0);
		seen[c] = 1;
		assert_true(session_stage_parse(session_stage_name((enum session_stage)i), &st));
		assert_int_equal(st, i);
	}
	assert_int_equal(session_stage_exit_code(SESS_STAGE_CONNECT), 10);
	assert_int_equal(session_stage_exit_code(SESS_STAGE_RCPT), 16);
	assert_int_equal(session_stage_exit_code(SESS_STAGE_QUIT), 19);
	assert_int_equal(session_stage_exit_code(SESS_STAGE_NONE), 0);
	assert_int_equal(session_stage_of_cmd(SMTP_CMD_LHLO), SESS_STAGE_EHLO);
	assert_int_equal(session_stage_of_cmd(SMTP_CMD_BDAT), SESS_STAGE_DATA);
	assert_int_equal(session_stage_of_cmd(SMTP_CMD_MESSAGE), SESS_STAGE_MESSAGE);
	assert_int_equal(session_stage_of_cmd(SMTP_CMD_NOOP), SESS_STAGE_NONE);
	assert_int_equal(session_stage_smtp(SESS_STAGE_RCPT), STAGE_RCPT);

	struct session_result r;
	memset(&r, 0, sizeof r);
	r.accepted = true;
	r.reached = SESS_STAGE_QUIT;
	assert_int_equal(session_exit_code(&r, SESS_STAGE_NONE, true), 0);
	r.failed = SESS_STAGE_QUIT;
	assert_int_equal(session_exit_code(&r, SESS_STAGE_NONE, true), 19);
	memset(&r, 0, sizeof r);
	r.reached = SESS_STAGE_RCPT;
	assert_int_equal(session_exit_code(&r, SESS_STAGE_RCPT, false), 0);
	assert_int_equal(session_exit_code(&r, SESS_STAGE_NONE, true), 18); /* nothing accepted */
	assert_int_equal(session_exit_code(&r, SESS_STAGE_NONE, false), 0);
	r.reached = SESS_STAGE_EHLO;
	assert_int_equal(session_exit_code(&r, SESS_STAGE_AUTH, false), 13); /* stopped short */
	r.failed = SESS_STAGE_RCPT;
	assert_int_equal(session_exit_code(&r, SESS_STAGE_RCPT, false), 16);
	memset(&r, 0, sizeof r);
	r.local_error = true;
	assert_int_equal(session_exit_code(&r, SESS_STAGE_NONE, false), SESS_EXIT_LOCAL);
	r.failed = SESS_STAGE_MAIL;
	assert_int_equal(session_exit_code(&r, SESS_STAGE_NONE, false), 15);
}

static void test_targets(void **state)
{
	(void)state;
	struct session_target t;
	char err[200];
	assert_true(session_target_parse("mx.example.com", &t, err, sizeof err));
	assert_string_equal(t.host, "mx.example.com");
	assert_int_equal(t.port, 0);
	assert_true(session_target_parse("127.0.0.1:2525", &t, err, sizeof err));
	assert_string_equal(t.host, "127.0.0.1");
	assert_int_equal(t.port, 2525);
	assert_true(session_target_parse("[::1]:587", &t, err, sizeof err));
	assert_string_equal(t.host, "::1");
	assert_int_equal(t.port, 587);
	assert_true(session_target_parse("[2001:db8::1]", &t, err, sizeof err));
	assert_string_equal(t.host, "2001:db8::1");
	assert_true(session_target_parse("2001:db8::25", &t, err, sizeof err));
	assert_string_equal(t.host, "2001:db8::25");
	assert_int_equal(t.port, 0);
	assert_true(session_target_parse("/run/lmtp.sock", &t, err, sizeof err));
	assert_true(t.is_unix);
	assert_string_equal(t.path, "/run/lmtp.sock");
	assert_true(session_target_parse("unix:rel.sock", &t, err, sizeof err));
	assert_string_equal(t.path, "rel.sock");
	assert_true(session_target_parse("@example.org", &t, err, sizeof err));
	assert_true(t.is_mx);
	assert_string_equal(t.domain, "example.org");
	assert_false(session_target_parse("", &t, err, sizeof err));
	assert_false(session_target_parse("host:0", &t, err, sizeof err));
	assert_false(session_target_parse("host:65536", &t, err, sizeof err));
	assert_false(session_target_parse("host:25x", &t, err, sizeof err));
	assert_false(session_target_parse("[::1", &t, err, sizeof err));
	assert_false(session_target_parse("[nothex]:25", &t, err, sizeof err));
	assert_false(session_target_parse("2001:db8::zz", &t, err, sizeof err));
	assert_false(session_target_parse("@", &t, err, sizeof err));
	assert_false(session_target_parse("bad host:25", &t, err, sizeof err));
	assert_false(session_target_parse("unix:", &t, err, sizeof err));
	char longp[300];
	memset(longp, 'a', sizeof longp - 1);
	longp[0] = '/';
	longp[sizeof longp - 1] = '\0';
	assert_false(session_target_parse(longp, &t, err, sizeof err));
}

static void test_tls_versions(void **state)
{
	(void)state;
	int v;
	assert_true(session_tls_version_parse("1.2", &v));
	assert_int_equal(v, TLS1_2_VERSION);
	assert_true(session_tls_version_parse("TLSv1.3", &v));
	assert_int_equal(v, TLS1_3_VERSION);
	assert_true(session_tls_version_parse("tls1.0", &v));
	assert_int_equal(v, TLS1_VERSION);
	assert_false(session_tls_version_parse("1.4", &v));
	assert_false(session_tls_version_parse("ssl3", &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_auth),
		cmocka_unit_test(test_parse_data_bdat),
		cmocka_unit_test(test_parse_send),
		cmocka_unit_test(test_parse_pipeline_and_others),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_auth_plain),
		cmocka_unit_test(test_auth_cram_md5_rfc2195),
		cmocka_unit_test(test_auth_login_xoauth2),
		cmocka_unit_test(test_stages_and_exit),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_tls_versions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
