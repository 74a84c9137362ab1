/*
 * Gateway size rules on a 1454-byte uplink (PPPoE-like) with a 1400-byte tunnel MTU and
 * AES-256/SHA-256 raw ESP: the largest inner packet whose ESP packet fits 1454 is
 * (1454 - 20 - 8 - 16 - 16) / 16 * 16 - 2 = 1390 bytes.
 *  - pre-fragmentation: a 1400-byte inner packet without DF leaves as two inner fragments,
 *    each in its own ESP packet, none of them an IP fragment on the uplink;
 *  - post-fragmentation: the same packet is one ESP packet of 1468 bytes, sent as two outer
 *    fragments (1452 + 36) with DF clear, reassembled by the receiver before decrypting;
 *  - DF set and too big: dropped, ICMP 3/4 with next-hop MTU 1390 back to the sender;
 *  - post-fragmentation with the outer DF set behaves as pre-fragmentation;
 *  - MSS clamping on SYNs, to a value and derived from the tunnel;
 *  - the packets of one drain stay valid together (what batched sending relies on), also
 *    when several inputs come before the drain.
 */
#include "tests/unit/test_gw_wire.h"
#include "tests/unit/unit.h"

#include <arpa/inet.h>
#include <string.h>

#define A_ADDR "192.0.2.1"
#define B_ADDR "192.0.2.2"

static struct wire *sites(enum gw_frag frag, enum esp_df_mode df, int mss_clamp)
{
	struct gw_config a, b;
	struct wire *w = wire_new();
	struct gw_conn_stats st;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	gw_dataplane_default(&a.dp);
	gw_dataplane_default(&b.dp);
	a.dp.frag = frag;
	a.dp.df = df;
	a.dp.tunnel_mtu = 1400;
	a.dp.uplink_mtu = 1454;
	a.dp.mss_clamp = mss_clamp;
	wire_conn(&a.conns[0], "to-b", A_ADDR, B_ADDR, "10.1.0.0/16", "10.2.0.0/16",
	          "aes256-sha256-modp2048", "aes256-sha256", true);
	wire_conn(&b.conns[0], "to-a", B_ADDR, A_ADDR, "10.2.0.0/16", "10.1.0.0/16",
	          "aes256-sha256-modp2048", "aes256-sha256", false);
	a.nconns = b.nconns = 1;
	CU_ASSERT_EQUAL_FATAL(wire_add(w, A_ADDR, &a, 100), 0);
	CU_ASSERT_EQUAL_FATAL(wire_add(w, B_ADDR, &b, 200), 0);
	wire_run(w, lab_sec(5));
	gw_conn_stats(w->g[0].gw, 0, &st);
	CU_ASSERT_EQUAL_FATAL(st.state, GW_CONN_UP);
	wire_clear(w);
	return w;
}

static void outer(const struct wire *w, size_t i, struct ipv4_hdr *h)
{
	struct ip_err err;

	CU_ASSERT_FATAL(i < w->g[0].ncap);
	CU_ASSERT_EQUAL_FATAL(ipv4_parse(w->g[0].cap[i].data, w->g[0].cap[i].len, h, &err), 0);
}

/* Put the inner fragments back together (they arrive in order here). */
static size_t inner_join(const struct wire *w, uint8_t *out)
{
	size_t len = 20;

	for (size_t i = 0; i < w->g[1].nsink; i++) {
		struct ipv4_hdr h;
		struct ip_err err;

		CU_ASSERT_EQUAL_FATAL(ipv4_parse(w->g[1].sink[i].data, w->g[1].sink[i].len, &h, &err),
		                      0);
		CU_ASSERT(h.csum_ok);
		CU_ASSERT_EQUAL(h.frag_off, len - 20);
		CU_ASSERT_EQUAL(h.mf, i + 1 < w->g[1].nsink);
		if (i == 0)
			memcpy(out, w->g[1].sink[i].data, 20);
		memcpy(out + len, h.payload, h.payload_len);
		len += h.payload_len;
	}
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	return len;
}

