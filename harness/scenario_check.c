/*
 * scenario_check.c: the whole-document validation pass (see scenario_int.h). It runs on
 * whatever the loader could extract, so a file with a typo in one place still gets every
 * other problem reported.
 */
#include "harness/scenario_int.h"

#include <string.h>
#include <sys/socket.h>

#define AT(ld, pos, ...) ld_error((ld), (pos).line, (pos).col, __VA_ARGS__)

static size_t alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Is addr inside prefix p (same family)? */
static bool in_prefix(const struct sc_prefix *p, const uint8_t *addr, int family)
{
	int bits = p->len;

	if (p->family != family)
		return false;
	for (int i = 0; bits > 0; i++, bits -= 8) {
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));

		if ((p->addr[i] & mask) != (addr[i] & mask))
			return false;
	}
	return true;
}

static const struct sc_end *iface_end(const struct scenario *sc, const char *node,
                                      const char *iface)
{
	for (size_t l = 0; l < sc->nlinks; l++)
		for (int e = 0; e < 2; e++) {
			const struct sc_end *end = &sc->links[l].ends[e];

			if (!end->is_segment && !strcmp(end->node, node) && !strcmp(end->iface, iface))
				return end;
		}
	return NULL;
}

static bool node_has_family(const struct scenario *sc, const char *node, const char *iface,
                            int family)
{
	for (size_t l = 0; l < sc->nlinks; l++)
		for (int e = 0; e < 2; e++) {
			const struct sc_end *end = &sc->links[l].ends[e];

			if (end->is_segment || strcmp(end->node, node) ||
			    (iface[0] && strcmp(end->iface, iface)))
				continue;
			for (int a = 0; a < end->naddrs; a++)
				if (!family || end->addrs[a].family == family)
					return true;
		}
	return false;
}

static void check_names(struct ld *ld)
{
	const struct scenario *sc = ld->sc;

	for (size_t i = 0; i < sc->nnodes; i++)
		for (size_t j = 0; j < i; j++)
			if (sc->nodes[i].name[0] && !strcmp(sc->nodes[i].name, sc->nodes[j].name))
				AT(ld, sc->nodes[i].pos, "node '%s' is declared twice", sc->nodes[i].name);
	for (size_t i = 0; i < sc->nsegments; i++) {
		for (size_t j = 0; j < i; j++)
			if (!strcmp(sc->segments[i].name, sc->segments[j].name))
				AT(ld, sc->segments[i].pos, "segment '%s' is declared twice",
				   sc->segments[i].name);
		if (scenario_node(sc, sc->segments[i].name))
			AT(ld, sc->segments[i].pos, "'%s' names both a node and a segment",
			   sc->segments[i].name);
	}
}

static void check_links(struct ld *ld)
{
	const struct scenario *sc = ld->sc;

	for (size_t l = 0; l < sc->nlinks; l++) {
		const struct sc_link *lk = &sc->links[l];
		bool v6 = false;
		int segs = 0;

		for (int e = 0; e < 2; e++) {
			const struct sc_end *end = &lk->ends[e];

			if (!end->node[0])
				continue;               /* already reported */
			if (end->is_segment) {
				segs++;
				if (!scenario_segment(sc, end->node)) {
					if (scenario_node(sc, end->node))
						AT(ld, end->pos, "link end '%s' is a node: give its interface "
						   "as %s:IFACE", end->node, end->node);
					else
						AT(ld, end->pos, "segment '%s' is not declared in "
						   "topology.segments", end->node);
				}
				continue;
			}
			if (!scenario_node(sc, end->node))
				AT(ld, end->pos, "node '%s' is not declared in topology.nodes", end->node);
			for (int a = 0; a < end->naddrs; a++)
				v6 |= end->addrs[a].family == AF_INET6;
			/* the same interface twice on one node */
			for (size_t m = 0; m <= l; m++)
				for (int f = 0; f < 2; f++) {
					const struct sc_end *o = &sc->links[m].ends[f];

					if ((m == l && f >= e) || o->is_segment)
						continue;
					if (!strcmp(o->node, end->node) && !strcmp(o->iface, end->iface) &&
					    end->iface[0])
						AT(ld, end->pos, "interface %s:%s is used by two links (first at "
						   "line %d)", end->node, end->iface, o->pos.line);
				}
		}
		if (segs == 2)
			AT(ld, lk->pos, "a link joins a node interface to a segment, not two segments");
		if (v6 && lk->mtu && lk->mtu < 1280)
			AT(ld, lk->pos, "mtu %d is below IPv6's minimum of 1280 on a link with IPv6 "
			   "addresses", lk->mtu);
	}
}

