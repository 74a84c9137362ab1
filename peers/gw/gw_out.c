/*
 * gw_out.c: inner packets into the tunnel, outer packets out of the gateway.
 *
 *  tunnel interface -> gw_inner_input -> selector match (first in config order)
 *                   -> hairpin rule (source behind another tunnel)
 *                   -> MSS clamp on SYNs
 *                   -> size rule (tunnel MTU, uplink MTU less the ESP overhead, DF)
 *                   -> ESP encrypt -> outer IPv4 (+ UDP 4500) -> [post-fragmentation]
 *
 * Outer header (RFC 791; RFC 4301 5.1.2.1 for TOS; RFC 3948 2.1 for the UDP header):
 *   version 4, IHL 5, TOS copied from the inner header, ID from the drbg, DF per
 *   dp.df (esp_path_outer_df), TTL 64, protocol 50 (ESP) or 17 (UDP), checksum;
 *   UDP: the ports the IKE SA floated to (4500 -> 4500, or a NAT's port), checksum 0.
 *
 * Size rules (docs/gateway.md):
 *   pre  (GW_FRAG_PRE):  the effective MTU is min(tunnel MTU, the largest inner packet whose
 *                        ESP packet fits the uplink); bigger with DF -> drop, ICMP 3/4 with
 *                        that MTU; bigger without DF -> inner fragments, each encrypted.
 *   post (GW_FRAG_POST): only the tunnel MTU applies to the inner packet (as pre); the ESP
 *                        packet is then fragmented to the uplink MTU when its outer DF is
 *                        clear. With the outer DF set the outer packet may not be fragmented,
 *                        so that packet is handled as pre-fragmentation would handle it.
 */
#include "peers/esp/esp_natt.h"
#include "peers/esp/esp_path.h"
#include "peers/gw/gw_int.h"
#include "peers/ip/ip.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define GW_TTL 64
#define GW_MAX_FRAGS 64

static size_t mtu_or_1500(uint32_t v)
{
	return v ? v : 1500;
}

