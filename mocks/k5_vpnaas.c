/*
 * k5_vpnaas.c: VPN services, endpoint groups and IPsec site connections (neutron-lib vpn.py
 * and vpn_endpoint_groups.py; the validation of neutron-vpnaas db/vpn/vpn_validator.py and
 * vpn_db.py with the messages of neutron-lib exceptions/vpn.py; research note 4.2 - 4.3), the
 * K5 rules of PROFILES.md, and each connection's resolved intent for the gateway.
 */
#include "mocks/k5_internal.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const initiator_values[] = { "bi-directional", "response-only", NULL };
static const char *const dpd_actions[] = { "clear", "disabled", "hold", "restart",
                                           "restart-by-peer", NULL };
static const char *const epg_types[] = { "cidr", "network", "router", "subnet", "vlan", NULL };

static const struct k5_attr service_attrs[] = {
	{ "subnet_id", K5_T_STR_NULL, K5_A_POST, NULL, NULL },
	{ "router_id", K5_T_STR, K5_A_POST | K5_A_REQ, NULL, NULL },
	{ "admin_state_up", K5_T_BOOL, K5_A_POST | K5_A_PUT, "true", NULL },
	{ "external_v4_ip", K5_T_STR_NULL, 0, NULL, NULL },
	{ "external_v6_ip", K5_T_STR_NULL, 0, NULL, NULL },
	{ "status", K5_T_STR, 0, "\"PENDING_CREATE\"", NULL },
	{ "flavor_id", K5_T_STR_NULL, K5_A_POST, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct k5_attr epg_attrs[] = {
	{ "type", K5_T_STR, K5_A_POST | K5_A_REQ, NULL, epg_types },
	{ "endpoints", K5_T_LIST, K5_A_POST, "[]", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct k5_attr conn_attrs[] = {
	{ "local_id", K5_T_STR, K5_A_POST | K5_A_PUT, "\"\"", NULL },
	{ "peer_address", K5_T_STR, K5_A_POST | K5_A_PUT | K5_A_REQ, NULL, NULL },
	{ "peer_id", K5_T_STR, K5_A_POST | K5_A_PUT | K5_A_REQ, NULL, NULL },
	{ "peer_cidrs", K5_T_LIST, K5_A_POST | K5_A_PUT, "[]", NULL },
	{ "local_ep_group_id", K5_T_STR_NULL, K5_A_POST | K5_A_PUT, NULL, NULL },
	{ "peer_ep_group_id", K5_T_STR_NULL, K5_A_POST | K5_A_PUT, NULL, NULL },
	{ "route_mode", K5_T_STR, 0, "\"static\"", NULL },
	{ "mtu", K5_T_INT, K5_A_POST | K5_A_PUT, "1500", NULL },
	{ "initiator", K5_T_STR, K5_A_POST | K5_A_PUT, "\"bi-directional\"", initiator_values },
	{ "auth_mode", K5_T_STR, 0, "\"psk\"", NULL },
	{ "psk", K5_T_STR, K5_A_POST | K5_A_PUT | K5_A_REQ, NULL, NULL },
	{ "dpd", K5_T_OBJ, K5_A_POST | K5_A_PUT,
	  "{\"action\": \"hold\", \"interval\": 30, \"timeout\": 120}", NULL },
	{ "admin_state_up", K5_T_BOOL, K5_A_POST | K5_A_PUT, "true", NULL },
	{ "status", K5_T_STR, 0, "\"PENDING_CREATE\"", NULL },
	{ "vpnservice_id", K5_T_STR, K5_A_POST | K5_A_REQ, NULL, NULL },
	{ "ikepolicy_id", K5_T_STR, K5_A_POST | K5_A_REQ, NULL, NULL },
	{ "ipsecpolicy_id", K5_T_STR, K5_A_POST | K5_A_REQ, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL },
};

/* ---- shared checks used by the router and network files ---- */

int k5_vpn_router_in_use(struct k5_mock *k, const char *router_id, struct k5_err *e)
{
	json_t *s;
	size_t i;

	json_array_foreach(k5_coll(k, &k5_kind_vpnservice), i, s)
		if (!strcmp(k5_str(s, "router_id"), router_id))
			return k5_fail(e, 409, "RouterInUse", "Router %s is currently used by VPN "
			               "service(s) (%s)", router_id, k5_str(s, "id"));
	return 0;
}

int k5_vpn_subnet_in_use(struct k5_mock *k, const char *subnet_id, struct k5_err *e)
{
	json_t *s;
	size_t i;

	json_array_foreach(k5_coll(k, &k5_kind_vpnservice), i, s)
		if (!strcmp(k5_str(s, "subnet_id"), subnet_id))
			return k5_fail(e, 409, "SubnetInUseByVPNService", "Subnet %s is used by "
			               "VPNService %s", subnet_id, k5_str(s, "id"));
	json_array_foreach(k5_coll(k, &k5_kind_endpoint_group), i, s) {
		json_t *ep;
		size_t j;

		if (strcmp(k5_str(s, "type"), "subnet"))
			continue;
		json_array_foreach(json_object_get(s, "endpoints"), j, ep)
			if (json_is_string(ep) && !strcmp(json_string_value(ep), subnet_id))
				return k5_fail(e, 409, "SubnetInUseByEndpointGroup", "Subnet %s is used "
				               "by endpoint group %s", subnet_id, k5_str(s, "id"));
	}
	return 0;
}

/* Status as K5 showed it: PENDING_CREATE until a connection exists, then following them. */
void k5_vpn_service_status_refresh(struct k5_mock *k)
{
	json_t *s, *c;
	size_t i, j;

	json_array_foreach(k5_coll(k, &k5_kind_vpnservice), i, s) {
		int n = 0, active = 0, down = 0;
		const char *st;

		json_array_foreach(k5_coll(k, &k5_kind_conn), j, c) {
			if (strcmp(k5_str(c, "vpnservice_id"), k5_str(s, "id")))
				continue;
			n++;
			active += !strcmp(k5_str(c, "status"), "ACTIVE");
			down += !strcmp(k5_str(c, "status"), "DOWN");
		}
		st = !n ? "PENDING_CREATE" : active ? "ACTIVE" : down == n ? "DOWN" :
		     "PENDING_CREATE";
		if (strcmp(k5_str(s, "status"), st))
			k5_status_set(k, "vpnservice", s, st);
	}
}

static int state_allows_update(json_t *old, struct k5_err *e)
{
	if (!strncmp(k5_str(old, "status"), "PENDING_", 8))
		return k5_fail(e, 400, "VPNStateInvalidToUpdate", "Invalid state %s of vpnaas "
		               "resource %s for updating", k5_str(old, "status"), k5_str(old, "id"));
	return 0;
}

/* ---- VPN services ---- */

static bool router_on_subnet(struct k5_mock *k, const char *router_id, const char *subnet_id)
{
	json_t *p, *f;
	size_t i, j;

	json_array_foreach(k5_coll(k, &k5_kind_port), i, p) {
		if (strcmp(k5_str(p, "device_id"), router_id))
			continue;
		json_array_foreach(json_object_get(p, "fixed_ips"), j, f)
			if (!strcmp(k5_str(f, "subnet_id"), subnet_id))
				return true;
	}
	return false;
}

static int service_create(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	const char *rid = k5_str(obj, "router_id");
	json_t *router = k5_get(k, &k5_kind_router, rid, e), *gw, *f;
	json_t *sub = json_object_get(obj, "subnet_id");
	size_t i;

	if (!router)
		return -1;
	gw = json_object_get(router, "external_gateway_info");
	if (!json_is_object(gw))
		return k5_fail(e, 400, "RouterIsNotExternal", "Router %s has no external network "
		               "gateway set", rid);
	if (json_is_string(sub)) {
		if (!k5_get(k, &k5_kind_subnet, json_string_value(sub), e))
			return -1;
		if (!router_on_subnet(k, rid, json_string_value(sub)))
			return k5_fail(e, 400, "SubnetIsNotConnectedToRouter", "Subnet %s is not "
			               "connected to Router %s", json_string_value(sub), rid);
	}
	/* K5: router : VPN service = 1 : 1 (the error is vpnlab's choice, UNCONFIRMED) */
	if (k->cfg.rules.one_service_per_router && k5_vpn_router_in_use(k, rid, e))
		return -1;
	json_array_foreach(json_object_get(gw, "external_fixed_ips"), i, f) {
		const char *ip = k5_str(f, "ip_address");

		json_object_set_new(obj, k5_ip_version(ip) == 6 ? "external_v6_ip" :
		                    "external_v4_ip", json_string(ip));
	}
	k5_status_set(k, "vpnservice", obj, "PENDING_CREATE");
	return 0;
}

static int service_update(struct k5_mock *k, json_t *old, json_t *obj, json_t *changes,
                          struct k5_err *e)
{
	(void)k;
	(void)obj;
	(void)changes;
	return state_allows_update(old, e);
}

static int service_delete(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	json_t *c;
	size_t i;

	json_array_foreach(k5_coll(k, &k5_kind_conn), i, c)
		if (!strcmp(k5_str(c, "vpnservice_id"), k5_str(obj, "id")))
			return k5_fail(e, 409, "VPNServiceInUse", "VPNService %s is still in use",
			               k5_str(obj, "id"));
	return 0;
}

/* ---- endpoint groups ---- */

static int epg_create(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	json_t *eps = json_object_get(obj, "endpoints"), *ep;
	const char *type = k5_str(obj, "type");
	size_t i, j;

	if (!json_array_size(eps))
		return k5_fail(e, 400, "MissingEndpointForEndpointGroup", "No endpoints specified "
		               "for endpoint group '%s'", k5_str(obj, "name"));
	json_array_foreach(eps, i, ep) {
		const char *s = json_string_value(ep);
		struct k5_cidr c;
		char why[160];

		if (!s)
			return k5_fail_input(e, "endpoints", "each endpoint must be a string");
		for (j = 0; j < i; j++)
			if (!strcmp(s, json_string_value(json_array_get(eps, j))))
				return k5_fail(e, 400, "InvalidEndpointInEndpointGroup", "Endpoint '%s' "
				               "is invalid for group type '%s': duplicate endpoint", s,
				               type);
		if (!strcmp(type, "cidr") && k5_cidr_parse(s, &c, why, sizeof why))
			return k5_fail(e, 400, "InvalidEndpointInEndpointGroup", "Endpoint '%s' is "
			               "invalid for group type '%s': %s", s, type, why);
		if (!strcmp(type, "subnet") && !k5_find(k, &k5_kind_subnet, s))
			return k5_fail(e, 400, "NonExistingSubnetInEndpointGroup", "Subnet %s in "
			               "endpoint group does not exist", s);
	}
	return 0;
}

static int epg_delete(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	json_t *c;
	size_t i;

	json_array_foreach(k5_coll(k, &k5_kind_conn), i, c)
		if (!strcmp(k5_str(c, "local_ep_group_id"), k5_str(obj, "id")) ||
		    !strcmp(k5_str(c, "peer_ep_group_id"), k5_str(obj, "id")))
			return k5_fail(e, 400, "EndpointGroupInUse", "Endpoint group %s is in use and "
			               "cannot be deleted", k5_str(obj, "id"));
	return 0;
}

/* ---- site connections ---- */

static int dpd_check(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	static const char *const k5_actions[] = { "hold", "restart", NULL };
	json_t *dpd = json_object_get(obj, "dpd"), *v;
	const char *key, *action;
	const char *const *p;

	json_object_foreach(dpd, key, v) {
		if (strcmp(key, "action") && strcmp(key, "interval") && strcmp(key, "timeout"))
			return k5_fail_input(e, "dpd", "Unexpected keys supplied: %s", key);
		if (strcmp(key, "action") && json_is_string(v)) {
			char *end;
			long long n = strtoll(json_string_value(v), &end, 10);

			if (!*json_string_value(v) || *end)
				return k5_fail_input(e, "dpd", "'%.32s' is not an integer",
				                     json_string_value(v));
			json_object_set_new(dpd, key, json_integer(n));
		} else if (strcmp(key, "action") && !json_is_integer(v)) {
			return k5_fail_input(e, "dpd", "%s is not an integer", key);
		}
	}
	/* assign_sensible_ipsec_sitecon_defaults: hold / 30 / 120 */
	if (!json_object_get(dpd, "action"))
		json_object_set_new(dpd, "action", json_string("hold"));
	if (!json_object_get(dpd, "interval"))
		json_object_set_new(dpd, "interval", json_integer(30));
	if (!json_object_get(dpd, "timeout"))
		json_object_set_new(dpd, "timeout", json_integer(120));
	action = json_string_value(json_object_get(dpd, "action"));
	if (!action)
		return k5_fail_input(e, "dpd", "action is not a string");
	for (p = dpd_actions; *p && strcmp(*p, action); p++)
		;
	if (!*p)
		return k5_fail_input(e, "dpd", "'%.32s' is not in ['clear', 'disabled', 'hold', "
		                     "'restart', 'restart-by-peer']", action);
	if (k->cfg.rules.dpd_hold_restart) {
		for (p = k5_actions; *p && strcmp(*p, action); p++)
			;
		if (!*p)
			return k5_fail_input(e, "dpd", "'%.32s' is not in ['hold', 'restart']", action);
	}
	if (json_integer_value(json_object_get(dpd, "interval")) < 0 ||
	    json_integer_value(json_object_get(dpd, "timeout")) < 0)
		return k5_fail_input(e, "dpd", "interval and timeout should be non-negative");
	if (json_integer_value(json_object_get(dpd, "timeout")) <=
	    json_integer_value(json_object_get(dpd, "interval")))
		return k5_fail(e, 400, "IPsecSiteConnectionDpdIntervalValueError",
		               "ipsec_site_connection dpd_timeout is equal to or less than "
		               "dpd_interval");
	return 0;
}

/* The local CIDRs: the service subnet (legacy mode) or the local endpoint group's subnets. */
static void local_cidrs(struct k5_mock *k, json_t *service, json_t *conn, json_t *out)
{
	json_t *sub = k5_find(k, &k5_kind_subnet, k5_str(service, "subnet_id")), *epg, *ep;
	size_t i;

	if (sub) {
		json_array_append_new(out, json_string(k5_str(sub, "cidr")));
		return;
	}
	epg = k5_find(k, &k5_kind_endpoint_group, k5_str(conn, "local_ep_group_id"));
	json_array_foreach(json_object_get(epg, "endpoints"), i, ep) {
		sub = k5_find(k, &k5_kind_subnet, json_string_value(ep));
		if (sub)
			json_array_append_new(out, json_string(k5_str(sub, "cidr")));
	}
}

static int conn_peer_cidrs(struct k5_mock *k, json_t *obj, json_t *service, struct k5_err *e)
{
	json_t *cidrs = json_object_get(obj, "peer_cidrs"), *c;
	const char *lg = json_string_value(json_object_get(obj, "local_ep_group_id"));
	const char *pg = json_string_value(json_object_get(obj, "peer_ep_group_id"));
	int version = 0;
	size_t i;

	if (json_is_string(json_object_get(service, "subnet_id"))) {
		/* legacy mode: peer CIDRs, no endpoint groups */
		if (lg || pg)
			return k5_fail(e, 400, "InvalidEndpointGroup", "Endpoint group%s %s cannot be "
			               "specified, when VPN Service has subnet specified",
			               lg && pg ? "s" : "", lg && pg ? "local_ep_group_id, "
			               "peer_ep_group_id" : lg ? "local_ep_group_id" :
			               "peer_ep_group_id");
		if (!json_array_size(cidrs))
			return k5_fail(e, 400, "MissingPeerCidrs", "Missing peer CIDRs for IPsec "
			               "site-to-site connection");
		json_array_foreach(cidrs, i, c) {
			struct k5_cidr cc;
			char why[160];

			if (!json_is_string(c))
				return k5_fail_input(e, "peer_cidrs", "each CIDR must be a string");
			if (k5_cidr_parse(json_string_value(c), &cc, why, sizeof why))
				return k5_fail(e, 400, "IPsecSiteConnectionPeerCidrError",
				               "ipsec_site_connection peer cidr %.64s is invalid CIDR",
				               json_string_value(c));
			if (version && version != cc.family)
				return k5_fail(e, 400, "MixedIPVersionsForPeerCidrs", "Peer CIDRs do not "
				               "have the same IP version, as required for IPSec "
				               "site-to-site connection");
			version = cc.family;
		}
		if (k->cfg.rules.one_peer_cidr && json_array_size(cidrs) != 1)
			return k5_fail_input(e, "peer_cidrs", "Only one cidr can be specified");
		return 0;
	}
	/* endpoint-group mode */
	if (json_array_size(cidrs))
		return k5_fail(e, 400, "PeerCidrsInvalid", "Peer CIDRs cannot be specified, when "
		               "using endpoint groups");
	if (!lg || !pg)
		return k5_fail(e, 400, "MissingRequiredEndpointGroup", "Missing endpoint group%s %s "
		               "for IPSec site-to-site connection", !lg && !pg ? "s" : "",
		               !lg && !pg ? "local_ep_group_id, peer_ep_group_id" :
		               !lg ? "local_ep_group_id" : "peer_ep_group_id");
	for (int side = 0; side < 2; side++) {
		const char *id = side ? pg : lg, *want = side ? "cidr" : "subnet";
		json_t *g = k5_find(k, &k5_kind_endpoint_group, id);

		if (!g)
			return k5_fail(e, 404, "EndpointGroupNotFound", "Endpoint group %s could not "
			               "be found", id);
		if (strcmp(k5_str(g, "type"), want))
			return k5_fail(e, 400, "WrongEndpointGroupType", "Endpoint group %s type is "
			               "'%s' and should be '%s'", side ? "peer" : "local",
			               k5_str(g, "type"), want);
		if (side && k->cfg.rules.one_peer_cidr &&
		    json_array_size(json_object_get(g, "endpoints")) != 1)
			return k5_fail_input(e, "peer_ep_group_id", "Only one cidr can be specified");
	}
	return 0;
}

static int conn_check(struct k5_mock *k, json_t *obj, bool creating, struct k5_err *e)
{
	json_t *service;
	int ver;
	json_int_t mtu;

	service = k5_get(k, &k5_kind_vpnservice, k5_str(obj, "vpnservice_id"), e);
	if (!service || !k5_get(k, &k5_kind_ikepolicy, k5_str(obj, "ikepolicy_id"), e) ||
	    !k5_get(k, &k5_kind_ipsecpolicy, k5_str(obj, "ipsecpolicy_id"), e))
		return -1;
	if (dpd_check(k, obj, e))
		return -1;
	ver = k5_ip_version(k5_str(obj, "peer_address"));
	if (!ver)
		/* the mock does no DNS; K5 wants an IPv4 address here anyway */
		return k5_fail(e, 400, "VPNPeerAddressNotResolved", "Peer address %.64s cannot be "
		               "resolved", k5_str(obj, "peer_address"));
	mtu = json_integer_value(json_object_get(obj, "mtu"));
	if (mtu < 0)
		return k5_fail_input(e, "mtu", "'%" JSON_INTEGER_FORMAT "' should be non-negative",
		                     mtu);
	if (mtu < (ver == 4 ? 68 : 1280))
		return k5_fail(e, 400, "IPsecSiteConnectionMtuError", "ipsec_site_connection MTU %d "
		               "is too small for ipv%d", (int)mtu, ver);
	if (conn_peer_cidrs(k, obj, service, e))
		return -1;
	if (creating && k->cfg.rules.max_conns_per_service > 0) {
		json_t *c;
		size_t i;
		int n = 0;

		json_array_foreach(k5_coll(k, &k5_kind_conn), i, c)
			n += !strcmp(k5_str(c, "vpnservice_id"), k5_str(service, "id"));
		if (n >= k->cfg.rules.max_conns_per_service)
			/* K5's limit (README-IPSEC.md); the error is vpnlab's choice, UNCONFIRMED */
			return k5_fail(e, 409, "Conflict", "VPNService %s already has %d IPsec site "
			               "connections, the maximum per VPN service", k5_str(service, "id"),
			               n);
	}
	return 0;
}

static int conn_create(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	if (conn_check(k, obj, true, e))
		return -1;
	k5_status_set(k, "ipsec_site_connection", obj, "PENDING_CREATE");
	return 0;
}

static int conn_update(struct k5_mock *k, json_t *old, json_t *obj, json_t *changes,
                       struct k5_err *e)
{
	(void)changes;
	if (state_allows_update(old, e) || conn_check(k, obj, false, e))
		return -1;
	k5_status_set(k, "ipsec_site_connection", obj, "PENDING_UPDATE");
	return 0;
}

/* ---- intents ---- */

static json_t *policy_intent(json_t *p, bool ike)
{
	json_t *o = json_pack("{ss ss ss sI}", "auth_algorithm", k5_str(p, "auth_algorithm"),
	                      "encryption_algorithm", k5_str(p, "encryption_algorithm"),
	                      "pfs", k5_str(p, "pfs"), "lifetime_s",
	                      json_integer_value(json_object_get(json_object_get(p, "lifetime"),
	                                                         "value")));

	if (ike) {
		json_object_set_new(o, "phase1_negotiation_mode",
		                    json_string(k5_str(p, "phase1_negotiation_mode")));
		json_object_set_new(o, "ike_version", json_string(k5_str(p, "ike_version")));
	} else {
		json_object_set_new(o, "transform_protocol",
		                    json_string(k5_str(p, "transform_protocol")));
		json_object_set_new(o, "encapsulation_mode",
		                    json_string(k5_str(p, "encapsulation_mode")));
	}
	return o;
}

/* The floating IP on the router port of the service's subnet: K5's local endpoint. */
static const char *service_fip(struct k5_mock *k, json_t *service)
{
	json_t *p, *f, *fip;
	size_t i, j, n;

	json_array_foreach(k5_coll(k, &k5_kind_port), i, p) {
		if (strcmp(k5_str(p, "device_id"), k5_str(service, "router_id")))
			continue;
		json_array_foreach(json_object_get(p, "fixed_ips"), j, f) {
			if (strcmp(k5_str(f, "subnet_id"), k5_str(service, "subnet_id")))
				continue;
			json_array_foreach(k5_coll(k, &k5_kind_floatingip), n, fip)
				if (!strcmp(k5_str(fip, "port_id"), k5_str(p, "id")))
					return k5_str(fip, "floating_ip_address");
		}
	}
	return "";
}

static json_t *intent_build(struct k5_mock *k, json_t *c)
{
	json_t *svc = k5_find(k, &k5_kind_vpnservice, k5_str(c, "vpnservice_id"));
	json_t *router = k5_find(k, &k5_kind_router, k5_str(svc, "router_id"));
	json_t *gwip = json_array_get(json_object_get(json_object_get(router,
	                              "external_gateway_info"), "external_fixed_ips"), 0);
	json_t *peer = json_array(), *local = json_array(), *dpd = json_object_get(c, "dpd");
	json_t *pg = k5_find(k, &k5_kind_endpoint_group, k5_str(c, "peer_ep_group_id"));
	char ts[40];

	local_cidrs(k, svc, c, local);
	json_array_extend(peer, pg ? json_object_get(pg, "endpoints") :
	                        json_object_get(c, "peer_cidrs"));
	k5_time(k, ts, sizeof ts, false, 0);
	return json_pack("{ss ss ss ss ss ss ss ss so so so so s{sssIsI} ss sI sb ss ss ss}",
	                 "connection_id", k5_str(c, "id"), "name", k5_str(c, "name"),
	                 "vpnservice_id", k5_str(c, "vpnservice_id"),
	                 "router_id", k5_str(svc, "router_id"),
	                 "router_name", k5_str(router, "name"),
	                 "peer_address", k5_str(c, "peer_address"), "peer_id", k5_str(c, "peer_id"),
	                 "psk", k5_str(c, "psk"), "local_cidrs", local, "peer_cidrs", peer,
	                 "ike", policy_intent(k5_find(k, &k5_kind_ikepolicy,
	                                               k5_str(c, "ikepolicy_id")), true),
	                 "ipsec", policy_intent(k5_find(k, &k5_kind_ipsecpolicy,
	                                                 k5_str(c, "ipsecpolicy_id")), false),
	                 "dpd", "action", k5_str(dpd, "action"),
	                 "interval_s", json_integer_value(json_object_get(dpd, "interval")),
	                 "timeout_s", json_integer_value(json_object_get(dpd, "timeout")),
	                 "initiator", k5_str(c, "initiator"),
	                 "mtu", json_integer_value(json_object_get(c, "mtu")),
	                 "admin_state_up", json_is_true(json_object_get(c, "admin_state_up")),
	                 "router_external_ip", k5_str(gwip, "ip_address"),
	                 "floating_ip", service_fip(k, svc), "recorded_at", ts);
}

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

static void intent_struct(json_t *j, struct k5_conn_intent *in)
{
	json_t *ike = json_object_get(j, "ike"), *ipsec = json_object_get(j, "ipsec");
	json_t *dpd = json_object_get(j, "dpd"), *v;
	size_t i;

	memset(in, 0, sizeof *in);
	COPY(in->id, k5_str(j, "connection_id"));
	COPY(in->name, k5_str(j, "name"));
	COPY(in->vpnservice_id, k5_str(j, "vpnservice_id"));
	COPY(in->router_id, k5_str(j, "router_id"));
	COPY(in->router_name, k5_str(j, "router_name"));
	COPY(in->peer_address, k5_str(j, "peer_address"));
	COPY(in->peer_id, k5_str(j, "peer_id"));
	COPY(in->psk, k5_str(j, "psk"));
	json_array_foreach(json_object_get(j, "local_cidrs"), i, v)
		if (in->nlocal < K5_MAX_CIDRS)
			COPY(in->local_cidrs[in->nlocal++], json_string_value(v));
	json_array_foreach(json_object_get(j, "peer_cidrs"), i, v)
		if (in->npeer < K5_MAX_CIDRS)
			COPY(in->peer_cidrs[in->npeer++], json_string_value(v));
	COPY(in->ike.auth, k5_str(ike, "auth_algorithm"));
	COPY(in->ike.encryption, k5_str(ike, "encryption_algorithm"));
	COPY(in->ike.pfs, k5_str(ike, "pfs"));
	COPY(in->ike.phase1_mode, k5_str(ike, "phase1_negotiation_mode"));
	COPY(in->ike.ike_version, k5_str(ike, "ike_version"));
	in->ike.lifetime_s = (int)json_integer_value(json_object_get(ike, "lifetime_s"));
	COPY(in->ipsec.auth, k5_str(ipsec, "auth_algorithm"));
	COPY(in->ipsec.encryption, k5_str(ipsec, "encryption_algorithm"));
	COPY(in->ipsec.pfs, k5_str(ipsec, "pfs"));
	COPY(in->ipsec.transform, k5_str(ipsec, "transform_protocol"));
	COPY(in->ipsec.encapsulation, k5_str(ipsec, "encapsulation_mode"));
	in->ipsec.lifetime_s = (int)json_integer_value(json_object_get(ipsec, "lifetime_s"));
	COPY(in->dpd.action, k5_str(dpd, "action"));
	in->dpd.interval_s = (int)json_integer_value(json_object_get(dpd, "interval_s"));
	in->dpd.timeout_s = (int)json_integer_value(json_object_get(dpd, "timeout_s"));
	COPY(in->initiator, k5_str(j, "initiator"));
	in->mtu = (int)json_integer_value(json_object_get(j, "mtu"));
	in->admin_state_up = json_is_true(json_object_get(j, "admin_state_up"));
	COPY(in->router_external_ip, k5_str(j, "router_external_ip"));
	COPY(in->floating_ip, k5_str(j, "floating_ip"));
}

static json_t *intents(struct k5_mock *k)
{
	json_t *m = json_object_get(k->state, "vpnlab_intents");

	if (!json_is_object(m)) {
		m = json_object();
		json_object_set_new(k->state, "vpnlab_intents", m);
	}
	return m;
}

static void conn_after_write(struct k5_mock *k, json_t *obj, bool created)
{
	json_t *j = intent_build(k, obj);
	struct k5_conn_intent in;

	json_object_set(intents(k), k5_str(obj, "id"), j);
	if (k->have_gw) {
		intent_struct(j, &in);
		if (created && k->gw.conn_created)
			k->gw.conn_created(k->gw.ctx, &in);
		if (!created && k->gw.conn_updated)
			k->gw.conn_updated(k->gw.ctx, &in);
		OPENSSL_cleanse(in.psk, sizeof in.psk);
	} else {
		k5_due_set(k, k5_str(obj, "id"), k->cfg.active_delay);
	}
	json_decref(j);
	k5_vpn_service_status_refresh(k);
}

static void conn_after_delete(struct k5_mock *k, json_t *obj)
{
	json_object_del(intents(k), k5_str(obj, "id"));
	if (k->have_gw && k->gw.conn_deleted)
		k->gw.conn_deleted(k->gw.ctx, k5_str(obj, "id"));
	k5_vpn_service_status_refresh(k);
}

void k5_vpn_intents_json(struct k5_mock *k, const char *id, json_t **out)
{
	json_t *all = intents(k), *list, *v;
	const char *key;

	if (id) {
		v = json_object_get(all, id);
		*out = v ? json_pack("{sO}", "intent", v) : NULL;
		return;
	}
	list = json_array();
	json_object_foreach(all, key, v)
		json_array_append(list, v);
	*out = json_pack("{so}", "intents", list);
}

const struct k5_kind k5_kind_vpnservice = {
	.path = "vpn/vpnservices", .plural = "vpnservices", .single = "vpnservice",
	.nf_type = "VPNServiceNotFound", .nf_fmt = "VPNService %s could not be found",
	.attrs = service_attrs, .on_create = service_create, .on_update = service_update,
	.on_delete = service_delete,
};

const struct k5_kind k5_kind_endpoint_group = {
	.path = "vpn/endpoint-groups", .plural = "endpoint_groups", .single = "endpoint_group",
	.nf_type = "EndpointGroupNotFound", .nf_fmt = "Endpoint group %s could not be found",
	.attrs = epg_attrs, .on_create = epg_create, .on_delete = epg_delete,
};

const struct k5_kind k5_kind_conn = {
	.path = "vpn/ipsec-site-connections", .plural = "ipsec_site_connections",
	.single = "ipsec_site_connection",
	.nf_type = "IPsecSiteConnectionNotFound",
	.nf_fmt = "ipsec_site_connection %s not found",
	.attrs = conn_attrs, .on_create = conn_create, .on_update = conn_update,
	.after_write = conn_after_write, .after_delete = conn_after_delete,
};
