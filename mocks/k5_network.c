/*
 * k5_network.c: networks, subnets and ports (neutron-lib api/definitions/{network,subnet,port}
 * with K5's availability_zone), address allocation, and the external networks K5
 * pre-provisions (inf_az1_ext-net01 and inf_az2_ext-net01, research note section 3.3).
 */
#include "mocks/k5_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define GATEWAY_AUTO "__auto__"

static const struct k5_attr network_attrs[] = {
	{ "admin_state_up", K5_T_BOOL, K5_A_POST | K5_A_PUT, "true", NULL },
	{ "shared", K5_T_BOOL, K5_A_POST | K5_A_PUT, "false", NULL },
	{ "router:external", K5_T_BOOL, K5_A_POST | K5_A_PUT, "false", NULL },
	{ "status", K5_T_STR, 0, "\"ACTIVE\"", NULL },
	{ "subnets", K5_T_LIST, 0, "[]", NULL },
	{ "mtu", K5_T_INT, 0, "1500", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct k5_attr subnet_attrs[] = {
	{ "network_id", K5_T_STR, K5_A_POST | K5_A_REQ, NULL, NULL },
	{ "ip_version", K5_T_INT, K5_A_POST | K5_A_REQ, NULL, NULL },
	{ "cidr", K5_T_STR, K5_A_POST | K5_A_REQ, NULL, NULL },
	{ "gateway_ip", K5_T_STR_NULL, K5_A_POST | K5_A_PUT, "\"" GATEWAY_AUTO "\"", NULL },
	{ "allocation_pools", K5_T_LIST, K5_A_POST, "[]", NULL },
	{ "dns_nameservers", K5_T_LIST, K5_A_POST | K5_A_PUT, "[]", NULL },
	{ "host_routes", K5_T_LIST, K5_A_POST | K5_A_PUT, "[]", NULL },
	{ "enable_dhcp", K5_T_BOOL, K5_A_POST | K5_A_PUT, "true", NULL },
	{ "ipv6_ra_mode", K5_T_STR_NULL, K5_A_POST, NULL, NULL },
	{ "ipv6_address_mode", K5_T_STR_NULL, K5_A_POST, NULL, NULL },
	{ "subnetpool_id", K5_T_STR_NULL, K5_A_POST, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct k5_attr port_attrs[] = {
	{ "network_id", K5_T_STR, K5_A_POST | K5_A_REQ, NULL, NULL },
	{ "admin_state_up", K5_T_BOOL, K5_A_POST | K5_A_PUT, "true", NULL },
	{ "mac_address", K5_T_STR_NULL, K5_A_POST, NULL, NULL },
	{ "fixed_ips", K5_T_LIST, K5_A_POST | K5_A_PUT, "[]", NULL },
	{ "device_id", K5_T_STR, K5_A_POST | K5_A_PUT, "\"\"", NULL },
	{ "device_owner", K5_T_STR, K5_A_POST | K5_A_PUT, "\"\"", NULL },
	{ "status", K5_T_STR, 0, "\"DOWN\"", NULL },
	{ "binding:vnic_type", K5_T_STR, K5_A_POST | K5_A_PUT, "\"normal\"", NULL },
	{ "security_groups", K5_T_LIST, K5_A_POST | K5_A_PUT, "[]", NULL },
	{ "allowed_address_pairs", K5_T_LIST, K5_A_POST | K5_A_PUT, "[]", NULL },
	{ "extra_dhcp_opts", K5_T_LIST, K5_A_POST | K5_A_PUT, "[]", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

/* ---- addresses ---- */

bool k5_ip_in_use(struct k5_mock *k, const char *subnet_id, const char *ip)
{
	json_t *o, *f;
	size_t i, j;

	json_array_foreach(k5_coll(k, &k5_kind_port), i, o)
		json_array_foreach(json_object_get(o, "fixed_ips"), j, f)
			if (!strcmp(k5_str(f, "subnet_id"), subnet_id) &&
			    !strcmp(k5_str(f, "ip_address"), ip))
				return true;
	json_array_foreach(k5_coll(k, &k5_kind_router), i, o)
		json_array_foreach(json_object_get(json_object_get(o, "external_gateway_info"),
		                                   "external_fixed_ips"), j, f)
			if (!strcmp(k5_str(f, "ip_address"), ip))
				return true;
	json_array_foreach(k5_coll(k, &k5_kind_floatingip), i, o)
		if (!strcmp(k5_str(o, "floating_ip_address"), ip))
			return true;
	return false;
}

int k5_subnet_alloc_ip(struct k5_mock *k, json_t *subnet, char *out, size_t len,
                       struct k5_err *e)
{
	struct k5_cidr c;
	char why[128];

	if (!k5_cidr_parse(k5_str(subnet, "cidr"), &c, why, sizeof why) && c.family == 4) {
		unsigned long last = c.prefix >= 31 ? 0 : (1ul << (32 - c.prefix)) - 2;

		/* host 1 upward, the broadcast address excluded */
		for (unsigned long n = 1; n <= last && n < 65536; n++) {
			if (k5_cidr_host(&c, n, out, len))
				break;
			/* the gateway address is kept for the router interface */
			if (strcmp(k5_str(subnet, "gateway_ip"), out) &&
			    !k5_ip_in_use(k, k5_str(subnet, "id"), out))
				return 0;
		}
	}
	return k5_fail(e, 409, "IpAddressGenerationFailure",
	               "No more IP addresses available on network %s.",
	               k5_str(subnet, "network_id"));
}

static void random_mac(struct k5_mock *k, char out[18])
{
	uint8_t b[3];

	drbg_bytes(k->drbg, b, sizeof b);
	snprintf(out, 18, "fa:16:3e:%02x:%02x:%02x", b[0], b[1], b[2]);    /* neutron's prefix */
}

json_t *k5_port_make(struct k5_mock *k, const char *network_id, const char *subnet_id,
                     const char *ip, const char *owner, const char *device_id, const char *az)
{
	char id[37], mac[18], ts[40];
	json_t *p;

	k5_uuid(k, id);
	random_mac(k, mac);
	k5_time(k, ts, sizeof ts, false, 0);
	p = json_pack("{ss ss ss ss ss ss ss ss sb ss s[{ss ss}] ss ss ss s[] s[] s[] s[] ss ss si}",
	              "id", id, "name", "", "description", "", "tenant_id", k->project_id,
	              "project_id", k->project_id, "availability_zone", az,
	              "network_id", network_id, "mac_address", mac, "admin_state_up", 1,
	              "status", "ACTIVE", "fixed_ips", "subnet_id", subnet_id, "ip_address", ip,
	              "device_id", device_id, "device_owner", owner, "binding:vnic_type", "normal",
	              "security_groups", "allowed_address_pairs", "extra_dhcp_opts", "tags",
	              "created_at", ts, "updated_at", ts, "revision_number", 0);
	json_array_append_new(k5_coll(k, &k5_kind_port), p);
	return p;
}

/* ---- networks ---- */

static int network_create(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	(void)k;
	(void)e;
	k5_status_set(k, "network", obj, "ACTIVE");
	json_object_set_new(obj, "subnets", json_array());
	return 0;
}

static int network_delete(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	json_t *p;
	size_t i;

	json_array_foreach(k5_coll(k, &k5_kind_port), i, p)
		if (!strcmp(k5_str(p, "network_id"), k5_str(obj, "id")) &&
		    strcmp(k5_str(p, "device_owner"), "network:dhcp"))
			return k5_fail(e, 409, "NetworkInUse", "Unable to complete operation on network "
			               "%s. There are one or more ports still in use on the network.",
			               k5_str(obj, "id"));
	json_array_foreach(k5_coll(k, &k5_kind_vpnservice), i, p) {
		json_t *s = k5_find(k, &k5_kind_subnet, k5_str(p, "subnet_id"));

		if (s && !strcmp(k5_str(s, "network_id"), k5_str(obj, "id")))
			return k5_vpn_subnet_in_use(k, k5_str(s, "id"), e);
	}
	return 0;
}

static void network_after_delete(struct k5_mock *k, json_t *obj)
{
	json_t *arr = k5_coll(k, &k5_kind_subnet);

	for (size_t i = json_array_size(arr); i-- > 0;)
		if (!strcmp(k5_str(json_array_get(arr, i), "network_id"), k5_str(obj, "id")))
			json_array_remove(arr, i);
}

/* ---- subnets ---- */

static int subnet_gateway_check(const struct k5_cidr *c, json_t *obj, struct k5_err *e)
{
	json_t *gw = json_object_get(obj, "gateway_ip");

	if (json_is_null(gw))
		return 0;
	if (!k5_cidr_contains(c, json_string_value(gw)))
		return k5_fail(e, 400, "InvalidInput", "Invalid input for operation: Gateway IP "
		               "%s is not in subnet %s.", json_string_value(gw), k5_str(obj, "cidr"));
	return 0;
}

static int subnet_create(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	json_t *net = k5_get(k, &k5_kind_network, k5_str(obj, "network_id"), e);
	json_int_t ver = json_integer_value(json_object_get(obj, "ip_version"));
	struct k5_cidr c;
	char why[160], gw[64], last[64];
	unsigned long hosts;

	if (!net)
		return -1;
	if (ver != 4 && ver != 6)
		return k5_fail_input(e, "ip_version", "'%" JSON_INTEGER_FORMAT "' is not in [4, 6]",
		                     ver);
	if (k5_cidr_parse(k5_str(obj, "cidr"), &c, why, sizeof why))
		return k5_fail_input(e, "cidr", "%s", why);
	if (c.family != ver)
		return k5_fail(e, 400, "InvalidInput", "Invalid input for operation: Cidr %s does "
		               "not match ip_version %d.", k5_str(obj, "cidr"), (int)ver);
	if (!strcmp(k5_str(obj, "gateway_ip"), GATEWAY_AUTO)) {
		if (k5_cidr_host(&c, 1, gw, sizeof gw))
			json_object_set_new(obj, "gateway_ip", json_null());
		else
			json_object_set_new(obj, "gateway_ip", json_string(gw));
	} else if (subnet_gateway_check(&c, obj, e)) {
		return -1;
	}
	if (!json_array_size(json_object_get(obj, "allocation_pools")) && c.family == 4 &&
	    c.prefix <= 30) {
		hosts = (1ul << (32 - c.prefix)) - 2;
		k5_cidr_host(&c, hosts, last, sizeof last);
		k5_cidr_host(&c, json_is_null(json_object_get(obj, "gateway_ip")) ? 1 : 2, gw,
		             sizeof gw);
		json_object_set_new(obj, "allocation_pools",
		                    json_pack("[{ss ss}]", "start", gw, "end", last));
	}
	json_array_append_new(json_object_get(net, "subnets"), json_string(k5_str(obj, "id")));
	return 0;
}

static int subnet_update(struct k5_mock *k, json_t *old, json_t *obj, json_t *changes,
                         struct k5_err *e)
{
	struct k5_cidr c;
	char why[160];

	(void)k;
	(void)old;
	(void)changes;
	if (k5_cidr_parse(k5_str(obj, "cidr"), &c, why, sizeof why))
		return 0;
	return subnet_gateway_check(&c, obj, e);
}

static int subnet_delete(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	json_t *p, *f;
	size_t i, j;

	if (k5_vpn_subnet_in_use(k, k5_str(obj, "id"), e))
		return -1;
	json_array_foreach(k5_coll(k, &k5_kind_port), i, p)
		json_array_foreach(json_object_get(p, "fixed_ips"), j, f)
			if (!strcmp(k5_str(f, "subnet_id"), k5_str(obj, "id")) &&
			    strcmp(k5_str(p, "device_owner"), "network:dhcp"))
				return k5_fail(e, 409, "SubnetInUse", "Unable to complete operation on "
				               "subnet %s: One or more ports have an IP allocation from "
				               "this subnet.", k5_str(obj, "id"));
	return 0;
}

static void subnet_after_delete(struct k5_mock *k, json_t *obj)
{
	json_t *net = k5_find(k, &k5_kind_network, k5_str(obj, "network_id"));
	json_t *subs = json_object_get(net, "subnets");

	for (size_t i = json_array_size(subs); i-- > 0;)
		if (!strcmp(json_string_value(json_array_get(subs, i)), k5_str(obj, "id")))
			json_array_remove(subs, i);
}

/* ---- ports ---- */

static json_t *subnet_of_network(struct k5_mock *k, const char *net_id, const char *ip)
{
	json_t *s;
	size_t i;

	json_array_foreach(k5_coll(k, &k5_kind_subnet), i, s) {
		struct k5_cidr c;
		char why[128];

		if (strcmp(k5_str(s, "network_id"), net_id) ||
		    k5_cidr_parse(k5_str(s, "cidr"), &c, why, sizeof why))
			continue;
		if (!ip || k5_cidr_contains(&c, ip))
			return s;
	}
	return NULL;
}

static int port_fixed_ips(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	const char *net_id = k5_str(obj, "network_id");
	json_t *in = json_object_get(obj, "fixed_ips"), *res = json_array(), *f;
	char ip[64];
	size_t i;

	if (!json_array_size(in)) {
		json_t *s = subnet_of_network(k, net_id, NULL);

		if (s) {
			if (k5_subnet_alloc_ip(k, s, ip, sizeof ip, e))
				goto fail;
			json_array_append_new(res, json_pack("{ss ss}", "subnet_id",
			                                     k5_str(s, "id"), "ip_address", ip));
		}
	}
	json_array_foreach(in, i, f) {
		const char *want_ip = json_string_value(json_object_get(f, "ip_address"));
		const char *want_sub = json_string_value(json_object_get(f, "subnet_id"));
		json_t *s;
		struct k5_cidr c;
		char why[128];

		if (!json_is_object(f)) {
			k5_fail_input(e, "fixed_ips", "each entry must be a dictionary");
			goto fail;
		}
		s = want_sub ? k5_get(k, &k5_kind_subnet, want_sub, e) :
		    subnet_of_network(k, net_id, want_ip);
		if (!s) {
			if (!want_sub)
				k5_fail(e, 400, "InvalidInput", "Invalid input for operation: IP address "
				        "%s is not a valid IP for the specified subnet.",
				        want_ip ? want_ip : "");
			goto fail;
		}
		if (strcmp(k5_str(s, "network_id"), net_id)) {
			k5_fail(e, 400, "InvalidInput", "Invalid input for operation: Failed to create "
			        "port on network %s, because fixed_ips included invalid subnet %s.",
			        net_id, k5_str(s, "id"));
			goto fail;
		}
		k5_cidr_parse(k5_str(s, "cidr"), &c, why, sizeof why);
		if (want_ip) {
			if (!k5_cidr_contains(&c, want_ip)) {
				k5_fail(e, 400, "InvalidInput", "Invalid input for operation: IP address "
				        "%s is not a valid IP for the specified subnet.", want_ip);
				goto fail;
			}
			if (k5_ip_in_use(k, k5_str(s, "id"), want_ip)) {
				k5_fail(e, 409, "IpAddressInUse", "Unable to complete operation for "
				        "network %s. The IP address %s is in use.", net_id, want_ip);
				goto fail;
			}
			snprintf(ip, sizeof ip, "%s", want_ip);
		} else if (k5_subnet_alloc_ip(k, s, ip, sizeof ip, e)) {
			goto fail;
		}
		json_array_append_new(res, json_pack("{ss ss}", "subnet_id", k5_str(s, "id"),
		                                     "ip_address", ip));
	}
	json_object_set_new(obj, "fixed_ips", res);
	return 0;
fail:
	json_decref(res);
	return -1;
}

static int port_create(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	char mac[18];

	if (!k5_get(k, &k5_kind_network, k5_str(obj, "network_id"), e))
		return -1;
	if (!json_is_string(json_object_get(obj, "mac_address"))) {
		random_mac(k, mac);
		json_object_set_new(obj, "mac_address", json_string(mac));
	}
	k5_status_set(k, "port", obj, "DOWN");        /* unbound */
	return port_fixed_ips(k, obj, e);
}

static int port_delete(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	(void)k;
	if (!strcmp(k5_str(obj, "device_owner"), "network:router_interface") ||
	    !strcmp(k5_str(obj, "device_owner"), "network:router_gateway"))
		return k5_fail(e, 409, "ServicePortInUse", "Port %s cannot be deleted directly via "
		               "the port API: has device owner %s.", k5_str(obj, "id"),
		               k5_str(obj, "device_owner"));
	return 0;
}

static void port_after_delete(struct k5_mock *k, json_t *obj)
{
	json_t *f;
	size_t i;

	/* floating IPs on the port are disassociated, as neutron does */
	json_array_foreach(k5_coll(k, &k5_kind_floatingip), i, f)
		if (!strcmp(k5_str(f, "port_id"), k5_str(obj, "id"))) {
			json_object_set_new(f, "port_id", json_null());
			json_object_set_new(f, "fixed_ip_address", json_null());
			json_object_set_new(f, "router_id", json_null());
			k5_status_set(k, "floatingip", f, "DOWN");
			k5_due_clear(k, k5_str(f, "id"));
		}
}

const struct k5_kind k5_kind_network = {
	.path = "networks", .plural = "networks", .single = "network",
	.nf_type = "NetworkNotFound", .nf_fmt = "Network %s could not be found.",
	.attrs = network_attrs, .on_create = network_create, .on_delete = network_delete,
	.after_delete = network_after_delete,
};

const struct k5_kind k5_kind_subnet = {
	.path = "subnets", .plural = "subnets", .single = "subnet",
	.nf_type = "SubnetNotFound", .nf_fmt = "Subnet %s could not be found.",
	.attrs = subnet_attrs, .on_create = subnet_create, .on_update = subnet_update,
	.on_delete = subnet_delete, .after_delete = subnet_after_delete,
};

const struct k5_kind k5_kind_port = {
	.path = "ports", .plural = "ports", .single = "port",
	.nf_type = "PortNotFound", .nf_fmt = "Port %s could not be found.",
	.attrs = port_attrs, .on_create = port_create, .on_delete = port_delete,
	.after_delete = port_after_delete,
};

/* ---- K5's external networks ---- */

static void provision_one(struct k5_mock *k, const char *name, const char *sub_name,
                          const char *cidr, const char *gw, const char *az)
{
	char nid[37], sid[37], ts[40], first[64], last[64];
	struct k5_cidr c;
	char why[64];
	unsigned long hosts;

	k5_uuid(k, nid);
	k5_uuid(k, sid);
	k5_time(k, ts, sizeof ts, false, 0);
	k5_cidr_parse(cidr, &c, why, sizeof why);
	hosts = (1ul << (32 - c.prefix)) - 2;
	/* every host address but the gateway's: .2 - .254 of a /24 with gateway .1 */
	k5_cidr_host(&c, 1, first, sizeof first);
	if (!strcmp(first, gw))
		k5_cidr_host(&c, 2, first, sizeof first);
	k5_cidr_host(&c, hosts, last, sizeof last);
	if (!strcmp(last, gw))
		k5_cidr_host(&c, hosts - 1, last, sizeof last);
	json_array_append_new(k5_coll(k, &k5_kind_network),
		json_pack("{ss ss ss ss ss ss sb sb sb ss s[s] si s[] ss ss si}",
		          "id", nid, "name", name, "description", "", "tenant_id", "infra",
		          "project_id", "infra", "availability_zone", az, "admin_state_up", 1,
		          "shared", 1, "router:external", 1, "status", "ACTIVE", "subnets", sid,
		          "mtu", 1500, "tags", "created_at", ts, "updated_at", ts,
		          "revision_number", 0));
	json_array_append_new(k5_coll(k, &k5_kind_subnet),
		json_pack("{ss ss ss ss ss ss ss si ss ss s[{ss ss}] s[] s[] sb sn sn sn s[] ss ss si}",
		          "id", sid, "name", sub_name, "description", "", "tenant_id", "infra",
		          "project_id", "infra", "availability_zone", az, "network_id", nid,
		          "ip_version", 4, "cidr", cidr, "gateway_ip", gw, "allocation_pools",
		          "start", first, "end", last, "dns_nameservers", "host_routes",
		          "enable_dhcp", 0, "ipv6_ra_mode", "ipv6_address_mode", "subnetpool_id",
		          "tags", "created_at", ts, "updated_at", ts, "revision_number", 0));
}

int k5_network_external_set(struct k5_mock *k, const struct k5_config *cfg)
{
	static const char *const defaults[2][2] = { { K5_EXT_AZ1_CIDR, K5_EXT_AZ1_GW },
	                                            { K5_EXT_AZ2_CIDR, K5_EXT_AZ2_GW } };

	for (int i = 0; i < 2; i++) {
		const char *cidr = cfg->external[i].cidr, *gw = cfg->external[i].gateway_ip;
		struct k5_cidr c;
		char why[96], net[64], bcast[64];

		if (!cidr) {
			cidr = defaults[i][0];
			gw = gw ? gw : defaults[i][1];
		}
		if (strlen(cidr) >= sizeof k->ext_cidr[0] || k5_cidr_parse(cidr, &c, why, sizeof why) ||
		    c.family != 4 || c.prefix < 8 || c.prefix > 30)
			return -EINVAL;
		snprintf(k->ext_cidr[i], sizeof k->ext_cidr[i], "%s", cidr);
		if (!gw) {
			k5_cidr_host(&c, 1, k->ext_gw[i], sizeof k->ext_gw[i]);
			continue;
		}
		k5_cidr_host(&c, 0, net, sizeof net);
		k5_cidr_host(&c, (1ul << (32 - c.prefix)) - 1, bcast, sizeof bcast);
		if (strlen(gw) >= sizeof k->ext_gw[0] || k5_ip_version(gw) != 4 ||
		    !k5_cidr_contains(&c, gw) || !strcmp(gw, net) || !strcmp(gw, bcast))
			return -EINVAL;
		snprintf(k->ext_gw[i], sizeof k->ext_gw[i], "%s", gw);
	}
	return 0;
}

void k5_network_provision(struct k5_mock *k)
{
	/* Names as K5 has them; addresses from the documentation ranges (RFC 5737) unless the
	 * configuration says otherwise, since the real ones are Fujitsu's public addresses. */
	provision_one(k, K5_EXT_AZ1_NET, "inf_az1_ext-subnet01", k->ext_cidr[0], k->ext_gw[0],
	              k->az[0]);
	provision_one(k, K5_EXT_AZ2_NET, "inf_az2_ext-subnet01", k->ext_cidr[1], k->ext_gw[1],
	              k->az[1]);
}
