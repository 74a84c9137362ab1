/*
 * scenario_node.c: a node's options (forward, nat, mss_clamp, filters) and its routes, read
 * once the links are known so that every interface and next hop can be checked.
 */
#include "harness/scenario_int.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const char *const node_keys[] = { "forward", "nat", "mss_clamp", "filters", NULL };
static const char *const nat_keys[] = { "masquerade", NULL };
static const char *const mss_keys[] = { "iface", "mss", NULL };
static const char *const filter_keys[] = { "match", "port", "iface", "after", "enabled", NULL };

static const struct {
	const char *name;
	enum sc_filter_match match;
} filter_matches[] = {
	{ "esp", SC_MATCH_ESP }, { "ike", SC_MATCH_IKE }, { "udp", SC_MATCH_UDP },
	{ "tcp", SC_MATCH_TCP }, { "icmp", SC_MATCH_ICMP }, { "all", SC_MATCH_ALL },
};

/* An interface of this node, named by value v; false (reported) if it has none so named. */
static bool read_iface(struct sc_ctx *c, const struct ynode *v, const char *node, char *out)
{
	char name[SC_IFNAME_MAX];

	if (!sc_read_name(c, v, "interface name", name, sizeof name))
		return false;
	if (!sc_lab_iface(c->sc, node, name, NULL)) {
		sc_iface_missing(c, v, 0, node, name);
		return false;
	}
	memcpy(out, name, sizeof name);
	return true;
}

static void filter_load(struct sc_ctx *c, struct sc_node *nd, const struct ynode *k,
                        const struct ynode *v)
{
	struct sc_filter *arr, *f;
	const struct ynode *match, *port, *x;
	char where[96];
	size_t i, nm = sizeof filter_matches / sizeof filter_matches[0];

	if (!(nd->nfilters & 15)) {
		arr = realloc(nd->filters, (nd->nfilters + 16) * sizeof *arr);
		if (!arr) {
			c->oom = true;
			return;
		}
		nd->filters = arr;
	}
	f = &nd->filters[nd->nfilters];
	memset(f, 0, sizeof *f);
	f->enabled = true;
	if (!sc_read_name(c, k, "filter name", f->name, sizeof f->name))
		return;
	f->pos = sc_pos_of(c, k);
	nd->nfilters++;
	snprintf(where, sizeof where, "filter '%s' of node '%s'", f->name, nd->name);
	if (!sc_want_map(c, v, where))
		return;
	sc_check_keys(c, v, where, filter_keys);

	match = yaml_map_get(v, "match");
	port = yaml_map_get(v, "port");
	if (!match) {
		sc_err(c, v, "%s: missing key 'match' (esp, ike, udp, tcp, icmp or all)", where);
	} else if (sc_want_scalar(c, match, "match")) {
		for (i = 0; i < nm; i++)
			if (!strcmp(match->str, filter_matches[i].name))
				break;
		if (i == nm) {
			sc_err(c, match, "match: expected esp, ike, udp, tcp, icmp or all, got '%s'",
			       match->str);
			match = NULL;
		} else {
			f->match = filter_matches[i].match;
		}
	}
	if (match && match->type == YNODE_SCALAR) {
		bool ported = f->match == SC_MATCH_UDP || f->match == SC_MATCH_TCP;

		if (ported && !port)
			sc_err(c, v, "%s: match %s needs a port (1..65535)", where, match->str);
		else if (!ported && port)
			sc_err(c, port, "port applies only to match udp or tcp, not %s", match->str);
	}
	if (port)
		sc_read_int(c, port, "port", 1, 65535, &f->port);
	x = yaml_map_get(v, "iface");
	if (x)
		read_iface(c, x, nd->name, f->iface);
	x = yaml_map_get(v, "after");
	if (x)
		sc_read_u64(c, x, "after", UINT64_MAX, &f->after);
	x = yaml_map_get(v, "enabled");
	if (x)
		sc_read_bool(c, x, "enabled", &f->enabled);
}

