/*
 * The field note's F220 configs (tests/fixtures/fitelnet/, from shared/seeds/002) as gateway
 * configs of the fitelnet-f220 profile: v1.conf alone is the peer that linked with the VPC
 * router v1; v1.conf then v2-changes.conf the one that linked with v2 (charon's log:
 * AES_CBC_256/HMAC_SHA2_256_128/MODP_2048, ESP lifetime cut to 180 s).
 */
#include "tests/unit/unit.h"
#include "peers/profile/profile_fitelnet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static struct gw_config cfg;
static struct fitelnet_diags diags;

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

static int load(size_t n)
{
	char *t[2] = { unit_fixture_text("fixtures/fitelnet/v1.conf"),
	               unit_fixture_text("fixtures/fitelnet/v2-changes.conf") };
	const char *names[2] = { "v1.conf", "v2-changes.conf" };
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t[0]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t[1]);
	fitelnet_diags_init(&diags);
	rc = profile_fitelnet_configs((const char *const *)t, names, n, NULL, &cfg, &diags);
	free(t[0]);
	free(t[1]);
	return rc;
}

static void test_v1_config(void)
{
	const struct ike_policy *pol;
	char buf[256];

	CU_ASSERT_EQUAL_FATAL(load(1), 0);
	CU_ASSERT_EQUAL(diags.errors, 0);
	CU_ASSERT_STRING_EQUAL(cfg.profile, "fitelnet-f220");
	CU_ASSERT_EQUAL_FATAL(cfg.nconns, 1);
	CU_ASSERT_STRING_EQUAL(cfg.conns[0].name, "sakuratokyo");
	pol = &cfg.conns[0].ike;
	/* `encryption aes` offers 256 then 128; group 5; sha */
	props(pol->ike, pol->nike, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "aes256-sha1-modp1536,aes128-sha1-modp1536");
	props(pol->esp, pol->nesp, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "aes256-sha1-modp1536,aes128-sha1-modp1536");
	CU_ASSERT_EQUAL(pol->ike_lifetime, lab_sec(28800));
	CU_ASSERT_EQUAL(pol->esp_lifetime, lab_sec(1800));
	CU_ASSERT_EQUAL(pol->esp_lifebytes, 0);
	CU_ASSERT_EQUAL(pol->remote.family, AF_INET);
	CU_ASSERT_EQUAL(memcmp(pol->remote.addr, "\x1b\x85\x84\x86", 4), 0); /* 27.133.132.134 */
	CU_ASSERT_EQUAL(pol->remote.port, 500);
	CU_ASSERT_EQUAL(memcmp(pol->local.addr, "\xac\x1e\x80\xfe", 4), 0);  /* 172.30.128.254 */
	CU_ASSERT_EQUAL(pol->local_id_type, ISAKMP_ID_IPV4_ADDR);
	CU_ASSERT_EQUAL(pol->local_id_len, 4);
	CU_ASSERT_EQUAL(memcmp(pol->local_id, "\xac\x1e\x80\xfe", 4), 0);
	CU_ASSERT_EQUAL(pol->remote_id_type, 0);
	CU_ASSERT_EQUAL(pol->psk_len, strlen("THIS-IS-SECRET-KEY"));
	CU_ASSERT_EQUAL(memcmp(pol->psk, "THIS-IS-SECRET-KEY", pol->psk_len), 0);
	CU_ASSERT_EQUAL(pol->dpd, IKE_DPD_ALWAYS);
	CU_ASSERT_EQUAL(pol->dpd_delay, lab_sec(15));
	CU_ASSERT(cfg.conns[0].always_up);
	CU_ASSERT(pol->initiator);
	CU_ASSERT_EQUAL(cfg.dp.df, ESP_DF_CLEAR);
	CU_ASSERT_EQUAL(cfg.dp.frag, GW_FRAG_POST);
	CU_ASSERT_EQUAL(pol->local_ts.family, AF_INET);
	CU_ASSERT_EQUAL(pol->local_ts.len, 0);
	CU_ASSERT_EQUAL(pol->remote_ts.len, 0);
	/* what the profile adds: the MM1 of seeds/002 l.211 carries the DPD VID only */
	CU_ASSERT(pol->send_dpd_vid);
	CU_ASSERT_FALSE(pol->send_natt_vid);
	CU_ASSERT(pol->initial_contact);
	gw_config_wipe(&cfg);
}

static void test_v2_changes(void)
{
	const struct ike_policy *pol;
	char buf[256];

	CU_ASSERT_EQUAL_FATAL(load(2), 0);
	CU_ASSERT_EQUAL_FATAL(cfg.nconns, 1);
	pol = &cfg.conns[0].ike;
	props(pol->ike, pol->nike, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "aes256-sha256-modp2048,aes128-sha256-modp2048");
	props(pol->esp, pol->nesp, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "aes256-sha256-modp2048,aes128-sha256-modp2048");
	CU_ASSERT_EQUAL(pol->esp[0].group, 14);                 /* set pfs group14 */
	CU_ASSERT_EQUAL(pol->esp_lifetime, lab_sec(180));
	CU_ASSERT_EQUAL(pol->ike_lifetime, lab_sec(28800));
	/* untouched by the changes */
	CU_ASSERT_EQUAL(pol->dpd_delay, lab_sec(15));
	CU_ASSERT_EQUAL(cfg.dp.frag, GW_FRAG_POST);
	gw_config_wipe(&cfg);
}

static void test_errors_name_the_line(void)
{
	const char *bad = "crypto isakmp policy p\n encryption aes\n group 5\n hash md5\nexit\n";
	const char *sel =
		"crypto ipsec policy e\n set security-association transform esp-aes esp-sha-hmac\nexit\n"
		"crypto ipsec selector s\n src 1 ipv4 10.1.0.0/16\n dst 1 ipv4 10.2.0.0/16\n"
		" dst 2 ipv4 10.3.0.0/16\nexit\n"
		"crypto isakmp policy p\n authentication pre-share\n encryption aes\n group 5\n"
		" hash sha\n lifetime 3600\nexit\n"
		"crypto isakmp profile f\n set isakmp-policy p\n set ipsec-policy e\n"
		" set peer 192.0.2.2\n local-key k\nexit\n"
		"crypto map m ipsec-isakmp\n match address s\n set isakmp-profile f\nexit\n";

	fitelnet_diags_init(&diags);
	CU_ASSERT_EQUAL(profile_fitelnet_config(bad, "bad.conf", &cfg, &diags), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(diags.n >= 1, 1);
	CU_ASSERT(strncmp(diags.d[0].text, "bad.conf:4:", 11) == 0);
	fitelnet_diags_init(&diags);
	CU_ASSERT_EQUAL(profile_fitelnet_config(sel, "sel.conf", &cfg, &diags), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(diags.errors, 1);
	for (size_t i = 0; i < diags.n; i++)
		if (diags.d[i].severity == FITELNET_ERROR)
			CU_ASSERT_STRING_EQUAL(diags.d[i].text, "sel.conf:22:12: crypto map m: selector "
			                       "s has 1 src and 2 dst entries: vpnlab's IKE policy "
			                       "carries one traffic selector per side");
	CU_ASSERT_EQUAL(cfg.nconns, 0);         /* wiped on error */
}

UNIT_SUITE(profile_fitelnet,
           UNIT_TEST(test_v1_config),
           UNIT_TEST(test_v2_changes),
           UNIT_TEST(test_errors_name_the_line))
