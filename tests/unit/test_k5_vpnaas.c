/*
 * VPNaaS: upstream defaults and validation (neutron-vpnaas vpn_validator.py / vpn_db.py, the
 * messages of neutron-lib exceptions/vpn.py; research note 4.2 - 4.3), the K5 rules each on
 * and off (PROFILES.md k5-vpnaas; research note 5.1), the conversions real clients need
 * (section 6), and the gateway interface.
 */
#include "tests/unit/test_k5_rig.h"
#include "tests/unit/unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_policy_defaults(void)
{
	struct k5_rig r;
	char id[37];

	rig_init(&r, false);
	/* `openstack vpn ike policy create ikeX` sends only the name */
	CU_ASSERT_EQUAL(rig_create(&r, id, "/v2.0/vpn/ikepolicies", "ikepolicy",
	                           "{\"ikepolicy\": {\"name\": \"ikeX\"}}"), 201);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ikepolicy.auth_algorithm"), "sha1");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ikepolicy.encryption_algorithm"), "aes-128");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ikepolicy.phase1_negotiation_mode"), "main");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ikepolicy.ike_version"), "v1");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ikepolicy.pfs"), "group5");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ikepolicy.lifetime.units"), "seconds");
	CU_ASSERT_EQUAL(rig_i(&r, "ikepolicy.lifetime.value"), 3600);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ikepolicy.description"), "");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ikepolicy.availability_zone"), "jp-east-1a");
	CU_ASSERT_PTR_NULL(rig_at(&r, "ikepolicy.status"));             /* no status upstream */
	CU_ASSERT_EQUAL(rig_create(&r, id, "/v2.0/vpn/ipsecpolicies", "ipsecpolicy",
	                           "{\"ipsecpolicy\": {\"lifetime\": {}}}"), 201);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ipsecpolicy.transform_protocol"), "esp");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ipsecpolicy.encapsulation_mode"), "tunnel");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ipsecpolicy.auth_algorithm"), "sha1");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ipsecpolicy.encryption_algorithm"), "aes-128");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ipsecpolicy.pfs"), "group5");
	CU_ASSERT_EQUAL(rig_i(&r, "ipsecpolicy.lifetime.value"), 3600);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ipsecpolicy.name"), "");
	rig_free(&r);
}

/*
 * Each K5 rule: the value is refused with K5 rules on and accepted upstream; values neither
 * accepts are refused by both. Source: PROFILES.md (k5-vpnaas) and neutron-lib vpn.py 3.1.0.
 */
