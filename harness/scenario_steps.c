/*
 * scenario_steps.c: the steps list. Each step is a map with one action key (wait, advance,
 * ping, udp, tcp, link, filter, seq_restart, tunnel, reconfigure, show) and an optional name; every node,
 * interface, address, filter, gateway and connection a step names is checked against the
 * topology and gateways read before.
 */
#include "harness/scenario_gateway.h"
#include "harness/scenario_int.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define SC_COUNT_MAX    1000000
#define SC_PAYLOAD_MAX  65507           /* 65535 - 20 (IPv4) - 8 (ICMP or UDP header) */

static const char *const step_keys[] = {
	"name", "wait", "advance", "ping", "udp", "tcp", "link", "filter", "seq_restart", "tunnel",
	"api", "reconfigure", "show", NULL
};
static const char *const twait_keys[] = { "tunnel", "up", "within", NULL };
static const char *const seq_keys[] = { "gateway", "connection", "next", NULL };
static const char *const tunnelop_keys[] = { "gateway", "connection", "action", NULL };
static const char *const ping_keys[] = {
	"from", "to", "size", "df", "count", "interval", "timeout", "expect", NULL
};
static const char *const ping_expect_keys[] = { "replies", "icmp", "mtu", NULL };
static const char *const udp_keys[] = {
	"from", "to", "port", "size", "count", "rate", "df", "expect", NULL
};
static const char *const udp_expect_keys[] = { "loss", NULL };
static const char *const tcp_keys[] = { "from", "to", "port", "bytes", "timeout", NULL };
static const char *const link_keys[] = { "at", "state", "mtu", NULL };
static const char *const filter_keys[] = { "node", "name", "enabled", NULL };
static const char *const replies_keys[] = { "min", "max", NULL };

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* "node" or "node:iface", both checked against the topology; false if reported. */
static bool read_node_iface(struct sc_ctx *c, const struct ynode *v, const char *what,
                            bool need_iface, char *node, char *iface)
{
	const char *colon, *why;
	size_t nlen;

	if (!sc_want_scalar(c, v, what))
		return false;
	colon = strchr(v->str, ':');
	nlen = colon ? (size_t)(colon - v->str) : v->len;
	if (need_iface && !colon) {
		sc_err(c, v, "%s: expected node:iface, got '%s'", what, v->str);
		return false;
	}
	why = sc_name_problem(v->str, nlen, SC_NAME_MAX);
	if (why) {
		sc_err(c, v, "%s: node name '%.*s' %s", what, (int)nlen, v->str, why);
		return false;
	}
	memcpy(node, v->str, nlen);
	node[nlen] = 0;
	if (colon) {
		why = sc_name_problem(colon + 1, strlen(colon + 1), SC_IFNAME_MAX);
		if (why) {
			sc_err_off(c, v, nlen + 1, "%s: interface name '%s' %s", what, colon + 1, why);
			return false;
		}
		strcpy(iface, colon + 1);
	} else {
		iface[0] = 0;
	}
	if (!scenario_node(c->sc, node)) {
		if (!sc_lab_node_declared(c, node))
			sc_err(c, v, "%s: node '%s' is not declared in topology.nodes", what, node);
		return false;
	}
	if (iface[0] && !sc_lab_iface(c->sc, node, iface, NULL)) {
		sc_iface_missing(c, v, nlen + 1, node, iface);
		return false;
	}
	return true;
}

/* A probe's to: an address (no /len), a node or node:iface with an address. Returns the
 * address family the probe will use, or 0 (reported or unknown). */
static int read_target(struct sc_ctx *c, const struct ynode *v, struct sc_target *t)
{
	const struct sc_prefix *a;

	if (!sc_want_scalar(c, v, "to"))
		return 0;
	if (sc_parse_prefix(v->str, &t->addr, false) == 0) {
		if (strchr(v->str, '/')) {
			sc_err(c, v, "to: an address takes no prefix length here, got '%s'", v->str);
			return 0;
		}
		t->is_addr = true;
		return t->addr.family;
	}
	if (strchr(v->str, '.') && strspn(v->str, "0123456789.") == v->len) {
		sc_err(c, v, "to: '%s' is not an IPv4 address", v->str);
		return 0;
	}
	if (!read_node_iface(c, v, "to", false, t->node, t->iface))
		return 0;
	a = sc_lab_addr(c->sc, t->node, t->iface[0] ? t->iface : NULL, AF_UNSPEC);
	if (!a) {
		sc_err(c, v, "to: %s%s%s has no address to aim at", t->node, t->iface[0] ? ":" : "",
		       t->iface);
		return 0;
	}
	return a->family;
}

