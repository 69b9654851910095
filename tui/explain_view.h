/* explain_view.h - the fields shown for an explained reply or a bounce recipient,
 * in order, with a style each: one description that both the command line
 * (tui/cmd_explain.c) and the Explain screen (tui/screen_explain.c) render. */
#ifndef SMTPSCOPE_EXPLAIN_VIEW_H
#define SMTPSCOPE_EXPLAIN_VIEW_H
#include <stddef.h>
#include "decode/bounce.h"
#include "decode/explain.h"

enum explain_style { EXPLAIN_NORMAL, EXPLAIN_INPUT, EXPLAIN_DIM, EXPLAIN_GOOD, EXPLAIN_WARN, EXPLAIN_BAD };

struct explain_sink {
	/* One labelled field; text is never NULL or empty, and may hold bytes
	 * from the input (the sink makes them printable). */
	void (*field)(void *user, const char *label, const char *text, enum explain_style style);
	void *user;
};

/* "permanent; retrying will not help" and the like. */
const char *explain_view_permanence(const struct explanation *e);
/* GOOD for success, BAD for permanent failures, WARN for temporary ones. */
enum explain_style explain_view_style(const struct explanation *e);
/* "provider (a Google rule)", "enhanced (the enhanced status code registry)"... */
void explain_view_layer(const struct explanation *e, char *out, size_t size);
/* "550 5.1.1" (or just one of them) into out. */
void explain_view_codes(int code, const char *status, char *out, size_t size);

/* The fields of an explained reply; text is the reply text (may be empty). */
void explain_view_reply(const struct explanation *e, const char *text, const struct explain_sink *s);
/* Explain a bounce recipient: the reply layers, with the bounce reader's
 * reason and permanence (it saw the whole message). */
void explain_view_rcpt_explain(const struct bounce_rcpt *r, struct explanation *e);
/* The fields of one bounce recipient (the caller writes its heading). */
void explain_view_rcpt(const struct bounce_rcpt *r, const struct explanation *e, const struct explain_sink *s);

#endif
