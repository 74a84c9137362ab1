/*
 * A hub (K5-like) with two site connections, B (10.2/16) and C (10.3/16); the hub's LAN is
 * 10.1/16, and its selectors towards each site cover 10.0.0.0/8 so a site could be reached
 * from the other through it. Hairpin refused: B -> C dies at the hub (both when it arrives
 * through B's tunnel and when the kernel routes it back into the tunnel interface), counted
 * and reported; hairpin allowed: the hub re-encrypts it into C. Traffic between a site and
 * the hub's LAN is not affected. Also: a rekey hand-over with packets flowing both ways loses
 * nothing, and gw_reconfigure restarts a changed connection only.
 */
#include "tests/unit/test_gw_wire.h"
#include "tests/unit/unit.h"

#include <stdlib.h>
#include <string.h>

#define H_ADDR "192.0.2.1"
#define B_ADDR "192.0.2.2"
#define C_ADDR "192.0.2.3"

static void hub_config(struct gw_config *h, bool hairpin)
{
	memset(h, 0, sizeof *h);
	gw_dataplane_default(&h->dp);
	h->dp.hairpin = hairpin;
	wire_conn(&h->conns[0], "site-b", H_ADDR, B_ADDR, "10.0.0.0/8", "10.2.0.0/16",
	          "aes128-sha1-modp2048", "aes128-sha1", false);
	wire_conn(&h->conns[1], "site-c", H_ADDR, C_ADDR, "10.0.0.0/8", "10.3.0.0/16",
	          "aes128-sha1-modp2048", "aes128-sha1", false);
	h->nconns = 2;
}

static struct wire *hub(bool hairpin)
{
	struct gw_config h, b, c;
	struct wire *w = wire_new();
	struct gw_conn_stats st;

	hub_config(&h, hairpin);
	memset(&b, 0, sizeof b);
	memset(&c, 0, sizeof c);
	gw_dataplane_default(&b.dp);
	gw_dataplane_default(&c.dp);
	wire_conn(&b.conns[0], "hub", B_ADDR, H_ADDR, "10.2.0.0/16", "10.0.0.0/8",
	          "aes128-sha1-modp2048", "aes128-sha1", true);
	wire_conn(&c.conns[0], "hub", C_ADDR, H_ADDR, "10.3.0.0/16", "10.0.0.0/8",
	          "aes128-sha1-modp2048", "aes128-sha1", true);
	b.nconns = c.nconns = 1;
	CU_ASSERT_EQUAL_FATAL(wire_add(w, H_ADDR, &h, 1), 0);
	CU_ASSERT_EQUAL_FATAL(wire_add(w, B_ADDR, &b, 2), 0);
	CU_ASSERT_EQUAL_FATAL(wire_add(w, C_ADDR, &c, 3), 0);
	wire_run(w, lab_sec(5));
	for (int i = 0; i < 2; i++) {
		gw_conn_stats(w->g[0].gw, i, &st);
		CU_ASSERT_EQUAL_FATAL(st.state, GW_CONN_UP);
	}
	wire_clear(w);
	return w;
}

