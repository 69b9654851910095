/* readall.c - read a whole file or stdin into a capped buffer (see readall.h). */
#include "tui/readall.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int readall_path(const char *path, struct buf *out, bool *truncated)
{
	bool is_stdin = !strcmp(path, "-");
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	if (!f)
		return -1;
	*truncated = false;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		size_t room = out->max - out->len;
		if (n > room) {
			buf_append(out, chunk, room);
			*truncated = true;
			break;
		}
		buf_append(out, chunk, n);
	}
	int err = ferror(f) ? errno : 0;
	if (!is_stdin)
		fclose(f);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}
