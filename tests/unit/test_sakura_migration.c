/*
 * vpnlab's migration, export/import and VPN reconnect endpoints, the stuck migration of
 * seeds/002 (no VPN, no logs, until power off -> import an exported config -> power on), and
 * state save/load.
 */
#include "tests/unit/unit.h"
#include "tests/unit/test_sakura_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The version 1 settings of seeds/002 (the F220 behind NAT as 172.30.128.254). */
static const char V1_SETTINGS[] =
	"{\"Router\":{\"InternetConnection\":{\"Enabled\":\"True\"},"
	"\"SiteToSiteIPsecVPN\":{\"Config\":[{\"Peer\":\"198.51.100.10\","
	"\"PreSharedSecret\":\"THIS_IS_SECRET_KEY\",\"RemoteID\":\"172.30.128.254\","
	"\"Routes\":[\"10.0.0.0/8\"],\"LocalPrefix\":[\"192.168.21.0/24\"]}],"
	"\"Enabled\":\"True\"}}}";

static const char *info(struct sk_env *e, uint64_t id, const char *field)
{
	static char buf[64];
	struct sk_resp r;

	sk_call(e, "GET", sk_path(id, ""), NULL, &r);
	snprintf(buf, sizeof buf, "%s", json_is_integer(sk_get(r.json, field)) ?
	         (json_integer_value(sk_get(r.json, field)) == 2 ? "2" : "1") :
	         sk_str(r.json, field));
	sk_resp_free(&r);
	return buf;
}

static int call_status(struct sk_env *e, const char *method, const char *path, const char *body)
{
	struct sk_resp r;
	int st = sk_call(e, method, path, body, &r);

	sk_resp_free(&r);
	return st;
}

