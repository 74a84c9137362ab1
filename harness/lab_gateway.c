/*
 * lab_gateway.c: the scenario's gateways in the lab (see lab_gateway.h).
 */
#include "harness/lab_gateway.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/gateway.h"
#include "harness/gateway_show.h"
#include "harness/netns.h"
#include "harness/scenario_gateway.h"
#include "harness/strongswan.h"
#include "harness/swanctl_conf.h"

/*
 * One gateway of either kind: a simulated one (gw) or, for profile strongswan, a real
 * charon (sw). The lgw_* helpers below are the only places that look at which; everything
 * else asks them.
 */
struct lab_gw {
	struct lab_gateways *lg;
	const struct sc_gateway *sc;
	/* what reconfigure steps stacked: CLI texts after sc->config, and the connection list
	 * as the last step left it (NULL: sc->conns); borrowed from the scenario */
	const char *texts[SC_GW_TEXTS_MAX];
	size_t ntexts;
	const struct sc_gw_conn *conns;
	uint32_t uplink_mtu;            /* set by a link step; 0 = the topology's */
	struct gateway *gw;
	struct sswan *sw;
	bool sw_initiator;              /* some connection initiates: started after the others */
	bool sw_gone_reported;          /* charon exited on its own: said once in the report */
	struct drbg drbg;
	FILE *log;                      /* OUT/logs/NODE.log: the gateway's charon-like lines */
	struct gw_config *cloud_cfg;    /* a cloud gateway's current configuration (the API's,
	                                   not the scenario's); wiped and freed at stop */
};

struct lab_gateways {
	struct lab *lab;
	struct report *r;
	const struct report_out *o;
	struct lab_gw *gws;
	size_t n;
	struct lab_gateways_observer ob;
};

static bool lgw_live(const struct lab_gw *g)
{
	return g->gw || g->sw;
}

static size_t lgw_conn_count(const struct lab_gw *g)
{
	return g->gw ? gw_conn_count(gateway_gw(g->gw)) : g->sw ? sswan_conn_count(g->sw) : 0;
}

static int lgw_conn_find(const struct lab_gw *g, const char *name)
{
	return g->gw ? gw_conn_find(gateway_gw(g->gw), name) : sswan_conn_find(g->sw, name);
}

/* Is the charon still there? Its exit is reported once (a charon that died mid-run must
 * not look like a tunnel that is merely down). */
static bool lgw_sw_alive(struct lab_gw *g)
{
	char err[300];

	if (sswan_alive(g->sw, err, sizeof err))
		return true;
	if (!g->sw_gone_reported)
		report_event(g->lg->r, g->lg->o, loop_now(g->lg->lab->loop), g->sc->node, "error",
		             err);
	g->sw_gone_reported = true;
	return false;
}

/* The connection's counters now; a charon that cannot answer is reported and counted down. */
static void lgw_stats(struct lab_gw *g, int conn, struct gw_conn_stats *st)
{
	char err[200];

	if (g->gw) {
		gw_conn_stats(gateway_gw(g->gw), conn, st);
		return;
	}
	if (!lgw_sw_alive(g) || sswan_conn_stats(g->sw, conn, st, err, sizeof err) != 0) {
		if (!g->sw_gone_reported)
			report_event(g->lg->r, g->lg->o, loop_now(g->lg->lab->loop), g->sc->node,
			             "error", err);
		memset(st, 0, sizeof *st);
		st->state = GW_CONN_DOWN;
	}
}

static void lgw_initiate(struct lab_gw *g, int conn, bool up)
{
	char err[200];
	int rc;

	if (g->gw) {
		if (up)
			gw_conn_initiate(gateway_gw(g->gw), conn, loop_now(g->lg->lab->loop));
		else
			gw_conn_down(gateway_gw(g->gw), conn, loop_now(g->lg->lab->loop));
		gateway_flush(g->gw);
		return;
	}
	rc = up ? sswan_conn_initiate(g->sw, conn, err, sizeof err) :
	          sswan_conn_terminate(g->sw, conn, err, sizeof err);
	if (rc)
		report_event(g->lg->r, g->lg->o, loop_now(g->lg->lab->loop), g->sc->node, "error",
		             err);
}

