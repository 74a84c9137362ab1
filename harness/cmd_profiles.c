/*
 * cmd_profiles.c: `vpnlab profiles` lists the vendor profiles; `vpnlab profiles NAME` shows
 * one with every row of its table (peers/profile/profile_table.c): the setting, its value,
 * whether the vendor forces it or only defaults it, whether it is UNCONFIRMED, and where it
 * was observed.
 */
#include "harness/cmd_profiles.h"

#include <string.h>

#include "harness/cli.h"

static void usage(FILE *f)
{
	fputs("usage: vpnlab profiles [NAME]\n"
	      "\n"
	      "Without NAME, list the vendor profiles. With NAME, show every setting and quirk\n"
	      "of that profile: its value, whether the vendor FORCES it (scenario and API values\n"
	      "cannot change it) or only DEFAULTS it (they can), INFO rows the mock APIs or the\n"
	      "importers enforce, UNCONFIRMED facts, and where each was observed (docs/profiles.md).\n"
	      "Exit 0, or 2 for an unknown profile.\n", f);
}

void cmd_profiles_list(FILE *f)
{
	for (size_t i = 0; i < profile_count(); i++)
		fprintf(f, "%-14s %s\n", profile_at(i)->name, profile_at(i)->summary);
}

void cmd_profiles_show(FILE *f, const struct profile *p)
{
	fprintf(f, "%s: %s\n", p->name, p->summary);
	fprintf(f, "config: %s\n", p->config ? p->config : "none (not simulated: see the rows)");
	fputs("precedence: profile defaults < scenario / config / API values < forced rows\n\n", f);
	for (size_t i = 0; i < p->nquirks; i++) {
		const struct profile_quirk *q = &p->quirks[i];

		fprintf(f, "%-8s %-26s %s%s\n", profile_rule_name(q->rule), profile_key_name(q->key),
		        q->value, q->unconfirmed ? "  (UNCONFIRMED)" : "");
		if (q->note && *q->note)
			fprintf(f, "%36s%s\n", "", q->note);
		fprintf(f, "%36sobserved: %s\n", "", q->source);
	}
}

int cmd_profiles(int argc, char **argv)
{
	const struct profile *p;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (argc == 1) {
		cmd_profiles_list(stdout);
		return 0;
	}
	p = profile_find(argv[1]);
	if (!p) {
		fprintf(stderr, "vpnlab profiles: no profile '%s'; the profiles are:\n", argv[1]);
		cmd_profiles_list(stderr);
		return EXIT_USAGE;
	}
	cmd_profiles_show(stdout, p);
	return 0;
}
