/*
 * scenario_cloud.c: the mock clouds of a scenario: the `clouds:` section, the `cloud:` keys
 * of a gateway, and the `api:` and `wait: {cloud: ...}` steps (docs/scenario-format.md).
 *
 * The clouds are read before the gateways (a gateway names its cloud) and the steps (an api
 * step names its cloud and the variables earlier steps saved).
 */
#include "harness/scenario_int.h"
#include "mocks/k5.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>

static const char *const k5_keys[] = { "listen", "region", "user", "password", "external",
                                        NULL };
static const char *const ext_azs[] = { "az1", "az2", NULL };
static const char *const ext_keys[] = { "cidr", "gateway_ip", NULL };
static const char *const sakura_keys[] = {
	"listen", "zone", "stuck_migration", "token", "secret", NULL
};
static const char *const api_keys[] = {
	"cloud", "login", "method", "path", "body", "expect", "save", NULL
};
static const char *const login_keys[] = { "user", "password", "project", "domain", NULL };
static const char *const expect_keys[] = { "status", "error", "contains", NULL };
static const char *const k5_wait_keys[] = { "cloud", "connection", "status", "within",
	                                    "every", NULL };
static const char *const sakura_wait_keys[] = {
	"cloud", "appliance", "availability", "instance", "peer", "status", "within", "every",
	NULL
};

const char *scenario_cloud_name(int kind)
{
	return kind == SC_CLOUD_K5 ? "k5" : kind == SC_CLOUD_SAKURA ? "sakura" : "?";
}

static int cloud_kind(const char *s)
{
	return !strcmp(s, "k5") ? SC_CLOUD_K5 : !strcmp(s, "sakura") ? SC_CLOUD_SAKURA :
	       SC_CLOUD_NONE;
}

/* A string of 1..max-1 printable characters. */
static bool read_text(struct sc_ctx *c, const struct ynode *v, const char *what, char *out,
                      size_t max)
{
	if (!sc_want_scalar(c, v, what))
		return false;
	for (size_t i = 0; i < v->len; i++)
		if ((unsigned char)v->str[i] < 0x20 || v->str[i] == 0x7f) {
			sc_err_off(c, v, i, "%s: control character at offset %zu", what, i);
			return false;
		}
	if (!v->len || v->len >= max) {
		sc_err(c, v, "%s must be 1..%zu characters", what, max - 1);
		return false;
	}
	memcpy(out, v->str, v->len + 1);
	return true;
}

/* Is a an address of node (any interface), or loopback / any? */
static bool listen_addr_ok(const struct scenario *sc, const char *node, const struct sc_prefix *a)
{
	static const uint8_t any[16], lo4[4] = { 127, 0, 0, 1 };

	if (a->family == AF_INET && (!memcmp(a->addr, any, 4) || !memcmp(a->addr, lo4, 4)))
		return true;
	if (a->family == AF_INET6)
		return true;    /* ::, ::1 or an address; the bind reports the rest */
	for (size_t i = 0; i < sc->nlinks; i++)
		for (int e = 0; e < 2; e++) {
			const struct sc_end *end = &sc->links[i].ends[e];

			if (end->is_segment || strcmp(end->node, node))
				continue;
			for (int k = 0; k < end->naddrs; k++)
				if (sc_prefix_equal_addr(&end->addrs[k], a))
					return true;
		}
	return false;
}

