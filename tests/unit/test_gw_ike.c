/*
 * The gateway and its IKE engine together, on the in-memory wire: two always-up gateways
 * that initiate at the same instant, the responder's inbound SA installed at QM2, kilobyte
 * lifetimes driven by the data plane's byte counts, and NAT keepalives through a NAT.
 */
#include "tests/unit/test_gw_wire.h"
#include "tests/unit/unit.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define A_ADDR "192.0.2.1"
#define B_ADDR "192.0.2.2"

static void sites(struct gw_config *a, struct gw_config *b, bool b_always_up)
{
	memset(a, 0, sizeof *a);
	memset(b, 0, sizeof *b);
	gw_dataplane_default(&a->dp);
	gw_dataplane_default(&b->dp);
	wire_conn(&a->conns[0], "to-b", A_ADDR, B_ADDR, "10.1.0.0/16", "10.2.0.0/16",
	          "aes256-sha256-modp2048", "aes128-sha1", true);
	wire_conn(&b->conns[0], "to-a", B_ADDR, A_ADDR, "10.2.0.0/16", "10.1.0.0/16",
	          "aes256-sha256-modp2048", "aes128-sha1", b_always_up);
	a->nconns = b->nconns = 1;
}

/* Traffic both ways: n packets each, all delivered. */
static void traffic(struct wire *w, uint16_t n)
{
	uint8_t p[200];
	size_t a0 = w->g[0].nsink, b0 = w->g[1].nsink;

	for (uint16_t i = 0; i < n; i++) {
		wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", false, i);
		wire_send(w, 0, p, sizeof p);
		wire_ping(p, sizeof p, "10.2.0.7", "10.1.0.5", false, i);
		wire_send(w, 1, p, sizeof p);
	}
	CU_ASSERT_EQUAL(w->g[1].nsink - b0, n);
	CU_ASSERT_EQUAL(w->g[0].nsink - a0, n);
}

/* K5 "bi-directional": both ends always up, started at the same instant. One IKE_SA and one
 * CHILD_SA pair survive, traffic flows, and nothing is negotiated again afterwards (before
 * the fix each deleted the other's IKE_SA and they retried in step every 4 s). */
static void test_both_always_up(void)
{
	struct gw_config a, b;
	struct wire *w = wire_new();
	struct gw_conn_stats sa, sb;

	sites(&a, &b, true);
	w->print_logs = getenv("GW_LOGS") != NULL;
	CU_ASSERT_EQUAL_FATAL(wire_add(w, A_ADDR, &a, 201), 0);
	CU_ASSERT_EQUAL_FATAL(wire_add(w, B_ADDR, &b, 202), 0);
	wire_run(w, lab_sec(60));
	for (int k = 0; k < 2; k++) {
		CU_ASSERT_EQUAL(wire_count(w, k, GW_EV_IKE, IKE_EV_IKE_SA_ESTABLISHED), 2);
		CU_ASSERT_EQUAL(wire_count(w, k, GW_EV_IKE, IKE_EV_IKE_SA_DELETED), 1);
		CU_ASSERT_EQUAL(wire_count(w, k, GW_EV_IKE, IKE_EV_CHILD_SA_ESTABLISHED), 1);
		CU_ASSERT_EQUAL(wire_count(w, k, GW_EV_IKE, IKE_EV_CHILD_SA_DELETED), 0);
	}
	gw_conn_stats(w->g[0].gw, 0, &sa);
	gw_conn_stats(w->g[1].gw, 0, &sb);
	CU_ASSERT_EQUAL(sa.state, GW_CONN_UP);
	CU_ASSERT_EQUAL(sb.state, GW_CONN_UP);
	CU_ASSERT_EQUAL(sa.spi_in, sb.spi_out);
	CU_ASSERT_EQUAL(sa.spi_out, sb.spi_in);
	traffic(w, 5);
	wire_clear(w);
	wire_run(w, lab_sec(300));
	for (int k = 0; k < 2; k++) {
		CU_ASSERT_EQUAL(wire_count(w, k, GW_EV_IKE, IKE_EV_IKE_SA_ESTABLISHED), 0);
		CU_ASSERT_EQUAL(wire_count(w, k, GW_EV_IKE, IKE_EV_CHILD_SA_ESTABLISHED), 0);
	}
	traffic(w, 5);
	wire_free(w);
}