/* charon's VICI events as the same report lines a simulated gateway's events give. */
static void on_sw_event(void *ctx, const struct sswan_event *ev)
{
	struct lab_gw *g = ctx;
	const struct vici_ike_sa *sa = &ev->sa;
	const struct vici_child_sa *ch = sa->nchild ? &sa->child[0] : NULL;
	char source[160], text[320];
	const char *kind = "ike_event";

	snprintf(source, sizeof source, "%s/%s", g->sc->node, sa->name);
	text[0] = 0;
	switch (ev->type) {
	case SSWAN_EV_IKE_UP:
	case SSWAN_EV_IKE_REKEY:
		kind = ev->type == SSWAN_EV_IKE_UP ? "ike_sa_established" : "ike_sa_reauthenticated";
		snprintf(text, sizeof text, "%s%s", sa->proposal,
		         sa->remote_port == 4500 ? " udp_encap" : "");
		break;
	case SSWAN_EV_IKE_DOWN:
		kind = "ike_sa_deleted";
		break;
	case SSWAN_EV_CHILD_UP:
	case SSWAN_EV_CHILD_DOWN:
	case SSWAN_EV_CHILD_REKEY:
		kind = ev->type == SSWAN_EV_CHILD_UP ? "child_sa_established" :
		       ev->type == SSWAN_EV_CHILD_DOWN ? "child_sa_deleted" : "child_sa_rekeyed";
		if (ch)
			snprintf(text, sizeof text, "%s spi_in=%08x spi_out=%08x%s", ch->proposal,
			         ch->spi_in, ch->spi_out, ch->encap ? " udp_encap" : "");
		break;
	}
	report_event(g->lg->r, g->lg->o, loop_now(g->lg->lab->loop), source, kind, text);
}

static struct lab_gw *by_gateway(struct lab_gateways *lg, const struct gateway *g)
{
	for (size_t i = 0; i < lg->n; i++)
		if (lg->gws[i].gw == g)
			return &lg->gws[i];
	return NULL;
}

static void on_event(void *ctx, struct gateway *g, const struct gw_event *ev)
{
	struct lab_gateways *lg = ctx;
	char source[72], kind[32], text[320];

	if (ev->conn >= 0)
		snprintf(source, sizeof source, "%s/%s", gateway_name(g), ev->conn_name);
	else
		snprintf(source, sizeof source, "%s", gateway_name(g));
	gateway_event_text(ev, kind, sizeof kind, text, sizeof text);
	report_event(lg->r, lg->o, ev->time, source, kind, text);
	if (lg->ob.event)
		lg->ob.event(lg->ob.ctx, gateway_name(g), ev);
}

static void on_log(void *ctx, struct gateway *g, const char *line)
{
	struct lab_gateways *lg = ctx;
	char t[32];

	report_fmt_time(loop_now(lg->lab->loop), t, sizeof t);
	for (size_t i = 0; i < lg->n; i++)
		if (lg->gws[i].gw == g && lg->gws[i].log)
			fprintf(lg->gws[i].log, "%10s %s\n", t, line);
	if (lg->ob.log)
		lg->ob.log(lg->ob.ctx, gateway_name(g), line);
}

void lab_gateways_observe(struct lab_gateways *lg, const struct lab_gateways_observer *ob)
{
	if (ob)
		lg->ob = *ob;
	else
		memset(&lg->ob, 0, sizeof lg->ob);
}

struct gateway *lab_gateways_node(struct lab_gateways *lg, const char *node)
{
	for (size_t i = 0; i < lg->n; i++)
		if (!strcmp(lg->gws[i].sc->node, node))
			return lg->gws[i].gw;
	return NULL;
}

int lab_gateways_set_config(struct lab_gateways *lg, const char *node,
                            const struct gw_config *cfg, char *msg, size_t msglen)
{
	struct gateway *g = lab_gateways_node(lg, node);
	struct lab_gw *lgw = g ? by_gateway(lg, g) : NULL;
	int err;

	if (!lgw) {
		snprintf(msg, msglen, "node %s has no gateway", node);
		return -ENOENT;
	}
	if (!lgw->cloud_cfg && !(lgw->cloud_cfg = calloc(1, sizeof *lgw->cloud_cfg)))
		return -ENOMEM;
	err = gateway_reconfigure(g, cfg, msg, msglen);
	if (!err)
		*lgw->cloud_cfg = *cfg;
	return err;
}

