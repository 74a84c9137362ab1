/*
 * peer_gateway.h: `vpnlab peer --tunnel NAME`: the lab's gateway (harness/gateway.c) with one
 * connection, in the current network namespace, on the real clock, so real traffic crosses
 * a tunnel to real equipment (`ip netns exec NS vpnlab peer ...`).
 */
#ifndef VPNLAB_HARNESS_PEER_GATEWAY_H
#define VPNLAB_HARNESS_PEER_GATEWAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "peers/gw/gw_config.h"
#include "peers/labtime.h"

struct peer_gateway_opts {
	const char *tunnel;             /* interface name */
	int tunnel_mtu;                 /* 0 = 1500 */
	const char *keys_dir;           /* NULL = no key files */
	bool json, once, verbose;
	lab_ns timeout;                 /* 0 = until SIGINT/SIGTERM */
	uint64_t seed;
	bool offload;                   /* gateway_opts.offload */
};

/*
 * Run until the timeout, a signal, or with once the first CHILD_SA (then 0) or a failure
 * (1). Prints one line per event (or JSON object), and at the end the connection's packet
 * and byte counters ("counters" event). The tunnel interface and its routes are removed at
 * exit. Returns the exit code (3: the environment refused: sockets, interface, routes).
 */
/* s as a JSON string, quoted and escaped (the --json event lines of `vpnlab peer`). */
void peer_json_str(FILE *f, const char *s);

int peer_gateway_run(const struct gw_config *cfg, const struct peer_gateway_opts *o);

#endif
