/* tls_internal.h - accessors shared by tls.c and tls_info.c only. No RFC. */
#ifndef SMTPSCOPE_TLS_INTERNAL_H
#define SMTPSCOPE_TLS_INTERNAL_H
#include <openssl/ssl.h>
#include <stdbool.h>

#include "probe/tls.h"

SSL *tls_ssl(const struct tls *t);
/* Depth of the first certificate that failed verification, or -1. */
int tls_fail_depth(const struct tls *t);
bool tls_dane_in_use(const struct tls *t);

#endif
