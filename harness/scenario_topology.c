/*
 * scenario_topology.c: topology.nodes, segments and links; the checks across links (names
 * resolve, one interface name per node, one address per lab, MTU and IPv6); and the lab
 * lookups that node options, routes and steps use to check their references.
 */
#include "harness/scenario_int.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const char *const topology_keys[] = { "nodes", "segments", "links", "routes", NULL };
static const char *const segment_keys[] = { "mtu", NULL };
static const char *const link_keys[] = { "ends", "mtu", NULL };

/* ---- lab lookups ---- */

bool sc_prefix_equal_addr(const struct sc_prefix *a, const struct sc_prefix *b)
{
	return a->family == b->family &&
	       !memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16);
}

bool sc_prefix_contains(const struct sc_prefix *net, const struct sc_prefix *a)
{
	int bits = net->len;

	if (net->family != a->family)
		return false;
	for (int i = 0; bits > 0; i++, bits -= 8) {
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));

		if ((net->addr[i] & mask) != (a->addr[i] & mask))
			return false;
	}
	return true;
}

bool sc_lab_node_declared(const struct sc_ctx *c, const char *node)
{
	return yaml_map_get(c->nodes_map, node) != NULL;
}

bool sc_lab_segment_declared(const struct sc_ctx *c, const char *seg)
{
	return yaml_map_get(c->segments_map, seg) != NULL;
}

const struct sc_end *sc_lab_iface(const struct scenario *sc, const char *node,
                                  const char *iface, const struct sc_link **link)
{
	for (size_t i = 0; i < sc->nlinks; i++) {
		for (int e = 0; e < 2; e++) {
			const struct sc_end *end = &sc->links[i].ends[e];

			if (!end->is_segment && !strcmp(end->node, node) &&
			    !strcmp(end->iface, iface)) {
				if (link)
					*link = &sc->links[i];
				return end;
			}
		}
	}
	return NULL;
}

static const struct sc_prefix *first_addr(const struct scenario *sc, const char *node,
                                          const char *iface, int family)
{
	for (size_t i = 0; i < sc->nlinks; i++) {
		for (int e = 0; e < 2; e++) {
			const struct sc_end *end = &sc->links[i].ends[e];

			if (end->is_segment || strcmp(end->node, node) ||
			    (iface && strcmp(end->iface, iface)))
				continue;
			for (int a = 0; a < end->naddrs; a++)
				if (end->addrs[a].family == family)
					return &end->addrs[a];
		}
	}
	return NULL;
}

const struct sc_prefix *sc_lab_addr(const struct scenario *sc, const char *node,
                                    const char *iface, int family)
{
	const struct sc_prefix *p;

	if (family != AF_UNSPEC)
		return first_addr(sc, node, iface, family);
	p = first_addr(sc, node, iface, AF_INET);
	return p ? p : first_addr(sc, node, iface, AF_INET6);
}

bool sc_lab_connected(const struct scenario *sc, const char *node, const char *iface,
                      const struct sc_prefix *addr)
{
	for (size_t i = 0; i < sc->nlinks; i++) {
		for (int e = 0; e < 2; e++) {
			const struct sc_end *end = &sc->links[i].ends[e];

			if (end->is_segment || strcmp(end->node, node) ||
			    (iface && strcmp(end->iface, iface)))
				continue;
			for (int a = 0; a < end->naddrs; a++)
				if (sc_prefix_contains(&end->addrs[a], addr))
					return true;
		}
	}
	return false;
}

/* ---- nodes and segments: names first, options once links are known ---- */

static void *grow(struct sc_ctx *c, void *arr, size_t n, size_t size)
{
	void *p;

	if (n & 15)
		return arr;
	p = realloc(arr, (n + 16) * size);
	if (!p)
		c->oom = true;
	return p;
}

