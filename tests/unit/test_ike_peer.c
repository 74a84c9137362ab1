/*
 * Two simulated IKEv1 peers in one process, no sockets: fixed seeds, packets shuttled by the
 * test. Main mode + quick mode with and without PFS, keys agree in both directions, proposal
 * mismatch gives NO_PROPOSAL_CHOSEN, a wrong PSK fails on both sides, DPD is answered, NAT-T
 * forced encapsulation floats to 4500, and the same seeds give the same bytes.
 */
#include "tests/unit/unit.h"
#include "peers/ike/ike_peer.h"
#include "peers/ike/ike_peer_int.h"     /* to send a DELETE of the test's making */

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct pair {
	struct ike_peer *a, *b;
	struct drbg da, db;
	struct ike_event ea[64], eb[64];
	int nea, neb;
	lab_ns now;
	uint8_t first_bytes[64];        /* first 64 bytes of every packet, hashed together */
	uint64_t digest;
	int packets;
	int drop_to_b;                  /* drop this many packets to b (link cut) */
	int drop_to_a;                  /* and to a */
	bool nat_a;                     /* a sits behind a NAT: b sees it as nat_addr */
	uint8_t nat_addr[4], a_addr[4];
	int keepalives_a, keepalives_b; /* 0xFF datagrams each sent */
	lab_ns last_keepalive_a;
	const char *watch;              /* count log lines containing this */
	int watch_a, watch_b;
	char sched_b[8][256];           /* b's "scheduling reauthentication" / "maximum IKE_SA
	                                   lifetime" lines, the first 8 */
	int nsched_b;
	const char *order[6];           /* b's lines containing these, in this order */
	int norder;                     /* how many of them were seen so far, in order */
};

static void drain_logs(struct pair *pr)
{
	char line[256];

	while (ike_peer_log(pr->a, line, sizeof line))
		pr->watch_a += pr->watch && strstr(line, pr->watch);
	while (ike_peer_log(pr->b, line, sizeof line)) {
		pr->watch_b += pr->watch && strstr(line, pr->watch);
		if (pr->norder < 6 && pr->order[pr->norder] && strstr(line, pr->order[pr->norder]))
			pr->norder++;
		if ((strstr(line, "scheduling reauthentication in ") ||
		     strstr(line, "maximum IKE_SA lifetime ")) && pr->nsched_b < 8)
			snprintf(pr->sched_b[pr->nsched_b++], sizeof pr->sched_b[0], "%s", line);
	}
}

/* An RFC 3948 keepalive: counted, never delivered (a receiver drops it). */
static bool keepalive(const struct ike_packet *pkt)
{
	return pkt->len == 1 && pkt->data[0] == 0xff && pkt->to.port == 4500;
}

static void policy(struct ike_policy *p, const char *local, const char *remote, const char *ike,
                   const char *esp, const char *psk, bool initiator)
{
	char err[200];

	memset(p, 0, sizeof *p);
	p->local.family = p->remote.family = AF_INET;
	inet_pton(AF_INET, local, p->local.addr);
	inet_pton(AF_INET, remote, p->remote.addr);
	p->local.port = p->remote.port = 500;
	memcpy(p->psk, psk, strlen(psk));
	p->psk_len = strlen(psk);
	p->nike = ike_props_parse(ike, false, p->ike, IKE_MAX_PROPS, err, sizeof err);
	p->nesp = ike_props_parse(esp, true, p->esp, IKE_MAX_PROPS, err, sizeof err);
	p->local_ts.family = p->remote_ts.family = AF_INET;
	inet_pton(AF_INET, initiator ? "10.1.0.0" : "10.2.0.0", p->local_ts.addr);
	inet_pton(AF_INET, initiator ? "10.2.0.0" : "10.1.0.0", p->remote_ts.addr);
	p->local_ts.len = p->remote_ts.len = 16;
	p->send_dpd_vid = p->send_natt_vid = true;
	p->initial_contact = true;
	p->initiator = initiator;
	p->dpd = IKE_DPD_IDLE;
	p->dpd_needs_peer_vid = true;
	p->dpd_delay = lab_sec(30);
	p->dpd_timeout = lab_sec(120);
	p->ike_lifetime = lab_sec(28800);
	p->esp_lifetime = lab_sec(3600);
}

static void shuttle(struct pair *pr)
{
	struct ike_packet pkt;
	bool moved = true;

	while (moved) {
		moved = false;
		while (ike_peer_output(pr->a, &pkt)) {
			size_t m = pkt.to.port == 4500 ? 4 : 0;

			for (size_t i = 0; i < pkt.len && i < 64; i++)
				pr->digest = pr->digest * 31 + pkt.data[i];
			pr->packets++;
			if (keepalive(&pkt)) {
				pr->keepalives_a++;
				pr->last_keepalive_a = pr->now;
				continue;
			}
			if (pr->drop_to_b > 0) {
				pr->drop_to_b--;
				continue;
			}
			if (pr->nat_a)
				memcpy(pkt.from.addr, pr->nat_addr, 4);
			ike_peer_input(pr->b, pkt.data + m, pkt.len - m, &pkt.from, &pkt.to, pr->now);
			moved = true;
		}
		while (ike_peer_output(pr->b, &pkt)) {
			size_t m = pkt.to.port == 4500 ? 4 : 0;

			for (size_t i = 0; i < pkt.len && i < 64; i++)
				pr->digest = pr->digest * 31 + pkt.data[i];
			pr->packets++;
			if (keepalive(&pkt)) {
				pr->keepalives_b++;
				continue;
			}
			if (pr->drop_to_a > 0) {
				pr->drop_to_a--;
				continue;
			}
			if (pr->nat_a && !memcmp(pkt.to.addr, pr->nat_addr, 4))
				memcpy(pkt.to.addr, pr->a_addr, 4);
			ike_peer_input(pr->a, pkt.data + m, pkt.len - m, &pkt.from, &pkt.to, pr->now);
			moved = true;
		}
	}
	drain_logs(pr);
	while (pr->nea < 64 && ike_peer_event(pr->a, &pr->ea[pr->nea]))
		pr->nea++;
	while (pr->neb < 64 && ike_peer_event(pr->b, &pr->eb[pr->neb]))
		pr->neb++;
}

static void run_until(struct pair *pr, lab_ns end)
{
	shuttle(pr);
	for (;;) {
		lab_ns d = ike_peer_deadline(pr->a), e = ike_peer_deadline(pr->b);

		if (e < d)
			d = e;
		if (d > end)
			break;
		pr->now = d > pr->now ? d : pr->now;
		ike_peer_timer(pr->a, pr->now);
		ike_peer_timer(pr->b, pr->now);
		shuttle(pr);
	}
	pr->now = end;
}

