/*
 * The Sakura mock's API through its handler: auth, routing, envelopes, error shape, the
 * lifecycle on the lab clock, find, update with SettingsHash, actions, and the full client
 * sequence of shared/design/research/sakura-cloud-vpc-router-api.md §2.4.
 */
#include "tests/unit/unit.h"
#include "tests/unit/test_sakura_util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static bool is_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* {is_fatal, serial, status, error_code, error_msg} (notes §1.5) */
static void assert_error(const struct sk_resp *r, int status, const char *status_text,
                         const char *code, const char *msg_part)
{
	CU_ASSERT_EQUAL(r->status, status);
	CU_ASSERT(json_is_true(json_object_get(r->json, "is_fatal")));
	CU_ASSERT(is_hex(sk_str(r->json, "serial"), 32));
	CU_ASSERT_STRING_EQUAL(sk_str(r->json, "status"), status_text);
	CU_ASSERT_STRING_EQUAL(sk_str(r->json, "error_code"), code);
	CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(r->json, "error_msg"), msg_part));
	CU_ASSERT_EQUAL(json_object_size(r->json), 5);
}

static void test_auth(void)
{
	struct sk_env e;
	struct sk_resp r;

	sk_env_init(&e);
	sk_env_start(&e);
	CU_ASSERT_EQUAL(sk_req(&e, "GET", SK_API "/appliance", NULL, NULL, "", true, &r), 401);
	assert_error(&r, 401, "401 Unauthorized", "unauthorized", "Basic");
	CU_ASSERT_STRING_EQUAL(r.www_auth, "Basic realm=\"sakura\"");
	sk_resp_free(&r);
	/* right token, wrong secret */
	sk_req(&e, "GET", SK_API "/appliance", NULL, NULL, "Basic dnBubGFiLXRva2VuOndyb25n",
	       true, &r);
	CU_ASSERT_EQUAL(r.status, 401);
	sk_resp_free(&r);
	sk_req(&e, "GET", SK_API "/appliance", NULL, NULL, "Basic !!!notbase64", true, &r);
	CU_ASSERT_EQUAL(r.status, 401);
	sk_resp_free(&r);
	sk_req(&e, "GET", SK_API "/appliance", NULL, NULL, "Digest x", true, &r);
	CU_ASSERT_EQUAL(r.status, 401);
	sk_resp_free(&r);
	/* lower-case scheme, no padding: still Basic (RFC 7617 scheme is case-insensitive) */
	sk_req(&e, "GET", SK_API "/appliance", NULL, NULL,
	       "basic dnBubGFiLXRva2VuOnZwbmxhYi1zZWNyZXQ", true, &r);
	CU_ASSERT_EQUAL(r.status, 200);
	sk_resp_free(&r);
	/* the vpnlab endpoints need the same credentials */
	sk_req(&e, "POST", SK_VL "/appliance/100000000000/migrate", NULL, NULL, "", true, &r);
	CU_ASSERT_EQUAL(r.status, 401);
	sk_resp_free(&r);
	sk_env_fini(&e);
}

static void test_routing(void)
{
	static const struct {
		const char *method, *path;
		int status;
		const char *code;
	} rows[] = {
		{ "GET", "/", 404, "not_found" },
		{ "GET", "/cloud/zone/is1a", 404, "not_found" },
		{ "GET", "/cloud/zone/xx9z/api/cloud/1.1/appliance", 404, "not_found" },
		{ "GET", "/cloud/zone/is1a/api/cloud/0.9/appliance", 404, "not_found" },
		{ "GET", "/cloud/zone/is1a/api/cloud/1.0/appliance", 200, NULL },
		{ "GET", SK_API "/server", 404, "not_found" },
		{ "GET", SK_API "/appliance/123456789012", 404, "not_found" },
		{ "GET", SK_API "/appliance/12ab", 404, "not_found" },
		{ "PATCH", SK_API "/appliance", 405, "method_not_allowed" },
		{ "GET", SK_API "/appliance/a/b/c/d/e/f/g/h/i", 404, "not_found" },
		{ "GET", SK_API "/appliance", 200, NULL },
		{ "GET", "/cloud/zone/tk1v/api/cloud/1.1/appliance", 200, NULL },
		{ "GET", "/cloud/zone/is1a/api/cloud/1.1/appliance/", 200, NULL },
	};
	struct sk_env e;

	sk_env_init(&e);
	sk_env_start(&e);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct sk_resp r;

		sk_call(&e, rows[i].method, rows[i].path, NULL, &r);
		if (r.status != rows[i].status)
			fprintf(stderr, "row %zu: %s %s -> %d\n", i, rows[i].method, rows[i].path,
			        r.status);
		CU_ASSERT_EQUAL(r.status, rows[i].status);
		if (rows[i].code)
			CU_ASSERT_STRING_EQUAL(sk_str(r.json, "error_code"), rows[i].code);
		sk_resp_free(&r);
	}
	sk_env_fini(&e);
}

