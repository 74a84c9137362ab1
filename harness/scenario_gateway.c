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
#include "peers/fitelnet/fitelnet_diag.h"
#include "peers/profile/profile.h"
#include "peers/profile/profile_fitelnet.h"

/* The one profile configured by its own CLI text in a scenario (profile_fitelnet.h). */
#define CONFIG_PROFILE "fitelnet-f220"

static const char *const gw_keys[] = {
	"uplink", "tunnel", "df", "fragment", "mss_clamp", "hairpin", "replay_window", "profile",
	"config", "connections", "cloud", "router", "appliance", "ports", NULL
};
static const char *const tunnel_keys[] = { "name", "mtu", NULL };
static const char *const conn_keys[] = {
	"remote", "local", "psk", "local_id", "remote_id", "ike", "esp", "local_ts", "remote_ts",
	"initiate", "always_up", "ike_lifetime", "esp_lifetime", "lifetime_rule",
	"responder_lifetime", "dpd", "force_encap", "natt_keepalive", NULL
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

static void conn_init(struct sc_gw_conn *cn)
{
	memset(cn, 0, sizeof *cn);
	cn->initiate = cn->always_up = cn->force_encap = cn->responder_lifetime = -1;
	cn->dpd_action = cn->dpd_mode = cn->lifetime_rule = -1;
}

/* One `connections:` entry: a new connection, or (over) keys over a crypto map's or over the
 * connection as it was before a reconfigure step, where nothing is required. */
static void conn_load(struct sc_ctx *c, const struct sc_gateway *g, struct sc_gw_conn *cn,
                      const struct ynode *k, const struct ynode *v, bool over)
{
	const struct ynode *x, *remote;
	char where[96], s[INET6_ADDRSTRLEN + 4];
	bool remote_ok = false;

	cn->pos = sc_pos_of(c, k);
	snprintf(where, sizeof where, "connection '%s' of gateway '%s'", cn->name, g->node);
	if (!sc_want_map(c, v, where))
		return;
	sc_check_keys(c, v, where, conn_keys);

	remote = yaml_map_get(v, "remote");
	if (!remote) {
		if (!over)
			sc_err(c, v, "%s: missing key 'remote' (the peer's address)", where);
	} else if (read_addr(c, remote, "remote", &cn->remote)) {
		cn->remote_pos = sc_pos_of(c, remote);
		cn->has_remote = true;
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
	} else if (remote_ok && g->uplink[0] && !over) {
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
		if (!over)
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
	if ((x = yaml_map_get(v, "lifetime_rule"))) {
		/* the words in the order of enum ike_life_rule */
		static const char *const rules[] = { "accept", "shorter", "exact", NULL };
		cn->lifetime_rule = read_word(c, x, "lifetime_rule", rules,
		                              "accept, shorter or exact");
	}
	if ((x = yaml_map_get(v, "responder_lifetime")))
		cn->responder_lifetime = read_tristate(c, x, "responder_lifetime");
	/* RESPONDER-LIFETIME says the responder uses its own, shorter lifetime: that is the
	 * shorter rule, which an explicit accept or exact contradicts */
	if (cn->responder_lifetime == 1 && cn->lifetime_rule >= 0 &&
	    cn->lifetime_rule != IKE_LIFE_SHORTER)
		sc_err(c, yaml_map_get(v, "responder_lifetime"), "responder_lifetime: true uses the "
		       "responder's lifetime when the proposed one is longer (the shorter rule); "
		       "lifetime_rule %s contradicts it", cn->lifetime_rule == IKE_LIFE_ACCEPT ?
		       "accept" : "exact");
	if ((x = yaml_map_get(v, "dpd")))
		dpd_load(c, x, cn, where);
	if ((x = yaml_map_get(v, "natt_keepalive")))
		cn->has_natt_keepalive = sc_read_duration(c, x, "natt_keepalive", false,
		                                          &cn->natt_keepalive);
}

void sc_gateway_conn_list(const struct sc_gateway *g, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < g->nconns && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
		                         g->conns[i].name);
}

static void profile_load(struct sc_ctx *c, struct sc_gateway *g, const struct ynode *x)
{
	char list[300];
	size_t used = 0;

	if (!sc_want_scalar(c, x, "profile"))
		return;
	if (!profile_find(x->str)) {
		list[0] = 0;
		for (size_t i = 0; i < profile_count() && used < sizeof list; i++)
			used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
			                         profile_at(i)->name);
		sc_err(c, x, "profile: no profile '%s' (the profiles: %s)", x->str, list);
		return;
	}
	/* SC_PROFILE_STRONGSWAN is a real charon in the node (lab_gateway.c starts it), checked
	 * by scenario_gateway_sswan.c once the gateway is loaded */
	snprintf(g->profile, sizeof g->profile, "%s", x->str);
	g->profile_pos = sc_pos_of(c, x);
	if (scenario_gateway_is_strongswan(g))
		sc_gateway_sswan_clock(c, g, x);
}

