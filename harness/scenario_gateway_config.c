/*
 * scenario_gateway_config.c: one scenario gateway -> struct gw_config (scenario_gateway.h):
 * the defaults first (the one place a vendor profile will supply them), then every key the
 * scenario gave.
 */
#include "harness/scenario_gateway.h"
#include "harness/scenario_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

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
}

int scenario_gateway_config(const struct scenario *sc, const struct sc_gateway *g,
                            struct gw_config *cfg, char *err, size_t errlen)
{
	if (g->nconns > GW_MAX_CONNS) {
		snprintf(err, errlen, "%s:%d:%d: gateway %s: %zu connections, at most %d",
		         g->pos.file, g->pos.line, g->pos.col, g->node, g->nconns, GW_MAX_CONNS);
		return -EINVAL;
	}
	/* The one place a vendor profile will lay its defaults (peers/profile/, issue 8);
	 * validation refuses a profile until then, so only the plain defaults exist. */
	plain_defaults(cfg, g->nconns);

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

	cfg->nconns = g->nconns;
	for (size_t i = 0; i < g->nconns; i++) {
		const struct sc_gw_conn *cn = &g->conns[i];
		struct gw_conn *gc = &cfg->conns[i];
		struct ike_policy *p = &gc->ike;

		snprintf(gc->name, sizeof gc->name, "%s", cn->name);
		snprintf(p->name, sizeof p->name, "%s", cn->name);
		endpoint_of(&cn->local, &p->local);
		endpoint_of(&cn->remote, &p->remote);
		memcpy(p->psk, cn->psk, cn->psk_len);
		p->psk_len = cn->psk_len;
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
		if (cn->has_natt_keepalive)
			p->natt_keepalive = cn->natt_keepalive;
		if (cn->has_dpd) {
			/* a dpd map switches DPD on (idle mode, 30 s, timeout 4x the delay as
			 * `vpnlab peer --dpd`) unless it says otherwise */
			p->dpd = cn->dpd_mode >= 0 ? (enum ike_dpd_mode)cn->dpd_mode : IKE_DPD_IDLE;
			p->dpd_delay = cn->dpd_delay ? cn->dpd_delay : lab_sec(30);
			p->dpd_timeout = cn->dpd_timeout ? cn->dpd_timeout : 4 * p->dpd_delay;
			if (cn->dpd_action >= 0)
				p->dpd_action = (enum ike_dpd_action)cn->dpd_action;
		}
	}
	return 0;
}
