/*
 * Settings.Router validation, table-driven, through PUT /appliance/{id} on a version 1 and a
 * version 2 router. Limits: notes §3.4 / §3.5 / §5 (PSK 1-40 of [A-Za-z0-9_], prefixes /8-/32,
 * algorithm value lists, flags as "True"/"False" strings), PROFILES.md / seeds/002 (no DHGroup
 * on version 1); vpnlab's own ranges where the notes say UNCONFIRMED (docs/mock-sakura.md).
 */
#include "tests/unit/unit.h"
#include "tests/unit/test_sakura_util.h"

#include <stdio.h>
#include <string.h>

/* One peer with fields that can be overridden by the row's "peer" fragment. */
#define PEER_OK "\"Peer\":\"198.51.100.10\",\"PreSharedSecret\":\"abc_123\"," \
                "\"Routes\":[\"10.0.0.0/8\"],\"LocalPrefix\":[\"192.168.21.0/24\"]"

struct row {
	int version;
	const char *s2s;                /* the SiteToSiteIPsecVPN object */
	int status;
	const char *msg;                /* part of error_msg, NULL when 200 */
};

static const struct row rows[] = {
	/* accepted */
	{ 2, "{\"Config\":[{" PEER_OK "}],\"Enabled\":\"True\"}", 200, NULL },
	{ 2, "{\"Enabled\":\"False\"}", 200, NULL },            /* TF with no peers */
	{ 2, "{\"Config\":null,\"Enabled\":\"false\"}", 200, NULL },
	{ 2, "null", 200, NULL },
	{ 2, "{\"Config\":[{" PEER_OK "}],\"IKE\":{\"Lifetime\":28801,\"DPD\":{\"Interval\":16,"
	  "\"Timeout\":31}},\"ESP\":{\"Lifetime\":1801},\"EncryptionAlgo\":\"aes256\","
	  "\"HashAlgo\":\"sha256\",\"DHGroup\":\"modp4096\",\"Enabled\":\"True\"}", 200, NULL },
	/* IAAS sends DPD {0,0} when unset: 0 means default */
	{ 2, "{\"Config\":[{" PEER_OK "}],\"IKE\":{\"Lifetime\":0,\"DPD\":{\"Interval\":0,"
	  "\"Timeout\":0}},\"Enabled\":\"True\"}", 200, NULL },
	{ 1, "{\"Config\":[{" PEER_OK "}],\"EncryptionAlgo\":\"aes256\",\"HashAlgo\":\"sha256\","
	  "\"Enabled\":\"True\"}", 200, NULL },
	{ 1, "{\"Config\":[{" PEER_OK "}],\"DHGroup\":\"\",\"Enabled\":\"True\"}", 200, NULL },
	{ 2, "{\"Config\":[{" PEER_OK ",\"RemoteID\":\"172.30.128.254\"}],\"Enabled\":\"True\"}",
	  200, NULL },
	{ 2, "{\"Config\":[{\"Peer\":\"198.51.100.10\",\"PreSharedSecret\":"
	  "\"abcdefghijabcdefghijabcdefghijabcdefghij\",\"Routes\":[\"10.0.0.0/8\",\"1.2.3.4/32\"],"
	  "\"LocalPrefix\":[\"192.168.21.0/24\"]}],\"Enabled\":\"True\"}", 200, NULL },
	/* flags */
	{ 2, "{\"Enabled\":true}", 400, "SiteToSiteIPsecVPN.Enabled: got a JSON boolean" },
	{ 2, "{\"Enabled\":\"yes\"}", 400, "expected the string \"True\" or \"False\", got yes" },
	/* PSK */
	{ 2, "{\"Config\":[{\"Peer\":\"198.51.100.10\",\"PreSharedSecret\":"
	  "\"abcdefghijabcdefghijabcdefghijabcdefghijX\",\"Routes\":[\"10.0.0.0/8\"],"
	  "\"LocalPrefix\":[\"192.168.21.0/24\"]}]}", 400,
	  "Config[0].PreSharedSecret: 41 characters, the VPC router allows 1 to 40" },
	{ 2, "{\"Config\":[{\"Peer\":\"198.51.100.10\",\"PreSharedSecret\":\"THIS-IS-SECRET-KEY\","
	  "\"Routes\":[\"10.0.0.0/8\"],\"LocalPrefix\":[\"192.168.21.0/24\"]}]}", 400,
	  "character 5 is not allowed" },
	{ 2, "{\"Config\":[{\"Peer\":\"198.51.100.10\",\"PreSharedSecret\":\"\","
	  "\"Routes\":[\"10.0.0.0/8\"],\"LocalPrefix\":[\"192.168.21.0/24\"]}]}", 400,
	  "0 characters" },
	{ 2, "{\"Config\":[{\"Peer\":\"198.51.100.10\",\"Routes\":[\"10.0.0.0/8\"],"
	  "\"LocalPrefix\":[\"192.168.21.0/24\"]}]}", 400, "PreSharedSecret: expected a string" },
	/* prefixes */
	{ 2, "{\"Config\":[{\"Peer\":\"198.51.100.10\",\"PreSharedSecret\":\"k\","
	  "\"Routes\":[\"10.0.0.0/7\"],\"LocalPrefix\":[\"192.168.21.0/24\"]}]}", 400,
	  "Config[0].Routes[0]: '10.0.0.0/7': prefix length /7, the VPC router allows /8 to /32" },
	{ 2, "{\"Config\":[{\"Peer\":\"198.51.100.10\",\"PreSharedSecret\":\"k\","
	  "\"Routes\":[\"10.0.0.0/8\"],\"LocalPrefix\":[\"192.168.21.0/33\"]}]}", 400,
	  "LocalPrefix[0]: '192.168.21.0/33': prefix length /33" },
	{ 2, "{\"Config\":[{\"Peer\":\"198.51.100.10\",\"PreSharedSecret\":\"k\","
	  "\"Routes\":[\"10.0.0.0\"],\"LocalPrefix\":[\"192.168.21.0/24\"]}]}", 400,
	  "is not a prefix" },
	{ 2, "{\"Config\":[{\"Peer\":\"198.51.100.10\",\"PreSharedSecret\":\"k\","
	  "\"Routes\":[\"300.0.0.0/8\"],\"LocalPrefix\":[\"192.168.21.0/24\"]}]}", 400,
	  "bad IPv4 address" },
	{ 2, "{\"Config\":[{\"Peer\":\"198.51.100.10\",\"PreSharedSecret\":\"k\","
	  "\"Routes\":[],\"LocalPrefix\":[\"192.168.21.0/24\"]}]}", 400,
	  "Routes: at least one prefix" },
	{ 2, "{\"Config\":[{\"Peer\":\"198.51.100.10\",\"PreSharedSecret\":\"k\","
	  "\"Routes\":\"10.0.0.0/8\",\"LocalPrefix\":[\"192.168.21.0/24\"]}]}", 400,
	  "Routes: expected an array" },
	{ 2, "{\"Config\":[{\"Peer\":\"198.51.100.10\",\"PreSharedSecret\":\"k\","
	  "\"Routes\":[10],\"LocalPrefix\":[\"192.168.21.0/24\"]}]}", 400,
	  "Routes[0]: expected a string" },
	/* peers */
	{ 2, "{\"Config\":[{\"Peer\":\"198.51.100\",\"PreSharedSecret\":\"k\","
	  "\"Routes\":[\"10.0.0.0/8\"],\"LocalPrefix\":[\"192.168.21.0/24\"]}]}", 400,
	  "Config[0].Peer: '198.51.100' is not an IPv4 address" },
	{ 2, "{\"Config\":[{" PEER_OK "},{" PEER_OK "}]}", 400,
	  "Config[1].Peer: 198.51.100.10 is already Config[0]" },
	{ 2, "{\"Config\":[{" PEER_OK ",\"RemoteID\":\"a b\"}]}", 400, "RemoteID: only printable" },
	{ 2, "{\"Config\":{}}", 400, "Config: expected an array" },
	{ 2, "{\"Config\":[7]}", 400, "Config[0]: expected an object" },
	/* algorithms */
	{ 2, "{\"EncryptionAlgo\":\"3des\"}", 400,
	  "EncryptionAlgo: '3des' is not one of aes128, aes256" },
	{ 2, "{\"HashAlgo\":\"md5\"}", 400, "HashAlgo: 'md5' is not one of sha1, sha256" },
	/* group 5 is not in the API's list (notes §5) */
	{ 2, "{\"DHGroup\":\"modp1536\"}", 400,
	  "DHGroup: 'modp1536' is not one of modp1024, modp2048, modp3072, modp4096" },
	{ 2, "{\"DHGroup\":14}", 400, "DHGroup: expected a string" },
	{ 1, "{\"DHGroup\":\"modp2048\"}", 400,
	  "DHGroup: not available on a version 1 VPC router" },
	/* lifetimes and DPD */
	{ 2, "{\"IKE\":{\"Lifetime\":\"28800\"}}", 400,
	  "IKE.Lifetime: expected an integer (seconds), got a string" },
	{ 2, "{\"IKE\":{\"Lifetime\":59}}", 400, "IKE.Lifetime: 59 s" },
	{ 2, "{\"IKE\":{\"Lifetime\":28800.5}}", 400, "got a number with a fraction" },
	{ 2, "{\"ESP\":{\"Lifetime\":86401}}", 400, "ESP.Lifetime: 86401 s" },
	{ 2, "{\"IKE\":{\"DPD\":{\"Interval\":-1}}}", 400, "IKE.DPD.Interval" },
	{ 2, "{\"IKE\":{\"DPD\":[]}}", 400, "IKE.DPD: expected an object" },
	{ 2, "{\"IKE\":3}", 400, "IKE: expected an object" },
	{ 2, "[]", 400, "SiteToSiteIPsecVPN: expected an object, got an array" },
};