/* A folded block (>) joins the router's lines into one: refused (reported). */
static bool folded(struct sc_ctx *c, const struct ynode *v)
{
	const char *t = c->text;
	size_t off = 0;

	if (v->style != YNODE_BLOCK || !t || v->line < 1)
		return false;
	for (int l = 1; l < v->line && off < c->text_len; off++)
		if (t[off] == '\n')
			l++;
	if (off + (size_t)v->col - 1 < c->text_len && t[off + (size_t)v->col - 1] == '>') {
		sc_err(c, v, "config: a folded block (>) joins the CLI lines; write 'config: |'");
		return true;
	}
	return false;
}

/*
 * `config:` of a fitelnet-f220 gateway: the router's CLI text, imported now so that its
 * errors point into the scenario file and its crypto maps become the gateway's connections
 * (in the importer's order; `connections:` entries of the same name override their keys).
 * false when the gateway cannot go on loading.
 */
static bool config_load(struct sc_ctx *c, struct sc_gateway *g, const struct ynode *v,
                        bool profile_given)
{
	const struct sc_text_map *maps[1];
	struct fitelnet_diags *d;
	struct gw_config *cfg;
	int rc;

	if (!sc_want_scalar(c, v, "config"))
		return false;
	if (strcmp(g->profile, CONFIG_PROFILE)) {
		if (g->profile[0])
			sc_err(c, v, "config: profile %s takes no config text; only %s does (its CLI "
			       "text); give the others' settings as keys under connections",
			       g->profile, CONFIG_PROFILE);
		else if (!profile_given)     /* a bad profile name is reported already */
			sc_err(c, v, "config: a config text needs 'profile: %s' (the only profile "
			       "configured by its own CLI text)", CONFIG_PROFILE);
		return false;
	}
	if (folded(c, v))
		return false;
	g->config = strdup(v->str);
	cfg = calloc(1, sizeof *cfg);
	d = malloc(sizeof *d);
	if (!g->config || !cfg || !d) {
		c->oom = true;
		free(cfg);
		free(d);
		return false;
	}
	sc_text_map_of(c, v, &g->config_map);
	maps[0] = &g->config_map;
	fitelnet_diags_init(d);
	rc = profile_fitelnet_configs((const char *const[]){ g->config },
	                              (const char *const[]){ "#0" }, 1, NULL, cfg, d);
	if (rc == -ENOMEM) {
		c->oom = true;
	} else if (rc) {
		if (!sc_fitelnet_diags_report(c, d, maps, 1))
			sc_err(c, v, "config: the FITELnet importer refused it (%s)", strerror(-rc));
	} else if (!cfg->nconns) {
		sc_err(c, v, "config: no crypto map, so gateway '%s' has no connection", g->node);
		rc = -EINVAL;
	}
	for (size_t i = 0; !rc && i < cfg->nconns; i++) {
		const struct ike_policy *p = &cfg->conns[i].ike;
		struct sc_gw_conn *cn = &g->conns[g->nconns++];
		struct sc_prefix remote = { .family = AF_INET, .len = 32 };
		char s[INET6_ADDRSTRLEN];

		conn_init(cn);
		cn->from_config = true;
		snprintf(cn->name, sizeof cn->name, "%s", cfg->conns[i].name);
		cn->pos = g->config_map.at;
		memcpy(remote.addr, p->remote.addr, 4);
		inet_ntop(AF_INET, p->remote.addr, s, sizeof s);
		if (node_has_addr(c->sc, g->node, &remote))
			sc_err(c, v, "config: crypto map %s: set peer %s is an address of node '%s' "
			       "itself", cn->name, s, g->node);
		if (p->local.family) {
			struct sc_prefix local = { .family = AF_INET, .len = 32 };

			memcpy(local.addr, p->local.addr, 4);
			inet_ntop(AF_INET, p->local.addr, s, sizeof s);
			if (!node_has_addr(c->sc, g->node, &local))
				sc_err(c, v, "config: crypto map %s: local-address %s is not an address of "
				       "node '%s'", cn->name, s, g->node);
		} else if (g->uplink[0]) {
			/* no local-address: the router speaks from its uplink */
			const struct sc_prefix *a = sc_lab_addr(c->sc, g->node, g->uplink, AF_INET);

			if (a) {
				cn->local = *a;
				cn->local.len = 32;
			} else {
				sc_err(c, v, "config: crypto map %s has no local-address and uplink %s no "
				       "IPv4 address", cn->name, g->uplink);
			}
		}
	}
	gw_config_wipe(cfg);
	free(cfg);
	explicit_bzero(d, sizeof *d);
	free(d);
	return rc == 0;
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
static void gateway_check_more(struct sc_ctx *c, const struct sc_gateway *g,
                               const char *const *more, size_t nmore)
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
	if (scenario_gateway_resolve(c->sc, g, more, nmore, cfg, NULL, err, sizeof err) != 0) {
		sc_err_pos(c, at, "gateway '%s': %s", g->node, err);
		goto out;
	}
	/* a profile without default proposals (the F220's come from its config) */
	for (size_t i = 0; i < cfg->nconns && i < g->nconns; i++)
		if (!cfg->conns[i].ike.nike || !cfg->conns[i].ike.nesp) {
			sc_err_pos(c, &g->conns[i].pos, "connection '%s' of gateway '%s': profile %s "
			           "has no default %s proposals; give '%s' (or the router's config)",
			           g->conns[i].name, g->node, g->profile,
			           cfg->conns[i].ike.nike ? "ESP" : "IKE",
			           cfg->conns[i].ike.nike ? "esp" : "ike");
			goto out;
		}
	if (gw_new(&w, cfg, &d, 0, err, sizeof err) != 0) {
		for (size_t i = 0; i < g->nconns; i++) {
			char name[GW_NAME_MAX + 8];

			snprintf(name, sizeof name, "[%s]", g->conns[i].name);
			if (strstr(err, name))
				at = &g->conns[i].pos;
		}
		sc_err_pos(c, at, "gateway '%s': %s", g->node, err);
	}
out:
	gw_free(w);
	gw_config_wipe(cfg);
	free(cfg);
	drbg_wipe(&d);
}