static void test_migration_keeps_settings(void)
{
	struct sk_env e;
	struct sk_resp r;
	uint64_t id;

	sk_env_init(&e);
	sk_env_start(&e);
	id = sk_create(&e, 1, V1_SETTINGS);
	sk_boot(&e, id);
	CU_ASSERT_EQUAL(e.last.version, 1);
	CU_ASSERT_EQUAL(sakura_mock_peer_set(e.m, id, "198.51.100.10", true), 0);
	/* DHGroup is refused until the router is version 2 */
	CU_ASSERT_EQUAL(call_status(&e, "PUT", sk_path(id, ""), "{\"Appliance\":{\"Settings\":"
	                "{\"Router\":{\"SiteToSiteIPsecVPN\":{\"DHGroup\":\"modp2048\"}}}}}"), 400);
	CU_ASSERT_EQUAL(sk_call(&e, "POST", sk_vpath(id, "/migrate"), NULL, &r), 202);
	CU_ASSERT(json_is_true(json_object_get(r.json, "is_ok")));
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "Appliance.Availability"), "migrating");
	sk_resp_free(&r);
	/* the router stopped (charon's DELETEs) and went off the network; the API says "still
	 * creating" meanwhile */
	CU_ASSERT_EQUAL(e.nstopping, 1);
	CU_ASSERT_EQUAL(e.npoweroff, 1);
	CU_ASSERT_STRING_EQUAL(info(&e, id, "Appliance.Instance.Status"), "down");
	sk_call(&e, "PUT", sk_path(id, "/power"), NULL, &r);
	CU_ASSERT_EQUAL(r.status, 409);
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "error_code"), "still_creating");
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(call_status(&e, "POST", sk_vpath(id, "/migrate"), NULL), 409);
	sk_advance(&e, e.cfg.migrate_delay);
	CU_ASSERT_STRING_EQUAL(info(&e, id, "Appliance.Availability"), "available");
	CU_ASSERT_STRING_EQUAL(info(&e, id, "Appliance.Remark.Router.VPCRouterVersion"), "2");
	CU_ASSERT_STRING_EQUAL(info(&e, id, "Appliance.Instance.Status"), "down");
	sk_advance(&e, e.cfg.boot_delay);
	CU_ASSERT_STRING_EQUAL(info(&e, id, "Appliance.Instance.Status"), "up");
	/* it came back as version 2 with the same settings */
	CU_ASSERT_EQUAL(e.last_why, SAKURA_APPLY_BOOT);
	CU_ASSERT_EQUAL(e.last.version, 2);
	CU_ASSERT_FALSE(e.last.stuck);
	CU_ASSERT_STRING_EQUAL(e.last.peers[0].remote_id, "172.30.128.254");
	CU_ASSERT_STRING_EQUAL(e.last.peers[0].psk, "THIS_IS_SECRET_KEY");
	CU_ASSERT_STRING_EQUAL(e.last.dh_group, "modp1024");
	CU_ASSERT_STRING_EQUAL(info(&e, id, "Appliance.Settings.Router.SiteToSiteIPsecVPN.Config.0."
	                            "Peer"), "198.51.100.10");
	/* and now takes a DH group (seeds/002: modp2048 after migrating) */
	CU_ASSERT_EQUAL(call_status(&e, "PUT", sk_path(id, ""), "{\"Appliance\":{\"Settings\":"
	                "{\"Router\":{\"SiteToSiteIPsecVPN\":{\"Config\":[{\"Peer\":"
	                "\"198.51.100.10\",\"PreSharedSecret\":\"k\",\"Routes\":[\"10.0.0.0/8\"],"
	                "\"LocalPrefix\":[\"192.168.21.0/24\"]}],\"EncryptionAlgo\":\"aes256\","
	                "\"HashAlgo\":\"sha256\",\"DHGroup\":\"modp2048\",\"ESP\":{\"Lifetime\":180},"
	                "\"Enabled\":\"True\"}}}}}"), 200);
	CU_ASSERT_EQUAL(call_status(&e, "PUT", sk_path(id, "/config"), NULL), 200);
	CU_ASSERT_EQUAL(e.last.dh_group_num, 14);
	CU_ASSERT_EQUAL(e.last.esp_lifetime, 180);
	/* a second migration: already version 2 */
	CU_ASSERT_EQUAL(sk_call(&e, "POST", sk_vpath(id, "/migrate"), NULL, &r), 409);
	CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(r.json, "error_msg"), "already version 2"));
	sk_resp_free(&r);
	/* VPN reconnect: every peer restarts */
	CU_ASSERT_EQUAL(sakura_mock_peer_set(e.m, id, "198.51.100.10", true), 0);
	CU_ASSERT_EQUAL(call_status(&e, "PUT", sk_vpath(id, "/vpn/reconnect"), NULL), 200);
	CU_ASSERT_EQUAL(e.last_why, SAKURA_APPLY_RECONNECT);
	sk_call(&e, "GET", sk_path(id, "/status"), NULL, &r);
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "Router.SiteToSiteIPsecVPNPeers.0.Status"), "DOWN");
	sk_resp_free(&r);
	/* methods and unknown actions */
	CU_ASSERT_EQUAL(call_status(&e, "GET", sk_vpath(id, "/migrate"), NULL), 405);
	CU_ASSERT_EQUAL(call_status(&e, "PUT", sk_vpath(id, "/nothing"), NULL), 404);
	CU_ASSERT_EQUAL(call_status(&e, "PUT", SK_VL "/appliance/999999999999/vpn/reconnect", NULL),
	                404);
	sk_env_fini(&e);
}

