/* screen_practice_args.c - the options of `smtpscope practice` when it opens
 * the Practice screen: the same as in line mode (probe/practice_opts.c). */
#include "tui/screen_practice.h"
#include "probe/practice.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool practice_args_interactive(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return false;
	return true;
}

bool practice_args_parse(int argc, char **argv, struct practice_opts *o, const char **bind, char *err,
			 size_t errsize)
{
	o->port = PRACTICE_SCREEN_CLI_PORT;
	o->bind = bind;
	o->nbind = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--show-message"))
			continue; /* the screen's log shows the Subject; the content stays in line mode */
		if (practice_opt_flag(o, a))
			continue;
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int r = practice_opt_value(o, bind, a, v);
		if (r == 0)
			return snprintf(err, errsize, "unknown option '%.60s' (see smtpscope practice --help)", a), false;
		if (r < 0 && !v)
			return snprintf(err, errsize, "%s needs a value (see smtpscope practice --help)", a), false;
		if (r < 0)
			return snprintf(err, errsize, "bad value for %s: %.60s", a, v), false;
		i++;
	}
	return true;
}
