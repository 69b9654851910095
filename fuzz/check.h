/* check.h - what the fuzz targets share to check the output they make: an
 * in-memory stream to render into, and a JSON reader. */
#ifndef SMTPSCOPE_FUZZ_CHECK_H
#define SMTPSCOPE_FUZZ_CHECK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Output written to memory: fuzz_mem_open gives the stream to write to;
 * after fuzz_mem_close, data[0..len) holds what was written (the caller
 * frees data). Both abort on failure. */
struct fuzz_mem {
	FILE *f;
	char *data;
	size_t len;
};
FILE *fuzz_mem_open(struct fuzz_mem *m);
void fuzz_mem_close(struct fuzz_mem *m);

/* True when p[0..len) is exactly one JSON object (RFC 8259, UTF-8), with no
 * key twice in any object, as jansson reads it. In a file of its own:
 * jansson's names (json_null...) clash with tui/json.h's. */
bool fuzz_json_object(const uint8_t *p, size_t len);

#endif
