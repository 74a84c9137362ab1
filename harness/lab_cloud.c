/*
 * lab_cloud.c: the mock clouds inside a run (see lab_cloud.h).
 */
#include "harness/lab_cloud.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness/gateway.h"
#include "harness/lab_k5.h"
#include "harness/lab_sakura.h"
#include "harness/netns.h"
#include "harness/scenario_gateway.h"
#include "mocks/http.h"
#include "mocks/k5.h"
#include "mocks/k5_gateway.h"
#include "mocks/sakura.h"
#include "mocks/sakura_gateway.h"

#define VARS_MAX        64
#define K5_TRACK_MAX    (4 * GW_MAX_CONNS)

struct cloud_srv {
	struct http_server *srv;
	int fd;                         /* the server's epoll fd, watched by the loop */
	struct sockaddr_storage addr;   /* where it answers (the bound address) */
	socklen_t alen;
	int nsfd;                       /* -1: the lab's home */
	char host[80];                  /* "127.0.0.1:43121", for Host: and the report */
};

/* A K5 site connection the lab carries. */
struct k5_track {
	struct k5_conn_intent in;       /* as the API resolved it (PSK inside: wiped) */
	char node[SC_NAME_MAX];         /* "" = no node bound to its router */
	char gw_name[GW_NAME_MAX];      /* the connection's name in the gateway */
	char status[20];                /* the status last reported to the mock */
	bool was_up;
};

/* A Sakura appliance bound to a node, with the peers of its running settings. */
struct sakura_bind {
	uint64_t id;                    /* 0: not yet seen */
	bool on;                        /* configured and not stuck: logs and status flow */
	char peers[SAKURA_MAX_PEERS][16];
	bool up[SAKURA_MAX_PEERS];
	size_t npeers;
	bool dark;                      /* powered off: the node's links are down */
	uint8_t nic_off;                /* NICs 1-7 disconnected (bit n) */
};

#define SAKURA_PINGS_MAX 16

struct lab_clouds {
	struct lab *lab;
	struct lab_gateways *lg;
	struct report *r;
	const struct report_out *o;
	struct drbg k5_drbg, sakura_drbg;
	struct k5_mock *k5;
	struct sakura_mock *sk;
	struct cloud_srv srv[SC_CLOUD_COUNT];
	struct loop_timer sk_timer;     /* the next Sakura state transition */
	struct loop_timer k5_timer;     /* statuses after an API change, once its answer is out */
	struct k5_track *k5c;
	size_t nk5c;
	struct sakura_bind *sb;         /* parallel to sc->gateways */
	struct lab_k5_node *k5n;        /* parallel to sc->gateways: what each K5 node holds */
	struct lab_sakura_ping *pings[SAKURA_PINGS_MAX];        /* API pings running */
	uint64_t ping_token[SAKURA_PINGS_MAX];
	uint64_t ping_seq;
	struct {
		char name[SC_NAME_MAX];
		char value[LAB_CLOUD_VAR_MAX];
		bool json;
	} vars[VARS_MAX];
	size_t nvars;
	char k5_token[512];
};

static lab_ns clock_now(void *ctx)
{
	struct lab_clouds *lc = ctx;

	return loop_now(lc->lab->loop);
}