static void test_hairpin_refused(void)
{
	struct wire *w = hub(false);
	uint8_t p[300];
	struct gw_stats gs;
	const struct gw_event *e;

	/* site B to site C through the hub */
	wire_ping(p, sizeof p, "10.2.0.5", "10.3.0.9", false, 1);
	wire_send(w, 1, p, sizeof p);
	CU_ASSERT_EQUAL(w->g[1].ncap, 1);       /* B did send it into its tunnel */
	CU_ASSERT_EQUAL(w->g[0].nsink, 0);      /* the hub does not hand it to its LAN ... */
	CU_ASSERT_EQUAL(w->g[0].ncap, 0);       /* ... nor to C */
	CU_ASSERT_EQUAL(w->g[2].nsink, 0);
	e = wire_find(w, 0, GW_EV_HAIRPIN_DROP, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_STRING_EQUAL(e->conn_name, "site-b");
	CU_ASSERT_PTR_NOT_NULL(strstr(e->detail, "site-c"));
	/* the kernel-routed path: the same packet put into the hub's tunnel interface */
	gw_inner_input(w->g[0].gw, p, sizeof p, w->now);
	wire_shuttle(w);
	CU_ASSERT_EQUAL(w->g[0].ncap, 0);
	CU_ASSERT_EQUAL(wire_count(w, 0, GW_EV_HAIRPIN_DROP, 0), 2);
	gw_stats(w->g[0].gw, &gs);
	CU_ASSERT_EQUAL(gs.hairpin_drops, 2);
	CU_ASSERT_EQUAL(gs.hairpin_forwards, 0);
	/* B to the hub's own LAN passes, and the hub's LAN reaches C */
	wire_ping(p, sizeof p, "10.2.0.5", "10.1.0.1", false, 2);
	wire_send(w, 1, p, sizeof p);
	CU_ASSERT_EQUAL(w->g[0].nsink, 1);
	wire_ping(p, sizeof p, "10.1.0.1", "10.3.0.9", false, 3);
	wire_send(w, 0, p, sizeof p);
	CU_ASSERT_EQUAL(w->g[2].nsink, 1);
	CU_ASSERT_EQUAL(wire_count(w, 0, GW_EV_HAIRPIN_DROP, 0), 2);
	wire_free(w);
}

static void test_hairpin_allowed(void)
{
	struct wire *w = hub(true);
	uint8_t p[300];
	struct gw_stats gs;
	struct gw_conn_stats sb, sc;

	wire_ping(p, sizeof p, "10.2.0.5", "10.3.0.9", false, 1);
	wire_send(w, 1, p, sizeof p);
	CU_ASSERT_EQUAL(w->g[0].nsink, 0);
	CU_ASSERT_EQUAL(w->g[0].ncap, 1);       /* re-encrypted towards C */
	CU_ASSERT_EQUAL_FATAL(w->g[2].nsink, 1);
	CU_ASSERT_EQUAL(memcmp(w->g[2].sink[0].data, p, sizeof p), 0);
	CU_ASSERT_EQUAL(wire_count(w, 0, GW_EV_HAIRPIN_DROP, 0), 0);
	gw_stats(w->g[0].gw, &gs);
	CU_ASSERT_EQUAL(gs.hairpin_forwards, 1);
	gw_conn_stats(w->g[0].gw, 0, &sb);
	gw_conn_stats(w->g[0].gw, 1, &sc);
	CU_ASSERT_EQUAL(sb.packets_in, 1);
	CU_ASSERT_EQUAL(sc.packets_out, 1);
	wire_free(w);
}

/* Rekeys every ~54 s and a reauthentication, with a packet each way every 250 ms: nothing
 * lost, nothing dropped. */
static void test_rekey_hand_over(void)
{
	struct gw_config a, b;
	struct wire *w = wire_new();
	struct gw_conn_stats sa, sb;
	uint32_t first_out;
	uint8_t p[200];
	size_t sent = 0;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	gw_dataplane_default(&a.dp);
	gw_dataplane_default(&b.dp);
	wire_conn(&a.conns[0], "to-b", H_ADDR, B_ADDR, "10.1.0.0/16", "10.2.0.0/16",
	          "aes256-sha256-modp2048", "aes256-sha256-modp2048", true);
	wire_conn(&b.conns[0], "to-a", B_ADDR, H_ADDR, "10.2.0.0/16", "10.1.0.0/16",
	          "aes256-sha256-modp2048", "aes256-sha256-modp2048", false);
	a.conns[0].ike.esp_lifetime = b.conns[0].ike.esp_lifetime = lab_sec(60);
	/* and a reauthentication at 135 s: the CHILD_SAs move to the new IKE_SA */
	a.conns[0].ike.ike_lifetime = b.conns[0].ike.ike_lifetime = lab_sec(150);
	a.conns[0].ike.dpd = b.conns[0].ike.dpd = IKE_DPD_OFF;
	a.nconns = b.nconns = 1;
	CU_ASSERT_EQUAL_FATAL(wire_add(w, H_ADDR, &a, 7), 0);
	CU_ASSERT_EQUAL_FATAL(wire_add(w, B_ADDR, &b, 8), 0);
	wire_run(w, lab_sec(1));
	gw_conn_stats(w->g[0].gw, 0, &sa);
	CU_ASSERT_EQUAL_FATAL(sa.state, GW_CONN_UP);
	first_out = sa.spi_out;
	wire_clear(w);
	for (lab_ns t = lab_sec(1); t < lab_sec(200); t += lab_ms(250)) {
		wire_run(w, t);
		wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", false, (uint16_t)sent);
		wire_send(w, 0, p, sizeof p);
		wire_ping(p, sizeof p, "10.2.0.7", "10.1.0.5", false, (uint16_t)sent);
		wire_send(w, 1, p, sizeof p);
		sent++;
	}
	gw_conn_stats(w->g[0].gw, 0, &sa);
	gw_conn_stats(w->g[1].gw, 0, &sb);
	CU_ASSERT(sa.rekeys >= 3);
	CU_ASSERT_EQUAL(sa.rekeys, sb.rekeys);
	CU_ASSERT_EQUAL(sa.reauths, 1);
	CU_ASSERT_EQUAL(sa.state, GW_CONN_UP);
	CU_ASSERT_NOT_EQUAL(sa.spi_out, first_out);
	CU_ASSERT_EQUAL(sa.spi_out, sb.spi_in);
	CU_ASSERT_EQUAL(w->g[1].nsink, sent);
	CU_ASSERT_EQUAL(w->g[0].nsink, sent);
	CU_ASSERT_EQUAL(wire_count(w, 0, GW_EV_ESP_DROP, 0), 0);
	CU_ASSERT_EQUAL(wire_count(w, 1, GW_EV_ESP_DROP, 0), 0);
	CU_ASSERT_EQUAL(wire_count(w, 0, GW_EV_NO_SA, 0), 0);
	/* the replaced SAs were deleted when they expired */
	CU_ASSERT(wire_count(w, 1, GW_EV_IKE, IKE_EV_CHILD_SA_DELETED) >= 2);
	CU_ASSERT_EQUAL(sa.packets_out, sent);
	CU_ASSERT_EQUAL(sb.packets_in, sent);
	wire_free(w);
}

/* A changed connection restarts; the unchanged one keeps its SAs. */
static void test_reconfigure(void)
{
	struct wire *w = hub(false);
	struct gw_config h;
	struct gw_conn_stats before_b, before_c, st;
	char err[200];

	gw_conn_stats(w->g[0].gw, 0, &before_b);
	gw_conn_stats(w->g[0].gw, 1, &before_c);
	hub_config(&h, false);
	h.conns[1].ike.esp_lifetime = lab_sec(1800);
	CU_ASSERT_EQUAL_FATAL(gw_reconfigure(w->g[0].gw, &h, w->now, err, sizeof err), 0);
	wire_run(w, w->now + lab_sec(10));      /* C is always up: it comes back */
	gw_conn_stats(w->g[0].gw, 0, &st);
	CU_ASSERT_EQUAL(st.spi_in, before_b.spi_in);
	gw_conn_stats(w->g[0].gw, 1, &st);
	CU_ASSERT_EQUAL(st.state, GW_CONN_UP);
	CU_ASSERT_NOT_EQUAL(st.spi_in, before_c.spi_in);
	CU_ASSERT_EQUAL(wire_count(w, 2, GW_EV_IKE, IKE_EV_CHILD_SA_DELETED), 1);
	/* removing site-b: DELETE goes out, B sees its SA go */
	h.conns[0] = h.conns[1];
	h.nconns = 1;
	CU_ASSERT_EQUAL_FATAL(gw_reconfigure(w->g[0].gw, &h, w->now, err, sizeof err), 0);
	wire_shuttle(w);
	CU_ASSERT_EQUAL(gw_conn_count(w->g[0].gw), 1);
	CU_ASSERT_EQUAL(gw_conn_find(w->g[0].gw, "site-c"), 0);
	CU_ASSERT_EQUAL(gw_conn_find(w->g[0].gw, "site-b"), -1);
	CU_ASSERT_EQUAL(wire_count(w, 1, GW_EV_IKE, IKE_EV_CHILD_SA_DELETED), 1);
	gw_conn_stats(w->g[0].gw, 0, &st);
	CU_ASSERT_EQUAL(st.state, GW_CONN_UP);
	gw_config_wipe(&h);
	wire_free(w);
}

/* Two connections between the same two gateways (two subnet pairs): IKE is routed by cookie,
 * new main modes in turn. (Both sides initiating is not tested: the IKE engine takes the
 * crossing IKE_SA for a reauthentication and deletes it, on both sides.) */
static void same_peer(bool both)
{
	struct gw_config a, b;
	struct wire *w = wire_new();
	struct gw_conn_stats st;
	uint8_t p[200];

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	gw_dataplane_default(&a.dp);
	gw_dataplane_default(&b.dp);
	wire_conn(&a.conns[0], "net1", H_ADDR, B_ADDR, "10.1.0.0/16", "10.2.0.0/16",
	          "aes128-sha1-modp2048", "aes128-sha1", true);
	wire_conn(&a.conns[1], "net2", H_ADDR, B_ADDR, "10.11.0.0/16", "10.12.0.0/16",
	          "aes128-sha1-modp2048", "aes128-sha1", true);
	wire_conn(&b.conns[0], "net1", B_ADDR, H_ADDR, "10.2.0.0/16", "10.1.0.0/16",
	          "aes128-sha1-modp2048", "aes128-sha1", both);
	wire_conn(&b.conns[1], "net2", B_ADDR, H_ADDR, "10.12.0.0/16", "10.11.0.0/16",
	          "aes128-sha1-modp2048", "aes128-sha1", both);
	a.nconns = b.nconns = 2;
	w->print_logs = getenv("GW_LOGS") != NULL;
	CU_ASSERT_EQUAL_FATAL(wire_add(w, H_ADDR, &a, 51), 0);
	CU_ASSERT_EQUAL_FATAL(wire_add(w, B_ADDR, &b, 52), 0);
	wire_run(w, lab_sec(20));
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < 2; i++) {
			gw_conn_stats(w->g[k].gw, i, &st);
			CU_ASSERT_EQUAL(st.state, GW_CONN_UP);
		}
	wire_clear(w);
	wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", false, 1);
	wire_send(w, 0, p, sizeof p);
	wire_ping(p, sizeof p, "10.11.0.5", "10.12.0.7", false, 2);
	wire_send(w, 0, p, sizeof p);
	wire_ping(p, sizeof p, "10.12.0.7", "10.11.0.5", false, 3);
	wire_send(w, 1, p, sizeof p);
	CU_ASSERT_EQUAL(w->g[1].nsink, 2);
	CU_ASSERT_EQUAL(w->g[0].nsink, 1);
	gw_conn_stats(w->g[1].gw, 1, &st);
	CU_ASSERT_EQUAL(st.packets_in, 1);
	CU_ASSERT_EQUAL(st.packets_out, 1);
	wire_free(w);
}

static void test_two_conns_same_peer(void)
{
	same_peer(false);
}

UNIT_SUITE(gw_hub,
           UNIT_TEST(test_two_conns_same_peer),
           UNIT_TEST(test_hairpin_refused),
           UNIT_TEST(test_hairpin_allowed),
           UNIT_TEST(test_rekey_hand_over),
           UNIT_TEST(test_reconfigure))
