/* jsoncheck.c - see jsoncheck.h. */
#include "fuzz/jsoncheck.h"

#include <jansson.h>

bool fuzz_json_object(const uint8_t *p, size_t len)
{
	json_error_t err;
	json_t *v = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &err);
	bool ok = v && json_is_object(v);
	json_decref(v);
	return ok;
}