static void event(struct lab_clouds *lc, const char *source, const char *kind,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void event(struct lab_clouds *lc, const char *source, const char *kind,
                  const char *fmt, ...)
{
	char text[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	report_event(lc->r, lc->o, loop_now(lc->lab->loop), source, kind, text);
}

static void mock_log(void *ctx, const char *line)
{
	struct lab_clouds *lc = ctx;

	event(lc, "cloud", "mock", "%s", line);
}

static const struct sc_gateway *bound_gateway(struct lab_clouds *lc, int cloud,
                                              const char *object, size_t *idx)
{
	const struct scenario *sc = lc->lab->sc;

	for (size_t i = 0; i < sc->ngateways; i++)
		if (sc->gateways[i].cloud == cloud && !strcmp(sc->gateways[i].cloud_object, object)) {
			if (idx)
				*idx = i;
			return &sc->gateways[i];
		}
	return NULL;
}

/* The node's uplink address: it stands for the cloud's address of the router. */
static int uplink_addr(struct lab_clouds *lc, const struct sc_gateway *g, char *out, size_t len)
{
	struct sc_target t = { 0 };
	struct sc_prefix p;

	snprintf(t.node, sizeof t.node, "%s", g->node);
	snprintf(t.iface, sizeof t.iface, "%s", g->uplink);
	if (lab_resolve(lc->lab, &t, AF_INET, &p))
		return -ENOENT;
	sc_format_prefix(&p, false, out, len);
	return 0;
}

/*
 * The data plane a cloud gateway runs with: the profile's, then what the scenario set for
 * the node (uplink and tunnel MTU, df, fragment, hairpin), as for any gateway.
 */
static int base_config(struct lab_clouds *lc, const struct sc_gateway *g, struct gw_config *cfg,
                       int (*init)(struct gw_config *), char *msg, size_t msglen)
{
	struct gw_config *sc_cfg = calloc(1, sizeof *sc_cfg);
	int err;

	if (!sc_cfg)
		return -ENOMEM;
	err = scenario_gateway_config(lc->lab->sc, g, sc_cfg, msg, msglen);
	if (!err && init && (err = init(cfg)))
		snprintf(msg, msglen, "gateway %s: the profile table is broken", g->node);
	if (!err) {
		if (!init)
			*cfg = *sc_cfg;
		cfg->dp.uplink_mtu = sc_cfg->dp.uplink_mtu;
		if (g->tunnel_mtu)
			cfg->dp.tunnel_mtu = sc_cfg->dp.tunnel_mtu;
		if (g->df >= 0)
			cfg->dp.df = sc_cfg->dp.df;
		if (g->frag >= 0)
			cfg->dp.frag = sc_cfg->dp.frag;
		if (g->hairpin >= 0)
			cfg->dp.hairpin = sc_cfg->dp.hairpin;
	}
	gw_config_wipe(sc_cfg);
	free(sc_cfg);
	return err;
}

/* ---- K5 ---- */

static int k5_init(struct gw_config *c)
{
	return k5_gateway_config_init(c);
}

static struct k5_track *k5_track_find(struct lab_clouds *lc, const char *id)
{
	for (size_t i = 0; i < lc->nk5c; i++)
		if (!strcmp(lc->k5c[i].in.id, id))
			return &lc->k5c[i];
	return NULL;
}

static void k5_topo_event(void *ctx, const char *node, const char *kind, const char *text)
{
	event(ctx, node, kind, "%s", text);
}

/*
 * Node gi (a K5 gateway) made what its router's API objects say (harness/lab_k5.h): the
 * external gateway's address and default route (when the external network is the lab's
 * outside), the router interfaces, extra routes, SNAT and floating IPs. A floating IP the
 * node now carries is ACTIVE.
 */
static void k5_sync(struct lab_clouds *lc, size_t gi)
{
	const struct sc_gateway *g = &lc->lab->sc->gateways[gi];
	struct k5_router_topo *t = calloc(1, sizeof *t);
	struct lab_k5_plan *p = calloc(1, sizeof *p);
	char msg[400];
	int err;

	if (!t || !p) {
		free(t);
		free(p);
		return;
	}
	err = k5_mock_router_topology(lc->k5, g->cloud_object, t);
	if (err == -E2BIG)
		event(lc, g->node, "k5_topology_error", "router %s has more than %d interfaces, "
		      "routes or floating IPs: the first %d of each are in the lab", g->cloud_object,
		      K5_TOPO_MAX, K5_TOPO_MAX);
	if (!err && lab_k5_outside_check(lc->lab, g, t, msg, sizeof msg)) {
		if (strcmp(lc->k5n[gi].outside_err, msg))
			event(lc, g->node, "k5_topology_error", "router %s: %s; no external address "
			      "on %s", g->cloud_object, msg, g->uplink);
		snprintf(lc->k5n[gi].outside_err, sizeof lc->k5n[gi].outside_err, "%s", msg);
		t->has_gateway = false;
	} else {
		lc->k5n[gi].outside_err[0] = 0;
	}
	lab_k5_plan(g, err == -ENOENT ? NULL : t, p);
	for (size_t i = 0; i < p->nnotes; i++)
		event(lc, g->node, "k5_topology_note", "router %s: %s", g->cloud_object, p->notes[i]);
	if (!lab_k5_apply(lc->lab, g, &lc->k5n[gi], p, k5_topo_event, lc)) {
		for (size_t i = 0; i < t->nfips; i++) {
			bool held = false;

			for (size_t j = 0; j < lc->k5n[gi].cur.nfips; j++)
				held |= !strcmp(lc->k5n[gi].cur.fip_ids[j], t->fips[i].id);
			if (held && strcmp(t->fips[i].status, "ACTIVE")) {
				event(lc, g->node, "k5_fip_status", "floatingip %s (%s -> %s): %s -> "
				      "ACTIVE", t->fips[i].floating_ip, t->fips[i].id, t->fips[i].fixed_ip,
				      t->fips[i].status);
				k5_mock_set_fip_status(lc->k5, t->fips[i].id, "ACTIVE");
			}
		}
	}
	free(t);
	free(p);
}

static void k5_sync_all(struct lab_clouds *lc)
{
	const struct scenario *sc = lc->lab->sc;

	for (size_t i = 0; i < sc->ngateways; i++)
		if (sc->gateways[i].cloud == SC_CLOUD_K5)
			k5_sync(lc, i);
}

static void k5_status(struct lab_clouds *lc, struct k5_track *t, const char *status)
{
	if (!strcmp(t->status, status))
		return;
	event(lc, t->node[0] ? t->node : "k5", "k5_status", "ipsec_site_connection %s (%s): %s "
	      "-> %s", t->in.name[0] ? t->in.name : t->in.id, t->in.id, t->status, status);
	snprintf(t->status, sizeof t->status, "%s", status);
	k5_mock_set_conn_status(lc->k5, t->in.id, status);
}

/* Each connection of node: its status from the SA state. */
static void k5_refresh(struct lab_clouds *lc, const char *node)
{
	struct gateway *g = lab_gateways_node(lc->lg, node);

	if (!g)
		return;
	for (size_t i = 0; i < lc->nk5c; i++) {
		struct k5_track *t = &lc->k5c[i];
		struct gw_conn_stats st;
		int c;

		if (strcmp(t->node, node))
			continue;
		c = gw_conn_find(gateway_gw(g), t->gw_name);
		if (c < 0)
			continue;
		gw_conn_stats(gateway_gw(g), c, &st);
		if (st.state == GW_CONN_UP) {
			t->was_up = true;
			k5_status(lc, t, "ACTIVE");
		} else if (t->was_up || !t->in.admin_state_up) {
			k5_status(lc, t, "DOWN");
		}
	}
}

/* Rebuild node's gateway from every connection the API has for its router; then restart
 * the other connections of the service that changed (K5 rewrites the service's whole
 * configuration: seeds/000 and PROFILES.md k5-vpnaas). */
static void k5_apply(struct lab_clouds *lc, const char *node, const char *changed_id,
                     const char *service_id)
{
	const struct sc_gateway *g = scenario_gateway(lc->lab->sc, node);
	struct gw_config *cfg = calloc(1, sizeof *cfg);
	struct gateway *gw = lab_gateways_node(lc->lg, node);
	char msg[400] = "";
	int err;

	if (!cfg || !g || !gw) {
		free(cfg);
		return;
	}
	err = base_config(lc, g, cfg, k5_init, msg, sizeof msg);
	for (size_t i = 0; !err && i < lc->nk5c; i++) {
		struct k5_track *t = &lc->k5c[i];

		if (strcmp(t->node, node))
			continue;
		if ((err = k5_gateway_conn_set(cfg, &t->in, msg, sizeof msg))) {
			event(lc, node, "k5_refused", "ipsec_site_connection %s: %s", t->in.id, msg);
			k5_status(lc, t, "ERROR");
			t->node[0] = 0;
			err = 0;
			continue;
		}
		snprintf(t->gw_name, sizeof t->gw_name, "%s", cfg->conns[cfg->nconns - 1].name);
	}
	if (!err)
		err = lab_gateways_set_config(lc->lg, node, cfg, msg, sizeof msg);
	gw_config_wipe(cfg);
	free(cfg);
	if (err) {
		event(lc, node, "k5_error", "configuring the gateway failed: %s", msg);
		return;
	}
	for (size_t i = 0; i < lc->nk5c; i++) {
		struct k5_track *t = &lc->k5c[i];
		int c;

		if (strcmp(t->node, node) || !strcmp(t->in.id, changed_id ? changed_id : "") ||
		    strcmp(t->in.vpnservice_id, service_id))
			continue;
		c = gw_conn_find(gateway_gw(gw), t->gw_name);
		if (c < 0)
			continue;
		/* only an established connection has something to drop (one still negotiating,
		 * or just restarted by gw_reconfigure because it changed, goes on as it is) */
		{
			struct gw_conn_stats st;

			gw_conn_stats(gateway_gw(gw), c, &st);
			if (st.state != GW_CONN_UP)
				continue;
		}
		event(lc, node, "k5_service_restart", "ipsec_site_connection %s: restarted with "
		      "the service's new configuration", t->in.name[0] ? t->in.name : t->in.id);
		gw_conn_down(gateway_gw(gw), c, loop_now(lc->lab->loop));
	}
	gateway_flush(gw);
	/* The statuses follow on the next loop turn, after the mock has answered: the answer to
	 * a create or update shows PENDING_*, as neutron's does, and a client sees the change
	 * (DOWN for admin_state_up false, ACTIVE again) on its next GET. */
	loop_timer_arm(lc->lab->loop, &lc->k5_timer, loop_now(lc->lab->loop));
}

static void on_k5_timer(void *ctx)
{
	struct lab_clouds *lc = ctx;
	const struct scenario *sc = lc->lab->sc;

	for (size_t i = 0; i < sc->ngateways; i++)
		if (sc->gateways[i].cloud == SC_CLOUD_K5)
			k5_refresh(lc, sc->gateways[i].node);
}

static void k5_conn_write(void *ctx, const struct k5_conn_intent *in, bool created)
{
	struct lab_clouds *lc = ctx;
	struct k5_track *t = k5_track_find(lc, in->id);
	size_t gi;
	const struct sc_gateway *g = bound_gateway(lc, SC_CLOUD_K5, in->router_name, &gi);

	if (!t) {
		struct k5_track *grown = realloc(lc->k5c, (lc->nk5c + 1) * sizeof *grown);

		if (!grown || lc->nk5c == K5_TRACK_MAX) {
			if (grown)
				lc->k5c = grown;
			event(lc, "k5", "k5_error", "too many site connections in one lab");
			return;
		}
		lc->k5c = grown;
		t = &lc->k5c[lc->nk5c++];
		memset(t, 0, sizeof *t);
	}
	explicit_bzero(&t->in, sizeof t->in);
	t->in = *in;
	snprintf(t->status, sizeof t->status, "%s", created ? "PENDING_CREATE" : "PENDING_UPDATE");
	t->was_up = false;
	if (!g) {
		t->node[0] = 0;
		event(lc, "k5", "k5_unbound", "ipsec_site_connection %s: router '%s' is not bound "
		      "to a lab node (no gateway with cloud: k5, router: %s); it stays %s",
		      in->id, in->router_name, in->router_name, t->status);
		return;
	}
	snprintf(t->node, sizeof t->node, "%s", g->node);
	/* the router's addresses are the node's: its endpoint (the floating IP of its port, else
	 * the external gateway's address) is on the uplink, as the API reports it */
	k5_sync(lc, gi);
	event(lc, g->node, created ? "k5_conn_created" : "k5_conn_updated",
	      "ipsec_site_connection %s (%s) of router %s: peer %s, %s-%s-%s / esp %s-%s%s%s, "
	      "lifetimes %d/%d s, dpd %s %d/%d s, %s", in->name, in->id, in->router_name,
	      in->peer_address, in->ike.encryption, in->ike.auth, in->ike.pfs,
	      in->ipsec.encryption, in->ipsec.auth, in->ipsec.pfs[0] ? "-" : "", in->ipsec.pfs,
	      in->ike.lifetime_s, in->ipsec.lifetime_s, in->dpd.action, in->dpd.interval_s,
	      in->dpd.timeout_s, in->initiator);
	k5_apply(lc, g->node, in->id, in->vpnservice_id);
}

static void k5_conn_created(void *ctx, const struct k5_conn_intent *in)
{
	k5_conn_write(ctx, in, true);
}

static void k5_conn_updated(void *ctx, const struct k5_conn_intent *in)
{
	k5_conn_write(ctx, in, false);
}

static void k5_conn_deleted(void *ctx, const char *conn_id)
{
	struct lab_clouds *lc = ctx;
	struct k5_track *t = k5_track_find(lc, conn_id);
	char node[SC_NAME_MAX], service[40];

	if (!t)
		return;
	snprintf(node, sizeof node, "%s", t->node);
	snprintf(service, sizeof service, "%s", t->in.vpnservice_id);
	event(lc, node[0] ? node : "k5", "k5_conn_deleted", "ipsec_site_connection %s (%s)",
	      t->in.name, conn_id);
	explicit_bzero(t, sizeof *t);
	memmove(t, t + 1, (size_t)(lc->k5c + lc->nk5c - t - 1) * sizeof *t);
	lc->nk5c--;
	if (node[0])
		k5_apply(lc, node, NULL, service);
}

/* ---- Sakura ---- */

static void on_http(void *ctx, int fd, uint32_t events);

static int sakura_apply_intent(struct lab_clouds *lc, size_t gi, const struct sakura_intent *src)
{
	const struct sc_gateway *g = &lc->lab->sc->gateways[gi];
	struct sakura_bind *b = &lc->sb[gi];
	struct sakura_intent *in = calloc(1, sizeof *in);
	struct gw_config *cfg = calloc(1, sizeof *cfg), *prof = calloc(1, sizeof *prof);
	struct profile_report rep = { 0 };
	char msg[400] = "", addr[64];
	int err = -ENOMEM;

	if (!in || !cfg || !prof)
		goto out;
	*in = *src;
	/* the lab's address stands for the appliance's global address (endpoint and ID) */
	if (!uplink_addr(lc, g, addr, sizeof addr))
		snprintf(in->global_ip, sizeof in->global_ip, "%.15s", addr);
	err = sakura_gateway_config(in, prof, &rep, msg, sizeof msg);
	if (!err) {
		/* the scenario's data-plane settings over the profile's (base_config's rule) */
		err = base_config(lc, g, cfg, NULL, msg, sizeof msg);
		if (!err) {
			struct gw_dataplane dp = cfg->dp;

			*cfg = *prof;
			cfg->dp.uplink_mtu = dp.uplink_mtu;
			if (g->tunnel_mtu)
				cfg->dp.tunnel_mtu = dp.tunnel_mtu;
			if (g->df >= 0)
				cfg->dp.df = dp.df;
			if (g->frag >= 0)
				cfg->dp.frag = dp.frag;
		}
	}
	for (size_t i = 0; i < rep.n; i++)
		event(lc, g->node, "profile", "%s", rep.line[i]);
	if (!err)
		err = lab_gateways_set_config(lc->lg, g->node, cfg, msg, sizeof msg);
	if (err) {
		event(lc, g->node, "sakura_error", "configuring the gateway from appliance %llu "
		      "failed: %s", (unsigned long long)in->id, msg);
		goto out;
	}
	b->id = in->id;
	b->on = !in->stuck && in->enabled;
	b->npeers = in->stuck ? 0 : in->npeers;
	for (size_t i = 0; i < b->npeers; i++) {
		snprintf(b->peers[i], sizeof b->peers[i], "%s", in->peers[i].peer);
		b->up[i] = false;
	}
out:
	if (in)
		explicit_bzero(in, sizeof *in);
	if (cfg)
		gw_config_wipe(cfg);
	if (prof)
		gw_config_wipe(prof);
	free(in);
	free(cfg);
	free(prof);
	return err;
}

static void sakura_refresh(struct lab_clouds *lc, size_t gi)
{
	const struct sc_gateway *g = &lc->lab->sc->gateways[gi];
	struct sakura_bind *b = &lc->sb[gi];
	struct gateway *gw = lab_gateways_node(lc->lg, g->node);

	if (!gw || !b->on)
		return;
	for (size_t i = 0; i < b->npeers; i++) {
		char name[GW_NAME_MAX];
		struct gw_conn_stats st;
		int c;
		bool up;

		snprintf(name, sizeof name, "peer-%s-tunnel-vti", b->peers[i]);
		c = gw_conn_find(gateway_gw(gw), name);
		if (c < 0)
			continue;
		gw_conn_stats(gateway_gw(gw), c, &st);
		up = st.state == GW_CONN_UP;
		if (up == b->up[i])
			continue;
		b->up[i] = up;
		event(lc, g->node, "sakura_status", "appliance %llu peer %s: %s",
		      (unsigned long long)b->id, b->peers[i], up ? "UP" : "DOWN");
		sakura_mock_peer_set(lc->sk, b->id, b->peers[i], up);
	}
}

static void sakura_power_on_links(struct lab_clouds *lc, size_t gi);

static void sakura_applied(void *ctx, const struct sakura_intent *in, enum sakura_apply_reason why)
{
	static const char *const whys[] = { "config", "boot", "vpn reconnect" };
	struct lab_clouds *lc = ctx;
	size_t gi;
	const struct sc_gateway *g = bound_gateway(lc, SC_CLOUD_SAKURA, in->name, &gi);

	if (!g) {
		event(lc, "sakura", "sakura_unbound", "appliance %llu '%s': no lab node is bound to "
		      "it (no gateway with cloud: sakura, appliance: %s)", (unsigned long long)in->id,
		      in->name, in->name);
		return;
	}
	event(lc, g->node, "sakura_applied", "appliance %llu '%s' (version %d, %s): %s%zu peer%s, "
	      "%s-%s%s%s, lifetimes %u/%u s, dpd %u/%u s", (unsigned long long)in->id, in->name,
	      in->version, whys[why], in->stuck ? "STUCK (no VPN, no logs), " : "", in->npeers,
	      in->npeers == 1 ? "" : "s", in->encryption, in->hash, in->dh_group[0] ? "-" : "",
	      in->dh_group, in->ike_lifetime, in->esp_lifetime, in->dpd_interval,
	      in->dpd_timeout);
	if (why == SAKURA_APPLY_BOOT)
		sakura_power_on_links(lc, gi);
	if (sakura_apply_intent(lc, gi, in))
		return;
	if (why == SAKURA_APPLY_RECONNECT) {
		/* the settings are the same: VPN reconnect restarts every SA */
		struct gateway *gw = lab_gateways_node(lc->lg, g->node);

		for (size_t c = 0; gw && c < gw_conn_count(gateway_gw(gw)); c++)
			gw_conn_down(gateway_gw(gw), (int)c, loop_now(lc->lab->loop));
		if (gw)
			gateway_flush(gw);
	}
	sakura_refresh(lc, gi);
}

/* The gateway index of the node bound to appliance id, or -1. */
static int sakura_bound(struct lab_clouds *lc, uint64_t id)
{
	const struct scenario *sc = lc->lab->sc;

	for (size_t gi = 0; gi < sc->ngateways; gi++)
		if (sc->gateways[gi].cloud == SC_CLOUD_SAKURA && lc->sb[gi].id == id)
			return (int)gi;
	return -1;
}

/* No connection any more: what a stopping charon does (its DELETEs go out, unless the links
 * are already down), after which IKE from its peers finds no connection. */
static void sakura_drop_conns(struct lab_clouds *lc, size_t gi, const char *why)
{
	const struct sc_gateway *g = &lc->lab->sc->gateways[gi];
	struct gw_config *cfg = calloc(1, sizeof *cfg);
	char msg[300];

	if (!cfg)
		return;
	if (!base_config(lc, g, cfg, NULL, msg, sizeof msg)) {
		cfg->nconns = 0;
		if (lab_gateways_set_config(lc->lg, g->node, cfg, msg, sizeof msg))
			event(lc, g->node, "sakura_error", "%s: %s", why, msg);
	}
	gw_config_wipe(cfg);
	free(cfg);
	lc->sb[gi].on = false;
	lc->sb[gi].npeers = 0;
}

static void sakura_stopping(void *ctx, uint64_t id)
{
	struct lab_clouds *lc = ctx;
	int gi = sakura_bound(lc, id);

	if (gi < 0 || lc->sb[gi].dark)
		return;
	sakura_drop_conns(lc, (size_t)gi, "shutdown");
	event(lc, lc->lab->sc->gateways[gi].node, "sakura_power", "appliance %llu shutting "
	      "down: the VPN stops (its DELETEs go out)", (unsigned long long)id);
}

static void sakura_powered_off(void *ctx, uint64_t id)
{
	struct lab_clouds *lc = ctx;
	int gi = sakura_bound(lc, id);
	const char *node;
	char msg[300];

	if (gi < 0 || lc->sb[gi].dark)
		return;
	node = lc->lab->sc->gateways[gi].node;
	/* links first: then dropping what is left of the VPN sends nothing */
	if (lab_sakura_power(lc->lab, node, true, msg, sizeof msg))
		event(lc, node, "sakura_error", "power off: %s", msg);
	lc->sb[gi].dark = true;
	sakura_drop_conns(lc, (size_t)gi, "power off");
	event(lc, node, "sakura_power", "appliance %llu powered off: the node is off the network "
	      "(its links are down)", (unsigned long long)id);
}

/* A boot: the links come back (NICs disconnected through the API stay down). */
static void sakura_power_on_links(struct lab_clouds *lc, size_t gi)
{
	const struct sc_gateway *g = &lc->lab->sc->gateways[gi];
	struct sakura_bind *b = &lc->sb[gi];
	char msg[300];

	if (!b->dark)
		return;
	b->dark = false;
	if (lab_sakura_power(lc->lab, g->node, false, msg, sizeof msg)) {
		event(lc, g->node, "sakura_error", "power on: %s", msg);
		return;
	}
	for (int n = 1; n <= 7; n++) {
		const char *ifn = lab_sakura_nic_iface(lc->lab, g->node, g->uplink, n);

		if (ifn && (b->nic_off & 1u << n) &&
		    lab_link_set(lc->lab, g->node, ifn, 0, 0, msg, sizeof msg))
			event(lc, g->node, "sakura_error", "power on: NIC %d: %s", n, msg);
	}
	event(lc, g->node, "sakura_power", "appliance %llu powered on: links, addresses and "
	      "routes are back", (unsigned long long)b->id);
}

static void sakura_nic(void *ctx, uint64_t id, int index, bool connected)
{
	struct lab_clouds *lc = ctx;
	int gi = sakura_bound(lc, id);
	const struct sc_gateway *g;
	const char *ifn;
	char msg[300];

	if (gi < 0 || index < 1 || index > 7)
		return;
	g = &lc->lab->sc->gateways[gi];
	ifn = lab_sakura_nic_iface(lc->lab, g->node, g->uplink, index);
	if (!ifn) {
		event(lc, g->node, "sakura_nic", "appliance %llu NIC %d %s: no lab link stands for "
		      "it", (unsigned long long)id, index, connected ? "connected" : "disconnected");
		return;
	}
	if (connected)
		lc->sb[gi].nic_off &= (uint8_t)~(1u << index);
	else
		lc->sb[gi].nic_off |= (uint8_t)(1u << index);
	if (!lc->sb[gi].dark && lab_sakura_nic_set(lc->lab, g->node, ifn, connected, msg, sizeof msg)) {
		event(lc, g->node, "sakura_error", "NIC %d: %s", index, msg);
		return;
	}
	event(lc, g->node, "sakura_nic", "appliance %llu NIC %d %s: %s:%s %s",
	      (unsigned long long)id, index, connected ? "connected" : "disconnected", g->node,
	      ifn, lc->sb[gi].dark ? "(powered off: stays down)" : connected ? "up" : "down");
}

static void sakura_ping_done(void *ctx, uint64_t token, const char *text)
{
	struct lab_clouds *lc = ctx;
	struct http_response resp;

	http_response_init(&resp);
	if (sakura_mock_ping_done(lc->sk, token, text, &resp) ||
	    http_server_complete(lc->srv[SC_CLOUD_SAKURA].srv, token, &resp))
		event(lc, "sakura", "sakura_error", "ping: the answer could not be sent");
	http_response_clear(&resp);
	/* a resumed connection is MHD's work of its next run, with nothing new to read */
	on_http(&lc->srv[SC_CLOUD_SAKURA], lc->srv[SC_CLOUD_SAKURA].fd, 0);
	for (size_t i = 0; i < SAKURA_PINGS_MAX; i++)
		if (lc->pings[i] && lc->ping_token[i] == token) {
			lab_sakura_ping_free(lc->pings[i]);
			lc->pings[i] = NULL;
		}
}

static int sakura_ping(void *ctx, uint64_t id, const char *dest, uint64_t token)
{
	struct lab_clouds *lc = ctx;
	int gi = sakura_bound(lc, id);
	const char *node;
	struct drbg d;
	char label[48], msg[300];
	size_t slot = 0;
	int err;

	if (gi < 0)
		return -ENODEV;
	while (slot < SAKURA_PINGS_MAX && lc->pings[slot])
		slot++;
	if (slot == SAKURA_PINGS_MAX)
		return -EBUSY;
	node = lc->lab->sc->gateways[gi].node;
	snprintf(label, sizeof label, "sakura/ping/%llu", (unsigned long long)++lc->ping_seq);
	drbg_derive(&d, &lc->sakura_drbg, label);
	err = lab_sakura_ping_start(&lc->pings[slot], lc->lab, node, dest, token, &d,
	                            sakura_ping_done, lc, msg, sizeof msg);
	drbg_wipe(&d);
	if (err) {
		event(lc, node, "sakura_error", "%s", msg);
		return err;
	}
	lc->ping_token[slot] = token;
	event(lc, node, "sakura_ping", "appliance %llu pings %s from %s",
	      (unsigned long long)id, dest, node);
	return 0;
}

static void sakura_arm(struct lab_clouds *lc)
{
	lab_ns when;

	if (!lc->sk)
		return;
	when = sakura_mock_next_deadline(lc->sk);
	if (when == LAB_NEVER)
		loop_timer_cancel(lc->lab->loop, &lc->sk_timer);
	else
		loop_timer_arm(lc->lab->loop, &lc->sk_timer, when);
}

static void on_sakura_timer(void *ctx)
{
	struct lab_clouds *lc = ctx;

	sakura_mock_advance(lc->sk);
	sakura_arm(lc);
}

/* ---- gateway events and logs ---- */

static void on_gw_event(void *ctx, const char *node, const struct gw_event *ev)
{
	struct lab_clouds *lc = ctx;
	const struct sc_gateway *g = scenario_gateway(lc->lab->sc, node);

	(void)ev;
	if (!g)
		return;
	if (g->cloud == SC_CLOUD_K5 && lc->k5)
		/* on the next turn: the event may come from inside an API call (above) */
		loop_timer_arm(lc->lab->loop, &lc->k5_timer, loop_now(lc->lab->loop));
	else if (g->cloud == SC_CLOUD_SAKURA && lc->sk)
		sakura_refresh(lc, (size_t)(g - lc->lab->sc->gateways));
}

static void on_gw_log(void *ctx, const char *node, const char *line)
{
	struct lab_clouds *lc = ctx;
	const struct sc_gateway *g = scenario_gateway(lc->lab->sc, node);
	struct sakura_bind *b;
	char stamped[700], stamp[32];
	time_t s;
	struct tm tm;

	if (!g || g->cloud != SC_CLOUD_SAKURA || !lc->sk)
		return;
	b = &lc->sb[g - lc->lab->sc->gateways];
	if (!b->id || !b->on)
		return;
	/* syslog style, in JST as the router writes it (seeds/002) */
	s = (time_t)(lc->lab->opts.epoch_us / 1000000 + loop_now(lc->lab->loop) / LAB_NS_PER_SEC +
	             9 * 3600);
	gmtime_r(&s, &tm);
	strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
	snprintf(stamped, sizeof stamped, "%s rt-%llu charon: %s", stamp,
	         (unsigned long long)b->id, line);
	stamped[strcspn(stamped, "\n")] = 0;
	sakura_mock_log_append(lc->sk, b->id, stamped);
}

/* ---- servers ---- */

static void on_http(void *ctx, int fd, uint32_t events)
{
	struct cloud_srv *s = ctx;

	(void)fd;
	(void)events;
	/* work MHD has ready without a new readable event (a queued answer) is done too */
	for (int i = 0; i < 8; i++) {
		http_server_run(s->srv);
		if (http_server_timeout_ms(s->srv) != 0)
			break;
	}
}

/* A K5 request may have changed a router: its node follows. */
static void on_http_k5(void *ctx, int fd, uint32_t events)
{
	struct lab_clouds *lc = ctx;

	on_http(&lc->srv[SC_CLOUD_K5], fd, events);
	k5_sync_all(lc);
}

/* The Sakura mock's deadlines move with every request: re-arm after each. */
static void on_http_sakura(void *ctx, int fd, uint32_t events)
{
	struct lab_clouds *lc = ctx;

	on_http(&lc->srv[SC_CLOUD_SAKURA], fd, events);
	sakura_arm(lc);
}

/*
 * The home namespace's loopback must be up for the API to be reachable there. As root the
 * home is the host's namespace, whose lo is up (and then nothing is changed); a rootless run's
 * home is a private namespace of its own, born with lo down.
 */
static int home_lo_up(char *msg, size_t msglen)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		err = -errno;
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			err = -errno;
	}
	if (err)
		snprintf(msg, msglen, "clouds: cannot bring up lo of the lab's home: %s",
		         strerror(-err));
	close(fd);
	return err;
}