static void nodes_declare(struct sc_ctx *c, const struct ynode *nodes)
{
	struct scenario *sc = c->sc;

	for (size_t i = 0; i + 1 < nodes->n; i += 2) {
		const struct ynode *k = nodes->kids[i];
		struct sc_node *arr, *nd;

		arr = grow(c, sc->nodes, sc->nnodes, sizeof *sc->nodes);
		if (!arr)
			return;
		sc->nodes = arr;
		nd = &sc->nodes[sc->nnodes];
		memset(nd, 0, sizeof *nd);
		if (!sc_read_name(c, k, "node name", nd->name, sizeof nd->name))
			continue;
		nd->pos = sc_pos_of(c, k);
		sc->nnodes++;
	}
}

static void segments_load(struct sc_ctx *c, const struct ynode *segs)
{
	struct scenario *sc = c->sc;

	for (size_t i = 0; i + 1 < segs->n; i += 2) {
		const struct ynode *k = segs->kids[i], *v = segs->kids[i + 1], *mtu;
		struct sc_segment *arr, *sg;
		const struct sc_node *clash;
		char where[64];

		arr = grow(c, sc->segments, sc->nsegments, sizeof *sc->segments);
		if (!arr)
			return;
		sc->segments = arr;
		sg = &sc->segments[sc->nsegments];
		memset(sg, 0, sizeof *sg);
		if (!sc_read_name(c, k, "segment name", sg->name, sizeof sg->name))
			continue;
		sg->pos = sc_pos_of(c, k);
		clash = scenario_node(sc, sg->name);
		if (clash)
			sc_err(c, k, "segment '%s' has the name of a node (declared at %d:%d); "
			       "names must be unique", sg->name, clash->pos.line, clash->pos.col);
		sc->nsegments++;
		if (yaml_is_null(v))
			continue;
		snprintf(where, sizeof where, "segment '%s'", sg->name);
		if (!sc_want_map(c, v, where))
			continue;
		sc_check_keys(c, v, where, segment_keys);
		mtu = yaml_map_get(v, "mtu");
		if (mtu)
			sc_read_int(c, mtu, "mtu", 576, 65535, &sg->mtu);
	}
}

/* ---- links ---- */

/* RFC 1122 / RFC 4291 addresses that cannot be an interface's own unicast address. */
static const char *addr_problem(const struct sc_prefix *p, char *buf, size_t len)
{
	const uint8_t *a = p->addr;
	static const uint8_t zero16[16], loop6[16] = { [15] = 1 };

	if (p->len == 0)
		return "has prefix length /0; an interface needs a subnet";
	if (p->family == AF_INET) {
		uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
		uint32_t host = p->len == 32 ? 0 : 0xffffffffu >> p->len;
		struct sc_prefix net = *p;
		char s[INET6_ADDRSTRLEN + 4];

		if (a[0] == 0)
			return "is in 0.0.0.0/8 (this network), not a host address";
		if (a[0] == 127)
			return "is a loopback address (127.0.0.0/8)";
		if (a[0] >= 224)
			return a[0] < 240 ? "is a multicast address (224.0.0.0/4)" :
			       "is in the reserved range 240.0.0.0/4";
		if (p->len >= 31)       /* RFC 3021: /31 has no network or broadcast address */
			return NULL;
		v &= ~host;
		net.addr[0] = (uint8_t)(v >> 24);
		net.addr[1] = (uint8_t)(v >> 16);
		net.addr[2] = (uint8_t)(v >> 8);
		net.addr[3] = (uint8_t)v;
		sc_format_prefix(&net, true, s, sizeof s);
		if (!memcmp(net.addr, a, 4)) {
			snprintf(buf, len, "is the network address of %s; use a host address", s);
			return buf;
		}
		if ((((uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3]) &
		     host) == host) {
			snprintf(buf, len, "is the broadcast address of %s; use a host address", s);
			return buf;
		}
		return NULL;
	}
	if (!memcmp(a, zero16, 16))
		return "is the unspecified address ::";
	if (!memcmp(a, loop6, 16))
		return "is the loopback address ::1";
	if (a[0] == 0xff)
		return "is a multicast address (ff00::/8)";
	return NULL;
}

