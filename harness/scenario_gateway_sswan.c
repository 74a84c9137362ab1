/*
 * scenario_gateway_sswan.c: what a `profile: strongswan` gateway may ask for. It is a real
 * charon (harness/strongswan.c), so a key charon cannot honour is refused at load, at the
 * key, instead of charon silently doing something else on the wire:
 *
 *   - the real clock: charon's timers run on the wall clock, the virtual clock would jump
 *     lab time past them;
 *   - data-plane keys kernel-libipsec has fixed (df, hairpin, replay_window, the TUN), which
 *     the renderer only notes, because here the scenario asked for them explicitly;
 *   - whatever swanctl_conf_check refuses in the resolved configuration: its message names
 *     a gw_config field ("conns[1] (to-dc).ike.psk: ..."), mapped back to the scenario key
 *     that sets it.
 */
#include "harness/scenario_gateway.h"
#include "harness/scenario_int.h"

#include <stdlib.h>
#include <string.h>

#include "harness/strongswan.h"
#include "harness/swanctl_conf.h"

/* kernel-libipsec's fixed window (swanctl_check.c notes any other) */
#define SSWAN_WINDOW 128

bool scenario_gateway_is_strongswan(const struct sc_gateway *g)
{
	return !strcmp(g->profile, SC_PROFILE_STRONGSWAN);
}

/* gw_config field (after "conns[N] (NAME)." or at the start) -> the scenario key. */
static const struct { const char *field, *key; } field_keys[] = {
	{ "ike.local/remote.port", "remote" }, { "ike.local_id", "local_id" },
	{ "ike.remote_id", "remote_id" }, { "ike.local_ts", "local_ts" },
	{ "ike.remote_ts", "remote_ts" }, { "ike.local", "local" }, { "ike.remote", "remote" },
	{ "ike.psk", "psk" }, { "ike.ike_lifetime", "ike_lifetime" },
	{ "ike.life_rule", "lifetime_rule" },
	{ "ike.send_responder_lifetime", "responder_lifetime" },
	{ "ike.ike", "ike" }, { "ike.esp", "esp" }, { "ike.dpd", "dpd" },
	{ "dp.frag", "fragment" },
	{ "dp.tunnel_mtu", "tunnel" }, { "dp.mss_clamp", "mss_clamp" },
};

static const char *key_of(const char *field)
{
	for (size_t i = 0; i < sizeof field_keys / sizeof field_keys[0]; i++)
		if (!strncmp(field, field_keys[i].field, strlen(field_keys[i].field)))
			return field_keys[i].key;
	return NULL;
}

/* The value node of key in the connections map entry named name, or NULL. */
static const struct ynode *conn_value(const struct ynode *conns, const char *name,
                                      const char *key)
{
	for (size_t i = 0; conns && i + 1 < conns->n; i += 2)
		if (conns->kids[i]->str && !strcmp(conns->kids[i]->str, name))
			return yaml_map_get(conns->kids[i + 1], key);
	return NULL;
}

/* The renderer's refusal at the scenario key that set the field, named when the scenario
 * wrote it; otherwise at the connection (or the gateway) it is about. */
static void renderer_refusal(struct sc_ctx *c, const struct sc_gateway *g,
                             const struct ynode *v, const struct ynode *conns,
                             const char *err)
{
	const char *field = err, *key;
	const struct sc_pos *at = &g->pos;
	const struct ynode *n = NULL;
	struct sc_pos here;

	if (!strncmp(err, "conns[", 6)) {
		char *end;
		unsigned long i = strtoul(err + 6, &end, 10);

		field = strchr(end, '.');
		field = field ? field + 1 : end;
		key = key_of(field);
		if (i < g->nconns) {
			at = &g->conns[i].pos;
			n = key ? conn_value(conns, g->conns[i].name, key) : NULL;
		}
	} else {
		key = key_of(field);
		n = key ? yaml_map_get(v, key) : NULL;
	}
	if (n) {
		here = sc_pos_of(c, n);
		at = &here;
	}
	sc_err_pos(c, at, "gateway '%s' (profile strongswan): %s%s%scharon cannot do this: %s",
	           g->node, n ? "key '" : "", n ? key : "", n ? "': " : "", err);
}

void sc_gateway_sswan_clock(struct sc_ctx *c, const struct sc_gateway *g,
                            const struct ynode *profile)
{
	if (c->sc->clock != SC_CLOCK_REAL)
		sc_err(c, profile, "gateway '%s': profile strongswan is a real charon running on the "
		       "wall clock; the scenario needs 'clock: real' (the virtual clock would jump "
		       "lab time past charon's timers)", g->node);
}

void sc_gateway_sswan_check(struct sc_ctx *c, const struct sc_gateway *g,
                            const struct ynode *v, const struct ynode *conns)
{
	const struct ynode *x;
	struct gw_config *cfg;
	char err[300];
	size_t before = c->d->n;

	if ((x = yaml_map_get(v, "df")) && g->df != ESP_DF_SET)
		sc_err(c, x, "df: kernel-libipsec sends every ESP packet with DF set (a UDP socket); "
		       "profile strongswan cannot copy or clear it: remove the key or say 'set'");
	if ((x = yaml_map_get(v, "hairpin")) && g->hairpin == 1)
		sc_err(c, x, "hairpin: not a charon setting (tunnel-to-tunnel traffic goes where the "
		       "node's routes and the selectors send it); remove the key for profile "
		       "strongswan");
	if ((x = yaml_map_get(v, "replay_window")) && g->has_replay_window &&
	    g->replay_window != SSWAN_WINDOW)
		sc_err(c, x, "replay_window: kernel-libipsec's window is fixed at %d; profile "
		       "strongswan cannot use %u", SSWAN_WINDOW, g->replay_window);
	if ((x = yaml_map_get(v, "tunnel")))
		sc_err(c, x, "tunnel: charon's kernel-libipsec makes its own TUN (MTU %d) and its "
		       "routes; profile strongswan takes no tunnel key", SSWAN_TUN_MTU);
	if ((x = yaml_map_get(v, "mss_clamp")) && g->has_mss_clamp && g->mss_clamp != -1)
		sc_err(c, x, "mss_clamp: charon does not clamp TCP MSS; clamp it with the node's "
		       "nftables, or say 'off' for profile strongswan");
	if ((x = yaml_map_get(v, "fragment")) && g->frag == GW_FRAG_POST)
		sc_err(c, x, "fragment: post-fragmentation is not possible with charon: "
		       "kernel-libipsec fragments inner packets at its %d-byte TUN (say 'pre')",
		       SSWAN_TUN_MTU);
	/* kernel-libipsec names its TUN itself */
	if (sc_lab_iface(c->sc, g->node, SSWAN_TUN_NAME, NULL))
		sc_err_pos(c, &g->pos, "gateway '%s': node '%s' has an interface %s, the name "
		           "charon's kernel-libipsec gives its TUN; rename the link end", g->node,
		           g->node, SSWAN_TUN_NAME);
	if (c->d->n != before)
		return;
	cfg = calloc(1, sizeof *cfg);
	if (!cfg) {
		c->oom = true;
		return;
	}
	err[0] = 0;
	if (scenario_gateway_config(c->sc, g, cfg, err, sizeof err) == 0 &&
	    swanctl_conf_check(cfg, NULL, err, sizeof err) != 0)
		renderer_refusal(c, g, v, conns, err);
	gw_config_wipe(cfg);
	free(cfg);
}