static int srv_start(struct lab_clouds *lc, int kind, http_handler_fn fn, void *mock,
                     size_t max_body, char *msg, size_t msglen)
{
	const struct sc_cloud *cl = &lc->lab->sc->clouds[kind];
	struct cloud_srv *s = &lc->srv[kind];
	char addr[80], a[64], err[300];
	int fd, e;

	s->nsfd = -1;
	sc_format_prefix(&cl->addr, false, a, sizeof a);
	snprintf(addr, sizeof addr, cl->addr.family == AF_INET6 ? "[%s]:%d" : "%s:%d", a,
	         cl->port);
	if (cl->node[0]) {
		struct lab_node *n = lab_node(lc->lab, cl->node);

		if (!n || (e = netns_enter(n->nsfd))) {
			snprintf(msg, msglen, "clouds.%s: cannot enter node %s", scenario_cloud_name(kind),
			         cl->node);
			return -ENOENT;
		}
		s->nsfd = n->nsfd;
	} else if ((e = home_lo_up(msg, msglen))) {
		return e;
	}
	fd = http_listen(addr, err, sizeof err);
	if (cl->node[0])
		netns_leave();
	if (fd < 0) {
		snprintf(msg, msglen, "clouds.%s: %s", scenario_cloud_name(kind), err);
		return fd;
	}
	s->alen = sizeof s->addr;
	getsockname(fd, (struct sockaddr *)&s->addr, &s->alen);
	{
		unsigned port = ntohs(s->addr.ss_family == AF_INET6 ?
		                      ((struct sockaddr_in6 *)&s->addr)->sin6_port :
		                      ((struct sockaddr_in *)&s->addr)->sin_port);

		snprintf(s->host, sizeof s->host, cl->addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		         a, port);
	}
	if ((e = http_server_start(&s->srv, fd, max_body, fn, mock, err, sizeof err))) {
		snprintf(msg, msglen, "clouds.%s: %s", scenario_cloud_name(kind), err);
		return e;
	}
	s->fd = http_server_fd(s->srv);
	if (kind == SC_CLOUD_SAKURA)
		e = loop_watch(lc->lab->loop, s->fd, EPOLLIN, on_http_sakura, lc);
	else if (kind == SC_CLOUD_K5)
		e = loop_watch(lc->lab->loop, s->fd, EPOLLIN, on_http_k5, lc);
	else
		e = loop_watch(lc->lab->loop, s->fd, EPOLLIN, on_http, s);
	if (e) {
		snprintf(msg, msglen, "clouds.%s: cannot watch the server", scenario_cloud_name(kind));
		return e;
	}
	event(lc, "cloud", "api", "%s API at http://%s%s%s", kind == SC_CLOUD_K5 ? "K5" : "Sakura",
	      s->host, cl->node[0] ? " in node " : " (the lab's home namespace)",
	      cl->node[0] ? cl->node : "");
	return 0;
}

