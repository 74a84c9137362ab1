/*
 * lab_gateway.h: the scenario's gateways in a built lab: one harness/gateway.c per
 * `gateways:` entry, in its node, on the lab clock, or, for `profile: strongswan`, a real
 * charon there (harness/strongswan.c, started responders first, initiators after everything
 * else); their events (charon's over VICI) become report lines, the simulated gateways' keys
 * go to OUT/keys/ (charon writes none: its peer's are enough to decrypt the pair), their
 * final counters into the report; and the gateway steps (seq_restart and reconfigure for
 * simulated gateways only: the scenario loader refuses them for a charon).
 *
 * Ownership: borrows the lab, the scenario, the report and the report output (all outlive
 * it); owns the gateways, the charons and their drbg streams.
 */
#ifndef VPNLAB_HARNESS_LAB_GATEWAY_H
#define VPNLAB_HARNESS_LAB_GATEWAY_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/lab.h"
#include "harness/report.h"
#include "peers/drbg.h"
#include "peers/gw/gw.h"

struct gateway;

struct lab_gateways;

/* Start every gateway (after lab_build). Each draws from its own stream "gw/NODE" of root.
 * 0 (also with no gateways: *out is then an empty set) or -errno with msg. */
int lab_gateways_start(struct lab_gateways **out, struct lab *lab, struct drbg *root,
                       struct report *r, const struct report_out *o, char *msg,
                       size_t msglen);

/* Someone (the mock clouds, harness/lab_cloud.c) watching every gateway's events and log
 * lines, after the report got them. node: the gateway's node. */
struct lab_gateways_observer {
	void (*event)(void *ctx, const char *node, const struct gw_event *ev);
	void (*log)(void *ctx, const char *node, const char *line);
	void *ctx;
};
void lab_gateways_observe(struct lab_gateways *lg, const struct lab_gateways_observer *ob);

/* The gateway of node (NULL: none), for state and actions; gateway_flush after an action. */
struct gateway *lab_gateways_node(struct lab_gateways *lg, const char *node);

/* A configuration from a mock cloud replaces node's: gateway_reconfigure, and kept so that a
 * later uplink MTU change and the final report use it. 0 or -errno with msg. */
int lab_gateways_set_config(struct lab_gateways *lg, const char *node,
                            const struct gw_config *cfg, char *msg, size_t msglen);

/* Is the named connection up (a CHILD_SA installed)? */
bool lab_gateways_conn_up(struct lab_gateways *lg, const struct sc_conn_ref *ref);

/* The step actions. 0 or -errno with msg. */
int lab_gateways_seq_restart(struct lab_gateways *lg, const struct sc_seq_restart *s,
                             char *msg, size_t msglen);
int lab_gateways_tunnel(struct lab_gateways *lg, const struct sc_tunnelop *t, char *msg,
                        size_t msglen);

/* A reconfigure step: its CLI text stacked on the gateway's (after every earlier step's),
 * its connection keys laid over, the result handed to gw_reconfigure (a changed connection
 * is torn down and negotiated again). 0 or -errno with msg. */
int lab_gateways_reconfigure(struct lab_gateways *lg, const struct sc_reconfigure *r,
                             char *msg, size_t msglen);

/* A show step: the gateway's connections as they are now, a "status" line each, into the
 * report. 0 or -ENOENT with msg. */
int lab_gateways_show(struct lab_gateways *lg, const char *node, char *msg, size_t msglen);

/* A link step changed node:iface's MTU: a gateway whose uplink it is judges ESP overhead
 * against the new MTU from the next packet (its SAs stay). 0 or -errno with msg. */
int lab_gateways_link_mtu(struct lab_gateways *lg, const char *node, const char *iface,
                          int mtu, char *msg, size_t msglen);

/* DELETEs out, the final state of every connection into the report, everything closed.
 * Call before lab_teardown (so the DELETEs are in the captures). NULL is fine. */
void lab_gateways_stop(struct lab_gateways *lg);

#endif
