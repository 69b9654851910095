/* test_json.c - unit tests for the JSON writer (tui/json.c): escaping of every
 * byte value against a plain reference, keys, numbers, the buffered and
 * unbuffered writers giving the same bytes, values larger than the buffer,
 * keys at a reused address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/printable.h"
#include "tui/json.h"

/* The escaping rules written out byte by byte (RFC 8259 7): the reference. */
static void ref_escape(const uint8_t *p, size_t len, char *out)
{
	size_t o = 0;
	out[o++] = '"';
	for (size_t i = 0; i < len;) {
		uint8_t c = p[i];
		size_t n = c < 0x80 ? 1 : utf8_seq_len(p + i, len - i);
		if (n > 1) {
			memcpy(out + o, p + i, n);
			o += n, i += n;
			continue;
		}
		i++;
		if (n == 0)
			o += (size_t)sprintf(out + o, "\\ufffd");
		else if (c == '"' || c == '\\')
			o += (size_t)sprintf(out + o, "\\%c", c);
		else if (c == '\n')
			o += (size_t)sprintf(out + o, "\\n");
		else if (c == '\r')
			o += (size_t)sprintf(out + o, "\\r");
		else if (c == '\t')
			o += (size_t)sprintf(out + o, "\\t");
		else if (c < 0x20 || c == 0x7f)
			o += (size_t)sprintf(out + o, "\\u%04x", c);
		else
			out[o++] = (char)c;
	}
	out[o++] = '"';
	out[o] = '\0';
}

/* A writer into memory: mem_json_open, write, then mem_json_close gives the text. */
struct mem_json {
	char *mem;
	size_t size;
	FILE *f;
	struct json *j;
};

static struct json *mem_json_open(struct mem_json *m, bool buffered, bool pretty)
{
	m->mem = NULL;
	m->size = 0;
	m->f = open_memstream(&m->mem, &m->size);
	assert_non_null(m->f);
	m->j = malloc(sizeof *m->j);
	if (buffered)
		json_init_buffered(m->j, m->f, pretty);
	else
		json_init(m->j, m->f, pretty);
	return m->j;
}

static char *mem_json_close(struct mem_json *m)
{
	json_flush(m->j);
	free(m->j);
	fclose(m->f);
	return m->mem;
}

/* What the writer makes of one string value. */
static char *write_str(const uint8_t *p, size_t len, bool buffered)
{
	struct mem_json m;
	json_strn(mem_json_open(&m, buffered, false), p, len);
	return mem_json_close(&m);
}

/* The writer's rendering of p[0..len) (at most 80 bytes) is the reference's. */
static void check_str(const uint8_t *p, size_t len, bool buffered)
{
	char want[80 * 6 + 3];
	ref_escape(p, len, want);
	char *got = write_str(p, len, buffered);
	assert_string_equal(got, want);
	free(got);
}

/* Every byte value at every offset of a word, among plain bytes of several
 * lengths (the writer checks 8 bytes at a time). */
static void test_json_escape_every_byte(void **state)
{
	(void)state;
	uint8_t in[40];
	for (int c = 0; c < 256; c++)
		for (size_t len = 1; len <= 24; len++)
			for (size_t at = 0; at < len; at += 3) {
				memset(in, 'x', sizeof in);
				in[at] = (uint8_t)c;
				check_str(in, len, (c + len) % 2 == 0);
			}
}

/* Longer strings (the writer checks and copies 16 bytes at a time, the last
 * block overlapping the one before): one special byte at every offset. */
static void test_json_escape_blocks(void **state)
{
	(void)state;
	static const uint8_t specials[] = {'"', '\\', '\n', 0x01, 0x1f, 0x7f, 0x80, 0xc3, 0xff, ' ', '~'};
	uint8_t in[80];
	for (size_t k = 0; k < sizeof specials; k++)
		for (size_t len = 15; len <= 66; len++)
			for (size_t at = 0; at < len; at++) {
				for (size_t i = 0; i < len; i++)
					in[i] = (uint8_t)('a' + i % 26);
				in[at] = specials[k];
				check_str(in, len, (at + len) % 2 == 0);
			}
}

/* Many strings into one buffered writer: values of every length land at
 * every position of its buffer, across the point where it is flushed. */
static void test_json_escape_across_flushes(void **state)
{
	(void)state;
	struct mem_json m;
	struct json *j = mem_json_open(&m, true, false);
	json_arr_begin(j);
	size_t cap = 1 << 20, o = 0;
	char *want = malloc(cap);
	want[o++] = '[';
	uint8_t in[100];
	uint32_t seed = 7;
	for (int n = 0; n < 3000; n++) {
		size_t len = (size_t)(n * 7 % 97);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = (seed >> 16) % 61 == 0 ? (uint8_t)(seed >> 8) : (uint8_t)('A' + i % 50);
		}
		json_strn(j, in, len);
		if (n)
			want[o++] = ',';
		ref_escape(in, len, want + o);
		o += strlen(want + o);
	}
	want[o++] = ']';
	want[o] = '\0';
	json_arr_end(j);
	char *mem = mem_json_close(&m);
	assert_true(o > 2 * JSON_BUF_SIZE);
	assert_string_equal(mem, want);
	free(mem);
	free(want);
}

