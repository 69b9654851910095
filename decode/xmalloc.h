/* xmalloc.h - allocation wrappers that never return NULL and check size overflow.
 * On exhaustion they print a message and exit: there is no useful recovery. */
#ifndef SMTPSCOPE_XMALLOC_H
#define SMTPSCOPE_XMALLOC_H
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
/* Copy len bytes of p into a new NUL-terminated string. */
char *xmemdup0(const void *p, size_t len);

#endif
