/* smtp_data.c - message content after DATA (dot-unstuffing, CRLF.CRLF end marker) and BDAT chunks by length (RFC 5321 4.1.1.4, 4.5.2; RFC 3030). */
#include "smtp_internal.h"

#include <string.h>

void smtp_data_begin(struct smtp_parser *p)
{
	p->cmode = SMTP_CM_DATA;
	p->dstate = SMTP_DS_BOL;
	p->data_bytes = p->data_missing = p->data_line_len = 0;
	p->data_bare_lf = p->data_long = false;
	p->data_prev = '\n';
	p->data_prev_bare = false;
}

static void body_emit(struct smtp_parser *p, const uint8_t *d, size_t n, uint64_t off, int64_t ts)
{
	if (n == 0)
		return;
	struct smtp_event ev = {.type = SMTP_EV_BODY, .dir = SMTP_DIR_CLIENT, .ts = ts, .offset = off};
	ev.body.p = d;
	ev.body.len = n;
	smtp_emit(p, &ev);
}

static void data_end(struct smtp_parser *p, bool bare, uint64_t off, int64_t ts)
{
	if (bare)
		smtp_flag(p, SMTP_DIR_CLIENT, SMTP_AN_DATA_BARE_LF_END, 0, "", off);
	struct smtp_body_end e = {.bytes = p->data_bytes, .missing = p->data_missing, .last = true,
				  .bare_lf_end = bare};
	e.seq = smtp_queue_push(p, SMTP_CMD_MESSAGE, ts);
	struct smtp_event ev = {.type = SMTP_EV_BODY_END, .dir = SMTP_DIR_CLIENT, .ts = ts, .offset = off};
	ev.end = &e;
	p->cmode = SMTP_CM_LINES;
	smtp_emit(p, &ev);
}

/* A line end at d[j] inside content: bare-LF and line-length checks. */
static void data_line_end(struct smtp_parser *p, const uint8_t *d, size_t i, size_t j, uint64_t off)
{
	uint8_t prev = j > 0 ? d[j - 1] : p->data_prev;
	p->data_line_len += j - i;
	p->data_prev_bare = prev != '\r';
	if (p->data_prev_bare && !p->data_bare_lf) {
		p->data_bare_lf = true;
		smtp_flag(p, SMTP_DIR_CLIENT, SMTP_AN_DATA_BARE_LF, 0, "", off + j);
	}
	if (p->data_line_len + 1 > SMTP_TEXT_LINE_RFC_MAX && !p->data_long) {
		p->data_long = true;
		smtp_flag(p, SMTP_DIR_CLIENT, SMTP_AN_DATA_LONG_LINE, p->data_line_len + 1, "", off + j);
	}
	p->data_line_len = 0;
}

/* In the middle of content: jump from line end to line end with memchr until
 * a line starts with '.' or the input ends. Returns the new position. */
static size_t data_scan_mid(struct smtp_parser *p, const uint8_t *d, size_t len, size_t i, size_t *run,
			    uint64_t off, int64_t ts)
{
	while (i < len) {
		const uint8_t *lf = memchr(d + i, '\n', len - i);
		if (!lf) {
			p->data_line_len += len - i;
			return len;
		}
		size_t j = (size_t)(lf - d);
		bool bare = (j > 0 ? d[j - 1] : p->data_prev) != '\r';
		bool lng = p->data_line_len + (j - i) + 1 > SMTP_TEXT_LINE_RFC_MAX;
		if ((bare && !p->data_bare_lf) || (lng && !p->data_long)) {
			/* content before the line end goes out before the anomaly, in any chunking */
			body_emit(p, d + *run, j - *run, off + *run, ts);
			p->data_bytes += j - *run;
			*run = j;
		}
		data_line_end(p, d, i, j, off);
		i = j + 1;
		if (i == len || d[i] == '.') {
			p->dstate = SMTP_DS_BOL;
			return i;
		}
	}
	return i;
}

/* Scan content with memchr from line end to line end; body bytes go out in
 * runs as long as the input allows, split only around stuffed dots. Returns
 * the bytes consumed (less than len when the end marker was found). */