static void test_policy_rules_table(void)
{
	static const struct {
		const char *path, *key, *attrs;
		int k5, upstream;
		const char *k5_msg;
	} cases[] = {
		{ "ikepolicies", "ikepolicy", "\"auth_algorithm\": \"sha256\"", 400, 201,
		  "Invalid input for auth_algorithm. Reason: 'sha256' is not in ['sha1']." },
		{ "ikepolicies", "ikepolicy", "\"encryption_algorithm\": \"3des\"", 400, 201,
		  "Invalid input for encryption_algorithm. Reason: '3des' is not in ['aes-128', "
		  "'aes-192', 'aes-256']." },
		{ "ikepolicies", "ikepolicy", "\"phase1_negotiation_mode\": \"aggressive\"", 400, 201,
		  "Invalid input for phase1_negotiation_mode. Reason: 'aggressive' is not in "
		  "['main']." },
		{ "ikepolicies", "ikepolicy", "\"ike_version\": \"v2\"", 400, 201,
		  "Invalid input for ike_version. Reason: 'v2' is not in ['v1']." },
		{ "ikepolicies", "ikepolicy", "\"lifetime\": {\"value\": 86401}", 400, 201,
		  "Invalid input for lifetime. Reason: '86401' is too large - must be no larger than "
		  "'86400'." },
		{ "ikepolicies", "ikepolicy", "\"lifetime\": {\"value\": 86400}", 201, 201, NULL },
		{ "ikepolicies", "ikepolicy", "\"lifetime\": {\"value\": 60}", 201, 201, NULL },
		{ "ikepolicies", "ikepolicy", "\"lifetime\": {\"value\": 59}", 400, 400,
		  "Invalid input for lifetime. Reason: '59' is too small - must be at least '60'." },
		{ "ikepolicies", "ikepolicy", "\"lifetime\": {\"units\": \"kilobytes\"}", 400, 400,
		  "Invalid input for lifetime. Reason: 'kilobytes' is not in ['seconds']." },
		{ "ikepolicies", "ikepolicy", "\"lifetime\": {\"value\": \"7200\"}", 201, 201, NULL },
		{ "ikepolicies", "ikepolicy", "\"lifetime\": {\"seconds\": 5}", 400, 400,
		  "Invalid input for lifetime. Reason: Unexpected keys supplied: seconds." },
		{ "ikepolicies", "ikepolicy", "\"lifetime\": 5", 400, 400,
		  "Invalid input for lifetime. Reason: the value is not a dictionary." },
		{ "ikepolicies", "ikepolicy", "\"pfs\": \"group15\"", 400, 400,
		  "Invalid input for pfs. Reason: 'group15' is not in ['group2', 'group5', "
		  "'group14']." },
		{ "ikepolicies", "ikepolicy", "\"auth_algorithm\": \"md5\"", 400, 400,
		  "Invalid input for auth_algorithm. Reason: 'md5' is not in ['sha1', 'sha256', "
		  "'sha384', 'sha512']." },
		{ "ikepolicies", "ikepolicy", "\"encryption_algorithm\": \"aes-192\", \"pfs\": "
		  "\"group2\"", 201, 201, NULL },
		{ "ipsecpolicies", "ipsecpolicy", "\"transform_protocol\": \"ah\"", 400, 201,
		  "Invalid input for transform_protocol. Reason: 'ah' is not in ['esp']." },
		{ "ipsecpolicies", "ipsecpolicy", "\"transform_protocol\": \"ah-esp\"", 400, 400,
		  "Invalid input for transform_protocol. Reason: 'ah-esp' is not in ['esp']." },
		{ "ipsecpolicies", "ipsecpolicy", "\"encapsulation_mode\": \"transport\"", 400, 201,
		  "Invalid input for encapsulation_mode. Reason: 'transport' is not in ['tunnel']." },
		{ "ipsecpolicies", "ipsecpolicy", "\"auth_algorithm\": \"sha512\"", 400, 201,
		  "Invalid input for auth_algorithm. Reason: 'sha512' is not in ['sha1']." },
		{ "ipsecpolicies", "ipsecpolicy", "\"lifetime\": {\"units\": \"seconds\", \"value\": "
		  "100000}", 400, 201, NULL },
		{ "ipsecpolicies", "ipsecpolicy", "\"status\": \"ACTIVE\"", 400, 400,
		  "Unrecognized attribute(s) 'status'" },
	};

	for (int upstream = 0; upstream < 2; upstream++) {
		struct k5_rig r;

		rig_init(&r, upstream);
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			char path[64];
			int want = upstream ? cases[i].upstream : cases[i].k5;

			snprintf(path, sizeof path, "/v2.0/vpn/%s", cases[i].path);
			rig_call(&r, "POST", path, "{\"%s\": {%s}}", cases[i].key, cases[i].attrs);
			if (r.status != want)
				fprintf(stderr, "case %zu (%s): %d, wanted %d: %s\n", i,
				        upstream ? "upstream" : "k5", r.status, want, r.raw);
			CU_ASSERT_EQUAL(r.status, want);
			if (!upstream && cases[i].k5_msg)
				CU_ASSERT_STRING_EQUAL(rig_s(&r, "NeutronError.message"),
				                       cases[i].k5_msg);
		}
		/* the strongSwan driver refuses ah-esp upstream with its own type */
		rig_call(&r, "POST", "/v2.0/vpn/ipsecpolicies", "{\"ipsecpolicy\": "
		         "{\"transform_protocol\": \"ah-esp\"}}");
		CU_ASSERT_STRING_EQUAL(rig_err(&r), upstream ? "IpsecValidationFailure" :
		                       "HTTPBadRequest");
		rig_free(&r);
	}
}

static void test_vpnservice(void)
{
	struct k5_rig r;
	struct k5_topo t;
	char rid[37], id[37], path[128];

	rig_init(&r, false);
	rig_topology(&r, &t);
	rig_call(&r, "GET", "/v2.0/vpn/vpnservices", NULL);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "vpnservices.0.status"), "PENDING_CREATE");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "vpnservices.0.external_v4_ip"), "198.51.100.2");
	CU_ASSERT(json_is_null(rig_at(&r, "vpnservices.0.external_v6_ip")));
	CU_ASSERT(json_is_true(rig_at(&r, "vpnservices.0.admin_state_up")));
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "vpnservices.0.subnet_id"), t.subnet);
	/* K5: one VPN service per router */
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/vpn/vpnservices", "{\"vpnservice\": "
	                         "{\"router_id\": \"%s\", \"subnet_id\": \"%s\"}}", t.router,
	                         t.subnet), 409);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "RouterInUse");
	/* a router without a gateway; a subnet the router is not on; unknown router */
	rig_create(&r, rid, "/v2.0/routers", "router", "{\"router\": {\"name\": \"bare\"}}");
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/vpn/vpnservices", "{\"vpnservice\": "
	                         "{\"router_id\": \"%s\"}}", rid), 400);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "RouterIsNotExternal");
	snprintf(path, sizeof path, "Router %s has no external network gateway set", rid);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "NeutronError.message"), path);
	snprintf(path, sizeof path, "/v2.0/routers/%s", rid);
	rig_call(&r, "PUT", path, "{\"router\": {\"external_gateway_info\": {\"network_id\": "
	         "\"%s\"}}}", t.ext_net);
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/vpn/vpnservices", "{\"vpnservice\": "
	                         "{\"router_id\": \"%s\", \"subnet_id\": \"%s\"}}", rid, t.subnet),
	                400);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "SubnetIsNotConnectedToRouter");
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/vpn/vpnservices", "{\"vpnservice\": "
	                         "{\"router_id\": \"nope\"}}"), 404);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "RouterNotFound");
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/vpn/vpnservices", "{\"vpnservice\": {}}"), 400);
	/* read-only on update; pending state refuses updates (K5: PENDING_CREATE until a
	 * connection exists) */
	snprintf(path, sizeof path, "/v2.0/vpn/vpnservices/%s", t.service);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"vpnservice\": {\"router_id\": \"%s\"}}",
	                         rid), 400);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "NeutronError.message"),
	                       "Cannot update read-only attribute router_id");
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"vpnservice\": {\"admin_state_up\": false}}"),
	                400);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "VPNStateInvalidToUpdate");
	/* the router and its gateway and interface are held by the service */
	snprintf(path, sizeof path, "/v2.0/routers/%s", t.router);
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 409);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "RouterInUse");
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"router\": {\"external_gateway_info\": {}}}"),
	                409);
	snprintf(path, sizeof path, "/v2.0/routers/%s/remove_router_interface", t.router);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"subnet_id\": \"%s\"}", t.subnet), 409);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "SubnetInUseByVPNService");
	rig_free(&r);

	/* upstream: a second service on the router is fine, and one without a subnet */
	rig_init(&r, true);
	rig_topology(&r, &t);
	CU_ASSERT_EQUAL(rig_create(&r, id, "/v2.0/vpn/vpnservices", "vpnservice", "{\"vpnservice\": "
	                           "{\"router_id\": \"%s\"}}", t.router), 201);
	CU_ASSERT(json_is_null(rig_at(&r, "vpnservice.subnet_id")));
	rig_free(&r);
}

