/*
 * gw_in.c: what arrives from the uplink.
 *
 *   UDP 500                       IKE, to the connection of the sending address
 *   UDP 4500  00 00 00 00 | IKE   IKE behind the non-ESP marker (RFC 3948 2.2), marker removed
 *             ff                  NAT-keepalive (RFC 3948 2.3): ignored
 *             SPI | seq | ...     ESP in UDP (RFC 3948 2.1)
 *   IP proto 50                   raw ESP
 *
 * ESP goes through the gateway's esp_table (replay window, ICV, padding, next header). An
 * accepted packet counts as traffic for idle DPD and goes to the tunnel interface, unless
 * the route for its destination leads into another connection's tunnel (hairpin: refused
 * unless dp.hairpin, then re-encrypted into that connection).
 */
#include "peers/esp/esp_natt.h"
#include "peers/gw/gw_int.h"
#include "peers/ip/ip.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static void ep_text(const struct ike_endpoint *e, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u[%u]", e->addr[0], e->addr[1], e->addr[2], e->addr[3],
	         e->port);
}

/*
 * The connection an IKE message is for, among those whose peer is at from's address (the
 * port may have floated): the one that knows the initiator cookie. A new main mode from the
 * peer (no responder cookie yet) cannot say which connection it is for until quick mode, so
 * new main modes are handed to the candidates in turn, in config order: a peer brings its
 * connections up (and reauthenticates them) one after the other, in the same order.
 */
static int conn_by_peer(struct gw *g, const struct ike_endpoint *from, const uint8_t *msg,
                        size_t len)
{
	static const uint8_t zero[8];
	int first = -1, turn = -1;

	for (size_t i = 0; i < g->n; i++) {
		const struct gw_crt *c = g->c[i];

		if (!c->ike || c->cfg.ike.remote.family != from->family ||
		    memcmp(c->cfg.ike.remote.addr, from->addr, 4))
			continue;
		if (len >= 16 && gw_crt_cookie_known(c, msg))
			return (int)i;
		if (first < 0)
			first = (int)i;
		if (turn < 0 || c->fresh_mm < g->c[turn]->fresh_mm)
			turn = (int)i;
	}
	if (turn >= 0 && len >= 16 && !memcmp(msg + 8, zero, 8))
		return turn;
	return first;
}