int lab_clouds_start(struct lab_clouds **out, struct lab *lab, struct lab_gateways *lg,
                     struct drbg *root, struct report *r, const struct report_out *o,
                     char *msg, size_t msglen)
{
	const struct scenario *sc = lab->sc;
	struct lab_clouds *lc = calloc(1, sizeof *lc);
	struct lab_gateways_observer ob = { .event = on_gw_event, .log = on_gw_log };
	int err = 0;

	*out = NULL;
	if (!lc)
		return -ENOMEM;
	lc->lab = lab;
	lc->lg = lg;
	lc->r = r;
	lc->o = o;
	lc->sb = calloc(sc->ngateways + 1, sizeof *lc->sb);
	lc->k5n = calloc(sc->ngateways + 1, sizeof *lc->k5n);
	if (!lc->sb || !lc->k5n) {
		free(lc->sb);
		free(lc->k5n);
		free(lc);
		return -ENOMEM;
	}
	for (int k = 0; k < SC_CLOUD_COUNT; k++)
		lc->srv[k].nsfd = -1;
	loop_timer_init(&lc->sk_timer, on_sakura_timer, lc);
	loop_timer_init(&lc->k5_timer, on_k5_timer, lc);
	drbg_derive(&lc->k5_drbg, root, "cloud/k5");
	drbg_derive(&lc->sakura_drbg, root, "cloud/sakura");
	if (sc->clouds[SC_CLOUD_K5].present) {
		const struct sc_cloud *cl = &sc->clouds[SC_CLOUD_K5];
		struct k5_config cfg;
		struct k5_gateway gw = { .conn_created = k5_conn_created,
		                         .conn_updated = k5_conn_updated,
		                         .conn_deleted = k5_conn_deleted, .ctx = lc };

		char ext[2][2][48];

		k5_config_default(&cfg);
		cfg.region = cl->region;
		for (int i = 0; i < 2; i++) {
			sc_format_prefix(&cl->ext_cidr[i], true, ext[i][0], sizeof ext[i][0]);
			sc_format_prefix(&cl->ext_gw[i], false, ext[i][1], sizeof ext[i][1]);
			cfg.external[i].cidr = ext[i][0];
			cfg.external[i].gateway_ip = ext[i][1];
		}
		cfg.username = cl->user[0] ? cl->user : NULL;
		cfg.password = cl->password[0] ? cl->password : NULL;
		cfg.epoch_unix = lab->opts.epoch_us / 1000000;
		cfg.now = clock_now;
		cfg.now_ctx = lc;
		cfg.log = mock_log;
		cfg.log_ctx = lc;
		if ((err = k5_mock_new(&lc->k5, &cfg, &lc->k5_drbg))) {
			snprintf(msg, msglen, "clouds.k5: cannot start the mock");
			goto fail;
		}
		k5_mock_attach_gateway(lc->k5, &gw);
		if ((err = srv_start(lc, SC_CLOUD_K5, k5_mock_handle, lc->k5, K5_MAX_BODY, msg,
		                     msglen)))
			goto fail;
	}
	if (sc->clouds[SC_CLOUD_SAKURA].present) {
		const struct sc_cloud *cl = &sc->clouds[SC_CLOUD_SAKURA];
		struct sakura_config cfg;
		struct sakura_gateway gw = { .applied = sakura_applied, .stopping = sakura_stopping,
		                             .powered_off = sakura_powered_off, .ping = sakura_ping,
		                             .nic = sakura_nic, .ctx = lc };

		sakura_config_default(&cfg);
		cfg.zones = cl->zone;
		cfg.token = cl->token;
		cfg.secret = cl->secret;
		cfg.stuck_migration = cl->stuck_migration;
		cfg.epoch_unix = lab->opts.epoch_us / 1000000;
		cfg.now = clock_now;
		cfg.now_ctx = lc;
		cfg.log = mock_log;
		cfg.log_ctx = lc;
		if ((err = sakura_mock_new(&lc->sk, &cfg, &lc->sakura_drbg))) {
			snprintf(msg, msglen, "clouds.sakura: cannot start the mock");
			goto fail;
		}
		sakura_mock_attach_gateway(lc->sk, &gw);
		if ((err = srv_start(lc, SC_CLOUD_SAKURA, sakura_mock_handle, lc->sk,
		                     SAKURA_MAX_BODY, msg, msglen)))
			goto fail;
	}
	ob.ctx = lc;
	lab_gateways_observe(lg, &ob);
	*out = lc;
	return 0;
fail:
	lab_clouds_stop(lc);
	return err;
}

