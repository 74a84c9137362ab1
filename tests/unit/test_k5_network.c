/*
 * Neutron core resources and the generic request handling: defaults, K5's availability_zone,
 * body errors with neutron's messages (api/v2/base.py), list filters, extensions, and the
 * NeutronError shape (research note section 3).
 */
#include "tests/unit/test_k5_rig.h"
#include "tests/unit/unit.h"

#include <stdio.h>
#include <string.h>

static void test_external_networks_provisioned(void)
{
	struct k5_rig r;

	rig_init(&r, false);
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/v2.0/networks?router%3Aexternal=true", NULL), 200);
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "networks")), 2);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "networks.0.name"), "inf_az1_ext-net01");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "networks.0.availability_zone"), "jp-east-1a");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "networks.1.name"), "inf_az2_ext-net01");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "networks.1.availability_zone"), "jp-east-1b");
	CU_ASSERT(json_is_true(rig_at(&r, "networks.0.shared")));
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "networks.0.subnets")), 1);
	rig_free(&r);
}

static void test_network_defaults(void)
{
	struct k5_rig r;
	char id[37], path[128];

	rig_init(&r, false);
	CU_ASSERT_EQUAL(rig_create(&r, id, "/v2.0/networks", "network", "{\"network\": {}}"), 201);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "network.name"), "");         /* never null */
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "network.description"), "");
	CU_ASSERT(json_is_true(rig_at(&r, "network.admin_state_up")));
	CU_ASSERT(json_is_false(rig_at(&r, "network.shared")));
	CU_ASSERT(json_is_false(rig_at(&r, "network.router:external")));
	CU_ASSERT(json_is_array(rig_at(&r, "network.subnets")));
	CU_ASSERT(json_is_array(rig_at(&r, "network.tags")));
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "network.status"), "ACTIVE");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "network.availability_zone"), "jp-east-1a");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "network.tenant_id"), "a5001a8b9c4a4712985c11377bd6d4fe");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "network.project_id"), "a5001a8b9c4a4712985c11377bd6d4fe");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "network.created_at"), "2017-05-02T09:11:58Z");
	/* UUID v4 (k5c's stdin regex wants the 4 and the variant) */
	CU_ASSERT_EQUAL(strlen(id), 36);
	CU_ASSERT_EQUAL(id[14], '4');
	CU_ASSERT_PTR_NOT_NULL(strchr("89ab", id[19]));
	/* availability_zone and tenant_id (the token's own) are accepted */
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/networks", "{\"network\": {\"name\": \"n2\", "
	                         "\"availability_zone\": \"jp-east-1b\", \"tenant_id\": "
	                         "\"a5001a8b9c4a4712985c11377bd6d4fe\"}}"), 201);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "network.availability_zone"), "jp-east-1b");
	/* show, an empty update, delete, and 404 afterwards */
	snprintf(path, sizeof path, "/v2.0/networks/%s", id);
	CU_ASSERT_EQUAL(rig_call(&r, "GET", path, NULL), 200);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "network.id"), id);
	r.now = lab_sec(61);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"network\": {}}"), 200);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "network.updated_at"), "2017-05-02T09:12:59Z");
	CU_ASSERT_EQUAL(rig_i(&r, "network.revision_number"), 1);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"network\": {\"name\": \"x\", "
	                         "\"admin_state_up\": \"False\"}}"), 200);
	CU_ASSERT(json_is_false(rig_at(&r, "network.admin_state_up")));  /* convert_to_boolean */
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 204);
	CU_ASSERT_PTR_NULL(r.body);
	CU_ASSERT_EQUAL(rig_call(&r, "GET", path, NULL), 404);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "NetworkNotFound");
	CU_ASSERT(strstr(rig_s(&r, "NeutronError.message"), id) != NULL);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "NeutronError.detail"), "");
	rig_free(&r);
}