/* QM3: gateway A's quick-mode message that carries only HASH(3) (the short one). */
static bool hold_qm3(const struct wire *w, int from, const uint8_t *d, size_t len)
{
	(void)w;
	return from == 0 && len >= 28 && d[18] == ISAKMP_XCHG_QUICK && len <= 80;
}

/* The initiator sends ESP right after QM3 goes out, and the packet reaches the responder
 * before QM3 does: the responder installed its inbound SA when it sent QM2 (as strongSwan
 * does), so the packet is accepted. The outbound half waits for QM3: until then B has no SA
 * to send on. */
static void test_inbound_at_qm2(void)
{
	struct gw_config a, b;
	struct wire *w = wire_new();
	struct gw_conn_stats st;
	uint8_t p[200];

	sites(&a, &b, false);
	w->print_logs = getenv("GW_LOGS") != NULL;
	w->hold = hold_qm3;
	CU_ASSERT_EQUAL_FATAL(wire_add(w, A_ADDR, &a, 211), 0);
	CU_ASSERT_EQUAL_FATAL(wire_add(w, B_ADDR, &b, 212), 0);
	wire_shuttle(w);
	CU_ASSERT_EQUAL_FATAL(w->nheld, 1);
	w->hold = NULL;
	CU_ASSERT_EQUAL(wire_count(w, 0, GW_EV_IKE, IKE_EV_CHILD_SA_ESTABLISHED), 1);
	CU_ASSERT_EQUAL(wire_count(w, 1, GW_EV_IKE, IKE_EV_CHILD_SA_INBOUND), 1);
	CU_ASSERT_EQUAL(wire_count(w, 1, GW_EV_IKE, IKE_EV_CHILD_SA_ESTABLISHED), 0);
	gw_conn_stats(w->g[1].gw, 0, &st);
	CU_ASSERT_NOT_EQUAL(st.state, GW_CONN_UP);      /* half a pair is not up */
	wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", false, 1);
	wire_send(w, 0, p, sizeof p);
	CU_ASSERT_EQUAL(w->g[1].nsink, 1);
	CU_ASSERT_EQUAL(wire_count(w, 1, GW_EV_ESP_DROP, 0), 0);
	/* B cannot answer yet */
	wire_ping(p, sizeof p, "10.2.0.7", "10.1.0.5", false, 2);
	wire_send(w, 1, p, sizeof p);
	CU_ASSERT_EQUAL(w->g[0].nsink, 0);
	CU_ASSERT_EQUAL(wire_count(w, 1, GW_EV_NO_SA, 0), 1);
	wire_release(w);
	CU_ASSERT_EQUAL(wire_count(w, 1, GW_EV_IKE, IKE_EV_CHILD_SA_ESTABLISHED), 1);
	gw_conn_stats(w->g[1].gw, 0, &st);
	CU_ASSERT_EQUAL(st.state, GW_CONN_UP);
	wire_send(w, 1, p, sizeof p);
	CU_ASSERT_EQUAL(w->g[0].nsink, 1);
	traffic(w, 3);
	wire_free(w);
}

/* Kilobyte lifetimes through the data plane: 20 KB (20,000 bytes) on both sides, 1000-byte
 * packets both ways. Each gateway reports its SAs' byte counts to its engine: past 90%
 * (18,000 bytes) A, the IKE initiator, rekeys (B would at 95%), and the traffic moves to the
 * new SA without losing a packet; a pair two rekeys old is deleted, so the engine's and the
 * gateway's CHILD_SA slots never run out. */