static void node_options_load(struct sc_ctx *c, struct sc_node *nd, const struct ynode *v)
{
	const struct ynode *x, *y;
	char where[96];

	snprintf(where, sizeof where, "node '%s'", nd->name);
	if (yaml_is_null(v) || !sc_want_map(c, v, where))
		return;
	sc_check_keys(c, v, where, node_keys);
	x = yaml_map_get(v, "forward");
	if (x)
		sc_read_bool(c, x, "forward", &nd->forward);

	x = yaml_map_get(v, "nat");
	snprintf(where, sizeof where, "nat of node '%s'", nd->name);
	if (x && sc_want_map(c, x, where)) {
		sc_check_keys(c, x, where, nat_keys);
		y = yaml_map_get(x, "masquerade");
		if (!y)
			sc_err(c, x, "%s: missing key 'masquerade' (the outside interface)", where);
		else
			read_iface(c, y, nd->name, nd->masquerade);
	}

	x = yaml_map_get(v, "mss_clamp");
	snprintf(where, sizeof where, "mss_clamp of node '%s'", nd->name);
	if (x && (yaml_is_null(x) || sc_want_map(c, x, where))) {
		nd->has_mss_clamp = true;
		sc_check_keys(c, x, where, mss_keys);
		y = yaml_map_get(x, "iface");
		if (y)
			read_iface(c, y, nd->name, nd->mss_iface);
		y = yaml_map_get(x, "mss");
		/* 88 is Linux's smallest MSS (TCP_MIN_MSS); 65495 = 65535 - 20 - 20. */
		if (y)
			sc_read_int(c, y, "mss", 88, 65495, &nd->mss);
	}

	x = yaml_map_get(v, "filters");
	snprintf(where, sizeof where, "filters of node '%s'", nd->name);
	if (x && !yaml_is_null(x) && sc_want_map(c, x, where))
		for (size_t i = 0; i + 1 < x->n; i += 2)
			filter_load(c, nd, x->kids[i], x->kids[i + 1]);
}

void sc_nodes_options_load(struct sc_ctx *c)
{
	const struct ynode *nodes = c->nodes_map;

	if (!nodes)
		return;
	for (size_t i = 0; i + 1 < nodes->n; i += 2) {
		struct sc_node *nd = (struct sc_node *)scenario_node(c->sc, nodes->kids[i]->str);

		if (nd)
			node_options_load(c, nd, nodes->kids[i + 1]);
	}
}

/* ---- routes: "DST [via ADDR] [dev IFACE]", DST = default | PREFIX ---- */

struct token {
	const char *p;
	size_t len, off;
};

static int tokenize(const char *s, struct token *t, int max)
{
	int n = 0;
	const char *p = s;

	for (;;) {
		p += strspn(p, " ");
		if (!*p)
			return n;
		if (n == max)
			return -1;
		t[n].p = p;
		t[n].len = strcspn(p, " ");
		t[n].off = (size_t)(p - s);
		p += t[n].len;
		n++;
	}
}

static bool tok_is(const struct token *t, const char *w)
{
	return t->len == strlen(w) && !memcmp(t->p, w, t->len);
}

static bool host_bits_set(const struct sc_prefix *p, struct sc_prefix *net)
{
	int bits = p->len;

	*net = *p;
	for (int i = 0; i < 16; i++, bits -= 8) {
		uint8_t keep = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));

		net->addr[i] &= keep;
	}
	return memcmp(net->addr, p->addr, 16) != 0;
}

/* "its subnets: 192.168.10.0/24, 198.51.100.0/30" */
static void subnet_list(const struct scenario *sc, const char *node, char *list, size_t len)
{
	size_t used = 0;

	list[0] = 0;
	for (size_t li = 0; li < sc->nlinks && used < len; li++)
		for (int e = 0; e < 2 && used < len; e++) {
			const struct sc_end *end = &sc->links[li].ends[e];

			if (end->is_segment || strcmp(end->node, node))
				continue;
			for (int a = 0; a < end->naddrs && used < len; a++) {
				struct sc_prefix net;
				char ns[INET6_ADDRSTRLEN + 4];

				host_bits_set(&end->addrs[a], &net);
				sc_format_prefix(&net, true, ns, sizeof ns);
				used += (size_t)snprintf(list + used, len - used, "%s%s",
				                         used ? ", " : "", ns);
			}
		}
}