/* from: and to: of a probe; the sender needs an address of the target's family. */
static int read_ends(struct sc_ctx *c, const struct ynode *m, const char *what, char *from,
                     struct sc_target *to)
{
	const struct ynode *f = yaml_map_get(m, "from"), *t = yaml_map_get(m, "to");
	char iface[SC_IFNAME_MAX];
	bool from_ok = false;
	int family = 0;

	if (!f)
		sc_err(c, m, "%s: missing key 'from' (the sending node)", what);
	else
		from_ok = read_node_iface(c, f, "from", false, from, iface);
	if (from_ok && iface[0]) {
		sc_err(c, f, "from: expected a node name, got '%s'", f->str);
		from_ok = false;
	}
	if (!t)
		sc_err(c, m, "%s: missing key 'to' (a node, node:iface or an address)", what);
	else
		family = read_target(c, t, to);
	if (from_ok && family && !sc_lab_addr(c->sc, from, NULL, family)) {
		sc_err(c, f, "from: node '%s' has no %s address to reach %s from", from,
		       family_name(family), t->str);
		family = 0;
	}
	return family;
}

static bool read_icmp(struct sc_ctx *c, const struct ynode *v, enum sc_icmp_expect *out)
{
	if (!sc_want_scalar(c, v, "icmp"))
		return false;
	if (!strcmp(v->str, "none"))
		*out = SC_ICMP_NONE;
	else if (!strcmp(v->str, "frag-needed"))
		*out = SC_ICMP_FRAG_NEEDED;
	else if (!strcmp(v->str, "unreachable"))
		*out = SC_ICMP_UNREACHABLE;
	else {
		sc_err(c, v, "icmp: expected none, frag-needed or unreachable, got '%s'", v->str);
		return false;
	}
	return true;
}

/* replies: N | all | none | {min: N, max: M}, each within 0..count. */
static void read_replies(struct sc_ctx *c, const struct ynode *v, int count,
                         struct sc_probe_expect *e)
{
	if (v->type == YNODE_MAP) {
		const struct ynode *mn = yaml_map_get(v, "min"), *mx = yaml_map_get(v, "max");

		sc_check_keys(c, v, "replies", replies_keys);
		e->replies_min = 0;
		e->replies_max = count;
		if (mn)
			sc_read_int(c, mn, "replies min", 0, count, &e->replies_min);
		if (mx)
			sc_read_int(c, mx, "replies max", 0, count, &e->replies_max);
		if (e->replies_min > e->replies_max)
			sc_err(c, v, "replies: min %d is more than max %d", e->replies_min,
			       e->replies_max);
		return;
	}
	if (!sc_want_scalar(c, v, "replies"))
		return;
	if (!strcmp(v->str, "all")) {
		e->replies_min = e->replies_max = count;
	} else if (!strcmp(v->str, "none")) {
		e->replies_min = e->replies_max = 0;
	} else if (strspn(v->str, "0123456789") != v->len || !v->len) {
		sc_err(c, v, "replies: expected a count, all, none or {min: N, max: M}, got '%s'",
		       v->str);
	} else if (sc_read_int(c, v, "replies", 0, count, &e->replies_min)) {
		e->replies_max = e->replies_min;
	}
}