static void test_connection_create_and_conversions(void)
{
	struct k5_rig r;
	struct k5_topo t;
	char id[37];

	rig_init(&r, false);
	rig_topology(&r, &t);
	/* OSC 8.1.0 sends peer_cidrs and mtu as strings */
	CU_ASSERT_EQUAL(rig_conn(&r, &t, id, "\"mtu\": \"1400\", \"name\": \"conn1\", \"dpd\": "
	                         "{\"action\": \"restart\", \"interval\": 10, \"timeout\": 30}"),
	                201);
	CU_ASSERT_EQUAL(rig_i(&r, "ipsec_site_connection.mtu"), 1400);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ipsec_site_connection.peer_cidrs.0"), "10.2.1.0/24");
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "ipsec_site_connection.peer_cidrs")), 1);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ipsec_site_connection.status"), "PENDING_CREATE");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ipsec_site_connection.route_mode"), "static");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ipsec_site_connection.auth_mode"), "psk");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ipsec_site_connection.initiator"), "bi-directional");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ipsec_site_connection.dpd.action"), "restart");
	CU_ASSERT_EQUAL(rig_i(&r, "ipsec_site_connection.dpd.interval"), 10);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ipsec_site_connection.local_id"), "");
	CU_ASSERT(json_is_null(rig_at(&r, "ipsec_site_connection.local_ep_group_id")));
	/* defaults: mtu 1500, dpd hold/30/120 (k5c sends no mtu) */
	CU_ASSERT_EQUAL(rig_conn(&r, &t, id, NULL), 201);
	CU_ASSERT_EQUAL(rig_i(&r, "ipsec_site_connection.mtu"), 1500);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ipsec_site_connection.dpd.action"), "hold");
	CU_ASSERT_EQUAL(rig_i(&r, "ipsec_site_connection.dpd.interval"), 30);
	CU_ASSERT_EQUAL(rig_i(&r, "ipsec_site_connection.dpd.timeout"), 120);
	/* a partial dpd is completed with the defaults */
	CU_ASSERT_EQUAL(rig_conn(&r, &t, id, "\"dpd\": {\"timeout\": 200}"), 201);
	CU_ASSERT_EQUAL(rig_i(&r, "ipsec_site_connection.dpd.timeout"), 200);
	CU_ASSERT_EQUAL(rig_i(&r, "ipsec_site_connection.dpd.interval"), 30);
	/* the service follows: still PENDING_CREATE until a connection is ACTIVE */
	rig_call(&r, "GET", "/v2.0/vpn/vpnservices", NULL);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "vpnservices.0.status"), "PENDING_CREATE");
	r.now = lab_sec(2);
	rig_call(&r, "GET", "/v2.0/vpn/ipsec-site-connections?name=conn1", NULL);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ipsec_site_connections.0.status"), "ACTIVE");
	rig_call(&r, "GET", "/v2.0/vpn/vpnservices", NULL);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "vpnservices.0.status"), "ACTIVE");
	/* administratively down: DOWN, not ACTIVE, after the delay */
	CU_ASSERT_EQUAL(rig_conn(&r, &t, id, "\"admin_state_up\": false"), 201);
	r.now = lab_sec(5);
	rig_call(&r, "GET", "/v2.0/vpn/ipsec-site-connections?admin_state_up=false", NULL);
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "ipsec_site_connections")), 1);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ipsec_site_connections.0.status"), "DOWN");
	rig_free(&r);
}

