/*
 * scenario_gateway.c: the `gateways:` section (simulated VPN gateways on nodes, their site
 * connections); scenario_gateway_config.c turns one into struct gw_config.
 *
 * Loaded after the topology, so every interface, address and route a gateway leans on can be
 * checked, and before the steps, which name gateways and connections.
 */
#include "harness/scenario_gateway.h"
#include "harness/scenario_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "peers/drbg.h"
#include "peers/esp/esp_replay.h"
#include "peers/gw/gw.h"
#include "peers/ike/isakmp.h"

static const char *const gw_keys[] = {
	"uplink", "tunnel", "df", "fragment", "mss_clamp", "hairpin", "replay_window", "profile",
	"config", "connections", "cloud", "router", "appliance", NULL
};
static const char *const tunnel_keys[] = { "name", "mtu", NULL };
static const char *const conn_keys[] = {
	"remote", "local", "psk", "local_id", "remote_id", "ike", "esp", "local_ts", "remote_ts",
	"initiate", "always_up", "ike_lifetime", "esp_lifetime", "dpd", "force_encap", NULL
};
static const char *const dpd_keys[] = { "delay", "timeout", "action", "mode", NULL };

const struct sc_gateway *scenario_gateway(const struct scenario *sc, const char *node)
{
	for (size_t i = 0; i < sc->ngateways; i++)
		if (!strcmp(sc->gateways[i].node, node))
			return &sc->gateways[i];
	return NULL;
}

int scenario_gateway_conn(const struct sc_gateway *g, const char *name)
{
	for (size_t i = 0; i < g->nconns; i++)
		if (!strcmp(g->conns[i].name, name))
			return (int)i;
	return -1;
}

/* One of words (NULL-terminated) as its index; reported otherwise. */
static int read_word(struct sc_ctx *c, const struct ynode *v, const char *what,
                     const char *const *words, const char *list)
{
	if (!sc_want_scalar(c, v, what))
		return -1;
	for (int i = 0; words[i]; i++)
		if (!strcmp(v->str, words[i]))
			return i;
	sc_err(c, v, "%s: expected %s, got '%s'", what, list, v->str);
	return -1;
}

/* An address without /len. */
static bool read_addr(struct sc_ctx *c, const struct ynode *v, const char *what,
                      struct sc_prefix *out)
{
	if (!sc_want_scalar(c, v, what))
		return false;
	if (strchr(v->str, '/') || sc_parse_prefix(v->str, out, false) < 0) {
		sc_err(c, v, "%s: '%s' is not an IP address (like 198.51.100.2, without /len)",
		       what, v->str);
		return false;
	}
	return true;
}

/* A traffic selector: a prefix with its length and no host bits. */
static bool read_ts(struct sc_ctx *c, const struct ynode *v, const char *what,
                    struct sc_prefix *out)
{
	struct sc_prefix net;
	char s[INET6_ADDRSTRLEN + 4];

	if (!sc_want_scalar(c, v, what))
		return false;
	if (sc_parse_prefix(v->str, out, true) < 0) {
		sc_err(c, v, "%s: '%s' is not a prefix like 10.1.0.0/16", what, v->str);
		return false;
	}
	net = *out;
	net.len = 0;
	for (int i = 0, bits = out->len; i < 16; i++, bits -= 8) {
		uint8_t keep = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));

		net.addr[i] = out->addr[i] & keep;
	}
	net.len = out->len;
	if (memcmp(net.addr, out->addr, 16)) {
		sc_format_prefix(&net, true, s, sizeof s);
		sc_err(c, v, "%s %s has host bits set; did you mean %s?", what, v->str, s);
		return false;
	}
	return true;
}

/* An IKE identity: an address (ID_IPV4_ADDR / ID_IPV6_ADDR), user@fqdn (ID_USER_FQDN) or a
 * name (ID_FQDN). */
static bool read_id(struct sc_ctx *c, const struct ynode *v, const char *what,
                    struct sc_gw_id *id)
{
	struct sc_prefix p;

	if (!sc_want_scalar(c, v, what))
		return false;
	if (!strchr(v->str, '/') && sc_parse_prefix(v->str, &p, false) == 0) {
		id->type = p.family == AF_INET ? ISAKMP_ID_IPV4_ADDR : ISAKMP_ID_IPV6_ADDR;
		id->len = p.family == AF_INET ? 4 : 16;
		memcpy(id->data, p.addr, id->len);
		return true;
	}
	if (!v->len || v->len >= SC_ID_MAX || strchr(v->str, ' ')) {
		sc_err(c, v, "%s: expected an address or a name of 1 to %d characters without "
		       "spaces, got '%s'", what, SC_ID_MAX - 1, v->str);
		return false;
	}
	id->type = strchr(v->str, '@') ? ISAKMP_ID_USER_FQDN : ISAKMP_ID_FQDN;
	id->len = v->len;
	memcpy(id->data, v->str, v->len);
	return true;
}