/* listen: [NODE:]ADDR:PORT, ADDR an IPv4 address or [IPv6]. */
static void listen_load(struct sc_ctx *c, const struct ynode *v, struct sc_cloud *cl)
{
	const char *s, *colon, *port;
	char addr[64];
	size_t alen;
	char *end;
	long p;

	if (!sc_want_scalar(c, v, "listen"))
		return;
	s = v->str;
	colon = strchr(s, ':');
	/* NODE: in front? A node name is never an IPv4 address and never starts with '[' */
	if (colon && s[0] != '[') {
		struct sc_prefix t;
		char first[64];
		size_t n = (size_t)(colon - s);

		if (n < sizeof first) {
			memcpy(first, s, n);
			first[n] = 0;
			if (sc_parse_prefix(first, &t, false) < 0) {
				const char *why = sc_name_problem(first, n, SC_NAME_MAX);

				if (why) {
					sc_err(c, v, "listen: '%s' %s", first, why);
					return;
				}
				if (!scenario_node(c->sc, first)) {
					sc_err(c, v, "listen: node '%s' is not declared in topology.nodes",
					       first);
					return;
				}
				memcpy(cl->node, first, n + 1);
				s = colon + 1;
			}
		}
	}
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':') {
			sc_err(c, v, "listen: expected [IPv6]:PORT, got '%s'", v->str);
			return;
		}
		alen = (size_t)(close - s - 1);
		memcpy(addr, s + 1, alen < sizeof addr ? alen : 0);
		port = close + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon) {
			sc_err(c, v, "listen: expected [NODE:]ADDR:PORT (like 127.0.0.1:5000 or "
			       "r1:10.0.0.1:5000), got '%s'", v->str);
			return;
		}
		alen = (size_t)(colon - s);
		memcpy(addr, s, alen < sizeof addr ? alen : 0);
		port = colon + 1;
	}
	if (alen >= sizeof addr) {
		sc_err(c, v, "listen: address too long");
		return;
	}
	addr[alen] = 0;
	if (sc_parse_prefix(addr, &cl->addr, false) < 0 || strchr(addr, '/')) {
		sc_err_off(c, v, (size_t)(s - v->str), "listen: '%s' is not an IP address", addr);
		return;
	}
	p = strtol(port, &end, 10);
	if (!*port || *end || p < 0 || p > 65535) {
		sc_err_off(c, v, (size_t)(port - v->str), "listen: port '%s' is not 0..65535 (0: any "
		           "free port)", port);
		return;
	}
	cl->port = (int)p;
	if (cl->node[0] && !listen_addr_ok(c->sc, cl->node, &cl->addr))
		sc_err(c, v, "listen: %s is not an address of node '%s'", addr, cl->node);
}

static uint32_t v4(const struct sc_prefix *p)
{
	uint32_t a;

	memcpy(&a, p->addr, 4);
	return ntohl(a);
}

static uint32_t v4_mask(int len)
{
	return len ? ~0u << (32 - len) : 0;
}

/* clouds.k5.external: {az1: {cidr: A/N, gateway_ip: G}, az2: {...}}: the mock's external
 * subnets, which the lab's outside has to be. */
static void k5_external_load(struct sc_ctx *c, const struct ynode *v, struct sc_cloud *cl)
{
	bool given[2] = { false, false };

	if (!sc_want_map(c, v, "external"))
		return;
	sc_check_keys(c, v, "clouds.k5.external", ext_azs);
	for (int i = 0; i < 2; i++) {
		const struct ynode *az = yaml_map_get(v, ext_azs[i]), *x;
		char where[40];
		struct sc_prefix p, gw;

		if (!az)
			continue;
		snprintf(where, sizeof where, "external.%s", ext_azs[i]);
		if (!sc_want_map(c, az, where))
			continue;
		sc_check_keys(c, az, where, ext_keys);
		if (!(x = yaml_map_get(az, "cidr"))) {
			sc_err(c, az, "%s: missing key 'cidr' (the external subnet, like %s)", where,
			       i ? K5_EXT_AZ2_CIDR : K5_EXT_AZ1_CIDR);
			continue;
		}
		if (!sc_want_scalar(c, x, "cidr"))
			continue;
		if (sc_parse_prefix(x->str, &p, true) || p.family != AF_INET || p.len < 8 ||
		    p.len > 30) {
			sc_err(c, x, "%s.cidr: '%s' is not an IPv4 subnet /8 to /30", where, x->str);
			continue;
		}
		if (v4(&p) & ~v4_mask(p.len)) {
			sc_err(c, x, "%s.cidr: %s has host bits set", where, x->str);
			continue;
		}
		gw = p;
		gw.len = 32;
		{
			uint32_t g = htonl(v4(&p) + 1);

			memcpy(gw.addr, &g, 4);
		}
		if ((x = yaml_map_get(az, "gateway_ip")) && sc_want_scalar(c, x, "gateway_ip")) {
			if (sc_parse_prefix(x->str, &gw, false) || gw.family != AF_INET ||
			    strchr(x->str, '/')) {
				sc_err(c, x, "%s.gateway_ip: '%s' is not an IPv4 address", where, x->str);
				continue;
			}
			if ((v4(&gw) & v4_mask(p.len)) != v4(&p) || v4(&gw) == v4(&p) ||
			    v4(&gw) == (v4(&p) | ~v4_mask(p.len))) {
				sc_err(c, x, "%s.gateway_ip: %s is not a host address of %s", where, x->str,
				       yaml_map_get(az, "cidr")->str);
				continue;
			}
		}
		cl->ext_cidr[i] = p;
		cl->ext_gw[i] = gw;
		given[i] = true;
	}
	if ((given[0] || given[1]) &&
	    ((v4(&cl->ext_cidr[0]) ^ v4(&cl->ext_cidr[1])) &
	     v4_mask(cl->ext_cidr[0].len < cl->ext_cidr[1].len ? cl->ext_cidr[0].len :
	                                                        cl->ext_cidr[1].len)) == 0)
		sc_err(c, v, "external: the subnets of az1 and az2 overlap");
}

