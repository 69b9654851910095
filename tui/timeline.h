/* timeline.h - rendering captured SMTP sessions (decode/capture.h) as a readable
 * timeline, one summary line per transaction, or one JSON object per session
 * (schema in docs/json.md). The same model feeds the TUI's capture screen. */
#ifndef SMTPSCOPE_TIMELINE_H
#define SMTPSCOPE_TIMELINE_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "decode/capture.h"
#include "decode/explain.h"

struct timeline_opts {
	bool show_secrets; /* AUTH secrets in clear */
};

void timeline_text_session(FILE *f, const struct capture_session *s, const struct timeline_opts *o);
void timeline_summary_header(FILE *f);
void timeline_summary_session(FILE *f, const struct capture_session *s);
void timeline_json_session(FILE *f, const struct capture_session *s, const struct timeline_opts *o);

/* Shared helpers (tui/timeline_common.c). */
/* "2026-11-23T10:00:00.123456Z" */
void timeline_time(int64_t usec, char *buf, size_t size);
/* What snprintf("%+*.*f", width, decimals, (double)num / 10^scale) writes
 * (without the '+' unless plus), from integers: the times and latencies of
 * every command of a timeline. Halfway cases and very large values go to
 * snprintf itself. size of at least 48 takes the integer path. */
void timeline_fixed(char *buf, size_t size, int64_t num, unsigned scale, unsigned decimals, bool plus,
		    unsigned width);
enum smtp_stage timeline_stage(enum smtp_cmd_kind k);
/* Explain a reply of the model; false when there is no reply. */
bool timeline_explain(const struct txn_reply *r, enum smtp_stage stage, struct explanation *e);
/* A problem found in the session, one line each, for text and JSON. */
typedef void (*timeline_problem_fn)(void *user, const char *text);
void timeline_problems(const struct capture_session *s, timeline_problem_fn fn, void *user);
/* The txn that has this index, or NULL. */
const struct txn *timeline_txn(const struct capture_session *s, uint64_t index);

#endif