/* Request bodies neutron refuses, with its messages. */
static void test_body_errors(void)
{
	static const struct {
		const char *method, *path, *body;
		int status;
		const char *type, *msg;
	} cases[] = {
		{ "POST", "/v2.0/networks", "{\"network\": {\"name\": \"a\"", 400, "HTTPBadRequest",
		  "Malformed JSON in request body" },
		{ "POST", "/v2.0/networks", NULL, 400, "HTTPBadRequest", "Resource body required" },
		{ "POST", "/v2.0/networks", "[]", 400, "HTTPBadRequest", "Resource body required" },
		{ "POST", "/v2.0/networks", "{\"net\": {}}", 400, "HTTPBadRequest",
		  "Unable to find 'network' in request body" },
		{ "POST", "/v2.0/networks", "{\"network\": 5}", 400, "HTTPBadRequest",
		  "Invalid format: 'network' must be a dictionary" },
		{ "POST", "/v2.0/networks", "{\"network\": {\"foo\": 1, \"bar\": 2}}", 400,
		  "HTTPBadRequest", "Unrecognized attribute(s) 'foo, bar'" },
		{ "POST", "/v2.0/networks", "{\"network\": {\"id\": \"x\"}}", 400, "HTTPBadRequest",
		  "Attribute 'id' not allowed in POST" },
		{ "POST", "/v2.0/networks", "{\"network\": {\"status\": \"DOWN\"}}", 400,
		  "HTTPBadRequest", "Attribute 'status' not allowed in POST" },
		{ "POST", "/v2.0/networks", "{\"network\": {\"name\": 5}}", 400, "HTTPBadRequest",
		  "Invalid input for name. Reason: 'non-string value' is not a valid string." },
		{ "POST", "/v2.0/networks", "{\"network\": {\"name\": null}}", 400, "HTTPBadRequest",
		  "Invalid input for name. Reason: 'None' is not a valid string." },
		{ "POST", "/v2.0/networks", "{\"network\": {\"admin_state_up\": \"maybe\"}}", 400,
		  "HTTPBadRequest", "Invalid input for admin_state_up. Reason: 'maybe' cannot be "
		  "converted to boolean." },
		{ "POST", "/v2.0/networks", "{\"network\": {\"tenant_id\": \"other\"}}", 400,
		  "HTTPBadRequest", "Specifying 'project_id' or 'tenant_id' other than the "
		  "authenticated project in request requires admin privileges" },
		{ "POST", "/v2.0/subnets", "{\"subnet\": {\"ip_version\": 4}}", 400, "HTTPBadRequest",
		  "Failed to parse request. Required attribute 'network_id' not specified" },
		{ "POST", "/v2.0/networks", "{\"network\": {}, \"network\": {}}", 400,
		  "HTTPBadRequest", "Malformed JSON in request body" },
		{ "PATCH", "/v2.0/networks", "{}", 405, "HTTPMethodNotAllowed", "PATCH" },
		{ "GET", "/v2.0/nothing", NULL, 404, "HTTPNotFound", "could not be found" },
		{ "GET", "/v2.0/networks/a/b/c", NULL, 404, "HTTPNotFound", "could not be found" },
		{ "GET", "/v3.0/networks", NULL, 404, "HTTPNotFound", "could not be found" },
		{ "PUT", "/v2.0/networks/none", "{\"network\": {}}", 404, "NetworkNotFound",
		  "Network none could not be found." },
	};
	struct k5_rig r;
	char long_name[400];

	rig_init(&r, false);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (cases[i].body)
			rig_call(&r, cases[i].method, cases[i].path, "%s", cases[i].body);
		else
			rig_call(&r, cases[i].method, cases[i].path, NULL);
		CU_ASSERT_EQUAL(r.status, cases[i].status);
		CU_ASSERT_STRING_EQUAL(rig_err(&r), cases[i].type);
		if (!strstr(rig_s(&r, "NeutronError.message"), cases[i].msg))
			fprintf(stderr, "case %zu: message '%s'\n", i, rig_s(&r, "NeutronError.message"));
		CU_ASSERT_PTR_NOT_NULL(strstr(rig_s(&r, "NeutronError.message"), cases[i].msg));
	}
	memset(long_name, 'n', 300);
	long_name[300] = '\0';
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/networks", "{\"network\": {\"name\": \"%s\"}}",
	                         long_name), 400);
	CU_ASSERT_PTR_NOT_NULL(strstr(rig_s(&r, "NeutronError.message"), "maximum length of 255"));
	/* nothing was created by any of these */
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/v2.0/networks", NULL), 200);
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "networks")), 2);
	rig_free(&r);
}