static void cloud_load(struct sc_ctx *c, const struct ynode *k, const struct ynode *v)
{
	int kind = cloud_kind(k->str);
	struct sc_cloud *cl;
	const struct ynode *x;
	char where[32];

	if (kind == SC_CLOUD_NONE) {
		sc_err(c, k, "clouds: unknown cloud '%s' (k5 or sakura)", k->str);
		return;
	}
	cl = &c->sc->clouds[kind];
	memset(cl, 0, sizeof *cl);
	cl->present = true;
	cl->pos = sc_pos_of(c, k);
	/* loopback of the lab's home, a free port: runs side by side never collide */
	cl->addr.family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", cl->addr.addr);
	snprintf(cl->region, sizeof cl->region, "jp-east-1");
	sc_parse_prefix(K5_EXT_AZ1_CIDR, &cl->ext_cidr[0], true);
	sc_parse_prefix(K5_EXT_AZ2_CIDR, &cl->ext_cidr[1], true);
	sc_parse_prefix(K5_EXT_AZ1_GW, &cl->ext_gw[0], false);
	sc_parse_prefix(K5_EXT_AZ2_GW, &cl->ext_gw[1], false);
	snprintf(cl->zone, sizeof cl->zone, "tk1v");
	snprintf(cl->token, sizeof cl->token, "vpnlab-token");
	snprintf(cl->secret, sizeof cl->secret, "vpnlab-secret");
	snprintf(where, sizeof where, "clouds.%s", k->str);
	if (yaml_is_null(v))
		return;
	if (!sc_want_map(c, v, where))
		return;
	sc_check_keys(c, v, where, kind == SC_CLOUD_K5 ? k5_keys : sakura_keys);
	if ((x = yaml_map_get(v, "listen")))
		listen_load(c, x, cl);
	if (kind == SC_CLOUD_K5) {
		if ((x = yaml_map_get(v, "region")) && read_text(c, x, "region", cl->region,
		                                                 sizeof cl->region)) {
			for (size_t i = 0; i < x->len; i++)
				if (!isalnum((unsigned char)x->str[i]) && x->str[i] != '-') {
					sc_err(c, x, "region: letters, digits and '-' only");
					break;
				}
		}
		if ((x = yaml_map_get(v, "user")))
			read_text(c, x, "user", cl->user, sizeof cl->user);
		if ((x = yaml_map_get(v, "password")))
			read_text(c, x, "password", cl->password, sizeof cl->password);
		if ((x = yaml_map_get(v, "external")))
			k5_external_load(c, x, cl);
	} else {
		static const char *const zones[] = { "tk1a", "tk1b", "is1a", "is1b", "is1c", "tk1v",
		                                     NULL };

		if ((x = yaml_map_get(v, "zone")) && sc_want_scalar(c, x, "zone")) {
			bool ok = false;

			for (int i = 0; zones[i]; i++)
				ok |= !strcmp(zones[i], x->str);
			if (!ok)
				sc_err(c, x, "zone: expected one of tk1a, tk1b, is1a, is1b, is1c, tk1v, got "
				       "'%s'", x->str);
			else
				snprintf(cl->zone, sizeof cl->zone, "%s", x->str);
		}
		if ((x = yaml_map_get(v, "stuck_migration")))
			sc_read_bool(c, x, "stuck_migration", &cl->stuck_migration);
		if ((x = yaml_map_get(v, "token")))
			read_text(c, x, "token", cl->token, sizeof cl->token);
		if ((x = yaml_map_get(v, "secret")))
			read_text(c, x, "secret", cl->secret, sizeof cl->secret);
	}
}

void sc_clouds_load(struct sc_ctx *c, const struct ynode *v)
{
	if (!sc_want_map(c, v, "clouds"))
		return;
	for (size_t i = 0; i + 1 < v->n; i += 2)
		cloud_load(c, v->kids[i], v->kids[i + 1]);
	if (c->sc->clouds[SC_CLOUD_K5].present && c->sc->clouds[SC_CLOUD_SAKURA].present) {
		const struct sc_cloud *a = &c->sc->clouds[SC_CLOUD_K5];
		const struct sc_cloud *b = &c->sc->clouds[SC_CLOUD_SAKURA];

		if (a->port && a->port == b->port && !strcmp(a->node, b->node) &&
		    sc_prefix_equal_addr(&a->addr, &b->addr))
			sc_err_pos(c, &b->pos, "clouds: k5 and sakura both listen on port %d", a->port);
	}
}

