/*
 * A K5 router's API objects as its lab node: what the mock reports of a router
 * (k5_mock_router_topology), the plan of addresses, routes and translations made of it
 * (lab_k5_plan) and the nft script (lab_k5_nft_render), on objects built through the API.
 */
#include "tests/unit/test_k5_rig.h"
#include "tests/unit/unit.h"
#include "harness/lab_k5.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void nop_conn(void *ctx, const struct k5_conn_intent *in)
{
	(void)ctx;
	(void)in;
}

static void nop_del(void *ctx, const char *id)
{
	(void)ctx;
	(void)id;
}

/* A K5 node: uplink wan0, lan0 on net1 (rig_topology's network), lan1 on "dmz". */
static void node(struct sc_gateway *g)
{
	memset(g, 0, sizeof *g);
	snprintf(g->node, sizeof g->node, "k1");
	snprintf(g->uplink, sizeof g->uplink, "wan0");
	snprintf(g->k5_ports[0].iface, sizeof g->k5_ports[0].iface, "lan0");
	snprintf(g->k5_ports[0].network, sizeof g->k5_ports[0].network, "net1");
	snprintf(g->k5_ports[1].iface, sizeof g->k5_ports[1].iface, "lan1");
	snprintf(g->k5_ports[1].network, sizeof g->k5_ports[1].network, "dmz");
	g->nk5_ports = 2;
}

static void text(const struct sc_prefix *p, char *buf, size_t len)
{
	sc_format_prefix(p, true, buf, len);
}

static void test_router_topology(void)
{
	struct k5_rig r;
	struct k5_topo t;
	struct k5_router_topo *tp = calloc(1, sizeof *tp);
	char path[160];

	CU_ASSERT_PTR_NOT_NULL_FATAL(tp);
	rig_init(&r, false);
	rig_topology(&r, &t);
	CU_ASSERT_EQUAL(k5_mock_router_topology(r.k, "nope", tp), -ENOENT);
	CU_ASSERT_EQUAL_FATAL(k5_mock_router_topology(r.k, "r1", tp), 0);
	CU_ASSERT_STRING_EQUAL(tp->id, t.router);
	CU_ASSERT_TRUE(tp->has_gateway);
	CU_ASSERT_TRUE(tp->enable_snat);
	CU_ASSERT_STRING_EQUAL(tp->ext_network_name, "inf_az1_ext-net01");
	CU_ASSERT_STRING_EQUAL(tp->ext_ip, "198.51.100.2");
	CU_ASSERT_EQUAL(tp->ext_prefix, 24);
	CU_ASSERT_STRING_EQUAL(tp->ext_cidr, "198.51.100.0/24");
	CU_ASSERT_STRING_EQUAL(tp->ext_gateway_ip, "198.51.100.1");
	/* add_router_interface by subnet: the subnet's gateway_ip */
	CU_ASSERT_EQUAL_FATAL(tp->nports, 1);
	CU_ASSERT_STRING_EQUAL(tp->ports[0].network_name, "net1");
	CU_ASSERT_STRING_EQUAL(tp->ports[0].network_id, t.net);
	CU_ASSERT_STRING_EQUAL(tp->ports[0].ip, "10.1.1.1");
	CU_ASSERT_EQUAL(tp->ports[0].prefix, 24);
	CU_ASSERT_EQUAL(tp->nroutes, 0);
	CU_ASSERT_EQUAL(tp->nfips, 0);

	/* add_extraroutes / remove_extraroutes */
	snprintf(path, sizeof path, "/v2.0/routers/%s/add_extraroutes", t.router);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"router\": {\"routes\": [{\"destination\": "
	                         "\"172.16.0.0/12\", \"nexthop\": \"10.1.1.9\"}]}}"), 200);
	CU_ASSERT_EQUAL(k5_mock_router_topology(r.k, "r1", tp), 0);
	CU_ASSERT_EQUAL_FATAL(tp->nroutes, 1);
	CU_ASSERT_STRING_EQUAL(tp->routes[0].destination, "172.16.0.0/12");
	CU_ASSERT_STRING_EQUAL(tp->routes[0].nexthop, "10.1.1.9");
	snprintf(path, sizeof path, "/v2.0/routers/%s/remove_extraroutes", t.router);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"router\": {\"routes\": [{\"destination\": "
	                         "\"172.16.0.0/12\", \"nexthop\": \"10.1.1.9\"}]}}"), 200);
	CU_ASSERT_EQUAL(k5_mock_router_topology(r.k, "r1", tp), 0);
	CU_ASSERT_EQUAL(tp->nroutes, 0);
	free(tp);
	rig_free(&r);
}

