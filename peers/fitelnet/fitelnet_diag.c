/* Diagnostics collection for the FITELnet importer (see fitelnet_diag.h). */
#include "peers/fitelnet/fitelnet_diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void fitelnet_diags_init(struct fitelnet_diags *d)
{
	memset(d, 0, sizeof *d);
}

void fitelnet_diags_add(struct fitelnet_diags *d, enum fitelnet_severity sev, const char *name,
                        unsigned line, unsigned col, const char *fmt, ...)
{
	struct fitelnet_diag *g;
	va_list ap;
	int n;

	if (sev == FITELNET_ERROR)
		d->errors++;
	if (d->n >= FITELNET_DIAG_MAX) {
		d->dropped++;
		return;
	}
	g = &d->d[d->n++];
	g->severity = sev;
	g->line = line;
	g->col = line ? col : 0;
	if (line)
		n = snprintf(g->text, sizeof g->text, "%s:%u:%u: %s", name ? name : "-", line, g->col,
		             sev == FITELNET_WARNING ? "warning: " : "");
	else
		n = snprintf(g->text, sizeof g->text, "%s: %s", name ? name : "-",
		             sev == FITELNET_WARNING ? "warning: " : "");
	if (n < 0 || (size_t)n >= sizeof g->text)
		return;
	va_start(ap, fmt);
	vsnprintf(g->text + n, sizeof g->text - (size_t)n, fmt, ap);
	va_end(ap);
}