/* Connection validation, K5 and upstream. */
static void test_connection_rules_table(void)
{
	static const struct {
		const char *extra;      /* replaces fields of the rig's base connection */
		int k5, upstream;
		const char *type;       /* NeutronError type under K5 rules */
	} cases[] = {
		{ "\"dpd\": {\"interval\": 30, \"timeout\": 30}", 400, 400,
		  "IPsecSiteConnectionDpdIntervalValueError" },
		{ "\"dpd\": {\"interval\": 40}", 201, 201, NULL },           /* 40 < 120 */
		{ "\"dpd\": {\"interval\": 130}", 400, 400,
		  "IPsecSiteConnectionDpdIntervalValueError" },
		{ "\"dpd\": {\"action\": \"clear\"}", 400, 201, "HTTPBadRequest" },
		{ "\"dpd\": {\"action\": \"restart-by-peer\"}", 400, 201, "HTTPBadRequest" },
		{ "\"dpd\": {\"action\": \"explode\"}", 400, 400, "HTTPBadRequest" },
		{ "\"dpd\": {\"interval\": \"ten\"}", 400, 400, "HTTPBadRequest" },
		{ "\"dpd\": {\"interval\": -1, \"timeout\": 5}", 400, 400, "HTTPBadRequest" },
		{ "\"dpd\": {\"retries\": 3}", 400, 400, "HTTPBadRequest" },
		{ "\"mtu\": 67", 400, 400, "IPsecSiteConnectionMtuError" },
		{ "\"mtu\": 68", 201, 201, NULL },
		{ "\"mtu\": \"abc\"", 400, 400, "HTTPBadRequest" },
		{ "\"mtu\": -5", 400, 400, "HTTPBadRequest" },
		{ "\"peer_cidrs\": [\"10.2.1.0/24\", \"10.3.1.0/24\"]", 400, 201, "HTTPBadRequest" },
		{ "\"peer_cidrs\": [\"10.2.1.0/24\", \"2001:db8::/64\"]", 400, 400,
		  "MixedIPVersionsForPeerCidrs" },
		{ "\"peer_cidrs\": [\"10.2.1.300/24\"]", 400, 400, "IPsecSiteConnectionPeerCidrError" },
		{ "\"peer_cidrs\": []", 400, 400, "MissingPeerCidrs" },
		{ "\"peer_cidrs\": null", 400, 400, "MissingPeerCidrs" },
		{ "\"peer_address\": \"vpn.example.com\"", 400, 400, "VPNPeerAddressNotResolved" },
		{ "\"initiator\": \"response-only\"", 201, 201, NULL },
		{ "\"initiator\": \"sometimes\"", 400, 400, "HTTPBadRequest" },
		{ "\"local_ep_group_id\": \"x\"", 400, 400, "InvalidEndpointGroup" },
		{ "\"vpnservice_id\": \"nope\"", 404, 404, "VPNServiceNotFound" },
		{ "\"ikepolicy_id\": \"nope\"", 404, 404, "IKEPolicyNotFound" },
		{ "\"ipsecpolicy_id\": \"nope\"", 404, 404, "IPsecPolicyNotFound" },
		{ "\"status\": \"ACTIVE\"", 400, 400, "HTTPBadRequest" },
		{ "\"route_mode\": \"dynamic\"", 400, 400, "HTTPBadRequest" },
		{ "\"admin_state_up\": \"false\"", 201, 201, NULL },
	};

	for (int upstream = 0; upstream < 2; upstream++) {
		struct k5_rig r;
		struct k5_topo t;

		rig_init(&r, upstream);
		rig_topology(&r, &t);
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			int want = upstream ? cases[i].upstream : cases[i].k5;
			char extra[256], *text;
			json_t *base, *over;

			/* the rig's base connection with the case's keys laid over it */
			base = json_pack("{ss ss ss ss ss ss ss}", "vpnservice_id", t.service,
			                 "ikepolicy_id", t.ike, "ipsecpolicy_id", t.ipsec,
			                 "peer_address", "192.0.2.1", "peer_id", "192.0.2.1",
			                 "psk", "secret", "peer_cidrs", "10.2.1.0/24");
			snprintf(extra, sizeof extra, "{%s}", cases[i].extra);
			over = json_loads(extra, 0, NULL);
			CU_ASSERT_PTR_NOT_NULL_FATAL(over);
			json_object_update(base, over);
			text = json_dumps(base, JSON_COMPACT);
			rig_call(&r, "POST", "/v2.0/vpn/ipsec-site-connections",
			         "{\"ipsec_site_connection\": %s}", text);
			free(text);
			json_decref(base);
			json_decref(over);
			if (r.status != want)
				fprintf(stderr, "case %zu (%s): %d, wanted %d: %s\n", i,
				        upstream ? "upstream" : "k5", r.status, want, r.raw);
			CU_ASSERT_EQUAL(r.status, want);
			if (!upstream && cases[i].type)
				CU_ASSERT_STRING_EQUAL(rig_err(&r), cases[i].type);
			if (r.status == 201) {
				char path[128];

				snprintf(path, sizeof path, "/v2.0/vpn/ipsec-site-connections/%s",
				         rig_s(&r, "ipsec_site_connection.id"));
				CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 204);
			}
		}
		rig_free(&r);
	}
}