static void test_create_envelope(void)
{
	struct sk_env e;
	struct sk_resp r;
	json_t *a;
	json_int_t id;

	sk_env_init(&e);
	sk_env_start(&e);
	CU_ASSERT_EQUAL(sk_call(&e, "POST", SK_API "/appliance",
	                        "{\"Appliance\":{\"Class\":\"vpcrouter\",\"Name\":\"vr1\","
	                        "\"Description\":\"\",\"Tags\":[\"t1\"],\"Plan\":{\"ID\":1},"
	                        "\"Remark\":{\"Switch\":{\"Scope\":\"shared\"},\"Servers\":[{}],"
	                        "\"Router\":{\"VPCRouterVersion\":2}},\"Settings\":{\"Router\":"
	                        "{\"InternetConnection\":{\"Enabled\":\"True\"}}}}}", &r), 202);
	CU_ASSERT(json_is_true(json_object_get(r.json, "is_ok")));
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "Success"), "Accepted");
	a = json_object_get(r.json, "Appliance");
	id = json_integer_value(json_object_get(a, "ID"));
	CU_ASSERT(id >= 100000000000LL && id <= 999999999999LL);        /* 12 digits */
	CU_ASSERT_STRING_EQUAL(sk_str(a, "Class"), "vpcrouter");
	CU_ASSERT_STRING_EQUAL(sk_str(a, "Name"), "vr1");
	CU_ASSERT_STRING_EQUAL(sk_str(a, "Tags.0"), "t1");
	CU_ASSERT_STRING_EQUAL(sk_str(a, "Availability"), "migrating");
	CU_ASSERT_STRING_EQUAL(sk_str(a, "Instance.Status"), "down");
	CU_ASSERT_STRING_EQUAL(sk_str(a, "Instance.StatusChangedAt"), "2025-01-01T00:00:00+09:00");
	CU_ASSERT_STRING_EQUAL(sk_str(a, "CreatedAt"), "2025-01-01T00:00:00+09:00");
	CU_ASSERT_EQUAL(json_integer_value(sk_get(a, "Remark.Router.VPCRouterVersion")), 2);
	CU_ASSERT_EQUAL(json_integer_value(sk_get(a, "Remark.Zone.ID")), 31001);
	CU_ASSERT_EQUAL(json_integer_value(sk_get(a, "Remark.Plan.ID")), 1);
	CU_ASSERT_EQUAL(json_integer_value(sk_get(a, "Plan.ID")), 1);
	CU_ASSERT_STRING_EQUAL(sk_str(a, "Remark.Switch.Scope"), "shared");
	CU_ASSERT_STRING_EQUAL(sk_str(a, "ServiceClass"), "cloud/appliance/vpc/1");
	CU_ASSERT(is_hex(sk_str(a, "SettingsHash"), 32));
	CU_ASSERT_STRING_EQUAL(sk_str(a, "Settings.Router.InternetConnection.Enabled"), "True");
	/* slot 0 on the shared segment, eight slots (notes §3.1, §3.2) */
	CU_ASSERT_EQUAL(json_array_size(json_object_get(a, "Interfaces")), 8);
	CU_ASSERT_STRING_EQUAL(sk_str(a, "Interfaces.0.IPAddress"), "203.0.113.11");
	CU_ASSERT_EQUAL(json_integer_value(sk_get(a, "Interfaces.0.Switch.Subnet.NetworkMaskLen")),
	                24);
	CU_ASSERT_STRING_EQUAL(sk_str(a, "Interfaces.0.Switch.Subnet.DefaultRoute"),
	                       "203.0.113.1");
	CU_ASSERT(json_is_null(sk_get(a, "Interfaces.1")));
	sk_resp_free(&r);
	/* the next router gets the next address */
	sk_call(&e, "POST", SK_API "/appliance", "{\"Appliance\":{\"Class\":\"vpcrouter\","
	        "\"Plan\":{\"ID\":1}}}", &r);
	CU_ASSERT_EQUAL(r.status, 202);
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "Appliance.Interfaces.0.IPAddress"),
	                       "203.0.113.12");
	/* version defaults to 2 (notes §2.3) */
	CU_ASSERT_EQUAL(json_integer_value(sk_get(r.json,
	                "Appliance.Remark.Router.VPCRouterVersion")), 2);
	sk_resp_free(&r);
	sk_env_fini(&e);
}

static void test_ids_as_strings_without_bigint_header(void)
{
	struct sk_env e;
	struct sk_resp r;
	uint64_t id;
	char want[24];

	sk_env_init(&e);
	sk_env_start(&e);
	id = sk_create(&e, 2, NULL);
	sk_req(&e, "GET", sk_path(id, ""), NULL, NULL, NULL, false, &r);
	snprintf(want, sizeof want, "%llu", (unsigned long long)id);
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "Appliance.ID"), want);
	CU_ASSERT(json_is_string(sk_get(r.json, "Appliance.Interfaces.0.Switch.ID")));
	CU_ASSERT(json_is_integer(sk_get(r.json, "Appliance.Plan.ID")));
	CU_ASSERT(json_is_integer(sk_get(r.json, "Appliance.Remark.Zone.ID")));
	sk_resp_free(&r);
	sk_req(&e, "GET", sk_path(id, ""), NULL, NULL, NULL, true, &r);
	CU_ASSERT(json_is_integer(sk_get(r.json, "Appliance.ID")));
	CU_ASSERT(json_is_integer(sk_get(r.json, "Appliance.Interfaces.0.Switch.ID")));
	sk_resp_free(&r);
	sk_env_fini(&e);
}

static const char *status_of(struct sk_env *e, uint64_t id, const char *field)
{
	static char buf[32];
	struct sk_resp r;

	sk_call(e, "GET", sk_path(id, ""), NULL, &r);
	snprintf(buf, sizeof buf, "%s", sk_str(r.json, field));
	sk_resp_free(&r);
	return buf;
}