static int read_props(struct sc_ctx *c, const struct ynode *v, const char *what, bool esp,
                      struct ike_prop *out)
{
	char err[200];
	int n;

	if (!sc_want_scalar(c, v, what))
		return 0;
	n = ike_props_parse(v->str, esp, out, IKE_MAX_PROPS, err, sizeof err);
	if (n < 0) {
		sc_err(c, v, "%s: %s", what, err);
		return 0;
	}
	return n;
}

static int read_tristate(struct sc_ctx *c, const struct ynode *v, const char *what)
{
	bool b;

	return sc_read_bool(c, v, what, &b) ? b : -1;
}

static void dpd_load(struct sc_ctx *c, const struct ynode *v, struct sc_gw_conn *cn,
                     const char *where)
{
	static const char *const actions[] = { "clear", "hold", "restart", NULL };
	static const char *const modes[] = { "off", "idle", "always", "respond-only", NULL };
	const struct ynode *x;
	char w[160];

	snprintf(w, sizeof w, "dpd of %s", where);
	if (!sc_want_map(c, v, w))
		return;
	sc_check_keys(c, v, w, dpd_keys);
	cn->has_dpd = true;
	if ((x = yaml_map_get(v, "delay")))
		sc_read_duration(c, x, "dpd delay", true, &cn->dpd_delay);
	if ((x = yaml_map_get(v, "timeout")))
		sc_read_duration(c, x, "dpd timeout", true, &cn->dpd_timeout);
	if ((x = yaml_map_get(v, "action")))
		cn->dpd_action = read_word(c, x, "dpd action", actions, "clear, hold or restart");
	if ((x = yaml_map_get(v, "mode")))
		/* the enum's order: off, idle, always, respond-only */
		cn->dpd_mode = read_word(c, x, "dpd mode", modes,
		                         "idle, always, respond-only or off");
	if (cn->dpd_delay && cn->dpd_timeout && cn->dpd_timeout < cn->dpd_delay)
		sc_err(c, yaml_map_get(v, "timeout"), "dpd timeout is shorter than its delay; "
		       "no probe could ever be answered in time");
}

/* Is addr an address of node (on any interface)? */
static bool node_has_addr(const struct scenario *sc, const char *node,
                          const struct sc_prefix *addr)
{
	for (size_t i = 0; i < sc->nlinks; i++)
		for (int e = 0; e < 2; e++) {
			const struct sc_end *end = &sc->links[i].ends[e];

			if (end->is_segment || strcmp(end->node, node))
				continue;
			for (int a = 0; a < end->naddrs; a++)
				if (sc_prefix_equal_addr(&end->addrs[a], addr))
					return true;
		}
	return false;
}