static void test_subnets(void)
{
	struct k5_rig r;
	char net[37], sub[37], path[128];

	rig_init(&r, false);
	rig_create(&r, net, "/v2.0/networks", "network", "{\"network\": {\"name\": \"n\"}}");
	/* k5c's bug: dns_nameservers beside "subnet" is ignored, not an error */
	CU_ASSERT_EQUAL(rig_create(&r, sub, "/v2.0/subnets", "subnet", "{\"subnet\": {\"name\": "
	                           "\"s\", \"network_id\": \"%s\", \"ip_version\": 4, \"cidr\": "
	                           "\"10.1.1.0/24\", \"enable_dhcp\": true}, \"dns_nameservers\": "
	                           "[\"133.162.193.9\"]}", net), 201);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "subnet.gateway_ip"), "10.1.1.1");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "subnet.allocation_pools.0.start"), "10.1.1.2");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "subnet.allocation_pools.0.end"), "10.1.1.254");
	CU_ASSERT(json_is_array(rig_at(&r, "subnet.dns_nameservers")));
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "subnet.dns_nameservers")), 0);
	CU_ASSERT(json_is_array(rig_at(&r, "subnet.host_routes")));
	snprintf(path, sizeof path, "/v2.0/networks/%s", net);
	rig_call(&r, "GET", path, NULL);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "network.subnets.0"), sub);

	/* gateway_ip null: no gateway; a gateway outside the CIDR is refused */
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/subnets", "{\"subnet\": {\"network_id\": "
	                         "\"%s\", \"ip_version\": 4, \"cidr\": \"10.9.0.0/16\", "
	                         "\"gateway_ip\": null}}", net), 201);
	CU_ASSERT(json_is_null(rig_at(&r, "subnet.gateway_ip")));
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/subnets", "{\"subnet\": {\"network_id\": "
	                         "\"%s\", \"ip_version\": 4, \"cidr\": \"10.8.0.0/16\", "
	                         "\"gateway_ip\": \"10.7.0.1\"}}", net), 400);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "InvalidInput");
	/* bad CIDRs, version mismatch, unknown network */
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/subnets", "{\"subnet\": {\"network_id\": "
	                         "\"%s\", \"ip_version\": 4, \"cidr\": \"10.1.2.3/24\"}}", net), 400);
	CU_ASSERT_PTR_NOT_NULL(strstr(rig_s(&r, "NeutronError.message"), "Invalid input for cidr"));
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/subnets", "{\"subnet\": {\"network_id\": "
	                         "\"%s\", \"ip_version\": 4, \"cidr\": \"banana\"}}", net), 400);
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/subnets", "{\"subnet\": {\"network_id\": "
	                         "\"%s\", \"ip_version\": 6, \"cidr\": \"10.3.0.0/24\"}}", net), 400);
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/subnets", "{\"subnet\": {\"network_id\": "
	                         "\"%s\", \"ip_version\": 5, \"cidr\": \"10.3.0.0/24\"}}", net), 400);
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/subnets", "{\"subnet\": {\"network_id\": "
	                         "\"nope\", \"ip_version\": 4, \"cidr\": \"10.3.0.0/24\"}}"), 404);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "NetworkNotFound");
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/subnets", "{\"subnet\": {\"network_id\": "
	                         "\"%s\", \"ip_version\": 6, \"cidr\": \"2001:db8::/64\"}}", net),
	                201);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "subnet.gateway_ip"), "2001:db8::1");
	/* read-only on update */
	snprintf(path, sizeof path, "/v2.0/subnets/%s", sub);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"subnet\": {\"network_id\": \"%s\"}}", net),
	                400);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "NeutronError.message"),
	                       "Cannot update read-only attribute network_id");
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"subnet\": {\"host_routes\": [{\"destination\""
	                         ": \"10.5.0.0/16\", \"nexthop\": \"10.1.1.9\"}], "
	                         "\"dns_nameservers\": [\"133.162.193.9\"]}}"), 200);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "subnet.dns_nameservers.0"), "133.162.193.9");
	rig_free(&r);
}