static void ping_load(struct sc_ctx *c, const struct ynode *m, struct sc_ping *p)
{
	const struct ynode *v, *ex, *icmp = NULL, *mtu = NULL, *df = NULL;
	int family;

	p->size = 56;
	p->count = 1;
	p->interval = 1000000000LL;
	p->timeout = 2000000000LL;
	if (!sc_want_map(c, m, "ping"))
		return;
	sc_check_keys(c, m, "a ping step", ping_keys);
	family = read_ends(c, m, "ping", p->from, &p->to);
	if ((v = yaml_map_get(m, "size")))
		sc_read_int(c, v, "ping size", 0, SC_PAYLOAD_MAX, &p->size);
	if ((df = yaml_map_get(m, "df")))
		sc_read_bool(c, df, "df", &p->df);
	if ((v = yaml_map_get(m, "count")))
		sc_read_int(c, v, "count", 1, SC_COUNT_MAX, &p->count);
	if ((v = yaml_map_get(m, "interval")))
		sc_read_duration(c, v, "interval", true, &p->interval);
	if ((v = yaml_map_get(m, "timeout")))
		sc_read_duration(c, v, "timeout", true, &p->timeout);

	p->expect.has_replies = true;
	p->expect.replies_min = p->expect.replies_max = p->count;
	ex = yaml_map_get(m, "expect");
	if (ex && sc_want_map(c, ex, "expect")) {
		sc_check_keys(c, ex, "the expect of a ping step", ping_expect_keys);
		if ((v = yaml_map_get(ex, "replies")))
			read_replies(c, v, p->count, &p->expect);
		if ((icmp = yaml_map_get(ex, "icmp")) && !read_icmp(c, icmp, &p->expect.icmp))
			icmp = NULL;
		if ((mtu = yaml_map_get(ex, "mtu"))) {
			if (icmp && p->expect.icmp != SC_ICMP_FRAG_NEEDED)
				sc_err(c, mtu, "mtu applies only with icmp: frag-needed");
			else if (!yaml_map_get(ex, "icmp"))
				sc_err(c, mtu, "mtu applies only with icmp: frag-needed");
			else if (!sc_read_int(c, mtu, "mtu", 68, 65535, &p->expect.icmp_mtu))
				mtu = NULL;
		}
	}
	/* What the wire can do: DF exists in IPv4 only, and a router sends frag-needed only for
	 * a DF packet larger than its next hop's MTU (RFC 1191; RFC 8201 for IPv6). */
	if (p->df && family == AF_INET6)
		sc_err(c, df, "df applies to IPv4 only (IPv6 routers never fragment); this ping "
		       "goes to an IPv6 address");
	if (icmp && p->expect.icmp == SC_ICMP_FRAG_NEEDED && family == AF_INET && !p->df)
		sc_err(c, icmp, "icmp: frag-needed needs df: true (without DF a router fragments "
		       "the packet instead)");
	if (mtu && p->expect.icmp_mtu && family) {
		int packet = p->size + (family == AF_INET ? 28 : 48);

		if (packet <= p->expect.icmp_mtu)
			sc_err(c, mtu, "mtu %d: a ping of size %d is a %d-byte %s packet, which fits "
			       "in %d, so no frag-needed can come back", p->expect.icmp_mtu, p->size,
			       packet, family_name(family), p->expect.icmp_mtu);
	}
}

static void read_loss(struct sc_ctx *c, const struct ynode *v, struct sc_probe_expect *e)
{
	char *end;
	double d;

	if (!sc_want_scalar(c, v, "loss"))
		return;
	d = strtod(v->str, &end);
	if (end == v->str || strcmp(end, "%") || !(v->str[0] >= '0' && v->str[0] <= '9')) {
		sc_err(c, v, "loss: expected a percentage like 0%% or 2.5%%, got '%s'", v->str);
		return;
	}
	if (!(d >= 0 && d <= 100)) {
		sc_err(c, v, "loss must be 0%%..100%%, got %s", v->str);
		return;
	}
	e->has_loss = true;
	e->loss_max_pct = d;
}

