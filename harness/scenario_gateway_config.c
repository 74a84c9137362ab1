/*
 * scenario_gateway_config.c: one scenario gateway -> struct gw_config (scenario_gateway.h),
 * by the precedence rule of peers/profile/profile.h:
 *
 *   1. the defaults: the profile's (profile_config_init / profile_conn_add), or for a
 *      fitelnet-f220 gateway with a config text its CLI text over the profile's defaults
 *      (profile_fitelnet_configs), or without a profile a plain RFC gateway;
 *   2. every key the scenario gave;
 *   3. what the profile forces, each replaced value reported.
 */
#include "harness/scenario_gateway.h"
#include "harness/scenario_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "peers/profile/profile_fitelnet.h"

/* Proposals when a connection names none: what `vpnlab peer` and strongSwan's IKEv1 examples
 * use, so a two-line connection links with a stock peer. */
#define DEFAULT_IKE "aes128-sha1-modp1536"
#define DEFAULT_ESP "aes128-sha1-modp1536"

static void endpoint_of(const struct sc_prefix *p, struct ike_endpoint *e)
{
	memset(e, 0, sizeof *e);
	e->family = p->family;
	memcpy(e->addr, p->addr, 16);
	e->port = 500;
}

static void net_of(const struct sc_prefix *p, struct ike_net *n)
{
	n->family = p->family;
	memcpy(n->addr, p->addr, 16);
	n->len = p->len;
}

/*
 * What a gateway is before the scenario says anything: a plain RFC gateway that behaves like
 * `vpnlab peer` (INITIAL-CONTACT, DPD and NAT-T vendor IDs sent, DPD probes only to a peer
 * that announced DPD, older SAs dropped on INITIAL-CONTACT).
 */
static void plain_defaults(struct gw_config *cfg, size_t nconns)
{
	char err[128];

	memset(cfg, 0, sizeof *cfg);
	gw_dataplane_default(&cfg->dp);
	for (size_t i = 0; i < nconns; i++) {
		struct ike_policy *p = &cfg->conns[i].ike;

		cfg->conns[i].enabled = true;
		p->initial_contact = true;
		p->send_dpd_vid = true;
		p->send_natt_vid = true;
		p->dpd_needs_peer_vid = true;
		p->unique_on_initial_contact = true;
		/* behind a NAT (NAT-D): keepalives as strongSwan's charon.keep_alive and
		 * `vpnlab peer` */
		p->natt_keepalive = lab_sec(20);
		p->nike = ike_props_parse(DEFAULT_IKE, false, p->ike, IKE_MAX_PROPS, err, sizeof err);
		p->nesp = ike_props_parse(DEFAULT_ESP, true, p->esp, IKE_MAX_PROPS, err, sizeof err);
		p->local_ts.family = p->remote_ts.family = AF_INET;
	}
	cfg->nconns = nconns;
}

/* Step 1 from the CLI texts: the config, then the reconfigure texts in order. */
static int config_defaults(const struct sc_gateway *g, const char *const *more, size_t nmore,
                           struct gw_config *cfg, char *err, size_t errlen)
{
	const char *texts[SC_GW_TEXTS_MAX + 1];
	const char *names[SC_GW_TEXTS_MAX + 1];
	char namebuf[SC_GW_TEXTS_MAX + 1][8];
	struct fitelnet_diags *d;
	int rc;

	if (nmore > SC_GW_TEXTS_MAX) {
		snprintf(err, errlen, "%s:%d:%d: gateway %s: more than %d config texts", g->pos.file,
		         g->pos.line, g->pos.col, g->node, SC_GW_TEXTS_MAX);
		return -E2BIG;
	}
	d = malloc(sizeof *d);
	if (!d)
		return -ENOMEM;
	fitelnet_diags_init(d);
	for (size_t i = 0; i <= nmore; i++) {
		texts[i] = i ? more[i - 1] : g->config;
		snprintf(namebuf[i], sizeof namebuf[i], "#%zu", i);
		names[i] = namebuf[i];
	}
	rc = profile_fitelnet_configs(texts, names, nmore + 1, NULL, cfg, d);
	if (rc) {
		size_t k = 0;

		while (k < d->n && d->d[k].severity != FITELNET_ERROR)
			k++;
		/* the loader reports every error at its place; this is the run's safety net */
		snprintf(err, errlen, "%s:%d:%d: gateway %s: config: %s", g->config_map.at.file,
		         g->config_map.at.line, g->config_map.at.col, g->node,
		         k < d->n ? d->d[k].text : strerror(-rc));
	} else if (cfg->nconns != g->nconns) {
		snprintf(err, errlen, "%s:%d:%d: gateway %s: the config texts give %zu crypto maps, "
		         "the scenario %zu connections", g->config_map.at.file, g->config_map.at.line,
		         g->config_map.at.col, g->node, cfg->nconns, g->nconns);
		rc = -EINVAL;
	} else {
		for (size_t i = 0; i < g->nconns && !rc; i++)
			if (strcmp(cfg->conns[i].name, g->conns[i].name)) {
				snprintf(err, errlen, "%s:%d:%d: gateway %s: crypto map %zu is %s, the "
				         "scenario's connection %s", g->config_map.at.file,
				         g->config_map.at.line, g->config_map.at.col, g->node, i + 1,
				         cfg->conns[i].name, g->conns[i].name);
				rc = -EINVAL;
			}
	}
	explicit_bzero(d, sizeof *d);
	free(d);
	return rc;
}