/* "node:iface ADDR/LEN ..." or "segment". */
static void end_parse(struct sc_ctx *c, const struct ynode *v, struct sc_end *end,
                      struct sc_pos *apos)
{
	const char *s, *tok, *colon;
	size_t tlen;
	char tmp[128];
	const char *why;

	end->pos = sc_pos_of(c, v);
	if (!sc_want_scalar(c, v, "link end"))
		return;
	s = v->str;
	tok = s + strspn(s, " ");
	tlen = strcspn(tok, " ");
	if (!tlen) {
		sc_err(c, v, "link end is empty: expected node:iface with addresses, or a segment");
		return;
	}
	colon = memchr(tok, ':', tlen);
	if (colon) {
		size_t nlen = (size_t)(colon - tok), ilen = tlen - nlen - 1;

		why = sc_name_problem(tok, nlen, SC_NAME_MAX);
		if (why) {
			sc_err_off(c, v, (size_t)(tok - s), "node name '%.*s' %s", (int)nlen, tok, why);
			return;
		}
		why = sc_name_problem(colon + 1, ilen, SC_IFNAME_MAX);
		if (why) {
			sc_err_off(c, v, (size_t)(colon + 1 - s), "interface name '%.*s' %s",
			           (int)ilen, colon + 1, why);
			return;
		}
		memcpy(end->node, tok, nlen);
		memcpy(end->iface, colon + 1, ilen);
	} else {
		why = sc_name_problem(tok, tlen, SC_NAME_MAX);
		if (why) {
			sc_err_off(c, v, (size_t)(tok - s), "segment name '%.*s' %s", (int)tlen, tok,
			           why);
			return;
		}
		memcpy(end->node, tok, tlen);
		end->is_segment = true;
	}
	for (tok += tlen;; tok += tlen) {
		struct sc_prefix p;
		size_t off;

		tok += strspn(tok, " ");
		tlen = strcspn(tok, " ");
		if (!tlen)
			break;
		off = (size_t)(tok - s);
		if (end->is_segment) {
			sc_err_off(c, v, off, "segment end '%s' takes no addresses; put them on the "
			           "node's end (node:iface ADDR/LEN, %s)", end->node, end->node);
			return;
		}
		if (end->naddrs == SC_ADDRS_MAX) {
			sc_err_off(c, v, off, "more than %d addresses on %s:%s", SC_ADDRS_MAX,
			           end->node, end->iface);
			return;
		}
		snprintf(tmp, sizeof tmp, "%.*s", (int)(tlen < 100 ? tlen : 100), tok);
		if (tlen >= 100 || sc_parse_prefix(tmp, &p, true) < 0) {
			if (tlen < 100 && sc_parse_prefix(tmp, &p, false) == 0)
				sc_err_off(c, v, off, "address '%s' on %s:%s needs a prefix length, "
				           "like %s/24", tmp, end->node, end->iface, tmp);
			else
				sc_err_off(c, v, off, "'%s' is not an address with a prefix length "
				           "(like 192.0.2.1/24 or 2001:db8::1/64)", tmp);
			continue;
		}
		why = addr_problem(&p, tmp, sizeof tmp);
		if (why) {
			char a[INET6_ADDRSTRLEN + 4];

			sc_format_prefix(&p, true, a, sizeof a);
			sc_err_off(c, v, off, "address %s on %s:%s %s", a, end->node, end->iface,
			           why);
			continue;
		}
		apos[end->naddrs].file = c->sc->file;
		yaml_scalar_pos(v, off, &apos[end->naddrs].line, &apos[end->naddrs].col);
		end->addrs[end->naddrs++] = p;
	}
}

