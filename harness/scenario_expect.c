/*
 * scenario_expect.c: the scenario's top-level `expect:` list, judged from the run's pcaps after
 * the steps (captures/check.h). Each item is a one-key map, the kind, with its parameters:
 *
 *   expect:
 *     - ike: {between: [gw1:wan0, 192.0.2.2], proposal: IKE:AES_CBC_256/HMAC_SHA2_256_128/...}
 *     - esp: {between: [gw1, gw2], proposal: ESP:AES_CBC_256/HMAC_SHA2_256_128/NO_EXT_SEQ}
 *     - no_proposal_chosen: {from: gw2}
 *     - tunnel_up: {between: [gw1, gw2], within: 10s}
 *     - rekey: {between: [gw1, gw2], child_every: 180s, tolerance: 10%}
 *     - reauth: {between: [gw1, gw2], every: 1h, tolerance: 5s}
 *     - dpd: {from: gw1, every: 15s}                 # tolerance: 10% unless given
 *     - dpd_timeout: {from: gw1, action: restart}    # or clear; within: 40s bounds it
 *     - dpd_timeout: {from: gw1, action: hold, flow: office->server}   # the trapped flow
 *     - hairpin_refused: {}
 *     - fragments: {link: r1:wan0, esp_outer_fragmented: true}   # or inner_fragmented: true
 *     - icmp_frag_needed: {from: router, mtu: 1454}
 *     - tcp_mss: {between: [office, server], max: 1360}   # or from: / to: (one direction)
 *     - no_loss: {across: rekey}                     # flow: office->server: that flow only
 *     - esp_seq_restart: {from: gw2}
 *     - replay_dropped: {from: attacker}
 *     - natt_float: {between: [site, vpc]}
 *     - responder_lifetime: {from: vpc, phase: 2, lifetime: 10m}   # phase 1 / 2 / either
 *     - initial_contact: {from: f220:wan0, to: vr:wan0}  # MM5 N(INITIAL_CONTACT) replaced a live SA
 *
 * `ike` and `esp` may take `lifetime: 8h` (every selection's). Any item may take
 * `after_refusal: true`: only what follows the last NO-PROPOSAL-CHOSEN notify (between the
 * item's two endpoints when it names them) is judged, the configuration that finally linked.
 *
 * An endpoint is an address, NODE:IFACE (that interface's first address) or NODE when the node
 * has exactly one address. Any item may take `link: NODE:IFACE`: only that link end's capture
 * (OUT/captures/NODE-IFACE.pcap) is judged. Everything is resolved here, at load time, with
 * FILE:LINE:COL.
 */
#include "harness/scenario_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum check_kind kind;
	const char *const keys[5];
} kinds[] = {
	{ "ike", CHK_IKE_PROPOSAL, { "between", "proposal", "lifetime" } },
	{ "esp", CHK_ESP_PROPOSAL, { "between", "proposal", "lifetime" } },
	{ "no_proposal_chosen", CHK_NO_PROPOSAL_CHOSEN, { "from", "to" } },
	{ "tunnel_up", CHK_TUNNEL_UP_WITHIN, { "between", "within" } },
	{ "rekey", CHK_CHILD_REKEY_EVERY, { "between", "child_every", "tolerance" } },
	{ "reauth", CHK_IKE_REAUTH_EVERY, { "between", "every", "tolerance" } },
	{ "dpd", CHK_DPD_EVERY, { "from", "to", "every", "tolerance" } },
	{ "dpd_timeout", CHK_DPD_TIMEOUT, { "from", "to", "action", "within", "flow" } },
	{ "hairpin_refused", CHK_HAIRPIN_REFUSED, { NULL } },
	{ "fragments", CHK_OUTER_FRAGMENTS, { "from", "to", "esp_outer_fragmented",
	                                      "inner_fragmented" } },
	{ "icmp_frag_needed", CHK_ICMP_FRAG_NEEDED, { "from", "to", "mtu" } },
	{ "tcp_mss", CHK_TCP_MSS_MAX, { "between", "from", "to", "max" } },
	{ "no_loss", CHK_NO_LOSS_ACROSS_REKEY, { "across", "flow" } },
	{ "esp_seq_restart", CHK_ESP_SEQ_RESTART, { "from", "to" } },
	{ "replay_dropped", CHK_REPLAY_DROPPED, { "from", "to" } },
	{ "natt_float", CHK_NATT_FLOAT, { "between" } },
	{ "responder_lifetime", CHK_RESPONDER_LIFETIME, { "from", "to", "phase", "lifetime" } },
	{ "initial_contact", CHK_INITIAL_CONTACT, { "from", "to" } },
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

/* An endpoint: address, NODE:IFACE or NODE (one address only). */
static bool endpoint(struct sc_ctx *c, const struct ynode *n, const char *what,
                     struct ip_addr *out)
{
	const struct scenario *sc = c->sc;
	char node[SC_NAME_MAX + SC_IFNAME_MAX + 2], *colon;
	uint8_t a[16];
	int found = 0;

	if (!sc_want_scalar(c, n, what))
		return false;
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, n->str, a) == 1) {
		out->family = 4;
		memcpy(out->a, a, 4);
		return true;
	}
	if (inet_pton(AF_INET6, n->str, a) == 1) {
		out->family = 6;
		memcpy(out->a, a, 16);
		return true;
	}
	if (n->len >= sizeof node) {
		sc_err(c, n, "%s: expected an address, NODE:IFACE or NODE, got '%s'", what, n->str);
		return false;
	}
	memcpy(node, n->str, n->len + 1);
	colon = strchr(node, ':');
	if (colon)
		*colon = 0;
	for (size_t i = 0; i < sc->nlinks; i++)
		for (int e = 0; e < 2; e++) {
			const struct sc_end *end = &sc->links[i].ends[e];
			if (end->is_segment || strcmp(end->node, node) ||
			    (colon && strcmp(end->iface, colon + 1)))
				continue;
			for (int k = 0; k < end->naddrs; k++) {
				if (found++ && !colon)
					continue;
				if (found == 1) {
					out->family = end->addrs[k].family == AF_INET ? 4 : 6;
					memcpy(out->a, end->addrs[k].addr, out->family == 4 ? 4 : 16);
				}
			}
		}
	if (!found) {
		sc_err(c, n, "%s: '%s' is not an address nor an interface with an address in the "
		       "topology", what, n->str);
		return false;
	}
	if (found > 1 && !colon) {
		sc_err(c, n, "%s: node '%s' has %d addresses: name the interface (%s:IFACE) or the "
		       "address", what, node, found, node);
		return false;
	}
	return true;
}