static void test_pre_fragmentation(void)
{
	struct wire *w = sites(GW_FRAG_PRE, ESP_DF_COPY, -1);
	uint8_t p[1400], j[1500];
	struct ipv4_hdr h;
	struct gw_stats gs;

	wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", false, 1);
	wire_send(w, 0, p, sizeof p);
	/* two ESP packets, each whole on the uplink */
	CU_ASSERT_EQUAL_FATAL(w->g[0].ncap, 2);
	for (size_t i = 0; i < 2; i++) {
		outer(w, i, &h);
		CU_ASSERT(!h.mf);
		CU_ASSERT_EQUAL(h.frag_off, 0);
		CU_ASSERT_EQUAL(h.proto, 50);
		CU_ASSERT(w->g[0].cap[i].len <= 1454);
	}
	/* two inner fragments at B: 1388 (1368 data, a multiple of 8) + 32 */
	CU_ASSERT_EQUAL_FATAL(w->g[1].nsink, 2);
	CU_ASSERT_EQUAL(w->g[1].sink[0].len, 1388);
	CU_ASSERT_EQUAL(w->g[1].sink[1].len, 32);
	CU_ASSERT_EQUAL(inner_join(w, j), sizeof p);
	CU_ASSERT_EQUAL(memcmp(j + 20, p + 20, sizeof p - 20), 0);
	gw_stats(w->g[0].gw, &gs);
	CU_ASSERT_EQUAL(gs.fragments_out, 2);
	wire_free(w);
}

static void test_pre_fragmentation_tunnel_mtu(void)
{
	/* 1428 bytes (ping -s 1400): above the tunnel MTU too; the smaller limit (1390) wins */
	struct wire *w = sites(GW_FRAG_PRE, ESP_DF_COPY, -1);
	uint8_t p[1428], j[1500];

	wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", false, 1);
	wire_send(w, 0, p, sizeof p);
	CU_ASSERT_EQUAL(w->g[0].ncap, 2);
	CU_ASSERT_EQUAL_FATAL(w->g[1].nsink, 2);
	CU_ASSERT_EQUAL(inner_join(w, j), sizeof p);
	CU_ASSERT_EQUAL(memcmp(j + 20, p + 20, sizeof p - 20), 0);
	wire_free(w);
}

static void test_post_fragmentation(void)
{
	struct wire *w = sites(GW_FRAG_POST, ESP_DF_CLEAR, -1);
	uint8_t p[1400];
	struct ipv4_hdr h0, h1;
	struct gw_stats gs;

	/* inner DF set: with `df-bit 0` the outer header is cleared and may be fragmented */
	wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", true, 1);
	wire_send(w, 0, p, sizeof p);
	CU_ASSERT_EQUAL_FATAL(w->g[0].ncap, 2);
	outer(w, 0, &h0);
	outer(w, 1, &h1);
	CU_ASSERT_EQUAL(w->g[0].cap[0].len, 1452);
	CU_ASSERT_EQUAL(w->g[0].cap[1].len, 36);
	CU_ASSERT(h0.mf);
	CU_ASSERT(!h1.mf);
	CU_ASSERT(!h0.df && !h1.df);
	CU_ASSERT_EQUAL(h0.frag_off, 0);
	CU_ASSERT_EQUAL(h1.frag_off, 1432);
	CU_ASSERT_EQUAL(h0.id, h1.id);
	CU_ASSERT_EQUAL(h0.proto, 50);
	/* 20 + 8 + 16 + 1408 + 16 = 1468 bytes before fragmentation */
	CU_ASSERT_EQUAL(1452 + 36 - 20, 1468);
	/* one whole inner packet at B, as sent */
	CU_ASSERT_EQUAL_FATAL(w->g[1].nsink, 1);
	CU_ASSERT_EQUAL(w->g[1].sink[0].len, sizeof p);
	CU_ASSERT_EQUAL(memcmp(w->g[1].sink[0].data, p, sizeof p), 0);
	gw_stats(w->g[0].gw, &gs);
	CU_ASSERT_EQUAL(gs.fragments_out, 2);
	CU_ASSERT_EQUAL(gs.frag_needed, 0);
	wire_free(w);
}