/* ---- gateways configured from a cloud ---- */

/* A link end the API addresses must carry no address of the scenario's. */
static void k5_no_static_addr(struct sc_ctx *c, const struct sc_gateway *g, const char *iface,
                              const char *what)
{
	const struct sc_end *end = sc_lab_iface(c->sc, g->node, iface, NULL);

	if (end && end->naddrs)
		sc_err_pos(c, &end->pos, "%s:%s has an address, but it is a K5 router's %s: the "
		           "API gives it its address; write the link end as %s:%s alone",
		           g->node, iface, what, g->node, iface);
}

/* The K5 external networks' gateways: is one an address of an end of the link or segment
 * facing node:iface (not node's own end)? */
static bool k5_outside_ok(const struct scenario *sc, const char *node, const char *iface)
{
	const struct sc_prefix *gws = sc->clouds[SC_CLOUD_K5].ext_gw;
	const struct sc_link *l = NULL;
	const struct sc_end *me = sc_lab_iface(sc, node, iface, &l), *far;

	if (!me || !l)
		return true;            /* reported elsewhere */
	far = &l->ends[me == &l->ends[0] ? 1 : 0];
	for (size_t i = 0; i < sc->nlinks; i++)
		for (int e = 0; e < 2; e++) {
			const struct sc_end *x = &sc->links[i].ends[e], *o = &sc->links[i].ends[!e];

			/* the far end itself, or every member of the segment that is the far end */
			if (x == me || x->is_segment ||
			    !(x == far || (far->is_segment && o->is_segment &&
			                   !strcmp(o->node, far->node))))
				continue;
			for (int a = 0; a < x->naddrs; a++)
				for (size_t g = 0; g < 2; g++)
					if (x->addrs[a].family == AF_INET &&
					    !memcmp(x->addrs[a].addr, gws[g].addr, 4))
						return true;
		}
	return false;
}

/*
 * A K5 router node's topology comes from the API: `uplink` is the external gateway's
 * interface, `ports: {IFACE: NETWORK}` names the K5 network each router interface is on.
 * Neither carries addresses of the scenario's, and the node has no routes of its own.
 */
static void k5_topology_load(struct sc_ctx *c, struct sc_gateway *g, const struct ynode *v)
{
	const struct ynode *x = yaml_map_get(v, "ports");
	const struct sc_node *nd = scenario_node(c->sc, g->node);

	if (!yaml_map_get(v, "uplink"))
		sc_err_pos(c, &g->cloud_pos, "gateway '%s': a K5 router needs 'uplink' (the "
		           "interface of its external gateway, addressed from the API)", g->node);
	else if (g->uplink[0]) {
		k5_no_static_addr(c, g, g->uplink, "uplink (external gateway)");
		if (!k5_outside_ok(c->sc, g->node, g->uplink)) {
			const struct sc_cloud *cl = &c->sc->clouds[SC_CLOUD_K5];
			char n1[48], g1[48], n2[48], g2[48];

			sc_format_prefix(&cl->ext_cidr[0], true, n1, sizeof n1);
			sc_format_prefix(&cl->ext_gw[0], false, g1, sizeof g1);
			sc_format_prefix(&cl->ext_cidr[1], true, n2, sizeof n2);
			sc_format_prefix(&cl->ext_gw[1], false, g2, sizeof g2);
			sc_err(c, yaml_map_get(v, "uplink"), "uplink %s: the far end of %s:%s holds "
			       "neither K5 external network's gateway (%s of %s %s, %s of %s %s; "
			       "clouds.k5.external): the external IP the API allocates would not be on "
			       "the wire", g->uplink, g->node, g->uplink, g1, K5_EXT_AZ1_NET, n1, g2,
			       K5_EXT_AZ2_NET, n2);
		}
	}
	if (nd && nd->nroutes)
		sc_err_pos(c, &nd->routes[0].pos, "routes of node '%s': a K5 router's routes come "
		           "from the API (its external gateway's default route, the router's "
		           "routes); give none here", g->node);
	if (!x || yaml_is_null(x))
		return;
	if (!sc_want_map(c, x, "ports"))
		return;
	for (size_t i = 0; i + 1 < x->n; i += 2) {
		const struct ynode *k = x->kids[i], *val = x->kids[i + 1];
		struct sc_k5_port *p;
		char name[SC_IFNAME_MAX];

		if (!sc_read_name(c, k, "ports", name, sizeof name))
			continue;
		if (!sc_lab_iface(c->sc, g->node, name, NULL)) {
			sc_iface_missing(c, k, 0, g->node, name);
			continue;
		}
		if (!strcmp(name, g->uplink)) {
			sc_err(c, k, "ports: %s is the uplink (the external gateway's interface), not "
			       "a router interface", name);
			continue;
		}
		if (g->nk5_ports == SC_K5_PORTS_MAX) {
			sc_err(c, k, "ports: more than %d router interfaces", SC_K5_PORTS_MAX);
			return;
		}
		p = &g->k5_ports[g->nk5_ports];
		memset(p, 0, sizeof *p);
		if (!read_text(c, val, "ports: the K5 network's name", p->network, sizeof p->network))
			continue;
		for (size_t j = 0; j < g->nk5_ports; j++)
			if (!strcmp(g->k5_ports[j].network, p->network)) {
				sc_err(c, val, "ports: network '%s' is already on %s (a router has one "
				       "interface per network here)", p->network, g->k5_ports[j].iface);
				p = NULL;
				break;
			}
		if (!p)
			continue;
		memcpy(p->iface, name, sizeof name);
		p->pos = sc_pos_of(c, k);
		g->nk5_ports++;
		k5_no_static_addr(c, g, name, "interface on a K5 network");
	}
}

