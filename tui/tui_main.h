/* tui_main.h - the entry to the full-screen terminal UI from the command line. */
#ifndef SMTPSCOPE_TUI_MAIN_H
#define SMTPSCOPE_TUI_MAIN_H
#include <stdbool.h>

/* The screens, in the order Home lists them. */
enum tui_screen {
	TUI_SCREEN_HOME,
	TUI_SCREEN_SESSION,
	TUI_SCREEN_CAPTURE,
	TUI_SCREEN_EXPLAIN,
	TUI_SCREEN_PRACTICE,
	TUI_SCREEN_DNS,
	TUI_SCREEN_LAST
};

/* True when standard input and output are both terminals (and TERM is not
 * "dumb"): the interactive UI can run; otherwise print plain output. */
bool tui_available(void);

/* Run the UI starting on screen `start` (the first screen: q there quits).
 * arg is handed to that screen (Explain explains it at once), may be NULL.
 * Returns the process exit status: 0 after q, 128+N after signal N, 2 when
 * the terminal could not be set up (a message went to stderr). */
int tui_run(enum tui_screen start, const char *arg);

/* Run the UI on the Capture screen reading path ("smtpscope decode FILE" on a
 * terminal), with an optional BPF filter; show_secrets shows AUTH secrets.
 * A file that cannot be opened is reported on stderr (status 2) before the
 * terminal is touched. Otherwise as tui_run. */
int tui_run_capture(const char *path, const char *bpf, bool show_secrets);

/* True when `smtpscope connect` / `smtpscope practice` with this argv
 * (argv[0] is the command's name) should open the UI: standard input and
 * output are terminals and no option of line mode (--json, --transcript,
 * --transcript-json, --script, --help) was given. */
bool tui_wants_connect(int argc, char **argv);
bool tui_wants_practice(int argc, char **argv);

/* The UI on the Session screen with connect's options and destination from
 * argv (no destination: the built-in practice server). A bad argument is
 * reported on stderr (status 2) before the terminal is touched. */
int tui_run_connect(int argc, char **argv);

/* The UI on the Practice screen, the server started with practice's options
 * from argv (port 2525 unless --port says otherwise). A port in use or a bad
 * option is reported on stderr (status 1 or 2) before the terminal is
 * touched. */
int tui_run_practice(int argc, char **argv);

#endif