static void conn_load(struct sc_ctx *c, struct sc_gateway *g, const struct ynode *k,
                      const struct ynode *v)
{
	struct sc_gw_conn *cn = &g->conns[g->nconns];
	const struct ynode *x, *remote;
	char where[96], s[INET6_ADDRSTRLEN + 4];
	bool remote_ok = false;

	memset(cn, 0, sizeof *cn);
	cn->initiate = cn->always_up = cn->force_encap = -1;
	cn->dpd_action = cn->dpd_mode = -1;
	if (!sc_read_name(c, k, "connection name", cn->name, sizeof cn->name))
		return;
	cn->pos = sc_pos_of(c, k);
	g->nconns++;
	snprintf(where, sizeof where, "connection '%s' of gateway '%s'", cn->name, g->node);
	if (!sc_want_map(c, v, where))
		return;
	sc_check_keys(c, v, where, conn_keys);

	remote = yaml_map_get(v, "remote");
	if (!remote) {
		sc_err(c, v, "%s: missing key 'remote' (the peer's address)", where);
	} else if (read_addr(c, remote, "remote", &cn->remote)) {
		cn->remote_pos = sc_pos_of(c, remote);
		remote_ok = true;
		if (cn->remote.family != AF_INET) {
			/* the gateway's outer packets are IPv4 (peers/gw) */
			sc_err(c, remote, "remote %s: the gateway's uplink carries IPv4 only",
			       remote->str);
			remote_ok = false;
		} else if (node_has_addr(c->sc, g->node, &cn->remote)) {
			sc_err(c, remote, "remote %s is an address of node '%s' itself", remote->str,
			       g->node);
			remote_ok = false;
		}
	}
	if ((x = yaml_map_get(v, "local"))) {
		if (read_addr(c, x, "local", &cn->local)) {
			cn->has_local = true;
			if (!node_has_addr(c->sc, g->node, &cn->local))
				sc_err(c, x, "local %s is not an address of node '%s'", x->str, g->node);
			else if (remote_ok && cn->local.family != cn->remote.family)
				sc_err(c, x, "local %s and remote %s are of different families", x->str,
				       remote->str);
		}
	} else if (remote_ok && g->uplink[0]) {
		const struct sc_prefix *a = sc_lab_addr(c->sc, g->node, g->uplink,
		                                        cn->remote.family);

		if (a) {
			cn->local = *a;
			cn->local.len = a->family == AF_INET ? 32 : 128;
		} else {
			sc_format_prefix(&cn->remote, false, s, sizeof s);
			sc_err(c, k, "%s: uplink %s has no %s address to reach %s from; give 'local'",
			       where, g->uplink, cn->remote.family == AF_INET ? "IPv4" : "IPv6", s);
		}
	}

	x = yaml_map_get(v, "psk");
	if (!x) {
		sc_err(c, v, "%s: missing key 'psk' (the pre-shared key)", where);
	} else if (sc_want_scalar(c, x, "psk")) {
		if (!x->len || x->len > SC_PSK_MAX) {
			sc_err(c, x, "psk must be 1..%d bytes, got %zu", SC_PSK_MAX, x->len);
		} else {
			memcpy(cn->psk, x->str, x->len);
			cn->psk_len = x->len;
		}
	}
	if ((x = yaml_map_get(v, "local_id")))
		read_id(c, x, "local_id", &cn->local_id);
	if ((x = yaml_map_get(v, "remote_id")))
		read_id(c, x, "remote_id", &cn->remote_id);
	if ((x = yaml_map_get(v, "ike")))
		cn->nike = read_props(c, x, "ike", false, cn->ike);
	if ((x = yaml_map_get(v, "esp")))
		cn->nesp = read_props(c, x, "esp", true, cn->esp);
	if ((x = yaml_map_get(v, "local_ts")))
		cn->has_local_ts = read_ts(c, x, "local_ts", &cn->local_ts);
	if ((x = yaml_map_get(v, "remote_ts")))
		cn->has_remote_ts = read_ts(c, x, "remote_ts", &cn->remote_ts);
	/* The data plane carries IPv4 (esp_path.h): say so rather than build a tunnel that
	 * silently drops everything. */
	if (cn->has_local_ts && cn->local_ts.family != AF_INET)
		sc_err(c, yaml_map_get(v, "local_ts"), "local_ts: the tunnel carries IPv4 only");
	if (cn->has_remote_ts && cn->remote_ts.family != AF_INET)
		sc_err(c, yaml_map_get(v, "remote_ts"), "remote_ts: the tunnel carries IPv4 only");
	if ((x = yaml_map_get(v, "initiate")))
		cn->initiate = read_tristate(c, x, "initiate");
	if ((x = yaml_map_get(v, "always_up")))
		cn->always_up = read_tristate(c, x, "always_up");
	if ((x = yaml_map_get(v, "force_encap")))
		cn->force_encap = read_tristate(c, x, "force_encap");
	if ((x = yaml_map_get(v, "ike_lifetime")))
		sc_read_duration(c, x, "ike_lifetime", true, &cn->ike_lifetime);
	if ((x = yaml_map_get(v, "esp_lifetime")))
		sc_read_duration(c, x, "esp_lifetime", true, &cn->esp_lifetime);
	if ((x = yaml_map_get(v, "dpd")))
		dpd_load(c, x, cn, where);
}

/* The interface the node's IPv4 default route leaves by: its dev, or the interface whose
 * subnet holds the next hop. "" if the node has no default route. */
