/* test_provider.c - unit tests for the provider rule tables and matcher
 * (decode/provider.h): table hygiene, every rule's own example, known replies,
 * generic replies that must not match, filters, bounds and speed. With
 * PROVIDER_TSV set (tests/it_provider.sh), also every reply of the
 * smtp-field-manual, one "reply<TAB>provider-id<TAB>status<TAB>response" a line;
 * with PROVIDER_DIAG_TSV, the reasons of the bounce conformance diagnostics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/limits.h"
#include "decode/provider.h"
#include "decode/reason.h"
#include "decode/textmatch.h"

static const struct provider_rule *match_str(int code, const char *status, const char *text)
{
	return provider_match(code, status, (const uint8_t *)text, strlen(text));
}

static size_t rule_index(const struct provider_rule *r)
{
	for (size_t i = 0; i < provider_count(); i++)
		if (provider_at(i) == r)
			return i;
	return (size_t)-1;
}

static void assert_sentence(const char *s, size_t i, const char *what)
{
	if (!s || !s[0] || s[strlen(s) - 1] != '.')
		fail_msg("rule %zu: %s must be a non-empty sentence ending in '.'", i, what);
}

static void test_table_fields(void **state)
{
	(void)state;
	assert_true(provider_count() >= 250);
	assert_null(provider_at(provider_count()));
	for (size_t i = 0; i < provider_count(); i++) {
		const struct provider_rule *r = provider_at(i);
		assert_non_null(r);
		assert_true(r->provider && r->provider[0]);
		assert_true(r->pattern && r->pattern[0]);
		assert_true(r->source && r->source[0]);
		assert_true(r->example && r->example[0]);
		assert_sentence(r->meaning, i, "meaning");
		assert_sentence(r->cause, i, "cause");
		assert_sentence(r->fix, i, "fix");
		assert_true((unsigned)r->reason < REASON_LAST && r->reason != REASON_NONE);
		assert_true(r->code == 0 || (r->code >= 200 && r->code <= 599));
		if (r->status)
			assert_true(strlen(r->status) >= 5 && strlen(r->status) < 16);
		/* a double space or a tab could never match a normalised text */
		if (strstr(r->pattern, "  ") || strchr(r->pattern, '\t') || strstr(r->pattern, "**"))
			fail_msg("rule %zu (%s): malformed pattern '%s'", i, r->provider, r->pattern);
	}
}

/* Each rule's example is matched by its own pattern, and provider_match()
 * answers it with this rule or an earlier rule of the same provider. */
static void test_table_examples(void **state)
{
	(void)state;
	size_t shadowed = 0;
	for (size_t i = 0; i < provider_count(); i++) {
		const struct provider_rule *r = provider_at(i);
		const uint8_t *ex = (const uint8_t *)r->example;
		if (!text_match(ex, strlen(r->example), r->pattern))
			fail_msg("rule %zu (%s '%s') does not match its example", i, r->provider, r->pattern);
		const int codes[2] = {r->code, 0};
		const char *statuses[2] = {r->status, NULL};
		for (int k = 0; k < 2; k++) {
			const struct provider_rule *m = match_str(codes[k], statuses[k], r->example);
			if (!m)
				fail_msg("rule %zu (%s '%s'): example unmatched", i, r->provider, r->pattern);
			size_t j = rule_index(m);
			if (j > i || strcmp(m->provider, r->provider) != 0)
				fail_msg("rule %zu (%s '%s'): example taken by rule %zu (%s '%s')", i, r->provider,
					 r->pattern, j, m->provider, m->pattern);
			if (k == 0 && j < i) {
				shadowed++;
				print_message("note: rule %zu '%s' is answered by earlier rule %zu '%s'\n", i,
					      r->pattern, j, m->pattern);
			}
		}
	}
	print_message("%zu rules, %zu answered by an earlier rule of the same provider\n", provider_count(),
		      shadowed);
}

