/*
 * lab_k5.c: a K5 router's API objects as its lab node (see lab_k5.h).
 */
#include "harness/lab_k5.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "harness/netns.h"
#include "harness/nft.h"
#include "harness/rtnl.h"
#include "harness/textbuf.h"

static void note(struct lab_k5_plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct lab_k5_plan *p, const char *fmt, ...)
{
	va_list ap;

	if (p->nnotes == LAB_K5_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(p->notes[p->nnotes++], sizeof p->notes[0], fmt, ap);
	va_end(ap);
}

/* An IPv4 address with a prefix length from the API's text; false if it is not one. */
static bool ip4(const char *ip, int len, struct sc_prefix *out)
{
	if (sc_parse_prefix(ip, out, false) || out->family != AF_INET || len < 0 || len > 32)
		return false;
	out->len = len;
	return true;
}

static bool addr_eq(const struct sc_prefix *a, const struct sc_prefix *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16);
}

static void add_addr(struct lab_k5_plan *p, const char *iface, const struct sc_prefix *a,
                     const char *why)
{
	struct lab_k5_addr *x;

	for (size_t i = 0; i < p->naddrs; i++)
		if (addr_eq(&p->addrs[i].p, a))
			return;         /* one address once (a FIP equal to a port's fixed IP) */
	if (p->naddrs == LAB_K5_ADDRS)
		return;
	x = &p->addrs[p->naddrs++];
	snprintf(x->iface, sizeof x->iface, "%s", iface);
	x->p = *a;
	snprintf(x->why, sizeof x->why, "%s", why);
}

static const char *port_iface(const struct sc_gateway *g, const struct k5_topo_port *tp)
{
	for (size_t i = 0; i < g->nk5_ports; i++)
		if (!strcmp(g->k5_ports[i].network, tp->network_name) ||
		    !strcmp(g->k5_ports[i].network, tp->network_id))
			return g->k5_ports[i].iface;
	return NULL;
}

static void plan_external(const struct sc_gateway *g, const struct k5_router_topo *t,
                          struct lab_k5_plan *p)
{
	struct sc_prefix a;
	char why[80];

	if (!t->has_gateway)
		return;
	if (!ip4(t->ext_ip, t->ext_prefix, &a)) {
		note(p, "external gateway address '%.64s' is not IPv4: not on %s", t->ext_ip,
		     g->uplink);
		return;
	}
	snprintf(why, sizeof why, "external gateway on %.56s", t->ext_network_name);
	add_addr(p, g->uplink, &a, why);
	p->has_ext = true;
	p->ext = a;
	p->ext.len = 32;
	if (t->ext_gateway_ip[0]) {
		struct sc_route *r = &p->routes[p->nroutes++];

		memset(r, 0, sizeof *r);
		r->dst.family = AF_INET;
		r->dst.len = 0;
		if (ip4(t->ext_gateway_ip, 32, &r->via))
			r->has_via = true;
		else
			p->nroutes--;
		snprintf(r->dev, sizeof r->dev, "%s", g->uplink);
	}
}