/* Valid UTF-8 is kept, broken sequences become U+FFFD. */
static void test_json_utf8(void **state)
{
	(void)state;
	const char *s = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7 bad \xc3 \xff end";
	char *got = write_str((const uint8_t *)s, strlen(s), true);
	assert_string_equal(got, "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7 bad \\ufffd \\ufffd end\"");
	free(got);
}

static char *write_doc(bool buffered, bool pretty, size_t big)
{
	struct mem_json m;
	struct json *j = mem_json_open(&m, buffered, pretty);
	json_obj_begin(j);
	JSON_KV_STR(j, "name", "value"); /* keys quoted at compile time ... */
	json_key(j, "quote\"key\n"); /* ... and a key from the network: escaped */
	json_str(j, "x");
	json_key(j, "min");
	json_int(j, -9223372036854775807LL - 1);
	JSON_KV_INT(j, "zero", 0);
	JSON_KEY(j, "ms");
	json_milli(j, -1500);
	json_key(j, "ms2");
	json_milli(j, 12345);
	json_key(j, "d");
	json_double(j, 0.25);
	JSON_KV_BOOL(j, "t", true);
	json_key(j, "null");
	json_str(j, NULL);
	JSON_KEY(j, "arr");
	json_arr_begin(j);
	json_arr_end(j);
	char *long_value = malloc(big + 1);
	memset(long_value, 'v', big);
	long_value[big] = '\0';
	json_key(j, "big");
	json_str(j, long_value);
	free(long_value);
	json_obj_end(j);
	json_end_line(j);
	return mem_json_close(&m);
}

static void test_json_document(void **state)
{
	(void)state;
	char *a = write_doc(true, false, 10);
	assert_string_equal(a, "{\"name\":\"value\",\"quote\\\"key\\n\":\"x\",\"min\":-9223372036854775808,\"zero\":0,"
			       "\"ms\":-1.500,\"ms2\":12.345,\"d\":0.250,\"t\":true,\"null\":null,\"arr\":[],"
			       "\"big\":\"vvvvvvvvvv\"}\n");
	free(a);
	/* buffered or not, pretty or not, values smaller or larger than the buffer */
	size_t bigs[] = {100, JSON_BUF_SIZE - 20, JSON_BUF_SIZE, 3 * JSON_BUF_SIZE + 7};
	for (size_t i = 0; i < sizeof bigs / sizeof *bigs; i++)
		for (int pretty = 0; pretty < 2; pretty++) {
			char *x = write_doc(true, pretty, bigs[i]);
			char *y = write_doc(false, pretty, bigs[i]);
			assert_string_equal(x, y);
			assert_true(strlen(x) > bigs[i]);
			free(x);
			free(y);
		}
	char *p = write_doc(false, true, 1);
	assert_non_null(strstr(p, "\n  \"name\": \"value\",\n"));
	free(p);
}

/* Keys from data (parameter names from a capture), one buffer reused for
 * each: every key is written with its own text, escaped when it needs to
 * be, long ones in full, beside keys the program names. */
static void test_json_key_reused_buffer(void **state)
{
	(void)state;
	struct mem_json m;
	struct json *j = mem_json_open(&m, true, false);
	char key[64];
	json_obj_begin(j);
	for (int round = 0; round < 2; round++) {
		strcpy(key, "SIZE");
		json_key(j, key);
		json_int(j, 1);
		strcpy(key, "SIZ");
		json_key(j, key);
		json_int(j, 2);
		strcpy(key, "BODY");
		json_key(j, key);
		json_int(j, 3);
		strcpy(key, "a\"b");
		json_key(j, key);
		json_int(j, 4);
		memset(key, 'k', 40);
		key[40] = '\0';
		json_key(j, key);
		json_int(j, 5);
		JSON_KV_INT(j, "lit", 6);
	}
	json_obj_end(j);
	json_end_line(j);
	char *mem = mem_json_close(&m);
	const char *once = "\"SIZE\":1,\"SIZ\":2,\"BODY\":3,\"a\\\"b\":4,"
			   "\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\":5,\"lit\":6";
	char want[512];
	snprintf(want, sizeof want, "{%s,%s}\n", once, once);
	assert_string_equal(mem, want);
	free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escape_every_byte),
		cmocka_unit_test(test_json_escape_blocks),
		cmocka_unit_test(test_json_escape_across_flushes),
		cmocka_unit_test(test_json_utf8),
		cmocka_unit_test(test_json_document),
		cmocka_unit_test(test_json_key_reused_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