static void test_twenty_connections(void)
{
	for (int upstream = 0; upstream < 2; upstream++) {
		struct k5_rig r;
		struct k5_topo t;
		char id[37];

		rig_init(&r, upstream);
		rig_topology(&r, &t);
		for (int i = 0; i < 20; i++)
			CU_ASSERT_EQUAL(rig_conn(&r, &t, id, NULL), 201);
		CU_ASSERT_EQUAL(rig_conn(&r, &t, id, NULL), upstream ? 201 : 409);
		if (!upstream)
			CU_ASSERT_STRING_EQUAL(rig_err(&r), "Conflict");
		rig_call(&r, "GET", "/v2.0/vpn/ipsec-site-connections", NULL);
		CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "ipsec_site_connections")),
		                upstream ? 21 : 20);
		rig_free(&r);
	}
}

static void test_connection_update_and_in_use(void)
{
	struct k5_rig r;
	struct k5_topo t;
	char id[37], path[128], msg[256];

	rig_init(&r, false);
	rig_topology(&r, &t);
	CU_ASSERT_EQUAL(rig_conn(&r, &t, id, "\"name\": \"c\""), 201);
	snprintf(path, sizeof path, "/v2.0/vpn/ipsec-site-connections/%s", id);
	/* pending: no update yet */
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"ipsec_site_connection\": {}}"), 400);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "VPNStateInvalidToUpdate");
	snprintf(msg, sizeof msg, "Invalid state PENDING_CREATE of vpnaas resource %s for "
	         "updating", id);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "NeutronError.message"), msg);
	r.now = lab_sec(5);
	/* k5c's update bug sends an empty body: accepted */
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"ipsec_site_connection\": {}}"), 200);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ipsec_site_connection.status"), "PENDING_UPDATE");
	r.now = lab_sec(10);
	/* OSC set: dpd merged, peer_cidrs as a string */
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"ipsec_site_connection\": {\"dpd\": "
	                         "{\"timeout\": 150}, \"peer_cidrs\": \"10.3.0.0/24\", \"mtu\": "
	                         "\"1300\"}}"), 200);
	CU_ASSERT_EQUAL(rig_i(&r, "ipsec_site_connection.dpd.timeout"), 150);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ipsec_site_connection.dpd.action"), "hold");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ipsec_site_connection.peer_cidrs.0"), "10.3.0.0/24");
	CU_ASSERT_EQUAL(rig_i(&r, "ipsec_site_connection.mtu"), 1300);
	r.now = lab_sec(15);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"ipsec_site_connection\": {\"dpd\": "
	                         "{\"interval\": 150}}}"), 400);      /* 150 >= timeout 150 */
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"ipsec_site_connection\": "
	                         "{\"vpnservice_id\": \"%s\"}}", t.service), 400);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "NeutronError.message"),
	                       "Cannot update read-only attribute vpnservice_id");
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"ipsec_site_connection\": {\"status\": "
	                         "\"DOWN\"}}"), 400);
	/* policies in use: update and delete give 409 */
	snprintf(path, sizeof path, "/v2.0/vpn/ikepolicies/%s", t.ike);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"ikepolicy\": {\"pfs\": \"group5\"}}"), 409);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "IKEPolicyInUse");
	snprintf(msg, sizeof msg, "IKEPolicy %s is in use by existing IPsecSiteConnection and "
	         "can't be updated or deleted", t.ike);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "NeutronError.message"), msg);
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 409);
	snprintf(path, sizeof path, "/v2.0/vpn/ipsecpolicies/%s", t.ipsec);
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 409);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "IPsecPolicyInUse");
	snprintf(path, sizeof path, "/v2.0/vpn/vpnservices/%s", t.service);
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 409);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "VPNServiceInUse");
	/* the service can be updated once it is ACTIVE */
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"vpnservice\": {\"name\": \"v\", "
	                         "\"admin_state_up\": false}}"), 200);
	/* delete the connection, then everything comes free */
	snprintf(path, sizeof path, "/v2.0/vpn/ipsec-site-connections/%s", id);
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 204);
	CU_ASSERT_EQUAL(rig_call(&r, "GET", path, NULL), 404);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "IPsecSiteConnectionNotFound");
	snprintf(path, sizeof path, "/v2.0/vpn/ikepolicies/%s", t.ike);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"ikepolicy\": {\"pfs\": \"group2\"}}"), 200);
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 204);
	snprintf(path, sizeof path, "/v2.0/vpn/vpnservices/%s", t.service);
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 204);
	snprintf(path, sizeof path, "/v2.0/routers/%s/remove_router_interface", t.router);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"subnet_id\": \"%s\"}", t.subnet), 200);
	snprintf(path, sizeof path, "/v2.0/routers/%s", t.router);
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 204);
	rig_free(&r);
}