static void test_interfaces_and_gateway(void)
{
	struct k5_rig r;
	struct k5_topo t;
	struct k5_router_topo *tp = calloc(1, sizeof *tp);
	char net[37], sub[37], port[37], rid[37], path[160];

	CU_ASSERT_PTR_NOT_NULL_FATAL(tp);
	rig_init(&r, false);
	rig_topology(&r, &t);
	/* a router of its own (no VPN service on it), on AZ2's external network */
	CU_ASSERT_EQUAL(rig_create(&r, rid, "/v2.0/routers", "router", "{\"router\": {\"name\": "
	                           "\"r9\", \"external_gateway_info\": {\"network_id\": \"%s\", "
	                           "\"enable_snat\": false}}}", t.ext_net2), 201);
	CU_ASSERT_EQUAL(rig_create(&r, net, "/v2.0/networks", "network", "{\"network\": "
	                           "{\"name\": \"dmz\"}}"), 201);
	CU_ASSERT_EQUAL(rig_create(&r, sub, "/v2.0/subnets", "subnet", "{\"subnet\": {"
	                           "\"network_id\": \"%s\", \"ip_version\": 4, \"cidr\": "
	                           "\"10.5.0.0/16\"}}", net), 201);
	/* add_router_interface by port: the port's fixed IP */
	CU_ASSERT_EQUAL(rig_create(&r, port, "/v2.0/ports", "port", "{\"port\": {\"network_id\": "
	                           "\"%s\", \"fixed_ips\": [{\"subnet_id\": \"%s\", \"ip_address\": "
	                           "\"10.5.0.254\"}]}}", net, sub), 201);
	snprintf(path, sizeof path, "/v2.0/routers/%s/add_router_interface", rid);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"port_id\": \"%s\"}", port), 200);
	CU_ASSERT_EQUAL(k5_mock_router_topology(r.k, "r9", tp), 0);
	CU_ASSERT_TRUE(tp->has_gateway);
	CU_ASSERT_FALSE(tp->enable_snat);
	CU_ASSERT_STRING_EQUAL(tp->ext_ip, "203.0.113.2");
	CU_ASSERT_EQUAL_FATAL(tp->nports, 1);
	CU_ASSERT_STRING_EQUAL(tp->ports[0].ip, "10.5.0.254");
	CU_ASSERT_EQUAL(tp->ports[0].prefix, 16);
	CU_ASSERT_STRING_EQUAL(tp->ports[0].network_name, "dmz");
	/* remove_router_interface takes it away, clearing the gateway the external address */
	snprintf(path, sizeof path, "/v2.0/routers/%s/remove_router_interface", rid);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"port_id\": \"%s\"}", port), 200);
	snprintf(path, sizeof path, "/v2.0/routers/%s", rid);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"router\": {\"external_gateway_info\": "
	                         "null}}"), 200);
	CU_ASSERT_EQUAL(k5_mock_router_topology(r.k, "r9", tp), 0);
	CU_ASSERT_FALSE(tp->has_gateway);
	CU_ASSERT_STRING_EQUAL(tp->ext_ip, "");
	CU_ASSERT_EQUAL(tp->nports, 0);
	free(tp);
	rig_free(&r);
}

