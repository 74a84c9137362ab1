/*
 * Vendor profiles (peers/profile/): every row of every table parses and names a source, and
 * per profile what it forces and what it only defaults, following the precedence rule of
 * profile.h (defaults, then the user's values, then the forced rows).
 */
#include "tests/unit/unit.h"
#include "peers/profile/profile.h"

#include <stdio.h>
#include <string.h>

static struct gw_config cfg;
static struct profile_report rep;

static void props(const struct ike_prop *p, int n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (int i = 0; i < n; i++) {
		char one[64];

		ike_prop_format(&p[i], one, sizeof one);
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "", one);
	}
}

static struct gw_conn *fresh(const char *profile)
{
	const struct profile *p = profile_find(profile);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memset(&rep, 0, sizeof rep);
	CU_ASSERT_EQUAL_FATAL(profile_config_init(p, &cfg, &rep), 0);
	return profile_conn_add(p, &cfg, "c1", &rep);
}

static void test_tables_parse(void)
{
	CU_ASSERT_EQUAL(profile_count(), 5);
	CU_ASSERT_PTR_NULL(profile_at(profile_count()));
	CU_ASSERT_PTR_NULL(profile_find("cisco-asa"));
	for (size_t i = 0; i < profile_count(); i++) {
		const struct profile *p = profile_at(i);
		struct gw_conn *c;

		CU_ASSERT_PTR_EQUAL(profile_find(p->name), p);
		CU_ASSERT(strlen(p->summary) > 10);
		for (size_t j = 0; j < p->nquirks; j++) {
			CU_ASSERT(p->quirks[j].key < PK_COUNT);
			CU_ASSERT(p->quirks[j].source && strlen(p->quirks[j].source) > 3);
			CU_ASSERT(p->quirks[j].value && *p->quirks[j].value);
			/* a policy key at most once, so the table is not ambiguous */
			for (size_t k = j + 1; k < p->nquirks; k++)
				if (p->quirks[j].key != PK_NOTE)
					CU_ASSERT(p->quirks[j].key != p->quirks[k].key);
		}
		c = fresh(p->name);
		CU_ASSERT_PTR_NOT_NULL(c);
		CU_ASSERT_EQUAL(rep.n, 0);      /* every value parsed */
		CU_ASSERT_STRING_EQUAL(cfg.profile, p->name);
		/* the forced stage on a config that only holds defaults replaces nothing */
		CU_ASSERT_EQUAL(profile_apply(p, &cfg, PROFILE_STAGE_FORCED, &rep), 0);
		CU_ASSERT_EQUAL(rep.n, 0);
		gw_config_wipe(&cfg);
	}
}

static void test_sakura_v1_forces_its_set(void)
{
	struct gw_conn *c = fresh("sakura-vpc-v1");
	char buf[256], err[64];

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	props(c->ike.ike, c->ike.nike, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "aes128-sha1-modp1536,aes128-sha1-modp1024");
	/* the user (the API settings) asks for aes256/sha256: the firmware ignores it */
	c->ike.nike = ike_props_parse("aes256-sha256-modp2048", false, c->ike.ike, IKE_MAX_PROPS,
	                              err, sizeof err);
	c->ike.esp_lifetime = lab_sec(180);
	CU_ASSERT_EQUAL(profile_apply(profile_find("sakura-vpc-v1"), &cfg, PROFILE_STAGE_FORCED,
	                              &rep), 0);
	props(c->ike.ike, c->ike.nike, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "aes128-sha1-modp1536,aes128-sha1-modp1024");
	CU_ASSERT_EQUAL_FATAL(rep.n, 1);
	CU_ASSERT(strstr(rep.line[0], "sakura-vpc-v1: ike-proposals aes256-sha256-modp2048 replaced "
	                 "by aes128-sha1-modp1536,aes128-sha1-modp1024: the v1 firmware") ==
	          rep.line[0]);
	CU_ASSERT_PTR_NOT_NULL(strstr(rep.line[0], "seeds/002 l.132-135"));
	/* a lifetime is only a default: the user's value stays */
	CU_ASSERT_EQUAL(c->ike.esp_lifetime, lab_sec(180));
	CU_ASSERT_EQUAL(c->ike.ike_lifetime, lab_sec(28800));
	CU_ASSERT_EQUAL(c->ike.dpd_delay, lab_sec(15));
	CU_ASSERT_EQUAL(c->ike.dpd_timeout, lab_sec(30));
	CU_ASSERT_FALSE(c->ike.send_dpd_vid);
	CU_ASSERT_FALSE(c->ike.send_natt_vid);
	CU_ASSERT_FALSE(c->ike.dpd_needs_peer_vid);
	CU_ASSERT_EQUAL(profile_quirk_find(profile_find("sakura-vpc-v1"), PK_PHASE1_MODE)->rule,
	                PROFILE_INFO);
	gw_config_wipe(&cfg);
}