static void between(struct sc_ctx *c, const struct ynode *n, struct check_expect *ex)
{
	if (!sc_want_seq(c, n, "between"))
		return;
	if (n->n != 2) {
		sc_err(c, n, "between: expected two endpoints, got %zu", n->n);
		return;
	}
	endpoint(c, n->kids[0], "between", &ex->a);
	endpoint(c, n->kids[1], "between", &ex->b);
}

/* flow: A->B, two endpoints of the inner traffic (the packets before encryption). */
static void flow(struct sc_ctx *c, const struct ynode *v, struct check_expect *ex)
{
	const char *arrow = strstr(v->str, "->");
	char a[SC_NAME_MAX + SC_IFNAME_MAX + 48], b[sizeof a];
	struct ynode na = *v, nb = *v;

	if (!arrow || arrow == v->str || !arrow[2] || (size_t)(arrow - v->str) >= sizeof a ||
	    strlen(arrow + 2) >= sizeof b) {
		sc_err(c, v, "flow: expected SOURCE->DESTINATION (endpoints of the inner traffic), "
		       "got '%s'", v->str);
		return;
	}
	memcpy(a, v->str, (size_t)(arrow - v->str));
	a[arrow - v->str] = 0;
	snprintf(b, sizeof b, "%s", arrow + 2);
	na.str = a;
	na.len = strlen(a);
	nb.str = b;
	nb.len = strlen(b);
	if (endpoint(c, &na, "flow", &ex->a))
		endpoint(c, &nb, "flow", &ex->b);
}

/* A tolerance: a duration, or a percentage of the interval. */
static void tolerance(struct sc_ctx *c, const struct ynode *n, lab_ns interval, lab_ns *out)
{
	if (!n) {
		*out = interval / 10;
		return;
	}
	if (!sc_want_scalar(c, n, "tolerance"))
		return;
	if (n->len >= 2 && n->str[n->len - 1] == '%') {
		char *end;
		double pct = strtod(n->str, &end);
		if (end != n->str + n->len - 1 || pct < 0 || pct > 100) {
			sc_err(c, n, "tolerance: expected a duration or 0%%..100%%, got '%s'", n->str);
			return;
		}
		*out = (lab_ns)((double)interval * pct / 100.0);
		return;
	}
	sc_read_duration(c, n, "tolerance", false, out);
}

/* map may be NULL (`- tunnel_up:` with nothing after it): the error goes to at. */
static bool need(struct sc_ctx *c, const struct ynode *map, const struct ynode *at,
                 const char *key, const char *kind)
{
	if (yaml_map_get(map, key))
		return true;
	sc_err(c, map ? map : at, "%s: missing key '%s'", kind, key);
	return false;
}