static void setup(struct pair *pr, struct ike_policy *pa, struct ike_policy *pb, uint64_t seed)
{
	memset(pr, 0, sizeof *pr);
	drbg_init(&pr->da, seed);
	drbg_init(&pr->db, seed + 1000);
	CU_ASSERT_FATAL(ike_peer_new(&pr->a, pa, &pr->da) == 0);
	CU_ASSERT_FATAL(ike_peer_new(&pr->b, pb, &pr->db) == 0);
	ike_peer_start(pr->a, 0);
}

static void teardown(struct pair *pr)
{
	ike_peer_free(pr->a);
	ike_peer_free(pr->b);
}

static const struct ike_event *find(const struct ike_event *ev, int n, enum ike_event_type t)
{
	for (int i = 0; i < n; i++)
		if (ev[i].type == t)
			return &ev[i];
	return NULL;
}

static void check_established(const char *ike, const char *esp, const char *want_ike,
                              const char *want_esp)
{
	struct ike_policy pa, pb;
	struct pair pr;
	const struct ike_event *ia, *ib, *ca, *cb;

	policy(&pa, "192.0.2.1", "192.0.2.2", ike, esp, "secret", true);
	policy(&pb, "192.0.2.2", "192.0.2.1", ike, esp, "secret", false);
	setup(&pr, &pa, &pb, 7);
	run_until(&pr, lab_sec(5));
	ia = find(pr.ea, pr.nea, IKE_EV_IKE_SA_ESTABLISHED);
	ib = find(pr.eb, pr.neb, IKE_EV_IKE_SA_ESTABLISHED);
	ca = find(pr.ea, pr.nea, IKE_EV_CHILD_SA_ESTABLISHED);
	cb = find(pr.eb, pr.neb, IKE_EV_CHILD_SA_ESTABLISHED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ia);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ib);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ca);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cb);
	CU_ASSERT_STRING_EQUAL(ia->proposal, want_ike);
	CU_ASSERT_STRING_EQUAL(ib->proposal, want_ike);
	CU_ASSERT_STRING_EQUAL(ca->proposal, want_esp);
	CU_ASSERT_STRING_EQUAL(ia->keyline, ib->keyline);
	/* the SPIs and keys cross over */
	CU_ASSERT_EQUAL(ca->spi_in, cb->spi_out);
	CU_ASSERT_EQUAL(ca->spi_out, cb->spi_in);
	CU_ASSERT_EQUAL(ca->out.spi, cb->in.spi);
	CU_ASSERT_EQUAL(ca->out.enc_len, cb->in.enc_len);
	CU_ASSERT_EQUAL(memcmp(ca->out.enc, cb->in.enc, ca->out.enc_len), 0);
	CU_ASSERT_EQUAL(memcmp(ca->out.integ, cb->in.integ, ca->out.integ_len), 0);
	CU_ASSERT_EQUAL(memcmp(ca->in.enc, cb->out.enc, ca->in.enc_len), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(ca->in.enc, ca->out.enc, ca->in.enc_len), 0);
	CU_ASSERT_EQUAL(ca->lifetime, lab_sec(3600));
	/* the responder handed out its inbound half at QM2 already, with the same keys (with
	 * PFS too: the DH secret is still there then); the initiator has nothing to do early */
	{
		const struct ike_event *ib2 = find(pr.eb, pr.neb, IKE_EV_CHILD_SA_INBOUND);

		CU_ASSERT_PTR_NOT_NULL_FATAL(ib2);
		CU_ASSERT(ib2 < cb);
		CU_ASSERT_EQUAL(ib2->in.spi, cb->in.spi);
		CU_ASSERT_EQUAL(ib2->in.enc_len, cb->in.enc_len);
		CU_ASSERT_EQUAL(memcmp(ib2->in.enc, cb->in.enc, cb->in.enc_len), 0);
		CU_ASSERT_EQUAL(memcmp(ib2->in.integ, cb->in.integ, cb->in.integ_len), 0);
		CU_ASSERT_EQUAL(ib2->out.enc_len, 0);
		CU_ASSERT_PTR_NULL(find(pr.ea, pr.nea, IKE_EV_CHILD_SA_INBOUND));
	}
	CU_ASSERT_TRUE(ike_peer_child_up(pr.a));
	CU_ASSERT_TRUE(ike_peer_child_up(pr.b));
	teardown(&pr);
}

static void test_main_and_quick_mode(void)
{
	check_established("aes128-sha1-modp1536", "aes128-sha1-modp1536",
	                  "IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1536",
	                  "ESP:AES_CBC_128/HMAC_SHA1_96/MODP_1536/NO_EXT_SEQ");
	check_established("aes256-sha256-modp2048", "aes256-sha256-modp2048",
	                  "IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048",
	                  "ESP:AES_CBC_256/HMAC_SHA2_256_128/MODP_2048/NO_EXT_SEQ");
	check_established("3des-sha1-modp1024", "3des-sha1",
	                  "IKE:3DES_CBC/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024",
	                  "ESP:3DES_CBC/HMAC_SHA1_96/NO_EXT_SEQ");
	check_established("aes256-sha1-modp2048", "aes256-sha512",
	                  "IKE:AES_CBC_256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048",
	                  "ESP:AES_CBC_256/HMAC_SHA2_512_256/NO_EXT_SEQ");
}

