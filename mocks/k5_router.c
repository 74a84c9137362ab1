/*
 * k5_router.c: routers (neutron-lib api/definitions/l3.py and extraroute.py): the external
 * gateway, static routes, add/remove_router_interface (PUT, unwrapped bodies) and
 * add/remove_extraroutes (extraroute-atomic, as OSC 6.0 sends it).
 */
#include "mocks/k5_internal.h"

#include <stdio.h>
#include <string.h>

static const struct k5_attr router_attrs[] = {
	{ "admin_state_up", K5_T_BOOL, K5_A_POST | K5_A_PUT, "true", NULL },
	{ "status", K5_T_STR, 0, "\"ACTIVE\"", NULL },
	{ "external_gateway_info", K5_T_OBJ_NULL, K5_A_POST | K5_A_PUT, NULL, NULL },
	{ "routes", K5_T_LIST, K5_A_PUT, "[]", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

/* Router interface ports of router_id. */
static bool router_has_ports(struct k5_mock *k, const char *router_id)
{
	json_t *p;
	size_t i;

	json_array_foreach(k5_coll(k, &k5_kind_port), i, p)
		if (!strcmp(k5_str(p, "device_id"), router_id) &&
		    !strcmp(k5_str(p, "device_owner"), "network:router_interface"))
			return true;
	return false;
}

static bool router_has_fips(struct k5_mock *k, const char *router_id)
{
	json_t *f;
	size_t i;

	json_array_foreach(k5_coll(k, &k5_kind_floatingip), i, f)
		if (!strcmp(k5_str(f, "router_id"), router_id))
			return true;
	return false;
}

/* Resolve a requested gateway into {network_id, enable_snat, external_fixed_ips}. */
static int gateway_resolve(struct k5_mock *k, json_t *router, json_t *old_gw, json_t *req,
                           json_t **out, struct k5_err *e)
{
	const char *net_id = json_string_value(json_object_get(req, "network_id"));
	json_t *net, *snat = json_object_get(req, "enable_snat"), *s, *fixed;
	char ip[64];
	size_t i;

	*out = NULL;
	if (!net_id)
		return k5_fail_input(e, "external_gateway_info", "network_id is required");
	net = k5_get(k, &k5_kind_network, net_id, e);
	if (!net)
		return -1;
	if (!json_is_true(json_object_get(net, "router:external")))
		return k5_fail(e, 400, "BadRequest", "Bad router request: Network %s is not an "
		               "external network.", net_id);
	if (snat && !json_is_boolean(snat))
		return k5_fail_input(e, "external_gateway_info", "enable_snat must be a boolean");
	if (old_gw && !strcmp(k5_str(old_gw, "network_id"), net_id)) {
		fixed = json_incref(json_object_get(old_gw, "external_fixed_ips"));
	} else {
		fixed = json_array();
		json_array_foreach(k5_coll(k, &k5_kind_subnet), i, s) {
			if (strcmp(k5_str(s, "network_id"), net_id))
				continue;
			if (k5_subnet_alloc_ip(k, s, ip, sizeof ip, e)) {
				json_decref(fixed);
				return -1;
			}
			json_array_append_new(fixed, json_pack("{ss ss}", "subnet_id", k5_str(s, "id"),
			                                       "ip_address", ip));
			break;
		}
	}
	(void)router;
	*out = json_pack("{ss sb so}", "network_id", net_id,
	                 "enable_snat", snat ? json_is_true(snat) : 1, "external_fixed_ips", fixed);
	return 0;
}

/* A nexthop must be on a subnet the router is connected to (neutron InvalidRoutes). */
static bool nexthop_connected(struct k5_mock *k, json_t *router, const char *nexthop)
{
	json_t *p, *f, *gw = json_object_get(router, "external_gateway_info");
	size_t i, j;

	json_array_foreach(k5_coll(k, &k5_kind_port), i, p) {
		if (strcmp(k5_str(p, "device_id"), k5_str(router, "id")))
			continue;
		json_array_foreach(json_object_get(p, "fixed_ips"), j, f) {
			json_t *s = k5_find(k, &k5_kind_subnet, k5_str(f, "subnet_id"));
			struct k5_cidr c;
			char why[96];

			if (s && !k5_cidr_parse(k5_str(s, "cidr"), &c, why, sizeof why) &&
			    k5_cidr_contains(&c, nexthop))
				return true;
		}
	}
	json_array_foreach(json_object_get(gw, "external_fixed_ips"), j, f) {
		json_t *s = k5_find(k, &k5_kind_subnet, k5_str(f, "subnet_id"));
		struct k5_cidr c;
		char why[96];

		if (s && !k5_cidr_parse(k5_str(s, "cidr"), &c, why, sizeof why) &&
		    k5_cidr_contains(&c, nexthop))
			return true;
	}
	return false;
}

static int routes_check(struct k5_mock *k, json_t *router, json_t *routes, struct k5_err *e)
{
	json_t *r;
	size_t i;

	json_array_foreach(routes, i, r) {
		const char *dst = json_string_value(json_object_get(r, "destination"));
		const char *nh = json_string_value(json_object_get(r, "nexthop"));
		struct k5_cidr c;
		char why[160];

		if (!json_is_object(r) || !dst || !nh)
			return k5_fail_input(e, "routes", "each route needs a destination and a "
			                     "nexthop");
		if (k5_cidr_parse(dst, &c, why, sizeof why))
			return k5_fail_input(e, "routes", "%s", why);
		if (!k5_ip_version(nh))
			return k5_fail_input(e, "routes", "'%.64s' is not a valid IP address", nh);
		if (!nexthop_connected(k, router, nh))
			return k5_fail(e, 400, "InvalidRoutes", "Invalid format for routes: "
			               "[{'destination': '%s', 'nexthop': '%s'}], the nexthop is not "
			               "connected with router", dst, nh);
	}
	return 0;
}

static int gateway_apply(struct k5_mock *k, json_t *old, json_t *obj, struct k5_err *e)
{
	json_t *req = json_object_get(obj, "external_gateway_info");
	json_t *old_gw = old ? json_object_get(old, "external_gateway_info") : NULL;
	json_t *gw;

	if (json_is_null(req) || !req || !json_object_size(req)) {
		/* null (k5c) and {} (OSC router unset) both clear the gateway */
		if (json_is_object(old_gw)) {
			if (k5_vpn_router_in_use(k, k5_str(obj, "id"), e))
				return -1;
			if (router_has_fips(k, k5_str(obj, "id")))
				return k5_fail(e, 409, "RouterExternalGatewayInUseByFloatingIp",
				               "Gateway cannot be updated for router %s, since a gateway "
				               "to external network %s is required by one or more "
				               "floating IPs.", k5_str(obj, "id"),
				               k5_str(old_gw, "network_id"));
		}
		json_object_set_new(obj, "external_gateway_info", json_null());
		return 0;
	}
	if (json_is_object(old_gw) && strcmp(k5_str(old_gw, "network_id"),
	                                     k5_str(req, "network_id")) &&
	    k5_vpn_router_in_use(k, k5_str(obj, "id"), e))
		return -1;
	if (gateway_resolve(k, obj, json_is_object(old_gw) ? old_gw : NULL, req, &gw, e))
		return -1;
	json_object_set_new(obj, "external_gateway_info", gw);
	return 0;
}

static int router_create(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	k5_status_set(k, "router", obj, "ACTIVE");
	return gateway_apply(k, NULL, obj, e);
}

static int router_update(struct k5_mock *k, json_t *old, json_t *obj, json_t *changes,
                         struct k5_err *e)
{
	if (json_object_get(changes, "external_gateway_info") &&
	    gateway_apply(k, old, obj, e))
		return -1;
	if (json_object_get(changes, "routes") &&
	    routes_check(k, obj, json_object_get(obj, "routes"), e))
		return -1;
	return 0;
}

static int router_delete(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	if (k5_vpn_router_in_use(k, k5_str(obj, "id"), e))
		return -1;
	if (router_has_ports(k, k5_str(obj, "id")))
		return k5_fail(e, 409, "RouterInUse", "Router %s still has ports",
		               k5_str(obj, "id"));
	return 0;
}

/* The unwrapped answer of add/remove_router_interface. */
static json_t *interface_info(json_t *router, json_t *port)
{
	json_t *f = json_array_get(json_object_get(port, "fixed_ips"), 0);

	return json_pack("{ss ss ss s[s] ss ss ss ss}", "id", k5_str(router, "id"),
	                 "subnet_id", k5_str(f, "subnet_id"), "port_id", k5_str(port, "id"),
	                 "subnet_ids", k5_str(f, "subnet_id"),
	                 "network_id", k5_str(port, "network_id"),
	                 "tenant_id", k5_str(router, "tenant_id"),
	                 "project_id", k5_str(router, "project_id"),
	                 "availability_zone", k5_str(router, "availability_zone"));
}

static int add_interface(struct k5_mock *k, json_t *router, json_t *body, json_t **out,
                         struct k5_err *e)
{
	const char *sub_id = json_string_value(json_object_get(body, "subnet_id"));
	const char *port_id = json_string_value(json_object_get(body, "port_id"));
	json_t *port, *p, *f;
	size_t i, j;

	if (sub_id && port_id)
		return k5_fail(e, 400, "BadRequest", "Bad router request: Cannot specify both "
		               "subnet-id and port-id.");
	if (!sub_id && !port_id)
		return k5_fail(e, 400, "BadRequest", "Bad router request: Either subnet_id or "
		               "port_id must be specified.");
	if (sub_id) {
		json_t *s = k5_get(k, &k5_kind_subnet, sub_id, e);

		if (!s)
			return -1;
		if (json_is_null(json_object_get(s, "gateway_ip")))
			return k5_fail(e, 400, "BadRequest", "Bad router request: Subnet for router "
			               "interface must have a gateway IP.");
		json_array_foreach(k5_coll(k, &k5_kind_port), i, p) {
			if (strcmp(k5_str(p, "device_id"), k5_str(router, "id")))
				continue;
			json_array_foreach(json_object_get(p, "fixed_ips"), j, f)
				if (!strcmp(k5_str(f, "subnet_id"), sub_id))
					return k5_fail(e, 400, "BadRequest", "Bad router request: Router "
					               "already has a port on subnet %s.", sub_id);
		}
		json_array_foreach(k5_coll(k, &k5_kind_port), i, p)
			json_array_foreach(json_object_get(p, "fixed_ips"), j, f)
				if (!strcmp(k5_str(f, "ip_address"), k5_str(s, "gateway_ip")) &&
				    !strcmp(k5_str(f, "subnet_id"), sub_id))
					return k5_fail(e, 409, "IpAddressInUse", "Unable to complete "
					               "operation for network %s. The IP address %s is in "
					               "use.", k5_str(s, "network_id"),
					               k5_str(s, "gateway_ip"));
		port = k5_port_make(k, k5_str(s, "network_id"), sub_id, k5_str(s, "gateway_ip"),
		                    "network:router_interface", k5_str(router, "id"),
		                    k5_str(router, "availability_zone"));
	} else {
		port = k5_get(k, &k5_kind_port, port_id, e);
		if (!port)
			return -1;
		if (*k5_str(port, "device_id"))
			return k5_fail(e, 409, "PortInUse", "Unable to complete operation on port %s "
			               "for network %s. Port already has an attached device %s.",
			               port_id, k5_str(port, "network_id"), k5_str(port, "device_id"));
		if (!json_array_size(json_object_get(port, "fixed_ips")))
			return k5_fail(e, 400, "BadRequest", "Bad router request: Router port must "
			               "have at least one fixed IP.");
		json_object_set_new(port, "device_id", json_string(k5_str(router, "id")));
		json_object_set_new(port, "device_owner", json_string("network:router_interface"));
		k5_status_set(k, "port", port, "ACTIVE");
		k5_touch(k, port);
	}
	*out = interface_info(router, port);
	return 200;
}

static int remove_interface(struct k5_mock *k, json_t *router, json_t *body, json_t **out,
                            struct k5_err *e)
{
	const char *sub_id = json_string_value(json_object_get(body, "subnet_id"));
	const char *port_id = json_string_value(json_object_get(body, "port_id"));
	const char *rid = k5_str(router, "id");
	json_t *port = NULL, *p, *f, *fip;
	size_t i, j;

	if (!sub_id && !port_id)
		return k5_fail(e, 400, "BadRequest", "Bad router request: Either subnet_id or "
		               "port_id must be specified.");
	json_array_foreach(k5_coll(k, &k5_kind_port), i, p) {
		if (strcmp(k5_str(p, "device_id"), rid) ||
		    strcmp(k5_str(p, "device_owner"), "network:router_interface"))
			continue;
		if (port_id && !strcmp(k5_str(p, "id"), port_id)) {
			port = p;
			break;
		}
		json_array_foreach(json_object_get(p, "fixed_ips"), j, f)
			if (!port_id && !strcmp(k5_str(f, "subnet_id"), sub_id))
				port = p;
		if (port)
			break;
	}
	if (!port && port_id)
		return k5_fail(e, 404, "RouterInterfaceNotFound", "Router %s does not have an "
		               "interface with id %s", rid, port_id);
	if (!port)
		return k5_fail(e, 404, "RouterInterfaceNotFoundForSubnet", "Router %s has no "
		               "interface on subnet %s", rid, sub_id);
	f = json_array_get(json_object_get(port, "fixed_ips"), 0);
	if (k5_vpn_subnet_in_use(k, k5_str(f, "subnet_id"), e))
		return -1;
	json_array_foreach(k5_coll(k, &k5_kind_floatingip), i, fip)
		if (!strcmp(k5_str(fip, "port_id"), k5_str(port, "id")))
			return k5_fail(e, 409, "RouterInterfaceInUseByFloatingIP", "Router interface "
			               "for subnet %s on router %s cannot be deleted, as it is "
			               "required by one or more floating IPs.", k5_str(f, "subnet_id"),
			               rid);
	*out = interface_info(router, port);
	k5_store_remove(k, &k5_kind_port, port);
	return 200;
}

static int extraroutes(struct k5_mock *k, json_t *router, bool add, json_t *body, json_t **out,
                       struct k5_err *e)
{
	json_t *in = json_object_get(json_object_get(body, "router"), "routes");
	json_t *routes = json_object_get(router, "routes"), *r, *have;
	size_t i, j;

	if (!json_is_array(in))
		return k5_fail(e, 400, "HTTPBadRequest", "Unable to find 'router' with 'routes' in "
		               "request body");
	if (add && routes_check(k, router, in, e))
		return -1;
	json_array_foreach(in, i, r) {
		bool found = false;

		for (j = json_array_size(routes); j-- > 0;) {
			have = json_array_get(routes, j);
			if (!strcmp(k5_str(have, "destination"), k5_str(r, "destination")) &&
			    !strcmp(k5_str(have, "nexthop"), k5_str(r, "nexthop"))) {
				found = true;
				if (!add)
					json_array_remove(routes, j);
			}
		}
		if (add && !found)
			json_array_append_new(routes, json_pack("{ss ss}", "destination",
			                                        k5_str(r, "destination"), "nexthop",
			                                        k5_str(r, "nexthop")));
	}
	k5_touch(k, router);
	*out = json_pack("{sO}", "router", router);
	return 200;
}

static int router_action(struct k5_mock *k, json_t *router, const char *action, json_t *body,
                         json_t **out, struct k5_err *e)
{
	if (!json_is_object(body))
		return k5_fail(e, 400, "HTTPBadRequest", "Resource body required"), e->status;
	if (!strcmp(action, "add_router_interface"))
		return add_interface(k, router, body, out, e) < 0 ? e->status : 200;
	if (!strcmp(action, "remove_router_interface"))
		return remove_interface(k, router, body, out, e) < 0 ? e->status : 200;
	if (!strcmp(action, "add_extraroutes"))
		return extraroutes(k, router, true, body, out, e) < 0 ? e->status : 200;
	if (!strcmp(action, "remove_extraroutes"))
		return extraroutes(k, router, false, body, out, e) < 0 ? e->status : 200;
	k5_fail(e, 404, "HTTPNotFound", "The resource could not be found.");
	return 404;
}

const struct k5_kind k5_kind_router = {
	.path = "routers", .plural = "routers", .single = "router",
	.nf_type = "RouterNotFound", .nf_fmt = "Router %s could not be found",
	.attrs = router_attrs, .on_create = router_create, .on_update = router_update,
	.on_delete = router_delete, .on_action = router_action,
};
