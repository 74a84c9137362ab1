/*
 * lab.c: build and tear down a lab (see lab.h).
 */
#include "harness/lab.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "harness/capture.h"
#include "harness/ethtool.h"
#include "harness/netns.h"
#include "harness/nft.h"
#include "harness/rtnl.h"

#define SEG_BRIDGE "br0"
#define CAPTURE_RING_BUDGET (48 << 20)
#define CAPTURE_RING_MAX (2 << 20)
#define CAPTURE_RING_MIN (256 << 10)

static int fail(char *msg, size_t msglen, int err, const struct sc_pos *pos, const char *fmt,
                const char *a, const char *b, const char *why)
{
	char what[256];
	int n = 0;

	snprintf(what, sizeof what, fmt, a, b);
	if (pos && pos->file)
		n = snprintf(msg, msglen, "%s:%d:%d: ", pos->file, pos->line, pos->col);
	if (n < 0 || (size_t)n >= msglen)
		n = 0;
	snprintf(msg + n, msglen - (size_t)n, "%s: %s", what, why);
	return err ? err : -EIO;
}

struct lab_node *lab_node(struct lab *lab, const char *name)
{
	for (size_t i = 0; i < lab->nnodes; i++)
		if (!lab->nodes[i].is_segment && !strcmp(lab->nodes[i].name, name))
			return &lab->nodes[i];
	return NULL;
}

static struct lab_node *lab_segment(struct lab *lab, const char *name)
{
	for (size_t i = 0; i < lab->nnodes; i++)
		if (lab->nodes[i].is_segment && !strcmp(lab->nodes[i].name, name))
			return &lab->nodes[i];
	return NULL;
}

struct lab_iface *lab_iface(struct lab *lab, const char *node, const char *iface)
{
	struct lab_node *n = lab_node(lab, node);

	if (!n)
		return NULL;
	for (size_t i = 0; i < n->nifaces; i++)
		if (!strcmp(n->ifaces[i].name, iface))
			return &n->ifaces[i];
	return NULL;
}

static struct lab_iface *iface_add(struct lab_node *n, const char *name)
{
	struct lab_iface *f;

	if (n->nifaces == n->capifaces) {
		size_t cap = n->capifaces ? 2 * n->capifaces : 4;

		f = realloc(n->ifaces, cap * sizeof *f);
		if (!f)
			return NULL;
		n->ifaces = f;
		n->capifaces = cap;
	}
	f = &n->ifaces[n->nifaces++];
	memset(f, 0, sizeof *f);
	snprintf(f->name, sizeof f->name, "%s", name);
	f->node = n;
	return f;
}

static bool node_has_v6(const struct scenario *sc, const char *node)
{
	for (size_t l = 0; l < sc->nlinks; l++)
		for (int e = 0; e < 2; e++) {
			const struct sc_end *end = &sc->links[l].ends[e];

			if (end->is_segment || strcmp(end->node, node))
				continue;
			for (int a = 0; a < end->naddrs; a++)
				if (end->addrs[a].family == AF_INET6)
					return true;
		}
	return false;
}