struct known {
	int code;
	const char *status;
	const char *text;
	const char *provider;
	enum reason reason;
	const char *meaning_has; /* a word the meaning must contain, or NULL */
};

static const struct known known_replies[] = {
	{421, "4.7.27", "Your email has been rate limited because SPF authentication didn't pass for this "
	 "message. Gmail requires all bulk email senders to authenticate with SPF.",
	 "Google", REASON_AUTHFAILURE, "SPF"},
	{550, "5.7.27", "550-5.7.27 Your email has been blocked because SPF authentication didn't pass. "
	 "Gmail requires all bulk email senders to authenticate with SPF. - gsmtp",
	 "Google", REASON_AUTHFAILURE, "SPF"},
	{421, "4.7.29", "Your email has been rate limited because this message wasn't sent over a TLS "
	 "connection. Gmail requires all bulk email senders to use TLS/SSL for SMTP connections.",
	 "Google", REASON_FAILEDSTARTTLS, "TLS"},
	{421, "4.7.30", "Your email has been rate limited because DKIM authentication didn\xe2\x80\x99t pass "
	 "for this message. Gmail requires all email bulk senders to authenticate their email with DKIM.",
	 "Google", REASON_AUTHFAILURE, "DKIM"},
	{550, "5.7.30", "This mail has been blocked because DKIM does not pass. Gmail requires all large "
	 "senders to authenticate with DKIM.", "Google", REASON_AUTHFAILURE, "DKIM"},
	{550, "5.7.26", "This mail has been blocked because the sender is unauthenticated. Gmail requires "
	 "all senders to authenticate with either SPF or DKIM.", "Google", REASON_AUTHFAILURE, "SPF"},
	{0, NULL, "550 5.1.1 The email account that you tried to reach does not exist. - gsmtp", "Google",
	 REASON_USERUNKNOWN, NULL},
	{421, "4.7.0", "TLS required for RCPT domain, closing connection.", "Google", REASON_FAILEDSTARTTLS, "TLS"},
	{550, "5.7.25", "The IP address sending this message does not have a PTR record setup, or the "
	 "corresponding forward DNS entry does not point to the sending IP.", "Google", REASON_REQUIREPTR, "PTR"},
	{550, "5.7.1", "Unfortunately, messages from [198.51.100.7] weren't sent. Please contact your Internet "
	 "service provider since part of their network is on our block list (S3150).", "Microsoft",
	 REASON_BLOCKED, "S3150"},
	{550, "5.7.606", "Access denied, banned sending IP [198.51.100.7].", "Microsoft", REASON_BLOCKED, NULL},
	{550, "5.4.1", "Recipient address rejected: Access denied. AS(201806281) [x.prod.outlook.com]",
	 "Microsoft", REASON_USERUNKNOWN, NULL},
	{451, "4.7.651", "The mail server [198.51.100.7] has been temporarily rate limited due to IP "
	 "reputation.", "Microsoft", REASON_BADREPUTATION, NULL},
	{550, "5.7.509", "Access denied, sending domain [EXAMPLE.NET] does not pass DMARC verification and "
	 "has a DMARC policy of reject.", "Microsoft", REASON_AUTHFAILURE, "DMARC"},
	{421, "4.7.0", "[TSS04] Messages from 198.51.100.7 temporarily deferred due to unexpected volume or "
	 "user complaints - 4.16.55.1", "Yahoo", REASON_BADREPUTATION, NULL},
	{554, "5.7.1", "[HM08] Message rejected due to local policy.", "Apple", REASON_POLICYVIOLATION, NULL},
	{554, "5.7.1", "Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org; "
	 "https://www.spamhaus.org/query/ip/198.51.100.7", "Spamhaus", REASON_BLOCKED, "ZEN"},
	{554, NULL, "Blocked - see https://ipcheck.proofpoint.com/?ip=198.51.100.7", "Proofpoint",
	 REASON_BLOCKED, NULL},
	{550, NULL, "Rejected by header based Anti-Spoofing policy: a@example.net - "
	 "https://community.mimecast.com/docs/DOC-1369#550", "Mimecast", REASON_POLICYVIOLATION, NULL},
	{550, NULL, "mwinf5c10 ME Adresse IP source bloquee pour incident de spam. Client host blocked for "
	 "spamming issues. OFR006_102 Ref http://csi.cloudmark.com/reset-request/?ip=198.51.100.7",
	 "Orange", REASON_BLOCKED, NULL},
};

