/* pane.c - creating and freeing panes (see pane.h). No RFC. */
#include "tui/pane.h"
#include "decode/xmalloc.h"

#include <stdlib.h>

struct pane *pane_new(const struct pane_ops *ops, void *st)
{
	struct pane *p = xcalloc(1, sizeof *p);
	p->ops = ops;
	p->st = st;
	return p;
}

void pane_free(struct pane *p)
{
	if (!p)
		return;
	if (p->ops->free)
		p->ops->free(p);
	free(p);
}
