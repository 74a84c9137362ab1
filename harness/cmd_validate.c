/* cmd_validate.c: `vpnlab validate FILE...`. Needs no privileges: nothing is built. */
#include "harness/cmd_validate.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness/cli.h"
#include "harness/scenario.h"

static void usage(FILE *f)
{
	fputs("usage: vpnlab validate FILE...\n"
	      "\n"
	      "Check scenario files without running them: YAML syntax, unknown keys, types,\n"
	      "names, addresses, routes and steps (docs/scenario-format.md). Every problem is\n"
	      "printed to stderr as FILE:LINE:COL: message; each valid file prints\n"
	      "\"FILE: ok (N nodes, M links, K steps)\". Exit 0 if all files are valid, 2 if\n"
	      "any is invalid or unreadable.\n", f);
}

int cmd_validate(int argc, char **argv)
{
	int i, first = 1, bad = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--")) {
			first = i + 1;
			break;
		}
		if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "vpnlab validate: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (first >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = first; i < argc; i++) {
		struct sc_diags d = { 0 };
		struct scenario *sc = NULL;
		int r;

		r = scenario_load(argv[i], &sc, &d);
		sc_diags_print(&d, stderr);
		if (r == 0) {
			printf("%s: ok (%zu nodes, %zu links, %zu steps)\n", argv[i], sc->nnodes,
			       sc->nlinks, sc->nsteps);
		} else {
			if (d.n == 0)
				fprintf(stderr, "%s: %s\n", argv[i], strerror(-r));
			bad = 1;
		}
		scenario_free(sc);
		sc_diags_free(&d);
	}
	fflush(stdout);
	return bad ? EXIT_USAGE : 0;
}