static void gateway_check(struct sc_ctx *c, const struct sc_gateway *g)
{
	gateway_check_more(c, g, NULL, 0);
}

static void gateway_load(struct sc_ctx *c, const struct ynode *k, const struct ynode *v)
{
	static const char *const dfs[] = { "copy", "clear", "set", NULL };
	static const char *const frags[] = { "pre", "post", NULL };
	struct scenario *sc = c->sc;
	const struct sc_node *nd = scenario_node(sc, k->str);
	struct sc_gateway *g;
	const struct ynode *x, *cfgv;
	char where[64];
	size_t diags_before, nmaps;

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
		const struct ynode *cl = yaml_map_get(v, "cloud");

		default_uplink(sc, nd, g->uplink);
		/* a K5 router names its uplink: sc_gateway_cloud_load says so */
		if (!g->uplink[0] && !(cl && cl->type == YNODE_SCALAR && !strcmp(cl->str, "k5")))
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
	if ((x = yaml_map_get(v, "profile")))
		profile_load(c, g, x);
	cfgv = yaml_map_get(v, "config");
	if (cfgv && yaml_is_null(cfgv))
		cfgv = NULL;
	/* a cloud gateway's connections come from the mock's API at run time */
	if (sc_gateway_cloud_load(c, g, v)) {
		if (cfgv)
			sc_err(c, cfgv, "gateway '%s': config: a cloud gateway is configured through "
			       "its cloud's API", g->node);
		if (c->d->n == diags_before)
			gateway_check(c, g);
		return;
	}
	x = yaml_map_get(v, "connections");
	if (x && yaml_is_null(x))
		x = NULL;
	if (!x && !cfgv) {
		sc_err(c, k, "gateway '%s' has no connections (give at least one under "
		       "'connections')", g->node);
		return;
	}
	snprintf(where, sizeof where, "connections of gateway '%s'", g->node);
	if (x && !sc_want_map(c, x, where))
		return;
	nmaps = x ? x->n / 2 : 0;
	if (nmaps > SC_GW_CONNS_MAX) {
		sc_err(c, x, "gateway '%s' has %zu connections; at most %d", g->node, nmaps,
		       SC_GW_CONNS_MAX);
		return;
	}
	/* crypto maps first (a connections entry may name one), at most GW_MAX_CONNS */
	g->conns = calloc(nmaps + GW_MAX_CONNS + 1, sizeof *g->conns);
	if (!g->conns) {
		c->oom = true;
		return;
	}
	if (cfgv && !config_load(c, g, cfgv, yaml_map_get(v, "profile") != NULL))
		return;
	for (size_t i = 0; x && i + 1 < x->n; i += 2) {
		const struct ynode *ck = x->kids[i];
		char name[SC_NAME_MAX];
		int at;

		if (!sc_read_name(c, ck, "connection name", name, sizeof name))
			continue;
		at = scenario_gateway_conn(g, name);
		if (g->config && at < 0) {
			char list[400];

			sc_gateway_conn_list(g, list, sizeof list);
			sc_err(c, ck, "gateway '%s': its config has no crypto map '%s' (its maps: %s); "
			       "with a config, connections only override a map's keys", g->node, name,
			       list);
			continue;
		}
		if (at < 0) {
			at = (int)g->nconns++;
			conn_init(&g->conns[at]);
			memcpy(g->conns[at].name, name, sizeof name);
		}
		conn_load(c, g, &g->conns[at], ck, x->kids[i + 1], g->conns[at].from_config);
	}
	if (c->d->n == diags_before)
		gateway_check(c, g);
	if (c->d->n == diags_before && scenario_gateway_is_strongswan(g))
		sc_gateway_sswan_check(c, g, v, x);
}