static void test_endpoint_groups(void)
{
	struct k5_rig r;
	struct k5_topo t;
	char svc[37], local[37], peer[37], id[37], path[128];

	rig_init(&r, true);
	rig_topology(&r, &t);
	CU_ASSERT_EQUAL(rig_create(&r, peer, "/v2.0/vpn/endpoint-groups", "endpoint_group",
	                           "{\"endpoint_group\": {\"name\": \"peers\", \"type\": \"cidr\", "
	                           "\"endpoints\": [\"10.2.0.0/24\", \"10.3.0.0/24\"]}}"), 201);
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "endpoint_group.endpoints")), 2);
	CU_ASSERT_EQUAL(rig_create(&r, local, "/v2.0/vpn/endpoint-groups", "endpoint_group",
	                           "{\"endpoint_group\": {\"type\": \"subnet\", \"endpoints\": "
	                           "\"%s\"}}", t.subnet), 201);            /* convert_to_list */
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/vpn/endpoint-groups", "{\"endpoint_group\": "
	                         "{\"type\": \"cidr\", \"endpoints\": []}}"), 400);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "MissingEndpointForEndpointGroup");
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/vpn/endpoint-groups", "{\"endpoint_group\": "
	                         "{\"type\": \"cidr\", \"endpoints\": [\"10.0.0.0/33\"]}}"), 400);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "InvalidEndpointInEndpointGroup");
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/vpn/endpoint-groups", "{\"endpoint_group\": "
	                         "{\"type\": \"cidr\", \"endpoints\": [\"10.0.0.0/8\", "
	                         "\"10.0.0.0/8\"]}}"), 400);
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/vpn/endpoint-groups", "{\"endpoint_group\": "
	                         "{\"type\": \"subnet\", \"endpoints\": [\"nope\"]}}"), 400);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "NonExistingSubnetInEndpointGroup");
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/vpn/endpoint-groups", "{\"endpoint_group\": "
	                         "{\"type\": \"mpls\", \"endpoints\": [\"x\"]}}"), 400);
	/* a service without a subnet takes endpoint groups, not peer CIDRs */
	rig_create(&r, svc, "/v2.0/vpn/vpnservices", "vpnservice", "{\"vpnservice\": "
	           "{\"router_id\": \"%s\"}}", t.router);
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/vpn/ipsec-site-connections",
	                         "{\"ipsec_site_connection\": {\"vpnservice_id\": \"%s\", "
	                         "\"ikepolicy_id\": \"%s\", \"ipsecpolicy_id\": \"%s\", "
	                         "\"peer_address\": \"192.0.2.1\", \"peer_id\": \"x\", \"psk\": "
	                         "\"s\", \"peer_cidrs\": [\"10.2.0.0/24\"]}}", svc, t.ike,
	                         t.ipsec), 400);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "PeerCidrsInvalid");
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/vpn/ipsec-site-connections",
	                         "{\"ipsec_site_connection\": {\"vpnservice_id\": \"%s\", "
	                         "\"ikepolicy_id\": \"%s\", \"ipsecpolicy_id\": \"%s\", "
	                         "\"peer_address\": \"192.0.2.1\", \"peer_id\": \"x\", \"psk\": "
	                         "\"s\", \"local_ep_group_id\": \"%s\"}}", svc, t.ike, t.ipsec,
	                         local), 400);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "MissingRequiredEndpointGroup");
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/vpn/ipsec-site-connections",
	                         "{\"ipsec_site_connection\": {\"vpnservice_id\": \"%s\", "
	                         "\"ikepolicy_id\": \"%s\", \"ipsecpolicy_id\": \"%s\", "
	                         "\"peer_address\": \"192.0.2.1\", \"peer_id\": \"x\", \"psk\": "
	                         "\"s\", \"local_ep_group_id\": \"%s\", \"peer_ep_group_id\": "
	                         "\"%s\"}}", svc, t.ike, t.ipsec, peer, local), 400);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "WrongEndpointGroupType");
	CU_ASSERT_EQUAL(rig_create(&r, id, "/v2.0/vpn/ipsec-site-connections",
	                           "ipsec_site_connection", "{\"ipsec_site_connection\": "
	                           "{\"vpnservice_id\": \"%s\", \"ikepolicy_id\": \"%s\", "
	                           "\"ipsecpolicy_id\": \"%s\", \"peer_address\": \"192.0.2.1\", "
	                           "\"peer_id\": \"x\", \"psk\": \"s\", \"local_ep_group_id\": "
	                           "\"%s\", \"peer_ep_group_id\": \"%s\"}}", svc, t.ike, t.ipsec,
	                           local, peer), 201);
	CU_ASSERT(json_is_array(rig_at(&r, "ipsec_site_connection.peer_cidrs")));
	/* the intent resolves both groups */
	snprintf(path, sizeof path, "/vpnlab/v1/intents/%s", id);
	CU_ASSERT_EQUAL(rig_call(&r, "GET", path, NULL), 200);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "intent.local_cidrs.0"), "10.1.1.0/24");
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "intent.peer_cidrs")), 2);
	snprintf(path, sizeof path, "/v2.0/vpn/endpoint-groups/%s", peer);
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 400);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "EndpointGroupInUse");
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"endpoint_group\": {\"endpoints\": []}}"),
	                400);                                   /* endpoints are POST-only */
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"endpoint_group\": {\"name\": \"p2\"}}"), 200);
	rig_free(&r);
}

/* ---- the gateway interface ---- */

struct fake_gw {
	int created, updated, deleted;
	struct k5_conn_intent last;
	char deleted_id[40];
	struct k5_mock *k;
	int set_rc;
};

static void gw_created(void *ctx, const struct k5_conn_intent *in)
{
	struct fake_gw *g = ctx;

	g->created++;
	g->last = *in;
	/* the harness may report back from inside the callback: the connection is stored */
	g->set_rc = k5_mock_set_conn_status(g->k, in->id, "PENDING_CREATE");
}