static void udp_load(struct sc_ctx *c, const struct ynode *m, struct sc_udp *u)
{
	const struct ynode *v, *ex;
	int family;

	u->size = 100;
	u->count = 10;
	u->rate = 10;
	u->expect.has_loss = true;
	if (!sc_want_map(c, m, "udp"))
		return;
	sc_check_keys(c, m, "a udp step", udp_keys);
	family = read_ends(c, m, "udp", u->from, &u->to);
	if (!(v = yaml_map_get(m, "port")))
		sc_err(c, m, "udp: missing key 'port' (1..65535)");
	else
		sc_read_int(c, v, "port", 1, 65535, &u->port);
	if ((v = yaml_map_get(m, "size")))
		sc_read_int(c, v, "udp size", 0, SC_PAYLOAD_MAX, &u->size);
	if ((v = yaml_map_get(m, "count")))
		sc_read_int(c, v, "count", 1, SC_COUNT_MAX, &u->count);
	if ((v = yaml_map_get(m, "rate")) && sc_want_scalar(c, v, "rate")) {
		char *end;
		double d = strtod(v->str, &end);

		if (end == v->str || *end || !(v->str[0] >= '0' && v->str[0] <= '9'))
			sc_err(c, v, "rate: expected datagrams per second like 10 or 0.5, got '%s'",
			       v->str);
		else if (!(d > 0 && d <= 1e6))
			sc_err(c, v, "rate must be more than 0 and at most 1000000 per second, got %s",
			       v->str);
		else
			u->rate = d;
	}
	if ((v = yaml_map_get(m, "df"))) {
		if (sc_read_bool(c, v, "df", &u->df) && u->df && family == AF_INET6)
			sc_err(c, v, "df applies to IPv4 only (IPv6 routers never fragment); this "
			       "probe goes to an IPv6 address");
	}
	ex = yaml_map_get(m, "expect");
	if (ex && sc_want_map(c, ex, "expect")) {
		sc_check_keys(c, ex, "the expect of a udp step", udp_expect_keys);
		if ((v = yaml_map_get(ex, "loss")))
			read_loss(c, v, &u->expect);
	}
}

static void tcp_load(struct sc_ctx *c, const struct ynode *m, struct sc_tcp *t)
{
	const struct ynode *v;

	t->bytes = 1 << 20;
	t->timeout = 30000000000LL;
	t->expect.has_bytes = true;
	if (!sc_want_map(c, m, "tcp"))
		return;
	sc_check_keys(c, m, "a tcp step", tcp_keys);
	read_ends(c, m, "tcp", t->from, &t->to);
	if (!(v = yaml_map_get(m, "port")))
		sc_err(c, m, "tcp: missing key 'port' (1..65535)");
	else
		sc_read_int(c, v, "port", 1, 65535, &t->port);
	if ((v = yaml_map_get(m, "bytes")))
		sc_read_size(c, v, "bytes", 1, UINT64_MAX, &t->bytes);
	if ((v = yaml_map_get(m, "timeout")))
		sc_read_duration(c, v, "timeout", true, &t->timeout);
}

static void link_step_load(struct sc_ctx *c, const struct ynode *m, struct sc_linkop *l)
{
	const struct ynode *at, *state, *mtu;
	bool ok = false;

	l->up = -1;
	if (!sc_want_map(c, m, "link"))
		return;
	sc_check_keys(c, m, "a link step", link_keys);
	at = yaml_map_get(m, "at");
	state = yaml_map_get(m, "state");
	mtu = yaml_map_get(m, "mtu");
	if (!at)
		sc_err(c, m, "link: missing key 'at' (node:iface)");
	else
		ok = read_node_iface(c, at, "at", true, l->node, l->iface);
	if (!state && !mtu)
		sc_err(c, m, "link: nothing to change; give state: up|down and/or mtu: N");
	if (state && sc_want_scalar(c, state, "state")) {
		if (!strcmp(state->str, "up"))
			l->up = 1;
		else if (!strcmp(state->str, "down"))
			l->up = 0;
		else
			sc_err(c, state, "state: expected up or down, got '%s'", state->str);
	}
	if (mtu && sc_read_int(c, mtu, "mtu", 576, 65535, &l->mtu) && ok && l->mtu < 1280 &&
	    sc_lab_addr(c->sc, l->node, l->iface, AF_INET6))
		sc_err(c, mtu, "mtu %d is below 1280, the IPv6 minimum (RFC 8200), and %s:%s has "
		       "an IPv6 address", l->mtu, l->node, l->iface);
}

