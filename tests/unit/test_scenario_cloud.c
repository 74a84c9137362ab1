/*
 * The clouds section, cloud gateways and the api / cloud wait steps as loaded (their errors
 * are in fixtures/scenarios/invalid-clouds.yaml), and the template filling of api steps.
 */
#include "tests/unit/unit.h"
#include "harness/scenario.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char text[] =
	"name: t\n"
	"topology:\n"
	"  nodes: {r1: {forward: true}, r2: {forward: true}, h1: {}}\n"
	"  links:\n"
	"    - [r1:wan0 198.51.100.1/24, h1:eth0 198.51.100.2/24]\n"
	"    - [r2:wan0, h1:eth1 203.0.113.1/24]\n"
	"    - [r2:lan0, h1:eth2 10.1.0.10/24]\n"
	"    - [r2:lan1, h1:eth3 10.2.0.10/24]\n"
	"  routes:\n"
	"    r1: [default via 198.51.100.2]\n"
	"clouds:\n"
	"  k5: {listen: 'r1:198.51.100.1:5000', user: u, password: p}\n"
	"  sakura:\n"
	"gateways:\n"
	"  r2: {cloud: k5, router: rt-1, uplink: wan0, ports: {lan0: net-1, lan1: 5e1c-id}}\n"
	"steps:\n"
	"  - api: {cloud: k5, login: {user: u, password: p, project: pr}}\n"
	"  - api:\n"
	"      cloud: k5\n"
	"      method: POST\n"
	"      path: /v2.0/vpn/ikepolicies\n"
	"      body: {ikepolicy: {name: x, lifetime: {value: 86400}, up: true, t: 'true',\n"
	"             cidrs: [10.0.0.0/8], n: null, f: 1.5}}\n"
	"      expect: {status: 201, contains: [a, b]}\n"
	"      save: {ike: ikepolicy.id, tok: 'header:X-Subject-Token'}\n"
	"  - api: {cloud: sakura, method: GET, path: '/cloud/zone/{zone}/x/{ike}'}\n"
	"  - wait: {cloud: k5, connection: c1, status: ACTIVE, within: 2m, every: 5s}\n"
	"  - wait: {cloud: sakura, appliance: vr, peer: 192.0.2.1, status: UP}\n";

static void test_cloud_load(void)
{
	struct sc_diags d = { 0 };
	struct scenario *sc = NULL;
	const struct sc_cloud *k5, *sk;
	const struct sc_api *a;
	char addr[64];

	CU_ASSERT_EQUAL_FATAL(scenario_load_buffer("t.yaml", text, strlen(text), &sc, &d), 0);
	k5 = &sc->clouds[SC_CLOUD_K5];
	sk = &sc->clouds[SC_CLOUD_SAKURA];
	CU_ASSERT_TRUE(k5->present);
	CU_ASSERT_STRING_EQUAL(k5->node, "r1");
	sc_format_prefix(&k5->addr, false, addr, sizeof addr);
	CU_ASSERT_STRING_EQUAL(addr, "198.51.100.1");
	CU_ASSERT_EQUAL(k5->port, 5000);
	CU_ASSERT_STRING_EQUAL(k5->region, "jp-east-1");
	CU_ASSERT_STRING_EQUAL(k5->user, "u");
	/* `sakura:` with nothing: the home's loopback, a free port, the default zone */
	CU_ASSERT_TRUE(sk->present);
	CU_ASSERT_STRING_EQUAL(sk->node, "");
	sc_format_prefix(&sk->addr, false, addr, sizeof addr);
	CU_ASSERT_STRING_EQUAL(addr, "127.0.0.1");
	CU_ASSERT_EQUAL(sk->port, 0);
	CU_ASSERT_STRING_EQUAL(sk->zone, "tk1v");
	CU_ASSERT_FALSE(sk->stuck_migration);

	CU_ASSERT_EQUAL(sc->gateways[0].cloud, SC_CLOUD_K5);
	CU_ASSERT_STRING_EQUAL(sc->gateways[0].cloud_object, "rt-1");
	CU_ASSERT_STRING_EQUAL(sc->gateways[0].profile, "k5-vpnaas");
	CU_ASSERT_EQUAL(sc->gateways[0].nconns, 0);
	/* a K5 router's interfaces: the uplink is the external gateway's, ports the networks' */
	CU_ASSERT_STRING_EQUAL(sc->gateways[0].uplink, "wan0");
	CU_ASSERT_EQUAL_FATAL(sc->gateways[0].nk5_ports, 2);
	CU_ASSERT_STRING_EQUAL(sc->gateways[0].k5_ports[0].iface, "lan0");
	CU_ASSERT_STRING_EQUAL(sc->gateways[0].k5_ports[0].network, "net-1");
	CU_ASSERT_STRING_EQUAL(sc->gateways[0].k5_ports[1].iface, "lan1");
	CU_ASSERT_STRING_EQUAL(sc->gateways[0].k5_ports[1].network, "5e1c-id");
	CU_ASSERT_EQUAL(sc->gateways[0].k5_ports[1].pos.line, 15);

	CU_ASSERT_EQUAL_FATAL(sc->nsteps, 5);
	a = sc->steps[0].u.api;
	CU_ASSERT_TRUE(a->login);
	CU_ASSERT_STRING_EQUAL(a->method, "POST");
	CU_ASSERT_STRING_EQUAL(a->path, "/v3/auth/tokens");
	CU_ASSERT_EQUAL(a->expect_status, 201);
	a = sc->steps[1].u.api;
	/* plain scalars typed as JSON, quoted ones strings; key order kept */
	CU_ASSERT_STRING_EQUAL(a->body, "{\"ikepolicy\":{\"name\":\"x\",\"lifetime\":{\"value\":86400},"
	                       "\"up\":true,\"t\":\"true\",\"cidrs\":[\"10.0.0.0/8\"],\"n\":null,"
	                       "\"f\":1.5}}");
	CU_ASSERT_EQUAL(a->expect_status, 201);
	CU_ASSERT_EQUAL(a->ncontains, 2);
	CU_ASSERT_EQUAL_FATAL(a->nsaves, 2);
	CU_ASSERT_STRING_EQUAL(a->saves[0].var, "ike");
	CU_ASSERT_STRING_EQUAL(a->saves[0].from, "ikepolicy.id");
	CU_ASSERT_STRING_EQUAL(a->saves[1].from, "header:X-Subject-Token");
	CU_ASSERT_EQUAL(sc->steps[3].kind, SC_STEP_WAIT_CLOUD);
	CU_ASSERT_STRING_EQUAL(sc->steps[3].u.cwait.object, "c1");
	CU_ASSERT_STRING_EQUAL(sc->steps[3].u.cwait.value, "ACTIVE");
	CU_ASSERT_EQUAL(sc->steps[3].u.cwait.within, lab_sec(120));
	CU_ASSERT_EQUAL(sc->steps[3].u.cwait.every, lab_sec(5));
	CU_ASSERT_STRING_EQUAL(sc->steps[4].u.cwait.field, "peer");
	CU_ASSERT_STRING_EQUAL(sc->steps[4].u.cwait.peer, "192.0.2.1");
	scenario_free(sc);
	sc_diags_free(&d);
}