/* The gateway a step names; reported when there is none. */
static const struct sc_gateway *step_gateway(struct sc_ctx *c, const struct ynode *m,
                                             const char *what, char *name)
{
	const struct ynode *gv = yaml_map_get(m, "gateway");
	const struct sc_gateway *g;

	if (!gv) {
		sc_err(c, m, "%s: missing key 'gateway' (a node with a gateway)", what);
		return NULL;
	}
	if (!sc_read_name(c, gv, "gateway", name, SC_NAME_MAX))
		return NULL;
	g = scenario_gateway(c->sc, name);
	if (!g) {
		if (!sc_lab_node_declared(c, name))
			sc_err(c, gv, "node '%s' is not declared in topology.nodes", name);
		else
			sc_err(c, gv, "node '%s' is not a gateway (no entry under 'gateways')", name);
	}
	return g;
}

void sc_show_load(struct sc_ctx *c, const struct ynode *m, struct sc_show *s)
{
	static const char *const keys[] = { "gateway", NULL };

	if (!sc_want_map(c, m, "show"))
		return;
	sc_check_keys(c, m, "a show step", keys);
	step_gateway(c, m, "show", s->gateway);
}

/* The CLI texts stacked on g before the step being loaded (sc->steps[0..nsteps)), g's own
 * config first; their maps; the connection list as the last earlier reconfigure left it. */
static size_t texts_before(const struct scenario *sc, const struct sc_gateway *g,
                           const char **texts, const struct sc_text_map **maps,
                           const struct sc_gw_conn **conns)
{
	size_t n = 0;

	*conns = g->conns;
	if (g->config) {
		texts[n] = g->config;
		maps[n++] = &g->config_map;
	}
	for (size_t i = 0; i < sc->nsteps; i++) {
		const struct sc_reconfigure *r = &sc->steps[i].u.reconf;

		if (sc->steps[i].kind != SC_STEP_RECONFIGURE || strcmp(r->gateway, g->node))
			continue;
		if (r->config && n < SC_GW_TEXTS_MAX + 1) {
			texts[n] = r->config;
			maps[n++] = &r->config_map;
		}
		if (r->conns)
			*conns = r->conns;
	}
	return n;
}

/* The texts resolve, and keep the gateway's crypto maps (its connection list is fixed).
 * false when reported. */
static bool reconfigure_texts_check(struct sc_ctx *c, const struct sc_gateway *g,
                                    const char *const *texts,
                                    const struct sc_text_map *const *maps, size_t n,
                                    const struct ynode *at)
{
	struct fitelnet_diags *d = malloc(sizeof *d);
	struct gw_config *cfg = calloc(1, sizeof *cfg);
	char names[SC_GW_TEXTS_MAX + 1][8];
	const char *np[SC_GW_TEXTS_MAX + 1];
	bool ok = false;
	int rc;

	if (!d || !cfg) {
		c->oom = true;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(names[i], sizeof names[i], "#%zu", i);
		np[i] = names[i];
	}
	fitelnet_diags_init(d);
	rc = profile_fitelnet_configs(texts, np, n, NULL, cfg, d);
	if (rc == -ENOMEM) {
		c->oom = true;
	} else if (rc) {
		if (!sc_fitelnet_diags_report(c, d, maps, n))
			sc_err(c, at, "config: the FITELnet importer refused it (%s)", strerror(-rc));
	} else {
		bool same = cfg->nconns == g->nconns;

		for (size_t i = 0; same && i < g->nconns; i++)
			same = !strcmp(cfg->conns[i].name, g->conns[i].name);
		if (!same) {
			char was[300], now[300];
			size_t used = 0;

			sc_gateway_conn_list(g, was, sizeof was);
			now[0] = 0;
			for (size_t i = 0; i < cfg->nconns && used < sizeof now; i++)
				used += (size_t)snprintf(now + used, sizeof now - used, "%s%s",
				                         i ? ", " : "", cfg->conns[i].name);
			sc_err(c, at, "config: after this step the crypto maps are (%s), the gateway's "
			       "are (%s): a reconfigure changes maps, it does not add, remove or "
			       "reorder them", now, was);
		}
		ok = same;
	}
out:
	if (cfg)
		gw_config_wipe(cfg);
	free(cfg);
	if (d)
		explicit_bzero(d, sizeof *d);
	free(d);
	return ok;
}