/* Availability and Instance.Status on the lab clock (notes §2.4, §6, §7.3). */
static void test_lifecycle(void)
{
	struct sk_env e;
	struct sk_resp r;
	json_t *created;
	char path[128];
	uint64_t id;

	sk_env_init(&e);
	sk_env_start(&e);
	sk_call(&e, "POST", SK_API "/appliance", "{\"Appliance\":{\"Class\":\"vpcrouter\","
	        "\"Plan\":{\"ID\":1}}}", &r);
	created = json_incref(r.json);
	id = (uint64_t)json_integer_value(sk_get(created, "Appliance.ID"));
	sk_resp_free(&r);
	snprintf(path, sizeof path, "%s", sk_path(id, "/power"));
	CU_ASSERT_EQUAL(sakura_mock_next_deadline(e.m), lab_sec(2));
	sk_advance(&e, lab_sec(1));
	CU_ASSERT_STRING_EQUAL(status_of(&e, id, "Appliance.Availability"), "migrating");
	/* an early boot: 409 still_creating, which the power helper retries */
	sk_call(&e, "PUT", path, NULL, &r);
	assert_error(&r, 409, "409 Conflict", "still_creating", "still being created");
	sk_resp_free(&r);
	/* everything else that changes it waits too */
	sk_call(&e, "PUT", sk_path(id, "/config"), NULL, &r);
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "error_code"), "still_creating");
	sk_resp_free(&r);
	sk_advance(&e, lab_sec(1));
	CU_ASSERT_STRING_EQUAL(status_of(&e, id, "Appliance.Availability"), "available");
	CU_ASSERT_STRING_EQUAL(status_of(&e, id, "Appliance.Instance.Status"), "down");
	CU_ASSERT_EQUAL(sakura_mock_next_deadline(e.m), LAB_NEVER);
	/* shutdown of a router that is down: 409 */
	CU_ASSERT_EQUAL(sk_call(&e, "DELETE", path, "{\"Force\":true}", &r), 409);
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "error_code"), "conflict");
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", path, NULL, &r), 200);
	CU_ASSERT(json_is_true(json_object_get(r.json, "is_ok")));
	CU_ASSERT_EQUAL(json_object_size(r.json), 1);
	sk_resp_free(&r);
	/* boot in progress shows "down" (notes §6), and a second PUT answers 409 */
	CU_ASSERT_STRING_EQUAL(status_of(&e, id, "Appliance.Instance.Status"), "down");
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", path, NULL, &r), 409);
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(e.napplied, 0);
	sk_advance(&e, lab_ms(1999));
	CU_ASSERT_STRING_EQUAL(status_of(&e, id, "Appliance.Instance.Status"), "down");
	sk_advance(&e, lab_ms(1));
	CU_ASSERT_STRING_EQUAL(status_of(&e, id, "Appliance.Instance.Status"), "up");
	CU_ASSERT_STRING_EQUAL(status_of(&e, id, "Appliance.Instance.StatusChangedAt"),
	                       "2025-01-01T00:00:04+09:00");
	CU_ASSERT_EQUAL(strncmp(status_of(&e, id, "Appliance.Instance.Host.Name"), "sac-is1a-sv",
	                        11), 0);
	CU_ASSERT_EQUAL(e.napplied, 1);
	CU_ASSERT_EQUAL(e.last_why, SAKURA_APPLY_BOOT);
	/* delete while up is refused (vpnlab's choice: clients stop it first) */
	CU_ASSERT_EQUAL(sk_call(&e, "DELETE", sk_path(id, ""), NULL, &r), 409);
	sk_resp_free(&r);
	/* graceful stop: cleaning for stop_delay */
	CU_ASSERT_EQUAL(sk_call(&e, "DELETE", path, "{}", &r), 200);
	sk_resp_free(&r);
	CU_ASSERT_STRING_EQUAL(status_of(&e, id, "Appliance.Instance.Status"), "cleaning");
	sk_advance(&e, lab_sec(2));
	CU_ASSERT_STRING_EQUAL(status_of(&e, id, "Appliance.Instance.Status"), "down");
	/* charon stopped at the request, the power went at the end */
	CU_ASSERT_EQUAL(e.nstopping, 1);
	CU_ASSERT_EQUAL(e.npoweroff, 1);
	/* forced stop: a power cut at once (no stopping), and shorter */
	sk_boot(&e, id);
	CU_ASSERT_EQUAL(sk_call(&e, "DELETE", path, "{\"Force\":true}", &r), 200);
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(e.nstopping, 1);
	CU_ASSERT_EQUAL(e.npoweroff, 2);
	CU_ASSERT_STRING_EQUAL(status_of(&e, id, "Appliance.Instance.Status"), "cleaning");
	sk_advance(&e, lab_ms(500));
	CU_ASSERT_STRING_EQUAL(status_of(&e, id, "Appliance.Instance.Status"), "down");
	CU_ASSERT_EQUAL(e.nstopping, 1);
	/* the boot after a cut is an ordinary boot */
	sk_boot(&e, id);
	CU_ASSERT_EQUAL(e.last_why, SAKURA_APPLY_BOOT);
	CU_ASSERT_EQUAL(sk_call(&e, "DELETE", path, "{\"Force\":true}", &r), 200);
	sk_resp_free(&r);
	sk_advance(&e, lab_ms(500));
	/* Force must be a JSON bool (IAAS sends one) */
	CU_ASSERT_EQUAL(sk_call(&e, "DELETE", path, "{\"Force\":\"True\"}", &r), 400);
	sk_resp_free(&r);
	/* delete: 200 with the Appliance envelope, then 404 */
	CU_ASSERT_EQUAL(sk_call(&e, "DELETE", sk_path(id, ""), NULL, &r), 200);
	CU_ASSERT_EQUAL(json_integer_value(sk_get(r.json, "Appliance.ID")), (json_int_t)id);
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(sk_call(&e, "GET", sk_path(id, ""), NULL, &r), 404);
	assert_error(&r, 404, "404 Not Found", "not_found", "not found");
	sk_resp_free(&r);
	/* transitions were logged old -> new */
	CU_ASSERT_PTR_NOT_NULL(strstr(e.translog, "availability migrating -> available"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.translog, "power booting -> up"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.translog, "power cleaning -> down"));
	json_decref(created);
	sk_env_fini(&e);
}

/* The create -> wait available -> NIC -> settings -> config -> boot -> status sequence of
 * the SVC builder / Terraform (notes §2.4). */
