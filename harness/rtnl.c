/*
 * rtnl.c: libnl-3 calls for links, addresses and routes (see rtnl.h).
 */
#include "harness/rtnl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include "harness/netns.h"

struct nl_sock *rt_open(int nsfd)
{
	struct nl_sock *sk;
	int err;

	if (netns_enter(nsfd) < 0)
		return NULL;
	sk = nl_socket_alloc();
	if (sk && (err = nl_connect(sk, NETLINK_ROUTE)) < 0) {
		nl_socket_free(sk);
		sk = NULL;
		errno = EIO;
	}
	netns_leave();
	return sk;
}

void rt_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
}

const char *rt_strerror(int err)
{
	return nl_geterror(err);
}

static void set_mac(struct rtnl_link *link, const uint8_t *mac)
{
	struct nl_addr *a;

	if (!mac)
		return;
	a = nl_addr_build(AF_LLC, mac, 6);
	if (a) {
		rtnl_link_set_addr(link, a);
		nl_addr_put(a);
	}
}

int rt_veth_add(struct nl_sock *ska, const char *aname, const uint8_t *mac_a, int nsfd_b,
                const char *bname, const uint8_t *mac_b, int mtu)
{
	struct rtnl_link *link, *peer;
	int err;

	link = rtnl_link_veth_alloc();
	if (!link)
		return -NLE_NOMEM;
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(link, aname);
	rtnl_link_set_name(peer, bname);
	rtnl_link_set_ns_fd(peer, nsfd_b);
	set_mac(link, mac_a);
	set_mac(peer, mac_b);
	if (mtu > 0) {
		rtnl_link_set_mtu(link, (unsigned)mtu);
		rtnl_link_set_mtu(peer, (unsigned)mtu);
	}
	err = rtnl_link_add(ska, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer);
	rtnl_link_veth_release(link);
	return err;
}

int rt_bridge_add(struct nl_sock *sk, const char *name, int mtu)
{
	struct rtnl_link *link = rtnl_link_alloc();
	int err;

	if (!link)
		return -NLE_NOMEM;
	rtnl_link_set_name(link, name);
	if (mtu > 0)
		rtnl_link_set_mtu(link, (unsigned)mtu);
	err = rtnl_link_set_type(link, "bridge");
	if (!err)
		err = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(link);
	return err;
}

static struct nl_addr *prefix_addr(const struct sc_prefix *p, int len);

static int link_get(struct nl_sock *sk, const char *ifname, struct rtnl_link **out)
{
	return rtnl_link_get_kernel(sk, 0, ifname, out);
}

int rt_ifindex(struct nl_sock *sk, const char *ifname)
{
	struct rtnl_link *link;
	int err = link_get(sk, ifname, &link), idx;

	if (err < 0)
		return err;
	idx = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return idx;
}

static int link_change(struct nl_sock *sk, const char *ifname,
                       void (*edit)(struct rtnl_link *chg, long arg), long arg)
{
	struct rtnl_link *orig, *chg;
	int err = link_get(sk, ifname, &orig);

	if (err < 0)
		return err;
	chg = rtnl_link_alloc();
	if (!chg) {
		rtnl_link_put(orig);
		return -NLE_NOMEM;
	}
	edit(chg, arg);
	err = rtnl_link_change(sk, orig, chg, 0);
	rtnl_link_put(chg);
	rtnl_link_put(orig);
	return err;
}

static void edit_up(struct rtnl_link *chg, long up)
{
	if (up)
		rtnl_link_set_flags(chg, IFF_UP);
	else
		rtnl_link_unset_flags(chg, IFF_UP);
}

static void edit_noarp(struct rtnl_link *chg, long unused)
{
	(void)unused;
	rtnl_link_set_flags(chg, IFF_NOARP);
}

int rt_set_noarp(struct nl_sock *sk, const char *ifname)
{
	return link_change(sk, ifname, edit_noarp, 0);
}

static void edit_mtu(struct rtnl_link *chg, long mtu)
{
	rtnl_link_set_mtu(chg, (unsigned)mtu);
}

static void edit_master(struct rtnl_link *chg, long master)
{
	rtnl_link_set_master(chg, (int)master);
}

int rt_set_up(struct nl_sock *sk, const char *ifname, bool up)
{
	return link_change(sk, ifname, edit_up, up);
}

int rt_set_mtu(struct nl_sock *sk, const char *ifname, int mtu)
{
	return link_change(sk, ifname, edit_mtu, mtu);
}

int rt_get_mtu(struct nl_sock *sk, const char *ifname)
{
	struct rtnl_link *link;
	int err = link_get(sk, ifname, &link), mtu;

	if (err < 0)
		return err;
	mtu = (int)rtnl_link_get_mtu(link);
	rtnl_link_put(link);
	return mtu;
}

