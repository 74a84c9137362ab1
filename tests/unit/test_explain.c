/*
 * `vpnlab explain`'s two halves on the field-note captures (tests/fixtures/pcap/f220-*.pcap,
 * recorded by record-f220.sh from `vpnlab peer --profile` pairs): the F220's new config
 * (sha-256, group 14) offered to a Sakura VPC router v1 is refused with the attributes named,
 * its old config is accepted with aes128-sha1-modp1536, and the same new offer is what the v2
 * router selects in the field note's charon log. The offers in the captures are checked to be
 * exactly what the FITELnet importer makes of the two configs.
 */
#include "tests/unit/unit.h"
#include "captures/explain.h"
#include "mocks/sakura_gateway.h"
#include "peers/profile/profile_explain.h"
#include "peers/profile/profile_fitelnet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct seen {
	const struct profile *p;
	const struct ike_policy *pol;
	struct profile_verdict v;       /* of the first offer */
	unsigned offers, answers, notifies;
	uint16_t notify;
	char answer[128];
	struct ike_prop offered[16];
	int noffered;
};

static struct seen s;
static struct gw_config cfg;

static void on_msg(void *ctx, const struct cap_ike_msg *m)
{
	struct seen *x = ctx;

	if (m->kind == CAP_IKE_OFFER) {
		if (!x->offers++) {
			profile_explain_sa(x->p, x->pol, m->hdr.exch, m->sa, &x->v);
			for (size_t a = 0; a < m->sa->nprops; a++)
				for (size_t t = 0; t < m->sa->props[a].ntr && x->noffered < 16; t++) {
					struct ike_offer o;

					ike_offer_decode(&m->sa->props[a].tr[t], false, &o);
					x->offered[x->noffered++] = o.prop;
				}
		}
	} else if (m->kind == CAP_IKE_ANSWER) {
		struct ike_offer o;

		x->answers++;
		ike_offer_decode(&m->sa->props[0].tr[0], false, &o);
		ike_prop_strongswan(&o.prop, false, x->answer, sizeof x->answer);
		CU_ASSERT_EQUAL(m->offer_frame, 1);
	} else {
		x->notifies++;
		x->notify = m->notify;
		CU_ASSERT_EQUAL(m->offer_frame, 1);
	}
}

static int walk(const char *pcap, const char *profile)
{
	struct cap_explain_stats st;
	char err[256];
	int rc;

	memset(&s, 0, sizeof s);
	s.p = profile_find(profile);
	s.pol = &cfg.conns[0].ike;
	rc = cap_explain_walk(unit_fixture(pcap), on_msg, &s, &st, err, sizeof err);
	CU_ASSERT_EQUAL(st.offers, s.offers);
	return rc;
}

static int sakura(const char *json_rel, int version)
{
	char *json = unit_fixture_text(json_rel), err[256] = "";
	struct sakura_intent in;
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	rc = sakura_gateway_intent_parse(json, version, "203.0.113.11", &in, err, sizeof err);
	if (!rc)
		rc = sakura_gateway_config(&in, &cfg, NULL, err, sizeof err);
	explicit_bzero(&in, sizeof in);
	free(json);
	return rc;
}

static void test_new_config_refused_by_v1(void)
{
	CU_ASSERT_EQUAL_FATAL(sakura("fixtures/profile/sakura-v1.json", 1), 0);
	CU_ASSERT_EQUAL_FATAL(walk("fixtures/pcap/f220-v2-to-sakura-v1.pcap", "sakura-vpc-v1"), 0);
	CU_ASSERT_EQUAL_FATAL(s.offers, 1);
	CU_ASSERT_FALSE(s.v.accepted);
	CU_ASSERT_FALSE(s.v.mode_refused);
	CU_ASSERT_EQUAL_FATAL(s.v.noffers, 2);
	CU_ASSERT_STRING_EQUAL(s.v.offer[0].offered,
	                       "IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048");
	CU_ASSERT_STRING_EQUAL(s.v.offer[0].why, "key length 256 (ours: 128), hash SHA2_256 "
	                       "(ours: SHA1), DH group 14 (ours: 5)");
	CU_ASSERT_STRING_EQUAL(s.v.offer[1].why, "hash SHA2_256 (ours: SHA1), DH group 14 "
	                       "(ours: 5)");
	CU_ASSERT(strstr(s.v.reason, "no proposal found: sakura-vpc-v1 forces ike-proposals "
	                 "aes128-sha1-modp1536,aes128-sha1-modp1024") == s.v.reason);
	/* the simulated v1 router in the capture said the same */
	CU_ASSERT_EQUAL(s.notifies, 1);
	CU_ASSERT_EQUAL(s.notify, ISAKMP_N_NO_PROPOSAL_CHOSEN);
	CU_ASSERT_EQUAL(s.answers, 0);
	gw_config_wipe(&cfg);
}