/* seeds/002: the migration sticks; power off, import the exported config, power on. */
static void test_stuck_migration(void)
{
	struct sk_env e;
	struct sk_resp r;
	char *exported;
	uint64_t id;

	sk_env_init(&e);
	e.cfg.stuck_migration = true;
	sk_env_start(&e);
	id = sk_create(&e, 1, V1_SETTINGS);
	sk_boot(&e, id);
	/* the user had exported the config beforehand */
	CU_ASSERT_EQUAL(sk_call(&e, "GET", sk_vpath(id, "/config/export"), NULL, &r), 200);
	CU_ASSERT_EQUAL(json_integer_value(sk_get(r.json, "Export.VPCRouterVersion")), 1);
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "Export.Settings.Router.SiteToSiteIPsecVPN.Config.0."
	                              "RemoteID"), "172.30.128.254");
	exported = json_dumps(r.json, JSON_COMPACT);
	sk_resp_free(&r);
	CU_ASSERT_FATAL(exported != NULL);
	CU_ASSERT_EQUAL(call_status(&e, "POST", sk_vpath(id, "/migrate"), NULL), 202);
	sk_advance(&e, e.cfg.migrate_delay + e.cfg.boot_delay);
	/* up, but stuck: the gateway is told to stay silent */
	CU_ASSERT_STRING_EQUAL(info(&e, id, "Appliance.Instance.Status"), "up");
	CU_ASSERT(e.last.stuck);
	CU_ASSERT_EQUAL(e.last.version, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.translog, "stuck"));
	CU_ASSERT_EQUAL(sakura_mock_peer_set(e.m, id, "198.51.100.10", true), -EAGAIN);
	sk_call(&e, "GET", sk_path(id, "/status"), NULL, &r);
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "Router.SiteToSiteIPsecVPNPeers.0.Status"), "DOWN");
	CU_ASSERT_EQUAL(json_array_size(sk_get(r.json, "Router.VPNLogs")), 0);
	sk_resp_free(&r);
	/* logs unavailable */
	sk_call(&e, "GET", sk_path(id, "/download/log/VPNLogs"), NULL, &r);
	CU_ASSERT_EQUAL(r.status, 500);
	CU_ASSERT(json_is_true(json_object_get(r.json, "is_fatal")));
	CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(r.json, "error_msg"), "VPN logs are unavailable"));
	sk_resp_free(&r);
	/* what does not help: /config, VPN reconnect, reset, a plain power cycle */
	CU_ASSERT_EQUAL(call_status(&e, "PUT", sk_path(id, "/config"), NULL), 200);
	CU_ASSERT(e.last.stuck);
	CU_ASSERT_EQUAL(call_status(&e, "PUT", sk_vpath(id, "/vpn/reconnect"), NULL), 409);
	CU_ASSERT_EQUAL(call_status(&e, "PUT", sk_path(id, "/reset"), NULL), 200);
	sk_advance(&e, e.cfg.boot_delay);
	CU_ASSERT(e.last.stuck);
	CU_ASSERT_EQUAL(call_status(&e, "DELETE", sk_path(id, "/power"), "{\"Force\":true}"), 200);
	sk_advance(&e, e.cfg.force_stop_delay);
	sk_boot(&e, id);
	CU_ASSERT(e.last.stuck);
	/* an import while it is up does not repair it either */
	CU_ASSERT_EQUAL(call_status(&e, "PUT", sk_vpath(id, "/config/import"), exported), 200);
	CU_ASSERT_EQUAL(call_status(&e, "PUT", sk_path(id, "/reset"), NULL), 200);
	sk_advance(&e, e.cfg.boot_delay);
	CU_ASSERT(e.last.stuck);
	/* the field note's way out */
	CU_ASSERT_EQUAL(call_status(&e, "DELETE", sk_path(id, "/power"), "{}"), 200);
	sk_advance(&e, e.cfg.stop_delay);
	CU_ASSERT_STRING_EQUAL(info(&e, id, "Appliance.Instance.Status"), "down");
	CU_ASSERT_EQUAL(call_status(&e, "PUT", sk_vpath(id, "/config/import"), exported), 200);
	sk_boot(&e, id);
	CU_ASSERT_FALSE(e.last.stuck);
	CU_ASSERT_EQUAL(e.last.version, 2);
	CU_ASSERT_STRING_EQUAL(e.last.peers[0].peer, "198.51.100.10");
	CU_ASSERT_EQUAL(sakura_mock_peer_set(e.m, id, "198.51.100.10", true), 0);
	sk_call(&e, "GET", sk_path(id, "/download/log/VPNLogs"), NULL, &r);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(r.json, "Log"), "peer-198.51.100.10-tunnel-vti"));
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(call_status(&e, "PUT", sk_vpath(id, "/vpn/reconnect"), NULL), 200);
	free(exported);
	sk_env_fini(&e);
}