/* Check the ICMP 3/4 A's sink got for the offending packet p. */
static void check_icmp(const struct wire *w, const uint8_t *p, uint32_t mtu)
{
	struct ipv4_hdr h;
	struct icmp_msg m;
	struct ip_err err;
	const struct gw_event *e = wire_find(w, 0, GW_EV_FRAG_NEEDED, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->mtu, mtu);
	CU_ASSERT_STRING_EQUAL(e->conn_name, "to-b");
	CU_ASSERT_EQUAL_FATAL(w->g[0].nsink, 1);
	CU_ASSERT_EQUAL_FATAL(ipv4_parse(w->g[0].sink[0].data, w->g[0].sink[0].len, &h, &err), 0);
	CU_ASSERT(h.csum_ok);
	CU_ASSERT_EQUAL(h.proto, 1);
	CU_ASSERT_EQUAL(memcmp(h.dst.a, p + 12, 4), 0);         /* back to the sender */
	CU_ASSERT_EQUAL(memcmp(h.src.a, "\xc0\x00\x02\x01", 4), 0);
	CU_ASSERT_EQUAL_FATAL(icmp_parse(4, h.payload, h.payload_len, NULL, NULL, &m, &err), 0);
	CU_ASSERT(m.csum_ok);
	CU_ASSERT_EQUAL(m.type, 3);
	CU_ASSERT_EQUAL(m.code, 4);
	CU_ASSERT_EQUAL(m.kind, ICMP_KIND_FRAG_NEEDED);
	CU_ASSERT_EQUAL(m.mtu, mtu);
	CU_ASSERT(m.has_quote);
	CU_ASSERT_EQUAL(memcmp(m.quote.dst.a, p + 16, 4), 0);
	CU_ASSERT_EQUAL(w->g[0].ncap, 0);                       /* nothing went out */
	CU_ASSERT_EQUAL(w->g[1].nsink, 0);
}

static void test_df_set_too_big(void)
{
	struct wire *w = sites(GW_FRAG_PRE, ESP_DF_COPY, -1);
	uint8_t p[1400], q[1390];
	struct gw_stats gs;

	wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", true, 1);
	wire_send(w, 0, p, sizeof p);
	check_icmp(w, p, 1390);
	gw_stats(w->g[0].gw, &gs);
	CU_ASSERT_EQUAL(gs.frag_needed, 1);
	/* the sender lowers its packets to the MTU it was told: they pass */
	wire_clear(w);
	wire_ping(q, sizeof q, "10.1.0.5", "10.2.0.7", true, 2);
	wire_send(w, 0, q, sizeof q);
	CU_ASSERT_EQUAL(w->g[0].ncap, 1);
	CU_ASSERT(w->g[0].cap[0].len <= 1454);
	CU_ASSERT_EQUAL(w->g[1].nsink, 1);
	wire_free(w);
}

