/*
 * Routers and floating IPs (neutron-lib l3.py, extraroute; research note 3.1 and 3.3): the
 * gateway (null and {} both clear it), interfaces with their unwrapped answers, routes and
 * extraroutes, and floating IPs DOWN then ACTIVE when bound.
 */
#include "tests/unit/test_k5_rig.h"
#include "tests/unit/unit.h"

#include <stdio.h>
#include <string.h>

static void test_gateway_set_and_clear(void)
{
	struct k5_rig r;
	struct k5_topo t;
	char rid[37], net[37], path[128];

	rig_init(&r, false);
	rig_topology(&r, &t);
	rig_create(&r, rid, "/v2.0/routers", "router", "{\"router\": {\"name\": \"r2\", "
	           "\"admin_state_up\": true, \"availability_zone\": \"jp-east-1b\"}}");
	CU_ASSERT(json_is_null(rig_at(&r, "router.external_gateway_info")));
	CU_ASSERT(json_is_array(rig_at(&r, "router.routes")));
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "router.availability_zone"), "jp-east-1b");
	snprintf(path, sizeof path, "/v2.0/routers/%s", rid);
	/* k5-update-router.py: null first, then the network */
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"router\": {\"external_gateway_info\": "
	                         "null}}"), 200);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"router\": {\"external_gateway_info\": "
	                         "{\"network_id\": \"%s\"}}}", t.ext_net2), 200);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "router.external_gateway_info.network_id"), t.ext_net2);
	CU_ASSERT(json_is_true(rig_at(&r, "router.external_gateway_info.enable_snat")));
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "router.external_gateway_info.external_fixed_ips.0."
	                             "ip_address"), "203.0.113.2");
	/* the same network again keeps the address */
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"router\": {\"external_gateway_info\": "
	                         "{\"network_id\": \"%s\", \"enable_snat\": false}}}", t.ext_net2),
	                200);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "router.external_gateway_info.external_fixed_ips.0."
	                             "ip_address"), "203.0.113.2");
	CU_ASSERT(json_is_false(rig_at(&r, "router.external_gateway_info.enable_snat")));
	/* OSC router unset --external-gateway sends {} */
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"router\": {\"external_gateway_info\": {}}}"),
	                200);
	CU_ASSERT(json_is_null(rig_at(&r, "router.external_gateway_info")));
	/* a non-external network, an unknown one, a wrong type */
	rig_create(&r, net, "/v2.0/networks", "network", "{\"network\": {}}");
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"router\": {\"external_gateway_info\": "
	                         "{\"network_id\": \"%s\"}}}", net), 400);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "BadRequest");
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"router\": {\"external_gateway_info\": "
	                         "{\"network_id\": \"nope\"}}}"), 404);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"router\": {\"external_gateway_info\": "
	                         "\"x\"}}"), 400);
	/* routes are PUT-only */
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/routers", "{\"router\": {\"routes\": []}}"),
	                400);
	rig_free(&r);
}