static void test_lifebytes_rekey(void)
{
	struct gw_config a, b;
	struct wire *w = wire_new();
	struct gw_conn_stats sa, sb;
	uint8_t p[1000];
	size_t n = 400;

	sites(&a, &b, false);
	a.conns[0].ike.esp_lifebytes = b.conns[0].ike.esp_lifebytes = 20 * 1000;
	w->print_logs = getenv("GW_LOGS") != NULL;
	CU_ASSERT_EQUAL_FATAL(wire_add(w, A_ADDR, &a, 221), 0);
	CU_ASSERT_EQUAL_FATAL(wire_add(w, B_ADDR, &b, 222), 0);
	wire_run(w, lab_sec(5));
	CU_ASSERT_EQUAL_FATAL(wire_find(w, 0, GW_EV_IKE, IKE_EV_CHILD_SA_ESTABLISHED)->ike.lifebytes,
	                      20 * 1000);
	for (uint16_t i = 0; i < n; i++) {
		wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", false, i);
		wire_send(w, 0, p, sizeof p);
		wire_ping(p, sizeof p, "10.2.0.7", "10.1.0.5", false, i);
		wire_send(w, 1, p, sizeof p);
		w->now += lab_ms(10);
	}
	CU_ASSERT_EQUAL(w->g[1].nsink, n);
	CU_ASSERT_EQUAL(w->g[0].nsink, n);
	CU_ASSERT_EQUAL(wire_count(w, 0, GW_EV_NO_SA, 0), 0);
	CU_ASSERT_EQUAL(wire_count(w, 1, GW_EV_NO_SA, 0), 0);
	CU_ASSERT_EQUAL(wire_count(w, 0, GW_EV_ESP_DROP, 0), 0);
	CU_ASSERT_EQUAL(wire_count(w, 1, GW_EV_ESP_DROP, 0), 0);
	gw_conn_stats(w->g[0].gw, 0, &sa);
	gw_conn_stats(w->g[1].gw, 0, &sb);
	CU_ASSERT_EQUAL(sa.state, GW_CONN_UP);
	/* 400 KB each way, a rekey every 18 KB: 22 */
	CU_ASSERT_EQUAL(sa.rekeys, 22);
	CU_ASSERT_EQUAL(sb.rekeys, 22);
	CU_ASSERT_EQUAL(wire_count(w, 0, GW_EV_IKE, IKE_EV_CHILD_SA_REKEYED), 22);
	CU_ASSERT_EQUAL(sa.spi_in, sb.spi_out);
	CU_ASSERT_EQUAL(sa.spi_out, sb.spi_in);
	wire_free(w);
}

static bool hold_from_a(const struct wire *w, int from, const uint8_t *d, size_t len)
{
	(void)w;
	(void)d;
	(void)len;
	return from == 0;
}

/* The hard limit: A's IKE messages are held, so no rekey can complete. A sends 25 packets of
 * 1000 bytes through a 20 KB SA: 20 get through, then both gateways delete the SA on their
 * own count (A outbound, B inbound) and A has no SA for the rest. */
static void test_lifebytes_hard(void)
{
	struct gw_config a, b;
	struct wire *w = wire_new();
	const struct gw_event *e;
	uint8_t p[1000];

	sites(&a, &b, false);
	a.conns[0].ike.esp_lifebytes = b.conns[0].ike.esp_lifebytes = 20 * 1000;
	w->print_logs = getenv("GW_LOGS") != NULL;
	CU_ASSERT_EQUAL_FATAL(wire_add(w, A_ADDR, &a, 231), 0);
	CU_ASSERT_EQUAL_FATAL(wire_add(w, B_ADDR, &b, 232), 0);
	wire_run(w, lab_sec(5));
	wire_clear(w);
	w->hold = hold_from_a;
	for (uint16_t i = 0; i < 25; i++) {
		wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", false, i);
		wire_send(w, 0, p, sizeof p);
	}
	CU_ASSERT_EQUAL(w->g[1].nsink, 20);
	CU_ASSERT_EQUAL(wire_count(w, 0, GW_EV_NO_SA, 0), 5);
	CU_ASSERT_EQUAL(wire_count(w, 0, GW_EV_IKE, IKE_EV_CHILD_SA_REKEYED), 0);
	for (int k = 0; k < 2; k++) {
		CU_ASSERT_EQUAL(wire_count(w, k, GW_EV_IKE, IKE_EV_CHILD_SA_DELETED), 1);
		e = wire_find(w, k, GW_EV_IKE, IKE_EV_CHILD_SA_DELETED);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_PTR_NOT_NULL(strstr(e->detail, "kilobyte lifetime reached (20000 of 20000"));
	}
	w->hold = NULL;
	wire_free(w);
}

