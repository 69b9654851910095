/* check.c - see check.h. */
#include "fuzz/check.h"

#include <stdlib.h>

#include <jansson.h>

FILE *fuzz_mem_open(struct fuzz_mem *m)
{
	m->data = NULL;
	m->len = 0;
	m->f = open_memstream(&m->data, &m->len);
	if (!m->f)
		abort();
	return m->f;
}

void fuzz_mem_close(struct fuzz_mem *m)
{
	if (fclose(m->f) != 0)
		abort();
	m->f = NULL;
}

bool fuzz_json_object(const uint8_t *p, size_t len)
{
	json_error_t err;
	/* \u0000 is valid JSON (a NUL byte seen in a command is written so) */
	json_t *v = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
	bool ok = v && json_is_object(v);
	json_decref(v);
	return ok;
}
