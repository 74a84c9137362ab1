/*
 * Mock API intents as gateway configs: K5 site connections (mocks/k5_gateway.c) with the
 * field note's values (shared/seeds/000: aes-256 / sha1 / group14, 86400 / 28800, DPD
 * restart, interval 10, timeout 30) and Sakura VPC router settings (mocks/sakura_gateway.c,
 * tests/fixtures/profile/sakura-v*.json from shared/seeds/002).
 */
#include "tests/unit/unit.h"
#include "mocks/k5_gateway.h"
#include "mocks/sakura_gateway.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct gw_config cfg;

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

static void k5_field_intent(struct k5_conn_intent *in, const char *id)
{
	memset(in, 0, sizeof *in);
	snprintf(in->id, sizeof in->id, "%s", id);
	strcpy(in->name, "az1-to-az2");
	strcpy(in->peer_address, "133.162.192.20");
	strcpy(in->peer_id, "133.162.192.20");
	strcpy(in->psk, "secret");
	strcpy(in->local_cidrs[0], "10.1.1.0/24");
	in->nlocal = 1;
	strcpy(in->peer_cidrs[0], "10.2.1.0/24");
	in->npeer = 1;
	strcpy(in->ike.auth, "sha1");
	strcpy(in->ike.encryption, "aes-256");
	strcpy(in->ike.pfs, "group14");
	strcpy(in->ike.phase1_mode, "main");
	strcpy(in->ike.ike_version, "v1");
	in->ike.lifetime_s = 86400;
	strcpy(in->ipsec.auth, "sha1");
	strcpy(in->ipsec.encryption, "aes-256");
	strcpy(in->ipsec.pfs, "group14");
	strcpy(in->ipsec.transform, "esp");
	strcpy(in->ipsec.encapsulation, "tunnel");
	in->ipsec.lifetime_s = 28800;
	strcpy(in->dpd.action, "restart");
	in->dpd.interval_s = 10;
	in->dpd.timeout_s = 30;
	strcpy(in->initiator, "bi-directional");
	in->mtu = 1500;
	in->admin_state_up = true;
	strcpy(in->router_external_ip, "133.162.192.10");
	strcpy(in->floating_ip, "133.162.192.11");
}