void lab_k5_plan(const struct sc_gateway *g, const struct k5_router_topo *t,
                 struct lab_k5_plan *p)
{
	memset(p, 0, sizeof *p);
	snprintf(p->uplink, sizeof p->uplink, "%s", g->uplink);
	if (!t)
		return;
	plan_external(g, t, p);
	for (size_t i = 0; i < t->nports; i++) {
		const struct k5_topo_port *tp = &t->ports[i];
		const char *ifn = port_iface(g, tp);
		struct sc_prefix a;
		char why[80];

		if (!ifn) {
			note(p, "router interface %.40s %.15s/%d on network %.60s: no interface of "
			     "node %s is tied to that network (ports:), not in the lab", tp->port_id,
			     tp->ip, tp->prefix, tp->network_name[0] ? tp->network_name : tp->network_id,
			     g->node);
			continue;
		}
		if (!ip4(tp->ip, tp->prefix, &a)) {
			note(p, "router interface %.40s: address '%.64s' is not IPv4", tp->port_id,
			     tp->ip);
			continue;
		}
		snprintf(why, sizeof why, "router interface on %.56s", tp->network_name);
		add_addr(p, ifn, &a, why);
		if (p->has_ext && t->enable_snat && p->nsnat < K5_TOPO_MAX) {
			struct sc_prefix net = a;
			uint32_t v;

			memcpy(&v, net.addr, 4);
			v = ntohl(v) & (a.len ? ~0u << (32 - a.len) : 0);
			v = htonl(v);
			memcpy(net.addr, &v, 4);
			p->snat_src[p->nsnat++] = net;
		}
	}
	for (size_t i = 0; i < t->nroutes && p->nroutes < K5_TOPO_MAX + 1; i++) {
		struct sc_route r = { 0 };

		if (sc_parse_prefix(t->routes[i].destination, &r.dst, true) ||
		    r.dst.family != AF_INET || !ip4(t->routes[i].nexthop, 32, &r.via)) {
			note(p, "route %.47s via %.63s: not an IPv4 route, not in the lab",
			     t->routes[i].destination, t->routes[i].nexthop);
			continue;
		}
		r.has_via = true;
		p->routes[p->nroutes++] = r;
	}
	for (size_t i = 0; i < t->nfips && p->has_ext; i++) {
		const struct k5_topo_fip *f = &t->fips[i];
		struct sc_prefix fip, fixed;
		bool own = false;
		char why[80];

		if (!ip4(f->floating_ip, 32, &fip) || !ip4(f->fixed_ip, 32, &fixed)) {
			note(p, "floating IP %.40s (%.63s -> %.63s): not IPv4, not in the lab", f->id,
			     f->floating_ip, f->fixed_ip);
			continue;
		}
		for (size_t j = 0; j < t->nports; j++)
			own |= !strcmp(t->ports[j].ip, f->fixed_ip);
		snprintf(why, sizeof why, "floating IP %s %.40s", own ? "of the router's port" :
		         "translated to", own ? f->id : f->fixed_ip);
		add_addr(p, g->uplink, &fip, why);
		if (!own)
			p->nat[p->nnat++] = (struct lab_k5_nat){ fip, fixed };
		snprintf(p->fip_ids[p->nfips++], sizeof p->fip_ids[0], "%s", f->id);
	}
}


int lab_k5_nft_render(const struct lab_k5_plan *p, char *buf, size_t len)
{
	struct textbuf o = { buf, len, 0, false };
	char a[64], b[64];

	if (len)
		buf[0] = 0;
	/* "add" then "delete" makes the delete succeed on the first load too */
	textbuf_put(&o, "add table ip vpnlab_k5\ndelete table ip vpnlab_k5\n");
	if (!p->nnat && !p->nsnat)
		return o.full ? -ENOSPC : (int)o.used;
	textbuf_put(&o, "table ip vpnlab_k5 {\n");
	textbuf_put(&o, "\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; "
	    "policy accept;\n");
	for (size_t i = 0; i < p->nnat; i++) {
		sc_format_prefix(&p->nat[i].fip, false, a, sizeof a);
		sc_format_prefix(&p->nat[i].fixed, false, b, sizeof b);
		textbuf_put(&o, "\t\tiifname \"%s\" ip daddr %s dnat to %s\n", p->uplink, a, b);
	}
	textbuf_put(&o, "\t}\n\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; "
	    "policy accept;\n");
	for (size_t i = 0; i < p->nnat; i++) {
		sc_format_prefix(&p->nat[i].fixed, false, a, sizeof a);
		sc_format_prefix(&p->nat[i].fip, false, b, sizeof b);
		textbuf_put(&o, "\t\toifname \"%s\" ip saddr %s snat to %s\n", p->uplink, a, b);
	}
	sc_format_prefix(&p->ext, false, b, sizeof b);
	for (size_t i = 0; i < p->nsnat; i++) {
		sc_format_prefix(&p->snat_src[i], true, a, sizeof a);
		textbuf_put(&o, "\t\toifname \"%s\" ip saddr %s snat to %s\n", p->uplink, a, b);
	}
	textbuf_put(&o, "\t}\n}\n");
	return o.full ? -ENOSPC : (int)o.used;
}