/* Step 3, a line per replaced value, each naming its connection. */
static int forced_apply(const struct profile *prof, struct gw_config *cfg,
                        struct profile_report *forced)
{
	struct profile_report r;
	int rc;

	memset(&r, 0, sizeof r);
	rc = profile_conn_apply(prof, NULL, &cfg->dp, PROFILE_STAGE_FORCED, &r);
	if (forced)
		for (size_t k = 0; k < r.n && forced->n < PROFILE_REPORT_MAX; k++)
			snprintf(forced->line[forced->n++], PROFILE_REPORT_TEXT, "%s", r.line[k]);
	for (size_t i = 0; !rc && i < cfg->nconns; i++) {
		memset(&r, 0, sizeof r);
		rc = profile_conn_apply(prof, &cfg->conns[i].ike, NULL, PROFILE_STAGE_FORCED, &r);
		if (!forced)
			continue;
		for (size_t k = 0; k < r.n; k++) {
			if (forced->n == PROFILE_REPORT_MAX) {
				forced->dropped++;
				continue;
			}
			snprintf(forced->line[forced->n++], PROFILE_REPORT_TEXT, "[%s] %.280s",
			         cfg->conns[i].name, r.line[k]);
		}
		forced->dropped += r.dropped;
	}
	return rc;
}

/* Step 2 for one connection: only what the scenario wrote. */
static void conn_keys(const struct sc_gw_conn *cn, struct gw_conn *gc)
{
	struct ike_policy *p = &gc->ike;

	snprintf(gc->name, sizeof gc->name, "%s", cn->name);
	snprintf(p->name, sizeof p->name, "%s", cn->name);
	/* a crypto map without local-address speaks from the uplink's address */
	if (cn->has_local || !p->local.family)
		endpoint_of(&cn->local, &p->local);
	if (cn->has_remote)
		endpoint_of(&cn->remote, &p->remote);
	if (cn->psk_len) {
		explicit_bzero(p->psk, sizeof p->psk);
		memcpy(p->psk, cn->psk, cn->psk_len);
		p->psk_len = cn->psk_len;
	}
	if (cn->local_id.type) {
		p->local_id_type = cn->local_id.type;
		memcpy(p->local_id, cn->local_id.data, cn->local_id.len);
		p->local_id_len = cn->local_id.len;
	}
	if (cn->remote_id.type) {
		p->remote_id_type = cn->remote_id.type;
		memcpy(p->remote_id, cn->remote_id.data, cn->remote_id.len);
		p->remote_id_len = cn->remote_id.len;
	}
	if (cn->nike) {
		memcpy(p->ike, cn->ike, sizeof p->ike);
		p->nike = cn->nike;
	}
	if (cn->nesp) {
		memcpy(p->esp, cn->esp, sizeof p->esp);
		p->nesp = cn->nesp;
	}
	if (cn->has_local_ts)
		net_of(&cn->local_ts, &p->local_ts);
	if (cn->has_remote_ts)
		net_of(&cn->remote_ts, &p->remote_ts);
	/* no selector anywhere: everything (0.0.0.0/0), the tunnel carries IPv4 */
	if (!p->local_ts.family)
		p->local_ts.family = AF_INET;
	if (!p->remote_ts.family)
		p->remote_ts.family = AF_INET;
	if (cn->initiate >= 0)
		p->initiator = cn->initiate;
	if (cn->always_up >= 0)
		gc->always_up = cn->always_up;
	if (cn->force_encap >= 0)
		p->force_encap = cn->force_encap;
	if (cn->ike_lifetime)
		p->ike_lifetime = cn->ike_lifetime;
	if (cn->esp_lifetime)
		p->esp_lifetime = cn->esp_lifetime;
	if (cn->lifetime_rule >= 0)
		p->life_rule = (enum ike_life_rule)cn->lifetime_rule;
	if (cn->responder_lifetime >= 0)        /* implies the shorter rule (ike_select.c) */
		p->send_responder_lifetime = cn->responder_lifetime;
	if (cn->has_natt_keepalive)
		p->natt_keepalive = cn->natt_keepalive;
	if (cn->has_dpd) {
		/* a dpd map switches DPD on (idle mode, 30 s, timeout 4x the delay as
		 * `vpnlab peer --dpd`, or what the profile or config already set) unless it
		 * says otherwise */
		bool was_on = p->dpd != IKE_DPD_OFF;

		if (cn->dpd_mode >= 0)
			p->dpd = (enum ike_dpd_mode)cn->dpd_mode;
		else if (!was_on)
			p->dpd = IKE_DPD_IDLE;
		if (cn->dpd_delay)
			p->dpd_delay = cn->dpd_delay;
		else if (!was_on || !p->dpd_delay)
			p->dpd_delay = lab_sec(30);
		if (cn->dpd_timeout)
			p->dpd_timeout = cn->dpd_timeout;
		else if (!was_on || !p->dpd_timeout)
			p->dpd_timeout = 4 * p->dpd_delay;
		if (cn->dpd_action >= 0)
			p->dpd_action = (enum ike_dpd_action)cn->dpd_action;
	}
}

