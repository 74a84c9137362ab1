/*
 * fitelnet_diag.h: diagnostics of the FITELnet importer, "NAME:LINE:COL: message".
 *
 * Every error is collected, not only the first, so a user fixes a pasted config in one pass.
 * The collection is a fixed array inside the struct (no allocation); what does not fit is
 * counted in `dropped`. Messages never contain the pre-shared key.
 */
#ifndef VPNLAB_PEERS_FITELNET_DIAG_H
#define VPNLAB_PEERS_FITELNET_DIAG_H

#include <stddef.h>

#define FITELNET_DIAG_MAX 64
#define FITELNET_DIAG_TEXT 384

enum fitelnet_severity {
	FITELNET_ERROR,
	FITELNET_WARNING,       /* an UNCONFIRMED default was used, or a block is unused */
};

struct fitelnet_diag {
	enum fitelnet_severity severity;
	unsigned line;          /* 1-based; 0 when the message is about the config as a whole */
	unsigned col;           /* 1-based byte column of the offending word; 0 with line 0 */
	char text[FITELNET_DIAG_TEXT];  /* "NAME:LINE:COL: message" (or "NAME: message") */
};

struct fitelnet_diags {
	struct fitelnet_diag d[FITELNET_DIAG_MAX];
	size_t n;
	size_t errors;          /* errors among d[] plus dropped ones */
	size_t dropped;         /* diagnostics that did not fit */
};

void fitelnet_diags_init(struct fitelnet_diags *d);

/* Append one diagnostic; fmt is printf-style and gives the message after "NAME:LINE:COL: ". */
void fitelnet_diags_add(struct fitelnet_diags *d, enum fitelnet_severity sev, const char *name,
                        unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

#endif
