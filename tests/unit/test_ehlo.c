/* test_ehlo.c - unit tests for the EHLO keyword table (IANA SMTP Service
 * Extensions, RFC 5321 2.2.2) and the SASL mechanism table (RFC 4422). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode/ehlo.h"

static const struct ehlo_ext *kw(const char *s)
{
	/* an exact-size copy without NUL, so that ASan sees any over-read */
	size_t n = strlen(s);
	char *p = malloc(n ? n : 1);
	assert_non_null(p);
	memcpy(p, s, n);
	const struct ehlo_ext *e = ehlo_lookup(p, n);
	free(p);
	return e;
}

static const struct sasl_mech *mech(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n ? n : 1);
	assert_non_null(p);
	memcpy(p, s, n);
	const struct sasl_mech *m = sasl_lookup(p, n);
	free(p);
	return m;
}

static void test_registered_keywords(void **state)
{
	(void)state;
	static const char *const want[] = {
		"SIZE", "PIPELINING", "8BITMIME", "CHUNKING", "BINARYMIME", "STARTTLS",
		"AUTH", "DSN", "ENHANCEDSTATUSCODES", "SMTPUTF8", "REQUIRETLS", "MT-PRIORITY",
		"DELIVERBY", "FUTURERELEASE", "LIMITS", "ETRN", "ATRN", "CHECKPOINT", "EXPN",
		"HELP", "TURN", "BURL", "RRVS", "MTRK", "NO-SOLICITING", "CONPERM", "CONNEG",
		"UTF8SMTP", "SUBMITTER", "VERB", "ONEX", "SEND", "SOML", "SAML",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct ehlo_ext *e = kw(want[i]);
		if (!e)
			fail_msg("keyword %s missing", want[i]);
		assert_string_equal(e->keyword, want[i]);
		if (strncmp(e->source, "non-IANA", 8) == 0)
			fail_msg("registered keyword %s marked non-IANA", want[i]);
	}
	assert_non_null(strstr(kw("PIPELINING")->source, "RFC 2920"));
	assert_non_null(strstr(kw("STARTTLS")->source, "RFC 3207"));
}

static void test_unregistered_keywords(void **state)
{
	(void)state;
	static const char *const want[] = {
		"XCLIENT", "XFORWARD", "X-EXPS", "XEXCH50", "X-LINK2STATE", "XOORG", "XRDST",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct ehlo_ext *e = kw(want[i]);
		if (!e)
			fail_msg("keyword %s missing", want[i]);
		assert_int_equal(strncmp(e->source, "non-IANA: ", 10), 0);
		assert_true(strlen(e->source) > 10);
	}
}

static void test_lookup_forms(void **state)
{
	(void)state;
	const struct ehlo_ext *p = kw("PIPELINING");
	assert_non_null(p);
	assert_ptr_equal(kw("pipelining"), p);
	assert_ptr_equal(kw("PiPeLiNiNg"), p);
	/* a whole EHLO line: the keyword stops at the first blank */
	assert_ptr_equal(kw("SIZE 35882577"), kw("SIZE"));
	assert_ptr_equal(kw("auth PLAIN LOGIN XOAUTH2"), kw("AUTH"));
	/* the legacy AUTH=mech form */
	assert_non_null(kw("AUTH=PLAIN"));
	assert_ptr_equal(kw("AUTH=PLAIN LOGIN"), kw("AUTH=LOGIN"));
	/* len is honoured */
	assert_ptr_equal(ehlo_lookup("SIZEXYZ", 4), kw("SIZE"));
	assert_null(kw("XNOTAKEYWORD"));
	assert_null(kw("SIZ"));
	assert_null(kw("AUTH="));
	assert_null(kw(""));
	assert_null(kw(" SIZE"));
	assert_null(ehlo_lookup(NULL, 4));
}

static void test_ehlo_table_complete(void **state)
{
	(void)state;
	size_t n = ehlo_count();

	assert_true(n >= 34);
	for (size_t i = 0; i < n; i++) {
		const struct ehlo_ext *e = ehlo_at(i);
		assert_non_null(e);
		if (!e->keyword[0] || !e->title[0] || !e->meaning[0] || !e->source[0])
			fail_msg("%s has an empty field", e->keyword);
		for (const char *c = e->keyword; *c; c++)
			assert_false(*c >= 'a' && *c <= 'z');
		assert_ptr_equal(kw(e->keyword), e); /* unique */
	}
	assert_null(ehlo_at(n));
}

static void test_sasl(void **state)
{
	(void)state;
	const struct sasl_mech *m = mech("PLAIN");

	assert_non_null(m);
	assert_int_equal(m->status, SASL_COMMON);
	assert_non_null(strstr(m->meaning, "base64"));
	assert_non_null(strstr(m->meaning, "TLS"));
	assert_ptr_equal(mech("plain"), m);
	m = mech("login");
	assert_non_null(m);
	assert_int_equal(m->status, SASL_OBSOLETE);
	assert_non_null(strstr(m->meaning, "TLS"));
	assert_int_equal(mech("CRAM-MD5")->status, SASL_LIMITED);
	assert_int_equal(mech("DIGEST-MD5")->status, SASL_OBSOLETE);
	assert_int_equal(mech("Scram-Sha-256")->status, SASL_COMMON);
	assert_string_equal(mech("scram-sha-256-plus")->name, "SCRAM-SHA-256-PLUS");
	assert_non_null(mech("XOAUTH2"));
	assert_non_null(strstr(mech("XOAUTH2")->meaning, "OAuth"));
	assert_non_null(mech("OAUTHBEARER"));
	assert_non_null(mech("GSSAPI"));
	/* unlisted members of a family fall back to the family entry */
	assert_string_equal(mech("SCRAM-SHA-512")->name, "SCRAM-*");
	assert_string_equal(mech("GS2-FOO")->name, "GS2-*");
	assert_null(mech("SCRAM-"));
	assert_null(mech("NOT-A-MECH"));
	assert_null(mech(""));
	assert_ptr_equal(sasl_lookup("PLAINX", 5), mech("PLAIN"));
	assert_null(sasl_lookup(NULL, 3));
}

static void test_sasl_table_complete(void **state)
{
	(void)state;
	size_t n = sasl_count();

	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		const struct sasl_mech *m = sasl_at(i);
		assert_non_null(m);
		if (!m->name[0] || !m->meaning[0] || !m->source[0])
			fail_msg("%s has an empty field", m->name);
		assert_true(m->status == SASL_COMMON || m->status == SASL_LIMITED ||
			    m->status == SASL_OBSOLETE);
		assert_ptr_equal(mech(m->name), m);
	}
	assert_null(sasl_at(n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registered_keywords),
		cmocka_unit_test(test_unregistered_keywords),
		cmocka_unit_test(test_lookup_forms),
		cmocka_unit_test(test_ehlo_table_complete),
		cmocka_unit_test(test_sasl),
		cmocka_unit_test(test_sasl_table_complete),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