/* Per-node kernel settings, before any interface exists (so new ones inherit "default"). */
static int node_sysctls(const struct scenario *sc, struct lab_node *n, char *msg, size_t msglen)
{
	struct { const char *path, *value; bool required; } set[] = {
		/* No IPv6 unless an interface has an IPv6 address: no router solicitations,
		 * MLD reports or DAD probes in captures that nobody asked for. */
		{ "net/ipv6/conf/default/disable_ipv6", "1", true },
		/* Where IPv6 is on, no duplicate address detection and no router discovery: their
		 * wall-clock delays would leave addresses tentative while virtual time runs on. */
		{ "net/ipv6/conf/default/accept_dad", "0", true },
		{ "net/ipv6/conf/default/dad_transmits", "0", false },
		{ "net/ipv6/conf/default/accept_ra", "0", true },
		{ "net/ipv6/conf/default/router_solicitations", "0", true },
		{ "net/ipv4/conf/all/rp_filter", "0", true },
		{ "net/ipv4/conf/default/rp_filter", "0", true },
		{ "net/ipv4/conf/all/send_redirects", "0", true },
		{ "net/ipv4/conf/default/send_redirects", "0", true },
		{ "net/ipv4/conf/all/accept_redirects", "0", true },
		{ "net/ipv4/conf/default/accept_redirects", "0", true },
		/* The kernel rate-limits ICMP errors in wall time; under the virtual clock a
		 * second of lab time can be a millisecond, so the limit would hide replies. */
		{ "net/ipv4/icmp_ratelimit", "0", true },
		{ "net/ipv6/icmp/ratelimit", "0", false },
		{ "net/ipv4/icmp_msgs_per_sec", "100000", false },
		{ "net/ipv4/icmp_msgs_burst", "100000", false },
		{ "net/ipv4/ip_forward", "1", true },
		{ "net/ipv6/conf/all/forwarding", "1", true },
		{ "net/ipv6/conf/default/forwarding", "1", true },
	};
	size_t count = sizeof set / sizeof set[0];

	if (!n->sc->forward)
		count -= 3;
	for (size_t i = 0; i < count; i++) {
		int err;

		if (!strcmp(set[i].path, "net/ipv6/conf/default/disable_ipv6") &&
		    node_has_v6(sc, n->name))
			continue;
		err = netns_sysctl(n->nsfd, set[i].path, set[i].value);
		if (err && set[i].required)
			return fail(msg, msglen, err, &n->sc->pos, "node %s: sysctl %s", n->name,
			            set[i].path, strerror(-err));
	}
	return 0;
}

static int node_open(struct lab *lab, struct lab_node *n, char *msg, size_t msglen)
{
	int err = netns_create(&n->nsfd);

	if (err) {
		snprintf(msg, msglen, "cannot create a network namespace for %s %s: %s",
		         n->is_segment ? "segment" : "node", n->name, strerror(-err));
		return err;
	}
	n->nl = rt_open(n->nsfd);
	if (!n->nl) {
		snprintf(msg, msglen, "%s: cannot open an rtnetlink socket", n->name);
		return -EIO;
	}
	err = rt_set_up(n->nl, "lo", true);
	if (err < 0) {
		snprintf(msg, msglen, "%s: cannot bring lo up: %s", n->name, rt_strerror(err));
		return -EIO;
	}
	if (!n->is_segment)
		return node_sysctls(lab->sc, n, msg, msglen);
	err = rt_bridge_add(n->nl, SEG_BRIDGE, 0);
	if (!err)
		err = rt_set_up(n->nl, SEG_BRIDGE, true);
	if (err < 0) {
		snprintf(msg, msglen, "segment %s: cannot create its bridge: %s", n->name,
		         rt_strerror(err));
		return -EIO;
	}
	return 0;
}

static int capture_end(struct lab *lab, struct lab_iface *f, char *msg, size_t msglen)
{
	char path[512];

	if (!lab->opts.capture)
		return 0;
	snprintf(path, sizeof path, "%s/captures/%s-%s.pcap", lab->opts.outdir, f->node->name,
	         f->name);
	return capture_open(&f->cap, lab->loop, f->node->nsfd, f->name, path, lab->opts.epoch_us,
	                    lab->ring_bytes, msg, msglen);
}

/* An IPv6 address on an interface needs IPv6 switched back on there first. */
static int iface_enable_v6(struct lab_node *n, const char *ifname)
{
	/* DAD and router discovery off first: switching IPv6 on starts them at once */
	static const char *const keys[][2] = {
		{ "accept_dad", "0" }, { "accept_ra", "0" }, { "router_solicitations", "0" },
		{ "disable_ipv6", "0" },
	};
	char path[128];

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		int err;

		snprintf(path, sizeof path, "net/ipv6/conf/%s/%s", ifname, keys[i][0]);
		err = netns_sysctl(n->nsfd, path, keys[i][1]);
		if (err)
			return err;
	}
	return 0;
}

static int iface_configure(struct lab_iface *f, const struct sc_end *end, char *msg,
                           size_t msglen)
{
	struct lab_node *n = f->node;
	bool v6 = false;
	int err;

	for (int a = 0; a < end->naddrs; a++)
		v6 |= end->addrs[a].family == AF_INET6;
	if (v6 && (err = iface_enable_v6(n, f->name)))
		return fail(msg, msglen, err, &end->pos, "%s:%s: enabling IPv6", n->name, f->name,
		            strerror(-err));
	for (int a = 0; a < end->naddrs; a++) {
		char text[64];

		f->addrs[f->naddrs++] = end->addrs[a];
		err = rt_addr_add(n->nl, f->name, &end->addrs[a]);
		if (err < 0) {
			sc_format_prefix(&end->addrs[a], true, text, sizeof text);
			return fail(msg, msglen, -EIO, &end->pos, "%s:%s: adding address", n->name,
			            f->name, rt_strerror(err));
		}
	}
	return 0;
}