static bool iface_has(const struct lab_iface *f, const struct sc_prefix *a)
{
	for (int i = 0; f && i < f->naddrs; i++)
		if (addr_eq(&f->addrs[i], a))
			return true;
	return false;
}

int lab_k5_outside_check(struct lab *lab, const struct sc_gateway *g,
                         const struct k5_router_topo *t, char *msg, size_t msglen)
{
	const struct lab_iface *up = lab_iface(lab, g->node, g->uplink);
	struct sc_prefix gw;
	char peer[sizeof up->peer], *colon, held[160] = "";
	size_t used = 0;

	if (!t->has_gateway || !t->ext_gateway_ip[0])
		return 0;
	if (!up || !ip4(t->ext_gateway_ip, 32, &gw)) {
		snprintf(msg, msglen, "external subnet gateway '%s' is not an IPv4 address",
		         t->ext_gateway_ip);
		return -EADDRNOTAVAIL;
	}
	snprintf(peer, sizeof peer, "%s", up->peer);
	colon = strchr(peer, ':');
	for (size_t n = 0; n < lab->nnodes; n++) {
		const struct lab_node *nd = &lab->nodes[n];

		if (nd->is_segment || !strcmp(nd->name, g->node))
			continue;
		for (size_t i = 0; i < nd->nifaces; i++) {
			const struct lab_iface *f = &nd->ifaces[i];
			bool far;

			if (colon)      /* a veth: its other end */
				far = !strncmp(peer, nd->name, (size_t)(colon - peer)) &&
				      !nd->name[colon - peer] && !strcmp(colon + 1, f->name);
			else            /* a segment: every other interface on it */
				far = !strcmp(f->peer, peer);
			if (!far)
				continue;
			if (iface_has(f, &gw))
				return 0;
			for (int a = 0; a < f->naddrs && used < sizeof held - 40; a++) {
				char s[64];

				sc_format_prefix(&f->addrs[a], true, s, sizeof s);
				used += (size_t)snprintf(held + used, sizeof held - used, "%s%s:%s %s",
				                         used ? ", " : "", nd->name, f->name, s);
			}
		}
	}
	snprintf(msg, msglen, "external network %.60s (%s, gateway %s) is not the lab's outside: "
	         "the far end of %s:%s holds %s", t->ext_network_name, t->ext_cidr,
	         t->ext_gateway_ip, g->node, g->uplink, held[0] ? held : "no address");
	return -EADDRNOTAVAIL;
}

