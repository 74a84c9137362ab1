/* Judging the top-level expect: list after a run (see run_expect.h and captures/check.h). */
#include "harness/run_expect.h"

#include "captures/check.h"
#include "captures/keys.h"
#include "captures/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void fail_all(const struct scenario *sc, struct report *r, struct step_result *sr,
                     const char *why)
{
	for (size_t i = 0; i < sc->nexpects; i++) {
		struct check *c = report_check(r, sr, false, sc->expects[i].label);
		c->at = r->lab_total;
		snprintf(c->expected, sizeof c->expected, "judged from the run's captures");
		snprintf(c->observed, sizeof c->observed, "%s", why);
		snprintf(c->where, sizeof c->where, "%s:%d:%d", sc->file, sc->expects[i].pos.line,
		         sc->expects[i].pos.col);
	}
}

void run_expect(const struct scenario *sc, const struct run_opts *o, struct report *r)
{
	struct step_result sr = { .ok = true, .start = r->lab_total, .end = r->lab_total };
	struct cap_keys *keys = NULL;
	struct trace *t = NULL;
	const char **paths = NULL;
	char dir[600], msg[700];
	struct stat st;
	struct timespec t0, t1;

	if (!sc->nexpects)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	snprintf(sr.label, sizeof sr.label, "expect: %zu judged from %zu captures", sc->nexpects,
	         r->ncaptures);
	report_step_begin(&o->out, r, sc->nsteps, sc->nsteps + 1, &sr);
	if (!r->ncaptures) {
		fail_all(sc, r, &sr, "no captures (this run captured nothing)");
		goto out;
	}
	snprintf(dir, sizeof dir, "%s/keys", o->outdir);
	if (!stat(dir, &st) && S_ISDIR(st.st_mode)) {
		keys = cap_keys_new();
		if (keys && cap_keys_load(keys, dir, msg, sizeof msg)) {
			fail_all(sc, r, &sr, msg);
			goto out;
		}
	}
	paths = calloc(r->ncaptures, sizeof *paths);
	t = trace_new(keys);
	if (!paths || !t) {
		fail_all(sc, r, &sr, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < r->ncaptures; i++)
		paths[i] = r->captures[i].path;
	if (trace_read(t, paths, r->ncaptures > TRACE_MAX_FILES ? TRACE_MAX_FILES : r->ncaptures,
	               msg, sizeof msg)) {
		fail_all(sc, r, &sr, msg);
		goto out;
	}
	for (size_t i = 0; i < sc->nexpects; i++) {
		const struct sc_expect *x = &sc->expects[i];
		struct check_verdict v;
		struct check *c;

		check_judge(t, &x->ex, &v);
		c = report_check(r, &sr, v.pass, x->label);
		c->at = r->lab_total;
		snprintf(c->expected, sizeof c->expected, "%.*s", (int)sizeof c->expected - 1,
		         v.expected);
		snprintf(c->observed, sizeof c->observed, "%s", v.observed);
		snprintf(c->where, sizeof c->where, "%s:%d:%d; %s", sc->file, x->pos.line, x->pos.col,
		         v.where[0] ? v.where : "no frame");
	}
out:
	clock_gettime(CLOCK_MONOTONIC, &t1);
	sr.wall_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	report_step_end(&o->out, r, &sr);
	trace_free(t);
	cap_keys_free(keys);
	free(paths);
}
