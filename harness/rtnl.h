/*
 * rtnl.h: links, addresses and routes inside one node's namespace, through libnl-3.
 *
 * Each node has one rtnetlink socket, made inside its namespace (so every call on it acts
 * there). Functions return 0 or a negative libnl error (NLE_*); rt_strerror() names it.
 */
#ifndef VPNLAB_HARNESS_RTNL_H
#define VPNLAB_HARNESS_RTNL_H

#include <stdbool.h>
#include <stdint.h>

#include "harness/scenario.h"

struct nl_sock;

/* A connected NETLINK_ROUTE socket inside nsfd's namespace. NULL on failure (errno set). */
struct nl_sock *rt_open(int nsfd);
void rt_close(struct nl_sock *sk);
const char *rt_strerror(int err);

/* Create a veth pair: aname in a's namespace (socket ska), bname in the namespace nsfd_b.
 * Both ends get mtu (0: kernel default) and the given MAC addresses (NULL: the kernel picks
 * a random one) and stay down. */
int rt_veth_add(struct nl_sock *ska, const char *aname, const uint8_t *mac_a, int nsfd_b,
                const char *bname, const uint8_t *mac_b, int mtu);
/* A bridge named name, down. */
int rt_bridge_add(struct nl_sock *sk, const char *name, int mtu);
/* Attach an interface to a bridge. */
int rt_set_master(struct nl_sock *sk, const char *ifname, const char *master);

int rt_ifindex(struct nl_sock *sk, const char *ifname);   /* > 0, or a negative error */
int rt_set_up(struct nl_sock *sk, const char *ifname, bool up);
int rt_set_noarp(struct nl_sock *sk, const char *ifname);
int rt_set_mtu(struct nl_sock *sk, const char *ifname, int mtu);
int rt_get_mtu(struct nl_sock *sk, const char *ifname);
/* 1 when the kernel's link watch has made ifname operational (IF_OPER_UP: carrier on, its
 * queue running), 0 when not yet, or a negative error. */
int rt_oper_up(struct nl_sock *sk, const char *ifname);
/* Forget the neighbour entry for address p on ifname (none is fine). */
int rt_neigh_del(struct nl_sock *sk, const char *ifname, const struct sc_prefix *p);   /* > 0, or a negative error */

/* Add an address (IPv6 addresses skip duplicate address detection). */
int rt_addr_add(struct nl_sock *sk, const char *ifname, const struct sc_prefix *p);
/* Remove an address (the kernel takes the routes through it with it). */
int rt_addr_del(struct nl_sock *sk, const char *ifname, const struct sc_prefix *p);
/* Add a route; dev may be "" when via is given. */
int rt_route_add(struct nl_sock *sk, const struct sc_route *r);
/* The same with a locked MTU metric (mtu > 0): packets the kernel sends or forwards that way
 * are fragmented, or answered with frag-needed, for that MTU. */
int rt_route_add_mtu(struct nl_sock *sk, const struct sc_route *r, int mtu);
int rt_route_del(struct nl_sock *sk, const struct sc_route *r);
/* The main table's longest-prefix route to addr (dst, via if it has a gateway, dev).
 * 0 or -NLE_OBJ_NOTFOUND. */
int rt_route_lookup(struct nl_sock *sk, const struct sc_prefix *addr, struct sc_route *out);
/* Delete an interface (a veth takes its peer with it). */
int rt_link_del(struct nl_sock *sk, const char *ifname);

#endif
