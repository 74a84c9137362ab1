/*
 * gw_sel.c: which connection an inner packet belongs to.
 *
 * Two questions, answered from the connections' traffic selectors only (the gateway has no
 * routing table of its own; the harness installs one route per remote_ts into the tunnel
 * interface, docs/gateway.md):
 *  - gw_sel_match: the SPD lookup for an outbound packet, (src, dst) against (local_ts,
 *    remote_ts), first match in config order, as a policy-based router checks its crypto map
 *    entries in sequence;
 *  - gw_sel_route: where a route lookup for one address ends, to judge hairpinning: the
 *    longest remote_ts holding it (a tunnel route), unless a local_ts holds it at least as
 *    specifically (the LAN behind the gateway is a connected route and wins ties).
 */
#include "peers/gw/gw_int.h"

#include <string.h>
#include <sys/socket.h>

bool gw_net_contains(const struct ike_net *n, const uint8_t *addr4)
{
	int bits = n->len;

	if (n->family != AF_INET || bits < 0 || bits > 32)
		return false;
	for (int i = 0; bits > 0; i++, bits -= 8) {
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));

		if ((n->addr[i] ^ addr4[i]) & mask)
			return false;
	}
	return true;
}

int gw_sel_match(const struct gw *g, const uint8_t src[4], const uint8_t dst[4])
{
	for (size_t i = 0; i < g->n; i++) {
		const struct gw_crt *c = g->c[i];

		if (!c->cfg.enabled)
			continue;
		if (gw_net_contains(&c->cfg.ike.local_ts, src) &&
		    gw_net_contains(&c->cfg.ike.remote_ts, dst))
			return (int)i;
	}
	return -1;
}

int gw_sel_route(const struct gw *g, const uint8_t addr[4])
{
	int best = -1, best_len = -1, local_len = -1;

	for (size_t i = 0; i < g->n; i++) {
		const struct gw_crt *c = g->c[i];
		const struct ike_net *r = &c->cfg.ike.remote_ts, *l = &c->cfg.ike.local_ts;

		if (!c->cfg.enabled)
			continue;
		if (gw_net_contains(l, addr) && l->len > local_len)
			local_len = l->len;
		if (gw_net_contains(r, addr) && r->len > best_len) {
			best = (int)i;
			best_len = r->len;
		}
	}
	return best_len > local_len ? best : -1;
}
