/*
 * k5_floatingip.c: floating IPs (neutron-lib l3.py). Status DOWN until bound to a port, then
 * ACTIVE after the standalone delay (the field note saw DOWN first, ACTIVE a while later). K5
 * binds a FIP to a router interface port to give the VPN service its global address.
 */
#include "mocks/k5_internal.h"

#include <stdio.h>
#include <string.h>

static const struct k5_attr fip_attrs[] = {
	{ "floating_network_id", K5_T_STR, K5_A_POST | K5_A_REQ, NULL, NULL },
	{ "floating_ip_address", K5_T_STR_NULL, K5_A_POST, NULL, NULL },
	{ "port_id", K5_T_STR_NULL, K5_A_POST | K5_A_PUT, NULL, NULL },
	{ "fixed_ip_address", K5_T_STR_NULL, K5_A_POST | K5_A_PUT, NULL, NULL },
	{ "router_id", K5_T_STR_NULL, 0, NULL, NULL },
	{ "status", K5_T_STR, 0, "\"DOWN\"", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

/* The router that reaches the port's subnet: its own interface port, or the router with an
 * interface on that subnet. */
static json_t *router_for(struct k5_mock *k, json_t *port, const char *subnet_id)
{
	json_t *p, *f;
	size_t i, j;

	if (!strcmp(k5_str(port, "device_owner"), "network:router_interface"))
		return k5_find(k, &k5_kind_router, k5_str(port, "device_id"));
	json_array_foreach(k5_coll(k, &k5_kind_port), i, p) {
		if (strcmp(k5_str(p, "device_owner"), "network:router_interface"))
			continue;
		json_array_foreach(json_object_get(p, "fixed_ips"), j, f)
			if (!strcmp(k5_str(f, "subnet_id"), subnet_id))
				return k5_find(k, &k5_kind_router, k5_str(p, "device_id"));
	}
	return NULL;
}

static int fip_associate(struct k5_mock *k, json_t *fip, struct k5_err *e)
{
	const char *port_id = json_string_value(json_object_get(fip, "port_id"));
	const char *want = json_string_value(json_object_get(fip, "fixed_ip_address"));
	json_t *port, *f, *chosen = NULL, *router, *other;
	size_t i;

	if (!port_id) {
		json_object_set_new(fip, "fixed_ip_address", json_null());
		json_object_set_new(fip, "router_id", json_null());
		k5_status_set(k, "floatingip", fip, "DOWN");
		k5_due_clear(k, k5_str(fip, "id"));
		return 0;
	}
	port = k5_get(k, &k5_kind_port, port_id, e);
	if (!port)
		return -1;
	json_array_foreach(json_object_get(port, "fixed_ips"), i, f)
		if ((want && !strcmp(k5_str(f, "ip_address"), want)) ||
		    (!want && k5_ip_version(k5_str(f, "ip_address")) == 4)) {
			chosen = f;
			break;
		}
	if (!chosen)
		return k5_fail(e, 400, "BadRequest", "Bad floatingip request: Port %s does not have "
		               "fixed ip %s.", port_id, want ? want : "(IPv4)");
	json_array_foreach(k5_coll(k, &k5_kind_floatingip), i, other)
		if (strcmp(k5_str(other, "id"), k5_str(fip, "id")) &&
		    !strcmp(k5_str(other, "port_id"), port_id) &&
		    !strcmp(k5_str(other, "fixed_ip_address"), k5_str(chosen, "ip_address")))
			return k5_fail(e, 409, "FloatingIPPortAlreadyAssociated", "Cannot associate "
			               "floating IP %s (%s) with port %s using fixed IP %s, as that "
			               "fixed IP already has a floating IP on external network %s.",
			               k5_str(fip, "floating_ip_address"), k5_str(fip, "id"), port_id,
			               k5_str(chosen, "ip_address"),
			               k5_str(other, "floating_network_id"));
	router = router_for(k, port, k5_str(chosen, "subnet_id"));
	if (!router || strcmp(k5_str(json_object_get(router, "external_gateway_info"),
	                             "network_id"), k5_str(fip, "floating_network_id")))
		return k5_fail(e, 404, "ExternalGatewayForFloatingIPNotFound", "External network %s "
		               "is not reachable from subnet %s.  Therefore, cannot associate Port "
		               "%s with a Floating IP.", k5_str(fip, "floating_network_id"),
		               k5_str(chosen, "subnet_id"), port_id);
	json_object_set_new(fip, "fixed_ip_address", json_string(k5_str(chosen, "ip_address")));
	json_object_set_new(fip, "router_id", json_string(k5_str(router, "id")));
	k5_status_set(k, "floatingip", fip, "DOWN");
	k5_due_set(k, k5_str(fip, "id"), k->cfg.active_delay);
	return 0;
}

static int fip_create(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	const char *net_id = k5_str(obj, "floating_network_id");
	const char *want = json_string_value(json_object_get(obj, "floating_ip_address"));
	json_t *net = k5_get(k, &k5_kind_network, net_id, e), *s, *sub = NULL;
	char ip[64];
	size_t i;

	if (!net)
		return -1;
	if (!json_is_true(json_object_get(net, "router:external")))
		return k5_fail(e, 400, "BadRequest", "Bad floatingip request: Network %s is not a "
		               "valid external network.", net_id);
	json_array_foreach(k5_coll(k, &k5_kind_subnet), i, s) {
		struct k5_cidr c;
		char why[96];

		if (strcmp(k5_str(s, "network_id"), net_id) ||
		    k5_cidr_parse(k5_str(s, "cidr"), &c, why, sizeof why))
			continue;
		if (!want || k5_cidr_contains(&c, want)) {
			sub = s;
			break;
		}
	}
	if (!sub)
		return k5_fail(e, 400, "BadRequest", "Bad floatingip request: no subnet on network "
		               "%s holds %s.", net_id, want ? want : "a free address");
	if (want) {
		if (k5_ip_in_use(k, k5_str(sub, "id"), want))
			return k5_fail(e, 409, "IpAddressInUse", "Unable to complete operation for "
			               "network %s. The IP address %s is in use.", net_id, want);
		snprintf(ip, sizeof ip, "%s", want);
	} else if (k5_subnet_alloc_ip(k, sub, ip, sizeof ip, e)) {
		return -1;
	}
	json_object_set_new(obj, "floating_ip_address", json_string(ip));
	k5_status_set(k, "floatingip", obj, "DOWN");
	return fip_associate(k, obj, e);
}

static int fip_update(struct k5_mock *k, json_t *old, json_t *obj, json_t *changes,
                      struct k5_err *e)
{
	(void)old;
	if (!json_object_get(changes, "port_id") && !json_object_get(changes, "fixed_ip_address"))
		return 0;
	if (json_object_get(changes, "port_id") && !json_object_get(changes, "fixed_ip_address"))
		json_object_set_new(obj, "fixed_ip_address", json_null());
	return fip_associate(k, obj, e);
}

const struct k5_kind k5_kind_floatingip = {
	.path = "floatingips", .plural = "floatingips", .single = "floatingip",
	.nf_type = "FloatingIPNotFound", .nf_fmt = "Floating IP %s could not be found",
	.attrs = fip_attrs, .on_create = fip_create, .on_update = fip_update,
};
