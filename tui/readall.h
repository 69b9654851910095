/* readall.h - read a whole file or stdin into a capped buffer. */
#ifndef SMTPSCOPE_READALL_H
#define SMTPSCOPE_READALL_H
#include <stdbool.h>
#include "decode/buf.h"

/* Read path ("-" = stdin) into out (initialised by the caller with its cap).
 * Returns 0 on success, -1 on error (errno set). *truncated is set when the
 * input was longer than the cap; the first out->max bytes are kept. */
int readall_path(const char *path, struct buf *out, bool *truncated);

#endif