static void put_s2s(struct sk_env *e, uint64_t id, const char *s2s, struct sk_resp *r)
{
	char body[2048];

	snprintf(body, sizeof body, "{\"Appliance\":{\"Settings\":{\"Router\":{"
	         "\"InternetConnection\":{\"Enabled\":\"True\"},\"SiteToSiteIPsecVPN\":%s}}}}", s2s);
	sk_call(e, "PUT", sk_path(id, ""), body, r);
}

static void test_s2s_table(void)
{
	struct sk_env e;
	uint64_t v1, v2;

	sk_env_init(&e);
	sk_env_start(&e);
	v1 = sk_create(&e, 1, NULL);
	v2 = sk_create(&e, 2, NULL);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct sk_resp r;

		put_s2s(&e, rows[i].version == 1 ? v1 : v2, rows[i].s2s, &r);
		if (r.status != rows[i].status ||
		    (rows[i].msg && !strstr(sk_str(r.json, "error_msg"), rows[i].msg)))
			fprintf(stderr, "row %zu: %d %s\n", i, r.status, r.body);
		CU_ASSERT_EQUAL(r.status, rows[i].status);
		if (rows[i].msg) {
			CU_ASSERT_STRING_EQUAL(sk_str(r.json, "error_code"), "bad_request");
			CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(r.json, "error_msg"), rows[i].msg));
			/* every message names the JSON path */
			CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(r.json, "error_msg"),
			                              "Settings.Router.SiteToSiteIPsecVPN"));
		}
		sk_resp_free(&r);
	}
	sk_env_fini(&e);
}

