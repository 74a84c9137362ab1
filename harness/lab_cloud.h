/*
 * lab_cloud.h: the scenario's mock clouds inside a run (the `clouds:` section): the K5 and
 * Sakura mocks (mocks/k5.h, mocks/sakura.h) serving HTTP on the run's loop and lab clock, in
 * a node's namespace or the lab's home, and driving the gateways bound to them:
 *
 *   K5:     a gateway `cloud: k5, router: NAME` is the VPN service of the router NAME: its
 *           ipsec-site-connections (mocks/k5_gateway.h) become the gateway's connections;
 *           creating, updating or deleting one restarts the others of the same service
 *           (gw_conn_down); each connection's status is the real SA state (ACTIVE when a
 *           CHILD_SA is up, DOWN when it went away, PENDING_* until the first one).
 *   Sakura: a gateway `cloud: sakura, appliance: NAME` is the VPC router appliance NAME:
 *           settings applied (/config, boot) become its connections (mocks/sakura_gateway.h);
 *           powering off empties it (no answers); the status endpoint reports each peer UP
 *           or DOWN from the SAs; the gateway's log lines are the appliance's VPN log.
 *
 * K5: the router's objects build its node (harness/lab_k5.h): the external gateway's address
 * on the uplink, router interfaces, routes, SNAT and floating IPs; a connection's endpoint is
 * the external IP the API reports. Sakura: the lab's address stands for the appliance's: the
 * local endpoint and identity are the uplink's address, not what the mock allocated
 * (docs/clouds-in-lab.md).
 *
 * Ownership: borrows the lab, the gateways, the report (all outlive it); owns the mocks,
 * their servers and drbg streams.
 */
#ifndef VPNLAB_HARNESS_LAB_CLOUD_H
#define VPNLAB_HARNESS_LAB_CLOUD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>

#include "harness/lab.h"
#include "harness/lab_gateway.h"
#include "harness/report.h"
#include "peers/drbg.h"

struct lab_clouds;

/* Start every cloud of the scenario (after the gateways). 0 (also with none) or -errno
 * with msg. */
int lab_clouds_start(struct lab_clouds **out, struct lab *lab, struct lab_gateways *lg,
                     struct drbg *root, struct report *r, const struct report_out *o,
                     char *msg, size_t msglen);

/* Where a cloud's API answers: address, and the namespace to connect from (-1: home).
 * -ENOENT when the cloud is not running. */
int lab_clouds_endpoint(struct lab_clouds *lc, int cloud, const struct sockaddr **to,
                        socklen_t *tolen, int *nsfd, const char **host);

/* The scenario's cloud section (credentials, zone) of a running cloud. */
const struct sc_cloud *lab_clouds_config(struct lab_clouds *lc, int cloud);

/* The run's variables of api steps: {name} -> value; json: the value is a JSON document (an
 * object or array saved from an answer), not a text. set: 0, -ENOSPC (too many) or
 * -EMSGSIZE (over LAB_CLOUD_VAR_MAX bytes). get: NULL if none. */
#define LAB_CLOUD_VAR_MAX 8192
int lab_clouds_var_set(struct lab_clouds *lc, const char *name, const char *value, bool json);
const char *lab_clouds_var_get(struct lab_clouds *lc, const char *name, bool *json);

/* The K5 token of the last login step ("" = none). */
const char *lab_clouds_k5_token(struct lab_clouds *lc);
void lab_clouds_k5_token_set(struct lab_clouds *lc, const char *token);

/* For --hold: where each API answers and how to point a client at it. */
void lab_clouds_print(struct lab_clouds *lc, FILE *f);

/* Stop the servers and free the mocks. NULL is fine. Call before lab_gateways_stop. */
void lab_clouds_stop(struct lab_clouds *lc);

#endif
