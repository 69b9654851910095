/* fuzz_filter.c - libFuzzer target: arbitrary text as the Capture screen's
 * filter (tui/filter.c), then the filter against rows whose fields are cut
 * from the same input. Whatever is typed, parsing either succeeds or says
 * where it failed (inside the input), and matching never fails.
 * Build: make fuzz (clang -fsanitize=fuzzer,address,undefined)
 * Input: up to the first NUL, the filter; the rest, split at NULs, the
 * strings of the rows.
 * Seeds: fuzz/corpus/filter/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tui/filter.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_STRS 12

/* The next NUL-terminated piece of the input (the last one copied so it is
 * terminated); "" once the input is used up. */
static const char *fuzz_piece(const uint8_t *data, size_t size, size_t *at, char **own)
{
	if (*at >= size)
		return "";
	const uint8_t *p = data + *at;
	const uint8_t *nul = memchr(p, 0, size - *at);
	if (nul) {
		*at += (size_t)(nul - p) + 1;
		return (const char *)p;
	}
	size_t n = size - *at;
	*at = size;
	*own = malloc(n + 1);
	if (!*own)
		abort();
	memcpy(*own, p, n);
	(*own)[n] = '\0';
	return *own;
}

static void fuzz_rows(const struct filter *f, const uint8_t *data, size_t size, size_t at)
{
	const char *s[FUZZ_STRS];
	char *own = NULL;
	for (int i = 0; i < FUZZ_STRS; i++)
		s[i] = own ? "" : fuzz_piece(data, size, &at, &own);
	const char *rcpts[2] = {s[1], s[2]};
	struct filter_reply replies[2] = {{550, s[3], s[4], strlen(s[4])}, {250, NULL, NULL, 0}};
	struct filter_item it = {
		.from = s[0], .rcpts = rcpts, .nrcpts = 2, .subject = s[5], .hdr_from = s[6], .hdr_to = NULL,
		.replies = replies, .nreplies = 2, .outcome = "rejected_rcpt", .outcome_class = "rejected",
		.tls = size & 1, .auth_mech = s[7], .auth_user = s[8], .auth_result = "failed",
		.client = s[9], .server = s[10], .helo = s[11], .queue_id = NULL, .size = (int64_t)size - 8,
	};
	(void)filter_match(f, &it);
	struct filter_item empty = {.size = -1};
	(void)filter_match(f, &empty); /* every field absent */
	free(own);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t flen = nul ? (size_t)(nul - data) : size;
	struct filter f;
	struct filter_error err;
	if (!filter_parse((const char *)data, flen, &f, &err)) {
		if (err.pos > flen || err.len > flen - err.pos || !memchr(err.msg, '\0', sizeof err.msg) || !err.msg[0])
			abort(); /* a failure points into the input and says why */
		return 0;
	}
	fuzz_rows(&f, data, size, nul ? flen + 1 : size);
	filter_free(&f);
	return 0;
}