static void ike_in(struct gw *g, const uint8_t *msg, size_t len, const struct ike_endpoint *from,
                   const struct ike_endpoint *to, lab_ns now)
{
	int i = conn_by_peer(g, from, msg, len);
	bool known;
	char a[40];

	if (i < 0) {
		ep_text(from, a, sizeof a);
		gw_logf(g, NULL, "IKE packet from %s: no connection to that peer, ignored", a);
		return;
	}
	known = len >= 8 && gw_crt_cookie_known(g->c[i], msg);
	gw_crt_ike_input(g, i, msg, len, from, to, now);
	/* The connection learns a cookie from its own answer (gw_crt_pump), so junk never
	 * takes a turn: only a main mode the engine answered does. */
	if (!known && len >= 8 && gw_crt_cookie_known(g->c[i], msg))
		g->c[i]->fresh_mm++;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void esp_in(struct gw *g, const uint8_t *pkt, size_t len, const struct ike_endpoint *from,
                   bool udp)
{
	struct esp_in_result res;
	struct esp_sa *sa = NULL;
	enum esp_verdict v;
	struct ipv4_hdr h;
	struct ip_err err;
	int i = -1, k, to;
	struct gw_crt *c;
	char a[40];

	if (len >= 4) {
		i = gw_child_by_spi_in(g, be32(pkt), &k);
		sa = esp_table_lookup(g->table, be32(pkt));
		/* the kernel removes an SA at its hard lifetime: its SPI is unknown from then on */
		if (sa && esp_sa_lifetime(sa, g->now) == ESP_LIFE_HARD) {
			gw_logf(g, i >= 0 ? g->c[i]->cfg.name : NULL, "inbound CHILD_SA %08x reached "
			        "its hard byte lifetime: removed", be32(pkt));
			esp_table_del(g->table, be32(pkt));
		}
	}
	memset(&res, 0, sizeof res);
	v = esp_table_input(g->table, pkt, len, g->inner, sizeof g->inner, &res, &sa);
	if (v == ESP_E_DUMMY) {
		/* authentic, discarded silently (RFC 4303 2.6); still traffic */
		if (i >= 0)
			ike_peer_traffic(g->c[i]->ike, g->now);
		return;
	}
	if (v != ESP_OK) {
		struct gw_event *e = gw_queue_event(g, GW_EV_ESP_DROP, i);

		ep_text(from, a, sizeof a);
		g->st.esp_drops++;
		if (i >= 0)
			g->c[i]->drops++;
		snprintf(e->detail, sizeof e->detail, "%s from %s: SPI %08x seq %u: %s: %.96s",
		         udp ? "ESP in UDP" : "ESP", a, res.spi ? res.spi : len >= 4 ? be32(pkt) : 0,
		         res.seq, esp_verdict_name(v), res.msg);
		return;
	}
	if (i < 0)
		return;                 /* cannot happen: every table SA belongs to a child */
	c = g->c[i];
	ike_peer_traffic(c->ike, g->now);
	gw_crt_pump(g, c, i);
	c->packets_in++;
	c->bytes_in += res.inner_len;
	if (ipv4_parse(g->inner, res.inner_len, &h, &err) == 0 && !h.truncated) {
		to = gw_sel_route(g, h.dst.a);
		if (to >= 0 && to != i) {
			char s[16], d[16];

			snprintf(s, sizeof s, "%u.%u.%u.%u", h.src.a[0], h.src.a[1], h.src.a[2],
			         h.src.a[3]);
			snprintf(d, sizeof d, "%u.%u.%u.%u", h.dst.a[0], h.dst.a[1], h.dst.a[2],
			         h.dst.a[3]);
			if (!g->cfg.dp.hairpin) {
				struct gw_event *e = gw_queue_event(g, GW_EV_HAIRPIN_DROP, i);

				g->st.hairpin_drops++;
				snprintf(e->detail, sizeof e->detail, "%s -> %s: arrived through %s, "
				         "routed into %s: tunnel to tunnel forwarding refused", s, d,
				         c->cfg.name, g->c[to]->cfg.name);
				return;
			}
			g->st.hairpin_forwards++;
			gw_logf(g, c->cfg.name, "hairpin: %s -> %s forwarded into %s", s, d,
			        g->c[to]->cfg.name);
			gw_out_send(g, to, g->inner, h.total_len);
			return;
		}
		gw_mss_clamp(g, i, g->inner, h.total_len);
		gw_queue_pkt(g, GW_OUT_INNER, g->inner, h.total_len, NULL, NULL);
		return;
	}
	gw_queue_pkt(g, GW_OUT_INNER, g->inner, res.inner_len, NULL, NULL);
}

void gw_udp_input(struct gw *g, const uint8_t *data, size_t len,
                  const struct ike_endpoint *from, const struct ike_endpoint *to, lab_ns now)
{
	gw_begin(g, now);
	if (to->port != ESP_NATT_PORT) {
		ike_in(g, data, len, from, to, now);
		return;
	}
	switch (esp_natt_classify(data, len)) {
	case ESP_NATT_IKE:
		ike_in(g, data + ESP_NATT_MARKER_LEN, len - ESP_NATT_MARKER_LEN, from, to, now);
		return;
	case ESP_NATT_ESP:
		esp_in(g, data, len, from, true);
		return;
	case ESP_NATT_KEEPALIVE:
	case ESP_NATT_INVALID:
	default:
		return;
	}
}

void gw_esp_input(struct gw *g, const uint8_t *esp, size_t len,
                  const struct ike_endpoint *from, const struct ike_endpoint *to, lab_ns now)
{
	(void)to;
	gw_begin(g, now);
	esp_in(g, esp, len, from, false);
}
