/*
 * cmd_run.c: `vpnlab run FILE... [--out DIR] [--junit FILE] [--json] [--seed N] [--hold]
 * [--quiet]`: validate every file, set up what a lab needs (a user namespace when not root),
 * run each scenario and report.
 */
#include "harness/cmd_run.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/cli.h"
#include "harness/netns.h"
#include "harness/run.h"
#include "harness/scenario.h"

static void usage(FILE *f)
{
	fputs("usage: vpnlab run FILE... [--out DIR] [--junit FILE] [--json] [--seed N] [--hold]\n"
	      "                  [--quiet] [--no-capture]\n"
	      "\n"
	      "Build each scenario's lab in network namespaces, play its steps, judge its checks,\n"
	      "and remove everything. Captures (one pcap per link end) and report.json go to the\n"
	      "output directory: DIR for a single file given --out, else DIR/NAME (DIR: out).\n"
	      "\n"
	      "  --out DIR      output directory (default: out)\n"
	      "  --junit FILE   write JUnit XML, one testcase per check\n"
	      "  --json         print a JSON summary on stdout (progress goes to stderr)\n"
	      "  --seed N       override the scenarios' seed (same seed, same bytes)\n"
	      "  --hold         keep the lab up after the steps until Ctrl-C, and print how to\n"
	      "                 enter each node (one file only)\n"
	      "  --quiet        no progress lines\n"
	      "  --no-capture   write no pcaps (for benchmarks of bring-up and tear-down only)\n"
	      "\n"
	      "Exit status: 0 every check held, 1 a check failed, 2 bad usage or an invalid file,\n"
	      "3 the environment cannot run a lab (the message says what is missing).\n"
	      "As an ordinary user, vpnlab first enters a user namespace of its own.\n", f);
}

static int mkdir_p(const char *path)
{
	char tmp[512];

	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Can this process make network namespaces? 0, or EXIT_ENV with a message. */
static int prepare_env(void)
{
	char msg[256];
	int err, fd;

	if (geteuid() != 0 && netns_become_userns_root(msg, sizeof msg) < 0) {
		fprintf(stderr, "vpnlab: %s\n", msg);
		fprintf(stderr, "vpnlab: an ordinary user needs unprivileged user namespaces; "
		        "or run as root\n");
		return EXIT_ENV;
	}
	err = netns_init();
	if (!err)
		err = netns_create(&fd);
	if (err) {
		fprintf(stderr, "vpnlab: cannot create network namespaces: %s (%s)\n", strerror(-err),
		        err == -ENOSPC ? "the limit user.max_net_namespaces is 0 or used up" :
		        err == -EPERM ? "vpnlab needs CAP_SYS_ADMIN, or unprivileged user namespaces" :
		        err == -EINVAL ? "the kernel lacks CONFIG_NET_NS" :
		        "vpnlab needs network namespaces");
		return EXIT_ENV;
	}
	close(fd);
	return 0;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "junit", required_argument, NULL, 'j' },
		{ "json", no_argument, NULL, 'J' },
		{ "seed", required_argument, NULL, 's' },
		{ "hold", no_argument, NULL, 'H' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-capture", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *outbase = NULL, *junit = NULL;
	bool json = false, hold = false, quiet = false, has_seed = false, invalid = false;
	bool capture = true;
	uint64_t seed = 0;
	struct scenario **scs = NULL;
	struct report *reports = NULL;
	const struct report **rp = NULL;
	int c, nfiles, code = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:j:Js:HqNh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': outbase = optarg; break;
		case 'j': junit = optarg; break;
		case 'J': json = true; break;
		case 'H': hold = true; break;
		case 'q': quiet = true; break;
		case 'N': capture = false; break;
		case 's': {
			char *end;

			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (errno || *end || !*optarg || optarg[0] == '-') {
				fprintf(stderr, "vpnlab run: --seed: '%s' is not a number from 0 to "
				        "18446744073709551615\n", optarg);
				return EXIT_USAGE;
			}
			has_seed = true;
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	nfiles = argc - optind;
	if (nfiles < 1) {
		fprintf(stderr, "vpnlab run: no scenario file given\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (hold && nfiles != 1) {
		fprintf(stderr, "vpnlab run: --hold takes exactly one scenario file\n");
		return EXIT_USAGE;
	}

	/* Every file is checked before anything is built. */
	scs = calloc((size_t)nfiles, sizeof *scs);
	reports = calloc((size_t)nfiles, sizeof *reports);
	rp = calloc((size_t)nfiles, sizeof *rp);
	if (!scs || !reports || !rp) {
		code = EXIT_ENV;
		goto out;
	}
	for (int i = 0; i < nfiles; i++) {
		struct sc_diags d = { 0 };

		if (scenario_load(argv[optind + i], &scs[i], &d) < 0) {
			sc_diags_print(&d, stderr);
			invalid = true;
		}
		sc_diags_free(&d);
	}
	if (invalid) {
		code = EXIT_USAGE;
		goto out;
	}
	if ((code = prepare_env()))
		goto out;

	for (int i = 0; i < nfiles; i++) {
		struct run_opts ro = { .has_seed = has_seed, .seed = seed, .hold = hold,
		                       .capture = capture };
		char outdir[512];
		int rc, err;

		if (outbase && nfiles == 1)
			snprintf(outdir, sizeof outdir, "%s", outbase);
		else
			snprintf(outdir, sizeof outdir, "%s/%s", outbase ? outbase : "out", scs[i]->name);
		err = mkdir_p(outdir);
		if (err) {
			fprintf(stderr, "vpnlab run: cannot create %s: %s\n", outdir, strerror(-err));
			code = EXIT_ENV;
			goto out;
		}
		ro.outdir = outdir;
		ro.out.tty = quiet ? NULL : json ? stderr : stdout;
		ro.out.is_tty = ro.out.tty && isatty(fileno(ro.out.tty));
		if (ro.out.tty)
			fprintf(ro.out.tty, "== %s (%s)\n", scs[i]->name, scs[i]->file);
		rc = run_scenario(scs[i], &ro, &reports[i]);
		rp[i] = &reports[i];
		report_summary(&ro.out, &reports[i]);
		if (reports[i].error[0] && !ro.out.tty)
			fprintf(stderr, "vpnlab: %s: %s\n", scs[i]->name, reports[i].error);
		{
			char path[600];

			snprintf(path, sizeof path, "%s/report.json", outdir);
			if ((err = report_write_json(&reports[i], path)))
				fprintf(stderr, "vpnlab run: cannot write %s: %s\n", path, strerror(-err));
		}
		if (rc > code || (rc == EXIT_CHECK_FAILED && code == 0))
			code = rc;
		if (reports[i].error[0] && strstr(reports[i].error, "interrupted"))
			break;
	}
	if (junit) {
		size_t n = 0;

		while (n < (size_t)nfiles && rp[n])
			n++;
		if (report_write_junit(rp, n, junit) < 0) {
			fprintf(stderr, "vpnlab run: cannot write %s: %s\n", junit, strerror(errno));
			if (!code)
				code = EXIT_ENV;
		}
	}
	if (json) {
		size_t n = 0;

		while (n < (size_t)nfiles && rp[n])
			n++;
		report_print_json(rp, n, stdout);
	}
out:
	for (int i = 0; scs && i < nfiles; i++) {
		if (rp && rp[i])
			report_free(&reports[i]);
		scenario_free(scs[i]);
	}
	free(scs);
	free(reports);
	free(rp);
	return code;
}
