/* screen_capture.h - the Capture screen: the SMTP sessions and transactions of
 * a pcap/pcapng file in a table that loads progressively, sorts and filters,
 * and opens each row's timeline; and where the bundled sample capture lives. */
#ifndef SMTPSCOPE_SCREEN_CAPTURE_H
#define SMTPSCOPE_SCREEN_CAPTURE_H
#include <stdbool.h>
#include <stddef.h>
#include "tui/pane.h"

struct ui;
struct capture_model;

/* The bundled sample's file name, looked for in the places below. */
#define CAPTURE_SAMPLE_NAME "sample.pcap"

/* arg: a capture file to open at once; NULL asks for a path (the sample is
 * filled in). A file that cannot be opened leaves the path prompt up with
 * the reason on the status line. */
struct pane *screen_capture_new(struct ui *u, const char *arg);
/* The screen over a model already opened (cm_open) by the command line; the
 * pane owns m from now on. show_secrets: AUTH secrets in clear. */
struct pane *screen_capture_with_model(struct ui *u, struct capture_model *m, bool show_secrets);

/* The bundled sample capture: $SMTPSCOPE_DATADIR/sample.pcap, then the
 * compiled-in data directory (SMTPSCOPE_DATADIR), then beside the program:
 * DIR/samples/, DIR/../samples/ (a build directory in the source tree) and
 * DIR/../share/smtpscope/ (an installed program), DIR being the directory of
 * /proc/self/exe. False when none exists. */
bool capture_sample_path(char *out, size_t size);

#endif