/* With a gateway attached the harness says when a floating IP is ACTIVE, not the delay. */
static void test_fip_status_from_the_lab(void)
{
	struct k5_rig r;
	struct k5_topo t;
	struct k5_gateway gw = { .conn_created = nop_conn, .conn_updated = nop_conn,
	                         .conn_deleted = nop_del };
	struct k5_router_topo *tp = calloc(1, sizeof *tp);
	char fip[37], port[37], path[160];

	CU_ASSERT_PTR_NOT_NULL_FATAL(tp);
	rig_init(&r, false);
	rig_topology(&r, &t);
	k5_mock_attach_gateway(r.k, &gw);
	CU_ASSERT_EQUAL(rig_create(&r, port, "/v2.0/ports", "port", "{\"port\": {\"network_id\": "
	                           "\"%s\", \"fixed_ips\": [{\"subnet_id\": \"%s\", \"ip_address\": "
	                           "\"10.1.1.10\"}]}}", t.net, t.subnet), 201);
	CU_ASSERT_EQUAL(rig_create(&r, fip, "/v2.0/floatingips", "floatingip", "{\"floatingip\": "
	                           "{\"floating_network_id\": \"%s\", \"floating_ip_address\": "
	                           "\"198.51.100.50\", \"port_id\": \"%s\"}}", t.ext_net, port), 201);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "floatingip.status"), "DOWN");
	CU_ASSERT_EQUAL(k5_mock_router_topology(r.k, "r1", tp), 0);
	CU_ASSERT_EQUAL_FATAL(tp->nfips, 1);
	CU_ASSERT_STRING_EQUAL(tp->fips[0].id, fip);
	CU_ASSERT_STRING_EQUAL(tp->fips[0].floating_ip, "198.51.100.50");
	CU_ASSERT_STRING_EQUAL(tp->fips[0].fixed_ip, "10.1.1.10");
	CU_ASSERT_STRING_EQUAL(tp->fips[0].status, "DOWN");
	snprintf(path, sizeof path, "/v2.0/floatingips/%s", fip);
	r.now = lab_sec(60);                    /* long past the standalone delay */
	rig_call(&r, "GET", path, NULL);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "floatingip.status"), "DOWN");
	CU_ASSERT_EQUAL(k5_mock_set_fip_status(r.k, fip, "UP"), -EINVAL);
	CU_ASSERT_EQUAL(k5_mock_set_fip_status(r.k, "nope", "ACTIVE"), -ENOENT);
	CU_ASSERT_EQUAL(k5_mock_set_fip_status(r.k, fip, "ACTIVE"), 0);
	rig_call(&r, "GET", path, NULL);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "floatingip.status"), "ACTIVE");
	/* unbound: DOWN again, and no longer the router's */
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"floatingip\": {\"port_id\": null}}"), 200);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "floatingip.status"), "DOWN");
	CU_ASSERT_EQUAL(k5_mock_router_topology(r.k, "r1", tp), 0);
	CU_ASSERT_EQUAL(tp->nfips, 0);
	k5_mock_attach_gateway(r.k, NULL);
	free(tp);
	rig_free(&r);
}

/* k5_config.external: the external subnets the lab's outside is, and the allocation from
 * them; unusable ones refused. */
static void test_external_config(void)
{
	struct k5_rig r;
	struct k5_config cfg;
	struct k5_mock *k = NULL;
	struct drbg d;
	char ext[37], rid[37];
	static const char *const bad[][2] = {
		{ "192.0.2.1/24", NULL }, { "2001:db8::/64", NULL }, { "10.0.0.0/31", NULL },
		{ "10.0.0.0/7", NULL }, { "192.0.2.0/24", "192.0.3.1" }, { "192.0.2.0/24", "192.0.2.255" },
		{ "192.0.2.0/24", "192.0.2.0" }, { "192.0.2.0/24", "x" },
	};

	k5_config_default(&cfg);
	cfg.external[0].cidr = "192.0.2.0/24";
	cfg.external[0].gateway_ip = "192.0.2.254";
	cfg.external[1].cidr = "10.200.0.0/16";
	rig_init_cfg(&r, &cfg);
	rig_find(&r, ext, "/v2.0/networks", "networks", "inf_az1_ext-net01");
	rig_call(&r, "GET", "/v2.0/subnets?name=inf_az1_ext-subnet01", NULL);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "subnets.0.cidr"), "192.0.2.0/24");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "subnets.0.gateway_ip"), "192.0.2.254");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "subnets.0.allocation_pools.0.start"), "192.0.2.1");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "subnets.0.allocation_pools.0.end"), "192.0.2.253");
	rig_call(&r, "GET", "/v2.0/subnets?name=inf_az2_ext-subnet01", NULL);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "subnets.0.gateway_ip"), "10.200.0.1");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "subnets.0.allocation_pools.0.start"), "10.200.0.2");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "subnets.0.allocation_pools.0.end"), "10.200.255.254");
	CU_ASSERT_EQUAL(rig_create(&r, rid, "/v2.0/routers", "router", "{\"router\": {\"name\": "
	                           "\"r1\", \"external_gateway_info\": {\"network_id\": \"%s\"}}}",
	                           ext), 201);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "router.external_gateway_info.external_fixed_ips.0."
	                             "ip_address"), "192.0.2.1");
	rig_free(&r);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		k5_config_default(&cfg);
		cfg.external[1].cidr = bad[i][0];
		cfg.external[1].gateway_ip = bad[i][1];
		drbg_init(&d, 1);
		CU_ASSERT_EQUAL(k5_mock_new(&k, &cfg, &d), -EINVAL);
		CU_ASSERT_PTR_NULL(k);
		drbg_wipe(&d);
	}
}

