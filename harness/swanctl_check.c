/*
 * swanctl_check.c: can charon do what a gw_config asks? Every field is rendered, refused with
 * its name, or noted (the table in docs/strongswan-node.md).
 */
#include "harness/swanctl_conf.h"
#include "harness/swanctl_int.h"

#include "peers/ike/isakmp.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- notes and errors ---- */

__attribute__((format(printf, 2, 3)))
static void note(struct swanctl_notes *n, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (!n)
		return;
	n->count++;
	if (n->len + 2 >= sizeof n->text)
		return;
	va_start(ap, fmt);
	w = vsnprintf(n->text + n->len, sizeof n->text - n->len - 1, fmt, ap);
	va_end(ap);
	if (w < 0)
		return;
	n->len += (size_t)w < sizeof n->text - n->len - 1 ? (size_t)w : sizeof n->text - n->len - 2;
	n->text[n->len++] = '\n';
	n->text[n->len] = '\0';
}

/* ---- check ---- */

static bool name_ok(const char *s)
{
	size_t n = strnlen(s, GW_NAME_MAX);

	if (n == 0 || n >= GW_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

static bool whole_seconds(lab_ns t)
{
	return t >= 0 && t % LAB_NS_PER_SEC == 0;
}

static int check_conn(const struct gw_config *cfg, size_t i, struct swanctl_notes *notes,
                      char *err, size_t errlen)
{
	const struct gw_conn *c = &cfg->conns[i];
	const struct ike_policy *p = &c->ike;
	char pre[64], a[128], why[128];

	snprintf(pre, sizeof pre, "conns[%zu] (%.*s)", i, GW_NAME_MAX, c->name);
	if (!name_ok(c->name))
		FAIL("conns[%zu].name: '%.*s': a charon connection name here is 1 to %d letters, "
		     "digits, '-' or '_'", i, GW_NAME_MAX, c->name, GW_NAME_MAX - 1);
	for (size_t j = 0; j < i; j++)
		if (strcmp(cfg->conns[j].name, c->name) == 0)
			FAIL("%s.name: used twice", pre);
	if (swanctl_addr_text(&p->local, a, sizeof a) || strcmp(a, "%any") == 0)
		FAIL("%s.ike.local: an IPv4 or IPv6 address is needed", pre);
	if (swanctl_addr_text(&p->remote, a, sizeof a))
		FAIL("%s.ike.remote: an IPv4 or IPv6 address (or all zeros for any) is needed", pre);
	if ((p->local.port && p->local.port != 500) || (p->remote.port && p->remote.port != 500))
		FAIL("%s.ike.local/remote.port: charon here talks IKE on port 500 (and floats to "
		     "4500) only", pre);
	if (p->psk_len == 0 || p->psk_len > sizeof p->psk)
		FAIL("%s.ike.psk: 1 to %zu bytes needed", pre, sizeof p->psk);
	if (swanctl_id_text(p->local_id_type, p->local_id, p->local_id_len, &p->local, true, a, sizeof a,
	            why, sizeof why))
		FAIL("%s.ike.local_id: %s", pre, why);
	if (swanctl_id_text(p->remote_id_type, p->remote_id, p->remote_id_len, &p->remote, false, a,
	            sizeof a, why, sizeof why))
		FAIL("%s.ike.remote_id: %s", pre, why);
	if (p->nike < 1 || p->nike > IKE_MAX_PROPS)
		FAIL("%s.ike.ike: at least one IKE proposal is needed", pre);
	if (p->nesp < 1 || p->nesp > IKE_MAX_PROPS)
		FAIL("%s.ike.esp: at least one ESP proposal is needed", pre);
	for (int k = 0; k < p->nike; k++)
		if (!p->ike[k].group || !ike_modp_len(p->ike[k].group))
			FAIL("%s.ike.ike[%d]: an IKE proposal needs a known MODP group", pre, k);
	if (swanctl_net_text(&p->local_ts, a, sizeof a))
		FAIL("%s.ike.local_ts: not an IPv4 or IPv6 subnet", pre);
	if (swanctl_net_text(&p->remote_ts, a, sizeof a))
		FAIL("%s.ike.remote_ts: not an IPv4 or IPv6 subnet", pre);
	if (!whole_seconds(p->ike_lifetime) || !whole_seconds(p->esp_lifetime) ||
	    !whole_seconds(p->rekey_margin) || !whole_seconds(p->rekey_jitter) ||
	    !whole_seconds(p->dpd_delay) || !whole_seconds(p->dpd_timeout))
		FAIL("%s.ike: lifetimes, rekey margin/jitter and DPD times must be whole seconds "
		     "for charon", pre);
	if (swanctl_ike_life(p) < lab_sec(2) || swanctl_esp_life(p) < lab_sec(2))
		FAIL("%s.ike.ike_lifetime/esp_lifetime: at least 2 s", pre);
	if (p->rekey_margin >= swanctl_ike_life(p) || p->rekey_margin >= swanctl_esp_life(p))
		FAIL("%s.ike.rekey_margin: must be shorter than both lifetimes", pre);
	if (p->rekey_jitter > (p->rekey_margin > 0 ? p->rekey_margin : swanctl_esp_life(p) / 10))
		FAIL("%s.ike.rekey_jitter: larger than the rekey margin", pre);
	if (p->life_rule != IKE_LIFE_ACCEPT)
		FAIL("%s.ike.life_rule: charon accepts any proposed lifetime and has no setting to "
		     "insist on a shorter or equal one", pre);
	if (p->send_responder_lifetime)
		FAIL("%s.ike.send_responder_lifetime: charon never sends RESPONDER-LIFETIME "
		     "(ikev1 §3.2)", pre);
	if (p->dpd == IKE_DPD_IDLE || p->dpd == IKE_DPD_ALWAYS) {
		/* an interval of 0 is rendered as the simulated peers' 30 s (swanctl_dpd_delay) */
		if (p->dpd == IKE_DPD_ALWAYS)
			note(notes, "%s.ike.dpd: charon sends R-U-THERE only after dpd_delay without "
			     "inbound traffic (idle mode), not always", pre);
		if (!p->dpd_needs_peer_vid)
			note(notes, "%s.ike.dpd_needs_peer_vid: charon never sends R-U-THERE to a peer "
			     "that did not send the DPD vendor ID", pre);
	}
	if (!p->send_dpd_vid || !p->send_natt_vid)
		note(notes, "%s.ike.send_dpd_vid/send_natt_vid: charon always sends the DPD and "
		     "NAT-T vendor IDs", pre);
	/* charon sends INITIAL-CONTACT when unique != never and the remote identity has no
	 * wildcard (main_mode.c add_initial_contact; research notes 3.4) */
	if (p->initial_contact != (p->unique_on_initial_contact && p->remote_id_type != 0))
		note(notes, "%s.ike.initial_contact: charon will %s INITIAL-CONTACT: it sends it "
		     "only with unique = no (here: %s) to a remote identity without wildcards "
		     "(here: %s)", pre,
		     p->unique_on_initial_contact && p->remote_id_type ? "send" : "not send",
		     p->unique_on_initial_contact ? "no" : "never",
		     p->remote_id_type ? "a set identity" : "%any");
	if (!p->force_encap)
		note(notes, "%s.ike.force_encap: kernel-libipsec fakes NAT-D anyway, so ESP always "
		     "goes in UDP 4500", pre);
	if (!c->enabled)
		note(notes, "%s.enabled: disabled, not loaded into charon", pre);
	return 0;
}

int swanctl_conf_check(const struct gw_config *cfg, struct swanctl_notes *notes, char *err,
                       size_t errlen)
{
	const struct gw_dataplane *dp = &cfg->dp;
	const struct ike_policy *first = NULL;
	int rc;

	if (notes)
		memset(notes, 0, sizeof *notes);
	if (cfg->nconns == 0 || cfg->nconns > GW_MAX_CONNS)
		FAIL("conns: 1 to %d connections needed", GW_MAX_CONNS);
	if (dp->frag == GW_FRAG_POST)
		FAIL("dp.frag: post-fragmentation is not possible with charon: kernel-libipsec "
		     "fragments inner packets at its %d-byte TUN (pre-fragmentation)", LIBIPSEC_MTU);
	if (dp->tunnel_mtu != 0 && dp->tunnel_mtu != LIBIPSEC_MTU)
		FAIL("dp.tunnel_mtu: %u: kernel-libipsec's TUN MTU is fixed at %d", dp->tunnel_mtu,
		     LIBIPSEC_MTU);
	if (dp->mss_clamp != -1)
		FAIL("dp.mss_clamp: charon does not clamp TCP MSS (clamp it with the node's "
		     "nftables instead)");
	if (dp->lenient_padding)
		FAIL("dp.lenient_padding: kernel-libipsec refuses ESP padding other than 1,2,3,...");
	if (dp->snat_split)
		FAIL("dp.snat_split: charon does no source NAT (use the node's nat step)");
	if (dp->tunnel_mtu == 0)
		note(notes, "dp.tunnel_mtu: 0 asks for 1500, kernel-libipsec's TUN has %d",
		     LIBIPSEC_MTU);
	if (dp->df != ESP_DF_SET)
		note(notes, "dp.df: kernel-libipsec sends ESP through a UDP socket with DF set; "
		     "copy/clear cannot be configured");
	if (dp->replay_window != LIBIPSEC_WINDOW)
		note(notes, "dp.replay_window: %u asked, kernel-libipsec's window is fixed at %d",
		     dp->replay_window, LIBIPSEC_WINDOW);
	if (dp->hairpin)
		note(notes, "dp.hairpin: not a charon setting: tunnel-to-tunnel traffic goes where "
		     "the node's routes and the selectors send it");
	for (size_t i = 0; i < cfg->nconns; i++) {
		const struct ike_policy *p = &cfg->conns[i].ike;

		rc = check_conn(cfg, i, notes, err, errlen);
		if (rc)
			return rc;
		if (!first) {
			first = p;
			continue;
		}
		/* global charon options: every connection must agree */
		if (p->select != first->select)
			FAIL("conns[%zu].ike.select: charon's proposal preference "
			     "(prefer_configured_proposals) is one setting for all connections", i);
		if (p->retransmit_base != first->retransmit_base ||
		    p->retransmit_tries != first->retransmit_tries)
			FAIL("conns[%zu].ike.retransmit_base/tries: one charon setting for all "
			     "connections", i);
	}
	return 0;
}