static void test_known_replies(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof known_replies / sizeof known_replies[0]; i++) {
		const struct known *k = &known_replies[i];
		const struct provider_rule *r = match_str(k->code, k->status, k->text);
		if (!r)
			fail_msg("known reply %zu unmatched: %s", i, k->text);
		if (strcmp(r->provider, k->provider) != 0 || r->reason != k->reason)
			fail_msg("known reply %zu: got %s/%s ('%s'), want %s/%s", i, r->provider,
				 reason_name(r->reason), r->pattern, k->provider, reason_name(k->reason));
		if (k->meaning_has && !strstr(r->meaning, k->meaning_has))
			fail_msg("known reply %zu: meaning lacks '%s': %s", i, k->meaning_has, r->meaning);
		/* the same answer without code and status */
		assert_ptr_equal(match_str(0, NULL, k->text), r);
	}
	/* Gmail's 4.7.27 is about SPF, not the IANA null-MX meaning */
	const struct provider_rule *r = match_str(421, "4.7.27", known_replies[0].text);
	assert_null(strstr(r->meaning, "null MX"));
}

static void test_generic_texts(void **state)
{
	(void)state;
	static const char *const generic[] = {
		"550 5.1.1 User unknown",
		"250 OK",
		"250 2.0.0 Ok: queued as 4BX2Lm3Jz8z9vQ",
		"550 5.1.1 <someone@example.org>: Recipient address rejected: User unknown in local recipient table",
		"554 5.7.1 <someone@example.org>: Relay access denied",
		"421 Service not available, closing transmission channel",
		"550 Requested action not taken: mailbox unavailable",
		"501 Syntax error in parameters or arguments",
		"452 4.3.1 Insufficient system resources",
		"550 5.7.1 Message rejected as spam",
		"450 4.1.8 <a@example.net>: Sender address rejected: Domain not found",
		"552 5.3.4 Message size exceeds fixed limit",
		"421 4.7.0 Try again later",
		"220 mx.example.org ESMTP Postfix",
		"550 5.7.26 Unauthenticated",
	};
	for (size_t i = 0; i < sizeof generic / sizeof generic[0]; i++) {
		const struct provider_rule *r = match_str(0, NULL, generic[i]);
		if (r)
			fail_msg("generic text '%s' matched %s '%s'", generic[i], r->provider, r->pattern);
	}
}

static void test_raw_multiline(void **state)
{
	(void)state;
	const char *raw = "550-5.7.26 This mail has been blocked because the sender is\r\n"
			  "550-5.7.26 unauthenticated. Gmail requires all senders to authenticate with\r\n"
			  "550-5.7.26 either SPF or DKIM.\r\n550 5.7.26  Authentication results: - gsmtp\r\n";
	const struct provider_rule *r = match_str(0, NULL, raw);
	assert_non_null(r);
	assert_string_equal(r->provider, "Google");
	assert_int_equal(r->reason, REASON_AUTHFAILURE);
	/* a bounce diagnostic with the continuation codes folded into one line */
	r = match_str(550, "5.2.1", "smtp; 550-5.2.1 The email account that you tried to reach is disabled. "
				    "Learn more at 550 5.2.1 https://support.google.com/mail/?p=DisabledUser - gsmtp");
	assert_non_null(r);
	assert_int_equal(r->reason, REASON_SUSPEND);
}