int rt_oper_up(struct nl_sock *sk, const char *ifname)
{
	struct rtnl_link *link;
	int err = link_get(sk, ifname, &link), up;

	if (err < 0)
		return err;
	up = rtnl_link_get_operstate(link) == 6;        /* IF_OPER_UP (linux/if.h, RFC 2863) */
	rtnl_link_put(link);
	return up;
}

int rt_neigh_del(struct nl_sock *sk, const char *ifname, const struct sc_prefix *p)
{
	struct rtnl_neigh *n;
	struct nl_addr *dst;
	int idx = rt_ifindex(sk, ifname), err;

	if (idx < 0)
		return idx;
	n = rtnl_neigh_alloc();
	dst = prefix_addr(p, p->family == AF_INET ? 32 : 128);
	if (!n || !dst) {
		if (n)
			rtnl_neigh_put(n);
		if (dst)
			nl_addr_put(dst);
		return -NLE_NOMEM;
	}
	rtnl_neigh_set_ifindex(n, idx);
	rtnl_neigh_set_family(n, p->family);
	err = rtnl_neigh_set_dst(n, dst);
	if (!err)
		err = rtnl_neigh_delete(sk, n, 0);
	nl_addr_put(dst);
	rtnl_neigh_put(n);
	return err == -NLE_OBJ_NOTFOUND ? 0 : err;
}

int rt_set_master(struct nl_sock *sk, const char *ifname, const char *master)
{
	int m = rt_ifindex(sk, master);

	if (m < 0)
		return m;
	return link_change(sk, ifname, edit_master, m);
}

static struct nl_addr *prefix_addr(const struct sc_prefix *p, int len)
{
	struct nl_addr *a = nl_addr_build(p->family, p->addr, p->family == AF_INET ? 4 : 16);

	if (a)
		nl_addr_set_prefixlen(a, len);
	return a;
}

static int addr_change(struct nl_sock *sk, const char *ifname, const struct sc_prefix *p,
                       bool add)
{
	struct rtnl_addr *addr;
	struct nl_addr *local;
	int idx = rt_ifindex(sk, ifname), err;

	if (idx < 0)
		return idx;
	addr = rtnl_addr_alloc();
	local = prefix_addr(p, p->len);
	if (!addr || !local) {
		err = -NLE_NOMEM;
		goto out;
	}
	rtnl_addr_set_ifindex(addr, idx);
	rtnl_addr_set_family(addr, p->family);
	err = rtnl_addr_set_local(addr, local);
	if (err < 0)
		goto out;
	if (p->family == AF_INET6)
		rtnl_addr_set_flags(addr, IFA_F_NODAD);
	err = add ? rtnl_addr_add(sk, addr, 0) : rtnl_addr_delete(sk, addr, 0);
out:
	if (local)
		nl_addr_put(local);
	if (addr)
		rtnl_addr_put(addr);
	return err;
}

int rt_addr_add(struct nl_sock *sk, const char *ifname, const struct sc_prefix *p)
{
	return addr_change(sk, ifname, p, true);
}

int rt_addr_del(struct nl_sock *sk, const char *ifname, const struct sc_prefix *p)
{
	return addr_change(sk, ifname, p, false);
}

