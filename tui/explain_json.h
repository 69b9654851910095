/* explain_json.h - `smtpscope explain --json`: one JSON object for an
 * explained reply or a bounce message, written to out (one line, or indented
 * when pretty). Schema in docs/json.md. */
#ifndef SMTPSCOPE_EXPLAIN_JSON_H
#define SMTPSCOPE_EXPLAIN_JSON_H
#include <stdbool.h>
#include <stdio.h>
#include "decode/bounce.h"
#include "decode/explain.h"

/* text: the reply text as explain_parse_input gave it. */
void explain_json_reply(FILE *out, bool pretty, const struct explanation *e, const char *text);
void explain_json_bounce(FILE *out, bool pretty, const struct bounce *b);

#endif