static struct lab_gw *find(struct lab_gateways *lg, const struct sc_conn_ref *ref, int *conn)
{
	for (size_t i = 0; i < lg->n; i++)
		if (!strcmp(lg->gws[i].sc->node, ref->gateway) && lgw_live(&lg->gws[i])) {
			*conn = lgw_conn_find(&lg->gws[i], ref->conn);
			return *conn >= 0 ? &lg->gws[i] : NULL;
		}
	return NULL;
}

/* The gateway's configuration as it is now (after the reconfigure steps run so far). */
static int resolve_current(struct lab_gateways *lg, const struct lab_gw *g,
                           struct gw_config *cfg, struct profile_report *forced, char *err,
                           size_t errlen)
{
	struct sc_gateway now = *g->sc;

	int rc;

	if (g->conns)
		now.conns = (struct sc_gw_conn *)g->conns;
	rc = scenario_gateway_resolve(lg->lab->sc, &now, g->texts, g->ntexts, cfg, forced, err,
	                              errlen);
	if (!rc && g->uplink_mtu)
		cfg->dp.uplink_mtu = g->uplink_mtu;
	return rc;
}

/* What the vendor's firmware does whatever the scenario set, a line each. */
static void forced_report(struct lab_gateways *lg, const struct lab_gw *g,
                          const struct profile_report *forced)
{
	lab_ns now = loop_now(lg->lab->loop);

	for (size_t k = 0; k < forced->n; k++)
		report_event(lg->r, lg->o, now, g->sc->node, "profile_forced", forced->line[k]);
	if (forced->dropped) {
		char text[96];

		snprintf(text, sizeof text, "%zu more values replaced by profile %s",
		         forced->dropped, g->sc->profile);
		report_event(lg->r, lg->o, now, g->sc->node, "profile_forced", text);
	}
}

/* charon for g in its node; its events become report lines from the next loop turn. What
 * charon does its own way whatever the configuration says (the renderer's notes, also at
 * the top of swanctl.conf) becomes a strongswan_note line each. */
static int sw_start(struct lab_gateways *lg, struct lab_gw *g, const struct lab_node *n,
                    const struct gw_config *cfg, char *msg, size_t msglen)
{
	struct swanctl_notes notes;
	char text[700];
	int err;

	if (swanctl_conf_check(cfg, &notes, msg, msglen) == 0)
		for (char *l = notes.text, *e; *l; l = e + 1) {
			if (!(e = strchr(l, '\n')))
				break;
			*e = 0;
			report_event(lg->r, lg->o, loop_now(lg->lab->loop), g->sc->node,
			             "strongswan_note", l);
		}

	err = sswan_start(&g->sw, lg->lab->loop, n->nsfd, g->sc->node, cfg, lg->lab->opts.outdir,
	                  msg, msglen);
	if (err)
		return err;
	sswan_on_event(g->sw, on_sw_event, g);
	/* kernel-libipsec made its TUN when charon started (before the configuration loaded):
	 * captured like a simulated gateway's tunnel interface, the inner packets in clear */
	if (lg->lab->opts.capture) {
		err = lab_capture_add(lg->lab, g->sc->node, SSWAN_TUN_NAME, "tunnel", SSWAN_TUN_MTU,
		                      msg, msglen);
		if (err)
			return err;
	}
	snprintf(text, sizeof text, "charon pid %d, configuration loaded over VICI, files in %s",
	         (int)sswan_pid(g->sw), sswan_dir(g->sw));
	report_event(lg->r, lg->o, loop_now(lg->lab->loop), g->sc->node, "strongswan_started",
	             text);
	return 0;
}