bool sc_gateway_cloud_load(struct sc_ctx *c, struct sc_gateway *g, const struct ynode *v)
{
	const struct ynode *x = yaml_map_get(v, "cloud"), *r = yaml_map_get(v, "router");
	const struct ynode *a = yaml_map_get(v, "appliance");

	if (!x) {
		if ((x = yaml_map_get(v, "ports")))
			sc_err(c, x, "ports: only for a gateway with 'cloud: k5'");
		if (r)
			sc_err(c, r, "router: only for a gateway with 'cloud: k5'");
		if (a)
			sc_err(c, a, "appliance: only for a gateway with 'cloud: sakura'");
		return false;
	}
	if (!sc_want_scalar(c, x, "cloud"))
		return true;
	g->cloud_pos = sc_pos_of(c, x);
	g->cloud = cloud_kind(x->str);
	if (g->cloud == SC_CLOUD_NONE) {
		sc_err(c, x, "cloud: expected k5 or sakura, got '%s'", x->str);
		return true;
	}
	if (!c->sc->clouds[g->cloud].present)
		sc_err(c, x, "cloud: %s is not in the 'clouds' section", x->str);
	if (g->cloud == SC_CLOUD_K5) {
		if (a)
			sc_err(c, a, "appliance: a K5 gateway is bound by 'router' (the router's name)");
		if (!r)
			sc_err(c, x, "gateway '%s': cloud k5 needs 'router' (the name of the K5 router "
			       "whose VPN service this node is)", g->node);
		else
			read_text(c, r, "router", g->cloud_object, sizeof g->cloud_object);
		if (g->profile[0] && strcmp(g->profile, "k5-vpnaas"))
			sc_err_pos(c, &g->profile_pos, "profile %s: a K5 gateway runs the k5-vpnaas "
			           "profile", g->profile);
		snprintf(g->profile, sizeof g->profile, "k5-vpnaas");
		k5_topology_load(c, g, v);
	} else {
		if ((x = yaml_map_get(v, "ports")))
			sc_err(c, x, "ports: only for a K5 gateway (a Sakura appliance's interfaces "
			       "are the scenario's)");
		if (r)
			sc_err(c, r, "router: a Sakura gateway is bound by 'appliance' (its Name)");
		if (!a)
			sc_err(c, x, "gateway '%s': cloud sakura needs 'appliance' (the Name of the VPC "
			       "router appliance this node is)", g->node);
		else
			read_text(c, a, "appliance", g->cloud_object, sizeof g->cloud_object);
		/* the version follows the appliance (1 or 2), chosen when settings are applied */
		if (g->profile[0] && strcmp(g->profile, "sakura-vpc-v1") &&
		    strcmp(g->profile, "sakura-vpc-v2"))
			sc_err_pos(c, &g->profile_pos, "profile %s: a Sakura gateway runs "
			           "sakura-vpc-v1 or -v2, as its appliance's version says", g->profile);
		snprintf(g->profile, sizeof g->profile, "sakura-vpc-v1");
	}
	if ((x = yaml_map_get(v, "connections")) && !yaml_is_null(x))
		sc_err(c, x, "gateway '%s': its connections come from the %s API; no "
		       "'connections' here", g->node, scenario_cloud_name(g->cloud));
	for (size_t i = 0; i < c->sc->ngateways; i++) {
		const struct sc_gateway *o = &c->sc->gateways[i];

		if (o != g && o->cloud == g->cloud && g->cloud_object[0] &&
		    !strcmp(o->cloud_object, g->cloud_object))
			sc_err(c, r ? r : a, "%s '%s' is already bound to node '%s'",
			       g->cloud == SC_CLOUD_K5 ? "router" : "appliance", g->cloud_object,
			       o->node);
	}
	return true;
}