int scenario_gateway_resolve(const struct scenario *sc, const struct sc_gateway *g,
                             const char *const *more, size_t nmore, struct gw_config *cfg,
                             struct profile_report *forced, char *err, size_t errlen)
{
	const struct profile *prof = NULL;
	int rc;

	memset(cfg, 0, sizeof *cfg);
	if (g->nconns > GW_MAX_CONNS) {
		snprintf(err, errlen, "%s:%d:%d: gateway %s: %zu connections, at most %d",
		         g->pos.file, g->pos.line, g->pos.col, g->node, g->nconns, GW_MAX_CONNS);
		return -EINVAL;
	}
	if (g->profile[0] && !(prof = profile_find(g->profile))) {
		snprintf(err, errlen, "%s:%d:%d: gateway %s: no profile %s", g->profile_pos.file,
		         g->profile_pos.line, g->profile_pos.col, g->node, g->profile);
		return -EINVAL;
	}

	/* 1. defaults */
	if (g->config) {
		rc = config_defaults(g, more, nmore, cfg, err, errlen);
		if (rc)
			return rc;
	} else if (prof) {
		rc = profile_config_init(prof, cfg, NULL);
		for (size_t i = 0; !rc && i < g->nconns; i++)
			if (!profile_conn_add(prof, cfg, g->conns[i].name, NULL))
				rc = -EINVAL;
		if (rc) {
			snprintf(err, errlen, "%s:%d:%d: gateway %s: profile %s does not apply (a bad "
			         "row in its table)", g->profile_pos.file, g->profile_pos.line,
			         g->profile_pos.col, g->node, g->profile);
			return rc;
		}
	} else {
		plain_defaults(cfg, g->nconns);
	}

	/* 2. the scenario's keys */
	if (g->df >= 0)
		cfg->dp.df = (enum esp_df_mode)g->df;
	if (g->frag >= 0)
		cfg->dp.frag = g->frag ? GW_FRAG_POST : GW_FRAG_PRE;
	if (g->tunnel_mtu)
		cfg->dp.tunnel_mtu = (uint32_t)g->tunnel_mtu;
	/* The uplink's MTU is the topology's, not a gateway setting: the link's, or the
	 * segment's it is plugged into. */
	{
		const struct sc_link *l = NULL;
		const struct sc_end *e = sc_lab_iface(sc, g->node, g->uplink, &l);

		if (e && l) {
			int mtu = l->mtu;

			for (int k = 0; k < 2 && !mtu; k++)
				if (l->ends[k].is_segment) {
					const struct sc_segment *sg = scenario_segment(sc, l->ends[k].node);

					mtu = sg ? sg->mtu : 0;
				}
			cfg->dp.uplink_mtu = (uint32_t)(mtu ? mtu : 1500);
		}
	}
	if (g->has_mss_clamp)
		cfg->dp.mss_clamp = g->mss_clamp;
	if (g->hairpin >= 0)
		cfg->dp.hairpin = g->hairpin;
	if (g->has_replay_window)
		cfg->dp.replay_window = g->replay_window;
	for (size_t i = 0; i < g->nconns; i++)
		conn_keys(&g->conns[i], &cfg->conns[i]);

	/* 3. what the vendor does whatever it is told */
	if (prof && forced_apply(prof, cfg, forced)) {
		snprintf(err, errlen, "%s:%d:%d: gateway %s: profile %s does not apply (a bad row "
		         "in its table)", g->profile_pos.file, g->profile_pos.line,
		         g->profile_pos.col, g->node, g->profile);
		gw_config_wipe(cfg);
		return -EINVAL;
	}
	return 0;
}

int scenario_gateway_config(const struct scenario *sc, const struct sc_gateway *g,
                            struct gw_config *cfg, char *err, size_t errlen)
{
	return scenario_gateway_resolve(sc, g, NULL, 0, cfg, NULL, err, errlen);
}