int lab_gateways_start(struct lab_gateways **out, struct lab *lab, struct drbg *root,
                       struct report *r, const struct report_out *o, char *msg,
                       size_t msglen)
{
	const struct scenario *sc = lab->sc;
	struct lab_gateways *lg = calloc(1, sizeof *lg);
	char keys[600];
	int err = 0;

	*out = NULL;
	if (!lg)
		return -ENOMEM;
	lg->lab = lab;
	lg->r = r;
	lg->o = o;
	lg->gws = calloc(sc->ngateways + 1, sizeof *lg->gws);
	if (!lg->gws) {
		free(lg);
		return -ENOMEM;
	}
	if (lab->opts.capture && sc->ngateways) {
		char logs[600];

		snprintf(logs, sizeof logs, "%s/logs", lab->opts.outdir);
		if (mkdir(logs, 0755) < 0 && errno != EEXIST) {
			snprintf(msg, msglen, "cannot create %s: %s", logs, strerror(errno));
			free(lg->gws);
			free(lg);
			return -errno;
		}
	}
	snprintf(keys, sizeof keys, "%s/keys", lab->opts.outdir);
	/* this run's keys only (an output directory is reused from run to run) */
	for (int k = 0; k < 2; k++) {
		char path[700];

		snprintf(path, sizeof path, "%s/%s", keys, k ? "esp_sa" : "ikev1_decryption_table");
		unlink(path);
	}
	for (size_t i = 0; i < sc->ngateways; i++) {
		const struct sc_gateway *g = &sc->gateways[i];
		struct lab_gw *lgw = &lg->gws[lg->n++];
		struct lab_node *n = lab_node(lab, g->node);
		struct gw_config cfg;
		struct profile_report forced;
		struct gateway_opts go = { 0 };
		char label[48], err_text[300];

		lgw->sc = g;
		lgw->lg = lg;
		if (lab->opts.capture && !scenario_gateway_is_strongswan(g)) {
			char path[700];

			snprintf(path, sizeof path, "%s/logs/%s.log", lab->opts.outdir, g->node);
			lgw->log = fopen(path, "w");
		}
		snprintf(label, sizeof label, "gw/%s", g->node);
		drbg_derive(&lgw->drbg, root, label);
		if (!n) {
			snprintf(msg, msglen, "gateway %s: no such node in the lab", g->node);
			err = -ENOENT;
			break;
		}
		memset(&forced, 0, sizeof forced);
		err = resolve_current(lg, lgw, &cfg, &forced, err_text, sizeof err_text);
		if (err) {
			snprintf(msg, msglen, "%s", err_text);
			gw_config_wipe(&cfg);
			break;
		}
		forced_report(lg, lgw, &forced);
		/* a gateway forwards between its LAN and its tunnel, whatever the node says */
		err = netns_sysctl(n->nsfd, "net/ipv4/ip_forward", "1");
		if (err) {
			snprintf(msg, msglen, "gateway %s: forwarding on: %s", g->node, strerror(-err));
			gw_config_wipe(&cfg);
			break;
		}
		if (scenario_gateway_is_strongswan(g)) {
			/*
			 * charon initiates as soon as its configuration is loaded, and a peer charon
			 * that is up but not configured yet answers NO_PROPOSAL_CHOSEN, which is
			 * final: responders' charons start now, initiators' after everything else.
			 */
			for (size_t k = 0; k < cfg.nconns; k++)
				if (cfg.conns[k].enabled && cfg.conns[k].ike.initiator)
					lgw->sw_initiator = true;
			if (!lgw->sw_initiator)
				err = sw_start(lg, lgw, n, &cfg, msg, msglen);
			gw_config_wipe(&cfg);
			if (err)
				break;
			continue;
		}
		go.name = g->node;
		go.loop = lab->loop;
		go.nsfd = n->nsfd;
		go.nl = n->nl;
		go.cfg = &cfg;
		go.drbg = &lgw->drbg;
		go.tunnel = g->tunnel;
		go.tunnel_mtu = (int)cfg.dp.tunnel_mtu;       /* the scenario's, or the profile's */
		go.routes = true;
		go.keys_dir = lab->opts.capture ? keys : NULL;
		go.on_event = on_event;
		go.on_log = on_log;
		go.ctx = lg;
		err = gateway_open(&lgw->gw, &go, msg, msglen);
		gw_config_wipe(&cfg);
		if (err)
			break;
		err = lab_capture_add(lab, g->node, g->tunnel, "tunnel",
		                      go.tunnel_mtu ? go.tunnel_mtu : 1500, msg, msglen);
		if (err)
			break;
	}
	for (size_t i = 0; !err && i < lg->n; i++)
		if (lg->gws[i].gw)
			gateway_start(lg->gws[i].gw);
	for (size_t i = 0; !err && i < lg->n; i++) {
		struct lab_gw *lgw = &lg->gws[i];
		struct gw_config cfg;
		char err_text[300];

		if (!lgw->sw_initiator)
			continue;
		err = resolve_current(lg, lgw, &cfg, NULL, err_text, sizeof err_text);
		if (err)
			snprintf(msg, msglen, "%s", err_text);
		else
			err = sw_start(lg, lgw, lab_node(lab, lgw->sc->node), &cfg, msg, msglen);
		gw_config_wipe(&cfg);
	}
	if (err) {
		lab_gateways_stop(lg);
		return err;
	}
	*out = lg;
	return 0;
}

