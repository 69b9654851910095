/* mime_decode.c - MIME content decoding: base64 and quoted-printable (RFC 2045 6.7,
 * 6.8), charset conversion to UTF-8 with iconv(3), encoded words (RFC 2047). */
#include "mime.h"

#include <errno.h>
#include <iconv.h>
#include <openssl/evp.h>
#include <string.h>
#include <strings.h>

static int md_hex(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool md_b64_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/* Append as much of p as fits; false when some had to be left out. */
static bool md_append_some(struct buf *out, const uint8_t *p, size_t len)
{
	size_t room = out->max > out->len ? out->max - out->len : 0;
	size_t n = len < room ? len : room;
	if (n)
		buf_append(out, p, n);
	return n == len;
}

int mime_decode_base64(const uint8_t *p, size_t len, struct buf *out)
{
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	if (!ctx)
		return -1;
	EVP_DecodeInit(ctx);
	uint8_t chunk[3 * 1024 + 64];
	size_t off = 0, sig = 0;
	int rc = 0;
	bool pad_seen = false;
	while (off < len && rc == 0) {
		size_t n = len - off > 4096 ? 4096 : len - off;
		for (size_t i = 0; i < n; i++) {
			if (md_b64_char(p[off + i]))
				sig++;
			else if (p[off + i] == '=')
				pad_seen = true;
		}
		int outl = 0;
		if (EVP_DecodeUpdate(ctx, chunk, &outl, p + off, (int)n) < 0)
			rc = -1;
		if (outl > 0 && !buf_append(out, chunk, (size_t)outl))
			rc = -1;
		off += n;
	}
	/* Tolerate missing padding, as found in encoded words and sloppy bodies. */
	if (rc == 0 && !pad_seen && sig % 4 >= 2) {
		int outl = 0;
		static const uint8_t pad[] = "==";
		if (EVP_DecodeUpdate(ctx, chunk, &outl, pad, (int)(4 - sig % 4)) < 0)
			rc = -1;
		if (outl > 0 && !buf_append(out, chunk, (size_t)outl))
			rc = -1;
	}
	int outl = 0;
	if (EVP_DecodeFinal(ctx, chunk, &outl) < 0)
		rc = -1;
	if (outl > 0 && !buf_append(out, chunk, (size_t)outl))
		rc = -1;
	EVP_ENCODE_CTX_free(ctx);
	return rc;
}

/* Length of the line at off without trailing blanks and line end. */
static size_t md_qp_line(const uint8_t *p, size_t len, size_t off, size_t *next)
{
	const uint8_t *nl = memchr(p + off, '\n', len - off);
	size_t end = nl ? (size_t)(nl - p) : len;
	*next = nl ? end + 1 : len;
	while (end > off && (p[end - 1] == '\r' || p[end - 1] == ' ' || p[end - 1] == '\t'))
		end--;
	return end - off;
}

int mime_decode_qp(const uint8_t *p, size_t len, struct buf *out)
{
	int rc = 0;
	size_t off = 0;
	while (off < len) {
		size_t next;
		size_t ll = md_qp_line(p, len, off, &next);
		const uint8_t *l = p + off;
		bool soft = false;
		for (size_t i = 0; i < ll; i++) {
			if (l[i] != '=') {
				if (!buf_append_byte(out, l[i]))
					return -1;
				continue;
			}
			if (i + 1 == ll) {
				soft = true;
				break;
			}
			int hi = i + 2 < ll ? md_hex(l[i + 1]) : -1;
			int lo = i + 2 < ll ? md_hex(l[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				rc = 1; /* keep the malformed escape as it is */
				if (!buf_append_byte(out, '='))
					return -1;
				continue;
			}
			if (!buf_append_byte(out, (uint8_t)(hi * 16 + lo)))
				return -1;
			i += 2;
		}
		bool had_nl = next > off + ll && p[next - 1] == '\n';
		if (!soft && had_nl && !buf_append_byte(out, '\n'))
			return -1;
		off = next;
	}
	return rc;
}

int mime_decode(enum mime_cte cte, const uint8_t *p, size_t len, struct buf *out)
{
	if (cte == CTE_BASE64)
		return mime_decode_base64(p, len, out);
	if (cte == CTE_QP)
		return mime_decode_qp(p, len, out) < 0 ? -1 : 0;
	return md_append_some(out, p, len) ? 0 : -1;
}

static bool md_is_utf8_name(const char *cs)
{
	static const char *const same[] = {"utf-8", "utf8", "us-ascii", "ascii", "us_ascii", NULL};
	for (size_t i = 0; same[i]; i++)
		if (!strcasecmp(cs, same[i]))
			return true;
	return false;
}

/* Run iconv over the whole input; unconvertible bytes become U+FFFD. */
static bool md_iconv_all(iconv_t cd, const uint8_t *p, size_t len, struct buf *out)
{
	static const uint8_t repl[] = {0xEF, 0xBF, 0xBD};
	char tmp[2048];
	char *in = (char *)(uintptr_t)p;
	size_t inleft = len;
	while (inleft > 0) {
		char *op = tmp;
		size_t oleft = sizeof tmp;
		size_t r = iconv(cd, &in, &inleft, &op, &oleft);
		int e = errno;
		if (op > tmp && !buf_append(out, tmp, (size_t)(op - tmp)))
			return false;
		if (r != (size_t)-1 || e == E2BIG)
			continue;
		if (!buf_append(out, repl, sizeof repl))
			return false;
		if (e != EILSEQ)
			break; /* EINVAL: truncated sequence at the end */
		in++;
		inleft--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	char *op = tmp;
	size_t oleft = sizeof tmp;
	iconv(cd, NULL, NULL, &op, &oleft); /* shift back to the initial state */
	return op == tmp || buf_append(out, tmp, (size_t)(op - tmp));
}

enum md_conv { MD_OK, MD_UNKNOWN, MD_FULL };

static enum md_conv md_convert(const char *charset, const uint8_t *p, size_t len, struct buf *out)
{
	if (!charset || !*charset || md_is_utf8_name(charset))
		return md_append_some(out, p, len) ? MD_OK : MD_FULL;
	iconv_t cd = iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1)
		return md_append_some(out, p, len) ? MD_UNKNOWN : MD_FULL;
	bool ok = md_iconv_all(cd, p, len, out);
	iconv_close(cd);
	return ok ? MD_OK : MD_FULL;
}

bool mime_to_utf8(const char *charset, const uint8_t *p, size_t len, struct buf *out)
{
	return md_convert(charset, p, len, out) == MD_OK;
}

/* Decode the Q encoding of one encoded word into raw bytes. */
static void md_q_word(const uint8_t *t, size_t n, struct buf *raw)
{
	for (size_t i = 0; i < n; i++) {
		if (t[i] == '_') {
			buf_append_byte(raw, ' ');
		} else if (t[i] == '=' && i + 2 < n && md_hex(t[i + 1]) >= 0 && md_hex(t[i + 2]) >= 0) {
			buf_append_byte(raw, (uint8_t)(md_hex(t[i + 1]) * 16 + md_hex(t[i + 2])));
			i += 2;
		} else {
			buf_append_byte(raw, t[i]);
		}
	}
}

/* Parse one encoded word at p[0..len): "=?charset?E?text?=". On success fill
 * the pieces and return its length, else 0. */
static size_t md_word(const uint8_t *p, size_t len, char cs[64], char *enc, const uint8_t **text,
		      size_t *tlen)
{
	if (len < 8 || p[0] != '=' || p[1] != '?')
		return 0;
	size_t i = 2, c = 0;
	while (i < len && p[i] != '?' && p[i] > ' ' && c < 63)
		cs[c++] = (char)p[i++];
	cs[c] = '\0';
	if (i + 2 >= len || p[i] != '?' || c == 0 || p[i + 2] != '?')
		return 0;
	char *star = strchr(cs, '*'); /* RFC 2231 language suffix */
	if (star)
		*star = '\0';
	*enc = (char)(p[i + 1] | 0x20);
	if (*enc != 'b' && *enc != 'q')
		return 0;
	size_t start = i + 3;
	for (size_t k = start; k + 1 < len; k++) {
		if (p[k] == '\r' || p[k] == '\n')
			return 0;
		if (p[k] == '?' && p[k + 1] == '=') {
			*text = p + start;
			*tlen = k - start;
			return k + 2;
		}
	}
	return 0;
}

bool mime_decode_words(const uint8_t *p, size_t len, struct buf *out)
{
	struct buf raw;
	size_t i = 0, gap_start = 0;
	bool prev_word = false;
	buf_init(&raw, len + 16);
	while (i < len) {
		char cs[64], enc;
		const uint8_t *t;
		size_t tl;
		size_t wl = (p[i] == '=') ? md_word(p + i, len - i, cs, &enc, &t, &tl) : 0;
		if (wl == 0) {
			i++;
			bool blank = p[i - 1] == ' ' || p[i - 1] == '\t' || p[i - 1] == '\r' ||
				     p[i - 1] == '\n';
			if (!blank)
				prev_word = false;
			continue;
		}
		/* Text before this word: kept unless it is only blanks between two words. */
		if (!prev_word && i > gap_start && !buf_append(out, p + gap_start, i - gap_start))
			goto full;
		buf_reset(&raw);
		if (enc == 'b')
			mime_decode_base64(t, tl, &raw);
		else
			md_q_word(t, tl, &raw);
		if (md_convert(cs, raw.data ? raw.data : (const uint8_t *)"", raw.len, out) == MD_FULL)
			goto full;
		i += wl;
		gap_start = i;
		prev_word = true;
	}
	if (i > gap_start && !prev_word && !buf_append(out, p + gap_start, i - gap_start))
		goto full;
	buf_free(&raw);
	return true;
full:
	buf_free(&raw);
	return false;
}