/* NAT keepalives through the gateway: A sits behind the wire's port-translating NAT. Its
 * engine sees that in NAT-D and sends a one-byte 0xFF datagram from port 4500 to B's 4500
 * every natt_keepalive; the gateway hands it out as GW_OUT_UDP. B, not behind a NAT, sends
 * none, and drops what it receives without an event. Interval 0: none at all. */
static void keepalive_run(lab_ns interval, size_t *from_a, size_t *from_b)
{
	struct gw_config a, b;
	struct wire *w = wire_new();
	const struct gw_event *e;

	sites(&a, &b, false);
	a.conns[0].ike.natt_keepalive = b.conns[0].ike.natt_keepalive = interval;
	a.conns[0].ike.dpd = b.conns[0].ike.dpd = IKE_DPD_OFF;
	w->natted = 0;
	w->print_logs = getenv("GW_LOGS") != NULL;
	CU_ASSERT_EQUAL_FATAL(wire_add(w, A_ADDR, &a, 241), 0);
	CU_ASSERT_EQUAL_FATAL(wire_add(w, B_ADDR, &b, 242), 0);
	wire_run(w, lab_sec(5));
	e = wire_find(w, 1, GW_EV_IKE, IKE_EV_CHILD_SA_ESTABLISHED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT(e->ike.udp_encap);
	wire_clear(w);
	wire_run(w, lab_sec(105));
	*from_a = w->g[0].keepalives;
	*from_b = w->g[1].keepalives;
	if (*from_a) {
		CU_ASSERT_EQUAL(w->g[0].keepalive_from.port, 4500);
		CU_ASSERT_EQUAL(w->g[0].keepalive_to.port, 4500);
		CU_ASSERT_EQUAL(memcmp(w->g[0].keepalive_to.addr, w->g[1].addr, 4), 0);
	}
	/* nothing but keepalives went over the wire, and B took them silently */
	CU_ASSERT_EQUAL(w->g[1].nev, 0);
	CU_ASSERT_EQUAL(w->g[0].nev, 0);
	traffic(w, 2);
	wire_free(w);
}

static void test_nat_keepalive(void)
{
	size_t a, b;

	keepalive_run(lab_sec(20), &a, &b);
	CU_ASSERT_EQUAL(a, 5);                  /* at 20, 40, 60, 80, 100 s after MM6 */
	CU_ASSERT_EQUAL(b, 0);
	keepalive_run(lab_sec(10), &a, &b);
	CU_ASSERT_EQUAL(a, 10);
	keepalive_run(0, &a, &b);
	CU_ASSERT_EQUAL(a, 0);
	CU_ASSERT_EQUAL(b, 0);
}

/* Two always-up gateways over time: CHILD_SAs rekeyed by time and IKE_SAs reauthenticated
 * (short lifetimes), a packet each way every second. Both sides have an initiator policy, so
 * both could rekey; only one rekey per CHILD_SA generation happens, nothing is lost. */
static void test_both_always_up_rekeys(void)
{
	struct gw_config a, b;
	struct wire *w = wire_new();
	struct gw_conn_stats sa, sb;
	uint8_t p[200];
	int n = 0;

	sites(&a, &b, true);
	for (int k = 0; k < 2; k++) {
		struct ike_policy *pol = k ? &b.conns[0].ike : &a.conns[0].ike;

		pol->ike_lifetime = lab_sec(200);
		pol->esp_lifetime = lab_sec(60);
		pol->dpd = IKE_DPD_OFF;
	}
	w->print_logs = getenv("GW_LOGS") != NULL;
	CU_ASSERT_EQUAL_FATAL(wire_add(w, A_ADDR, &a, 251), 0);
	CU_ASSERT_EQUAL_FATAL(wire_add(w, B_ADDR, &b, 252), 0);
	wire_run(w, lab_sec(5));
	wire_clear(w);
	for (lab_ns t = lab_sec(6); t <= lab_sec(600); t += lab_sec(1)) {
		wire_run(w, t);
		wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", false, (uint16_t)n);
		wire_send(w, 0, p, sizeof p);
		wire_ping(p, sizeof p, "10.2.0.7", "10.1.0.5", false, (uint16_t)n);
		wire_send(w, 1, p, sizeof p);
		n++;
	}
	CU_ASSERT_EQUAL(w->g[1].nsink, (size_t)n);
	CU_ASSERT_EQUAL(w->g[0].nsink, (size_t)n);
	CU_ASSERT_EQUAL(wire_count(w, 0, GW_EV_ESP_DROP, 0), 0);
	CU_ASSERT_EQUAL(wire_count(w, 1, GW_EV_ESP_DROP, 0), 0);
	gw_conn_stats(w->g[0].gw, 0, &sa);
	gw_conn_stats(w->g[1].gw, 0, &sb);
	CU_ASSERT_EQUAL(sa.spi_in, sb.spi_out);
	CU_ASSERT_EQUAL(sa.spi_out, sb.spi_in);
	/* a rekey every 54 s over 600 s: 11 */
	CU_ASSERT_EQUAL(sa.rekeys, 11);
	CU_ASSERT_EQUAL(sb.rekeys, 11);
	CU_ASSERT(sa.reauths + sb.reauths >= 2);
	wire_free(w);
}

/* A half pair does not outlive its quick mode: QM3 is held, A sends one packet (accepted by
 * the half), then takes the connection down (DELETEs for the CHILD_SA and the IKE_SA). B's
 * CHILD_SA never completed, but the IKE_SA's DELETE removes its inbound half too:
 * CHILD_SA_DELETED with that SPI, and the same packet again is refused for an unknown SPI
 * (not as a replay, which it would be if the SA were still installed). */
static void test_inbound_half_removed(void)
{
	struct gw_config a, b;
	struct wire *w = wire_new();
	const struct gw_event *in, *del;
	struct ipv4_hdr h;
	struct ip_err err;
	struct ike_endpoint from = { .family = AF_INET }, to = { .family = AF_INET };
	uint8_t p[200];

	sites(&a, &b, false);
	a.conns[0].always_up = false;           /* stays down once taken down */
	a.conns[0].ike.initiator = true;
	w->print_logs = getenv("GW_LOGS") != NULL;
	w->hold = hold_qm3;
	CU_ASSERT_EQUAL_FATAL(wire_add(w, A_ADDR, &a, 261), 0);
	CU_ASSERT_EQUAL_FATAL(wire_add(w, B_ADDR, &b, 262), 0);
	gw_conn_initiate(w->g[0].gw, 0, w->now);
	wire_shuttle(w);
	CU_ASSERT_EQUAL_FATAL(w->nheld, 1);
	w->hold = NULL;
	in = wire_find(w, 1, GW_EV_IKE, IKE_EV_CHILD_SA_INBOUND);
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", false, 1);
	wire_send(w, 0, p, sizeof p);
	CU_ASSERT_EQUAL(w->g[1].nsink, 1);
	CU_ASSERT_EQUAL_FATAL(w->g[0].ncap, 1);
	gw_conn_down(w->g[0].gw, 0, w->now);
	wire_shuttle(w);
	del = wire_find(w, 1, GW_EV_IKE, IKE_EV_CHILD_SA_DELETED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(del);
	CU_ASSERT_EQUAL(del->ike.spi_in, in->ike.spi_in);
	CU_ASSERT_EQUAL_FATAL(ipv4_parse(w->g[0].cap[0].data, w->g[0].cap[0].len, &h, &err), 0);
	memcpy(from.addr, h.src.a, 4);
	memcpy(to.addr, h.dst.a, 4);
	gw_esp_input(w->g[1].gw, h.payload, h.payload_len, &from, &to, w->now);
	wire_shuttle(w);
	CU_ASSERT_EQUAL(wire_count(w, 1, GW_EV_ESP_DROP, 0), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(wire_find(w, 1, GW_EV_ESP_DROP, 0)->detail, "unknown SPI"));
	CU_ASSERT_EQUAL(w->g[1].nsink, 1);
	wire_free(w);
}

/* gw_conn_restart, the F220 of seeds/002 l.222-237: a forgets its SAs without a DELETE and
 * negotiates again with INITIAL-CONTACT; b (unique_on_initial_contact, as sakura-vpc-v2)
 * destroys its old IKE_SA and CHILD_SA, a's DELETE for the forgotten SPI finds nothing on b,
 * and traffic flows on the new pair. */
static void test_conn_restart_initial_contact(void)
{
	struct gw_config a, b;
	struct wire *w = wire_new();
	struct gw_conn_stats s0, sa, sb;

	sites(&a, &b, false);
	a.conns[0].ike.initial_contact = true;
	b.conns[0].ike.unique_on_initial_contact = true;
	w->print_logs = getenv("GW_LOGS") != NULL;
	CU_ASSERT_EQUAL_FATAL(wire_add(w, A_ADDR, &a, 231), 0);
	CU_ASSERT_EQUAL_FATAL(wire_add(w, B_ADDR, &b, 232), 0);
	wire_run(w, lab_sec(10));
	traffic(w, 3);
	gw_conn_stats(w->g[0].gw, 0, &s0);
	CU_ASSERT_EQUAL_FATAL(s0.state, GW_CONN_UP);
	wire_clear(w);
	gw_conn_restart(w->g[0].gw, 0, w->now);
	wire_run(w, lab_sec(20));
	/* a: a new IKE_SA and CHILD_SA, nothing deleted on the wire by a for its old IKE_SA */
	CU_ASSERT_EQUAL(wire_count(w, 0, GW_EV_IKE, IKE_EV_IKE_SA_ESTABLISHED), 1);
	CU_ASSERT_EQUAL(wire_count(w, 0, GW_EV_IKE, IKE_EV_CHILD_SA_ESTABLISHED), 1);
	/* b: the new pair, the old IKE_SA and CHILD_SA destroyed (INITIAL-CONTACT), no
	 * reauthentication (nothing adopted) */
	CU_ASSERT_EQUAL(wire_count(w, 1, GW_EV_IKE, IKE_EV_IKE_SA_ESTABLISHED), 1);
	CU_ASSERT_EQUAL(wire_count(w, 1, GW_EV_IKE, IKE_EV_IKE_SA_DELETED), 1);
	CU_ASSERT_EQUAL(wire_count(w, 1, GW_EV_IKE, IKE_EV_CHILD_SA_DELETED), 1);
	CU_ASSERT_EQUAL(wire_count(w, 1, GW_EV_IKE, IKE_EV_IKE_SA_REAUTHENTICATED), 0);
	gw_conn_stats(w->g[0].gw, 0, &sa);
	gw_conn_stats(w->g[1].gw, 0, &sb);
	CU_ASSERT_EQUAL(sa.state, GW_CONN_UP);
	CU_ASSERT_EQUAL(sb.state, GW_CONN_UP);
	CU_ASSERT_NOT_EQUAL(sa.spi_in, s0.spi_in);
	CU_ASSERT_EQUAL(sa.spi_in, sb.spi_out);
	CU_ASSERT_EQUAL(sa.spi_out, sb.spi_in);
	traffic(w, 3);
	wire_free(w);
}

UNIT_SUITE(gw_ike,
	UNIT_TEST(test_conn_restart_initial_contact),
	UNIT_TEST(test_inbound_half_removed),
	UNIT_TEST(test_both_always_up_rekeys),
	UNIT_TEST(test_nat_keepalive),
	UNIT_TEST(test_lifebytes_hard),
	UNIT_TEST(test_lifebytes_rekey),
	UNIT_TEST(test_inbound_at_qm2),
	UNIT_TEST(test_both_always_up))