static void test_import_errors(void)
{
	struct sk_env e;
	struct sk_resp r;
	uint64_t id;

	sk_env_init(&e);
	sk_env_start(&e);
	id = sk_create(&e, 1, NULL);
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", sk_vpath(id, "/config/import"), "{}", &r), 400);
	CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(r.json, "error_msg"), "expected an export"));
	sk_resp_free(&r);
	/* a v2 export (with DHGroup) does not fit a v1 router */
	CU_ASSERT_EQUAL(sk_call(&e, "PUT", sk_vpath(id, "/config/import"),
	                        "{\"Export\":{\"Settings\":{\"Router\":{\"SiteToSiteIPsecVPN\":"
	                        "{\"DHGroup\":\"modp2048\"}}}}}", &r), 400);
	CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(r.json, "error_msg"), "import: Settings.Router."
	                              "SiteToSiteIPsecVPN.DHGroup"));
	sk_resp_free(&r);
	CU_ASSERT_EQUAL(call_status(&e, "PUT", sk_vpath(id, "/config/import"), "{\"Export\":"),
	                400);
	/* a bare {"Settings":...} is taken too */
	CU_ASSERT_EQUAL(call_status(&e, "PUT", sk_vpath(id, "/config/import"),
	                            "{\"Settings\":{\"Router\":{\"SyslogHost\":\"192.0.2.9\"}}}"), 200);
	CU_ASSERT_STRING_EQUAL(info(&e, id, "Appliance.Settings.Router.SyslogHost"), "192.0.2.9");
	/* reconnect needs it up */
	CU_ASSERT_EQUAL(call_status(&e, "PUT", sk_vpath(id, "/vpn/reconnect"), NULL), 409);
	sk_env_fini(&e);
}

static char *tmpfile_path(const char *name)
{
	static char buf[256];

	snprintf(buf, sizeof buf, "/tmp/vpnlab-sakura-test-%d-%s", (int)getpid(), name);
	return buf;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_FATAL(f != NULL);
	fputs(text, f);
	fclose(f);
}

static void test_state_roundtrip(void)
{
	struct sk_env a, b;
	struct sk_resp ra, rb;
	char err[512], path[256];
	uint64_t up, booting;

	snprintf(path, sizeof path, "%s", tmpfile_path("state.json"));
	sk_env_init(&a);
	a.cfg.stuck_migration = true;
	sk_env_start(&a);
	up = sk_create(&a, 2, SK_S2S_SETTINGS);
	sk_boot(&a, up);
	CU_ASSERT_EQUAL(sakura_mock_peer_set(a.m, up, "198.51.100.10", true), 0);
	booting = sk_create(&a, 1, V1_SETTINGS);
	CU_ASSERT_EQUAL(call_status(&a, "PUT", sk_path(booting, "/power"), NULL), 200);
	sk_advance(&a, lab_sec(1));                     /* 1 s of 2 s boot left */
	CU_ASSERT_EQUAL(sakura_mock_save(a.m, path, err, sizeof err), 0);

	sk_env_init(&b);
	b.now = lab_sec(1000);                          /* another process, another clock */
	sk_env_start(&b);
	CU_ASSERT_EQUAL(sakura_mock_load(b.m, path, err, sizeof err), 0);
	CU_ASSERT_EQUAL(sakura_mock_count(b.m), 2);
	sk_call(&a, "GET", sk_path(up, ""), NULL, &ra);
	sk_call(&b, "GET", sk_path(up, ""), NULL, &rb);
	/* CreatedAt is stored as shown; StatusChangedAt (4 s) moves with the lab clock (saved at
	 * 7 s, loaded at 1000 s: 997 s); all else is equal */
	CU_ASSERT_STRING_EQUAL(sk_str(rb.json, "Appliance.CreatedAt"), "2025-01-01T00:00:00+09:00");
	CU_ASSERT_STRING_EQUAL(sk_str(rb.json, "Appliance.Instance.StatusChangedAt"),
	                       "2025-01-01T00:16:37+09:00");
	json_object_del(sk_get(ra.json, "Appliance.Instance"), "StatusChangedAt");
	json_object_del(sk_get(rb.json, "Appliance.Instance"), "StatusChangedAt");
	CU_ASSERT(json_equal(ra.json, rb.json));
	sk_resp_free(&ra);
	sk_resp_free(&rb);
	sk_call(&b, "GET", sk_path(up, "/status"), NULL, &rb);
	CU_ASSERT_STRING_EQUAL(sk_str(rb.json, "Router.SiteToSiteIPsecVPNPeers.0.Status"), "UP");
	CU_ASSERT_PTR_NOT_NULL(strstr(sk_str(rb.json, "Router.VPNLogs.0"), "added configuration"));
	sk_resp_free(&rb);
	/* the boot resumes with what was left of it */
	CU_ASSERT_EQUAL(sakura_mock_next_deadline(b.m), lab_sec(1001));
	CU_ASSERT_STRING_EQUAL(info(&b, booting, "Appliance.Instance.Status"), "down");
	sk_advance(&b, lab_sec(1));
	CU_ASSERT_STRING_EQUAL(info(&b, booting, "Appliance.Instance.Status"), "up");
	CU_ASSERT_EQUAL(b.last.id, booting);
	/* the settings stuck_migration came from the loading mock, the routers from the file;
	 * new IDs continue the stream and do not collide */
	CU_ASSERT_NOT_EQUAL(sk_create(&b, 2, NULL), up);
	CU_ASSERT_EQUAL(sakura_mock_count(b.m), 3);
	sk_env_fini(&a);
	sk_env_fini(&b);
	unlink(path);
}

