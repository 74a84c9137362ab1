/*
 * lab_sakura.h: what a Sakura VPC router appliance does to its lab node besides its VPN
 * (harness/lab_cloud.c drives the VPN): power (the node goes dark and comes back), NIC
 * connect / disconnect (a link end down / up), and the ping endpoint (a ping from the node's
 * namespace, on the loop).
 *
 * Ownership: everything borrows the lab (which outlives it); a ping owns its probe and the
 * synthetic step the probe reads.
 */
#ifndef VPNLAB_HARNESS_LAB_SAKURA_H
#define VPNLAB_HARNESS_LAB_SAKURA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/lab.h"
#include "harness/probe.h"
#include "peers/drbg.h"

/*
 * Power. dark: every link end of the node (its scenario links; the gateway's tunnel interface
 * is inside the appliance and stays) goes down, so nothing is sent and nothing answers: no
 * ICMP, no IKE, no ESP, no RST or port unreachable. !dark: the link ends come up again, their
 * addresses and the node's routes are restored (the kernel flushed the routes through the
 * downed links; an address or route still there is left as it is), and each link is settled:
 * up to 1 s of real time (lab time stands still) until the kernel runs both of its ends again,
 * then the neighbour entries the two ends hold for each other are dropped, since one left
 * unresolved while the node was dark would be retried only after a second of real time that
 * a virtual clock skips. 0 or -errno with msg.
 */
int lab_sakura_power(struct lab *lab, const char *node, bool dark, char *msg, size_t msglen);

/*
 * The lab interface that stands for NIC index (0-7) of the appliance on node: 0 is the uplink
 * (the gateway's uplink interface), 1-7 are the node's other link ends in the scenario's link
 * order. NULL when there is none.
 */
const char *lab_sakura_nic_iface(struct lab *lab, const char *node, const char *uplink,
                                 int index);

/* A NIC's link end down or up (settled as at power on). 0 or -errno with msg. */
int lab_sakura_nic_set(struct lab *lab, const char *node, const char *iface, bool up,
                       char *msg, size_t msglen);

/*
 * The ping endpoint: count echoes (56 data bytes, 1 s apart, 2 s for each answer) from node
 * to dest on the loop; done(ctx, token, text) is called once with the result as ping(8)
 * prints its header and statistics (lines separated by '\n'; text borrowed for the call).
 * An unanswered or unreachable destination is a result too (0 received, 100% packet loss,
 * the ICMP errors seen). 0, or -errno with msg (the probe could not start; done is not
 * called).
 */
#define LAB_SAKURA_PING_COUNT 4

typedef void (*lab_sakura_ping_fn)(void *ctx, uint64_t token, const char *text);

struct lab_sakura_ping;

int lab_sakura_ping_start(struct lab_sakura_ping **out, struct lab *lab, const char *node,
                          const char *dest, uint64_t token, struct drbg *drbg,
                          lab_sakura_ping_fn done, void *ctx, char *msg, size_t msglen);
/* Stop (done is not called after this) and free. NULL is fine. */
void lab_sakura_ping_free(struct lab_sakura_ping *p);
/* Format a finished probe's result as ping(8)'s summary; pure, for the unit test. */
void lab_sakura_ping_text(const char *dest, const struct probe_result *r, char *out,
                          size_t outlen);

#endif
