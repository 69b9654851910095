/* screen_list.c - the UI's screens and how each is opened (see screen_list.h).
 * No RFC. */
#include "tui/screen_list.h"
#include "tui/screen_capture.h"
#include "tui/screen_explain.h"
#include "tui/screen_home.h"
#include "tui/screen_practice.h"
#include "tui/screen_session.h"
#include "tui/ui.h"

const struct screen_def screen_list[TUI_SCREEN_LAST] = {
	[TUI_SCREEN_HOME] = {TUI_SCREEN_HOME, 0, "Home", "Home", "the start screen", screen_home_new},
	[TUI_SCREEN_SESSION] = {TUI_SCREEN_SESSION, 's', "Open a session", "Session",
				"talk SMTP to a mail server, step by step", screen_session_new},
	[TUI_SCREEN_CAPTURE] = {TUI_SCREEN_CAPTURE, 'c', "Open a capture", "Capture",
				"SMTP sessions from a pcap file, sorted and filtered", screen_capture_new},
	[TUI_SCREEN_EXPLAIN] = {TUI_SCREEN_EXPLAIN, 'e', "Explain a code", "Explain",
				"a reply code, a pasted reply or a bounce file", screen_explain_new},
	[TUI_SCREEN_PRACTICE] = {TUI_SCREEN_PRACTICE, 'p', "Practice server", "Practice",
				 "a strict local server to practise against", screen_practice_new},
	[TUI_SCREEN_DNS] = {TUI_SCREEN_DNS, 'd', "Mail DNS", "DNS",
			    "a domain's MX, SPF, DMARC, DKIM, DANE", NULL},
};

struct pane *screen_open(struct ui *u, enum tui_screen id, const char *arg)
{
	if (id < 0 || id >= TUI_SCREEN_LAST)
		return NULL;
	const struct screen_def *s = &screen_list[id];
	if (!s->open) {
		ui_status(u, CRT_WARN, "%s: coming in a later version of smtpscope.", s->label);
		return NULL;
	}
	struct pane *p = s->open(u, arg);
	if (p)
		ui_push(u, p);
	return p;
}