static void test_post_with_outer_df_is_pre(void)
{
	/* DF copied from a DF packet: the ESP packet may not be fragmented -> ICMP, as pre */
	struct wire *w = sites(GW_FRAG_POST, ESP_DF_COPY, -1);
	uint8_t p[1400], p2[1428];

	wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", true, 1);
	wire_send(w, 0, p, sizeof p);
	check_icmp(w, p, 1390);
	wire_clear(w);
	/* no DF on the inner packet: the outer DF is clear (copy) -> post-fragmentation */
	wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", false, 2);
	wire_send(w, 0, p, sizeof p);
	CU_ASSERT_EQUAL(w->g[0].ncap, 2);
	CU_ASSERT_EQUAL(w->g[1].nsink, 1);
	wire_free(w);
	/* outer DF always set, inner DF clear: the inner packet is fragmented instead */
	w = sites(GW_FRAG_POST, ESP_DF_SET, -1);
	wire_send(w, 0, p, sizeof p);
	CU_ASSERT_EQUAL_FATAL(w->g[0].ncap, 2);
	for (size_t i = 0; i < 2; i++) {
		struct ipv4_hdr h;

		outer(w, i, &h);
		CU_ASSERT(h.df);
		CU_ASSERT(!h.mf && h.frag_off == 0);
	}
	CU_ASSERT_EQUAL(w->g[1].nsink, 2);
	/* the same above the tunnel MTU: fragments of at most 1390, not 1400 */
	wire_clear(w);
	wire_ping(p2, sizeof p2, "10.1.0.5", "10.2.0.7", false, 3);
	wire_send(w, 0, p2, sizeof p2);
	CU_ASSERT_EQUAL_FATAL(w->g[0].ncap, 2);
	for (size_t i = 0; i < 2; i++) {
		struct ipv4_hdr h;

		outer(w, i, &h);
		CU_ASSERT(h.df);
		CU_ASSERT(w->g[0].cap[i].len <= 1454);
	}
	CU_ASSERT_EQUAL_FATAL(w->g[1].nsink, 2);
	CU_ASSERT_EQUAL(w->g[1].sink[0].len, 1388);
	wire_free(w);
}

/* An IPv4 TCP SYN with an MSS option of 1460, checksum right. */
static size_t syn(uint8_t *p, bool ack)
{
	struct ip_addr s = { .family = 4 }, d = { .family = 4 };
	struct ipv4_hdr h;
	uint8_t *t = p + 20;
	uint32_t sum;

	memset(&h, 0, sizeof h);
	h.src.family = h.dst.family = 4;
	inet_pton(AF_INET, ack ? "10.2.0.7" : "10.1.0.5", h.src.a);
	inet_pton(AF_INET, ack ? "10.1.0.5" : "10.2.0.7", h.dst.a);
	h.total_len = 44;
	h.df = true;
	h.ttl = 64;
	h.proto = IP_PROTO_TCP;
	CU_ASSERT_EQUAL_FATAL(ipv4_build(&h, p, 20), 20);
	memset(t, 0, 24);
	t[0] = 0x9c; t[1] = 0x40;       /* 40000 */
	t[2] = 0x00; t[3] = 0x50;       /* 80 */
	t[7] = 1;
	t[12] = 6 << 4;                 /* 24-byte header */
	t[13] = ack ? 0x12 : 0x02;
	t[14] = 0xff; t[15] = 0xff;
	t[20] = 2; t[21] = 4; t[22] = 0x05; t[23] = 0xb4;       /* MSS 1460 */
	s = h.src;
	d = h.dst;
	sum = ip_csum_pseudo(&s, &d, IP_PROTO_TCP, 24);
	sum = ip_csum_add(sum, t, 24);
	{
		uint16_t c = (uint16_t)~ip_csum_fold(sum);

		t[16] = (uint8_t)(c >> 8);
		t[17] = (uint8_t)c;
	}
	return 44;
}

static uint16_t mss_of(const struct wire_pkt *pk)
{
	struct ipv4_hdr h;
	struct tcp_hdr t;
	struct ip_err err;
	uint32_t sum;

	CU_ASSERT_EQUAL_FATAL(ipv4_parse(pk->data, pk->len, &h, &err), 0);
	CU_ASSERT_EQUAL_FATAL(tcp_parse(h.payload, h.payload_len, &t, &err), 0);
	sum = ip_csum_pseudo(&h.src, &h.dst, IP_PROTO_TCP, (uint32_t)h.payload_len);
	sum = ip_csum_add(sum, h.payload, h.payload_len);
	CU_ASSERT_EQUAL(ip_csum_fold(sum), 0xffff);              /* checksum still right */
	CU_ASSERT(t.has_mss);
	return t.mss;
}