static void gw_updated(void *ctx, const struct k5_conn_intent *in)
{
	struct fake_gw *g = ctx;

	g->updated++;
	g->last = *in;
}

static void gw_deleted(void *ctx, const char *id)
{
	struct fake_gw *g = ctx;

	g->deleted++;
	snprintf(g->deleted_id, sizeof g->deleted_id, "%s", id);
}

static void test_gateway_intent(void)
{
	struct k5_rig r;
	struct k5_topo t;
	struct fake_gw g = { 0 };
	struct k5_gateway gw = { gw_created, gw_updated, gw_deleted, &g };
	char id[37], fip[37], port[37], path[160];

	rig_init(&r, false);
	g.k = r.k;
	g.set_rc = -1;
	rig_topology(&r, &t);
	/* K5's local endpoint: a FIP on the router interface port of the service subnet */
	snprintf(path, sizeof path, "/v2.0/ports?device_id=%s", t.router);
	rig_call(&r, "GET", path, NULL);
	snprintf(port, sizeof port, "%s", rig_s(&r, "ports.0.id"));
	rig_create(&r, fip, "/v2.0/floatingips", "floatingip", "{\"floatingip\": "
	           "{\"floating_network_id\": \"%s\", \"port_id\": \"%s\"}}", t.ext_net, port);
	k5_mock_attach_gateway(r.k, &gw);
	CU_ASSERT_EQUAL(rig_conn(&r, &t, id, "\"name\": \"az1-az2\", \"mtu\": \"1400\", \"dpd\": "
	                         "{\"action\": \"restart\", \"interval\": 10, \"timeout\": 30}, "
	                         "\"initiator\": \"response-only\""), 201);
	CU_ASSERT_EQUAL(g.created, 1);
	CU_ASSERT_EQUAL(g.set_rc, 0);
	CU_ASSERT_STRING_EQUAL(g.last.id, id);
	CU_ASSERT_STRING_EQUAL(g.last.name, "az1-az2");
	CU_ASSERT_STRING_EQUAL(g.last.router_id, t.router);
	CU_ASSERT_STRING_EQUAL(g.last.vpnservice_id, t.service);
	CU_ASSERT_STRING_EQUAL(g.last.peer_address, "192.0.2.1");
	CU_ASSERT_STRING_EQUAL(g.last.peer_id, "192.0.2.1");
	CU_ASSERT_STRING_EQUAL(g.last.psk, "secret");
	CU_ASSERT_EQUAL(g.last.nlocal, 1);
	CU_ASSERT_STRING_EQUAL(g.last.local_cidrs[0], "10.1.1.0/24");
	CU_ASSERT_EQUAL(g.last.npeer, 1);
	CU_ASSERT_STRING_EQUAL(g.last.peer_cidrs[0], "10.2.1.0/24");
	CU_ASSERT_STRING_EQUAL(g.last.ike.encryption, "aes-256");
	CU_ASSERT_STRING_EQUAL(g.last.ike.auth, "sha1");
	CU_ASSERT_STRING_EQUAL(g.last.ike.pfs, "group14");
	CU_ASSERT_STRING_EQUAL(g.last.ike.phase1_mode, "main");
	CU_ASSERT_STRING_EQUAL(g.last.ike.ike_version, "v1");
	CU_ASSERT_EQUAL(g.last.ike.lifetime_s, 86400);
	CU_ASSERT_STRING_EQUAL(g.last.ipsec.encryption, "aes-256");
	CU_ASSERT_STRING_EQUAL(g.last.ipsec.transform, "esp");
	CU_ASSERT_STRING_EQUAL(g.last.ipsec.encapsulation, "tunnel");
	CU_ASSERT_EQUAL(g.last.ipsec.lifetime_s, 28800);
	CU_ASSERT_STRING_EQUAL(g.last.dpd.action, "restart");
	CU_ASSERT_EQUAL(g.last.dpd.interval_s, 10);
	CU_ASSERT_EQUAL(g.last.dpd.timeout_s, 30);
	CU_ASSERT_STRING_EQUAL(g.last.initiator, "response-only");
	CU_ASSERT_EQUAL(g.last.mtu, 1400);
	CU_ASSERT(g.last.admin_state_up);
	CU_ASSERT_STRING_EQUAL(g.last.router_external_ip, "198.51.100.2");
	CU_ASSERT_STRING_EQUAL(g.last.floating_ip, "198.51.100.3");
	/* with a gateway, no timer: status stays until the harness reports */
	r.now = lab_sec(60);
	snprintf(path, sizeof path, "/v2.0/vpn/ipsec-site-connections/%s", id);
	rig_call(&r, "GET", path, NULL);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ipsec_site_connection.status"), "PENDING_CREATE");
	CU_ASSERT_EQUAL(k5_mock_set_conn_status(r.k, id, "ACTIVE"), 0);
	rig_call(&r, "GET", path, NULL);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ipsec_site_connection.status"), "ACTIVE");
	rig_call(&r, "GET", "/v2.0/vpn/vpnservices", NULL);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "vpnservices.0.status"), "ACTIVE");
	CU_ASSERT_EQUAL(k5_mock_set_conn_status(r.k, id, "DOWN"), 0);
	rig_call(&r, "GET", "/v2.0/vpn/vpnservices", NULL);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "vpnservices.0.status"), "DOWN");
	CU_ASSERT_EQUAL(k5_mock_set_conn_status(r.k, id, "UP"), -EINVAL);
	CU_ASSERT_EQUAL(k5_mock_set_conn_status(r.k, id, NULL), -EINVAL);
	CU_ASSERT_EQUAL(k5_mock_set_conn_status(r.k, "nope", "ACTIVE"), -ENOENT);
	/* update and delete reach the gateway */
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"ipsec_site_connection\": {\"psk\": "
	                         "\"new\"}}"), 200);
	CU_ASSERT_EQUAL(g.updated, 1);
	CU_ASSERT_STRING_EQUAL(g.last.psk, "new");
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 204);
	CU_ASSERT_EQUAL(g.deleted, 1);
	CU_ASSERT_STRING_EQUAL(g.deleted_id, id);
	rig_free(&r);
}

