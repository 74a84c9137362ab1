/*
 * probe.h: traffic probes run inside the loop, in-process: ICMP echo (ping), UDP and TCP
 * flows between nodes of the lab. Each probe's sockets are made in its nodes' namespaces.
 *
 * A probe is started, runs on the loop's timers and sockets, and is done when its result is
 * known. Its result is plain data that the run turns into checks.
 */
#ifndef VPNLAB_HARNESS_PROBE_H
#define VPNLAB_HARNESS_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "harness/lab.h"
#include "harness/loop.h"
#include "harness/scenario.h"
#include "peers/drbg.h"

#define PROBE_MAX_ICMP 8

/* An ICMP error a probe saw (echo quoted in it, or reported on its socket). */
struct probe_icmp {
	int family;
	int type, code;
	int mtu;                        /* fragmentation needed / packet too big; else 0 */
	struct sc_prefix from;          /* who sent the error */
	lab_ns at;
};

struct probe_result {
	int sent;
	int received;                   /* echo replies / datagrams / (tcp) 1 when complete */
	uint64_t bytes_sent, bytes_received;
	int mss;                        /* tcp: the connection's MSS; 0 if unknown */
	struct probe_icmp icmp[PROBE_MAX_ICMP];
	int nicmp;                      /* ICMP errors seen (first PROBE_MAX_ICMP kept) */
	int nicmp_total;
	lab_ns started, finished;
	lab_ns rtt_min, rtt_max;        /* ping, lab time */
	struct sc_prefix src, dst;      /* resolved addresses */
	char error[256];                /* set when the probe could not run at all */
};

struct probe;

/* Start the probe of a PING, UDP or TCP step. 0, or -errno with result->error set (the probe
 * then is done at once). The drbg gives the ICMP identifier and payload contents. */
int probe_start(struct probe **out, struct lab *lab, const struct sc_step *step,
                struct drbg *drbg);
bool probe_done(const struct probe *p);
const struct probe_result *probe_result(const struct probe *p);
void probe_free(struct probe *p);

#endif
