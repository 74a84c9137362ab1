/* cli.c: `vpnlab COMMAND ...` dispatch and the top-level help. */
#include "harness/cli.h"
#include "harness/cmd_explain.h"
#include "harness/cmd_inspect.h"
#include "harness/cmd_mock_k5.h"
#include "harness/cmd_mock_sakura.h"
#include "harness/cmd_peer.h"
#include "harness/cmd_profiles.h"
#include "harness/cmd_run.h"
#include "harness/cmd_validate.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fputs("usage: vpnlab COMMAND [ARGS]\n"
	      "\n"
	      "commands:\n"
	      "  run FILE...        build the lab, play the scenario, judge the checks\n"
	      "  validate FILE...   check scenario files without running them\n"
	      "  peer ...           run one simulated IKEv1 peer in the current namespace\n"
	      "  profiles [NAME]    list the vendor profiles, or show one with its quirks\n"
	      "  explain FILE.pcap --profile NAME   would that profile accept the capture's offers\n"
	      "  inspect PCAP...    timeline of every IKE and ESP event in captures\n"
	      "  mock k5 ...        serve a mock Fujitsu K5 API on its own\n"
	      "  mock sakura ...    serve a mock Sakura Cloud VPC router API on its own\n"
	      "  version            print the version\n"
	      "\n"
	      "`vpnlab COMMAND --help` describes each command.\n", f);
}

int cli_main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "peer"))
		return cmd_peer(argc - 1, argv + 1);
	if (!strcmp(argv[1], "explain"))
		return cmd_explain(argc - 1, argv + 1);
	if (!strcmp(argv[1], "profiles"))
		return cmd_profiles(argc - 1, argv + 1);
	if (!strcmp(argv[1], "inspect"))
		return cmd_inspect(argc - 1, argv + 1);
	if (!strcmp(argv[1], "validate"))
		return cmd_validate(argc - 1, argv + 1);
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("vpnlab %s\n", VPNLAB_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "mock") && argc >= 3 && !strcmp(argv[2], "k5"))
		return cmd_mock_k5(argc - 2, argv + 2);
	if (!strcmp(argv[1], "mock") && argc >= 3 && !strcmp(argv[2], "sakura"))
		return cmd_mock_sakura(argc - 2, argv + 2);
	fprintf(stderr, "vpnlab: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