void sc_reconfigure_load(struct sc_ctx *c, const struct ynode *m, struct sc_reconfigure *r)
{
	static const char *const keys[] = { "gateway", "config", "connections", NULL };
	const char *texts[SC_GW_TEXTS_MAX + 2];
	const struct sc_text_map *maps[SC_GW_TEXTS_MAX + 2];
	const struct sc_gw_conn *prev;
	const struct sc_gateway *g;
	const struct ynode *cfgv, *cv;
	size_t n, diags_before = c->d->n;

	if (!sc_want_map(c, m, "reconfigure"))
		return;
	sc_check_keys(c, m, "a reconfigure step", keys);
	g = step_gateway(c, m, "reconfigure", r->gateway);
	if (g && scenario_gateway_is_strongswan(g)) {
		sc_err(c, yaml_map_get(m, "gateway"), "reconfigure: gateway '%s' is a real charon "
		       "(profile strongswan); its configuration is loaded once at start", g->node);
		return;
	}
	cfgv = yaml_map_get(m, "config");
	cv = yaml_map_get(m, "connections");
	if (!cfgv && !cv) {
		sc_err(c, m, "reconfigure: give 'config' (CLI text on top of the gateway's) or "
		       "'connections' (keys to change), or both");
		return;
	}
	if (!g)
		return;
	n = texts_before(c->sc, g, texts, maps, &prev);
	if (cfgv) {
		if (!g->config) {
			sc_err(c, cfgv, "reconfigure: gateway '%s' has no config text to change (a "
			       "%s gateway with 'config:' has one); change its keys under "
			       "'connections'", g->node, CONFIG_PROFILE);
		} else if (n > SC_GW_TEXTS_MAX) {
			sc_err(c, cfgv, "reconfigure: gateway '%s' already has %d config texts stacked",
			       g->node, SC_GW_TEXTS_MAX);
		} else if (sc_want_scalar(c, cfgv, "config") && !folded(c, cfgv)) {
			r->config = strdup(cfgv->str);
			if (!r->config) {
				c->oom = true;
				return;
			}
			sc_text_map_of(c, cfgv, &r->config_map);
			texts[n] = r->config;
			maps[n++] = &r->config_map;
			/* a text that does not load is not stacked: later steps are judged on
			 * their own */
			if (!reconfigure_texts_check(c, g, texts, maps, n, cfgv)) {
				free(r->config);
				r->config = NULL;
				n--;
			}
		}
	}
	if (cv && sc_want_map(c, cv, "reconfigure connections")) {
		r->conns = malloc((g->nconns + 1) * sizeof *r->conns);
		if (!r->conns) {
			c->oom = true;
			return;
		}
		memcpy(r->conns, prev, g->nconns * sizeof *r->conns);
		r->nconns = g->nconns;
		for (size_t i = 0; i + 1 < cv->n; i += 2) {
			char name[SC_NAME_MAX], list[300];
			int at;

			if (!sc_read_name(c, cv->kids[i], "connection name", name, sizeof name))
				continue;
			at = scenario_gateway_conn(g, name);
			if (at < 0) {
				sc_gateway_conn_list(g, list, sizeof list);
				sc_err(c, cv->kids[i], "gateway '%s' has no connection '%s' (its "
				       "connections: %s); a reconfigure changes connections, it does not "
				       "add them", g->node, name, list);
				continue;
			}
			conn_load(c, g, &r->conns[at], cv->kids[i], cv->kids[i + 1], true);
		}
	}
	if (c->d->n == diags_before) {
		/* the gateway as it will be after this step passes the gateway's own check */
		struct sc_gateway gt = *g;

		gt.conns = (struct sc_gw_conn *)(r->conns ? r->conns : prev);
		gateway_check_more(c, &gt, g->config ? texts + 1 : NULL, g->config ? n - 1 : 0);
	}
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