static void test_peer_limit(void)
{
	struct sk_env e;
	struct sk_resp r;
	char s2s[8192] = "{\"Config\":[";
	uint64_t id;

	for (int i = 0; i <= SAKURA_MAX_PEERS; i++) {
		char p[256];

		snprintf(p, sizeof p, "%s{\"Peer\":\"198.51.100.%d\",\"PreSharedSecret\":\"k\","
		         "\"Routes\":[\"10.%d.0.0/16\"],\"LocalPrefix\":[\"192.168.21.0/24\"]}",
		         i ? "," : "", i + 1, i);
		strcat(s2s, p);
	}
	strcat(s2s, "]}");
	sk_env_init(&e);
	sk_env_start(&e);
	id = sk_create(&e, 2, NULL);
	put_s2s(&e, id, s2s, &r);
	CU_ASSERT_EQUAL(r.status, 400);
	CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(r.json, "error_msg"), "17 peers, vpnlab allows 16"));
	sk_resp_free(&r);
	sk_env_fini(&e);
}

static void test_other_router_settings(void)
{
	static const struct {
		int version;
		const char *router;
		int status;
		const char *msg;
	} t[] = {
		{ 2, "{\"WireGuardServer\":{\"Config\":{\"IPAddress\":\"192.168.31.1/24\","
		  "\"Peers\":[]},\"Enabled\":\"True\"}}", 200, NULL },
		/* WireGuard is version 2 only (TF #828) */
		{ 1, "{\"WireGuardServer\":{\"Config\":{\"IPAddress\":\"192.168.31.1/24\","
		  "\"Peers\":[]},\"Enabled\":\"True\"}}", 400, "WireGuardServer: not available" },
		{ 2, "{\"Firewall\":{\"Config\":[],\"Enabled\":true}}", 400,
		  "Settings.Router.Firewall.Enabled: got a JSON boolean" },
		{ 2, "{\"VRID\":\"1\"}", 400, "Settings.Router.VRID" },
		{ 2, "{\"VRID\":1}", 200, NULL },
		{ 2, "{\"SyslogHost\":5}", 400, "SyslogHost" },
		{ 2, "{\"Interfaces\":{}}", 400, "Settings.Router.Interfaces" },
		{ 2, "[]", 400, "Settings.Router: expected an object" },
	};
	struct sk_env e;
	uint64_t v1, v2;

	sk_env_init(&e);
	sk_env_start(&e);
	v1 = sk_create(&e, 1, NULL);
	v2 = sk_create(&e, 2, NULL);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct sk_resp r;
		char body[1024];

		snprintf(body, sizeof body, "{\"Appliance\":{\"Settings\":{\"Router\":%s}}}",
		         t[i].router);
		sk_call(&e, "PUT", sk_path(t[i].version == 1 ? v1 : v2, ""), body, &r);
		CU_ASSERT_EQUAL(r.status, t[i].status);
		if (t[i].msg)
			CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(r.json, "error_msg"), t[i].msg));
		sk_resp_free(&r);
	}
	sk_env_fini(&e);
}