static void test_sakura_v2_libipsec(void)
{
	struct gw_conn *c = fresh("sakura-vpc-v2");
	const struct profile_quirk *q;
	char buf[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	props(c->ike.ike, c->ike.nike, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "aes128-sha1-modp1024");
	q = profile_quirk_find(profile_find("sakura-vpc-v2"), PK_IKE_PROPOSALS);
	CU_ASSERT(q->unconfirmed && q->rule == PROFILE_DEFAULT);
	CU_ASSERT_EQUAL(c->ike.select, IKE_SELECT_OWN_ORDER);
	CU_ASSERT_EQUAL(c->ike.life_rule, IKE_LIFE_ACCEPT);
	CU_ASSERT(c->ike.unique_on_initial_contact);
	CU_ASSERT(c->ike.force_encap);
	CU_ASSERT_EQUAL(c->ike.dpd, IKE_DPD_IDLE);
	CU_ASSERT(c->ike.dpd_needs_peer_vid);
	CU_ASSERT_EQUAL(c->ike.esp_lifetime, lab_sec(1800));
	CU_ASSERT_EQUAL(cfg.dp.tunnel_mtu, 1400);
	CU_ASSERT_EQUAL(cfg.dp.replay_window, 128);
	CU_ASSERT_FALSE(cfg.dp.lenient_padding);
	/* a scenario that switches encapsulation off, or widens the replay window, is overruled */
	c->ike.force_encap = false;
	cfg.dp.replay_window = 1024;
	c->ike.dpd_delay = lab_sec(20);
	CU_ASSERT_EQUAL(profile_apply(profile_find("sakura-vpc-v2"), &cfg, PROFILE_STAGE_FORCED,
	                              &rep), 0);
	CU_ASSERT(c->ike.force_encap);
	CU_ASSERT_EQUAL(cfg.dp.replay_window, 128);
	CU_ASSERT_EQUAL(c->ike.dpd_delay, lab_sec(20));
	CU_ASSERT_EQUAL_FATAL(rep.n, 2);
	CU_ASSERT(strstr(rep.line[0], "sakura-vpc-v2: replay-window 1024 replaced by 128") ==
	          rep.line[0]);
	CU_ASSERT(strstr(rep.line[1], "sakura-vpc-v2: force-udp-encap no replaced by yes") ==
	          rep.line[1]);
	gw_config_wipe(&cfg);
}

static void test_fitelnet_k5_strongswan(void)
{
	struct gw_conn *c = fresh("fitelnet-f220");
	const struct profile_quirk *q;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->ike.nike, 0);        /* proposals come from the CLI text */
	CU_ASSERT_EQUAL(c->ike.esp_lifetime, lab_sec(600));
	q = profile_quirk_find(profile_find("fitelnet-f220"), PK_ESP_LIFETIME);
	CU_ASSERT(q->unconfirmed);
	CU_ASSERT(c->ike.send_dpd_vid);
	CU_ASSERT_FALSE(c->ike.send_natt_vid);
	CU_ASSERT(c->ike.initial_contact);
	CU_ASSERT_EQUAL(cfg.dp.df, ESP_DF_COPY);
	CU_ASSERT_EQUAL(cfg.dp.frag, GW_FRAG_PRE);
	gw_config_wipe(&cfg);

	c = fresh("k5-vpnaas");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->ike.nike, 1);
	CU_ASSERT_EQUAL(c->ike.ike[0].group, 5);
	CU_ASSERT_EQUAL(c->ike.dpd_action, IKE_DPD_HOLD);
	CU_ASSERT_EQUAL(c->ike.dpd_delay, lab_sec(30));
	CU_ASSERT_EQUAL(c->ike.dpd_timeout, lab_sec(120));
	CU_ASSERT_FALSE(cfg.dp.hairpin);
	CU_ASSERT(cfg.dp.snat_split);
	cfg.dp.hairpin = true;
	CU_ASSERT_EQUAL(profile_apply(profile_find("k5-vpnaas"), &cfg, PROFILE_STAGE_FORCED, &rep), 0);
	CU_ASSERT_FALSE(cfg.dp.hairpin);
	CU_ASSERT_EQUAL(rep.n, 1);
	gw_config_wipe(&cfg);

	c = fresh("strongswan");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT(c->ike.force_encap && c->ike.dpd_needs_peer_vid);
	CU_ASSERT_EQUAL(c->ike.ike_lifetime, lab_sec(14400));
	CU_ASSERT_EQUAL(cfg.dp.tunnel_mtu, 1400);
	gw_config_wipe(&cfg);
}

static void test_conn_limit(void)
{
	const struct profile *p = profile_find("k5-vpnaas");

	CU_ASSERT_EQUAL_FATAL(profile_config_init(p, &cfg, NULL), 0);
	for (int i = 0; i < GW_MAX_CONNS; i++)
		CU_ASSERT_PTR_NOT_NULL(profile_conn_add(p, &cfg, "c", NULL));
	CU_ASSERT_PTR_NULL(profile_conn_add(p, &cfg, "c", NULL));
	CU_ASSERT_EQUAL(cfg.nconns, GW_MAX_CONNS);
	gw_config_wipe(&cfg);
}

UNIT_SUITE(profile,
           UNIT_TEST(test_tables_parse),
           UNIT_TEST(test_sakura_v1_forces_its_set),
           UNIT_TEST(test_sakura_v2_libipsec),
           UNIT_TEST(test_fitelnet_k5_strongswan),
           UNIT_TEST(test_conn_limit))
