/*
 * report.h: what a run found, step by step and check by check, and how it is shown: one
 * line per step and check on the terminal (with progress on a TTY), JUnit XML with one
 * testcase per check, and a JSON summary.
 */
#ifndef VPNLAB_HARNESS_REPORT_H
#define VPNLAB_HARNESS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/scenario.h"

struct check {
	char name[192];
	bool pass;
	char expected[256];
	char observed[512];
	char where[320];                /* scenario position, and later pcap file:frames */
	lab_ns at;                      /* lab time the verdict was reached */
};

struct step_result {
	char label[160];
	bool ok;                        /* the step itself ran (its checks are separate) */
	char error[512];
	lab_ns start, end;              /* lab time */
	double wall_ms;
	size_t first_check, nchecks;
};

struct capture_info {
	char path[512];
	uint64_t frames, drops;
};

/* Something a simulated gateway did (tunnel up, rekey, DPD, a drop), one line each. */
struct report_event {
	lab_ns at;
	char source[72];                /* "r1/to-r2", or "r1" for the data plane as a whole */
	char kind[32];                  /* "child_sa_established", "esp_drop", ... */
	char text[320];
};

/* One connection of a gateway at the end of the run. */
struct report_gw_conn {
	char node[SC_NAME_MAX];
	char conn[SC_NAME_MAX];
	char state[16];                 /* down / connecting / up */
	uint32_t spi_in, spi_out;
	uint64_t packets_in, bytes_in, packets_out, bytes_out, drops;
	uint32_t rekeys, reauths;
};

/* A gateway's status as its vendor's command prints it (FITELnet `show crypto sa`), at the
 * end of the run and after each show step. */
struct report_show {
	lab_ns at;
	char gateway[SC_NAME_MAX];
	char command[48];               /* "show crypto sa" */
	char *text;                     /* owned; holds SA keys as the router's output does */
};

struct report {
	char file[512];
	char name[64];
	uint64_t seed;
	bool virtual_clock;
	struct step_result *steps;
	size_t nsteps;
	struct check *checks;
	size_t nchecks, capchecks;
	struct capture_info *captures;
	size_t ncaptures;
	char error[1024];               /* the run could not complete (lab build, interrupt) */
	int exit_code;                  /* 0, 1 (a check failed), 2, 3 */
	lab_ns lab_total;
	double wall_ms;
	uint64_t clock_jumps;
	lab_ns clock_skipped;
	char outdir[512];
	struct report_event *events;
	size_t nevents, capevents, events_dropped;
	struct report_gw_conn *gw_conns;
	size_t ngw_conns;
	struct report_show *shows;
	size_t nshows;
};

struct report_out {
	FILE *tty;                      /* progress and lines; NULL = quiet */
	bool is_tty;                    /* redraw progress in place */
};

void report_init(struct report *r, const struct scenario *sc, uint64_t seed);
void report_free(struct report *r);

/* Add a check to the current step; returns it (never NULL: aborts on OOM). */
struct check *report_check(struct report *r, struct step_result *s, bool pass,
                           const char *name);
size_t report_failed(const struct report *r);
/* Record a gateway event and print it as a line (when o->tty). Past REPORT_EVENTS_MAX
 * events only the count grows. */
#define REPORT_EVENTS_MAX 20000
void report_event(struct report *r, const struct report_out *o, lab_ns at, const char *source,
                  const char *kind, const char *text);
/* Add a gateway connection's final state (aborts on OOM like report_check). */
struct report_gw_conn *report_gw_conn_add(struct report *r);

/* Keep a status text (copied) and print it under a "GATEWAY# COMMAND" line (when o->tty).
 * Aborts on OOM like report_check. */
void report_show_add(struct report *r, const struct report_out *o, lab_ns at,
                     const char *gateway, const char *command, const char *text);

/* Terminal lines. */
void report_step_begin(const struct report_out *o, const struct report *r, size_t i,
                       size_t n, const struct step_result *s);
void report_step_end(const struct report_out *o, const struct report *r,
                     const struct step_result *s);
void report_progress(const struct report_out *o, const char *label, lab_ns now, lab_ns end);
void report_summary(const struct report_out *o, const struct report *r);

/* Files. 0 or -errno. */
int report_write_json(const struct report *r, const char *path);
int report_write_junit(const struct report *const *rs, size_t n, const char *path);
/* The JSON summary of several runs to stdout (--json). */
void report_print_json(const struct report *const *rs, size_t n, FILE *f);

/* "1h02m03.456s" style lab time. */
void report_fmt_time(lab_ns t, char *buf, size_t len);

#endif