/* A route object for r (the caller puts it), or NULL with *err. */
static struct rtnl_route *route_build(struct nl_sock *sk, const struct sc_route *r, int mtu,
                                      int *err)
{
	struct rtnl_route *route = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = NULL, *gw = NULL;

	*err = 0;
	if (!route || !nh) {
		*err = -NLE_NOMEM;
		goto fail;
	}
	dst = prefix_addr(&r->dst, r->dst.len);
	if (!dst) {
		*err = -NLE_NOMEM;
		goto fail;
	}
	rtnl_route_set_family(route, (uint8_t)r->dst.family);
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_protocol(route, RTPROT_STATIC);
	rtnl_route_set_scope(route, r->has_via ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	*err = rtnl_route_set_dst(route, dst);
	if (*err < 0)
		goto fail;
	if (r->has_via) {
		gw = prefix_addr(&r->via, r->via.family == AF_INET ? 32 : 128);
		if (!gw) {
			*err = -NLE_NOMEM;
			goto fail;
		}
		rtnl_route_nh_set_gateway(nh, gw);
	}
	if (r->dev[0]) {
		int idx = rt_ifindex(sk, r->dev);

		if (idx < 0) {
			*err = idx;
			goto fail;
		}
		rtnl_route_nh_set_ifindex(nh, idx);
	}
	rtnl_route_add_nexthop(route, nh);
	nh = NULL;                      /* owned by the route now */
	if (mtu > 0) {
		/* locked: forwarding then honours it instead of the interface's MTU */
		if ((*err = rtnl_route_set_metric(route, RTAX_MTU, (uint32_t)mtu)) < 0 ||
		    (*err = rtnl_route_set_metric(route, RTAX_LOCK, 1u << RTAX_MTU)) < 0)
			goto fail;
	}
fail:
	if (nh)
		rtnl_route_nh_free(nh);
	if (gw)
		nl_addr_put(gw);
	if (dst)
		nl_addr_put(dst);
	if (*err < 0 && route) {
		rtnl_route_put(route);
		route = NULL;
	}
	return route;
}

int rt_route_add(struct nl_sock *sk, const struct sc_route *r)
{
	return rt_route_add_mtu(sk, r, 0);
}

int rt_route_add_mtu(struct nl_sock *sk, const struct sc_route *r, int mtu)
{
	int err;
	struct rtnl_route *route = route_build(sk, r, mtu, &err);

	if (!route)
		return err;
	err = rtnl_route_add(sk, route, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_route_put(route);
	return err;
}

int rt_route_del(struct nl_sock *sk, const struct sc_route *r)
{
	int err;
	struct rtnl_route *route = route_build(sk, r, 0, &err);

	if (!route)
		return err;
	err = rtnl_route_delete(sk, route, 0);
	rtnl_route_put(route);
	return err;
}

int rt_link_del(struct nl_sock *sk, const char *ifname)
{
	struct rtnl_link *link;
	int err = link_get(sk, ifname, &link);

	if (err < 0)
		return err;
	err = rtnl_link_delete(sk, link);
	rtnl_link_put(link);
	return err;
}

struct lookup {
	const struct sc_prefix *addr;
	int best_len;
	struct sc_route *out;
	struct nl_sock *sk;
};

static void lookup_one(struct nl_object *obj, void *arg)
{
	struct lookup *lk = arg;
	struct rtnl_route *route = (struct rtnl_route *)obj;
	struct nl_addr *dst = rtnl_route_get_dst(route);
	struct rtnl_nexthop *nh;
	struct sc_prefix net = { 0 };
	struct nl_addr *gw;
	int len;

	if (rtnl_route_get_table(route) != RT_TABLE_MAIN ||
	    rtnl_route_get_type(route) != RTN_UNICAST || !dst ||
	    nl_addr_get_family(dst) != lk->addr->family || rtnl_route_get_nnexthops(route) < 1)
		return;
	len = (int)nl_addr_get_prefixlen(dst);
	if (len <= lk->best_len)
		return;
	net.family = lk->addr->family;
	if (nl_addr_get_len(dst))
		memcpy(net.addr, nl_addr_get_binary_addr(dst), nl_addr_get_len(dst));
	net.len = len;
	for (int i = 0, bits = len; i < 16; i++, bits -= 8) {
		uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));

		if ((net.addr[i] & mask) != (lk->addr->addr[i] & mask))
			return;
	}
	nh = rtnl_route_nexthop_n(route, 0);
	memset(lk->out, 0, sizeof *lk->out);
	lk->out->dst = net;
	gw = rtnl_route_nh_get_gateway(nh);
	if (gw && nl_addr_get_len(gw)) {
		lk->out->has_via = true;
		lk->out->via.family = nl_addr_get_family(gw);
		memcpy(lk->out->via.addr, nl_addr_get_binary_addr(gw), nl_addr_get_len(gw));
		lk->out->via.len = lk->out->via.family == AF_INET ? 32 : 128;
	}
	{
		/* the interface's name, from the kernel (no link cache here) */
		struct rtnl_link *link;

		if (rtnl_link_get_kernel(lk->sk, rtnl_route_nh_get_ifindex(nh), NULL, &link) >= 0) {
			snprintf(lk->out->dev, sizeof lk->out->dev, "%s", rtnl_link_get_name(link));
			rtnl_link_put(link);
		}
	}
	lk->best_len = len;
}

int rt_route_lookup(struct nl_sock *sk, const struct sc_prefix *addr, struct sc_route *out)
{
	struct nl_cache *cache;
	struct lookup lk = { .addr = addr, .best_len = -1, .out = out, .sk = sk };
	int err = rtnl_route_alloc_cache(sk, addr->family, 0, &cache);

	if (err < 0)
		return err;
	nl_cache_foreach(cache, lookup_one, &lk);
	nl_cache_free(cache);
	return lk.best_len < 0 ? -NLE_OBJ_NOTFOUND : 0;
}
