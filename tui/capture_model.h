/* capture_model.h - the Capture screen's model (no curses): the SMTP sessions
 * of one pcap/pcapng file, read a bounded slice at a time and kept as they
 * close (decode/capture.h); one row per transaction, or per session without
 * one, with what the table shows and what the filter (filter.h) looks at; and
 * the rows in view under a filter and a sort order.
 *
 * Memory: every session is kept whole (its commands, replies up to
 * SMTP_TXN_REPLY_TEXT_MAX each, header blocks up to SMTP_HEADER_BLOCK_MAX,
 * never message bodies) plus a few hundred bytes per row: about 6 KB per
 * session like those of the bundled sample (20,000 of them: 130 MB resident),
 * so a capture of 100,000 sessions takes some hundreds of MB. The packet reader, flow table and reassembly buffers are freed as soon
 * as the file has been read. */
#ifndef SMTPSCOPE_CAPTURE_MODEL_H
#define SMTPSCOPE_CAPTURE_MODEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "decode/capture.h"
#include "tui/filter.h"

/* The table's columns, in screen order. */
enum cm_col {
	CM_COL_ID,      /* "3.1": session and transaction number */
	CM_COL_TIME,
	CM_COL_CLIENT,
	CM_COL_SERVER,
	CM_COL_FROM,
	CM_COL_RCPT,    /* "2/3 alice@example.test": accepted/total and the first */
	CM_COL_SIZE,
	CM_COL_OUTCOME,
	CM_COL_CODE,    /* the reply that decided the outcome */
	CM_COL_LAST
};
/* "#", "time", "client", "server", "sender", "recipients", "size", "outcome", "code" */
const char *cm_col_name(enum cm_col c);

/* How a row ended, for its colour. */
enum cm_class { CM_CLASS_DELIVERED, CM_CLASS_REJECTED, CM_CLASS_DEFERRED, CM_CLASS_ABORTED, CM_CLASS_NONE };

struct cm_row {
	struct capture_session *s;
	const struct txn *t;          /* NULL: a session without transactions */
	size_t index;                 /* position in arrival order */
	int64_t time;                 /* capture time of the start, microseconds */
	char *from;                   /* printable envelope sender, "<>" null, "" none */
	char *rcpt;                   /* printable first recipient, "" none */
	size_t rcpts_ok, rcpts;
	int64_t size;                 /* message bytes, -1 without a message */
	const char *outcome;          /* filter name: "delivered", "rejected_rcpt", ... */
	const char *outcome_text;     /* table text: "delivered", "rejected RCPT", ... */
	enum cm_class cls;
	int code;                     /* 0 when there was no reply */
	bool refused;                 /* some recipient was refused */
	/* what the filter sees; owned by the row */
	char *subject, *hdr_from, *hdr_to;
	const char **rcpt_list;
	struct filter_reply *replies;
	struct filter_item item;
};

enum cm_state {
	CM_EMPTY,    /* nothing opened */
	CM_LOADING,  /* reading the file */
	CM_DONE,     /* the whole file was read */
	CM_DAMAGED,  /* reading stopped on an error: what was read is kept */
};

struct cm_progress {
	enum cm_state state;
	int64_t offset;               /* file bytes read, -1 unknown */
	int64_t size;                 /* file size, -1 unknown (a pipe) */
	uint64_t packets;
	uint64_t sessions;            /* SMTP sessions detected (open ones included) */
	uint64_t transactions;
	uint64_t flows;
	uint64_t gaps;
	char linktype[32];
	char error[256];              /* libpcap's message when damaged */
	uint64_t elapsed_ms;          /* time spent reading */
};

struct capture_model;

struct capture_model *cm_new(void);
/* Frees every session and row; NULL is ignored. */
void cm_free(struct capture_model *m);

/* Start reading path ("-": standard input) with an optional BPF filter. False
 * with the reason in err when the file cannot be opened. Once per model. */
bool cm_open(struct capture_model *m, const char *path, const char *bpf, char *err, size_t errlen);
/* Read for at most budget_ms milliseconds and max_packets packets (0: no
 * cap), then return; at the end of the file every open session is closed and
 * the reader freed. Returns the state after the step. */
enum cm_state cm_step(struct capture_model *m, uint64_t budget_ms, size_t max_packets);
const struct cm_progress *cm_progress(const struct capture_model *m);
/* The path given to cm_open ("" before). */
const char *cm_path(const struct capture_model *m);

/* Take a closed session (cm_step does this; tests feed their own). */
void cm_add_session(struct capture_model *m, struct capture_session *s);

/* All rows, in arrival order. */
size_t cm_nrows(const struct capture_model *m);
const struct cm_row *cm_row(const struct capture_model *m, size_t index);

/* Use text as the filter. False (the filter in use is kept) with err filled
 * when it does not parse. */
bool cm_set_filter(struct capture_model *m, const char *text, size_t len, struct filter_error *err);
/* The text of the filter in use ("" for none). */
const char *cm_filter_text(const struct capture_model *m);
void cm_set_sort(struct capture_model *m, enum cm_col col, bool desc);
enum cm_col cm_sort_col(const struct capture_model *m);
bool cm_sort_desc(const struct capture_model *m);

/* The rows the filter lets through, in sort order (brought up to date here
 * after rows arrived or the filter or sort changed). */
size_t cm_view_count(struct capture_model *m);
const struct cm_row *cm_view_row(struct capture_model *m, size_t i);
/* Position in the view of the row with this index, or SIZE_MAX. */
size_t cm_view_find(struct capture_model *m, size_t index);
/* Earliest and latest row times (false when there are no rows). */
bool cm_time_range(const struct capture_model *m, int64_t *first, int64_t *last);

/* Bytes of the widest texts of all rows, per column: "#" ("12.3"), client,
 * server, sender, recipients ("2/3 " and the first address). */
struct cm_widths {
	size_t id, client, server, from, rcpt;
};
void cm_widths(const struct capture_model *m, struct cm_widths *w);
/* "12.3" (session.transaction), or "12" for a row without transaction. */
void cm_row_id(const struct cm_row *r, char *out, size_t size);

/* Row building (capture_model_row.c). */
void cm_row_build(struct cm_row *r, struct capture_session *s, const struct txn *t);
void cm_row_free(struct cm_row *r);

#endif