static void evf(lab_k5_event_fn ev, void *ctx, const char *node, const char *kind,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void evf(lab_k5_event_fn ev, void *ctx, const char *node, const char *kind,
                const char *fmt, ...)
{
	char text[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	ev(ctx, node, kind, text);
}

static bool route_eq(const struct sc_route *a, const struct sc_route *b)
{
	return a->dst.len == b->dst.len && addr_eq(&a->dst, &b->dst) &&
	       a->has_via == b->has_via && (!a->has_via || addr_eq(&a->via, &b->via)) &&
	       !strcmp(a->dev, b->dev);
}

static bool plan_has_addr(const struct lab_k5_plan *p, const struct lab_k5_addr *a)
{
	for (size_t i = 0; i < p->naddrs; i++)
		if (addr_eq(&p->addrs[i].p, &a->p) && p->addrs[i].p.len == a->p.len &&
		    !strcmp(p->addrs[i].iface, a->iface))
			return true;
	return false;
}

static bool plan_has_route(const struct lab_k5_plan *p, const struct sc_route *r)
{
	for (size_t i = 0; i < p->nroutes; i++)
		if (route_eq(&p->routes[i], r))
			return true;
	return false;
}

static void route_text(const struct sc_route *r, char *buf, size_t len)
{
	char d[64] = "default", v[64] = "";

	if (r->dst.len)
		sc_format_prefix(&r->dst, true, d, sizeof d);
	if (r->has_via)
		sc_format_prefix(&r->via, false, v, sizeof v);
	snprintf(buf, len, "%s%s%s%s%s", d, v[0] ? " via " : "", v, r->dev[0] ? " dev " : "",
	         r->dev);
}

static void iface_record(struct lab *lab, const char *node, const struct lab_k5_addr *a,
                         bool add)
{
	struct lab_iface *f = lab_iface(lab, node, a->iface);

	if (!f)
		return;
	for (int i = 0; i < f->naddrs; i++)
		if (addr_eq(&f->addrs[i], &a->p)) {
			if (!add) {
				memmove(&f->addrs[i], &f->addrs[i + 1],
				        (size_t)(f->naddrs - i - 1) * sizeof f->addrs[0]);
				f->naddrs--;
			}
			return;
		}
	if (add && f->naddrs < SC_ADDRS_MAX)
		f->addrs[f->naddrs++] = a->p;
}

/*
 * A gratuitous ARP for a new IPv4 address (who-has A tell A, broadcast), as neutron's L3
 * agent sends one for each address it configures: a neighbour that was already asking for A
 * (a floating IP pinged before it was bound) learns it at once instead of after its own
 * retries, which run on the wall clock while the lab's may have jumped. 0 or -errno.
 */
static int garp(struct lab_node *n, const char *iface, const struct sc_prefix *a)
{
	uint8_t frame[28], mac[6];
	struct sockaddr_ll to = { 0 };
	int fd, err = netns_enter(n->nsfd);

	if (err)
		return err;
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
	err = fd < 0 ? -errno : 0;
	netns_leave();
	if (err)
		return err;
	lab_mac(n->name, iface, mac);
	/* htype 1 (Ethernet), ptype IPv4, hlen 6, plen 4, op 1 (request) */
	memcpy(frame, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
	memcpy(frame + 8, mac, 6);
	memcpy(frame + 14, a->addr, 4);
	memset(frame + 18, 0, 6);
	memcpy(frame + 24, a->addr, 4);
	to.sll_family = AF_PACKET;
	to.sll_protocol = htons(ETH_P_ARP);
	to.sll_ifindex = rt_ifindex(n->nl, iface);
	to.sll_halen = 6;
	memset(to.sll_addr, 0xff, 6);
	if (to.sll_ifindex <= 0)
		err = -ENODEV;
	else if (sendto(fd, frame, sizeof frame, 0, (struct sockaddr *)&to, sizeof to) < 0)
		err = -errno;
	close(fd);
	return err;
}

int lab_k5_apply(struct lab *lab, const struct sc_gateway *g, struct lab_k5_node *st,
                 const struct lab_k5_plan *want, lab_k5_event_fn ev, void *ctx)
{
	struct lab_node *n = lab_node(lab, g->node);
	struct lab_k5_plan *cur = &st->cur;
	char text[128], a[64], msg[400], nft[sizeof st->nft];
	int refused = 0, err;

	if (!n)
		return 1;
	/* away first: routes, then addresses (which take their kernel routes along) */
	for (size_t i = cur->nroutes; i-- > 0;) {
		if (plan_has_route(want, &cur->routes[i]))
			continue;
		route_text(&cur->routes[i], text, sizeof text);
		err = rt_route_del(n->nl, &cur->routes[i]);
		evf(ev, ctx, g->node, "k5_topology", "route %s removed%s%s", text,
		    err < 0 ? ": " : "", err < 0 ? rt_strerror(err) : "");
		memmove(&cur->routes[i], &cur->routes[i + 1],
		        (cur->nroutes - i - 1) * sizeof cur->routes[0]);
		cur->nroutes--;
	}
	for (size_t i = cur->naddrs; i-- > 0;) {
		if (plan_has_addr(want, &cur->addrs[i]))
			continue;
		sc_format_prefix(&cur->addrs[i].p, true, a, sizeof a);
		err = rt_addr_del(n->nl, cur->addrs[i].iface, &cur->addrs[i].p);
		evf(ev, ctx, g->node, "k5_topology", "%s %s removed (%s)%s%s", cur->addrs[i].iface,
		    a, cur->addrs[i].why, err < 0 ? ": " : "", err < 0 ? rt_strerror(err) : "");
		iface_record(lab, g->node, &cur->addrs[i], false);
		memmove(&cur->addrs[i], &cur->addrs[i + 1],
		        (cur->naddrs - i - 1) * sizeof cur->addrs[0]);
		cur->naddrs--;
	}
	/* the translations before the addresses: nothing reaches a new floating IP untranslated */
	if (lab_k5_nft_render(want, nft, sizeof nft) < 0) {
		evf(ev, ctx, g->node, "k5_topology_error", "the translations do not fit");
		refused++;
	} else if (strcmp(nft, st->nft)) {
		if ((err = nft_load(n->nsfd, g->node, nft, msg, sizeof msg))) {
			evf(ev, ctx, g->node, "k5_topology_error", "%s", msg);
			return refused + 1;     /* addresses without their translation: none added */
		}
		for (size_t i = 0; i < want->nnat; i++) {
			char b[64];

			sc_format_prefix(&want->nat[i].fip, false, a, sizeof a);
			sc_format_prefix(&want->nat[i].fixed, false, b, sizeof b);
			evf(ev, ctx, g->node, "k5_topology", "nat %s <-> %s on %s", a, b, want->uplink);
		}
		for (size_t i = 0; i < want->nsnat; i++) {
			char b[64];

			sc_format_prefix(&want->snat_src[i], true, a, sizeof a);
			sc_format_prefix(&want->ext, false, b, sizeof b);
			evf(ev, ctx, g->node, "k5_topology", "snat %s -> %s on %s", a, b, want->uplink);
		}
		if (!want->nnat && !want->nsnat && strstr(st->nft, "{"))
			evf(ev, ctx, g->node, "k5_topology", "no translation");
		snprintf(st->nft, sizeof st->nft, "%s", nft);
	}
	for (size_t i = 0; i < want->naddrs; i++) {
		const struct lab_k5_addr *x = &want->addrs[i];

		if (plan_has_addr(cur, x))
			continue;
		sc_format_prefix(&x->p, true, a, sizeof a);
		if ((err = rt_addr_add(n->nl, x->iface, &x->p)) < 0) {
			evf(ev, ctx, g->node, "k5_topology_error", "%s %s (%s): %s", x->iface, a,
			    x->why, rt_strerror(err));
			refused++;
			continue;
		}
		evf(ev, ctx, g->node, "k5_topology", "%s %s (%s)", x->iface, a, x->why);
		if (x->p.family == AF_INET && (err = garp(n, x->iface, &x->p)))
			evf(ev, ctx, g->node, "k5_topology_error", "%s %s: no gratuitous ARP: %s",
			    x->iface, a, strerror(-err));
		iface_record(lab, g->node, x, true);
		if (cur->naddrs < LAB_K5_ADDRS)
			cur->addrs[cur->naddrs++] = *x;
	}
	for (size_t i = 0; i < want->nroutes; i++) {
		const struct sc_route *r = &want->routes[i];

		if (plan_has_route(cur, r))
			continue;
		route_text(r, text, sizeof text);
		if ((err = rt_route_add(n->nl, r)) < 0) {
			evf(ev, ctx, g->node, "k5_topology_error", "route %s: %s", text,
			    rt_strerror(err));
			refused++;
			continue;
		}
		evf(ev, ctx, g->node, "k5_topology", "route %s", text);
		if (cur->nroutes < K5_TOPO_MAX + 1)
			cur->routes[cur->nroutes++] = *r;
	}
	cur->has_ext = want->has_ext;
	cur->ext = want->ext;
	cur->nnat = want->nnat;
	memcpy(cur->nat, want->nat, sizeof cur->nat);
	cur->nsnat = want->nsnat;
	memcpy(cur->snat_src, want->snat_src, sizeof cur->snat_src);
	cur->nfips = want->nfips;
	memcpy(cur->fip_ids, want->fip_ids, sizeof cur->fip_ids);
	snprintf(cur->uplink, sizeof cur->uplink, "%s", want->uplink);
	return refused;
}
