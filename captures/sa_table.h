/*
 * sa_table.h: the end-of-run table of a trace's IKE SAs and CHILD_SAs, the way an engineer
 * tabulates a capture: who, which proposal, when each came up, was rekeyed or reauthenticated
 * (replaced) and deleted, and the ESP packets each direction carried.
 *
 * Built from the trace's events as they come (so `vpnlab inspect`, which keeps no event log,
 * can have it): feed every event to sa_table_event(), then print with sa_table_print() once
 * the trace is read (the packet counts come from its ESP summaries). Bounded: at most
 * SA_TABLE_MAX_IKE and SA_TABLE_MAX_CHILD rows; later SAs are counted, not listed.
 *
 *   struct sa_table *st = sa_table_new();
 *   ... sa_table_event(st, ev) for every event ...
 *   sa_table_print(st, trace, json, stdout);
 *   sa_table_free(st);
 */
#ifndef VPNLAB_CAPTURES_SA_TABLE_H
#define VPNLAB_CAPTURES_SA_TABLE_H

#include "captures/trace.h"

#include <stdbool.h>
#include <stdio.h>

#define SA_TABLE_MAX_IKE   4096
#define SA_TABLE_MAX_CHILD 8192

struct sa_table;

struct sa_table *sa_table_new(void);
void sa_table_free(struct sa_table *st);
/* One event of the trace (borrowed for the call). */
void sa_table_event(struct sa_table *st, const struct trace_ev *ev);
/*
 * One line per IKE SA ("ike_sa ...") then per CHILD_SA ("child_sa ..."), in the order they
 * came up; with json one object per line instead. Packets per direction: for each SPI, the
 * most any one capture saw (the same packet at both link ends is counted once).
 */
void sa_table_print(const struct sa_table *st, const struct trace *t, bool json, FILE *out);
/* Rows, for tests. */
size_t sa_table_ike_count(const struct sa_table *st);
size_t sa_table_child_count(const struct sa_table *st);

#endif