static void check_addresses(struct ld *ld)
{
	const struct scenario *sc = ld->sc;

	for (size_t l = 0; l < sc->nlinks; l++)
		for (int e = 0; e < 2; e++) {
			const struct sc_end *end = &sc->links[l].ends[e];

			for (int a = 0; a < end->naddrs; a++) {
				const struct sc_prefix *p = &end->addrs[a];
				char txt[64];

				sc_format_prefix(p, true, txt, sizeof txt);
				if (p->family == AF_INET && p->len < 31) {
					uint32_t v = (uint32_t)p->addr[0] << 24 | (uint32_t)p->addr[1] << 16 |
					             (uint32_t)p->addr[2] << 8 | p->addr[3];
					uint32_t host = p->len ? ~(0xffffffffu << (32 - p->len)) : 0xffffffffu;

					if ((v & host) == 0)
						AT(ld, end->pos, "%s is the network address of its subnet, not a "
						   "host address", txt);
					else if ((v & host) == host)
						AT(ld, end->pos, "%s is the broadcast address of its subnet", txt);
				}
				/* the same address elsewhere in the lab */
				for (size_t m = 0; m <= l; m++)
					for (int f = 0; f < 2; f++) {
						const struct sc_end *o = &sc->links[m].ends[f];

						for (int b = 0; b < o->naddrs; b++) {
							if (m == l && (f > e || (f == e && b >= a)))
								continue;
							if (o->addrs[b].family == p->family &&
							    !memcmp(o->addrs[b].addr, p->addr, alen(p->family)))
								AT(ld, end->pos, "address %s is also given at line %d",
								   txt, o->pos.line);
						}
					}
			}
		}
}

static void check_node_refs(struct ld *ld)
{
	const struct scenario *sc = ld->sc;

	for (size_t i = 0; i < sc->nnodes; i++) {
		const struct sc_node *n = &sc->nodes[i];

		if (n->masquerade[0] && !iface_end(sc, n->name, n->masquerade))
			AT(ld, n->pos, "node '%s': nat masquerade interface '%s' is not one of its "
			   "interfaces", n->name, n->masquerade);
		if (n->mss_iface[0] && !iface_end(sc, n->name, n->mss_iface))
			AT(ld, n->pos, "node '%s': mss_clamp interface '%s' is not one of its interfaces",
			   n->name, n->mss_iface);
		for (size_t f = 0; f < n->nfilters; f++) {
			const struct sc_filter *fl = &n->filters[f];

			if (fl->iface[0] && !iface_end(sc, n->name, fl->iface))
				AT(ld, fl->pos, "filter '%s': interface '%s' is not one of node '%s''s "
				   "interfaces", fl->name, fl->iface, n->name);
			for (size_t g = 0; g < f; g++)
				if (!strcmp(n->filters[g].name, fl->name))
					AT(ld, fl->pos, "filter '%s' is declared twice on node '%s'", fl->name,
					   n->name);
		}
		for (size_t r = 0; r < n->nroutes; r++) {
			const struct sc_route *rt = &n->routes[r];
			char dst[64], via[64];

			sc_format_prefix(&rt->dst, true, dst, sizeof dst);
			if (rt->dev[0] && !iface_end(sc, n->name, rt->dev))
				AT(ld, rt->pos, "route %s: '%s' is not an interface of node '%s'", dst,
				   rt->dev, n->name);
			if (rt->has_via) {
				bool onlink = false;

				for (size_t l = 0; l < sc->nlinks && !onlink; l++)
					for (int e = 0; e < 2; e++) {
						const struct sc_end *end = &sc->links[l].ends[e];

						if (end->is_segment || strcmp(end->node, n->name))
							continue;
						for (int a = 0; a < end->naddrs; a++)
							if (in_prefix(&end->addrs[a], rt->via.addr, rt->via.family))
								onlink = true;
					}
				sc_format_prefix(&rt->via, false, via, sizeof via);
				if (!onlink)
					AT(ld, rt->pos, "route %s: next hop %s is not on a subnet of any "
					   "interface of node '%s'", dst, via, n->name);
			}
			for (size_t o = 0; o < r; o++)
				if (n->routes[o].dst.family == rt->dst.family &&
				    n->routes[o].dst.len == rt->dst.len &&
				    !memcmp(n->routes[o].dst.addr, rt->dst.addr, alen(rt->dst.family)))
					AT(ld, rt->pos, "route %s is given twice for node '%s'", dst, n->name);
		}
	}
}