static void test_ports_and_in_use(void)
{
	struct k5_rig r;
	char net[37], sub[37], p1[37], p2[37], path[128];

	rig_init(&r, false);
	rig_create(&r, net, "/v2.0/networks", "network", "{\"network\": {\"name\": \"n\"}}");
	rig_create(&r, sub, "/v2.0/subnets", "subnet", "{\"subnet\": {\"network_id\": \"%s\", "
	           "\"ip_version\": 4, \"cidr\": \"10.1.1.0/29\"}}", net);
	CU_ASSERT_EQUAL(rig_create(&r, p1, "/v2.0/ports", "port", "{\"port\": {\"network_id\": "
	                           "\"%s\", \"admin_state_up\": true, \"availability_zone\": "
	                           "\"jp-east-1a\"}}", net), 201);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "port.fixed_ips.0.ip_address"), "10.1.1.2");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "port.fixed_ips.0.subnet_id"), sub);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "port.status"), "DOWN");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "port.device_owner"), "");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "port.binding:vnic_type"), "normal");
	CU_ASSERT_EQUAL(strncmp(rig_s(&r, "port.mac_address"), "fa:16:3e:", 9), 0);
	CU_ASSERT_EQUAL(strlen(rig_s(&r, "port.mac_address")), 17);
	CU_ASSERT_EQUAL(rig_create(&r, p2, "/v2.0/ports", "port", "{\"port\": {\"network_id\": "
	                           "\"%s\", \"fixed_ips\": [{\"subnet_id\": \"%s\", \"ip_address\": "
	                           "\"10.1.1.5\"}]}}", net, sub), 201);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "port.fixed_ips.0.ip_address"), "10.1.1.5");
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/ports", "{\"port\": {\"network_id\": \"%s\", "
	                         "\"fixed_ips\": [{\"ip_address\": \"10.1.1.5\"}]}}", net), 409);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "IpAddressInUse");
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/ports", "{\"port\": {\"network_id\": \"%s\", "
	                         "\"fixed_ips\": [{\"ip_address\": \"10.1.2.5\"}]}}", net), 400);
	/* .1 gateway, .2 and .5 taken: .3, .4, .6 remain in a /29 (broadcast .7 excluded) */
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/ports", "{\"port\": {\"network_id\": "
		                         "\"%s\"}}", net), 201);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "port.fixed_ips.0.ip_address"), "10.1.1.6");
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/ports", "{\"port\": {\"network_id\": \"%s\"}}",
	                         net), 409);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "IpAddressGenerationFailure");
	/* in use: network and subnet with ports */
	snprintf(path, sizeof path, "/v2.0/networks/%s", net);
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 409);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "NetworkInUse");
	snprintf(path, sizeof path, "/v2.0/subnets/%s", sub);
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 409);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "SubnetInUse");
	{
		char want[256];

		snprintf(want, sizeof want, "Unable to complete operation on subnet %s: One or "
		         "more ports have an IP allocation from this subnet.", sub);
		CU_ASSERT_STRING_EQUAL(rig_s(&r, "NeutronError.message"), want);
	}
	/* show, update and delete a port; then every port, the subnet and the network go */
	snprintf(path, sizeof path, "/v2.0/ports/%s", p1);
	CU_ASSERT_EQUAL(rig_call(&r, "GET", path, NULL), 200);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "port.id"), p1);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"port\": {\"name\": \"renamed\"}}"), 200);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "port.name"), "renamed");
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"port\": {\"network_id\": \"x\"}}"), 400);
	rig_call(&r, "GET", "/v2.0/ports", NULL);
	{
		json_t *list = json_deep_copy(rig_at(&r, "ports")), *p;
		size_t i;

		json_array_foreach(list, i, p) {
			snprintf(path, sizeof path, "/v2.0/ports/%s",
			         json_string_value(json_object_get(p, "id")));
			CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 204);
		}
		CU_ASSERT_EQUAL(json_array_size(list), 5);
		json_decref(list);
	}
	snprintf(path, sizeof path, "/v2.0/subnets/%s", sub);
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 204);
	snprintf(path, sizeof path, "/v2.0/networks/%s", net);
	rig_call(&r, "GET", path, NULL);
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "network.subnets")), 0);
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 204);
	rig_free(&r);
}