static void link_load(struct sc_ctx *c, const struct ynode *item)
{
	struct scenario *sc = c->sc;
	const struct ynode *ends = item, *mtu = NULL;
	struct sc_link *arr, *l;
	struct sc_link_pos *parr, *lp;

	if (item->type == YNODE_MAP) {
		sc_check_keys(c, item, "a link", link_keys);
		ends = yaml_map_get(item, "ends");
		mtu = yaml_map_get(item, "mtu");
		if (!ends) {
			sc_err(c, item, "link: missing key 'ends' (the two ends: [A, B])");
			return;
		}
	} else if (item->type == YNODE_SCALAR) {
		sc_err(c, item, "a link is [A, B] or {ends: [A, B], mtu: N}, got '%s'", item->str);
		return;
	}
	if (!sc_want_seq(c, ends, "link ends"))
		return;
	if (ends->n != 2) {
		sc_err(c, ends, "a link has exactly two ends, got %zu", ends->n);
		return;
	}
	arr = grow(c, sc->links, sc->nlinks, sizeof *sc->links);
	if (!arr)
		return;
	sc->links = arr;
	parr = grow(c, c->lpos, sc->nlinks, sizeof *c->lpos);
	if (!parr)
		return;
	c->lpos = parr;
	l = &sc->links[sc->nlinks];
	lp = &c->lpos[sc->nlinks];
	memset(l, 0, sizeof *l);
	memset(lp, 0, sizeof *lp);
	l->pos = sc_pos_of(c, item);
	lp->mtu = l->pos;
	if (mtu) {
		lp->mtu = sc_pos_of(c, mtu);
		sc_read_int(c, mtu, "mtu", 576, 65535, &l->mtu);
	}
	for (int e = 0; e < 2; e++)
		end_parse(c, ends->kids[e], &l->ends[e], lp->addr[e]);
	sc->nlinks++;
}

static void iface_list(const struct scenario *sc, const char *node, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sc->nlinks && used < len; i++)
		for (int e = 0; e < 2 && used < len; e++) {
			const struct sc_end *end = &sc->links[i].ends[e];

			if (end->is_segment || strcmp(end->node, node) ||
			    sc_lab_iface(sc, node, end->iface, NULL) != end)
				continue;       /* not this node's, or a repeated name */
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
			                         end->iface);
		}
}

void sc_iface_missing(struct sc_ctx *c, const struct ynode *at, size_t off, const char *node,
                      const char *iface)
{
	char list[200];

	iface_list(c->sc, node, list, sizeof list);
	if (list[0])
		sc_err_off(c, at, off, "node '%s' has no interface '%s' (its interfaces: %s)", node,
		           iface, list);
	else
		sc_err_off(c, at, off, "node '%s' has no interface '%s' (no link names it)", node,
		           iface);
}