/* A topology as the mock reports it, by hand: the mapping's own cases. */
static void topo_fill(struct k5_router_topo *t)
{
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "r1");
	t->has_gateway = t->enable_snat = true;
	snprintf(t->ext_network_name, sizeof t->ext_network_name, "inf_az1_ext-net01");
	snprintf(t->ext_ip, sizeof t->ext_ip, "198.51.100.2");
	snprintf(t->ext_cidr, sizeof t->ext_cidr, "198.51.100.0/24");
	snprintf(t->ext_gateway_ip, sizeof t->ext_gateway_ip, "198.51.100.1");
	t->ext_prefix = 24;
	snprintf(t->ports[0].network_name, sizeof t->ports[0].network_name, "net1");
	snprintf(t->ports[0].ip, sizeof t->ports[0].ip, "10.1.1.1");
	t->ports[0].prefix = 24;
	snprintf(t->ports[1].network_name, sizeof t->ports[1].network_name, "elsewhere");
	snprintf(t->ports[1].port_id, sizeof t->ports[1].port_id, "p-2");
	snprintf(t->ports[1].ip, sizeof t->ports[1].ip, "10.7.0.1");
	t->ports[1].prefix = 24;
	snprintf(t->ports[2].network_id, sizeof t->ports[2].network_id, "dmz");  /* by id */
	snprintf(t->ports[2].ip, sizeof t->ports[2].ip, "10.5.0.254");
	t->ports[2].prefix = 16;
	t->nports = 3;
	snprintf(t->routes[0].destination, sizeof t->routes[0].destination, "172.16.0.0/12");
	snprintf(t->routes[0].nexthop, sizeof t->routes[0].nexthop, "10.1.1.9");
	snprintf(t->routes[1].destination, sizeof t->routes[1].destination, "2001:db8::/32");
	snprintf(t->routes[1].nexthop, sizeof t->routes[1].nexthop, "2001:db8::1");
	t->nroutes = 2;
	snprintf(t->fips[0].id, sizeof t->fips[0].id, "f-1");
	snprintf(t->fips[0].floating_ip, sizeof t->fips[0].floating_ip, "198.51.100.50");
	snprintf(t->fips[0].fixed_ip, sizeof t->fips[0].fixed_ip, "10.1.1.10");
	snprintf(t->fips[1].id, sizeof t->fips[1].id, "f-2");       /* the router's own port */
	snprintf(t->fips[1].floating_ip, sizeof t->fips[1].floating_ip, "198.51.100.51");
	snprintf(t->fips[1].fixed_ip, sizeof t->fips[1].fixed_ip, "10.1.1.1");
	t->nfips = 2;
}