static void test_k5_field_values(void)
{
	struct k5_conn_intent in;
	const struct ike_policy *pol;
	char buf[128], err[160] = "";

	CU_ASSERT_EQUAL_FATAL(k5_gateway_config_init(&cfg), 0);
	CU_ASSERT_STRING_EQUAL(cfg.profile, "k5-vpnaas");
	k5_field_intent(&in, "30627d45-37dd-4e76-9200-61834035229f");
	CU_ASSERT_EQUAL_FATAL(k5_gateway_conn_set(&cfg, &in, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(cfg.nconns, 1);
	CU_ASSERT_STRING_EQUAL(cfg.conns[0].name, "30627d45-37dd-4e76-9200-6183403");
	pol = &cfg.conns[0].ike;
	props(pol->ike, pol->nike, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "aes256-sha1-modp2048");
	props(pol->esp, pol->nesp, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "aes256-sha1-modp2048");
	CU_ASSERT_EQUAL(pol->ike_lifetime, lab_sec(86400));
	CU_ASSERT_EQUAL(pol->esp_lifetime, lab_sec(28800));
	CU_ASSERT_EQUAL(pol->dpd_action, IKE_DPD_RESTART);
	CU_ASSERT_EQUAL(pol->dpd_delay, lab_sec(10));
	CU_ASSERT_EQUAL(pol->dpd_timeout, lab_sec(30));
	CU_ASSERT(pol->initiator && cfg.conns[0].always_up && cfg.conns[0].enabled);
	CU_ASSERT_EQUAL(memcmp(pol->local.addr, "\x85\xa2\xc0\x0b", 4), 0);  /* the FIP */
	CU_ASSERT_EQUAL(memcmp(pol->remote.addr, "\x85\xa2\xc0\x14", 4), 0);
	CU_ASSERT_EQUAL(pol->remote_id_type, ISAKMP_ID_IPV4_ADDR);
	CU_ASSERT_EQUAL(pol->local_ts.len, 24);
	CU_ASSERT_EQUAL(pol->remote_ts.addr[1], 2);
	CU_ASSERT_EQUAL(pol->psk_len, 6);
	CU_ASSERT_FALSE(cfg.dp.hairpin);
	CU_ASSERT(cfg.dp.snat_split);

	/* an update replaces the connection; response-only is a responder */
	strcpy(in.initiator, "response-only");
	strcpy(in.peer_id, "site-b.example");
	CU_ASSERT_EQUAL_FATAL(k5_gateway_conn_set(&cfg, &in, err, sizeof err), 0);
	CU_ASSERT_EQUAL(cfg.nconns, 1);
	CU_ASSERT_FALSE(cfg.conns[0].ike.initiator);
	CU_ASSERT_EQUAL(cfg.conns[0].ike.remote_id_type, ISAKMP_ID_FQDN);
	CU_ASSERT_EQUAL(cfg.conns[0].ike.remote_id_len, strlen("site-b.example"));
	k5_field_intent(&in, "second");
	CU_ASSERT_EQUAL(k5_gateway_conn_set(&cfg, &in, err, sizeof err), 0);
	CU_ASSERT_EQUAL(cfg.nconns, 2);
	CU_ASSERT_EQUAL(k5_gateway_conn_remove(&cfg, "30627d45-37dd-4e76-9200-61834035229f"), 0);
	CU_ASSERT_EQUAL(cfg.nconns, 1);
	CU_ASSERT_STRING_EQUAL(cfg.conns[0].name, "second");
	CU_ASSERT_EQUAL(k5_gateway_conn_remove(&cfg, "nope"), -ENOENT);
	gw_config_wipe(&cfg);
}

static void test_k5_refusals(void)
{
	struct k5_conn_intent in;
	char err[160] = "";

	CU_ASSERT_EQUAL_FATAL(k5_gateway_config_init(&cfg), 0);
	k5_field_intent(&in, "a");
	strcpy(in.ike.phase1_mode, "aggressive");
	CU_ASSERT_EQUAL(k5_gateway_conn_set(&cfg, &in, err, sizeof err), -ENOTSUP);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "phase1_negotiation_mode 'aggressive'"));
	k5_field_intent(&in, "a");
	strcpy(in.peer_cidrs[1], "10.3.0.0/16");
	in.npeer = 2;
	CU_ASSERT_EQUAL(k5_gateway_conn_set(&cfg, &in, err, sizeof err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "1 local and 2 peer CIDRs: a K5 connection carries one of each");
	k5_field_intent(&in, "a");
	strcpy(in.ipsec.pfs, "group99");
	CU_ASSERT_EQUAL(k5_gateway_conn_set(&cfg, &in, err, sizeof err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "ipsecpolicy pfs 'group99' not supported");
	CU_ASSERT_EQUAL(cfg.nconns, 0);         /* refused intents leave the config alone */
	gw_config_wipe(&cfg);
}

static void test_sakura_v1_ignores_algorithms(void)
{
	char *json = unit_fixture_text("fixtures/profile/sakura-v1.json"), buf[160], err[160] = "";
	struct profile_report rep = { .n = 0 };
	struct sakura_intent in;
	const struct ike_policy *pol;

	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	CU_ASSERT_EQUAL_FATAL(sakura_gateway_intent_parse(json, 1, "203.0.113.11", &in, err,
	                                                  sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(in.encryption, "aes256");
	CU_ASSERT_EQUAL_FATAL(sakura_gateway_config(&in, &cfg, &rep, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(cfg.profile, "sakura-vpc-v1");
	CU_ASSERT_EQUAL_FATAL(cfg.nconns, 1);
	CU_ASSERT_STRING_EQUAL(cfg.conns[0].name, "peer-198.51.100.10-tunnel-vti");
	pol = &cfg.conns[0].ike;
	props(pol->ike, pol->nike, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "aes128-sha1-modp1536,aes128-sha1-modp1024");
	props(pol->esp, pol->nesp, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "aes128-sha1-modp1536,aes128-sha1-modp1024");
	CU_ASSERT_EQUAL_FATAL(rep.n, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(rep.line[0], "EncryptionAlgo aes256 / HashAlgo sha256 are "
	                              "stored but not negotiated"));
	CU_ASSERT_EQUAL(pol->ike_lifetime, lab_sec(28800));
	CU_ASSERT_EQUAL(pol->esp_lifetime, lab_sec(1800));
	CU_ASSERT_EQUAL(pol->local_id_type, ISAKMP_ID_IPV4_ADDR);
	CU_ASSERT_EQUAL(memcmp(pol->local_id, "\xcb\x00\x71\x0b", 4), 0);  /* 203.0.113.11 */
	CU_ASSERT_EQUAL(pol->remote_id_type, ISAKMP_ID_IPV4_ADDR);
	CU_ASSERT_EQUAL(memcmp(pol->remote_id, "\xac\x1e\x80\xfe", 4), 0); /* 172.30.128.254 */
	CU_ASSERT_EQUAL(pol->local_ts.len, 0);
	explicit_bzero(&in, sizeof in);
	gw_config_wipe(&cfg);
	/* version 1 has no DHGroup (seeds/002 l.182): the settings check refuses it */
	CU_ASSERT_EQUAL(sakura_gateway_intent_parse("{\"DHGroup\":\"modp2048\"}", 1, "", &in, err,
	                                            sizeof err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "DHGroup"));
	CU_ASSERT_EQUAL(sakura_gateway_intent_parse("{\"Config\": [", 1, "", &in, err,
	                                            sizeof err), -EINVAL);
	CU_ASSERT(strncmp(err, "1:", 2) == 0);
	free(json);
}

static void test_sakura_v2_builds_the_proposal(void)
{
	char *json = unit_fixture_text("fixtures/profile/sakura-v2.json"), buf[160], err[160] = "";
	struct sakura_intent in;
	const struct ike_policy *pol;

	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	CU_ASSERT_EQUAL_FATAL(sakura_gateway_intent_parse(json, 2, "203.0.113.11", &in, err,
	                                                  sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(sakura_gateway_config(&in, &cfg, NULL, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(cfg.profile, "sakura-vpc-v2");
	pol = &cfg.conns[0].ike;
	props(pol->ike, pol->nike, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "aes256-sha256-modp2048");
	props(pol->esp, pol->nesp, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "aes256-sha256-modp2048");
	CU_ASSERT_EQUAL(pol->esp_lifetime, lab_sec(180));
	CU_ASSERT_EQUAL(pol->dpd_delay, lab_sec(15));
	CU_ASSERT_EQUAL(pol->dpd_timeout, lab_sec(30));
	CU_ASSERT(pol->force_encap && pol->unique_on_initial_contact);
	CU_ASSERT_EQUAL(cfg.dp.tunnel_mtu, 1400);
	gw_config_wipe(&cfg);
	/* the stuck migration: a router with no VPN at all */
	in.stuck = true;
	CU_ASSERT_EQUAL(sakura_gateway_config(&in, &cfg, NULL, err, sizeof err), 0);
	CU_ASSERT_EQUAL(cfg.nconns, 0);
	gw_config_wipe(&cfg);
	explicit_bzero(&in, sizeof in);
	/* settings without algorithms: vpnlab's UNCONFIRMED defaults aes128 / sha1 / modp1024 */
	CU_ASSERT_EQUAL_FATAL(sakura_gateway_intent_parse("{\"Config\":[{\"Peer\":\"198.51.100.10\","
	                                                  "\"PreSharedSecret\":\"k\",\"Routes\":"
	                                                  "[\"10.0.0.0/8\"],\"LocalPrefix\":"
	                                                  "[\"192.168.21.0/24\"]}]}", 2, "", &in,
	                                                  err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(sakura_gateway_config(&in, &cfg, NULL, err, sizeof err), 0);
	props(cfg.conns[0].ike.ike, cfg.conns[0].ike.nike, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "aes128-sha1-modp1024");
	CU_ASSERT_EQUAL(cfg.conns[0].ike.esp_lifetime, lab_sec(1800));
	CU_ASSERT_EQUAL(cfg.conns[0].ike.local.family, 0);     /* no global address given */
	gw_config_wipe(&cfg);
	explicit_bzero(&in, sizeof in);
	free(json);
}

static void test_k5_policies_json(void)
{
	char *json = unit_fixture_text("fixtures/profile/k5-policies.json"), buf[128], err[160] = "";
	struct gw_conn *c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	CU_ASSERT_EQUAL_FATAL(k5_gateway_config_init(&cfg), 0);
	c = profile_conn_add(profile_find("k5-vpnaas"), &cfg, "k5", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(k5_gateway_policies_parse(json, &c->ike, err, sizeof err), 0);
	props(c->ike.ike, c->ike.nike, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "aes256-sha1-modp2048");
	props(c->ike.esp, c->ike.nesp, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "aes256-sha1-modp2048");
	CU_ASSERT_EQUAL(c->ike.ike_lifetime, lab_sec(86400));
	CU_ASSERT_EQUAL(c->ike.esp_lifetime, lab_sec(28800));
	/* neutron's defaults for what a policy leaves out */
	CU_ASSERT_EQUAL(k5_gateway_policies_parse("{\"ikepolicy\":{}}", &c->ike, err, sizeof err), 0);
	props(c->ike.ike, c->ike.nike, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "aes128-sha1-modp1536");
	CU_ASSERT_EQUAL(c->ike.ike_lifetime, lab_sec(3600));
	CU_ASSERT_EQUAL(k5_gateway_policies_parse("{\"ikepolicy\":{\"phase1_negotiation_mode\":"
	                                          "\"aggressive\"}}", &c->ike, err, sizeof err),
	                -ENOTSUP);
	CU_ASSERT_STRING_EQUAL(err, "ikepolicy phase1_negotiation_mode 'aggressive': K5 answers "
	                       "main mode only");
	CU_ASSERT_EQUAL(k5_gateway_policies_parse("{\"ikepolicy\":{\"lifetime\":{\"value\":"
	                                          "\"x\"}}}", &c->ike, err, sizeof err), -EINVAL);
	CU_ASSERT_EQUAL(k5_gateway_policies_parse("[1,", &c->ike, err, sizeof err), -EINVAL);
	CU_ASSERT(strncmp(err, "1:", 2) == 0);
	CU_ASSERT_EQUAL(k5_gateway_policies_parse("{}", &c->ike, err, sizeof err), -EINVAL);
	gw_config_wipe(&cfg);
	free(json);
}

UNIT_SUITE(profile_mocks,
           UNIT_TEST(test_k5_policies_json),
           UNIT_TEST(test_k5_field_values),
           UNIT_TEST(test_k5_refusals),
           UNIT_TEST(test_sakura_v1_ignores_algorithms),
           UNIT_TEST(test_sakura_v2_builds_the_proposal))
