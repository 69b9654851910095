/* json.c - streaming JSON writer (RFC 8259), see json.h. */
#include "json.h"
#include "decode/printable.h"

#include <string.h>

void json_init(struct json *j, FILE *out, bool pretty)
{
	memset(j, 0, sizeof *j);
	j->out = out;
	j->pretty = pretty;
	j->first[0] = true;
}

static void json_indent(struct json *j)
{
	if (!j->pretty)
		return;
	fputc('\n', j->out);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->out);
}

/* Called before every value or key: writes the separating comma. */
static void json_sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->out);
	j->first[j->depth] = false;
	if (j->depth > 0)
		json_indent(j);
}

static void json_open(struct json *j, char c)
{
	json_sep(j);
	fputc(c, j->out);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

static void json_close(struct json *j, char c)
{
	bool empty = j->first[j->depth];
	if (j->depth > 0)
		j->depth--;
	if (!empty)
		json_indent(j);
	fputc(c, j->out);
}

void json_obj_begin(struct json *j) { json_open(j, '{'); }
void json_obj_end(struct json *j) { json_close(j, '}'); }
void json_arr_begin(struct json *j) { json_open(j, '['); }
void json_arr_end(struct json *j) { json_close(j, ']'); }

/* Bytes that can be written as they are inside a JSON string. */
static bool json_plain(uint8_t c)
{
	return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
}

static void json_write_special(FILE *out, const uint8_t *p, size_t len, size_t *i)
{
	uint8_t c = p[*i];
	size_t n = c < 0x80 ? 1 : utf8_seq_len(p + *i, len - *i);
	if (n > 1) {
		fwrite(p + *i, 1, n, out);
		*i += n;
		return;
	}
	if (n == 0)
		fputs("\\ufffd", out); /* invalid UTF-8 or a C1 control */
	else if (c == '"' || c == '\\')
		fprintf(out, "\\%c", c);
	else if (c == '\n')
		fputs("\\n", out);
	else if (c == '\r')
		fputs("\\r", out);
	else if (c == '\t')
		fputs("\\t", out);
	else
		fprintf(out, "\\u%04x", c);
	(*i)++;
}

/* Runs of plain bytes go out with one fwrite: a call per byte costs a
 * stdio lock each and dominated --json on large captures. */
static void json_write_escaped(FILE *out, const uint8_t *p, size_t len)
{
	fputc('"', out);
	size_t i = 0;
	while (i < len) {
		size_t run = i;
		while (run < len && json_plain(p[run]))
			run++;
		if (run > i) {
			fwrite(p + i, 1, run - i, out);
			i = run;
			continue;
		}
		json_write_special(out, p, len, &i);
	}
	fputc('"', out);
}

void json_key(struct json *j, const char *key)
{
	json_sep(j);
	json_write_escaped(j->out, (const uint8_t *)key, strlen(key));
	fputc(':', j->out);
	if (j->pretty)
		fputc(' ', j->out);
	j->after_key = true;
}

void json_strn(struct json *j, const uint8_t *p, size_t len)
{
	json_sep(j);
	json_write_escaped(j->out, p, len);
}

void json_str(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	json_strn(j, (const uint8_t *)s, strlen(s));
}

void json_int(struct json *j, long long v)
{
	json_sep(j);
	fprintf(j->out, "%lld", v);
}

void json_double(struct json *j, double v)
{
	json_sep(j);
	if (v != v || v > 1e300 || v < -1e300)
		fputs("null", j->out);
	else
		fprintf(j->out, "%.3f", v);
}

void json_bool(struct json *j, bool v)
{
	json_sep(j);
	fputs(v ? "true" : "false", j->out);
}

void json_null(struct json *j)
{
	json_sep(j);
	fputs("null", j->out);
}

void json_kv_str(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void json_kv_int(struct json *j, const char *key, long long v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}

void json_end_line(struct json *j)
{
	fputc('\n', j->out);
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
}