static void check_target(struct ld *ld, const struct sc_step *s, const struct sc_target *t)
{
	const struct scenario *sc = ld->sc;

	if (t->is_addr || !t->node[0])
		return;
	if (!scenario_node(sc, t->node)) {
		AT(ld, s->pos, "to: node '%s' is not declared in topology.nodes", t->node);
		return;
	}
	if (t->iface[0] && !iface_end(sc, t->node, t->iface)) {
		AT(ld, s->pos, "to: node '%s' has no interface '%s'", t->node, t->iface);
		return;
	}
	if (!node_has_family(sc, t->node, t->iface, 0))
		AT(ld, s->pos, "to: %s%s%s has no address to aim at", t->node, t->iface[0] ? ":" : "",
		   t->iface);
}

static void check_from(struct ld *ld, const struct sc_step *s, const char *from)
{
	if (from[0] && !scenario_node(ld->sc, from))
		AT(ld, s->pos, "from: node '%s' is not declared in topology.nodes", from);
	else if (from[0] && !node_has_family(ld->sc, from, "", 0))
		AT(ld, s->pos, "from: node '%s' has no address to send from", from);
}

static void check_steps(struct ld *ld)
{
	const struct scenario *sc = ld->sc;

	for (size_t i = 0; i < sc->nsteps; i++) {
		const struct sc_step *s = &sc->steps[i];

		switch (s->kind) {
		case SC_STEP_PING:
			check_from(ld, s, s->u.ping.from);
			check_target(ld, s, &s->u.ping.to);
			break;
		case SC_STEP_UDP:
			check_from(ld, s, s->u.udp.from);
			check_target(ld, s, &s->u.udp.to);
			break;
		case SC_STEP_TCP:
			check_from(ld, s, s->u.tcp.from);
			check_target(ld, s, &s->u.tcp.to);
			break;
		case SC_STEP_LINK:
			if (s->u.link.node[0] && !iface_end(sc, s->u.link.node, s->u.link.iface))
				AT(ld, s->pos, "link: there is no interface %s:%s in the topology",
				   s->u.link.node, s->u.link.iface);
			break;
		case SC_STEP_FILTER: {
			const struct sc_node *n = s->u.filter.node[0] ?
			                          scenario_node(sc, s->u.filter.node) : NULL;
			bool found = false;

			if (s->u.filter.node[0] && !n) {
				AT(ld, s->pos, "filter: node '%s' is not declared in topology.nodes",
				   s->u.filter.node);
				break;
			}
			for (size_t f = 0; n && f < n->nfilters; f++)
				found |= !strcmp(n->filters[f].name, s->u.filter.filter);
			if (n && s->u.filter.filter[0] && !found)
				AT(ld, s->pos, "filter: node '%s' has no filter '%s'", n->name,
				   s->u.filter.filter);
			break;
		}
		default:
			break;
		}
	}
}

void scenario_check(struct ld *ld)
{
	check_names(ld);
	check_links(ld);
	check_addresses(ld);
	check_node_refs(ld);
	check_steps(ld);
}
