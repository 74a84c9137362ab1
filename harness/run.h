/*
 * run.h: play one scenario: build the lab, run its steps on the loop, turn what the probes
 * saw into checks, tear everything down, and fill a report.
 */
#ifndef VPNLAB_HARNESS_RUN_H
#define VPNLAB_HARNESS_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/report.h"
#include "harness/scenario.h"

struct run_opts {
	const char *outdir;             /* this scenario's output directory */
	bool has_seed;                  /* --seed overrides the scenario's seed */
	uint64_t seed;
	bool hold;                      /* keep the lab up after the steps until Ctrl-C */
	bool capture;                   /* false only in benchmarks */
	struct report_out out;
};

/* Returns the exit code (0 all checks held, 1 a check failed, 3 the lab could not be built
 * or the run was interrupted) and fills r (caller frees with report_free). */
int run_scenario(const struct scenario *sc, const struct run_opts *o, struct report *r);

/* A human label for a step ("ping office -> server 1472 B DF x3"). */
void run_step_label(const struct sc_step *s, char *buf, size_t len);

#endif
