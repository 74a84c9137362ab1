/*
 * Two gateways on an in-memory wire: the tunnel comes up, a 1000-byte packet crosses both
 * ways byte for byte, the outer header (DF modes, TOS, TTL, protocol, UDP 4500 with checksum
 * 0 when encapsulation is forced), a sequence-number restart against replay windows 64 and
 * 0, configuration errors, always-up re-initiation, and the same seed giving the same bytes.
 */
#include "tests/unit/test_gw_wire.h"
#include "tests/unit/unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define A_ADDR "192.0.2.1"
#define B_ADDR "192.0.2.2"

/* Site A (10.1/16, initiator, always up) and site B (10.2/16, responder). */
static void two_sites(struct gw_config *a, struct gw_config *b, const char *esp)
{
	memset(a, 0, sizeof *a);
	memset(b, 0, sizeof *b);
	gw_dataplane_default(&a->dp);
	gw_dataplane_default(&b->dp);
	wire_conn(&a->conns[0], "to-b", A_ADDR, B_ADDR, "10.1.0.0/16", "10.2.0.0/16",
	          "aes256-sha256-modp2048", esp, true);
	wire_conn(&b->conns[0], "to-a", B_ADDR, A_ADDR, "10.2.0.0/16", "10.1.0.0/16",
	          "aes256-sha256-modp2048", esp, false);
	a->nconns = b->nconns = 1;
}

static struct wire *up(struct gw_config *a, struct gw_config *b, uint64_t seed)
{
	struct wire *w = wire_new();
	struct gw_conn_stats st;

	CU_ASSERT_EQUAL_FATAL(wire_add(w, A_ADDR, a, seed), 0);
	CU_ASSERT_EQUAL_FATAL(wire_add(w, B_ADDR, b, seed + 1), 0);
	wire_run(w, lab_sec(5));
	gw_conn_stats(w->g[0].gw, 0, &st);
	CU_ASSERT_EQUAL(st.state, GW_CONN_UP);
	gw_conn_stats(w->g[1].gw, 0, &st);
	CU_ASSERT_EQUAL(st.state, GW_CONN_UP);
	return w;
}

