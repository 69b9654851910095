/* xmalloc.c - allocation wrappers that never return NULL and check size overflow. */
#include "xmalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void xmalloc_die(const char *what, size_t n)
{
	fprintf(stderr, "smtpscope: out of memory (%s of %zu bytes)\n", what, n);
	exit(70);
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p)
		xmalloc_die("malloc", size);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		xmalloc_die("calloc", nmemb * size);
	return p;
}

void *xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		xmalloc_die("reallocarray overflow", SIZE_MAX);
	size_t n = nmemb * size;
	void *p = realloc(ptr, n ? n : 1);
	if (!p)
		xmalloc_die("realloc", n);
	return p;
}

char *xstrdup(const char *s)
{
	return xmemdup0(s, strlen(s));
}

char *xmemdup0(const void *p, size_t len)
{
	if (len == SIZE_MAX)
		xmalloc_die("memdup overflow", len);
	char *s = xmalloc(len + 1);
	if (len)
		memcpy(s, p, len);
	s[len] = '\0';
	return s;
}
