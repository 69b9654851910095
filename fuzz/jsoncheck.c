/* jsoncheck.c - see jsoncheck.h. */
#include "fuzz/jsoncheck.h"

#include <jansson.h>

bool fuzz_json_object(const uint8_t *p, size_t len)
{
	json_error_t err;
	/* \u0000 is valid JSON (a NUL byte seen in a command is written so) */
	json_t *v = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
	bool ok = v && json_is_object(v);
	json_decref(v);
	return ok;
}