/* The kernel only accepts a gateway it can reach on a link (or a link-local one with dev). */
static bool next_hop_check(struct sc_ctx *c, const struct ynode *v, size_t off,
                           const struct sc_node *nd, const struct sc_route *r)
{
	char s[INET6_ADDRSTRLEN + 4], list[200];
	bool linklocal = r->via.family == AF_INET6 && r->via.addr[0] == 0xfe &&
	                 (r->via.addr[1] & 0xc0) == 0x80;

	sc_format_prefix(&r->via, false, s, sizeof s);
	if (linklocal) {
		if (r->dev[0])
			return true;
		sc_err_off(c, v, off, "route: link-local next hop %s needs 'dev IFACE'", s);
		return false;
	}
	for (size_t li = 0; li < c->sc->nlinks; li++)
		for (int e = 0; e < 2; e++) {
			const struct sc_end *end = &c->sc->links[li].ends[e];

			if (end->is_segment || strcmp(end->node, nd->name))
				continue;
			for (int a = 0; a < end->naddrs; a++)
				if (sc_prefix_equal_addr(&end->addrs[a], &r->via)) {
					sc_err_off(c, v, off, "route: next hop %s is an address of "
					           "node '%s' itself", s, nd->name);
					return false;
				}
		}
	if (r->dev[0]) {
		if (sc_lab_connected(c->sc, nd->name, r->dev, &r->via))
			return true;
		sc_err_off(c, v, off, "route: next hop %s is not on a subnet of %s:%s", s,
		           nd->name, r->dev);
		return false;
	}
	if (sc_lab_connected(c->sc, nd->name, NULL, &r->via))
		return true;
	subnet_list(c->sc, nd->name, list, sizeof list);
	sc_err_off(c, v, off, "route: next hop %s is not on a subnet of node '%s' (%s%s)", s,
	           nd->name, list[0] ? "its subnets: " : "it has no addresses", list);
	return false;
}

static bool route_parse(struct sc_ctx *c, const struct ynode *v, const struct sc_node *nd,
                        struct sc_route *r)
{
	struct token t[8];
	int n, i, via_at = -1;
	char tmp[64], s[INET6_ADDRSTRLEN + 4];
	struct sc_prefix net;
	bool is_default, ok = true;

