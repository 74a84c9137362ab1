/*
 * k5_topology.c: what a router's API objects say its node is (k5.h, k5_mock_router_topology):
 * the external gateway's address on the external network's subnet, the router interface
 * ports, the extra routes and the floating IPs it carries. Read-only over the store.
 */
#include "mocks/k5_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src);
}

/* The prefix length of the subnet's CIDR; -1 if the subnet is unknown. */
static int subnet_prefix(struct k5_mock *k, const char *subnet_id, json_t **subnet)
{
	json_t *s = k5_find(k, &k5_kind_subnet, subnet_id);
	struct k5_cidr c;
	char why[96];

	*subnet = s;
	if (!s || k5_cidr_parse(k5_str(s, "cidr"), &c, why, sizeof why))
		return -1;
	return c.prefix;
}

static json_t *router_named(struct k5_mock *k, const char *name)
{
	json_t *r;
	size_t i;

	json_array_foreach(k5_coll(k, &k5_kind_router), i, r)
		if (!strcmp(k5_str(r, "name"), name))
			return r;
	return NULL;
}

static void external(struct k5_mock *k, json_t *gw, struct k5_router_topo *t)
{
	json_t *net, *f, *s;
	int prefix;

	if (!json_is_object(gw))
		return;
	net = k5_find(k, &k5_kind_network, k5_str(gw, "network_id"));
	copy(t->ext_network_id, sizeof t->ext_network_id, k5_str(gw, "network_id"));
	copy(t->ext_network_name, sizeof t->ext_network_name, net ? k5_str(net, "name") : "");
	t->enable_snat = !json_is_false(json_object_get(gw, "enable_snat"));
	f = json_array_get(json_object_get(gw, "external_fixed_ips"), 0);
	if (!f || (prefix = subnet_prefix(k, k5_str(f, "subnet_id"), &s)) < 0)
		return;
	t->has_gateway = true;
	copy(t->ext_ip, sizeof t->ext_ip, k5_str(f, "ip_address"));
	t->ext_prefix = prefix;
	copy(t->ext_cidr, sizeof t->ext_cidr, k5_str(s, "cidr"));
	copy(t->ext_gateway_ip, sizeof t->ext_gateway_ip, k5_str(s, "gateway_ip"));
}

int k5_mock_router_topology(struct k5_mock *k, const char *router_name,
                            struct k5_router_topo *t)
{
	json_t *r = router_named(k, router_name), *p, *f, *s, *rt;
	const char *rid;
	size_t i;
	int err = 0;

	memset(t, 0, sizeof *t);
	if (!r)
		return -ENOENT;
	rid = k5_str(r, "id");
	copy(t->id, sizeof t->id, rid);
	copy(t->name, sizeof t->name, router_name);
	external(k, json_object_get(r, "external_gateway_info"), t);
	json_array_foreach(k5_coll(k, &k5_kind_port), i, p) {
		struct k5_topo_port *tp;
		json_t *net;
		int prefix;

		if (strcmp(k5_str(p, "device_id"), rid) ||
		    strcmp(k5_str(p, "device_owner"), "network:router_interface"))
			continue;
		f = json_array_get(json_object_get(p, "fixed_ips"), 0);
		if (!f || (prefix = subnet_prefix(k, k5_str(f, "subnet_id"), &s)) < 0)
			continue;
		if (t->nports == K5_TOPO_MAX) {
			err = -E2BIG;
			break;
		}
		tp = &t->ports[t->nports++];
		net = k5_find(k, &k5_kind_network, k5_str(p, "network_id"));
		copy(tp->port_id, sizeof tp->port_id, k5_str(p, "id"));
		copy(tp->network_id, sizeof tp->network_id, k5_str(p, "network_id"));
		copy(tp->network_name, sizeof tp->network_name, net ? k5_str(net, "name") : "");
		copy(tp->subnet_id, sizeof tp->subnet_id, k5_str(f, "subnet_id"));
		copy(tp->ip, sizeof tp->ip, k5_str(f, "ip_address"));
		tp->prefix = prefix;
	}
	json_array_foreach(json_object_get(r, "routes"), i, rt) {
		if (t->nroutes == K5_TOPO_MAX) {
			err = -E2BIG;
			break;
		}
		copy(t->routes[t->nroutes].destination, sizeof t->routes[0].destination,
		     k5_str(rt, "destination"));
		copy(t->routes[t->nroutes].nexthop, sizeof t->routes[0].nexthop,
		     k5_str(rt, "nexthop"));
		t->nroutes++;
	}
	json_array_foreach(k5_coll(k, &k5_kind_floatingip), i, f) {
		struct k5_topo_fip *tf;

		if (strcmp(k5_str(f, "router_id"), rid) || !json_is_string(json_object_get(f, "port_id")))
			continue;
		if (t->nfips == K5_TOPO_MAX) {
			err = -E2BIG;
			break;
		}
		tf = &t->fips[t->nfips++];
		copy(tf->id, sizeof tf->id, k5_str(f, "id"));
		copy(tf->floating_ip, sizeof tf->floating_ip, k5_str(f, "floating_ip_address"));
		copy(tf->fixed_ip, sizeof tf->fixed_ip, k5_str(f, "fixed_ip_address"));
		copy(tf->status, sizeof tf->status, k5_str(f, "status"));
	}
	return err;
}

int k5_mock_set_fip_status(struct k5_mock *k, const char *fip_id, const char *status)
{
	json_t *f = k5_find(k, &k5_kind_floatingip, fip_id);

	if (strcmp(status, "ACTIVE") && strcmp(status, "DOWN") && strcmp(status, "ERROR"))
		return -EINVAL;
	if (!f)
		return -ENOENT;
	k5_status_set(k, "floatingip", f, status);
	k5_due_clear(k, fip_id);
	return 0;
}