static void test_filters(void **state)
{
	(void)state;
	const char *rate = "The user you are trying to contact is receiving mail at a rate that prevents "
			   "additional messages from being delivered.";
	const struct provider_rule *perm = match_str(550, NULL, rate);
	const struct provider_rule *temp = match_str(450, NULL, rate);
	assert_non_null(perm);
	assert_non_null(temp);
	assert_int_equal(perm->code, 550);
	assert_int_equal(temp->code, 0);
	/* code unknown: the unfiltered rule ranks first */
	assert_ptr_equal(match_str(0, NULL, rate), temp);
	/* a code at the start of the text counts as known */
	char buf[512];
	snprintf(buf, sizeof buf, "550 5.2.1 %s", rate);
	assert_ptr_equal(match_str(0, NULL, buf), perm);

	/* Comcast's "Not our Customer" is a 550; sendmail's 551 "not our customer" is not Comcast */
	assert_non_null(match_str(550, NULL, "5.1.1 Not our Customer"));
	assert_null(match_str(551, NULL, "not our customer"));
	assert_null(match_str(0, NULL, "SMTP; 551 not our customer"));
	const struct provider_rule *unsure = match_str(0, NULL, "Not our Customer");
	assert_non_null(unsure);
	assert_string_equal(unsure->provider, "Comcast");
	/* an over-long status counts as unknown rather than failing */
	assert_non_null(match_str(550, "5.1.1.1.1.1.1.1.1.1", "5.1.1 Not our Customer"));
}

static void test_bounds(void **state)
{
	(void)state;
	assert_null(provider_match(0, NULL, NULL, 0));
	assert_null(provider_match(0, NULL, (const uint8_t *)"x", 0));
	const uint8_t nul[] = "[TSS04]\0 Messages from";
	assert_non_null(provider_match(421, NULL, nul, sizeof nul - 1));
	/* every prefix of a real reply: no reads past len (ASan), no crash */
	const struct provider_rule *r0 = provider_at(0);
	for (size_t n = 0; n <= strlen(r0->example); n++)
		(void)provider_match(0, NULL, (const uint8_t *)r0->example, n);
	/* the text is read up to SMTP_REPLY_MAX_BYTES */
	size_t big = SMTP_REPLY_MAX_BYTES + 64;
	char *t = malloc(big + 1);
	assert_non_null(t);
	memset(t, 'a', big);
	t[big] = '\0';
	memcpy(t + 100, "[tss04]", 7);
	assert_non_null(provider_match(0, NULL, (const uint8_t *)t, big));
	memset(t + 100, 'a', 7);
	memcpy(t + SMTP_REPLY_MAX_BYTES + 10, "[tss04]", 7);
	assert_null(provider_match(0, NULL, (const uint8_t *)t, big));
	free(t);
	/* lone digits and code-like fragments at the end of the text */
	assert_null(match_str(0, NULL, "550"));
	assert_null(match_str(0, NULL, "550-"));
	assert_null(match_str(0, NULL, "550 5.7."));
	assert_null(match_str(0, NULL, "smtp;"));
}

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void test_speed(void **state)
{
	(void)state;
	const char *miss = "550 5.7.1 <someone@example.org>: Recipient address rejected: this mailbox "
			   "does not accept mail from your network; contact the administrator of the "
			   "receiving domain by other means if you believe this is an error (ref 8842)";
	const char *hit = "421 4.7.0 [TSS04] Messages from 198.51.100.7 temporarily deferred due to "
			  "unexpected volume or user complaints - 4.16.55.1; see "
			  "https://postmaster.yahooinc.com/error-codes";
	const int n = 20000;
	(void)match_str(0, NULL, miss); /* builds the keys */
	double t0 = now_us();
	for (int i = 0; i < n; i++)
		assert_null(match_str(0, NULL, miss));
	double t1 = now_us();
	for (int i = 0; i < n; i++)
		assert_non_null(match_str(0, NULL, hit));
	double t2 = now_us();
	double miss_us = (t1 - t0) / n, hit_us = (t2 - t1) / n;
	print_message("provider_match over %zu rules: %.2f us per %zu-byte miss, %.2f us per hit\n",
		      provider_count(), miss_us, strlen(miss), hit_us);
	/* generous bound so sanitizer builds pass; an unfiltered scan is far slower */
	assert_true(miss_us < 500.0);
}

