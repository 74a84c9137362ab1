/* scenario_int.h: shared between the scenario loader's files; not a public header. */
#ifndef VPNLAB_HARNESS_SCENARIO_INT_H
#define VPNLAB_HARNESS_SCENARIO_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/scenario.h"

#define SC_FILE_MAX (4 << 20)   /* a scenario file larger than this is refused */

struct ld {
	const char *file;       /* for positions */
	struct sc_diags *d;
	struct scenario *sc;
	int errors;
};

void ld_error(struct ld *ld, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool ld_valid_name(const char *s, size_t max);

/* The whole-document pass: names resolve, addresses fit, steps refer to what exists. */
void scenario_check(struct ld *ld);

#endif