static void item(struct sc_ctx *c, const struct ynode *it, struct sc_expect *x)
{
	const struct ynode *k, *p, *v;
	size_t ki;

	if (!sc_want_map(c, it, "an expect item"))
		return;
	if (it->n != 2) {
		sc_err(c, it, "an expect item is one kind with its parameters (- dpd: {from: gw, "
		       "every: 15s}), got %zu keys", it->n / 2);
		return;
	}
	k = it->kids[0];
	p = it->kids[1];
	x->pos = sc_pos_of(c, k);
	for (ki = 0; ki < NKINDS; ki++)
		if (k->str && !strcmp(k->str, kinds[ki].name))
			break;
	if (ki == NKINDS) {
		char list[400];
		size_t at = 0;
		for (size_t i = 0; i < NKINDS; i++)
			at += (size_t)snprintf(list + at, sizeof list - at, "%s%s", i ? ", " : "",
			                       kinds[i].name);
		sc_err(c, k, "unknown expectation '%s' (one of: %s)", k->str ? k->str : "?", list);
		return;
	}
	struct check_expect *ex = &x->ex;
	const char *name = kinds[ki].name;
	ex->kind = kinds[ki].kind;
	snprintf(x->label, sizeof x->label, "expect %s", name);
	if (yaml_is_null(p))
		p = NULL;
	else if (!sc_want_map(c, p, name))
		return;
	if (p) {
		const char *allowed[8] = { "link", "after_refusal" };
		for (int i = 0; i < 5 && kinds[ki].keys[i]; i++)
			allowed[i + 2] = kinds[ki].keys[i];
		sc_check_keys(c, p, name, allowed);
	}
	if ((v = yaml_map_get(p, "link")) && sc_want_scalar(c, v, "link")) {
		/* The capture of that link end, named as the run writes it. */
		const char *colon = strchr(v->str, ':');
		char node[SC_NAME_MAX] = "";
		if (colon && (size_t)(colon - v->str) < sizeof node)
			memcpy(node, v->str, (size_t)(colon - v->str));
		if (!colon || !node[0] || !sc_lab_iface(c->sc, node, colon + 1, NULL))
			sc_err(c, v, "link: expected NODE:IFACE of the topology, got '%s'", v->str);
		else
			snprintf(ex->capture, sizeof ex->capture, "%s-%s.pcap", node, colon + 1);
	}
	if ((v = yaml_map_get(p, "after_refusal")))
		sc_read_bool(c, v, "after_refusal", &ex->after_refusal);
	if ((v = yaml_map_get(p, "between")))
		between(c, v, ex);
	if ((v = yaml_map_get(p, "from")))
		endpoint(c, v, "from", &ex->a);
	if ((v = yaml_map_get(p, "to")))
		endpoint(c, v, "to", &ex->b);
	switch (ex->kind) {
	case CHK_IKE_PROPOSAL:
	case CHK_ESP_PROPOSAL: {
		const char *pre = ex->kind == CHK_IKE_PROPOSAL ? "IKE:" : "ESP:";
		if (!need(c, p, k, "proposal", name))
			break;
		v = yaml_map_get(p, "proposal");
		if (!sc_want_scalar(c, v, "proposal"))
			break;
		if (strncmp(v->str, pre, 4) || v->len >= sizeof ex->proposal) {
			sc_err(c, v, "proposal: expected strongSwan's notation %s... (as charon logs "
			       "'selected proposal'), got '%s'", pre, v->str);
			break;
		}
		snprintf(ex->proposal, sizeof ex->proposal, "%s", v->str);
		if ((v = yaml_map_get(p, "lifetime")) &&
		    sc_read_duration(c, v, "lifetime", true, &ex->lifetime) &&
		    ex->lifetime % LAB_NS_PER_SEC)
			sc_err(c, v, "lifetime: a proposal carries whole seconds, got '%s'", v->str);
		break;
	}
	case CHK_TUNNEL_UP_WITHIN:
		if (need(c, p, k, "within", name))
			sc_read_duration(c, yaml_map_get(p, "within"), "within", true, &ex->within);
		break;
	case CHK_CHILD_REKEY_EVERY:
	case CHK_IKE_REAUTH_EVERY:
	case CHK_DPD_EVERY: {
		const char *ik = ex->kind == CHK_CHILD_REKEY_EVERY ? "child_every" : "every";
		if (ex->kind == CHK_DPD_EVERY && !yaml_map_get(p, "from")) {
			need(c, p, k, "from", name);
			break;
		}
		if (need(c, p, k, ik, name) &&
		    sc_read_duration(c, yaml_map_get(p, ik), ik, true, &ex->interval))
			tolerance(c, yaml_map_get(p, "tolerance"), ex->interval, &ex->tolerance);
		break;
	}
	case CHK_DPD_TIMEOUT:
		if (!need(c, p, k, "from", name) || !need(c, p, k, "action", name))
			break;
		v = yaml_map_get(p, "action");
		if (sc_want_scalar(c, v, "action")) {
			if (strcmp(v->str, "restart") && strcmp(v->str, "clear") &&
			    strcmp(v->str, "hold"))
				sc_err(c, v, "action: expected restart, hold or clear, got '%s'", v->str);
			else
				snprintf(ex->action, sizeof ex->action, "%s", v->str);
		}
		if ((v = yaml_map_get(p, "within")))
			sc_read_duration(c, v, "within", true, &ex->within);
		/* hold is judged by what a packet for the tunnel does: name its flow */
		if (!strcmp(ex->action, "hold")) {
			struct check_expect f = { 0 };
			if (need(c, p, k, "flow", "dpd_timeout with action hold") &&
			    sc_want_scalar(c, (v = yaml_map_get(p, "flow")), "flow")) {
				flow(c, v, &f);
				ex->fa = f.a;
				ex->fb = f.b;
			}
		} else if ((v = yaml_map_get(p, "flow"))) {
			sc_err(c, v, "flow: only action hold is judged by a flow's packet (restart and "
			       "clear do not wait for traffic)");
		}
		break;
	case CHK_RESPONDER_LIFETIME:
		need(c, p, k, "from", name);
		if ((v = yaml_map_get(p, "phase")) && sc_want_scalar(c, v, "phase")) {
			if (strcmp(v->str, "1") && strcmp(v->str, "2"))
				sc_err(c, v, "phase: expected 1 (the ISAKMP SA) or 2 (a CHILD_SA), got "
				       "'%s'", v->str);
			else
				ex->phase = v->str[0] - '0';
		}
		if ((v = yaml_map_get(p, "lifetime"))) {
			lab_ns life = 0;
			if (sc_read_duration(c, v, "lifetime", true, &life)) {
				if (life % LAB_NS_PER_SEC)
					sc_err(c, v, "lifetime: the notify carries whole seconds, got '%s'",
					       v->str);
				ex->n = (uint64_t)(life / LAB_NS_PER_SEC);
			}
		}
		break;
	case CHK_OUTER_FRAGMENTS: {
		const struct ynode *o = yaml_map_get(p, "esp_outer_fragmented"),
		                   *in = yaml_map_get(p, "inner_fragmented");
		bool b = false;
		if (!!o == !!in) {
			sc_err(c, p ? p : it, "fragments: give exactly one of esp_outer_fragmented: "
			       "true and inner_fragmented: true");
			break;
		}
		if (sc_read_bool(c, o ? o : in, o ? "esp_outer_fragmented" : "inner_fragmented",
		                 &b) && !b)
			sc_err(c, o ? o : in, "fragments: only 'true' can be judged (the capture shows "
			       "fragments, not their absence on purpose)");
		if (in)
			ex->kind = CHK_INNER_FRAGMENTS;
		break;
	}
	case CHK_INITIAL_CONTACT:
		/* the side whose MM5 carries it (the one that forgot its SAs) */
		need(c, p, k, "from", name);
		break;
	case CHK_ICMP_FRAG_NEEDED:
		if (need(c, p, k, "mtu", name))
			sc_read_u64(c, yaml_map_get(p, "mtu"), "mtu", 65535, &ex->n);
		break;
	case CHK_TCP_MSS_MAX:
		if (yaml_map_get(p, "between") && (yaml_map_get(p, "from") || yaml_map_get(p, "to")))
			sc_err(c, p, "tcp_mss: give between, or from / to, not both");
		ex->directed = yaml_map_get(p, "from") || yaml_map_get(p, "to");
		if (need(c, p, k, "max", name))
			sc_read_u64(c, yaml_map_get(p, "max"), "max", 65535, &ex->n);
		break;
	case CHK_NO_LOSS_ACROSS_REKEY:
		if (!need(c, p, k, "across", name))
			break;
		v = yaml_map_get(p, "across");
		if (sc_want_scalar(c, v, "across") && strcmp(v->str, "rekey"))
			sc_err(c, v, "across: only 'rekey' is known, got '%s'", v->str);
		if ((v = yaml_map_get(p, "flow")) && sc_want_scalar(c, v, "flow"))
			flow(c, v, ex);
		break;
	default:
		break;
	}
}

void sc_expect_load(struct sc_ctx *c, const struct ynode *list)
{
	struct scenario *sc = c->sc;

	if (!sc_want_seq(c, list, "expect"))
		return;
	sc->expects = calloc(list->n ? list->n : 1, sizeof *sc->expects);
	if (!sc->expects) {
		c->oom = true;
		return;
	}
	for (size_t i = 0; i < list->n; i++)
		item(c, list->kids[i], &sc->expects[sc->nexpects++]);
}