int lab_clouds_endpoint(struct lab_clouds *lc, int cloud, const struct sockaddr **to,
                        socklen_t *tolen, int *nsfd, const char **host)
{
	struct cloud_srv *s;

	if (!lc || cloud <= SC_CLOUD_NONE || cloud >= SC_CLOUD_COUNT || !lc->srv[cloud].srv)
		return -ENOENT;
	s = &lc->srv[cloud];
	*to = (const struct sockaddr *)&s->addr;
	*tolen = s->alen;
	*nsfd = s->nsfd;
	*host = s->host;
	return 0;
}

const struct sc_cloud *lab_clouds_config(struct lab_clouds *lc, int cloud)
{
	return &lc->lab->sc->clouds[cloud];
}

int lab_clouds_var_set(struct lab_clouds *lc, const char *name, const char *value, bool json)
{
	size_t i;

	if (strlen(value) >= LAB_CLOUD_VAR_MAX)
		return -EMSGSIZE;
	for (i = 0; i < lc->nvars; i++)
		if (!strcmp(lc->vars[i].name, name))
			break;
	if (i == VARS_MAX)
		return -ENOSPC;
	if (i == lc->nvars)
		lc->nvars++;
	snprintf(lc->vars[i].name, sizeof lc->vars[i].name, "%s", name);
	snprintf(lc->vars[i].value, sizeof lc->vars[i].value, "%s", value);
	lc->vars[i].json = json;
	return 0;
}