/* clouds.k5.external: the mock's external subnets, which the uplink's far end must face */
static void test_k5_external(void)
{
	static const char head[] =
		"name: t\n"
		"topology:\n"
		"  nodes: {k1: {forward: true}, inet: {}}\n"
		"  links:\n"
		"    - [k1:wan0, inet:e0 192.0.2.254/24]\n"
		"clouds:\n"
		"  k5:\n";
	static const char tail[] = "gateways:\n  k1: {cloud: k5, router: r1, uplink: wan0}\n";
	static const struct { const char *ext, *want; } cases[] = {
		{ "    external: {az1: {cidr: 192.0.2.0/24, gateway_ip: 192.0.2.254},\n"
		  "               az2: {cidr: 10.200.0.0/16}}\n", "" },
		{ "    external: {az2: {cidr: 192.0.2.0/24, gateway_ip: 192.0.2.254}}\n", "" },
		/* the defaults face no 192.0.2.254 */
		{ "    region: jp-east-1\n",
		  "t.yaml:10:39: uplink wan0: the far end of k1:wan0 holds neither K5 external "
		  "network's gateway (198.51.100.1 of inf_az1_ext-net01 198.51.100.0/24, 203.0.113.1 "
		  "of inf_az2_ext-net01 203.0.113.0/24; clouds.k5.external): the external IP the API "
		  "allocates would not be on the wire\n" },
		{ "    external: {az1: {cidr: 192.0.2.0/24, gateway_ip: 192.0.2.254},\n"
		  "               az2: {cidr: 192.0.0.0/16}}\n",
		  "t.yaml:8:15: external: the subnets of az1 and az2 overlap\n" },
		{ "    external: {az1: {gateway_ip: 192.0.2.254}, az2: {cidr: 2001:db8::/64}}\n",
		  "t.yaml:8:21: external.az1: missing key 'cidr' (the external subnet, like "
		  "198.51.100.0/24)\n"
		  "t.yaml:8:60: external.az2.cidr: '2001:db8::/64' is not an IPv4 subnet /8 to /30\n"
		  "t.yaml:10:39: uplink wan0: the far end of k1:wan0 holds neither K5 external "
		  "network's gateway (198.51.100.1 of inf_az1_ext-net01 198.51.100.0/24, 203.0.113.1 "
		  "of inf_az2_ext-net01 203.0.113.0/24; clouds.k5.external): the external IP the API "
		  "allocates would not be on the wire\n" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sc_diags d = { 0 };
		struct scenario *sc = NULL;
		char *buf = NULL, *got = NULL;
		size_t glen = 0;
		FILE *f = open_memstream(&got, &glen);
		int r;

		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		CU_ASSERT_FATAL(asprintf(&buf, "%s%s%s", head, cases[i].ext, tail) > 0);
		r = scenario_load_buffer("t.yaml", buf, strlen(buf), &sc, &d);
		sc_diags_print(&d, f);
		fclose(f);
		CU_ASSERT_STRING_EQUAL(got, cases[i].want);
		if (strcmp(got, cases[i].want))
			fprintf(stderr, "\n[external %zu] got:\n%s", i, got);
		CU_ASSERT_EQUAL(r, cases[i].want[0] ? -EINVAL : 0);
		if (i == 0 && sc) {
			char a[64];

			sc_format_prefix(&sc->clouds[SC_CLOUD_K5].ext_cidr[0], true, a, sizeof a);
			CU_ASSERT_STRING_EQUAL(a, "192.0.2.0/24");
			sc_format_prefix(&sc->clouds[SC_CLOUD_K5].ext_gw[0], false, a, sizeof a);
			CU_ASSERT_STRING_EQUAL(a, "192.0.2.254");
			sc_format_prefix(&sc->clouds[SC_CLOUD_K5].ext_gw[1], false, a, sizeof a);
			CU_ASSERT_STRING_EQUAL(a, "10.200.0.1");         /* the first host */
		}
		scenario_free(sc);
		sc_diags_free(&d);
		free(buf);
		free(got);
	}
}

UNIT_SUITE(scenario_cloud, UNIT_TEST(test_cloud_load), UNIT_TEST(test_k5_external))
