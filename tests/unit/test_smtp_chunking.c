/* test_smtp_chunking.c - the SMTP parser and transaction model give identical events whatever the chunking: each conversation is fed whole, byte by byte and in random chunk sizes (fixed seeds), including generated conversations (RFC 5321, 2920, 3030, 4954). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "decode/buf.h"
#include "decode/printable.h"
#include "decode/smtp.h"
#include "decode/smtp_transcript.h"
#include "decode/txn.h"

struct render {
	struct buf out;
	uint64_t body_n;
	struct buf body;
	struct txn_session *s;
	size_t events;
};

static void flush_body(struct render *r)
{
	if (!r->body_n)
		return;
	buf_printf(&r->out, "body %llu ", (unsigned long long)r->body_n);
	printable_append(&r->out, r->body.data, r->body.len);
	buf_append_byte(&r->out, '\n');
	buf_reset(&r->body);
	r->body_n = 0;
}

static void on_ev(void *u, const struct smtp_event *ev)
{
	struct render *r = u;
	r->events++;
	if (ev->type == SMTP_EV_BODY) { /* body pieces depend on chunking: compare their concatenation */
		r->body_n += ev->body.len;
		buf_append(&r->body, ev->body.p, ev->body.len);
	} else {
		flush_body(r);
		smtp_event_format(ev, SMTP_FMT_SECRETS, &r->out);
		buf_append_byte(&r->out, '\n');
	}
	txn_session_event(r->s, ev);
}

struct lcg {
	uint64_t x;
	size_t max;
};

static uint32_t lcg_next(struct lcg *g)
{
	g->x = g->x * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(g->x >> 33);
}

static size_t chunk_rand(void *u)
{
	struct lcg *g = u;
	return lcg_next(g) % g->max + 1;
}

static size_t chunk_one(void *u)
{
	(void)u;
	return 1;
}

static void render(const struct smtp_transcript *t, size_t (*chunk)(void *), void *u, struct buf *out)
{
	struct render r = {.events = 0, .body_n = 0};
	buf_init(&r.out, 1u << 24);
	buf_init(&r.body, 1u << 22);
	r.s = txn_session_new(TXN_KEEP_ALL, NULL);
	struct smtp_parser *p = smtp_parser_new(on_ev, &r, NULL);
	smtp_transcript_feed(t, p, chunk, u);
	flush_body(&r);
	txn_session_format(r.s, &r.out);
	smtp_parser_free(p);
	txn_session_free(r.s);
	buf_free(&r.body);
	assert_true(r.events > 0);
	*out = r.out;
}

static void check_all_chunkings(const char *text)
{
	struct smtp_transcript t;
	char err[96];
	assert_true(smtp_transcript_parse((const uint8_t *)text, strlen(text), &t, err, sizeof err));
	struct buf whole, other;
	render(&t, NULL, NULL, &whole);
	render(&t, chunk_one, NULL, &other);
	assert_int_equal(other.len, whole.len);
	assert_memory_equal(other.data, whole.data, whole.len);
	buf_free(&other);
	for (uint64_t seed = 1; seed <= 6; seed++) {
		struct lcg g = {.x = seed * 977, .max = seed < 4 ? 3 + seed * 4 : 300};
		render(&t, chunk_rand, &g, &other);
		if (other.len != whole.len || memcmp(other.data, whole.data, whole.len) != 0)
			fprintf(stderr, "seed %llu differs:\n%s\n---\n%s\n", (unsigned long long)seed, buf_str(&whole),
				buf_str(&other));
		assert_int_equal(other.len, whole.len);
		assert_memory_equal(other.data, whole.data, whole.len);
		buf_free(&other);
	}
	buf_free(&whole);
	smtp_transcript_free(&t);
}