static void test_client_sequence(void)
{
	struct sk_env e;
	struct sk_resp r;
	char body[4096], hash[40], line[128];
	uint64_t id;
	int polls = 0;

	sk_env_init(&e);
	sk_env_start(&e);
	/* 1. create */
	CU_ASSERT_EQUAL(sk_call(&e, "POST", SK_API "/appliance",
	                        "{\"Appliance\":{\"Class\":\"vpcrouter\",\"Name\":\"vr1\","
	                        "\"Description\":\"\",\"Tags\":[],\"Plan\":{\"ID\":1},"
	                        "\"Remark\":{\"Switch\":{\"Scope\":\"shared\"},\"Servers\":[{}],"
	                        "\"Router\":{\"VPCRouterVersion\":2}},\"Settings\":{\"Router\":"
	                        "{\"InternetConnection\":{\"Enabled\":\"True\"}}}}}", &r), 202);
	id = (uint64_t)json_integer_value(sk_get(r.json, "Appliance.ID"));
	sk_resp_free(&r);
	/* 2. poll Read every 5 s until available */
	for (;;) {
		sk_call(&e, "GET", sk_path(id, ""), NULL, &r);
		if (!strcmp(sk_str(r.json, "Appliance.Availability"), "available")) {
			snprintf(hash, sizeof hash, "%s", sk_str(r.json, "Appliance.SettingsHash"));
			sk_resp_free(&r);
			break;
		}
		sk_resp_free(&r);
		CU_ASSERT_FATAL(++polls < 10);
		sk_advance(&e, lab_sec(5));
	}
	CU_ASSERT_EQUAL(polls, 1);
	/* 3. the private NIC */
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", sk_path(id, "/interface/1/to/switch/112800442260"),
	                        NULL, &r), 200);
	sk_resp_free(&r);
	sk_advance(&e, lab_sec(5));
	/* 4. UpdateSettings with the full Settings.Router and the hash last read */
	snprintf(body, sizeof body, "{\"Appliance\":{\"Settings\":%s,\"SettingsHash\":\"%s\"}}",
	         SK_S2S_SETTINGS, hash);
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", sk_path(id, ""), body, &r), 200);
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "Appliance.Settings.Router.SiteToSiteIPsecVPN."
	                              "Config.0.Peer"), "198.51.100.10");
	CU_ASSERT_STRING_NOT_EQUAL(sk_str(r.json, "Appliance.SettingsHash"), hash);
	CU_ASSERT_EQUAL(json_integer_value(sk_get(r.json, "Appliance.Interfaces.1.Switch.ID")),
	                112800442260LL);
	sk_resp_free(&r);
	/* 5. config (the router is down: nothing runs yet) */
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", sk_path(id, "/config"), NULL, &r), 200);
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(e.napplied, 0);
	/* 6. boot through the power helper; poll until up */
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", sk_path(id, "/power"), NULL, &r), 200);
	sk_resp_free(&r);
	CU_ASSERT_STRING_EQUAL(status_of(&e, id, "Appliance.Instance.Status"), "down");
	sk_advance(&e, lab_sec(5));
	CU_ASSERT_STRING_EQUAL(status_of(&e, id, "Appliance.Instance.Status"), "up");
	/* the gateway got the resolved intent */
	CU_ASSERT_EQUAL(e.napplied, 1);
	CU_ASSERT_EQUAL(e.last_why, SAKURA_APPLY_BOOT);
	CU_ASSERT_EQUAL(e.last.id, id);
	CU_ASSERT_EQUAL(e.last.version, 2);
	CU_ASSERT_FALSE(e.last.stuck);
	CU_ASSERT(e.last.enabled);
	CU_ASSERT_STRING_EQUAL(e.last.global_ip, "203.0.113.11");
	CU_ASSERT_EQUAL(e.last.npeers, 1);
	CU_ASSERT_STRING_EQUAL(e.last.peers[0].peer, "198.51.100.10");
	CU_ASSERT_STRING_EQUAL(e.last.peers[0].remote_id, "172.30.128.254");
	CU_ASSERT_STRING_EQUAL(e.last.peers[0].psk, "secret_1");
	CU_ASSERT_EQUAL(e.last.peers[0].nroutes, 1);
	CU_ASSERT_STRING_EQUAL(e.last.peers[0].routes[0], "10.0.0.0/8");
	CU_ASSERT_STRING_EQUAL(e.last.peers[0].local_prefix[0], "192.168.21.0/24");
	CU_ASSERT_STRING_EQUAL(e.last.encryption, "aes256");
	CU_ASSERT_STRING_EQUAL(e.last.hash, "sha256");
	CU_ASSERT_STRING_EQUAL(e.last.dh_group, "modp2048");
	CU_ASSERT_EQUAL(e.last.dh_group_num, 14);
	CU_ASSERT_EQUAL(e.last.ike_lifetime, 28800);
	CU_ASSERT_EQUAL(e.last.esp_lifetime, 180);
	CU_ASSERT_EQUAL(e.last.dpd_interval, 15);
	CU_ASSERT_EQUAL(e.last.dpd_timeout, 30);
	/* 7. status: the peer is DOWN until the lab says otherwise */
	CU_ASSERT_EQUAL(sk_call(&e, "GET", sk_path(id, "/status"), NULL, &r), 200);
	CU_ASSERT(json_is_true(json_object_get(r.json, "is_ok")));
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "Router.SiteToSiteIPsecVPNPeers.0.Peer"),
	                       "198.51.100.10");
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "Router.SiteToSiteIPsecVPNPeers.0.Status"), "DOWN");
	CU_ASSERT(json_is_array(sk_get(r.json, "Router.FirewallReceiveLogs")));
	CU_ASSERT_EQUAL(json_integer_value(sk_get(r.json, "Router.SessionCount")), 0);
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(sakura_mock_peer_set(e.m, id, "198.51.100.10", true), 0);
	CU_ASSERT_EQUAL(sakura_mock_peer_set(e.m, id, "198.51.100.99", true), -ENOENT);
	CU_ASSERT_EQUAL(sakura_mock_peer_set(e.m, 1, "198.51.100.10", true), -ENOENT);
	sk_call(&e, "GET", sk_path(id, "/status"), NULL, &r);
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "Router.SiteToSiteIPsecVPNPeers.0.Status"), "UP");
	sk_resp_free(&r);
	/* VPN logs: the configuration lines, then whatever the lab appends */
	snprintf(line, sizeof line, "Jan  1 00:00:20 rt-%llu charon: 16[IKE] <2> received DPD "
	         "vendor ID", (unsigned long long)id);
	CU_ASSERT_EQUAL(sakura_mock_log_append(e.m, id, line), 0);
	CU_ASSERT_EQUAL(sakura_mock_log_append(e.m, id, "two\nlines"), -EINVAL);
	CU_ASSERT_EQUAL(sk_call(&e, "GET", sk_path(id, "/download/log/VPNLogs"), NULL, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(r.json, "Log"),
	                              "charon: 00[CFG] added configuration "
	                              "'peer-198.51.100.10-tunnel-vti'\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(r.json, "Log"), "proposal aes256-sha256-modp2048"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(r.json, "Log"), line));
	snprintf(body, sizeof body, "Jan  1 00:00:12 rt-%llu charon:", (unsigned long long)id);
	CU_ASSERT_EQUAL(strncmp(sk_str(r.json, "Log"), body, strlen(body)), 0);
	sk_resp_free(&r);
	sk_call(&e, "GET", sk_path(id, "/status"), NULL, &r);
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "Router.VPNLogs.2"), line);
	sk_resp_free(&r);
	/* final read */
	CU_ASSERT_EQUAL(sk_call(&e, "GET", sk_path(id, ""), NULL, &r), 200);
	sk_resp_free(&r);
	sk_env_fini(&e);
}

static int find_total(struct sk_env *e, const char *zone_api, const char *query, int *count,
                      char *first_name, size_t len)
{
	struct sk_resp r;
	int total;

	sk_req(e, "GET", zone_api, query, NULL, NULL, true, &r);
	total = r.status == 200 ? (int)json_integer_value(json_object_get(r.json, "Total")) :
	        -r.status;
	if (count)
		*count = (int)json_integer_value(json_object_get(r.json, "Count"));
	if (first_name)
		snprintf(first_name, len, "%s", sk_str(r.json, "Appliances.0.Name"));
	sk_resp_free(&r);
	return total;
}