static void test_plan(void)
{
	struct sc_gateway g;
	struct k5_router_topo *t = calloc(1, sizeof *t);
	struct lab_k5_plan *p = calloc(1, sizeof *p);
	char a[64];

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	node(&g);
	topo_fill(t);
	lab_k5_plan(&g, t, p);
	CU_ASSERT_EQUAL_FATAL(p->naddrs, 5);
	CU_ASSERT_STRING_EQUAL(p->addrs[0].iface, "wan0");
	text(&p->addrs[0].p, a, sizeof a);
	CU_ASSERT_STRING_EQUAL(a, "198.51.100.2/24");
	CU_ASSERT_STRING_EQUAL(p->addrs[0].why, "external gateway on inf_az1_ext-net01");
	CU_ASSERT_STRING_EQUAL(p->addrs[1].iface, "lan0");
	text(&p->addrs[1].p, a, sizeof a);
	CU_ASSERT_STRING_EQUAL(a, "10.1.1.1/24");
	CU_ASSERT_STRING_EQUAL(p->addrs[2].iface, "lan1");          /* matched by network id */
	text(&p->addrs[2].p, a, sizeof a);
	CU_ASSERT_STRING_EQUAL(a, "10.5.0.254/16");
	CU_ASSERT_STRING_EQUAL(p->addrs[3].iface, "wan0");
	text(&p->addrs[3].p, a, sizeof a);
	CU_ASSERT_STRING_EQUAL(a, "198.51.100.50/32");
	text(&p->addrs[4].p, a, sizeof a);
	CU_ASSERT_STRING_EQUAL(a, "198.51.100.51/32");
	/* default route via the external subnet's gateway_ip, then the extra route */
	CU_ASSERT_EQUAL_FATAL(p->nroutes, 2);
	CU_ASSERT_EQUAL(p->routes[0].dst.len, 0);
	CU_ASSERT_TRUE(p->routes[0].has_via);
	sc_format_prefix(&p->routes[0].via, false, a, sizeof a);
	CU_ASSERT_STRING_EQUAL(a, "198.51.100.1");
	CU_ASSERT_STRING_EQUAL(p->routes[0].dev, "wan0");
	text(&p->routes[1].dst, a, sizeof a);
	CU_ASSERT_STRING_EQUAL(a, "172.16.0.0/12");
	/* SNAT of each mapped subnet, the FIP to a host translated, the router's own not */
	CU_ASSERT_EQUAL_FATAL(p->nsnat, 2);
	text(&p->snat_src[0], a, sizeof a);
	CU_ASSERT_STRING_EQUAL(a, "10.1.1.0/24");
	text(&p->snat_src[1], a, sizeof a);
	CU_ASSERT_STRING_EQUAL(a, "10.5.0.0/16");
	CU_ASSERT_EQUAL_FATAL(p->nnat, 1);
	sc_format_prefix(&p->nat[0].fixed, false, a, sizeof a);
	CU_ASSERT_STRING_EQUAL(a, "10.1.1.10");
	CU_ASSERT_EQUAL(p->nfips, 2);
	/* the port on a network no interface names, the IPv6 route: left out, said why */
	CU_ASSERT_EQUAL_FATAL(p->nnotes, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(p->notes[0], "router interface p-2 10.7.0.1/24 on network "
	                                          "elsewhere: no interface of node k1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(p->notes[1], "route 2001:db8::/32 via 2001:db8::1: not an "
	                                          "IPv4 route"));

	/* enable_snat false: no subnet translation, floating IPs still */
	t->enable_snat = false;
	lab_k5_plan(&g, t, p);
	CU_ASSERT_EQUAL(p->nsnat, 0);
	CU_ASSERT_EQUAL(p->nnat, 1);
	/* no external gateway: no external address, route, SNAT or floating IP */
	t->has_gateway = false;
	lab_k5_plan(&g, t, p);
	CU_ASSERT_EQUAL(p->naddrs, 2);
	CU_ASSERT_STRING_EQUAL(p->addrs[0].iface, "lan0");
	CU_ASSERT_EQUAL(p->nroutes, 1);
	CU_ASSERT_FALSE(p->has_ext);
	CU_ASSERT_EQUAL(p->nnat + p->nsnat + p->nfips, 0);
	/* a null gateway_ip: the address, no default route */
	t->has_gateway = true;
	t->ext_gateway_ip[0] = 0;
	lab_k5_plan(&g, t, p);
	CU_ASSERT_EQUAL(p->nroutes, 1);
	CU_ASSERT_EQUAL(p->routes[0].dst.len, 12);
	/* the router gone: nothing at all */
	lab_k5_plan(&g, NULL, p);
	CU_ASSERT_EQUAL(p->naddrs + p->nroutes + p->nnat + p->nsnat + p->nnotes, 0);
	free(t);
	free(p);
}