/* A fixed MAC per node:iface (locally administered, unicast), so captures of the same
 * scenario repeat byte for byte instead of carrying the kernel's random veth addresses. */
void lab_mac(const char *node, const char *iface, uint8_t mac[6])
{
	uint8_t h[SHA256_DIGEST_LENGTH];
	char key[SC_NAME_MAX + SC_IFNAME_MAX + 2];
	size_t n = strlen(node), m = strlen(iface);

	memcpy(key, node, n);
	key[n] = ':';
	memcpy(key + n + 1, iface, m);
	SHA256((const uint8_t *)key, n + 1 + m, h);
	mac[0] = 0x02;
	memcpy(mac + 1, h, 5);
}

/* dst = a + sep + b (b only when sep is not empty), truncated to fit. */
static void join(char *dst, size_t len, const char *a, const char *sep, const char *b)
{
	size_t n = 0;
	const char *parts[3] = { a, sep, *sep ? b : "" };

	for (int i = 0; i < 3; i++)
		for (const char *p = parts[i]; *p && n + 1 < len; p++)
			dst[n++] = *p;
	dst[n] = 0;
}

static int link_build(struct lab *lab, const struct sc_link *l, size_t idx, char *msg,
                      size_t msglen)
{
	const struct sc_end *a = &l->ends[0], *b = &l->ends[1];
	struct lab_node *na, *nb;
	struct lab_iface *fa, *fb = NULL;
	char bname[SC_IFNAME_MAX];
	uint8_t mac_a[6], mac_b[6];
	int err;

	if (a->is_segment) {            /* keep the node end first */
		const struct sc_end *t = a;

		a = b;
		b = t;
	}
	na = lab_node(lab, a->node);
	nb = b->is_segment ? lab_segment(lab, b->node) : lab_node(lab, b->node);
	if (!na || !nb)
		return fail(msg, msglen, -ENOENT, &l->pos, "link %s - %s", a->node, b->node,
		            "unknown node or segment");
	if (b->is_segment)
		snprintf(bname, sizeof bname, "p%u", (unsigned)(idx % 100000));
	else
		snprintf(bname, sizeof bname, "%s", b->iface);

	lab_mac(a->node, a->iface, mac_a);
	lab_mac(b->node, bname, mac_b);
	err = rt_veth_add(na->nl, a->iface, mac_a, nb->nsfd, bname, mac_b, l->mtu);
	if (err < 0)
		return fail(msg, msglen, -EIO, &l->pos, "creating veth %s:%s", a->node, a->iface,
		            rt_strerror(err));
	fa = iface_add(na, a->iface);
	if (!fa)
		return -ENOMEM;
	fa->mtu = l->mtu ? l->mtu : 1500;
	join(fa->peer, sizeof fa->peer, b->node, b->is_segment ? "" : ":", b->iface);
	if (!b->is_segment) {
		fb = iface_add(nb, bname);
		if (!fb)
			return -ENOMEM;
		fb->mtu = fa->mtu;
		join(fb->peer, sizeof fb->peer, a->node, ":", a->iface);
	}
	/* Up first (libpcap captures only an up interface), but with no address yet and IPv6
	 * still off, nothing can be sent; then the captures; then the addresses. So each pcap
	 * starts with the link's first frame. */
	if (b->is_segment) {
		err = rt_set_master(nb->nl, bname, SEG_BRIDGE);
		if (!err)
			err = rt_set_up(nb->nl, bname, true);
		if (err < 0)
			return fail(msg, msglen, -EIO, &l->pos, "segment %s: attaching %s", b->node,
			            bname, rt_strerror(err));
	} else if ((err = rt_set_up(nb->nl, bname, true)) < 0) {
		return fail(msg, msglen, -EIO, &b->pos, "%s:%s: bringing it up", b->node, bname,
		            rt_strerror(err));
	}
	if ((err = rt_set_up(na->nl, a->iface, true)) < 0)
		return fail(msg, msglen, -EIO, &a->pos, "%s:%s: bringing it up", a->node, a->iface,
		            rt_strerror(err));
	if ((err = ethtool_wire_like(na->nsfd, a->iface)) ||
	    (err = ethtool_wire_like(nb->nsfd, bname)))
		return fail(msg, msglen, err, &l->pos, "link %s:%s: switching offloads off", a->node,
		            a->iface, strerror(-err));
	if ((err = capture_end(lab, fa, msg, msglen)))
		return err;
	if (fb && (err = capture_end(lab, fb, msg, msglen)))
		return err;
	if (fb && (err = iface_configure(fb, b, msg, msglen)))
		return err;
	return iface_configure(fa, a, msg, msglen);
}