	n = sc_want_scalar(c, v, "route") ? tokenize(v->str, t, 8) : 0;
	if (n <= 0) {
		if (n < 0 || v->type == YNODE_SCALAR)
			sc_err(c, v, "route: expected 'default via ADDR' or 'PREFIX via ADDR' or "
			       "'PREFIX dev IFACE', got '%s'", v->str);
		return false;
	}
	is_default = tok_is(&t[0], "default");
	if (!is_default) {
		snprintf(tmp, sizeof tmp, "%.*s", (int)(t[0].len < 60 ? t[0].len : 60), t[0].p);
		if (t[0].len >= 60 || sc_parse_prefix(tmp, &r->dst, false) < 0) {
			sc_err_off(c, v, t[0].off, "route: expected 'default' or a prefix like 10.1.0.0/16, "
			           "got '%s'", tmp);
			return false;
		}
		if (host_bits_set(&r->dst, &net)) {
			sc_format_prefix(&net, true, s, sizeof s);
			sc_err_off(c, v, t[0].off, "route destination %s has host bits set; did you mean %s?",
			           tmp, s);
			ok = false;
		}
	}
	for (i = 1; i < n; i += 2) {
		bool is_via = tok_is(&t[i], "via"), is_dev = tok_is(&t[i], "dev");

		if ((!is_via && !is_dev) || (is_via && r->has_via) || (is_dev && r->dev[0])) {
			sc_err_off(c, v, t[i].off, "route: unexpected '%.*s' (expected: via ADDR, "
			           "dev IFACE, each at most once)", (int)t[i].len, t[i].p);
			return false;
		}
		if (i + 1 == n) {
			sc_err_off(c, v, t[i].off, "route: '%s' needs a value", is_via ? "via" : "dev");
			return false;
		}
		snprintf(tmp, sizeof tmp, "%.*s", (int)(t[i + 1].len < 60 ? t[i + 1].len : 60),
		         t[i + 1].p);
		if (is_via) {
			via_at = i + 1;
			if (t[i + 1].len >= 60 || memchr(tmp, '/', strlen(tmp)) ||
			    sc_parse_prefix(tmp, &r->via, false) < 0) {
				sc_err_off(c, v, t[i + 1].off, "route: next hop '%s' is not an address "
				           "(like 192.0.2.1, without /len)", tmp);
				return false;
			}
			r->has_via = true;
		} else {
			const char *why = sc_name_problem(t[i + 1].p, t[i + 1].len, SC_IFNAME_MAX);

			if (why) {
				sc_err_off(c, v, t[i + 1].off, "interface name '%s' %s", tmp, why);
				return false;
			}
			memcpy(r->dev, t[i + 1].p, t[i + 1].len);
			if (!sc_lab_iface(c->sc, nd->name, r->dev, NULL)) {
				sc_iface_missing(c, v, t[i + 1].off, nd->name, r->dev);
				ok = false;
			}
		}
	}
	if (!r->has_via && !r->dev[0]) {
		sc_err(c, v, "route '%s' needs 'via ADDR' or 'dev IFACE'", v->str);
		return false;
	}
	if (is_default) {
		if (!r->has_via) {
			sc_err(c, v, "route '%s': a default route needs 'via ADDR'", v->str);
			return false;
		}
		memset(&r->dst, 0, sizeof r->dst);
		r->dst.family = r->via.family;
		r->dst.len = 0;
	}
	if (r->has_via && r->via.family != r->dst.family) {
		sc_format_prefix(&r->via, false, s, sizeof s);
		sc_err_off(c, v, t[via_at].off, "route: next hop %s is %s but the destination is %s",
		           s, r->via.family == AF_INET ? "IPv4" : "IPv6",
		           r->dst.family == AF_INET ? "IPv4" : "IPv6");
		return false;
	}
	if (r->has_via && ok)
		ok = next_hop_check(c, v, t[via_at].off, nd, r);
	return ok;
}

void sc_routes_load(struct sc_ctx *c, const struct ynode *routes)
{
	for (size_t i = 0; i + 1 < routes->n; i += 2) {
		const struct ynode *k = routes->kids[i], *v = routes->kids[i + 1];
		struct sc_node *nd = (struct sc_node *)scenario_node(c->sc, k->str);
		char where[64];

		if (!nd) {
			if (!sc_lab_node_declared(c, k->str))
				sc_err(c, k, "node '%s' is not declared in topology.nodes", k->str);
			continue;
		}
		snprintf(where, sizeof where, "routes of node '%s'", nd->name);
		if (!sc_want_seq(c, v, where))
			continue;
		for (size_t j = 0; j < v->n; j++) {
			struct sc_route r = { 0 }, *arr;

			r.pos = sc_pos_of(c, v->kids[j]);
			if (!route_parse(c, v->kids[j], nd, &r))
				continue;
			for (size_t x = 0; x < nd->nroutes; x++) {
				const struct sc_route *o = &nd->routes[x];
				char s[INET6_ADDRSTRLEN + 4];

				if (o->dst.len != r.dst.len || !sc_prefix_equal_addr(&o->dst, &r.dst))
					continue;
				if (r.dst.len == 0)
					snprintf(s, sizeof s, "default (%s)",
					         r.dst.family == AF_INET ? "IPv4" : "IPv6");
				else
					sc_format_prefix(&r.dst, true, s, sizeof s);
				sc_err_pos(c, &r.pos, "duplicate route to %s on node '%s' (first at "
				           "%d:%d)", s, nd->name, o->pos.line, o->pos.col);
				goto next;
			}
			if (!(nd->nroutes & 15)) {
				arr = realloc(nd->routes, (nd->nroutes + 16) * sizeof *arr);
				if (!arr) {
					c->oom = true;
					return;
				}
				nd->routes = arr;
			}
			nd->routes[nd->nroutes++] = r;
next:
			;
		}
	}
}