static void test_old_config_accepted_by_v1(void)
{
	CU_ASSERT_EQUAL_FATAL(sakura("fixtures/profile/sakura-v1.json", 1), 0);
	CU_ASSERT_EQUAL_FATAL(walk("fixtures/pcap/f220-v1-to-sakura-v1.pcap", "sakura-vpc-v1"), 0);
	CU_ASSERT_EQUAL_FATAL(s.offers, 1);
	CU_ASSERT(s.v.accepted);
	CU_ASSERT_STRING_EQUAL(s.v.selected, "IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1536");
	CU_ASSERT_EQUAL(s.v.sel_prop, 1);
	CU_ASSERT_EQUAL(s.v.sel_tr, 2);
	CU_ASSERT_EQUAL(s.v.life, lab_sec(28800));
	CU_ASSERT_STRING_EQUAL(s.v.offer[0].why, "key length 256 (ours: 128)");
	CU_ASSERT(s.v.offer[1].matches);
	/* and the responder in the capture chose the same */
	CU_ASSERT_EQUAL(s.answers, 1);
	CU_ASSERT_STRING_EQUAL(s.answer, s.v.selected);
	gw_config_wipe(&cfg);
}

static void test_new_config_accepted_by_v2(void)
{
	CU_ASSERT_EQUAL_FATAL(sakura("fixtures/profile/sakura-v2.json", 2), 0);
	CU_ASSERT_EQUAL_FATAL(walk("fixtures/pcap/f220-v2-to-sakura-v1.pcap", "sakura-vpc-v2"), 0);
	CU_ASSERT(s.v.accepted);
	/* seeds/002 l.214 */
	CU_ASSERT_STRING_EQUAL(s.v.selected,
	                       "IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048");
	gw_config_wipe(&cfg);
}

/* The captures carry what the importer makes of the field note's configs. */
static void test_offers_are_the_f220_configs(void)
{
	char *t[2] = { unit_fixture_text("fixtures/fitelnet/v1.conf"), unit_fixture_text("fixtures/fitelnet/v2-changes.conf") };
	const char *names[2] = { "v1.conf", "v2-changes.conf" };
	struct fitelnet_diags *d = calloc(1, sizeof *d);
	static struct gw_config f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	for (size_t n = 1; n <= 2; n++) {
		fitelnet_diags_init(d);
		CU_ASSERT_EQUAL_FATAL(profile_fitelnet_configs((const char *const *)t, names, n, NULL,
		                                               &f, d), 0);
		CU_ASSERT_EQUAL_FATAL(sakura("fixtures/profile/sakura-v1.json", 1), 0);
		walk(n == 1 ? "fixtures/pcap/f220-v1-to-sakura-v1.pcap" :
		              "fixtures/pcap/f220-v2-to-sakura-v1.pcap", "sakura-vpc-v1");
		CU_ASSERT_EQUAL_FATAL(s.noffered, f.conns[0].ike.nike);
		for (int i = 0; i < s.noffered; i++)
			CU_ASSERT(ike_prop_equal(&s.offered[i], &f.conns[0].ike.ike[i]));
		gw_config_wipe(&f);
		gw_config_wipe(&cfg);
	}
	free(t[0]);
	free(t[1]);
	free(d);
}

static void test_aggressive_mode_k5(void)
{
	const struct profile *p = profile_find("k5-vpnaas");
	char err[64];

	CU_ASSERT_EQUAL_FATAL(profile_config_init(p, &cfg, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(profile_conn_add(p, &cfg, "k5", NULL));
	cfg.conns[0].ike.nike = ike_props_parse("aes256-sha1-modp2048", false, cfg.conns[0].ike.ike,
	                                        IKE_MAX_PROPS, err, sizeof err);
	CU_ASSERT_EQUAL_FATAL(walk("fixtures/pcap/aggressive-aes256-sha1-modp2048.pcap",
	                           "k5-vpnaas"), 0);
	CU_ASSERT_EQUAL_FATAL(s.offers, 1);
	CU_ASSERT(s.v.mode_refused);
	CU_ASSERT_FALSE(s.v.accepted);
	CU_ASSERT(s.v.offer[0].matches);        /* the algorithms would do; the mode does not */
	CU_ASSERT(strstr(s.v.reason, "mode: aggressive mode refused by k5-vpnaas") == s.v.reason);
	/* a profile that answers aggressive mode judges the SA alone */
	s.p = profile_find("fitelnet-f220");
	walk("fixtures/pcap/aggressive-aes256-sha1-modp2048.pcap", "fitelnet-f220");
	CU_ASSERT(s.v.accepted);
	gw_config_wipe(&cfg);
}

static void test_cut_capture(void)
{
	struct cap_explain_stats st;
	char err[256] = "";

	CU_ASSERT_EQUAL(cap_explain_walk(unit_fixture("fixtures/pcap/eth_ike_cut.pcap"), on_msg, &s,
	                                 &st, err, sizeof err), -EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "eth_ike_cut.pcap"));
	CU_ASSERT_EQUAL(cap_explain_walk("/nonexistent.pcap", on_msg, &s, &st, err, sizeof err) < 0,
	                1);
}

UNIT_SUITE(explain,
           UNIT_TEST(test_new_config_refused_by_v1),
           UNIT_TEST(test_old_config_accepted_by_v1),
           UNIT_TEST(test_new_config_accepted_by_v2),
           UNIT_TEST(test_offers_are_the_f220_configs),
           UNIT_TEST(test_aggressive_mode_k5),
           UNIT_TEST(test_cut_capture))