static void test_mss_clamp(void)
{
	struct wire *w;
	uint8_t p[44];

	/* from the tunnel: min(1400, 1390 on the 1454 uplink) - 40 */
	w = sites(GW_FRAG_PRE, ESP_DF_COPY, 0);
	wire_send(w, 0, p, syn(p, false));
	CU_ASSERT_EQUAL_FATAL(w->g[1].nsink, 1);
	CU_ASSERT_EQUAL(mss_of(&w->g[1].sink[0]), 1350);
	/* the SYN-ACK coming out of the tunnel is clamped by the same gateway too */
	wire_send(w, 1, p, syn(p, true));
	CU_ASSERT_EQUAL_FATAL(w->g[0].nsink, 1);
	CU_ASSERT_EQUAL(mss_of(&w->g[0].sink[0]), 1350);
	wire_free(w);
	/* a value */
	w = sites(GW_FRAG_PRE, ESP_DF_COPY, 1200);
	wire_send(w, 0, p, syn(p, false));
	CU_ASSERT_EQUAL_FATAL(w->g[1].nsink, 1);
	CU_ASSERT_EQUAL(mss_of(&w->g[1].sink[0]), 1200);
	wire_free(w);
	/* off */
	w = sites(GW_FRAG_PRE, ESP_DF_COPY, -1);
	wire_send(w, 0, p, syn(p, false));
	CU_ASSERT_EQUAL_FATAL(w->g[1].nsink, 1);
	CU_ASSERT_EQUAL(mss_of(&w->g[1].sink[0]), 1460);
	wire_free(w);
}

static void test_drain_valid_together(void)
{
	enum { N = 40 };
	struct wire *w = sites(GW_FRAG_PRE, ESP_DF_COPY, -1);
	static uint8_t copy[N][1500];
	const uint8_t *ptr[N];
	size_t len[N], n = 0;
	uint8_t p[1000];
	struct gw_pkt pk;

	for (int round = 0; round < 3; round++) {
		/* N inputs, then one drain: N ESP packets, each its own buffer */
		for (uint16_t k = 0; k < N; k++) {
			wire_ping(p, sizeof p - 8 * k, "10.1.0.5", "10.2.0.7", false, k);
			gw_inner_input(w->g[0].gw, p, sizeof p - 8 * k, w->now);
		}
		for (n = 0; n < N && gw_output(w->g[0].gw, &pk); n++) {
			CU_ASSERT_EQUAL(pk.kind, GW_OUT_IP);
			CU_ASSERT_FATAL(pk.len <= sizeof copy[0]);
			ptr[n] = pk.data;
			len[n] = pk.len;
			memcpy(copy[n], pk.data, pk.len);
		}
		CU_ASSERT_EQUAL_FATAL(n, N);
		CU_ASSERT_FALSE(gw_output(w->g[0].gw, &pk));
		for (size_t k = 0; k < n; k++) {
			CU_ASSERT_EQUAL(len[k], len[0] - (k / 2) * 16);   /* 8 bytes less each time */
			CU_ASSERT_EQUAL(memcmp(ptr[k], copy[k], len[k]), 0);
		}
	}
	wire_free(w);
}

UNIT_SUITE(gw_frag,
           UNIT_TEST(test_pre_fragmentation),
           UNIT_TEST(test_pre_fragmentation_tunnel_mtu),
           UNIT_TEST(test_post_fragmentation),
           UNIT_TEST(test_df_set_too_big),
           UNIT_TEST(test_post_with_outer_df_is_pre),
           UNIT_TEST(test_mss_clamp),
           UNIT_TEST(test_drain_valid_together))