static void default_uplink(const struct scenario *sc, const struct sc_node *nd, char *out)
{
	out[0] = 0;
	for (size_t r = 0; r < nd->nroutes; r++) {
		const struct sc_route *rt = &nd->routes[r];

		if (rt->dst.family != AF_INET || rt->dst.len != 0)
			continue;
		if (rt->dev[0]) {
			snprintf(out, SC_IFNAME_MAX, "%s", rt->dev);
			return;
		}
		for (size_t i = 0; i < sc->nlinks; i++)
			for (int e = 0; e < 2; e++) {
				const struct sc_end *end = &sc->links[i].ends[e];

				if (!end->is_segment && !strcmp(end->node, nd->name) &&
				    sc_lab_connected(sc, nd->name, end->iface, &rt->via)) {
					snprintf(out, SC_IFNAME_MAX, "%s", end->iface);
					return;
				}
			}
	}
}

static void tunnel_load(struct sc_ctx *c, struct sc_gateway *g, const struct ynode *v)
{
	const struct ynode *x;
	char where[64];

	snprintf(where, sizeof where, "tunnel of gateway '%s'", g->node);
	if (!sc_want_map(c, v, where))
		return;
	sc_check_keys(c, v, where, tunnel_keys);
	if ((x = yaml_map_get(v, "name"))) {
		char name[SC_IFNAME_MAX];

		/* tunif.c names the driven end NAME-drv from the first 10 characters */
		if (sc_read_name(c, x, "tunnel name", name, 11)) {
			if (sc_lab_iface(c->sc, g->node, name, NULL))
				sc_err(c, x, "tunnel name '%s' is already an interface of node '%s'",
				       name, g->node);
			else
				memcpy(g->tunnel, name, sizeof name);
		}
	}
	if ((x = yaml_map_get(v, "mtu")))
		sc_read_int(c, x, "tunnel mtu", 576, 65535, &g->tunnel_mtu);
}

/*
 * What the gateway itself refuses (an ESP proposal its data plane cannot install, ...) is
 * refused here too, at load, by the gateway's own check: the configuration is resolved and
 * handed to gw_new (pure: no socket, no clock), so the rules live in one place. The message
 * is the gateway's, placed at the connection it names (or the gateway).
 */
static void gateway_check(struct sc_ctx *c, const struct sc_gateway *g)
{
	struct gw_config *cfg = calloc(1, sizeof *cfg);
	struct gw *w = NULL;
	struct drbg d;
	char err[300] = "";
	const struct sc_pos *at = &g->pos;

	if (!cfg) {
		c->oom = true;
		return;
	}
	drbg_init(&d, 0);
	if (scenario_gateway_config(c->sc, g, cfg, err, sizeof err) == 0 &&
	    gw_new(&w, cfg, &d, 0, err, sizeof err) != 0) {
		for (size_t i = 0; i < g->nconns; i++) {
			char name[GW_NAME_MAX + 8];

			snprintf(name, sizeof name, "[%s]", g->conns[i].name);
			if (strstr(err, name))
				at = &g->conns[i].pos;
		}
		sc_err_pos(c, at, "gateway '%s': %s", g->node, err);
	}
	gw_free(w);
	gw_config_wipe(cfg);
	free(cfg);
	drbg_wipe(&d);
}