static void ip4_text(const uint8_t *a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

static void no_sa(struct gw *g, int i, const uint8_t *pkt, const char *why)
{
	struct gw_event *e = gw_queue_event(g, GW_EV_NO_SA, i);
	char s[16], d[16];

	ip4_text(pkt + 12, s, sizeof s);
	ip4_text(pkt + 16, d, sizeof d);
	g->st.no_sa_drops++;
	snprintf(e->detail, sizeof e->detail, "%s -> %s: %s", s, d, why);
	gw_crt_acquire(g, i, g->now);
}

/* Send the outer packet g->outer[0 .. len), fragmenting it to the uplink MTU if needed
 * (only reached with DF clear). */
static void outer_send(struct gw *g, size_t len, size_t uplink)
{
	struct ipv4_frag_slot slots[GW_MAX_FRAGS];
	int n;

	if (len <= uplink) {
		gw_queue_pkt(g, GW_OUT_IP, g->outer, len, NULL, NULL);
		return;
	}
	n = ipv4_fragment(g->outer, len, uplink, g->ofrags, sizeof g->ofrags, slots, GW_MAX_FRAGS);
	if (n < 0) {
		gw_logf(g, NULL, "post-fragmentation of a %zu-byte ESP packet to %zu failed (%d)",
		        len, uplink, n);
		return;
	}
	for (int k = 0; k < n; k++)
		gw_queue_pkt(g, GW_OUT_IP, g->ofrags + slots[k].off, slots[k].len, NULL, NULL);
	g->st.fragments_out += (uint64_t)n;
}

/* Encrypt one inner packet that fits (pre) or may be fragmented after (post). An outer
 * packet that fits the uplink is built in its output slot (no copy); one to fragment in
 * g->outer first. */
static void encrypt_one(struct gw *g, int i, struct gw_child *ch, const uint8_t *p, size_t l,
                        size_t uplink)
{
	struct gw_crt *c = g->c[i];
	struct ipv4_hdr h;
	size_t hdr = ESP_PATH_IPV4_HDR + (ch->udp_encap ? ESP_NATT_UDP_LEN : 0), esp_len;
	size_t want = hdr + esp_sa_out_len(ch->out, l), cap = sizeof g->outer;
	bool direct = want <= uplink;
	uint8_t *o = g->outer;
	int r;

	if (want > GW_IP_MAX) {
		gw_logf(g, c->cfg.name, "a %zu-byte inner packet does not fit one outer IPv4 packet",
		        l);
		return;
	}
	if (direct) {
		if (!(o = gw_queue_reserve(g, want)))
			return;
		cap = want;
	}
	r = esp_sa_encrypt(ch->out, &g->iv_drbg, p, l, o + hdr, cap - hdr, &esp_len);
	if (r == -EOVERFLOW) {
		gw_logf(g, c->cfg.name, "CHILD_SA %08x_o: sequence numbers exhausted, SA not used "
		        "any more", ch->spi_out);
		esp_sa_free(ch->out);
		ch->out = NULL;
		return;
	}
	if (r) {
		gw_logf(g, c->cfg.name, "ESP encryption failed (%d)", r);
		return;
	}
	memset(&h, 0, sizeof h);
	h.tos = p[1];
	h.total_len = (uint16_t)(hdr + esp_len);
	h.id = (uint16_t)drbg_u32(&g->id_drbg);
	h.df = esp_path_outer_df(g->cfg.dp.df, (p[6] & 0x40) != 0) != 0;
	h.ttl = GW_TTL;
	h.proto = ch->udp_encap ? IP_PROTO_UDP : IP_PROTO_ESP;
	h.src.family = h.dst.family = 4;
	memcpy(h.src.a, ch->local.addr, 4);
	memcpy(h.dst.a, ch->remote.addr, 4);
	if (ipv4_build(&h, o, ESP_PATH_IPV4_HDR) < 0)
		return;
	if (ch->udp_encap) {
		uint8_t *u = o + ESP_PATH_IPV4_HDR;
		uint16_t ulen = (uint16_t)(ESP_NATT_UDP_LEN + esp_len);

		u[0] = (uint8_t)(ch->local.port >> 8);
		u[1] = (uint8_t)ch->local.port;
		u[2] = (uint8_t)(ch->remote.port >> 8);
		u[3] = (uint8_t)ch->remote.port;
		u[4] = (uint8_t)(ulen >> 8);
		u[5] = (uint8_t)ulen;
		u[6] = u[7] = 0;        /* RFC 3948 2.1: the checksum SHOULD be 0 */
	}
	c->packets_out++;
	c->bytes_out += l;
	if (direct)
		gw_queue_commit(g, GW_OUT_IP, hdr + esp_len, NULL, NULL);
	else
		outer_send(g, hdr + esp_len, uplink);
}

static void frag_needed(struct gw *g, int i, const uint8_t *pkt, size_t len, size_t mtu)
{
	struct gw_crt *c = g->c[i];
	struct gw_event *e;
	char s[16], d[16];
	uint16_t m = mtu > 0xffff ? 0xffff : (uint16_t)mtu;
	int n = esp_path_icmp_frag_needed(pkt, len, c->cfg.ike.local.addr, m, GW_TTL, g->icmp,
	                                  sizeof g->icmp);

	ip4_text(pkt + 12, s, sizeof s);
	ip4_text(pkt + 16, d, sizeof d);
	g->st.frag_needed++;
	e = gw_queue_event(g, GW_EV_FRAG_NEEDED, i);
	e->mtu = m;
	snprintf(e->detail, sizeof e->detail, "%s -> %s: %zu bytes with DF set, MTU %u: "
	         "dropped, %s", s, d, len, m, n > 0 ? "ICMP fragmentation needed sent" :
	         "no ICMP error for an ICMP error or a non-first fragment (RFC 1122 3.2.2)");
	if (n > 0)
		gw_queue_pkt(g, GW_OUT_INNER, g->icmp, (size_t)n, NULL, NULL);
}

/* The MSS a clamp writes into SYNs through connection i: dp.mss_clamp, or one that fits the
 * tunnel's inner MTU (0). */
static uint16_t clamp_mss(const struct gw *g, const struct gw_child *ch)
{
	size_t m = mtu_or_1500(g->cfg.dp.tunnel_mtu);

	if (g->cfg.dp.mss_clamp > 0)
		return (uint16_t)g->cfg.dp.mss_clamp;
	if (ch && ch->out) {
		size_t l = esp_path_inner_mtu(ch->out, mtu_or_1500(g->cfg.dp.uplink_mtu));

		if (l && l < m)
			m = l;
	}
	return esp_path_mss_for_mtu(m);
}

void gw_mss_clamp(struct gw *g, int i, uint8_t *pkt, size_t len)
{
	struct gw_child *ch;

	if (g->cfg.dp.mss_clamp < 0)
		return;
	ch = gw_crt_current(g, i);
	esp_path_tcp_mss_clamp(pkt, len, clamp_mss(g, ch));
}

void gw_out_send(struct gw *g, int i, uint8_t *pkt, size_t len)
{
	struct gw_crt *c = g->c[i];
	struct gw_child *ch = gw_crt_current(g, i);
	struct esp_frag frags[GW_MAX_FRAGS];
	size_t tmtu = mtu_or_1500(g->cfg.dp.tunnel_mtu), uplink = mtu_or_1500(g->cfg.dp.uplink_mtu);
	size_t mtu;
	enum esp_path_action act;
	bool post = g->cfg.dp.frag == GW_FRAG_POST;
	int n;

	if (!ch) {
		no_sa(g, i, pkt, c->connecting ? "negotiating" : "no CHILD_SA");
		return;
	}
	switch (esp_sa_lifetime(ch->out, g->now)) {
	case ESP_LIFE_HARD:
		gw_logf(g, c->cfg.name, "CHILD_SA %08x_o reached its hard byte lifetime: not used "
		        "any more", ch->spi_out);
		esp_sa_free(ch->out);
		ch->out = NULL;
		no_sa(g, i, pkt, "hard byte lifetime reached");
		return;
	case ESP_LIFE_SOFT:
		if (!ch->soft_logged)
			gw_logf(g, c->cfg.name, "CHILD_SA %08x_o reached its soft byte lifetime",
			        ch->spi_out);
		ch->soft_logged = true;
		break;
	default:
		break;
	}
	if (g->cfg.dp.mss_clamp >= 0)
		esp_path_tcp_mss_clamp(pkt, len, clamp_mss(g, ch));
	/* Post-fragmentation fragments the outer packet, which its DF forbids: with the outer
	 * DF set the packet is handled as pre-fragmentation handles it. */
	if (post && esp_path_outer_df(g->cfg.dp.df, len > 6 && (pkt[6] & 0x40)))
		post = false;
	act = esp_path_ipv4_decide(ch->out, pkt, len, tmtu, post ? 0 : uplink, &mtu);
	switch (act) {
	case ESP_PATH_ENCRYPT:
		encrypt_one(g, i, ch, pkt, len, uplink);
		return;
	case ESP_PATH_FRAG_NEEDED:
		frag_needed(g, i, pkt, len, mtu);
		return;
	case ESP_PATH_FRAGMENT:
		n = esp_path_ipv4_fragment(pkt, len, mtu, g->frags, sizeof g->frags, frags,
		                           GW_MAX_FRAGS);
		if (n < 0) {
			gw_logf(g, c->cfg.name, "pre-fragmentation of %zu bytes to %zu failed (%d)",
			        len, mtu, n);
			return;
		}
		g->st.fragments_out += (uint64_t)n;
		for (int k = 0; k < n && (ch = gw_crt_current(g, i)); k++)
			encrypt_one(g, i, ch, g->frags + frags[k].off, frags[k].len, uplink);
		return;
	case ESP_PATH_INVALID:
	default:
		gw_logf(g, c->cfg.name, "malformed inner IPv4 packet (%zu bytes) dropped", len);
		return;
	}
}

void gw_inner_input(struct gw *g, const uint8_t *pkt, size_t len, lab_ns now)
{
	if (len > GW_IP_MAX) {
		gw_begin(g, now);
		g->st.no_match_drops++;
		return;
	}
	memcpy(g->inner, pkt, len);
	gw_inner_input_inplace(g, g->inner, len, now);
}

void gw_inner_input_inplace(struct gw *g, uint8_t *pkt, size_t len, lab_ns now)
{
	struct ipv4_hdr h;
	struct ip_err err;
	int i, from;

	gw_begin(g, now);
	if (len > GW_IP_MAX || ipv4_parse(pkt, len, &h, &err) < 0 || h.truncated) {
		g->st.no_match_drops++;
		return;
	}
	len = h.total_len;              /* bytes past total length are not the packet's */
	i = gw_sel_match(g, h.src.a, h.dst.a);
	if (i < 0) {
		g->st.no_match_drops++;
		return;
	}
	from = gw_sel_route(g, h.src.a);
	if (from >= 0 && from != i) {
		if (!g->cfg.dp.hairpin) {
			struct gw_event *e = gw_queue_event(g, GW_EV_HAIRPIN_DROP, i);
			char s[16], d[16];

			ip4_text(h.src.a, s, sizeof s);
			ip4_text(h.dst.a, d, sizeof d);
			g->st.hairpin_drops++;
			snprintf(e->detail, sizeof e->detail, "%s -> %s: the source is behind %s, "
			         "tunnel to tunnel forwarding into %s refused", s, d,
			         g->c[from]->cfg.name, g->c[i]->cfg.name);
			return;
		}
		g->st.hairpin_forwards++;
	}
	gw_out_send(g, i, pkt, len);
	gw_crt_bytes(g, i);             /* byte counts to the engine (kilobyte lifetimes) */
}