static void test_interfaces(void)
{
	struct k5_rig r;
	struct k5_topo t;
	char net[37], sub[37], port[37], path[160];

	rig_init(&r, false);
	rig_topology(&r, &t);
	rig_create(&r, net, "/v2.0/networks", "network", "{\"network\": {\"name\": \"n2\"}}");
	rig_create(&r, sub, "/v2.0/subnets", "subnet", "{\"subnet\": {\"network_id\": \"%s\", "
	           "\"ip_version\": 4, \"cidr\": \"10.1.2.0/24\"}}", net);
	rig_create(&r, port, "/v2.0/ports", "port", "{\"port\": {\"network_id\": \"%s\", "
	           "\"fixed_ips\": [{\"subnet_id\": \"%s\", \"ip_address\": \"10.1.2.1\"}]}}",
	           net, sub);
	snprintf(path, sizeof path, "/v2.0/routers/%s/add_router_interface", t.router);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"subnet_id\": \"%s\", \"port_id\": \"%s\"}",
	                         sub, port), 400);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "NeutronError.message"),
	                       "Bad router request: Cannot specify both subnet-id and port-id.");
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{}"), 400);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "NeutronError.message"),
	                       "Bad router request: Either subnet_id or port_id must be "
	                       "specified.");
	/* k5-connect-router.py: by port; the answer is unwrapped */
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"port_id\": \"%s\"}", port), 200);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "id"), t.router);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "port_id"), port);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "subnet_id"), sub);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "availability_zone"), "jp-east-1a");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "tenant_id"), "a5001a8b9c4a4712985c11377bd6d4fe");
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"port_id\": \"%s\"}", port), 409);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "PortInUse");
	/* the subnet already has an interface (added at topology time) */
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"subnet_id\": \"%s\"}", t.subnet), 400);
	/* a router interface port cannot be deleted through the port API */
	snprintf(path, sizeof path, "/v2.0/ports/%s", port);
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 409);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "ServicePortInUse");
	/* router delete with interfaces: 409; remove them */
	snprintf(path, sizeof path, "/v2.0/routers/%s/remove_router_interface", t.router);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"port_id\": \"%s\"}", port), 200);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "port_id"), port);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"port_id\": \"%s\"}", port), 404);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "RouterInterfaceNotFound");
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"subnet_id\": \"%s\"}", sub), 404);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "RouterInterfaceNotFoundForSubnet");
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/v2.0/ports?device_owner=network:router_interface",
	                         NULL), 200);
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "ports")), 1);       /* the topology's one */
	snprintf(path, sizeof path, "/v2.0/routers/%s/not_an_action", t.router);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{}"), 404);
	snprintf(path, sizeof path, "/v2.0/routers/%s/add_router_interface", t.router);
	CU_ASSERT_EQUAL(rig_call(&r, "POST", path, "{}"), 405);
	rig_free(&r);
}

static void test_routes(void)
{
	struct k5_rig r;
	struct k5_topo t;
	char path[160];

	rig_init(&r, false);
	rig_topology(&r, &t);
	snprintf(path, sizeof path, "/v2.0/routers/%s", t.router);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"router\": {\"routes\": [{\"destination\": "
	                         "\"172.16.0.0/12\", \"nexthop\": \"10.1.1.9\"}]}}"), 200);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "router.routes.0.nexthop"), "10.1.1.9");
	/* a nexthop off every connected subnet */
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"router\": {\"routes\": [{\"destination\": "
	                         "\"172.16.0.0/12\", \"nexthop\": \"10.99.1.9\"}]}}"), 400);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "InvalidRoutes");
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"router\": {\"routes\": [{\"destination\": "
	                         "\"172.16.0.1/12\", \"nexthop\": \"10.1.1.9\"}]}}"), 400);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"router\": {\"routes\": 7}}"), 400);
	/* k5c clears with null: a list again, never null */
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"router\": {\"routes\": null}}"), 200);
	CU_ASSERT(json_is_array(rig_at(&r, "router.routes")));
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "router.routes")), 0);
	/* extraroute-atomic */
	snprintf(path, sizeof path, "/v2.0/routers/%s/add_extraroutes", t.router);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"router\": {\"routes\": [{\"destination\": "
	                         "\"172.16.0.0/12\", \"nexthop\": \"10.1.1.9\"}, {\"destination\": "
	                         "\"192.168.0.0/16\", \"nexthop\": \"10.1.1.9\"}]}}"), 200);
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "router.routes")), 2);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"router\": {\"routes\": [{\"destination\": "
	                         "\"172.16.0.0/12\", \"nexthop\": \"10.1.1.9\"}]}}"), 200);
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "router.routes")), 2);    /* no duplicate */
	snprintf(path, sizeof path, "/v2.0/routers/%s/remove_extraroutes", t.router);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"router\": {\"routes\": [{\"destination\": "
	                         "\"172.16.0.0/12\", \"nexthop\": \"10.1.1.9\"}]}}"), 200);
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "router.routes")), 1);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "router.routes.0.destination"), "192.168.0.0/16");
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"routes\": []}"), 400);
	rig_free(&r);
}