static void gateway_load(struct sc_ctx *c, const struct ynode *k, const struct ynode *v)
{
	static const char *const dfs[] = { "copy", "clear", "set", NULL };
	static const char *const frags[] = { "pre", "post", NULL };
	struct scenario *sc = c->sc;
	const struct sc_node *nd = scenario_node(sc, k->str);
	struct sc_gateway *g;
	const struct ynode *x;
	char where[64];
	size_t diags_before;

	if (!nd) {
		if (!sc_lab_node_declared(c, k->str))
			sc_err(c, k, "gateways: node '%s' is not declared in topology.nodes", k->str);
		return;
	}
	g = &sc->gateways[sc->ngateways++];
	memset(g, 0, sizeof *g);
	diags_before = c->d->n;
	snprintf(g->node, sizeof g->node, "%s", nd->name);
	snprintf(g->tunnel, sizeof g->tunnel, "tun0");
	g->df = g->frag = g->hairpin = -1;
	g->pos = sc_pos_of(c, k);
	snprintf(where, sizeof where, "gateway '%s'", g->node);
	if (!sc_want_map(c, v, where))
		return;
	sc_check_keys(c, v, where, gw_keys);

	if ((x = yaml_map_get(v, "uplink"))) {
		char name[SC_IFNAME_MAX];

		if (sc_read_name(c, x, "uplink", name, sizeof name)) {
			if (sc_lab_iface(sc, g->node, name, NULL))
				memcpy(g->uplink, name, sizeof name);
			else
				sc_iface_missing(c, x, 0, g->node, name);
		}
	} else {
		default_uplink(sc, nd, g->uplink);
		if (!g->uplink[0])
			sc_err(c, k, "gateway '%s': no uplink given and node '%s' has no IPv4 "
			       "default route to take it from", g->node, g->node);
	}
	if ((x = yaml_map_get(v, "tunnel")))
		tunnel_load(c, g, x);
	if ((x = yaml_map_get(v, "df")))
		g->df = read_word(c, x, "df", dfs, "copy, clear or set");
	if ((x = yaml_map_get(v, "fragment")))
		g->frag = read_word(c, x, "fragment", frags, "pre or post");
	if ((x = yaml_map_get(v, "mss_clamp")) && sc_want_scalar(c, x, "mss_clamp")) {
		g->has_mss_clamp = true;
		if (!strcmp(x->str, "off"))
			g->mss_clamp = -1;
		else if (!strcmp(x->str, "auto"))
			g->mss_clamp = 0;
		else if (strspn(x->str, "0123456789") != x->len || !x->len) {
			sc_err(c, x, "mss_clamp: expected off, auto or an MSS 88..65495, got '%s'",
			       x->str);
			g->has_mss_clamp = false;
		} else if (!sc_read_int(c, x, "mss_clamp", 88, 65495, &g->mss_clamp)) {
			g->has_mss_clamp = false;
		}
	}
	if ((x = yaml_map_get(v, "hairpin")))
		g->hairpin = read_tristate(c, x, "hairpin");
	if ((x = yaml_map_get(v, "replay_window"))) {
		uint64_t w;

		if (sc_read_u64(c, x, "replay_window", ESP_REPLAY_MAX, &w)) {
			g->has_replay_window = true;
			g->replay_window = (uint32_t)w;
		}
	}
	if ((x = yaml_map_get(v, "profile")) && sc_read_name(c, x, "profile", g->profile,
	                                                    sizeof g->profile)) {
		g->profile_pos = sc_pos_of(c, x);
		/* Where profiles hook in (peers/profile/, issue 8): until then, say so. */
		sc_err(c, x, "profile %s: vendor profiles are not built yet", g->profile);
	}
	if ((x = yaml_map_get(v, "config")) && !yaml_is_null(x) &&
	    sc_want_scalar(c, x, "config")) {
		g->config = strdup(x->str);
		if (!g->config)
			c->oom = true;
	}

	/* a cloud gateway's connections come from the mock's API at run time */
	if (sc_gateway_cloud_load(c, g, v)) {
		if (c->d->n == diags_before)
			gateway_check(c, g);
		return;
	}
	x = yaml_map_get(v, "connections");
	if (!x || yaml_is_null(x)) {
		sc_err(c, x ? x : k, "gateway '%s' has no connections (give at least one under "
		       "'connections')", g->node);
		return;
	}
	snprintf(where, sizeof where, "connections of gateway '%s'", g->node);
	if (!sc_want_map(c, x, where))
		return;
	if (x->n / 2 > SC_GW_CONNS_MAX) {
		sc_err(c, x, "gateway '%s' has %zu connections; at most %d", g->node, x->n / 2,
		       SC_GW_CONNS_MAX);
		return;
	}
	g->conns = calloc(x->n / 2 + 1, sizeof *g->conns);
	if (!g->conns) {
		c->oom = true;
		return;
	}
	for (size_t i = 0; i + 1 < x->n; i += 2)
		conn_load(c, g, x->kids[i], x->kids[i + 1]);
	if (c->d->n == diags_before)
		gateway_check(c, g);
}

void sc_gateways_load(struct sc_ctx *c, const struct ynode *gws)
{
	struct scenario *sc = c->sc;

	if (!sc_want_map(c, gws, "gateways"))
		return;
	sc->gateways = calloc(gws->n / 2 + 1, sizeof *sc->gateways);
	if (!sc->gateways) {
		c->oom = true;
		return;
	}
	for (size_t i = 0; i + 1 < gws->n; i += 2)
		gateway_load(c, gws->kids[i], gws->kids[i + 1]);
}

void scenario_gateways_free(struct scenario *sc)
{
	for (size_t i = 0; i < sc->ngateways; i++) {
		struct sc_gateway *g = &sc->gateways[i];

		if (g->conns)
			explicit_bzero(g->conns, g->nconns * sizeof *g->conns);
		free(g->conns);
		free(g->config);
	}
	free(sc->gateways);
	sc->gateways = NULL;
	sc->ngateways = 0;
}