static const char *fm_provider_name(const char *id)
{
	static const char *const map[][2] = {
		{"google", "Google"},     {"yahoo", "Yahoo"},          {"outlook", "Microsoft"},
		{"apple", "Apple"},       {"yandex", "Yandex"},        {"comcast", "Comcast"},
		{"zoho", "Zoho"},         {"mailru", "Mail.ru"},       {"att", "AT&T"},
		{"free", "Free"},         {"gmx", "GMX / WEB.DE"},     {"webde", "GMX / WEB.DE"},
		{"rackspace", "Rackspace"}, {"improvmx", "ImprovMX"}, {"qq", "Tencent QQ"},
		{"hey", "HEY"},           {"hostpoint", "Hostpoint"},  {"orange", "Orange"},
		{"rambler", "Rambler"},   {"infomaniak", "Infomaniak"}, {"protonmail", "Proton"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(map[i][0], id))
			return map[i][1];
	return NULL;
}

/* Replies of the field manual whose wording is a standard or software default
 * that many servers send: attributing them to one provider would misfire. */
static const struct {
	const char *key; /* reply/id/status as in the TSV */
	const char *provider; /* the expected answer: NULL = no provider */
} fm_exceptions[] = {
	{"421/yahoo/4.0.0", NULL},      /* RFC 5321 4.2.2 421 text */
	{"451/yahoo/4.0.0-2", NULL},    /* "4.3.2 Internal server error" */
	{"501/yahoo/5.0.0", NULL},      /* RFC 5321 4.2.2 501 text */
	{"501/gmx/1", NULL},            /* same */
	{"550/webde/2", NULL},          /* same, with the address before it */
	{"550/gmx/1", NULL},            /* RFC 5321 4.2.2 550 text */
	{"550/webde/3", NULL},          /* same */
	{"452/zoho/4.3.1", NULL},       /* "Temporary System Error" */
	{"551/yandex/5.3.0", NULL},     /* "Unknown error" */
	{"452/rambler/4.5.3", NULL},    /* "rate limit exceeded" */
	{"550/protonmail/5.7.1", NULL}, /* "Rejected by spam filter" */
	{"450/infomaniak/4.1.8", NULL}, /* Postfix reject_unknown_sender_domain */
	{"550/infomaniak/5.7.1", "OpenDMARC"}, /* OpenDMARC's default text */
	{"550/free/1", NULL},           /* "spam detected" */
	{"550/free/2", NULL},           /* "virus detected" */
	{"550/free/5.2.2", NULL},       /* "user quota exceeded" */
	{"451/apple/4.7.1", NULL},      /* "Service unavailable - try again later" */
};

static bool fm_exception(const char *key, const char **provider)
{
	for (size_t i = 0; i < sizeof fm_exceptions / sizeof fm_exceptions[0]; i++) {
		if (!strcmp(fm_exceptions[i].key, key)) {
			*provider = fm_exceptions[i].provider;
			return true;
		}
	}
	return false;
}

static void fm_check_row(char *line, size_t lineno, size_t *bad)
{
	char *f[4];
	size_t n = 0;
	for (char *p = line; n < 4; n++) {
		f[n] = p;
		char *tab = strchr(p, n < 3 ? '\t' : '\n');
		if (!tab) {
			n++;
			break;
		}
		*tab = '\0';
		p = tab + 1;
	}
	if (n < 4) {
		print_error("line %zu: expected 4 tab-separated fields\n", lineno);
		(*bad)++;
		return;
	}
	char key[128];
	snprintf(key, sizeof key, "%s/%s/%s", f[0], f[1], f[2]);
	const char *want = NULL;
	if (!fm_exception(key, &want)) {
		want = fm_provider_name(f[1]);
		if (!want) {
			print_error("field manual %s: provider id not mapped in this test\n", key);
			(*bad)++;
			return;
		}
	}
	const struct provider_rule *r = match_str(0, NULL, f[3]);
	bool ok = want ? (r && !strcmp(r->provider, want)) : (r == NULL);
	if (!ok) {
		print_error("field manual %s: want %s, got %s ('%s'): %s\n", key, want ? want : "no provider",
			    r ? r->provider : "none", r ? r->pattern : "", f[3]);
		(*bad)++;
	}
}

static void test_field_manual(void **state)
{
	(void)state;
	const char *path = getenv("PROVIDER_TSV");
	if (!path || !path[0])
		skip();
	FILE *fp = fopen(path, "r");
	if (!fp)
		fail_msg("cannot open %s", path);
	char *line = NULL;
	size_t cap = 0, rows = 0, bad = 0;
	while (getline(&line, &cap, fp) > 0) {
		rows++;
		fm_check_row(line, rows, &bad);
	}
	free(line);
	fclose(fp);
	print_message("field manual: %zu replies checked, %zu wrong\n", rows, bad);
	assert_true(rows > 100);
	assert_int_equal(bad, 0);
}

/* Bounce diagnostics of the conformance set whose sisimai reason we knowingly
 * do not follow (our rule's reason is kept). */
static const char *const diag_disagree[] = {
	"lhost-amavis-03.eml", /* amavis "- SPAM": spamdetected, sisimai says notcompliantrfc */
	"rfc3464-54.eml",      /* NXDOMAIN: hostunknown, sisimai says networkerror */
};

static void diag_check_row(char *line, size_t *matched, size_t *bad)
{
	char *file = line, *reason = strchr(line, '\t');
	char *text = reason ? strchr(reason + 1, '\t') : NULL;
	if (!text) {
		(*bad)++;
		return;
	}
	*reason++ = '\0';
	*text++ = '\0';
	text[strcspn(text, "\n")] = '\0';
	const struct provider_rule *r = match_str(0, NULL, text);
	if (!r)
		return;
	(*matched)++;
	if (!strcmp(reason_name(r->reason), reason))
		return;
	for (size_t i = 0; i < sizeof diag_disagree / sizeof diag_disagree[0]; i++)
		if (!strcmp(diag_disagree[i], file))
			return;
	print_error("%s: %s rule '%s' says %s, sisimai says %s\n", file, r->provider, r->pattern,
		    reason_name(r->reason), reason);
	(*bad)++;
}

/* PROVIDER_DIAG_TSV: "file<TAB>sisimai-reason<TAB>diagnostic" a line. */
static void test_bounce_diagnostics(void **state)
{
	(void)state;
	const char *path = getenv("PROVIDER_DIAG_TSV");
	if (!path || !path[0])
		skip();
	FILE *fp = fopen(path, "r");
	if (!fp)
		fail_msg("cannot open %s", path);
	char *line = NULL;
	size_t cap = 0, rows = 0, matched = 0, bad = 0;
	while (getline(&line, &cap, fp) > 0) {
		rows++;
		diag_check_row(line, &matched, &bad);
	}
	free(line);
	fclose(fp);
	print_message("bounce diagnostics: %zu read, %zu answered by a provider rule, %zu disagree\n", rows,
		      matched, bad);
	assert_true(matched > 20);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_fields),  cmocka_unit_test(test_table_examples),
		cmocka_unit_test(test_known_replies), cmocka_unit_test(test_generic_texts),
		cmocka_unit_test(test_raw_multiline), cmocka_unit_test(test_filters),
		cmocka_unit_test(test_bounds),        cmocka_unit_test(test_speed),
		cmocka_unit_test(test_field_manual),  cmocka_unit_test(test_bounce_diagnostics),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
