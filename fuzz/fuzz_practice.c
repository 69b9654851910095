/* fuzz_practice.c - libFuzzer target: arbitrary bytes from a client of the
 * practice server, cut into arbitrary pieces, through its protocol core
 * (probe/practice_session.c, practice_cmd.c, practice_auth.c,
 * practice_help.c; RFC 5321 with 1870, 2920, 3030, 3207, 4954, 6531): every
 * reply the server queues must be well formed - lines of a three-digit code,
 * '-' or ' ', printable text and CRLF - whatever the client sent, since the
 * server echoes parts of it back.
 * Build: make fuzz (clang -fsanitize=fuzzer,address,undefined)
 * Input: byte 0 chooses the settings (TLS, AUTH over clear text, limits);
 * then pieces: one byte of length (0: STARTTLS handshake done), the bytes.
 * Seeds: fuzz/corpus/practice/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/buf.h"
#include "probe/practice_session.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_event(struct practice *p, const struct practice_event *ev, void *ud)
{
	(void)p, (void)ev, (void)ud;
}

/* Reply lines: "NNN-text\r\n" or "NNN text\r\n", text printable ASCII. */
static void fuzz_check_replies(const struct buf *out)
{
	const uint8_t *p = out->data;
	size_t n = out->len, i = 0;
	while (i < n) {
		if (n - i < 6 || p[i] < '2' || p[i] > '5' || p[i + 1] < '0' || p[i + 1] > '9' ||
		    p[i + 2] < '0' || p[i + 2] > '9' || (p[i + 3] != ' ' && p[i + 3] != '-'))
			abort();
		size_t j = i + 4;
		while (j < n && p[j] != '\r') {
			if (p[j] < 0x20 || p[j] > 0x7e)
				abort();
			j++;
		}
		if (j + 1 >= n || p[j + 1] != '\n')
			abort();
		i = j + 2;
	}
}

/* Feed one piece the way the socket shell does; false when the session closed. */
static bool fuzz_feed(struct practice_session *s, const uint8_t *p, size_t len, struct buf *out)
{
	size_t off = 0;
	for (unsigned rounds = 0; off < len && rounds < 1000; rounds++) {
		size_t used = 0;
		enum practice_status st = practice_session_feed(s, p + off, len - off, &used, out);
		if (used > len - off)
			abort();
		off += used;
		fuzz_check_replies(out);
		out->len = 0; /* written to the client */
		if (st == PRACTICE_CLOSE)
			return false;
		if (st == PRACTICE_STARTTLS)
			practice_session_tls_started(s);
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t opt = data[0];
	struct practice_shared shared;
	memset(&shared, 0, sizeof shared);
	struct practice_session_cfg cfg = {
		.hostname = "practice.test",
		.size_max = (opt & 2) ? 64 : 10 * 1024 * 1024,
		.user = "user",
		.password = "secret",
		.require_tls_for_auth = !(opt & 4),
		.max_errors = (opt & 8) ? 3 : 20,
		.keep_max = (opt & 16) ? 16 : 64 * 1024,
		.shared = &shared,
	};
	struct buf out;
	buf_init(&out, 1u << 22);
	struct practice_session *s = practice_session_new(&cfg, (opt & 1) != 0, fuzz_event, NULL);
	practice_session_greeting(s, &out);
	fuzz_check_replies(&out);
	out.len = 0;
	size_t i = 1;
	bool open = true;
	while (open && i < size) {
		size_t len = data[i++];
		if (len > size - i)
			len = size - i;
		open = fuzz_feed(s, data + i, len, &out);
		i += len;
	}
	if (open) {
		practice_session_shutdown(s, &out);
		fuzz_check_replies(&out);
	}
	practice_session_free(s);
	buf_free(&out);
	return 0;
}