static void test_filters(void)
{
	struct k5_rig r;
	char a[37], b[37], c[37], q[256];

	rig_init(&r, false);
	rig_create(&r, a, "/v2.0/networks", "network", "{\"network\": {\"name\": \"alpha\"}}");
	rig_create(&r, b, "/v2.0/networks", "network", "{\"network\": {\"name\": \"beta\", "
	           "\"admin_state_up\": false}}");
	rig_create(&r, c, "/v2.0/networks", "network", "{\"network\": {\"name\": \"two words\"}}");
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/v2.0/networks?name=alpha", NULL), 200);
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "networks")), 1);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "networks.0.id"), a);
	/* repeated keys are ORed */
	snprintf(q, sizeof q, "/v2.0/networks?id=%s&id=%s", a, b);
	rig_call(&r, "GET", q, NULL);
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "networks")), 2);
	/* different keys are ANDed */
	snprintf(q, sizeof q, "/v2.0/networks?id=%s&name=beta", a);
	rig_call(&r, "GET", q, NULL);
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "networks")), 0);
	/* booleans, form encoding, unknown filters ignored, fields= selection */
	rig_call(&r, "GET", "/v2.0/networks?admin_state_up=False", NULL);
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "networks")), 1);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "networks.0.id"), b);
	rig_call(&r, "GET", "/v2.0/networks?name=two+words", NULL);
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "networks")), 1);
	rig_call(&r, "GET", "/v2.0/networks?name=two%20words&no_such_attr=1", NULL);
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "networks")), 1);
	rig_call(&r, "GET", "/v2.0/networks?name=alpha&fields=id&fields=name", NULL);
	CU_ASSERT_EQUAL(json_object_size(rig_at(&r, "networks.0")), 2);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "networks.0.name"), "alpha");
	rig_call(&r, "GET", "/v2.0/networks?name=nobody", NULL);
	CU_ASSERT(json_is_array(rig_at(&r, "networks")));
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "networks")), 0);
	rig_free(&r);
}

static void test_fixed_ips_and_device_filters(void)
{
	struct k5_rig r;
	struct k5_topo t;
	char q[256];

	rig_init(&r, false);
	rig_topology(&r, &t);
	snprintf(q, sizeof q, "/v2.0/ports?device_id=%s", t.router);      /* OSC router show */
	rig_call(&r, "GET", q, NULL);
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "ports")), 1);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ports.0.device_owner"), "network:router_interface");
	snprintf(q, sizeof q, "/v2.0/ports?fixed_ips=subnet_id%%3D%s", t.subnet);
	rig_call(&r, "GET", q, NULL);
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "ports")), 1);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "ports.0.fixed_ips.0.ip_address"), "10.1.1.1");
	rig_free(&r);
}

static void test_extensions(void)
{
	struct k5_rig r;
	bool vpnaas = false, router = false;
	json_t *e;
	size_t i;

	rig_init(&r, false);
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/v2.0/extensions", NULL), 200);
	json_array_foreach(rig_at(&r, "extensions"), i, e) {
		vpnaas |= !strcmp(json_string_value(json_object_get(e, "alias")), "vpnaas");
		router |= !strcmp(json_string_value(json_object_get(e, "alias")), "router");
		CU_ASSERT(json_is_array(json_object_get(e, "links")));
	}
	CU_ASSERT(vpnaas && router);
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/v2.0/extensions/vpnaas", NULL), 200);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "extension.alias"), "vpnaas");
	/* OSC port create probes this one and needs a 404 */
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/v2.0/extensions/tag-ports-during-bulk-creation",
	                         NULL), 404);
	/* k5-inspect needs the network connector lists */
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/v2.0/network_connectors", NULL), 200);
	CU_ASSERT(json_is_array(rig_at(&r, "network_connectors")));
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/v2.0/network_connector_endpoints", NULL), 200);
	rig_free(&r);
}

static void test_deterministic_ids(void)
{
	struct k5_rig a, b;
	char ida[37], idb[37];

	rig_init(&a, false);
	rig_init(&b, false);
	rig_create(&a, ida, "/v2.0/networks", "network", "{\"network\": {}}");
	rig_create(&b, idb, "/v2.0/networks", "network", "{\"network\": {}}");
	CU_ASSERT_STRING_EQUAL(ida, idb);
	CU_ASSERT_STRING_EQUAL(a.token, b.token);
	rig_create(&a, ida, "/v2.0/networks", "network", "{\"network\": {}}");
	CU_ASSERT_STRING_NOT_EQUAL(ida, idb);
	rig_free(&a);
	rig_free(&b);
}

UNIT_SUITE(k5_network,
	UNIT_TEST(test_external_networks_provisioned),
	UNIT_TEST(test_network_defaults),
	UNIT_TEST(test_body_errors),
	UNIT_TEST(test_subnets),
	UNIT_TEST(test_ports_and_in_use),
	UNIT_TEST(test_filters),
	UNIT_TEST(test_fixed_ips_and_device_filters),
	UNIT_TEST(test_extensions),
	UNIT_TEST(test_deterministic_ids))