const char *lab_clouds_var_get(struct lab_clouds *lc, const char *name, bool *json)
{
	for (size_t i = 0; i < lc->nvars; i++)
		if (!strcmp(lc->vars[i].name, name)) {
			if (json)
				*json = lc->vars[i].json;
			return lc->vars[i].value;
		}
	return NULL;
}

const char *lab_clouds_k5_token(struct lab_clouds *lc)
{
	return lc->k5_token;
}

void lab_clouds_k5_token_set(struct lab_clouds *lc, const char *token)
{
	snprintf(lc->k5_token, sizeof lc->k5_token, "%s", token);
}

void lab_clouds_print(struct lab_clouds *lc, FILE *f)
{
	const struct cloud_srv *k = &lc->srv[SC_CLOUD_K5], *s = &lc->srv[SC_CLOUD_SAKURA];
	const struct scenario *sc = lc->lab->sc;

	if (k->srv)
		fprintf(f, "K5 API: OS_AUTH_URL=http://%s/v3%s%s (user %s)\n", k->host,
		        sc->clouds[SC_CLOUD_K5].node[0] ? " in node " : "",
		        sc->clouds[SC_CLOUD_K5].node, sc->clouds[SC_CLOUD_K5].user[0] ?
		        sc->clouds[SC_CLOUD_K5].user : "any, any password");
	if (s->srv)
		fprintf(f, "Sakura API: SAKURACLOUD_API_ROOT_URL=http://%s/cloud/zone%s%s "
		        "(token %s, zone %s)\n", s->host, sc->clouds[SC_CLOUD_SAKURA].node[0] ?
		        " in node " : "", sc->clouds[SC_CLOUD_SAKURA].node,
		        sc->clouds[SC_CLOUD_SAKURA].token, sc->clouds[SC_CLOUD_SAKURA].zone);
	fflush(f);
}

