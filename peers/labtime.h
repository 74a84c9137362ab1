/*
 * labtime.h: the lab clock's unit. Everything below the harness takes time as an input in
 * these units and never reads a system clock (docs/architecture.md).
 */
#ifndef VPNLAB_PEERS_LABTIME_H
#define VPNLAB_PEERS_LABTIME_H

#include <stdint.h>

/* Nanoseconds since the start of the run (lab time 0). */
typedef int64_t lab_ns;

#define LAB_NS_PER_US  1000LL
#define LAB_NS_PER_MS  1000000LL
#define LAB_NS_PER_SEC 1000000000LL
#define LAB_NEVER      INT64_MAX

static inline lab_ns lab_sec(int64_t s) { return s * LAB_NS_PER_SEC; }
static inline lab_ns lab_ms(int64_t ms) { return ms * LAB_NS_PER_MS; }

#endif
