/* run_expect.h: judge the scenario's top-level expect: list on the run's captures. */
#ifndef VPNLAB_HARNESS_RUN_EXPECT_H
#define VPNLAB_HARNESS_RUN_EXPECT_H

#include "harness/report.h"
#include "harness/run.h"
#include "harness/scenario.h"

/*
 * After the lab is torn down (captures flushed and listed in r->captures): read every capture
 * into one trace (with OUT/keys, Wireshark's key files, when that directory exists), judge
 * each expectation and add its verdict to r as a check. Nothing to do without expectations.
 */
void run_expect(const struct scenario *sc, const struct run_opts *o, struct report *r);

#endif