/* The checks that need every link: references, uniqueness, MTU for IPv6. */
void sc_links_check(struct sc_ctx *c)
{
	struct scenario *sc = c->sc;

	for (size_t i = 0; i < sc->nlinks; i++) {
		struct sc_link *l = &sc->links[i];
		bool v6 = false;

		if (l->ends[0].is_segment && l->ends[1].is_segment)
			sc_err_pos(c, &l->pos, "a link joins at most one segment; '%s' and '%s' are "
			           "both segments (connect them through a node)", l->ends[0].node,
			           l->ends[1].node);
		for (int e = 0; e < 2; e++) {
			const struct sc_end *end = &l->ends[e];

			if (!end->node[0])
				continue;       /* could not be read; already reported */
			if (end->is_segment) {
				if (sc_lab_segment_declared(c, end->node))
					continue;
				if (sc_lab_node_declared(c, end->node))
					sc_err_pos(c, &end->pos, "link end '%s' is a node: write "
					           "%s:IFACE and its addresses", end->node, end->node);
				else
					sc_err_pos(c, &end->pos, "segment '%s' is not declared in "
					           "topology.segments", end->node);
				continue;
			}
			if (!sc_lab_node_declared(c, end->node))
				sc_err_pos(c, &end->pos, "node '%s' is not declared in topology.nodes",
				           end->node);
			/* One name per node: the first use wins, later ones are reported. */
			for (size_t j = 0; j <= i; j++)
				for (int f = 0; f < 2 && (j < i || f < e); f++) {
					const struct sc_end *o = &sc->links[j].ends[f];

					if (!o->is_segment && !strcmp(o->node, end->node) &&
					    !strcmp(o->iface, end->iface)) {
						sc_err_pos(c, &end->pos, "interface %s:%s is already used "
						           "by the link at %d:%d", end->node, end->iface,
						           sc->links[j].pos.line, sc->links[j].pos.col);
						goto next_end;
					}
				}
next_end:
			for (int a = 0; a < end->naddrs; a++) {
				const struct sc_prefix *p = &end->addrs[a];

				v6 |= p->family == AF_INET6;
				for (size_t j = 0; j <= i; j++)
					for (int f = 0; f < 2; f++) {
						const struct sc_end *o = &sc->links[j].ends[f];

						for (int b = 0; b < o->naddrs; b++) {
							char s[INET6_ADDRSTRLEN + 4];

							if (j == i && (f > e || (f == e && b >= a)))
								goto next_addr;
							if (!sc_prefix_equal_addr(p, &o->addrs[b]))
								continue;
							sc_format_prefix(p, false, s, sizeof s);
							sc_err_pos(c, &c->lpos[i].addr[e][a],
							           "address %s is already assigned to "
							           "%s:%s (at %d:%d)", s, o->node, o->iface,
							           c->lpos[j].addr[f][b].line,
							           c->lpos[j].addr[f][b].col);
							goto next_addr;
						}
					}
next_addr:
				;
			}
		}
		if (v6 && l->mtu && l->mtu < 1280)
			sc_err_pos(c, &c->lpos[i].mtu, "mtu %d is below 1280, the IPv6 minimum "
			           "(RFC 8200), and this link carries IPv6 addresses", l->mtu);
		for (int e = 0; v6 && e < 2; e++) {
			const struct sc_segment *sg;

			if (!l->ends[e].is_segment)
				continue;
			sg = scenario_segment(sc, l->ends[e].node);
			if (sg && sg->mtu && sg->mtu < 1280)
				sc_err_pos(c, &l->ends[e].pos, "segment '%s' has mtu %d, below 1280, "
				           "the IPv6 minimum (RFC 8200), and this link carries IPv6 "
				           "addresses", sg->name, sg->mtu);
		}
	}
}

void sc_topology_load(struct sc_ctx *c, const struct ynode *topo)
{
	const struct ynode *nodes, *segs, *links, *routes;

	if (!sc_want_map(c, topo, "topology"))
		return;
	sc_check_keys(c, topo, "topology", topology_keys);
	nodes = yaml_map_get(topo, "nodes");
	segs = yaml_map_get(topo, "segments");
	links = yaml_map_get(topo, "links");
	routes = yaml_map_get(topo, "routes");

	if (!nodes)
		sc_err(c, topo, "missing key 'nodes' in topology");
	else if (sc_want_map(c, nodes, "topology.nodes")) {
		c->nodes_map = nodes;
		nodes_declare(c, nodes);
	}
	if (segs && !yaml_is_null(segs) && sc_want_map(c, segs, "topology.segments")) {
		c->segments_map = segs;
		segments_load(c, segs);
	}
	if (links && !yaml_is_null(links) && sc_want_seq(c, links, "topology.links"))
		for (size_t i = 0; i < links->n; i++)
			link_load(c, links->kids[i]);
	sc_links_check(c);
	sc_nodes_options_load(c);
	if (routes && !yaml_is_null(routes) && sc_want_map(c, routes, "topology.routes"))
		sc_routes_load(c, routes);
}