static void test_up_and_traffic(void)
{
	struct gw_config a, b;
	struct wire *w;
	struct gw_conn_stats sa, sb;
	uint8_t p[1000], q[1000];
	struct ipv4_hdr h;
	struct ip_err err;

	two_sites(&a, &b, "aes256-sha256");
	w = up(&a, &b, 11);
	CU_ASSERT_EQUAL(wire_count(w, 0, GW_EV_IKE, IKE_EV_CHILD_SA_ESTABLISHED), 1);
	CU_ASSERT_EQUAL(wire_count(w, 1, GW_EV_IKE, IKE_EV_CHILD_SA_ESTABLISHED), 1);
	CU_ASSERT_STRING_EQUAL(wire_find(w, 0, GW_EV_IKE, IKE_EV_CHILD_SA_ESTABLISHED)->conn_name,
	                       "to-b");
	wire_clear(w);

	wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", true, 1);
	wire_send(w, 0, p, sizeof p);
	CU_ASSERT_EQUAL_FATAL(w->g[1].nsink, 1);
	CU_ASSERT_EQUAL(w->g[1].sink[0].len, sizeof p);
	CU_ASSERT_EQUAL(memcmp(w->g[1].sink[0].data, p, sizeof p), 0);
	wire_ping(q, sizeof q, "10.2.0.7", "10.1.0.5", false, 2);
	wire_send(w, 1, q, sizeof q);
	CU_ASSERT_EQUAL_FATAL(w->g[0].nsink, 1);
	CU_ASSERT_EQUAL(memcmp(w->g[0].sink[0].data, q, sizeof q), 0);

	/* the outer header of A's packet: raw ESP, DF copied (set), TOS copied, TTL 64 */
	CU_ASSERT_EQUAL_FATAL(w->g[0].ncap, 1);
	CU_ASSERT_EQUAL_FATAL(ipv4_parse(w->g[0].cap[0].data, w->g[0].cap[0].len, &h, &err), 0);
	CU_ASSERT_EQUAL(h.proto, 50);
	CU_ASSERT(h.df);
	CU_ASSERT_EQUAL(h.tos, 0x28);
	CU_ASSERT_EQUAL(h.ttl, 64);
	CU_ASSERT(h.csum_ok);
	CU_ASSERT_EQUAL(memcmp(h.src.a, "\xc0\x00\x02\x01", 4), 0);
	CU_ASSERT_EQUAL(memcmp(h.dst.a, "\xc0\x00\x02\x02", 4), 0);
	/* 1000 + 2 -> 1008 (16-byte blocks); 20 + 8 + 16 IV + 1008 + 16 ICV */
	CU_ASSERT_EQUAL(h.total_len, 1068);

	gw_conn_stats(w->g[0].gw, 0, &sa);
	gw_conn_stats(w->g[1].gw, 0, &sb);
	CU_ASSERT_EQUAL(sa.packets_out, 1);
	CU_ASSERT_EQUAL(sa.bytes_out, 1000);
	CU_ASSERT_EQUAL(sa.packets_in, 1);
	CU_ASSERT_EQUAL(sb.packets_in, 1);
	CU_ASSERT_EQUAL(sb.bytes_in, 1000);
	CU_ASSERT_EQUAL(sa.spi_out, sb.spi_in);
	CU_ASSERT_EQUAL(sa.spi_in, sb.spi_out);
	CU_ASSERT_NOT_EQUAL(sa.spi_in, 0);

	/* A's packet again with another sequence number and one ciphertext byte changed, and
	 * with an SPI nobody has */
	{
		struct ike_endpoint f = { .family = AF_INET, .addr = { 192, 0, 2, 1 } };
		struct ike_endpoint t = { .family = AF_INET, .addr = { 192, 0, 2, 2 } };
		uint8_t esp[1100];
		size_t el = w->g[0].cap[0].len - 20;
		const struct gw_event *d;

		memcpy(esp, w->g[0].cap[0].data + 20, el);
		esp[7] = 100;           /* ahead of the window (seq 1 was taken), so the ICV decides */
		esp[40] ^= 1;
		gw_esp_input(w->g[1].gw, esp, el, &f, &t, w->now);
		wire_shuttle(w);
		d = wire_find(w, 1, GW_EV_ESP_DROP, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		CU_ASSERT_PTR_NOT_NULL(strstr(d->detail, "authentication failed"));
		CU_ASSERT_PTR_NOT_NULL(strstr(d->detail, "seq 100"));
		CU_ASSERT_STRING_EQUAL(d->conn_name, "to-a");
		w->g[1].nev = 0;
		esp[0] ^= 0x80;
		gw_esp_input(w->g[1].gw, esp, el, &f, &t, w->now);
		wire_shuttle(w);
		d = wire_find(w, 1, GW_EV_ESP_DROP, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		CU_ASSERT_PTR_NOT_NULL(strstr(d->detail, "unknown SPI"));
		CU_ASSERT_EQUAL(d->conn, -1);
		CU_ASSERT_EQUAL(w->g[1].nsink, 1);
	}

	/* outside the selectors: not for the tunnel */
	wire_ping(p, 100, "10.1.0.5", "10.9.0.1", false, 3);
	wire_send(w, 0, p, 100);
	{
		struct gw_stats gs;

		gw_stats(w->g[0].gw, &gs);
		CU_ASSERT_EQUAL(gs.no_match_drops, 1);
	}
	CU_ASSERT_EQUAL(w->g[1].nsink, 1);
	wire_free(w);
}

static int outer_df(enum esp_df_mode mode, bool inner_df)
{
	struct gw_config a, b;
	struct wire *w;
	uint8_t p[1000];
	struct ipv4_hdr h;
	struct ip_err err;
	int df;

	two_sites(&a, &b, "aes128-sha1");
	a.dp.df = mode;
	w = up(&a, &b, 5);
	wire_clear(w);
	wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", inner_df, 1);
	wire_send(w, 0, p, sizeof p);
	CU_ASSERT_EQUAL(w->g[1].nsink, 1);
	CU_ASSERT_EQUAL_FATAL(w->g[0].ncap, 1);
	CU_ASSERT_EQUAL_FATAL(ipv4_parse(w->g[0].cap[0].data, w->g[0].cap[0].len, &h, &err), 0);
	df = h.df;
	wire_free(w);
	return df;
}

static void test_outer_df(void)
{
	CU_ASSERT_EQUAL(outer_df(ESP_DF_COPY, true), 1);
	CU_ASSERT_EQUAL(outer_df(ESP_DF_COPY, false), 0);
	CU_ASSERT_EQUAL(outer_df(ESP_DF_CLEAR, true), 0);
	CU_ASSERT_EQUAL(outer_df(ESP_DF_SET, false), 1);
}

/* A data-plane change through gw_reconfigure: the SAs stay, the next packet follows it. */
static void test_reconfigure_dataplane(void)
{
	struct gw_config a, b;
	struct wire *w;
	struct gw_conn_stats before, after;
	uint8_t p[1000];
	struct ipv4_hdr h;
	struct ip_err err;
	char e[200];
	uint64_t udp;

	two_sites(&a, &b, "aes128-sha1");
	w = up(&a, &b, 91);
	gw_conn_stats(w->g[0].gw, 0, &before);
	udp = w->nudp;
	a.dp.df = ESP_DF_SET;
	CU_ASSERT_EQUAL_FATAL(gw_reconfigure(w->g[0].gw, &a, w->now, e, sizeof e), 0);
	wire_clear(w);
	wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", false, 1);
	wire_send(w, 0, p, sizeof p);
	CU_ASSERT_EQUAL(w->g[1].nsink, 1);
	CU_ASSERT_EQUAL_FATAL(w->g[0].ncap, 1);
	CU_ASSERT_EQUAL_FATAL(ipv4_parse(w->g[0].cap[0].data, w->g[0].cap[0].len, &h, &err), 0);
	CU_ASSERT(h.df);
	gw_conn_stats(w->g[0].gw, 0, &after);
	CU_ASSERT_EQUAL(after.spi_out, before.spi_out);
	CU_ASSERT_EQUAL(w->nudp, udp);          /* no IKE at all: nothing was restarted */
	a.dp.tunnel_mtu = 10;
	CU_ASSERT_EQUAL(gw_reconfigure(w->g[0].gw, &a, w->now, e, sizeof e), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e, "dp.tunnel_mtu"));
	wire_free(w);
}

static void test_force_encap(void)
{
	struct gw_config a, b;
	struct wire *w;
	uint8_t p[200];
	struct ipv4_hdr h;
	struct udp_hdr u;
	struct ip_err err;
	const struct gw_event *e;

	two_sites(&a, &b, "aes128-sha1");
	b.conns[0].ike.force_encap = true;      /* a kernel-libipsec peer */
	w = up(&a, &b, 9);
	e = wire_find(w, 0, GW_EV_IKE, IKE_EV_CHILD_SA_ESTABLISHED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT(e->ike.udp_encap);
	wire_clear(w);
	wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", false, 1);
	wire_send(w, 0, p, sizeof p);
	wire_ping(p, sizeof p, "10.2.0.7", "10.1.0.5", false, 2);
	wire_send(w, 1, p, sizeof p);
	CU_ASSERT_EQUAL(w->g[1].nsink, 1);
	CU_ASSERT_EQUAL(w->g[0].nsink, 1);
	for (int k = 0; k < 2; k++) {
		CU_ASSERT_EQUAL_FATAL(w->g[k].ncap, 1);
		CU_ASSERT_EQUAL_FATAL(ipv4_parse(w->g[k].cap[0].data, w->g[k].cap[0].len, &h, &err),
		                      0);
		CU_ASSERT_EQUAL(h.proto, 17);
		CU_ASSERT_EQUAL_FATAL(udp_parse(h.payload, h.payload_len, &u, &err), 0);
		CU_ASSERT_EQUAL(u.sport, 4500);
		CU_ASSERT_EQUAL(u.dport, 4500);
		CU_ASSERT_EQUAL(u.csum, 0);
		CU_ASSERT_EQUAL(u.len, h.payload_len);
		/* 200 + 2 -> 208; 20 + 8 + 8 + 16 + 208 + 12 */
		CU_ASSERT_EQUAL(h.total_len, 272);
	}
	wire_free(w);
}

/* A behind a NAT that maps 500 -> 1500 and 4500 -> 14500: NAT-D sees it, both float to
 * 4500, and B sends its ESP in UDP to the port the NAT gave A's 4500. */
static void test_nat_traversal(void)
{
	struct gw_config a, b;
	struct wire *w = wire_new();
	struct gw_conn_stats st;
	const struct gw_event *e;
	uint8_t p[500];
	struct ipv4_hdr h;
	struct udp_hdr u;
	struct ip_err err;

	two_sites(&a, &b, "aes128-sha1");
	w->natted = 0;
	CU_ASSERT_EQUAL_FATAL(wire_add(w, A_ADDR, &a, 61), 0);
	CU_ASSERT_EQUAL_FATAL(wire_add(w, B_ADDR, &b, 62), 0);
	wire_run(w, lab_sec(5));
	gw_conn_stats(w->g[1].gw, 0, &st);
	CU_ASSERT_EQUAL_FATAL(st.state, GW_CONN_UP);
	e = wire_find(w, 1, GW_EV_IKE, IKE_EV_CHILD_SA_ESTABLISHED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT(e->ike.udp_encap);
	CU_ASSERT_EQUAL(e->ike.remote.port, 14500);
	wire_clear(w);
	wire_ping(p, sizeof p, "10.2.0.7", "10.1.0.5", false, 1);
	wire_send(w, 1, p, sizeof p);
	wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", false, 2);
	wire_send(w, 0, p, sizeof p);
	CU_ASSERT_EQUAL(w->g[0].nsink, 1);
	CU_ASSERT_EQUAL(w->g[1].nsink, 1);
	CU_ASSERT_EQUAL_FATAL(w->g[1].ncap, 1);
	CU_ASSERT_EQUAL_FATAL(ipv4_parse(w->g[1].cap[0].data, w->g[1].cap[0].len, &h, &err), 0);
	CU_ASSERT_EQUAL_FATAL(udp_parse(h.payload, h.payload_len, &u, &err), 0);
	CU_ASSERT_EQUAL(u.sport, 4500);
	CU_ASSERT_EQUAL(u.dport, 14500);
	/* a NAT keepalive on 4500 is ignored */
	{
		struct ike_endpoint f = { .family = AF_INET, .addr = { 192, 0, 2, 1 }, .port = 14500 };
		struct ike_endpoint t = { .family = AF_INET, .addr = { 192, 0, 2, 2 }, .port = 4500 };
		struct gw_stats gs;

		gw_udp_input(w->g[1].gw, (const uint8_t *)"\xff", 1, &f, &t, w->now);
		wire_shuttle(w);
		gw_stats(w->g[1].gw, &gs);
		CU_ASSERT_EQUAL(gs.esp_drops, 0);
		CU_ASSERT_EQUAL(w->g[1].nev, 0);
	}
	wire_free(w);
}

/* A fail-over restarts the sender's sequence numbers at 1: replay window 64 drops them. */
static void seq_restart(uint32_t window, size_t *delivered, size_t *replay_drops)
{
	struct gw_config a, b;
	struct wire *w;
	uint8_t p[100];
	const struct gw_event *e;

	two_sites(&a, &b, "aes128-sha1");
	b.dp.replay_window = window;
	w = up(&a, &b, 21);
	for (uint16_t i = 0; i < 10; i++) {
		wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", false, i);
		wire_send(w, 0, p, sizeof p);
	}
	CU_ASSERT_EQUAL(gw_conn_seq_restart(w->g[0].gw, 0, 1), 0);
	wire_clear(w);
	for (uint16_t i = 0; i < 5; i++) {
		wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", false, (uint16_t)(100 + i));
		wire_send(w, 0, p, sizeof p);
	}
	*delivered = w->g[1].nsink;
	*replay_drops = wire_count(w, 1, GW_EV_ESP_DROP, 0);
	e = wire_find(w, 1, GW_EV_ESP_DROP, 0);
	if (*replay_drops) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_PTR_NOT_NULL(strstr(e->detail, "seq 1:"));
		CU_ASSERT_PTR_NOT_NULL(strstr(e->detail, "replay: duplicate"));
		CU_ASSERT_STRING_EQUAL(e->conn_name, "to-a");
	}
	{
		struct gw_conn_stats st;

		gw_conn_stats(w->g[1].gw, 0, &st);
		CU_ASSERT_EQUAL(st.drops, *replay_drops);
	}
	wire_free(w);
}

static void test_seq_restart(void)
{
	size_t delivered, drops;

	seq_restart(64, &delivered, &drops);
	CU_ASSERT_EQUAL(delivered, 0);
	CU_ASSERT_EQUAL(drops, 5);
	seq_restart(0, &delivered, &drops);
	CU_ASSERT_EQUAL(delivered, 5);
	CU_ASSERT_EQUAL(drops, 0);
}

static uint64_t run_digest(uint64_t seed)
{
	struct gw_config a, b;
	struct wire *w;
	uint8_t p[1400];
	uint64_t d;

	two_sites(&a, &b, "aes256-sha256");
	a.dp.uplink_mtu = 1454;
	a.dp.frag = GW_FRAG_POST;
	a.dp.df = ESP_DF_CLEAR;
	w = up(&a, &b, seed);
	for (uint16_t i = 0; i < 20; i++) {
		wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", true, i);
		wire_send(w, 0, p, sizeof p);
		wire_ping(p, 300, "10.2.0.7", "10.1.0.5", false, i);
		wire_send(w, 1, p, 300);
	}
	CU_ASSERT_EQUAL(w->g[1].nsink, 20);
	CU_ASSERT_EQUAL(w->g[0].nsink, 20);
	d = w->digest;
	wire_free(w);
	return d;
}

static void test_same_seed_same_bytes(void)
{
	uint64_t x = run_digest(42), y = run_digest(42), z = run_digest(43);

	CU_ASSERT_EQUAL(x, y);
	CU_ASSERT_NOT_EQUAL(x, z);
}

static void test_config_errors(void)
{
	struct gw_config a, b;
	struct gw *g = NULL;
	struct drbg d;
	char err[200];

	drbg_init(&d, 1);
	two_sites(&a, &b, "aes128-sha1");
	a.dp.tunnel_mtu = 40;
	CU_ASSERT_EQUAL(gw_new(&g, &a, &d, 0, err, sizeof err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "dp.tunnel_mtu"));
	a.dp.tunnel_mtu = 0;
	a.conns[1] = a.conns[0];
	a.nconns = 2;
	CU_ASSERT_EQUAL(gw_new(&g, &a, &d, 0, err, sizeof err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "conns[1].name"));
	a.nconns = 1;
	a.conns[0].ike.remote_ts.family = 10;
	CU_ASSERT_EQUAL(gw_new(&g, &a, &d, 0, err, sizeof err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "conns[to-b].ike.remote_ts"));
	a.conns[0].ike.remote_ts.family = AF_INET;
	a.conns[0].ike.esp[0].hash = IKE_HASH_MD5;
	CU_ASSERT_EQUAL(gw_new(&g, &a, &d, 0, err, sizeof err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "conns[to-b].ike.esp[0]"));
	CU_ASSERT_PTR_NULL(g);
	gw_config_wipe(&a);
	gw_config_wipe(&b);
}

/* Taken down, an always-up connection comes back after the back-off; a responder stays down
 * until its peer initiates. gw_shutdown keeps it down. */
static void test_always_up_comes_back(void)
{
	struct gw_config a, b;
	struct wire *w;
	struct gw_conn_stats st;
	uint32_t old;

	two_sites(&a, &b, "aes128-sha1");
	w = up(&a, &b, 31);
	gw_conn_stats(w->g[0].gw, 0, &st);
	old = st.spi_out;
	wire_clear(w);
	gw_conn_down(w->g[0].gw, 0, w->now);
	wire_shuttle(w);
	CU_ASSERT_EQUAL(wire_count(w, 1, GW_EV_IKE, IKE_EV_CHILD_SA_DELETED), 1);
	gw_conn_stats(w->g[0].gw, 0, &st);
	CU_ASSERT_EQUAL(st.state, GW_CONN_DOWN);
	gw_conn_stats(w->g[1].gw, 0, &st);
	CU_ASSERT_EQUAL(st.state, GW_CONN_DOWN);
	wire_run(w, w->now + lab_sec(10));
	gw_conn_stats(w->g[0].gw, 0, &st);
	CU_ASSERT_EQUAL(st.state, GW_CONN_UP);
	CU_ASSERT_NOT_EQUAL(st.spi_out, old);
	gw_shutdown(w->g[0].gw, w->now);
	wire_run(w, w->now + lab_sec(30));
	gw_conn_stats(w->g[0].gw, 0, &st);
	CU_ASSERT_EQUAL(st.state, GW_CONN_DOWN);
	gw_conn_stats(w->g[1].gw, 0, &st);
	CU_ASSERT_EQUAL(st.state, GW_CONN_DOWN);
	CU_ASSERT_EQUAL(gw_conn_seq_restart(w->g[0].gw, 0, 1), -ENOENT);
	wire_free(w);
}

/* Link cut: DPD declares the peer dead, the SAs go; the always-up side keeps trying and the
 * tunnel is back soon after the link returns. */
static void test_dpd_link_cut(void)
{
	struct gw_config a, b;
	struct wire *w;
	struct gw_conn_stats st;
	uint8_t p[100];

	two_sites(&a, &b, "aes128-sha1");
	for (int k = 0; k < 2; k++) {
		struct ike_policy *pol = k ? &b.conns[0].ike : &a.conns[0].ike;

		pol->dpd_delay = lab_sec(10);
		pol->dpd_timeout = lab_sec(30);
		pol->dpd_action = IKE_DPD_RESTART;
		pol->dpd_needs_peer_vid = false;
	}
	w = up(&a, &b, 81);
	w->print_logs = getenv("GW_LOGS") != NULL;
	wire_clear(w);
	w->cut = true;
	wire_run(w, lab_sec(60));
	CU_ASSERT_EQUAL(wire_count(w, 0, GW_EV_IKE, IKE_EV_DPD_TIMEOUT), 1);
	gw_conn_stats(w->g[0].gw, 0, &st);
	CU_ASSERT_NOT_EQUAL(st.state, GW_CONN_UP);
	wire_run(w, lab_sec(400));              /* still cut: retrying (~165 s a try), never up */
	gw_conn_stats(w->g[0].gw, 0, &st);
	CU_ASSERT_EQUAL(st.state, GW_CONN_CONNECTING);
	CU_ASSERT(wire_count(w, 0, GW_EV_IKE, IKE_EV_TIMEOUT) >= 2);
	w->cut = false;
	wire_run(w, lab_sec(600));
	gw_conn_stats(w->g[0].gw, 0, &st);
	CU_ASSERT_EQUAL(st.state, GW_CONN_UP);
	gw_conn_stats(w->g[1].gw, 0, &st);
	CU_ASSERT_EQUAL(st.state, GW_CONN_UP);
	wire_clear(w);
	wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", false, 1);
	wire_send(w, 0, p, sizeof p);
	wire_ping(p, sizeof p, "10.2.0.7", "10.1.0.5", false, 2);
	wire_send(w, 1, p, sizeof p);
	CU_ASSERT_EQUAL(w->g[1].nsink, 1);
	CU_ASSERT_EQUAL(w->g[0].nsink, 1);
	wire_free(w);
}

/* DPD actions on an initiating (not always-up) connection whose wire is cut then restored,
 * with strongSwan's semantics: restart comes back by itself; hold stays down until traffic
 * for the tunnel initiates (trap); clear stays down even with traffic, until an explicit
 * initiate. The responder (action clear) never initiates. */
static void dpd_action_case(enum ike_dpd_action action, uint64_t seed)
{
	struct gw_config a, b;
	struct wire *w;
	struct gw_conn_stats st;
	uint8_t p[100];
	uint64_t udp;

	two_sites(&a, &b, "aes128-sha1");
	a.conns[0].always_up = false;
	a.conns[0].ike.initiator = true;
	for (int k = 0; k < 2; k++) {
		struct ike_policy *pol = k ? &b.conns[0].ike : &a.conns[0].ike;

		pol->dpd_delay = lab_sec(10);
		pol->dpd_timeout = lab_sec(30);
		pol->dpd_action = k ? IKE_DPD_CLEAR : action;
		pol->dpd_needs_peer_vid = false;
	}
	w = wire_new();
	w->print_logs = getenv("GW_LOGS") != NULL;
	CU_ASSERT_EQUAL_FATAL(wire_add(w, A_ADDR, &a, seed), 0);
	CU_ASSERT_EQUAL_FATAL(wire_add(w, B_ADDR, &b, seed + 1), 0);
	gw_conn_initiate(w->g[0].gw, 0, w->now);
	wire_run(w, lab_sec(5));
	gw_conn_stats(w->g[0].gw, 0, &st);
	CU_ASSERT_EQUAL_FATAL(st.state, GW_CONN_UP);
	wire_clear(w);
	w->cut = true;
	wire_run(w, lab_sec(80));
	CU_ASSERT_EQUAL(wire_count(w, 0, GW_EV_IKE, IKE_EV_DPD_TIMEOUT), 1);
	CU_ASSERT_EQUAL(wire_count(w, 1, GW_EV_IKE, IKE_EV_DPD_TIMEOUT), 1);
	gw_conn_stats(w->g[1].gw, 0, &st);
	CU_ASSERT_EQUAL(st.state, GW_CONN_DOWN);
	w->cut = false;
	wire_run(w, lab_sec(500));      /* the link is back; nothing is sent into the tunnel */
	gw_conn_stats(w->g[0].gw, 0, &st);
	if (action == IKE_DPD_RESTART) {
		CU_ASSERT_EQUAL(st.state, GW_CONN_UP);
		wire_free(w);
		return;
	}
	CU_ASSERT_EQUAL(st.state, GW_CONN_DOWN);
	gw_conn_stats(w->g[1].gw, 0, &st);
	CU_ASSERT_EQUAL(st.state, GW_CONN_DOWN);
	/* traffic for the tunnel: hold initiates (the first packet is lost), clear does not */
	udp = w->nudp;
	wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", false, 1);
	gw_inner_input(w->g[0].gw, p, sizeof p, w->now);
	wire_shuttle(w);
	CU_ASSERT_EQUAL(wire_count(w, 0, GW_EV_NO_SA, 0), 1);
	wire_run(w, w->now + lab_sec(10));
	gw_conn_stats(w->g[0].gw, 0, &st);
	if (action == IKE_DPD_HOLD) {
		CU_ASSERT_EQUAL(st.state, GW_CONN_UP);
		CU_ASSERT(w->nudp > udp);
		wire_free(w);
		return;
	}
	CU_ASSERT_EQUAL(st.state, GW_CONN_DOWN);
	CU_ASSERT_EQUAL(w->nudp, udp);          /* not one IKE datagram */
	/* the responder's side: traffic from b's LAN does not initiate either (clear) */
	wire_ping(p, sizeof p, "10.2.0.7", "10.1.0.5", false, 2);
	gw_inner_input(w->g[1].gw, p, sizeof p, w->now);
	wire_run(w, w->now + lab_sec(10));
	CU_ASSERT_EQUAL(w->nudp, udp);
	/* an explicit initiate brings it back, and with it the trap */
	gw_conn_initiate(w->g[0].gw, 0, w->now);
	wire_run(w, w->now + lab_sec(5));
	gw_conn_stats(w->g[0].gw, 0, &st);
	CU_ASSERT_EQUAL(st.state, GW_CONN_UP);
	wire_free(w);
}

static void test_dpd_action_restart(void)
{
	dpd_action_case(IKE_DPD_RESTART, 91);
}

static void test_dpd_action_hold(void)
{
	dpd_action_case(IKE_DPD_HOLD, 93);
}

static void test_dpd_action_clear(void)
{
	dpd_action_case(IKE_DPD_CLEAR, 95);
}

/* hold on a responder connection installs a trap too (strongSwan's dpd_action=trap): after
 * the timeout its side's traffic starts main mode, the responder becoming the initiator. */
static void test_dpd_hold_responder(void)
{
	struct gw_config a, b;
	struct wire *w;
	struct gw_conn_stats st;
	uint8_t p[100];

	two_sites(&a, &b, "aes128-sha1");
	a.conns[0].always_up = false;
	a.conns[0].ike.initiator = true;
	for (int k = 0; k < 2; k++) {
		struct ike_policy *pol = k ? &b.conns[0].ike : &a.conns[0].ike;

		pol->dpd_delay = lab_sec(10);
		pol->dpd_timeout = lab_sec(30);
		pol->dpd_action = k ? IKE_DPD_HOLD : IKE_DPD_CLEAR;
		pol->dpd_needs_peer_vid = false;
	}
	w = wire_new();
	CU_ASSERT_EQUAL_FATAL(wire_add(w, A_ADDR, &a, 97), 0);
	CU_ASSERT_EQUAL_FATAL(wire_add(w, B_ADDR, &b, 98), 0);
	gw_conn_initiate(w->g[0].gw, 0, w->now);
	wire_run(w, lab_sec(5));
	gw_conn_stats(w->g[1].gw, 0, &st);
	CU_ASSERT_EQUAL_FATAL(st.state, GW_CONN_UP);
	w->cut = true;
	wire_run(w, lab_sec(80));
	w->cut = false;
	wire_run(w, lab_sec(500));
	gw_conn_stats(w->g[1].gw, 0, &st);
	CU_ASSERT_EQUAL(st.state, GW_CONN_DOWN);
	wire_ping(p, sizeof p, "10.2.0.7", "10.1.0.5", false, 1);
	gw_inner_input(w->g[1].gw, p, sizeof p, w->now);
	wire_run(w, w->now + lab_sec(10));
	gw_conn_stats(w->g[1].gw, 0, &st);
	CU_ASSERT_EQUAL(st.state, GW_CONN_UP);
	gw_conn_stats(w->g[0].gw, 0, &st);
	CU_ASSERT_EQUAL(st.state, GW_CONN_UP);
	wire_clear(w);
	wire_send(w, 1, p, sizeof p);
	CU_ASSERT_EQUAL(w->g[0].nsink, 1);
	wire_free(w);
}

/* An initiator that is not always up negotiates when traffic finds no SA (an acquire). */
static void test_acquire(void)
{
	struct gw_config a, b;
	struct wire *w = wire_new();
	struct gw_conn_stats st;
	uint8_t p[100];

	two_sites(&a, &b, "aes128-sha1");
	a.conns[0].always_up = false;
	CU_ASSERT_EQUAL_FATAL(wire_add(w, A_ADDR, &a, 3), 0);
	CU_ASSERT_EQUAL_FATAL(wire_add(w, B_ADDR, &b, 4), 0);
	wire_run(w, lab_sec(5));
	gw_conn_stats(w->g[0].gw, 0, &st);
	CU_ASSERT_EQUAL(st.state, GW_CONN_DOWN);
	CU_ASSERT_EQUAL(w->nudp, 0);
	wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", false, 1);
	gw_inner_input(w->g[0].gw, p, sizeof p, w->now);
	wire_shuttle(w);
	CU_ASSERT_EQUAL(wire_count(w, 0, GW_EV_NO_SA, 0), 1);
	wire_run(w, lab_sec(10));
	gw_conn_stats(w->g[0].gw, 0, &st);
	CU_ASSERT_EQUAL(st.state, GW_CONN_UP);
	wire_send(w, 0, p, sizeof p);
	CU_ASSERT_EQUAL(w->g[1].nsink, 1);
	wire_free(w);
}

UNIT_SUITE(gw_basic,
           UNIT_TEST(test_up_and_traffic),
           UNIT_TEST(test_outer_df),
           UNIT_TEST(test_reconfigure_dataplane),
           UNIT_TEST(test_force_encap),
           UNIT_TEST(test_nat_traversal),
           UNIT_TEST(test_seq_restart),
           UNIT_TEST(test_same_seed_same_bytes),
           UNIT_TEST(test_config_errors),
           UNIT_TEST(test_always_up_comes_back),
           UNIT_TEST(test_dpd_link_cut),
           UNIT_TEST(test_dpd_action_restart),
           UNIT_TEST(test_dpd_action_hold),
           UNIT_TEST(test_dpd_action_clear),
           UNIT_TEST(test_dpd_hold_responder),
           UNIT_TEST(test_acquire))
