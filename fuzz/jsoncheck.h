/* jsoncheck.h - for the fuzz targets: is a line of output one JSON object? */
#ifndef SMTPSCOPE_FUZZ_JSONCHECK_H
#define SMTPSCOPE_FUZZ_JSONCHECK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when p[0..len) is exactly one JSON object (RFC 8259, UTF-8), with no
 * key twice in any object, as jansson reads it. A file of its own: jansson's
 * names (json_null...) clash with tui/json.h's. */
bool fuzz_json_object(const uint8_t *p, size_t len);

#endif