static int routes_build(struct lab_node *n, char *msg, size_t msglen)
{
	for (size_t r = 0; r < n->sc->nroutes; r++) {
		const struct sc_route *rt = &n->sc->routes[r];
		int err = rt_route_add(n->nl, rt);

		if (err < 0) {
			char dst[64];

			sc_format_prefix(&rt->dst, true, dst, sizeof dst);
			return fail(msg, msglen, -EIO, &rt->pos, "node %s: route %s", n->name, dst,
			            rt_strerror(err));
		}
	}
	return 0;
}

static int mkdirs(const char *outdir, char *msg, size_t msglen)
{
	char path[512];

	if (mkdir(outdir, 0755) < 0 && errno != EEXIST) {
		snprintf(msg, msglen, "cannot create %s: %s", outdir, strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof path, "%s/captures", outdir);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		snprintf(msg, msglen, "cannot create %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

int lab_build(struct lab *lab, const struct scenario *sc, struct loop *loop,
              const struct lab_opts *opts, char *msg, size_t msglen)
{
	int err;

	memset(lab, 0, sizeof *lab);
	lab->sc = sc;
	lab->loop = loop;
	lab->opts = *opts;
	if (opts->capture && (err = mkdirs(opts->outdir, msg, msglen)))
		return err;
	/* Capture rings share a budget: 2 MiB each in small labs, less (never under 256 KiB) in
	 * big ones, so a 100-node star does not pin hundreds of MiB of kernel memory. The probes
	 * pace themselves so that bursts stay far below even the smallest ring. */
	{
		size_t ends = 0;

		for (size_t l = 0; l < sc->nlinks; l++)
			ends += sc->links[l].ends[0].is_segment || sc->links[l].ends[1].is_segment ? 1 : 2;
		lab->ring_bytes = CAPTURE_RING_BUDGET / (int)(ends ? ends : 1);
		if (lab->ring_bytes > CAPTURE_RING_MAX)
			lab->ring_bytes = CAPTURE_RING_MAX;
		if (lab->ring_bytes < CAPTURE_RING_MIN)
			lab->ring_bytes = CAPTURE_RING_MIN;
	}
	lab->nodes = calloc(sc->nnodes + sc->nsegments, sizeof *lab->nodes);
	if (!lab->nodes)
		return -ENOMEM;
	for (size_t i = 0; i < sc->nnodes + sc->nsegments; i++) {
		struct lab_node *n = &lab->nodes[i];

		n->nsfd = -1;
		if (i < sc->nnodes) {
			n->sc = &sc->nodes[i];
			snprintf(n->name, sizeof n->name, "%s", sc->nodes[i].name);
			n->filter_on = calloc(n->sc->nfilters + 1, sizeof *n->filter_on);
			if (!n->filter_on) {
				err = -ENOMEM;
				goto fail;
			}
			for (size_t f = 0; f < n->sc->nfilters; f++)
				n->filter_on[f] = n->sc->filters[f].enabled;
		} else {
			n->is_segment = true;
			snprintf(n->name, sizeof n->name, "%s", sc->segments[i - sc->nnodes].name);
		}
		lab->nnodes++;
		if ((err = node_open(lab, n, msg, msglen)))
			goto fail;
	}
	for (size_t l = 0; l < sc->nlinks; l++)
		if ((err = link_build(lab, &sc->links[l], l, msg, msglen)))
			goto fail;
	for (size_t i = 0; i < lab->nnodes; i++) {
		struct lab_node *n = &lab->nodes[i];

		if (n->is_segment)
			continue;
		if ((err = routes_build(n, msg, msglen)))
			goto fail;
		if (nft_needed(n->sc) && (err = nft_apply(n->nsfd, n->sc, n->filter_on, msg, msglen)))
			goto fail;
	}
	return 0;
fail:
	lab_teardown(lab);
	lab_free(lab);
	return err;
}

void lab_free(struct lab *lab)
{
	for (size_t i = 0; i < lab->nnodes; i++) {
		free(lab->nodes[i].ifaces);
		free(lab->nodes[i].filter_on);
	}
	free(lab->nodes);
	lab->nodes = NULL;
	lab->nnodes = 0;
}

void lab_teardown(struct lab *lab)
{
	for (size_t i = 0; i < lab->nnodes; i++) {
		struct lab_node *n = &lab->nodes[i];

		for (size_t f = 0; f < n->nifaces; f++) {
			capture_close(n->ifaces[f].cap, &n->ifaces[f].frames, &n->ifaces[f].drops);
			n->ifaces[f].cap = NULL;
		}
	}
	for (size_t i = 0; i < lab->nnodes; i++) {
		struct lab_node *n = &lab->nodes[i];

		rt_close(n->nl);
		n->nl = NULL;
		if (n->nsfd >= 0)
			close(n->nsfd);
		n->nsfd = -1;
	}
}


int lab_capture_add(struct lab *lab, const char *node, const char *ifname, const char *peer,
                    int mtu, char *msg, size_t msglen)
{
	struct lab_node *n = lab_node(lab, node);
	struct lab_iface *f;

	if (!n) {
		snprintf(msg, msglen, "no node %s in the lab", node);
		return -ENOENT;
	}
	f = iface_add(n, ifname);
	if (!f)
		return -ENOMEM;
	snprintf(f->peer, sizeof f->peer, "%s", peer);
	f->mtu = mtu;
	return capture_end(lab, f, msg, msglen);
}

int lab_resolve(struct lab *lab, const struct sc_target *t, int family, struct sc_prefix *out)
{
	struct lab_node *n;
	int fams[2] = { AF_INET, AF_INET6 };

	if (t->is_addr) {
		*out = t->addr;
		return 0;
	}
	n = lab_node(lab, t->node);
	if (!n)
		return -ENOENT;
	for (int k = 0; k < 2; k++) {
		if (family && fams[k] != family)
			continue;
		for (size_t i = 0; i < n->nifaces; i++) {
			struct lab_iface *f = &n->ifaces[i];

			if (t->iface[0] && strcmp(t->iface, f->name))
				continue;
			for (int a = 0; a < f->naddrs; a++)
				if (f->addrs[a].family == fams[k]) {
					*out = f->addrs[a];
					return 0;
				}
		}
	}
	return -ENOENT;
}

int lab_link_set(struct lab *lab, const char *node, const char *iface, int up, int mtu,
                 char *msg, size_t msglen)
{
	struct lab_node *n = lab_node(lab, node);
	struct lab_iface *f = lab_iface(lab, node, iface);
	int err;

	if (!n || !f) {
		snprintf(msg, msglen, "no interface %s:%s in the lab", node, iface);
		return -ENOENT;
	}
	if (mtu > 0) {
		err = rt_set_mtu(n->nl, iface, mtu);
		if (err < 0) {
			snprintf(msg, msglen, "%s:%s: setting MTU %d: %s", node, iface, mtu,
			         rt_strerror(err));
			return -EIO;
		}
		f->mtu = mtu;
	}
	if (up >= 0) {
		err = rt_set_up(n->nl, iface, up);
		if (err < 0) {
			snprintf(msg, msglen, "%s:%s: setting %s: %s", node, iface, up ? "up" : "down",
			         rt_strerror(err));
			return -EIO;
		}
	}
	return 0;
}

int lab_filter_set(struct lab *lab, const char *node, const char *filter, bool enabled,
                   char *msg, size_t msglen)
{
	struct lab_node *n = lab_node(lab, node);

	if (!n) {
		snprintf(msg, msglen, "no node %s in the lab", node);
		return -ENOENT;
	}
	for (size_t i = 0; i < n->sc->nfilters; i++)
		if (!strcmp(n->sc->filters[i].name, filter)) {
			n->filter_on[i] = enabled;
			return nft_apply(n->nsfd, n->sc, n->filter_on, msg, msglen);
		}
	snprintf(msg, msglen, "node %s has no filter %s", node, filter);
	return -ENOENT;
}