size_t smtp_data_consume(struct smtp_parser *p, const uint8_t *d, size_t len, uint64_t off, int64_t ts)
{
	static const uint8_t cr = '\r';
	size_t i = 0, run = 0;
	while (i < len) {
		switch (p->dstate) {
		case SMTP_DS_BOL:
			if (d[i] == '.') {
				body_emit(p, d + run, i - run, off + run, ts);
				p->data_bytes += i - run;
				p->dstate = SMTP_DS_DOT;
				p->data_dot_off = off + i;
				run = ++i;
			} else {
				p->dstate = SMTP_DS_MID;
			}
			break;
		case SMTP_DS_DOT:
			if (d[i] == '\n') {
				data_end(p, true, p->data_dot_off, ts);
				return i + 1;
			}
			if (d[i] == '\r') {
				p->dstate = SMTP_DS_DOT_CR;
				run = ++i;
			} else {
				p->dstate = SMTP_DS_MID; /* a stuffed dot: dropped */
				p->data_line_len = 1;
			}
			break;
		case SMTP_DS_DOT_CR:
			if (d[i] == '\n') {
				data_end(p, p->data_prev_bare, p->data_dot_off, ts);
				return i + 1;
			}
			body_emit(p, &cr, 1, off + i, ts); /* ".\r" then more: keep the CR */
			p->data_bytes++;
			p->data_line_len = 2;
			p->dstate = SMTP_DS_MID;
			break;
		case SMTP_DS_MID:
			i = data_scan_mid(p, d, len, i, &run, off, ts);
			break;
		}
	}
	body_emit(p, d + run, len - run, off + run, ts);
	p->data_bytes += len - run;
	p->data_prev = d[len - 1];
	return len;
}

void smtp_data_gap(struct smtp_parser *p, uint64_t n)
{
	p->data_missing += n;
	p->data_bytes += n;
	p->dstate = SMTP_DS_BOL; /* assume the gap ended a line: a lone "." still ends */
	p->data_prev = '\n';
	p->data_prev_bare = false;
	p->data_line_len = 0;
}

static void bdat_end(struct smtp_parser *p, uint64_t off, int64_t ts)
{
	struct smtp_body_end e = {.seq = p->bdat_seq, .bytes = p->bdat_bytes, .missing = p->bdat_missing,
				  .bdat = true, .last = p->bdat_last};
	struct smtp_event ev = {.type = SMTP_EV_BODY_END, .dir = SMTP_DIR_CLIENT, .ts = ts, .offset = off};
	ev.end = &e;
	p->cmode = SMTP_CM_LINES;
	smtp_emit(p, &ev);
}

void smtp_bdat_begin(struct smtp_parser *p, const struct smtp_command *c, uint64_t off, int64_t ts)
{
	p->bdat_left = c->bdat_size;
	p->bdat_seq = c->seq;
	p->bdat_last = c->bdat_last;
	p->bdat_bytes = p->bdat_missing = 0;
	p->bdat_off = off;
	if (p->bdat_left == 0)
		bdat_end(p, off, ts);
	else
		p->cmode = SMTP_CM_BDAT;
}

size_t smtp_bdat_consume(struct smtp_parser *p, const uint8_t *d, size_t len, uint64_t off, int64_t ts)
{
	size_t n = p->bdat_left < len ? (size_t)p->bdat_left : len;
	body_emit(p, d, n, off, ts);
	p->bdat_left -= n;
	p->bdat_bytes += n;
	if (p->bdat_left == 0)
		bdat_end(p, off + n, ts);
	return n;
}

uint64_t smtp_bdat_gap(struct smtp_parser *p, uint64_t n)
{
	uint64_t in = n < p->bdat_left ? n : p->bdat_left;
	p->bdat_left -= in;
	p->bdat_bytes += in;
	p->bdat_missing += in;
	if (p->bdat_left == 0)
		bdat_end(p, p->side[SMTP_DIR_CLIENT].offset, p->side[SMTP_DIR_CLIENT].ts);
	return n - in;
}
