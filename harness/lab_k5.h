/*
 * lab_k5.h: a K5 router's API objects (mocks/k5.h, struct k5_router_topo) as its lab node:
 * addresses, routes and address translation, kept in step with the API (docs/clouds-in-lab.md,
 * "K5: a router is a node").
 *
 * The mapping (lab_k5_plan, pure):
 *   external_gateway_info's first external_fixed_ips address /the subnet's prefix
 *                                  -> on the gateway's uplink; default via the subnet's
 *                                     gateway_ip (none when it is null)
 *   enable_snat (default true)     -> each router interface's subnet translated to the external
 *                                     address on the way out of the uplink (neutron's SNAT)
 *   a router interface port        -> its fixed IP /the subnet's prefix on the interface the
 *                                     scenario's `ports:` ties to the port's network (by name
 *                                     or id); a port on a network no interface names is noted
 *                                     and left out
 *   routes (extra routes)          -> DEST via NEXTHOP
 *   a floating IP bound to a port  -> FIP/32 on the uplink, DNAT FIP -> fixed IP coming in on
 *                                     the uplink, SNAT fixed IP -> FIP going out of it (before
 *                                     the subnet's SNAT); bound to one of the router's own
 *                                     interface ports (K5's VPN endpoint), held untranslated
 *   no external gateway            -> no external address, route, SNAT or floating IP
 * lab_k5_apply brings a node from the plan it has to a new one (routes and addresses taken
 * away, then added; the translations as one nft table `ip vpnlab_k5`, loaded whole).
 *
 * Ownership: plans and node states are plain values; lab_k5_apply borrows the lab.
 */
#ifndef VPNLAB_HARNESS_LAB_K5_H
#define VPNLAB_HARNESS_LAB_K5_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/lab.h"
#include "harness/scenario.h"
#include "mocks/k5.h"

#define LAB_K5_ADDRS (2 * K5_TOPO_MAX + 1)
#define LAB_K5_NOTES 8

struct lab_k5_addr {
	char iface[SC_IFNAME_MAX];
	struct sc_prefix p;
	char why[80];                   /* "external gateway on inf_az1_ext-net01", ... */
};

struct lab_k5_nat {
	struct sc_prefix fip, fixed;    /* bare addresses (len 32) */
};

struct lab_k5_plan {
	char uplink[SC_IFNAME_MAX];
	struct lab_k5_addr addrs[LAB_K5_ADDRS];
	size_t naddrs;
	struct sc_route routes[K5_TOPO_MAX + 1];
	size_t nroutes;
	struct lab_k5_nat nat[K5_TOPO_MAX];
	size_t nnat;
	bool has_ext;
	struct sc_prefix ext;           /* the external address (bare), when has_ext */
	struct sc_prefix snat_src[K5_TOPO_MAX];  /* subnets translated to ext */
	size_t nsnat;
	char fip_ids[K5_TOPO_MAX][40];  /* floating IPs the node carries (translated or own) */
	size_t nfips;
	char notes[LAB_K5_NOTES][200];  /* what the API has and the lab leaves out, and why */
	size_t nnotes;
};

/* What the node of gateway g is for the router objects t (NULL: the router does not exist:
 * an empty plan). */
void lab_k5_plan(const struct sc_gateway *g, const struct k5_router_topo *t,
                 struct lab_k5_plan *p);

/* The nft script that makes the plan's translations the node's (`ip vpnlab_k5`; with none,
 * the table is removed). Pure. The length, or -ENOSPC. */
int lab_k5_nft_render(const struct lab_k5_plan *p, char *buf, size_t len);

/*
 * The external network must be the lab's outside: the external subnet's gateway_ip has to be
 * an address of the far end of the uplink (the peer interface, or an interface on the same
 * segment), else the external address the API reports would not be on the wire. 0, or
 * -EADDRNOTAVAIL with msg saying what the far end has.
 */
int lab_k5_outside_check(struct lab *lab, const struct sc_gateway *g,
                         const struct k5_router_topo *t, char *msg, size_t msglen);

/* A node as lab_k5_apply left it. Zero-initialised: nothing applied yet. */
struct lab_k5_node {
	struct lab_k5_plan cur;
	char nft[4096];                 /* the script loaded last ("" = none) */
	char outside_err[400];          /* the last lab_k5_outside_check refusal reported */
};

/* One line per change made or refused (kind "k5_topology" / "k5_topology_error"). */
typedef void (*lab_k5_event_fn)(void *ctx, const char *node, const char *kind,
                                const char *text);

/* Bring g's node from st->cur to want. What the kernel refuses is reported and left out of
 * st->cur (tried again on the next apply). The node's lab_iface addresses follow (probes
 * resolve "node" targets through them). Returns the number of changes refused. */
int lab_k5_apply(struct lab *lab, const struct sc_gateway *g, struct lab_k5_node *st,
                 const struct lab_k5_plan *want, lab_k5_event_fn ev, void *ctx);

#endif