static void test_find(void)
{
	static const char *names[] = { "alpha web", "beta web", "gamma db" };
	struct sk_env e;
	struct sk_resp r;
	char q[256], name[64];
	uint64_t ids[3];
	int count;

	sk_env_init(&e);
	sk_env_start(&e);
	for (int i = 0; i < 3; i++) {
		char body[512];

		snprintf(body, sizeof body, "{\"Appliance\":{\"Class\":\"vpcrouter\",\"Name\":\"%s\","
		         "\"Tags\":[\"t%d\",\"all\"],\"Plan\":{\"ID\":1}}}", names[i], i);
		sk_call(&e, "POST", SK_API "/appliance", body, &r);
		ids[i] = (uint64_t)json_integer_value(sk_get(r.json, "Appliance.ID"));
		sk_resp_free(&r);
	}
	/* another zone's router is not listed */
	sk_call(&e, "POST", "/cloud/zone/tk1a/api/cloud/1.1/appliance",
	        "{\"Appliance\":{\"Class\":\"vpcrouter\",\"Plan\":{\"ID\":1}}}", &r);
	sk_resp_free(&r);
	/* list envelope */
	sk_req(&e, "GET", SK_API "/appliance", "{\"Count\":0,\"From\":0,\"Filter\":{\"Class\":"
	       "[\"vpcrouter\"]}}", NULL, NULL, true, &r);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(r.json, "Total")), 3);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(r.json, "From")), 0);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(r.json, "Count")), 3);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(r.json, "Appliances")), 3);
	CU_ASSERT_EQUAL(json_integer_value(sk_get(r.json, "Appliances.0.ID")), (json_int_t)ids[0]);
	sk_resp_free(&r);
	/* no query at all */
	CU_ASSERT_EQUAL(find_total(&e, SK_API "/appliance", NULL, NULL, NULL, 0), 3);
	CU_ASSERT_EQUAL(find_total(&e, "/cloud/zone/tk1a/api/cloud/1.1/appliance", NULL, NULL,
	                           NULL, 0), 1);
	/* percent-encoded query */
	CU_ASSERT_EQUAL(find_total(&e, SK_API "/appliance", "%7B%22Filter%22%3A%7B%22Name%22%3A"
	                           "%22gamma%22%7D%7D", NULL, name, sizeof name), 1);
	CU_ASSERT_STRING_EQUAL(name, "gamma db");
	/* partial words AND-ed, the space sent as %20 inside the raw JSON (notes §1.3) */
	CU_ASSERT_EQUAL(find_total(&e, SK_API "/appliance", "{\"Filter\":{\"Name\":\"web%20alp\"}}",
	                           NULL, name, sizeof name), 1);
	CU_ASSERT_STRING_EQUAL(name, "alpha web");
	CU_ASSERT_EQUAL(find_total(&e, SK_API "/appliance", "{\"Filter\":{\"Name\":\"web\"}}",
	                           NULL, NULL, 0), 2);
	/* ID: exact, OR */
	snprintf(q, sizeof q, "{\"Filter\":{\"ID\":[\"%llu\",%llu]}}",
	         (unsigned long long)ids[0], (unsigned long long)ids[2]);
	CU_ASSERT_EQUAL(find_total(&e, SK_API "/appliance", q, NULL, NULL, 0), 2);
	/* tags: AND */
	CU_ASSERT_EQUAL(find_total(&e, SK_API "/appliance", "{\"Filter\":{\"Tags.Name\":"
	                           "[[\"all\",\"t1\"]]}}", NULL, name, sizeof name), 1);
	CU_ASSERT_STRING_EQUAL(name, "beta web");
	CU_ASSERT_EQUAL(find_total(&e, SK_API "/appliance", "{\"Filter\":{\"Tags.Name\":"
	                           "[[\"t0\",\"t1\"]]}}", NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL(find_total(&e, SK_API "/appliance", "{\"Filter\":{\"Class\":"
	                           "[\"loadbalancer\"]}}", NULL, NULL, 0), 0);
	/* sort, From, Count */
	CU_ASSERT_EQUAL(find_total(&e, SK_API "/appliance", "{\"Sort\":[\"-Name\"],\"From\":1,"
	                           "\"Count\":1}", &count, name, sizeof name), 3);
	CU_ASSERT_EQUAL(count, 1);
	CU_ASSERT_STRING_EQUAL(name, "beta web");
	/* bad parameters: 400 */
	CU_ASSERT_EQUAL(find_total(&e, SK_API "/appliance", "{\"Count\":\"1\"}", NULL, NULL, 0),
	                -400);
	CU_ASSERT_EQUAL(find_total(&e, SK_API "/appliance", "q={}", NULL, NULL, 0), -400);
	CU_ASSERT_EQUAL(find_total(&e, SK_API "/appliance", "[1]", NULL, NULL, 0), -400);
	CU_ASSERT_EQUAL(find_total(&e, SK_API "/appliance", "{\"Sort\":[\"Zone\"]}", NULL, NULL, 0),
	                -400);
	CU_ASSERT_EQUAL(find_total(&e, SK_API "/appliance", "{\"Filter\":[]}", NULL, NULL, 0),
	                -400);
	sk_env_fini(&e);
}

static void test_update_and_settings_hash(void)
{
	struct sk_env e;
	struct sk_resp r;
	char body[4096], hash[40];
	uint64_t id;

	sk_env_init(&e);
	sk_env_start(&e);
	id = sk_create(&e, 2, SK_S2S_SETTINGS);
	sk_boot(&e, id);
	CU_ASSERT_EQUAL(e.last.esp_lifetime, 180);
	sk_call(&e, "GET", sk_path(id, ""), NULL, &r);
	snprintf(hash, sizeof hash, "%s", sk_str(r.json, "Appliance.SettingsHash"));
	sk_resp_free(&r);
	/* Update: name fields only, no hash needed */
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", sk_path(id, ""), "{\"Appliance\":{\"Name\":\"renamed\","
	                        "\"Description\":\"d\",\"Tags\":[\"x\"],\"Icon\":null}}", &r), 200);
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "Appliance.Name"), "renamed");
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "Appliance.SettingsHash"), hash);
	sk_resp_free(&r);
	/* UpdateSettings with the right hash: saved, not running until /config */
	snprintf(body, sizeof body, "{\"Appliance\":{\"Settings\":{\"Router\":{"
	         "\"SiteToSiteIPsecVPN\":{\"Config\":[{\"Peer\":\"198.51.100.20\","
	         "\"PreSharedSecret\":\"k2\",\"Routes\":[\"10.1.0.0/16\"],"
	         "\"LocalPrefix\":[\"192.168.21.0/24\"]}],\"Enabled\":\"True\"}}},"
	         "\"SettingsHash\":\"%s\"}}", hash);
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", sk_path(id, ""), body, &r), 200);
	sk_resp_free(&r);
	sk_call(&e, "GET", sk_path(id, "/status"), NULL, &r);
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "Router.SiteToSiteIPsecVPNPeers.0.Peer"),
	                       "198.51.100.10");
	sk_resp_free(&r);
	/* the same (now stale) hash again: 409 */
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", sk_path(id, ""), body, &r), 409);
	CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(r.json, "error_msg"), "stale"));
	sk_resp_free(&r);
	/* apply */
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", sk_path(id, "/config"), NULL, &r), 200);
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(e.napplied, 2);
	CU_ASSERT_EQUAL(e.last_why, SAKURA_APPLY_CONFIG);
	CU_ASSERT_STRING_EQUAL(e.last.peers[0].peer, "198.51.100.20");
	CU_ASSERT_STRING_EQUAL(e.last.peers[0].remote_id, "198.51.100.20");   /* defaults to Peer */
	/* vpnlab defaults where the API leaves them out (PROFILES.md, notes §5) */
	CU_ASSERT_STRING_EQUAL(e.last.encryption, "aes128");
	CU_ASSERT_STRING_EQUAL(e.last.hash, "sha1");
	CU_ASSERT_STRING_EQUAL(e.last.dh_group, "modp1024");
	CU_ASSERT_EQUAL(e.last.dh_group_num, 2);
	CU_ASSERT_EQUAL(e.last.ike_lifetime, 28800);
	CU_ASSERT_EQUAL(e.last.esp_lifetime, 1800);
	CU_ASSERT_EQUAL(e.last.dpd_interval, 15);
	CU_ASSERT_EQUAL(e.last.dpd_timeout, 30);
	sk_call(&e, "GET", sk_path(id, "/status"), NULL, &r);
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "Router.SiteToSiteIPsecVPNPeers.0.Peer"),
	                       "198.51.100.20");
	sk_resp_free(&r);
	/* fixed at creation */
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", sk_path(id, ""), "{\"Appliance\":{\"Remark\":{\"Router\":"
	                        "{\"VPCRouterVersion\":1}}}}", &r), 400);
	CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(r.json, "error_msg"), "fixed at creation"));
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", sk_path(id, ""), "{\"Appliance\":{\"Plan\":{\"ID\":2}}}",
	                        &r), 400);
	sk_resp_free(&r);
	sk_env_fini(&e);
}