static void test_floating_ips(void)
{
	struct k5_rig r;
	struct k5_topo t;
	char fip[37], fip2[37], port[37], path[160], q[160];

	rig_init(&r, false);
	rig_topology(&r, &t);
	CU_ASSERT_EQUAL(rig_create(&r, fip, "/v2.0/floatingips", "floatingip", "{\"floatingip\": "
	                           "{\"floating_network_id\": \"%s\", \"tenant_id\": "
	                           "\"a5001a8b9c4a4712985c11377bd6d4fe\", \"availability_zone\": "
	                           "\"jp-east-1a\"}}", t.ext_net), 201);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "floatingip.status"), "DOWN");
	CU_ASSERT(json_is_null(rig_at(&r, "floatingip.port_id")));
	CU_ASSERT(json_is_null(rig_at(&r, "floatingip.router_id")));
	/* .1 is the subnet gateway, .2 the router's gateway address */
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "floatingip.floating_ip_address"), "198.51.100.3");
	/* bind it to the router interface port of the VPN subnet, as K5 users do */
	snprintf(q, sizeof q, "/v2.0/ports?device_id=%s", t.router);
	rig_call(&r, "GET", q, NULL);
	snprintf(port, sizeof port, "%s", rig_s(&r, "ports.0.id"));
	snprintf(path, sizeof path, "/v2.0/floatingips/%s", fip);
	r.now = lab_sec(100);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"floatingip\": {\"port_id\": \"%s\"}}", port),
	                200);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "floatingip.router_id"), t.router);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "floatingip.fixed_ip_address"), "10.1.1.1");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "floatingip.status"), "DOWN");
	r.now = lab_sec(101);
	rig_call(&r, "GET", path, NULL);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "floatingip.status"), "DOWN");
	r.now = lab_sec(102);                   /* the default 2 s delay has passed */
	rig_call(&r, "GET", path, NULL);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "floatingip.status"), "ACTIVE");
	/* the same fixed IP cannot take a second FIP */
	CU_ASSERT_EQUAL(rig_create(&r, fip2, "/v2.0/floatingips", "floatingip", "{\"floatingip\": "
	                           "{\"floating_network_id\": \"%s\", \"port_id\": \"%s\"}}",
	                           t.ext_net, port), 409);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "FloatingIPPortAlreadyAssociated");
	/* the router's gateway cannot be cleared under a bound FIP */
	snprintf(q, sizeof q, "/v2.0/routers/%s", t.router);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", q, "{\"router\": {\"external_gateway_info\": null}}"),
	                409);
	/* unbinding: DOWN again */
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"floatingip\": {\"port_id\": null}}"), 200);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "floatingip.status"), "DOWN");
	CU_ASSERT(json_is_null(rig_at(&r, "floatingip.router_id")));
	/* an address the router cannot reach, an internal network, a taken address */
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/floatingips", "{\"floatingip\": "
	                         "{\"floating_network_id\": \"%s\", \"port_id\": \"%s\"}}",
	                         t.ext_net2, port), 404);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "ExternalGatewayForFloatingIPNotFound");
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/floatingips", "{\"floatingip\": "
	                         "{\"floating_network_id\": \"%s\"}}", t.net), 400);
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/floatingips", "{\"floatingip\": "
	                         "{\"floating_network_id\": \"%s\", \"floating_ip_address\": "
	                         "\"198.51.100.3\"}}", t.ext_net), 409);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "IpAddressInUse");
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/floatingips", "{\"floatingip\": {}}"), 400);
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 204);
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 404);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "FloatingIPNotFound");
	rig_free(&r);
}

UNIT_SUITE(k5_router,
	UNIT_TEST(test_gateway_set_and_clear),
	UNIT_TEST(test_interfaces),
	UNIT_TEST(test_routes),
	UNIT_TEST(test_floating_ips))