static void test_state_errors(void)
{
	static const struct {
		const char *text;
		const char *msg;
	} rows[] = {
		{ "{\"vpnlab\":", ":1:10: " },
		{ "{\n  \"vpnlab\": \"sakura-mock-state\",\n  \"format\": 1,,\n}", ":3:15: " },
		{ "[]", "not a vpnlab Sakura mock state file" },
		{ "{\"vpnlab\":\"k5\",\"format\":1}", "not a vpnlab Sakura mock state file" },
		{ "{\"vpnlab\":\"sakura-mock-state\",\"format\":1,\"now\":0,\"next_host\":11,"
		  "\"shared_switch_id\":123456789012,\"drbg_counter\":0,\"routers\":{}}",
		  "routers: expected an array" },
		{ "{\"vpnlab\":\"sakura-mock-state\",\"format\":1,\"now\":0,\"next_host\":11,"
		  "\"shared_switch_id\":123456789012,\"drbg_counter\":0,\"routers\":[{\"ID\":"
		  "123456789013,\"Zone\":\"is1a\",\"Version\":3}]}",
		  "routers[0].Version: expected 1 or 2" },
		{ "{\"vpnlab\":\"sakura-mock-state\",\"format\":1,\"now\":0,\"next_host\":11,"
		  "\"shared_switch_id\":123456789012,\"drbg_counter\":0,\"routers\":[{\"ID\":"
		  "123456789013,\"Zone\":\"is1a\",\"Version\":1,\"Doc\":{\"Interfaces\":[],"
		  "\"Remark\":{},\"Settings\":{\"Router\":{\"SiteToSiteIPsecVPN\":{\"DHGroup\":"
		  "\"modp2048\"}}}}}]}",
		  "routers[0].Doc.Settings.Router.SiteToSiteIPsecVPN.DHGroup" },
	};
	struct sk_env e;
	char err[512], path[256];
	int rc;

	snprintf(path, sizeof path, "%s", tmpfile_path("bad.json"));
	sk_env_init(&e);
	sk_env_start(&e);
	(void)sk_create(&e, 2, NULL);
	rc = sakura_mock_load(e.m, "/nonexistent/vpnlab/state.json", err, sizeof err);
	CU_ASSERT_EQUAL(rc, -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/vpnlab/state.json"));
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		write_file(path, rows[i].text);
		err[0] = '\0';
		CU_ASSERT_EQUAL(sakura_mock_load(e.m, path, err, sizeof err), -EINVAL);
		if (!strstr(err, rows[i].msg))
			fprintf(stderr, "row %zu: %s\n", i, err);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, rows[i].msg));
		CU_ASSERT_EQUAL(strncmp(err, path, strlen(path)), 0);
	}
	/* a failed load leaves the store as it was */
	CU_ASSERT_EQUAL(sakura_mock_count(e.m), 1);
	CU_ASSERT_EQUAL(sakura_mock_save(e.m, "/nonexistent/vpnlab/state.json", err, sizeof err),
	                -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot write"));
	sk_env_fini(&e);
	unlink(path);
}

UNIT_SUITE(sakura_migration,
	UNIT_TEST(test_migration_keeps_settings),
	UNIT_TEST(test_stuck_migration),
	UNIT_TEST(test_import_errors),
	UNIT_TEST(test_state_roundtrip),
	UNIT_TEST(test_state_errors))