static void test_body_errors(void)
{
	static const struct {
		const char *method, *body;
		int status;
		const char *msg;
	} rows[] = {
		{ "POST", "{\"Appliance\":", 400, "invalid JSON at line 1" },
		{ "POST", "[]", 400, "expected a JSON object" },
		{ "POST", "{}", 400, "{\"Appliance\":{...}}" },
		{ "POST", "{\"Appliance\":{\"Class\":\"loadbalancer\",\"Plan\":{\"ID\":1}}}", 400,
		  "Appliance.Class" },
		{ "POST", "{\"Appliance\":{\"Class\":\"vpcrouter\",\"Plan\":{\"ID\":9}}}", 400,
		  "Appliance.Plan.ID" },
		{ "POST", "{\"Appliance\":{\"Class\":\"vpcrouter\",\"Plan\":{\"ID\":1},\"Remark\":"
		  "{\"Router\":{\"VPCRouterVersion\":3}}}}", 400, "VPCRouterVersion" },
		{ "POST", "{\"Appliance\":{\"Class\":\"vpcrouter\",\"Plan\":{\"ID\":1},\"Remark\":"
		  "{\"Router\":{\"VPCRouterVersion\":\"2\"}}}}", 400, "VPCRouterVersion" },
		{ "POST", "{\"Appliance\":{\"Class\":\"vpcrouter\",\"Plan\":{\"ID\":2}}}", 400,
		  "Remark.Switch.ID" },
		{ "POST", "{\"Appliance\":{\"Class\":\"vpcrouter\",\"Plan\":{\"ID\":1},"
		  "\"Name\":7}}", 400, "Appliance.Name" },
		{ "POST", "{\"Appliance\":{\"Class\":\"vpcrouter\",\"Plan\":{\"ID\":1},"
		  "\"Tags\":[1]}}", 400, "Appliance.Tags[0]" },
		{ "POST", "{\"Appliance\":{\"Class\":\"vpcrouter\",\"Plan\":{\"ID\":1},\"Settings\":"
		  "{\"Router\":{\"InternetConnection\":{\"Enabled\":true}}}}}", 400,
		  "JSON boolean" },
		{ "POST", "{\"a\":1,\"a\":2}", 400, "invalid JSON" },
		{ "POST", "{\"Appliance\":{\"Class\":\"vpcrouter\",\"Plan\":{\"ID\":2},\"Remark\":"
		  "{\"Switch\":{\"ID\":\"123456789012\"},\"Router\":{\"VPCRouterVersion\":2}}}}", 202,
		  NULL },
	};
	struct sk_env e;
	struct sk_resp r;
	char *big;

	sk_env_init(&e);
	e.cfg.max_body = 1024;
	sk_env_start(&e);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		sk_call(&e, rows[i].method, SK_API "/appliance", rows[i].body, &r);
		if (r.status != rows[i].status)
			fprintf(stderr, "row %zu: %d %s\n", i, r.status, r.body);
		CU_ASSERT_EQUAL(r.status, rows[i].status);
		if (rows[i].msg) {
			CU_ASSERT_STRING_EQUAL(sk_str(r.json, "error_code"), "bad_request");
			CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(r.json, "error_msg"), rows[i].msg));
		}
		sk_resp_free(&r);
	}
	/* oversized body: 400 naming the limit */
	big = malloc(2048);
	CU_ASSERT_FATAL(big != NULL);
	memset(big, ' ', 2047);
	big[0] = '{';
	big[2045] = '}';
	big[2047] = '\0';
	sk_call(&e, "POST", SK_API "/appliance", big, &r);
	CU_ASSERT_EQUAL(r.status, 400);
	CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(r.json, "error_msg"), "limit is 1024"));
	sk_resp_free(&r);
	free(big);
	sk_env_fini(&e);
}