bool lab_gateways_conn_up(struct lab_gateways *lg, const struct sc_conn_ref *ref)
{
	struct gw_conn_stats st;
	int conn;
	struct lab_gw *g = find(lg, ref, &conn);

	if (!g)
		return false;
	if (g->sw)      /* the events' view: no VICI round trip per loop turn */
		return lgw_sw_alive(g) && sswan_conn_state(g->sw, conn) == GW_CONN_UP;
	gw_conn_stats(gateway_gw(g->gw), conn, &st);
	return st.state == GW_CONN_UP;
}

int lab_gateways_seq_restart(struct lab_gateways *lg, const struct sc_seq_restart *s,
                             char *msg, size_t msglen)
{
	int conn, err;
	struct lab_gw *g = find(lg, &s->ref, &conn);

	if (!g) {
		snprintf(msg, msglen, "no connection %s/%s in the lab", s->ref.gateway, s->ref.conn);
		return -ENOENT;
	}
	if (!g->gw) {
		snprintf(msg, msglen, "%s is a real charon: its sequence numbers cannot be set",
		         s->ref.gateway);
		return -EOPNOTSUPP;
	}
	err = gw_conn_seq_restart(gateway_gw(g->gw), conn, s->next);
	if (err == -ENOENT)
		snprintf(msg, msglen, "%s/%s has no SA whose sequence numbers could restart",
		         s->ref.gateway, s->ref.conn);
	else if (err)
		snprintf(msg, msglen, "%s/%s: sequence restart refused (%s)", s->ref.gateway,
		         s->ref.conn, strerror(-err));
	return err;
}

int lab_gateways_tunnel(struct lab_gateways *lg, const struct sc_tunnelop *t, char *msg,
                        size_t msglen)
{
	int conn;
	struct lab_gw *g = find(lg, &t->ref, &conn);

	if (!g) {
		snprintf(msg, msglen, "no connection %s/%s in the lab", t->ref.gateway, t->ref.conn);
		return -ENOENT;
	}
	if (t->action == SC_TUNNEL_RESTART) {
		/* the loader refused it for a real charon */
		if (g->gw) {
			gw_conn_restart(gateway_gw(g->gw), conn, loop_now(lg->lab->loop));
			gateway_flush(g->gw);
		}
		return 0;
	}
	lgw_initiate(g, conn, t->action != SC_TUNNEL_DOWN);
	return 0;
}

int lab_gateways_link_mtu(struct lab_gateways *lg, const char *node, const char *iface,
                          int mtu, char *msg, size_t msglen)
{
	for (size_t i = 0; i < lg->n; i++) {
		struct lab_gw *g = &lg->gws[i];
		struct gw_config cfg;
		char err_text[300];
		int err;

		if (!g->gw || strcmp(g->sc->node, node) || strcmp(g->sc->uplink, iface))
			continue;
		/* the same configuration with the new uplink MTU: the connections compare equal
		 * and keep their SAs; the size rules use the new MTU from the next packet */
		g->uplink_mtu = (uint32_t)mtu;
		if (g->cloud_cfg) {
			cfg = *g->cloud_cfg;
			cfg.dp.uplink_mtu = (uint32_t)mtu;
			err = 0;
		} else {
			err = resolve_current(lg, g, &cfg, NULL, err_text, sizeof err_text);
		}
		if (!err) {
			err = gw_reconfigure(gateway_gw(g->gw), &cfg, loop_now(lg->lab->loop), err_text,
			                     sizeof err_text);
		}
		if (!err && g->cloud_cfg)
			g->cloud_cfg->dp.uplink_mtu = (uint32_t)mtu;
		gw_config_wipe(&cfg);
		if (err) {
			snprintf(msg, msglen, "gateway %s: uplink MTU %d: %s", node, mtu, err_text);
			return err;
		}
		gateway_flush(g->gw);
	}
	return 0;
}