/* ---- api steps ---- */

static int want_cloud(struct sc_ctx *c, const struct ynode *m, const char *what)
{
	const struct ynode *x = yaml_map_get(m, "cloud");
	int kind;

	if (!x) {
		sc_err(c, m, "%s: missing key 'cloud' (k5 or sakura)", what);
		return SC_CLOUD_NONE;
	}
	if (!sc_want_scalar(c, x, "cloud"))
		return SC_CLOUD_NONE;
	kind = cloud_kind(x->str);
	if (kind == SC_CLOUD_NONE)
		sc_err(c, x, "cloud: expected k5 or sakura, got '%s'", x->str);
	else if (!c->sc->clouds[kind].present)
		sc_err(c, x, "cloud: %s is not in the 'clouds' section", x->str);
	return kind;
}

/* A YAML value as JSON: plain scalars that read as numbers, true/false or null become those;
 * quoted scalars stay strings. NULL on error (reported). */
static json_t *json_of(struct sc_ctx *c, const struct ynode *n)
{
	json_t *j;

	switch (n->type) {
	case YNODE_SCALAR:
		if (n->style == YNODE_PLAIN) {
			char *end;

			if (yaml_is_null(n))
				return json_null();
			if (!strcmp(n->str, "true"))
				return json_true();
			if (!strcmp(n->str, "false"))
				return json_false();
			/* decimal only: 0x10, inf or nan stay strings */
			if (n->len && (isdigit((unsigned char)n->str[0]) || n->str[0] == '-') &&
			    strspn(n->str, "0123456789+-.eE") == n->len) {
				long long ll = strtoll(n->str, &end, 10);
				double d;

				if (!*end)
					return json_integer(ll);
				d = strtod(n->str, &end);
				if (!*end)
					return json_real(d);
			}
		}
		return json_stringn(n->str, n->len);
	case YNODE_SEQ:
		j = json_array();
		for (size_t i = 0; j && i < n->n; i++) {
			json_t *k = json_of(c, n->kids[i]);

			if (!k || json_array_append_new(j, k)) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	case YNODE_MAP:
		j = json_object();
		for (size_t i = 0; j && i + 1 < n->n; i += 2) {
			json_t *k = json_of(c, n->kids[i + 1]);

			if (!k || json_object_set_new(j, n->kids[i]->str, k)) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	default:
		return NULL;
	}
}

/* Has an earlier step saved var? */
static bool var_known(const struct sc_ctx *c, int cloud, const char *var, size_t len)
{
	const struct scenario *sc = c->sc;

	if (cloud == SC_CLOUD_SAKURA && len == 4 && !strncmp(var, "zone", 4))
		return true;
	for (size_t i = 0; i < sc->nsteps; i++) {
		const struct sc_api *a = sc->steps[i].kind == SC_STEP_API ? sc->steps[i].u.api : NULL;

		for (size_t k = 0; a && k < a->nsaves; k++)
			if (strlen(a->saves[k].var) == len && !strncmp(a->saves[k].var, var, len))
				return true;
	}
	return false;
}

/* Every {name} in text must be a saved variable; off_base: where text starts in n. */
static void vars_check(struct sc_ctx *c, const struct ynode *n, int cloud, const char *text,
                       bool at_offset)
{
	for (const char *p = strchr(text, '{'); p; p = strchr(p + 1, '{')) {
		size_t len = strspn(p + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		                           "0123456789_-.");

		if (!len || p[1 + len] != '}')
			continue;
		if (!var_known(c, cloud, p + 1, len)) {
			if (at_offset)
				sc_err_off(c, n, (size_t)(p - text), "{%.*s}: no earlier api step saves "
				           "a variable of that name", (int)len, p + 1);
			else
				sc_err(c, n, "{%.*s}: no earlier api step saves a variable of that name",
				       (int)len, p + 1);
		}
	}
}

/* contains: TEXT or [TEXT, ...]: each must be in the answer's body as sent. */
static void contains_load(struct sc_ctx *c, const struct ynode *y, struct sc_api *a)
{
	const struct ynode *one = y;
	size_t n = y->type == YNODE_SEQ ? y->n : 1;

	if (n > SC_API_CONTAINS_MAX) {
		sc_err(c, y, "contains: at most %d texts", SC_API_CONTAINS_MAX);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (y->type == YNODE_SEQ)
			one = y->kids[i];
		if (!sc_want_scalar(c, one, "contains"))
			continue;
		if (!one->len) {
			sc_err(c, one, "contains: an empty text is in every answer");
			continue;
		}
		if (!(a->expect_contains[a->ncontains] = strdup(one->str))) {
			c->oom = true;
			return;
		}
		a->ncontains++;
	}
}

static void login_load(struct sc_ctx *c, const struct ynode *m, struct sc_api *a)
{
	const struct ynode *x;

	a->login = true;
	snprintf(a->domain, sizeof a->domain, "default");
	if (!sc_want_map(c, m, "login"))
		return;
	sc_check_keys(c, m, "login", login_keys);
	if (!(x = yaml_map_get(m, "user")))
		sc_err(c, m, "login: missing key 'user'");
	else
		read_text(c, x, "user", a->user, sizeof a->user);
	if (!(x = yaml_map_get(m, "password")))
		sc_err(c, m, "login: missing key 'password'");
	else
		read_text(c, x, "password", a->password, sizeof a->password);
	if (!(x = yaml_map_get(m, "project")))
		sc_err(c, m, "login: missing key 'project' (the project name the token is scoped to)");
	else
		read_text(c, x, "project", a->project, sizeof a->project);
	if ((x = yaml_map_get(m, "domain")))
		read_text(c, x, "domain", a->domain, sizeof a->domain);
	snprintf(a->method, sizeof a->method, "POST");
	snprintf(a->path, sizeof a->path, "/v3/auth/tokens");
	a->expect_status = 201;
}

void sc_api_step_load(struct sc_ctx *c, const struct ynode *m, struct sc_step *st)
{
	static const char *const methods[] = { "GET", "POST", "PUT", "DELETE", "PATCH", NULL };
	struct sc_api *a;
	const struct ynode *x;

	if (!sc_want_map(c, m, "api"))
		return;
	a = calloc(1, sizeof *a);
	if (!a) {
		c->oom = true;
		return;
	}
	st->u.api = a;
	sc_check_keys(c, m, "an api step", api_keys);
	a->cloud = want_cloud(c, m, "api");
	if ((x = yaml_map_get(m, "login"))) {
		if (a->cloud != SC_CLOUD_K5)
			sc_err(c, x, "login: only K5 has tokens (Sakura takes the token and secret of "
			       "the clouds section on every call)");
		login_load(c, x, a);
		if (yaml_map_get(m, "method") || yaml_map_get(m, "path") || yaml_map_get(m, "body"))
			sc_err(c, x, "login: a login step makes its own request (no method, path or "
			       "body)");
	} else {
		if (!(x = yaml_map_get(m, "method"))) {
			sc_err(c, m, "api: missing key 'method' (GET, POST, PUT, DELETE)");
		} else if (sc_want_scalar(c, x, "method")) {
			bool ok = false;

			for (int i = 0; methods[i]; i++)
				ok |= !strcmp(methods[i], x->str);
			if (!ok)
				sc_err(c, x, "method: expected GET, POST, PUT, DELETE or PATCH, got '%s'",
				       x->str);
			else
				snprintf(a->method, sizeof a->method, "%s", x->str);
		}
		if (!(x = yaml_map_get(m, "path"))) {
			sc_err(c, m, "api: missing key 'path' (like /v2.0/vpn/ikepolicies)");
		} else if (read_text(c, x, "path", a->path, sizeof a->path)) {
			if (a->path[0] != '/')
				sc_err(c, x, "path: must start with '/'");
			vars_check(c, x, a->cloud, a->path, true);
		}
		if ((x = yaml_map_get(m, "body")) && !yaml_is_null(x)) {
			json_t *j = json_of(c, x);

			if (!j) {
				c->oom = true;
			} else {
				a->body = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
				json_decref(j);
				if (!a->body)
					c->oom = true;
				else
					vars_check(c, x, a->cloud, a->body, false);
			}
		}
	}
	if ((x = yaml_map_get(m, "expect"))) {
		const struct ynode *y;

		if (sc_want_map(c, x, "expect")) {
			sc_check_keys(c, x, "expect", expect_keys);
			if ((y = yaml_map_get(x, "status")))
				sc_read_int(c, y, "expect status", 100, 599, &a->expect_status);
			if ((y = yaml_map_get(x, "error")))
				read_text(c, y, "expect error", a->expect_error, sizeof a->expect_error);
			if ((y = yaml_map_get(x, "contains")))
				contains_load(c, y, a);
		}
	}
	if ((x = yaml_map_get(m, "save")) && sc_want_map(c, x, "save")) {
		for (size_t i = 0; i + 1 < x->n; i += 2) {
			struct sc_api_save *s;

			if (a->nsaves == SC_API_SAVES_MAX) {
				sc_err(c, x->kids[i], "save: at most %d variables per step",
				       SC_API_SAVES_MAX);
				break;
			}
			s = &a->saves[a->nsaves];
			if (!sc_read_name(c, x->kids[i], "variable name", s->var, sizeof s->var))
				continue;
			if (a->cloud == SC_CLOUD_SAKURA && !strcmp(s->var, "zone")) {
				sc_err(c, x->kids[i], "save: {zone} is predefined (the cloud's zone)");
				continue;
			}
			if (read_text(c, x->kids[i + 1], "save source", s->from, sizeof s->from))
				a->nsaves++;
		}
	}
}

void sc_cloud_wait_load(struct sc_ctx *c, const struct ynode *m, struct sc_cloud_wait *w)
{
	const struct ynode *x;

	w->within = lab_sec(60);
	w->every = lab_sec(1);
	w->cloud = want_cloud(c, m, "wait");
	if (w->cloud == SC_CLOUD_K5) {
		sc_check_keys(c, m, "a k5 wait", k5_wait_keys);
		if (!(x = yaml_map_get(m, "connection")))
			sc_err(c, m, "wait: missing key 'connection' (the site connection's name)");
		else
			read_text(c, x, "connection", w->object, sizeof w->object);
		snprintf(w->field, sizeof w->field, "status");
		if (!(x = yaml_map_get(m, "status"))) {
			sc_err(c, m, "wait: missing key 'status' (ACTIVE, DOWN, ...)");
		} else if (sc_want_scalar(c, x, "status")) {
			static const char *const st[] = { "ACTIVE", "DOWN", "PENDING_CREATE",
			                                  "PENDING_UPDATE", "ERROR", NULL };
			bool ok = false;

			for (int i = 0; st[i]; i++)
				ok |= !strcmp(st[i], x->str);
			if (!ok)
				sc_err(c, x, "status: expected ACTIVE, DOWN, PENDING_CREATE, "
				       "PENDING_UPDATE or ERROR, got '%s'", x->str);
			else
				snprintf(w->value, sizeof w->value, "%s", x->str);
		}
	} else if (w->cloud == SC_CLOUD_SAKURA) {
		const struct ynode *av, *in, *pe;

		sc_check_keys(c, m, "a sakura wait", sakura_wait_keys);
		if (!(x = yaml_map_get(m, "appliance")))
			sc_err(c, m, "wait: missing key 'appliance' (the appliance's Name)");
		else
			read_text(c, x, "appliance", w->object, sizeof w->object);
		av = yaml_map_get(m, "availability");
		in = yaml_map_get(m, "instance");
		pe = yaml_map_get(m, "peer");
		if (!!av + !!in + !!pe != 1) {
			sc_err(c, m, "wait: give one of 'availability' (available, migrating), "
			       "'instance' (up, down) or 'peer' (an address, with status UP or DOWN)");
		} else if (av) {
			snprintf(w->field, sizeof w->field, "availability");
			read_text(c, av, "availability", w->value, sizeof w->value);
		} else if (in) {
			snprintf(w->field, sizeof w->field, "instance");
			read_text(c, in, "instance", w->value, sizeof w->value);
		} else {
			snprintf(w->field, sizeof w->field, "peer");
			read_text(c, pe, "peer", w->peer, sizeof w->peer);
			if (!(x = yaml_map_get(m, "status")))
				sc_err(c, m, "wait: a peer wait needs 'status' (UP or DOWN)");
			else if (sc_want_scalar(c, x, "status") && strcmp(x->str, "UP") &&
			         strcmp(x->str, "DOWN"))
				sc_err(c, x, "status: expected UP or DOWN, got '%s'", x->str);
			else
				snprintf(w->value, sizeof w->value, "%s", x->str);
		}
		if (!pe && (x = yaml_map_get(m, "status")))
			sc_err(c, x, "status: only with 'peer'");
	}
	if ((x = yaml_map_get(m, "within")))
		sc_read_duration(c, x, "within", true, &w->within);
	if ((x = yaml_map_get(m, "every")))
		sc_read_duration(c, x, "every", true, &w->every);
}

void scenario_steps_free_cloud(struct scenario *sc)
{
	for (size_t i = 0; i < sc->nsteps; i++)
		if (sc->steps[i].kind == SC_STEP_API && sc->steps[i].u.api) {
			struct sc_api *a = sc->steps[i].u.api;

			free(a->body);
			for (size_t k = 0; k < a->ncontains; k++)
				free(a->expect_contains[k]);
			explicit_bzero(a, sizeof *a);   /* login passwords */
			free(a);
			sc->steps[i].u.api = NULL;
		}
}