static void filter_step_load(struct sc_ctx *c, const struct ynode *m, struct sc_filterop *f)
{
	const struct ynode *node, *name, *en;
	char iface[SC_IFNAME_MAX];
	bool node_ok = false;

	if (!sc_want_map(c, m, "filter"))
		return;
	sc_check_keys(c, m, "a filter step", filter_keys);
	node = yaml_map_get(m, "node");
	name = yaml_map_get(m, "name");
	en = yaml_map_get(m, "enabled");
	if (!node)
		sc_err(c, m, "filter: missing key 'node'");
	else if (read_node_iface(c, node, "node", false, f->node, iface)) {
		node_ok = !iface[0];
		if (iface[0])
			sc_err(c, node, "node: expected a node name, got '%s'", node->str);
	}
	if (!name)
		sc_err(c, m, "filter: missing key 'name' (a filter of the node)");
	else if (sc_read_name(c, name, "filter name", f->filter, sizeof f->filter) && node_ok) {
		const struct sc_node *nd = scenario_node(c->sc, f->node);
		char list[200] = "";
		size_t used = 0, i;

		for (i = 0; i < nd->nfilters; i++)
			if (!strcmp(nd->filters[i].name, f->filter))
				break;
		if (i == nd->nfilters) {
			for (i = 0; i < nd->nfilters && used < sizeof list; i++)
				used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
				                         i ? ", " : "", nd->filters[i].name);
			sc_err(c, name, "node '%s' has no filter '%s' (%s%s)", f->node, f->filter,
			       used ? "its filters: " : "it has no filters", list);
		}
	}
	if (!en)
		sc_err(c, m, "filter: missing key 'enabled' (true or false)");
	else
		sc_read_bool(c, en, "enabled", &f->enabled);
}

/* A gateway (node name) and optionally one of its connections; with conn NULL the gateway
 * must have exactly one connection. false if reported. */
static bool read_conn_ref(struct sc_ctx *c, const struct ynode *gw, size_t gw_len,
                          const struct ynode *conn, const char *conn_text, size_t conn_off,
                          struct sc_conn_ref *ref)
{
	const struct sc_gateway *g;
	const char *why = sc_name_problem(gw->str, gw_len, SC_NAME_MAX);
	char list[200];

	if (why) {
		sc_err(c, gw, "gateway name '%.*s' %s", (int)gw_len, gw->str, why);
		return false;
	}
	memcpy(ref->gateway, gw->str, gw_len);
	ref->gateway[gw_len] = 0;
	g = scenario_gateway(c->sc, ref->gateway);
	if (!g) {
		if (!sc_lab_node_declared(c, ref->gateway))
			sc_err(c, gw, "node '%s' is not declared in topology.nodes", ref->gateway);
		else
			sc_err(c, gw, "node '%s' is not a gateway (no entry under 'gateways')",
			       ref->gateway);
		return false;
	}
	if (!conn_text) {
		if (g->nconns == 1) {
			snprintf(ref->conn, sizeof ref->conn, "%s", g->conns[0].name);
			return true;
		}
		sc_gateway_conn_list(g, list, sizeof list);
		sc_err(c, gw, "gateway '%s' has %zu connections (%s); name one", g->node, g->nconns,
		       list);
		return false;
	}
	why = sc_name_problem(conn_text, strlen(conn_text), SC_NAME_MAX);
	if (why) {
		sc_err_off(c, conn, conn_off, "connection name '%s' %s", conn_text, why);
		return false;
	}
	snprintf(ref->conn, sizeof ref->conn, "%s", conn_text);
	if (scenario_gateway_conn(g, ref->conn) < 0) {
		sc_gateway_conn_list(g, list, sizeof list);
		sc_err_off(c, conn, conn_off, "gateway '%s' has no connection '%s' (its "
		           "connections: %s)", g->node, ref->conn, list);
		return false;
	}
	return true;
}

/* wait: {tunnel: GW[/CONN], up: true|false, within: DURATION} */
static void twait_load(struct sc_ctx *c, const struct ynode *m, struct sc_tunnel_wait *w)
{
	const struct ynode *t, *v;

	w->up = true;
	w->within = lab_sec(60);
	sc_check_keys(c, m, "a tunnel wait", twait_keys);
	t = yaml_map_get(m, "tunnel");
	if (!t) {
		sc_err(c, m, "wait: missing key 'tunnel' (GATEWAY/CONNECTION), or give a duration "
		       "like 5s");
	} else if (sc_want_scalar(c, t, "tunnel")) {
		const char *slash = strchr(t->str, '/');

		read_conn_ref(c, t, slash ? (size_t)(slash - t->str) : t->len, t,
		              slash ? slash + 1 : NULL, slash ? (size_t)(slash + 1 - t->str) : 0,
		              &w->ref);
	}
	if ((v = yaml_map_get(m, "up")))
		sc_read_bool(c, v, "up", &w->up);
	if ((v = yaml_map_get(m, "within")))
		sc_read_duration(c, v, "within", true, &w->within);
}