static void test_nft_render(void)
{
	struct sc_gateway g;
	struct k5_router_topo *t = calloc(1, sizeof *t);
	struct lab_k5_plan *p = calloc(1, sizeof *p);
	char buf[2048], small[64];

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	node(&g);
	topo_fill(t);
	lab_k5_plan(&g, t, p);
	CU_ASSERT_FATAL(lab_k5_nft_render(p, buf, sizeof buf) > 0);
	CU_ASSERT_STRING_EQUAL(buf,
		"add table ip vpnlab_k5\n"
		"delete table ip vpnlab_k5\n"
		"table ip vpnlab_k5 {\n"
		"\tchain prerouting {\n"
		"\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
		"\t\tiifname \"wan0\" ip daddr 198.51.100.50 dnat to 10.1.1.10\n"
		"\t}\n"
		"\tchain postrouting {\n"
		"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
		"\t\toifname \"wan0\" ip saddr 10.1.1.10 snat to 198.51.100.50\n"
		"\t\toifname \"wan0\" ip saddr 10.1.1.0/24 snat to 198.51.100.2\n"
		"\t\toifname \"wan0\" ip saddr 10.5.0.0/16 snat to 198.51.100.2\n"
		"\t}\n"
		"}\n");
	CU_ASSERT_EQUAL(lab_k5_nft_render(p, small, sizeof small), -ENOSPC);
	/* nothing to translate: the table goes */
	lab_k5_plan(&g, NULL, p);
	CU_ASSERT_FATAL(lab_k5_nft_render(p, buf, sizeof buf) > 0);
	CU_ASSERT_STRING_EQUAL(buf, "add table ip vpnlab_k5\ndelete table ip vpnlab_k5\n");
	free(t);
	free(p);
}

/* The external subnet's gateway must be on the far end of the uplink: a veth peer, or an
 * interface on the same segment. */
static void test_outside_check(void)
{
	struct lab_iface up = { .name = "wan0", .peer = "inet:e0" };
	struct lab_iface e0 = { .name = "e0", .peer = "k1:wan0", .naddrs = 1 };
	struct lab_iface x = { .name = "eth0", .peer = "outside", .naddrs = 1 };
	struct lab_node nodes[3] = {
		{ .name = "k1", .ifaces = &up, .nifaces = 1 },
		{ .name = "inet", .ifaces = &e0, .nifaces = 1 },
		{ .name = "x1", .ifaces = &x, .nifaces = 1 },
	};
	struct lab lab = { .nodes = nodes, .nnodes = 3 };
	struct sc_gateway g;
	struct k5_router_topo *t = calloc(1, sizeof *t);
	char msg[400] = "";

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	up.node = &nodes[0];
	e0.node = &nodes[1];
	x.node = &nodes[2];
	CU_ASSERT_FATAL(sc_parse_prefix("198.51.100.1/24", &e0.addrs[0], true) == 0);
	CU_ASSERT_FATAL(sc_parse_prefix("203.0.113.1/24", &x.addrs[0], true) == 0);
	node(&g);
	topo_fill(t);
	CU_ASSERT_EQUAL(lab_k5_outside_check(&lab, &g, t, msg, sizeof msg), 0);
	/* a router on AZ2's network while the uplink faces AZ1's outside */
	snprintf(t->ext_network_name, sizeof t->ext_network_name, "inf_az2_ext-net01");
	snprintf(t->ext_cidr, sizeof t->ext_cidr, "203.0.113.0/24");
	snprintf(t->ext_gateway_ip, sizeof t->ext_gateway_ip, "203.0.113.1");
	CU_ASSERT_EQUAL(lab_k5_outside_check(&lab, &g, t, msg, sizeof msg), -EADDRNOTAVAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "external network inf_az2_ext-net01 (203.0.113.0/24, "
	                                   "gateway 203.0.113.1) is not the lab's outside: the far "
	                                   "end of k1:wan0 holds inet:e0 198.51.100.1/24"));
	/* on a segment: any other member holding the gateway will do */
	snprintf(up.peer, sizeof up.peer, "outside");
	CU_ASSERT_EQUAL(lab_k5_outside_check(&lab, &g, t, msg, sizeof msg), 0);
	/* no gateway (or a null gateway_ip): nothing to check */
	snprintf(up.peer, sizeof up.peer, "elsewhere");
	CU_ASSERT_EQUAL(lab_k5_outside_check(&lab, &g, t, msg, sizeof msg), -EADDRNOTAVAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "holds no address"));
	t->ext_gateway_ip[0] = 0;
	CU_ASSERT_EQUAL(lab_k5_outside_check(&lab, &g, t, msg, sizeof msg), 0);
	free(t);
}

UNIT_SUITE(k5_topology,
	UNIT_TEST(test_external_config),
	UNIT_TEST(test_outside_check),
	UNIT_TEST(test_router_topology),
	UNIT_TEST(test_interfaces_and_gateway),
	UNIT_TEST(test_fip_status_from_the_lab),
	UNIT_TEST(test_plan),
	UNIT_TEST(test_nft_render))