/* Version 1: no DH group in the intent; the v1 firmware set is the gateway's (PROFILES.md). */
static void test_v1_intent(void)
{
	struct sk_env e;
	struct sk_resp r;
	uint64_t id;

	sk_env_init(&e);
	sk_env_start(&e);
	id = sk_create(&e, 1, "{\"Router\":{\"SiteToSiteIPsecVPN\":{\"Config\":[{" PEER_OK "}],"
	               "\"EncryptionAlgo\":\"aes256\",\"HashAlgo\":\"sha256\","
	               "\"Enabled\":\"True\"}}}");
	sk_boot(&e, id);
	CU_ASSERT_EQUAL(e.last.version, 1);
	CU_ASSERT_STRING_EQUAL(e.last.dh_group, "");
	CU_ASSERT_EQUAL(e.last.dh_group_num, 0);
	CU_ASSERT_STRING_EQUAL(e.last.encryption, "aes256");        /* stored, as sent */
	sk_call(&e, "GET", sk_path(id, "/download/log/VPNLogs"), NULL, &r);
	CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(r.json, "Log"), "version 1 firmware set"));
	sk_resp_free(&r);
	sk_env_fini(&e);
}

/* Enabled as sent; missing, it is what clients send: "True" iff there are peers. */
static void test_enabled_flag(void)
{
	static const struct {
		const char *enabled;    /* the "Enabled" member, or "" for none */
		bool want;
	} t[] = {
		{ ",\"Enabled\":\"True\"", true },
		{ ",\"Enabled\":\"false\"", false },
		{ "", true },
	};
	struct sk_env e;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char settings[1024];
		struct sk_resp r;
		uint64_t id;

		snprintf(settings, sizeof settings, "{\"Router\":{\"SiteToSiteIPsecVPN\":"
		         "{\"Config\":[{" PEER_OK "}]%s}}}", t[i].enabled);
		sk_env_init(&e);
		sk_env_start(&e);
		id = sk_create(&e, 2, settings);
		sk_boot(&e, id);
		CU_ASSERT_EQUAL(e.last.enabled, t[i].want);
		CU_ASSERT_EQUAL(e.last.npeers, 1);
		sk_call(&e, "GET", sk_path(id, "/status"), NULL, &r);
		/* a disabled VPN reports no peers */
		CU_ASSERT_EQUAL(sk_get(r.json, "Router.SiteToSiteIPsecVPNPeers") != NULL, t[i].want);
		sk_resp_free(&r);
		sk_call(&e, "GET", sk_path(id, "/download/log/VPNLogs"), NULL, &r);
		CU_ASSERT_EQUAL(strstr(sk_str(r.json, "Log"), "VPN disabled") == NULL, t[i].want);
		sk_resp_free(&r);
		sk_env_fini(&e);
	}
}

UNIT_SUITE(sakura_settings,
	UNIT_TEST(test_enabled_flag),
	UNIT_TEST(test_s2s_table),
	UNIT_TEST(test_peer_limit),
	UNIT_TEST(test_other_router_settings),
	UNIT_TEST(test_v1_intent))