int lab_gateways_reconfigure(struct lab_gateways *lg, const struct sc_reconfigure *r,
                             char *msg, size_t msglen)
{
	struct lab_gw *g = NULL;
	struct gw_config *cfg;
	struct profile_report forced;
	char err_text[300];
	int err;

	for (size_t i = 0; i < lg->n; i++)
		if (lg->gws[i].gw && !strcmp(lg->gws[i].sc->node, r->gateway))
			g = &lg->gws[i];
	if (!g) {
		snprintf(msg, msglen, "no gateway %s in the lab", r->gateway);
		return -ENOENT;
	}
	if (g->sc->cloud) {
		snprintf(msg, msglen, "gateway %s is configured through the %s API, not by steps",
		         r->gateway, scenario_cloud_name(g->sc->cloud));
		return -EINVAL;
	}
	if (r->config && g->ntexts == SC_GW_TEXTS_MAX) {
		snprintf(msg, msglen, "gateway %s: more than %d config texts", r->gateway,
		         SC_GW_TEXTS_MAX);
		return -E2BIG;
	}
	cfg = calloc(1, sizeof *cfg);
	if (!cfg)
		return -ENOMEM;
	if (r->config)
		g->texts[g->ntexts++] = r->config;
	if (r->conns)
		g->conns = r->conns;
	memset(&forced, 0, sizeof forced);
	err = resolve_current(lg, g, cfg, &forced, err_text, sizeof err_text);
	if (!err)
		err = gw_reconfigure(gateway_gw(g->gw), cfg, loop_now(lg->lab->loop), err_text,
		                     sizeof err_text);
	gw_config_wipe(cfg);
	free(cfg);
	if (err) {
		snprintf(msg, msglen, "gateway %s: reconfigure: %s", r->gateway, err_text);
		return err;
	}
	forced_report(lg, g, &forced);
	gateway_flush(g->gw);
	return 0;
}

static const char *state_name(enum gw_conn_state s)
{
	return s == GW_CONN_UP ? "up" : s == GW_CONN_CONNECTING ? "connecting" : "down";
}

/* One "status" line per connection of g, now. */
static void status_lines(struct lab_gateways *lg, struct lab_gw *g, const char *kind)
{
	for (size_t c = 0; c < lgw_conn_count(g); c++) {
		struct gw_conn_stats st;
		char src[72], text[320];

		lgw_stats(g, (int)c, &st);
		snprintf(src, sizeof src, "%s/%s", g->sc->node,
		         g->cloud_cfg && c < g->cloud_cfg->nconns ? g->cloud_cfg->conns[c].name :
		         c < g->sc->nconns ? g->sc->conns[c].name : "?");
		snprintf(text, sizeof text, "%s spi_in=%08x spi_out=%08x in: %llu packets %llu bytes, "
		         "out: %llu packets %llu bytes, drops %llu, rekeys %u, reauths %u",
		         state_name(st.state), st.spi_in, st.spi_out,
		         (unsigned long long)st.packets_in, (unsigned long long)st.bytes_in,
		         (unsigned long long)st.packets_out, (unsigned long long)st.bytes_out,
		         (unsigned long long)st.drops, st.rekeys, st.reauths);
		report_event(lg->r, lg->o, loop_now(lg->lab->loop), src, kind, text);
	}
}

/* The vendor's own status display, for the profiles that have one: 0 or -ENOMEM. */
static int vendor_show(struct lab_gateways *lg, const struct lab_gw *g)
{
	size_t skipped = 0;
	char *text;

	if (!g->gw || strcmp(g->sc->profile, "fitelnet-f220"))
		return 0;
	text = gateway_show_crypto_sa(gateway_gw(g->gw), loop_now(lg->lab->loop), &skipped);
	if (!text)
		return -ENOMEM;
	report_show_add(lg->r, lg->o, loop_now(lg->lab->loop), g->sc->node, "show crypto sa",
	                text);
	if (skipped) {
		char why[128];

		snprintf(why, sizeof why, "show crypto sa: %zu SAs not shown (a transform an F220 "
		         "cannot negotiate)", skipped);
		report_event(lg->r, lg->o, loop_now(lg->lab->loop), g->sc->node, "show", why);
	}
	explicit_bzero(text, strlen(text));
	free(text);
	return 0;
}

