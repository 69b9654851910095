/* json.h - a small streaming JSON writer (RFC 8259) to a stdio stream. Strings
 * are escaped; invalid UTF-8 in input is replaced by U+FFFD so output is always
 * valid JSON. Commas are inserted automatically. Nesting depth is capped.
 *
 * Output goes through a buffer in struct json. A writer made by json_init
 * hands every call's bytes to the stream at once (for documents written
 * progressively, e.g. a live session's events); one made by
 * json_init_buffered keeps them until json_end_line or json_flush (one stdio
 * call per line: the capture decoder writes hundreds of MB this way). */
#ifndef SMTPSCOPE_JSON_H
#define SMTPSCOPE_JSON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define JSON_MAX_DEPTH 32
#define JSON_BUF_SIZE 16384

struct json {
	FILE *out;
	int depth;
	bool first[JSON_MAX_DEPTH]; /* no element written yet at this level */
	bool after_key;
	bool pretty;
	bool buffered;
	size_t len;                 /* bytes waiting in buf */
	char buf[JSON_BUF_SIZE];
};

void json_init(struct json *j, FILE *out, bool pretty);
void json_init_buffered(struct json *j, FILE *out, bool pretty);
/* Hand what is buffered to the stream (not fflush). */
void json_flush(struct json *j);
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
/* A key from data (escaped as needed); keys the program names use JSON_KEY. */
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);           /* NULL writes null */
void json_strn(struct json *j, const uint8_t *p, size_t len);
void json_int(struct json *j, long long v);
void json_double(struct json *j, double v);
/* v / 1000 with exactly three decimals ("12.345"), as json_double would print it. */
void json_milli(struct json *j, int64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* A key the program names with a string literal, quoted at compile time and
 * written in one piece (a capture's JSON has a few hundred keys per
 * session), and key + value shorthands with it. */
#define JSON_KEY(j, lit) json_key_quoted_fast((j), "\"" lit "\":", sizeof(lit) + 2)
#define JSON_KV_STR(j, lit, s) (JSON_KEY(j, lit), json_str((j), (s)))
#define JSON_KV_INT(j, lit, v) (JSON_KEY(j, lit), json_int((j), (v)))
#define JSON_KV_BOOL(j, lit, v) (JSON_KEY(j, lit), json_bool((j), (v)))
/* A key already quoted and followed by its colon (n bytes, no escaping needed). */
void json_key_quoted(struct json *j, const char *quoted, size_t n);
/* The same, inline for a buffered compact writer with room: n is a constant
 * at every JSON_KEY, so the copy is a few moves. */
static inline void json_key_quoted_fast(struct json *j, const char *quoted, size_t n)
{
	if (!j->buffered || j->pretty || j->after_key || sizeof j->buf - j->len <= n) {
		json_key_quoted(j, quoted, n);
		return;
	}
	char *o = j->buf + j->len;
	if (!j->first[j->depth])
		*o++ = ',';
	j->first[j->depth] = false;
	memcpy(o, quoted, n);
	j->len = (size_t)(o + n - j->buf);
	j->after_key = true;
}
/* End the document with a newline (one JSON value per line when not pretty);
 * the line goes to the stream. */
void json_end_line(struct json *j);

#endif