static bool read_gw_conn(struct sc_ctx *c, const struct ynode *m, const char *what,
                         struct sc_conn_ref *ref)
{
	const struct ynode *g = yaml_map_get(m, "gateway"), *cn = yaml_map_get(m, "connection");

	if (!g) {
		sc_err(c, m, "%s: missing key 'gateway' (a node with a gateway)", what);
		return false;
	}
	if (!sc_want_scalar(c, g, "gateway") || (cn && !sc_want_scalar(c, cn, "connection")))
		return false;
	return read_conn_ref(c, g, g->len, cn, cn ? cn->str : NULL, 0, ref);
}

static void seq_load(struct sc_ctx *c, const struct ynode *m, struct sc_seq_restart *s)
{
	const struct ynode *v;
	uint64_t next;

	s->next = 1;
	if (!sc_want_map(c, m, "seq_restart"))
		return;
	sc_check_keys(c, m, "a seq_restart step", seq_keys);
	if (read_gw_conn(c, m, "seq_restart", &s->ref)) {
		const struct sc_gateway *g = scenario_gateway(c->sc, s->ref.gateway);

		/* libipsec's sequence numbers are not reachable from outside charon */
		if (g && scenario_gateway_is_strongswan(g))
			sc_err(c, yaml_map_get(m, "gateway"), "seq_restart: gateway '%s' is a real "
			       "charon (profile strongswan), whose ESP sequence numbers vpnlab cannot "
			       "set", g->node);
	}
	/* 0 is never sent (RFC 4303 3.3.3: the first packet carries 1) */
	if ((v = yaml_map_get(m, "next")) && sc_read_u64(c, v, "next", UINT32_MAX, &next)) {
		if (!next)
			sc_err(c, v, "next: ESP sequence numbers start at 1 (RFC 4303 3.3.3)");
		else
			s->next = (uint32_t)next;
	}
}

static void tunnelop_load(struct sc_ctx *c, const struct ynode *m, struct sc_tunnelop *t)
{
	const struct ynode *v;

	if (!sc_want_map(c, m, "tunnel"))
		return;
	sc_check_keys(c, m, "a tunnel step", tunnelop_keys);
	bool ref = read_gw_conn(c, m, "tunnel", &t->ref);
	if (!(v = yaml_map_get(m, "action")))
		sc_err(c, m, "tunnel: missing key 'action' (down, initiate or restart)");
	else if (sc_want_scalar(c, v, "action")) {
		if (!strcmp(v->str, "down"))
			t->action = SC_TUNNEL_DOWN;
		else if (!strcmp(v->str, "initiate"))
			t->action = SC_TUNNEL_INITIATE;
		else if (!strcmp(v->str, "restart"))
			t->action = SC_TUNNEL_RESTART;
		else
			sc_err(c, v, "action: expected down, initiate or restart, got '%s'", v->str);
	}
	if (ref && t->action == SC_TUNNEL_RESTART) {
		const struct sc_gateway *g = scenario_gateway(c->sc, t->ref.gateway);

		/* forgetting SAs without a DELETE is vpnlab's engine's, not charon's */
		if (g && scenario_gateway_is_strongswan(g))
			sc_err(c, v, "action: restart: gateway '%s' is a real charon (profile "
			       "strongswan), whose SAs vpnlab cannot make it forget", g->node);
	}
}

static const struct {
	const char *key;
	enum sc_step_kind kind;
} step_kinds[] = {
	{ "wait", SC_STEP_WAIT }, { "advance", SC_STEP_ADVANCE }, { "ping", SC_STEP_PING },
	{ "udp", SC_STEP_UDP }, { "tcp", SC_STEP_TCP }, { "link", SC_STEP_LINK },
	{ "filter", SC_STEP_FILTER }, { "seq_restart", SC_STEP_SEQ_RESTART },
	{ "tunnel", SC_STEP_TUNNEL }, { "api", SC_STEP_API },
	{ "reconfigure", SC_STEP_RECONFIGURE }, { "show", SC_STEP_SHOW },
};