int lab_gateways_show(struct lab_gateways *lg, const char *node, char *msg, size_t msglen)
{
	for (size_t i = 0; i < lg->n; i++)
		if (lgw_live(&lg->gws[i]) && !strcmp(lg->gws[i].sc->node, node)) {
			status_lines(lg, &lg->gws[i], "status");
			if (vendor_show(lg, &lg->gws[i])) {
				snprintf(msg, msglen, "gateway %s: out of memory for its status", node);
				return -ENOMEM;
			}
			return 0;
		}
	snprintf(msg, msglen, "no gateway %s in the lab", node);
	return -ENOENT;
}

void lab_gateways_stop(struct lab_gateways *lg)
{
	if (!lg)
		return;
	for (size_t i = 0; i < lg->n; i++) {
		struct lab_gw *g = &lg->gws[i];

		if (!lgw_live(g))
			continue;
		/* the counters (and the vendor's status display) before the DELETEs, which end
		 * the SAs */
		vendor_show(lg, g);
		for (size_t c = 0; c < lgw_conn_count(g); c++) {
			struct report_gw_conn *rc = report_gw_conn_add(lg->r);
			struct gw_conn_stats st;

			lgw_stats(g, (int)c, &st);
			snprintf(rc->node, sizeof rc->node, "%s", g->sc->node);
			if (g->cloud_cfg && c < g->cloud_cfg->nconns)
				snprintf(rc->conn, sizeof rc->conn, "%s", g->cloud_cfg->conns[c].name);
			else
				snprintf(rc->conn, sizeof rc->conn, "%s",
				         c < g->sc->nconns ? g->sc->conns[c].name : "?");
			snprintf(rc->state, sizeof rc->state, "%s", state_name(st.state));
			rc->spi_in = st.spi_in;
			rc->spi_out = st.spi_out;
			rc->packets_in = st.packets_in;
			rc->bytes_in = st.bytes_in;
			rc->packets_out = st.packets_out;
			rc->bytes_out = st.bytes_out;
			rc->drops = st.drops;
			rc->rekeys = st.rekeys;
			rc->reauths = st.reauths;
			{
				char src[72], text[320];

				snprintf(src, sizeof src, "%s/%s", rc->node, rc->conn);
				snprintf(text, sizeof text, "%s spi_in=%08x spi_out=%08x in: %llu packets "
				         "%llu bytes, out: %llu packets %llu bytes, drops %llu, rekeys %u",
				         rc->state, rc->spi_in, rc->spi_out,
				         (unsigned long long)rc->packets_in,
				         (unsigned long long)rc->bytes_in,
				         (unsigned long long)rc->packets_out,
				         (unsigned long long)rc->bytes_out,
				         (unsigned long long)rc->drops, rc->rekeys);
				report_event(lg->r, lg->o, loop_now(lg->lab->loop), src, "counters", text);
			}
		}
		if (g->gw) {
			struct gateway_io io;

			gateway_io(g->gw, &io);
			if (io.send_errors) {
				char text[160];

				snprintf(text, sizeof text, "%llu packets could not be sent (the last: %s)",
				         (unsigned long long)io.send_errors, strerror(io.last_send_errno));
				report_event(lg->r, lg->o, loop_now(lg->lab->loop), g->sc->node,
				             "send_errors", text);
			}
		}
	}
	/* Every gateway says goodbye, then the loop carries the DELETEs across for a moment
	 * before any socket closes, so no DELETE meets a closed port. */
	for (size_t i = 0; i < lg->n; i++)
		if (lg->gws[i].gw)
			gateway_shutdown(lg->gws[i].gw);
	/* charon sends its DELETEs on SIGTERM (sswan_stop waits for it to exit) */
	for (size_t i = 0; i < lg->n; i++) {
		sswan_stop(lg->gws[i].sw);
		lg->gws[i].sw = NULL;
	}
	if (lg->n)
		loop_run(lg->lab->loop, loop_now(lg->lab->loop) + lab_ms(100), NULL, NULL);
	for (size_t i = 0; i < lg->n; i++) {
		gateway_close(lg->gws[i].gw);
		lg->gws[i].gw = NULL;
		if (lg->gws[i].log)
			fclose(lg->gws[i].log);
		drbg_wipe(&lg->gws[i].drbg);
		if (lg->gws[i].cloud_cfg) {
			gw_config_wipe(lg->gws[i].cloud_cfg);
			free(lg->gws[i].cloud_cfg);
		}
	}
	free(lg->gws);
	free(lg);
}