static void test_reset_ping_nic_monitor(void)
{
	struct sk_env e;
	struct sk_resp r;
	uint64_t id;

	sk_env_init(&e);
	sk_env_start(&e);
	id = sk_create(&e, 2, SK_S2S_SETTINGS);
	/* reset and ping need it up */
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", sk_path(id, "/reset"), NULL, &r), 409);
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(sk_call(&e, "POST", sk_path(id, "/vpcrouter/ping/192.0.2.1"), NULL, &r),
	                409);
	sk_resp_free(&r);
	sk_boot(&e, id);
	CU_ASSERT_EQUAL(sakura_mock_peer_set(e.m, id, "198.51.100.10", true), 0);
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", sk_path(id, "/reset"), NULL, &r), 200);
	sk_resp_free(&r);
	/* a reset is a power cycle: cut (no stopping), then boot */
	CU_ASSERT_EQUAL(e.npoweroff, 1);
	CU_ASSERT_EQUAL(e.nstopping, 0);
	CU_ASSERT_STRING_EQUAL(status_of(&e, id, "Appliance.Instance.Status"), "down");
	CU_ASSERT_EQUAL(sakura_mock_peer_set(e.m, id, "198.51.100.10", true), -EAGAIN);
	sk_advance(&e, e.cfg.boot_delay);
	CU_ASSERT_STRING_EQUAL(status_of(&e, id, "Appliance.Instance.Status"), "up");
	CU_ASSERT_EQUAL(e.napplied, 2);
	sk_call(&e, "GET", sk_path(id, "/status"), NULL, &r);
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "Router.SiteToSiteIPsecVPNPeers.0.Status"), "DOWN");
	sk_resp_free(&r);
	/* ping through the gateway: the answer is deferred until the lab's ping is done, then
	 * a top-level Result (notes §1.4), one entry per line */
	{
		struct http_request req;
		struct http_response resp;
		json_t *j;

		memset(&req, 0, sizeof req);
		req.method = "POST";
		req.path = sk_path(id, "/vpcrouter/ping/192.0.2.1");
		req.query = "";
		req.headers[0].name = "Authorization";
		req.headers[0].value = SK_AUTH;
		req.nheaders = 1;
		http_response_init(&resp);
		sakura_mock_handle(e.m, &req, &resp);
		CU_ASSERT_EQUAL(e.nping, 1);
		CU_ASSERT_STRING_EQUAL(e.ping_dest, "192.0.2.1");
		CU_ASSERT(e.ping_token != 0);
		CU_ASSERT_EQUAL(resp.defer, e.ping_token);
		CU_ASSERT_PTR_NULL(resp.body);
		http_response_clear(&resp);
		http_response_init(&resp);
		CU_ASSERT_EQUAL(sakura_mock_ping_done(e.m, e.ping_token, "PING 192.0.2.1\n"
		                                      "4 packets transmitted, 0 received\n",
		                                      &resp), 0);
		CU_ASSERT_EQUAL(resp.status, 200);
		CU_ASSERT_EQUAL(resp.defer, 0);
		j = json_loadb(resp.body, resp.body_len, 0, NULL);
		CU_ASSERT_STRING_EQUAL(sk_str(j, "Result.0"), "PING 192.0.2.1");
		CU_ASSERT_STRING_EQUAL(sk_str(j, "Result.1"), "4 packets transmitted, 0 received");
		CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "Result")), 2);
		CU_ASSERT(json_is_true(json_object_get(j, "is_ok")));
		json_decref(j);
		http_response_clear(&resp);
	}
	CU_ASSERT_EQUAL(sk_call(&e, "POST", sk_path(id, "/vpcrouter/ping/example.com"), NULL, &r),
	                400);
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(sk_call(&e, "GET", sk_path(id, "/vpcrouter/ping/192.0.2.1"), NULL, &r),
	                405);
	sk_resp_free(&r);
	/* NICs 1..7 */
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", sk_path(id, "/interface/0/to/switch/123456789012"),
	                        NULL, &r), 400);
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", sk_path(id, "/interface/8/to/switch/123456789012"),
	                        NULL, &r), 400);
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", sk_path(id, "/interface/2/to/switch/12x"), NULL, &r),
	                400);
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(e.nnic, 0);
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", sk_path(id, "/interface/2/to/switch/123456789012"),
	                        NULL, &r), 200);
	sk_resp_free(&r);
	CU_ASSERT_STRING_EQUAL(status_of(&e, id, "Appliance.Interfaces.2.Switch.Scope"), "user");
	CU_ASSERT_EQUAL(e.nnic, 1);
	CU_ASSERT_EQUAL(e.last_nic, 2);
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", sk_path(id, "/interface/2/to/switch/123456789012"),
	                        NULL, &r), 400);
	CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(r.json, "error_msg"), "already connected"));
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(sk_call(&e, "DELETE", sk_path(id, "/interface/2/to/switch"), NULL, &r),
	                200);
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(e.nnic, 2);
	CU_ASSERT_EQUAL(e.last_nic, -2);
	CU_ASSERT_EQUAL(sk_call(&e, "DELETE", sk_path(id, "/interface/2/to/switch"), NULL, &r),
	                400);
	CU_ASSERT_EQUAL(e.nnic, 2);
	sk_resp_free(&r);
	/* standalone ping says it sent nothing */
	sakura_mock_attach_gateway(e.m, NULL);
	sk_call(&e, "POST", sk_path(id, "/vpcrouter/ping/192.0.2.1"), NULL, &r);
	CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(r.json, "Result.0"), "no gateway attached"));
	sk_resp_free(&r);
	/* monitors: the envelope, with no samples */
	CU_ASSERT_EQUAL(sk_call(&e, "GET", sk_path(id, "/cpu/monitor"), NULL, &r), 200);
	CU_ASSERT(json_is_object(json_object_get(r.json, "Data")));
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(sk_call(&e, "GET", sk_path(id, "/interface/1/monitor"), NULL, &r), 200);
	sk_resp_free(&r);
	sk_env_fini(&e);
}

/* API 1.0 as node-sacloud speaks it: the same resources with ".json" on the last segment,
 * under a zone or the zone-less root (the first zone served); lists carry is_ok. */
static void test_api_10(void)
{
	struct sk_env e;
	struct sk_resp r;
	char path[160];
	uint64_t id;

	sk_env_init(&e);
	sk_env_start(&e);
	id = sk_create(&e, 2, NULL);
	CU_ASSERT_EQUAL(sk_req(&e, "GET", "/cloud/zone/is1a/api/cloud/1.0/appliance.json",
	                       "{\"Count\":0}", NULL, NULL, true, &r), 200);
	CU_ASSERT(json_is_true(json_object_get(r.json, "is_ok")));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(r.json, "Total")), 1);
	CU_ASSERT_EQUAL(json_integer_value(sk_get(r.json, "Appliances.0.ID")), (json_int_t)id);
	sk_resp_free(&r);
	/* the 1.1 list has is_ok too */
	CU_ASSERT_EQUAL(sk_call(&e, "GET", SK_API "/appliance", NULL, &r), 200);
	CU_ASSERT(json_is_true(json_object_get(r.json, "is_ok")));
	sk_resp_free(&r);
	snprintf(path, sizeof path, "/cloud/zone/is1a/api/cloud/1.0/appliance/%llu.json",
	         (unsigned long long)id);
	CU_ASSERT_EQUAL(sk_call(&e, "GET", path, NULL, &r), 200);
	CU_ASSERT_EQUAL(json_integer_value(sk_get(r.json, "Appliance.ID")), (json_int_t)id);
	CU_ASSERT(json_is_true(json_object_get(r.json, "is_ok")));
	sk_resp_free(&r);
	/* without the suffix it is the same resource; an action keeps its envelope */
	snprintf(path, sizeof path, "/cloud/zone/is1a/api/cloud/1.0/appliance/%llu",
	         (unsigned long long)id);
	CU_ASSERT_EQUAL(sk_call(&e, "GET", path, NULL, &r), 200);
	sk_resp_free(&r);
	snprintf(path, sizeof path, "/cloud/zone/is1a/api/cloud/1.0/appliance/%llu/power.json",
	         (unsigned long long)id);
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", path, "{}", &r), 200);
	CU_ASSERT(json_is_true(json_object_get(r.json, "is_ok")));
	sk_resp_free(&r);
	/* zone-less: the first zone served (tk1a), where this router is not */
	CU_ASSERT_EQUAL(sk_call(&e, "GET", "/cloud/api/cloud/1.0/appliance.json", NULL, &r), 200);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(r.json, "Total")), 0);
	sk_resp_free(&r);
	snprintf(path, sizeof path, "/cloud/api/cloud/1.0/appliance/%llu.json",
	         (unsigned long long)id);
	CU_ASSERT_EQUAL(sk_call(&e, "GET", path, NULL, &r), 404);
	CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(r.json, "error_msg"), "zone tk1a"));
	sk_resp_free(&r);
	/* other versions, a suffix alone and unknown resources are still 404 */
	CU_ASSERT_EQUAL(sk_call(&e, "GET", "/cloud/zone/is1a/api/cloud/0.9/appliance.json", NULL,
	                        &r), 404);
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(sk_call(&e, "GET", "/cloud/zone/is1a/api/cloud/1.0/.json", NULL, &r), 404);
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(sk_call(&e, "GET", "/cloud/api/cloud/1.0/server.json", NULL, &r), 404);
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(sk_call(&e, "GET", "/cloud/api/cloud/1.0x/appliance.json", NULL, &r), 404);
	sk_resp_free(&r);
	/* auth applies as on 1.1 */
	CU_ASSERT_EQUAL(sk_req(&e, "GET", "/cloud/api/cloud/1.0/appliance.json", NULL, NULL, "",
	                       true, &r), 401);
	sk_resp_free(&r);
	sk_env_fini(&e);
}