static bool step_load(struct sc_ctx *c, const struct ynode *m, struct sc_step *st)
{
	const struct ynode *act = NULL, *act_key = NULL, *v;
	size_t nk = sizeof step_kinds / sizeof step_kinds[0], kind = nk;
	bool unknown = false;

	st->pos = sc_pos_of(c, m);
	if (!sc_want_map(c, m, "step"))
		return false;
	sc_check_keys(c, m, "a step", step_keys);
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		size_t k;

		for (k = 0; k < nk; k++)
			if (!strcmp(m->kids[i]->str, step_kinds[k].key))
				break;
		if (k == nk) {
			unknown |= strcmp(m->kids[i]->str, "name") != 0;
			continue;
		}
		if (act_key) {
			sc_err(c, m->kids[i], "a step has one action; '%s' follows '%s' (make it a "
			       "step of its own)", m->kids[i]->str, act_key->str);
			continue;
		}
		act_key = m->kids[i];
		act = m->kids[i + 1];
		kind = k;
	}
	if ((v = yaml_map_get(m, "name")) && sc_want_scalar(c, v, "step name")) {
		bool printable = true;

		for (size_t i = 0; i < v->len; i++)
			printable &= (unsigned char)v->str[i] >= 0x20 && v->str[i] != 0x7f;
		if (!v->len || v->len >= sizeof st->name || !printable)
			sc_err(c, v, "step name must be 1..63 characters on one line");
		else
			memcpy(st->name, v->str, v->len + 1);
	}
	if (!act) {
		if (!unknown)
			sc_err(c, m, "a step needs an action: one of wait, advance, ping, udp, tcp, "
			       "link, filter, seq_restart, tunnel, api, reconfigure, show");
		return false;
	}
	st->kind = step_kinds[kind].kind;
	switch (st->kind) {
	case SC_STEP_WAIT:
		if (act->type == YNODE_MAP && yaml_map_get(act, "cloud")) {
			st->kind = SC_STEP_WAIT_CLOUD;
			sc_cloud_wait_load(c, act, &st->u.cwait);
			break;
		}
		if (act->type == YNODE_MAP) {
			st->kind = SC_STEP_WAIT_TUNNEL;
			twait_load(c, act, &st->u.twait);
			break;
		}
		/* fall through */
	case SC_STEP_ADVANCE:
		sc_read_duration(c, act, act_key->str, true, &st->u.duration);
		break;
	case SC_STEP_WAIT_TUNNEL:
	case SC_STEP_WAIT_CLOUD:
		break;
	case SC_STEP_API:
		sc_api_step_load(c, act, st);
		break;
	case SC_STEP_SEQ_RESTART:
		seq_load(c, act, &st->u.seq);
		break;
	case SC_STEP_TUNNEL:
		tunnelop_load(c, act, &st->u.tunnel);
		break;
	case SC_STEP_RECONFIGURE:
		sc_reconfigure_load(c, act, &st->u.reconf);
		break;
	case SC_STEP_SHOW:
		sc_show_load(c, act, &st->u.show);
		break;
	case SC_STEP_PING:
		ping_load(c, act, &st->u.ping);
		break;
	case SC_STEP_UDP:
		udp_load(c, act, &st->u.udp);
		break;
	case SC_STEP_TCP:
		tcp_load(c, act, &st->u.tcp);
		break;
	case SC_STEP_LINK:
		link_step_load(c, act, &st->u.link);
		break;
	case SC_STEP_FILTER:
		filter_step_load(c, act, &st->u.filter);
		break;
	}
	return true;
}

void sc_steps_load(struct sc_ctx *c, const struct ynode *steps)
{
	struct scenario *sc = c->sc;

	if (!sc_want_seq(c, steps, "steps"))
		return;
	for (size_t i = 0; i < steps->n; i++) {
		struct sc_step *arr;

		if (!(sc->nsteps & 15)) {
			arr = realloc(sc->steps, (sc->nsteps + 16) * sizeof *arr);
			if (!arr) {
				c->oom = true;
				return;
			}
			sc->steps = arr;
		}
		memset(&sc->steps[sc->nsteps], 0, sizeof sc->steps[0]);
		if (step_load(c, steps->kids[i], &sc->steps[sc->nsteps]))
			sc->nsteps++;
	}
}
