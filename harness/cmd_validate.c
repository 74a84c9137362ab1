/*
 * cmd_validate.c: `vpnlab validate FILE...`: load and check scenario files without running
 * anything; every problem as FILE:LINE:COL on stderr.
 */
#include "harness/cmd_validate.h"

#include <stdio.h>
#include <string.h>

#include "harness/cli.h"
#include "harness/scenario.h"

int cmd_validate(int argc, char **argv)
{
	int bad = 0, files = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			puts("usage: vpnlab validate FILE...\n\n"
			     "Check scenario files without running them (no privileges needed). Every\n"
			     "problem is printed as FILE:LINE:COL: message on stderr; a valid file gets\n"
			     "one line on stdout. Exit status 0 if every file is valid, 2 otherwise.");
			return 0;
		}
		if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "vpnlab validate: unknown option '%s'\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	for (int i = 1; i < argc; i++) {
		struct sc_diags d = { 0 };
		struct scenario *sc = NULL;

		files++;
		if (scenario_load(argv[i], &sc, &d) < 0) {
			sc_diags_print(&d, stderr);
			bad++;
		} else {
			printf("%s: ok (%zu nodes, %zu segments, %zu links, %zu steps)\n", argv[i],
			       sc->nnodes, sc->nsegments, sc->nlinks, sc->nsteps);
		}
		sc_diags_free(&d);
		scenario_free(sc);
	}
	if (!files) {
		fprintf(stderr, "usage: vpnlab validate FILE...\n");
		return EXIT_USAGE;
	}
	return bad ? EXIT_USAGE : 0;
}