/* X-Sakura-API-Beautify gives indented JSON with the same content. */
static void test_beautify(void)
{
	struct sk_env e;
	struct http_request req;
	struct http_response resp;

	sk_env_init(&e);
	sk_env_start(&e);
	memset(&req, 0, sizeof req);
	memset(&resp, 0, sizeof resp);
	req.method = "GET";
	req.path = SK_API "/appliance";
	req.query = "";
	req.headers[0].name = "authorization";
	req.headers[0].value = SK_AUTH;
	req.headers[1].name = "X-Sakura-API-Beautify";
	req.headers[1].value = "1";
	req.nheaders = 2;
	sakura_mock_handle(e.m, &req, &resp);
	CU_ASSERT_EQUAL(resp.status, 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(resp.body, "\n    \"Total\": 0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(resp.content_type, "application/json"));
	free(resp.body);
	sk_env_fini(&e);
}

/* Premium: no shared address; the global address is the VIP of Settings.Router.Interfaces[0]
 * (notes §3.4); a router is only found in its own zone. */
static void test_premium_and_zones(void)
{
	struct sk_env e;
	struct sk_resp r;
	uint64_t id;

	sk_env_init(&e);
	sk_env_start(&e);
	CU_ASSERT_EQUAL(sk_call(&e, "POST", SK_API "/appliance",
	                        "{\"Appliance\":{\"Class\":\"vpcrouter\",\"Name\":\"vr2\","
	                        "\"Plan\":{\"ID\":2},\"Remark\":{\"Switch\":{\"ID\":123456789012},"
	                        "\"Servers\":[{\"IPAddress\":\"192.0.2.11\"},{\"IPAddress\":"
	                        "\"192.0.2.12\"}],\"Router\":{\"VPCRouterVersion\":2}},"
	                        "\"Settings\":{\"Router\":{\"VRID\":1,\"InternetConnection\":"
	                        "{\"Enabled\":\"True\"},\"Interfaces\":[{\"IPAddress\":"
	                        "[\"192.0.2.11\",\"192.0.2.12\"],\"VirtualIPAddress\":\"192.0.2.10\","
	                        "\"IPAliases\":[\"192.0.2.13\"],\"NetworkMaskLen\":28}]}}}}", &r), 202);
	id = (uint64_t)json_integer_value(sk_get(r.json, "Appliance.ID"));
	CU_ASSERT(json_is_null(sk_get(r.json, "Appliance.Interfaces.0.IPAddress")));
	CU_ASSERT_EQUAL(json_integer_value(sk_get(r.json, "Appliance.Remark.Switch.ID")),
	                123456789012LL);
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "Appliance.Remark.Servers.1.IPAddress"), "192.0.2.12");
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "Appliance.ServiceClass"), "cloud/appliance/vpc/2");
	sk_resp_free(&r);
	sk_advance(&e, e.cfg.create_delay);
	sk_boot(&e, id);
	CU_ASSERT_STRING_EQUAL(e.last.global_ip, "192.0.2.10");
	/* the same ID in another zone does not exist */
	sk_call(&e, "GET", "/cloud/zone/tk1a/api/cloud/1.1/appliance", NULL, &r);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(r.json, "Total")), 0);
	sk_resp_free(&r);
	{
		char path[128];

		snprintf(path, sizeof path, "/cloud/zone/tk1a/api/cloud/1.1/appliance/%llu",
		         (unsigned long long)id);
		CU_ASSERT_EQUAL(sk_call(&e, "GET", path, NULL, &r), 404);
		sk_resp_free(&r);
	}
	sk_env_fini(&e);
}

/* Same seed, same IDs and serials: the run repeats. */
static void test_deterministic(void)
{
	struct sk_env a, b;
	uint64_t ia, ib;

	sk_env_init(&a);
	sk_env_start(&a);
	sk_env_init(&b);
	sk_env_start(&b);
	ia = sk_create(&a, 2, NULL);
	ib = sk_create(&b, 2, NULL);
	CU_ASSERT_EQUAL(ia, ib);
	CU_ASSERT_NOT_EQUAL(sk_create(&a, 2, NULL), ia);
	CU_ASSERT_EQUAL(sakura_mock_count(a.m), 2);
	CU_ASSERT_EQUAL(sakura_mock_id_at(a.m, 0), ia);
	CU_ASSERT_EQUAL(sakura_mock_id_at(a.m, 2), 0);
	sk_env_fini(&a);
	sk_env_fini(&b);
}

UNIT_SUITE(sakura_api,
	UNIT_TEST(test_auth),
	UNIT_TEST(test_routing),
	UNIT_TEST(test_create_envelope),
	UNIT_TEST(test_ids_as_strings_without_bigint_header),
	UNIT_TEST(test_lifecycle),
	UNIT_TEST(test_client_sequence),
	UNIT_TEST(test_find),
	UNIT_TEST(test_update_and_settings_hash),
	UNIT_TEST(test_body_errors),
	UNIT_TEST(test_reset_ping_nic_monitor),
	UNIT_TEST(test_beautify),
	UNIT_TEST(test_api_10),
	UNIT_TEST(test_premium_and_zones),
	UNIT_TEST(test_deterministic))