static void test_responder_order_wins(void)
{
	struct ike_policy pa, pb;
	struct pair pr;
	const struct ike_event *ib;

	policy(&pa, "192.0.2.1", "192.0.2.2", "aes256-sha256-modp2048,aes128-sha1-modp1024",
	       "aes128-sha1", "k", true);
	policy(&pb, "192.0.2.2", "192.0.2.1", "aes128-sha1-modp1024,aes256-sha256-modp2048",
	       "aes128-sha1", "k", false);
	setup(&pr, &pa, &pb, 3);
	run_until(&pr, lab_sec(5));
	ib = find(pr.eb, pr.neb, IKE_EV_IKE_SA_ESTABLISHED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ib);
	/* strongSwan's default: the responder's own order (research notes 3.1) */
	CU_ASSERT_STRING_EQUAL(ib->proposal, "IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
	teardown(&pr);
}

static void test_no_proposal_chosen(void)
{
	struct ike_policy pa, pb;
	struct pair pr;

	policy(&pa, "192.0.2.1", "192.0.2.2", "aes256-sha256-modp2048", "aes256-sha256", "k", true);
	policy(&pb, "192.0.2.2", "192.0.2.1", "aes128-sha1-modp1536", "aes128-sha1", "k", false);
	setup(&pr, &pa, &pb, 4);
	run_until(&pr, lab_sec(5));
	CU_ASSERT_PTR_NOT_NULL(find(pr.eb, pr.neb, IKE_EV_NO_PROPOSAL_CHOSEN));
	CU_ASSERT_PTR_NOT_NULL(find(pr.ea, pr.nea, IKE_EV_NO_PROPOSAL_CHOSEN));
	CU_ASSERT_PTR_NULL(find(pr.ea, pr.nea, IKE_EV_IKE_SA_ESTABLISHED));
	teardown(&pr);
}

static void test_wrong_psk(void)
{
	struct ike_policy pa, pb;
	struct pair pr;

	policy(&pa, "192.0.2.1", "192.0.2.2", "aes128-sha1-modp1536", "aes128-sha1", "one", true);
	policy(&pb, "192.0.2.2", "192.0.2.1", "aes128-sha1-modp1536", "aes128-sha1", "two", false);
	setup(&pr, &pa, &pb, 5);
	run_until(&pr, lab_sec(5));
	CU_ASSERT_PTR_NOT_NULL(find(pr.eb, pr.neb, IKE_EV_AUTH_FAILED));
	CU_ASSERT_PTR_NULL(find(pr.ea, pr.nea, IKE_EV_IKE_SA_ESTABLISHED));
	CU_ASSERT_PTR_NULL(find(pr.eb, pr.neb, IKE_EV_IKE_SA_ESTABLISHED));
	/* the initiator gives up after its retransmissions */
	run_until(&pr, lab_sec(200));
	CU_ASSERT_TRUE(find(pr.ea, pr.nea, IKE_EV_AUTH_FAILED) ||
	               find(pr.ea, pr.nea, IKE_EV_TIMEOUT));
	teardown(&pr);
}

static void test_dpd_and_rekey(void)
{
	struct ike_policy pa, pb;
	struct pair pr;
	const struct ike_event *rk;
	int acks = 0;

	policy(&pa, "192.0.2.1", "192.0.2.2", "aes128-sha1-modp1536", "aes128-sha1-modp1536", "k",
	       true);
	policy(&pb, "192.0.2.2", "192.0.2.1", "aes128-sha1-modp1536", "aes128-sha1-modp1536", "k",
	       false);
	pa.dpd = IKE_DPD_ALWAYS;
	pa.dpd_delay = lab_sec(15);
	pa.esp_lifetime = pb.esp_lifetime = lab_sec(180);
	pa.rekey_margin = lab_sec(20);
	setup(&pr, &pa, &pb, 6);
	run_until(&pr, lab_sec(400));
	for (int i = 0; i < pr.nea; i++)
		acks += pr.ea[i].type == IKE_EV_DPD_ACK;
	CU_ASSERT(acks >= 20);          /* every 15 s for 400 s */
	rk = find(pr.ea, pr.nea, IKE_EV_CHILD_SA_REKEYED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rk);
	CU_ASSERT_EQUAL(rk->time, lab_sec(160));        /* 180 s - 20 s margin, no jitter */
	CU_ASSERT_NOT_EQUAL(rk->spi_in, rk->old_spi_in);
	CU_ASSERT_PTR_NOT_NULL(find(pr.eb, pr.neb, IKE_EV_CHILD_SA_REKEYED));
	CU_ASSERT_PTR_NULL(find(pr.ea, pr.nea, IKE_EV_DPD_TIMEOUT));
	/* the old SA is deleted at its expiry */
	CU_ASSERT_PTR_NOT_NULL(find(pr.eb, pr.neb, IKE_EV_CHILD_SA_DELETED));
	teardown(&pr);
}

static void test_dpd_timeout_restart(void)
{
	struct ike_policy pa, pb;
	struct pair pr;

	policy(&pa, "192.0.2.1", "192.0.2.2", "aes128-sha1-modp1536", "aes128-sha1", "k", true);
	policy(&pb, "192.0.2.2", "192.0.2.1", "aes128-sha1-modp1536", "aes128-sha1", "k", false);
	pa.dpd = IKE_DPD_ALWAYS;
	pa.dpd_delay = lab_sec(10);
	pa.dpd_timeout = lab_sec(30);
	pa.dpd_action = IKE_DPD_RESTART;
	setup(&pr, &pa, &pb, 8);
	run_until(&pr, lab_sec(5));
	CU_ASSERT_TRUE_FATAL(ike_peer_child_up(pr.a));
	pr.drop_to_b = 1000000;         /* the link towards b is cut */
	run_until(&pr, lab_sec(60));
	CU_ASSERT_PTR_NOT_NULL(find(pr.ea, pr.nea, IKE_EV_DPD_TIMEOUT));
	CU_ASSERT_FALSE(ike_peer_child_up(pr.a));
	pr.drop_to_b = 0;               /* it comes back: restart brings the tunnel up again */
	run_until(&pr, lab_sec(200));
	CU_ASSERT_TRUE(ike_peer_child_up(pr.a));
	teardown(&pr);
}

/* b sends a DELETE for one ESP SPI (RFC 2408 3.15, byte for byte) in an informational
 * exchange of its IKE SA; returns the log lines of a's containing `watch`. */
static int b_deletes(struct pair *pr, uint32_t spi, const char *watch)
{
	static const uint8_t head[12] = {
		0x00, 0x00, 0x00, 0x10,         /* next payload none, reserved, length 16 */
		0x00, 0x00, 0x00, 0x01,         /* DOI: IPsec */
		0x03, 0x04, 0x00, 0x01,         /* protocol ESP, SPI size 4, one SPI */
	};
	struct isakmp_builder b;
	struct ikesa *s = NULL;
	uint8_t sb[4] = { spi >> 24, spi >> 16, spi >> 8, spi };

	for (int i = 0; i < MAX_SAS && !s; i++)
		if (pr->b->sa[i].st == SA_UP)
			s = &pr->b->sa[i];
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	isakmp_build_init(&b);
	isakmp_put_delete(&b, ISAKMP_PROTO_ESP, sb, 4, 1);
	CU_ASSERT_EQUAL_FATAL(b.len, 16);
	CU_ASSERT_EQUAL(b.first_np, ISAKMP_PT_D);
	CU_ASSERT_EQUAL(memcmp(b.buf, head, 12), 0);
	CU_ASSERT_EQUAL(memcmp(b.buf + 12, sb, 4), 0);
	ikep_send_info(pr->b, s, &b);
	pr->watch = watch;
	pr->watch_a = 0;
	shuttle(pr);
	return pr->watch_a;
}

/* A DELETE names the SA its sender receives on (our outbound SPI); charon also names the
 * peer's SPI when it deletes a CHILD_SA it could not install. Both delete the pair; an unknown
 * SPI is logged and ignored, as charon does. */
static void test_delete_spi(void)
{
	for (int which = 0; which < 2; which++) {
		struct ike_policy pa, pb;
		struct pair pr;
		const struct ike_event *ca, *del;
		uint32_t named;

		policy(&pa, "192.0.2.1", "192.0.2.2", "aes128-sha1-modp1536", "aes128-sha1", "k",
		       true);
		policy(&pb, "192.0.2.2", "192.0.2.1", "aes128-sha1-modp1536", "aes128-sha1", "k",
		       false);
		setup(&pr, &pa, &pb, 21 + which);
		run_until(&pr, lab_sec(5));
		ca = find(pr.ea, pr.nea, IKE_EV_CHILD_SA_ESTABLISHED);
		CU_ASSERT_PTR_NOT_NULL_FATAL(ca);
		CU_ASSERT_TRUE_FATAL(ike_peer_child_up(pr.a));
		/* an SPI neither direction has */
		CU_ASSERT_EQUAL(b_deletes(&pr, ca->spi_in ^ ca->spi_out ^ 0x5a5a5a5a,
		                          "CHILD_SA not found, ignored"), 1);
		CU_ASSERT_PTR_NULL(find(pr.ea, pr.nea, IKE_EV_CHILD_SA_DELETED));
		CU_ASSERT_TRUE(ike_peer_child_up(pr.a));
		named = which ? ca->spi_in : ca->spi_out;
		CU_ASSERT_EQUAL(b_deletes(&pr, named, "is our inbound one"), which);
		del = find(pr.ea, pr.nea, IKE_EV_CHILD_SA_DELETED);
		CU_ASSERT_PTR_NOT_NULL_FATAL(del);
		CU_ASSERT_EQUAL(del->spi_in, ca->spi_in);
		CU_ASSERT_EQUAL(del->spi_out, ca->spi_out);
		CU_ASSERT_FALSE(ike_peer_child_up(pr.a));
		teardown(&pr);
	}
}

static void test_forced_encap_floats(void)
{
	struct ike_policy pa, pb;
	struct pair pr;
	const struct ike_event *ca;

	policy(&pa, "192.0.2.1", "192.0.2.2", "aes128-sha1-modp1536", "aes128-sha1", "k", true);
	policy(&pb, "192.0.2.2", "192.0.2.1", "aes128-sha1-modp1536", "aes128-sha1", "k", false);
	pb.force_encap = true;          /* as strongSwan's kernel-libipsec does */
	setup(&pr, &pa, &pb, 9);
	run_until(&pr, lab_sec(5));
	ca = find(pr.ea, pr.nea, IKE_EV_CHILD_SA_ESTABLISHED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ca);
	CU_ASSERT_TRUE(ca->udp_encap);
	CU_ASSERT_EQUAL(ca->remote.port, 4500);
	teardown(&pr);
}

static void test_same_seed_same_bytes(void)
{
	struct ike_policy pa, pb;
	struct pair p1, p2;

	policy(&pa, "192.0.2.1", "192.0.2.2", "aes128-sha1-modp1536", "aes128-sha1-modp1536", "k",
	       true);
	policy(&pb, "192.0.2.2", "192.0.2.1", "aes128-sha1-modp1536", "aes128-sha1-modp1536", "k",
	       false);
	setup(&p1, &pa, &pb, 11);
	run_until(&p1, lab_sec(5));
	setup(&p2, &pa, &pb, 11);
	run_until(&p2, lab_sec(5));
	CU_ASSERT_EQUAL(p1.packets, 9);         /* MM 6 + QM 3 */
	CU_ASSERT_EQUAL(p1.packets, p2.packets);
	CU_ASSERT_EQUAL(p1.digest, p2.digest);
	teardown(&p1);
	teardown(&p2);
	setup(&p2, &pa, &pb, 12);
	run_until(&p2, lab_sec(5));
	CU_ASSERT_NOT_EQUAL(p1.digest, p2.digest);
	teardown(&p2);
}

static void test_reauthentication(void)
{
	struct ike_policy pa, pb;
	struct pair pr;
	const struct ike_event *ra;
	int children = 0;

	policy(&pa, "192.0.2.1", "192.0.2.2", "aes128-sha1-modp1536", "aes128-sha1", "k", true);
	policy(&pb, "192.0.2.2", "192.0.2.1", "aes128-sha1-modp1536", "aes128-sha1", "k", false);
	pa.ike_lifetime = pb.ike_lifetime = lab_sec(600);
	pa.esp_lifetime = pb.esp_lifetime = lab_sec(3600);
	pa.rekey_margin = lab_sec(60);
	setup(&pr, &pa, &pb, 13);
	run_until(&pr, lab_sec(700));
	/* strongSwan-style: a new main mode at lifetime - margin, the CHILD_SA moves over */
	ra = find(pr.ea, pr.nea, IKE_EV_IKE_SA_REAUTHENTICATED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ra);
	CU_ASSERT_EQUAL(ra->time, lab_sec(540));
	for (int i = 0; i < pr.nea; i++)
		children += pr.ea[i].type == IKE_EV_CHILD_SA_ESTABLISHED;
	CU_ASSERT_EQUAL(children, 1);           /* no new quick mode */
	CU_ASSERT_TRUE(ike_peer_child_up(pr.a));
	CU_ASSERT_TRUE(ike_peer_child_up(pr.b));
	CU_ASSERT_PTR_NOT_NULL(find(pr.eb, pr.neb, IKE_EV_IKE_SA_DELETED));   /* the old one */
	teardown(&pr);
}

/* The number after key in line, -1 when absent. */
static long number_after(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

/*
 * charon's IKE_SA schedule (reauth_margin 89, the sakura-vpc-v2 row; seeds/002 l.227-228):
 * the responder too schedules a reauthentication at 28800 - 89 - U[0, 89] s and a hard expiry
 * 89 s after it, logged in charon's words; the jitter comes from the peer's drbg (the same
 * seed, the same schedule; another seed, another).
 */
static void test_reauth_charon_schedule(void)
{
	struct ike_policy pa, pb;
	struct pair pr;
	long first = -1;
	bool differs = false;

	policy(&pa, "192.0.2.1", "192.0.2.2", "aes256-sha256-modp2048", "aes256-sha256", "k", true);
	policy(&pb, "192.0.2.2", "192.0.2.1", "aes256-sha256-modp2048", "aes256-sha256", "k", false);
	pb.reauth_margin = lab_sec(89);
	for (uint64_t seed = 40; seed < 48; seed++) {
		long reauth, max;

		setup(&pr, &pa, &pb, seed);
		run_until(&pr, lab_sec(5));
		CU_ASSERT_EQUAL_FATAL(pr.nsched_b, 2);
		reauth = number_after(pr.sched_b[0], "scheduling reauthentication in ");
		max = number_after(pr.sched_b[1], "maximum IKE_SA lifetime ");
		CU_ASSERT(reauth >= 28622 && reauth <= 28711);
		CU_ASSERT_EQUAL(max, reauth + 89);
		if (first < 0)
			first = reauth;
		differs |= reauth != first;
		teardown(&pr);
		/* the same seed again: the same draw */
		setup(&pr, &pa, &pb, seed);
		run_until(&pr, lab_sec(5));
		CU_ASSERT_EQUAL(number_after(pr.sched_b[0], "scheduling reauthentication in "), reauth);
		teardown(&pr);
	}
	CU_ASSERT_TRUE(differs);
	/* without the margin a responder schedules none (vpnlab's default: the initiator does) */
	pb.reauth_margin = 0;
	setup(&pr, &pa, &pb, 40);
	run_until(&pr, lab_sec(5));
	CU_ASSERT_EQUAL(pr.nsched_b, 1);
	CU_ASSERT_EQUAL(number_after(pr.sched_b[0], "maximum IKE_SA lifetime "), 28800);
	teardown(&pr);
}

/* The responder's own reauthentication runs when it comes first (the initiator's margin is
 * 1 s), and the hard expiry at reauth + 89 s ends the SA when that reauthentication gets no
 * answer. */
static void test_reauth_charon_responder_and_expiry(void)
{
	struct ike_policy pa, pb;
	struct pair pr;
	const struct ike_event *ra, *del;
	long reauth;

	policy(&pa, "192.0.2.1", "192.0.2.2", "aes256-sha256-modp2048", "aes256-sha256", "k", true);
	policy(&pb, "192.0.2.2", "192.0.2.1", "aes256-sha256-modp2048", "aes256-sha256", "k", false);
	pa.rekey_margin = lab_sec(1);
	pa.esp_lifetime = pb.esp_lifetime = lab_sec(28800 * 2);
	pa.dpd = pb.dpd = IKE_DPD_OFF;
	pb.reauth_margin = lab_sec(89);
	setup(&pr, &pa, &pb, 50);
	run_until(&pr, lab_sec(5));
	reauth = number_after(pr.sched_b[0], "scheduling reauthentication in ");
	CU_ASSERT_FATAL(reauth >= 28622 && reauth <= 28711);
	run_until(&pr, lab_sec(28790));
	ra = find(pr.eb, pr.neb, IKE_EV_IKE_SA_REAUTHENTICATED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ra);
	/* within a second of the schedule (the main mode's round trips take no lab time) */
	CU_ASSERT(ra->time >= lab_sec(reauth) && ra->time <= lab_sec(reauth + 1));
	CU_ASSERT_TRUE(ike_peer_child_up(pr.a));
	CU_ASSERT_TRUE(ike_peer_child_up(pr.b));
	teardown(&pr);

	/* the same, but nothing reaches a from the reauthentication on: the old SA ends at
	 * reauth + 89 s on b, its CHILD_SA with it */
	setup(&pr, &pa, &pb, 50);
	run_until(&pr, lab_sec(reauth) - 1);
	pr.drop_to_a = 1000;
	run_until(&pr, lab_sec(reauth + 89) + 1);
	CU_ASSERT_PTR_NULL(find(pr.eb, pr.neb, IKE_EV_IKE_SA_REAUTHENTICATED));
	del = find(pr.eb, pr.neb, IKE_EV_IKE_SA_DELETED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(del);
	CU_ASSERT_EQUAL(del->time, lab_sec(reauth + 89));
	CU_ASSERT_FALSE(ike_peer_child_up(pr.b));
	teardown(&pr);
}

/*
 * The F220 of seeds/002 l.222-237: its IKE side restarts (a new peer, same policy) while b
 * still holds the old SAs. MM5 carries INITIAL_CONTACT; b (unique_on_initial_contact) logs
 * the duplicate at MM5, comes up without adopting the old CHILD_SA, then destroys the old
 * IKE_SA and its CHILD_SA; the DELETE the restarted side sends for its forgotten SPI finds
 * nothing. Without INITIAL_CONTACT the old SA is replaced as in a reauthentication.
 */
static void test_initial_contact_duplicate(void)
{
	struct ike_policy pa, pb;
	struct pair pr;
	const struct ike_event *ca;
	uint32_t old_in, old_b_in;
	struct drbg d2;
	int deleted = 0;

	policy(&pa, "192.0.2.1", "192.0.2.2", "aes256-sha256-modp2048", "aes256-sha256", "k", true);
	policy(&pb, "192.0.2.2", "192.0.2.1", "aes256-sha256-modp2048", "aes256-sha256", "k", false);
	pb.unique_on_initial_contact = true;
	setup(&pr, &pa, &pb, 60);
	run_until(&pr, lab_sec(5));
	ca = find(pr.ea, pr.nea, IKE_EV_CHILD_SA_ESTABLISHED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ca);
	old_in = ca->spi_in;
	old_b_in = ca->spi_out;
	CU_ASSERT_EQUAL(ike_peer_ike_sa_count(pr.b), 1);
	/* a forgets everything: a new peer, nothing sent for the old SAs */
	ike_peer_free(pr.a);
	drbg_init(&d2, 61);
	CU_ASSERT_FATAL(ike_peer_new(&pr.a, &pa, &d2) == 0);
	ike_peer_forgotten(pr.a, old_in);
	pr.order[0] = "schedule delete of duplicate IKE_SA for peer '192.0.2.1' due to uniqueness "
	              "policy and suspected reauthentication";
	pr.order[1] = "IKE_SA established between";
	pr.order[2] = "destroying duplicate IKE_SA for peer '192.0.2.1', received INITIAL_CONTACT";
	pr.order[3] = "received DELETE for ESP CHILD_SA with SPI";   /* between QM2 and QM3 */
	pr.order[4] = "CHILD_SA not found, ignored";
	pr.order[5] = "CHILD_SA established with SPIs";
	pr.nea = pr.neb = 0;
	ike_peer_start(pr.a, pr.now);
	run_until(&pr, lab_sec(10));
	CU_ASSERT_EQUAL(pr.norder, 6);
	CU_ASSERT_EQUAL(ike_peer_ike_sa_count(pr.b), 1);
	CU_ASSERT_TRUE(ike_peer_child_up(pr.b));
	CU_ASSERT_TRUE(ike_peer_child_up(pr.a));
	for (int i = 0; i < pr.neb; i++)
		if (pr.eb[i].type == IKE_EV_CHILD_SA_DELETED) {
			deleted++;
			CU_ASSERT_EQUAL(pr.eb[i].spi_in, old_b_in);
		}
	CU_ASSERT_EQUAL(deleted, 1);            /* the old one, by INITIAL_CONTACT */
	CU_ASSERT_PTR_NULL(find(pr.eb, pr.neb, IKE_EV_IKE_SA_REAUTHENTICATED));
	ike_peer_free(pr.a);
	drbg_wipe(&d2);
	pr.a = NULL;
	ike_peer_free(pr.b);
	drbg_wipe(&pr.da);
	drbg_wipe(&pr.db);

	/* the same without INITIAL_CONTACT: logged as a duplicate, then replaced (adopted) */
	pa.initial_contact = false;
	setup(&pr, &pa, &pb, 60);
	run_until(&pr, lab_sec(5));
	ike_peer_free(pr.a);
	drbg_init(&d2, 61);
	CU_ASSERT_FATAL(ike_peer_new(&pr.a, &pa, &d2) == 0);
	pr.order[0] = "schedule delete of duplicate IKE_SA for peer '192.0.2.1'";
	pr.order[1] = "IKE_SA reauthenticated between";
	pr.order[2] = NULL;
	pr.watch = "destroying duplicate";
	pr.nea = pr.neb = 0;
	ike_peer_start(pr.a, pr.now);
	run_until(&pr, lab_sec(10));
	CU_ASSERT_EQUAL(pr.norder, 2);
	CU_ASSERT_EQUAL(pr.watch_b, 0);
	CU_ASSERT_PTR_NOT_NULL(find(pr.eb, pr.neb, IKE_EV_IKE_SA_REAUTHENTICATED));
	ike_peer_free(pr.a);
	drbg_wipe(&d2);
	ike_peer_free(pr.b);
	drbg_wipe(&pr.da);
	drbg_wipe(&pr.db);
}

/* RESPONDER-LIFETIME in quick mode: b uses 600 s where a proposed 3600 s and says so in
 * QM2; a takes it and rekeys on b's schedule. */
static void test_responder_lifetime_p2(void)
{
	struct ike_policy pa, pb;
	struct pair pr;
	const struct ike_event *ca, *cb, *rk;

	policy(&pa, "192.0.2.1", "192.0.2.2", "aes128-sha1-modp1536", "aes128-sha1", "k", true);
	policy(&pb, "192.0.2.2", "192.0.2.1", "aes128-sha1-modp1536", "aes128-sha1", "k", false);
	pa.esp_lifetime = lab_sec(3600);
	pb.esp_lifetime = lab_sec(600);
	pb.send_responder_lifetime = true;
	setup(&pr, &pa, &pb, 21);
	pr.watch = "RESPONDER-LIFETIME 600s";
	run_until(&pr, lab_sec(5));
	ca = find(pr.ea, pr.nea, IKE_EV_CHILD_SA_ESTABLISHED);
	cb = find(pr.eb, pr.neb, IKE_EV_CHILD_SA_ESTABLISHED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ca);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cb);
	CU_ASSERT_EQUAL(cb->lifetime, lab_sec(600));
	CU_ASSERT_EQUAL(ca->lifetime, lab_sec(600));
	CU_ASSERT_EQUAL(pr.watch_b, 1);         /* "sending RESPONDER-LIFETIME 600s" */
	CU_ASSERT_EQUAL(pr.watch_a, 1);         /* "received RESPONDER-LIFETIME 600s" */
	run_until(&pr, lab_sec(700));
	rk = find(pr.ea, pr.nea, IKE_EV_CHILD_SA_REKEYED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rk);
	CU_ASSERT(rk->time >= lab_sec(539) && rk->time <= lab_sec(541));   /* 600 - 10% */
	teardown(&pr);

	/* a shorter or equal proposal needs no notify */
	pa.esp_lifetime = lab_sec(300);
	setup(&pr, &pa, &pb, 22);
	pr.watch = "RESPONDER-LIFETIME";
	run_until(&pr, lab_sec(5));
	ca = find(pr.ea, pr.nea, IKE_EV_CHILD_SA_ESTABLISHED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ca);
	CU_ASSERT_EQUAL(ca->lifetime, lab_sec(300));
	CU_ASSERT_EQUAL(pr.watch_a + pr.watch_b, 0);
	teardown(&pr);
}

/* RESPONDER-LIFETIME for the ISAKMP SA: sent after MM6 in an informational exchange; the
 * initiator moves its reauthentication to the responder's lifetime. */
static void test_responder_lifetime_p1(void)
{
	struct ike_policy pa, pb;
	struct pair pr;
	const struct ike_event *ib, *ra;

	policy(&pa, "192.0.2.1", "192.0.2.2", "aes128-sha1-modp1536", "aes128-sha1", "k", true);
	policy(&pb, "192.0.2.2", "192.0.2.1", "aes128-sha1-modp1536", "aes128-sha1", "k", false);
	pa.ike_lifetime = lab_sec(28800);
	pb.ike_lifetime = lab_sec(1000);
	pb.send_responder_lifetime = true;
	setup(&pr, &pa, &pb, 23);
	pr.watch = "RESPONDER-LIFETIME 1000s for IKE_SA";
	run_until(&pr, lab_sec(1000));
	ib = find(pr.eb, pr.neb, IKE_EV_IKE_SA_ESTABLISHED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ib);
	CU_ASSERT_EQUAL(ib->lifetime, lab_sec(1000));
	CU_ASSERT_EQUAL(pr.watch_a, 2);         /* for the first IKE_SA and its reauthentication */
	CU_ASSERT_EQUAL(pr.watch_b, 2);
	ra = find(pr.ea, pr.nea, IKE_EV_IKE_SA_REAUTHENTICATED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ra);
	CU_ASSERT(ra->time >= lab_sec(899) && ra->time <= lab_sec(901));   /* 1000 - 10% */
	CU_ASSERT_TRUE(ike_peer_child_up(pr.a));
	teardown(&pr);
}

/* Kilobyte lifetimes: the soft limit (90%) rekeys, the hard limit deletes on both sides. */
static void test_kilobyte_lifetime(void)
{
	struct ike_policy pa, pb;
	struct pair pr;
	const struct ike_event *ca, *cb, *rk, *del;
	int dels_b = 0;

	policy(&pa, "192.0.2.1", "192.0.2.2", "aes128-sha1-modp1536", "aes128-sha1", "k", true);
	policy(&pb, "192.0.2.2", "192.0.2.1", "aes128-sha1-modp1536", "aes128-sha1", "k", false);
	pa.esp_lifebytes = 1000 * 1000;         /* proposed as 1000 KB */
	pb.esp_lifebytes = 4000 * 1000;         /* b takes the smaller */
	setup(&pr, &pa, &pb, 24);
	run_until(&pr, lab_sec(5));
	ca = find(pr.ea, pr.nea, IKE_EV_CHILD_SA_ESTABLISHED);
	cb = find(pr.eb, pr.neb, IKE_EV_CHILD_SA_ESTABLISHED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ca);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cb);
	CU_ASSERT_EQUAL(ca->lifebytes, 1000 * 1000);
	CU_ASSERT_EQUAL(cb->lifebytes, 1000 * 1000);
	ike_peer_child_bytes(pr.a, ca->spi_out, 800 * 1000, pr.now);
	ike_peer_child_bytes(pr.a, 0x12345678, 2000 * 1000, pr.now);    /* unknown: ignored */
	shuttle(&pr);
	CU_ASSERT_PTR_NULL(find(pr.ea, pr.nea, IKE_EV_CHILD_SA_REKEYED));
	ike_peer_child_bytes(pr.a, ca->spi_in, 950 * 1000, pr.now);     /* past 900 KB */
	shuttle(&pr);
	rk = find(pr.ea, pr.nea, IKE_EV_CHILD_SA_REKEYED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rk);
	CU_ASSERT_EQUAL(rk->old_spi_in, ca->spi_in);
	CU_ASSERT_PTR_NOT_NULL(find(pr.eb, pr.neb, IKE_EV_CHILD_SA_REKEYED));
	CU_ASSERT_PTR_NULL(find(pr.ea, pr.nea, IKE_EV_CHILD_SA_DELETED));
	ike_peer_child_bytes(pr.a, ca->spi_in, 960 * 1000, pr.now);     /* no second rekey */
	shuttle(&pr);
	ike_peer_child_bytes(pr.a, ca->spi_in, 1000 * 1000, pr.now);    /* hard limit */
	shuttle(&pr);
	del = find(pr.ea, pr.nea, IKE_EV_CHILD_SA_DELETED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(del);
	CU_ASSERT_EQUAL(del->spi_in, ca->spi_in);
	CU_ASSERT_PTR_NOT_NULL(strstr(del->detail, "kilobyte lifetime"));
	for (int i = 0; i < pr.neb; i++)
		dels_b += pr.eb[i].type == IKE_EV_CHILD_SA_DELETED && pr.eb[i].spi_out == ca->spi_in;
	CU_ASSERT_EQUAL(dels_b, 1);             /* b got the DELETE for the old SA */
	CU_ASSERT_TRUE(ike_peer_child_up(pr.a));        /* the rekeyed one stays */
	CU_ASSERT_TRUE(ike_peer_child_up(pr.b));
	teardown(&pr);

	/* the IKE responder rekeys too when its data plane reports the bytes */
	setup(&pr, &pa, &pb, 28);
	run_until(&pr, lab_sec(5));
	cb = find(pr.eb, pr.neb, IKE_EV_CHILD_SA_ESTABLISHED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cb);
	ike_peer_child_bytes(pr.b, cb->spi_in, 901 * 1000, pr.now);
	shuttle(&pr);
	/* the IKE_SA's responder waits until 95%, so both ends do not rekey on the same packet */
	CU_ASSERT_PTR_NULL(find(pr.eb, pr.neb, IKE_EV_CHILD_SA_REKEYED));
	ike_peer_child_bytes(pr.b, cb->spi_in, 951 * 1000, pr.now);
	shuttle(&pr);
	rk = find(pr.eb, pr.neb, IKE_EV_CHILD_SA_REKEYED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rk);
	CU_ASSERT_EQUAL(rk->old_spi_in, cb->spi_in);
	CU_ASSERT_PTR_NOT_NULL(find(pr.ea, pr.nea, IKE_EV_CHILD_SA_REKEYED));
	teardown(&pr);
}

/* NAT keepalives: a behind a NAT sends one 0xFF every 20 s; b (not behind one) never. */
static void test_nat_keepalive(void)
{
	struct ike_policy pa, pb;
	struct pair pr;
	const struct ike_event *ca;

	policy(&pa, "10.0.0.2", "192.0.2.2", "aes128-sha1-modp1536", "aes128-sha1", "k", true);
	policy(&pb, "192.0.2.2", "198.51.100.7", "aes128-sha1-modp1536", "aes128-sha1", "k",
	       false);
	pa.natt_keepalive = pb.natt_keepalive = lab_sec(20);
	pa.dpd = pb.dpd = IKE_DPD_OFF;
	setup(&pr, &pa, &pb, 25);
	pr.nat_a = true;
	inet_pton(AF_INET, "198.51.100.7", pr.nat_addr);
	inet_pton(AF_INET, "10.0.0.2", pr.a_addr);
	run_until(&pr, lab_sec(101));
	ca = find(pr.ea, pr.nea, IKE_EV_CHILD_SA_ESTABLISHED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ca);
	CU_ASSERT_TRUE(ca->udp_encap);
	CU_ASSERT_EQUAL(pr.keepalives_a, 5);    /* at 20, 40, 60, 80, 100 s */
	CU_ASSERT_EQUAL(pr.last_keepalive_a, lab_sec(100));
	CU_ASSERT_EQUAL(pr.keepalives_b, 0);
	teardown(&pr);

	/* interval 0: none */
	pa.natt_keepalive = 0;
	setup(&pr, &pa, &pb, 25);
	pr.nat_a = true;
	inet_pton(AF_INET, "198.51.100.7", pr.nat_addr);
	inet_pton(AF_INET, "10.0.0.2", pr.a_addr);
	run_until(&pr, lab_sec(101));
	CU_ASSERT_TRUE(ike_peer_child_up(pr.a));
	CU_ASSERT_EQUAL(pr.keepalives_a, 0);
	teardown(&pr);

	/* no NAT: none either */
	pa.natt_keepalive = lab_sec(20);
	policy(&pb, "192.0.2.2", "10.0.0.2", "aes128-sha1-modp1536", "aes128-sha1", "k", false);
	pb.natt_keepalive = lab_sec(20);
	setup(&pr, &pa, &pb, 26);
	run_until(&pr, lab_sec(101));
	CU_ASSERT_TRUE(ike_peer_child_up(pr.a));
	CU_ASSERT_EQUAL(pr.keepalives_a + pr.keepalives_b, 0);
	teardown(&pr);
}

/* MM2 lost: the initiator's retransmitted MM1 gets the same MM2 again (same responder
 * cookie), not a second half-open IKE_SA. */
static void test_mm1_retransmit(void)
{
	struct ike_policy pa, pb;
	struct pair pr;
	int ib = 0;

	policy(&pa, "192.0.2.1", "192.0.2.2", "aes128-sha1-modp1536", "aes128-sha1", "k", true);
	policy(&pb, "192.0.2.2", "192.0.2.1", "aes128-sha1-modp1536", "aes128-sha1", "k", false);
	setup(&pr, &pa, &pb, 27);
	pr.drop_to_a = 1;
	pr.watch = "received retransmit of MM1, retransmitting MM2";
	run_until(&pr, lab_sec(10));
	CU_ASSERT_EQUAL(pr.watch_b, 1);
	for (int i = 0; i < pr.neb; i++)
		ib += pr.eb[i].type == IKE_EV_IKE_SA_ESTABLISHED;
	CU_ASSERT_EQUAL(ib, 1);
	CU_ASSERT_TRUE(ike_peer_child_up(pr.a));
	CU_ASSERT_TRUE(ike_peer_child_up(pr.b));
	run_until(&pr, lab_sec(60));    /* no half-open SA left to time out */
	CU_ASSERT_PTR_NULL(find(pr.eb, pr.neb, IKE_EV_IKE_SA_DELETED));
	teardown(&pr);
}

static int count(const struct ike_event *ev, int n, enum ike_event_type t)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		c += ev[i].type == t;
	return c;
}

/* Both ends initiate at the same instant (two always-up gateways): two main modes cross.
 * Each side sees the other's IKE_SA come up while its own was still negotiating, which is no
 * reauthentication: both keep the same one of the two (the larger initiator cookie), delete
 * the other, and one CHILD_SA comes up over the survivor. Before, each took the other's SA
 * for one its own reauthentication replaced, deleted it, and they retried in step forever. */
static void test_simultaneous_initiation(void)
{
	struct ike_policy pa, pb;
	struct pair pr;
	const struct ike_event *ca, *cb;

	policy(&pa, "192.0.2.1", "192.0.2.2", "aes128-sha1-modp1536", "aes128-sha1", "k", true);
	policy(&pb, "192.0.2.2", "192.0.2.1", "aes128-sha1-modp1536", "aes128-sha1", "k", true);
	/* b's selectors are the mirror of a's */
	inet_pton(AF_INET, "10.2.0.0", pb.local_ts.addr);
	inet_pton(AF_INET, "10.1.0.0", pb.remote_ts.addr);
	setup(&pr, &pa, &pb, 17);
	ike_peer_start(pr.b, 0);
	pr.watch = "simultaneous";
	run_until(&pr, lab_sec(120));
	CU_ASSERT_EQUAL(count(pr.ea, pr.nea, IKE_EV_IKE_SA_ESTABLISHED), 2);
	CU_ASSERT_EQUAL(count(pr.eb, pr.neb, IKE_EV_IKE_SA_ESTABLISHED), 2);
	CU_ASSERT_EQUAL(count(pr.ea, pr.nea, IKE_EV_IKE_SA_DELETED), 1);
	CU_ASSERT_EQUAL(count(pr.eb, pr.neb, IKE_EV_IKE_SA_DELETED), 1);
	CU_ASSERT_EQUAL(count(pr.ea, pr.nea, IKE_EV_IKE_SA_REAUTHENTICATED), 0);
	CU_ASSERT_EQUAL(count(pr.ea, pr.nea, IKE_EV_CHILD_SA_ESTABLISHED), 1);
	CU_ASSERT_EQUAL(count(pr.eb, pr.neb, IKE_EV_CHILD_SA_ESTABLISHED), 1);
	CU_ASSERT_EQUAL(count(pr.ea, pr.nea, IKE_EV_CHILD_SA_DELETED), 0);
	CU_ASSERT_EQUAL(count(pr.eb, pr.neb, IKE_EV_CHILD_SA_DELETED), 0);
	CU_ASSERT(pr.watch_a >= 1);
	CU_ASSERT(pr.watch_b >= 1);
	ca = find(pr.ea, pr.nea, IKE_EV_CHILD_SA_ESTABLISHED);
	cb = find(pr.eb, pr.neb, IKE_EV_CHILD_SA_ESTABLISHED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ca);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cb);
	CU_ASSERT_EQUAL(ca->spi_in, cb->spi_out);
	CU_ASSERT_EQUAL(ca->spi_out, cb->spi_in);
	CU_ASSERT_TRUE(ike_peer_child_up(pr.a));
	CU_ASSERT_TRUE(ike_peer_child_up(pr.b));
	teardown(&pr);
}

UNIT_SUITE(ike_peer,
           UNIT_TEST(test_delete_spi),
	UNIT_TEST(test_simultaneous_initiation),
	UNIT_TEST(test_mm1_retransmit),
	UNIT_TEST(test_responder_lifetime_p2),
	UNIT_TEST(test_responder_lifetime_p1),
	UNIT_TEST(test_kilobyte_lifetime),
	UNIT_TEST(test_nat_keepalive),
	UNIT_TEST(test_reauthentication),
	UNIT_TEST(test_reauth_charon_schedule),
	UNIT_TEST(test_initial_contact_duplicate),
	UNIT_TEST(test_reauth_charon_responder_and_expiry),
	UNIT_TEST(test_main_and_quick_mode),
	UNIT_TEST(test_responder_order_wins),
	UNIT_TEST(test_no_proposal_chosen),
	UNIT_TEST(test_wrong_psk),
	UNIT_TEST(test_dpd_and_rekey),
	UNIT_TEST(test_dpd_timeout_restart),
	UNIT_TEST(test_forced_encap_floats),
	UNIT_TEST(test_same_seed_same_bytes))