static void test_standalone_intents_endpoint(void)
{
	struct k5_rig r;
	struct k5_topo t;
	char a[37], b[37], path[128];

	rig_init(&r, false);
	rig_topology(&r, &t);
	rig_conn(&r, &t, a, "\"name\": \"a\"");
	CU_ASSERT_EQUAL(rig_create(&r, b, "/v2.0/vpn/ipsec-site-connections",
	                           "ipsec_site_connection", "{\"ipsec_site_connection\": "
	                           "{\"vpnservice_id\": \"%s\", \"ikepolicy_id\": \"%s\", "
	                           "\"ipsecpolicy_id\": \"%s\", \"peer_address\": "
	                           "\"198.51.100.77\", \"peer_id\": \"p\", \"psk\": \"s\", "
	                           "\"peer_cidrs\": [\"10.9.0.0/16\"]}}", t.service, t.ike,
	                           t.ipsec), 201);
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/vpnlab/v1/intents", NULL), 200);
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "intents")), 2);
	snprintf(path, sizeof path, "/vpnlab/v1/intents/%s", b);
	CU_ASSERT_EQUAL(rig_call(&r, "GET", path, NULL), 200);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "intent.peer_address"), "198.51.100.77");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "intent.ike.encryption_algorithm"), "aes-256");
	CU_ASSERT_EQUAL(rig_i(&r, "intent.ipsec.lifetime_s"), 28800);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "intent.router_external_ip"), "198.51.100.2");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "intent.floating_ip"), "");
	snprintf(path, sizeof path, "/v2.0/vpn/ipsec-site-connections/%s", b);
	rig_call(&r, "DELETE", path, NULL);
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/vpnlab/v1/intents", NULL), 200);
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "intents")), 1);
	snprintf(path, sizeof path, "/vpnlab/v1/intents/%s", b);
	CU_ASSERT_EQUAL(rig_call(&r, "GET", path, NULL), 404);
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/vpnlab/v1/intents", "{}"), 405);
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/vpnlab/v2/intents", NULL), 404);
	rig_free(&r);
}

struct log_capture {
	char lines[8][160];
	int n;
};

static void capture(void *ctx, const char *line)
{
	struct log_capture *c = ctx;

	if (c->n < 8)
		snprintf(c->lines[c->n++], sizeof c->lines[0], "%s", line);
}

/* Every status change goes through one function that logs old -> new. */
static void test_status_log(void)
{
	struct k5_config cfg;
	struct log_capture cap = { .n = 0 };
	struct k5_rig r;
	struct k5_topo t;
	char id[37], want[160];
	bool seen = false;

	k5_config_default(&cfg);
	cfg.log = capture;
	cfg.log_ctx = &cap;
	rig_init_cfg(&r, &cfg);
	rig_topology(&r, &t);
	rig_conn(&r, &t, id, NULL);
	cap.n = 0;
	r.now = lab_sec(2);
	rig_call(&r, "GET", "/v2.0/vpn/vpnservices", NULL);
	snprintf(want, sizeof want, "k5: ipsec_site_connection %s: PENDING_CREATE -> ACTIVE", id);
	for (int i = 0; i < cap.n; i++)
		seen |= !strcmp(cap.lines[i], want);
	CU_ASSERT(seen);
	snprintf(want, sizeof want, "k5: vpnservice %s: PENDING_CREATE -> ACTIVE", t.service);
	CU_ASSERT_EQUAL(cap.n, 2);
	CU_ASSERT_STRING_EQUAL(cap.lines[1], want);
	/* no change, no line */
	rig_call(&r, "GET", "/v2.0/vpn/vpnservices", NULL);
	CU_ASSERT_EQUAL(cap.n, 2);
	rig_free(&r);
}

UNIT_SUITE(k5_vpnaas,
	UNIT_TEST(test_status_log),
	UNIT_TEST(test_policy_defaults),
	UNIT_TEST(test_policy_rules_table),
	UNIT_TEST(test_vpnservice),
	UNIT_TEST(test_connection_create_and_conversions),
	UNIT_TEST(test_connection_rules_table),
	UNIT_TEST(test_twenty_connections),
	UNIT_TEST(test_connection_update_and_in_use),
	UNIT_TEST(test_endpoint_groups),
	UNIT_TEST(test_gateway_intent),
	UNIT_TEST(test_standalone_intents_endpoint))