void lab_clouds_stop(struct lab_clouds *lc)
{
	if (!lc)
		return;
	lab_gateways_observe(lc->lg, NULL);
	loop_timer_cancel(lc->lab->loop, &lc->sk_timer);
	loop_timer_cancel(lc->lab->loop, &lc->k5_timer);
	for (int k = 0; k < SC_CLOUD_COUNT; k++)
		if (lc->srv[k].srv) {
			loop_unwatch(lc->lab->loop, lc->srv[k].fd);
			http_server_stop(lc->srv[k].srv);
		}
	if (lc->k5)
		k5_mock_attach_gateway(lc->k5, NULL);
	k5_mock_free(lc->k5);
	for (size_t i = 0; i < SAKURA_PINGS_MAX; i++)
		lab_sakura_ping_free(lc->pings[i]);
	if (lc->sk)
		sakura_mock_attach_gateway(lc->sk, NULL);
	sakura_mock_free(lc->sk);
	drbg_wipe(&lc->k5_drbg);
	drbg_wipe(&lc->sakura_drbg);
	if (lc->k5c)
		explicit_bzero(lc->k5c, lc->nk5c * sizeof *lc->k5c);
	free(lc->k5c);
	free(lc->sb);
	free(lc->k5n);
	explicit_bzero(lc, sizeof *lc);
	free(lc);
}