static void test_fixed_conversations(void **state)
{
	(void)state;
	static const char *const convs[] = {
		/* everything in one conversation */
		"S: 220 mx ESMTP\nC: EHLO c\nS: 250-mx\nS: 250-PIPELINING\nS: 250-CHUNKING\nS: 250 AUTH PLAIN LOGIN\n"
		"C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: Ym9i\nS: 334 UGFzc3dvcmQ6\nC: cHc=\nS: 235 ok\n"
		"C= MAIL FROM:<a@b> SIZE=9\\r\\nRCPT TO:<c@d>\\r\\nRCPT TO:<e@f>\\r\\nDATA\\r\\n\n"
		"S= 250 ok\\r\\n250 ok\\r\\n550 5.1.1 no\\r\\n354 go\\r\\n\n"
		"C= Subject: a\\r\\n\\r\\n..x\\r\\n.\\r\\n\nS: 250 2.0.0 Ok: queued as ABCD1\n"
		"C= MAIL FROM:<a@b>\\r\\nRCPT TO:<c@d>\\r\\nBDAT 7 LAST\\r\\n\\x00\\r\\n.\\r\\nx\n"
		"S= 250 ok\\r\\n250 ok\\r\\n250 OK id=1qXYZ-0004aB-Cd\\r\\n\nC: QUIT\nS: 221 bye\n",
		/* malformed and odd */
		"S: 220-multi\nS: 220 greeting\nC: helo x\nS= 250 ok\\n\nC= NOOP\\nNOOP\\r\\n\n"
		"S= 250-a\\r\\n251 b\\r\\nno code\\r\\n\nC: DATA\nS: 354 go\nC= a\\nb\\n.\\n\nS: 250 ok\n"
		"C: STARTTLS\nS: 220 go\nC= \\x16\\x03\\x01tls\n",
		/* early content and hold */
		"S: 220 x\nC: EHLO x\nS: 250 x\nC= MAIL FROM:<a@b>\\r\\nRCPT TO:<c@d>\\r\\nDATA\\r\\nline\\r\\n.\\r\\nQUIT\\r\\n\n"
		"S= 250 ok\\r\\n250 ok\\r\\n354 go\\r\\n250 ok\\r\\n221 bye\\r\\n\n",
	};
	for (size_t i = 0; i < sizeof convs / sizeof convs[0]; i++)
		check_all_chunkings(convs[i]);
}

/* Generated conversations: random shapes of valid and faulty sessions. */
static void gen_conversation(struct lcg *g, struct buf *b)
{
	static const char *const rcpt_replies[] = {"250 2.1.5 Ok", "550 5.1.1 unknown", "452 4.2.2 full"};
	buf_append_str(b, "S: 220 mx.example ESMTP\nC: EHLO c.example\nS: 250-mx\nS: 250-PIPELINING\n"
			  "S: 250 CHUNKING\n");
	int ntx = (int)(lcg_next(g) % 5) + 1;
	for (int t = 0; t < ntx; t++) {
		int nr = (int)(lcg_next(g) % 4) + 1;
		buf_printf(b, "C: MAIL FROM:<s%d@a.example>\nS: 250 2.1.0 Ok\n", t);
		for (int r = 0; r < nr; r++)
			buf_printf(b, "C: RCPT TO:<r%d@b.example>\nS: %s\n", r, rcpt_replies[lcg_next(g) % 3]);
		switch (lcg_next(g) % 4) {
		case 0:
			buf_append_str(b, "C: RSET\nS: 250 Ok\n");
			break;
		case 1: {
			buf_append_str(b, "C: DATA\nS: 354 go\nC: Subject: gen\nC: \n");
			int lines = (int)(lcg_next(g) % 20);
			for (int l = 0; l < lines; l++)
				buf_printf(b, "C: %sline %d %u\n", lcg_next(g) % 5 == 0 ? "." : "", l, lcg_next(g));
			buf_append_str(b, "C: .\nS: 250 2.0.0 Ok: queued as GEN123\n");
			break;
		}
		case 2: {
			unsigned n = lcg_next(g) % 50;
			buf_printf(b, "C= BDAT %u LAST\\r\\n", n);
			for (unsigned k = 0; k < n; k++)
				buf_printf(b, "\\x%02x", lcg_next(g) & 0xff);
			buf_append_str(b, "\nS: 250 2.0.0 Ok: queued as GEN456\n");
			break;
		}
		default:
			buf_append_str(b, "C: DATA\nS: 554 5.5.1 no valid recipients\n");
			break;
		}
	}
	buf_append_str(b, lcg_next(g) % 2 ? "C: QUIT\nS: 221 bye\n" : "C: NOOP\n");
}

static void test_generated(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 25; seed++) {
		struct lcg g = {.x = seed * 0x9E3779B97F4A7C15ull};
		struct buf b;
		buf_init(&b, 1u << 20);
		gen_conversation(&g, &b);
		check_all_chunkings(buf_str(&b));
		buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_conversations),
		cmocka_unit_test(test_generated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
